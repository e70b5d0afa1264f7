// Type declarations of gradreg-verifier (gradreg.mjs).

/** The steps of scanned-token verification, in order. */
export type Step =
  | "prefix" | "decoding" | "key_id" | "signature" | "content"
  | "time_window" | "section" | "status" | "holder";

/** Verdict kinds, with their stable codes 0–15. */
export type VerdictKind =
  | "valid" | "expired" | "not_yet_valid" | "revoked" | "superseded" | "no_match"
  | "malformed" | "bad_signature" | "unknown_key" | "wrong_section" | "typo"
  | "rate_limited" | "indeterminate" | "valid_offline" | "unchecked" | "holder_mismatch";

/** Why an authentic token's status was not checked. */
export type UncheckedReason =
  | "no_status_pointer" | "no_status_list" | "stale_status_list"
  | "status_list_not_yet_valid" | "no_such_entry";

/** What a verifying department may see (the core's `Disclosure`, as JSON). */
export interface Disclosure {
  section: "archive" | "hukou";
  identity: Record<string, string>;
  destination: Record<string, string | null>;
  archive?: Record<string, string | null> | null;
  hukou?: Record<string, unknown> | null;
  [field: string]: unknown;
}

/** The signed fields of a token, once its signature has verified. */
export interface Claims {
  version: number;
  algorithm: "ed25519" | "hmac-sha256";
  key_id: number;
  number: string;
  section: "archive" | "hukou";
  issued_at: string;
  expires_at: string;
  digest: string;
  status: { list: number; index: number } | null;
}

/** A verdict: the core's `Verdict` as it serializes, plus what the package adds. */
export interface VerdictResult {
  verdict: VerdictKind;
  /** Stable numeric code of the verdict (0 valid … 15 holder_mismatch). */
  code: number;
  /** What to tell the verifier, in Chinese. */
  message_zh: string;
  /** The step that failed, null when every step passed. */
  failed_at: Step | null;
  /** Each step: "pass", "not_reached" or the verdict it failed with. */
  steps: Record<Step, string>;
  claims: Claims | null;
  embedded_disclosure: boolean | null;
  /** "offline" (held status lists) or "online" (a status answer was given). */
  mode: "offline" | "online";
  /** An HMAC token this verifier has no key for: only the issuer's online service can verify it. */
  online_only: boolean;
  /** valid, valid_offline, unchecked: */
  number?: string;
  expires_at?: string;
  disclosure?: Disclosure | null;
  /** valid_offline, unchecked: */
  status_as_of?: string | null;
  status_next_update?: string | null;
  reason?: UncheckedReason | null;
  /** unchecked: the reason in Chinese. */
  reason_zh?: string | null;
}

/** What an online status source answered, to verify online. */
export interface StatusAnswer {
  status:
    | "active" | "valid" | "active_other_disclosure" | "active_no_disclosure"
    | "revoked" | "superseded" | "expired" | "not_yet_valid" | "unknown" | "unreachable";
  disclosure?: Disclosure | null;
}

export interface VerifyOptions {
  /** "archive_dept" (default) or "hukou_dept"; any other role gets wrong_section. */
  department?: string | Record<string, unknown>;
  /** The verifier's clock: unix seconds or a Date (default: now). */
  now?: number | Date;
  /** The verification number printed on the form. */
  printedNumber?: string | null;
  /** The holder's name. */
  name?: string | null;
  /** The deployment's URL prefix the token must carry. */
  requiredPrefix?: string | null;
  /** Clock tolerance before the issue time, seconds (default 300). */
  leeway?: number;
  /** Absent: offline with the held status lists; given: online with this answer. */
  status?: StatusAnswer | null;
}

export interface KeySetInfo { key_ids: number[] }

export interface StatusListInfo {
  list: number;
  entries: number;
  issued_at: string;
  next_update: string;
  not_in_force: number;
}

export interface ParsedNumber {
  kind: "verification" | "transfer";
  result: "ok" | "typo" | "malformed";
  number: string | null;
  message_zh: string | null;
}

/** An error of the core: `code` (e.g. 311) and `errorName` (e.g. "key_set_invalid"). */
export class GradregError extends Error {
  code: number;
  errorName: string;
}

export class Verifier {
  loadKeySet(json: string | object): KeySetInfo;
  /** TEST ONLY: a key set in test mode, or an array of test vector keys. */
  loadTestKeys(json: string | object | unknown[]): KeySetInfo;
  addStatusList(text: string): StatusListInfo;
  statusEntry(list: number, index: number): "in_force" | "revoked" | "superseded" | null;
  verify(token: string, opts?: VerifyOptions): VerdictResult;
  parseNumber(text: string): ParsedNumber;
  free(): void;
}

export function load(
  source?: ArrayBuffer | ArrayBufferView | WebAssembly.Module | Response | string | URL,
): Promise<Verifier>;
export function parseNumber(text: string): ParsedNumber;
export function isAccepted(verdict: VerdictResult): boolean;
