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

    /// 16 bytes from the operating system's random source.
    pub fn os_entropy() -> Result<[u8; 16]> {
        let mut e = [0u8; 16];
        getrandom::fill(&mut e)
            .map_err(|err| Error::InvalidArgument(format!("OS random source failed: {err}")))?;
        Ok(e)
    }
}
