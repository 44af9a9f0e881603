// Browser end-to-end tests of the web app, in headless Debian Chromium driven by playwright-core
// (no browser download). Serves dist/ from a sub-path of a local static server, then:
//   - on WebGPU (SwiftShader) and on the CPU backend: pick a sample photo, check its top-1,
//     run iterative least-likely at eps 8, check the verdict, download the PNG, check its pixels
//     against the original (|diff| <= 8) and classify it again with the CLI; transfer table;
//   - errors a user can cause: not an image, a huge image, cancelling, switching model mid-attack;
//   - the page never freezes: every computation runs in the worker (long main-thread tasks are
//     recorded during an attack and reported), a lost GPU device or a crashed worker is
//     replaced without losing the photo or the result, memory stays flat over 20 attacks;
//   - the one activity: the matrix blocks other work, a model switch cancels it uncounted;
//   - a first visit downloads each file once; a class on plain http (not a secure context)
//     still attacks, on the CPU, and says why;
//   - offline: a reload with the network off still works;
//   - the serve script's nginx (scripts/serve-dist.sh): brotli, immutable hashed files, COOP and
//     COEP (cross-origin isolated on localhost), and a reload over LAN http under 100 kB;
//   - every request stays on the page's origin;
//   - live classification: Chromium's fake camera shows a sample photo (a Y4M made from it
//     here), its frames are classified in the worker on the CPU (frames per second, no long
//     main-thread task), in English and Japanese at 1280 and 390 px, axe-clean; closing,
//     leaving the page and a model switch turn the camera off; a camera that ends or gives
//     no frames gets a notice.
// Screenshots go to tests/e2e/output/. Run: node tests/e2e/run.mjs (after scripts/build-web.sh).
//   - the stage: a universal noise learnt on the CPU from gallery photos and a camera frame,
//     applied to the photo and live to the fake camera (the answer changes); a patch made,
//     cancelled, resumed after a reload, dragged and moved with the keys onto a photo, and
//     downloaded to print; a noise PNG of another size resized, a plain PNG refused; in English
//     and Japanese at 1280 and 390 px, axe-clean.
// E2E_ONLY=cpu|webgpu|threads|errors|offline|live|stage|wire|bench runs one scenario; E2E_BENCH=1 adds the benchmark page.
// E2E_LIVE_MIN_FPS (default 10, the target for Lite0 on the CPU) is the least frame rate the
// live scenario accepts.
import { createRequire } from "node:module";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodePng, encodePng, pngClaiming } from "./png.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dist = path.join(root, "dist");
const output = path.join(root, "tests/e2e/output");
const tools = process.env.GIBBON_TOOLS || path.join(process.env.HOME, ".cache/gibbon/tools");
const require = createRequire(path.join(tools, "node_modules/"));
const { chromium } = require("playwright-core");
const gibbon = path.join(process.env.CARGO_TARGET_DIR || path.join(process.env.HOME, ".cache/gibbon/target"), "release/gibbon");
const only = process.env.E2E_ONLY;
fs.mkdirSync(output, { recursive: true });

// ---------------------------------------------------------------- a static host, on a sub-path
const MIME = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
  ".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg", ".svg": "image/svg+xml", ".json": "application/json",
  ".webmanifest": "application/manifest+json", ".safetensors": "application/octet-stream",
  ".gz": "application/gzip",
};
const PREFIX = "/classroom/gibbon/";
// Files a teacher put next to the app (here: random-weight models for the "own model" test).
const extra = path.join(process.env.CARGO_TARGET_DIR || path.join(process.env.HOME, ".cache/gibbon/target"), "tmp/reference-nets");
// Bytes served per path, to see what a visit downloads (and whether anything twice).
const served = new Map();
// HEAD requests, by path (wasm-source.js asks whether the host compresses a wasm file).
const heads = [];
function resetServed() { served.clear(); heads.length = 0; }
// Paths the server answers with 404 for a while (a scenario sets it): a broken deployment.
let refused = null;
// Whether the server sends COOP/COEP itself (as nginx from serve-dist.sh does), for a scenario
// without the service worker (which otherwise adds them).
let isolating = false;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (!url.pathname.startsWith(PREFIX) || refused?.test(url.pathname)) { res.writeHead(404).end(); return; }
  const rel = decodeURIComponent(url.pathname.slice(PREFIX.length));
  const root = rel.startsWith("extra/") ? extra : dist;
  let file = path.join(root, rel.startsWith("extra/") ? rel.slice(6) : rel);
  if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
  if (!fs.existsSync(file)) { res.writeHead(404).end(); return; }
  // As python's http.server serves: no Cache-Control, a Last-Modified date, and 304 Not
  // Modified for a revalidation (which sends no body, so it is not counted).
  const modified = new Date(Math.floor(fs.statSync(file).mtimeMs / 1000) * 1000);
  const since = req.headers["if-modified-since"];
  if (since && new Date(since) >= modified) {
    res.writeHead(304, { "last-modified": modified.toUTCString() }).end();
    return;
  }
  const body = fs.readFileSync(file);
  if (req.method === "HEAD") heads.push(url.pathname);
  else {  // a HEAD answer has no body (wasm-source.js asks with one)
    const seen = served.get(url.pathname) || { count: 0, bytes: 0 };
    served.set(url.pathname, { count: seen.count + 1, bytes: seen.bytes + body.length });
  }
  res.writeHead(200, {
    "content-type": MIME[path.extname(file)] || "application/octet-stream", "content-length": body.length,
    "last-modified": modified.toUTCString(),
    ...(isolating ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {}),
  });
  res.end(body);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;
const base = origin + PREFIX;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // gibbon.test: a made-up host name for the loopback address, so that the page can be opened
  // as a classroom opens it over the LAN: plain http, not a secure context.
  // A fake camera (a test pattern) that needs no permission prompt, for the camera scenario.
  args: ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--enable-unsafe-webgpu", "--host-resolver-rules=MAP gibbon.test 127.0.0.1", "--enable-precise-memory-info", "--js-flags=--expose-gc", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
});

// ---------------------------------------------------------------- tiny test harness
let failures = 0;
function check(condition, message) {
  if (!condition) throw new Error("check failed: " + message);
}
async function scenario(name, fn) {
  if (only && !name.startsWith(only)) return;
  const started = Date.now();
  process.stdout.write(`e2e ${name} ... `);
  try {
    await fn();
    console.log(`ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failures++;
    console.log(`FAILED (${((Date.now() - started) / 1000).toFixed(1)} s)\n  ${e.stack || e}`);
  }
}
async function newPage(query = "", at = base, init = null, width = 1280, using = browser) {
  const context = await using.newContext({ acceptDownloads: true, viewport: { width, height: 1000 } });
  if (init) await context.addInitScript(init);
  // Long tasks on the page's main thread, from the very start.
  await context.addInitScript(() => {
    window.__longTasks = [];
    try {
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
        .observe({ type: "longtask", buffered: true });
    } catch (e) { /* no long-task timing in this browser */ }
  });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
    // The worker's messages too, for failures that happen there.
    if (process.env.E2E_VERBOSE) console.log(`  [console ${m.type()}] ${m.text().slice(0, 300)}`);
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(at + query);
  // On the CPU, and on a first visit that times both devices, a visit to 127.0.0.1 (which
  // sends no COOP/COEP) reloads once under the service worker to be cross-origin isolated for
  // the threaded worker: act after that.
  if (!/backend=webgpu/.test(query) && at.startsWith(origin)) {
    await page.waitForFunction(() => window.crossOriginIsolated, null, { timeout: T(20) }).catch(() => {});
  }
  return { context, page, requests, errors };
}
const longTasks = (page) => page.evaluate(() => window.__longTasks.slice());
const T = (s) => s * 1000;
const testid = (id) => `[data-testid="${id}"]`;
async function backendKind(page) {
  await page.waitForSelector(`${testid("backend")} .badge[data-kind]`, { timeout: T(120) });
  return page.getAttribute(`${testid("backend")} .badge[data-kind]`, "data-kind");
}
async function top1(page, list) {
  await page.waitForSelector(`${testid(list)} li`, { timeout: T(300) });
  return Number(await page.getAttribute(`${testid(list)} li:first-child`, "data-index"));
}
async function canvasRgb(page, id) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const rgb = [];
    for (let i = 0; i < d.length; i += 4) rgb.push(d[i], d[i + 1], d[i + 2]);
    return { width: c.width, height: c.height, rgb };
  }, testid(id));
}
function sameOrigin(requests) {
  const foreign = requests.filter((u) => !u.startsWith(origin) && !u.startsWith("blob:") && !u.startsWith("data:"));
  check(foreign.length === 0, "requests left the origin: " + foreign.join(", "));
}

// ---------------------------------------------------------------- the main flow, per backend
async function attackFlow(backend) {
  // A fresh browser context is a first visit: nothing cached.
  resetServed();
  const opened = Date.now();
  const { context, page, requests, errors } = await newPage("?backend=" + backend);
  await page.click(testid("sample-chelsea"));
  const original = await top1(page, "original-predictions");
  const toTop5 = (Date.now() - opened) / 1000;
  const kind = await backendKind(page);
  const adapter = await page.textContent(`${testid("backend")} .adapter`);
  console.log(`\n  backend: ${kind} (${adapter}); from opening the page to the first top-5: ${toTop5.toFixed(1)} s`);
  check(kind === (backend === "cpu" ? "CPU" : "WebGPU"), `expected ${backend}, page runs ${kind}`);
  check([281, 282, 285].includes(original), `chelsea classified as ${original}`);
  // Burn runs in the worker, not on the page: the page's own code is small.
  const workers = page.workers().map((w) => w.url());
  // On the CPU of an isolated page (the service worker isolates 127.0.0.1), the threaded build.
  const isolated = await page.evaluate(() => window.crossOriginIsolated);
  const worker = backend === "cpu" && isolated ? /\/threads-[0-9a-f]{16}\/loader\.js$/ : /gibbon-worker-[0-9a-f]+_loader\.js$/;
  check(workers.some((u) => worker.test(u)), "the worker runs: " + workers.join(", "));
  if (backend === "cpu") check(isolated && /\d+ threads\)/.test(adapter), "every core on an isolated page: " + adapter);
  // This host does not compress (as python's http.server): each wasm file comes as its gzip
  // copy (web/wasm-source.js), the plain file never.
  const pageWasm = [...served].filter(([p]) => /\/gibbon-[0-9a-f]+_bg\.wasm(\.gz)?$/.test(p));
  check(pageWasm.length === 1 && pageWasm[0][0].endsWith(".gz") && pageWasm[0][1].bytes < 2e6, "the page's wasm: " + JSON.stringify(pageWasm));
  const plainWasm = [...served].filter(([p]) => p.endsWith(".wasm")).map(([p]) => p);
  check(plainWasm.length === 0, "wasm sent uncompressed: " + plainWasm.join(", "));
  // So does the model (the worker fetches it through web/wasm-source.js too).
  const model = [...served.keys()].filter((p) => /\/models\/efficientnet-lite0\.int8\.safetensors(\.gz)?$/.test(p));
  check(model.length === 1 && model[0].endsWith(".gz"), "the model as its gzip copy: " + model.join(", "));
  // A first visit downloads each file once (the service worker's precache reuses the HTTP cache).
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForTimeout(1000);
  // The page itself (1.5 KB) is fetched again by the service worker; every other file once.
  const twice = [...served].filter(([, v]) => v.count > 1 && v.bytes / v.count > 64e3).map(([p, v]) => `${p} x${v.count}`);
  const bytes = [...served].reduce((sum, [, v]) => sum + v.bytes, 0);
  const big = [...served].filter(([, v]) => v.bytes > 1e6).map(([p, v]) => `${path.basename(p)} ${(v.bytes / 1e6).toFixed(1)} MB`);
  console.log(`  first visit from a host that does not compress: ${(bytes / 1e6).toFixed(1)} MB in ${served.size} files (${big.join(", ")})`);
  check(twice.length === 0, "downloaded more than once: " + twice.join(", "));
  // At most 12 MB where the host does not compress; this test build's wasm is not
  // size-optimised, so the WebGPU worker's (6.3 MB gzip here, 4.6 in a release build) is
  // counted, not held to it.
  if (backend === "cpu") check(bytes <= 12e6, `a first visit of ${(bytes / 1e6).toFixed(1)} MB`);
  await page.screenshot({ path: path.join(output, `${backend}-1-before-attack.png`), fullPage: true });

  await page.selectOption(testid("method"), "ill");
  // The seed's way: the model's 224x224 crop (the photo at its own size has its scenario).
  await page.uncheck(testid("full-resolution"));
  await page.evaluate(() => { window.__longTasks = []; });
  const started = Date.now();
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(900) });
  const seconds = (Date.now() - started) / 1000;
  const tasks = await longTasks(page);
  const fooled = await page.getAttribute(testid("verdict"), "data-fooled");
  const verdict = await page.textContent(testid("verdict"));
  console.log(`  ILLC eps 8 (10 steps) in ${seconds.toFixed(1)} s: ${verdict}`);
  console.log(`  main thread during the attack: ${tasks.length} long task(s), longest ${Math.max(0, ...tasks).toFixed(0)} ms, ${tasks.reduce((a, b) => a + b, 0).toFixed(0)} ms in all`);
  check(fooled === "true", "verdict: " + verdict);
  check(/^Fooled/.test(verdict), "verdict text: " + verdict);
  const linf = Number(await page.getAttribute(testid("distances"), "data-linf"));
  check(linf > 0 && linf <= 8, `L-inf ${linf}`);
  const adversarialClass = await top1(page, "results");
  check(adversarialClass !== original, "the adversarial top-1 is the original's");
  await page.screenshot({ path: path.join(output, `${backend}-2-after-attack.png`), fullPage: true });

  // The download is exactly the rounded image: within 8 of the original, classified as shown.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(testid("download-adversarial"))]);
  const saved = path.join(output, `${backend}-adversarial.png`);
  await download.saveAs(saved);
  const png = decodePng(fs.readFileSync(saved));
  const before = await canvasRgb(page, "result-original");
  check(png.width === 224 && png.height === 224 && before.width === 224, `sizes ${png.width}x${png.height}, ${before.width}`);
  let maxDiff = 0, changed = 0;
  for (let i = 0; i < png.rgb.length; i++) {
    const d = Math.abs(png.rgb[i] - before.rgb[i]);
    maxDiff = Math.max(maxDiff, d);
    if (d) changed++;
  }
  console.log(`  downloaded PNG: max |diff| ${maxDiff}, ${changed} of ${png.rgb.length} values changed`);
  check(maxDiff <= 8 && changed > 0, `max pixel difference ${maxDiff}`);
  const cli = JSON.parse(execFileSync(gibbon, ["--quiet", "--device", "cpu", "classify", "--json", "--top", "1", saved]).toString());
  console.log(`  CLI classifies the download as ${cli.top[0].index} ${cli.top[0].name} (${cli.top[0].prob.toFixed(3)}); page said ${adversarialClass}`);
  check(cli.top[0].index === adversarialClass, `CLI says ${cli.top[0].index}, page said ${adversarialClass}`);
  const [perturbation] = await Promise.all([page.waitForEvent("download"), page.click(testid("download-perturbation"))]);
  check(decodePng(fs.readFileSync(await perturbation.path())).width === 224, "perturbation PNG");
  // The share card: the three panels at their own pixels, side by side, with the captions.
  const [cardDownload] = await Promise.all([page.waitForEvent("download"), page.click(testid("download-share-card"))]);
  const cardFile = path.join(output, `${backend}-share-card.png`);
  await cardDownload.saveAs(cardFile);
  const card = decodePng(fs.readFileSync(cardFile));
  const [margin, gap, top] = [24, 16, 24 + 28];
  check(card.width === 2 * margin + 3 * 224 + 2 * gap && card.height === top + 224 + 64, `share card ${card.width}x${card.height}`);
  const at = (img, width, x, y) => [0, 1, 2].map((c) => img[(y * width + x) * 3 + c]);
  let panelsMatch = true;
  for (const [x, y] of [[0, 0], [111, 57], [223, 223], [40, 180]]) {
    const o = at(before.rgb, 224, x, y), a = at(png.rgb, 224, x, y);
    const p = o.map((v, c) => Math.max(0, Math.min(255, Math.round(128 + (a[c] - v) * 10))));
    const left = margin, middle = margin + 224 + gap, right = margin + 2 * (224 + gap);
    for (const [want, x0] of [[o, left], [p, middle], [a, right]]) {
      if (at(card.rgb, card.width, x0 + x, top + y).join() !== want.join()) panelsMatch = false;
    }
  }
  check(panelsMatch, "the share card's panels are the original, the perturbation x10 and the adversarial image");
  const captionInk = card.rgb.slice((top + 224 + 8) * card.width * 3, (top + 224 + 56) * card.width * 3).some((v) => v < 128);
  check(captionInk, "the share card has captions");

  // Transfer: the two other models judge the same image.
  await page.click(testid("run-transfer"));
  await page.waitForSelector(`${testid("transfer-rows")} tr:nth-child(2)`, { timeout: T(600) });
  const rows = await page.$$eval(`${testid("transfer-rows")} tr`, (trs) => trs.map((t) => t.dataset.model + ":" + t.dataset.fooled));
  console.log(`  transfer: ${rows.join(", ")}`);
  check(rows.length === 2, "two transfer rows");
  await page.screenshot({ path: path.join(output, `${backend}-3-transfer.png`), fullPage: true });

  // Switch backend: the same photo is classified again on the other device.
  await page.click(testid("backend-switch"));
  const other = backend === "cpu" ? "WebGPU" : "CPU";
  await page.waitForSelector(`${testid("backend")} .badge[data-kind="${other}"]`, { timeout: T(120) });
  check((await top1(page, "original-predictions")) === original, `same top-1 on ${other}`);

  sameOrigin(requests);
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
}

await scenario("webgpu: sample, ILLC eps 8, download, transfer, switch to CPU", () => attackFlow("webgpu"));
await scenario("cpu: sample, ILLC eps 8, download, transfer, switch to WebGPU", () => attackFlow("cpu"));

// ---------------------------------------------------------------- the faster device, measured
// The timing line, once measured: its text and the milliseconds it carries.
async function measuredTiming(page) {
  const timing = testid("device-timing");
  await page.waitForSelector(`${timing}[data-state="measured"]`, { timeout: T(300) });
  const ms = async (device) => Number(await page.getAttribute(timing, `data-${device}-ms`));
  return { said: await page.textContent(timing), cpu: await ms("cpu"), webgpu: await ms("webgpu") };
}
// A reload starts on the chosen device at once, shows what was measured, and measures nothing.
async function keptOnReload(page, expected) {
  await page.reload();
  check((await backendKind(page)) === expected, "the reload starts on the faster device");
  await page.waitForSelector(`${testid("device-timing")}[data-state="measured"]`, { timeout: T(30) });
  await page.waitForTimeout(3000);
  check((await page.$(`${testid("device-timing")}[data-state="measuring"]`)) === null, "nothing measured again");
}
const trunkWorkerWasm = () => [...served.keys()].filter((p) => /\/gibbon-worker-[0-9a-f]+_bg\.wasm(\.gz)?$/.test(p));

await scenario("auto: a first visit on a software adapter starts on the CPU, times it, and never fetches the WebGPU worker", async () => {
  // Headless Chromium's adapter is SwiftShader, a software renderer: it cannot beat the CPU it
  // runs on, so the page starts on every core at once and does not time it.
  resetServed();
  const { context, page, errors } = await newPage("");
  check((await backendKind(page)) === "CPU", "a first visit on SwiftShader starts on the CPU");
  check(/\d+ threads\)/.test(await page.textContent(`${testid("backend")} .adapter`)), "every core");
  // Work pauses the measurement; it starts again when the page is idle.
  await page.click(testid("sample-coffee"));
  check((await top1(page, "original-predictions")) === 967, "coffee, classified");
  const { said, cpu, webgpu } = await measuredTiming(page);
  console.log(`\n  ${said}`);
  check(cpu > 0 && !(webgpu > 0), `the CPU timed, WebGPU not: CPU ${cpu} ms, WebGPU ${webgpu}`);
  check(/CPU, \d+ threads?: \d+ ms a step; WebGPU \(google swiftshader\): a software renderer, not timed/.test(said), "the timing line: " + said);
  check(trunkWorkerWasm().length === 0, "the WebGPU worker was downloaded: " + trunkWorkerWasm().join(", "));
  const bytes = [...served.values()].reduce((sum, v) => sum + v.bytes, 0);
  console.log(`  first visit, timing included, from a host that does not compress: ${(bytes / 1e6).toFixed(1)} MB`);
  check(bytes <= 12e6, `a first visit of ${(bytes / 1e6).toFixed(1)} MB`);
  check((await page.evaluate(() => localStorage.getItem("gibbon-device"))) === "cpu", "the choice is kept");
  await keptOnReload(page, "CPU");
  // The user may still try WebGPU (the reload left no photo).
  await page.click(testid("backend-switch"));
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.kind === "WebGPU", `${testid("backend")} .badge[data-kind]`, { timeout: T(120) });
  await page.click(testid("sample-coffee"));
  check((await top1(page, "original-predictions")) === 967, "coffee, on WebGPU");
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

await scenario("auto: a first visit on a GPU times the CPU and WebGPU, uses the faster, and keeps it", async () => {
  // The page is told SwiftShader is a GPU (its adapter info, on the page only): it starts on
  // WebGPU, times the CPU on one thread in the WebGPU worker, then WebGPU; SwiftShader does not
  // beat one thread's step over the cores, so the threaded worker is timed too, and wins.
  const pretend = () => {
    if (!self.GPUAdapter) return;
    const info = { vendor: "test", architecture: "pretend-gpu", device: "", description: "", isFallbackAdapter: false };
    Object.defineProperty(GPUAdapter.prototype, "info", { get: () => info, configurable: true });
    Object.defineProperty(GPUAdapter.prototype, "isFallbackAdapter", { get: () => false, configurable: true });
  };
  const { context, page, errors } = await newPage("", base, pretend);
  check((await backendKind(page)) === "WebGPU", "a first visit starts on WebGPU");
  await page.waitForSelector(`${testid("device-timing")}[data-state="measuring"]`, { timeout: T(120) });
  await page.click(testid("sample-coffee"));
  check((await top1(page, "original-predictions")) === 967, "coffee, classified while measuring");
  const { said, cpu, webgpu } = await measuredTiming(page);
  console.log(`\n  ${said}`);
  check(cpu > 0 && webgpu > 0, `both timed: CPU ${cpu} ms, WebGPU ${webgpu} ms`);
  check(/CPU, \d+ threads?: \d+ ms a step; WebGPU \(.+\): \d+ ms/.test(said), "the timing line: " + said);
  // SwiftShader is far slower than the CPU: the page moves to the CPU on every core, and the
  // photo comes along.
  const expected = cpu < webgpu ? "CPU" : "WebGPU";
  await page.waitForFunction(({ sel, kind }) => document.querySelector(sel)?.dataset.kind === kind, { sel: `${testid("backend")} .badge[data-kind]`, kind: expected }, { timeout: T(120) });
  check((await top1(page, "original-predictions")) === 967, "the photo, classified again on the faster device");
  if (expected === "CPU") check(/\d+ threads\)/.test(await page.textContent(`${testid("backend")} .adapter`)) && /CPU, \d+ threads:/.test(said), "every core, timed and used");
  check((await page.evaluate(() => localStorage.getItem("gibbon-device"))) === expected.toLowerCase(), "the choice is kept");
  await keptOnReload(page, expected);
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

// ---------------------------------------------------------------- threads change nothing
await scenario("threads: the CPU on every core (isolated) and on one thread (LAN http) give the same PNGs", async () => {
  // Photos the test makes, beside a sample: an odd-sized crop of chelsea with noise and a
  // rescaled (nearest, 1.7x) copy of another crop, attacked at their own size.
  const chelsea = decodePng(fs.readFileSync(path.join(dist, "samples", "chelsea.png")));
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 24;
  const made = (w, h, at) => {
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
      const [sx, sy] = at(x, y);
      rgb[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(chelsea.rgb[(sy * chelsea.width + sx) * 3 + c] + noise())));
    }
    return encodePng(w, h, rgb);
  };
  const photos = [
    ["chelsea", null],
    ["crop-noise-301x217.png", made(301, 217, (x, y) => [x + 37, y + 21])],
    ["rescaled-263x190.png", made(263, 190, (x, y) => [Math.floor(x / 1.7) + 150, Math.floor(y / 1.7) + 60])],
  ];
  const run = async (at) => {
    const { context, page, errors } = await newPage("?backend=cpu", at);
    const adapter = await page.textContent(`${testid("backend")} .adapter`).catch(() => "");
    const isolated = await page.evaluate(() => window.crossOriginIsolated);
    const pngs = [];
    let seconds = 0;
    for (const [name, buffer] of photos) {
      if (buffer) {
        await page.setInputFiles(testid("file-input"), { name, mimeType: "image/png", buffer });
        await page.waitForFunction((n) => document.body.textContent.includes(n), name, { timeout: T(60) });
      } else {
        await page.click(testid(`sample-${name}`));
      }
      await page.waitForFunction((sel) => document.querySelector(sel)?.disabled === false, testid("run"), { timeout: T(300) });
      await top1(page, "original-predictions");
      await page.selectOption(testid("method"), "ill");
      // The sample on the model's crop (the seed's way); the made photos at their own size.
      if (buffer) await page.check(testid("full-resolution")); else await page.uncheck(testid("full-resolution"));
      const started = Date.now();
      await page.click(testid("run"));
      await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(600) });
      seconds += (Date.now() - started) / 1000;
      const [download] = await Promise.all([page.waitForEvent("download"), page.click(testid("download-adversarial"))]);
      pngs.push(fs.readFileSync(await download.path()));
    }
    const shown = await page.textContent(`${testid("backend")} .adapter`);
    check(errors.length === 0, "console errors: " + errors.join(" | "));
    await context.close();
    return { adapter: shown || adapter, isolated, seconds, pngs };
  };
  const every = await run(base);
  const one = await run(base.replace("127.0.0.1", "gibbon.test"));
  console.log(`\n  ${every.adapter}: ILLC eps 8 on 3 photos in ${every.seconds.toFixed(1)} s; ${one.adapter}: ${one.seconds.toFixed(1)} s`);
  check(every.isolated && /\d+ threads\)/.test(every.adapter), "isolated, on threads: " + every.adapter);
  check(!one.isolated && /1 thread\)/.test(one.adapter), "LAN http, one thread: " + one.adapter);
  const sizes = every.pngs.map((p) => { const d = decodePng(p); return `${d.width}x${d.height}`; });
  console.log(`  downloads: ${sizes.join(", ")}`);
  check(sizes.join() === "224x224,301x217,263x190", "download sizes " + sizes.join());
  photos.forEach(([name], i) => check(Buffer.compare(every.pngs[i], one.pngs[i]) === 0, `${name}: the adversarial PNGs differ between threads and one thread`));
});

await scenario("threads: a helper thread that cannot start leaves the CPU on one thread, and the page works", async () => {
  // A deployment that lost the threaded worker's helper script, on a server that isolates the
  // page itself (no service worker, which would serve the script from its cache): the
  // threaded worker's loader fails before the worker is ready, and the page goes on with
  // trunk's worker on one thread. (With the script there, the same page runs on 2 threads.)
  refused = /\/threads-[0-9a-f]{16}\/helper\.js$/;
  isolating = true;
  const context = await browser.newContext({ serviceWorkers: "block", viewport: { width: 1280, height: 1000 } });
  try {
    const page = await context.newPage();
    await page.goto(base + "?backend=cpu");
    check(await page.evaluate(() => window.crossOriginIsolated), "the page is isolated");
    await page.click(testid("sample-chelsea"));
    await page.waitForFunction((sel) => document.querySelector(sel)?.disabled === false, testid("run"), { timeout: T(300) });
    const index = await top1(page, "original-predictions");
    const adapter = await page.textContent(`${testid("backend")} .adapter`);
    console.log(`\n  ${adapter}; top-1 class ${index}`);
    check(/1 thread\)/.test(adapter), "one thread after the helper failed: " + adapter);
    check(index === 282, "chelsea classified as a tiger cat (282): " + index);
    await page.click(testid("run"));
    await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(600) });
  } finally {
    refused = null;
    isolating = false;
    await context.close();
  }
});

// ---------------------------------------------------------------- what a user can get wrong
await scenario("errors: not an image, huge image, cancel, model switch", async () => {
  const { context, page, requests } = await newPage("?backend=cpu");
  await backendKind(page);
  const notice = async () => {
    await page.waitForSelector(testid("notice"), { timeout: T(60) });
    const text = await page.textContent(testid("notice"));
    await page.click(`${testid("notice")} .close`);
    return text;
  };
  await page.setInputFiles(testid("file-input"), { name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just some text") });
  let text = await notice();
  check(/notes\.png: not an image/.test(text), "not an image: " + text);
  await page.setInputFiles(testid("file-input"), { name: "huge.png", mimeType: "image/png", buffer: pngClaiming(40000, 40000) });
  text = await notice();
  // Native builds name the size; a 32-bit browser cannot even describe 40000x40000x3 bytes.
  check(/huge\.png: the image is (40000x40000 pixels, )?larger than Gibbon accepts \(64 megapixels\)/.test(text), "huge: " + text);

  // Still usable: a real photo classifies.
  await page.click(testid("sample-coffee"));
  check((await top1(page, "original-predictions")) === 967, "coffee is espresso");

  // Cancel mid-attack: the result so far is shown, the page takes the next attack.
  await page.fill(testid("steps"), "200");
  await page.click(testid("run"));
  await page.waitForFunction((sel) => /step [2-9]/.test(document.querySelector(sel)?.textContent), testid("step-progress"), { timeout: T(300) });
  await page.click(testid("cancel"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(120) });
  text = await notice();
  check(/Cancelled after \d+ step/.test(text), "cancel: " + text);
  check(await page.isEnabled(testid("run")), "Run is enabled again");

  // Switch model mid-attack: the attack stops, the new model loads and classifies.
  await page.click(testid("run"));
  await page.waitForFunction((sel) => /step [1-9]/.test(document.querySelector(sel)?.textContent), testid("step-progress"), { timeout: T(300) });
  await page.selectOption(testid("model-select"), "efficientnet-lite1");
  text = await notice();
  check(/cancelled because the model changed/.test(text), "switch: " + text);
  await page.waitForFunction((sel) => document.querySelector(sel)?.disabled === false, testid("run"), { timeout: T(300) });
  check((await top1(page, "original-predictions")) === 967, "lite1 also sees espresso");
  await page.screenshot({ path: path.join(output, "errors-after-switch.png"), fullPage: true });
  sameOrigin(requests);
  await context.close();
});

// ---------------------------------------------------------------- one activity at a time
async function closeNotice(page, timeout = T(300)) {
  await page.waitForSelector(testid("notice"), { timeout });
  const text = await page.textContent(testid("notice"));
  await page.click(`${testid("notice")} .close`);
  return text;
}
const matrixCells = (page) => page.$$eval(`${testid("matrix")} td`, (tds) => tds.map((t) => `${t.closest("tr").dataset.judge}<-${t.dataset.source}:${t.dataset.fooled}/${t.dataset.counted}/${t.dataset.images}`));

await scenario("activity: the matrix blocks other work; a model switch cancels it, uncounted", async () => {
  const { context, page, errors } = await newPage("?backend=cpu");
  await backendKind(page);
  await page.click(testid("sample-coffee"));
  check((await top1(page, "original-predictions")) === 967, "coffee");
  await page.click(testid("run-matrix"));
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.startsWith("Attacking"), testid("run-matrix"), { timeout: T(60) });
  check(!(await page.isEnabled(testid("run"))), "Run waits while the matrix runs");
  check(await page.isEnabled(testid("cancel")), "Cancel stops the matrix");
  await page.selectOption(testid("model-select"), "efficientnet-lite1");
  const text = await closeNotice(page, T(60));
  check(/matrix photo was cancelled because the model changed/.test(text), "switch: " + text);
  await page.waitForFunction((sel) => document.querySelector(sel)?.disabled === false, testid("run"), { timeout: T(300) });
  check((await top1(page, "original-predictions")) === 967, "lite1 sees espresso");
  await page.waitForTimeout(2000);
  check((await page.$(testid("matrix"))) === null, "a cancelled matrix photo is not counted");

  // A whole matrix photo, then an attack: one at a time, and the matrix counts the photo once.
  await page.click(testid("run-matrix"));
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.startsWith("Add this photo"), testid("run-matrix"), { timeout: T(900) });
  let cells = await matrixCells(page);
  console.log(`\n  matrix after one photo: ${cells.join(", ")}`);
  check(cells.length === 9 && cells.every((c) => c.endsWith("/1")), "a 3x3 matrix of one photo");
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(300) });
  cells = await matrixCells(page);
  check(cells.every((c) => c.endsWith("/1")), "an attack adds nothing to the matrix: " + cells.join(", "));
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

// ---------------------------------------------------------------- the modern attacks in the page
await scenario("cpu: a fooling image from grey (no photo), DeepFool (minimal L2), an ensemble and its survival, EOT, the eps sweep", async () => {
  const { context, page, errors } = await newPage("?backend=cpu");
  // A fooling image needs no photo: Run works before one is chosen.
  await backendKind(page);
  await page.selectOption(testid("method"), "fooling");
  await page.fill(testid("target-search"), "gibbon");
  await page.click(`${testid("target-matches")} button[data-index="368"]`);
  await page.waitForSelector(`${testid("run")}:not([disabled])`, { timeout: T(120) });
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(600) });
  const fooledAs = await top1(page, "results");
  const start = await canvasRgb(page, "result-original");
  const foolingVerdict = await page.textContent(testid("verdict"));
  console.log(`\n  fooling image from grey, no photo: ${foolingVerdict}`);
  check(fooledAs === 368, `the fooling image is classified as ${fooledAs}, not gibbon`);
  check((await page.getAttribute(testid("verdict"), "data-fooled")) === "true", "fooling verdict: " + foolingVerdict);
  check(start.rgb.every((v) => v === 128), "the fooling image starts from grey");
  check(/^Made from grey: the model sees gibbon/.test(foolingVerdict), "fooling verdict: " + foolingVerdict);

  await page.click(testid("sample-chelsea"));
  const original = await top1(page, "original-predictions");
  await page.selectOption(testid("method"), "deepfool");
  await page.waitForSelector(testid("no-eps"));
  check(!(await page.$(testid("eps"))), "no eps slider for an L2 attack");
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(600) });
  const verdict = await page.textContent(testid("verdict"));
  const l2 = Number(await page.getAttribute(testid("distances"), "data-l2"));
  const linf = Number(await page.getAttribute(testid("distances"), "data-linf"));
  console.log(`  DeepFool: ${verdict} (L2 ${l2.toFixed(1)}, L-inf ${linf})`);
  check((await page.getAttribute(testid("verdict"), "data-fooled")) === "true", "DeepFool: " + verdict);
  check(l2 > 0 && l2 < 1500, `DeepFool's L2 ${l2}`);
  check((await top1(page, "results")) !== original, "DeepFool changed the top-1");

  // An ensemble: I-FGSM on Lite0 and Lite1 together, their average fooled.
  await page.selectOption(testid("method"), "ifgsm");
  await page.check(testid("early-stop"));
  await page.check(testid("ensemble-efficientnet-lite1"));
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(600) });
  const on = await page.textContent(testid("attacked-on"));
  const ensembleVerdict = await page.textContent(testid("verdict"));
  const ensembleLinf = Number(await page.getAttribute(testid("distances"), "data-linf"));
  console.log(`  ${on} ${ensembleVerdict}`);
  check(/EfficientNet-Lite0 \+ EfficientNet-Lite1/.test(on), "attacked on: " + on);
  check((await page.getAttribute(testid("verdict"), "data-fooled")) === "true", "ensemble verdict: " + ensembleVerdict);
  check(ensembleLinf > 0 && ensembleLinf <= 8, `the ensemble's L-inf ${ensembleLinf}`);
  // Does it survive being shared? Seven changes, each judged by the ensemble it was made on.
  await page.click(testid("run-survival"));
  await page.waitForSelector(`${testid("survival-checks")} li:nth-child(7)`, { timeout: T(600) });
  const checks = await page.$$eval(`${testid("survival-checks")} li`, (lis) =>
    lis.map((li) => `${li.dataset.transform}:${li.dataset.counted === "true" ? li.dataset.survived : "-"}`));
  const survivalSummary = await page.textContent(testid("survival-summary"));
  console.log(`  survival: ${checks.join(" ")}; ${survivalSummary}`);
  check(checks.length === 7 && checks[0].startsWith("jpeg95:") && checks[6].startsWith("median3:"), "survival checks: " + checks);
  check(/^It survives \d of the \d changes/.test(survivalSummary), "survival summary: " + survivalSummary);
  // At the photo's own size (451x300 here), the half-size check is about half of that.
  const thumb = await page.$eval(`${testid("survival-checks")} li[data-transform="scale0.5"] canvas`, (c) => [c.width, c.height]);
  const full = await page.$eval(testid("adversarial-canvas"), (c) => [c.width, c.height]);
  check(Math.abs(thumb[0] - full[0] / 2) <= 1 && Math.abs(thumb[1] - full[1] / 2) <= 1, `the half-size thumbnail is ${thumb} of ${full}`);
  await page.uncheck(testid("ensemble-efficientnet-lite1"));

  // A robust image (EOT): each of 3 steps averages the gradient over the image and a random
  // view (differentiable JPEG, rescale, shift), computed in the worker.
  await page.uncheck(testid("early-stop"));
  await page.fill(testid("steps"), "3");
  await page.fill(testid("eot"), "2");
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(600) });
  const eotVerdict = await page.textContent(testid("verdict"));
  const eotLinf = Number(await page.getAttribute(testid("distances"), "data-linf"));
  console.log(`  EOT (2 views, 3 steps): ${eotVerdict}`);
  check(eotLinf > 0 && eotLinf <= 3, `EOT's L-inf ${eotLinf} after 3 steps of 1`);
  await page.fill(testid("eot"), "0");
  await page.fill(testid("steps"), "");

  // The eps sweep of the photo (I-FGSM, the last method).
  await page.click(testid("run-sweep"));
  await page.waitForSelector(`${testid("sweep-chart")}[data-points="5"]`, { timeout: T(600) });
  const summary = await page.textContent(testid("sweep-summary"));
  console.log(`  eps sweep: ${summary}`);
  check(/ε 16: fooled/.test(summary), "the sweep: " + summary);
  check((await page.$$(`${testid("sweep-chart")} svg polyline`)).length === 2, "two lines in the sweep chart");
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

await scenario("camera: a photo from the (fake) camera is classified and attacked", async () => {
  const { context, page, errors } = await newPage("?backend=cpu");
  // Take is enabled once the stream shows a frame (after Open, and again after Switch).
  const takeReady = `${testid("camera-take")}:enabled`;
  await page.click(testid("camera-open"));
  await page.waitForSelector(takeReady, { timeout: T(60) });
  await page.click(testid("camera-switch"));
  await page.waitForSelector(takeReady, { timeout: T(60) });
  check(await page.evaluate(() => document.querySelector('[data-testid="camera-video"]').videoWidth > 0), "the video has a frame");
  await page.click(testid("camera-take"));
  const seen = await top1(page, "original-predictions");
  const input = await canvasRgb(page, "original-canvas");
  console.log(`\n  the camera's frame is classified as ${seen}; the model's input ${input.width}x${input.height}`);
  check(!(await page.isVisible(testid("camera-video"))), "the camera closes after the photo");
  await page.selectOption(testid("method"), "fgsm");
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(300) });
  const linf = Number(await page.getAttribute(testid("distances"), "data-linf"));
  console.log(`  FGSM on the camera's photo: ${await page.textContent(testid("verdict"))}`);
  check(linf > 0 && linf <= 8, `FGSM's L-inf ${linf}`);
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();

  // Permission refused: one plain sentence, and the other ways in keep working.
  const refused = await newPage("?backend=cpu", base, () => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
  });
  await refused.page.click(testid("camera-open"));
  const notice = await refused.page.textContent(testid("notice"), { timeout: T(30) });
  console.log(`  permission refused: ${notice.slice(0, 100)}`);
  check(/permission was refused/.test(notice), "the refused-camera notice: " + notice);
  check(await refused.page.isVisible(testid("camera-open")), "the camera button stays");
  await refused.page.click(testid("sample-coffee"));
  check((await top1(refused.page, "original-predictions")) === 967, "a sample still works after the refusal");
  await refused.context.close();
});

// ---------------------------------------------------------------- the live camera
// A Y4M video (I420, BT.601 studio range, 2x2 chroma averages) showing a PNG photo, for
// Chromium's fake camera (--use-file-for-fake-video-capture), which loops it.
function y4mOf(pngFile, frames = 2) {
  const { width, height, rgb } = decodePng(fs.readFileSync(pngFile));
  const w = width & ~1, h = height & ~1;
  const Y = Buffer.alloc(w * h), U = Buffer.alloc((w * h) / 4), V = Buffer.alloc((w * h) / 4);
  const at = (x, y, c) => rgb[(y * width + x) * 3 + c];
  const clamp = (v) => Math.max(0, Math.min(255, Math.round(v)));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      Y[y * w + x] = clamp(16 + (65.481 * at(x, y, 0) + 128.553 * at(x, y, 1) + 24.966 * at(x, y, 2)) / 255);
    }
  }
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      const [r, g, b] = [0, 1, 2].map((c) => (at(x, y, c) + at(x + 1, y, c) + at(x, y + 1, c) + at(x + 1, y + 1, c)) / 4);
      const i = (y / 2) * (w / 2) + x / 2;
      U[i] = clamp(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
      V[i] = clamp(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  const frame = Buffer.concat([Buffer.from("FRAME\n"), Y, U, V]);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F30:1 Ip A1:1 C420jpeg\n`), ...Array(frames).fill(frame)]);
}
async function axeAudit(page, where) {
  const axe = require("@axe-core/playwright");
  const AxeBuilder = axe.default || axe.AxeBuilder || axe;
  const { violations } = await new AxeBuilder({ page }).analyze();
  const listed = violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}: ${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", ")})`);
  console.log(`  axe, ${where}: ${listed.join("; ") || "no violations"}`);
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${where}: ${v.id}`);
}

await scenario("live: the fake camera shows the coffee photo, classified frame after frame on the CPU; the camera turns off", async () => {
  const video = path.join(output, "coffee.y4m");
  fs.writeFileSync(video, y4mOf(path.join(dist, "samples", "coffee.png")));
  const camera = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${video}`, "--use-fake-ui-for-media-stream",
      "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
  });
  try {
    const { context, page, requests, errors } = await newPage("?backend=cpu", base, null, 1280, camera);
    await backendKind(page);
    const trackState = () => page.evaluate(() => window.__track?.readyState);
    const openCamera = async () => {
      await page.click(testid("camera-open"));
      await page.waitForSelector(`${testid("camera-live")}:enabled`, { timeout: T(60) });
      await page.evaluate((sel) => { window.__track = document.querySelector(sel).srcObject.getVideoTracks()[0]; }, testid("camera-video"));
      check((await trackState()) === "live", "the camera's track is live");
    };
    const goLive = async () => {
      await openCamera();
      await page.click(testid("camera-live"));
      await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.fps) > 0, testid("live-fps"), { timeout: T(120) });
    };
    const liveTop = () => page.getAttribute(`${testid("live-top")} li:first-child`, "data-index").then(Number);
    const liveFrames = () => page.getAttribute(testid("live-fps"), "data-frames").then(Number);
    const workerMemory = async () => {
      const reports = Number(await page.getAttribute(testid("worker-stats"), "data-reports"));
      await page.evaluate(() => window.wasmBindings.gibbon_test_stats());
      await page.waitForFunction(({ sel, n }) => Number(document.querySelector(sel).dataset.reports) > n, { sel: testid("worker-stats"), n: reports }, { timeout: T(60) });
      return Number(await page.getAttribute(testid("worker-stats"), "data-wasm-bytes"));
    };
    const closed = async (what) => {
      await page.waitForFunction(() => window.__track?.readyState === "ended", null, { timeout: T(10) });
      check(await page.isVisible(testid("camera-open")), `${what}: the camera button is back`);
      check(!(await page.isVisible(testid("live"))), `${what}: live stopped`);
    };

    // Live, in English at 1280 px: the photo's class, frames per second, no long task.
    await goLive();
    const memoryBefore = await workerMemory();
    await page.evaluate(() => { window.__longTasks = []; });
    const seconds = 8;
    const framesBefore = await liveFrames();
    await page.waitForTimeout(T(seconds));
    const tasks = await longTasks(page);
    const frames = (await liveFrames()) - framesBefore;
    const memoryAfter = await workerMemory();
    const fps = Number(await page.getAttribute(testid("live-fps"), "data-fps"));
    const fpsText = await page.textContent(testid("live-fps"));
    const seen = await liveTop();
    const points = Number(await page.getAttribute(testid("live-chart"), "data-points"));
    const legend = await page.textContent(`${testid("live-chart")} .legend`);
    console.log(`\n  live on the CPU: ${fpsText}; top-1 ${seen}; ${frames} frames in ${seconds} s (${(frames / seconds).toFixed(1)} a second), ${points} in the chart`);
    console.log(`  main thread while live: ${tasks.length} long task(s), longest ${Math.max(0, ...tasks).toFixed(0)} ms; worker memory ${(memoryBefore / 1e6).toFixed(1)} -> ${(memoryAfter / 1e6).toFixed(1)} MB`);
    check(seen === 967, `the live frames show espresso (967), not ${seen}`);
    check(/^Probability of espresso over the last 10 seconds$/.test(legend), "the chart's legend: " + legend);
    check(points >= 2 * seconds && frames >= 2 * seconds, `${frames} frames in ${seconds} s, ${points} in the chart`);
    check(memoryAfter <= memoryBefore * 1.2, `the worker's memory grew from ${memoryBefore} to ${memoryAfter} bytes`);
    check(fps >= Number(process.env.E2E_LIVE_MIN_FPS || 10), `${fps.toFixed(1)} frames per second`);
    check(/frames per second/.test(fpsText), "the frame rate's words: " + fpsText);
    check(tasks.length === 0, `long main-thread tasks while live: ${tasks.map((t) => t.toFixed(0)).join(", ")} ms`);
    await page.screenshot({ path: path.join(output, "live-en-1280.png"), fullPage: true });
    const bad = await axeAudit(page, "live, English, 1280 px");

    // Japanese, then 390 px, while live goes on.
    await page.selectOption(testid("language"), "ja");
    await page.waitForFunction((sel) => /毎秒/.test(document.querySelector(sel)?.textContent || ""), testid("live-fps"), { timeout: T(10) });
    check((await page.textContent(testid("camera-live"))).trim() === "ライブを止める", "the Live button in Japanese");
    check(/^直近 10 秒の espresso の確率$/.test(await page.textContent(`${testid("live-chart")} .legend`)), "the chart's legend in Japanese");
    bad.push(...(await axeAudit(page, "live, Japanese, 1280 px")));
    await page.setViewportSize({ width: 390, height: 1000 });
    await page.waitForTimeout(500);
    const wideJa = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.screenshot({ path: path.join(output, "live-ja-390.png"), fullPage: true });
    bad.push(...(await axeAudit(page, "live, Japanese, 390 px")));
    await page.selectOption(testid("language"), "en");
    await page.waitForFunction((sel) => /frames per second/.test(document.querySelector(sel)?.textContent || ""), testid("live-fps"), { timeout: T(10) });
    const wideEn = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.screenshot({ path: path.join(output, "live-en-390.png"), fullPage: true });
    bad.push(...(await axeAudit(page, "live, English, 390 px")));
    check(wideJa <= 390 && wideEn <= 390, `the live page is ${wideJa} / ${wideEn} px wide at 390`);
    check((await liveTop()) === 967, "still espresso at 390 px");
    check(bad.length === 0, "serious or critical violations: " + bad.join(", "));
    await page.setViewportSize({ width: 1280, height: 1000 });

    // Switch camera while live: the old stream stops, live goes on with the new one.
    const old = await page.evaluateHandle(() => window.__track);
    const framesAtSwitch = await liveFrames();
    await page.click(testid("camera-switch"));
    await page.waitForSelector(`${testid("camera-take")}:enabled`, { timeout: T(60) });
    await page.waitForFunction(({ sel, n }) => Number(document.querySelector(sel)?.dataset.frames) > n + 5, { sel: testid("live-fps"), n: framesAtSwitch }, { timeout: T(60) });
    check((await old.evaluate((t) => t.readyState)) === "ended", "the stream before the switch is stopped");

    // Close turns the camera off; so do leaving the page (hidden, or unloaded) and a model switch.
    await page.click(testid("camera-close"));
    await closed("Close");
    await goLive();
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { value: true, configurable: true });
      document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
      delete document.hidden;
    });
    await closed("a hidden page");
    await goLive();
    await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true })));
    await closed("pagehide");
    await goLive();
    await page.selectOption(testid("model-select"), "efficientnet-lite1");
    await closed("a model switch");
    // Live with the model chosen now (Lite1, 240x240), then back to Lite0.
    await goLive();
    console.log(`  live on Lite1: ${await page.textContent(testid("live-fps"))}; top-1 ${await liveTop()}`);
    await page.selectOption(testid("model-select"), "efficientnet-lite0");
    await closed("another model switch");
    // A camera unplugged: its track ends; a notice says so, the camera closes.
    await openCamera();
    await page.evaluate(() => window.__track.dispatchEvent(new Event("ended")));
    const unplugged = await closeNotice(page, T(10));
    check(/The camera stopped/.test(unplugged), "the unplugged notice: " + unplugged);
    await closed("an ended track");
    // A camera that stops sending frames while live (its track muted): a notice, it closes.
    await goLive();
    await page.evaluate(() => Object.defineProperty(window.__track, "muted", { get: () => true, configurable: true }));
    const silent = await closeNotice(page, T(30));
    check(/gives no picture/.test(silent), "the no-frames notice while live: " + silent);
    await closed("a muted track");
    // Take still makes a photo of the frame while live runs.
    await goLive();
    await page.click(testid("camera-take"));
    await closed("Take");
    check((await top1(page, "original-predictions")) === 967, "the photo taken from the camera is espresso");
    sameOrigin(requests);
    check(errors.length === 0, "console errors: " + errors.join(" | "));
    await context.close();

    // A camera that gives no frames: a notice, and the other ways in keep working.
    const frozen = await newPage("?backend=cpu", base, () => {
      navigator.mediaDevices.getUserMedia = async () => document.createElement("canvas").captureStream(0);
    }, 1280, camera);
    await frozen.page.click(testid("camera-open"));
    const none = await closeNotice(frozen.page, T(30));
    console.log(`  a camera without frames: ${none}`);
    check(/gives no picture/.test(none), "the no-frames notice: " + none);
    check(await frozen.page.isVisible(testid("camera-open")), "the camera button is back");
    await frozen.page.click(testid("sample-coffee"));
    check((await top1(frozen.page, "original-predictions")) === 967, "a sample still works");
    await frozen.context.close();
  } finally {
    await camera.close();
  }
});

await scenario("stage: a universal noise on the CPU, applied live; a patch made, cancelled, resumed, dragged onto a photo", async () => {
  const video = path.join(output, "coffee.y4m");
  fs.writeFileSync(video, y4mOf(path.join(dist, "samples", "coffee.png")));
  const camera = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${video}`, "--use-fake-ui-for-media-stream",
      "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
  });
  try {
    const { context, page, requests, errors } = await newPage("?backend=cpu", base, null, 1280, camera);
    check((await backendKind(page)) === "CPU", "the CPU computes");
    await page.click(testid("sample-coffee"));
    check((await top1(page, "original-predictions")) === 967, "the coffee photo is espresso");
    // A frame of the camera joins the gallery's photos to learn from.
    await page.click(testid("camera-open"));
    await page.waitForSelector(`${testid("training-add-frame")}:enabled`, { timeout: T(60) });
    // E2E_STAGE_FRAMES=5 E2E_UNIVERSAL_STEPS=40 times the page's CPU default on 10 photos.
    const frames = Number(process.env.E2E_STAGE_FRAMES || 1);
    for (let i = 0; i < frames; i++) await page.click(testid("training-add-frame"));
    check(Number(await page.getAttribute(testid("training-own"), "data-count")) === frames, `${frames} camera frame(s) to learn from`);
    check(/40 steps/.test(await page.textContent(testid("universal-cpu-steps"))), "the page says how many steps it takes on the CPU");

    // A universal noise at eps 16 in a few large steps (a short run; the page's default is longer).
    await page.evaluate((sel) => {
      const slider = document.querySelector(sel);
      slider.value = "16";
      slider.dispatchEvent(new Event("input", { bubbles: true }));
    }, testid("universal-eps"));
    await page.fill(testid("universal-steps"), process.env.E2E_UNIVERSAL_STEPS || "3");
    await page.fill(testid("universal-alpha"), "8");
    await page.click(testid("universal-make"));
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.step) >= 1, testid("universal-progress"), { timeout: T(120) });
    const during = await page.textContent(testid("universal-progress"));
    check(/Step \d+ of \d+/.test(during), "the progress line: " + during);
    await page.waitForSelector(testid("universal-done"), { timeout: T(300) });
    const done = await page.$eval(testid("universal-done"), (e) => ({ ...e.dataset, text: e.textContent }));
    console.log(`\n  universal noise on the CPU: ${done.steps} step(s) of 8 views in ${Number(done.seconds).toFixed(1)} s (${(Number(done.seconds) / Number(done.steps)).toFixed(2)} s a step): ${done.text}`);
    check(await page.isVisible(testid("universal-noise")), "the noise is shown");
    // On the photo.
    await page.click(testid("noise-apply-photo"));
    await page.waitForSelector(testid("noise-verdict"), { timeout: T(60) });
    const applied = await page.$eval(testid("noise-verdict"), (e) => ({ ...e.dataset, text: e.textContent }));
    console.log(`  on the coffee photo: ${applied.clean} -> ${applied.noisy}`);
    // Live: each frame with and without the noise; the answer changes at some frame.
    await page.check(testid("noise-on-camera"));
    await page.click(testid("camera-live"));
    await page.waitForSelector(`${testid("live-noisy-top")} li`, { timeout: T(120) });
    const tops = () => page.evaluate(([a, b]) => [a, b].map((s) => Number(document.querySelector(`${s} li:first-child`)?.dataset.index)), [testid("live-top"), testid("live-noisy-top")]);
    let seen = await tops();
    for (let i = 0; i < 40 && seen[0] === seen[1]; i++) {
      await page.waitForTimeout(250);
      seen = await tops();
    }
    console.log(`  live: ${seen[0]} without the noise, ${seen[1]} with it; ${await page.textContent(testid("live-fps"))}`);
    check(seen[0] === 967 && seen[1] !== seen[0], `the noise changes the live answer (${seen[0]} -> ${seen[1]})`);
    await page.screenshot({ path: path.join(output, "stage-en-1280.png"), fullPage: true });
    const bad = await axeAudit(page, "stage live, English, 1280 px");
    await page.selectOption(testid("language"), "ja");
    await page.waitForFunction((sel) => /ノイズあり/.test(document.querySelector(sel)?.textContent || ""), testid("live-noisy-top"), { timeout: T(10) });
    check(/万能ノイズ/.test(await page.textContent(testid("universal"))), "the noise panel in Japanese");
    bad.push(...(await axeAudit(page, "stage live, Japanese, 1280 px")));
    await page.setViewportSize({ width: 390, height: 1000 });
    await page.waitForTimeout(500);
    const wideJa = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.screenshot({ path: path.join(output, "stage-ja-390.png"), fullPage: true });
    bad.push(...(await axeAudit(page, "stage live, Japanese, 390 px")));
    await page.selectOption(testid("language"), "en");
    await page.waitForFunction((sel) => /With the noise/.test(document.querySelector(sel)?.textContent || ""), testid("live-noisy-top"), { timeout: T(10) });
    const wideEn = await page.evaluate(() => document.documentElement.scrollWidth);
    bad.push(...(await axeAudit(page, "stage live, English, 390 px")));
    check(wideJa <= 390 && wideEn <= 390, `the stage is ${wideJa} / ${wideEn} px wide at 390`);
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.click(testid("camera-close"));

    // The noise as a PNG: downloaded; read back for Lite1 (240 px), it is resized and says so.
    const [noiseFile] = await Promise.all([page.waitForEvent("download"), page.click(testid("noise-download"))]);
    const noisePath = path.join(output, "stage-noise.png");
    await noiseFile.saveAs(noisePath);
    check(decodePng(fs.readFileSync(noisePath)).width === 224, "the noise PNG is 224 px");
    await page.setInputFiles(testid("noise-upload"), path.join(dist, "samples", "coffee.png"));
    const refused = await closeNotice(page, T(10));
    check(/not a universal noise/.test(refused), "a plain PNG is refused: " + refused);

    // A patch towards toaster: a few small steps, cancelled, kept over a reload, resumed.
    check((await page.textContent(testid("patch-target-chosen"))).includes("toaster"), "toaster by default");
    const patchSteps = Number(process.env.E2E_PATCH_STEPS || 4);
    await page.fill(testid("patch-steps"), String(patchSteps));
    const batch = process.env.E2E_PATCH_BATCH || "2";
    await page.fill(testid("patch-batch"), batch);
    await page.click(testid("patch-make"));
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.step) >= 1, testid("patch-progress"), { timeout: T(120) });
    await page.click(testid("patch-cancel"));
    await page.waitForSelector(`${testid("patch-make")}:enabled`, { timeout: T(60) });
    const stopped = Number(await page.getAttribute(testid("patch-kept"), "data-done"));
    const perStep = Number(await page.getAttribute(testid("patch-kept"), "data-seconds-per-step"));
    console.log(`  patch: cancelled after ${stopped} of ${patchSteps} steps (${perStep.toFixed(2)} s a step, ${batch} photos a step)`);
    check(stopped >= 1 && stopped < patchSteps, `cancelled after ${stopped} step(s)`);
    await page.reload();
    await backendKind(page);
    await page.waitForSelector(testid("patch-resume"), { timeout: T(30) });
    check((await page.textContent(testid("patch-resume"))).includes(`step ${stopped} of ${patchSteps}`), "resume where it stopped, after a reload");
    await page.click(testid("sample-coffee"));
    check((await top1(page, "original-predictions")) === 967, "the coffee photo again");
    await page.fill(testid("patch-batch"), batch);
    await page.click(testid("patch-resume"));
    await page.waitForFunction(({ sel, n }) => Number(document.querySelector(sel)?.dataset.done) === n, { sel: testid("patch-kept"), n: patchSteps }, { timeout: T(500) });
    console.log(`  patch: resumed to ${patchSteps} steps at ${Number(await page.getAttribute(testid("patch-kept"), "data-seconds-per-step")).toFixed(2)} s a step`);
    check(!(await page.isVisible(testid("patch-resume"))), "a finished patch has nothing to resume");
    // Dragged onto the photo: the verdict on the composite.
    await page.waitForSelector(testid("patch-verdict"), { timeout: T(60) });
    const box = await page.locator(testid("patch-stage")).boundingBox();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.7);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.35, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction((sel) => Number(document.querySelector(sel).dataset.x) < 0.4, testid("patch-stage"), { timeout: T(10) });
    const left = await page.$eval(testid("patch-disc"), (e) => parseFloat(e.style.left));
    check(left < 30, `the patch is drawn where it was dragged (left ${left}%)`);
    const before = Number(await page.getAttribute(testid("patch-stage"), "data-scale"));
    await page.focus(testid("patch-stage"));
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("+");
    await page.keyboard.press("+");
    const after = Number(await page.getAttribute(testid("patch-stage"), "data-scale"));
    check(after > before, `+ makes the patch larger (${before} -> ${after})`);
    await page.waitForTimeout(1000);
    const verdict = await page.$eval(testid("patch-verdict"), (e) => ({ ...e.dataset, text: e.textContent }));
    console.log(`  the patch on the photo: ${verdict.text.split(".")[0]} (target ${verdict.target})`);
    check(Number(verdict.target) === 859 && Number.isInteger(Number(verdict.index)), "a verdict on the composite");
    // Held up to the camera: the patch pasted on each live frame.
    await page.check(testid("patch-on-camera"));
    await page.click(testid("camera-open"));
    await page.waitForSelector(`${testid("camera-live")}:enabled`, { timeout: T(60) });
    await page.click(testid("camera-live"));
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.frames) >= 3, testid("live-fps"), { timeout: T(60) });
    console.log(`  live with the patch pasted: top-1 ${await page.getAttribute(`${testid("live-top")} li:first-child`, "data-index")}`);
    await page.click(testid("camera-close"));
    const [printFile] = await Promise.all([page.waitForEvent("download"), page.click(testid("patch-download"))]);
    const printPath = path.join(output, "stage-patch.png");
    await printFile.saveAs(printPath);
    const printed = decodePng(fs.readFileSync(printPath));
    check(printed.width >= 591 && printed.width <= 700, `the patch to print is ${printed.width} px (5 cm at 300 dpi)`);
    await page.screenshot({ path: path.join(output, "stage-patch-en-1280.png"), fullPage: true });
    bad.push(...(await axeAudit(page, "patch, English, 1280 px")));
    // The noise made for Lite0, used with Lite1: resized, with a notice.
    await page.selectOption(testid("model-select"), "efficientnet-lite1");
    await page.setInputFiles(testid("noise-upload"), noisePath);
    const resized = await closeNotice(page, T(60));
    check(/resized to the model's 240x240/.test(resized), "the noise is resized: " + resized);
    check(bad.length === 0, "serious or critical violations: " + bad.join(", "));
    sameOrigin(requests);
    check(errors.length === 0, "console errors: " + errors.join(" | "));
    await context.close();
  } finally {
    await camera.close();
  }
});

await scenario("full resolution: the photo attacked at its own size, downloaded, classified by the CLI", async () => {
  const { context, page, errors } = await newPage("?backend=cpu");
  await page.click(testid("sample-chelsea"));
  const original = await top1(page, "original-predictions");
  check(await page.isChecked(testid("full-resolution")), "the photo's own size is the default");
  const label = await page.textContent(`label:has(${testid("full-resolution")})`);
  check(/451×300/.test(label), "the switch names the photo's size: " + label);
  await page.selectOption(testid("method"), "ifgsm");
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(600) });
  const verdict = await page.textContent(testid("verdict"));
  console.log(`\n  I-FGSM eps 8 on chelsea at 451x300: ${verdict}`);
  check((await page.getAttribute(testid("verdict"), "data-fooled")) === "true", "verdict: " + verdict);
  const adversarialClass = await top1(page, "results");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(testid("download-adversarial"))]);
  const saved = path.join(output, "full-resolution-adversarial.png");
  await download.saveAs(saved);
  const png = decodePng(fs.readFileSync(saved));
  const photo = decodePng(fs.readFileSync(path.join(dist, "samples", "chelsea.png")));
  check(png.width === 451 && png.height === 300, `the download is ${png.width}x${png.height}`);
  let maxDiff = 0;
  for (let i = 0; i < png.rgb.length; i++) maxDiff = Math.max(maxDiff, Math.abs(png.rgb[i] - photo.rgb[i]));
  check(maxDiff > 0 && maxDiff <= 8, `max difference from the photo ${maxDiff}`);
  const cli = JSON.parse(execFileSync(gibbon, ["--quiet", "--device", "cpu", "classify", "--json", "--top", "1", saved]).toString());
  console.log(`  download 451x300, max |diff| ${maxDiff} from the photo; CLI classifies it as ${cli.top[0].index} (${cli.top[0].prob.toFixed(3)}); page said ${adversarialClass} (photo: ${original})`);
  check(cli.top[0].index === adversarialClass, `CLI says ${cli.top[0].index}, page said ${adversarialClass}`);
  // The share card shows a photo larger than 400 px smaller: 400x266 panels.
  const [cardDownload] = await Promise.all([page.waitForEvent("download"), page.click(testid("download-share-card"))]);
  const card = decodePng(fs.readFileSync(await cardDownload.path()));
  check(card.width === 2 * 24 + 3 * 400 + 2 * 16 && card.height === 24 + 28 + 266 + 64, `share card ${card.width}x${card.height}`);
  // DI-FGSM works on the model's crop, and says so.
  await page.selectOption(testid("method"), "di-fgsm");
  check(await page.isVisible(testid("model-size-only")), "DI-FGSM says it works on the crop");
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

await scenario("lesson: clicked through to the end on the CPU, each screen from the real computation", async () => {
  const { context, page, errors } = await newPage("?backend=cpu");
  await page.click(testid("sample-chelsea"));
  await top1(page, "original-predictions");
  await page.click(testid("lesson-open"));
  const lines = [];
  for (let k = 0; k < 8; k++) {
    if (k > 0) await page.click(testid("lesson-next"), { timeout: T(600) });
    await page.waitForFunction((sel) => !/Computing|Press Next again|Choose a photo/.test(document.querySelector(sel).textContent),
      testid("lesson-seen"), { timeout: T(600) });
    lines.push(`${await page.textContent(testid("lesson-title"))} | ${await page.textContent(testid("lesson-seen"))}`);
    if (k === 2) check((await page.$$(`${testid("lesson")} math`)).length === 1, "FGSM's formula in MathML");
  }
  console.log("\n" + lines.map((l) => "  " + l).join("\n"));
  check(/^1\..*The model sees: .*cat/.test(lines[0]), lines[0]);
  check(/exactly 1\/255 \(largest change 1\)/.test(lines[1]), lines[1]);
  check(/^3\..*\| (Fooled|Not fooled)/.test(lines[2]), lines[2]);
  check(/gibbon/.test(lines[4]), lines[4]);
  check(/EfficientNet-Lite1 sees .*EfficientNet-Lite2 sees/.test(lines[6]), lines[6]);
  check(/JPEG quality 95: .*JPEG quality 75: .*JPEG quality 50: /.test(lines[7]), lines[7]);
  check(await page.isDisabled(testid("lesson-next")), "Next ends at the last screen");
  await page.click(testid("lesson-back"), { timeout: T(600) });
  check(/^7\./.test(await page.textContent(testid("lesson-title"))), "Back goes back");
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

await scenario("accessibility: axe finds no serious or critical violation on the page, a result and the lesson", async () => {
  const axe = require("@axe-core/playwright");
  const AxeBuilder = axe.default || axe.AxeBuilder || axe;
  const { context, page, errors } = await newPage("?backend=cpu");
  const audit = async (where) => {
    const { violations } = await new AxeBuilder({ page }).analyze();
    const listed = violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}: ${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", ")})`);
    console.log(`\n  ${where}: ${listed.join("; ") || "no violations"}`);
    return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${where}: ${v.id}`);
  };
  await page.click(testid("sample-chelsea"));
  await top1(page, "original-predictions");
  const bad = await audit("the page with a photo");
  await page.selectOption(testid("method"), "fgsm");
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(300) });
  bad.push(...(await audit("after an attack")));
  await page.click(testid("lesson-open"));
  await page.click(testid("lesson-next"), { timeout: T(300) });
  await page.waitForSelector(`${testid("lesson")} math`, { timeout: T(300) });
  bad.push(...(await audit("the lesson")));
  check(bad.length === 0, "serious or critical violations: " + bad.join(", "));
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

await scenario("keyboard and phone: photo to download with the keyboard alone at 390 px, no sideways scrolling", async () => {
  const { context, page, errors } = await newPage("?backend=cpu", base, null, 390);
  await backendKind(page);
  // Tab until the control has focus, then press a key on it, as a keyboard user does.
  const press = async (id, key = "Enter") => {
    for (let i = 0; i < 300; i++) {
      if ((await page.evaluate(() => document.activeElement?.dataset?.testid)) === id) return page.keyboard.press(key);
      await page.keyboard.press("Tab");
    }
    throw new Error(`${id} cannot be reached with Tab`);
  };
  await press("sample-coffee");
  check((await top1(page, "original-predictions")) === 967, "coffee, chosen with the keyboard");
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: path.join(output, "phone-390-before.png"), fullPage: true });
  await press("run");
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(300) });
  const [download] = await Promise.all([page.waitForEvent("download"), press("download-adversarial")]);
  const png = decodePng(fs.readFileSync(await download.path()));
  const wideAfter = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: path.join(output, "phone-390-after.png"), fullPage: true });
  console.log(`\n  keyboard only: coffee -> ${await page.textContent(testid("verdict"))} -> ${png.width}x${png.height} PNG; page width ${wide} / ${wideAfter} px at 390`);
  check(png.width > 0, "the download");
  // What sticks out, to say where to look.
  const sticking = await page.evaluate(() => [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > 391)
    .slice(0, 8)
    .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")}[${e.dataset.testid || ""}] ${Math.round(e.getBoundingClientRect().right)}`));
  check(wide <= 390 && wideAfter <= 390, `the page is ${wide} / ${wideAfter} px wide at 390: ${sticking.join(", ")}`);
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

await scenario("language: Japanese from the switch, kept over a reload, notices that follow it; screenshots at 1280 and 390 px", async () => {
  const { context, page, errors } = await newPage("?backend=cpu");
  const tagline = () => page.textContent(testid("tagline"));
  check(/^Drop a photo/.test(await tagline()), "English first (the browser's language)");
  await page.selectOption(testid("language"), "ja");
  await page.waitForFunction((sel) => /写真/.test(document.querySelector(sel).textContent), testid("tagline"), { timeout: T(10) });
  check((await page.getAttribute("html", "lang")) === "ja", "<html lang> follows the switch");
  await page.reload();
  await page.waitForFunction((sel) => /写真/.test(document.querySelector(sel)?.textContent || ""), testid("tagline"), { timeout: T(60) });
  check((await page.textContent(testid("run"))).trim() === "実行", "the Run button in Japanese after the reload");
  // The worker's problems are worded by the page, in its language.
  await page.setInputFiles(testid("file-input"), { name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just some text") });
  await page.waitForSelector(testid("notice"), { timeout: T(60) });
  const badPhoto = await page.textContent(`${testid("notice")} .summary`);
  check(/^notes\.png: Gibbon が読める画像ではありません/.test(badPhoto), "the worker's problem in Japanese: " + badPhoto);
  check((await page.getAttribute(`${testid("notice")} .close`, "aria-label")) === "このお知らせを閉じる", "the notice's close button labelled in Japanese");
  // A notice on screen follows a switch of language.
  await page.selectOption(testid("language"), "en");
  await page.waitForFunction((sel) => /^notes\.png: not an image/.test(document.querySelector(sel)?.textContent || ""), `${testid("notice")} .summary`, { timeout: T(10) });
  await page.selectOption(testid("language"), "ja");
  await page.waitForFunction((sel) => /^notes\.png: Gibbon が読める/.test(document.querySelector(sel)?.textContent || ""), `${testid("notice")} .summary`, { timeout: T(10) });
  await page.click(`${testid("notice")} .close`);
  await page.click(testid("sample-chelsea"));
  await top1(page, "original-predictions");
  // So do the page's own notices: a step size that is not a number, refused before anything
  // reaches the worker.
  await page.fill(testid("alpha"), "abc");
  await page.click(testid("run"));
  const summary = `${testid("notice")} .summary`;
  await page.waitForFunction((sel) => /^「歩幅 α」に「abc」は使えません/.test(document.querySelector(sel)?.textContent || ""), summary, { timeout: T(10) });
  await page.selectOption(testid("language"), "en");
  await page.waitForFunction((sel) => /^The step α must be .*“abc”/.test(document.querySelector(sel)?.textContent || ""), summary, { timeout: T(10) });
  await page.selectOption(testid("language"), "ja");
  await page.waitForFunction((sel) => /^「歩幅 α」に/.test(document.querySelector(sel)?.textContent || ""), summary, { timeout: T(10) });
  await page.click(`${testid("notice")} .close`);
  await page.fill(testid("alpha"), "");
  await page.screenshot({ path: path.join(output, "ja-1280-before.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 1000 });
  await page.screenshot({ path: path.join(output, "ja-390-before.png"), fullPage: true });
  const wideBefore = await page.evaluate(() => document.documentElement.scrollWidth);
  check(wideBefore <= 390, `the Japanese page is ${wideBefore} px wide at 390 before an attack`);
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.selectOption(testid("method"), "fgsm");
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(300) });
  // The result's panels speak Japanese too, and switch back with the page.
  const verdictJa = await page.textContent(testid("verdict"));
  check(/だまされ/.test(verdictJa), `the verdict in Japanese: ${verdictJa}`);
  for (const [panel, word] of [["transfer", "転移"], ["survival", "共有"], ["eps-sweep", "試す"], ["transfer-matrix", "行列"]]) {
    const heading = await page.textContent(`${testid(panel)} h2`);
    check(heading.includes(word), `the ${panel} panel's heading in Japanese: ${heading}`);
  }
  check((await page.textContent(testid("download-adversarial"))).includes("保存"), "the download button in Japanese");
  await page.click(testid("lesson-open"));
  await page.waitForFunction((sel) => /モデルの答え/.test(document.querySelector(sel).textContent), testid("lesson-seen"), { timeout: T(60) });
  console.log(`\n  ${await tagline()}\n  ${await page.textContent(testid("lesson-title"))} | ${await page.textContent(testid("lesson-seen"))}`);
  await page.screenshot({ path: path.join(output, "ja-1280-after.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 1000 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: path.join(output, "ja-390-after.png"), fullPage: true });
  check(wide <= 390, `the Japanese page is ${wide} px wide at 390`);
  await page.selectOption(testid("language"), "en");
  await page.waitForFunction((sel) => /^Drop a photo/.test(document.querySelector(sel).textContent), testid("tagline"), { timeout: T(10) });
  const verdictEn = await page.textContent(testid("verdict"));
  check(/^(Fooled|Not fooled)/.test(verdictEn), `the verdict back in English: ${verdictEn}`);
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

// ---------------------------------------------------------------- the worker dies; the page lives
await scenario("recovery: a lost GPU device and a crashed worker keep the photo and the result", async () => {
  const { context, page } = await newPage("?backend=webgpu");
  const kind = await backendKind(page);
  await page.click(testid("sample-coffee"));
  check((await top1(page, "original-predictions")) === 967, "coffee");
  await page.selectOption(testid("method"), "fgsm");
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(600) });
  const verdict = await page.textContent(testid("verdict"));
  const before = await canvasRgb(page, "adversarial-canvas");

  await page.evaluate(() => window.wasmBindings.gibbon_test_lose_device());
  let text = await closeNotice(page, T(120));
  console.log(`\n  on ${kind}, device lost: ${text.slice(0, 90)}…`);
  check(kind === "CPU" || /graphics device stopped/.test(text), "device loss: " + text);
  const after = await backendKind(page);
  check((await top1(page, "original-predictions")) === 967, "the photo is classified again");
  check((await page.textContent(testid("verdict"))) === verdict, "the result stays");
  check(JSON.stringify(await canvasRgb(page, "adversarial-canvas")) === JSON.stringify(before), "the adversarial image stays");
  await page.waitForFunction((sel) => document.querySelector(sel)?.disabled === false, testid("run"), { timeout: T(300) });
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(600) });
  console.log(`  after the loss the page runs on ${after} and attacks again`);

  await page.evaluate(() => window.wasmBindings.gibbon_test_panic_worker());
  text = await closeNotice(page, T(120));
  check(/Something broke in Gibbon's computing part/.test(text), "crash: " + text);
  check((await top1(page, "original-predictions")) === 967, "the photo is classified again after the crash");
  await page.waitForFunction((sel) => document.querySelector(sel)?.disabled === false, testid("run"), { timeout: T(300) });
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(600) });
  await context.close();
});

// ---------------------------------------------------------------- a class on the LAN
await scenario("classroom: plain http under a host name attacks on the CPU and says why", async () => {
  resetServed();
  const lan = base.replace("127.0.0.1", "gibbon.test");
  const { context, page, errors } = await newPage("", lan);
  check((await page.evaluate(() => window.isSecureContext)) === false, "not a secure context");
  check((await backendKind(page)) === "CPU", "the CPU computes");
  const why = await page.textContent(`${testid("backend")} .fallback summary`);
  check(/plain http/.test(why), "the page says why: " + why);
  // No camera outside a secure context: one plain sentence, and the other ways in still work.
  await page.click(testid("camera-open"));
  await page.waitForSelector(testid("notice"), { timeout: T(30) });
  const noCamera = await page.textContent(testid("notice"));
  check(/no camera/i.test(noCamera), "the camera notice: " + noCamera);
  await page.click(`${testid("notice")} .close`);
  await page.click(testid("sample-chelsea"));
  check([281, 282, 285].includes(await top1(page, "original-predictions")), "chelsea");
  await page.click(testid("run"));
  await page.waitForSelector(`${testid("verdict")}[data-fooled="true"]`, { timeout: T(300) });
  await page.screenshot({ path: path.join(output, "lan-http.png"), fullPage: true });
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

// ---------------------------------------------------------------- the serve script's server
await scenario("wire: nginx from serve-dist.sh, precompressed and cached; a LAN reload downloads almost nothing", async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  // brotli at a low level here: the test build's wasm is unoptimised and large (and over plain
  // http the browser takes the gzip file anyway).
  const nginx = spawn("bash", [path.join(root, "scripts/serve-dist.sh"), dist], {
    env: { ...process.env, PORT: String(port), BIND: "127.0.0.1", GIBBON_BROTLI_QUALITY: "4" },
    stdio: ["ignore", "inherit", "inherit"], detached: true,
  });
  try {
    const up = `http://127.0.0.1:${port}/`;
    let ready = false;
    for (let i = 0; i < 600 && !ready; i++) {
      ready = await new Promise((resolve) => http.get(up, (r) => { r.resume(); resolve(r.statusCode === 200); }).on("error", () => resolve(false)));
      if (!ready) await new Promise((r) => setTimeout(r, 500));
    }
    check(ready, "nginx answers");
    const lan = `http://gibbon.test:${port}/`;
    // A profile on disk, as a student's browser has: a throwaway context keeps only small
    // files in its memory cache, and would download the wasm and the model again.
    const profile = fs.mkdtempSync(path.join(output, "profile-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium", viewport: { width: 1280, height: 1000 },
      args: ["--host-resolver-rules=MAP gibbon.test 127.0.0.1", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
    });
    const page = context.pages()[0] || await context.newPage();
    let bytes = 0, files = 0;
    const encodings = new Map();
    page.on("requestfinished", async (r) => {
      const sizes = await r.sizes().catch(() => null);
      const response = await r.response().catch(() => null);
      if (!sizes || !response) return;
      // From the cache: a negative body size, nothing on the wire. Revalidated (304): headers.
      if (sizes.responseBodySize < 0) return;
      bytes += sizes.responseBodySize + sizes.responseHeadersSize;
      files += 1;
      encodings.set(new URL(r.url()).pathname, { status: response.status(), headers: await response.allHeaders() });
    });
    // A visit ends once the page is ready and the model's file came (or was revalidated).
    const visit = async (go) => {
      bytes = 0; files = 0;
      const model = page.waitForEvent("requestfinished", { predicate: (r) => r.url().includes("/models/"), timeout: T(300) });
      await go();
      await model;
      check((await backendKind(page)) === "CPU", "the CPU computes");
      await page.waitForTimeout(1000);
      return { bytes, files };
    };
    const first = await visit(() => page.goto(lan));
    const wasm = [...encodings].find(([p]) => p.endsWith("_bg.wasm") && p.includes("worker"));
    check(wasm, "the worker's wasm was fetched");
    const [, { headers }] = wasm;
    // Browsers ask for brotli over https only; over plain http they get the gzip file.
    check(["br", "gzip"].includes(headers["content-encoding"]), "the wasm comes compressed: " + headers["content-encoding"]);
    check(/immutable/.test(headers["cache-control"] || ""), "hashed files are immutable: " + headers["cache-control"]);
    const html = encodings.get("/");
    check(html && html.headers["cross-origin-opener-policy"] === "same-origin" && html.headers["cross-origin-embedder-policy"] === "require-corp", "COOP and COEP");
    const second = await visit(() => page.reload());
    console.log(`\n  over LAN http from nginx: first visit ${(first.bytes / 1e6).toFixed(2)} MB in ${first.files} responses, a reload ${(second.bytes / 1e3).toFixed(1)} kB in ${second.files}`);
    check(second.bytes < 100_000, `a reload downloads ${second.bytes} bytes`);
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    // On localhost (a secure context) the headers make the page cross-origin isolated.
    const isolated = await browser.newContext();
    const local = await isolated.newPage();
    await local.goto(up);
    check(await local.evaluate(() => window.crossOriginIsolated), "cross-origin isolated on localhost");
    await isolated.close();
  } finally {
    try { process.kill(-nginx.pid, "SIGTERM"); } catch (e) { /* already gone */ }
  }
});

// ---------------------------------------------------------------- a classroom's hour
await scenario("memory: 20 attacks in a row stay flat", async () => {
  const { context, page, errors } = await newPage("?backend=cpu");
  await backendKind(page);
  const cdp = await context.newCDPSession(page);
  const samples = ["chelsea", "coffee", "camera", "motorcycle_left", "rocket"];
  const models = ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"];
  const series = [];
  for (let i = 0; i < 20; i++) {
    await page.selectOption(testid("model-select"), models[i % 3]);
    await page.click(testid(`sample-${samples[i % 5]}`));
    await page.waitForFunction((sel) => document.querySelector(sel)?.disabled === false, testid("run"), { timeout: T(300) });
    await page.click(testid("run"));
    await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(300) });
    const reports = Number(await page.getAttribute(testid("worker-stats"), "data-reports"));
    await page.evaluate(() => window.wasmBindings.gibbon_test_stats());
    await page.waitForFunction(({ sel, n }) => Number(document.querySelector(sel).dataset.reports) > n, { sel: testid("worker-stats"), n: reports }, { timeout: T(60) });
    const wasm = Number(await page.getAttribute(testid("worker-stats"), "data-wasm-bytes"));
    // A full collection through the DevTools protocol, then the exact heap in use:
    // performance.memory after window.gc() is rounded and lags, so single samples jumped
    // between 3 and 15 MB with nothing kept.
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = (await cdp.send("Runtime.getHeapUsage")).usedSize;
    series.push({ wasm, heap });
  }
  const mb = (b) => (b / 1e6).toFixed(1);
  console.log(`\n  worker wasm memory (MB): ${series.map((s) => mb(s.wasm)).join(" ")}`);
  console.log(`  page JS heap (MB): ${series.map((s) => mb(s.heap)).join(" ")}`);
  const [fifth, last] = [series[4], series[19]];
  check(last.wasm <= fifth.wasm * 1.2, `worker memory grew from ${mb(fifth.wasm)} to ${mb(last.wasm)} MB`);
  // The page heap: the median of attacks 3-7 against the median of the last five, so one
  // attack's result still held at the sample does not decide; a leak of a photo's pixels
  // per attack (1 MB or more each) would still show as a climb of 10 MB or more.
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const early = median(series.slice(2, 7).map((s) => s.heap));
  const late = median(series.slice(15).map((s) => s.heap));
  check(late <= early * 1.3 + 4e6, `page heap grew from ${mb(early)} to ${mb(late)} MB (medians)`);
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

// ---------------------------------------------------------------- no WebGPU; drop and paste
await scenario("input: no WebGPU falls back to the CPU; drop and paste a photo", async () => {
  // A browser without WebGPU: headless Chromium without --enable-unsafe-webgpu gives the
  // worker no adapter.
  const plain = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
  });
  const context = await plain.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(base);
  await page.waitForFunction(() => window.crossOriginIsolated, null, { timeout: T(20) });
  check((await backendKind(page)) === "CPU", "fell back to the CPU");
  const why = await page.textContent(`${testid("backend")} .fallback summary`);
  check(/no WebGPU here, so it computes on the CPU/.test(why), "fallback reason: " + why);
  // The page asked for an adapter before starting its worker: the CPU-only one, on every
  // core; the WebGPU worker is never downloaded.
  const detail = await page.textContent(`${testid("backend")} .fallback code`);
  check(/requestAdapter|navigator\.gpu/.test(detail), "the browser's words: " + detail);
  check(/\d+ threads\)/.test(await page.textContent(`${testid("backend")} .adapter`)), "every core");
  const trunkWorker = requests.filter((u) => /gibbon-worker-[0-9a-f]+_bg\.wasm/.test(u));
  check(trunkWorker.length === 0, "the WebGPU worker was downloaded: " + trunkWorker.join(", "));

  const give = (event, file) => page.evaluate(async ({ b64, name, event, sel }) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, { type: "image/png" }));
    if (event === "drop") {
      const zone = document.querySelector(sel);
      zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    } else {
      document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }
  }, { b64: fs.readFileSync(path.join(dist, "samples", file)).toString("base64"), name: file, event, sel: testid("drop-zone") });
  const firstIs = (index) => page.waitForFunction(({ sel, index }) => {
    const li = document.querySelector(sel);
    return li && Number(li.dataset.index) === index;
  }, { sel: `${testid("original-predictions")} li:first-child`, index }, { timeout: T(120) });

  await give("drop", "coffee.png");
  await firstIs(967);
  await give("paste", "camera.png");
  await firstIs(872);
  check((await page.textContent(`${testid("drop-zone")} .caption`)) === "camera.png", "caption names the pasted file");
  check(errors.length === 0, "page errors: " + errors.join(" | "));
  await context.close();
  await plain.close();
});

// ---------------------------------------------------------------- the user's own weights
function randomResnet18() {
  const file = path.join(extra, "resnet18-random.safetensors");
  if (!fs.existsSync(file)) {
    const python = process.env.GIBBON_PYTHON || "python3";
    execFileSync(python, [path.join(root, "tests/data/reference_nets.py"), extra], { stdio: "inherit" });
  }
  return file;
}

await scenario("own model: ResNet-18 weights from a file and from the site, transfer matrix", async () => {
  const weights = randomResnet18();
  const { context, page, requests, errors } = await newPage("?backend=cpu");
  await backendKind(page);
  const notice = async () => {
    await page.waitForSelector(testid("notice"), { timeout: T(300) });
    const text = await page.textContent(testid("notice"));
    await page.click(`${testid("notice")} .close`);
    return text;
  };
  await page.click(`${testid("weights-loader")} summary`);
  // The wrong architecture: the error names the first tensor that does not fit.
  await page.selectOption(testid("arch-select"), "resnet34");
  await page.setInputFiles(testid("weights-file"), weights);
  let text = await notice();
  check(/no tensor 'layer1\.2\.conv1\.weight'.*ResNet-34/.test(text), "wrong architecture: " + text);
  // The right one, from the file.
  await page.selectOption(testid("arch-select"), "resnet18");
  await page.setInputFiles(testid("weights-file"), weights);
  text = await notice();
  check(/ResNet-18 loaded from resnet18-random\.safetensors \(Torchvision layout\)/.test(text), "loaded: " + text);
  const options = await page.$$eval(`${testid("model-select")} option`, (os) => os.map((o) => o.value));
  check(options.includes("resnet18"), "model list: " + options.join(", "));
  // From a path on the same site.
  await page.fill(testid("weights-url"), "extra/resnet18-random.safetensors");
  await page.click(testid("weights-url-load"));
  text = await notice();
  check(/ResNet-18 loaded from extra\/resnet18-random\.safetensors/.test(text), "from the site: " + text);
  await page.fill(testid("weights-url"), "https://example.com/model.pth");
  await page.click(testid("weights-url-load"));
  text = await notice();
  check(/no other site is contacted/.test(text), "other site refused: " + text);

  // The transfer matrix over EfficientNet-Lite0 and ResNet-18.
  await page.click(testid("sample-coffee"));
  check((await top1(page, "original-predictions")) === 967, "coffee");
  await page.click(testid("run-matrix"));
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.startsWith("Add this photo"), testid("run-matrix"), { timeout: T(900) });
  const models = options.length;
  const cells = await page.$$eval(`${testid("matrix")} td`, (tds) => tds.map((t) => `${t.closest("tr").dataset.judge}<-${t.dataset.source}:${t.dataset.fooled}/${t.dataset.images}`));
  console.log(`\n  matrix: ${cells.join(", ")}`);
  check(cells.length === models * models && cells.every((c) => c.endsWith("/1")), `a ${models}x${models} matrix`);
  check(cells.includes("efficientnet-lite0<-efficientnet-lite0:1/1"), "lite0 fools itself");
  check(cells.some((c) => c.startsWith("resnet18<-")), "ResNet-18 judges");
  await page.screenshot({ path: path.join(output, "own-model-matrix.png"), fullPage: true });
  sameOrigin(requests);
  check(errors.length === 0, "console errors: " + errors.join(" | "));
  await context.close();
});

// ---------------------------------------------------------------- offline, after one visit
await scenario("offline: reload with the network off", async () => {
  resetServed();
  const { context, page } = await newPage("?backend=cpu");
  await backendKind(page);
  // The gallery shows thumbnails; a sample photo loads when chosen, and stays for offline use.
  const gallery = await page.$$eval(`${testid("gallery")} img`, (imgs) => imgs.map((i) => i.getAttribute("src")));
  check(gallery.length === 5 && gallery.every((src) => /^samples\/thumbs\/[a-z_]+\.jpg$/.test(src)), "gallery thumbnails: " + gallery.join(" "));
  await page.click(testid("sample-chelsea"));
  await top1(page, "original-predictions");
  await page.click(testid("sample-camera"));
  check((await top1(page, "original-predictions")) === 872, "camera online");
  await page.evaluate(() => navigator.serviceWorker.ready);
  const fetched = [...served.keys()].filter((p) => p.includes("/samples/") && !p.includes("/thumbs/")).map((p) => path.basename(p)).sort();
  check(fetched.every((f) => ["camera.png", "chelsea.png"].includes(f)), "only the chosen photos were fetched: " + fetched.join(" "));
  // This host does not compress: the service worker kept the gzip copies of the wasm files,
  // which wasm-source.js unpacks offline too.
  const wasmFetched = [...served.keys()].filter((p) => /\.wasm(\.gz)?$/.test(p)).map((p) => path.basename(p));
  check(wasmFetched.length === 2 && wasmFetched.every((f) => f.endsWith(".wasm.gz")), "the wasm files as gzip copies: " + wasmFetched.join(" "));
  // A reload online takes both wasm files from what the service worker kept, without asking
  // the host (no HEAD request) and without downloading them.
  resetServed();
  await page.reload();
  check((await backendKind(page)) === "CPU", "backend after a reload");
  const wasmAgain = [...served.keys()].filter((p) => /\.wasm(\.gz)?$/.test(p));
  check(wasmAgain.length === 0 && heads.length === 0, `a reload fetched ${wasmAgain.join(" ")} and asked HEAD for ${heads.join(" ")}`);
  await context.setOffline(true);
  await page.reload();
  check((await backendKind(page)) === "CPU", "backend after offline reload");
  check(/\d+ threads\)/.test(await page.textContent(`${testid("backend")} .adapter`)), "the threaded worker offline");
  // Never opened online: says so, and the page goes on.
  await page.click(testid("sample-coffee"));
  const notice = await closeNotice(page, T(60));
  check(/coffee/i.test(notice), "a photo not kept offline: " + notice);
  await page.click(testid("sample-camera"));
  check((await top1(page, "original-predictions")) === 872, "camera offline");
  await page.screenshot({ path: path.join(output, "offline.png"), fullPage: true });
  await context.close();
});

// ---------------------------------------------------------------- benchmark page (optional)
// A measurement, not a CI test: E2E_BIG_PHOTO=photo.png (12 megapixels, say) attacks it at its
// own size on the CPU fallback and prints the time, the worker's memory and the main thread's
// longest task: E2E_ONLY=big E2E_BIG_PHOTO=photo.png node tests/e2e/run.mjs after a test build.
if (process.env.E2E_BIG_PHOTO) {
  await scenario("big photo: I-FGSM at the photo's own size on the CPU", async () => {
    const { context, page, errors } = await newPage("?backend=cpu");
    await backendKind(page);
    await page.setInputFiles(testid("file-input"), process.env.E2E_BIG_PHOTO);
    const original = await top1(page, "original-predictions");
    const label = await page.textContent(`label:has(${testid("full-resolution")})`);
    await page.selectOption(testid("method"), "ifgsm");
    await page.evaluate(() => { window.__longTasks = []; });
    const started = Date.now();
    await page.click(testid("run"));
    await page.waitForSelector(`${testid("verdict")}[data-fooled]`, { timeout: T(1800) });
    const seconds = (Date.now() - started) / 1000;
    const tasks = await longTasks(page);
    const reports = Number(await page.getAttribute(testid("worker-stats"), "data-reports"));
    await page.evaluate(() => window.wasmBindings.gibbon_test_stats());
    await page.waitForFunction(({ sel, n }) => Number(document.querySelector(sel).dataset.reports) > n, { sel: testid("worker-stats"), n: reports }, { timeout: T(60) });
    const wasm = Number(await page.getAttribute(testid("worker-stats"), "data-wasm-bytes"));
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(testid("download-adversarial"))]);
    const png = decodePng(fs.readFileSync(await download.path()));
    const notices = await page.$$eval(".notice", (ns) => ns.map((n) => n.textContent));
    console.log(`\n  ${label.trim()}; top-1 ${original}`);
    console.log(`  I-FGSM eps 8, 10 steps, in ${seconds.toFixed(1)} s: ${await page.textContent(testid("verdict"))}`);
    console.log(`  worker wasm memory after it: ${(wasm / 1e6).toFixed(0)} MB; longest main-thread task ${Math.max(0, ...tasks).toFixed(0)} ms (${tasks.length} over 50 ms)`);
    console.log(`  download ${png.width}x${png.height}; notices: ${notices.join(" | ") || "none"}`);
    check(errors.length === 0, "console errors: " + errors.join(" | "));
    await context.close();
  });
}

if (process.env.E2E_BENCH || only === "bench") {
  await scenario("bench: ms per attack step", async () => {
    const { context, page } = await newPage("?bench&steps=" + (process.env.E2E_BENCH_STEPS || "3"));
    await page.waitForFunction((sel) => {
      const status = document.querySelector(sel);
      return status && (status.textContent === "Done" || /unavailable|error|cannot/i.test(status.textContent));
    }, testid("bench-status"), { timeout: T(1200) });
    const threads = await page.getAttribute(testid("bench-threads"), "data-threads");
    console.log(`\n  threads: ${threads} (${await page.textContent(testid("bench-threads"))})`);
    const rows = await page.$$eval(`${testid("bench")} tbody tr`, (trs) => trs.map((t) => [t.dataset.kind, t.dataset.medianMs, t.children[0].textContent]));
    for (const [kind, ms, name] of rows) console.log(`  ${kind}: ${Number(ms).toFixed(1)} ms/step (${name})`);
    const live = await page.$$eval(`${testid("bench-live")} tbody tr`, (trs) => trs.map((t) => [t.dataset.kind, t.dataset.medianMs, t.dataset.fps, t.children[0].textContent]));
    for (const [kind, ms, fps, name] of live) console.log(`  ${kind}: live classification ${Number(fps).toFixed(1)} frames per second, ${Number(ms).toFixed(1)} ms/frame (${name})`);
    const longest = Number(await page.getAttribute(testid("longest-task"), "data-ms"));
    console.log(`  longest main-thread task while the worker computed: ${longest.toFixed(0)} ms`);
    fs.writeFileSync(path.join(output, "bench.json"), JSON.stringify({ steps: rows, live }));
    await page.screenshot({ path: path.join(output, "bench.png"), fullPage: true });
    check(rows.length >= 1 && live.length === rows.length, "benchmark rows");
    await context.close();
  });
}

await browser.close();
server.close();
console.log(failures ? `\n${failures} e2e scenario(s) failed` : "\nall e2e scenarios passed");
process.exit(failures ? 1 : 0);
