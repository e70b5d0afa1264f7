//! Verification against the store: the registry as the lookup and attempt log of online
//! verification, and as the status source of scanned tokens.

use chrono::{DateTime, Utc};

use super::Registry;
use crate::lifecycle::{Actor, Registration};

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
    fn failures_since(
        &self,
        verifier: &str,
        since: DateTime<Utc>,
    ) -> std::result::Result<u32, crate::codes::Unavailable> {
        self.store
            .failures_since(verifier, since)
            .map_err(|_| crate::codes::Unavailable)
    }

    fn record_failure(
        &self,
        verifier: &str,
        at: DateTime<Utc>,
    ) -> std::result::Result<(), crate::codes::Unavailable> {
        self.store
            .record_attempt(verifier, at, false)
            .map_err(|_| crate::codes::Unavailable)
    }
}

impl Registry {
    /// Online verification (name + verification or transfer number) against the store, with
    /// the store's per-verifier failure count. An unreachable store gives `Indeterminate`.
    pub fn verify_online(
        &self,
        verifier: &crate::codes::OnlineVerifier<'_>,
        department: &Actor,
        name: &str,
        number: &str,
        now: DateTime<Utc>,
    ) -> crate::codes::Verdict {
        verifier.verify(department, name, number, now, self, self)
    }

    /// Verifies a scanned token: signature with `ring`, time window, the department's section,
    /// then the authorization's current status in the store (revoked or superseded forms never
    /// verify as valid).
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
        crate::codes::verify_token(token, ring, department, now, &status, opts)
    }
}
