//! Builds the published test vectors (`docs/vectors/*.json`): tokens of format 1 and 2, typed
//! numbers, key sets and status lists. Used by the `make_vectors` example, which writes them,
//! and by `core/tests/vectors.rs`, which checks that the files are current.
//!
//! Each case states its expected outcome by hand (for a token: the step that fails and the
//! verdict; for the others: the result); the builder also runs the implementation and refuses to
//! emit a vector it disagrees with. Every case but a few base cases names the case it derives
//! from (`base`) and the one change made to it (`change`).

use chrono::{DateTime, Duration, Utc};
use gradreg::codes::keyset::KeySet;
use gradreg::codes::status_list::{EntryStatus, StatusList, StatusLists, MIN_ENTRIES};
use gradreg::codes::token::{
    base32_decode, base32_encode, hex, sign_claims, split_prefix, StatusPointer, MAX_TIME,
};
use gradreg::codes::verify::{verify_token_with, StatusCheck, UncheckedReason};
use gradreg::{
    issue_token, sample, Actor, Algorithm, AuthStatus, CodeTables, Disclosure, Error, IssueOptions,
    Key, KeyId, KeyRing, Masking, ScanOptions, Section, StatusAnswer, StatusSource, Step,
    TransferNumber, Unavailable, Verdict, VerdictKind, VerificationNumber,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Issue instant of every vector token: 2026-05-28T20:26:40Z.
pub const ISSUED: i64 = 1_780_000_000;
/// Validity of every vector token.
pub const VALIDITY_DAYS: i64 = 30;
/// Leeway before the issue time used by every vector.
pub const LEEWAY: i64 = 300;
/// Start of the signing period of the Ed25519 test key in the published key set:
/// 2026-05-01T00:00:00Z.
pub const KEY_FROM: i64 = 1_777_593_600;
/// Issue time of the vector status lists (half an hour after the tokens' issue time).
pub const LIST_ISSUED: i64 = ISSUED + 1800;
/// Next-update time of the vector status lists (a day after their issue time).
pub const LIST_NEXT: i64 = LIST_ISSUED + 86_400;
/// The status list the format-2 vector tokens point at.
pub const LIST_ID: u32 = 7;
/// The entry of that list the format-2 vector tokens point at.
pub const LIST_INDEX: u32 = 1234;
/// Who issues the vector key set.
pub const ISSUER: &str = "测试签发方（仅供测试向量）";

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

/// A second Ed25519 test seed (key sets with two keys): bytes 0xc0, 0xc1, …, 0xdf.
pub fn ed_seed_2() -> [u8; 32] {
    std::array::from_fn(|i| 0xc0 + i as u8)
}

/// How the vector's online status source answers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    /// In force; supplies the vector's `status_disclosure`.
    Active,
    /// In force; supplies a disclosure whose digest is not the token's.
    ActiveOtherDisclosure,
    /// In force; supplies no disclosure.
    ActiveNoDisclosure,
    /// Revoked.
    Revoked,
    /// Superseded.
    Superseded,
    /// Past its validity (the source's record says so).
    Expired,
    /// Not yet valid (the source's record says so).
    NotYetValid,
    /// No such authorization.
    Unknown,
    /// Cannot be reached.
    Unreachable,
}

impl Status {
    const ALL: [Status; 9] = [
        Status::Active,
        Status::ActiveOtherDisclosure,
        Status::ActiveNoDisclosure,
        Status::Revoked,
        Status::Superseded,
        Status::Expired,
        Status::NotYetValid,
        Status::Unknown,
        Status::Unreachable,
    ];

    /// The name in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::ActiveOtherDisclosure => "active_other_disclosure",
            Status::ActiveNoDisclosure => "active_no_disclosure",
            Status::Revoked => "revoked",
            Status::Superseded => "superseded",
            Status::Expired => "expired",
            Status::NotYetValid => "not_yet_valid",
            Status::Unknown => "unknown",
            Status::Unreachable => "unreachable",
        }
    }

    /// From the name in the JSON.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A status source answering as a vector says.
pub struct VectorStatus {
    /// The answer.
    pub status: Status,
    /// The disclosure supplied when in force (`active`, `active_other_disclosure`).
    pub disclosure: Option<Disclosure>,
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
            Status::Active | Status::ActiveOtherDisclosure => Ok(StatusAnswer::Known {
                status: AuthStatus::Valid,
                disclosure: self.disclosure.clone().map(Box::new),
            }),
            Status::ActiveNoDisclosure => Ok(known(AuthStatus::Valid)),
            Status::Revoked => Ok(known(AuthStatus::Revoked)),
            Status::Superseded => Ok(known(AuthStatus::Superseded)),
            Status::Expired => Ok(known(AuthStatus::Expired)),
            Status::NotYetValid => Ok(known(AuthStatus::NotYetValid)),
            Status::Unknown => Ok(StatusAnswer::Unknown),
            Status::Unreachable => Err(Unavailable),
        }
    }
}

/// The verifier named in a vector: `archive_dept`, `hukou_dept` or `school_office` (not a
/// department: every token is `wrong_section` for it).
pub fn department(name: &str) -> Actor {
    match name {
        "hukou_dept" => Actor::HukouDept {
            id: "vector-hukou".into(),
            name: "测试户籍部门".into(),
        },
        "school_office" => Actor::SchoolOffice {
            id: "vector-school".into(),
            school: "10327".into(),
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

/// The test-mode verify-only ring of a vector's `key_set` object.
pub fn key_set_ring(key_set: &Value) -> KeyRing {
    KeySet::from_json(&key_set.to_string())
        .and_then(|s| s.ring_test_mode())
        .expect("vector key set")
}

fn hmac_key_json(kid: u32, secret: &[u8; 32]) -> Value {
    json!({"kid": kid, "algorithm": "hmac-sha256", "secret_hex": hex(secret), "test": true})
}

fn ed_public(kid: u32, seed: &[u8; 32]) -> [u8; 32] {
    Key::ed25519_signing(KeyId(kid), seed)
        .ed25519_public_bytes()
        .expect("ed25519")
}

fn ed_key_json(kid: u32, seed: &[u8; 32]) -> Value {
    json!({"kid": kid, "algorithm": "ed25519", "seed_hex": hex(seed), "public_hex": hex(&ed_public(kid, seed)), "test": true})
}

fn signing_ring(key: Key) -> KeyRing {
    let mut r = KeyRing::test_mode();
    r.add_active(key.mark_test()).expect("test key");
    r
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("time")
}

/// Splits a token or status list into its prefix, its tag (`GR1.`, `GR2.`, `GS1.`) and its bytes.
fn open(text: &str) -> (&str, &str, Vec<u8>) {
    let (prefix, rest) = split_prefix(text);
    let (tag, body) = rest.split_at(4);
    (prefix, tag, base32_decode(body).expect("own text"))
}

/// Re-encodes a token (or list) after changing its decoded bytes; the signature is left as is.
fn mutate(text: &str, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let (prefix, tag, mut bytes) = open(text);
    f(&mut bytes);
    format!("{prefix}{tag}{}", base32_encode(&bytes))
}

/// Changes the signed bytes of a token (or list) and signs them again with `ring`'s active key,
/// so that the signature verifies and a later step judges the change.
fn resign(text: &str, ring: &KeyRing, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let (prefix, tag, mut bytes) = open(text);
    let alg = Algorithm::from_byte(bytes[1]).expect("algorithm");
    bytes.truncate(bytes.len() - alg.tag_len());
    f(&mut bytes);
    let (_, _, sig) = ring.sign(&bytes).expect("sign");
    bytes.extend_from_slice(&sig);
    format!("{prefix}{tag}{}", base32_encode(&bytes))
}

/// Sets the lowest (unused) bit of the last base32 character: same bytes, non-canonical text.
fn flip_unused_bit(token: &str) -> String {
    const B32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut s = token.to_string();
    let last = s.pop().and_then(|c| B32.find(c)).unwrap_or(0);
    s.push(char::from(B32.as_bytes()[last ^ 1]));
    s
}

/// ℓ, the order of the Ed25519 base point, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Adds ℓ to the 32-byte little-endian scalar `s` (S < ℓ < 2²⁵³, so no overflow).
fn add_ell(s: &mut [u8]) {
    let mut carry = 0u16;
    for (x, l) in s.iter_mut().zip(ELL) {
        let v = u16::from(*x) + u16::from(l) + carry;
        *x = v as u8;
        carry = v >> 8;
    }
}

/// The encoding of the identity point (0, 1), a point of small order.
fn identity_point() -> [u8; 32] {
    let mut b = [0u8; 32];
    b[0] = 1;
    b
}

/// A non-canonical encoding of an Ed25519 point: y = p + k (p = 2²⁵⁵ − 19) for the first small
/// k whose point exists and is not of small order, so that the key is refused for its encoding
/// alone; failing that, the identity written as y = p + 1.
fn non_canonical_point() -> [u8; 32] {
    let p_plus = |k: u8| {
        let mut b = [0xffu8; 32];
        b[0] = 0xed + k;
        b[31] = 0x7f;
        b
    };
    (2..=18)
        .map(p_plus)
        .find(|b| match Key::ed25519_public(KeyId(3), b) {
            Ok(key) => matches!(
                KeyRing::new().add_retired(key),
                Err(Error::KeyRefused(m)) if m.contains("canonical")
            ),
            Err(_) => false,
        })
        .unwrap_or(p_plus(1))
}

/// What the verifier checks the status with.
enum Check {
    /// An online source answering `status`, supplying `disclosure`.
    Online {
        status: Status,
        disclosure: Option<Box<Disclosure>>,
    },
    /// Offline, with the ring of `key_set` and the signed status lists `lists`.
    Offline { key_set: Value, lists: Vec<String> },
}

struct Case {
    name: &'static str,
    base: Option<&'static str>,
    description: &'static str,
    token: String,
    /// The keys that signed it; online also the verifier's ring.
    keys: Value,
    now: i64,
    department: &'static str,
    check: Check,
    required_prefix: Option<&'static str>,
    printed_number: Option<VerificationNumber>,
    holder_name: Option<&'static str>,
    /// The step that fails and its verdict; `None` for valid and valid_offline.
    fails: Option<(Step, VerdictKind)>,
    /// Why the status was not checked (`unchecked` only).
    reason: Option<UncheckedReason>,
}

/// A sentence of a description: capitalized, ending in a full stop.
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    let mut out: String = c
        .next()
        .map(|f| f.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(c.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// Every vector, as (file stem, JSON), in a fixed order.
pub fn vectors() -> Vec<(String, Value)> {
    let mut out = token_vectors();
    out.extend(number_vectors());
    out.extend(key_set_vectors());
    out.extend(status_list_vectors());
    out
}

/// The Ed25519 test key (id 2) with its signing period, marked as a test key.
fn ed_key_with_period() -> Key {
    Key::ed25519_signing(KeyId(2), &ed_seed())
        .with_period(Some(at(KEY_FROM)), None)
        .mark_test()
}

/// The key set of the offline vectors: the Ed25519 test key 2, from [`KEY_FROM`], test-marked.
fn offline_key_set() -> Value {
    let mut ring = KeyRing::test_mode();
    ring.add_active(ed_key_with_period()).expect("test key");
    serde_json::to_value(KeySet::from_ring(ISSUER, &ring)).expect("key set")
}

/// The base status list (list 7): entries 5 and 131071 revoked, 9 superseded, the rest in force;
/// `f` changes it before it is signed with the Ed25519 test key.
fn signed_list(issued: i64, next: i64, f: impl FnOnce(&mut StatusList)) -> String {
    let mut l = StatusList::new(LIST_ID, MIN_ENTRIES, at(issued), at(next)).expect("list");
    l.set(5, EntryStatus::Revoked).expect("set");
    l.set(9, EntryStatus::Superseded).expect("set");
    l.set(MIN_ENTRIES - 1, EntryStatus::Revoked).expect("set");
    f(&mut l);
    l.sign(&signing_ring(ed_key_with_period()))
        .expect("sign list")
}

fn token_vectors() -> Vec<(String, Value)> {
    let issued = at(ISSUED);
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
    let issue = |ring: &KeyRing, d: &Disclosure, opts: IssueOptions| {
        issue_token(ring, auth, d, &opts).expect("issue")
    };
    let tok = |ring: &KeyRing, d: &Disclosure, embed: bool, prefix: &str| {
        issue(
            ring,
            d,
            IssueOptions {
                prefix: prefix.into(),
                embed_disclosure: embed,
                ..IssueOptions::default()
            },
        )
    };
    let pointer = |index| {
        Some(StatusPointer {
            list: LIST_ID,
            index,
        })
    };
    let v2 = |d: &Disclosure, embed: bool, status| {
        issue(
            &ed,
            d,
            IssueOptions {
                embed_disclosure: embed,
                version: 2,
                status,
                ..IssueOptions::default()
            },
        )
    };
    let hmac_keys = json!([hmac_key_json(1, &hmac_secret())]);
    let ed_keys = json!([ed_key_json(2, &ed_seed())]);
    let base = tok(&hmac, &archive, false, "");
    let embedded = tok(&hmac, &archive, true, "");
    let url_tok = tok(&hmac, &archive, true, "HTTPS://VERIFY.EXAMPLE.CN/V/");
    let ed_tok = tok(&ed, &hukou, true, "");
    let v2_tok = v2(&archive, true, pointer(LIST_INDEX));
    let now = ISSUED + 3600;
    let expires = ISSUED + VALIDITY_DAYS * 86_400;
    let key_set = offline_key_set();
    let key_set_3 = {
        let mut ring = KeyRing::test_mode();
        ring.add_active(
            Key::ed25519_signing(KeyId(3), &ed_seed_2())
                .with_period(Some(at(KEY_FROM)), None)
                .mark_test(),
        )
        .expect("test key");
        serde_json::to_value(KeySet::from_ring(ISSUER, &ring)).expect("key set")
    };
    let list = signed_list(LIST_ISSUED, LIST_NEXT, |_| {});
    let list_with = |status| {
        signed_list(LIST_ISSUED, LIST_NEXT, |l| {
            l.set(LIST_INDEX, status).expect("set")
        })
    };
    let mk = |name, base, description, token: &String, keys: &Value, status, fails| Case {
        name,
        base,
        description,
        token: token.clone(),
        keys: keys.clone(),
        now,
        department: "archive_dept",
        check: Check::Online {
            status,
            disclosure: Some(Box::new(archive.clone())),
        },
        required_prefix: None,
        printed_number: None,
        holder_name: None,
        fails,
        reason: None,
    };
    let hukou_online = |status| Check::Online {
        status,
        disclosure: Some(Box::new(hukou.clone())),
    };
    let offline = |lists: Vec<String>| Check::Offline {
        key_set: key_set.clone(),
        lists,
    };
    // A format-2 case checked offline with the base list, derived from `format2-valid-offline`.
    let off = |name, description, token: &String, fails, reason| Case {
        check: offline(vec![list.clone()]),
        reason,
        ..mk(
            name,
            Some("format2-valid-offline"),
            description,
            token,
            &ed_keys,
            Status::Active,
            fails,
        )
    };
    // The archive disclosure with a hukou block as well (never built by the library).
    let both_blocks = {
        let mut d = archive.clone();
        d.hukou = hukou.hukou.clone();
        d.canonical_bytes()
    };
    let dotted = {
        let mut d = archive.clone();
        d.identity.name = "买买提·艾力".into();
        d
    };
    let other_number = VerificationNumber::from_entropy(&[0x3c; 16]);
    let hm = Some("valid-hmac");
    let he = Some("valid-hmac-embedded");
    let ve = Some("valid-ed25519");
    let hu = Some("valid-hmac-url-prefix-embedded");
    use Status::*;
    use Step as S;
    use VerdictKind as V;
    let content_malformed = Some((S::Content, V::Malformed));
    let cases = vec![
        mk("valid-hmac", None, "HMAC-SHA256, archive section, disclosure not embedded (the status source supplies it)", &base, &hmac_keys, Active, None),
        Case {
            department: "hukou_dept",
            check: hukou_online(Active),
            ..mk("valid-ed25519", None, "Ed25519, hukou section, disclosure embedded; verified with the public key alone", &ed_tok, &ed_keys, Active, None)
        },
        mk("valid-hmac-embedded", hm, "the disclosure embedded in the token", &embedded, &hmac_keys, Active, None),
        Case {
            required_prefix: Some("HTTPS://VERIFY.EXAMPLE.CN/V/"),
            ..mk("valid-hmac-url-prefix-embedded", he, "a deployment URL prefix in front of the token, pinned by the verifier", &url_tok, &hmac_keys, Active, None)
        },
        mk("tampered-content", hm, "the expiry field changed after signing (one byte of the signed part)", &mutate(&base, |b| b[33] ^= 0x01), &hmac_keys, Active, Some((S::Signature, V::BadSignature))),
        mk("tampered-section", hm, "the section byte changed from archive to hukou after signing", &mutate(&base, |b| b[7] = 2), &hmac_keys, Active, Some((S::Signature, V::BadSignature))),
        mk("flipped-signature-bit", hm, "the lowest bit of the last tag byte flipped", &mutate(&base, |b| { if let Some(x) = b.last_mut() { *x ^= 1 } }), &hmac_keys, Active, Some((S::Signature, V::BadSignature))),
        Case {
            department: "hukou_dept",
            check: hukou_online(Active),
            ..mk("flipped-signature-bit-ed25519", ve, "one bit of the Ed25519 signature's R flipped", &mutate(&ed_tok, |b| { let n = b.len(); b[n - 64] ^= 0x10 }), &ed_keys, Active, Some((S::Signature, V::BadSignature)))
        },
        mk("wrong-key", hm, "signed with key 1 = 00..1f, verified with a different secret under key id 1", &base, &json!([hmac_key_json(1, &other_secret())]), Active, Some((S::Signature, V::BadSignature))),
        mk("unknown-key-id", hm, "signed with key id 5, which the verifier does not hold", &tok(&unknown_kid, &archive, false, ""), &hmac_keys, Active, Some((S::KeyId, V::UnknownKey))),
        Case {
            department: "hukou_dept",
            check: hukou_online(Active),
            ..mk("algorithm-mismatch", ve, "an Ed25519 token (key id 2) checked by a verifier whose key 2 is an HMAC key: a key is never used with another algorithm", &ed_tok, &json!([hmac_key_json(2, &hmac_secret())]), Active, Some((S::KeyId, V::UnknownKey)))
        },
        Case { now: expires, ..mk("expired", hm, "verified exactly at the expiry instant (expiry is exclusive)", &base, &hmac_keys, Active, Some((S::TimeWindow, V::Expired))) },
        Case { now: expires - 1, ..mk("valid-last-second", hm, "verified one second before expiry", &base, &hmac_keys, Active, None) },
        Case { now: ISSUED - LEEWAY - 1, ..mk("not-yet-valid", hm, "verified 301 s before the issue time (leeway 300 s)", &base, &hmac_keys, Active, Some((S::TimeWindow, V::NotYetValid))) },
        Case { department: "hukou_dept", ..mk("wrong-section", hm, "an archive token scanned by a hukou department", &base, &hmac_keys, Active, Some((S::Section, V::WrongSection))) },
        Case { department: "school_office", ..mk("wrong-section-not-a-department", hm, "scanned by a school employment office, which is no verifying department", &base, &hmac_keys, Active, Some((S::Section, V::WrongSection))) },
        mk("revoked", hm, "the status source says revoked", &base, &hmac_keys, Revoked, Some((S::Status, V::Revoked))),
        mk("superseded", hm, "the status source says superseded", &base, &hmac_keys, Superseded, Some((S::Status, V::Superseded))),
        mk("status-unknown", hm, "the status source has no such authorization", &base, &hmac_keys, Unknown, Some((S::Status, V::NoMatch))),
        mk("status-unreachable", hm, "the status source cannot be reached: indeterminate, never valid", &base, &hmac_keys, Unreachable, Some((S::Status, V::Indeterminate))),
        mk("status-expired", hm, "the status source says the authorization has expired (its record, not the token, says so)", &base, &hmac_keys, Expired, Some((S::Status, V::Expired))),
        mk("status-not-yet-valid", hm, "the status source says the authorization is not yet valid", &base, &hmac_keys, NotYetValid, Some((S::Status, V::NotYetValid))),
        Case {
            check: Check::Online { status: ActiveOtherDisclosure, disclosure: Some({ let mut d = Box::new(archive.clone()); if let Some(a) = d.archive.as_mut() { a.phone = "025-83592001".into(); } d }) },
            ..mk("status-other-disclosure", hm, "the status source says in force but supplies a disclosure whose digest is not the signed one (the phone number changed): superseded", &base, &hmac_keys, Active, Some((S::Status, V::Superseded)))
        },
        Case {
            check: Check::Online { status: ActiveNoDisclosure, disclosure: None },
            ..mk("status-no-disclosure", hm, "the status source says in force but supplies no disclosure, and the token embeds none: indeterminate", &base, &hmac_keys, Active, Some((S::Status, V::Indeterminate)))
        },
        mk("bad-prefix", hm, "the version tag reads GR9. (an unknown version)", &base.replacen("GR1.", "GR9.", 1), &hmac_keys, Active, Some((S::Prefix, V::Malformed))),
        mk("bad-prefix-lowercase", hm, "the whole token in lower case", &base.to_lowercase(), &hmac_keys, Active, Some((S::Prefix, V::Malformed))),
        Case { required_prefix: Some("HTTPS://VERIFY.EXAMPLE.CN/V/"), ..mk("wrong-url-prefix", hu, "the verifier requires a URL prefix the token does not have", &tok(&hmac, &archive, true, "HTTPS://EVIL.EXAMPLE/"), &hmac_keys, Active, Some((S::Prefix, V::Malformed))) },
        Case { required_prefix: Some("https://verify.example.cn/v/"), ..mk("url-prefix-pinned-lower-case", hu, "the verifier pins the prefix in lower case while the token's is upper case: the prefix compares without regard to ASCII case", &url_tok, &hmac_keys, Active, None) },
        mk("scanner-trailing-newline", hm, "a trailing \"\\n\" added by the scanner, which is ignored", &format!("{base}\n"), &hmac_keys, Active, None),
        mk("scanner-trailing-crlf-space", hm, "a trailing \"\\r\\n \" added by the scanner, which is ignored", &format!("{base}\r\n "), &hmac_keys, Active, None),
        mk("bad-encoding", hm, "a character outside the base32 alphabet ('8') in the body", &format!("{}8{}", &base[..20], &base[21..]), &hmac_keys, Active, Some((S::Decoding, V::Malformed))),
        mk("bad-encoding-trailing-bits", hm, "the last base32 character carries non-zero unused bits", &flip_unused_bit(&base), &hmac_keys, Active, Some((S::Decoding, V::Malformed))),
        mk("truncated", hm, "only the first 100 characters", &base[..100].to_string(), &hmac_keys, Active, Some((S::Decoding, V::Malformed))),
        mk("truncated-tag", hm, "the last 5 bytes of the tag removed and the rest re-encoded: too short for header and tag", &mutate(&base, |b| b.truncate(b.len() - 5)), &hmac_keys, Active, Some((S::Decoding, V::Malformed))),
        mk("truncated-embedded", he, "the last 5 bytes removed and the rest re-encoded: long enough, so the tag is read from the wrong place", &mutate(&embedded, |b| b.truncate(b.len() - 5)), &hmac_keys, Active, Some((S::Signature, V::BadSignature))),
        mk("bad-version-byte", hm, "the version byte inside the body is 2 under the GR1. tag", &mutate(&base, |b| b[0] = 2), &hmac_keys, Active, Some((S::Decoding, V::Malformed))),
        mk("format1-body-under-gr2", hm, "the tag changed from GR1. to GR2.: a format-1 body (version byte 1) under the format-2 tag", &base.replacen("GR1.", "GR2.", 1), &hmac_keys, Active, Some((S::Decoding, V::Malformed))),
        // Step 5 (content): signed bytes changed, then signed again with the same test key.
        mk("content-unknown-flag", hm, "flag bit 1 (the format-2 status-pointer bit, unknown in format 1) set, re-signed", &resign(&base, &hmac, |b| b[6] |= 0x02), &hmac_keys, Active, content_malformed),
        mk("content-section-3", hm, "the section byte set to 3, re-signed", &resign(&base, &hmac, |b| b[7] = 3), &hmac_keys, Active, content_malformed),
        mk("content-number-top-bit", hm, "the top bit of the packed verification number set (a non-canonical packing), re-signed", &resign(&base, &hmac, |b| b[8] |= 0x80), &hmac_keys, Active, content_malformed),
        mk("content-expiry-equals-issue", hm, "the expiry set equal to the issue time, re-signed", &resign(&base, &hmac, |b| { let iat: [u8; 8] = b[18..26].try_into().expect("8 bytes"); b[26..34].copy_from_slice(&iat) }), &hmac_keys, Active, content_malformed),
        mk("content-expiry-beyond-max-time", hm, "the expiry set to 253402300800, one second past 9999-12-31T23:59:59Z, re-signed", &resign(&base, &hmac, |b| b[26..34].copy_from_slice(&(MAX_TIME + 1).to_be_bytes())), &hmac_keys, Active, content_malformed),
        mk("content-embedded-length-off-by-one", he, "the embedded length field one more than the bytes that follow, re-signed", &resign(&embedded, &hmac, |b| { let l = u16::from_be_bytes([b[66], b[67]]) + 1; b[66..68].copy_from_slice(&l.to_be_bytes()) }), &hmac_keys, Active, content_malformed),
        mk("content-embedded-digest-differs", he, "one digit of the embedded JSON changed (phone 025-83592000 to 025-83592001) without updating the signed digest, re-signed", &resign(&embedded, &hmac, |b| { let i = find(b, b"83592000") + 7; b[i] = b'1' }), &hmac_keys, Active, content_malformed),
        mk("content-embedded-not-canonical", he, "a space added after the first '{' of the embedded JSON, its length and digest updated, re-signed", &resign(&embedded, &hmac, |b| {
            b.insert(69, b' ');
            let l = u16::from_be_bytes([b[66], b[67]]) + 1;
            b[66..68].copy_from_slice(&l.to_be_bytes());
            let d: [u8; 32] = Sha256::digest(&b[68..]).into();
            b[34..66].copy_from_slice(&d);
        }), &hmac_keys, Active, content_malformed),
        mk("content-embedded-other-section-block", he, "the embedded archive disclosure also carries the hukou block (digest and length match it; signed)", &sign_claims(&hmac, Section::Archive, &auth.number, auth.issued_at, auth.valid_until, &Sha256::digest(&both_blocks).into(), Some(&both_blocks), "").expect("sign"), &hmac_keys, Active, content_malformed),
        mk("content-trailing-byte", hm, "a zero byte appended after the digest, re-signed", &resign(&base, &hmac, |b| b.push(0)), &hmac_keys, Active, content_malformed),
        // Strict Ed25519.
        Case {
            department: "hukou_dept",
            check: hukou_online(Active),
            ..mk("ed25519-s-not-reduced", ve, "ℓ added to the signature's S (little-endian): the same signature in a non-canonical form, refused", &mutate(&ed_tok, |b| { let n = b.len(); add_ell(&mut b[n - 32..]) }), &ed_keys, Active, Some((S::Signature, V::BadSignature)))
        },
        Case {
            department: "hukou_dept",
            check: hukou_online(Active),
            ..mk("ed25519-small-order-r", ve, "the signature's R replaced by 0100…00, the identity point (small order)", &mutate(&ed_tok, |b| { let n = b.len(); b[n - 64..n - 32].copy_from_slice(&identity_point()) }), &ed_keys, Active, Some((S::Signature, V::BadSignature)))
        },
        Case {
            department: "hukou_dept",
            check: hukou_online(Active),
            ..mk("ed25519-small-order-key", ve, "the verifier's (test-mode) key 2 is 0100…00, the identity point (small order): no signature verifies under it", &ed_tok, &json!([{"kid": 2, "algorithm": "ed25519", "public_hex": hex(&identity_point()), "test": true}]), Active, Some((S::Signature, V::BadSignature)))
        },
        // Format 2.
        Case {
            check: offline(vec![list.clone()]),
            ..mk("format2-valid-offline", None, "format 2, Ed25519, compact disclosure embedded, pointing at entry 1234 of status list 7, checked offline with the key set and a current list in which the entry is in force", &v2_tok, &ed_keys, Active, None)
        },
        Case { check: offline(vec![list_with(EntryStatus::Revoked)]), ..off("format2-revoked", "the list marks entry 1234 revoked", &v2_tok, Some((S::Status, V::Revoked)), None) },
        Case { check: offline(vec![list_with(EntryStatus::Superseded)]), ..off("format2-superseded", "the list marks entry 1234 superseded", &v2_tok, Some((S::Status, V::Superseded)), None) },
        Case { check: offline(vec![]), ..off("format2-no-list", "the verifier holds no status list", &v2_tok, Some((S::Status, V::Unchecked)), Some(UncheckedReason::NoStatusList)) },
        Case { now: LIST_NEXT, ..off("format2-stale-list", "verified at the list's next-update time: the list is stale", &v2_tok, Some((S::Status, V::Unchecked)), Some(UncheckedReason::StaleStatusList)) },
        Case { check: offline(vec![signed_list(now + LEEWAY + 1, now + LEEWAY + 1 + 86_400, |_| {})]), ..off("format2-list-not-yet-valid", "the verifier's list was issued 301 s after its clock (leeway 300 s)", &v2_tok, Some((S::Status, V::Unchecked)), Some(UncheckedReason::StatusListNotYetValid)) },
        off("format2-no-such-entry", "the token points at entry 131072, past the end of the list's 131072 entries", &v2(&archive, true, pointer(MIN_ENTRIES)), Some((S::Status, V::Unchecked)), Some(UncheckedReason::NoSuchEntry)),
        off("format2-no-pointer", "the token carries no status pointer", &issue(&ed, &archive, IssueOptions::v2_embedded()), Some((S::Status, V::Unchecked)), Some(UncheckedReason::NoStatusPointer)),
        off("format1-offline", "a format-1 Ed25519 token with the disclosure embedded, checked offline: format 1 has no status pointer", &tok(&ed, &archive, true, ""), Some((S::Status, V::Unchecked)), Some(UncheckedReason::NoStatusPointer)),
        Case {
            check: Check::Online { status: Active, disclosure: Some(Box::new(archive.clone())) },
            ..off("format2-online-not-embedded", "the disclosure not embedded (the token carries SHA-256 of its compact bytes) and the token checked online; the source supplies the disclosure", &v2(&archive, false, pointer(LIST_INDEX)), None, None)
        },
        Case { printed_number: Some(other_number), ..off("format2-printed-number-mismatch", "the verifier reads another authorization's number printed on the form", &v2_tok, Some((S::Holder, V::HolderMismatch)), None) },
        Case { holder_name: Some("李华"), ..off("format2-holder-name-mismatch", "the verifier gives the holder name 李华, not the token's 张明", &v2_tok, Some((S::Holder, V::HolderMismatch)), None) },
        off("format2-dotted-name", "the disclosure's name is 买买提·艾力 (with U+00B7 MIDDLE DOT)", &v2(&dotted, true, pointer(LIST_INDEX)), None, None),
        Case { base: Some("format2-dotted-name"), holder_name: Some("买买提•艾力"), ..off("format2-holder-name-dot-variant", "the verifier gives the holder name with U+2022 BULLET for the dot: names compare after unifying the middle-dot variants", &v2(&dotted, true, pointer(LIST_INDEX)), None, None) },
        off("format2-flipped-signature-bit", "the lowest bit of the signature's last byte flipped", &mutate(&v2_tok, |b| { if let Some(x) = b.last_mut() { *x ^= 1 } }), Some((S::Signature, V::BadSignature)), None),
        Case { check: Check::Offline { key_set: key_set_3.clone(), lists: vec![] }, ..off("format2-key-not-in-set", "the verifier's key set holds only key 3 (the token is signed with key 2, left out of the set), and no list it can read", &v2_tok, Some((S::KeyId, V::UnknownKey)), None) },
        off("format2-unknown-flag", "flag bit 2 (unknown in format 2) set, re-signed", &resign(&v2_tok, &ed, |b| b[6] |= 0x04), content_malformed, None),
        off("format2-compact-not-canonical", "the gender written as a literal string (0x00, length 3, 男) instead of table entry 1, the embedded length updated, re-signed", &resign(&v2_tok, &ed, |b| {
            // Common part (34), pointer (8), length (2), then the compact disclosure: section,
            // present bits, the name (one length byte and its bytes), the gender.
            let g = 44 + 2 + 1 + usize::from(b[46]);
            assert_eq!(b[g], 1, "gender is table entry 1");
            b.splice(g..=g, [0u8, 3].into_iter().chain("男".bytes()));
            let l = u16::from_be_bytes([b[42], b[43]]) + 4;
            b[42..44].copy_from_slice(&l.to_be_bytes());
        }), content_malformed, None),
    ];
    // The content cases fail for the reason they are about, not for another one on the way.
    for (name, detail) in CONTENT_DETAILS {
        let c = cases.iter().find(|c| c.name == name).expect("content case");
        let ring = match &c.check {
            Check::Online { .. } => ring_from_json(&c.keys),
            Check::Offline { key_set, .. } => key_set_ring(key_set),
        };
        let got = gradreg::decode_token(&c.token, &ring)
            .err()
            .map(|r| r.detail);
        assert_eq!(got, Some(detail), "vector {name} fails for another reason");
    }
    cases
        .iter()
        .map(|c| (c.name.to_string(), token_json(c)))
        .collect()
}

/// Why each content case is refused (the decoder's explanation for logs).
const CONTENT_DETAILS: [(&str, &str); 12] = [
    ("content-unknown-flag", "unknown flags"),
    ("content-section-3", "unknown section"),
    ("content-number-top-bit", "number packing"),
    ("content-expiry-equals-issue", "expiry not after issue"),
    ("content-expiry-beyond-max-time", "expiry out of range"),
    (
        "content-embedded-length-off-by-one",
        "embedded length mismatch",
    ),
    (
        "content-embedded-digest-differs",
        "embedded disclosure does not match its digest",
    ),
    (
        "content-embedded-not-canonical",
        "embedded disclosure is not canonical",
    ),
    (
        "content-embedded-other-section-block",
        "embedded disclosure is not of this section",
    ),
    ("content-trailing-byte", "trailing bytes"),
    ("format2-unknown-flag", "unknown flags"),
    ("format2-compact-not-canonical", "a table name written out"),
];

/// Where `needle` starts in `hay` (the vectors' own bytes: it is there).
fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle")
}

fn token_json(c: &Case) -> Value {
    let now = at(c.now);
    let opts = ScanOptions {
        required_prefix: c.required_prefix.map(str::to_string),
        leeway: Duration::seconds(LEEWAY),
        printed_number: c.printed_number,
        holder_name: c.holder_name.map(str::to_string),
    };
    let who = department(c.department);
    let (outcome, mode) = match &c.check {
        Check::Online { status, disclosure } => {
            let source = VectorStatus {
                status: *status,
                disclosure: disclosure.as_deref().cloned(),
            };
            let ring = ring_from_json(&c.keys);
            let o = verify_token_with(
                &c.token,
                &ring,
                &who,
                now,
                StatusCheck::Online(&source),
                &opts,
            );
            (o, "online")
        }
        Check::Offline { key_set, lists } => {
            let ring = key_set_ring(key_set);
            let mut held = StatusLists::new();
            for l in lists {
                held.add_signed(l, &ring).expect("vector list");
            }
            let o = verify_token_with(
                &c.token,
                &ring,
                &who,
                now,
                StatusCheck::Offline(&held),
                &opts,
            );
            (o, "offline")
        }
    };
    let got = outcome.failed_at.map(|s| (s, outcome.verdict.kind()));
    assert_eq!(
        got, c.fails,
        "vector {} disagrees with the implementation",
        c.name
    );
    let finding = match &outcome.verdict {
        Verdict::ValidOffline(f) | Verdict::Unchecked(f) => Some(f),
        _ => None,
    };
    assert_eq!(
        finding.and_then(|f| f.reason),
        c.reason,
        "vector {}: unchecked reason",
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
    let (status, status_disclosure, key_set, lists) = match &c.check {
        Check::Online { status, disclosure } => (
            json!(status.as_str()),
            disclosure.clone(),
            Value::Null,
            Value::Null,
        ),
        Check::Offline { key_set, lists } => (Value::Null, None, key_set.clone(), json!(lists)),
    };
    json!({
        "kind": "token",
        "name": c.name,
        "base": c.base,
        "change": c.base.map(|_| sentence(c.description)),
        "description": c.description,
        "token": c.token,
        "keys": c.keys,
        "key_ring_mode": "test",
        "status_mode": mode,
        "status": status,
        "status_disclosure": status_disclosure,
        "status_disclosure_canonical": status_disclosure.as_ref().map(|d| String::from_utf8_lossy(&d.canonical_bytes()).into_owned()),
        "key_set": key_set,
        "status_lists": lists,
        "required_prefix": c.required_prefix,
        "printed_number": c.printed_number,
        "holder_name": c.holder_name,
        "leeway_seconds": LEEWAY,
        "now": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "now_unix": c.now,
        "verifier_department": c.department,
        "steps": steps,
        "verdict": kind.as_str(),
        "verdict_code": kind.code(),
        "claims": outcome.token.as_ref().map(|t| &t.claims),
        "embedded_disclosure": outcome.token.as_ref().map(|t| t.disclosure.is_some()),
        "disclosure": outcome.verdict.disclosure(),
        "status_as_of": finding.and_then(|f| f.status_as_of),
        "status_next_update": finding.and_then(|f| f.status_next_update),
        "unchecked_reason": finding.and_then(|f| f.reason).map(UncheckedReason::as_str),
    })
}

/// A case of a kind other than token: name, base, description, two inputs, expected result.
type Row<A, B> = (
    &'static str,
    Option<&'static str>,
    &'static str,
    A,
    B,
    &'static str,
);

/// What parsing a typed number gives: (kind, result, displayed form), deciding between a
/// transfer number and a verification number as online verification does.
pub fn parse_number(input: &str) -> (&'static str, &'static str, Option<String>) {
    let (kind, parsed) = if TransferNumber::looks_like(input) {
        (
            "transfer",
            TransferNumber::parse(input).map(|n| n.to_string()),
        )
    } else {
        (
            "verification",
            VerificationNumber::parse(input).map(|n| n.to_string()),
        )
    };
    match parsed {
        Ok(s) => (kind, "ok", Some(s)),
        Err(Error::NumberTypo | Error::TransferNumberTypo) => (kind, "typo", None),
        Err(_) => (kind, "malformed", None),
    }
}

/// Replaces the symbol at `i` of a displayed number by the next Crockford symbol.
fn substitute(display: &str, i: usize) -> String {
    const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    display
        .char_indices()
        .map(|(j, c)| match CROCKFORD.find(c) {
            Some(v) if j == i => char::from(CROCKFORD.as_bytes()[(v + 1) % 32]),
            _ => c,
        })
        .collect()
}

fn number_vectors() -> Vec<(String, Value)> {
    // The first number (from SHA-256 of a counter) with two 1s and a 0, so that the typed form
    // can use I, L and O.
    let number = (0u32..)
        .map(|k| {
            let h = Sha256::digest(format!("gradreg vector number {k}"));
            let mut e = [0u8; 16];
            e.copy_from_slice(&h[..16]);
            VerificationNumber::from_entropy(&e).to_string()
        })
        .find(|s| s.matches('1').count() >= 2 && s.contains('0'))
        .expect("a number with 1, 1 and 0");
    let loose = {
        let s = number
            .replace('-', " ")
            .replacen('1', "i", 1)
            .replacen('1', "l", 1);
        s.replacen('0', "o", 1).to_lowercase()
    };
    let transfer = TransferNumber::from_entropy(&[0x77; 16]).to_string();
    let transfer_u = {
        let mut s = transfer.clone();
        s.pop();
        s.push('U');
        s
    };
    let v = Some("number-verification-valid");
    let t = Some("number-transfer-valid");
    let cases: Vec<Row<String, &str>> = vec![
        ("number-verification-valid", None, "a verification number as displayed", number.clone(), "verification", "ok"),
        ("number-verification-typed-loosely", v, "typed in lower case with spaces for hyphens, i and l for 1 and o for 0, which parsing folds", loose, "verification", "ok"),
        ("number-verification-typo", v, "the third symbol replaced by the next symbol of the alphabet: the check symbol catches it", substitute(&number, 2), "verification", "typo"),
        ("number-verification-malformed", v, "the last symbol left out: 15 symbols", number[..number.len() - 1].to_string(), "verification", "malformed"),
        ("number-transfer-valid", None, "a transfer number as displayed (read as a transfer number: ZD and 14 symbols)", transfer.clone(), "transfer", "ok"),
        ("number-transfer-typo", t, "the fifth symbol replaced by the next symbol of the alphabet: the check symbol catches it", substitute(&transfer, 5), "transfer", "typo"),
        ("number-transfer-malformed", t, "the check symbol replaced by U, which is not a Crockford symbol", transfer_u, "transfer", "malformed"),
    ];
    cases
        .into_iter()
        .map(|(name, base, description, input, kind, result)| {
            let (got_kind, got, parsed) = parse_number(&input);
            assert_eq!(
                (got_kind, got),
                (kind, result),
                "vector {name} disagrees with the implementation"
            );
            let v = json!({
                "kind": "number",
                "name": name,
                "base": base,
                "change": base.map(|_| sentence(description)),
                "description": description,
                "input": input,
                "number_kind": kind,
                "result": result,
                "parsed": parsed,
            });
            (name.to_string(), v)
        })
        .collect()
}

/// What reading a key set gives in `mode`: its key ids, or the error.
pub fn read_key_set(text: &str, mode: &str) -> Result<Vec<u32>, Error> {
    let ring = KeySet::from_json(text).and_then(|s| {
        if mode == "test" {
            s.ring_test_mode()
        } else {
            s.ring()
        }
    })?;
    Ok(ring.ids().map(|k| k.0).collect())
}

/// Why each refused key set is refused (words of the error's explanation).
const KEY_SET_DETAILS: [(&str, &str); 5] = [
    ("key-set-small-order-key", "small order"),
    ("key-set-non-canonical-key", "not canonically encoded"),
    ("key-set-test-key-in-production", "test key"),
    ("key-set-duplicate-kid", "appears twice"),
    ("key-set-wrong-format", "format is"),
];

/// Why each refused status list is refused (words of the error's explanation).
const STATUS_LIST_DETAILS: [(&str, &str); 3] = [
    (
        "status-list-flipped-signature-bit",
        "signature does not verify",
    ),
    ("status-list-too-few-entries", "131068 entries"),
    ("status-list-key-out-of-period", "signing period"),
];

/// Checks that a refused case is refused for the reason it is about.
fn check_detail(table: &[(&str, &str)], name: &str, err: Option<&Error>) {
    let want = table.iter().find(|(n, _)| *n == name).map(|(_, d)| *d);
    match (want, err) {
        (Some(d), Some(e)) => assert!(
            e.to_string().contains(d),
            "vector {name} fails for another reason: {e}"
        ),
        (None, None) => {}
        _ => panic!("vector {name}: the reason table does not match the result"),
    }
}

fn key_set_vectors() -> Vec<(String, Value)> {
    let mut ring = KeyRing::new();
    ring.add_retired(
        Key::ed25519_signing(KeyId(2), &ed_seed())
            .with_period(Some(at(1_767_225_600)), Some(at(KEY_FROM))),
    )
    .expect("key 2");
    ring.add_active(
        Key::ed25519_signing(KeyId(3), &ed_seed_2()).with_period(Some(at(KEY_FROM)), None),
    )
    .expect("key 3");
    let base: Value = serde_json::to_value(KeySet::from_ring(ISSUER, &ring)).expect("key set");
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        v
    };
    let b = Some("key-set-valid");
    let cases: Vec<Row<Value, &str>> = vec![
        ("key-set-valid", None, "two Ed25519 keys, 2 (which signed until 2026-05-01) and 3 (which signs since), read by a production verifier", base.clone(), "production", "ok"),
        ("key-set-small-order-key", b, "key 3's public key replaced by 0100…00, the identity point (small order)", edit(&|v| v["keys"][1]["public_key"] = hex(&identity_point()).into()), "production", "key_refused"),
        ("key-set-non-canonical-key", b, "key 3's public key replaced by a non-canonical encoding of a point (y = p + k, k small)", edit(&|v| v["keys"][1]["public_key"] = hex(&non_canonical_point()).into()), "production", "key_refused"),
        ("key-set-test-key-in-production", b, "key 3 marked as a test key (\"test\": true): a production verifier refuses it", edit(&|v| v["keys"][1]["test"] = true.into()), "production", "key_refused"),
        ("key-set-duplicate-kid", b, "key 3's id changed to 2, which the set already has", edit(&|v| v["keys"][1]["kid"] = 2.into()), "production", "key_set_invalid"),
        ("key-set-wrong-format", b, "the format member reads \"jwks\"", edit(&|v| v["format"] = "jwks".into()), "production", "key_set_invalid"),
        ("key-set-unknown-members", b, "members this version does not know added at the top and in a key: they are ignored", edit(&|v| { v["comment"] = "ignored".into(); v["keys"][0]["note"] = "ignored".into() }), "production", "ok"),
    ];
    cases
        .into_iter()
        .map(|(name, base, description, set, mode, result)| {
            let text = serde_json::to_string_pretty(&set).expect("json");
            let read = read_key_set(&text, mode);
            let (got, code) = match &read {
                Ok(_) => ("ok", None),
                Err(e) => (e.code().name(), Some(e.code() as u32)),
            };
            assert_eq!(
                got, result,
                "vector {name} disagrees with the implementation"
            );
            check_detail(&KEY_SET_DETAILS, name, read.as_ref().err());
            let ids = read.ok();
            let v = json!({
                "kind": "key_set",
                "name": name,
                "base": base,
                "change": base.map(|_| sentence(description)),
                "description": description,
                "key_set_text": text,
                "mode": mode,
                "result": result,
                "error_code": code,
                "key_ids": ids,
            });
            (name.to_string(), v)
        })
        .collect()
}

/// The indexes probed in a status-list vector.
pub const PROBES: [u32; 6] = [0, 5, 9, LIST_INDEX, 131_070, MIN_ENTRIES - 1];

/// What reading a status list gives: the decoded list, or the error.
pub fn read_status_list(text: &str, key_set: &Value) -> Result<StatusList, Error> {
    StatusList::decode(text, &key_set_ring(key_set))
}

fn status_list_vectors() -> Vec<(String, Value)> {
    let key_set = offline_key_set();
    let list = signed_list(LIST_ISSUED, LIST_NEXT, |_| {});
    let ed = signing_ring(ed_key_with_period());
    let retired_set = {
        let mut v = key_set.clone();
        v["keys"][0]["valid_to"] = json!(at(ISSUED));
        v
    };
    let b = Some("status-list-valid");
    let cases: Vec<Row<String, Value>> = vec![
        ("status-list-valid", None, "list 7 of 131072 entries, 5 and 131071 revoked, 9 superseded, signed with the Ed25519 test key 2", list.clone(), key_set.clone(), "ok"),
        ("status-list-flipped-signature-bit", b, "the lowest bit of the signature's last byte flipped", mutate(&list, |b| { if let Some(x) = b.last_mut() { *x ^= 1 } }), key_set.clone(), "status_list_invalid"),
        ("status-list-too-few-entries", b, "the entry count set to 131068, below the minimum of 131072, re-signed", resign(&list, &ed, |b| b[26..30].copy_from_slice(&(MIN_ENTRIES - 4).to_be_bytes())), key_set.clone(), "status_list_invalid"),
        ("status-list-key-out-of-period", b, "the key set says key 2 stopped signing at 2026-05-28T20:26:40Z, before the list's issue time", list.clone(), retired_set, "status_list_invalid"),
    ];
    cases
        .into_iter()
        .map(|(name, base, description, text, key_set, result)| {
            let read = read_status_list(&text, &key_set);
            let got = match &read {
                Ok(_) => "ok",
                Err(e) => e.code().name(),
            };
            assert_eq!(
                got, result,
                "vector {name} disagrees with the implementation"
            );
            check_detail(&STATUS_LIST_DETAILS, name, read.as_ref().err());
            let mut v = json!({
                "kind": "status_list",
                "name": name,
                "base": base,
                "change": base.map(|_| sentence(description)),
                "description": description,
                "status_list_text": text,
                "key_set": key_set,
                "now_unix": ISSUED + 3600,
                "result": result,
                "error_code": read.as_ref().err().map(|e| e.code() as u32),
            });
            if let Ok(l) = &read {
                v["list"] = json!(l.id());
                v["entries"] = json!(l.len());
                v["issued_at"] = json!(l.issued_at());
                v["next_update"] = json!(l.next_update());
                v["probe"] = PROBES.iter().map(|&i| json!([i, l.get(i)])).collect();
            }
            (name.to_string(), v)
        })
        .collect()
}

/// The expected outcome of a vector, in words, for the case list.
fn expected(v: &Value) -> String {
    let s = |f: &str| v[f].as_str().unwrap_or("").to_string();
    match v["kind"].as_str() {
        Some("token") => {
            let failed = v["steps"]
                .as_object()
                .into_iter()
                .flatten()
                .find(|(_, r)| *r != "pass" && *r != "not_reached")
                .map(|(step, _)| step.clone());
            let reason = v["unchecked_reason"]
                .as_str()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            match failed {
                Some(step) => format!("`{step}` → `{}`{reason}", s("verdict")),
                None => format!("every step passes → `{}`", s("verdict")),
            }
        }
        Some("number") => format!("{} number: `{}`", s("number_kind"), s("result")),
        Some("key_set") => match v["error_code"].as_u64() {
            Some(code) => format!("{} mode: `{}` ({code})", s("mode"), s("result")),
            None => format!("{} mode: `ok`, keys {}", s("mode"), v["key_ids"]),
        },
        _ => match v["error_code"].as_u64() {
            Some(code) => format!("`{}` ({code})", s("result")),
            None => "`ok`".into(),
        },
    }
}

/// `docs/vectors/README.md`: what the files hold and the list of cases (name, base, the one
/// change, the expected step and verdict or result).
pub fn readme(vectors: &[(String, Value)]) -> String {
    let mut out = String::from(README_HEAD);
    for (kind, title) in [
        ("token", "Tokens"),
        ("number", "Typed numbers"),
        ("key_set", "Key sets"),
        ("status_list", "Status lists"),
    ] {
        let rows: Vec<&Value> = vectors
            .iter()
            .map(|(_, v)| v)
            .filter(|v| v["kind"] == kind)
            .collect();
        out.push_str(&format!(
            "\n### {title} ({})\n\n| name | base | change (a base case: what it is) | expected |\n|---|---|---|---|\n",
            rows.len()
        ));
        for v in rows {
            let base = v["base"]
                .as_str()
                .map(|b| format!("`{b}`"))
                .unwrap_or_else(|| "—".into());
            let change = v["change"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| sentence(v["description"].as_str().unwrap_or("")));
            out.push_str(&format!(
                "| `{}` | {base} | {} | {} |\n",
                v["name"].as_str().unwrap_or(""),
                change.replace('|', "\\|").replace('\n', " "),
                expected(v)
            ));
        }
    }
    out.push_str(&format!("\n{} cases in all.\n", vectors.len()));
    out
}

const README_HEAD: &str = r#"# Test vectors

One JSON file per case. They are written by `cargo run -p gradreg --example make_vectors` (the cases
are in `examples/vectors_gen.rs`, each with its expected outcome stated by hand; the generator
refuses to write a case the implementation disagrees with) and checked by `core/tests/vectors.rs`,
which runs every file through the library and fails when a file or this list is stale. Do not edit
them by hand.

Every key here is a **test key** whose secret or seed is published: HMAC key 1 = bytes `00`…`1f`,
Ed25519 key 2 = seed `a0`…`bf`, Ed25519 key 3 (key sets only) = seed `c0`…`df`. Never trust them
outside tests. Token keys and the keys of offline key sets carry `"test": true`, so a production
verifier refuses them; vectors are verified in test mode.

## Fields

Every file: `kind` (`token`, `number`, `key_set`, `status_list`), `name` (the file name),
`base` (the case this one derives from, null for a base case), `change` (the one change from
`base`, a sentence; null for a base case), `description`.

**`token`**: inputs `token` (exactly as scanned, white space included), `keys` (the keys that
signed it; online, also the verifier's ring, in test mode), `status_mode`, `required_prefix`,
`printed_number`, `holder_name` (null when the verifier gives none), `leeway_seconds`, `now` and
`now_unix` (the verifier's clock), `verifier_department` (`archive_dept`, `hukou_dept` or
`school_office`).
- `status_mode` `online`: `status` says how the status source answers (`active`,
  `active_other_disclosure`: in force with a disclosure whose digest is not the token's,
  `active_no_disclosure`, `revoked`, `superseded`, `expired`, `not_yet_valid`, `unknown`,
  `unreachable`); `status_disclosure` and its exact canonical JSON `status_disclosure_canonical`
  are what it supplies (null: nothing). `key_set` and `status_lists` are null.
- `status_mode` `offline`: the verifier's ring is built from the key set `key_set` (a JSON object,
  read in test mode) and it holds the signed status lists `status_lists` (`GS1.` texts, possibly
  none); `status` and `status_disclosure` are null.

Outputs: `steps` (each step: `pass`, `not_reached` or the verdict it failed with; an `unchecked`
verdict is reported at the `status` step), `verdict`, `verdict_code`, `claims` (once the signature
verified; with `version` and `status`, the status-list pointer `{list, index}` or null),
`embedded_disclosure`, `disclosure` (what the verifier may show), and for offline verdicts
`status_as_of`, `status_next_update`, `unchecked_reason` (null otherwise).

**`number`**: `input` (what a person typed), `number_kind` (`verification` or `transfer`: read as a
transfer number when, without spaces, tabs and hyphens and with case folded, it starts with `ZD`
and has 14 symbols), `result` (`ok`, `typo`, `malformed`), `parsed` (the displayed form when ok).

**`key_set`**: `key_set_text` (the exact text read), `mode` (`production` or `test`), `result`
(`ok`, `key_set_invalid`, `key_refused`), `error_code` (311, 305, or null), `key_ids` (when ok).

**`status_list`**: `status_list_text`, `key_set` (object, read in test mode), `now_unix`, `result`
(`ok` or `status_list_invalid`), `error_code` (312 or null); when ok `list`, `entries`,
`issued_at`, `next_update` and `probe`, a list of `[index, status]` pairs (`in_force`, `revoked`,
`superseded`).

## Cases
"#;
