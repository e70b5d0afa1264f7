// The verifier page. A classic script (not a module) so that the page works opened from disk.
// Every verdict comes from the gradreg core (WebAssembly) through gradreg.js, the package's
// module rewritten as a classic script by web/build.sh.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = { verifier: null, keySetText: null, keySetInfo: null, lists: new Map(), ready: null };

  const VERDICT_CLASS = { valid: "ok", valid_offline: "ok", unchecked: "warn", indeterminate: "warn", typo: "warn" };
  const METHOD = { confidential_mail: "机要通信", ems: "EMS毕业生档案专递", collected_by_unit: "接收单位派人提取" };
  const REASON = { graduation: "毕业", further_study: "升学" };
  const STEP_ZH = {
    prefix: "前缀", decoding: "解码", key_id: "密钥", signature: "签名", content: "内容",
    time_window: "有效期", section: "核验范围", status: "授权状态", holder: "持表人",
  };

  function base64Bytes(b64) {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // Beijing time, as printed on the form.
  function cst(iso) {
    if (!iso) return "";
    const d = new Date(Date.parse(iso) + 8 * 3600 * 1000);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getUTCFullYear()}年${p(d.getUTCMonth() + 1)}月${p(d.getUTCDate())}日 ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}（北京时间）`;
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  }

  function showMaterial() {
    const lines = [];
    if (state.keySetInfo) lines.push(`公钥集：${state.keySetInfo.issuer || "（未署名）"}，密钥 ${state.keySetInfo.key_ids.join("、")}`);
    else lines.push("尚未载入公钥集：请选择签发方公布的 keyset.json。");
    for (const [, l] of state.lists) {
      const stale = Date.parse(l.info.next_update) <= Date.now();
      lines.push(`状态列表 ${l.info.list}：签发于 ${cst(l.info.issued_at)}，下次更新 ${cst(l.info.next_update)}，${l.info.entries} 个条目，${l.info.not_in_force} 个已失效${stale ? "（已过期，请更新）" : ""}`);
    }
    if (state.keySetInfo && state.lists.size === 0) lines.push("尚未载入状态列表：核验码的撤销状态将无法核对。");
    $("material").textContent = lines.join("\n");
  }

  function loadKeySet(text) {
    const info = state.verifier.loadKeySet(text);
    let issuer = "";
    try { issuer = JSON.parse(text).issuer || ""; } catch (_) { /* the core already checked it */ }
    state.keySetText = text;
    state.keySetInfo = { ...info, issuer };
    // Loading keys drops the lists: verify them again with the new keys.
    const texts = [...state.lists.values()].map((l) => l.text);
    state.lists.clear();
    for (const t of texts) {
      try { addStatusList(t); } catch (e) { showError(`状态列表无法用新公钥集验证：${e.message}`); }
    }
    showMaterial();
  }

  function addStatusList(text) {
    const info = state.verifier.addStatusList(text);
    state.lists.set(info.list, { text, info });
    showMaterial();
  }

  function showError(message) {
    $("result").hidden = false;
    const v = $("verdict");
    v.className = "verdict bad";
    v.textContent = message;
    $("warning").hidden = true;
    $("details").textContent = "";
    $("disclosure").textContent = "";
  }

  function fieldTable(caption, rows) {
    const t = el("table", { class: "form" }, el("caption", {}, caption));
    for (const [label, value] of rows) {
      if (value === undefined || value === null || value === "") continue;
      t.append(el("tr", {}, el("th", {}, label), el("td", {}, String(value))));
    }
    return t;
  }

  function showDisclosure(d) {
    const box = $("disclosure");
    box.textContent = "";
    if (!d) return;
    const i = d.identity || {};
    box.append(fieldTable("基本信息", [
      ["姓名", i.name], ["性别", i.gender], ["身份证号", i.id_number_masked], ["学历", i.education_level],
      ["毕业院校", i.school_name], ["院系", i.college], ["专业", i.major_name], ["毕业时间", i.graduation_date],
    ]));
    const s = d.destination || {};
    box.append(fieldTable("毕业去向信息", [
      ["毕业去向", s.name ? `${s.name}（${s.code}）` : ""], ["单位名称", s.employer],
      ["统一社会信用代码", s.employer_credit_code], ["单位所在地", s.employer_region],
      [s.country_region ? "留学院校" : "升学院校", s.school], ["留学国家（地区）", s.country_region],
    ]));
    if (d.archive) {
      const a = d.archive;
      box.append(fieldTable("档案转递信息", [
        ["档案接收单位", a.receiving_unit], ["接收单位地址", a.address], ["邮政编码", a.postal_code],
        ["转递方式", METHOD[a.method] || a.method], ["联系人", a.contact], ["联系电话", a.phone],
        ["转递编号", a.transfer_number], ["邮件号", a.tracking_number],
      ]));
    }
    if (d.hukou) {
      const h = d.hukou;
      box.append(fieldTable("户口迁移信息", h.migrate ? [
        ["是否迁移户口", "是"], ["迁移原因", REASON[h.reason] || h.reason], ["迁入地址", h.address],
        ["迁入地派出所", h.police_station], ["迁入地行政区划", h.region],
      ] : [["是否迁移户口", "否"]]));
    }
  }

  function showVerdict(r) {
    $("result").hidden = false;
    const v = $("verdict");
    v.className = "verdict " + (VERDICT_CLASS[r.verdict] || "bad");
    v.textContent = r.message_zh;
    v.append(el("span", { class: "code" }, `结论：${r.verdict}（代码 ${r.code}）${r.failed_at ? `，未通过的步骤：${STEP_ZH[r.failed_at] || r.failed_at}` : ""}`));
    const warn = $("warning");
    const warnings = [];
    if (r.verdict === "unchecked") warnings.push(`注意：未核对授权状态（是否已撤销或失效）。原因：${r.reason_zh || r.reason}。核对状态之前，请勿据此办理。`);
    if (r.verdict === "valid_offline") warnings.push(`授权状态依据签发方的状态列表，截至 ${cst(r.status_as_of)}；该列表下次更新时间为 ${cst(r.status_next_update)}。`);
    if (r.online_only) warnings.push("此核验码使用 HMAC 签名，只能由签发方在线核验，本页无法离线核验。");
    warn.hidden = warnings.length === 0;
    warn.textContent = warnings.join("\n");
    const details = $("details");
    details.textContent = "";
    const c = r.claims || r;
    if (c.number) {
      details.append(el("div", {}, `核验编号：${c.number}`));
      if (c.expires_at) details.append(el("div", {}, `有效期至：${cst(c.expires_at)}`));
      if (r.claims) details.append(el("div", {}, `签名：${r.claims.algorithm}，密钥 ${r.claims.key_id}，格式 ${r.claims.version}`));
    }
    showDisclosure(r.disclosure);
  }

  function looksLikeNumber(text) {
    const t = text.trim();
    return t.length > 0 && t.length < 40 && !/GR\d\./i.test(t);
  }

  function run(input) {
    const text = (input === undefined ? $("token").value : input).trim();
    if (!text) return;
    if (looksLikeNumber(text)) {
      const n = state.verifier.parseNumber(text);
      const kind = n.kind === "transfer" ? "转递编号" : "核验编号";
      $("result").hidden = false;
      const v = $("verdict");
      v.className = "verdict " + (n.result === "ok" ? "warn" : "bad");
      v.textContent = n.result === "ok" ? `${kind} ${n.number}：须在线核验` : n.message_zh;
      $("warning").hidden = false;
      $("warning").textContent = n.result === "ok"
        ? "只有编号不能证明表格真伪：请在签发方的在线核验服务中输入毕业生姓名和此编号核验，或扫描表上的二维码。"
        : "请对照表上印的编号重新输入。";
      $("details").textContent = "";
      $("disclosure").textContent = "";
      return;
    }
    if (!state.keySetInfo) {
      showError("请先载入签发方公布的公钥集（keyset.json），再核验。");
      return;
    }
    try {
      const r = state.verifier.verify(text, {
        department: $("department").value,
        now: Math.floor(Date.now() / 1000),
        printedNumber: $("printed-number").value.trim() || null,
        name: $("holder-name").value.trim() || null,
      });
      showVerdict(r);
    } catch (e) {
      showError(`无法核验：${e.message}`);
    }
  }

  // QR from a photo: the browser's BarcodeDetector where present, else ZXing-C++ compiled to
  // WebAssembly (zxing-wasm, vendored by web/build.sh; its module is embedded, nothing is
  // fetched). ZXing reads the dense format-2 QR codes from blurred, scaled phone photos, where
  // the pure-JavaScript decoders we tried did not.
  let zxingReady = null;
  function zxing() {
    if (!zxingReady) {
      const Z = window.ZXingWASM;
      const wasmBinary = base64Bytes(window.ZXING_READER_WASM_BASE64).buffer;
      zxingReady = Promise.resolve(Z.prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true })).then(() => Z);
    }
    return zxingReady;
  }

  async function decodeImage(img) {
    if ("BarcodeDetector" in window) {
      try {
        const found = await new window.BarcodeDetector({ formats: ["qr_code"] }).detect(img);
        if (found.length) return found[0].rawValue;
      } catch (_) { /* fall back to ZXing */ }
    }
    const Z = await zxing();
    const w0 = img.naturalWidth || img.width, h0 = img.naturalHeight || img.height;
    // Blurred phone photos: ZXing's default binarizer first, then a fixed threshold, then the
    // photo enlarged twice (more pixels per module for the sampler).
    const attempts = [[1, "LocalAverage"], [1, "FixedThreshold"], [2, "LocalAverage"], [2, "FixedThreshold"]];
    for (const [scale, binarizer] of attempts) {
      const w = Math.round(w0 * scale), h = Math.round(h0 * scale);
      if (w * h > 40e6) continue;
      const canvas = document.createElement("canvas");
      canvas.width = w; canvas.height = h;
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(img, 0, 0, w, h);
      const found = await Z.readBarcodes(ctx.getImageData(0, 0, w, h), { formats: ["QRCode"], tryHarder: true, binarizer, maxNumberOfSymbols: 1 });
      const ok = found.find((r) => r.isValid && r.text);
      if (ok) return ok.text;
    }
    return null;
  }

  async function readPhoto(file) {
    $("photo-status").textContent = "正在识别二维码…";
    const url = URL.createObjectURL(file);
    try {
      const img = new Image();
      img.src = url;
      await img.decode();
      const token = await decodeImage(img);
      if (!token) {
        $("photo-status").textContent = "未能识别二维码，请重拍（对准二维码、保持清晰）或粘贴核验码。";
        return;
      }
      $("photo-status").textContent = "已识别二维码。";
      $("token").value = token;
      run(token);
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  // A token in the page's own address: `#GR2.…`, or the last path segment (the deployment
  // prefix with the token, as a phone camera opens the QR's URL).
  function tokenFromAddress() {
    const hash = decodeURIComponent(location.hash.replace(/^#/, "")).trim();
    if (/^(.*\/)?GR\d\./i.test(hash)) return hash;
    const last = decodeURIComponent(location.pathname.split("/").pop() || "");
    if (/^GR\d\./i.test(last)) return last;
    return null;
  }

  async function fetchText(url) {
    const r = await fetch(url, { cache: "no-store" });
    if (!r.ok) throw new Error(`${url}: ${r.status}`);
    return r.text();
  }

  // When served: `?keyset=…&status=a.txt,b.txt`, else keyset.json and status.txt beside the page.
  async function materialFromAddress() {
    if (location.protocol !== "http:" && location.protocol !== "https:") return;
    const q = new URLSearchParams(location.search);
    const keyset = q.get("keyset");
    const status = q.get("status");
    try {
      loadKeySet(await fetchText(keyset || "keyset.json"));
    } catch (e) {
      if (keyset) showError(`无法载入公钥集：${e.message}`);
      return;
    }
    const lists = status ? status.split(",").filter(Boolean) : ["status.txt"];
    for (const url of lists) {
      try {
        for (const line of (await fetchText(url)).split(/\s+/).filter(Boolean)) addStatusList(line);
      } catch (e) {
        if (status) showError(`无法载入状态列表：${e.message}`);
      }
    }
  }

  async function start() {
    state.verifier = await window.gradreg.load(base64Bytes(window.GRADREG_WASM_BASE64));
    $("keyset-file").addEventListener("change", async (ev) => {
      const f = ev.target.files[0];
      if (!f) return;
      try { loadKeySet(await f.text()); } catch (e) { showError(`公钥集无效：${e.message}`); }
    });
    $("status-files").addEventListener("change", async (ev) => {
      for (const f of ev.target.files) {
        try {
          for (const line of (await f.text()).split(/\s+/).filter(Boolean)) addStatusList(line);
        } catch (e) { showError(`状态列表 ${f.name} 无效：${e.message}`); }
      }
    });
    $("verify").addEventListener("click", () => run());
    $("token").addEventListener("keydown", (ev) => { if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); run(); } });
    $("photo").addEventListener("change", (ev) => { if (ev.target.files[0]) readPhoto(ev.target.files[0]); });
    showMaterial();
    await materialFromAddress();
    const token = tokenFromAddress();
    if (token) {
      $("token").value = token;
      run(token);
    }
    document.body.dataset.ready = "1";
  }

  state.ready = start().catch((e) => showError(`核验程序无法启动：${e.message}`));
  window.gradregPage = { state, run, readPhoto, decodeImage };
})();
