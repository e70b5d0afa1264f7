//! Who acts: [`Actor`], one of the parties of the process with what identifies it, and its
//! [`Role`].

use serde::{Deserialize, Serialize};

pub use crate::access::Role;

/// Who acts. JSON: `{"role": "counselor", "id": "t001", "school": "10327", "college": "会计学院"}`.
///
/// Staff of a school carry its 院校代码 (`school`): a counselor acts for one college of one
/// school, the employment office for its own school only. The provincial platform, CHSI and the
/// departments are not scoped by school.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// A counselor (辅导员) of one college of one school.
    Counselor {
        /// Staff id.
        id: String,
        /// The school's 院校代码 (5 digits).
        school: String,
        /// The college they serve.
        college: String,
    },
    /// The school's employment office (学校就业部门).
    SchoolOffice {
        /// Staff id.
        id: String,
        /// The school's 院校代码 (5 digits).
        school: String,
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

impl Actor {
    /// The school an actor of a school acts for (counselor, employment office); `None` for the
    /// others.
    pub fn school(&self) -> Option<&str> {
        match self {
            Actor::Counselor { school, .. } | Actor::SchoolOffice { school, .. } => Some(school),
            _ => None,
        }
    }

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
