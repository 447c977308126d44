#!/usr/bin/env bash
# One Apache Kafka node (KRaft, broker and controller) that asks for
# passwords and speaks TLS, for the authentication tests
# (tests/integration/kafka_security_test.cpp) and for trying the SASL/SSL
# variables by hand (docs/operations.md).
#
#   scripts/kafka/secure_broker.sh start DIR   make a CA and certificate, format, start, wait
#   scripts/kafka/secure_broker.sh env DIR     the exports for it (eval "$(... env DIR)")
#   scripts/kafka/secure_broker.sh stop DIR    stop it (DIR is kept; remove it yourself)
#
# Listeners on 127.0.0.1, ports from MC_KAFKA_SECURE_PORTS (five, in this
# order; default 19292 to 19296; the first start keeps them in DIR/ports):
#   PLAINTEXT       no password (the tests' own producer and reader)
#   CONTROLLER      the KRaft quorum
#   SASL_PLAINTEXT  PLAIN user plain-user / plain-user-secret,
#                   SCRAM-SHA-512 user scram-user / scram-user-secret
#   SSL             TLS, the certificate of a CA made here (DIR/ca.pem)
#   SASL_SSL        both: TLS and the same users
# The CA and the broker certificate are throwaway ones made by openssl at
# each first start (valid 2 days, 127.0.0.1 and localhost as names).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/kafka/lib.sh
source "${here}/lib.sh"

action=${1:?usage: secure_broker.sh start|stop|env DIR}
dir=${2:?usage: secure_broker.sh start|stop|env DIR}
# The ports of the first start are kept in DIR/ports for the other commands.
if [ "${action}" = start ] && [ ! -s "${dir}/ports" ]; then
  mkdir -p "${dir}"
  echo "${MC_KAFKA_SECURE_PORTS:-19292 19293 19294 19295 19296}" > "${dir}/ports"
fi
read -r -a ports < "${dir}/ports" 2> /dev/null || ports=(19292 19293 19294 19295 19296)
if [ "${#ports[@]}" -ne 5 ]; then
  echo "MC_KAFKA_SECURE_PORTS must name five ports (got \"${MC_KAFKA_SECURE_PORTS}\")" >&2
  exit 2
fi
plain_port=${ports[0]} controller_port=${ports[1]} sasl_port=${ports[2]} ssl_port=${ports[3]} sasl_ssl_port=${ports[4]}
node=${dir}/node
keystore_password=keystore-secret-of-the-test

make_certificates() {
  [ -f "${dir}/broker.p12" ] && return 0
  local days=2
  openssl req -x509 -newkey rsa:2048 -nodes -days "${days}" -subj "/CN=maskcomponent test CA" \
    -keyout "${dir}/ca.key" -out "${dir}/ca.pem" 2> /dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "${dir}/broker.key" -out "${dir}/broker.csr" 2> /dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    > "${dir}/broker.ext"
  openssl x509 -req -days "${days}" -in "${dir}/broker.csr" -CA "${dir}/ca.pem" -CAkey "${dir}/ca.key" \
    -CAcreateserial -extfile "${dir}/broker.ext" -out "${dir}/broker.pem" 2> /dev/null
  # PKCS#12 with the chain: Kafka reads it as it is (no keytool needed).
  openssl pkcs12 -export -in "${dir}/broker.pem" -inkey "${dir}/broker.key" -certfile "${dir}/ca.pem" \
    -name broker -passout "pass:${keystore_password}" -out "${dir}/broker.p12"
}

write_properties() {
  local jaas_plain='org.apache.kafka.common.security.plain.PlainLoginModule required user_plain-user="plain-user-secret";'
  local jaas_scram='org.apache.kafka.common.security.scram.ScramLoginModule required;'
  mkdir -p "${node}"
  cat > "${node}/server.properties" << EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller_port}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:${plain_port},CONTROLLER://127.0.0.1:${controller_port},SASL_PLAINTEXT://127.0.0.1:${sasl_port},SSL://127.0.0.1:${ssl_port},SASL_SSL://127.0.0.1:${sasl_ssl_port}
advertised.listeners=PLAINTEXT://127.0.0.1:${plain_port},SASL_PLAINTEXT://127.0.0.1:${sasl_port},SSL://127.0.0.1:${ssl_port},SASL_SSL://127.0.0.1:${sasl_ssl_port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
inter.broker.listener.name=PLAINTEXT
log.dirs=${node}/data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas_plain}
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${jaas_scram}
listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas_plain}
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas_scram}
ssl.keystore.type=PKCS12
ssl.keystore.location=${dir}/broker.p12
ssl.keystore.password=${keystore_password}
ssl.key.password=${keystore_password}
ssl.client.auth=none
EOF
}

print_env() {
  cat << EOF
export KAFKA_PLAINTEXT_BOOTSTRAP=127.0.0.1:${plain_port}
export KAFKA_SASL_PLAINTEXT_BOOTSTRAP=127.0.0.1:${sasl_port}
export KAFKA_SSL_BOOTSTRAP=127.0.0.1:${ssl_port}
export KAFKA_SASL_SSL_BOOTSTRAP=127.0.0.1:${sasl_ssl_port}
export KAFKA_TEST_CA=${dir}/ca.pem
export KAFKA_PLAIN_USERNAME=plain-user
export KAFKA_PLAIN_PASSWORD=plain-user-secret
export KAFKA_SCRAM_USERNAME=scram-user
export KAFKA_SCRAM_PASSWORD=scram-user-secret
EOF
}

case "${action}" in
  start)
    mkdir -p "${dir}"
    dir=$(cd "${dir}" && pwd)
    node=${dir}/node
    make_certificates
    write_properties
    started=${SECONDS}
    kafka_format "${node}" "$(kafka_java kafka.tools.StorageTool random-uuid)" \
      --add-scram 'SCRAM-SHA-512=[name=scram-user,password=scram-user-secret]'
    kafka_start "${node}" 256
    if ! kafka_wait "127.0.0.1:${plain_port}" 120; then
      echo "secure Kafka broker did not answer within 120 s; its log: ${node}/server.log" >&2
      tail -n 30 "${node}/server.log" >&2 || true
      exit 1
    fi
    echo "secure Kafka broker ready in $((SECONDS - started)) s, pid $(cat "${node}/pid")"
    ;;
  env) print_env ;;
  stop) kafka_stop "${node}" 30 ;;
  *)
    echo "usage: secure_broker.sh start|stop|env DIR" >&2
    exit 2
    ;;
esac
