#!/usr/bin/env bash
# Three Apache Kafka nodes (KRaft; each a broker and a controller, a
# three-voter quorum) on 127.0.0.1, for the failover tests
# (tests/integration/kafka_failover_test.cpp). New topics get replication
# factor 3 and min.insync.replicas=2 (also the group's offsets topic).
#
#   scripts/kafka/cluster.sh start DIR         format (once) and start all three, wait until they answer
#   scripts/kafka/cluster.sh env DIR           KAFKA_BOOTSTRAP_SERVERS (all three) and one per node
#   scripts/kafka/cluster.sh stop DIR          stop all (DIR is kept)
#   scripts/kafka/cluster.sh kill DIR N        SIGKILL node N (1, 2 or 3)
#   scripts/kafka/cluster.sh stop-node DIR N   SIGTERM node N (a clean stop)
#   scripts/kafka/cluster.sh start-node DIR N  start node N again, wait until it answers
#
# Ports from MC_KAFKA_CLUSTER_PORTS: six, the three brokers' then the three
# controllers' (default 19292 to 19297; the first start keeps them in
# DIR/ports). Heaps of 256 MB each.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/kafka/lib.sh
source "${here}/lib.sh"

usage="usage: cluster.sh start|stop|env DIR | kill|stop-node|start-node DIR N"
action=${1:?${usage}}
dir=${2:?${usage}}
# The ports of the first start are kept in DIR/ports for the other commands.
if [ "${action}" = start ] && [ ! -s "${dir}/ports" ]; then
  mkdir -p "${dir}"
  echo "${MC_KAFKA_CLUSTER_PORTS:-19292 19293 19294 19295 19296 19297}" > "${dir}/ports"
fi
read -r -a ports < "${dir}/ports" 2> /dev/null || ports=(19292 19293 19294 19295 19296 19297)
if [ "${#ports[@]}" -ne 6 ]; then
  echo "MC_KAFKA_CLUSTER_PORTS must name six ports (got \"${MC_KAFKA_CLUSTER_PORTS}\")" >&2
  exit 2
fi
broker_port() { echo "${ports[$(($1 - 1))]}"; }
controller_port() { echo "${ports[$(($1 + 2))]}"; }
voters="1@127.0.0.1:$(controller_port 1),2@127.0.0.1:$(controller_port 2),3@127.0.0.1:$(controller_port 3)"
bootstrap="127.0.0.1:$(broker_port 1),127.0.0.1:$(broker_port 2),127.0.0.1:$(broker_port 3)"

node_number() {
  case "${1:-}" in
    1 | 2 | 3) echo "$1" ;;
    *)
      echo "${usage}" >&2
      exit 2
      ;;
  esac
}

write_properties() {
  local n=$1 node=${dir}/node$1
  mkdir -p "${node}"
  cat > "${node}/server.properties" << EOF
process.roles=broker,controller
node.id=${n}
controller.quorum.voters=${voters}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$(broker_port "${n}"),CONTROLLER://127.0.0.1:$(controller_port "${n}")
advertised.listeners=PLAINTEXT://127.0.0.1:$(broker_port "${n}")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${node}/data
num.partitions=3
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
group.initial.rebalance.delay.ms=0
# A killed node is fenced (its partitions led elsewhere) within 6 s, not 9.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=6000
EOF
}

start_node() {
  local n=$1
  kafka_start "${dir}/node${n}" 256
}

wait_node() {
  local n=$1
  if ! kafka_wait "127.0.0.1:$(broker_port "${n}")" 120; then
    echo "Kafka node ${n} did not answer within 120 s; its log: ${dir}/node${n}/server.log" >&2
    tail -n 30 "${dir}/node${n}/server.log" >&2 || true
    exit 1
  fi
}

case "${action}" in
  start)
    mkdir -p "${dir}"
    dir=$(cd "${dir}" && pwd)
    started=${SECONDS}
    cluster_id_file=${dir}/cluster-id
    [ -s "${cluster_id_file}" ] || kafka_java kafka.tools.StorageTool random-uuid > "${cluster_id_file}"
    for n in 1 2 3; do
      write_properties "${n}"
      kafka_format "${dir}/node${n}" "$(cat "${cluster_id_file}")"
    done
    for n in 1 2 3; do start_node "${n}"; done
    for n in 1 2 3; do wait_node "${n}"; done
    echo "Kafka cluster of 3 nodes ready in $((SECONDS - started)) s on ${bootstrap}"
    ;;
  env)
    echo "export KAFKA_BOOTSTRAP_SERVERS=${bootstrap}"
    for n in 1 2 3; do echo "export KAFKA_NODE${n}_BOOTSTRAP=127.0.0.1:$(broker_port "${n}")"; done
    ;;
  stop) for n in 1 2 3; do kafka_stop "${dir}/node${n}" 30; done ;;
  kill) kafka_kill "${dir}/node$(node_number "${3:-}")" ;;
  stop-node) kafka_stop "${dir}/node$(node_number "${3:-}")" 30 ;;
  start-node)
    n=$(node_number "${3:-}")
    start_node "${n}"
    wait_node "${n}"
    ;;
  *)
    echo "${usage}" >&2
    exit 2
    ;;
esac
