//! Identifiers printed on the forms and the codes that verify them.
//!
//! - [`VerificationNumber`] (核验编号) and [`TransferNumber`] (转递编号): typable numbers with a
//!   check symbol;
//! - [`token`]: the signed QR payload (format in `docs/token-format.md`);
//! - [`KeyRing`]: the keys that sign and verify tokens;
//! - [`verify`]: the verdicts of scanned tokens and of online verification by name and number.

pub mod keyring;
pub mod number;
pub mod qr;
pub mod token;
pub mod transfer;
pub mod verify;

pub use keyring::{Algorithm, Key, KeyId, KeyRing};
pub use number::VerificationNumber;
pub use token::{
    decode as decode_token, issue as issue_token, DecodedToken, IssueOptions, TokenClaims,
};
pub use transfer::TransferNumber;
pub use verify::{
    verify_token, AttemptLog, Finding, MemoryAttemptLog, MemoryRegistry, OnlineVerifier,
    RegistryLookup, RegistryStatus, ScanOptions, ScanOutcome, StatusAnswer, StatusSource, Step,
    Unavailable, Verdict, VerdictKind,
};
