#!/usr/bin/env bash
# Builds the maskcomponent container image from the Dockerfile (docs/deploy.md).
#
#   scripts/image.sh [build] [--gpu] [--tag NAME]   build the image, print its size and build time
#   scripts/image.sh build --prebuilt BUILD_DIR      the same runtime stage from a build made on this
#                                                    Debian 12 host (build/release: the container test),
#                                                    compiling nothing (PROGRAM_STAGE=prebuilt)
#   scripts/image.sh env                            print the podman settings for running it
#
# With a Docker daemon (`docker info` answers) it uses `docker build`;
# otherwise Debian's podman (as root), with what these machines need:
# builds isolated with chroot (BUILDAH_ISOLATION=chroot), the runc runtime and
# open-file/process limits no higher than this machine allows, in a
# containers.conf of its own (CONTAINERS_CONF; `env` prints it for `podman run`).
#
# The base: MC_BASE_IMAGE when set; else debian:bookworm-slim when that image
# is present; else localhost/debian:bookworm-slim, which the first build makes
# with debootstrap (Debian 12 minbase, trimmed like the official slim image:
# no documentation, manual pages or locales) and later builds reuse.
#
# Settings (environment):
#   MC_IMAGE_TAG      image name           (default: localhost/maskcomponent:VERSION, -gpu with --gpu)
#   MC_BASE_IMAGE     the Debian 12 base   (default: as above)
#   MC_CUDA_IMAGE     where --gpu takes CUDA 13 and cuDNN 9 from
#                     (default: docker.io/nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04)
#   MC_DEBIAN_MIRROR  debootstrap's mirror, and where the build stage fetches
#                     librdkafka's source package (default: http://deb.debian.org/debian)
#   MC_PODMAN_DIR     where containers.conf and the debootstrap tree go
#                     (default: /tmp/maskcomponent-podman-UID)
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^project(maskcomponent VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
podman_dir=${MC_PODMAN_DIR:-/tmp/maskcomponent-podman-$(id -u)}
made_base=localhost/debian:bookworm-slim
official_base=docker.io/library/debian:bookworm-slim
cuda_image=${MC_CUDA_IMAGE:-docker.io/nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04}
mirror=${MC_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# The limits a container may ask for: this process's hard limits, at most
# 65536 open files and 32768 processes (asking for more than the machine
# allows makes every run fail with "operation not permitted").
clamp() { if [ "$1" = unlimited ] || [ "$1" -gt "$2" ]; then echo "$2"; else echo "$1"; fi; }
podman_env() {
  mkdir -p "${podman_dir}"
  local files processes
  files=$(clamp "$(ulimit -Hn)" 65536)
  processes=$(clamp "$(ulimit -Hu)" 32768)
  cat > "${podman_dir}/containers.conf" <<CONF
# Written by scripts/image.sh.
[containers]
default_ulimits = ["nofile=${files}:${files}", "nproc=${processes}:${processes}"]

[engine]
runtime = "runc"
CONF
  echo "export CONTAINERS_CONF=${podman_dir}/containers.conf"
  echo "export BUILDAH_ISOLATION=chroot"
}

# Debian 12 from debootstrap, as the official debian:bookworm-slim is made.
make_base() {
  command -v debootstrap > /dev/null || { echo "image: debootstrap not installed (run scripts/setup.sh)" >&2; exit 1; }
  local root=${podman_dir}/bookworm-rootfs
  rm -rf "${root}"
  echo "image: making ${made_base} with debootstrap (${mirror})"
  debootstrap --variant=minbase bookworm "${root}" "${mirror}" > "${podman_dir}/debootstrap.log" 2>&1 \
    || { tail -n 20 "${podman_dir}/debootstrap.log" >&2; exit 1; }
  cat > "${root}/etc/dpkg/dpkg.cfg.d/slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
DPKG
  find "${root}/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
  rm -rf "${root}"/usr/share/man/* "${root}"/usr/share/info/* "${root}"/usr/share/locale/* \
    "${root}"/var/cache/apt/*.bin "${root}"/var/cache/apt/archives/*.deb "${root}"/var/lib/apt/lists/*
  rm -f "${root}/etc/apt/sources.list"
  cat > "${root}/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: ${mirror}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  tar -C "${root}" -c . | podman import --change 'CMD ["bash"]' - "${made_base}" > /dev/null
  rm -rf "${root}"
}

build() {
  local gpu=0 tag="" prebuilt=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --gpu) gpu=1 ;;
      --tag) tag=$2; shift ;;
      --prebuilt) prebuilt=$2; shift ;;
      *) echo "usage: scripts/image.sh [build] [--gpu] [--tag NAME] [--prebuilt BUILD_DIR] | env" >&2; exit 2 ;;
    esac
    shift
  done
  if [ -z "${tag}" ]; then
    local suffix=""
    if [ "${gpu}" = 1 ]; then suffix=-gpu; fi
    tag=${MC_IMAGE_TAG:-localhost/maskcomponent:${version}${suffix}}
  fi

  local engine base
  if command -v docker > /dev/null && docker info > /dev/null 2>&1; then
    engine=docker
    base=${MC_BASE_IMAGE:-debian:bookworm-slim}
  else
    command -v podman > /dev/null || { echo "image: neither a Docker daemon nor podman (run scripts/setup.sh)" >&2; exit 1; }
    engine=podman
    eval "$(podman_env)"
    if [ -n "${MC_BASE_IMAGE:-}" ]; then
      base=${MC_BASE_IMAGE}
    elif podman image exists "${official_base}"; then
      base=${official_base}
    else
      base=${made_base}
      podman image exists "${made_base}" || make_base
    fi
  fi

  # The remote without any user or token in it (https://user:TOKEN@host/...):
  # labels are public to whoever can pull the image.
  local source
  source=$(git remote get-url origin 2> /dev/null | sed -E 's#^([a-z+]+://)[^/@]*@#\1#' || true)
  local args=(--build-arg "BASE_IMAGE=${base}" --build-arg "VERSION=${version}"
    --build-arg "MC_DEBIAN_MIRROR=${mirror}"
    --build-arg "REVISION=$(git rev-parse HEAD 2> /dev/null || echo unknown)"
    --build-arg "SOURCE=${source:-maskcomponent}")
  # The same as labels of the build command: buildah keeps the LABEL step of
  # an earlier build from its cache whatever these values are.
  args+=(--label "org.opencontainers.image.version=${version}"
    --label "org.opencontainers.image.revision=$(git rev-parse HEAD 2> /dev/null || echo unknown)"
    --label "org.opencontainers.image.source=${source:-maskcomponent}")
  if [ "${gpu}" = 1 ]; then
    args+=(--build-arg GPU=1 --build-arg GPU_ID=0 --build-arg "CUDA_IMAGE=${cuda_image}")
  else
    args+=(--build-arg "CUDA_IMAGE=${base}")
  fi
  # The host's CA bundle, for a proxy that re-signs TLS (a secret: not kept in the image).
  if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
    args+=(--secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt)
  fi
  if [ "${engine}" = podman ]; then args+=(--isolation chroot); fi
  # The build context: the repository (its .dockerignore allowlist), or the
  # payload of a build made here.
  local context=.
  if [ -n "${prebuilt}" ]; then
    # Global, so that the EXIT trap still sees it once build() has returned.
    payload_dir=$(mktemp -d)
    trap 'rm -rf "${payload_dir}"' EXIT
    context=${payload_dir}
    bash scripts/image_payload.sh "${prebuilt}" "${context}"
    args+=(--build-arg PROGRAM_STAGE=prebuilt)
  else
    args+=(--build-arg PROGRAM_STAGE=build)
  fi

  echo "image: ${engine} build of ${tag} on ${base}${prebuilt:+ from ${prebuilt}}"
  local start=${SECONDS}
  if [ "${engine}" = docker ]; then
    DOCKER_BUILDKIT=1 docker build "${args[@]}" -t "${tag}" -f "${PWD}/Dockerfile" "${context}"
  else
    podman build "${args[@]}" -t "${tag}" -f "${PWD}/Dockerfile" "${context}"
  fi
  local size
  size=$("${engine}" image inspect --format '{{.Size}}' "${tag}")
  echo "image: ${tag} built in $((SECONDS - start)) s, $((size / 1000000)) MB"
}

case "${1:-build}" in
  env) podman_env ;;
  build) shift || true; build "$@" ;;
  *) build "$@" ;;
esac
