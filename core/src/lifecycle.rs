//! The registration state machine.
//!
//! [`apply`] is a pure function: it takes a [`Registration`], the [`Actor`] doing something, the
//! [`Command`] and a [`Context`] (the instant, the policy, the code tables and caller-supplied
//! randomness) and returns the new registration with the [`Event`]s it caused and its
//! [`AuditEntry`], or an [`Error`] that says why not. It never reads the clock or a random
//! source.
//!
//! Who may do what (DESIGN.md §2):
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

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::number::VerificationNumber;
use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::records::{BasicInfo, ChsiAccount, DestinationData};
use crate::tables::CodeTables;
use crate::validate::Validate;

/// Who acts. JSON: `{"role": "counselor", "id": "t001", "college": "会计学院"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "role", rename_all = "snake_case", deny_unknown_fields)]
pub enum Actor {
    /// The graduate, identified by the ID number of the CHSI account they logged in with.
    Graduate {
        /// ID number (身份证号).
        id_number: String,
    },
    /// CHSI (学信网), reporting the graduate's own account: identity, student-record binding,
    /// phone and e-mail.
    Chsi,
    /// A counselor (辅导员) of one college.
    Counselor {
        /// Staff id.
        id: String,
        /// The college they serve.
        college: String,
    },
    /// The school's employment office (学校就业部门).
    SchoolOffice {
        /// Staff id.
        id: String,
    },
    /// The provincial platform (such as 江苏24365 / 91job).
    ProvincialPlatform {
        /// Platform or operator id.
        id: String,
    },
    /// An archive department (档案接收管理部门).
    ArchiveDept {
        /// Department id.
        id: String,
        /// Department name, shown to the graduate.
        name: String,
    },
    /// A household-registration department (户籍接收管理部门).
    HukouDept {
        /// Department id.
        id: String,
        /// Department name, shown to the graduate.
        name: String,
    },
}

/// The role of an actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// See [`Actor::Graduate`].
    Graduate,
    /// See [`Actor::Chsi`].
    Chsi,
    /// See [`Actor::Counselor`].
    Counselor,
    /// See [`Actor::SchoolOffice`].
    SchoolOffice,
    /// See [`Actor::ProvincialPlatform`].
    ProvincialPlatform,
    /// See [`Actor::ArchiveDept`].
    ArchiveDept,
    /// See [`Actor::HukouDept`].
    HukouDept,
}

impl Role {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Graduate => "graduate",
            Role::Chsi => "chsi",
            Role::Counselor => "counselor",
            Role::SchoolOffice => "school_office",
            Role::ProvincialPlatform => "provincial_platform",
            Role::ArchiveDept => "archive_dept",
            Role::HukouDept => "hukou_dept",
        }
    }
}

impl Actor {
    /// The actor's role.
    pub fn role(&self) -> Role {
        match self {
            Actor::Graduate { .. } => Role::Graduate,
            Actor::Chsi => Role::Chsi,
            Actor::Counselor { .. } => Role::Counselor,
            Actor::SchoolOffice { .. } => Role::SchoolOffice,
            Actor::ProvincialPlatform { .. } => Role::ProvincialPlatform,
            Actor::ArchiveDept { .. } => Role::ArchiveDept,
            Actor::HukouDept { .. } => Role::HukouDept,
        }
    }
}

/// A section of the registration form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// 档案登记信息表: for archive departments.
    Archive,
    /// 户口登记信息表: for household-registration departments.
    Hukou,
}

impl Section {
    /// The Chinese name of the section's data.
    pub fn name_zh(self) -> &'static str {
        match self {
            Section::Archive => "档案转递",
            Section::Hukou => "户口迁移",
        }
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Archive => "archive",
            Section::Hukou => "hukou",
        }
    }
}

/// Where the graduate's basic information stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BasicStatus {
    /// The school has not uploaded it.
    #[default]
    NotUploaded,
    /// Uploaded or corrected; the graduate must review it.
    AwaitingReview,
    /// The graduate asked for a correction; the counselor must make it.
    CorrectionRequested,
    /// The graduate confirmed it.
    Confirmed,
}

/// Where the destination stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DestinationStatus {
    /// The provincial platform has not reported it.
    #[default]
    NotReported,
    /// Reported or updated; the graduate must confirm or dispute it.
    AwaitingConfirmation,
    /// The graduate disputed it; the counselor must fix it on the provincial platform.
    Disputed,
    /// The graduate confirmed it.
    Confirmed,
    /// A void request was approved: the platform may now change the data.
    ChangeOpen,
}

/// Stage of a void request (作废申请).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum VoidStage {
    /// Filed; the college (counselor) must decide.
    AwaitingCollege,
    /// Approved by the college; the school must decide.
    AwaitingSchool,
    /// Approved by the school: the confirmation is void and a change is open.
    Approved,
    /// Rejected by the college or school; the confirmation stands.
    Rejected,
}

/// A void request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VoidRequest {
    /// Why the graduate wants to change a confirmed destination.
    pub reason: String,
    /// When it was filed.
    pub filed_at: DateTime<Utc>,
    /// Its stage.
    pub stage: VoidStage,
    /// Notes of the deciders, in order.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl VoidRequest {
    /// Whether the request still awaits a decision.
    pub fn is_open(&self) -> bool {
        matches!(
            self.stage,
            VoidStage::AwaitingCollege | VoidStage::AwaitingSchool
        )
    }
}

/// A SchoolOffice override that lets one change through after the change deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChangeOverride {
    /// Staff id of the SchoolOffice actor.
    pub by: String,
    /// Why.
    pub reason: String,
    /// When it was granted.
    pub granted_at: DateTime<Utc>,
}

/// Which sections were registered when an authorization was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Sections {
    /// 档案转递 was registered.
    pub archive: bool,
    /// 户口迁移 was registered.
    pub hukou: bool,
}

impl Sections {
    /// Whether a section was registered.
    pub fn has(self, s: Section) -> bool {
        match s {
            Section::Archive => self.archive,
            Section::Hukou => self.hukou,
        }
    }
}

/// The stored state of an authorization. Expiry is not stored: it follows from the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthState {
    /// In force (it may still have expired; see [`Authorization::status_at`]).
    Active,
    /// Revoked by the graduate.
    Revoked,
    /// The data changed after it was issued; it must never verify as valid.
    Superseded,
}

/// The status of an authorization at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthStatus {
    /// In force.
    Valid,
    /// Issued later than the instant asked about.
    NotYetValid,
    /// Past its validity.
    Expired,
    /// Revoked.
    Revoked,
    /// Superseded by a change of data.
    Superseded,
}

/// An authorization (核验授权): a verification number, a validity period and the data version
/// it was issued for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Authorization {
    /// 核验编号.
    pub number: VerificationNumber,
    /// When it was issued (validity starts then).
    pub issued_at: DateTime<Utc>,
    /// End of validity (exclusive).
    pub valid_until: DateTime<Utc>,
    /// The data version it was issued for.
    pub data_version: u32,
    /// The sections registered at issue time; the forms omit the others.
    pub sections: Sections,
    /// Stored state.
    pub state: AuthState,
    /// When it was revoked or superseded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

impl Authorization {
    /// Its status at `now`. Revocation and superseding take precedence over time.
    pub fn status_at(&self, now: DateTime<Utc>) -> AuthStatus {
        match self.state {
            AuthState::Revoked => AuthStatus::Revoked,
            AuthState::Superseded => AuthStatus::Superseded,
            AuthState::Active if now < self.issued_at => AuthStatus::NotYetValid,
            AuthState::Active if now >= self.valid_until => AuthStatus::Expired,
            AuthState::Active => AuthStatus::Valid,
        }
    }
}

/// One graduate's registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Registration {
    /// The caller's key for this graduate (for example `school_code:student_number`).
    pub id: String,
    /// Bumped by every applied command; a store uses it to refuse lost updates.
    pub version: u64,
    /// Bumped by every change of the data shown on the forms (basic info, destination, archive,
    /// hukou).
    pub data_version: u32,
    /// Basic information, once uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic: Option<Arc<BasicInfo>>,
    /// Where basic information stands.
    #[serde(default)]
    pub basic_status: BasicStatus,
    /// The graduate's note when a correction was requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction_note: Option<String>,
    /// The CHSI account as CHSI last reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chsi: Option<ChsiAccount>,
    /// First login to the registration system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_login_at: Option<DateTime<Utc>>,
    /// Destination, archive and hukou data, once reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Arc<DestinationData>>,
    /// Where the destination stands.
    #[serde(default)]
    pub destination_status: DestinationStatus,
    /// First report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_at: Option<DateTime<Utc>>,
    /// Last report or update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// The first report came after the registration deadline.
    #[serde(default)]
    pub late: bool,
    /// When the destination was confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The data version that was confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_version: Option<u32>,
    /// The graduate's reason when disputing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_reason: Option<String>,
    /// The latest void request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub void_request: Option<VoidRequest>,
    /// An unused SchoolOffice override of the change deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_override: Option<ChangeOverride>,
    /// Every authorization ever issued, oldest first.
    #[serde(default)]
    pub authorizations: Vec<Authorization>,
}

/// A derived stage, for queries and statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No basic information yet.
    NotUploaded,
    /// Uploaded; the graduate has not logged in.
    NotLoggedIn,
    /// The graduate must review basic information.
    BasicInfoReview,
    /// A correction of basic information is pending.
    CorrectionRequested,
    /// Basic information confirmed; no destination reported.
    AwaitingReport,
    /// Destination reported; awaiting the graduate's confirmation.
    AwaitingConfirmation,
    /// The graduate disputed the destination.
    Disputed,
    /// A void request is under review.
    VoidRequested,
    /// A void request was approved; awaiting the change.
    ChangeOpen,
    /// Confirmed, with no valid authorization.
    Confirmed,
    /// Confirmed, with a valid authorization.
    Authorized,
}

impl Stage {
    /// Every stage, in process order.
    pub const ALL: [Stage; 11] = [
        Stage::NotUploaded,
        Stage::NotLoggedIn,
        Stage::BasicInfoReview,
        Stage::CorrectionRequested,
        Stage::AwaitingReport,
        Stage::AwaitingConfirmation,
        Stage::Disputed,
        Stage::VoidRequested,
        Stage::ChangeOpen,
        Stage::Confirmed,
        Stage::Authorized,
    ];

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Stage::NotUploaded => "未上传生源",
            Stage::NotLoggedIn => "未登录",
            Stage::BasicInfoReview => "待核对基本信息",
            Stage::CorrectionRequested => "基本信息待更正",
            Stage::AwaitingReport => "待登记去向",
            Stage::AwaitingConfirmation => "待确认去向",
            Stage::Disputed => "去向有异议",
            Stage::VoidRequested => "作废申请审核中",
            Stage::ChangeOpen => "待变更去向",
            Stage::Confirmed => "已确认",
            Stage::Authorized => "已授权核验",
        }
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::NotUploaded => "not_uploaded",
            Stage::NotLoggedIn => "not_logged_in",
            Stage::BasicInfoReview => "basic_info_review",
            Stage::CorrectionRequested => "correction_requested",
            Stage::AwaitingReport => "awaiting_report",
            Stage::AwaitingConfirmation => "awaiting_confirmation",
            Stage::Disputed => "disputed",
            Stage::VoidRequested => "void_requested",
            Stage::ChangeOpen => "change_open",
            Stage::Confirmed => "confirmed",
            Stage::Authorized => "authorized",
        }
    }
}

impl Registration {
    /// A new, empty registration under the caller's key.
    pub fn new(id: impl Into<String>) -> Self {
        Registration {
            id: id.into(),
            version: 0,
            data_version: 0,
            basic: None,
            basic_status: BasicStatus::NotUploaded,
            correction_note: None,
            chsi: None,
            first_login_at: None,
            destination: None,
            destination_status: DestinationStatus::NotReported,
            reported_at: None,
            updated_at: None,
            late: false,
            confirmed_at: None,
            confirmed_version: None,
            dispute_reason: None,
            void_request: None,
            change_override: None,
            authorizations: Vec::new(),
        }
    }

    /// The graduation year, from basic information.
    pub fn graduation_year(&self) -> Option<i32> {
        self.basic.as_ref().and_then(|b| b.graduation_year())
    }

    /// The authorization with this number.
    pub fn authorization(&self, number: &VerificationNumber) -> Option<&Authorization> {
        self.authorizations.iter().find(|a| &a.number == number)
    }

    /// The derived stage at `now`.
    pub fn stage(&self, now: DateTime<Utc>) -> Stage {
        if self.basic.is_none() {
            return Stage::NotUploaded;
        }
        if self.basic_status == BasicStatus::CorrectionRequested {
            return Stage::CorrectionRequested;
        }
        match self.destination_status {
            DestinationStatus::NotReported => {
                if self.first_login_at.is_none() {
                    Stage::NotLoggedIn
                } else if self.basic_status == BasicStatus::Confirmed {
                    Stage::AwaitingReport
                } else {
                    Stage::BasicInfoReview
                }
            }
            DestinationStatus::AwaitingConfirmation => Stage::AwaitingConfirmation,
            DestinationStatus::Disputed => Stage::Disputed,
            DestinationStatus::ChangeOpen => Stage::ChangeOpen,
            DestinationStatus::Confirmed => {
                if self.void_request.as_ref().is_some_and(VoidRequest::is_open) {
                    Stage::VoidRequested
                } else if self
                    .authorizations
                    .iter()
                    .any(|a| a.status_at(now) == AuthStatus::Valid)
                {
                    Stage::Authorized
                } else {
                    Stage::Confirmed
                }
            }
        }
    }

    /// Every reason the graduate cannot log in now (empty when they can), each with its remedy.
    pub fn login_problems(&self) -> Vec<LoginReason> {
        let mut out = Vec::new();
        let Some(basic) = &self.basic else {
            out.push(LoginReason::BasicInfoNotUploaded);
            // Without basic info there is nothing to compare the CHSI account with.
            if self.chsi.as_ref().is_none_or(|c| !c.student_record_bound) {
                out.push(LoginReason::StudentRecordNotBound);
            }
            return out;
        };
        match &self.chsi {
            None => out.push(LoginReason::NoChsiAccount),
            Some(c) => {
                if c.name.trim() != basic.name.trim() {
                    out.push(LoginReason::NameMismatch);
                }
                if !c.id_number.eq_ignore_ascii_case(&basic.id_number) {
                    out.push(LoginReason::IdNumberMismatch);
                }
                if !c.student_record_bound {
                    out.push(LoginReason::StudentRecordNotBound);
                }
            }
        }
        out
    }
}

/// Why a graduate cannot log in (the guide names the school's upload and the CHSI binding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LoginReason {
    /// The school has not uploaded basic information.
    BasicInfoNotUploaded,
    /// CHSI has not reported an account for the graduate.
    NoChsiAccount,
    /// The name on CHSI differs from the uploaded name.
    NameMismatch,
    /// The ID number on CHSI differs from the uploaded ID number.
    IdNumberMismatch,
    /// The graduate has not bound the student record on CHSI.
    StudentRecordNotBound,
}

impl LoginReason {
    /// The reason and remedy in Chinese.
    pub fn message_zh(self) -> &'static str {
        match self {
            LoginReason::BasicInfoNotUploaded => {
                "学校就业部门尚未上传您的生源信息：请联系学校就业部门上传"
            }
            LoginReason::NoChsiAccount => "未找到您的学信网账号：请先注册学信网账号并实名认证",
            LoginReason::NameMismatch => {
                "学校上传的姓名与学信网实名信息不一致：请联系辅导员在生源管理中更正"
            }
            LoginReason::IdNumberMismatch => {
                "学校上传的身份证号与学信网实名信息不一致：请联系辅导员在生源管理中更正"
            }
            LoginReason::StudentRecordNotBound => {
                "您尚未在学信网绑定学籍信息：请登录学信网绑定学籍"
            }
        }
    }

    /// The reason and remedy in English.
    pub fn message_en(self) -> &'static str {
        match self {
            LoginReason::BasicInfoNotUploaded => {
                "the school has not uploaded your basic information: ask the school's employment office to upload it"
            }
            LoginReason::NoChsiAccount => "no CHSI account found: register on CHSI and verify your identity",
            LoginReason::NameMismatch => {
                "the uploaded name differs from your CHSI identity: ask your counselor to correct it in 生源管理"
            }
            LoginReason::IdNumberMismatch => {
                "the uploaded ID number differs from your CHSI identity: ask your counselor to correct it in 生源管理"
            }
            LoginReason::StudentRecordNotBound => {
                "you have not bound your student record on CHSI: log in to CHSI and bind it"
            }
        }
    }
}

/// A command. JSON: `{"command": "report_destination", "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// Who an event is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Recipient {
    /// The graduate (消息提醒 through the official account).
    Graduate,
    /// The counselors of a college.
    Counselor {
        /// The college.
        college: String,
    },
    /// The school's employment office.
    SchoolOffice,
    /// The provincial platform.
    ProvincialPlatform,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Basic information uploaded.
    BasicInfoUploaded,
    /// Basic information corrected; the graduate must review it again.
    BasicInfoCorrected,
    /// The graduate asked for a correction.
    CorrectionRequested,
    /// The graduate confirmed basic information.
    BasicInfoConfirmed,
    /// CHSI updated the account.
    ChsiAccountUpdated,
    /// The graduate logged in.
    LoggedIn,
    /// Destination reported or updated: the graduate must confirm.
    ConfirmationRequested,
    /// The first report came after the registration deadline.
    LateReport,
    /// The graduate confirmed the destination.
    DestinationConfirmed,
    /// The graduate disputed the destination.
    DestinationDisputed,
    /// A void request was filed.
    VoidRequestFiled,
    /// The college approved a void request; the school must decide.
    VoidRequestCollegeApproved,
    /// The school approved a void request; the data may change.
    VoidRequestApproved,
    /// A void request was rejected.
    VoidRequestRejected,
    /// SchoolOffice granted a change-deadline override.
    ChangeOverrideGranted,
    /// An authorization was issued.
    AuthorizationIssued,
    /// An authorization was extended.
    AuthorizationExtended,
    /// An authorization was revoked.
    AuthorizationRevoked,
    /// Active authorizations were superseded by a change of data.
    AuthorizationsSuperseded,
    /// A department verified a form.
    FormVerified,
}

/// A notification caused by a command. Messages are Chinese first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// Who should hear of it.
    pub recipient: Recipient,
    /// The registration.
    pub registration_id: String,
    /// Message in Chinese.
    pub message_zh: String,
    /// Message in English.
    pub message_en: String,
}

/// The audit entry of one applied command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    /// The registration.
    pub registration_id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// What (the command name).
    pub action: String,
    /// Registration version before.
    pub version_before: u64,
    /// Registration version after (equal to before when nothing changed).
    pub version_after: u64,
    /// Data version before.
    pub data_version_before: u32,
    /// Data version after.
    pub data_version_after: u32,
    /// A short description, Chinese.
    pub summary: String,
}

/// What a successful command produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Outcome {
    /// The new registration.
    pub registration: Registration,
    /// Notifications.
    pub events: Vec<Event>,
    /// The audit entry.
    pub audit: AuditEntry,
}

impl Outcome {
    /// Whether the command changed the registration.
    pub fn changed(&self) -> bool {
        self.audit.version_after != self.audit.version_before
    }
}

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

/// Working state of one application.
struct Tx<'c> {
    reg: Registration,
    events: Vec<Event>,
    summary: String,
    changed: bool,
    ctx: &'c Context<'c>,
}

impl Tx<'_> {
    fn emit(&mut self, kind: EventKind, recipient: Recipient, zh: String, en: String) {
        self.events.push(Event {
            kind,
            recipient,
            registration_id: self.reg.id.clone(),
            message_zh: zh,
            message_en: en,
        });
    }

    fn college(&self) -> String {
        self.reg
            .basic
            .as_ref()
            .map(|b| b.college.clone())
            .unwrap_or_default()
    }

    /// Marks the data as changed: bumps the data version, resets the destination confirmation
    /// and supersedes every active authorization.
    fn data_changed(&mut self) {
        self.reg.data_version = self.reg.data_version.saturating_add(1);
        self.reg.confirmed_version = None;
        self.reg.confirmed_at = None;
        if matches!(
            self.reg.destination_status,
            DestinationStatus::Confirmed
                | DestinationStatus::Disputed
                | DestinationStatus::ChangeOpen
        ) {
            self.reg.destination_status = DestinationStatus::AwaitingConfirmation;
        }
        self.supersede_active();
    }

    fn supersede_active(&mut self) {
        let now = self.ctx.now;
        let mut numbers = Vec::new();
        for a in &mut self.reg.authorizations {
            if a.state == AuthState::Active {
                a.state = AuthState::Superseded;
                a.ended_at = Some(now);
                numbers.push(a.number.to_string());
            }
        }
        if !numbers.is_empty() {
            let list = numbers.join("、");
            self.emit(
                EventKind::AuthorizationsSuperseded,
                Recipient::Graduate,
                format!("您的登记信息已变更，核验编号 {list} 的去向登记信息表已失效，请重新确认并授权"),
                format!("your registration changed; forms with verification numbers {list} are no longer valid: confirm again and re-authorize"),
            );
        }
    }
}

fn forbidden(actor: &Actor, cmd: &Command, why: &str) -> Error {
    Error::Forbidden {
        role: actor.role().as_str().into(),
        command: cmd.name().into(),
        why: why.into(),
    }
}

fn require_reason(s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::ReasonRequired);
    }
    if t.chars().count() > 500 {
        return Err(Error::InvalidArgument(
            "reason longer than 500 characters".into(),
        ));
    }
    Ok(t.to_string())
}

/// Checks the actor table of DESIGN.md §2 (role, college, own registration).
fn authorize_actor(reg: &Registration, actor: &Actor, cmd: &Command) -> Result<()> {
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

/// `now` plus `days`, or an error when that instant is beyond what the calendar holds (a clock
/// passed in at the edge of the representable range must not panic).
fn validity_end(now: DateTime<Utc>, days: u32) -> Result<DateTime<Utc>> {
    now.checked_add_signed(Duration::days(i64::from(days)))
        .ok_or_else(|| Error::InvalidArgument(format!("{now} plus {days} days is out of range")))
}

/// Applies `command` by `actor` to `reg` under `ctx`. Pure: the same inputs give the same output.
pub fn apply(
    reg: &Registration,
    actor: &Actor,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Outcome> {
    authorize_actor(reg, actor, command)?;
    let before_version = reg.version;
    let before_data = reg.data_version;
    let mut tx = Tx {
        reg: reg.clone(),
        events: Vec::new(),
        summary: String::new(),
        changed: true,
        ctx,
    };
    step(&mut tx, actor, command)?;
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

fn graduate_ready(reg: &Registration) -> Result<&BasicInfo> {
    let basic = reg.basic.as_deref().ok_or(Error::BasicInfoMissing)?;
    if reg.first_login_at.is_none() {
        return Err(Error::NotLoggedIn);
    }
    Ok(basic)
}

fn find_auth<'r>(
    reg: &'r mut Registration,
    number: &VerificationNumber,
) -> Result<&'r mut Authorization> {
    reg.authorizations
        .iter_mut()
        .find(|a| &a.number == number)
        .ok_or_else(|| Error::AuthorizationNotFound(number.to_string()))
}

fn deadline_day(md: crate::policy::MonthDay, year: i32) -> String {
    format!("{year:04}-{:02}-{:02}", md.month, md.day)
}

/// Refuses a change after the change deadline unless an override is in force; consumes the
/// override when `consume`.
fn check_change_deadline(tx: &mut Tx<'_>, consume: bool) -> Result<()> {
    let Some(year) = tx.reg.graduation_year() else {
        return Ok(());
    };
    let end = tx.ctx.policy.change_deadline_end(year)?;
    if tx.ctx.now < end {
        return Ok(());
    }
    if tx.reg.change_override.is_none() {
        return Err(Error::ChangeDeadlinePassed {
            deadline: deadline_day(tx.ctx.policy.change_deadline, year),
        });
    }
    if consume {
        if let Some(o) = tx.reg.change_override.take() {
            tx.summary
                .push_str(&format!("（逾期变更，学校特批：{}）", o.reason));
        }
    }
    Ok(())
}

fn step(tx: &mut Tx<'_>, actor: &Actor, command: &Command) -> Result<()> {
    use Command as C;
    let now = tx.ctx.now;
    match command {
        C::UploadBasicInfo { info } => {
            info.validate(tx.ctx.tables)?;
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
                "学校已上传您的生源信息，请登录毕业去向登记系统核对基本信息".into(),
                "your school uploaded your basic information: log in and review it".into(),
            );
        }
        C::CorrectBasicInfo { info } => {
            let existing = tx.reg.basic.clone().ok_or(Error::BasicInfoMissing)?;
            info.validate(tx.ctx.tables)?;
            if info.phone != existing.phone || info.email != existing.email {
                return Err(forbidden(
                    actor,
                    command,
                    "手机号码、电子邮箱需由本人在学信网账号中修改 / phone and e-mail change only through CHSI",
                ));
            }
            if *existing == **info {
                tx.changed = false;
                tx.summary = "生源信息未变化".into();
                return Ok(());
            }
            tx.reg.basic = Some(Arc::clone(info));
            tx.reg.basic_status = BasicStatus::AwaitingReview;
            tx.reg.correction_note = None;
            tx.summary = "更正生源信息".into();
            tx.data_changed();
            tx.emit(
                EventKind::BasicInfoCorrected,
                Recipient::Graduate,
                "您的基本信息已更正，请重新核对".into(),
                "your basic information was corrected: review it again".into(),
            );
        }
        C::UpdateChsiAccount { account } => {
            account.validate(tx.ctx.tables)?;
            if tx.reg.chsi.as_ref() == Some(&**account) {
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
            tx.reg.chsi = Some((**account).clone());
            tx.summary = "学信网账号信息更新".into();
            tx.emit(
                EventKind::ChsiAccountUpdated,
                Recipient::Graduate,
                "您的学信网账号信息已同步".into(),
                "your CHSI account details were synchronised".into(),
            );
        }
        C::Login => {
            let reasons = tx.reg.login_problems();
            if !reasons.is_empty() {
                return Err(Error::LoginRefused { reasons });
            }
            let first = tx.reg.first_login_at.is_none();
            if first {
                tx.reg.first_login_at = Some(now);
            }
            tx.summary = if first { "首次登录" } else { "登录" }.into();
            if tx.reg.basic_status == BasicStatus::AwaitingReview {
                tx.emit(
                    EventKind::LoggedIn,
                    Recipient::Graduate,
                    "请核对本人基本信息：无误请点击“信息确认无误，进入系统”，有误请联系辅导员更正".into(),
                    "review your basic information: confirm it, or ask your counselor to correct it".into(),
                );
            } else if !first {
                tx.changed = false;
            }
        }
        C::ConfirmBasicInfo => {
            graduate_ready(&tx.reg)?;
            if tx.reg.basic_status != BasicStatus::AwaitingReview {
                return Err(Error::BasicInfoNotUnderReview(format!(
                    "{:?}",
                    tx.reg.basic_status
                )));
            }
            tx.reg.basic_status = BasicStatus::Confirmed;
            tx.summary = "确认基本信息".into();
            let college = tx.college();
            tx.emit(
                EventKind::BasicInfoConfirmed,
                Recipient::Counselor { college },
                "毕业生已确认基本信息".into(),
                "the graduate confirmed basic information".into(),
            );
        }
        C::RequestBasicInfoCorrection { note } => {
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
            let college = tx.college();
            tx.emit(
                EventKind::CorrectionRequested,
                Recipient::Counselor { college },
                format!("毕业生申请更正基本信息：{note}。请在生源管理中修改"),
                format!("the graduate asks for a correction of basic information: {note}"),
            );
        }
        C::ReportDestination { data } => {
            if tx.reg.basic.is_none() {
                return Err(Error::BasicInfoMissing);
            }
            data.validate(tx.ctx.tables)?;
            let year = tx.reg.graduation_year();
            match tx.reg.destination.clone() {
                None => {
                    tx.reg.destination = Some(Arc::clone(data));
                    tx.reg.destination_status = DestinationStatus::AwaitingConfirmation;
                    tx.reg.reported_at = Some(now);
                    tx.reg.updated_at = Some(now);
                    tx.reg.data_version = tx.reg.data_version.saturating_add(1);
                    tx.summary = "上报毕业去向".into();
                    if let Some(y) = year {
                        if now >= tx.ctx.policy.registration_deadline_end(y)? {
                            tx.reg.late = true;
                            tx.summary.push_str("（逾期）");
                            let college = tx.college();
                            tx.emit(
                                EventKind::LateReport,
                                Recipient::Counselor { college },
                                format!(
                                    "毕业去向在登记截止日期（{}）之后上报，已标记为逾期",
                                    deadline_day(tx.ctx.policy.registration_deadline, y)
                                ),
                                "the destination was reported after the registration deadline and is marked late".into(),
                            );
                        }
                    }
                }
                Some(existing) => {
                    if *existing == **data {
                        if tx.reg.destination_status == DestinationStatus::Disputed {
                            // The counselor checked and found the data right: ask again.
                            tx.reg.destination_status = DestinationStatus::AwaitingConfirmation;
                            tx.reg.dispute_reason = None;
                            tx.summary = "去向信息经核实无误，重新提交确认".into();
                        } else {
                            tx.changed = false;
                            tx.summary = "去向信息未变化".into();
                            return Ok(());
                        }
                    } else {
                        match tx.reg.destination_status {
                            DestinationStatus::Confirmed => {
                                return Err(Error::ChangeNeedsVoidRequest)
                            }
                            DestinationStatus::NotReported
                            | DestinationStatus::AwaitingConfirmation
                            | DestinationStatus::Disputed
                            | DestinationStatus::ChangeOpen => {}
                        }
                        check_change_deadline(tx, true)?;
                        let was_open = tx.reg.destination_status == DestinationStatus::ChangeOpen;
                        tx.reg.destination = Some(Arc::clone(data));
                        tx.reg.updated_at = Some(now);
                        tx.reg.dispute_reason = None;
                        if was_open {
                            tx.reg.void_request = None;
                        }
                        tx.summary = format!("更新毕业去向{}", std::mem::take(&mut tx.summary));
                        tx.data_changed();
                        tx.reg.destination_status = DestinationStatus::AwaitingConfirmation;
                    }
                }
            }
            tx.emit(
                EventKind::ConfirmationRequested,
                Recipient::Graduate,
                "您的毕业去向已在省级平台登记，请登录毕业去向登记系统进行去向登记确认".into(),
                "your destination was registered on the provincial platform: log in and confirm it"
                    .into(),
            );
        }
        C::ConfirmDestination => {
            graduate_ready(&tx.reg)?;
            if tx.reg.basic_status != BasicStatus::Confirmed {
                return Err(Error::BasicInfoNotConfirmed);
            }
            match tx.reg.destination_status {
                DestinationStatus::NotReported => return Err(Error::DestinationNotReported),
                DestinationStatus::AwaitingConfirmation | DestinationStatus::Disputed => {}
                s => return Err(Error::NotAwaitingConfirmation(format!("{s:?}"))),
            }
            tx.reg.destination_status = DestinationStatus::Confirmed;
            tx.reg.confirmed_version = Some(tx.reg.data_version);
            tx.reg.confirmed_at = Some(now);
            tx.reg.dispute_reason = None;
            tx.summary = "确认登记去向".into();
            tx.emit(
                EventKind::DestinationConfirmed,
                Recipient::Graduate,
                "您已完成去向登记确认，可进行核验授权".into(),
                "destination confirmed: you can now authorize verification".into(),
            );
        }
        C::DisputeDestination { reason } => {
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
            let college = tx.college();
            tx.emit(
                EventKind::DestinationDisputed,
                Recipient::Counselor { college },
                format!("毕业生认为去向信息有误：{reason}。请在就业方案管理中修改"),
                format!("the graduate disputes the destination: {reason}"),
            );
        }
        C::FileVoidRequest { reason } => {
            graduate_ready(&tx.reg)?;
            let reason = require_reason(reason)?;
            if tx.reg.destination_status != DestinationStatus::Confirmed {
                return Err(Error::NotAwaitingConfirmation(
                    "只有已确认的去向才需作废申请 / only a confirmed destination needs a void request".into(),
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
            check_change_deadline(tx, false)?;
            tx.reg.void_request = Some(VoidRequest {
                reason: reason.clone(),
                filed_at: now,
                stage: VoidStage::AwaitingCollege,
                notes: Vec::new(),
            });
            tx.summary = format!("提交作废申请：{reason}");
            let college = tx.college();
            tx.emit(
                EventKind::VoidRequestFiled,
                Recipient::Counselor { college },
                format!("毕业生提交了去向作废申请：{reason}。请学院审核"),
                format!("the graduate filed a void request: {reason}"),
            );
        }
        C::ApproveVoidRequest { note } => {
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
                        Recipient::SchoolOffice,
                        "学院已同意毕业生的去向作废申请，请学校审核".into(),
                        "the college approved a void request: the school must decide".into(),
                    );
                }
                (Role::SchoolOffice, Some(VoidStage::AwaitingSchool)) => {
                    check_change_deadline(tx, false)?;
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
                    tx.emit(
                        EventKind::VoidRequestApproved,
                        Recipient::ProvincialPlatform,
                        "作废申请已获学校批准，请在就业方案管理中变更毕业去向".into(),
                        "the void request was approved: update the destination".into(),
                    );
                    tx.emit(
                        EventKind::VoidRequestApproved,
                        Recipient::Graduate,
                        "您的作废申请已获批准，去向信息变更后请重新确认".into(),
                        "your void request was approved: confirm again after the change".into(),
                    );
                }
                (_, s) => {
                    return Err(Error::VoidRequestWrongStage(match s {
                        None => "没有作废申请 / none filed".into(),
                        Some(s) => format!("{s:?}"),
                    }))
                }
            }
        }
        C::RejectVoidRequest { note } => {
            let note = require_reason(note)?;
            let stage = tx.reg.void_request.as_ref().map(|v| v.stage);
            let who = match (actor.role(), stage) {
                (Role::Counselor, Some(VoidStage::AwaitingCollege)) => "学院",
                (Role::SchoolOffice, Some(VoidStage::AwaitingSchool)) => "学校",
                (_, s) => {
                    return Err(Error::VoidRequestWrongStage(match s {
                        None => "没有作废申请 / none filed".into(),
                        Some(s) => format!("{s:?}"),
                    }))
                }
            };
            if let Some(v) = tx.reg.void_request.as_mut() {
                v.stage = VoidStage::Rejected;
                v.notes.push(format!("{who}驳回：{note}"));
            }
            tx.summary = format!("{who}驳回作废申请：{note}");
            tx.emit(
                EventKind::VoidRequestRejected,
                Recipient::Graduate,
                format!("您的作废申请被{who}驳回：{note}"),
                format!("your void request was rejected: {note}"),
            );
        }
        C::GrantChangeOverride { reason } => {
            let reason = require_reason(reason)?;
            if tx.reg.basic.is_none() {
                return Err(Error::BasicInfoMissing);
            }
            let by = match actor {
                Actor::SchoolOffice { id } => id.clone(),
                _ => String::new(),
            };
            tx.reg.change_override = Some(ChangeOverride {
                by,
                reason: reason.clone(),
                granted_at: now,
            });
            tx.summary = format!("学校特批逾期变更：{reason}");
            tx.emit(
                EventKind::ChangeOverrideGranted,
                Recipient::ProvincialPlatform,
                format!("学校就业部门已特批该毕业生逾期变更：{reason}"),
                format!("the school allowed a change after the deadline: {reason}"),
            );
        }
        C::Authorize { validity_days } => {
            graduate_ready(&tx.reg)?;
            if tx.reg.basic_status != BasicStatus::Confirmed {
                return Err(Error::BasicInfoNotConfirmed);
            }
            if tx.reg.destination_status != DestinationStatus::Confirmed {
                return Err(Error::DestinationNotConfirmed);
            }
            match tx.reg.confirmed_version {
                Some(v) if v == tx.reg.data_version => {}
                other => {
                    return Err(Error::ConfirmationOutdated {
                        confirmed: other.unwrap_or(0),
                        current: tx.reg.data_version,
                    })
                }
            }
            let bounds = tx.ctx.policy.validity;
            let days = validity_days.unwrap_or(bounds.default_days);
            if days < bounds.min_days || days > bounds.max_days {
                return Err(Error::ValidityOutOfBounds {
                    requested: days,
                    min: bounds.min_days,
                    max: bounds.max_days,
                });
            }
            let number = VerificationNumber::from_entropy(&tx.ctx.entropy);
            if tx.reg.authorization(&number).is_some() {
                return Err(Error::InvalidArgument(
                    "entropy reused: this verification number was already issued".into(),
                ));
            }
            let data = tx.reg.destination.as_deref();
            let sections = Sections {
                archive: data.is_some_and(|d| d.archive.is_some()),
                hukou: data.is_some_and(|d| d.hukou.is_some()),
            };
            let valid_until = validity_end(now, days)?;
            tx.reg.authorizations.push(Authorization {
                number,
                issued_at: now,
                valid_until,
                data_version: tx.reg.data_version,
                sections,
                state: AuthState::Active,
                ended_at: None,
            });
            tx.summary = format!("核验授权 {number}，有效期 {days} 天");
            tx.emit(
                EventKind::AuthorizationIssued,
                Recipient::Graduate,
                format!(
                    "核验授权成功，核验编号 {number}，有效期 {days} 天，可查看下载去向登记信息表"
                ),
                format!(
                    "authorization issued: verification number {number}, valid for {days} days"
                ),
            );
        }
        C::ExtendAuthorization {
            number,
            validity_days,
        } => {
            graduate_ready(&tx.reg)?;
            let bounds = tx.ctx.policy.validity;
            if *validity_days < bounds.min_days || *validity_days > bounds.max_days {
                return Err(Error::ValidityOutOfBounds {
                    requested: *validity_days,
                    min: bounds.min_days,
                    max: bounds.max_days,
                });
            }
            let auth = find_auth(&mut tx.reg, number)?;
            match auth.status_at(now) {
                AuthStatus::Valid | AuthStatus::NotYetValid => {}
                AuthStatus::Expired => return Err(Error::AuthorizationExpired),
                AuthStatus::Revoked => {
                    return Err(Error::AuthorizationNotActive {
                        state: "revoked".into(),
                    })
                }
                AuthStatus::Superseded => {
                    return Err(Error::AuthorizationNotActive {
                        state: "superseded".into(),
                    })
                }
            }
            let new_end = validity_end(now, *validity_days)?;
            if new_end <= auth.valid_until {
                return Err(Error::ExtensionNotLater);
            }
            auth.valid_until = new_end;
            tx.summary = format!("延长授权 {number} 至 {}", new_end.to_rfc3339());
            tx.emit(
                EventKind::AuthorizationExtended,
                Recipient::Graduate,
                format!("核验编号 {number} 的有效期已延长"),
                format!("authorization {number} was extended"),
            );
        }
        C::RevokeAuthorization { number } => {
            graduate_ready(&tx.reg)?;
            let auth = find_auth(&mut tx.reg, number)?;
            match auth.state {
                AuthState::Active => {}
                AuthState::Revoked => {
                    return Err(Error::AuthorizationNotActive {
                        state: "revoked".into(),
                    })
                }
                AuthState::Superseded => {
                    return Err(Error::AuthorizationNotActive {
                        state: "superseded".into(),
                    })
                }
            }
            auth.state = AuthState::Revoked;
            auth.ended_at = Some(now);
            tx.summary = format!("撤销授权 {number}");
            tx.emit(
                EventKind::AuthorizationRevoked,
                Recipient::Graduate,
                format!("核验编号 {number} 的授权已撤销"),
                format!("authorization {number} was revoked"),
            );
        }
        C::RecordVerification { number, section } => {
            let dept = match actor {
                Actor::ArchiveDept { name, .. } | Actor::HukouDept { name, .. } => name.clone(),
                _ => String::new(),
            };
            let auth = find_auth(&mut tx.reg, number)?;
            match auth.status_at(now) {
                AuthStatus::Valid => {}
                AuthStatus::Expired | AuthStatus::NotYetValid => {
                    return Err(Error::AuthorizationExpired)
                }
                AuthStatus::Revoked => {
                    return Err(Error::AuthorizationNotActive {
                        state: "revoked".into(),
                    })
                }
                AuthStatus::Superseded => {
                    return Err(Error::AuthorizationNotActive {
                        state: "superseded".into(),
                    })
                }
            }
            if !auth.sections.has(*section) {
                return Err(Error::SectionNotRegistered(section.name_zh().into()));
            }
            tx.summary = format!("{dept} 核验{}信息（{number}）", section.name_zh());
            tx.emit(
                EventKind::FormVerified,
                Recipient::Graduate,
                format!(
                    "{dept} 已核验您的{}登记信息表（核验编号 {number}）",
                    section.name_zh()
                ),
                format!("{dept} verified your {} form ({number})", section.as_str()),
            );
        }
    }
    Ok(())
}
