#!/usr/bin/env bash
# Apache Kafka's own command-line tools, from the jars scripts/setup.sh
# installs (the distribution's bin/kafka-*.sh are not installed):
#
#   scripts/kafka/tool.sh topics ARGS...           kafka-topics.sh
#   scripts/kafka/tool.sh consumer-groups ARGS...  kafka-consumer-groups.sh
#   scripts/kafka/tool.sh configs ARGS...          kafka-configs.sh
#
# e.g. scripts/kafka/tool.sh consumer-groups --bootstrap-server 127.0.0.1:9192 \
#        --group maskcomponent-group --describe
set -euo pipefail
# shellcheck source=scripts/kafka/lib.sh
source "$(dirname "$0")/lib.sh"
tool=${1:-}
shift || true
case "${tool}" in
  topics) kafka_java org.apache.kafka.tools.TopicCommand "$@" ;;
  consumer-groups) kafka_java org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@" ;;
  configs) kafka_java kafka.admin.ConfigCommand "$@" ;;
  *) echo "usage: scripts/kafka/tool.sh topics|consumer-groups|configs ARGS..." >&2; exit 2 ;;
esac
