# Shared settings for Gibbon's scripts (sourced, not run). Everything that outlives a clone
# (the cargo target dir, downloaded weights, npm tools) lives under GIBBON_HOME so that
# fresh clones and CI reuse it.
export GIBBON_HOME="${GIBBON_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/gibbon}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$GIBBON_HOME/target}"
export GIBBON_TOOLS="$GIBBON_HOME/tools"
export PATH="$GIBBON_TOOLS/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export WASM_BINDGEN_VERSION=0.2.130
export TRUNK_VERSION=0.21.14
export BINARYEN_VERSION=132.0.0
export PLAYWRIGHT_VERSION=1.65.1
export AXE_PLAYWRIGHT_VERSION=4.14.1
export NUMPY_VERSION=2.4.6
# The python the tests run their numpy references with.
export GIBBON_PYTHON="$GIBBON_TOOLS/venv/bin/python"
# wgpu's Vulkan loader warns without a runtime dir (headless machines, CI).
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="${TMPDIR:-/tmp}/runtime-$(id -u)"
  mkdir -p -m 700 "$XDG_RUNTIME_DIR"
fi
