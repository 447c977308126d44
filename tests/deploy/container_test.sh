#!/usr/bin/env bash
# The container image end to end (ctest `container_image`, label `container`):
# builds it with scripts/image.sh, runs it with --network=host and a read-only
# root filesystem (only /tmp writable, as in Kubernetes) against the servers of scripts/services.sh (every address
# from `services.sh env`), sends one request with the image's own
# `maskcomponent send --wait`, checks the completed result and that every mask
# downloads as a PNG, checks /readyz from outside the container, then stops it
# with `podman stop` and checks exit code 0 within the grace period and that
# neither its log, nor the image, nor `podman inspect` of the container names
# the S3 secret key or the PostgreSQL password (given as files: *_FILE).
#
#   tests/deploy/container_test.sh TEST_MODELS_DIR PAINT_FIGURE_PROGRAM [BUILD_DIR]
#
# With BUILD_DIR (ctest `container_image`) the image's runtime stage takes
# that release build's program and libraries (scripts/image.sh build
# --prebuilt), so nothing is compiled again; without it (ctest
# `container_image_from_source`, label `image-source`) the whole multi-stage
# build from source runs, as scripts/image.sh does by default.
#
# Exits 77 (ctest's SKIP_RETURN_CODE) with the reason when podman is missing
# or `podman info` fails (podman cannot run here at all); any other failure,
# a failed build included, exits 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
models=$(realpath "$1")
paint_figure=$2
build_dir=${3:-}

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }

command -v podman > /dev/null || skip "podman is not installed (scripts/setup.sh installs it)"
eval "$(scripts/image.sh env)"
probe=$(podman info 2>&1 > /dev/null) || skip "podman cannot run here: ${probe}"

tag=localhost/maskcomponent:container-test
if [ -n "${build_dir}" ]; then
  MC_IMAGE_TAG=${tag} scripts/image.sh build --prebuilt "${build_dir}"
else
  MC_IMAGE_TAG=${tag} scripts/image.sh build
fi

eval "$(scripts/services.sh env)"
[ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ] || fail "Kafka is not running (scripts/services.sh start)"

work=$(mktemp -d)
chmod 755 "${work}"
name=mc-container-test-$$
metrics_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  if [ -n "${keep_log:-}" ]; then podman logs "${name}" 2>&1 | tail -n 40 >&2 || true; fi
  podman rm -f "${name}" > /dev/null 2>&1 || true
  rm -rf "${work}"
}
trap cleanup EXIT
keep_log=1

"${paint_figure}" tests/golden/male_pants/parse.png "${models}/palette.json" "${work}/figure.png"
chmod 644 "${work}/figure.png"

# The secrets as files, as Docker's, Compose's and Kubernetes' secrets hand
# them over (MINIO_SECRET_KEY_FILE, POSTGRES_DSN_FILE): then neither the
# container's configuration nor `podman inspect` holds them.
mkdir -p "${work}/secrets"
printf '%s\n' "${MINIO_SECRET_KEY}" > "${work}/secrets/minio_secret_key"
printf '%s\n' "${POSTGRES_DSN}" > "${work}/secrets/postgres_dsn"
chmod 755 "${work}/secrets"
chmod 644 "${work}/secrets/minio_secret_key" "${work}/secrets/postgres_dsn"

# A group of its own, so that other runs' offsets do not matter.
group=maskcomponent-container-test-$$
# Writable only where the Kubernetes Deployment gives it a volume (/tmp):
# podman's --read-only alone would also leave /run and /var/tmp writable.
podman run -d --name "${name}" --network=host --read-only --read-only-tmpfs=false --tmpfs /tmp \
  -v "${models}:/models:ro" \
  -e KAFKA_BOOTSTRAP_SERVERS -e KAFKA_CONSUMER_GROUP="${group}" \
  -v "${work}/secrets:/run/secrets:ro" \
  -e MINIO_ENDPOINT -e MINIO_ACCESS_KEY -e MINIO_SECRET_KEY_FILE=/run/secrets/minio_secret_key \
  -e MINIO_BUCKET -e MINIO_SECURE -e BASE_URL \
  -e POSTGRES_DSN_FILE=/run/secrets/postgres_dsn -e METRICS_PORT="${metrics_port}" -e METRICS_BIND_ADDRESS=127.0.0.1 \
  -e SHUTDOWN_GRACE_SECONDS=30 \
  "${tag}" > /dev/null

# Ready: models loaded, group joined, PostgreSQL and S3 answered (generous: a shared 2-core machine).
ready=""
for _ in $(seq 1 180); do
  if ready=$(curl -fsS --max-time 2 "http://127.0.0.1:${metrics_port}/readyz" 2> /dev/null); then break; fi
  [ "$(podman inspect --format '{{.State.Running}}' "${name}")" = true ] || fail "the container exited while starting"
  ready=""
  sleep 1
done
[ "${ready}" = ready ] || fail "/readyz did not answer ready within 180 s: $(curl -sS "http://127.0.0.1:${metrics_port}/readyz" 2>&1)"
echo "readyz from outside the container: ${ready}"

podman run --rm --network=host -v "${work}/figure.png:/in/figure.png:ro" -e KAFKA_BOOTSTRAP_SERVERS "${tag}" \
  send --user-id container-user --gender M --image-path /in/figure.png --wait --timeout 180 > "${work}/result.json" \
  || fail "send --wait got no result: $(cat "${work}/result.json")"
echo "result: $(cat "${work}/result.json")"

python3 - "${work}/result.json" <<'PY'
import json, sys, urllib.request
result = json.load(open(sys.argv[1]))
if result.get("status") != "completed":
    sys.exit(f"the request did not complete: {result}")
paths = result.get("mask_paths") or {}
if len(paths) != 7:
    sys.exit(f"expected the 7 default mask types, got {sorted(paths)}")
for mask_type, url in paths.items():
    body = urllib.request.urlopen(url, timeout=30).read()
    if not body.startswith(b"\x89PNG\r\n\x1a\n"):
        sys.exit(f"{mask_type}: {url} is not a PNG")
print(f"{len(paths)} masks downloaded")
PY

start=${SECONDS}
podman stop --time 60 "${name}" > /dev/null
code=$(podman inspect --format '{{.State.ExitCode}}' "${name}")
echo "podman stop: exit code ${code} after $((SECONDS - start)) s"
[ "${code}" = 0 ] || fail "the service exited with ${code} after SIGTERM (137: killed at the end of the grace period)"
# Neither the log (the whole run, shutdown included), nor the image (its
# configuration, labels, history), nor the container's own configuration
# (`podman inspect`: its environment) names a secret.
logs=$(podman logs "${name}" 2>&1)
image=$(podman image inspect "${tag}"; podman history --no-trunc "${tag}")
container=$(podman inspect "${name}")
grep -qF -- "MINIO_SECRET_KEY_FILE=/run/secrets/minio_secret_key" <<< "${container}" \
  || fail "podman inspect does not show the container's environment: the check below would prove nothing"
for secret in "${MINIO_SECRET_KEY}" "$(sed -E 's#^[a-z]+://[^:]*:([^@]*)@.*#\1#' <<< "${POSTGRES_DSN}")"; do
  if grep -qF -- "${secret}" <<< "${logs}"; then fail "a secret appears in the container's log"; fi
  if grep -qF -- "${secret}" <<< "${image}"; then fail "a secret appears in the image's configuration or history"; fi
  if grep -qF -- "${secret}" <<< "${container}"; then fail "a secret appears in podman inspect of the container"; fi
done
keep_log=""
echo "container test passed"
