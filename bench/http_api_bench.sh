#!/usr/bin/env bash
# The HTTP API's performance figures (issue 21, item 4): starts the local
# stack (scripts/services.sh: PostgreSQL, MinIO, Apache Kafka) and two
# `maskcomponent serve` instances on the bench models, one with the analysis
# cache on and one with ANALYSIS_CACHE=off, and runs mc_bench_http_api
# against them (bench/bench_http_api.cpp says what it prints). Prints
# figures; it passes or fails nothing (a budget that does not hold is
# printed as such).
#
#   bench/http_api_bench.sh [MODELS_DIR]      (default: build/bench_models)
#
# The instances and the bench run MODELS_DIR_person (made from MODELS_DIR by
# bench/make_person_pose.py: the same networks, the pose one finding a person).
# Needs the release build of maskcomponent, mc_s3_bucket and
# mc_bench_http_api; the models are made with bench/make_random_models.py
# when the folder has none (~750 MB, 1.5 min). Settings (environment):
#   MC_BENCH_PORT_BASE   first of the 4 ports the instances take (default 8090):
#                        cached API, its metrics, cache-off API, its metrics
#   MC_BENCH_KEEP_STACK=1  leaves the stack running (it is stopped otherwise)
#   MC_SERVICES_DIR, MC_PG_PORT, MC_S3_PORT, MC_KAFKA_PORT, ...: the stack's (scripts/services.sh)
#   MC_BENCH_ROUNDS, MC_BENCH_CACHED_REPEATS, MC_BENCH_THROUGHPUT_IMAGES,
#   MC_BENCH_THROUGHPUT_ROUNDS: the run's size (bench/bench_http_api.cpp)
# The instances' logs go to build/http_api_bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
bench_models=${1:-build/bench_models}
models=${bench_models}_person
bin=build/release/maskcomponent
bench=build/release/mc_bench_http_api
logs=build/http_api_bench
base=${MC_BENCH_PORT_BASE:-8090}
cached_api=${base} cached_metrics=$((base + 1)) fresh_api=$((base + 2)) fresh_metrics=$((base + 3))

for program in "${bin}" "${bench}" build/release/mc_s3_bucket; do
  if [ ! -x "${program}" ]; then
    echo "http_api_bench: ${program} missing: cmake --build build/release --target maskcomponent mc_s3_bucket mc_bench_http_api" >&2
    exit 2
  fi
done
if [ ! -f "${bench_models}/openpose/ckpts/body_pose_model.onnx" ]; then
  /usr/bin/python3 bench/make_random_models.py "${bench_models}"
fi
# The random pose network finds nobody (422 before the masks): the same
# network with a person added to its outputs (bench/make_person_pose.py).
if [ ! "${models}/openpose/ckpts/body_pose_model.onnx" -nt "${bench_models}/openpose/ckpts/body_pose_model.onnx" ]; then
  /usr/bin/python3 bench/make_person_pose.py "${bench_models}" "${models}"
fi
mkdir -p "${logs}"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "${pid}" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "${pid}" 2> /dev/null || true; done
  if [ -z "${MC_BENCH_KEEP_STACK:-}" ]; then scripts/services.sh stop > /dev/null || true; fi
}
trap cleanup EXIT

scripts/services.sh start
eval "$(scripts/services.sh env)"
export CHECKPOINTS_DIR=${models} GPU_ID=-1 METRICS_BIND_ADDRESS=127.0.0.1

# Waits for /readyz (the models load in some seconds); gives up when the
# instance has exited.
start_serve() {
  local name=$1 api=$2 metrics=$3 cache=$4
  HTTP_API_PORT=${api} METRICS_PORT=${metrics} ANALYSIS_CACHE=${cache} KAFKA_CONSUMER_GROUP=http-api-bench-${name} \
    "${bin}" serve > "${logs}/${name}.log" 2>&1 &
  pids+=($!)
  local pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:${metrics}/readyz"; do
    if ! kill -0 "${pid}" 2> /dev/null; then
      echo "http_api_bench: serve (${name}) exited; see ${logs}/${name}.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "serve (${name}, ANALYSIS_CACHE=${cache}): ready on ${api}, metrics on ${metrics}"
}
# One after the other: both create the schema on the same database.
start_serve cached "${cached_api}" "${cached_metrics}" on
start_serve fresh "${fresh_api}" "${fresh_metrics}" off

echo "load before: $(uptime)"
"${bench}" "${models}" "${cached_api}" "${cached_metrics}" "${fresh_api}" "${fresh_metrics}"
echo "load after: $(uptime)"
