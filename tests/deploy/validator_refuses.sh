#!/usr/bin/env bash
# The schema validator fails on bad manifests (ctest deploy_validator_refuses_invalid):
# tests/deploy/invalid-manifests.yaml holds three, each must be named with its
# problem and the exit code must be 1.
set -uo pipefail
cd "$(dirname "$0")/../.."
output=$(node deploy/tools/validate.mjs tests/deploy/invalid-manifests.yaml)
code=$?
echo "${output}"
[ "${code}" = 1 ] || { echo "FAILED: exit code ${code}, expected 1" >&2; exit 1; }
for expected in "Deployment bad-port: INVALID: .*containerPort must be integer" \
    "Pod no-container-name: INVALID: .*must have required property name" \
    "Unknown unknown-kind: INVALID: no schema for example.com/v1 Unknown" \
    "3 objects, 3 invalid"; do
  grep -qE "${expected}" <<< "${output}" || { echo "FAILED: no line matching: ${expected}" >&2; exit 1; }
done
echo "the validator refused all three"
