#!/usr/bin/env bash
# The full test suite: installs what is missing, checks the formatting
# (scripts/check_format.sh), builds the release and the ASan + UBSan
# configurations (through ccache, scripts/ccache.sh), runs the tests in both
# (the ASan run leaves out the infrastructure scenarios, README "Tests"),
# then runs each fuzz target for 10 seconds. Exits non-zero when anything
# fails. Ends with its budget: each phase's seconds and ctest's ten slowest
# tests (README: at most 45 minutes once this machine has built, 70 fresh).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/ccache.sh

phase_names=()
phase_seconds=()
phase_results=()
failed=0
reports=()

# Runs one phase, records its seconds and result; a failed phase fails the
# suite, and one whose later phases cannot run without it ("stop") ends it.
run_phase() {
  local on_failure=$1 name=$2
  shift 2
  echo "== ${name}"
  # Whole microseconds: EPOCHREALTIME's decimal mark follows the locale.
  local began=${EPOCHREALTIME/[.,]/} result=ok
  "$@" || result="FAILED ($?)"
  local ended=${EPOCHREALTIME/[.,]/}
  phase_names+=("${name}")
  phase_seconds+=("$(((ended - began + 500000) / 1000000))")
  phase_results+=("${result}")
  if [ "${result}" != ok ]; then
    failed=1
    if [ "${on_failure}" = stop ]; then finish; fi
  fi
}

finish() {
  echo
  echo "== budget (seconds; README: at most 2700 once built, 4200 on a fresh machine)"
  local total=0 i
  for i in "${!phase_names[@]}"; do
    printf '%-28s %6s  %s\n' "${phase_names[$i]}" "${phase_seconds[$i]}" "${phase_results[$i]}"
    total=$((total + phase_seconds[i]))
  done
  printf '%-28s %6s\n' "total" "${total}"
  if [ "${#reports[@]}" -gt 0 ]; then
    echo
    echo "== the ten slowest tests"
    python3 scripts/slowest_tests.py 10 "${reports[@]}" || true
  fi
  mc_ccache_stats
  if [ "${failed}" != 0 ]; then echo "test.sh: FAILED"; exit 1; fi
  echo "test.sh: all phases passed"
  exit 0
}

run_phase stop setup bash scripts/setup.sh
run_phase stop format bash scripts/check_format.sh

# The container image's full build from source (ctest label image-source)
# runs only when what it depends on changed since it last passed on this
# machine; otherwise the release run's container_image builds the same
# runtime stage from the release build.
image_inputs() {
  cat Dockerfile .dockerignore scripts/setup.sh scripts/image.sh scripts/image_payload.sh scripts/*/SHA256SUMS \
    tests/deploy/container_test.sh \
    scripts/onnxruntime/package-lock.json scripts/onnxruntime-gpu/package-lock.json CMakeLists.txt \
    src/CMakeLists.txt cmake/* | sha256sum | cut -d' ' -f1
}
image_stamp=${MC_IMAGE_STAMP:-/var/cache/maskcomponent/image-source.sha256}
# The stamp only when the test really ran and passed (a skip, exit 77 where
# podman cannot run, is no pass).
image_from_source() {
  local report="${PWD}/build/release/ctest-junit-image.xml"
  ctest --preset release -L image-source --output-junit "${report}" || return 1
  python3 - "${report}" <<'PY' || { echo "image from source: not run (skipped), no stamp"; return 0; }
import sys, xml.etree.ElementTree as ElementTree
cases = [c for c in ElementTree.parse(sys.argv[1]).getroot().iter("testcase") if c.get("name") == "container_image_from_source"]
sys.exit(0 if cases and all(c.get("status") == "run" and c.find("failure") is None for c in cases) else 1)
PY
  mkdir -p "$(dirname "${image_stamp}")" && image_inputs > "${image_stamp}"
}

jobs=$(nproc)
for preset in release asan; do
  run_phase stop "${preset}: configure" cmake --preset "${preset}"
  run_phase stop "${preset}: build" cmake --build --preset "${preset}" -j "${jobs}"
  report="build/${preset}/ctest-junit.xml"
  rm -f "${report}"
  reports+=("${report}")
  # Tests sharing the local servers take turns through their resource lock;
  # the others run beside them.
  run_phase go "${preset}: tests" ctest --preset "${preset}" -j "${jobs}" -LE image-source \
    --output-junit "${PWD}/${report}"
done

if [ "$(cat "${image_stamp}" 2> /dev/null)" != "$(image_inputs)" ]; then
  reports+=("build/release/ctest-junit-image.xml")
  run_phase go "release: image from source" image_from_source
else
  echo "== release: image from source: skipped (its inputs are unchanged since it passed: ${image_stamp})"
fi

run_phase go "fuzz: smoke run" bash scripts/fuzz.sh 10
finish
