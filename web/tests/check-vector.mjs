// Runs one published test vector (docs/vectors/*.json) through the package and lists what
// differs from its expected outcome (an empty list: it passes). Used inside Chromium by
// browser.test.mjs, and by Node for a quick check.

const same = (a, b) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v === undefined ? null : v;
}

function errorName(f) {
  try {
    f();
    return "ok";
  } catch (e) {
    return e.errorName ?? `exception: ${e.message}`;
  }
}

/** `load` is the package's `load` bound to the module bytes; `parseNumber` is the package's. */
export async function checkVector(v, { newVerifier, parseNumber }) {
  const bad = [];
  const expect = (what, got, want) => {
    if (!same(got, want)) bad.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  switch (v.kind) {
    case "token": {
      const verifier = await newVerifier();
      const opts = {
        department: v.verifier_department,
        now: v.now_unix,
        printedNumber: v.printed_number,
        name: v.holder_name,
        requiredPrefix: v.required_prefix,
        leeway: v.leeway_seconds,
      };
      if (v.status_mode === "online") {
        verifier.loadTestKeys(v.keys);
        opts.status = { status: v.status, disclosure: v.status_disclosure };
      } else {
        verifier.loadTestKeys(v.key_set);
        for (const l of v.status_lists) verifier.addStatusList(l);
      }
      const r = verifier.verify(v.token, opts);
      expect("verdict", r.verdict, v.verdict);
      expect("code", r.code, v.verdict_code);
      expect("steps", r.steps, v.steps);
      expect("claims", r.claims, v.claims);
      expect("embedded_disclosure", r.embedded_disclosure, v.embedded_disclosure);
      expect("disclosure", r.disclosure ?? null, v.disclosure);
      expect("status_as_of", r.status_as_of ?? null, v.status_as_of);
      expect("status_next_update", r.status_next_update ?? null, v.status_next_update);
      expect("unchecked_reason", r.reason ?? null, v.unchecked_reason);
      verifier.free();
      break;
    }
    case "number": {
      const r = parseNumber(v.input);
      expect("kind", r.kind, v.number_kind);
      expect("result", r.result, v.result);
      expect("parsed", r.number, v.parsed);
      break;
    }
    case "key_set": {
      const verifier = await newVerifier();
      let ids = null;
      const result = errorName(() => {
        const r = v.mode === "production" ? verifier.loadKeySet(v.key_set_text) : verifier.loadTestKeys(v.key_set_text);
        ids = r.key_ids;
      });
      expect("result", result, v.result);
      if (result === "ok") expect("key_ids", ids, v.key_ids);
      verifier.free();
      break;
    }
    case "status_list": {
      const verifier = await newVerifier();
      verifier.loadTestKeys(v.key_set);
      let info = null;
      const result = errorName(() => {
        info = verifier.addStatusList(v.status_list_text);
      });
      expect("result", result, v.result);
      if (result === "ok") {
        expect("list", info.list, v.list);
        expect("entries", info.entries, v.entries);
        expect("issued_at", info.issued_at, v.issued_at);
        expect("next_update", info.next_update, v.next_update);
        for (const [i, status] of v.probe) expect(`entry ${i}`, verifier.statusEntry(v.list, i), status);
      }
      verifier.free();
      break;
    }
    default:
      bad.push(`unknown kind ${v.kind}`);
  }
  return bad;
}
