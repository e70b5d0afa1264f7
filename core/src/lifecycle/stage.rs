//! The derived [`Stage`] of a registration: one name for where the graduate is in the process,
//! for queries, statistics and reminders. It is computed from the stored statuses and the clock,
//! never stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::authorization::AuthStatus;
use super::registration::{BasicStatus, DestinationStatus, Registration, VoidRequest};

/// A derived stage, for queries and statistics.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
}
