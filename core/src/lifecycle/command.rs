//! What an actor asks for: [`Command`], one variant per step of the process. Who may send
//! which command is in `permissions.rs`; what each does is in `commands/`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::authorization::Section;
use crate::codes::number::VerificationNumber;
use crate::records::{BasicInfo, ChsiAccount, DestinationData};

/// A command. JSON: `{"command": "report_destination", "data": {...}}`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// First upload of basic information (an identical re-upload changes nothing).
    UploadBasicInfo {
        /// The record.
        info: Arc<BasicInfo>,
    },
    /// Correction of basic information (生源管理); sends the graduate back to review.
    CorrectBasicInfo {
        /// The corrected record. Phone and e-mail must stay as they are.
        info: Arc<BasicInfo>,
    },
    /// CHSI reports the graduate's account (identity, binding, phone, e-mail).
    UpdateChsiAccount {
        /// The account.
        account: Box<ChsiAccount>,
    },
    /// The graduate logs in.
    Login,
    /// The graduate confirms basic information (信息确认无误，进入系统).
    ConfirmBasicInfo,
    /// The graduate asks for a correction of basic information.
    RequestBasicInfoCorrection {
        /// What is wrong.
        note: String,
    },
    /// The provincial platform reports or updates destination, archive and hukou data.
    ReportDestination {
        /// The data.
        data: Arc<DestinationData>,
    },
    /// The graduate confirms the destination (信息无误，确认登记去向).
    ConfirmDestination,
    /// The graduate disputes the destination.
    DisputeDestination {
        /// What is wrong.
        reason: String,
    },
    /// The graduate files a void request for a confirmed destination.
    FileVoidRequest {
        /// Why.
        reason: String,
    },
    /// The graduate withdraws their void request while it awaits a decision: the confirmation
    /// stands.
    WithdrawVoidRequest,
    /// The counselor (first) or the school (second) approves the void request.
    ApproveVoidRequest {
        /// Note (may be empty).
        #[serde(default)]
        note: String,
    },
    /// The counselor or the school rejects the void request.
    RejectVoidRequest {
        /// Why.
        note: String,
    },
    /// SchoolOffice lets one change through after the change deadline.
    GrantChangeOverride {
        /// Why.
        reason: String,
    },
    /// The graduate authorizes verification and obtains the forms.
    Authorize {
        /// Validity in days; the policy default when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        validity_days: Option<u32>,
    },
    /// The graduate extends an authorization to end `validity_days` from now.
    ExtendAuthorization {
        /// Which.
        number: VerificationNumber,
        /// New validity, in days from now.
        validity_days: u32,
    },
    /// The graduate revokes an authorization.
    RevokeAuthorization {
        /// Which.
        number: VerificationNumber,
    },
    /// A department verified a form; the graduate is told who checked.
    RecordVerification {
        /// Which authorization.
        number: VerificationNumber,
        /// Which form.
        section: Section,
    },
}

impl Command {
    /// The command's snake_case name.
    pub fn name(&self) -> &'static str {
        match self {
            Command::UploadBasicInfo { .. } => "upload_basic_info",
            Command::CorrectBasicInfo { .. } => "correct_basic_info",
            Command::UpdateChsiAccount { .. } => "update_chsi_account",
            Command::Login => "login",
            Command::ConfirmBasicInfo => "confirm_basic_info",
            Command::RequestBasicInfoCorrection { .. } => "request_basic_info_correction",
            Command::ReportDestination { .. } => "report_destination",
            Command::ConfirmDestination => "confirm_destination",
            Command::DisputeDestination { .. } => "dispute_destination",
            Command::FileVoidRequest { .. } => "file_void_request",
            Command::WithdrawVoidRequest => "withdraw_void_request",
            Command::ApproveVoidRequest { .. } => "approve_void_request",
            Command::RejectVoidRequest { .. } => "reject_void_request",
            Command::GrantChangeOverride { .. } => "grant_change_override",
            Command::Authorize { .. } => "authorize",
            Command::ExtendAuthorization { .. } => "extend_authorization",
            Command::RevokeAuthorization { .. } => "revoke_authorization",
            Command::RecordVerification { .. } => "record_verification",
        }
    }
}
