//! The verifier behind the exports, in plain Rust over JSON text (so it is tested natively as
//! well as in the browser). Everything it answers is JSON; every failure is a typed
//! [`gradreg::Error`] with its stable code.

use chrono::{DateTime, Duration, Utc};
use gradreg::codes::keyring::{Algorithm, Key, KeyId, KeyRing};
use gradreg::codes::keyset::KeySet;
use gradreg::codes::status_list::{StatusList, StatusLists};
use gradreg::codes::token::{base32_decode, split_prefix, trim_scanned};
use gradreg::codes::verify::{
    verify_token_with, StatusAnswer, StatusCheck, StatusSource, Unavailable,
};
use gradreg::{
    Actor, AuthStatus, Disclosure, Error, ScanOptions, Section, Step, TransferNumber, Verdict,
    VerdictKind, VerificationNumber,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// The result of an export: JSON on success, a typed error otherwise.
pub type ApiResult = Result<Value, Error>;

/// The JSON of an error: `{"error":{"code":311,"name":"key_set_invalid","message":"…"}}`.
pub fn error_json(e: &Error) -> Value {
    json!({"error": {"code": e.code() as u32, "name": e.code().name(), "message": e.to_string()}})
}

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidArgument(message.into())
}

/// One verifier: a key ring (from a published key set, or test keys) and the signed status
/// lists it holds.
#[derive(Default)]
pub struct Verifier {
    ring: Option<KeyRing>,
    lists: StatusLists,
}

impl Verifier {
    /// A verifier with no keys and no status lists.
    pub fn new() -> Self {
        Verifier::default()
    }

    fn set_ring(&mut self, ring: KeyRing) -> Value {
        let ids: Vec<u32> = ring.ids().map(|k| k.0).collect();
        self.ring = Some(ring);
        // Lists were verified with the previous keys: they go with them.
        self.lists = StatusLists::new();
        json!({ "key_ids": ids })
    }

    /// Loads the issuer's published key set (production: test keys, small-order and
    /// non-canonical Ed25519 keys are refused, 305; a malformed set is 311). Replaces any keys
    /// and drops the status lists held. Answers `{"key_ids":[…]}`.
    pub fn load_key_set(&mut self, text: &str) -> ApiResult {
        let ring = KeySet::from_json(text)?.ring()?;
        Ok(self.set_ring(ring))
    }

    /// TEST ONLY (the published test vectors): loads a key set in test mode, or, when the text
    /// is a JSON array, the vectors' `keys` (`{"kid","algorithm","public_hex"|"secret_hex"}`,
    /// HMAC secrets included). Answers `{"key_ids":[…]}`.
    pub fn load_test_keys(&mut self, text: &str) -> ApiResult {
        let value: Value = serde_json::from_str(text).map_err(|e| invalid(format!("keys: {e}")))?;
        let ring = match value {
            Value::Array(keys) => ring_of_test_keys(&keys)?,
            _ => KeySet::from_json(text)?.ring_test_mode()?,
        };
        Ok(self.set_ring(ring))
    }

    fn ring(&self) -> Result<&KeyRing, Error> {
        self.ring
            .as_ref()
            .ok_or_else(|| invalid("no key set loaded: load the issuer's key set first"))
    }

    /// Verifies a signed status list (`GS1.…`) with the loaded keys and holds it (replacing a
    /// list with the same id). Answers `{"list","entries","issued_at","next_update",
    /// "not_in_force"}`; a list that does not verify is 312.
    pub fn add_status_list(&mut self, text: &str) -> ApiResult {
        let list = StatusList::decode(text.trim(), self.ring()?)?;
        let info = json!({
            "list": list.id(),
            "entries": list.len(),
            "issued_at": list.issued_at(),
            "next_update": list.next_update(),
            "not_in_force": list.count_not_in_force(),
        });
        self.lists.add(list);
        Ok(info)
    }

    /// The status of one entry of a held list: `"in_force"`, `"revoked"`, `"superseded"`, or
    /// null when there is no such list or entry.
    pub fn status_entry(&self, list: u32, index: u32) -> Value {
        json!(self.lists.get(list).and_then(|l| l.get(index)))
    }

    /// Verifies a scanned token. `opts_json`: see [`VerifyOptions`]. Offline with the held
    /// status lists, or online when the options carry a status source's answer. Answers the
    /// verdict as the core serializes it plus `code`, `message_zh`, `failed_at`, `steps`,
    /// `claims`, `mode`, `embedded_disclosure`, `reason_zh` (unchecked) and `online_only`
    /// (an HMAC token this verifier holds no key for: only the issuer's online service can
    /// check it).
    pub fn verify(&self, token: &str, opts_json: &str) -> ApiResult {
        let opts: VerifyOptions = serde_json::from_str(if opts_json.trim().is_empty() {
            "{}"
        } else {
            opts_json
        })
        .map_err(|e| invalid(format!("options: {e}")))?;
        let ring = self.ring()?;
        let now = DateTime::from_timestamp(opts.now, 0)
            .ok_or_else(|| invalid(format!("now {} is out of range", opts.now)))?;
        let verifier = department(&opts.department)?;
        let scan = ScanOptions {
            required_prefix: opts.required_prefix.filter(|p| !p.is_empty()),
            leeway: match opts.leeway {
                Some(s) => Duration::try_seconds(s)
                    .filter(|d| *d >= Duration::zero())
                    .ok_or_else(|| invalid(format!("leeway {s} is out of range")))?,
                None => ScanOptions::default().leeway,
            },
            printed_number: match opts.printed_number.as_deref().map(str::trim) {
                Some(n) if !n.is_empty() => Some(VerificationNumber::parse(n)?),
                _ => None,
            },
            holder_name: opts
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
        };
        let source = opts.status.map(AnswerSource::try_from).transpose()?;
        let (outcome, mode) = match &source {
            Some(s) => (
                verify_token_with(token, ring, &verifier, now, StatusCheck::Online(s), &scan),
                "online",
            ),
            None => (
                verify_token_with(
                    token,
                    ring,
                    &verifier,
                    now,
                    StatusCheck::Offline(&self.lists),
                    &scan,
                ),
                "offline",
            ),
        };
        let mut value =
            serde_json::to_value(&outcome.verdict).map_err(|e| invalid(format!("verdict: {e}")))?;
        let Value::Object(map) = &mut value else {
            return Err(invalid("verdict is not an object"));
        };
        let kind = outcome.verdict.kind();
        map.insert("code".into(), json!(kind.code()));
        map.insert("message_zh".into(), json!(kind.message_zh()));
        map.insert(
            "failed_at".into(),
            json!(outcome.failed_at.map(|s| s.as_str())),
        );
        let mut steps = Map::new();
        for (step, result) in outcome.steps() {
            let r = match result {
                Some(Ok(())) => "pass",
                Some(Err(k)) => k.as_str(),
                None => "not_reached",
            };
            steps.insert(step.as_str().into(), json!(r));
        }
        map.insert("steps".into(), Value::Object(steps));
        let claims = match &outcome.token {
            Some(t) => serde_json::to_value(&t.claims).map_err(|e| invalid(e.to_string()))?,
            None => Value::Null,
        };
        map.insert("claims".into(), claims);
        map.insert(
            "embedded_disclosure".into(),
            json!(outcome.token.as_ref().map(|t| t.disclosure.is_some())),
        );
        map.insert("mode".into(), json!(mode));
        if let Verdict::Unchecked(f) = &outcome.verdict {
            map.insert("reason_zh".into(), json!(f.reason.map(|r| r.message_zh())));
        }
        let online_only = kind == VerdictKind::UnknownKey
            && outcome.failed_at == Some(Step::KeyId)
            && token_algorithm(token) == Some(Algorithm::HmacSha256);
        map.insert("online_only".into(), json!(online_only));
        Ok(value)
    }
}

/// The algorithm byte of a token, read without trusting anything else in it.
fn token_algorithm(token: &str) -> Option<Algorithm> {
    let (_, rest) = split_prefix(trim_scanned(token));
    let body = rest
        .strip_prefix("GR1.")
        .or_else(|| rest.strip_prefix("GR2."))?;
    let bytes = base32_decode(body)?;
    bytes.get(1).and_then(|&b| Algorithm::from_byte(b))
}

fn hex32(k: &Value, field: &str) -> Result<[u8; 32], Error> {
    let h = k[field]
        .as_str()
        .ok_or_else(|| invalid(format!("key: {field} is missing")))?;
    let mut out = [0u8; 32];
    if h.len() != 64 || !h.is_ascii() {
        return Err(invalid(format!("key: {field} is not 64 hex digits")));
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&h[2 * i..2 * i + 2], 16)
            .map_err(|_| invalid(format!("key: {field} is not hex")))?;
    }
    Ok(out)
}

fn ring_of_test_keys(keys: &[Value]) -> Result<KeyRing, Error> {
    let mut ring = KeyRing::test_mode();
    for k in keys {
        let id = k["kid"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .map(KeyId)
            .ok_or_else(|| invalid("key: kid is not a u32"))?;
        let key = match k["algorithm"].as_str() {
            Some("ed25519") => Key::ed25519_public(id, &hex32(k, "public_hex")?)?,
            Some("hmac-sha256") => Key::hmac(id, &hex32(k, "secret_hex")?),
            other => return Err(invalid(format!("key: algorithm {other:?}"))),
        };
        ring.add_retired(key.mark_test())?;
    }
    Ok(ring)
}

/// The options of [`Verifier::verify`], in JSON (camelCase):
/// `{"department":"archive_dept","now":1780003600,"printedNumber":null,"name":null,
/// "requiredPrefix":null,"leeway":300,"status":null}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyOptions {
    /// `"archive_dept"`, `"hukou_dept"`, any other role name (not a verifying department:
    /// every token is `wrong_section`), or an actor object as the core serializes it.
    #[serde(default = "default_department")]
    pub department: Value,
    /// The verifier's clock, seconds since 1970-01-01T00:00:00Z.
    pub now: i64,
    /// The verification number printed on the form, when read.
    #[serde(default)]
    pub printed_number: Option<String>,
    /// The holder's name, when given.
    #[serde(default)]
    pub name: Option<String>,
    /// The deployment's URL prefix the token must carry (ASCII case does not matter).
    #[serde(default)]
    pub required_prefix: Option<String>,
    /// Clock tolerance before the issue time, seconds (300 when absent).
    #[serde(default)]
    pub leeway: Option<i64>,
    /// What an online status source answered; absent: offline, with the held status lists.
    #[serde(default)]
    pub status: Option<StatusAnswerJson>,
}

fn default_department() -> Value {
    json!("archive_dept")
}

/// What an online status source answered: `{"status":"active","disclosure":{…}}`. Statuses:
/// `active` (or `valid`, `active_other_disclosure`, `active_no_disclosure`: in force, with the
/// disclosure given if any), `revoked`, `superseded`, `expired`, `not_yet_valid`, `unknown`
/// (no such authorization), `unreachable`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusAnswerJson {
    /// The status.
    pub status: String,
    /// The current disclosure of the verifier's section, when in force.
    #[serde(default)]
    pub disclosure: Option<Disclosure>,
}

struct AnswerSource(Result<StatusAnswer, Unavailable>);

impl TryFrom<StatusAnswerJson> for AnswerSource {
    type Error = Error;
    fn try_from(a: StatusAnswerJson) -> Result<Self, Error> {
        let known = |status| {
            Ok(StatusAnswer::Known {
                status,
                disclosure: None,
            })
        };
        Ok(AnswerSource(match a.status.as_str() {
            "active" | "valid" | "active_other_disclosure" | "active_no_disclosure" => {
                Ok(StatusAnswer::Known {
                    status: AuthStatus::Valid,
                    disclosure: a.disclosure.map(Box::new),
                })
            }
            "revoked" => known(AuthStatus::Revoked),
            "superseded" => known(AuthStatus::Superseded),
            "expired" => known(AuthStatus::Expired),
            "not_yet_valid" => known(AuthStatus::NotYetValid),
            "unknown" => Ok(StatusAnswer::Unknown),
            "unreachable" => Err(Unavailable),
            other => return Err(invalid(format!("status {other:?}"))),
        }))
    }
}

impl StatusSource for AnswerSource {
    fn status(
        &self,
        _: &VerificationNumber,
        _: Section,
        _: DateTime<Utc>,
    ) -> Result<StatusAnswer, Unavailable> {
        self.0.clone()
    }
}

fn department(v: &Value) -> Result<Actor, Error> {
    let id = "web-verifier".to_string();
    match v {
        Value::String(s) => match s.as_str() {
            "archive_dept" | "archive" => Ok(Actor::ArchiveDept {
                id,
                name: String::new(),
            }),
            "hukou_dept" | "hukou" => Ok(Actor::HukouDept {
                id,
                name: String::new(),
            }),
            "school_office" => Ok(Actor::SchoolOffice {
                id,
                school: String::new(),
            }),
            "provincial_platform" => Ok(Actor::ProvincialPlatform { id }),
            other => Err(invalid(format!(
                "department {other:?} (archive_dept or hukou_dept)"
            ))),
        },
        other => {
            serde_json::from_value(other.clone()).map_err(|e| invalid(format!("department: {e}")))
        }
    }
}

/// Parses what a person typed: a verification number (`XXXX-XXXX-XXXX-XXXX`; case, spaces,
/// hyphens and the look-alikes i, l, o are folded) or a transfer number (`ZD` and 14 symbols).
/// Answers `{"kind":"verification"|"transfer","result":"ok"|"typo"|"malformed","number":…,
/// "message_zh":…}`.
pub fn parse_number(text: &str) -> Value {
    let (kind, parsed) = if TransferNumber::looks_like(text) {
        (
            "transfer",
            TransferNumber::parse(text).map(|n| n.to_string()),
        )
    } else {
        (
            "verification",
            VerificationNumber::parse(text).map(|n| n.to_string()),
        )
    };
    match parsed {
        Ok(n) => json!({"kind": kind, "result": "ok", "number": n, "message_zh": null}),
        Err(Error::NumberTypo | Error::TransferNumberTypo) => json!({
            "kind": kind, "result": "typo", "number": null,
            "message_zh": VerdictKind::Typo.message_zh(),
        }),
        Err(_) => json!({
            "kind": kind, "result": "malformed", "number": null,
            "message_zh": VerdictKind::Malformed.message_zh(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(name: &str) -> Value {
        let path = format!(
            "{}/../../docs/vectors/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("vector file");
        serde_json::from_str(&text).expect("vector JSON")
    }

    fn offline_verifier(v: &Value) -> Verifier {
        let mut verifier = Verifier::new();
        verifier
            .load_test_keys(&v["key_set"].to_string())
            .expect("test key set");
        for l in v["status_lists"].as_array().expect("lists") {
            verifier
                .add_status_list(l.as_str().expect("text"))
                .expect("list");
        }
        verifier
    }

    fn opts(v: &Value, extra: Value) -> String {
        let mut o = json!({
            "department": v["verifier_department"],
            "now": v["now_unix"],
            "leeway": v["leeway_seconds"],
        });
        if let (Value::Object(o), Value::Object(extra)) = (&mut o, extra) {
            o.extend(extra);
        }
        o.to_string()
    }

    #[test]
    fn offline_vector_gives_valid_offline_with_steps_claims_and_findings() {
        let v = vector("format2-valid-offline");
        let r = offline_verifier(&v)
            .verify(v["token"].as_str().expect("token"), &opts(&v, json!({})))
            .expect("verdict");
        assert_eq!(r["verdict"], "valid_offline");
        assert_eq!(r["code"], 13);
        assert_eq!(r["message_zh"], VerdictKind::ValidOffline.message_zh());
        assert_eq!(r["failed_at"], Value::Null);
        assert_eq!(r["steps"], v["steps"]);
        assert_eq!(r["claims"], v["claims"]);
        assert_eq!(r["disclosure"], v["disclosure"]);
        assert_eq!(r["status_as_of"], v["status_as_of"]);
        assert_eq!(r["mode"], "offline");
        assert_eq!(r["online_only"], false);
    }

    #[test]
    fn holder_options_reach_the_core() {
        let v = vector("format2-valid-offline");
        let verifier = offline_verifier(&v);
        let token = v["token"].as_str().expect("token");
        let r = verifier
            .verify(token, &opts(&v, json!({"name": "李华"})))
            .expect("verdict");
        assert_eq!(r["verdict"], "holder_mismatch");
        assert_eq!(r["failed_at"], "holder");
        let r = verifier
            .verify(
                token,
                &opts(&v, json!({"printedNumber": "9d5m pjtb 9d5m pjtm"})),
            )
            .expect("verdict");
        assert_eq!(r["verdict"], "valid_offline");
        let e = verifier
            .verify(
                token,
                &opts(&v, json!({"printedNumber": "9D5M-PJTB-9D5N-PJTM"})),
            )
            .expect_err("typo in the printed number");
        assert_eq!(e.code().name(), "number_typo");
    }

    #[test]
    fn no_list_is_unchecked_with_the_reason_in_chinese() {
        let v = vector("format2-valid-offline");
        let mut verifier = Verifier::new();
        verifier
            .load_test_keys(&v["key_set"].to_string())
            .expect("keys");
        let r = verifier
            .verify(v["token"].as_str().expect("token"), &opts(&v, json!({})))
            .expect("verdict");
        assert_eq!(r["verdict"], "unchecked");
        assert_eq!(r["reason"], "no_status_list");
        assert_eq!(
            r["reason_zh"],
            gradreg::UncheckedReason::NoStatusList.message_zh()
        );
    }

    #[test]
    fn online_answers_decide_the_status() {
        let v = vector("valid-hmac");
        let mut verifier = Verifier::new();
        verifier
            .load_test_keys(&v["keys"].to_string())
            .expect("keys");
        let token = v["token"].as_str().expect("token");
        let active = json!({"status": {"status": "active", "disclosure": v["status_disclosure"]}});
        let r = verifier.verify(token, &opts(&v, active)).expect("verdict");
        assert_eq!(r["verdict"], "valid");
        assert_eq!(r["mode"], "online");
        assert_eq!(r["disclosure"], v["disclosure"]);
        for (status, verdict) in [
            ("revoked", "revoked"),
            ("unknown", "no_match"),
            ("unreachable", "indeterminate"),
        ] {
            let r = verifier
                .verify(token, &opts(&v, json!({"status": {"status": status}})))
                .expect("verdict");
            assert_eq!(r["verdict"], verdict, "{status}");
        }
        let e = verifier
            .verify(token, &opts(&v, json!({"status": {"status": "maybe"}})))
            .expect_err("unknown status");
        assert!(matches!(e, Error::InvalidArgument(_)));
    }

    #[test]
    fn an_hmac_token_without_its_key_is_unknown_key_and_online_only() {
        let hmac = vector("valid-hmac");
        let ed = vector("format2-valid-offline");
        let verifier = offline_verifier(&ed);
        let r = verifier
            .verify(
                hmac["token"].as_str().expect("token"),
                &opts(&hmac, json!({})),
            )
            .expect("verdict");
        assert_eq!(r["verdict"], "unknown_key");
        assert_eq!(r["online_only"], true);
        // An Ed25519 token signed by a key not in the set is not "online only".
        let missing = vector("format2-key-not-in-set");
        let mut v2 = Verifier::new();
        v2.load_test_keys(&missing["key_set"].to_string())
            .expect("keys");
        let r = v2
            .verify(
                missing["token"].as_str().expect("token"),
                &opts(&missing, json!({})),
            )
            .expect("verdict");
        assert_eq!(r["verdict"], "unknown_key");
        assert_eq!(r["online_only"], false);
    }

    #[test]
    fn production_refuses_test_keys_and_malformed_sets() {
        let mut verifier = Verifier::new();
        let v = vector("key-set-test-key-in-production");
        let e = verifier
            .load_key_set(v["key_set_text"].as_str().expect("text"))
            .expect_err("test key refused");
        assert_eq!(e.code() as u32, 305);
        assert_eq!(error_json(&e)["error"]["code"], 305);
        let e = verifier.load_key_set("{").expect_err("not JSON");
        assert_eq!(e.code() as u32, 311);
        let ok = vector("key-set-valid");
        let r = verifier
            .load_key_set(ok["key_set_text"].as_str().expect("text"))
            .expect("valid set");
        assert_eq!(r["key_ids"], json!([2, 3]));
    }

    #[test]
    fn a_list_that_does_not_verify_is_refused_and_entries_are_probed() {
        let bad = vector("status-list-flipped-signature-bit");
        let mut verifier = Verifier::new();
        verifier
            .load_test_keys(&bad["key_set"].to_string())
            .expect("keys");
        let e = verifier
            .add_status_list(bad["status_list_text"].as_str().expect("text"))
            .expect_err("refused");
        assert_eq!(e.code() as u32, 312);
        let good = vector("status-list-valid");
        let info = verifier
            .add_status_list(good["status_list_text"].as_str().expect("text"))
            .expect("list");
        assert_eq!(info["entries"], good["entries"]);
        for p in good["probe"].as_array().expect("probe") {
            let i = p[0].as_u64().expect("index") as u32;
            assert_eq!(verifier.status_entry(7, i), p[1]);
        }
        assert_eq!(verifier.status_entry(8, 0), Value::Null);
    }

    #[test]
    fn bad_calls_are_typed_errors() {
        let v = vector("format2-valid-offline");
        let token = v["token"].as_str().expect("token");
        let e = Verifier::new()
            .verify(token, &opts(&v, json!({})))
            .expect_err("no keys");
        assert!(matches!(e, Error::InvalidArgument(_)));
        let verifier = offline_verifier(&v);
        for bad in [
            "{",
            r#"{"now": 1, "colour": "red"}"#,
            r#"{"department": "archive_dept"}"#,
            r#"{"now": 1, "department": "police"}"#,
            r#"{"now": 1, "leeway": -5}"#,
        ] {
            assert!(
                matches!(verifier.verify(token, bad), Err(Error::InvalidArgument(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn numbers_parse_as_the_vectors_say() {
        for name in [
            "number-verification-valid",
            "number-verification-typed-loosely",
            "number-verification-typo",
            "number-transfer-valid",
            "number-transfer-malformed",
        ] {
            let v = vector(name);
            let r = parse_number(v["input"].as_str().expect("input"));
            assert_eq!(r["kind"], v["number_kind"], "{name}");
            assert_eq!(r["result"], v["result"], "{name}");
            assert_eq!(r["number"], v["parsed"], "{name}");
        }
    }
}
