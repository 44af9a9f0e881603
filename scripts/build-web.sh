#!/usr/bin/env bash
# Builds the web app into dist/: the real models as compact int8 files, the sample photos, and
# the wasm app: the Leptos page, its worker (burn on WebGPU with a CPU fallback on one thread)
# and the threaded CPU worker (scripts/build-threads.sh), which isolated pages start.
#
#   ./scripts/build-web.sh          release build, wasm-opt -Oz (what you deploy)
#   ./scripts/build-web.sh test     the same cargo profile (`web`) without wasm-opt (minutes faster;
#                                   used by the browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mode="${1:-release}"

cargo build --release --locked --bin gibbon
gibbon="$CARGO_TARGET_DIR/release/gibbon"
"$gibbon" --quiet fetch
rm -f web/models/*.safetensors  # no model of an earlier build (or format) is shipped
"$gibbon" --quiet convert --dtype int8 --out web/models
rm -rf web/samples
"$gibbon" --quiet fetch --web web/samples  # the photos and the gallery's thumbnails

# The threaded CPU worker (web/threads/, copied by trunk): built apart, with std rebuilt.
bash scripts/build-threads.sh "$mode"

# trunk runs `cargo metadata`, which wants every locked crate (for any platform) downloaded;
# after this, the build itself is offline.
cargo fetch --locked >/dev/null
export CARGO_NET_OFFLINE=true
# Cargo's `web` profile (Cargo.toml): release, with the kernel generators built for size.
if [ "$mode" = test ]; then
  trunk build --config trunk.toml --release false --cargo-profile web
else
  trunk build --config trunk.toml --cargo-profile web
fi
echo "web app built in $(pwd)/dist ($(du -sh dist | cut -f1))"
