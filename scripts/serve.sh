#!/usr/bin/env bash
# Sets up a fresh machine and serves the web app with the default real model:
# installs missing tools, fetches the weights and sample photos, builds dist/ (release,
# wasm-opt -Oz), then serves it with nginx on http://localhost:${PORT:-8080}/, precompressed and
# with cache headers (scripts/serve-dist.sh; Ctrl-C stops; BIND=0.0.0.0 serves the whole
# classroom network).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/setup-tools.sh
bash scripts/build-web.sh release
echo "dist/ is a static site: copy it anywhere"
exec bash scripts/serve-dist.sh dist
