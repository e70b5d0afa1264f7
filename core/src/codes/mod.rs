//! Identifiers printed on the forms and the codes that verify them.

pub mod number;

pub use number::VerificationNumber;
