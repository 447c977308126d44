#!/usr/bin/env bash
# Local servers for tests and the demo, on loopback only:
#   PostgreSQL from Debian's packages, in its own data folder (not the system
#   cluster), the s3rver S3 emulator from npm (pinned in scripts/s3rver/), and
#   the Kafka dev broker (mc_dev_broker: librdkafka's mock cluster).
#
#   scripts/services.sh start|stop|status|env [all|postgres|s3|kafka]
#   scripts/services.sh kafka-down|kafka-up     (take the broker down and up)
#
# start waits until each server answers; stop stops them cleanly; status exits
# non-zero when one is down; env prints the variables a client needs.
# Settings (environment):
#   MC_SERVICES_DIR  data, logs and pid files      (default: /tmp/maskcomponent-services-UID)
#   MC_PG_PORT       PostgreSQL port                (default: 55432)
#   MC_S3_PORT       s3rver port                    (default: 4569)
#   MC_DEV_BROKER    the broker program             (default: build/release/mc_dev_broker)
#   MC_KAFKA_PARTITIONS  partitions per topic       (default: 3)
# The broker picks its own port; `env` prints it as KAFKA_BOOTSTRAP_SERVERS.
# PostgreSQL runs as the `postgres` system user when started by root (initdb
# refuses root); database `masks`, user `mask`, password `maskpass`.
# s3rver accepts the access key S3RVER with the secret S3RVER.
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
s3_pid=${dir}/s3/s3rver.pid
kafka_dir=${dir}/kafka
kafka_pid=${kafka_dir}/broker.pid
kafka_bootstrap=${kafka_dir}/bootstrap
dev_broker=${MC_DEV_BROKER:-${root}/build/release/mc_dev_broker}

as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ready() { "${pg_bin}/pg_isready" -q -h 127.0.0.1 -p "${pg_port}"; }
s3_ready() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:${s3_port}/"; }

wait_for() {
  local what=$1 check=$2
  for _ in $(seq 1 100); do
    if ${check}; then return 0; fi
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
  if s3_ready; then echo "s3: already running on 127.0.0.1:${s3_port}"; return 0; fi
  if [ ! -x scripts/s3rver/node_modules/.bin/s3rver ]; then
    (cd scripts/s3rver && npm ci --no-audit --no-fund --silent)
  fi
  mkdir -p "${s3_data}"
  nohup node scripts/s3rver/node_modules/.bin/s3rver -d "${s3_data}" -a 127.0.0.1 -p "${s3_port}" --silent \
    > "${s3_log}" 2>&1 &
  echo $! > "${s3_pid}"
  wait_for s3 s3_ready
  echo "s3: running on 127.0.0.1:${s3_port}"
}

# Stops the process in pid file $1 and waits up to 5 s for it to exit.
stop_pid_file() {
  if [ -s "$1" ]; then
    local pid
    pid=$(cat "$1")
    kill "${pid}" 2> /dev/null || true
    for _ in $(seq 1 50); do kill -0 "${pid}" 2> /dev/null || break; sleep 0.1; done
    rm -f "$1"
  fi
}

stop_s3() {
  stop_pid_file "${s3_pid}"
  echo "s3: stopped"
}

kafka_ready() { [ -s "${kafka_pid}" ] && kill -0 "$(cat "${kafka_pid}")" 2> /dev/null && [ -s "${kafka_bootstrap}" ]; }

start_kafka() {
  if kafka_ready; then echo "kafka: already running on $(cat "${kafka_bootstrap}")"; return 0; fi
  [ -x "${dev_broker}" ] || { echo "services: ${dev_broker} not built (cmake --build --preset release)" >&2; exit 1; }
  mkdir -p "${kafka_dir}"
  rm -f "${kafka_bootstrap}"
  nohup "${dev_broker}" --partitions "${MC_KAFKA_PARTITIONS:-3}" --bootstrap-file "${kafka_bootstrap}" \
    > "${kafka_dir}/broker.log" 2>&1 &
  echo $! > "${kafka_pid}"
  wait_for kafka kafka_ready
  echo "kafka: running on $(cat "${kafka_bootstrap}")"
}

stop_kafka() {
  stop_pid_file "${kafka_pid}"
  rm -f "${kafka_bootstrap}"
  echo "kafka: stopped"
}

signal_kafka() {
  kafka_ready || { echo "kafka: not running" >&2; exit 1; }
  kill "-$1" "$(cat "${kafka_pid}")"
}

print_env() {
  cat <<VARS
export POSTGRES_DSN=postgresql://mask:maskpass@127.0.0.1:${pg_port}/masks
export MINIO_ENDPOINT=127.0.0.1:${s3_port}
export MINIO_ACCESS_KEY=S3RVER
export MINIO_SECRET_KEY=S3RVER
export MINIO_BUCKET=masks
export MINIO_SECURE=false
export BASE_URL=http://127.0.0.1:${s3_port}/masks
VARS
  if [ -s "${kafka_bootstrap}" ]; then echo "export KAFKA_BOOTSTRAP_SERVERS=$(cat "${kafka_bootstrap}")"; fi
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
      if kafka_ready; then echo "kafka: up on $(cat "${kafka_bootstrap}")"; else echo "kafka: down"; down=1; fi
    fi
    exit ${down}
    ;;
  env) print_env ;;
  kafka-down) signal_kafka USR1 ;;
  kafka-up) signal_kafka USR2 ;;
  *) echo "usage: scripts/services.sh start|stop|status|env [all|postgres|s3|kafka] | kafka-down | kafka-up" >&2; exit 2 ;;
esac
