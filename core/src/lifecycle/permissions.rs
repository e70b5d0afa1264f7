//! Who may send which command: the actor table, checked before any command runs.
//!
//! | command | actor |
//! |---|---|
//! | upload or correct basic info | SchoolOffice, Counselor of the graduate's college |
//! | change phone or e-mail (the CHSI account) | Chsi only |
//! | log in, confirm basic info or request a correction | Graduate |
//! | report or update destination, archive and hukou data | ProvincialPlatform |
//! | confirm or dispute the destination | Graduate |
//! | file or withdraw a void request | Graduate; approved by the Counselor, then SchoolOffice |
//! | grant a change-deadline override | SchoolOffice |
//! | authorize, extend, revoke | Graduate |
//! | record a verification | ArchiveDept (archive section), HukouDept (hukou section) |
//!
//! Staff of a school (SchoolOffice, Counselor) act for their own school only (the actor's
//! `school` is the record's 院校代码), a counselor for their own college of it, and a graduate on
//! their own registration only.
//! Whether the registration is in a state where the command makes sense is checked by the
//! command itself (`commands/`).

use super::actor::{Actor, Role};
use super::authorization::Section;
use super::command::Command;
use super::registration::Registration;
use crate::error::{Error, Result};

/// The refusal of `cmd` by `actor`, with the reason shown to them.
pub(super) fn forbidden(actor: &Actor, cmd: &Command, why: &str) -> Error {
    Error::Forbidden {
        role: actor.role(),
        command: cmd.name().into(),
        why: why.into(),
    }
}

/// Checks the actor table above (role), then that staff act for their own school (and a counselor
/// for their own college) and a graduate on their own registration.
pub(super) fn authorize_actor(reg: &Registration, actor: &Actor, cmd: &Command) -> Result<()> {
    use Command as C;
    let role = actor.role();
    let allowed: &[Role] = match cmd {
        C::UploadBasicInfo { .. } | C::CorrectBasicInfo { .. } => {
            &[Role::SchoolOffice, Role::Counselor]
        }
        C::UpdateChsiAccount { .. } => &[Role::Chsi],
        C::Login
        | C::ConfirmBasicInfo
        | C::RequestBasicInfoCorrection { .. }
        | C::ConfirmDestination
        | C::DisputeDestination { .. }
        | C::FileVoidRequest { .. }
        | C::WithdrawVoidRequest
        | C::Authorize { .. }
        | C::ExtendAuthorization { .. }
        | C::RevokeAuthorization { .. } => &[Role::Graduate],
        C::ReportDestination { .. } => &[Role::ProvincialPlatform],
        C::ApproveVoidRequest { .. } | C::RejectVoidRequest { .. } => {
            &[Role::Counselor, Role::SchoolOffice]
        }
        C::GrantChangeOverride { .. } => &[Role::SchoolOffice],
        C::RecordVerification { section, .. } => match section {
            Section::Archive => &[Role::ArchiveDept],
            Section::Hukou => &[Role::HukouDept],
        },
    };
    if !allowed.contains(&role) {
        let why = match cmd {
            C::UpdateChsiAccount { .. } => "手机号码、电子邮箱需由本人在学信网账号中修改 / phone and e-mail change only through CHSI",
            C::RecordVerification { .. } => "档案部门只能核验档案信息，户籍部门只能核验户口信息 / each department verifies its own section only",
            _ => "该角色不能执行此操作 / this role may not do this",
        };
        return Err(forbidden(actor, cmd, why));
    }
    // Staff of a school act for their own school only, and a counselor for their own college
    // of it: the registration as stored and the record a command brings must both be theirs.
    if let Some(school) = actor.school() {
        let college = match actor {
            Actor::Counselor { college, .. } => Some(college.as_str()),
            _ => None,
        };
        let current = reg.basic.as_deref();
        let new = match cmd {
            C::UploadBasicInfo { info } | C::CorrectBasicInfo { info } => Some(&**info),
            _ => None,
        };
        let mine = |b: &crate::records::BasicInfo| {
            b.school_code == school && college.is_none_or(|c| b.college == c)
        };
        // A record without a school code is left to validation, which refuses it with the
        // missing field named.
        let ok = current.is_none_or(mine)
            && new.is_none_or(|b| b.school_code.trim().is_empty() || mine(b))
            && (current.is_some() || new.is_some());
        if !ok {
            let why = if college.is_some() {
                "辅导员只能处理本校本学院的毕业生 / a counselor acts for their own college of their own school only"
            } else {
                "学校就业部门只能处理本校的毕业生 / a school office acts for its own school only"
            };
            return Err(forbidden(actor, cmd, why));
        }
    }
    // A graduate acts on their own registration only.
    if let Actor::Graduate { id_number } = actor {
        let own = match (cmd, &reg.chsi, &reg.basic) {
            // Logging in is by the CHSI identity; a mismatch with the upload is a login reason.
            (C::Login, Some(c), _) => c.id_number.eq_ignore_ascii_case(id_number),
            (_, _, Some(b)) => b.id_number.eq_ignore_ascii_case(id_number),
            (_, _, None) => true, // refused below for lack of basic info
        };
        if !own {
            return Err(forbidden(
                actor,
                cmd,
                "只能操作本人的登记 / graduates act on their own registration only",
            ));
        }
    }
    Ok(())
}
