//! One graduate's [`Registration`]: the records, where each part of the process stands
//! ([`BasicStatus`], [`DestinationStatus`], a [`VoidRequest`]) and every authorization issued.
//! The derived [`super::Stage`] is in `stage.rs`; the commands that change a registration are in
//! `commands/`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::authorization::Authorization;
use crate::access::LoginReason;
use crate::codes::number::VerificationNumber;
use crate::policy::{Deadlines, Policy};
use crate::records::{BasicInfo, ChsiAccount, DestinationData};

/// Where the graduate's basic information stands.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// Withdrawn by the graduate before a decision, or left unused after approval (the graduate
    /// confirmed the unchanged destination again): the confirmation stands.
    Withdrawn,
}

/// A void request.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeOverride {
    /// Staff id of the SchoolOffice actor.
    pub by: String,
    /// Why.
    pub reason: String,
    /// When it was granted.
    pub granted_at: DateTime<Utc>,
}

/// The cohort a registration belongs to: one ID number may hold one registration per cohort (a
/// bachelor's degree in 2024 and a master's in 2026, say), and the registry keys them by ID
/// number, graduation year and education level.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CohortKey {
    /// Graduation year (the year of 毕业日期).
    pub graduation_year: i32,
    /// 学历代码 (see [`crate::tables::Table::EducationLevels`]).
    pub education_level: String,
}

/// One graduate's registration.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

    /// The cohort of this registration (graduation year and education level), once basic
    /// information with a well-formed graduation date is uploaded.
    pub fn cohort(&self) -> Option<CohortKey> {
        let b = self.basic.as_deref()?;
        Some(CohortKey {
            graduation_year: b.graduation_year()?,
            education_level: b.education_level.clone(),
        })
    }

    /// The graduation date, from basic information, when it is well formed.
    pub fn graduation_date(&self) -> Option<chrono::NaiveDate> {
        self.basic
            .as_ref()
            .and_then(|b| crate::validate::parse_date(&b.graduation_date))
    }

    /// The deadlines that apply to this graduate under `policy` (those of their graduation
    /// batch); `None` without a well-formed graduation date or when the policy's dates do not
    /// exist in that year.
    pub fn deadlines(&self, policy: &Policy) -> Option<Deadlines> {
        self.graduation_date()
            .and_then(|d| policy.deadlines(d).ok())
    }

    /// The authorization with this number.
    pub fn authorization(&self, number: &VerificationNumber) -> Option<&Authorization> {
        self.authorizations.iter().find(|a| &a.number == number)
    }

    /// Whether the graduate has ever logged in to the registration system. Independent of the
    /// destination's stage: a destination reported before the first login shows as
    /// `awaiting_confirmation`, yet the graduate has still not logged in.
    pub fn logged_in(&self) -> bool {
        self.first_login_at.is_some()
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
                if !crate::names::same_name(&c.name, &basic.name) {
                    out.push(LoginReason::NameMismatch);
                }
                let same_type = crate::validate::effective_id_type(&c.id_type)
                    == crate::validate::effective_id_type(&basic.id_type);
                if !same_type || !c.id_number.eq_ignore_ascii_case(&basic.id_number) {
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

/// The longest registration key accepted, in bytes.
pub const MAX_REGISTRATION_ID_BYTES: usize = 256;

/// Checks a registration key (the caller's id of a graduate, such as `"10327:2022010123"`): not
/// empty, at most [`MAX_REGISTRATION_ID_BYTES`] bytes, and no control character (NUL, tab, line
/// breaks, the other C0 and C1 controls, DEL, and the Unicode line and paragraph separators),
/// which would reach exports, file names and the C strings of the faces. Refused as an
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument).
pub fn check_registration_id(id: &str) -> crate::error::Result<()> {
    let problem = if id.is_empty() {
        Some("is empty".to_string())
    } else if id.len() > MAX_REGISTRATION_ID_BYTES {
        Some(format!(
            "is {} bytes long (at most {MAX_REGISTRATION_ID_BYTES})",
            id.len()
        ))
    } else {
        id.char_indices()
            .find(|(_, c)| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
            .map(|(i, c)| format!("holds the control character U+{:04X} at byte {i}", c as u32))
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(crate::error::Error::InvalidArgument(format!(
            "登记号无效 / registration key {:?} {p}",
            id.chars().take(64).collect::<String>()
        ))),
    }
}
