//! The destination (毕业去向): the provincial platform's report or update, and the graduate's
//! confirmation or dispute.

use std::sync::Arc;

use super::super::events::{EventFacts, EventKind, Recipient};
use super::super::registration::{BasicStatus, DestinationStatus, VoidStage};
use super::super::tx::{deadline_day, graduate_ready, require_reason, Tx};
use crate::error::{Error, Result};
use crate::records::DestinationData;
use crate::validate::Validate;

/// `report_destination`: the first report, or an update. Either way the graduate is asked to
/// confirm.
pub(super) fn report(tx: &mut Tx<'_>, data: &Arc<DestinationData>) -> Result<()> {
    if tx.reg.basic.is_none() {
        return Err(Error::BasicInfoMissing);
    }
    data.validate(tx.ctx.tables)?;
    match tx.reg.destination.clone() {
        None => first_report(tx, data)?,
        Some(existing) => {
            if *existing == **data {
                if tx.reg.destination_status == DestinationStatus::Disputed {
                    // The counselor checked and found the data right: ask again.
                    tx.reg.destination_status = DestinationStatus::AwaitingConfirmation;
                    tx.reg.dispute_reason = None;
                    tx.summary = "去向信息经核实无误，重新提交确认".into();
                } else if tx.reg.destination_status == DestinationStatus::ChangeOpen {
                    // The change was approved but the destination stays (the graduate keeps
                    // the job): the same data comes back for confirmation. Not a change, so
                    // no deadline applies.
                    tx.reg.destination_status = DestinationStatus::AwaitingConfirmation;
                    tx.reg.void_request = None;
                    tx.reg.updated_at = Some(tx.now());
                    tx.summary = "去向信息未变更，重新提交确认".into();
                } else {
                    tx.changed = false;
                    tx.summary = "去向信息未变化".into();
                    return Ok(());
                }
            } else {
                update(tx, data)?;
            }
        }
    }
    tx.emit(
        EventKind::ConfirmationRequested,
        Recipient::Graduate,
        &EventFacts::NONE,
    );
    Ok(())
}

/// The first report: marked late, and the counselor told, when it comes after the registration
/// deadline of the graduate's batch.
fn first_report(tx: &mut Tx<'_>, data: &Arc<DestinationData>) -> Result<()> {
    let now = tx.now();
    tx.reg.destination = Some(Arc::clone(data));
    tx.reg.destination_status = DestinationStatus::AwaitingConfirmation;
    tx.reg.reported_at = Some(now);
    tx.reg.updated_at = Some(now);
    tx.reg.data_version = tx.reg.data_version.saturating_add(1);
    tx.summary = "上报毕业去向".into();
    if let Some(date) = tx.reg.graduation_date() {
        let d = tx.ctx.policy.deadlines(date)?;
        if now >= d.registration_end {
            tx.reg.late = true;
            tx.summary.push_str("（逾期）");
            let to = Recipient::counselors_of(&tx.reg);
            let deadline = deadline_day(d.registration_day);
            tx.emit(
                EventKind::LateReport,
                to,
                &EventFacts {
                    deadline: &deadline,
                    ..EventFacts::NONE
                },
            );
        }
    }
    Ok(())
}

/// A change of reported data: not once confirmed (that needs an approved void request), and not
/// after the change deadline without an override (which the change consumes).
fn update(tx: &mut Tx<'_>, data: &Arc<DestinationData>) -> Result<()> {
    match tx.reg.destination_status {
        DestinationStatus::Confirmed => return Err(Error::ChangeNeedsVoidRequest),
        DestinationStatus::NotReported
        | DestinationStatus::AwaitingConfirmation
        | DestinationStatus::Disputed
        | DestinationStatus::ChangeOpen => {}
    }
    tx.check_change_deadline(true)?;
    let was_open = tx.reg.destination_status == DestinationStatus::ChangeOpen;
    tx.reg.destination = Some(Arc::clone(data));
    tx.reg.updated_at = Some(tx.now());
    tx.reg.dispute_reason = None;
    if was_open {
        tx.reg.void_request = None;
    }
    tx.summary = format!("更新毕业去向{}", std::mem::take(&mut tx.summary));
    tx.data_changed();
    tx.reg.destination_status = DestinationStatus::AwaitingConfirmation;
    Ok(())
}

/// `confirm_destination`: the graduate confirms the reported (or disputed) destination; the
/// confirmed data version is what an authorization needs. After an approved void request
/// (`change_open`) the graduate may confirm the unchanged destination again: the request is
/// then left unused (withdrawn) and its forms stay superseded.
pub(super) fn confirm(tx: &mut Tx<'_>) -> Result<()> {
    graduate_ready(&tx.reg)?;
    if tx.reg.basic_status != BasicStatus::Confirmed {
        return Err(Error::BasicInfoNotConfirmed);
    }
    match tx.reg.destination_status {
        DestinationStatus::NotReported => return Err(Error::DestinationNotReported),
        DestinationStatus::AwaitingConfirmation | DestinationStatus::Disputed => {}
        DestinationStatus::ChangeOpen => {
            if let Some(v) = tx.reg.void_request.as_mut() {
                v.stage = VoidStage::Withdrawn;
                v.notes.push("毕业生确认原去向，未变更".into());
            }
        }
        s => return Err(Error::NotAwaitingConfirmation(format!("{s:?}"))),
    }
    tx.reg.destination_status = DestinationStatus::Confirmed;
    tx.reg.confirmed_version = Some(tx.reg.data_version);
    tx.reg.confirmed_at = Some(tx.now());
    tx.reg.dispute_reason = None;
    tx.summary = "确认登记去向".into();
    tx.emit(
        EventKind::DestinationConfirmed,
        Recipient::Graduate,
        &EventFacts::NONE,
    );
    Ok(())
}

/// `dispute_destination`: the graduate says what is wrong; the counselor must fix it on the
/// provincial platform.
pub(super) fn dispute(tx: &mut Tx<'_>, reason: &str) -> Result<()> {
    graduate_ready(&tx.reg)?;
    let reason = require_reason(reason)?;
    match tx.reg.destination_status {
        DestinationStatus::NotReported => return Err(Error::DestinationNotReported),
        DestinationStatus::AwaitingConfirmation => {}
        s => return Err(Error::NotAwaitingConfirmation(format!("{s:?}"))),
    }
    tx.reg.destination_status = DestinationStatus::Disputed;
    tx.summary = format!("对去向信息提出异议：{reason}");
    tx.reg.dispute_reason = Some(reason.clone());
    let to = Recipient::counselors_of(&tx.reg);
    tx.emit(
        EventKind::DestinationDisputed,
        to,
        &EventFacts::text(&reason),
    );
    Ok(())
}
