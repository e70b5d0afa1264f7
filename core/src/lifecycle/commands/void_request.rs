//! Changing a confirmed destination: the graduate's void request (作废申请), its approval by
//! the college and then the school or its rejection, and the school's override of the change
//! deadline.

use super::super::actor::{Actor, Role};
use super::super::events::{EventFacts, EventKind, Recipient};
use super::super::registration::{ChangeOverride, DestinationStatus, VoidRequest, VoidStage};
use super::super::tx::{graduate_ready, require_reason, Tx};
use crate::error::{Error, Result};

/// The refusal when no void request is at the stage the decider acts on.
fn wrong_stage(stage: Option<VoidStage>) -> Error {
    Error::VoidRequestWrongStage(match stage {
        None => "没有作废申请 / none filed".into(),
        Some(s) => format!("{s:?}"),
    })
}

/// `file_void_request`: only for a confirmed destination, one open request at a time, before
/// the change deadline (or with an override).
pub(super) fn file(tx: &mut Tx<'_>, reason: &str) -> Result<()> {
    graduate_ready(&tx.reg)?;
    let reason = require_reason(reason)?;
    if tx.reg.destination_status != DestinationStatus::Confirmed {
        return Err(Error::NotAwaitingConfirmation(
            "只有已确认的去向才需作废申请 / only a confirmed destination needs a void request"
                .into(),
        ));
    }
    if tx
        .reg
        .void_request
        .as_ref()
        .is_some_and(VoidRequest::is_open)
    {
        return Err(Error::VoidRequestOpen);
    }
    tx.check_change_deadline(false)?;
    tx.reg.void_request = Some(VoidRequest {
        reason: reason.clone(),
        filed_at: tx.now(),
        stage: VoidStage::AwaitingCollege,
        notes: Vec::new(),
    });
    tx.summary = format!("提交作废申请：{reason}");
    let to = Recipient::counselors_of(&tx.reg);
    tx.emit(EventKind::VoidRequestFiled, to, &EventFacts::text(&reason));
    Ok(())
}

/// `approve_void_request`: the counselor first (the request goes on to the school), then the
/// school (the confirmation is void, its forms superseded, and the change open).
pub(super) fn approve(tx: &mut Tx<'_>, actor: &Actor, note: &str) -> Result<()> {
    let stage = tx.reg.void_request.as_ref().map(|v| v.stage);
    match (actor.role(), stage) {
        (Role::Counselor, Some(VoidStage::AwaitingCollege)) => {
            if let Some(v) = tx.reg.void_request.as_mut() {
                v.stage = VoidStage::AwaitingSchool;
                v.notes.push(format!("学院同意：{}", note.trim()));
            }
            tx.summary = "学院同意作废申请".into();
            tx.emit(
                EventKind::VoidRequestCollegeApproved,
                Recipient::school_office_of(&tx.reg),
                &EventFacts::NONE,
            );
        }
        (Role::SchoolOffice, Some(VoidStage::AwaitingSchool)) => {
            tx.check_change_deadline(false)?;
            if let Some(v) = tx.reg.void_request.as_mut() {
                v.stage = VoidStage::Approved;
                v.notes.push(format!("学校同意：{}", note.trim()));
            }
            // The confirmed destination is void: forms issued on it must not verify.
            tx.reg.destination_status = DestinationStatus::ChangeOpen;
            tx.reg.confirmed_version = None;
            tx.reg.confirmed_at = None;
            tx.supersede_active();
            tx.summary = "学校同意作废申请，去向可变更".into();
            for to in [Recipient::ProvincialPlatform, Recipient::Graduate] {
                tx.emit(EventKind::VoidRequestApproved, to, &EventFacts::NONE);
            }
        }
        (_, s) => return Err(wrong_stage(s)),
    }
    Ok(())
}

/// `reject_void_request`: the counselor or the school, at their stage, with a reason; the
/// confirmation stands.
pub(super) fn reject(tx: &mut Tx<'_>, actor: &Actor, note: &str) -> Result<()> {
    let note = require_reason(note)?;
    let stage = tx.reg.void_request.as_ref().map(|v| v.stage);
    let who = match (actor.role(), stage) {
        (Role::Counselor, Some(VoidStage::AwaitingCollege)) => "学院",
        (Role::SchoolOffice, Some(VoidStage::AwaitingSchool)) => "学校",
        (_, s) => return Err(wrong_stage(s)),
    };
    if let Some(v) = tx.reg.void_request.as_mut() {
        v.stage = VoidStage::Rejected;
        v.notes.push(format!("{who}驳回：{note}"));
    }
    tx.summary = format!("{who}驳回作废申请：{note}");
    tx.emit(
        EventKind::VoidRequestRejected,
        Recipient::Graduate,
        &EventFacts {
            by: who,
            text: &note,
            ..EventFacts::NONE
        },
    );
    Ok(())
}

/// `grant_change_override`: the school lets one change through after the change deadline.
pub(super) fn grant_override(tx: &mut Tx<'_>, actor: &Actor, reason: &str) -> Result<()> {
    let reason = require_reason(reason)?;
    if tx.reg.basic.is_none() {
        return Err(Error::BasicInfoMissing);
    }
    let by = match actor {
        Actor::SchoolOffice { id, .. } => id.clone(),
        _ => String::new(),
    };
    tx.reg.change_override = Some(ChangeOverride {
        by,
        reason: reason.clone(),
        granted_at: tx.now(),
    });
    tx.summary = format!("学校特批逾期变更：{reason}");
    tx.emit(
        EventKind::ChangeOverrideGranted,
        Recipient::ProvincialPlatform,
        &EventFacts::text(&reason),
    );
    Ok(())
}

/// `withdraw_void_request`: the graduate takes back a request that awaits a decision; the
/// confirmation stands and whoever had to decide is told. An approved request is left by
/// confirming the unchanged destination again (`confirm_destination`).
pub(super) fn withdraw(tx: &mut Tx<'_>) -> Result<()> {
    graduate_ready(&tx.reg)?;
    let stage = tx.reg.void_request.as_ref().map(|v| v.stage);
    let to = match stage {
        Some(VoidStage::AwaitingCollege) => Recipient::counselors_of(&tx.reg),
        Some(VoidStage::AwaitingSchool) => Recipient::school_office_of(&tx.reg),
        s => return Err(wrong_stage(s)),
    };
    if let Some(v) = tx.reg.void_request.as_mut() {
        v.stage = VoidStage::Withdrawn;
        v.notes.push("毕业生撤回".into());
    }
    tx.summary = "撤回作废申请".into();
    tx.emit(EventKind::VoidRequestWithdrawn, to, &EventFacts::NONE);
    Ok(())
}
