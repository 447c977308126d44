# Sourced by scripts/test.sh, scripts/fuzz.sh and scripts/demo.sh: every
# build goes through Debian's ccache (the presets and the fuzz build name it
# as the compiler launcher), with one cache per machine outside the clone, so
# that a later run (CI on the machine that built before it, a new clone)
# compiles only what changed. ccache's default checks (the compiler, its
# options, each included header's contents) keep a hit correct; paths under
# the clone are hashed relative to it (CCACHE_BASEDIR, CCACHE_NOHASHDIR), so
# clones in other folders share the cache.
export CCACHE_DIR=${MC_CCACHE_DIR:-/var/cache/maskcomponent/ccache}
export CCACHE_BASEDIR=${PWD}
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${MC_CCACHE_MAXSIZE:-8G}
mkdir -p "${CCACHE_DIR}" 2> /dev/null || { command -v sudo > /dev/null && sudo mkdir -p "${CCACHE_DIR}" && sudo chown "$(id -u)" "${CCACHE_DIR}"; }

mc_ccache_stats() {
  if command -v ccache > /dev/null; then
    echo "== ccache (${CCACHE_DIR})"
    ccache --show-stats 2> /dev/null | grep -iE '^ *(cacheable|hits|misses|direct|preprocessed|cache size)' || true
  fi
}
