#!/usr/bin/env bash
# Sets up a fresh machine and serves the web app with the default real model:
# installs missing tools, fetches the weights and sample photos, builds dist/ (release,
# wasm-opt -Oz), then serves it on http://localhost:${PORT:-8080}/ (Ctrl-C stops;
# BIND=0.0.0.0 serves the whole classroom network).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/setup-tools.sh
bash scripts/build-web.sh release
port="${PORT:-8080}"
echo "Gibbon is at http://localhost:$port/  (dist/ is a static site: copy it anywhere)"
cd dist && exec python3 -m http.server "$port" --bind "${BIND:-127.0.0.1}"
