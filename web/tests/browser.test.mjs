// Browser tests of the WebAssembly verifier, the package and the page, in headless Chromium.
// Usage: node web/tests/browser.test.mjs [SEASON_DIR]   (default: target/season-example, as
// written by `cargo run -p gradreg --example season -- target/season-example`)
// (a) every docs/vectors file gives its expected outcome inside the browser;
// (b) the page shows the right verdict for a valid, a superseded, a revoked and a tampered form,
//     for a token in its address, for a number alone and opened from disk; screenshots are saved
//     under target/web/;
// (c) a form PNG scaled to 50 % and blurred by 1 px in a canvas is decoded and verified.
// Prints one line per test and "web: N passed, N failed".

import { mkdir, readFile, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { serve, browser, root, web } from "./harness.mjs";
import { load } from "../pkg/gradreg.mjs";

const season = resolve(process.argv[2] || join(root, "target", "season-example"));
const shots = join(root, "target", "web");
await mkdir(shots, { recursive: true });

let passed = 0;
let failed = 0;
function result(name, problems) {
  if (problems.length === 0) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}\n     ${problems.join("\n     ")}`);
  }
}
async function test(name, f) {
  try {
    const p = await f();
    result(name, p || []);
  } catch (e) {
    result(name, [String(e && e.stack ? e.stack : e)]);
  }
}
const want = (problems, what, got, expected) => {
  if (got !== expected) problems.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
};
const contains = (problems, what, text, part) => {
  if (!text.includes(part)) problems.push(`${what}: ${JSON.stringify(part)} not in ${JSON.stringify(text.slice(0, 400))}`);
};

// The season's published material, read natively to learn the clock to test at: one hour
// after the status list was issued, when it is current and the forms are in force.
const keyset = await readFile(join(season, "published", "keyset.json"), "utf8");
const listText = (await readFile(join(season, "published", "status-0.txt"), "utf8")).trim();
const native = await load(await readFile(join(web, "pkg", "gradreg.wasm")));
native.loadKeySet(keyset);
const listInfo = native.addStatusList(listText);
const now = new Date(Date.parse(listInfo.issued_at) + 3600 * 1000);
const forms = { valid: null };

const { server, origin } = await serve({ season });
const context = await browser();
// Nothing may be fetched from anywhere but the test server (no CDN, no decoder download).
const foreign = [];
context.on("request", (r) => {
  const u = r.url();
  if (!u.startsWith(origin) && !/^(data|blob|file):/.test(u)) foreign.push(u);
});
try {
  // (a) every vector, inside the browser.
  const page = await context.newPage();
  await page.goto(`${origin}/blank.html`);
  const results = await page.evaluate(async () => {
    const { load, parseNumber } = await import("/pkg/gradreg.mjs");
    const { checkVector } = await import("/tests/check-vector.mjs");
    const module = await WebAssembly.compileStreaming(fetch("/pkg/gradreg.wasm"));
    await load(module);
    const vectors = await (await fetch("/vectors/all.json")).json();
    const out = [];
    for (const v of vectors) {
      let bad;
      try {
        bad = await checkVector(v, { newVerifier: () => load(module), parseNumber });
      } catch (e) {
        bad = [`exception: ${e.message}`];
      }
      out.push({ name: v.name, kind: v.kind, bad });
    }
    return out;
  });
  if (results.length < 80) result("vectors: all of docs/vectors are served", [`only ${results.length}`]);
  for (const r of results) result(`vector ${r.kind} ${r.name}`, r.bad);
  await page.close();

  // (b) the page, served, with the season's key set and status list from its address.
  const material = `keyset=/season/published/keyset.json&status=/season/published/status-0.txt`;
  const pageAt = async (url) => {
    const p = await context.newPage();
    await p.clock.setFixedTime(now);
    await p.goto(url);
    await p.waitForSelector("body[data-ready='1']");
    return p;
  };
  const verdictText = (p) => p.locator("#result").innerText();
  const verdictFromPhoto = async (p, file) => {
    await p.setInputFiles("#photo", join(season, "forms", file));
    await p.waitForFunction(() => !document.getElementById("result").hidden, null, { timeout: 60000 });
    return verdictText(p);
  };

  // The season renders the archive forms of three graduates: the first one's data changed
  // after issue (superseded), the last one revoked the authorization, the middle one is in
  // force. Each form is picked as a photo; the page must show each of the three verdicts once.
  let validToken = null;
  const archiveForms = (await readdir(join(season, "forms"))).filter((f) => f.endsWith("-archive.png")).sort();
  const seen = {};
  for (const file of archiveForms) {
    await test(`page: form ${file} picked as a photo → a verdict`, async () => {
      const p = await pageAt(`${origin}/page/index.html?${material}`);
      const problems = [];
      contains(problems, "material", await p.locator("#material").innerText(), "示例大学就业指导中心");
      const text = await verdictFromPhoto(p, file);
      const kind = (/结论：([a-z_]+)/.exec(text) || [])[1] || "none";
      seen[kind] = (seen[kind] || 0) + 1;
      if (kind === "valid_offline") {
        contains(problems, "verdict", text, "核验码真实有效（按离线状态列表核对）");
        for (const label of ["基本信息", "姓名", "毕业去向信息", "档案转递信息", "档案接收单位", "授权状态依据签发方的状态列表"]) {
          contains(problems, "page", text, label);
        }
        validToken = await p.locator("#token").inputValue();
        if (!validToken.startsWith("GR2.")) problems.push(`token read: ${validToken.slice(0, 20)}`);
        forms.valid = file;
      } else if (kind === "revoked") {
        contains(problems, "verdict", text, "授权已被毕业生撤销");
      } else if (kind === "superseded") {
        contains(problems, "verdict", text, "登记信息已变更，此表已失效");
      }
      if (kind !== "valid_offline" && text.includes("基本信息")) problems.push(`a ${kind} form shows a disclosure`);
      await p.screenshot({ path: join(shots, `${kind}.png`), fullPage: true });
      await p.close();
      return problems;
    });
  }
  result("page: the season's forms give valid_offline, revoked and superseded once each", [
    ...["valid_offline", "revoked", "superseded"].filter((k) => seen[k] !== 1).map((k) => `${k}: ${seen[k] || 0} forms`),
    ...(archiveForms.length === 3 ? [] : [`${archiveForms.length} archive forms`]),
  ]);

  await test("page: tampered token (one character changed) → bad_signature", async () => {
    if (!validToken) return ["no token from the valid form"];
    const i = Math.floor(validToken.length / 2);
    const c = validToken[i] === "A" ? "B" : "A";
    const tampered = validToken.slice(0, i) + c + validToken.slice(i + 1);
    const p = await pageAt(`${origin}/page/index.html?${material}`);
    const problems = [];
    await p.fill("#token", tampered);
    await p.click("#verify");
    const text = await verdictText(p);
    contains(problems, "verdict", text, "核验码签名无效，可能被篡改");
    contains(problems, "verdict", text, "bad_signature");
    if (text.includes("基本信息")) problems.push("a tampered form shows a disclosure");
    await p.screenshot({ path: join(shots, "tampered.png"), fullPage: true });
    await p.close();
    return problems;
  });

  await test("page: token as the last path segment of its address → verdict", async () => {
    if (!validToken) return ["no token"];
    const p = await pageAt(`${origin}/v/${validToken}?${material}`);
    const problems = [];
    contains(problems, "verdict", await verdictText(p), "核验码真实有效（按离线状态列表核对）");
    await p.close();
    return problems;
  });

  await test("page: token in the fragment, no status list → unchecked with its reason", async () => {
    if (!validToken) return ["no token"];
    const p = await pageAt(`${origin}/page/index.html?keyset=/season/published/keyset.json&status=#${validToken}`);
    const problems = [];
    const text = await verdictText(p);
    contains(problems, "verdict", text, "未能核对授权状态");
    contains(problems, "warning", text, "没有此核验码所属的状态列表");
    contains(problems, "disclosure still shown", text, "基本信息");
    await p.screenshot({ path: join(shots, "unchecked.png"), fullPage: true });
    await p.close();
    return problems;
  });

  await test("page: a stale list → unchecked (stale_status_list)", async () => {
    if (!validToken) return ["no token"];
    const p = await context.newPage();
    await p.clock.setFixedTime(new Date(Date.parse(listInfo.next_update) + 60 * 1000));
    await p.goto(`${origin}/page/index.html?${material}#${validToken}`);
    await p.waitForSelector("body[data-ready='1']");
    const problems = [];
    const text = await verdictText(p);
    contains(problems, "warning", text, "状态列表已过期");
    contains(problems, "material", await p.locator("#material").innerText(), "已过期");
    await p.close();
    return problems;
  });

  await test("page: a number alone → must be checked online", async () => {
    const p = await pageAt(`${origin}/page/index.html?${material}`);
    const problems = [];
    await p.fill("#token", listInfo && native.verify(validToken || "", { now: now / 1000 }).claims?.number || "");
    await p.click("#verify");
    const text = await verdictText(p);
    contains(problems, "verdict", text, "须在线核验");
    if (await p.locator("#result a").count()) problems.push("the number answer has a link");
    await p.fill("#token", "9D5M-PJTB-9D5N-PJTM");
    await p.click("#verify");
    contains(problems, "typo", await verdictText(p), "校验位不符");
    await p.close();
    return problems;
  });

  await test("page: an HMAC token → unknown_key, and the page says it can only be verified online", async () => {
    const hmac = JSON.parse(await readFile(join(root, "docs", "vectors", "valid-hmac.json"), "utf8"));
    const p = await pageAt(`${origin}/page/index.html?${material}`);
    const problems = [];
    await p.fill("#token", hmac.token);
    await p.click("#verify");
    const text = await verdictText(p);
    contains(problems, "verdict", text, "unknown_key");
    contains(problems, "warning", text, "此核验码使用 HMAC 签名，只能由签发方在线核验");
    await p.close();
    return problems;
  });

  await test("page: opened from disk (file://), key set and list picked → valid_offline", async () => {
    if (!validToken) return ["no token"];
    const p = await context.newPage();
    await p.clock.setFixedTime(now);
    await p.goto(pathToFileURL(join(web, "page", "index.html")).href);
    await p.waitForSelector("body[data-ready='1']");
    await p.setInputFiles("#keyset-file", join(season, "published", "keyset.json"));
    await p.setInputFiles("#status-files", join(season, "published", "status-0.txt"));
    await p.waitForFunction(() => document.getElementById("material").innerText.includes("状态列表 "));
    await p.fill("#token", validToken);
    await p.click("#verify");
    const problems = [];
    contains(problems, "verdict", await verdictText(p), "核验码真实有效（按离线状态列表核对）");
    await p.screenshot({ path: join(shots, "file-url.png"), fullPage: true });
    await p.close();
    return problems;
  });

  // (c) a phone-like photo: the PNG at 50 %, blurred by 1 px in a canvas, decoded in the page.
  await test("page: form PNG scaled to 50 % and blurred 1 px → decoded and valid_offline", async () => {
    if (!forms.valid) return ["no valid form"];
    const p = await pageAt(`${origin}/page/index.html?${material}`);
    const decoder = await p.evaluate(async (url) => {
      const img = new Image();
      img.src = url;
      await img.decode();
      // Scaled to 50 % first, then a 1-pixel Gaussian blur (as the forms field test does).
      const half = document.createElement("canvas");
      half.width = Math.round(img.naturalWidth / 2);
      half.height = Math.round(img.naturalHeight / 2);
      half.getContext("2d").drawImage(img, 0, 0, half.width, half.height);
      const canvas = document.createElement("canvas");
      canvas.width = half.width;
      canvas.height = half.height;
      const ctx = canvas.getContext("2d");
      ctx.filter = "blur(1px)";
      ctx.drawImage(half, 0, 0);
      const blob = await new Promise((ok) => canvas.toBlob(ok, "image/png"));
      await window.gradregPage.readPhoto(new File([blob], "photo.png", { type: "image/png" }));
      return "BarcodeDetector" in window ? "BarcodeDetector" : "zxing-wasm";
    }, `/season/forms/${forms.valid}`);
    const problems = [];
    const text = await verdictText(p);
    contains(problems, "verdict", text, "核验码真实有效（按离线状态列表核对）");
    want(problems, "token decoded", await p.locator("#token").inputValue(), validToken);
    console.log(`     (decoded with ${decoder})`);
    await p.screenshot({ path: join(shots, "photo.png"), fullPage: true });
    await p.close();
    return problems;
  });
  result("page: nothing fetched from outside the test server", foreign.map((u) => `fetched ${u}`));
} finally {
  await context.close();
  server.close();
}
console.log(`screenshots: ${shots}`);
console.log(`web: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
