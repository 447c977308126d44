#!/usr/bin/env bash
# Installs every Debian package maskcomponent needs to build, test and run.
# Idempotent: apt-get skips what is already installed. Debian's python3
# (/usr/bin/python3) with numpy, onnx and torch makes the test models and runs
# tools/convert_openpose.py; with Pillow and OpenCV it runs the oracle of the
# differential tests (tests/oracle).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-dnn-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev libssl-dev libpqxx-dev librdkafka-dev libcpp-httplib-dev
  libonnx-dev libprotobuf-dev
  clang-14 libfuzzer-14-dev
  python3 python3-numpy python3-onnx python3-torch python3-pil python3-opencv
  postgresql curl
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# s3rver (scripts/services.sh) runs on Node.js; the base image has it, Debian's otherwise.
if ! command -v npm > /dev/null; then PACKAGES+=(nodejs npm); fi
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}"
