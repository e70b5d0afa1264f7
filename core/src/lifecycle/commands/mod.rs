//! What each command does, one function per command, grouped by the part of the process it
//! belongs to. [`step`] dispatches; the actor has already been checked against the actor table
//! (`permissions.rs`), so each function checks only the registration's state.
//!
//! | file | commands |
//! |---|---|
//! | `basic_info.rs` | upload and correct basic info, CHSI account, login, confirm or ask to correct basic info |
//! | `destination.rs` | report or update the destination, confirm or dispute it |
//! | `void_request.rs` | file, withdraw, approve or reject a void request; the change-deadline override |
//! | `authorization.rs` | authorize, extend, revoke; record a verification |

mod authorization;
mod basic_info;
mod destination;
mod void_request;

use super::actor::Actor;
use super::command::Command;
use super::tx::Tx;
use crate::error::Result;

/// Runs `command` by `actor` on the transaction.
pub(super) fn step(tx: &mut Tx<'_>, actor: &Actor, command: &Command) -> Result<()> {
    use Command as C;
    match command {
        C::UploadBasicInfo { info } => basic_info::upload(tx, info),
        C::CorrectBasicInfo { info } => basic_info::correct(tx, actor, command, info),
        C::UpdateChsiAccount { account } => basic_info::update_chsi_account(tx, account),
        C::Login => basic_info::login(tx),
        C::ConfirmBasicInfo => basic_info::confirm(tx),
        C::RequestBasicInfoCorrection { note } => basic_info::request_correction(tx, note),
        C::ReportDestination { data } => destination::report(tx, data),
        C::ConfirmDestination => destination::confirm(tx),
        C::DisputeDestination { reason } => destination::dispute(tx, reason),
        C::FileVoidRequest { reason } => void_request::file(tx, reason),
        C::WithdrawVoidRequest => void_request::withdraw(tx),
        C::ApproveVoidRequest { note } => void_request::approve(tx, actor, note),
        C::RejectVoidRequest { note } => void_request::reject(tx, actor, note),
        C::GrantChangeOverride { reason } => void_request::grant_override(tx, actor, reason),
        C::Authorize { validity_days } => authorization::authorize(tx, *validity_days),
        C::ExtendAuthorization {
            number,
            validity_days,
        } => authorization::extend(tx, number, *validity_days),
        C::RevokeAuthorization { number } => authorization::revoke(tx, number),
        C::RecordVerification { number, section } => {
            authorization::record_verification(tx, actor, number, *section)
        }
    }
}
