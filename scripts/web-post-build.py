"""trunk post_build hook: finishes dist/ before trunk moves it into place.

1. The Web Worker: trunk names a worker's files without a content hash (gibbon-worker.js,
   gibbon-worker_bg.wasm). They get one here, like every other code file, and a loader script;
   its name goes into the page's <meta name="gibbon-worker"> for the app to start it.
2. The threaded CPU worker (scripts/build-threads.sh, copied from web/threads/ when built):
   its folder gets a content hash in its name, a loader that starts the thread pool and a
   helper script for each further thread (src/worker/pool.rs); the loader's name goes into
   <meta name="gibbon-worker-threads">, which the page reads. Absent from the build, the page
   runs the CPU on one thread in the worker above.
3. Every wasm file (the page's and both workers') and built-in model is fetched through
   web/wasm-source.js and gets a gzip copy beside it (`_bg.wasm.gz`, `.safetensors.gz`), which
   a host that does not compress sends instead: trunk's inline loader is changed to use it, and
   its preload of the plain file goes.
4. Content-Security-Policy: trunk loads the wasm with an inline <script type="module">; its
   sha256 goes into the CSP meta tag in place of '__INLINE_SCRIPT_HASHES__', so the policy can
   forbid every other inline script.
5. Service worker: writes the list of files to precache, and a version derived from their
   contents. Left out: the model files, which the worker keeps in its own cache, the
   workers' wasm, which the service worker keeps as it passes (the page starts the worker only
   once the service worker controls it), and the gzip copies (for the page's wasm, the service
   worker asks the host which of the two to keep). The rest is split into files whose content
   never changes under their name (content-hashed code, the sample photos), taken from the HTTP
   cache, and the others: a first visit downloads each file once.
"""
import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import sys

stage = os.environ.get("TRUNK_STAGING_DIR")
if not stage:
    sys.exit("web-post-build.py runs as a trunk hook (TRUNK_STAGING_DIR is not set)")

index_path = os.path.join(stage, "index.html")
with open(index_path, encoding="utf-8") as f:
    html = f.read()

# --- 1. the worker's files, content-hashed -----------------------------------------------
worker = "gibbon-worker"
js_path, wasm_path = (os.path.join(stage, worker + ext) for ext in (".js", "_bg.wasm"))
if not (os.path.exists(js_path) and os.path.exists(wasm_path)):
    sys.exit("web-post-build.py: trunk built no %s.js / %s_bg.wasm (see index.html)" % (worker, worker))
LOADER = (
    'importScripts("./wasm-source.js","./{name}.js");'
    'wasm_bindgen({{module_or_path:gibbonWasmSource("./{name}_bg.wasm")}});\n'
)
h = hashlib.sha256(LOADER.encode())  # a new loader is a new name too
for path in (js_path, wasm_path):
    with open(path, "rb") as f:
        h.update(f.read())
hashed = "%s-%s" % (worker, h.hexdigest()[:16])
os.rename(js_path, os.path.join(stage, hashed + ".js"))
os.rename(wasm_path, os.path.join(stage, hashed + "_bg.wasm"))
loader = hashed + "_loader.js"
with open(os.path.join(stage, loader), "w", encoding="utf-8") as f:
    f.write(LOADER.format(name=hashed))
if "__GIBBON_WORKER__" not in html:
    sys.exit("index.html has no __GIBBON_WORKER__ placeholder for the worker's loader")
html = html.replace("__GIBBON_WORKER__", "./" + loader)

# --- 2. the threaded worker, when built --------------------------------------------------------
threads_dir = os.path.join(stage, "threads")
threads_wasm = "gibbon-worker-threads_bg.wasm"
threads_loader = ""
THREADS_LOADER = (
    "// Gibbon's threaded CPU worker (a module worker): the worker and one helper per further\n"
    "// core make rayon's pool (src/worker/pool.rs). Messages that come before it listens are\n"
    "// kept and handed on. A helper that cannot start fails the loader: the page then keeps to\n"
    "// the worker on one thread.\n"
    "self.gibbonAppRoot = new URL('../', import.meta.url).href;\n"
    "const early = [];\n"
    "self.onmessage = (e) => early.push(e.data);\n"
    "await import('../wasm-source.js');\n"
    "const glue = await import('./gibbon-worker-threads.js');\n"
    "await glue.default({ module_or_path: gibbonWasmSource(new URL('./%s', import.meta.url)) });\n"
    "const threads = Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 16));\n"
    "const [module, memory] = glue.gibbonPoolShared();\n"
    "self.gibbonPoolHelpers = await Promise.all(Array.from({ length: threads - 1 }, () =>\n"
    "  new Promise((ready, fail) => {\n"
    "    const helper = new Worker(new URL('./helper.js', import.meta.url), { type: 'module' });\n"
    "    helper.onmessage = () => ready(helper);\n"
    "    helper.onerror = (e) => fail(new Error('a helper thread did not start: ' + (e.message || e.type)));\n"
    "    helper.postMessage({ module, memory });\n"
    "  })));\n"
    "glue.gibbonPoolBuild(threads);\n"
    "self.onmessage = null;\n"
    "glue.gibbonWorkerStart();\n"
    "for (const data of early) self.dispatchEvent(new MessageEvent('message', { data }));\n"
    % threads_wasm
)
THREADS_HELPER = (
    "// A helper thread of Gibbon's threaded CPU worker: the worker's module on the worker's\n"
    "// memory, running one of rayon's threads for the worker's life (src/worker/pool.rs).\n"
    "self.onmessage = async ({ data }) => {\n"
    "  self.onmessage = null;\n"
    "  const glue = await import('./gibbon-worker-threads.js');\n"
    "  await glue.default({ module_or_path: data.module, memory: data.memory });\n"
    "  postMessage('ready');\n"
    "  glue.gibbonPoolHelper();\n"
    "};\n"
)
if os.path.exists(os.path.join(threads_dir, threads_wasm)):
    # the loader and the helper are part of the folder's name
    h = hashlib.sha256((THREADS_LOADER + THREADS_HELPER).encode())
    for root, dirs, names in os.walk(threads_dir):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(root, name)
            h.update(os.path.relpath(path, threads_dir).encode())
            with open(path, "rb") as f:
                h.update(f.read())
    hashed_dir = "threads-" + h.hexdigest()[:16]
    os.rename(threads_dir, os.path.join(stage, hashed_dir))
    for name, text in (("loader.js", THREADS_LOADER), ("helper.js", THREADS_HELPER)):
        with open(os.path.join(stage, hashed_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
    threads_loader = "./%s/loader.js" % hashed_dir
elif os.path.isdir(threads_dir):
    shutil.rmtree(threads_dir)  # not built: the page runs the CPU on one thread
if "__GIBBON_WORKER_THREADS__" not in html:
    sys.exit("index.html has no __GIBBON_WORKER_THREADS__ placeholder for the threaded worker")
html = html.replace("__GIBBON_WORKER_THREADS__", threads_loader)

# --- 3. every wasm file and model from web/wasm-source.js, with a gzip copy beside it ------------
# The page's own wasm, like the workers', is fetched by gibbonWasmSource(), which takes the
# gzip copy from a host that does not compress: trunk's inline loader imports it, and the
# preload of the plain file goes (it would download it whole from such a host).
page_wasm = re.search(r"module_or_path: '(\./gibbon-[0-9a-f]+_bg\.wasm)'", html)
if not page_wasm:
    sys.exit("web-post-build.py: trunk's inline loader has no module_or_path for the page's wasm")
html = html.replace(
    page_wasm.group(0), "module_or_path: gibbonWasmSource('%s')" % page_wasm.group(1)
).replace("import init, * as bindings", "import './wasm-source.js';\nimport init, * as bindings", 1)
# Quoted or not: a release build's page is minified before this hook runs.
preload = r"""<link\b[^>]*\bhref=["']?%s["'\s>][^>]*>\s*""" % re.escape(page_wasm.group(1))
html, preloads = re.subn(preload, "", html)
if re.search(r"""href=["']?%s\b""" % re.escape(page_wasm.group(1)), html):
    sys.exit("web-post-build.py: the page's wasm is still linked from index.html")
if not os.path.exists(os.path.join(stage, "wasm-source.js")):
    sys.exit("web-post-build.py: web/wasm-source.js was not copied (see index.html)")
for root, dirs, names in os.walk(stage):
    for name in names:
        # The built-in models too: the workers fetch them through gibbonWasmSource().
        rel_dir = os.path.relpath(root, stage).replace(os.sep, "/")
        if name.endswith(".wasm") or (name.endswith(".safetensors") and rel_dir == "models"):
            path = os.path.join(root, name)
            with open(path, "rb") as f, open(path + ".gz", "wb") as out:
                # mtime 0: the same build gives the same bytes.
                with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as z:
                    shutil.copyfileobj(f, z)

# --- 4. the inline loader's hash in the CSP ------------------------------------------------------
scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
hashes = " ".join(
    "'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() for s in scripts
)
if "'__INLINE_SCRIPT_HASHES__'" not in html:
    sys.exit("index.html has no '__INLINE_SCRIPT_HASHES__' placeholder in its CSP")
html = html.replace("'__INLINE_SCRIPT_HASHES__'", hashes or "")
with open(index_path, "w", encoding="utf-8") as f:
    f.write(html)

# --- 5. the service worker's precache lists and version -------------------------------------------
immutable_name = re.compile(r"-[0-9a-f]{8,16}(_bg\.wasm|_loader\.js|\.js|\.css)$|^threads-[0-9a-f]{16}/")
files, immutable = [], []
digest = hashlib.sha256()
for root, dirs, names in os.walk(stage):
    dirs.sort()
    for name in sorted(names):
        path = os.path.join(root, name)
        rel = os.path.relpath(path, stage).replace(os.sep, "/")
        if rel.startswith("models/") or rel == "sw.js":
            continue
        if rel.endswith(".wasm.gz"):
            # The copy for hosts that do not compress: the service worker keeps the page's
            # (it asks the host which one the page takes) and the workers' as they pass.
            continue
        if rel == hashed + "_bg.wasm" or rel.endswith("/" + threads_wasm):
            # Kept by the service worker as the worker fetches it.
            with open(path, "rb") as f:
                digest.update(rel.encode() + f.read())
            continue
        if rel.startswith("samples/") and not rel.startswith("samples/thumbs/"):
            # A sample photo loads when chosen (the service worker keeps it then): the gallery
            # shows thumbnails, which are precached.
            with open(path, "rb") as f:
                digest.update(rel.encode() + f.read())
            continue
        if immutable_name.search(rel) or rel.startswith("samples/"):
            immutable.append("./" + rel)
        else:
            files.append("./" + rel)
        with open(path, "rb") as f:
            digest.update(rel.encode() + f.read())
files.append("./")
sw_path = os.path.join(stage, "sw.js")
with open(sw_path, encoding="utf-8") as f:
    sw = f.read()
sw = (
    sw.replace("__VERSION__", digest.hexdigest()[:16])
    .replace("__PRECACHE_IMMUTABLE__", json.dumps(immutable))
    .replace("__PRECACHE__", json.dumps(files))
)
with open(sw_path, "w", encoding="utf-8") as f:
    f.write(sw)
print(
    "web-post-build: worker %s, threaded worker %s, %d inline script hash(es), %d + %d files to precache"
    % (hashed, threads_loader or "not built", len(scripts), len(immutable), len(files))
)
