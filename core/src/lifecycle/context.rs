//! The [`Context`] of a command: the instant, the policy, the code tables and randomness, all
//! passed in so that applying a command is a pure function.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::tables::CodeTables;

/// Everything a command depends on besides the registration: the instant, the policy, the code
/// tables and 16 bytes of randomness (used for verification numbers; fill it from the OS random
/// source, for instance with [`Context::os_entropy`]).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The instant the command happens.
    pub now: DateTime<Utc>,
    /// The policy.
    pub policy: &'a Policy,
    /// The code tables for validation.
    pub tables: &'a CodeTables,
    /// Randomness for new verification numbers.
    pub entropy: [u8; 16],
}

impl<'a> Context<'a> {
    /// A context with the built-in code tables and zero entropy (set `entropy` before an
    /// `authorize`).
    pub fn new(now: DateTime<Utc>, policy: &'a Policy) -> Self {
        Context {
            now,
            policy,
            tables: CodeTables::builtin(),
            entropy: [0; 16],
        }
    }

    /// Checks that the instant of the command is one the library can store and give back (see
    /// [`check_instant`]).
    pub fn check(&self) -> Result<()> {
        check_instant("now", self.now)
    }

    /// 16 bytes from the operating system's random source.
    pub fn os_entropy() -> Result<[u8; 16]> {
        let mut e = [0u8; 16];
        getrandom::fill(&mut e)
            .map_err(|err| Error::InvalidArgument(format!("OS random source failed: {err}")))?;
        Ok(e)
    }
}

/// The first instant the library accepts, 0001-01-01T00:00:00Z, in seconds since
/// 1970-01-01T00:00:00Z.
pub const FIRST_INSTANT_UNIX: i64 = -62_135_596_800;

/// The last instant the library accepts, 9999-12-31T23:59:59Z (any fraction of that second
/// too), in seconds since 1970-01-01T00:00:00Z.
pub const LAST_INSTANT_UNIX: i64 = 253_402_300_799;

/// Whether `t` lies in the years 0001 to 9999, the instants every face can carry: an RFC 3339
/// text with a four-digit year (the JSON form of every instant), a Python `datetime`. An instant
/// outside them is an [`Error::InvalidArgument`] naming `what`, refused before anything is
/// stored, so that no stored registration holds an instant a face cannot read back.
pub fn check_instant(what: &str, t: DateTime<Utc>) -> Result<()> {
    if (FIRST_INSTANT_UNIX..=LAST_INSTANT_UNIX).contains(&t.timestamp()) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "时间 {what} 超出 0001 至 9999 年 / instant `{what}` ({t}) is outside the years 0001 to 9999"
        )))
    }
}
