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
//!
//! Nothing here reads the clock or a random source: the instant is passed in.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::keyring::KeyRing;
use super::number::VerificationNumber;
use super::token::{decode, disclosure_digest, DecodedToken};
use super::transfer::TransferNumber;
use crate::disclosure::{Disclosure, Masking};
use crate::error::Error;
use crate::lifecycle::{Actor, AuthStatus, Authorization, Registration, Section};
use crate::tables::CodeTables;

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
}

impl VerdictKind {
    /// Every kind, in code order.
    pub const ALL: [VerdictKind; 13] = [
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
}

impl Verdict {
    /// The verdict of a kind that carries no data (`Valid` has data: `None` for it).
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
        })
    }

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
        }
    }

    /// The stable numeric code.
    pub fn code(&self) -> u32 {
        self.kind().code()
    }

    /// Whether it is valid.
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid(_))
    }

    /// The disclosure of a valid verdict.
    pub fn disclosure(&self) -> Option<&Disclosure> {
        match self {
            Verdict::Valid(f) => Some(&f.disclosure),
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
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 8] = [
        Step::Prefix,
        Step::Decoding,
        Step::KeyId,
        Step::Signature,
        Step::Content,
        Step::TimeWindow,
        Step::Section,
        Step::Status,
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

/// A status source or registry could not be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unavailable;

/// What a status source knows of an authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusAnswer {
    /// No authorization with that number.
    Unknown,
    /// The authorization's status at the instant asked, with the disclosure of the section
    /// asked when it is valid (the source may leave it out when the token embeds it).
    Known {
        /// Its status.
        status: AuthStatus,
        /// The current disclosure of the section.
        disclosure: Option<Box<Disclosure>>,
    },
}

/// Where a verifier learns whether an authorization was revoked or superseded (the caller
/// provides it: the registry, a cached revocation list …).
pub trait StatusSource {
    /// The status of the authorization `number` at `now`, with the disclosure of `section`.
    fn status(
        &self,
        number: &VerificationNumber,
        section: Section,
        now: DateTime<Utc>,
    ) -> Result<StatusAnswer, Unavailable>;
}

/// Options of scanned-token verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    /// When set, the text in front of `GR1.` must be exactly this (the unsigned URL prefix of
    /// the deployment).
    pub required_prefix: Option<String>,
    /// Clock tolerance before the issue time (the verifier's clock may run slow).
    pub leeway: Duration,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            required_prefix: None,
            leeway: Duration::seconds(300),
        }
    }
}

/// The verdict of a scanned token and the step that decided it (`None` when every step passed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOutcome {
    /// The verdict.
    pub verdict: Verdict,
    /// The step that failed.
    pub failed_at: Option<Step>,
    /// The decoded token, once its signature has verified.
    pub token: Option<DecodedToken>,
}

impl ScanOutcome {
    fn fail(step: Step, kind: VerdictKind, token: Option<DecodedToken>) -> Self {
        ScanOutcome {
            verdict: Verdict::of(kind),
            failed_at: Some(step),
            token,
        }
    }

    /// Each step's result: `Some(Ok(()))` passed, `Some(Err(kind))` failed with that verdict,
    /// `None` not reached.
    pub fn steps(&self) -> Vec<(Step, Option<Result<(), VerdictKind>>)> {
        Step::ALL
            .iter()
            .map(|&s| {
                let r = match self.failed_at {
                    None => Some(Ok(())),
                    Some(f) if s < f => Some(Ok(())),
                    Some(f) if s == f => Some(Err(self.verdict.kind())),
                    Some(_) => None,
                };
                (s, r)
            })
            .collect()
    }
}

/// Verifies a scanned token for `verifier` at `now`: prefix, decoding, key id, signature (before
/// any field is trusted), content, time window, section, then status through `status`. An
/// unreachable status source gives [`Verdict::Indeterminate`], never valid.
pub fn verify_token(
    token: &str,
    ring: &KeyRing,
    verifier: &Actor,
    now: DateTime<Utc>,
    status: &dyn StatusSource,
    opts: &ScanOptions,
) -> ScanOutcome {
    if let Some(p) = &opts.required_prefix {
        let (prefix, _) = super::token::split_prefix(token);
        if prefix != p {
            return ScanOutcome::fail(Step::Prefix, VerdictKind::Malformed, None);
        }
    }
    let decoded = match decode(token, ring) {
        Ok(d) => d,
        Err(r) => return ScanOutcome::fail(r.step, r.kind, None),
    };
    let c = &decoded.claims;
    // Saturating: a clock or leeway at the edge of the representable range must not panic.
    let late_clock = now
        .checked_add_signed(opts.leeway)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    if late_clock < c.issued_at {
        return ScanOutcome::fail(Step::TimeWindow, VerdictKind::NotYetValid, Some(decoded));
    }
    if now >= c.expires_at {
        return ScanOutcome::fail(Step::TimeWindow, VerdictKind::Expired, Some(decoded));
    }
    if department_section(verifier) != Some(c.section) {
        return ScanOutcome::fail(Step::Section, VerdictKind::WrongSection, Some(decoded));
    }
    let answer = match status.status(&c.number, c.section, now) {
        Ok(a) => a,
        Err(Unavailable) => {
            return ScanOutcome::fail(Step::Status, VerdictKind::Indeterminate, Some(decoded))
        }
    };
    let (st, current) = match answer {
        StatusAnswer::Unknown => {
            return ScanOutcome::fail(Step::Status, VerdictKind::NoMatch, Some(decoded))
        }
        StatusAnswer::Known { status, disclosure } => (status, disclosure),
    };
    let kind = match st {
        AuthStatus::Valid => None,
        AuthStatus::Expired => Some(VerdictKind::Expired),
        AuthStatus::NotYetValid => Some(VerdictKind::NotYetValid),
        AuthStatus::Revoked => Some(VerdictKind::Revoked),
        AuthStatus::Superseded => Some(VerdictKind::Superseded),
    };
    if let Some(kind) = kind {
        return ScanOutcome::fail(Step::Status, kind, Some(decoded));
    }
    // Content on record must be the content that was signed.
    if let Some(cur) = &current {
        if disclosure_digest(cur) != c.digest {
            return ScanOutcome::fail(Step::Status, VerdictKind::Superseded, Some(decoded));
        }
    }
    let Some(disclosure) = decoded.disclosure.clone().or(current.map(|d| *d)) else {
        return ScanOutcome::fail(Step::Status, VerdictKind::Indeterminate, Some(decoded));
    };
    ScanOutcome {
        verdict: Verdict::Valid(Box::new(Finding {
            number: c.number,
            expires_at: c.expires_at,
            disclosure,
        })),
        failed_at: None,
        token: Some(decoded),
    }
}

/// Where online verification finds a registration by number (the SQLite registry implements
/// it; [`MemoryRegistry`] is the in-memory one).
pub trait RegistryLookup {
    /// The registration holding an authorization with this verification number.
    fn by_verification_number(
        &self,
        number: &VerificationNumber,
    ) -> Result<Option<Registration>, Unavailable>;
    /// The registration whose archive transfer has this transfer number.
    fn by_transfer_number(
        &self,
        number: &TransferNumber,
    ) -> Result<Option<Registration>, Unavailable>;
}

/// An in-memory registry of registrations, indexed by verification and transfer number.
#[derive(Debug, Clone, Default)]
pub struct MemoryRegistry {
    regs: Vec<Registration>,
    by_id: HashMap<String, usize>,
    by_number: HashMap<VerificationNumber, usize>,
    by_transfer: HashMap<TransferNumber, usize>,
}

impl MemoryRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a registration, or replaces the one with the same id.
    pub fn insert(&mut self, reg: Registration) {
        let i = match self.by_id.get(&reg.id) {
            Some(&i) => {
                self.by_number.retain(|_, v| *v != i);
                self.by_transfer.retain(|_, v| *v != i);
                self.regs[i] = reg;
                i
            }
            None => {
                self.regs.push(reg);
                let i = self.regs.len() - 1;
                self.by_id.insert(self.regs[i].id.clone(), i);
                i
            }
        };
        let reg = &self.regs[i];
        for a in &reg.authorizations {
            self.by_number.insert(a.number, i);
        }
        if let Some(t) = reg
            .destination
            .as_ref()
            .and_then(|d| d.archive.as_ref())
            .and_then(|a| a.transfer_number.as_deref())
            .and_then(|t| TransferNumber::parse(t).ok())
        {
            self.by_transfer.insert(t, i);
        }
    }

    /// The registration with this id.
    pub fn get(&self, id: &str) -> Option<&Registration> {
        self.by_id.get(id).map(|&i| &self.regs[i])
    }

    /// Number of registrations.
    pub fn len(&self) -> usize {
        self.regs.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.regs.is_empty()
    }
}

impl RegistryLookup for MemoryRegistry {
    fn by_verification_number(
        &self,
        number: &VerificationNumber,
    ) -> Result<Option<Registration>, Unavailable> {
        Ok(self.by_number.get(number).map(|&i| self.regs[i].clone()))
    }

    fn by_transfer_number(
        &self,
        number: &TransferNumber,
    ) -> Result<Option<Registration>, Unavailable> {
        Ok(self.by_transfer.get(number).map(|&i| self.regs[i].clone()))
    }
}

/// A [`StatusSource`] over a [`RegistryLookup`]: the authorization's status from the
/// registration, and the disclosure built from its data.
#[derive(Debug, Clone, Copy)]
pub struct RegistryStatus<'a, L: ?Sized> {
    /// The registry.
    pub lookup: &'a L,
    /// Code tables for the disclosure's names.
    pub tables: &'a CodeTables,
    /// ID-number masking of the disclosure.
    pub masking: Masking,
}

fn status_of(
    reg: &Registration,
    auth: &Authorization,
    section: Section,
    now: DateTime<Utc>,
    tables: &CodeTables,
    masking: Masking,
) -> StatusAnswer {
    let status = auth.status_at(now);
    if status != AuthStatus::Valid {
        return StatusAnswer::Known {
            status,
            disclosure: None,
        };
    }
    match Disclosure::build(reg, auth, section, tables, masking) {
        Ok(d) => StatusAnswer::Known {
            status,
            disclosure: Some(Box::new(d)),
        },
        // The data changed since issue: the authorization no longer stands.
        Err(Error::ConfirmationOutdated { .. }) => StatusAnswer::Known {
            status: AuthStatus::Superseded,
            disclosure: None,
        },
        Err(_) => StatusAnswer::Known {
            status,
            disclosure: None,
        },
    }
}

impl<L: RegistryLookup + ?Sized> StatusSource for RegistryStatus<'_, L> {
    fn status(
        &self,
        number: &VerificationNumber,
        section: Section,
        now: DateTime<Utc>,
    ) -> Result<StatusAnswer, Unavailable> {
        let Some(reg) = self.lookup.by_verification_number(number)? else {
            return Ok(StatusAnswer::Unknown);
        };
        let Some(auth) = reg.authorization(number) else {
            return Ok(StatusAnswer::Unknown);
        };
        Ok(status_of(
            &reg,
            auth,
            section,
            now,
            self.tables,
            self.masking,
        ))
    }
}

/// Where failed online attempts are counted, per verifier (the registry persists them; the
/// in-memory [`MemoryAttemptLog`] is for one process).
pub trait AttemptLog {
    /// Failed attempts of `verifier` at or after `since`.
    fn failures_since(&self, verifier: &str, since: DateTime<Utc>) -> Result<u32, Unavailable>;
    /// Records a failed attempt of `verifier` at `at`.
    fn record_failure(&self, verifier: &str, at: DateTime<Utc>) -> Result<(), Unavailable>;
}

/// Failed attempts in memory, with old entries dropped as they leave the window asked about.
#[derive(Debug, Default)]
pub struct MemoryAttemptLog {
    inner: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl MemoryAttemptLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }
}

impl AttemptLog for MemoryAttemptLog {
    fn failures_since(&self, verifier: &str, since: DateTime<Utc>) -> Result<u32, Unavailable> {
        let mut map = self.inner.lock().map_err(|_| Unavailable)?;
        let Some(q) = map.get_mut(verifier) else {
            return Ok(0);
        };
        while q.front().is_some_and(|&t| t < since) {
            q.pop_front();
        }
        let n = u32::try_from(q.len()).unwrap_or(u32::MAX);
        if q.is_empty() {
            map.remove(verifier);
        }
        Ok(n)
    }

    fn record_failure(&self, verifier: &str, at: DateTime<Utc>) -> Result<(), Unavailable> {
        let mut map = self.inner.lock().map_err(|_| Unavailable)?;
        map.entry(verifier.to_string()).or_default().push_back(at);
        Ok(())
    }
}

/// Online verification by name and verification number or transfer number.
#[derive(Debug, Clone)]
pub struct OnlineVerifier<'a> {
    /// Code tables for the disclosure's names.
    pub tables: &'a CodeTables,
    /// ID-number masking of the disclosure.
    pub masking: Masking,
    /// Failed attempts allowed per verifier within `window`; past it, [`Verdict::RateLimited`].
    pub limit: u32,
    /// The window over which failures are counted.
    pub window: Duration,
}

impl<'a> OnlineVerifier<'a> {
    /// A verifier allowing 10 failed attempts per hour per verifier, with default masking.
    pub fn new(tables: &'a CodeTables) -> Self {
        OnlineVerifier {
            tables,
            masking: Masking::default(),
            limit: 10,
            window: Duration::hours(1),
        }
    }

    /// Verifies `name` with `number` (a verification number, or a transfer number `ZD-…`) for
    /// `verifier` at `now`.
    ///
    /// Order: the verifier must be an archive or hukou department (else wrong section); past
    /// the failure limit, rate limited; a malformed number is malformed and a wrong check
    /// symbol a typo, both before any lookup and neither counted; then the lookup. An unknown
    /// number, a wrong name and a registration with no authorization all give the same
    /// [`Verdict::NoMatch`] and each counts one failure; names are compared through their
    /// SHA-256 digests in constant time, with a dummy comparison when the number is unknown. An
    /// unreachable registry or attempt log gives [`Verdict::Indeterminate`].
    pub fn verify(
        &self,
        verifier: &Actor,
        name: &str,
        number: &str,
        now: DateTime<Utc>,
        lookup: &dyn RegistryLookup,
        attempts: &dyn AttemptLog,
    ) -> Verdict {
        let (Some(section), Some(who)) = (department_section(verifier), verifier_key(verifier))
        else {
            return Verdict::WrongSection;
        };
        let since = now
            .checked_sub_signed(self.window)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        match attempts.failures_since(&who, since) {
            Err(Unavailable) => return Verdict::Indeterminate,
            Ok(n) if n >= self.limit => return Verdict::RateLimited,
            Ok(_) => {}
        }
        enum Num {
            V(VerificationNumber),
            T(TransferNumber),
        }
        let parsed = if TransferNumber::looks_like(number) {
            TransferNumber::parse(number).map(Num::T)
        } else {
            VerificationNumber::parse(number).map(Num::V)
        };
        let num = match parsed {
            Ok(n) => n,
            Err(Error::NumberTypo | Error::TransferNumberTypo) => return Verdict::Typo,
            Err(_) => return Verdict::Malformed,
        };
        let found = match &num {
            Num::V(n) => lookup.by_verification_number(n),
            Num::T(t) => lookup.by_transfer_number(t),
        };
        let reg = match found {
            Ok(r) => r,
            Err(Unavailable) => return Verdict::Indeterminate,
        };
        let stored_name = reg
            .as_ref()
            .and_then(|r| r.basic.as_deref())
            .map(|b| b.name.as_str());
        // Always one comparison of two digests, whether or not the number was found.
        let name_ok = names_match(name, stored_name.unwrap_or(DUMMY_NAME)) & stored_name.is_some();
        let auth = match (&reg, name_ok) {
            (Some(r), true) => match &num {
                Num::V(n) => r.authorization(n),
                Num::T(_) => pick_authorization(r, section, now),
            },
            _ => None,
        };
        let (Some(reg), Some(auth)) = (reg.as_ref(), auth) else {
            return match attempts.record_failure(&who, now) {
                Ok(()) => Verdict::NoMatch,
                Err(Unavailable) => Verdict::Indeterminate,
            };
        };
        match auth.status_at(now) {
            AuthStatus::Valid => {}
            AuthStatus::Expired => return Verdict::Expired,
            AuthStatus::NotYetValid => return Verdict::NotYetValid,
            AuthStatus::Revoked => return Verdict::Revoked,
            AuthStatus::Superseded => return Verdict::Superseded,
        }
        if !auth.sections.has(section) {
            return Verdict::WrongSection;
        }
        match status_of(reg, auth, section, now, self.tables, self.masking) {
            StatusAnswer::Known {
                status: AuthStatus::Valid,
                disclosure: Some(d),
            } => Verdict::Valid(Box::new(Finding {
                number: auth.number,
                expires_at: auth.valid_until,
                disclosure: *d,
            })),
            StatusAnswer::Known {
                status: AuthStatus::Superseded,
                ..
            } => Verdict::Superseded,
            _ => Verdict::Indeterminate,
        }
    }
}

const DUMMY_NAME: &str = "\u{0}no-such-graduate\u{0}";

fn verifier_key(v: &Actor) -> Option<String> {
    match v {
        Actor::ArchiveDept { id, .. } => Some(format!("archive_dept:{id}")),
        Actor::HukouDept { id, .. } => Some(format!("hukou_dept:{id}")),
        _ => None,
    }
}

/// For a transfer number: a valid authorization covering the section if there is one, else the
/// most recently issued.
fn pick_authorization(
    reg: &Registration,
    section: Section,
    now: DateTime<Utc>,
) -> Option<&Authorization> {
    reg.authorizations
        .iter()
        .rev()
        .find(|a| a.status_at(now) == AuthStatus::Valid && a.sections.has(section))
        .or_else(|| reg.authorizations.iter().max_by_key(|a| a.issued_at))
}

/// A name as compared: whitespace removed, the middle-dot variants of names such as 买买提·艾力
/// unified, ASCII letters folded to lower case.
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{2022}' | '\u{30FB}' | '\u{2027}' | '\u{FF65}' | '\u{2219}' | '\u{22C5}' => {
                '\u{00B7}'
            }
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Whether two names match after [`normalize_name`], comparing their SHA-256 digests without an
/// early exit.
pub fn names_match(a: &str, b: &str) -> bool {
    let da: [u8; 32] = Sha256::digest(normalize_name(a).as_bytes()).into();
    let db: [u8; 32] = Sha256::digest(normalize_name(b).as_bytes()).into();
    let diff = da
        .iter()
        .zip(db.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
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
            ]
        );
        for k in VerdictKind::ALL {
            assert_eq!(VerdictKind::from_code(k.code()), Some(k));
            if k != VerdictKind::Valid {
                assert_eq!(Verdict::without_data(k).map(|v| v.kind()), Some(k));
            }
            assert!(!k.message_zh().is_empty());
        }
        assert_eq!(VerdictKind::from_code(13), None);
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

    #[test]
    fn names_compare_after_normalization() {
        assert!(names_match("张明", " 张 明 "));
        assert!(names_match("买买提·艾力", "买买提•艾力"));
        assert!(names_match("Li Lei", "lilei"));
        assert!(!names_match("张明", "张敏"));
        assert!(!names_match("张明", ""));
    }

    #[test]
    fn attempt_log_counts_within_the_window() {
        let log = MemoryAttemptLog::new();
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        for i in 0..3 {
            log.record_failure("a", t0 + Duration::minutes(i)).unwrap();
        }
        assert_eq!(log.failures_since("a", t0).unwrap(), 3);
        assert_eq!(log.failures_since("b", t0).unwrap(), 0);
        assert_eq!(
            log.failures_since("a", t0 + Duration::seconds(30)).unwrap(),
            2
        );
        assert_eq!(log.failures_since("a", t0 + Duration::hours(1)).unwrap(), 0);
    }
}
