#!/usr/bin/env bash
# The schema validator fails on bad manifests (ctest deploy_validator_refuses_invalid):
# tests/deploy/invalid-manifests.yaml holds three, each must be named with its
# problem and the exit code must be 1.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/deploy/expect_refusal.sh
expect_refusal "the validator refused all three" \
  "Deployment bad-port: INVALID: .*containerPort must be integer" \
  "Pod no-container-name: INVALID: .*must have required property name" \
  "Unknown unknown-kind: INVALID: no schema for example.com/v1 Unknown" \
  "3 objects, 3 invalid" \
  -- node deploy/tools/validate.mjs tests/deploy/invalid-manifests.yaml
