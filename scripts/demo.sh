#!/usr/bin/env bash
# The main job, until the Kafka service exists: installs, builds, and runs the
# offline CLI on a sample figure (a parse map and keypoints from
# tests/golden/male_pants), writing all seven masks and an overlay preview.
#   scripts/demo.sh [OUT_DIR]   (default: out/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir=${1:-out/demo}

bash scripts/setup.sh
cmake --preset release
cmake --build --preset release --target maskcomponent -j "$(nproc)"

sample=tests/golden/male_pants
./build/release/maskcomponent masks \
  --parse "${sample}/parse.png" --keypoints "${sample}/keypoints.json" \
  --gender M --out "${out_dir}" --preview "${out_dir}/preview.png"
echo "masks and preview written to ${out_dir}/"
