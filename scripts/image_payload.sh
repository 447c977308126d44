#!/usr/bin/env bash
# What the image's runtime stage takes from a build (the Dockerfile's build
# stage, or the host's release build for `scripts/image.sh build --prebuilt`):
# the program, ONNX Runtime's libraries and the shared libraries they link
# (ldd's closure, computed, so never out of date; librdkafka 2.8.0 among
# them, from /opt/maskcomponent, which the check below insists on), with the
# Debian packages those come from and their versions (librdkafka's line added
# by hand: no package installed it). Copying the libraries rather than
# installing their packages leaves out what the packages depend on but the
# program never loads.
#
#   scripts/image_payload.sh BUILD_DIR OUT_DIR     (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
out=$2
rm -rf "${out}"
mkdir -p "${out}/lib" "${out}/deps"
cp "${build}/maskcomponent" "${out}/"
cp -L "${build}/onnxruntime/lib/libonnxruntime.so.1" "${build}"/onnxruntime/lib/libonnxruntime_providers_*.so "${out}/lib/"
{ ldd "${out}/maskcomponent"; for lib in "${out}"/lib/*.so*; do ldd "${lib}"; done; } \
  | awk -v skip="$(pwd)/" '$2 == "=>" && $3 ~ /^\// && index($3, skip) != 1 { print $3 }' \
  | sort -u > "${out}/deps.list"
if grep -q 'not found' <(ldd "${out}/maskcomponent"); then
  echo "image_payload: ${build}/maskcomponent links a library that is not installed" >&2
  exit 1
fi
while read -r lib; do cp -L "${lib}" "${out}/deps/"; done < "${out}/deps.list"
while read -r lib; do dpkg -S "*/$(basename "${lib}")" 2> /dev/null || true; done < "${out}/deps.list" \
  | cut -d: -f1 | grep -v -- '-dev$' | sort -u | xargs dpkg-query -W -f '${Package} ${Version}\n' > "${out}/PACKAGES"
# OpenVINO (INFERENCE_PRECISION=bf16) loads its CPU plugin and ONNX front end
# from libopenvino's own folder at run time, where ldd cannot see them: they
# go beside it.
openvino=$(grep '/libopenvino\.so\.' "${out}/deps.list" || true)
if [ -n "${openvino}" ]; then
  for lib in libopenvino_intel_cpu_plugin.so libopenvino_onnx_frontend.so.2641; do
    cp -L "$(dirname "${openvino}")/${lib}" "${out}/deps/"
    echo "$(dirname "${openvino}")/${lib}" >> "${out}/deps.list"
  done
  echo 'openvino 2026.4.1 (the C++ runtime of the PyPI wheel, unpacked by scripts/setup.sh)' >> "${out}/PACKAGES"
fi
grep -q '^libopencv-core406 ' "${out}/PACKAGES"
grep -q '^/opt/maskcomponent/librdkafka-2.8.0/lib/librdkafka.so.1$' "${out}/deps.list"
echo 'librdkafka 2.8.0-1 (built from the Debian source package by scripts/setup.sh)' >> "${out}/PACKAGES"
echo 'civetweb 1.15+dfsg-4 (built from the Debian source package by scripts/setup.sh, linked statically)' >> "${out}/PACKAGES"
echo "libraries from: $(cut -d' ' -f1 "${out}/PACKAGES" | tr '\n' ' ')"
