//! Online verification by name and verification or transfer number: the guessing limits (per
//! authenticated principal and per number), the one atomic step that counts, looks up, judges
//! and records, and the comparison of names.
//!
//! # Guessing limits
//!
//! Failures (a wrong name, an unknown number, a registration with no such authorization) are
//! counted in a window (one hour by default) twice over: per **principal** — the identity the
//! host authenticated, never a value taken from the request — and per **number**, whoever tried
//! it. A query is refused ([`Verdict::RateLimited`]) when
//!
//! - its principal has [`OnlineVerifier::limit`] failures or more in the window (its own
//!   failures, on any number), or
//! - the number has [`OnlineVerifier::number_limit`] failures or more and this principal has at
//!   least one failure of its own on it, or
//! - the number has [`OnlineVerifier::number_ceiling`] failures or more, from anyone.
//!
//! So a principal with a clean record on a number is still answered after others failed on it
//! (an office with the right name is not locked out by a guesser), while a guesser gets at most
//! `limit` wrong answers per window, and a number at most `number_ceiling` wrong answers per
//! window however many principals try it. The refusal is decided from the counts alone, before
//! the name is compared, so it never tells whether the query would have been right.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::department_section;
use super::status::{status_of, RegistryLookup, StatusAnswer, Unavailable};
use super::{Finding, Verdict};
use crate::codes::number::VerificationNumber;
use crate::codes::transfer::TransferNumber;
use crate::disclosure::Masking;
use crate::error::Error;
use crate::lifecycle::{Actor, AuthStatus, Authorization, Registration, Section};
use crate::tables::CodeTables;

/// The identity your host authenticated for the caller of an online verification (a login, a
/// client certificate's subject, an API key's owner), **never a value taken from the request**.
/// Failures are limited per principal, so a caller who may choose its principal per query is
/// limited by the per-number limits only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal(String);

impl Principal {
    /// The longest principal accepted, in bytes.
    pub const MAX_LEN: usize = 256;

    /// A principal from the host's authenticated identity: 1 to [`Self::MAX_LEN`] bytes, not
    /// only white space, without control characters; else [`Error::InvalidArgument`].
    pub fn new(id: &str) -> Result<Self, Error> {
        if id.trim().is_empty() {
            return Err(Error::InvalidArgument(
                "principal: empty (pass the identity your host authenticated)".into(),
            ));
        }
        if id.len() > Self::MAX_LEN {
            return Err(Error::InvalidArgument(format!(
                "principal: {} bytes, at most {} allowed",
                id.len(),
                Self::MAX_LEN
            )));
        }
        if id.chars().any(char::is_control) {
            return Err(Error::InvalidArgument(
                "principal: contains a control character".into(),
            ));
        }
        Ok(Principal(id.to_string()))
    }

    /// The principal as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The number an online verification asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnlineNumber {
    /// A verification number (核验码).
    Verification(VerificationNumber),
    /// A transfer number (转递编号, `ZD-…`).
    Transfer(TransferNumber),
}

impl OnlineNumber {
    /// The compact form the store indexes numbers by.
    pub fn as_compact(&self) -> &str {
        match self {
            OnlineNumber::Verification(n) => n.as_compact(),
            OnlineNumber::Transfer(t) => t.as_compact(),
        }
    }
}

/// One online attempt as the attempt log sees it.
#[derive(Debug, Clone, Copy)]
pub struct AttemptKey<'a> {
    /// The authenticated principal asking.
    pub principal: &'a Principal,
    /// The number asked about.
    pub number: &'a OnlineNumber,
    /// Failures at or after this instant count (the start of the window).
    pub since: DateTime<Utc>,
    /// When the attempt is made; a failure is recorded at this instant.
    pub at: DateTime<Utc>,
}

/// Failures counted in the window, as the attempt log saw them before this attempt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    /// Failures of the principal, on any number.
    pub by_principal: u32,
    /// Failures on the number, from any principal.
    pub on_number: u32,
    /// Failures of the principal on the number.
    pub by_principal_on_number: u32,
}

/// What the lookup of an attempt gave: the registration holding the number, or, when no
/// registration holds it, a decoy registration (any stored one, `None` when there is none) that
/// is compared against exactly as a found one would be and then discarded. Both paths read and
/// decode one registration and compare one name.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Whether a registration holds the number (`registration` is then that one).
    pub found: bool,
    /// The registration holding the number, or the decoy.
    pub registration: Option<Registration>,
}

/// Where online attempts are counted, looked up and recorded, in one atomic step per attempt.
///
/// [`attempt`](Self::attempt) counts the failures of the window, looks the number up (or loads
/// the decoy), calls `judge` with both, and records a failure when `judge` returns `true` — with
/// no other attempt counted or recorded in between, so racing attempts can never get more
/// answers than the limits allow. The registry implements it in one store transaction; for a
/// lookup of your own, [`MemoryAttemptLog::with_lookup`] gives one in memory.
pub trait AttemptLog {
    /// Runs one attempt atomically; `Err` when the log or the lookup is unreachable (nothing is
    /// then recorded).
    fn attempt(
        &self,
        key: &AttemptKey<'_>,
        judge: &mut dyn FnMut(&Failures, Candidate) -> bool,
    ) -> Result<(), Unavailable>;
}

#[derive(Debug, Clone)]
struct FailureRow {
    principal: String,
    number: String,
    at: DateTime<Utc>,
}

/// Failed attempts in memory, for one process; each attempt drops the entries older than its
/// window.
#[derive(Debug, Default)]
pub struct MemoryAttemptLog {
    inner: Mutex<Vec<FailureRow>>,
}

impl MemoryAttemptLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// This log with `lookup` as the registry it looks numbers up in: an [`AttemptLog`] whose
    /// attempts hold the log's lock from the count to the record.
    pub fn with_lookup<'a>(&'a self, lookup: &'a dyn RegistryLookup) -> LookupAttempts<'a> {
        LookupAttempts { log: self, lookup }
    }

    /// Failures at or after `since`, of `principal` (any principal when `None`) on `number`
    /// (compact form; any number when `None`).
    pub fn failures(
        &self,
        principal: Option<&str>,
        number: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<u32, Unavailable> {
        let rows = self.inner.lock().map_err(|_| Unavailable)?;
        let n = rows
            .iter()
            .filter(|r| r.at >= since)
            .filter(|r| principal.is_none_or(|p| r.principal == p))
            .filter(|r| number.is_none_or(|n| r.number == n))
            .count();
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

/// A [`MemoryAttemptLog`] with the registry it looks numbers up in (see
/// [`MemoryAttemptLog::with_lookup`]).
#[derive(Clone, Copy)]
pub struct LookupAttempts<'a> {
    log: &'a MemoryAttemptLog,
    lookup: &'a dyn RegistryLookup,
}

impl std::fmt::Debug for LookupAttempts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupAttempts")
            .field("log", self.log)
            .finish_non_exhaustive()
    }
}

impl AttemptLog for LookupAttempts<'_> {
    fn attempt(
        &self,
        key: &AttemptKey<'_>,
        judge: &mut dyn FnMut(&Failures, Candidate) -> bool,
    ) -> Result<(), Unavailable> {
        let mut rows = self.log.inner.lock().map_err(|_| Unavailable)?;
        rows.retain(|r| r.at >= key.since);
        let number = key.number.as_compact();
        let failures = count_failures(
            rows.iter()
                .map(|r| (r.principal.as_str(), r.number.as_str())),
            key.principal.as_str(),
            number,
        );
        let found = match key.number {
            OnlineNumber::Verification(n) => self.lookup.by_verification_number(n)?,
            OnlineNumber::Transfer(t) => self.lookup.by_transfer_number(t)?,
        };
        let candidate = match found {
            Some(reg) => Candidate {
                found: true,
                registration: Some(reg),
            },
            None => Candidate {
                found: false,
                registration: self.lookup.decoy()?,
            },
        };
        if judge(&failures, candidate) {
            rows.push(FailureRow {
                principal: key.principal.as_str().to_string(),
                number: number.to_string(),
                at: key.at,
            });
        }
        Ok(())
    }
}

/// Counts the failures of the window from `(principal, number)` rows already limited to it.
pub(crate) fn count_failures<'r>(
    rows: impl Iterator<Item = (&'r str, &'r str)>,
    principal: &str,
    number: &str,
) -> Failures {
    let mut f = Failures::default();
    for (p, n) in rows {
        let mine = p == principal;
        let on = n == number;
        f.by_principal = f.by_principal.saturating_add(u32::from(mine));
        f.on_number = f.on_number.saturating_add(u32::from(on));
        f.by_principal_on_number = f
            .by_principal_on_number
            .saturating_add(u32::from(mine && on));
    }
    f
}

/// Online verification by name and verification number or transfer number.
#[derive(Debug, Clone)]
pub struct OnlineVerifier<'a> {
    /// Code tables for the disclosure's names.
    pub tables: &'a CodeTables,
    /// ID-number masking of the disclosure.
    pub masking: Masking,
    /// Failures allowed per principal (on any number) within `window`; past it,
    /// [`Verdict::RateLimited`] for that principal.
    pub limit: u32,
    /// Failures on one number (from any principal) within `window` past which a principal that
    /// has failed on that number itself is refused; a principal with no failure of its own on
    /// the number is still answered.
    pub number_limit: u32,
    /// Failures on one number within `window` past which every principal is refused on it, so
    /// that many principals together cannot guess without bound.
    pub number_ceiling: u32,
    /// The window over which failures are counted.
    pub window: Duration,
}

impl<'a> OnlineVerifier<'a> {
    /// A verifier allowing, per hour, 10 failures per principal, and per number 10 failures
    /// before principals that failed on it are refused and 100 before everyone is; default
    /// masking.
    pub fn new(tables: &'a CodeTables) -> Self {
        OnlineVerifier {
            tables,
            masking: Masking::default(),
            limit: 10,
            number_limit: 10,
            number_ceiling: 100,
            window: Duration::hours(1),
        }
    }

    /// Sets the window over which failures are counted, in seconds: from 0 to
    /// [`MAX_WINDOW_SECONDS`](Self::MAX_WINDOW_SECONDS) (a year); anything else is an
    /// [`Error::InvalidArgument`] and leaves the window as it was.
    pub fn set_window_seconds(&mut self, seconds: i64) -> crate::error::Result<()> {
        if !(0..=Self::MAX_WINDOW_SECONDS).contains(&seconds) {
            return Err(Error::InvalidArgument(format!(
                "失败计数窗口超出范围 / window_seconds is {seconds}, outside 0 to {}",
                Self::MAX_WINDOW_SECONDS
            )));
        }
        self.window = Duration::seconds(seconds);
        Ok(())
    }

    /// The longest failure window [`set_window_seconds`](Self::set_window_seconds) accepts:
    /// 366 days.
    pub const MAX_WINDOW_SECONDS: i64 = 366 * 86_400;

    /// Whether an attempt with these failures in the window is refused (decided before any
    /// name is compared).
    pub fn refuses(&self, f: &Failures) -> bool {
        f.by_principal >= self.limit
            || (f.on_number >= self.number_limit && f.by_principal_on_number > 0)
            || f.on_number >= self.number_ceiling
    }

    /// Verifies `name` with `number` for `principal` speaking as the department `verifier` at
    /// `now`, looking numbers up in `lookup` and counting failures in `attempts` (see
    /// [`verify_with`](Self::verify_with)).
    #[allow(clippy::too_many_arguments)]
    pub fn verify(
        &self,
        principal: &Principal,
        verifier: &Actor,
        name: &str,
        number: &str,
        now: DateTime<Utc>,
        lookup: &dyn RegistryLookup,
        attempts: &MemoryAttemptLog,
    ) -> Verdict {
        self.verify_with(
            principal,
            verifier,
            name,
            number,
            now,
            &attempts.with_lookup(lookup),
        )
    }

    /// Verifies `name` with `number` (a verification number, or a transfer number `ZD-…`) for
    /// `principal`, the identity the host authenticated, speaking as the department `verifier`
    /// (which gives the section only) at `now`.
    ///
    /// Order: the verifier must be an archive or hukou department (else wrong section); a
    /// malformed number is malformed and a wrong check symbol a typo, neither counted; a transfer
    /// number checked by a hukou department is the wrong section, not counted (a transfer number
    /// identifies an archive transfer only); these come before any lookup and say nothing about
    /// the registry. Then one atomic [`AttemptLog::attempt`]: past a limit (see
    /// [`refuses`](Self::refuses) and the module documentation) rate limited, decided from the
    /// counts only; else the lookup. An unknown number, a wrong name and a registration with
    /// no authorization all give the same [`Verdict::NoMatch`] through the same work — one
    /// registration read (a decoy when the number is unknown), one comparison of SHA-256
    /// digests in constant time — and each records one failure. An unreachable registry or
    /// attempt log gives [`Verdict::Indeterminate`].
    pub fn verify_with(
        &self,
        principal: &Principal,
        verifier: &Actor,
        name: &str,
        number: &str,
        now: DateTime<Utc>,
        attempts: &dyn AttemptLog,
    ) -> Verdict {
        let Some(section) = department_section(verifier) else {
            return Verdict::WrongSection;
        };
        let parsed = if TransferNumber::looks_like(number) {
            TransferNumber::parse(number).map(OnlineNumber::Transfer)
        } else {
            VerificationNumber::parse(number).map(OnlineNumber::Verification)
        };
        let num = match parsed {
            Ok(n) => n,
            Err(Error::NumberTypo | Error::TransferNumberTypo) => return Verdict::Typo,
            Err(_) => return Verdict::Malformed,
        };
        // A transfer number identifies an archive transfer only: it never opens the hukou
        // section. Answered before any lookup, so the answer says nothing about the number.
        if matches!(num, OnlineNumber::Transfer(_)) && section == Section::Hukou {
            return Verdict::WrongSection;
        }
        let key = AttemptKey {
            principal,
            number: &num,
            since: now
                .checked_sub_signed(self.window)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            at: now,
        };
        let mut verdict = Verdict::Indeterminate;
        let done = attempts.attempt(&key, &mut |failures, candidate| {
            if self.refuses(failures) {
                verdict = Verdict::RateLimited;
                return false;
            }
            match self.judge(name, &num, section, now, candidate) {
                Some(v) => {
                    verdict = v;
                    false
                }
                None => {
                    verdict = Verdict::NoMatch;
                    true
                }
            }
        });
        match done {
            Ok(()) => verdict,
            Err(Unavailable) => Verdict::Indeterminate,
        }
    }

    /// The answer for a candidate, or `None` for a failure (no match).
    fn judge(
        &self,
        name: &str,
        num: &OnlineNumber,
        section: Section,
        now: DateTime<Utc>,
        candidate: Candidate,
    ) -> Option<Verdict> {
        let reg = candidate.registration;
        let stored_name = reg
            .as_ref()
            .and_then(|r| r.basic.as_deref())
            .map(|b| b.name.as_str());
        // Always one comparison of two digests, against the found registration or the decoy.
        let name_ok = names_match(name, stored_name.unwrap_or(DUMMY_NAME))
            & stored_name.is_some()
            & candidate.found;
        if !name_ok {
            return None;
        }
        let reg = reg?;
        let auth = match num {
            OnlineNumber::Verification(n) => reg.authorization(n),
            OnlineNumber::Transfer(_) => pick_authorization(&reg, section, now),
        }?;
        Some(self.answer(&reg, auth, section, now))
    }

    /// The verdict for a matched authorization.
    fn answer(
        &self,
        reg: &Registration,
        auth: &Authorization,
        section: Section,
        now: DateTime<Utc>,
    ) -> Verdict {
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

/// A name as compared: the crate's one comparison form, [`crate::names::name_key`] (white
/// space removed, full-width forms and every middle-dot variant of names such as 买买提·艾力
/// folded, ASCII letters in lower case).
pub fn normalize_name(name: &str) -> String {
    crate::names::name_key(name)
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
    fn names_compare_after_normalization() {
        assert!(names_match("张明", " 张 明 "));
        assert!(names_match("买买提·艾力", "买买提•艾力"));
        assert!(names_match("Li Lei", "lilei"));
        assert!(names_match("买买提\u{318D}艾力", "买买提·艾力"));
        assert!(!names_match("张明", "张敏"));
        assert!(!names_match("张明", ""));
    }

    #[test]
    fn window_out_of_range_is_an_argument_error() {
        let tables = CodeTables::builtin();
        let mut v = OnlineVerifier::new(tables);
        v.set_window_seconds(60).unwrap();
        assert_eq!(v.window, Duration::seconds(60));
        for bad in [
            -1,
            OnlineVerifier::MAX_WINDOW_SECONDS + 1,
            1 << 62,
            i64::MAX,
        ] {
            let err = v.set_window_seconds(bad).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidArgument, "{bad}");
            assert_eq!(v.window, Duration::seconds(60));
        }
    }

    #[test]
    fn failures_are_counted_per_principal_and_per_number() {
        let rows = [("a", "N1"), ("a", "N2"), ("b", "N1"), ("c", "N3")];
        let f = count_failures(rows.iter().copied(), "a", "N1");
        assert_eq!(
            f,
            Failures {
                by_principal: 2,
                on_number: 2,
                by_principal_on_number: 1
            }
        );
        let f = count_failures(rows.iter().copied(), "d", "N3");
        assert_eq!(
            f,
            Failures {
                by_principal: 0,
                on_number: 1,
                by_principal_on_number: 0
            }
        );
    }

    #[test]
    fn refusal_follows_the_limits() {
        let tables = CodeTables::builtin();
        let mut v = OnlineVerifier::new(tables);
        v.limit = 3;
        v.number_limit = 2;
        v.number_ceiling = 5;
        let f = |by_principal, on_number, by_principal_on_number| Failures {
            by_principal,
            on_number,
            by_principal_on_number,
        };
        assert!(!v.refuses(&f(2, 1, 1)));
        assert!(v.refuses(&f(3, 0, 0)));
        // Past the number's limit: refused with a failure of one's own on it, answered without.
        assert!(v.refuses(&f(1, 2, 1)));
        assert!(!v.refuses(&f(0, 4, 0)));
        assert!(!v.refuses(&f(2, 4, 0)));
        // Past the ceiling: everyone.
        assert!(v.refuses(&f(0, 5, 0)));
    }

    #[test]
    fn principals_are_authenticated_identities_not_blanks() {
        assert_eq!(Principal::new("office-17").unwrap().as_str(), "office-17");
        for bad in ["", "   ", "a\u{0}b", "a\nb"] {
            assert!(matches!(
                Principal::new(bad),
                Err(Error::InvalidArgument(_))
            ));
        }
        assert!(Principal::new(&"x".repeat(Principal::MAX_LEN)).is_ok());
        assert!(Principal::new(&"x".repeat(Principal::MAX_LEN + 1)).is_err());
    }
}
