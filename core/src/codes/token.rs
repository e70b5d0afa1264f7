//! The signed token carried by the QR code on a form (核验二维码).
//!
//! Text form: `<prefix>GR1.<body>` where `<prefix>` is an optional deployment URL ending in
//! `/` (upper case, so that the whole token stays in QR alphanumeric mode), `GR1.` names the
//! format version and `<body>` is the RFC 4648 base32 encoding (upper case, no padding) of the
//! bytes below. The full specification, with test vectors, is `docs/token-format.md`.
//!
//! ```text
//! offset  size  field
//!  0      1     format version = 0x01
//!  1      1     algorithm: 0x01 HMAC-SHA256, 0x02 Ed25519
//!  2      4     key id, u32 big-endian
//!  6      1     flags: bit 0 = disclosure embedded; other bits 0
//!  7      1     section: 0x01 archive, 0x02 hukou
//!  8     10     verification number, packed (75 bits, top 5 bits 0)
//! 18      8     issued at, Unix seconds, u64 big-endian
//! 26      8     expires at (exclusive), Unix seconds, u64 big-endian
//! 34     32     SHA-256 of the disclosure's canonical bytes
//! 66      2     [if flag 0] length L of the embedded disclosure, u16 big-endian
//! 68      L     [if flag 0] the disclosure's canonical bytes (compact JSON)
//!  …     32|64  HMAC-SHA256 tag or Ed25519 signature over every preceding byte
//! ```
//!
//! Format 2 (`GR2.`) keeps the first 34 bytes and adds an optional pointer into the issuer's
//! signed status list (`flags` bit 1: list id and index, u32 each) and a compact binary
//! disclosure ([`super::compact`]) instead of embedded JSON; when the disclosure is embedded the
//! digest is left out (the signature covers the bytes themselves):
//!
//! ```text
//!  0      1     format version = 0x02
//!  1..34        as format 1
//! 34      8     [if flag 1] status list id, entry index (u32 big-endian each)
//!  …      2+L   [if flag 0] L, then the compact disclosure (L bytes)
//!  …     32     [else] SHA-256 of the compact disclosure
//!  …     32|64  tag or signature over every preceding byte
//! ```
//!
//! [`decode`] checks the MAC or signature before it reads any field other than the version,
//! algorithm and key id it needs to find the key, and it never panics, whatever the input.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::keyring::{Algorithm, KeyId, KeyRing, VerifyFailure};
use super::number::VerificationNumber;
use super::verify::{Step, VerdictKind};
use crate::disclosure::Disclosure;
use crate::error::{Error, Result};
use crate::lifecycle::{Authorization, Section};

/// Format version 1 (`GR1.`): JSON disclosure, no status pointer.
pub const FORMAT_VERSION: u8 = 1;
/// Format version 2 (`GR2.`): compact disclosure, optional status-list pointer.
pub const FORMAT_VERSION_2: u8 = 2;
/// The text that starts a format-1 token proper (after any URL prefix).
pub const VERSION_TAG: &str = "GR1.";
/// The text that starts a format-2 token proper.
pub const VERSION_TAG_2: &str = "GR2.";
/// Length of the fixed part of the signed bytes of format 1.
pub const HEADER_LEN: usize = 66;
/// Length of the part of the signed bytes common to both formats.
pub const COMMON_LEN: usize = 34;
/// Flag bit: the disclosure is embedded.
pub const FLAG_EMBEDDED: u8 = 0x01;
/// Flag bit (format 2): a status-list pointer follows the common part.
pub const FLAG_STATUS: u8 = 0x02;

/// Where a format-2 token's status is published: entry `index` of the issuer's status list
/// `list` ([`super::status_list`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StatusPointer {
    /// The status list's id.
    pub list: u32,
    /// The entry's index in that list.
    pub index: u32,
}

/// Removes what scanners append to a token (trailing CR, LF, tab and space; `zbarimg --raw`
/// adds a newline). Nothing else is changed.
pub fn trim_scanned(token: &str) -> &str {
    token.trim_end_matches([' ', '\t', '\r', '\n'])
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The characters of QR alphanumeric mode.
pub const QR_ALPHANUMERIC: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Whether every character of `s` is in QR alphanumeric mode.
pub fn is_qr_alphanumeric(s: &str) -> bool {
    s.bytes().all(|c| QR_ALPHANUMERIC.as_bytes().contains(&c))
}

/// What a token states, once its signature has been checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenClaims {
    /// Format version (1 or 2).
    pub version: u8,
    /// Algorithm of the tag.
    pub algorithm: Algorithm,
    /// Key that signed it.
    pub key_id: KeyId,
    /// Which form.
    pub section: Section,
    /// The authorization's verification number.
    pub number: VerificationNumber,
    /// Start of validity (whole seconds).
    pub issued_at: DateTime<Utc>,
    /// End of validity, exclusive (whole seconds).
    pub expires_at: DateTime<Utc>,
    /// SHA-256 of the disclosure's canonical bytes (format 1: JSON; format 2: compact; for an
    /// embedded format-2 disclosure, computed from the embedded bytes).
    #[serde(serialize_with = "hex_ser")]
    pub digest: [u8; 32],
    /// Format 2: where the status is published.
    pub status: Option<StatusPointer>,
}

fn hex_ser<S: serde::Serializer>(d: &[u8; 32], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex(d))
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A token whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedToken {
    /// The signed fields.
    pub claims: TokenClaims,
    /// The embedded disclosure, when the token carries one (its digest has been checked).
    pub disclosure: Option<Disclosure>,
    /// The unsigned deployment prefix in front of `GR1.` (empty when none).
    pub prefix: String,
}

/// Why [`decode`] refused a token: the step that failed and the verdict it gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The step that failed.
    pub step: Step,
    /// The verdict: malformed, unknown key or bad signature.
    pub kind: VerdictKind,
    /// A short English explanation for logs.
    pub detail: &'static str,
}

fn reject(step: Step, kind: VerdictKind, detail: &'static str) -> Rejection {
    Rejection { step, kind, detail }
}

/// How to issue a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueOptions {
    /// Deployment URL prefix, such as `HTTPS://VERIFY.EXAMPLE.CN/V/`: empty, or QR alphanumeric
    /// characters ending in `/`. It is not signed.
    pub prefix: String,
    /// Embed the disclosure for offline display (a larger QR code).
    pub embed_disclosure: bool,
    /// The format: 1 (the default when 0) or 2.
    pub version: u8,
    /// Format 2: the entry of the issuer's status list that publishes this authorization's
    /// status (the registry assigns it; see `Registry::issue_token`).
    pub status: Option<StatusPointer>,
}

impl IssueOptions {
    /// Format 2 with the disclosure embedded and no status pointer.
    pub fn v2_embedded() -> IssueOptions {
        IssueOptions {
            embed_disclosure: true,
            version: FORMAT_VERSION_2,
            ..IssueOptions::default()
        }
    }
}

/// SHA-256 of the disclosure's canonical bytes (format 1: the JSON).
pub fn disclosure_digest(d: &Disclosure) -> [u8; 32] {
    Sha256::digest(d.canonical_bytes()).into()
}

/// SHA-256 of the disclosure's bytes in token format `version` (1: canonical JSON, 2: compact);
/// `None` when the disclosure has no such bytes (a text too long for the compact form).
pub fn disclosure_digest_for(version: u8, d: &Disclosure) -> Option<[u8; 32]> {
    if version == FORMAT_VERSION_2 {
        super::compact::encode(d)
            .ok()
            .map(|b| Sha256::digest(b).into())
    } else {
        Some(disclosure_digest(d))
    }
}

/// Issues the token of `disclosure` (whose section names the form) for `auth`, signed with the
/// ring's active key. The validity is the authorization's, in whole seconds. An authorization
/// that was revoked or superseded gets no token (`AuthorizationNotActive`, as for its forms).
pub fn issue(
    ring: &KeyRing,
    auth: &Authorization,
    disclosure: &Disclosure,
    opts: &IssueOptions,
) -> Result<String> {
    if auth.state != crate::lifecycle::AuthState::Active {
        return Err(Error::AuthorizationNotActive { state: auth.state });
    }
    if !auth.sections.has(disclosure.section) {
        return Err(Error::SectionNotRegistered(
            disclosure.section.name_zh().into(),
        ));
    }
    issue_raw(
        ring,
        disclosure.section,
        &auth.number,
        auth.issued_at,
        auth.valid_until,
        disclosure,
        opts,
    )
}

/// Issues a token from its parts (what [`issue`] does after checking the section is
/// registered). Times are truncated to whole seconds.
pub fn issue_raw(
    ring: &KeyRing,
    section: Section,
    number: &VerificationNumber,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    disclosure: &Disclosure,
    opts: &IssueOptions,
) -> Result<String> {
    if disclosure.section != section {
        return Err(Error::TokenIssue(
            "the disclosure is for another section".into(),
        ));
    }
    match opts.version {
        0 | FORMAT_VERSION => {
            if opts.status.is_some() {
                return Err(Error::TokenIssue(
                    "a status pointer needs token format 2".into(),
                ));
            }
        }
        FORMAT_VERSION_2 => {
            let compact = super::compact::encode(disclosure)?;
            return sign_v2(
                ring,
                &V2Claims {
                    section,
                    number,
                    issued_at,
                    expires_at,
                    status: opts.status,
                },
                &compact,
                opts.embed_disclosure,
                &opts.prefix,
            );
        }
        v => return Err(Error::TokenIssue(format!("unknown token format {v}"))),
    }
    let canonical = disclosure.canonical_bytes();
    let digest: [u8; 32] = Sha256::digest(&canonical).into();
    let embedded = opts.embed_disclosure.then_some(canonical.as_slice());
    sign_claims(
        ring,
        section,
        number,
        issued_at,
        expires_at,
        &digest,
        embedded,
        &opts.prefix,
    )
}

/// Signs a token whose disclosure digest is already known: the cryptographic core of
/// [`issue_raw`]. `embedded`, when given, must be the canonical bytes whose SHA-256 is `digest`.
#[allow(clippy::too_many_arguments)]
pub fn sign_claims(
    ring: &KeyRing,
    section: Section,
    number: &VerificationNumber,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    digest: &[u8; 32],
    embedded: Option<&[u8]>,
    prefix: &str,
) -> Result<String> {
    let flags = if embedded.is_some() { FLAG_EMBEDDED } else { 0 };
    let claims = V2Claims {
        section,
        number,
        issued_at,
        expires_at,
        status: None,
    };
    let mut m = common_header(
        ring,
        FORMAT_VERSION,
        flags,
        &claims,
        prefix,
        HEADER_LEN + 2 + embedded.map_or(0, <[u8]>::len) + 64,
    )?;
    m.extend_from_slice(digest);
    if let Some(content) = embedded {
        put_embedded(&mut m, content)?;
    }
    finish(ring, m, VERSION_TAG, prefix)
}

/// The signed fields of a format-2 token other than its disclosure.
struct V2Claims<'a> {
    section: Section,
    number: &'a VerificationNumber,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    status: Option<StatusPointer>,
}

fn put_embedded(m: &mut Vec<u8>, content: &[u8]) -> Result<()> {
    let len = u16::try_from(content.len())
        .map_err(|_| Error::TokenIssue("disclosure too large to embed".into()))?;
    m.extend_from_slice(&len.to_be_bytes());
    m.extend_from_slice(content);
    Ok(())
}

/// Checks the prefix and times and writes the 34 bytes both formats share.
fn common_header(
    ring: &KeyRing,
    version: u8,
    flags: u8,
    c: &V2Claims<'_>,
    prefix: &str,
    capacity: usize,
) -> Result<Vec<u8>> {
    if !prefix.is_empty() && (!prefix.ends_with('/') || !is_qr_alphanumeric(prefix)) {
        return Err(Error::TokenIssue(
            "the prefix must be upper-case QR alphanumeric characters ending in '/'".into(),
        ));
    }
    let secs = |t: DateTime<Utc>| {
        u64::try_from(t.timestamp())
            .ok()
            .filter(|&s| s <= MAX_TIME)
            .ok_or_else(|| {
                Error::TokenIssue("times must lie between 1970 and the year 9999".into())
            })
    };
    let (iat, exp) = (secs(c.issued_at)?, secs(c.expires_at)?);
    if exp <= iat {
        return Err(Error::TokenIssue("expiry must be after issue".into()));
    }
    let kid = ring.active().ok_or(Error::NoActiveKey)?;
    let alg = ring
        .get(kid)
        .map(|k| k.algorithm())
        .ok_or(Error::NoActiveKey)?;
    let mut m = Vec::with_capacity(capacity);
    m.push(version);
    m.push(alg.byte());
    m.extend_from_slice(&kid.0.to_be_bytes());
    m.push(flags);
    m.push(section_byte(c.section));
    m.extend_from_slice(&c.number.to_packed());
    m.extend_from_slice(&iat.to_be_bytes());
    m.extend_from_slice(&exp.to_be_bytes());
    Ok(m)
}

/// Signs `m` with the active key and writes the token text.
fn finish(ring: &KeyRing, mut m: Vec<u8>, tag: &str, prefix: &str) -> Result<String> {
    ring.sign_append(&mut m)?;
    let mut out = Vec::with_capacity(prefix.len() + tag.len() + (m.len() * 8).div_ceil(5));
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(tag.as_bytes());
    base32_encode_into(&m, &mut out);
    // The prefix was checked to be ASCII and the rest is base32.
    String::from_utf8(out).map_err(|_| Error::TokenIssue("non-ASCII token".into()))
}

/// Signs a format-2 token over the compact disclosure `compact`, embedding it or its digest.
fn sign_v2(
    ring: &KeyRing,
    c: &V2Claims<'_>,
    compact: &[u8],
    embed: bool,
    prefix: &str,
) -> Result<String> {
    let mut flags = 0;
    if embed {
        flags |= FLAG_EMBEDDED;
    }
    if c.status.is_some() {
        flags |= FLAG_STATUS;
    }
    let mut m = common_header(
        ring,
        FORMAT_VERSION_2,
        flags,
        c,
        prefix,
        COMMON_LEN + 8 + 2 + compact.len() + 64,
    )?;
    if let Some(p) = c.status {
        m.extend_from_slice(&p.list.to_be_bytes());
        m.extend_from_slice(&p.index.to_be_bytes());
    }
    if embed {
        put_embedded(&mut m, compact)?;
    } else {
        let digest: [u8; 32] = Sha256::digest(compact).into();
        m.extend_from_slice(&digest);
    }
    finish(ring, m, VERSION_TAG_2, prefix)
}

/// The latest time a token may carry: 9999-12-31T23:59:59Z (253402300799), so that every
/// implementation can represent it.
pub const MAX_TIME: u64 = 253_402_300_799;

fn section_byte(s: Section) -> u8 {
    match s {
        Section::Archive => 1,
        Section::Hukou => 2,
    }
}

/// Splits a token into its unsigned prefix and the part from `GR1.` on: the part after the last
/// `/`, or the whole text when there is none.
pub fn split_prefix(token: &str) -> (&str, &str) {
    match token.rfind('/') {
        Some(i) => token.split_at(i + 1),
        None => ("", token),
    }
}

/// Decodes a token and checks its signature with `ring`, then reads its fields. The steps, in
/// order: prefix, decoding, key id, signature, content. Time, section and status are the
/// verifier's business ([`super::verify`]). Trailing white space a scanner added is ignored
/// ([`trim_scanned`]).
pub fn decode(token: &str, ring: &KeyRing) -> std::result::Result<DecodedToken, Rejection> {
    use VerdictKind::{BadSignature, Malformed, UnknownKey};
    let token = trim_scanned(token);
    let (prefix, rest) = split_prefix(token);
    let (tag_version, body) = if let Some(b) = rest.strip_prefix(VERSION_TAG) {
        (FORMAT_VERSION, b)
    } else if let Some(b) = rest.strip_prefix(VERSION_TAG_2) {
        (FORMAT_VERSION_2, b)
    } else {
        return Err(reject(
            Step::Prefix,
            Malformed,
            "no GR1. or GR2. version tag",
        ));
    };
    let bytes = base32_decode(body)
        .ok_or_else(|| reject(Step::Decoding, Malformed, "not canonical base32"))?;
    // Only what is needed to find the key is read before the signature is checked.
    let (Some(&version), Some(&alg_byte)) = (bytes.first(), bytes.get(1)) else {
        return Err(reject(Step::Decoding, Malformed, "truncated"));
    };
    if version != tag_version {
        return Err(reject(Step::Decoding, Malformed, "unknown format version"));
    }
    let alg = Algorithm::from_byte(alg_byte)
        .ok_or_else(|| reject(Step::Decoding, Malformed, "unknown algorithm"))?;
    let min_signed = if version == FORMAT_VERSION {
        HEADER_LEN
    } else {
        COMMON_LEN + 2
    };
    let signed_len = bytes
        .len()
        .checked_sub(alg.tag_len())
        .filter(|&n| n >= min_signed)
        .ok_or_else(|| reject(Step::Decoding, Malformed, "truncated"))?;
    let kid = KeyId(u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]));
    let (signed, tag) = bytes.split_at(signed_len);
    match ring.verify(alg, kid, signed, tag) {
        Ok(()) => {}
        Err(VerifyFailure::UnknownKey) => {
            return Err(reject(
                Step::KeyId,
                UnknownKey,
                "no key with this id and algorithm",
            ))
        }
        Err(VerifyFailure::BadSignature) => {
            return Err(reject(
                Step::Signature,
                BadSignature,
                "signature does not verify",
            ))
        }
    }
    // From here on the bytes are authentic; any inconsistency is an issuer's bug.
    let bad = |detail| reject(Step::Content, Malformed, detail);
    let flags = signed[6];
    let known_flags = if version == FORMAT_VERSION {
        FLAG_EMBEDDED
    } else {
        FLAG_EMBEDDED | FLAG_STATUS
    };
    if flags & !known_flags != 0 {
        return Err(bad("unknown flags"));
    }
    let section = match signed[7] {
        1 => Section::Archive,
        2 => Section::Hukou,
        _ => return Err(bad("unknown section")),
    };
    let mut packed = [0u8; 10];
    packed.copy_from_slice(&signed[8..18]);
    let number = VerificationNumber::from_packed(&packed).ok_or_else(|| bad("number packing"))?;
    let time = |b: &[u8]| {
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(u64::from_be_bytes(a))
            .filter(|&s| s <= MAX_TIME)
            .and_then(|s| DateTime::from_timestamp(s as i64, 0))
    };
    let issued_at = time(&signed[18..26]).ok_or_else(|| bad("issue time out of range"))?;
    let expires_at = time(&signed[26..34]).ok_or_else(|| bad("expiry out of range"))?;
    if expires_at <= issued_at {
        return Err(bad("expiry not after issue"));
    }
    let mut rest = &signed[COMMON_LEN..];
    let mut status = None;
    if flags & FLAG_STATUS != 0 {
        let p = rest.get(..8).ok_or_else(|| bad("status pointer missing"))?;
        status = Some(StatusPointer {
            list: u32::from_be_bytes([p[0], p[1], p[2], p[3]]),
            index: u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
        });
        rest = &rest[8..];
    }
    let embedded = flags & FLAG_EMBEDDED != 0;
    // Format 1 always carries the digest; format 2 only when the disclosure is not embedded.
    let mut digest = [0u8; 32];
    if version == FORMAT_VERSION || !embedded {
        let d = rest.get(..32).ok_or_else(|| bad("digest missing"))?;
        digest.copy_from_slice(d);
        rest = &rest[32..];
    }
    let disclosure = if embedded {
        let len_bytes = rest
            .get(..2)
            .ok_or_else(|| bad("embedded length missing"))?;
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        let content = &rest[2..];
        if content.len() != len {
            return Err(bad("embedded length mismatch"));
        }
        let d_digest: [u8; 32] = Sha256::digest(content).into();
        let d = if version == FORMAT_VERSION {
            if d_digest != digest {
                return Err(bad("embedded disclosure does not match its digest"));
            }
            let d: Disclosure = serde_json::from_slice(content)
                .map_err(|_| bad("embedded disclosure is not JSON"))?;
            if d.canonical_bytes() != content {
                return Err(bad("embedded disclosure is not canonical"));
            }
            d
        } else {
            digest = d_digest;
            super::compact::decode(content).map_err(bad)?
        };
        if d.section != section || !holds_only_its_section(&d) {
            return Err(bad("embedded disclosure is not of this section"));
        }
        Some(d)
    } else {
        if !rest.is_empty() {
            return Err(bad("trailing bytes"));
        }
        None
    };
    Ok(DecodedToken {
        claims: TokenClaims {
            version,
            algorithm: alg,
            key_id: kid,
            section,
            number,
            issued_at,
            expires_at,
            digest,
            status,
        },
        disclosure,
        prefix: prefix.to_string(),
    })
}

/// Whether a disclosure holds its own section's block only (an archive disclosure no hukou
/// data, and the reverse).
fn holds_only_its_section(d: &Disclosure) -> bool {
    match d.section {
        Section::Archive => d.hukou.is_none(),
        Section::Hukou => d.archive.is_none(),
    }
}

/// RFC 4648 base32, upper case, without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut buf = Vec::with_capacity((bytes.len() * 8).div_ceil(5));
    base32_encode_into(bytes, &mut buf);
    // Only characters of the base32 alphabet were written.
    String::from_utf8(buf).unwrap_or_default()
}

/// Appends the base32 text of `bytes` to `buf`.
fn base32_encode_into(bytes: &[u8], buf: &mut Vec<u8>) {
    let mut chunks = bytes.chunks_exact(5);
    for c in &mut chunks {
        let v = u64::from_be_bytes([0, 0, 0, c[0], c[1], c[2], c[3], c[4]]);
        for k in (0..8).rev() {
            buf.push(B32[((v >> (5 * k)) & 0x1f) as usize]);
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut five = [0u8; 5];
        five[..rest.len()].copy_from_slice(rest);
        let v = u64::from_be_bytes([0, 0, 0, five[0], five[1], five[2], five[3], five[4]]);
        let chars = (rest.len() * 8).div_ceil(5);
        for k in 0..chars {
            buf.push(B32[((v >> (35 - 5 * k)) & 0x1f) as usize]);
        }
    }
}

/// Base32 values by byte; 0xff for bytes outside the upper-case alphabet.
const B32_VALUES: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 32 {
        t[B32[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Strict RFC 4648 base32 decoding without padding: upper case only, no lengths that no byte
/// string encodes to (1, 3 or 6 modulo 8), and unused trailing bits zero, so that every byte
/// string has exactly one encoding. `None` otherwise.
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    if matches!(s.len() % 8, 1 | 3 | 6) {
        return None;
    }
    let input = s.as_bytes();
    let mut out = Vec::with_capacity(input.len() * 5 / 8);
    let mut chunks = input.chunks_exact(8);
    for c in &mut chunks {
        let mut v: u64 = 0;
        for &ch in c {
            let x = B32_VALUES[ch as usize];
            if x == 0xff {
                return None;
            }
            v = (v << 5) | u64::from(x);
        }
        out.extend_from_slice(&v.to_be_bytes()[3..]);
    }
    let mut acc: u32 = 0;
    let mut nbits = 0u32;
    for &ch in chunks.remainder() {
        let x = B32_VALUES[ch as usize];
        if x == 0xff {
            return None;
        }
        acc = (acc << 5) | u32::from(x);
        nbits += 5;
        if nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
            acc &= (1 << nbits) - 1;
        }
    }
    if acc != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc_4648_vectors() {
        // RFC 4648 §10, padding removed.
        let cases = [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ];
        for (plain, enc) in cases {
            assert_eq!(base32_encode(plain.as_bytes()), enc);
            assert_eq!(base32_decode(enc).as_deref(), Some(plain.as_bytes()));
        }
        // Non-canonical trailing bits, lower case, impossible lengths and padding are refused.
        assert_eq!(base32_decode("MZ"), None);
        assert_eq!(base32_decode("my"), None);
        assert_eq!(base32_decode("MZX"), None);
        assert_eq!(base32_decode("MY======"), None);
    }

    #[test]
    fn base32_round_trips_every_length() {
        for n in 0..80usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i as u8).wrapping_mul(151) ^ 0x3d).collect();
            let enc = base32_encode(&bytes);
            assert_eq!(enc.len(), (n * 8).div_ceil(5));
            assert_eq!(base32_decode(&enc), Some(bytes));
        }
    }

    #[test]
    fn split_prefix_takes_the_part_after_the_last_slash() {
        assert_eq!(
            split_prefix("HTTPS://V.EXAMPLE.CN/GR1.AB"),
            ("HTTPS://V.EXAMPLE.CN/", "GR1.AB")
        );
        assert_eq!(split_prefix("GR1.AB"), ("", "GR1.AB"));
        assert!(is_qr_alphanumeric("HTTPS://V.EXAMPLE.CN/GR1.AB"));
        assert!(!is_qr_alphanumeric("https://v"));
    }
}
