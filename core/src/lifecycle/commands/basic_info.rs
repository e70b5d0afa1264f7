//! Basic information (生源信息) and the graduate's access: the school's upload and corrections,
//! CHSI's account report, the graduate's login, confirmation and correction request.

use std::sync::Arc;

use super::super::actor::Actor;
use super::super::command::Command;
use super::super::events::{EventFacts, EventKind, Recipient};
use super::super::permissions::forbidden;
use super::super::registration::{BasicStatus, DestinationStatus};
use super::super::tx::{graduate_ready, require_reason, Tx};
use crate::error::{Error, Result};
use crate::records::{BasicInfo, ChsiAccount};
use crate::validate::Validate;

/// `upload_basic_info`: the first upload. An identical re-upload changes nothing; a different
/// one must be a correction.
pub(super) fn upload(tx: &mut Tx<'_>, info: &Arc<BasicInfo>) -> Result<()> {
    tx.validate_record(info)?;
    if let Some(existing) = &tx.reg.basic {
        if **existing == **info {
            tx.changed = false;
            tx.summary = "生源信息未变化".into();
            return Ok(());
        }
        return Err(Error::BasicInfoAlreadyUploaded);
    }
    tx.reg.basic = Some(Arc::clone(info));
    tx.reg.basic_status = BasicStatus::AwaitingReview;
    tx.reg.data_version = tx.reg.data_version.saturating_add(1);
    tx.summary = "上传生源信息".into();
    tx.emit(
        EventKind::BasicInfoUploaded,
        Recipient::Graduate,
        &EventFacts::NONE,
    );
    Ok(())
}

/// Whether two records differ in what the forms print (name, gender, ID number, school,
/// college, major, education level, graduation date, and any field not known to stay off the
/// forms). Fields the forms never show (exam and student numbers, major code, training mode,
/// schooling length, enrolment date, 生源地, ethnicity, political status, phone and e-mail) do
/// not count.
pub(crate) fn form_fields_differ(a: &BasicInfo, b: &BasicInfo) -> bool {
    fn printed(x: &BasicInfo) -> BasicInfo {
        BasicInfo {
            exam_number: String::new(),
            student_number: String::new(),
            major_code: String::new(),
            training_mode: String::new(),
            schooling_length: String::new(),
            enrolment_date: String::new(),
            origin_region: String::new(),
            ethnicity: String::new(),
            political_status: String::new(),
            phone: String::new(),
            email: String::new(),
            hardship_category: String::new(),
            teacher_training: String::new(),
            urban_rural: String::new(),
            sponsor_unit: String::new(),
            class_name: String::new(),
            ..x.clone()
        }
    }
    printed(a) != printed(b)
}

/// `correct_basic_info`: a correction sends the graduate back to review. Phone and e-mail
/// belong to the CHSI account and cannot be corrected here.
///
/// A correction of what the forms print is a change of registered data, under the rules of any
/// change: once the destination is confirmed it needs an approved void request
/// (`change_open`); once a destination is reported, after the change deadline it needs (and
/// uses up) the school's override; and it supersedes every active authorization. A correction
/// of fields the forms never show ([`form_fields_differ`]) is not a change: the forms stay
/// valid, the confirmation stands, and the graduate reviews the record again. A correction that
/// the graduate asked for and the counselor found right (the same record sent again) returns it
/// to the graduate's review.
pub(super) fn correct(
    tx: &mut Tx<'_>,
    actor: &Actor,
    command: &Command,
    info: &Arc<BasicInfo>,
) -> Result<()> {
    let existing = tx.reg.basic.clone().ok_or(Error::BasicInfoMissing)?;
    tx.validate_record(info)?;
    if info.phone != existing.phone || info.email != existing.email {
        return Err(forbidden(
            actor,
            command,
            "手机号码、电子邮箱需由本人在学信网账号中修改 / phone and e-mail change only through CHSI",
        ));
    }
    if *existing == **info {
        if tx.reg.basic_status == BasicStatus::CorrectionRequested {
            // The counselor checked and found the record right: the graduate reviews it again.
            tx.reg.basic_status = BasicStatus::AwaitingReview;
            tx.reg.correction_note = None;
            tx.summary = "生源信息经核实无误，请毕业生重新核对".into();
            tx.emit(
                EventKind::BasicInfoRechecked,
                Recipient::Graduate,
                &EventFacts::NONE,
            );
            return Ok(());
        }
        tx.changed = false;
        tx.summary = "生源信息未变化".into();
        return Ok(());
    }
    if !form_fields_differ(&existing, info) {
        tx.reg.basic = Some(Arc::clone(info));
        tx.reg.basic_status = BasicStatus::AwaitingReview;
        tx.reg.correction_note = None;
        tx.summary = "更正生源信息（不涉及登记表内容）".into();
        tx.emit(
            EventKind::BasicInfoCorrected,
            Recipient::Graduate,
            &EventFacts::NONE,
        );
        return Ok(());
    }
    let status = tx.reg.destination_status;
    if status == DestinationStatus::Confirmed {
        return Err(Error::ChangeNeedsVoidRequest);
    }
    if tx.reg.destination.is_some() {
        tx.check_change_deadline(true)?;
    }
    tx.reg.basic = Some(Arc::clone(info));
    tx.reg.basic_status = BasicStatus::AwaitingReview;
    tx.reg.correction_note = None;
    if status == DestinationStatus::ChangeOpen {
        // The approved void request is used by this change.
        tx.reg.void_request = None;
    }
    tx.summary = format!("更正生源信息{}", std::mem::take(&mut tx.summary));
    tx.data_changed();
    tx.emit(
        EventKind::BasicInfoCorrected,
        Recipient::Graduate,
        &EventFacts::NONE,
    );
    Ok(())
}

/// `update_chsi_account`: CHSI reports the account; its phone and e-mail replace those of the
/// basic information.
pub(super) fn update_chsi_account(tx: &mut Tx<'_>, account: &ChsiAccount) -> Result<()> {
    account.validate(tx.ctx.tables)?;
    if tx.reg.chsi.as_ref() == Some(account) {
        tx.changed = false;
        tx.summary = "学信网账号未变化".into();
        return Ok(());
    }
    // Phone and e-mail live on CHSI and are not on the forms: no data version change.
    if let Some(b) = &tx.reg.basic {
        if b.phone != account.phone || b.email != account.email {
            let mut nb = (**b).clone();
            nb.phone = account.phone.clone();
            nb.email = account.email.clone();
            tx.reg.basic = Some(Arc::new(nb));
        }
    }
    tx.reg.chsi = Some(account.clone());
    tx.summary = "学信网账号信息更新".into();
    tx.emit(
        EventKind::ChsiAccountUpdated,
        Recipient::Graduate,
        &EventFacts::NONE,
    );
    Ok(())
}

/// `login`: refused with every reason that applies; the first login is recorded.
pub(super) fn login(tx: &mut Tx<'_>) -> Result<()> {
    let reasons = tx.reg.login_problems();
    if !reasons.is_empty() {
        return Err(Error::LoginRefused { reasons });
    }
    let first = tx.reg.first_login_at.is_none();
    if first {
        tx.reg.first_login_at = Some(tx.now());
    }
    tx.summary = if first { "首次登录" } else { "登录" }.into();
    if tx.reg.basic_status == BasicStatus::AwaitingReview {
        tx.emit(EventKind::LoggedIn, Recipient::Graduate, &EventFacts::NONE);
    } else if !first {
        tx.changed = false;
    }
    Ok(())
}

/// `confirm_basic_info`: the graduate confirms the basic information under review.
pub(super) fn confirm(tx: &mut Tx<'_>) -> Result<()> {
    graduate_ready(&tx.reg)?;
    if tx.reg.basic_status != BasicStatus::AwaitingReview {
        return Err(Error::BasicInfoNotUnderReview(format!(
            "{:?}",
            tx.reg.basic_status
        )));
    }
    tx.reg.basic_status = BasicStatus::Confirmed;
    tx.summary = "确认基本信息".into();
    let to = Recipient::counselors_of(&tx.reg);
    tx.emit(EventKind::BasicInfoConfirmed, to, &EventFacts::NONE);
    Ok(())
}

/// `request_basic_info_correction`: the graduate says what is wrong; the counselor must correct.
pub(super) fn request_correction(tx: &mut Tx<'_>, note: &str) -> Result<()> {
    graduate_ready(&tx.reg)?;
    let note = require_reason(note)?;
    if tx.reg.basic_status != BasicStatus::AwaitingReview {
        return Err(Error::BasicInfoNotUnderReview(format!(
            "{:?}",
            tx.reg.basic_status
        )));
    }
    tx.reg.basic_status = BasicStatus::CorrectionRequested;
    tx.summary = format!("申请更正基本信息：{note}");
    tx.reg.correction_note = Some(note.clone());
    let to = Recipient::counselors_of(&tx.reg);
    tx.emit(EventKind::CorrectionRequested, to, &EventFacts::text(&note));
    Ok(())
}
