#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang-14, ASan + UBSan) and runs each
# for SECONDS (default 10: a smoke run; `scripts/fuzz.sh 600` for a real
# search). Exits non-zero when any target crashes, leaks, runs out of memory
# or time on one input; the input is saved as
# build/fuzz/artifacts/TARGET/crash-* (replay: build/fuzz/fuzz_TARGET FILE).
# MC_FUZZ_TARGETS limits the run ("request image"); MC_FUZZ_JOBS sets the
# build's parallelism (default: number of CPUs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ccache.sh

seconds="${1:-10}"
build="build/fuzz"
targets="${MC_FUZZ_TARGETS:-request base64 image label_map keypoints result kafka_statistics analysis}"

# The longest input each target is given: requests and results carry a small
# JSON message; images and label maps need room for a header and some data.
max_len() {
  case "$1" in
    base64) echo 4096 ;;
    image | label_map | analysis) echo 65536 ;;
    *) echo 8192 ;;
  esac
}

echo "== fuzz: configure and build (${build})"
CC=clang-14 CXX=clang++-14 cmake -S fuzz -B "${build}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache > /dev/null
cmake --build "${build}" -j "${MC_FUZZ_JOBS:-$(nproc)}"

failed=()
for target in ${targets}; do
  # New inputs go to a work copy; the committed seeds in fuzz/corpus/ stay as they are.
  work="${build}/corpus/${target}"
  artifacts="${build}/artifacts/${target}/"
  log="${build}/logs/${target}.log"
  mkdir -p "${work}" "${artifacts}" "$(dirname "${log}")"
  echo "== fuzz: ${target} for ${seconds} s"
  if "${build}/fuzz_${target}" -max_total_time="${seconds}" -max_len="$(max_len "${target}")" \
      -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 -artifact_prefix="${artifacts}" \
      "${work}" "fuzz/corpus/${target}" > "${log}" 2>&1; then
    grep -E '^stat::number_of_executed_units' "${log}" || true
  else
    echo "fuzz_${target} FAILED (log: ${log}):"
    grep -E -A 30 '^==[0-9]+==ERROR|runtime error|terminate called|deadly signal|Test unit written' "${log}" | head -n 60 || tail -n 40 "${log}"
    failed+=("${target}")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: all targets ran ${seconds} s without a crash"
