#!/usr/bin/env bash
# The full test suite: installs what is missing, checks the formatting
# (scripts/check_format.sh), builds the release and the
# ASan + UBSan configurations, runs every test in both, then runs each fuzz
# target for 10 seconds. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== format"
bash scripts/check_format.sh

jobs=$(nproc)
for preset in release asan; do
  echo "== ${preset}: configure and build"
  cmake --preset "${preset}"
  cmake --build --preset "${preset}" -j "${jobs}"
  echo "== ${preset}: tests"
  ctest --preset "${preset}" -j "${jobs}"
done

echo "== fuzz: smoke run"
bash scripts/fuzz.sh 10
