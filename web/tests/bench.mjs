// Benchmark (not a test): the size of the WebAssembly verifier, raw and gzipped (gzip -9), and
// the median time of one offline verification of an Ed25519 format-2 token in headless
// Chromium (the docs/vectors case format2-valid-offline: signature, compact disclosure, status
// list), over 2000 verifications in 50 batches of 40 (the browser's clock is too coarse for
// one). Usage: node web/tests/bench.mjs
import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { serve, browser, root, web } from "./harness.mjs";

const wasm = join(web, "pkg", "gradreg.wasm");
const raw = (await readFile(wasm)).length;
const gz = execFileSync("gzip", ["-9c", wasm], { maxBuffer: 1 << 26 }).length;
console.log(`gradreg.wasm: ${raw} bytes (${(raw / 1024).toFixed(1)} KiB), gzip -9: ${gz} bytes (${(gz / 1024).toFixed(1)} KiB)`);

const vector = JSON.parse(await readFile(join(root, "docs", "vectors", "format2-valid-offline.json"), "utf8"));
const { server, origin } = await serve();
const context = await browser();
try {
  const page = await context.newPage();
  await page.goto(`${origin}/blank.html`);
  const r = await page.evaluate(async (v) => {
    const { load } = await import("/pkg/gradreg.mjs");
    const t0 = performance.now();
    const verifier = await load("/pkg/gradreg.wasm");
    const loadMs = performance.now() - t0;
    verifier.loadTestKeys(v.key_set);
    for (const l of v.status_lists) verifier.addStatusList(l);
    const opts = { department: v.verifier_department, now: v.now_unix, leeway: v.leeway_seconds };
    for (let i = 0; i < 200; i++) verifier.verify(v.token, opts); // warm-up
    const batches = [];
    let last = null;
    for (let b = 0; b < 50; b++) {
      const s = performance.now();
      for (let i = 0; i < 40; i++) last = verifier.verify(v.token, opts);
      batches.push((performance.now() - s) / 40);
    }
    batches.sort((a, b) => a - b);
    return { loadMs, median: batches[25], min: batches[0], max: batches[49], verdict: last.verdict };
  }, vector);
  const version = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
  console.log(`Chromium ${version}: module fetched and instantiated in ${r.loadMs.toFixed(1)} ms`);
  console.log(`verify (Ed25519, format 2, offline, verdict ${r.verdict}): median ${(r.median * 1000).toFixed(0)} µs per token over 2000 (batch means ${(r.min * 1000).toFixed(0)}–${(r.max * 1000).toFixed(0)} µs)`);
} finally {
  await context.close();
  server.close();
}
