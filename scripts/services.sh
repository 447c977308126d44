#!/usr/bin/env bash
# Local servers for tests and the demo, on loopback only:
#   PostgreSQL from Debian's packages, in its own data folder (not the system
#   cluster), MinIO (the version pinned in scripts/minio/VERSION, built once
#   per machine by scripts/setup.sh), and Apache Kafka (the version pinned in
#   scripts/kafka/pom.xml, installed by scripts/setup.sh): one KRaft node,
#   broker and controller in one process (scripts/kafka/lib.sh).
#
#   scripts/services.sh start|stop|status|env [all|postgres|s3|kafka]
#   scripts/services.sh kafka-down|kafka-up     (take the broker down and up)
#
# start waits until each server answers; stop stops them cleanly; status exits
# non-zero when one is down; env prints the variables a client needs.
# Settings (environment):
#   MC_SERVICES_DIR  data, logs and pid files      (default: /tmp/maskcomponent-services-UID)
#   MC_PG_PORT       PostgreSQL port                (default: 55432)
#   MC_S3_PORT       MinIO's S3 port                (default: 4569)
#   MC_MINIO         the MinIO program              (default: /opt/maskcomponent/minio-VERSION/minio)
#   MC_S3_BUCKET_TOOL  makes the bucket             (default: build/release/mc_s3_bucket)
#   MC_KAFKA_PORT    Kafka's client port            (default: 9192)
#   MC_KAFKA_CONTROLLER_PORT  its KRaft controller port  (default: MC_KAFKA_PORT + 1)
#   MC_KAFKA_HEAP_MB  the broker's Java heap        (default: 256)
#   MC_KAFKA_PARTITIONS  partitions per topic       (default: 3)
#   MC_KAFKA_DIR     the Kafka installation         (default: /opt/maskcomponent/kafka-VERSION)
# `env` prints KAFKA_BOOTSTRAP_SERVERS while the broker runs. Topics are not
# created when first used (auto.create.topics.enable=false, as in
# production): start creates mask_input, mask_output and mask_input_poison;
# tests create their own. kafka-down stops the broker (SIGTERM, a clean
# shutdown), kafka-up starts it again on the same data.
# PostgreSQL runs as the `postgres` system user when started by root (initdb
# refuses root); database `masks`, user `mask`, password `maskpass`.
# MinIO's root user is maskcomponent with the password maskcomponent-local
# (MINIO_ACCESS_KEY / MINIO_SECRET_KEY of `env`); its web console is off. On
# its first start the bucket `masks` is made with mc_s3_bucket (our own S3
# client) and given a public-read policy: anyone may GET its objects, as the
# unsigned mask URLs under BASE_URL need.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Under /tmp by default: when run as root, PostgreSQL runs as `postgres`, which
# may not be allowed to enter the checkout (a home folder, say).
dir=${MC_SERVICES_DIR:-/tmp/maskcomponent-services-$(id -u)}
pg_port=${MC_PG_PORT:-55432}
s3_port=${MC_S3_PORT:-4569}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pg_data=${dir}/postgres/data
pg_log=${dir}/postgres/server.log
s3_data=${dir}/s3/data
s3_log=${dir}/s3/server.log
s3_pid=${dir}/s3/minio.pid
s3_bucket_ready=${dir}/s3/bucket-ready
minio_version=$(cat "${root}/scripts/minio/VERSION")
minio=${MC_MINIO:-/opt/maskcomponent/minio-${minio_version}/minio}
bucket_tool=${MC_S3_BUCKET_TOOL:-${root}/build/release/mc_s3_bucket}
s3_user=maskcomponent
s3_password=maskcomponent-local
kafka_dir=${dir}/kafka
kafka_node=${kafka_dir}/node
kafka_port=${MC_KAFKA_PORT:-9192}
kafka_controller_port=${MC_KAFKA_CONTROLLER_PORT:-$((kafka_port + 1))}
kafka_bootstrap=127.0.0.1:${kafka_port}
kafka_topics_ready=${kafka_node}/topics-ready
# shellcheck source=scripts/kafka/lib.sh
source "${root}/scripts/kafka/lib.sh"

as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ready() { "${pg_bin}/pg_isready" -q -h 127.0.0.1 -p "${pg_port}"; }
s3_ready() { curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:${s3_port}/minio/health/live"; }

# Waits up to 20 s for `check`; with a pid file, gives up at once when that
# process has exited (a port in use, a bad data folder).
wait_for() {
  local what=$1 check=$2 pid_file=${3:-}
  for _ in $(seq 1 100); do
    if ${check}; then return 0; fi
    if [ -n "${pid_file}" ] && ! kill -0 "$(cat "${pid_file}")" 2> /dev/null; then
      echo "services: ${what} exited while starting" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "services: ${what} did not answer in 20 s" >&2
  return 1
}

start_postgres() {
  [ -x "${pg_bin}/pg_ctl" ] || { echo "services: PostgreSQL not installed (run scripts/setup.sh)" >&2; exit 1; }
  if pg_ready; then echo "postgres: already running on 127.0.0.1:${pg_port}"; return 0; fi
  mkdir -p "${dir}/postgres"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "${dir}/postgres"; fi
  if [ ! -s "${pg_data}/PG_VERSION" ]; then
    local pwfile=${dir}/postgres/pwfile
    echo maskpass > "${pwfile}"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "${pwfile}"; fi
    as_pg_user "${pg_bin}/initdb" -D "${pg_data}" -U mask --pwfile="${pwfile}" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 > "${dir}/postgres/initdb.log"
    rm -f "${pwfile}"
  fi
  as_pg_user "${pg_bin}/pg_ctl" -D "${pg_data}" -l "${pg_log}" -w -t 30 \
    -o "-p ${pg_port} -c listen_addresses=127.0.0.1 -k ${dir}/postgres" start > /dev/null
  wait_for postgres pg_ready
  if ! PGPASSWORD=maskpass psql -h 127.0.0.1 -p "${pg_port}" -U mask -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'masks'" | grep -q 1; then
    PGPASSWORD=maskpass psql -q -h 127.0.0.1 -p "${pg_port}" -U mask -d postgres -c "CREATE DATABASE masks"
  fi
  echo "postgres: running on 127.0.0.1:${pg_port}"
}

stop_postgres() {
  if [ -s "${pg_data}/postmaster.pid" ]; then
    as_pg_user "${pg_bin}/pg_ctl" -D "${pg_data}" -m fast -w stop > /dev/null || true
  fi
  echo "postgres: stopped"
}

start_s3() {
  if s3_ready; then
    echo "s3: already running on 127.0.0.1:${s3_port}"
  else
    [ -x "${minio}" ] || { echo "services: ${minio} not installed (run scripts/setup.sh)" >&2; exit 1; }
    # A new data folder has no bucket yet, whatever an old marker says.
    if [ ! -d "${s3_data}" ]; then rm -f "${s3_bucket_ready}"; fi
    mkdir -p "${s3_data}"
    MINIO_ROOT_USER=${s3_user} MINIO_ROOT_PASSWORD=${s3_password} MINIO_BROWSER=off MINIO_UPDATE=off \
      nohup "${minio}" server --quiet --address "127.0.0.1:${s3_port}" "${s3_data}" > "${s3_log}" 2>&1 &
    echo $! > "${s3_pid}"
    if ! wait_for s3 s3_ready "${s3_pid}"; then
      echo "services: MinIO's log (${s3_log}):" >&2
      tail -n 20 "${s3_log}" >&2 || true
      exit 1
    fi
    echo "s3: running on 127.0.0.1:${s3_port} (MinIO ${minio_version})"
  fi
  # The bucket and its policy live in the data folder: made once per data
  # folder, also when an earlier start failed after MinIO came up.
  if [ ! -e "${s3_bucket_ready}" ]; then
    [ -x "${bucket_tool}" ] || { echo "services: ${bucket_tool} not built (cmake --build --preset release)" >&2; exit 1; }
    MINIO_ENDPOINT=127.0.0.1:${s3_port} MINIO_ACCESS_KEY=${s3_user} MINIO_SECRET_KEY=${s3_password} \
      MINIO_BUCKET=masks "${bucket_tool}" > /dev/null
    touch "${s3_bucket_ready}"
  fi
}

# Stops the process in pid file $1 and waits up to 5 s for it to exit.
stop_pid_file() {
  if [ -s "$1" ]; then
    local pid
    pid=$(cat "$1")
    kill "${pid}" 2> /dev/null || true
    for _ in $(seq 1 50); do kill -0 "${pid}" 2> /dev/null || break; sleep 0.1; done
    if kill -0 "${pid}" 2> /dev/null; then
      kill -9 "${pid}" 2> /dev/null || true
      for _ in $(seq 1 50); do kill -0 "${pid}" 2> /dev/null || break; sleep 0.1; done
    fi
    rm -f "$1"
  fi
}

stop_s3() {
  stop_pid_file "${s3_pid}"
  echo "s3: stopped"
}

kafka_ready() { kafka_running "${kafka_node}" && (: < "/dev/tcp/127.0.0.1/${kafka_port}") 2> /dev/null; }

# A single node for tests: each setting below differs from Kafka's default
# for a reason given beside it.
write_kafka_properties() {
  cat > "${kafka_node}/server.properties" <<PROPERTIES
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:${kafka_port},CONTROLLER://127.0.0.1:${kafka_controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:${kafka_port}
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:${kafka_controller_port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${kafka_node}/data
# As in production: a topic nobody created is an error, not a new topic.
auto.create.topics.enable=false
num.partitions=${MC_KAFKA_PARTITIONS:-3}
# One node: internal topics with one replica (the default 3 cannot be placed).
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Fewer than the default 50: the offsets topic is made at the first group's
# join, and 50 partitions cost a test run seconds.
offsets.topic.num.partitions=3
# A new group's first rebalance starts at once (default: waits 3 s for more members).
group.initial.rebalance.delay.ms=0
PROPERTIES
}

# Waits for the port (cheap), then for an answer to a metadata request (one JVM).
wait_kafka() {
  for _ in $(seq 1 300); do
    if kafka_ready; then break; fi
    if ! kafka_running "${kafka_node}"; then echo "services: kafka exited while starting" >&2; return 1; fi
    sleep 0.2
  done
  kafka_wait "${kafka_bootstrap}" 60 || { echo "services: kafka did not answer in 60 s" >&2; return 1; }
}

create_kafka_topics() {
  [ -e "${kafka_topics_ready}" ] && return 0
  local pids=() topic
  for topic in mask_input mask_output mask_input_poison; do
    kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "${kafka_bootstrap}" --create --if-not-exists \
      --topic "${topic}" --partitions "${MC_KAFKA_PARTITIONS:-3}" --replication-factor 1 > /dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "${pid}" || { echo "services: creating the topics failed" >&2; return 1; }; done
  touch "${kafka_topics_ready}"
}

start_kafka() {
  if kafka_running "${kafka_node}"; then echo "kafka: already running on ${kafka_bootstrap}"; return 0; fi
  [ -d "${kafka_home}/libs" ] || { echo "services: ${kafka_home} not installed (run scripts/setup.sh)" >&2; exit 1; }
  local began=${EPOCHREALTIME}
  mkdir -p "${kafka_node}"
  write_kafka_properties
  # The storage is formatted once; its topics and offsets outlive restarts.
  if [ ! -f "${kafka_node}/data/meta.properties" ]; then rm -f "${kafka_topics_ready}"; fi
  kafka_format "${kafka_node}" "$(kafka_cluster_id)" --standalone
  kafka_start "${kafka_node}" "${MC_KAFKA_HEAP_MB:-256}"
  if ! wait_kafka; then
    echo "services: Kafka's log (${kafka_node}/server.log):" >&2
    tail -n 20 "${kafka_node}/server.log" "${kafka_node}/stdout.log" >&2 || true
    kafka_kill "${kafka_node}"
    exit 1
  fi
  local answered=${EPOCHREALTIME}
  create_kafka_topics
  local rss_kb
  rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$(cat "${kafka_node}/pid")/status")
  awk -v b="${kafka_bootstrap}" -v v="${kafka_version}" -v t0="${began}" -v t1="${answered}" -v t2="${EPOCHREALTIME}" \
    -v rss="${rss_kb}" 'BEGIN { printf "kafka: running on %s (Apache Kafka %s, KRaft; answered in %.1f s, ready with its topics in %.1f s; RSS %d MB)\n", b, v, t1 - t0, t2 - t0, rss / 1024 }'
}

stop_kafka() {
  kafka_stop "${kafka_node}" 30
  echo "kafka: stopped"
}

print_env() {
  cat <<VARS
export POSTGRES_DSN=postgresql://mask:maskpass@127.0.0.1:${pg_port}/masks
export MINIO_ENDPOINT=127.0.0.1:${s3_port}
export MINIO_ACCESS_KEY=${s3_user}
export MINIO_SECRET_KEY=${s3_password}
export MINIO_BUCKET=masks
export MINIO_SECURE=false
export BASE_URL=http://127.0.0.1:${s3_port}/masks
VARS
  if kafka_running "${kafka_node}"; then echo "export KAFKA_BOOTSTRAP_SERVERS=${kafka_bootstrap}"; fi
}

action=${1:-status}
which=${2:-all}
wants() { [[ ${which} == all || ${which} == "$1" ]]; }
case "${action}" in
  start)
    if wants postgres; then start_postgres; fi
    if wants s3; then start_s3; fi
    if wants kafka; then start_kafka; fi
    ;;
  stop)
    if wants kafka; then stop_kafka; fi
    if wants s3; then stop_s3; fi
    if wants postgres; then stop_postgres; fi
    ;;
  status)
    down=0
    if wants postgres; then
      if pg_ready; then echo "postgres: up on 127.0.0.1:${pg_port}"; else echo "postgres: down"; down=1; fi
    fi
    if wants s3; then
      if s3_ready; then echo "s3: up on 127.0.0.1:${s3_port}"; else echo "s3: down"; down=1; fi
    fi
    if wants kafka; then
      if kafka_ready; then echo "kafka: up on ${kafka_bootstrap}"; else echo "kafka: down"; down=1; fi
    fi
    exit ${down}
    ;;
  env) print_env ;;
  kafka-down) stop_kafka ;;
  kafka-up) start_kafka ;;
  *) echo "usage: scripts/services.sh start|stop|status|env [all|postgres|s3|kafka] | kafka-down | kafka-up" >&2; exit 2 ;;
esac
