//! Who acts and whether they may: actor roles, the stored state of an authorization and the
//! reasons a graduate cannot log in.
//!
//! These are the state machine's words that the error type also carries
//! ([`crate::Error::Forbidden`], [`crate::Error::AuthorizationNotActive`],
//! [`crate::Error::LoginRefused`]). The module is a leaf — it imports nothing of the crate — so
//! that the error type does not depend on the state machine. The types are re-exported from
//! [`crate::lifecycle`], where they are used.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The role of an actor (see [`crate::lifecycle::Actor`]).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// See [`crate::lifecycle::Actor::Graduate`].
    Graduate,
    /// See [`crate::lifecycle::Actor::Chsi`].
    Chsi,
    /// See [`crate::lifecycle::Actor::Counselor`].
    Counselor,
    /// See [`crate::lifecycle::Actor::SchoolOffice`].
    SchoolOffice,
    /// See [`crate::lifecycle::Actor::ProvincialPlatform`].
    ProvincialPlatform,
    /// See [`crate::lifecycle::Actor::ArchiveDept`].
    ArchiveDept,
    /// See [`crate::lifecycle::Actor::HukouDept`].
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

/// Writes the snake_case name, as [`Role::as_str`].
impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stored state of an authorization. Expiry is not stored: it follows from the clock.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthState {
    /// In force (it may still have expired; see
    /// [`crate::lifecycle::Authorization::status_at`]).
    Active,
    /// Revoked by the graduate.
    Revoked,
    /// The data changed after it was issued; it must never verify as valid.
    Superseded,
}

impl AuthState {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthState::Active => "active",
            AuthState::Revoked => "revoked",
            AuthState::Superseded => "superseded",
        }
    }
}

/// Writes the snake_case name, as [`AuthState::as_str`].
impl fmt::Display for AuthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a graduate cannot log in (the guide names the school's upload and the CHSI binding).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginReason {
    /// The school has not uploaded basic information.
    BasicInfoNotUploaded,
    /// CHSI has not reported an account for the graduate.
    NoChsiAccount,
    /// The name on CHSI differs from the uploaded name.
    NameMismatch,
    /// The identity document on CHSI differs from the uploaded one: its number, or its type
    /// (证件类型; an empty type is 居民身份证).
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
                "学校上传的证件类型或证件号码与学信网实名信息不一致：请联系辅导员在生源管理中更正"
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
                "the uploaded identity document (type or number) differs from your CHSI identity: ask your counselor to correct it in 生源管理"
            }
            LoginReason::StudentRecordNotBound => {
                "you have not bound your student record on CHSI: log in to CHSI and bind it"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_serde_names() {
        for r in [
            Role::Graduate,
            Role::Chsi,
            Role::Counselor,
            Role::SchoolOffice,
            Role::ProvincialPlatform,
            Role::ArchiveDept,
            Role::HukouDept,
        ] {
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
            assert_eq!(r.to_string(), r.as_str());
        }
        for s in [AuthState::Active, AuthState::Revoked, AuthState::Superseded] {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
            assert_eq!(s.to_string(), s.as_str());
        }
    }
}
