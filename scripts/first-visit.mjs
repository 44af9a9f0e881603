// What a first visit downloads, counted in headless Chromium: every response's bytes over the
// wire (encoded body and headers) for the page, its workers and its service worker, from
// opening the page until it has timed its devices and classified the chelsea sample.
//
//   ./scripts/serve.sh &            # or scripts/serve-dist.sh dist, or python3 -m http.server
//   node scripts/first-visit.mjs http://localhost:8080/
//
// GIBBON_PRETEND_GPU=1 tells the page (not the worker) that the browser's adapter is a GPU, so
// that on SwiftShader the page takes the path of a real GPU: it starts on WebGPU and times the
// CPU on one thread, WebGPU, and where the CPU could still win, the threaded worker.
import { createRequire } from "node:module";
import path from "node:path";

const tools = process.env.GIBBON_TOOLS || path.join(process.env.HOME, ".cache/gibbon/tools");
const { chromium } = createRequire(path.join(tools, "node_modules/"))("playwright-core");
const url = process.argv[2];
if (!url) {
  console.error("usage: node scripts/first-visit.mjs URL");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--enable-unsafe-webgpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
const context = await browser.newContext();
if (process.env.GIBBON_PRETEND_GPU === "1") {
  await context.addInitScript(() => {
    if (!self.GPUAdapter) return;
    const info = { vendor: "test", architecture: "pretend-gpu", device: "", description: "", isFallbackAdapter: false };
    Object.defineProperty(GPUAdapter.prototype, "info", { get: () => info, configurable: true });
  });
}
const rows = [];
context.on("requestfinished", async (request) => {
  try {
    const sizes = await request.sizes();
    rows.push([request.url(), sizes.responseBodySize + sizes.responseHeadersSize]);
  } catch {
    // A request of a closed worker: its sizes are gone.
  }
});
const page = await context.newPage();
const testid = (id) => `[data-testid="${id}"]`;
try {
  await page.goto(url);
  await page.waitForSelector(`${testid("device-timing")}[data-state="measured"]`, { timeout: 600e3 });
  await page.click(testid("sample-chelsea"));
  await page.waitForSelector(`${testid("original-predictions")} li`, { timeout: 300e3 });
} catch (e) {
  console.error(`the page did not get there: ${e.message.split("\n")[0]}`);
  await browser.close();
  process.exit(1);
}
await page.waitForTimeout(4000);
console.log((await page.textContent(testid("device-timing"))).trim());
console.log(`runs on: ${(await page.textContent(`${testid("backend")} .adapter`)).trim()}`);
for (const [u, bytes] of rows.filter(([, b]) => b > 100e3)) {
  console.log(`  ${(bytes / 1e6).toFixed(2)} MB  ${new URL(u).pathname}`);
}
const total = rows.reduce((sum, [, b]) => sum + b, 0);
console.log(`first visit: ${(total / 1e6).toFixed(2)} MB in ${rows.length} responses`);
await browser.close();
