//! Authorizations (核验授权): the [`Authorization`] a graduate issues so that departments can
//! verify the forms, its stored [`AuthState`] and its [`AuthStatus`] at an instant, and the form
//! [`Section`]s it covers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::access::AuthState;
use crate::codes::number::VerificationNumber;

/// A section of the registration form.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// 档案登记信息表: for archive departments.
    Archive,
    /// 户口登记信息表: for household-registration departments.
    Hukou,
}

impl Section {
    /// The Chinese name of the section's data.
    pub fn name_zh(self) -> &'static str {
        match self {
            Section::Archive => "档案转递",
            Section::Hukou => "户口迁移",
        }
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Archive => "archive",
            Section::Hukou => "hukou",
        }
    }
}

/// Which sections were registered when an authorization was issued.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Sections {
    /// 档案转递 was registered.
    pub archive: bool,
    /// 户口迁移 was registered.
    pub hukou: bool,
}

impl Sections {
    /// Whether a section was registered.
    pub fn has(self, s: Section) -> bool {
        match s {
            Section::Archive => self.archive,
            Section::Hukou => self.hukou,
        }
    }
}

/// The status of an authorization at an instant.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthStatus {
    /// In force.
    Valid,
    /// Issued later than the instant asked about.
    NotYetValid,
    /// Past its validity.
    Expired,
    /// Revoked.
    Revoked,
    /// Superseded by a change of data.
    Superseded,
}

/// An authorization (核验授权): a verification number, a validity period and the data version
/// it was issued for.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorization {
    /// 核验编号.
    pub number: VerificationNumber,
    /// When it was issued (validity starts then).
    pub issued_at: DateTime<Utc>,
    /// End of validity (exclusive).
    pub valid_until: DateTime<Utc>,
    /// The data version it was issued for.
    pub data_version: u32,
    /// The sections registered at issue time; the forms omit the others.
    pub sections: Sections,
    /// Stored state.
    pub state: AuthState,
    /// When it was revoked or superseded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

impl Authorization {
    /// Its status at `now`. Revocation and superseding take precedence over time.
    pub fn status_at(&self, now: DateTime<Utc>) -> AuthStatus {
        match self.state {
            AuthState::Revoked => AuthStatus::Revoked,
            AuthState::Superseded => AuthStatus::Superseded,
            AuthState::Active if now < self.issued_at => AuthStatus::NotYetValid,
            AuthState::Active if now >= self.valid_until => AuthStatus::Expired,
            AuthState::Active => AuthStatus::Valid,
        }
    }
}
