#!/usr/bin/env bash
# Fuzzes everything Gibbon reads from a user's file, with cargo-fuzz (libFuzzer): the pickle
# machine, .pth checkpoints, safetensors, .npz archives, and image decoding + preprocessing.
# Seeds are small valid files (fuzz/seeds, written by a test); the corpus each run grows is
# minimised into fuzz/corpus and crash inputs land in fuzz/artifacts. Commit both: `cargo
# test` replays them through the same entry points (tests/fuzz_replay.rs), without a fuzzer.
#
#   ./scripts/fuzz.sh                 every target, 10 minutes each
#   ./scripts/fuzz.sh 60 pickle pth   one minute each for two targets
#
# Needs cargo-fuzz (installed here if missing). libFuzzer needs a few unstable compiler
# flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. Without a sanitizer
# (-s none): Rust code is memory-safe, and what a file can cause is a panic, an abort on a
# huge allocation, a stack overflow, or a hang, all of which libFuzzer reports.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pickle pth safetensors npz image)
export RUSTC_BOOTSTRAP=1
# Its own target dir: instrumented builds share nothing with the normal ones.
export CARGO_TARGET_DIR="$GIBBON_HOME/fuzz-target"

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# The seeds are committed; a test writes them again where they are missing.
[ -d fuzz/seeds/pickle ] || CARGO_TARGET_DIR="$GIBBON_HOME/target" \
  cargo test --release --locked --test fuzz_replay -- --ignored write_fuzz_seeds
mkdir -p fuzz/logs
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  echo "== fuzzing $target for $seconds s" >&2
  # Exit status 1 means libFuzzer found a crash: keep going with the other targets.
  cargo fuzz run -s none "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 -max_len=65536 \
    -print_final_stats=1 2>&1 | tee "fuzz/logs/$target.log" | grep -E "^(#[0-9]+ +DONE|==|stat::|SUMMARY|artifact)" || true
  cargo fuzz cmin -s none "$target" "fuzz/corpus/$target" >/dev/null 2>&1 || true
  echo "$target: $(ls "fuzz/corpus/$target" | wc -l) corpus files, $(ls "fuzz/artifacts/$target" | wc -l) crash inputs" >&2
done
