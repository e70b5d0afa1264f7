//! Verification of a scanned token, step by step.

use chrono::{DateTime, Duration, Utc};

use super::department_section;
use super::online::names_match;
use super::status::{StatusAnswer, StatusSource, Unavailable};
use super::{Finding, OfflineFinding, Step, UncheckedReason, Verdict, VerdictKind};
use crate::codes::keyring::KeyRing;
use crate::codes::number::VerificationNumber;
use crate::codes::status_list::{EntryStatus, StatusLists};
use crate::codes::token::{
    decode, disclosure_digest_for, split_prefix, trim_scanned, DecodedToken,
};
use crate::lifecycle::{Actor, AuthStatus};

/// Options of scanned-token verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    /// When set, the text in front of `GR1.`/`GR2.` must be this (the unsigned URL prefix of
    /// the deployment), compared without regard to ASCII case.
    pub required_prefix: Option<String>,
    /// Clock tolerance before the issue time (the verifier's clock may run slow).
    pub leeway: Duration,
    /// The verification number printed on the form, when the verifier reads it: a token of
    /// another number gives `holder_mismatch`.
    pub printed_number: Option<VerificationNumber>,
    /// The name of the graduate presenting the form, when the verifier gives it: a token of
    /// another name gives `holder_mismatch` (names compare as in online verification).
    pub holder_name: Option<String>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            required_prefix: None,
            leeway: Duration::seconds(300),
            printed_number: None,
            holder_name: None,
        }
    }
}

/// Where a scan learns the authorization's status.
#[derive(Clone, Copy)]
pub enum StatusCheck<'a> {
    /// Online: a status source (the registry, a service) answers for the number.
    Online(&'a dyn StatusSource),
    /// Offline: the issuer's signed status lists, already verified with its key set.
    Offline(&'a StatusLists),
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
    /// `None` not reached. An `unchecked` verdict is reported at the status step.
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

/// Verifies a scanned token for `verifier` at `now` against an online status source: prefix,
/// decoding, key id, signature (before any field is trusted), content, time window, section,
/// status through `status`, then the holder (printed number, name) when the options give it. An
/// unreachable status source gives [`Verdict::Indeterminate`], never valid.
///
/// The time window is the registry's when the source knows the authorization's current end
/// ([`StatusSource::valid_until`]): an authorization extended after the form was printed
/// verifies until its new end, as the online check of its number does, and a valid verdict
/// carries that end. Offline, or when the source does not know, the printed end stands.
pub fn verify_token(
    token: &str,
    ring: &KeyRing,
    verifier: &Actor,
    now: DateTime<Utc>,
    status: &dyn StatusSource,
    opts: &ScanOptions,
) -> ScanOutcome {
    verify_token_with(
        token,
        ring,
        verifier,
        now,
        StatusCheck::Online(status),
        opts,
    )
}

/// Verifies a scanned token offline, with the issuer's signed status lists (verified with its
/// key set): `valid_offline` as of the list's issue time when the token's entry is in force,
/// `revoked` or `superseded` when it is not, and `unchecked` (with the embedded disclosure)
/// when no fresh list covers the token. Never `valid`.
pub fn verify_token_offline(
    token: &str,
    ring: &KeyRing,
    verifier: &Actor,
    now: DateTime<Utc>,
    lists: &StatusLists,
    opts: &ScanOptions,
) -> ScanOutcome {
    verify_token_with(
        token,
        ring,
        verifier,
        now,
        StatusCheck::Offline(lists),
        opts,
    )
}

/// Verifies a scanned token with either kind of status check (see [`verify_token`] and
/// [`verify_token_offline`]).
pub fn verify_token_with(
    token: &str,
    ring: &KeyRing,
    verifier: &Actor,
    now: DateTime<Utc>,
    check: StatusCheck<'_>,
    opts: &ScanOptions,
) -> ScanOutcome {
    let token = trim_scanned(token);
    if let Some(p) = &opts.required_prefix {
        let (prefix, _) = split_prefix(token);
        if !prefix.eq_ignore_ascii_case(p) {
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
    // The end of validity: the registry's when an online source knows it (an extension moves
    // it past the printed end), else the printed one.
    let expires_at = match check {
        StatusCheck::Online(status) => match status.valid_until(&c.number) {
            Ok(Some(end)) => end,
            Ok(None) | Err(Unavailable) => c.expires_at,
        },
        StatusCheck::Offline(_) => c.expires_at,
    };
    if now >= expires_at {
        return ScanOutcome::fail(Step::TimeWindow, VerdictKind::Expired, Some(decoded));
    }
    if department_section(verifier) != Some(c.section) {
        return ScanOutcome::fail(Step::Section, VerdictKind::WrongSection, Some(decoded));
    }
    let verdict = match check {
        StatusCheck::Online(status) => match online_status(&decoded, status, now, expires_at) {
            Ok(v) => v,
            Err(kind) => return ScanOutcome::fail(Step::Status, kind, Some(decoded)),
        },
        StatusCheck::Offline(lists) => match offline_status(&decoded, lists, now, late_clock) {
            Ok(v) => v,
            Err(kind) => return ScanOutcome::fail(Step::Status, kind, Some(decoded)),
        },
    };
    if !holder_matches(&decoded, &verdict, opts) {
        return ScanOutcome::fail(Step::Holder, VerdictKind::HolderMismatch, Some(decoded));
    }
    let failed_at = matches!(verdict, Verdict::Unchecked(_)).then_some(Step::Status);
    ScanOutcome {
        verdict,
        failed_at,
        token: Some(decoded),
    }
}

/// Whether the printed number and the name, when given, are the token's.
fn holder_matches(decoded: &DecodedToken, verdict: &Verdict, opts: &ScanOptions) -> bool {
    if opts
        .printed_number
        .is_some_and(|n| n != decoded.claims.number)
    {
        return false;
    }
    match (&opts.holder_name, verdict.disclosure()) {
        (Some(name), Some(d)) => names_match(name, &d.identity.name),
        _ => true,
    }
}

/// The status step against an online source; a valid answer carries `expires_at`, the end of
/// validity on record.
fn online_status(
    decoded: &DecodedToken,
    status: &dyn StatusSource,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Verdict, VerdictKind> {
    let c = &decoded.claims;
    let answer = status
        .status(&c.number, c.section, now)
        .map_err(|Unavailable| VerdictKind::Indeterminate)?;
    let (st, current) = match answer {
        StatusAnswer::Unknown => return Err(VerdictKind::NoMatch),
        StatusAnswer::Known { status, disclosure } => (status, disclosure),
    };
    match st {
        AuthStatus::Valid => {}
        AuthStatus::Expired => return Err(VerdictKind::Expired),
        AuthStatus::NotYetValid => return Err(VerdictKind::NotYetValid),
        AuthStatus::Revoked => return Err(VerdictKind::Revoked),
        AuthStatus::Superseded => return Err(VerdictKind::Superseded),
    }
    // Content on record must be the content that was signed.
    if let Some(cur) = &current {
        if disclosure_digest_for(c.version, cur) != Some(c.digest) {
            return Err(VerdictKind::Superseded);
        }
    }
    let disclosure = decoded
        .disclosure
        .clone()
        .or(current.map(|d| *d))
        .ok_or(VerdictKind::Indeterminate)?;
    Ok(Verdict::Valid(Box::new(Finding {
        number: c.number,
        expires_at,
        disclosure,
    })))
}

/// The status step against signed status lists.
fn offline_status(
    decoded: &DecodedToken,
    lists: &StatusLists,
    now: DateTime<Utc>,
    late_clock: DateTime<Utc>,
) -> Result<Verdict, VerdictKind> {
    let c = &decoded.claims;
    let finding = |as_of, next, reason| {
        Box::new(OfflineFinding {
            number: c.number,
            expires_at: c.expires_at,
            disclosure: decoded.disclosure.clone(),
            status_as_of: as_of,
            status_next_update: next,
            reason,
        })
    };
    let unchecked =
        |reason, as_of, next| Ok(Verdict::Unchecked(finding(as_of, next, Some(reason))));
    let Some(p) = c.status else {
        return unchecked(UncheckedReason::NoStatusPointer, None, None);
    };
    let Some(list) = lists.get(p.list) else {
        return unchecked(UncheckedReason::NoStatusList, None, None);
    };
    let (as_of, next) = (Some(list.issued_at()), Some(list.next_update()));
    if list.issued_at() > late_clock {
        return unchecked(UncheckedReason::StatusListNotYetValid, as_of, next);
    }
    if now >= list.next_update() {
        return unchecked(UncheckedReason::StaleStatusList, as_of, next);
    }
    match list.get(p.index) {
        None => unchecked(UncheckedReason::NoSuchEntry, as_of, next),
        Some(EntryStatus::Revoked) => Err(VerdictKind::Revoked),
        Some(EntryStatus::Superseded) => Err(VerdictKind::Superseded),
        Some(EntryStatus::InForce) => Ok(Verdict::ValidOffline(finding(as_of, next, None))),
    }
}
