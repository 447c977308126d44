#!/usr/bin/env bash
# The Deployment checker fails on a broken overlay (ctest deploy_checker_refuses_broken):
# tests/deploy/broken-deployment.yaml breaks the promises of docs/deploy.md,
# each must be named and the exit code must be 1.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/deploy/expect_refusal.sh
expect_refusal "the checker refused the broken deployment" \
  "terminationGracePeriodSeconds 30 is not above" \
  "liveness is not /healthz" \
  "no startupProbe on /healthz" \
  "livenessProbe times out in under 5 s" \
  "not runAsNonRoot" \
  "root filesystem not read-only" \
  "POSTGRES_DSN does not come from a Secret" \
  "MINIO_SECRET_KEY does not come from a Secret" \
  "KAFKA_PASSWORD is written into the Deployment" \
  "ANALYSIS_CACHE_KEY does not come from a Secret" \
  "MINIO_SECRET_KEY \(a credential\) is in the ConfigMap" \
  "the ScaledObject reads the lag from other-kafka:9092" \
  "KEDA may scale past the partitions" \
  "fixes replicas although KEDA scales it" \
  "ORT_INTRA_OP_THREADS undefined is not the undefined CPUs requested" \
  -- node deploy/tools/check-deployment.mjs tests/deploy/broken-deployment.yaml cpu
