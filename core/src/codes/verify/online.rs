//! Online verification by name and verification or transfer number, with the per-verifier
//! failure count and the comparison of names.

use std::collections::{HashMap, VecDeque};
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

    /// Verifies `name` with `number` (a verification number, or a transfer number `ZD-…`) for
    /// `verifier` at `now`.
    ///
    /// Order: the verifier must be an archive or hukou department (else wrong section); past
    /// the failure limit, rate limited; a malformed number is malformed and a wrong check
    /// symbol a typo, both before any lookup and neither counted; a transfer number checked by a
    /// hukou department is the wrong section, before any lookup and not counted (a transfer
    /// number identifies an archive transfer only); then the lookup. An unknown
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
        // A transfer number identifies an archive transfer only: it never opens the hukou
        // section. Answered before any lookup, so the answer says nothing about the number.
        if matches!(num, Num::T(_)) && section == Section::Hukou {
            return Verdict::WrongSection;
        }
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
