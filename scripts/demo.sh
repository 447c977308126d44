#!/usr/bin/env bash
# The main job, until the Kafka service exists: installs, builds, and runs the
# offline CLI on a sample figure (a parse map and keypoints from
# tests/golden/male_pants), writing all seven masks and an overlay preview.
#   scripts/demo.sh [OUT_DIR]   (default: out/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir=${1:-out/demo}

bash scripts/setup.sh
cmake --preset release -DMC_BUILD_TESTS=OFF -DMC_BUILD_BENCHMARKS=OFF
cmake --build --preset release -j "$(nproc)"

sample=tests/golden/male_pants
./build/release/maskcomponent masks \
  --parse "${sample}/parse.png" --keypoints "${sample}/keypoints.json" \
  --gender M --out "${out_dir}" --preview "${out_dir}/preview.png"
echo "masks and preview written to ${out_dir}/"
