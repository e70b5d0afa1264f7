//! Work lists of a school's staff: the void requests awaiting their decision, batch approval,
//! the graduates who cannot log in with each reason and its remedy, and the destinations left
//! unconfirmed for days.
//!
//! Every list is scoped to the actor: a counselor sees their own college of their own school, a
//! school office its own school; other actors have no work list ([`Error::Forbidden`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Query, Registry, Summary};
use crate::error::{Error, Result};
use crate::lifecycle::{Actor, Command, LoginReason, Outcome, Stage, VoidStage};

/// A void request awaiting the actor's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PendingVoidRequest {
    /// Registration id.
    pub id: String,
    /// 姓名.
    pub name: String,
    /// 院校代码.
    pub school_code: String,
    /// 学院.
    pub college: String,
    /// 专业名称.
    pub major_name: String,
    /// The request's stage: `awaiting_college` for a counselor, `awaiting_school` for an office.
    pub stage: VoidStage,
    /// When it was filed.
    pub filed_at: DateTime<Utc>,
    /// The graduate's reason.
    pub reason: String,
    /// The notes of the deciders so far.
    pub notes: Vec<String>,
}

/// One reason a graduate cannot log in, with its remedy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoginReasonNote {
    /// The reason's code.
    pub reason: LoginReason,
    /// The reason and its remedy in Chinese.
    pub message_zh: String,
    /// The reason and its remedy in English.
    pub message_en: String,
}

impl LoginReasonNote {
    /// The note of a reason.
    pub fn of(reason: LoginReason) -> Self {
        LoginReasonNote {
            reason,
            message_zh: reason.message_zh().to_string(),
            message_en: reason.message_en().to_string(),
        }
    }
}

/// A graduate who cannot log in now, whatever the stage, with every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CannotLogIn {
    /// Registration id.
    pub id: String,
    /// 姓名.
    pub name: String,
    /// 院校代码.
    pub school_code: String,
    /// 学院.
    pub college: String,
    /// The stage at the instant asked (a destination may already be reported).
    pub stage: Stage,
    /// Whether the graduate logged in before (the CHSI account changed since).
    pub logged_in: bool,
    /// Every reason, with its remedy.
    pub reasons: Vec<LoginReasonNote>,
}

/// The refusal of a work list to an actor who has none.
fn no_work_list(actor: &Actor, list: &str) -> Error {
    Error::Forbidden {
        role: actor.role(),
        command: list.to_string(),
        why: "只有辅导员和学校就业部门有工作清单 / only counselors and school offices have work lists"
            .into(),
    }
}

impl Query {
    /// The registrations an actor's work lists cover: a counselor's college of their school, a
    /// school office's school. Other actors have none ([`Error::Forbidden`], naming `list`).
    pub fn scope_of(actor: &Actor, list: &str) -> Result<Query> {
        match actor {
            Actor::Counselor {
                school, college, ..
            } => Ok(Query {
                school: Some(school.clone()),
                college: Some(college.clone()),
                ..Query::default()
            }),
            Actor::SchoolOffice { school, .. } => Ok(Query {
                school: Some(school.clone()),
                ..Query::default()
            }),
            _ => Err(no_work_list(actor, list)),
        }
    }
}

impl Registry {
    /// The void requests awaiting `actor`'s decision, oldest first: a counselor's at the college
    /// stage in their college of their school, a school office's at the school stage in its
    /// school.
    pub fn pending_void_requests(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<PendingVoidRequest>> {
        let scope = Query::scope_of(actor, "pending_void_requests")?;
        let stage = match actor {
            Actor::Counselor { .. } => VoidStage::AwaitingCollege,
            _ => VoidStage::AwaitingSchool,
        };
        let mut out = Vec::new();
        for s in self.query(&scope, now)? {
            if s.void_stage != Some(stage) {
                continue;
            }
            // The summary says a request is waiting; its reason and notes are in the record.
            let Some(reg) = self.find(&s.id)? else {
                continue;
            };
            let Some(v) = reg.void_request.filter(|v| v.stage == stage) else {
                continue;
            };
            out.push(PendingVoidRequest {
                id: s.id,
                name: s.name,
                school_code: s.school_code,
                college: s.college,
                major_name: s.major_name,
                stage,
                filed_at: v.filed_at,
                reason: v.reason,
                notes: v.notes,
            });
        }
        out.sort_by(|a, b| a.filed_at.cmp(&b.filed_at).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Approves the void requests of `ids` as `actor` with one note, in one transaction. Each
    /// id gets its own result, in order: the outcome, or why it was refused (not found, another
    /// school's or college's graduate, a request at another stage …); the accepted ones commit
    /// together.
    pub fn approve_void_requests(
        &self,
        actor: &Actor,
        ids: &[String],
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, Result<Outcome>)>> {
        let mut found = Vec::with_capacity(ids.len());
        let mut commands = Vec::new();
        for id in ids {
            let exists = self.store.load(id)?.is_some();
            found.push(exists);
            if exists {
                commands.push((
                    id.clone(),
                    actor.clone(),
                    Command::ApproveVoidRequest {
                        note: note.to_string(),
                    },
                ));
            }
        }
        let mut applied = self.apply_batch(&commands, now)?.into_iter();
        let mut out = Vec::with_capacity(ids.len());
        for (id, exists) in ids.iter().zip(found) {
            let result = if exists {
                applied
                    .next()
                    .unwrap_or_else(|| Err(Error::Storage("batch result missing".into())))
            } else {
                Err(Error::NotFound(id.clone()))
            };
            out.push((id.clone(), result));
        }
        Ok(out)
    }

    /// The graduates in `actor`'s scope who cannot log in now, whatever their stage (a
    /// destination may already be reported), each with every reason and its remedy; ordered by
    /// id.
    pub fn cannot_log_in(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<CannotLogIn>> {
        let scope = Query {
            can_log_in: Some(false),
            ..Query::scope_of(actor, "cannot_log_in")?
        };
        Ok(self
            .query(&scope, now)?
            .into_iter()
            .map(|s| CannotLogIn {
                stage: s.stage_at(now),
                reasons: s
                    .login_problems
                    .iter()
                    .copied()
                    .map(LoginReasonNote::of)
                    .collect(),
                id: s.id,
                name: s.name,
                school_code: s.school_code,
                college: s.college,
                logged_in: s.logged_in,
            })
            .collect())
    }

    /// The registrations in `actor`'s scope whose destination has awaited the graduate's
    /// confirmation for at least `days`, ordered by id.
    pub fn unconfirmed_for(
        &self,
        actor: &Actor,
        days: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<Summary>> {
        let scope = Query {
            awaiting_confirmation_days: Some(days),
            ..Query::scope_of(actor, "unconfirmed_for")?
        };
        self.query(&scope, now)
    }
}
