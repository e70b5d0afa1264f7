//! Where verification learns an authorization's current status: the [`StatusSource`] a scan
//! asks, the [`RegistryLookup`] online verification asks, the in-memory [`MemoryRegistry`], and
//! [`RegistryStatus`], a status source over any lookup.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::codes::number::VerificationNumber;
use crate::codes::transfer::TransferNumber;
use crate::disclosure::{Disclosure, Masking};
use crate::error::Error;
use crate::lifecycle::{AuthStatus, Authorization, Registration, Section};
use crate::tables::CodeTables;

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

    /// The end of validity on record for the authorization `number`, extensions included, when
    /// the source knows it. A scan then judges the time window by it instead of the printed
    /// end (an extended authorization verifies after the printed end, and the answer carries
    /// the current end). The default knows nothing (`Ok(None)`): the printed end stands.
    fn valid_until(
        &self,
        number: &VerificationNumber,
    ) -> Result<Option<DateTime<Utc>>, Unavailable> {
        let _ = number;
        Ok(None)
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
    /// A registration to compare against when a number is unknown (any stored one; `None`
    /// when there is none), so that an unknown number costs the same work as a wrong name.
    /// The default has none.
    fn decoy(&self) -> Result<Option<Registration>, Unavailable> {
        Ok(None)
    }
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

    fn decoy(&self) -> Result<Option<Registration>, Unavailable> {
        Ok(self.regs.first().cloned())
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

/// The status of `auth` in `reg` at `now`, with the disclosure of `section` when it is valid; a
/// disclosure that no longer builds from the data on record means the authorization was
/// superseded.
pub(super) fn status_of(
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

    fn valid_until(
        &self,
        number: &VerificationNumber,
    ) -> Result<Option<DateTime<Utc>>, Unavailable> {
        Ok(self
            .lookup
            .by_verification_number(number)?
            .and_then(|reg| reg.authorization(number).map(|a| a.valid_until)))
    }
}
