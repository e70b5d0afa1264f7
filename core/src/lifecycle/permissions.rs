//! Who may send which command: the actor table, checked before any command runs.
//!
//! | command | actor |
//! |---|---|
//! | upload or correct basic info | SchoolOffice, Counselor of the graduate's college |
//! | change phone or e-mail (the CHSI account) | Chsi only |
//! | log in, confirm basic info or request a correction | Graduate |
//! | report or update destination, archive and hukou data | ProvincialPlatform |
//! | confirm or dispute the destination | Graduate |
//! | file a void request | Graduate; approved by the Counselor, then SchoolOffice |
//! | grant a change-deadline override | SchoolOffice |
//! | authorize, extend, revoke | Graduate |
//! | record a verification | ArchiveDept (archive section), HukouDept (hukou section) |
//!
//! A counselor acts for their own college only, and a graduate on their own registration only.
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

/// Checks the actor table above (role), then that a counselor acts for their own college and a
/// graduate on their own registration.
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
    // A counselor acts for their own college only.
    if let Actor::Counselor { college, .. } = actor {
        let current = reg.basic.as_ref().map(|b| b.college.as_str());
        let new = match cmd {
            C::UploadBasicInfo { info } | C::CorrectBasicInfo { info } => {
                Some(info.college.as_str())
            }
            _ => None,
        };
        let ok = current.is_none_or(|c| c == college)
            && new.is_none_or(|c| c == college)
            && (current.is_some() || new.is_some());
        if !ok {
            return Err(forbidden(
                actor,
                cmd,
                "辅导员只能处理本学院的毕业生 / a counselor acts for their own college only",
            ));
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
