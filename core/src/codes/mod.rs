//! Identifiers printed on the forms and the codes that verify them.
//!
//! - [`VerificationNumber`] (核验编号) and [`TransferNumber`] (转递编号): typable numbers with a
//!   check symbol;
//! - [`token`]: the signed QR payload (format in `docs/token-format.md`);
//! - [`KeyRing`]: the keys that sign and verify tokens; [`KeyStore`], the file a deployment
//!   keeps them in; [`KeySet`], the public keys it publishes;
//! - [`StatusList`]: the signed lists that tell an offline verifier of revocations;
//! - [`verify`]: the verdicts of scanned tokens and of online verification by name and number.

/// Implements `Debug`, `FromStr`, serde (as the displayed text) and, with the `schema` feature, a
/// JSON Schema for a typable number type with a `parse` function and a `Display` form.
macro_rules! typable_number_traits {
    ($ty:ident) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({self})", stringify!($ty))
            }
        }

        impl std::str::FromStr for $ty {
            type Err = crate::error::Error;
            fn from_str(s: &str) -> crate::error::Result<Self> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($ty).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": concat!("A ", stringify!($ty), " as displayed (any spelling a person types is accepted).")
                })
            }
        }
    };
}

pub mod compact;
pub mod keyring;
pub mod keyset;
pub mod keystore;
pub mod number;
pub mod qr;
pub mod status_list;
pub mod token;
pub mod transfer;
pub mod verify;

pub use keyring::{Algorithm, Key, KeyId, KeyRing};
pub use keyset::{KeySet, PublishedKey};
pub use keystore::{KeyStore, StoredKey};
pub use number::VerificationNumber;
pub use status_list::{EntryStatus, StatusList, StatusLists};
pub use token::{
    decode as decode_token, issue as issue_token, DecodedToken, IssueOptions, StatusPointer,
    TokenClaims,
};
pub use transfer::TransferNumber;
pub use verify::{
    verify_token, verify_token_offline, verify_token_with, AttemptKey, AttemptLog, Candidate,
    Failures, Finding, LookupAttempts, MemoryAttemptLog, MemoryRegistry, OfflineFinding,
    OnlineNumber, OnlineVerifier, Principal, RegistryLookup, RegistryStatus, ScanOptions,
    ScanOutcome, StatusAnswer, StatusCheck, StatusSource, Step, Unavailable, UncheckedReason,
    Verdict, VerdictKind,
};
