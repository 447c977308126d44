#!/usr/bin/env bash
# The Deployment checker fails on a broken overlay (ctest deploy_checker_refuses_broken):
# tests/deploy/broken-deployment.yaml breaks the promises of docs/deploy.md,
# each must be named and the exit code must be 1.
set -uo pipefail
cd "$(dirname "$0")/../.."
output=$(node deploy/tools/check-deployment.mjs tests/deploy/broken-deployment.yaml cpu)
code=$?
echo "${output}"
[ "${code}" = 1 ] || { echo "FAILED: exit code ${code}, expected 1" >&2; exit 1; }
for expected in "terminationGracePeriodSeconds 30 is not above" \
    "liveness is not /healthz" \
    "no startupProbe on /healthz" \
    "livenessProbe times out in under 5 s" \
    "not runAsNonRoot" \
    "root filesystem not read-only" \
    "POSTGRES_DSN does not come from a Secret" \
    "MINIO_SECRET_KEY \(a credential\) is in the ConfigMap" \
    "the ScaledObject reads the lag from other-kafka:9092" \
    "KEDA may scale past the partitions" \
    "fixes replicas although KEDA scales it" \
    "ORT_INTRA_OP_THREADS undefined is not the undefined CPUs requested"; do
  grep -qE "${expected}" <<< "${output}" || { echo "FAILED: no line matching: ${expected}" >&2; exit 1; }
done
echo "the checker refused the broken deployment"
