#!/usr/bin/env bash
# The main job, until the Kafka service exists: installs, builds, and runs the
# whole photo-to-masks path offline with `maskcomponent generate`.
#
# By default the photo is a synthetic figure (tests/golden/male_pants painted
# in the palette of the colour-keyed test parsers) and the models are the test
# models (tests/models/make_test_models.py), since the real checkpoints are not
# in the repository. With real checkpoints and a real photo:
#   CHECKPOINTS_DIR=/path/to/checkpoints DEMO_IMAGE=photo.jpg scripts/demo.sh
#
#   scripts/demo.sh [OUT_DIR]   (default: out/demo)
# writes OUT_DIR/{type}_mask.png for the 7 types, parse.png, keypoints.json and
# preview.png (the photo with each mask overlaid).
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir=${1:-out/demo}

bash scripts/setup.sh
cmake --preset release
cmake --build --preset release --target maskcomponent mc_test_models mc_paint_figure -j "$(nproc)"

if [ -n "${DEMO_IMAGE:-}" ]; then
  image=${DEMO_IMAGE}
  checkpoints=${CHECKPOINTS_DIR:-./checkpoints}
else
  checkpoints=build/release/tests/test_models/one_person
  image=${out_dir}/figure.png
  mkdir -p "${out_dir}"
  ./build/release/mc_paint_figure tests/golden/male_pants/parse.png "${checkpoints}/palette.json" "${image}"
  echo "synthetic photo: ${image}; test models: ${checkpoints}"
fi

./build/release/maskcomponent generate --image "${image}" --gender M --checkpoints "${checkpoints}" \
  --out "${out_dir}" --dump-parse --dump-keypoints --preview "${out_dir}/preview.png"
echo "masks, parse map, keypoints and preview written to ${out_dir}/"
