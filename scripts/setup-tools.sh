#!/usr/bin/env bash
# Installs what building and testing Gibbon needs, skipping whatever is already there:
# system packages (Chromium, software Vulkan), the wasm target, trunk, wasm-bindgen-cli,
# wasm-opt (binaryen from npm), playwright-core (the browser driver, never its browsers),
# @axe-core/playwright (accessibility checks), and
# numpy in a venv (the tests' independent reference implementations).
# Safe to run again: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# --- system packages -------------------------------------------------------------------------
need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
[ -e /usr/share/vulkan/icd.d/lvp_icd.x86_64.json ] || [ -n "$(ls /usr/share/vulkan/icd.d/lvp_icd.* 2>/dev/null)" ] || need_apt+=(mesa-vulkan-drivers)
ldconfig -p | grep -q libvulkan.so.1 || need_apt+=(libvulkan1)
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
command -v npm >/dev/null || need_apt+=(nodejs npm)
# The web server of serve.sh (precompressed brotli and gzip, cache headers, COOP/COEP).
command -v nginx >/dev/null || need_apt+=(nginx)
[ -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || need_apt+=(libnginx-mod-http-brotli-static)
command -v brotli >/dev/null || need_apt+=(brotli)
# A Japanese font, so that the browser tests' screenshots of the Japanese page are legible.
[ -d /usr/share/fonts/opentype/ipafont-gothic ] || need_apt+=(fonts-ipafont-gothic)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# --- Rust targets and cargo tools ------------------------------------------------------------
rustup target list --installed | grep -q wasm32-unknown-unknown || {
  say "rustup target add wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown; }
# rust-src: the threaded worker rebuilds std with atomics (scripts/build-threads.sh).
for component in rustfmt clippy rust-src; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || {
    say "rustup component add $component"; rustup component add "$component"; }
done

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  say "cargo install trunk $TRUNK_VERSION (about 12 minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi

# --- npm tools (kept outside the clone so every clone shares them) ---------------------------
if [ ! -x "$GIBBON_TOOLS/node_modules/.bin/wasm-opt" ] || [ ! -d "$GIBBON_TOOLS/node_modules/playwright-core" ] \
    || [ ! -d "$GIBBON_TOOLS/node_modules/@axe-core/playwright" ]; then
  say "npm install binaryen@$BINARYEN_VERSION playwright-core@$PLAYWRIGHT_VERSION @axe-core/playwright@$AXE_PLAYWRIGHT_VERSION into $GIBBON_TOOLS"
  mkdir -p "$GIBBON_TOOLS"
  (cd "$GIBBON_TOOLS" && [ -f package.json ] || echo '{"private":true}' > "$GIBBON_TOOLS/package.json")
  (cd "$GIBBON_TOOLS" && npm install --no-audit --no-fund --silent \
      "binaryen@$BINARYEN_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" \
      "@axe-core/playwright@$AXE_PLAYWRIGHT_VERSION")
fi
# --- numpy for the independent reference implementations the tests compare against ---------
if ! "$GIBBON_TOOLS/venv/bin/python" -c "import numpy" 2>/dev/null; then
  say "python venv with numpy in $GIBBON_TOOLS/venv"
  python3 -m venv "$GIBBON_TOOLS/venv"
  "$GIBBON_TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "numpy==$NUMPY_VERSION"
fi
say "tools ready"
