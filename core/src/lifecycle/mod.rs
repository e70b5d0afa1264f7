//! The registration state machine.
//!
//! [`apply`] is a pure function: it takes a [`Registration`], the [`Actor`] doing something, the
//! [`Command`] and a [`Context`] (the instant, the policy, the code tables and caller-supplied
//! randomness) and returns the new registration with the [`Event`]s it caused and its
//! [`AuditEntry`], or an [`Error`] that says why not. It never reads the clock or a random
//! source.
//!
//! Who may do what is the actor table in `permissions.rs`: the school's office and counselors
//! upload and correct basic information, CHSI reports the account, the provincial platform
//! reports the destination, the graduate logs in, confirms, disputes, files void requests and
//! authorizes, the counselor and then the school decide void requests, and archive and hukou
//! departments record verifications of their own section.
//!
//! # Map
//!
//! | file | holds |
//! |---|---|
//! | `actor.rs` | [`Actor`] and its [`Role`] |
//! | `registration.rs` | [`Registration`] and the statuses it stores ([`BasicStatus`], [`DestinationStatus`], [`VoidRequest`]) |
//! | `authorization.rs` | [`Authorization`], [`AuthState`], [`AuthStatus`], form [`Section`]s |
//! | `stage.rs` | the derived [`Stage`] |
//! | `command.rs` | [`Command`] |
//! | `events.rs` | [`Event`], [`EventKind`] with the text of every notification, [`Recipient`], [`AuditEntry`], [`Outcome`] |
//! | `context.rs` | [`Context`]: instant, policy, tables, entropy |
//! | `permissions.rs` | the actor table |
//! | `tx.rs` | the working state of one application and the steps commands share |
//! | `commands/` | one function per command, and the dispatch |
//!
//! [`Role`], [`AuthState`] and [`LoginReason`] are defined in a leaf module that the error type
//! imports too, and re-exported here.

mod actor;
mod authorization;
mod command;
mod commands;
mod context;
mod events;
mod permissions;
mod registration;
mod stage;
mod tx;

pub use crate::access::LoginReason;
pub use actor::{Actor, Role};
pub use authorization::{AuthState, AuthStatus, Authorization, Section, Sections};
pub use command::Command;
pub use context::{check_instant, Context, FIRST_INSTANT_UNIX, LAST_INSTANT_UNIX};
pub use events::{AuditEntry, Event, EventKind, Outcome, Recipient};
pub use registration::{check_registration_id, CohortKey, MAX_REGISTRATION_ID_BYTES};
pub use registration::{
    BasicStatus, ChangeOverride, DestinationStatus, Registration, VoidRequest, VoidStage,
};
pub use stage::Stage;

#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use tx::Tx;

/// Applies `command` by `actor` to `reg` under `ctx`. Pure: the same inputs give the same output.
///
/// Refused before anything else, as an [`Error::InvalidArgument`]: an instant `ctx.now` outside
/// the years 0001 to 9999 ([`check_instant`]) and a registration key that is empty or holds a
/// control character ([`check_registration_id`]).
pub fn apply(
    reg: &Registration,
    actor: &Actor,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Outcome> {
    apply_with(reg, actor, command, ctx, None)
}

/// A basic-information record that the roster parser checked against a registry's code tables
/// and found without a problem, so that its upload need not validate it again. Only the crate
/// makes one, from a good roster row; the state machine's rules still apply to it in full.
#[derive(Debug, Clone)]
pub(crate) struct Prevalidated {
    /// The record.
    info: std::sync::Arc<crate::records::BasicInfo>,
    /// The address of the code tables it was validated against (compared, never read).
    tables: usize,
}

impl Prevalidated {
    /// The record of `row`, when the roster parser that read it under `tables` found it good.
    pub(crate) fn of_roster_row(
        row: crate::roster::RosterRow,
        tables: &crate::CodeTables,
    ) -> Option<Prevalidated> {
        row.ok.then(|| Prevalidated {
            info: std::sync::Arc::new(row.info),
            tables: std::ptr::from_ref(tables) as usize,
        })
    }

    /// The record.
    pub(crate) fn info(&self) -> &std::sync::Arc<crate::records::BasicInfo> {
        &self.info
    }
}

/// [`apply`] of an upload or correction of `record`'s own record (the same allocation): the
/// record is not validated again when it was validated against `ctx.tables`. Everything else
/// — who may act, the registration's state, the deadlines — is checked as [`apply`] does.
pub(crate) fn apply_prevalidated(
    reg: &Registration,
    actor: &Actor,
    command: &Command,
    ctx: &Context<'_>,
    record: &Prevalidated,
) -> Result<Outcome> {
    let same_tables = record.tables == std::ptr::from_ref(ctx.tables) as usize;
    apply_with(
        reg,
        actor,
        command,
        ctx,
        same_tables.then_some(&record.info),
    )
}

/// [`apply`], skipping the validation of `prevalidated` (a record already validated against
/// `ctx.tables`) when the command brings it.
fn apply_with(
    reg: &Registration,
    actor: &Actor,
    command: &Command,
    ctx: &Context<'_>,
    prevalidated: Option<&std::sync::Arc<crate::records::BasicInfo>>,
) -> Result<Outcome> {
    ctx.check()?;
    check_registration_id(&reg.id)?;
    permissions::authorize_actor(reg, actor, command)?;
    let before_version = reg.version;
    let before_data = reg.data_version;
    let mut tx = Tx::new(reg, ctx);
    tx.prevalidated = prevalidated;
    commands::step(&mut tx, actor, command)?;
    if tx.changed {
        tx.reg.version = tx.reg.version.saturating_add(1);
    }
    let audit = AuditEntry {
        registration_id: tx.reg.id.clone(),
        at: ctx.now,
        actor: actor.clone(),
        action: command.name().to_string(),
        version_before: before_version,
        version_after: tx.reg.version,
        data_version_before: before_data,
        data_version_after: tx.reg.data_version,
        summary: tx.summary,
    };
    Ok(Outcome {
        registration: tx.reg,
        events: tx.events,
        audit,
    })
}
