// gradreg-verifier: the gradreg token verifier (WebAssembly, compiled from the Rust core) for
// browsers, WebViews and Node. One implementation: every verdict comes from the core.
//
// HMAC tokens cannot be verified here: a published key set holds only public (Ed25519) keys,
// so an HMAC-signed token comes out `unknown_key` with `online_only: true`. Verify it online
// with the issuer's service instead.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An error of the core, with its stable numeric code and name (e.g. 311 `key_set_invalid`). */
export class GradregError extends Error {
  constructor(detail) {
    super(detail.message);
    this.name = "GradregError";
    this.code = detail.code;
    this.errorName = detail.name;
  }
}

class Module {
  constructor(instance) {
    this.x = instance.exports;
  }

  // Copies text into the module's memory, runs `f(ptr, len)`, frees it.
  withText(text, f) {
    const bytes = encoder.encode(String(text));
    const ptr = this.x.gr_alloc(bytes.length);
    try {
      new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
      return f(ptr, bytes.length);
    } finally {
      this.x.gr_free(ptr, bytes.length);
    }
  }

  // Reads the answer of the last call; throws a GradregError when the call failed.
  result(rc) {
    const ptr = this.x.gr_result_ptr();
    const len = this.x.gr_result_len();
    const value = JSON.parse(decoder.decode(new Uint8Array(this.x.memory.buffer, ptr, len)));
    if (rc !== 0) throw new GradregError(value.error);
    return value;
  }
}

/** A verifier: the issuer's keys and the signed status lists it holds. */
export class Verifier {
  constructor(module) {
    this.m = module;
    this.handle = module.x.gr_verifier_new();
  }

  /**
   * Loads the issuer's published key set (JSON text or object). Test keys and weak Ed25519
   * keys are refused (305); a malformed set is 311. Drops the status lists held.
   * Returns `{key_ids: [...]}`.
   */
  loadKeySet(json) {
    const text = typeof json === "string" ? json : JSON.stringify(json);
    return this.m.result(this.m.withText(text, (p, n) => this.m.x.gr_load_key_set(this.handle, p, n)));
  }

  /**
   * TEST ONLY (the published test vectors, whose keys are public): a key set read in test
   * mode, or an array of the vectors' `keys` (HMAC secrets included). Never in production.
   */
  loadTestKeys(json) {
    const text = typeof json === "string" ? json : JSON.stringify(json);
    return this.m.result(this.m.withText(text, (p, n) => this.m.x.gr_load_test_keys(this.handle, p, n)));
  }

  /**
   * Verifies a signed status list (`GS1.…`) with the loaded keys and holds it (312 when it
   * does not verify). Returns `{list, entries, issued_at, next_update, not_in_force}`.
   */
  addStatusList(text) {
    return this.m.result(this.m.withText(text, (p, n) => this.m.x.gr_add_status_list(this.handle, p, n)));
  }

  /** The status of one entry of a held list: "in_force", "revoked", "superseded" or null. */
  statusEntry(list, index) {
    return this.m.result(this.m.x.gr_status_entry(this.handle, list >>> 0, index >>> 0));
  }

  /**
   * Verifies a scanned token. `opts`: `{department: "archive_dept" | "hukou_dept", now: unix
   * seconds (default: the clock), printedNumber, name, requiredPrefix, leeway (seconds, 300),
   * status}`. Without `status`: offline, with the held status lists. With `status` (what the
   * issuer's online status service answered: `{status: "active", disclosure}`, `{status:
   * "revoked"}` …): online. Returns the verdict object of the core.
   */
  verify(token, opts = {}) {
    const o = { ...opts };
    if (o.now === undefined || o.now === null) o.now = Math.floor(Date.now() / 1000);
    if (o.now instanceof Date) o.now = Math.floor(o.now.getTime() / 1000);
    for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
    const optsText = JSON.stringify(o);
    const rc = this.m.withText(token, (tp, tn) =>
      this.m.withText(optsText, (op, on) => this.m.x.gr_verify(this.handle, tp, tn, op, on)),
    );
    return this.m.result(rc);
  }

  /** Parses a typed verification or transfer number (see the module-level `parseNumber`). */
  parseNumber(text) {
    return parseWith(this.m, text);
  }

  /** Frees the verifier's memory in the module. */
  free() {
    this.m.x.gr_verifier_free(this.handle);
    this.handle = 0;
  }
}

function parseWith(m, text) {
  return m.result(m.withText(text, (p, n) => m.x.gr_parse_number(p, n)));
}

let lastModule = null;

/**
 * Loads the WebAssembly module: `source` is its bytes (ArrayBuffer, typed array), a
 * `WebAssembly.Module`, a `Response`, or a URL to fetch (default: `gradreg.wasm` beside this
 * file). Returns a new `Verifier`; `verifier.parseNumber` and `parseNumber` then work.
 */
export async function load(source) {
  if (source === undefined) source = new URL("./gradreg.wasm", import.meta.url);
  let instance;
  if (source instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(source, {});
  } else {
    if (typeof source === "string" || source instanceof URL) source = await fetch(source);
    if (typeof Response !== "undefined" && source instanceof Response) {
      if (!source.ok) throw new Error(`gradreg: cannot fetch the module (${source.status})`);
      source = await source.arrayBuffer();
    }
    instance = (await WebAssembly.instantiate(source, {})).instance;
  }
  lastModule = new Module(instance);
  return new Verifier(lastModule);
}

/**
 * Parses what a person typed: `{kind: "verification" | "transfer", result: "ok" | "typo" |
 * "malformed", number, message_zh}`. Needs `load` first. A number alone proves nothing: check
 * it online with the issuer's service (name and number).
 */
export function parseNumber(text) {
  if (!lastModule) throw new Error("gradreg: call load() first");
  return parseWith(lastModule, text);
}

/** Whether a verdict lets the form be accepted: `valid` (online) or `valid_offline`. */
export function isAccepted(verdict) {
  return verdict.verdict === "valid" || verdict.verdict === "valid_offline";
}
