//! Verification of a scanned token, step by step.

use chrono::{DateTime, Duration, Utc};

use super::department_section;
use super::status::{StatusAnswer, StatusSource, Unavailable};
use super::{Finding, Step, Verdict, VerdictKind};
use crate::codes::keyring::KeyRing;
use crate::codes::token::{decode, disclosure_digest, split_prefix, DecodedToken};
use crate::lifecycle::{Actor, AuthStatus};

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
        let (prefix, _) = split_prefix(token);
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
