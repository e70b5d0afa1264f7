//! Verification against the store: the registry as the lookup and attempt log of online
//! verification, and as the status source of scanned tokens.

use chrono::{DateTime, Utc};

use super::Registry;
use crate::codes::Verdict;
use crate::lifecycle::{Actor, Command, Registration};

impl crate::codes::RegistryLookup for Registry {
    fn by_verification_number(
        &self,
        number: &crate::codes::VerificationNumber,
    ) -> std::result::Result<Option<Registration>, crate::codes::Unavailable> {
        self.find_by_number(number)
            .map_err(|_| crate::codes::Unavailable)
    }

    fn by_transfer_number(
        &self,
        number: &crate::codes::TransferNumber,
    ) -> std::result::Result<Option<Registration>, crate::codes::Unavailable> {
        let found = self
            .store
            .find_by_number(number.as_compact())
            .map_err(|_| crate::codes::Unavailable)?;
        match found {
            Some(id) => self.store.load(&id).map_err(|_| crate::codes::Unavailable),
            None => Ok(None),
        }
    }
}

impl crate::codes::AttemptLog for Registry {
    /// One attempt in one store operation ([`Store::online_attempt`](super::Store::online_attempt)).
    fn attempt(
        &self,
        key: &crate::codes::AttemptKey<'_>,
        judge: &mut dyn FnMut(&crate::codes::Failures, crate::codes::Candidate) -> bool,
    ) -> std::result::Result<(), crate::codes::Unavailable> {
        self.store
            .online_attempt(key, judge)
            .map_err(|_| crate::codes::Unavailable)
    }
}

impl Registry {
    /// Online verification (name + verification or transfer number) by `principal` — the
    /// identity your host authenticated, never a value taken from the request — speaking as
    /// `department` (which gives the section only), against the store. Failures are counted
    /// per principal and per number, and the count, the lookup and the recording of a failure
    /// happen in one store transaction (see [`OnlineVerifier`](crate::codes::OnlineVerifier)
    /// for the limits); an unknown number and a wrong name do the same work. An unreachable
    /// store gives `Indeterminate`.
    ///
    /// A `valid` answer leaves its trace in the same call: the check is applied as
    /// [`Command::RecordVerification`] by `department` at `now`, so the registration's audit log
    /// holds it and the graduate gets the `form_verified` event (who checked, which form, when).
    /// The registry never answers `valid` without that trace: when it cannot be recorded (the
    /// store is unreachable, busy past its timeout or full), the answer is `Indeterminate` and
    /// the department asks again. Other answers record nothing beyond the failure count.
    pub fn verify_online(
        &self,
        verifier: &crate::codes::OnlineVerifier<'_>,
        principal: &crate::codes::Principal,
        department: &Actor,
        name: &str,
        number: &str,
        now: DateTime<Utc>,
    ) -> crate::codes::Verdict {
        let verdict = verifier.verify_with(principal, department, name, number, now, self);
        self.record_check(verdict, department, now)
    }

    /// Records a `valid` answer as [`Command::RecordVerification`] (see
    /// [`verify_online`](Self::verify_online)); any other answer passes through. A trace that
    /// cannot be recorded turns the answer into `Indeterminate`.
    fn record_check(&self, verdict: Verdict, department: &Actor, now: DateTime<Utc>) -> Verdict {
        let Verdict::Valid(finding) = &verdict else {
            return verdict;
        };
        let Some(section) = crate::codes::verify::department_section(department) else {
            return verdict;
        };
        let number = finding.number;
        let id = match self.store.find_by_number(number.as_compact()) {
            Ok(Some(id)) => id,
            Ok(None) | Err(_) => return Verdict::Indeterminate,
        };
        let command = Command::RecordVerification { number, section };
        match self.apply(&id, department, &command, now) {
            Ok(_) => verdict,
            Err(_) => Verdict::Indeterminate,
        }
    }

    /// Verifies a scanned token: signature with `ring`, time window, the department's section,
    /// then the authorization's current status in the store (revoked or superseded forms never
    /// verify as valid). A `valid` answer is recorded in the same call, as
    /// [`verify_online`](Self::verify_online) records it; when the trace cannot be recorded the
    /// verdict is `Indeterminate` failed at the status step (the decoded token is kept).
    pub fn verify_token(
        &self,
        token: &str,
        ring: &crate::codes::KeyRing,
        department: &Actor,
        now: DateTime<Utc>,
        opts: &crate::codes::ScanOptions,
    ) -> crate::codes::ScanOutcome {
        let status = crate::codes::RegistryStatus {
            lookup: self,
            tables: &self.tables,
            masking: crate::disclosure::Masking::default(),
        };
        let mut outcome = crate::codes::verify_token(token, ring, department, now, &status, opts);
        let verdict = std::mem::replace(&mut outcome.verdict, Verdict::Indeterminate);
        let was_valid = matches!(verdict, Verdict::Valid(_));
        outcome.verdict = self.record_check(verdict, department, now);
        if was_valid && !matches!(outcome.verdict, Verdict::Valid(_)) {
            // The status step could not be completed: the check was not recorded.
            outcome.failed_at = Some(crate::codes::Step::Status);
        }
        outcome
    }
}
