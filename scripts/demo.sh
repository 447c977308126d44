#!/usr/bin/env bash
# The main job: installs, builds, starts the local stack (PostgreSQL, MinIO,
# Apache Kafka) and `maskcomponent serve`, sends a photo with
# `maskcomponent send --wait`, prints the result message, downloads the masks
# from the bucket and writes a preview of them over the photo.
#
# By default the photo is a synthetic figure (tests/golden/male_pants painted
# in the palette of the colour-keyed test parsers) and the models are the test
# models (tests/models/make_test_models.py), since the real checkpoints are not
# in the repository. With real checkpoints and a real photo:
#   CHECKPOINTS_DIR=/path/to/checkpoints DEMO_IMAGE=photo.jpg scripts/demo.sh
#
#   scripts/demo.sh [OUT_DIR]   (default: out/demo)
# writes OUT_DIR/result.json, OUT_DIR/masks/{type}_mask.png, OUT_DIR/preview.png,
# OUT_DIR/metrics.txt (the service's /metrics after the request),
# OUT_DIR/api_request.json and OUT_DIR/api_result.json (the same photo through
# the HTTP API on HTTP_API_PORT, default 8080; the page's address is printed)
# and OUT_DIR/service.log. The service and the stack are stopped at the end
# (MC_DEMO_KEEP=1 leaves the stack running).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ccache.sh
out_dir=${1:-out/demo}
mkdir -p "${out_dir}/masks"

bash scripts/setup.sh
cmake --preset release
cmake --build --preset release --target maskcomponent mc_test_models mc_paint_figure mc_s3_bucket -j "$(nproc)"
bin=./build/release/maskcomponent

scripts/services.sh start
eval "$(scripts/services.sh env)"

if [ -n "${DEMO_IMAGE:-}" ]; then
  image=${DEMO_IMAGE}
  export CHECKPOINTS_DIR=${CHECKPOINTS_DIR:-./checkpoints}
else
  export CHECKPOINTS_DIR=build/release/tests/test_models/one_person
  image=${out_dir}/figure.png
  ./build/release/mc_paint_figure tests/golden/male_pants/parse.png "${CHECKPOINTS_DIR}/palette.json" "${image}"
  echo "synthetic photo: ${image}; test models: ${CHECKPOINTS_DIR}"
fi
export GPU_ID=${GPU_ID:--1}
export KAFKA_CONSUMER_GROUP=maskcomponent-demo
export HTTP_API_PORT=${HTTP_API_PORT:-8080}
# Set, so that a port already taken fails start-up instead of the checks
# below asking whatever holds it.
export METRICS_PORT=${METRICS_PORT:-9108}

"${bin}" serve > "${out_dir}/service.log" 2>&1 &
service_pid=$!
cleanup() {
  kill -TERM "${service_pid}" 2> /dev/null && wait "${service_pid}" || true
  if [ -z "${MC_DEMO_KEEP:-}" ]; then scripts/services.sh stop > /dev/null; fi
}
trap cleanup EXIT

"${bin}" send --user-id demo-user --gender M --image-path "${image}" --wait --timeout 180 | tee "${out_dir}/result.json"

# The masks, fetched back from the bucket through the URLs of the result.
python3 - "${out_dir}/result.json" "${out_dir}/masks" <<'PY'
import json, sys, urllib.request
result = json.load(open(sys.argv[1]))
if result.get("status") != "completed":
    sys.exit("demo: the request failed: " + result.get("error", "?"))
for mask_type, url in result["mask_paths"].items():
    urllib.request.urlretrieve(url, f"{sys.argv[2]}/{mask_type}_mask.png")
PY
"${bin}" preview --image "${image}" --masks "${out_dir}/masks" --out "${out_dir}/preview.png"

# Every step below is checked: a failed one ends the demo non-zero, naming it.
fail() {
  echo "demo: FAILED: $*" >&2
  if ! kill -0 "${service_pid}" 2> /dev/null; then
    echo "demo: the service is not running; the end of ${out_dir}/service.log:" >&2
    tail -n 20 "${out_dir}/service.log" >&2
  fi
  exit 1
}
service_alive() { kill -0 "${service_pid}" 2> /dev/null || fail "the service died (see ${out_dir}/service.log)"; }
service_alive

# What an operator sees (docs/operations.md): readiness and a few metrics.
status_url="http://127.0.0.1:${METRICS_PORT:-9108}"
curl -fsS --max-time 10 "${status_url}/metrics" > "${out_dir}/metrics.txt" || fail "GET ${status_url}/metrics"
readiness=$(curl -sS --max-time 10 "${status_url}/readyz") || fail "GET ${status_url}/readyz: no answer"
[ "${readiness}" = "ready" ] || fail "GET ${status_url}/readyz: ${readiness:-an empty readiness line}"
echo "readiness: ${readiness}"
grep -E '^maskcomponent_requests_total\{[^}]*outcome="completed"[^}]*\} [1-9]' "${out_dir}/metrics.txt" \
  || fail "the metrics count no completed request"
# The synchronous API (README "HTTP API"): the same photo again, masks inline.
python3 - "${image}" "${out_dir}/api_request.json" <<'PY'
import base64, json, sys
data = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
json.dump({"user_id": "demo-user", "gender": "M", "request_id": "demo-http", "mask_types": ["upper_body", "lower_body"],
           "image": {"type": "base64", "data": data}}, open(sys.argv[2], "w"))
PY
api_url="http://127.0.0.1:${HTTP_API_PORT}"
echo "page (while the service runs): ${api_url}/"
echo "API call: curl -s -X POST '${api_url}/v1/masks?inline=true' -H 'Content-Type: application/json' --data @${out_dir}/api_request.json"
api_answer=$(curl -s --max-time 300 -o "${out_dir}/api_result.json" -w '%{http_code} %{size_download}' -X POST \
  "${api_url}/v1/masks?inline=true" -H 'Content-Type: application/json' --data "@${out_dir}/api_request.json") \
  || fail "POST ${api_url}/v1/masks: no answer (curl: ${api_answer:-nothing})"
echo "API answer: HTTP ${api_answer% *}, ${api_answer#* } bytes"
[ "${api_answer% *}" = 200 ] || fail "POST ${api_url}/v1/masks answered HTTP ${api_answer% *}: $(head -c 300 "${out_dir}/api_result.json")"
python3 - "${out_dir}/api_result.json" <<'PY' || fail "the API's answer is not a completed result with both masks"
import json, sys
result = json.load(open(sys.argv[1]))
assert result.get("status") == "completed", result.get("error")
assert {"upper_body", "lower_body"} <= set(result["mask_paths"]) == set(result["masks"]), sorted(result)
PY
service_alive
echo "result: ${out_dir}/result.json; masks: ${out_dir}/masks/; preview: ${out_dir}/preview.png; metrics: ${out_dir}/metrics.txt"
echo "demo: every step passed"
