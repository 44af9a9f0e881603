// Gibbon's service worker: after the first visit the app works with the network off.
// The build fills in VERSION and the precache lists (scripts/web-post-build.py): every file of
// the app except the model files, which the app's worker keeps in its own cache as it
// downloads them, and the worker's wasm, kept below as it passes (the page starts its worker
// only once this service worker controls the page). Files whose content never changes under
// their name (content-hashed code, the sample photos), already loaded by the page, come from
// the HTTP cache: a first visit downloads each file once.
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const PRECACHE_IMMUTABLE = __PRECACHE_IMMUTABLE__;
const CACHE = "gibbon-app-" + VERSION;
// gibbonWireCompresses(), to keep the page's wasm in the form the page takes (wasm-source.js).
importScripts("./wasm-source.js");

// Cross-origin isolation, which the threaded CPU worker needs (shared memory between workers),
// on static hosts that send no COOP/COEP (GitHub Pages): every response this service worker
// gives the page gets them, as coi-serviceworker does. Everything the app loads is its own,
// so require-corp blocks nothing. Headers the server sent are kept.
function isolated(response) {
  if (!response || response.type === "opaque" || response.headers.has("Cross-Origin-Embedder-Policy")) {
    return response;
  }
  const headers = new Headers(response.headers);
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cross-Origin-Embedder-Policy", "require-corp");
  headers.set("Cross-Origin-Resource-Policy", "same-origin");
  const body = [101, 204, 205, 304].includes(response.status) ? null : response.body;
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

// The page's wasm as the page fetched it: the gzip copy from a host that does not compress.
async function asFetched(url) {
  if (!url.endsWith("_bg.wasm") || typeof DecompressionStream !== "function") return url;
  const compresses = await gibbonWireCompresses(new URL(url, self.location.href).href);
  return compresses === false ? url + ".gz" : url;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    Promise.all([caches.open(CACHE), Promise.all(PRECACHE_IMMUTABLE.map(asFetched))])
      .then(([cache, immutable]) => cache.addAll([
        // Revalidated: the server answers 304 when the page's copy is current.
        ...PRECACHE.map((url) => new Request(url, { cache: "no-cache" })),
        ...immutable.map((url) => new Request(url, { cache: "force-cache" })),
      ]))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith("gibbon-app-") && k !== CACHE).map((k) => caches.delete(k))
      ))
      .then(() => self.clients.claim())
  );
});

function remember(request, response) {
  if (response && response.ok) {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.includes("/models/")) return; // the page caches model files itself
  if (request.mode === "navigate") {
    // The page: fresh when online, cached when not (query strings such as ?backend=cpu too).
    event.respondWith(
      fetch(request)
        .then((response) => remember(request, response))
        .catch(() => caches.match(request, { ignoreSearch: true })
          .then((hit) => hit || caches.match("./", { ignoreSearch: true })))
        .then(isolated)
    );
    return;
  }
  event.respondWith(
    caches.match(request)
      .then((hit) => hit || fetch(request).then((response) => remember(request, response)))
      .then(isolated)
  );
});
