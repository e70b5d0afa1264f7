//! Tokens issued through the registry: the signing key of each authorization recorded, a slot
//! in the issuer's status list assigned, and the signed status lists published from the store.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Registry;
use crate::codes::status_list::{EntryStatus, StatusList, MIN_ENTRIES};
use crate::codes::token::{IssueOptions, StatusPointer, FORMAT_VERSION_2};
use crate::codes::{KeyId, KeyRing, VerificationNumber};
use crate::disclosure::{Disclosure, Masking};
use crate::error::{Error, Result};
use crate::lifecycle::{AuthState, AuthStatus, Section};

/// Entries per published status list: slot `s` is entry `s % ENTRIES_PER_LIST` of list
/// `s / ENTRIES_PER_LIST`.
pub const ENTRIES_PER_LIST: u32 = MIN_ENTRIES;

/// A signed status list as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedStatusList {
    /// The list id (tokens point at it).
    pub list: u32,
    /// The signed text, `GS1.…`.
    pub text: String,
    /// How many of its entries are not in force.
    pub not_in_force: u64,
}

impl Registry {
    /// Issues the token of the `section` form of authorization `number` at `now`, signed with
    /// the ring's active key, under the same rules as the form itself: a revoked or superseded
    /// authorization gets none (`AuthorizationNotActive`), nor an expired one
    /// (`AuthorizationExpired`), nor one whose data changed since (`ConfirmationOutdated`).
    ///
    /// The key that signed is recorded with the authorization ([`Registry::signing_keys`]). A
    /// format-2 token (`opts.version == 2`) points at the authorization's entry in the
    /// issuer's status list ([`Registry::status_lists`]); the entry is assigned on the first
    /// token and kept (any `opts.status` given is replaced).
    pub fn issue_token(
        &self,
        ring: &KeyRing,
        number: &VerificationNumber,
        section: Section,
        opts: &IssueOptions,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let reg = self
            .find_by_number(number)?
            .ok_or_else(|| Error::AuthorizationNotFound(number.to_string()))?;
        let auth = reg
            .authorization(number)
            .ok_or_else(|| Error::AuthorizationNotFound(number.to_string()))?;
        match auth.status_at(now) {
            AuthStatus::Valid | AuthStatus::NotYetValid => {}
            AuthStatus::Expired => return Err(Error::AuthorizationExpired),
            AuthStatus::Revoked | AuthStatus::Superseded => {
                return Err(Error::AuthorizationNotActive { state: auth.state })
            }
        }
        let disclosure = Disclosure::build(&reg, auth, section, &self.tables, Masking::default())?;
        let kid = ring.active().ok_or(Error::NoActiveKey)?;
        let slot = self.store.record_token(number.as_compact(), kid.0, now)?;
        let mut opts = opts.clone();
        if opts.version == FORMAT_VERSION_2 {
            let list = u32::try_from(slot / u64::from(ENTRIES_PER_LIST))
                .map_err(|_| Error::TokenIssue("status slots exhausted".into()))?;
            opts.status = Some(StatusPointer {
                list,
                index: (slot % u64::from(ENTRIES_PER_LIST)) as u32,
            });
        }
        crate::codes::issue_token(ring, auth, &disclosure, &opts)
    }

    /// The keys that signed tokens of authorization `number`, with the first time each did.
    pub fn signing_keys(&self, number: &VerificationNumber) -> Result<Vec<(KeyId, DateTime<Utc>)>> {
        Ok(self
            .store
            .signing_keys(number.as_compact())?
            .into_iter()
            .map(|(k, at)| (KeyId(k), at))
            .collect())
    }

    /// The issuer's status lists as of `now`, signed with the ring's active key, valid until
    /// `next_update`: one list of [`ENTRIES_PER_LIST`] entries per started block of status
    /// slots (at least one list, even before any token). An entry is revoked when the graduate
    /// revoked the authorization, superseded when it was superseded or its registration's data
    /// changed since (or the registration is gone), and in force otherwise (expiry is the
    /// token's own business).
    pub fn status_lists(
        &self,
        ring: &KeyRing,
        now: DateTime<Utc>,
        next_update: DateTime<Utc>,
    ) -> Result<Vec<PublishedStatusList>> {
        let slots = self.store.status_slots()?;
        let mut status: HashMap<String, EntryStatus> = HashMap::with_capacity(slots.len());
        if !slots.is_empty() {
            self.store.for_each(&mut |reg| {
                for a in &reg.authorizations {
                    let s = match a.state {
                        AuthState::Revoked => EntryStatus::Revoked,
                        AuthState::Superseded => EntryStatus::Superseded,
                        AuthState::Active if a.data_version != reg.data_version => {
                            EntryStatus::Superseded
                        }
                        AuthState::Active => EntryStatus::InForce,
                    };
                    status.insert(a.number.as_compact().to_string(), s);
                }
                Ok(())
            })?;
        }
        let per = u64::from(ENTRIES_PER_LIST);
        let lists = slots.last().map_or(1, |(s, _)| s / per + 1);
        let mut out: Vec<StatusList> = (0..lists)
            .map(|i| {
                let id =
                    u32::try_from(i).map_err(|_| Error::TokenIssue("too many lists".into()))?;
                StatusList::new(id, ENTRIES_PER_LIST, now, next_update)
            })
            .collect::<Result<_>>()?;
        for (slot, number) in &slots {
            let s = status
                .get(number)
                .copied()
                .unwrap_or(EntryStatus::Superseded);
            if s != EntryStatus::InForce {
                out[(slot / per) as usize].set((slot % per) as u32, s)?;
            }
        }
        out.iter()
            .map(|l| {
                Ok(PublishedStatusList {
                    list: l.id(),
                    text: l.sign(ring)?,
                    not_in_force: l.count_not_in_force(),
                })
            })
            .collect()
    }
}
