//! Builds the published token test vectors (`docs/vectors/*.json`). Used by the
//! `make_vectors` example, which writes them, and by `core/tests/vectors.rs`, which checks that
//! the files are current.
//!
//! Each case states its expected outcome by hand (the step that fails and the verdict); the
//! builder also runs the implementation and refuses to emit a vector it disagrees with.

use chrono::{DateTime, Duration, Utc};
use gradreg::codes::token::{base32_decode, base32_encode, hex, split_prefix};
use gradreg::{
    issue_token, sample, verify_token, Actor, AuthStatus, CodeTables, Disclosure, IssueOptions,
    Key, KeyId, KeyRing, Masking, ScanOptions, Section, StatusAnswer, StatusSource, Step,
    Unavailable, VerdictKind, VerificationNumber,
};
use serde_json::{json, Value};

/// Issue instant of every vector token: 2026-05-28T20:26:40Z.
pub const ISSUED: i64 = 1_780_000_000;
/// Validity of every vector token.
pub const VALIDITY_DAYS: i64 = 30;
/// Leeway before the issue time used by every vector.
pub const LEEWAY: i64 = 300;

/// The HMAC test key: bytes 0x00, 0x01, …, 0x1f.
pub fn hmac_secret() -> [u8; 32] {
    std::array::from_fn(|i| i as u8)
}

/// Another HMAC test key, for "wrong key": bytes 0x1f, 0x1e, …, 0x00.
pub fn other_secret() -> [u8; 32] {
    std::array::from_fn(|i| 31 - i as u8)
}

/// The Ed25519 test seed: bytes 0xa0, 0xa1, …, 0xbf.
pub fn ed_seed() -> [u8; 32] {
    std::array::from_fn(|i| 0xa0 + i as u8)
}

/// How the vector's status source answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// In force; supplies the vector's disclosure.
    Active,
    /// Revoked.
    Revoked,
    /// Superseded.
    Superseded,
    /// No such authorization.
    Unknown,
    /// Cannot be reached.
    Unreachable,
}

impl Status {
    /// The name in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Revoked => "revoked",
            Status::Superseded => "superseded",
            Status::Unknown => "unknown",
            Status::Unreachable => "unreachable",
        }
    }

    /// From the name in the JSON.
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Active,
            Status::Revoked,
            Status::Superseded,
            Status::Unknown,
            Status::Unreachable,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A status source answering as a vector says.
pub struct VectorStatus {
    /// The answer.
    pub status: Status,
    /// The disclosure supplied when active.
    pub disclosure: Disclosure,
}

impl StatusSource for VectorStatus {
    fn status(
        &self,
        _: &VerificationNumber,
        _: Section,
        _: DateTime<Utc>,
    ) -> Result<StatusAnswer, Unavailable> {
        let known = |status| StatusAnswer::Known {
            status,
            disclosure: None,
        };
        match self.status {
            Status::Active => Ok(StatusAnswer::Known {
                status: AuthStatus::Valid,
                disclosure: Some(Box::new(self.disclosure.clone())),
            }),
            Status::Revoked => Ok(known(AuthStatus::Revoked)),
            Status::Superseded => Ok(known(AuthStatus::Superseded)),
            Status::Unknown => Ok(StatusAnswer::Unknown),
            Status::Unreachable => Err(Unavailable),
        }
    }
}

/// The department actor named in a vector.
pub fn department(name: &str) -> Actor {
    match name {
        "hukou_dept" => Actor::HukouDept {
            id: "vector-hukou".into(),
            name: "测试户籍部门".into(),
        },
        _ => Actor::ArchiveDept {
            id: "vector-archive".into(),
            name: "测试档案部门".into(),
        },
    }
}

/// The key ring a vector's `keys` describe (test mode; Ed25519 from the public key alone).
pub fn ring_from_json(keys: &Value) -> KeyRing {
    let mut ring = KeyRing::test_mode();
    for k in keys.as_array().into_iter().flatten() {
        let id = KeyId(
            k["kid"]
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0),
        );
        let bytes = |field: &str| -> [u8; 32] {
            let h = k[field].as_str().unwrap_or("");
            let mut out = [0u8; 32];
            for (i, o) in out.iter_mut().enumerate() {
                *o = h
                    .get(2 * i..2 * i + 2)
                    .and_then(|b| u8::from_str_radix(b, 16).ok())
                    .unwrap_or(0);
            }
            out
        };
        let key = match k["algorithm"].as_str() {
            Some("ed25519") => Key::ed25519_public(id, &bytes("public_hex")).expect("public key"),
            _ => Key::hmac(id, &bytes("secret_hex")),
        };
        ring.add_retired(key.mark_test()).expect("vector key");
    }
    ring
}

fn hmac_key_json(kid: u32, secret: &[u8; 32]) -> Value {
    json!({"kid": kid, "algorithm": "hmac-sha256", "secret_hex": hex(secret), "test": true})
}

fn ed_key_json(kid: u32, seed: &[u8; 32]) -> Value {
    let public = Key::ed25519_signing(KeyId(kid), seed)
        .ed25519_public_bytes()
        .expect("ed25519");
    json!({"kid": kid, "algorithm": "ed25519", "seed_hex": hex(seed), "public_hex": hex(&public), "test": true})
}

fn signing_ring(key: Key) -> KeyRing {
    let mut r = KeyRing::test_mode();
    r.add_active(key.mark_test()).expect("test key");
    r
}

/// Re-encodes a token after changing its decoded bytes.
fn mutate(token: &str, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let (prefix, rest) = split_prefix(token);
    let mut bytes = base32_decode(&rest[4..]).expect("own token");
    f(&mut bytes);
    format!("{prefix}GR1.{}", base32_encode(&bytes))
}

/// Sets the lowest (unused) bit of the last base32 character: same bytes, non-canonical text.
fn flip_unused_bit(token: &str) -> String {
    const B32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut s = token.to_string();
    let last = s.pop().and_then(|c| B32.find(c)).unwrap_or(0);
    s.push(char::from(B32.as_bytes()[last ^ 1]));
    s
}

struct Case {
    name: &'static str,
    description: &'static str,
    token: String,
    keys: Value,
    now: i64,
    department: &'static str,
    status: Status,
    required_prefix: Option<&'static str>,
    /// The step that fails and its verdict; `None` for valid.
    fails: Option<(Step, VerdictKind)>,
}

/// Every vector, as (file stem, JSON), in a fixed order.
pub fn vectors() -> Vec<(String, Value)> {
    let issued = DateTime::from_timestamp(ISSUED, 0).expect("time");
    let reg =
        sample::authorized_registration("vector", issued, VALIDITY_DAYS as u32, [0x5a; 16], None)
            .expect("sample registration");
    let auth = &reg.authorizations[0];
    let disc = |s| {
        Disclosure::build(&reg, auth, s, CodeTables::builtin(), Masking::default())
            .expect("disclosure")
    };
    let (archive, hukou) = (disc(Section::Archive), disc(Section::Hukou));
    let hmac = signing_ring(Key::hmac(KeyId(1), &hmac_secret()));
    let ed = signing_ring(Key::ed25519_signing(KeyId(2), &ed_seed()));
    let unknown_kid = signing_ring(Key::hmac(KeyId(5), &hmac_secret()));
    let tok = |ring: &KeyRing, d: &Disclosure, embed: bool, prefix: &str| {
        issue_token(
            ring,
            auth,
            d,
            &IssueOptions {
                prefix: prefix.into(),
                embed_disclosure: embed,
                ..IssueOptions::default()
            },
        )
        .expect("issue")
    };
    let hmac_keys = json!([hmac_key_json(1, &hmac_secret())]);
    let ed_keys = json!([ed_key_json(2, &ed_seed())]);
    let base = tok(&hmac, &archive, false, "");
    let ed_tok = tok(&ed, &hukou, true, "");
    let now = ISSUED + 3600;
    let expires = ISSUED + VALIDITY_DAYS * 86_400;
    let mk = |name, description, token: &String, keys: &Value, status, fails| Case {
        name,
        description,
        token: token.clone(),
        keys: keys.clone(),
        now,
        department: "archive_dept",
        status,
        required_prefix: None,
        fails,
    };
    use Status::*;
    use Step as S;
    use VerdictKind as V;
    let mut cases = vec![
        mk("valid-hmac", "HMAC-SHA256, archive section, disclosure not embedded (the status source supplies it)", &base, &hmac_keys, Active, None),
        Case {
            department: "hukou_dept",
            ..mk("valid-ed25519", "Ed25519, hukou section, disclosure embedded; verified with the public key alone", &ed_tok, &ed_keys, Active, None)
        },
        Case {
            required_prefix: Some("HTTPS://VERIFY.EXAMPLE.CN/V/"),
            ..mk("valid-hmac-url-prefix-embedded", "HMAC-SHA256 with a deployment URL prefix and the disclosure embedded", &tok(&hmac, &archive, true, "HTTPS://VERIFY.EXAMPLE.CN/V/"), &hmac_keys, Active, None)
        },
        mk("tampered-content", "the expiry field changed after signing (one byte of the signed part)", &mutate(&base, |b| b[33] ^= 0x01), &hmac_keys, Active, Some((S::Signature, V::BadSignature))),
        mk("tampered-section", "the section byte changed from archive to hukou after signing", &mutate(&base, |b| b[7] = 2), &hmac_keys, Active, Some((S::Signature, V::BadSignature))),
        mk("flipped-signature-bit", "the lowest bit of the last tag byte flipped", &mutate(&base, |b| { if let Some(x) = b.last_mut() { *x ^= 1 } }), &hmac_keys, Active, Some((S::Signature, V::BadSignature))),
        Case {
            department: "hukou_dept",
            ..mk("flipped-signature-bit-ed25519", "one bit of the Ed25519 signature's R flipped", &mutate(&ed_tok, |b| { let n = b.len(); b[n - 64] ^= 0x10 }), &ed_keys, Active, Some((S::Signature, V::BadSignature)))
        },
        mk("wrong-key", "signed with key 1 = 00..1f, verified with a different secret under key id 1", &base, &json!([hmac_key_json(1, &other_secret())]), Active, Some((S::Signature, V::BadSignature))),
        mk("unknown-key-id", "signed with key id 5, which the verifier does not hold", &tok(&unknown_kid, &archive, false, ""), &hmac_keys, Active, Some((S::KeyId, V::UnknownKey))),
        Case {
            department: "hukou_dept",
            ..mk("algorithm-mismatch", "an Ed25519 token (key id 2) checked by a verifier whose key 2 is an HMAC key: a key is never used with another algorithm", &ed_tok, &json!([hmac_key_json(2, &hmac_secret())]), Active, Some((S::KeyId, V::UnknownKey)))
        },
        Case { now: expires, ..mk("expired", "verified exactly at the expiry instant (expiry is exclusive)", &base, &hmac_keys, Active, Some((S::TimeWindow, V::Expired))) },
        Case { now: expires - 1, ..mk("valid-last-second", "verified one second before expiry", &base, &hmac_keys, Active, None) },
        Case { now: ISSUED - LEEWAY - 1, ..mk("not-yet-valid", "verified 301 s before the issue time (leeway 300 s)", &base, &hmac_keys, Active, Some((S::TimeWindow, V::NotYetValid))) },
        Case { department: "hukou_dept", ..mk("wrong-section", "an archive token scanned by a hukou department", &base, &hmac_keys, Active, Some((S::Section, V::WrongSection))) },
        mk("revoked", "the status source says revoked", &base, &hmac_keys, Revoked, Some((S::Status, V::Revoked))),
        mk("superseded", "the status source says superseded", &base, &hmac_keys, Superseded, Some((S::Status, V::Superseded))),
        mk("status-unknown", "the status source has no such authorization", &base, &hmac_keys, Unknown, Some((S::Status, V::NoMatch))),
        mk("status-unreachable", "the status source cannot be reached: indeterminate, never valid", &base, &hmac_keys, Unreachable, Some((S::Status, V::Indeterminate))),
        mk("bad-prefix", "the version tag reads GR2. (an unknown version)", &base.replacen("GR1.", "GR2.", 1), &hmac_keys, Active, Some((S::Prefix, V::Malformed))),
        mk("bad-prefix-lowercase", "the whole token in lower case", &base.to_lowercase(), &hmac_keys, Active, Some((S::Prefix, V::Malformed))),
        Case { required_prefix: Some("HTTPS://VERIFY.EXAMPLE.CN/V/"), ..mk("wrong-url-prefix", "the verifier requires a URL prefix the token does not have", &tok(&hmac, &archive, true, "HTTPS://EVIL.EXAMPLE/"), &hmac_keys, Active, Some((S::Prefix, V::Malformed))) },
        mk("bad-encoding", "a character outside the base32 alphabet ('8') in the body", &format!("{}8{}", &base[..20], &base[21..]), &hmac_keys, Active, Some((S::Decoding, V::Malformed))),
        mk("bad-encoding-trailing-bits", "the last base32 character carries non-zero unused bits", &flip_unused_bit(&base), &hmac_keys, Active, Some((S::Decoding, V::Malformed))),
        mk("truncated", "only the first 100 characters", &base[..100].to_string(), &hmac_keys, Active, Some((S::Decoding, V::Malformed))),
        mk("truncated-tag", "the last 5 bytes of the tag removed and the rest re-encoded: too short for header and tag", &mutate(&base, |b| b.truncate(b.len() - 5)), &hmac_keys, Active, Some((S::Decoding, V::Malformed))),
        mk("truncated-embedded", "a token with an embedded disclosure, last 5 bytes removed and re-encoded: long enough, so the tag is read from the wrong place", &mutate(&tok(&hmac, &archive, true, ""), |b| b.truncate(b.len() - 5)), &hmac_keys, Active, Some((S::Signature, V::BadSignature))),
        mk("bad-version-byte", "the version byte inside the body is 2", &mutate(&base, |b| b[0] = 2), &hmac_keys, Active, Some((S::Decoding, V::Malformed))),
    ];
    let mut out = Vec::new();
    for c in cases.drain(..) {
        out.push((c.name.to_string(), to_json(&c, &archive, &hukou)));
    }
    out
}

fn to_json(c: &Case, archive: &Disclosure, hukou: &Disclosure) -> Value {
    // The section of the token: the Ed25519 token is the hukou one, every other the archive one.
    let disclosure = if c.name.contains("ed25519") || c.name == "algorithm-mismatch" {
        hukou
    } else {
        archive
    };
    let ring = ring_from_json(&c.keys);
    let opts = ScanOptions {
        required_prefix: c.required_prefix.map(str::to_string),
        leeway: Duration::seconds(LEEWAY),
        ..ScanOptions::default()
    };
    let now = DateTime::from_timestamp(c.now, 0).expect("time");
    let source = VectorStatus {
        status: c.status,
        disclosure: disclosure.clone(),
    };
    let outcome = verify_token(
        &c.token,
        &ring,
        &department(c.department),
        now,
        &source,
        &opts,
    );
    let got = outcome.failed_at.map(|s| (s, outcome.verdict.kind()));
    assert_eq!(
        got, c.fails,
        "vector {} disagrees with the implementation",
        c.name
    );
    let steps: serde_json::Map<String, Value> = outcome
        .steps()
        .into_iter()
        .map(|(s, r)| {
            let v = match r {
                Some(Ok(())) => "pass",
                Some(Err(k)) => k.as_str(),
                None => "not_reached",
            };
            (s.as_str().to_string(), json!(v))
        })
        .collect();
    let kind = outcome.verdict.kind();
    json!({
        "name": c.name,
        "description": c.description,
        "token": c.token,
        "keys": c.keys,
        "key_ring_mode": "test",
        "required_prefix": c.required_prefix,
        "leeway_seconds": LEEWAY,
        "now": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "now_unix": c.now,
        "verifier_department": c.department,
        "status": c.status.as_str(),
        "status_disclosure": disclosure,
        "status_disclosure_canonical": String::from_utf8_lossy(&disclosure.canonical_bytes()),
        "steps": steps,
        "verdict": kind.as_str(),
        "verdict_code": kind.code(),
        "claims": outcome.token.as_ref().map(|t| &t.claims),
        "embedded_disclosure": outcome.token.as_ref().map(|t| t.disclosure.is_some()),
        "disclosure": outcome.verdict.disclosure(),
    })
}
