# The maskcomponent service image (docs/deploy.md). Built by scripts/image.sh
# (podman or docker); by hand:
#   docker build -t maskcomponent .                         CPU
#   docker build -t maskcomponent:gpu --build-arg GPU=1 --build-arg GPU_ID=0 \
#     --build-arg CUDA_IMAGE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04 .
# Both stages are Debian 12 (bookworm); the build stage installs exactly what
# scripts/setup.sh --build-only installs (its Debian packages and the pinned
# ONNX Runtime), the runtime stage only the libraries the program links.

ARG BASE_IMAGE=debian:bookworm-slim
ARG PROGRAM_STAGE=build
# Only the GPU variant takes anything from it: CUDA 13 and cuDNN 9, which
# ONNX Runtime's CUDA execution provider loads. The default adds nothing.
ARG CUDA_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ARG GPU=0
# Where scripts/setup.sh fetches librdkafka's and CivetWeb's Debian source
# packages (pinned by scripts/*/SHA256SUMS); it builds them into /opt/maskcomponent,
# and unpacks OpenVINO there (from files.pythonhosted.org).
ARG MC_DEBIAN_MIRROR=http://deb.debian.org/debian
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
COPY scripts/librdkafka/SHA256SUMS scripts/librdkafka/SHA256SUMS
COPY scripts/civetweb/SHA256SUMS scripts/civetweb/SHA256SUMS
# OpenVINO's C++ runtime (INFERENCE_PRECISION=bf16): PyPI's wheel, pinned by these.
COPY scripts/openvino/SHA256SUMS scripts/openvino/URL scripts/openvino/
COPY scripts/onnxruntime/package.json scripts/onnxruntime/package-lock.json scripts/onnxruntime/
COPY scripts/onnxruntime-gpu/package.json scripts/onnxruntime-gpu/package-lock.json scripts/onnxruntime-gpu/
# A proxy that re-signs TLS (some build machines have one) needs its CA for
# npm and for curl (OpenVINO's wheel from PyPI): scripts/image.sh passes the
# host's CA bundle as this secret; a build without it uses Node's and
# Debian's own CAs.
RUN --mount=type=secret,id=ca-certificates,required=false \
    export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates \
    && if [ -s /run/secrets/ca-certificates ]; then export CURL_CA_BUNDLE=/run/secrets/ca-certificates; fi \
    && if [ "${GPU}" = 1 ]; then gpu=--gpu; else gpu=; fi \
    && bash scripts/setup.sh --build-only ${gpu} \
    && rm -rf /var/lib/apt/lists/* /root/.npm
COPY CMakeLists.txt CMakePresets.json ./
COPY cmake cmake
COPY src src
COPY web/index.html web/index.html
# ccache in a cache mount kept by the builder between builds: a change under
# src/ recompiles only what it touches.
RUN --mount=type=cache,target=/root/.cache/ccache \
    export CCACHE_DIR=/root/.cache/ccache CCACHE_BASEDIR=/src \
    && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMC_BUILD_TESTS=OFF -DMC_BUILD_BENCHMARKS=OFF \
       -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache \
    && cmake --build build -j "$(nproc)" --target maskcomponent \
    && { ccache --show-stats | grep -iE 'hits|misses' || true; }
# What the runtime stage takes (scripts/image_payload.sh): the program, ONNX
# Runtime's libraries and the shared libraries they link, with the Debian
# packages they come from. Copying the libraries rather than installing their
# packages leaves out what the packages depend on but the program never
# loads (before issue 27 the program linked OpenCV's image codecs, which
# depend on GDAL, whose OpenGL dependency brings Mesa and LLVM: over 200 MB).
COPY scripts/image_payload.sh scripts/image_payload.sh
RUN bash scripts/image_payload.sh build /out

# The same payload from a build made outside (scripts/image.sh build
# --prebuilt BUILD_DIR: the test suite's release build, so that the container
# test compiles nothing): its build context is that payload folder.
FROM scratch AS prebuilt
COPY . /out/

# PROGRAM_STAGE picks where the runtime stage takes the payload from: build
# (compiled here, the default) or prebuilt. buildah resolves it only when it
# is passed (--build-arg PROGRAM_STAGE=build), as scripts/image.sh does.
FROM ${PROGRAM_STAGE} AS program

FROM ${CUDA_IMAGE} AS cuda
# The CUDA runtime, cuBLAS, cuRAND, cuFFT and cuDNN of an NVIDIA image; from
# the default image, nothing.
RUN mkdir -p /cuda \
    && for dir in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu; do \
         for name in libcudart libcublas libcublasLt libcurand libcufft libcudnn; do \
           cp -a "${dir}/${name}".so* "${dir}/${name}"_*.so* /cuda/ 2> /dev/null || true; \
         done; \
       done

FROM ${BASE_IMAGE} AS runtime
# ca-certificates for HTTPS image URLs and S3; curl for health checks from
# inside the container (deploy/compose.yaml). Of the libraries, only those the
# base does not have already are copied (glibc, libstdc++ and the like stay
# the base's; both are Debian 12's). ONNX Runtime loads its execution
# providers from its own folder: they stay together.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log
# COPY, not only a bind mount in the RUN below: a COPY's cache key is what
# it copies, so new libraries (another ONNX Runtime, a new dependency, a
# security update) rebuild what follows, whereas buildah (Debian 12's 1.28)
# reuses a RUN whose bind-mounted stage changed (buildah issues 4522, 6609).
COPY --from=program /out/lib/ /out/PACKAGES /out/deps.list /usr/local/lib/maskcomponent/
RUN --mount=type=bind,from=program,source=/out,target=/out \
    mkdir -p /usr/local/lib/maskcomponent/deps \
    && for lib in /out/deps/*; do \
         name=$(basename "${lib}"); \
         if [ ! -e "/usr/lib/x86_64-linux-gnu/${name}" ] && [ ! -e "/lib/x86_64-linux-gnu/${name}" ]; then \
           cp "${lib}" /usr/local/lib/maskcomponent/deps/; \
         fi; \
       done
COPY --from=cuda /cuda/ /usr/local/lib/maskcomponent/cuda/
RUN printf '%s\n' /usr/local/lib/maskcomponent /usr/local/lib/maskcomponent/deps /usr/local/lib/maskcomponent/cuda \
      > /etc/ld.so.conf.d/maskcomponent.conf \
    && ldconfig \
    && groupadd --system --gid 10001 maskcomponent \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin maskcomponent
COPY --from=program /out/maskcomponent /usr/local/bin/maskcomponent
# The models are mounted at /models (read-only is enough). GPU_ID: -1 (the
# CPU, without the warning GPU_ID=0 logs where there is no CUDA); the GPU
# variant is built with --build-arg GPU_ID=0.
ARG GPU_ID=-1
ENV CHECKPOINTS_DIR=/models \
    METRICS_PORT=9108 \
    GPU_ID=${GPU_ID}
USER 10001:10001
EXPOSE 9108
# Exec form: SIGTERM from `docker stop` / Kubernetes reaches the service,
# which finishes in-flight work within SHUTDOWN_GRACE_SECONDS and exits 0.
ENTRYPOINT ["maskcomponent"]
CMD ["serve"]
# Last, so that a new commit (REVISION) rebuilds no other layer. buildah
# reuses this step from its cache whatever the ARG values (seen: a stale
# revision), so scripts/image.sh also passes them as --label.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="maskcomponent" \
      org.opencontainers.image.description="Photos to garment masks: Kafka in, S3/MinIO and PostgreSQL out" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
