#!/usr/bin/env bash
# Runs every test of Gibbon on a fresh machine: installs what is missing (scripts/setup-tools.sh),
# checks formatting and lints (rustfmt, clippy for the CLI and for the browser), fetches the
# real weights and sample photos, runs the native tests (CPU and wgpu on whatever Vulkan
# adapter there is, Mesa's lavapipe in CI), then builds the web app and runs the browser
# end-to-end tests in headless Chromium (WebGPU through SwiftShader, and the CPU fallback).
#
#   ./scripts/test.sh            everything
#   ./scripts/test.sh lint       only rustfmt and clippy
#   ./scripts/test.sh native     only cargo test
#   ./scripts/test.sh web        only the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
what="${1:-all}"

bash scripts/setup-tools.sh
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

if [ "$what" = all ] || [ "$what" = lint ]; then
  step "lint: rustfmt, clippy on the CLI and on the web app (wasm32)"
  cargo fmt --check
  cargo clippy --locked --all-targets -- -D warnings
  # The browser's worker (WebGPU and CPU), then the page's own binary as trunk builds it:
  # without burn, with Leptos. (The threaded worker needs std rebuilt: its build checks it.)
  cargo clippy --locked --target wasm32-unknown-unknown --lib --bin gibbon-worker -- -D warnings
  cargo clippy --locked --target wasm32-unknown-unknown --no-default-features --features page --lib --bin gibbon -- -D warnings
  [ "$what" = lint ] && { step "lint passed"; exit 0; }
fi

step "build the CLI (release; the same build serves tests and benchmarks)"
cargo build --release --locked
gibbon="$CARGO_TARGET_DIR/release/gibbon"

step "fetch the real weights and sample photos (skipped when installed)"
"$gibbon" fetch

if [ "$what" = all ] || [ "$what" = native ]; then
  step "native tests"
  # Minimal autotuning: the wgpu test runs on a software adapter, where tuning costs minutes.
  # A test that finds the weights or numpy missing fails here instead of skipping.
  GIBBON_REQUIRE_INSTALLED=1 CUBECL_AUTOTUNE_LEVEL=minimal cargo test --release --locked
fi

if [ "$what" = all ] || [ "$what" = web ]; then
  step "browser tests"
  bash scripts/build-web.sh test
  node tests/e2e/run.mjs
fi
step "all tests passed"
