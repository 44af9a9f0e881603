#!/usr/bin/env bash
# Serves a built web app (dist/) with nginx the way a classroom needs it:
# - every text and binary file precompressed once, brotli and gzip, and sent compressed to
#   browsers that accept it (nginx's gzip_static and brotli_static; no compression per request);
# - file names with trunk's content hash (gibbon-<hash>.js, _bg.wasm, style-<hash>.css) cached
#   for a year as immutable, everything else (index.html, sw.js, models, samples) revalidated
#   with its ETag, so a second visit, even over plain http on a LAN where there is no service
#   worker, downloads almost nothing;
# - Cross-Origin-Opener-Policy and -Embedder-Policy, so the page is cross-origin isolated.
#
#   ./scripts/serve-dist.sh [DIR]      (default dist; PORT, BIND as for serve.sh;
#                                       GIBBON_BROTLI_QUALITY, default 11, for quick tests)
# It runs nginx in the foreground as the current user (Ctrl-C stops it), with its config and
# temporary files in a folder of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
dist="$(cd "${1:-dist}" && pwd)"
port="${PORT:-8080}"
bind="${BIND:-127.0.0.1}"
command -v nginx >/dev/null || { echo "serve-dist.sh: nginx is missing (scripts/setup-tools.sh installs it)" >&2; exit 1; }
module=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so

# Precompress what is not compressed yet (or changed since), at the highest levels, two files
# at a time: done once per build, so the time is spent before anyone visits (a few minutes for
# a release build's 19 MB of wasm and 33 MB of models on 2 cores).
compress() {
  f="$1"
  # Written under a name of its own (this process's id: two serve scripts on one dist/ do not
  # write into each other's file) and renamed when whole, with the file's time: "as new as
  # the file, and not empty" then means done, and an interrupted run leaves nothing behind.
  if [ ! -s "$f.gz" ] || [ "$f" -nt "$f.gz" ]; then
    tmp="$f.gz.$$.partial"
    { gzip -9 -c "$f" > "$tmp" && touch -r "$f" "$tmp" && mv "$tmp" "$f.gz"; } || rm -f "$tmp"
  fi
  if command -v brotli >/dev/null && { [ ! -s "$f.br" ] || [ "$f" -nt "$f.br" ]; }; then
    tmp="$f.br.$$.partial"
    { brotli -q "${GIBBON_BROTLI_QUALITY:-11}" -c "$f" > "$tmp" && touch -r "$f" "$tmp" && mv "$tmp" "$f.br"; } || rm -f "$tmp"
  fi
}
export -f compress
find "$dist" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \
  -o -name '*.svg' -o -name '*.webmanifest' -o -name '*.safetensors' -o -name '*.json' \) -print0 |
  xargs -0 -r -n 1 -P 2 bash -c 'compress "$0"'

run="$(mktemp -d "${TMPDIR:-/tmp}/gibbon-nginx.XXXXXX")"
trap 'rm -rf "$run"' EXIT
brotli_conf=""
[ -e "$module" ] && command -v brotli >/dev/null && brotli_conf="brotli_static on;"
{
  [ -e "$module" ] && echo "load_module $module;"
  cat <<EOF
worker_processes 1;
pid $run/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path $run/body;
  proxy_temp_path $run/proxy;
  fastcgi_temp_path $run/fastcgi;
  uwsgi_temp_path $run/uwsgi;
  scgi_temp_path $run/scgi;
  sendfile on;
  etag on;
  gzip_static on;
  $brotli_conf
  server {
    listen $bind:$port;
    root $dist;
    index index.html;
    # Hashed by trunk (a 64-bit hash in hex, leading zeros dropped): a new build has new
    # names, so these never change.
    location ~ "-[0-9a-f]{8,16}(_bg\.wasm|_loader\.js|\.js|\.css)$|/threads-[0-9a-f]{16}/" {
      add_header Cache-Control "public, max-age=31536000, immutable" always;
      add_header Cross-Origin-Opener-Policy same-origin always;
      add_header Cross-Origin-Embedder-Policy require-corp always;
      add_header Cross-Origin-Resource-Policy same-origin always;
    }
    location ~ "\.webmanifest$" {
      default_type application/manifest+json;
      add_header Cache-Control no-cache always;
      add_header Cross-Origin-Opener-Policy same-origin always;
      add_header Cross-Origin-Embedder-Policy require-corp always;
      add_header Cross-Origin-Resource-Policy same-origin always;
    }
    location / {
      add_header Cache-Control no-cache always;
      add_header Cross-Origin-Opener-Policy same-origin always;
      add_header Cross-Origin-Embedder-Policy require-corp always;
      add_header Cross-Origin-Resource-Policy same-origin always;
    }
  }
}
EOF
} > "$run/nginx.conf"
echo "Gibbon is at http://localhost:$port/  (nginx, from $dist; Ctrl-C stops)"
nginx -p "$run" -c "$run/nginx.conf" -g 'daemon off;'
