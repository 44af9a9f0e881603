#!/usr/bin/env bash
# Builds a CUDA-enabled gibbon (`--features cuda`, so `--device cuda` works) on a fresh
# Debian machine without downloading LLVM.
#
# burn's CUDA stack (cubecl-cuda -> cubecl-llvm) links LLVM through tracel-llvm-bundler, whose
# build script would otherwise download an LLVM 23 bundle from GitHub. Debian's LLVM 22
# (llvm-22-dev, with libpolly-22-dev and libzstd-dev for its static libraries) serves
# instead: this script installs it when missing and gives the bundler an "already installed"
# prefix made of links to it. The `cuda` feature also selects cubecl's CUDA C++ path, so kernels
# are compiled at run time by NVIDIA's NVRTC (LLVM is linked but its PTX backend not used); the
# machine that runs the binary needs the CUDA driver and NVRTC, not LLVM.
#
#   ./scripts/build-cuda.sh            -> $CARGO_TARGET_DIR/release/gibbon with CUDA
#
# The CUDA build has its own target dir (cuda-target): switching features would otherwise
# rebuild burn for the normal build every time. CI does not run this script.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
say() { printf '\033[1m[cuda]\033[0m %s\n' "$*" >&2; }

need=()
for package in llvm-22-dev libpolly-22-dev libzstd-dev; do
  dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# tracel-llvm-bundler 23.1.0-4 looks in $XDG_DATA_HOME/tracel/tracel-llvm-<version>/ (or
# ~/.local/share/...) for bin/llvm-config, lib/ and include/ and a sentinel file. Debian's
# llvm-config names libz3 by its path (/usr/lib/.../libz3.so), which the bundler turns into
# `-llibz3`: a wrapper llvm-config gives such libraries as `-l<name>` instead.
llvm=/usr/lib/llvm-22
prefix="${XDG_DATA_HOME:-$HOME/.local/share}/tracel/tracel-llvm-23.1.0-4"
if [ ! -e "$prefix/.tracel-llvm-installed" ] || [ ! -e "$prefix/bin/.gibbon-wrapper" ]; then
  say "LLVM prefix for the bundler: $prefix -> $llvm"
  mkdir -p "$prefix"
  for dir in lib include share; do ln -sfn "$llvm/$dir" "$prefix/$dir"; done
  rm -rf "$prefix/bin"
  mkdir -p "$prefix/bin"
  for tool in "$llvm"/bin/*; do ln -s "$tool" "$prefix/bin/"; done
  rm "$prefix/bin/llvm-config"
  cat > "$prefix/bin/llvm-config" <<WRAPPER
#!/bin/sh
# Written by gibbon's scripts/build-cuda.sh: Debian's llvm-config, with libraries named by
# their path (.../libz3.so) given as -l flags.
$llvm/bin/llvm-config "\$@" | sed -E 's#(^| )/[^ ]*/lib([^/ ]+)\.so( |\$)#\1-l\2\3#g'
WRAPPER
  chmod +x "$prefix/bin/llvm-config"
  touch "$prefix/bin/.gibbon-wrapper" "$prefix/.tracel-llvm-installed"
fi
export CARGO_TARGET_DIR="$GIBBON_HOME/cuda-target"
say "cargo build --release --features cuda (the first build takes a while)"
cargo build --release --locked --features cuda --bin gibbon
say "built $CARGO_TARGET_DIR/release/gibbon; try: $CARGO_TARGET_DIR/release/gibbon --device cuda bench"
