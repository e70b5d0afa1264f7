//! Verification: of a scanned token, and online by name and number.
//!
//! Every answer is a [`Verdict`] with a stable numeric code ([`VerdictKind::code`]):
//!
//! | code | verdict | meaning |
//! |---:|---|---|
//! | 0 | `valid` | in force; carries the disclosure of the verifier's section |
//! | 1 | `expired` | past its validity |
//! | 2 | `not_yet_valid` | before its issue time |
//! | 3 | `revoked` | revoked by the graduate |
//! | 4 | `superseded` | the data changed after it was issued |
//! | 5 | `no_match` | no such number, or the name does not match (indistinguishable) |
//! | 6 | `malformed` | not a token or number of this format |
//! | 7 | `bad_signature` | the MAC or signature does not verify |
//! | 8 | `unknown_key` | no key with the token's key id and algorithm |
//! | 9 | `wrong_section` | the section is not the verifier's department's |
//! | 10 | `typo` | a typed number's check symbol is wrong |
//! | 11 | `rate_limited` | too many failed attempts by this verifier |
//! | 12 | `indeterminate` | the status source could not be reached: neither valid nor invalid |
//! | 13 | `valid_offline` | authentic and in force according to a signed status list as of its issue time |
//! | 14 | `unchecked` | authentic, but no status answer: not revoked as far as anyone here knows |
//! | 15 | `holder_mismatch` | authentic, but not the form's: another number printed, or another name |
//!
//! Nothing here reads the clock or a random source: the instant is passed in.
//!
//! The verdict types are here; scanned-token verification is in `scan`, the status sources and
//! registry lookups it asks in `status`, and online verification by name and number, with its
//! failure counting and name comparison, in `online`.

mod online;
mod scan;
mod status;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::codes::number::VerificationNumber;
use crate::disclosure::Disclosure;
use crate::lifecycle::{Actor, Section};

pub(crate) use online::count_failures;
pub use online::{
    names_match, normalize_name, AttemptKey, AttemptLog, Candidate, Failures, LookupAttempts,
    MemoryAttemptLog, OnlineNumber, OnlineVerifier, Principal,
};
pub use scan::{
    verify_token, verify_token_offline, verify_token_with, ScanOptions, ScanOutcome, StatusCheck,
};
pub use status::{
    MemoryRegistry, RegistryLookup, RegistryStatus, StatusAnswer, StatusSource, Unavailable,
};

/// The kind of a verdict, with its stable code (the discriminant; the C header exports these as
/// `GRADREG_VERDICT_*`, generated from this enum).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// In force: the form may be accepted; the verdict carries what the department may see.
    Valid = 0,
    /// Past its validity.
    Expired = 1,
    /// Before its issue time.
    NotYetValid = 2,
    /// Revoked by the graduate.
    Revoked = 3,
    /// The data changed after it was issued: never accept such a form.
    Superseded = 4,
    /// No such number, or the name does not match (indistinguishable on purpose).
    NoMatch = 5,
    /// Not a token or number of this format.
    Malformed = 6,
    /// The MAC or signature does not verify.
    BadSignature = 7,
    /// No key with the token's key id and algorithm.
    UnknownKey = 8,
    /// Not the verifier's section (an archive department scanning a hukou form …).
    WrongSection = 9,
    /// A typed number's check symbol is wrong: ask for it again.
    Typo = 10,
    /// Too many failed attempts by this verifier.
    RateLimited = 11,
    /// The status source could not be reached: neither valid nor invalid, try again.
    Indeterminate = 12,
    /// Authentic and in force according to the issuer's signed status list as of its issue
    /// time (offline verification); carries the disclosure and that time.
    ValidOffline = 13,
    /// Authentic, but the status was not checked (no status list for it, a stale list, or a
    /// token that points to none): carries what the token embeds; verify online to be sure.
    Unchecked = 14,
    /// Authentic, but not this form's: the number printed on the form or the name given is not
    /// the token's (a genuine QR pasted onto another graduate's form).
    HolderMismatch = 15,
}

impl VerdictKind {
    /// Every kind, in code order.
    pub const ALL: [VerdictKind; 16] = [
        VerdictKind::Valid,
        VerdictKind::Expired,
        VerdictKind::NotYetValid,
        VerdictKind::Revoked,
        VerdictKind::Superseded,
        VerdictKind::NoMatch,
        VerdictKind::Malformed,
        VerdictKind::BadSignature,
        VerdictKind::UnknownKey,
        VerdictKind::WrongSection,
        VerdictKind::Typo,
        VerdictKind::RateLimited,
        VerdictKind::Indeterminate,
        VerdictKind::ValidOffline,
        VerdictKind::Unchecked,
        VerdictKind::HolderMismatch,
    ];

    /// The stable numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The kind with this code.
    pub fn from_code(code: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// The snake_case name (as in the test vectors).
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Valid => "valid",
            VerdictKind::Expired => "expired",
            VerdictKind::NotYetValid => "not_yet_valid",
            VerdictKind::Revoked => "revoked",
            VerdictKind::Superseded => "superseded",
            VerdictKind::NoMatch => "no_match",
            VerdictKind::Malformed => "malformed",
            VerdictKind::BadSignature => "bad_signature",
            VerdictKind::UnknownKey => "unknown_key",
            VerdictKind::WrongSection => "wrong_section",
            VerdictKind::Typo => "typo",
            VerdictKind::RateLimited => "rate_limited",
            VerdictKind::Indeterminate => "indeterminate",
            VerdictKind::ValidOffline => "valid_offline",
            VerdictKind::Unchecked => "unchecked",
            VerdictKind::HolderMismatch => "holder_mismatch",
        }
    }

    /// What to tell the verifier, in Chinese.
    pub fn message_zh(self) -> &'static str {
        match self {
            VerdictKind::Valid => "核验通过，信息有效",
            VerdictKind::Expired => "授权已过期",
            VerdictKind::NotYetValid => "授权尚未生效",
            VerdictKind::Revoked => "授权已被毕业生撤销",
            VerdictKind::Superseded => "登记信息已变更，此表已失效",
            VerdictKind::NoMatch => "姓名与编号不匹配或编号不存在",
            VerdictKind::Malformed => "无法识别的核验码或编号",
            VerdictKind::BadSignature => "核验码签名无效，可能被篡改",
            VerdictKind::UnknownKey => "核验码使用了未知的密钥",
            VerdictKind::WrongSection => "此表不属于本部门核验范围",
            VerdictKind::Typo => "编号有误（校验位不符），请检查是否输错",
            VerdictKind::RateLimited => "核验失败次数过多，请稍后再试",
            VerdictKind::Indeterminate => "暂时无法确认授权状态，请稍后再试",
            VerdictKind::ValidOffline => "核验码真实有效（按离线状态列表核对）",
            VerdictKind::Unchecked => "核验码真实，但未能核对授权状态，请在线核验",
            VerdictKind::HolderMismatch => "核验码与表上的编号或姓名不符，可能被挪用",
        }
    }
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Finding {
    /// The authorization's verification number.
    pub number: VerificationNumber,
    /// End of validity, exclusive.
    pub expires_at: DateTime<Utc>,
    /// What the verifier's department may see.
    pub disclosure: Disclosure,
}

/// Why an authentic token's status was not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum UncheckedReason {
    /// The token points to no status list (format 1, or format 2 without a pointer).
    NoStatusPointer,
    /// The verifier holds no status list with the token's list id.
    NoStatusList,
    /// The verifier's list is past its next-update time.
    StaleStatusList,
    /// The verifier's list was issued after the verifier's clock (beyond the leeway).
    StatusListNotYetValid,
    /// The token's entry index is past the end of the list.
    NoSuchEntry,
}

impl UncheckedReason {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            UncheckedReason::NoStatusPointer => "no_status_pointer",
            UncheckedReason::NoStatusList => "no_status_list",
            UncheckedReason::StaleStatusList => "stale_status_list",
            UncheckedReason::StatusListNotYetValid => "status_list_not_yet_valid",
            UncheckedReason::NoSuchEntry => "no_such_entry",
        }
    }

    /// What to tell the verifier, in Chinese.
    pub fn message_zh(self) -> &'static str {
        match self {
            UncheckedReason::NoStatusPointer => "此核验码不含状态列表位置，只能在线核对是否撤销",
            UncheckedReason::NoStatusList => "没有此核验码所属的状态列表，请更新状态列表或在线核验",
            UncheckedReason::StaleStatusList => "状态列表已过期，请更新后再核对或在线核验",
            UncheckedReason::StatusListNotYetValid => "状态列表的签发时间晚于本机时间，请检查时钟",
            UncheckedReason::NoSuchEntry => "状态列表中没有此核验码的条目，请在线核验",
        }
    }
}

/// What an offline verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OfflineFinding {
    /// The authorization's verification number.
    pub number: VerificationNumber,
    /// End of validity, exclusive.
    pub expires_at: DateTime<Utc>,
    /// What the token embeds (format 2 or an embedded format 1), if anything.
    pub disclosure: Option<Disclosure>,
    /// The status list's issue time: the status is known as of this instant (none when not
    /// checked).
    pub status_as_of: Option<DateTime<Utc>>,
    /// The status list's next-update time.
    pub status_next_update: Option<DateTime<Utc>>,
    /// Why the status was not checked (`unchecked` only).
    pub reason: Option<UncheckedReason>,
}

/// The answer of a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// In force, with what the verifier's department may see.
    Valid(Box<Finding>),
    /// Past its validity.
    Expired,
    /// Before its issue time.
    NotYetValid,
    /// Revoked by the graduate.
    Revoked,
    /// The data changed after issue.
    Superseded,
    /// Unknown number or wrong name: never says which.
    NoMatch,
    /// Not of this format.
    Malformed,
    /// MAC or signature does not verify.
    BadSignature,
    /// No key with that id and algorithm.
    UnknownKey,
    /// Not the verifier's section.
    WrongSection,
    /// A typed number's check symbol is wrong.
    Typo,
    /// Too many failed attempts by this verifier.
    RateLimited,
    /// The status source could not be reached.
    Indeterminate,
    /// Authentic and in force according to a signed status list as of `status_as_of`.
    ValidOffline(Box<OfflineFinding>),
    /// Authentic, status not checked (`reason` says why).
    Unchecked(Box<OfflineFinding>),
    /// Authentic, but not this form's number or this graduate's name.
    HolderMismatch,
}

impl Verdict {
    /// The verdict of a kind that carries no data (`Valid`, `ValidOffline` and `Unchecked` have
    /// data: `None` for them).
    pub fn without_data(kind: VerdictKind) -> Option<Verdict> {
        Some(match kind {
            VerdictKind::Valid => return None,
            VerdictKind::Expired => Verdict::Expired,
            VerdictKind::NotYetValid => Verdict::NotYetValid,
            VerdictKind::Revoked => Verdict::Revoked,
            VerdictKind::Superseded => Verdict::Superseded,
            VerdictKind::NoMatch => Verdict::NoMatch,
            VerdictKind::Malformed => Verdict::Malformed,
            VerdictKind::BadSignature => Verdict::BadSignature,
            VerdictKind::UnknownKey => Verdict::UnknownKey,
            VerdictKind::WrongSection => Verdict::WrongSection,
            VerdictKind::Typo => Verdict::Typo,
            VerdictKind::RateLimited => Verdict::RateLimited,
            VerdictKind::Indeterminate => Verdict::Indeterminate,
            VerdictKind::HolderMismatch => Verdict::HolderMismatch,
            VerdictKind::ValidOffline | VerdictKind::Unchecked => return None,
        })
    }

    /// The verdict of a kind without data (`Valid` needs data: `Indeterminate` for it).
    fn of(kind: VerdictKind) -> Verdict {
        Verdict::without_data(kind).unwrap_or(Verdict::Indeterminate)
    }

    /// The verdict's kind.
    pub fn kind(&self) -> VerdictKind {
        match self {
            Verdict::Valid(_) => VerdictKind::Valid,
            Verdict::Expired => VerdictKind::Expired,
            Verdict::NotYetValid => VerdictKind::NotYetValid,
            Verdict::Revoked => VerdictKind::Revoked,
            Verdict::Superseded => VerdictKind::Superseded,
            Verdict::NoMatch => VerdictKind::NoMatch,
            Verdict::Malformed => VerdictKind::Malformed,
            Verdict::BadSignature => VerdictKind::BadSignature,
            Verdict::UnknownKey => VerdictKind::UnknownKey,
            Verdict::WrongSection => VerdictKind::WrongSection,
            Verdict::Typo => VerdictKind::Typo,
            Verdict::RateLimited => VerdictKind::RateLimited,
            Verdict::Indeterminate => VerdictKind::Indeterminate,
            Verdict::ValidOffline(_) => VerdictKind::ValidOffline,
            Verdict::Unchecked(_) => VerdictKind::Unchecked,
            Verdict::HolderMismatch => VerdictKind::HolderMismatch,
        }
    }

    /// The stable numeric code.
    pub fn code(&self) -> u32 {
        self.kind().code()
    }

    /// Whether it is valid (online: the status source answered in force).
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid(_))
    }

    /// Whether the form may be accepted: `valid`, or `valid_offline` (a signed status list
    /// says it is in force as of its issue time).
    pub fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Valid(_) | Verdict::ValidOffline(_))
    }

    /// The disclosure of a valid verdict, or what an authentic token embeds (`valid_offline`,
    /// `unchecked`).
    pub fn disclosure(&self) -> Option<&Disclosure> {
        match self {
            Verdict::Valid(f) => Some(&f.disclosure),
            Verdict::ValidOffline(f) | Verdict::Unchecked(f) => f.disclosure.as_ref(),
            _ => None,
        }
    }
}

/// The steps of scanned-token verification, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The `GR1.` version tag after the optional URL prefix (and the required prefix, if any).
    Prefix,
    /// Base32 decoding, version byte, algorithm byte, minimum length.
    Decoding,
    /// A key with the token's id and algorithm is in the ring.
    KeyId,
    /// The MAC or signature verifies.
    Signature,
    /// The signed fields are well formed (and an embedded disclosure matches its digest).
    Content,
    /// The verifier's clock is within the validity.
    TimeWindow,
    /// The token's section is the verifier department's.
    Section,
    /// The status source says the authorization is in force.
    Status,
    /// The number printed on the form and the name given, when the verifier gives them, are
    /// the token's.
    Holder,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 9] = [
        Step::Prefix,
        Step::Decoding,
        Step::KeyId,
        Step::Signature,
        Step::Content,
        Step::TimeWindow,
        Step::Section,
        Step::Status,
        Step::Holder,
    ];

    /// The snake_case name (as in the test vectors).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Prefix => "prefix",
            Step::Decoding => "decoding",
            Step::KeyId => "key_id",
            Step::Signature => "signature",
            Step::Content => "content",
            Step::TimeWindow => "time_window",
            Step::Section => "section",
            Step::Status => "status",
            Step::Holder => "holder",
        }
    }
}

/// The section a department verifies: archive departments the archive form, hukou departments
/// the hukou form; `None` for every other actor.
pub fn department_section(verifier: &Actor) -> Option<Section> {
    match verifier {
        Actor::ArchiveDept { .. } => Some(Section::Archive),
        Actor::HukouDept { .. } => Some(Section::Hukou),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_codes_are_stable_and_unique() {
        let names: Vec<(u32, &str)> = VerdictKind::ALL
            .iter()
            .map(|k| (k.code(), k.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                (0, "valid"),
                (1, "expired"),
                (2, "not_yet_valid"),
                (3, "revoked"),
                (4, "superseded"),
                (5, "no_match"),
                (6, "malformed"),
                (7, "bad_signature"),
                (8, "unknown_key"),
                (9, "wrong_section"),
                (10, "typo"),
                (11, "rate_limited"),
                (12, "indeterminate"),
                (13, "valid_offline"),
                (14, "unchecked"),
                (15, "holder_mismatch"),
            ]
        );
        for k in VerdictKind::ALL {
            assert_eq!(VerdictKind::from_code(k.code()), Some(k));
            if !matches!(
                k,
                VerdictKind::Valid | VerdictKind::ValidOffline | VerdictKind::Unchecked
            ) {
                assert_eq!(Verdict::without_data(k).map(|v| v.kind()), Some(k));
            }
            assert!(!k.message_zh().is_empty());
        }
        assert_eq!(VerdictKind::from_code(16), None);
    }

    #[test]
    fn verdicts_serialize_with_their_name() {
        assert_eq!(
            serde_json::to_value(Verdict::NoMatch).unwrap(),
            serde_json::json!({"verdict": "no_match"})
        );
        assert_eq!(
            serde_json::to_value(VerdictKind::NotYetValid).unwrap(),
            serde_json::json!("not_yet_valid")
        );
    }
}
