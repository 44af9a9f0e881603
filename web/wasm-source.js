// Where a WebAssembly file of the app comes from (the page's, and each worker's), and the
// built-in model files (the workers ask for those with `type`).
//
// Hosts that compress on the wire (serve-dist.sh's nginx, GitHub Pages, most CDNs) send the
// file itself, and the browser unpacks it. A host that sends files as they are (python's
// http.server, a folder served from a USB stick) would send the worker's 7.5 to 15 MB whole:
// there the gzip copy the build writes beside each file (`_bg.wasm.gz`,
// `models/<model>.int8.safetensors.gz`) is fetched instead and unpacked here, with the
// browser's DecompressionStream, as it streams in.
//
// Where the service worker already keeps one of the two (Cache Storage, in a secure context),
// that one is taken, without asking the host anything (also offline). Otherwise the host is
// asked with a HEAD request whether it compresses the file.
//
// A classic script that only sets `gibbonWasmSource` on the global object: importScripts()
// loads it in trunk's classic worker, import() in the threaded module worker and the page.
"use strict";

// Whether the host compresses the file at `url` on the wire: true, false, or null when it does
// not answer (offline). The service worker asks it too, to keep the copy the page will use.
globalThis.gibbonWireCompresses = async function (url) {
  return (await wireHead(url)).compresses;
};

// The HEAD answer for `url`: whether the host compresses it (as above), and the file's length
// where it does not (for the progress of a model unpacked from its gzip copy).
async function wireHead(url) {
  if (self.navigator && navigator.onLine === false) return { compresses: null };
  try {
    const head = await fetch(url, { method: "HEAD", cache: "no-store" });
    if (!head.ok) return { compresses: true };
    const compresses = head.headers.has("Content-Encoding");
    return { compresses, length: compresses ? null : head.headers.get("Content-Length") };
  } catch (e) {
    return { compresses: null };
  }
}

// A Response (or a promise of one) with the WebAssembly file at `path`, for wasm-bindgen's
// init({ module_or_path }), or with another file of the app of the given `type`.
globalThis.gibbonWasmSource = async function (path, type = "application/wasm") {
  const url = new URL(path, self.location.href).href;
  const gzip = url + ".gz";
  // A host that labels .gz files as gzip-encoded has the browser unpack them already.
  const unpack = (response, length) => new Response(
    response.headers.has("Content-Encoding")
      ? response.body
      : response.body.pipeThrough(new DecompressionStream("gzip")),
    { headers: length ? { "Content-Type": type, "Content-Length": length } : { "Content-Type": type } },
  );
  const canUnpack = typeof DecompressionStream === "function";
  // The copy the service worker kept, taken from Cache Storage itself (also where a reload
  // that bypasses the service worker would go to the host). The wasm files' names hold a
  // content hash: a kept copy is this file. (The workers look up a model in their own store
  // before they come here, and delete the stores of earlier model formats first.)
  if (self.caches) {
    try {
      const kept = await caches.match(url);
      if (kept) return kept;
      const keptGzip = canUnpack && (await caches.match(gzip));
      if (keptGzip) return unpack(keptGzip);
    } catch (e) { /* no Cache Storage here */ }
  }
  const { compresses, length } = await wireHead(url);
  if (compresses === false && canUnpack) {
    try {
      const packed = await fetch(gzip);
      if (packed.ok) return unpack(packed, length);
    } catch (e) { /* the file itself, below */ }
  }
  try {
    const plain = await fetch(url);
    if (plain.ok || compresses !== null || !canUnpack) return plain;
  } catch (e) {
    if (compresses !== null || !canUnpack) throw e;
  }
  // Offline, and the service worker kept the gzip copy.
  return unpack(await fetch(gzip));
};
