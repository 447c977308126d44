# Shell functions to run Apache Kafka nodes (KRaft) from the jars that
# scripts/setup.sh installs; sourced by scripts/services.sh and the test
# scripts. A node is a folder holding server.properties; its data, log and pid
# file live beside it.
#
#   kafka_java CLASS ARGS...        a Kafka main class (tools: kafka_java
#                                   org.apache.kafka.tools.TopicCommand ...)
#   kafka_format NODE_DIR CLUSTER_ID [ARGS...]   format the storage once
#   kafka_start NODE_DIR [HEAP_MB]  start in the background (pid in NODE_DIR/pid)
#   kafka_wait BOOTSTRAP SECONDS [CLIENT_PROPERTIES]  until it answers
#   kafka_stop NODE_DIR [SECONDS]   SIGTERM, then SIGKILL after SECONDS (30)
#   kafka_kill NODE_DIR             SIGKILL now
#   kafka_running NODE_DIR
#   kafka_cluster_id                a new random cluster id (for kafka_format)
# Settings: MC_KAFKA_DIR (default /opt/maskcomponent/kafka-VERSION).

kafka_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kafka_version=$(sed -n 's|.*<kafka.version>\(.*\)</kafka.version>.*|\1|p' "${kafka_root}/scripts/kafka/pom.xml")
kafka_home=${MC_KAFKA_DIR:-/opt/maskcomponent/kafka-${kafka_version}}

# Small heaps: a test broker holds a few megabytes of messages.
kafka_java() {
  local class=$1
  shift
  java -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="${kafka_root}/scripts/kafka/log4j2-tools.yaml" \
    -cp "${kafka_home}/libs/*" "${class}" "$@"
}

kafka_format() {
  local node=$1 cluster_id=$2
  shift 2
  if [ -f "${node}/data/meta.properties" ]; then return 0; fi
  kafka_java kafka.tools.StorageTool format --ignore-formatted -t "${cluster_id}" \
    -c "${node}/server.properties" "$@" > "${node}/format.log" 2>&1 || {
    cat "${node}/format.log" >&2
    return 1
  }
}

kafka_running() {
  local node=$1
  [ -f "${node}/pid" ] && kill -0 "$(cat "${node}/pid")" 2> /dev/null
}

kafka_start() {
  local node=$1 heap=${2:-384}
  if kafka_running "${node}"; then return 0; fi
  (
    cd "${node}"
    exec java "-Xms64m" "-Xmx${heap}m" -XX:+UseSerialGC \
      -Dlog4j2.configurationFile="${kafka_root}/scripts/kafka/log4j2-broker.yaml" \
      -Dkafka.logs.dir="${node}" \
      -cp "${kafka_home}/libs/*" kafka.Kafka "${node}/server.properties"
  ) >> "${node}/stdout.log" 2>&1 &
  echo $! > "${node}/pid"
}

kafka_wait() {
  local bootstrap=$1 seconds=$2 config=${3:-}
  local deadline=$((SECONDS + seconds)) extra=()
  if [ -n "${config}" ]; then extra=(--command-config "${config}"); fi
  until kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "${bootstrap}" \
    "${extra[@]}" --list > /dev/null 2>&1; do
    if [ "${SECONDS}" -ge "${deadline}" ]; then return 1; fi
    sleep 0.5
  done
}

kafka_stop() {
  local node=$1 seconds=${2:-30} pid
  kafka_running "${node}" || { rm -f "${node}/pid"; return 0; }
  pid=$(cat "${node}/pid")
  kill "${pid}" 2> /dev/null || true
  for _ in $(seq $((seconds * 10))); do
    kill -0 "${pid}" 2> /dev/null || break
    sleep 0.1
  done
  kill -9 "${pid}" 2> /dev/null || true
  rm -f "${node}/pid"
}

kafka_kill() {
  local node=$1
  if kafka_running "${node}"; then kill -9 "$(cat "${node}/pid")" 2> /dev/null || true; fi
  rm -f "${node}/pid"
}

# 16 random bytes in URL-safe base64 without padding, as Kafka's Uuid prints
# them (what `kafka-storage.sh random-uuid` gives, without starting a JVM).
kafka_cluster_id() {
  head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}
