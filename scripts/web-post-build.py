"""trunk post_build hook: finishes dist/ before trunk moves it into place.

1. Content-Security-Policy: trunk loads the wasm with an inline <script type="module">; its
   sha256 goes into the CSP meta tag in place of '__INLINE_SCRIPT_HASHES__', so the policy can
   forbid every other inline script.
2. Service worker: writes the list of files to precache (everything but the model files) and a
   version derived from their contents into sw.js.
"""
import base64
import hashlib
import json
import os
import re
import sys

stage = os.environ.get("TRUNK_STAGING_DIR")
if not stage:
    sys.exit("web-post-build.py runs as a trunk hook (TRUNK_STAGING_DIR is not set)")

index_path = os.path.join(stage, "index.html")
with open(index_path, encoding="utf-8") as f:
    html = f.read()
scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
hashes = " ".join(
    "'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() for s in scripts
)
if "'__INLINE_SCRIPT_HASHES__'" not in html:
    sys.exit("index.html has no '__INLINE_SCRIPT_HASHES__' placeholder in its CSP")
html = html.replace("'__INLINE_SCRIPT_HASHES__'", hashes or "")
with open(index_path, "w", encoding="utf-8") as f:
    f.write(html)

files = []
digest = hashlib.sha256()
for root, dirs, names in os.walk(stage):
    dirs.sort()
    for name in sorted(names):
        path = os.path.join(root, name)
        rel = os.path.relpath(path, stage).replace(os.sep, "/")
        if rel.startswith("models/") or rel == "sw.js":
            continue
        files.append("./" + rel)
        with open(path, "rb") as f:
            digest.update(rel.encode() + f.read())
files.append("./")
sw_path = os.path.join(stage, "sw.js")
with open(sw_path, encoding="utf-8") as f:
    sw = f.read()
sw = sw.replace("__VERSION__", digest.hexdigest()[:16]).replace("__PRECACHE__", json.dumps(files))
with open(sw_path, "w", encoding="utf-8") as f:
    f.write(sw)
print("web-post-build: %d inline script hash(es), %d files to precache" % (len(scripts), len(files)))
