#!/usr/bin/env bash
# The full test suite: installs what is missing, builds the release and the
# ASan + UBSan configurations, and runs every test in both. Exits non-zero
# when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

jobs=$(nproc)
for preset in release asan; do
  echo "== ${preset}: configure and build"
  cmake --preset "${preset}"
  cmake --build --preset "${preset}" -j "${jobs}"
  echo "== ${preset}: tests"
  ctest --preset "${preset}" -j "${jobs}"
done
