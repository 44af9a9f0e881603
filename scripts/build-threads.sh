#!/usr/bin/env bash
# Builds the web app's threaded CPU worker into web/threads/ (trunk copies it into dist/, and
# scripts/web-post-build.py gives the folder a content hash and writes its loader).
#
# The worker runs burn's CPU backend (flex) and Gibbon's own loops on a rayon pool of Web
# Workers sharing one WebAssembly memory (src/worker/pool.rs). That needs the atomics and
# bulk-memory features in every crate, std included, so std is rebuilt from the rust-src
# component: `-Z build-std` on the stable toolchain with RUSTC_BOOTSTRAP=1 (no nightly to
# install). It is built without wgpu: the page starts it only when it is cross-origin
# isolated (SharedArrayBuffer), and starts the WebGPU build otherwise or when asked to.
#
#   ./scripts/build-threads.sh          release, wasm-opt -Oz
#   ./scripts/build-threads.sh test     release, no wasm-opt (the browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mode="${1:-release}"

# Its own target dir: other RUSTFLAGS would otherwise rebuild the main build's crates each time.
target_dir="$CARGO_TARGET_DIR/threads"
export RUSTC_BOOTSTRAP=1
# Shared memory up to 4 GiB (the most a wasm32 memory can have): full-resolution photos.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+atomics,+bulk-memory,+mutable-globals,+simd128"
# The linker makes the memory shared and imported (wasm-bindgen's glue creates it and hands it
# to each thread), and exports what each thread needs to set up its thread-local storage.
link=(--shared-memory --import-memory --max-memory=4294967296
  --export=__wasm_init_tls --export=__tls_size --export=__tls_align --export=__tls_base)
cargo rustc --locked --release --target wasm32-unknown-unknown --target-dir "$target_dir" \
  -Z build-std=panic_abort,std \
  --no-default-features --features threads --lib --crate-type cdylib \
  -- "${link[@]/#/-Clink-arg=}"

out=web/threads
rm -rf "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name gibbon-worker-threads \
  "$target_dir/wasm32-unknown-unknown/release/gibbon.wasm"
if [ "$mode" != test ]; then
  wasm-opt -Oz "$out/gibbon-worker-threads_bg.wasm" -o "$out/gibbon-worker-threads_bg.wasm"
fi
echo "threaded worker built in $out ($(du -sh "$out" | cut -f1))"
