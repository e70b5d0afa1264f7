//! Queries over registrations, reminders and statistics.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Filter, Registry, Summary};
use crate::error::Result;
use crate::lifecycle::Stage;
use crate::reminders::{reminders_for, Reminder, ReminderOptions};

/// A query over registrations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Query {
    /// Only these stages (any when empty).
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// Only this college.
    #[serde(default)]
    pub college: Option<String>,
    /// Only this major code.
    #[serde(default)]
    pub major_code: Option<String>,
    /// Only late (or only not late) registrations.
    #[serde(default)]
    pub late: Option<bool>,
    /// Only registrations whose destination has awaited confirmation for at least this many days
    /// ("stuck").
    #[serde(default)]
    pub awaiting_confirmation_days: Option<i64>,
}

/// Placement (落实率) of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Placement {
    /// College name or major code and name.
    pub key: String,
    /// Graduates with basic information.
    pub graduates: u64,
    /// Graduates with a reported destination.
    pub reported: u64,
    /// Graduates whose reported destination counts as placed.
    pub placed: u64,
    /// `placed / graduates` (0 when there are none).
    pub rate: f64,
}

impl Placement {
    fn new(key: String) -> Self {
        Placement {
            key,
            graduates: 0,
            reported: 0,
            placed: 0,
            rate: 0.0,
        }
    }

    fn add(&mut self, reported: bool, placed: bool) {
        self.graduates += 1;
        self.reported += u64::from(reported);
        self.placed += u64::from(placed);
    }

    fn finish(mut self) -> Self {
        self.rate = if self.graduates == 0 {
            0.0
        } else {
            self.placed as f64 / self.graduates as f64
        };
        self
    }
}

/// Statistics of the whole registry at an instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Statistics {
    /// Registrations.
    pub total: u64,
    /// Count per stage.
    pub by_stage: BTreeMap<Stage, u64>,
    /// Count per reported destination code (most specific code).
    pub by_destination: BTreeMap<String, u64>,
    /// Reports made after the registration deadline.
    pub late: u64,
    /// Placement over everyone.
    pub overall: Placement,
    /// Placement per college.
    pub by_college: Vec<Placement>,
    /// Placement per major (`code name`).
    pub by_major: Vec<Placement>,
}

impl Registry {
    /// Summaries matching a query at `now`, ordered by id.
    pub fn query(&self, q: &Query, now: DateTime<Utc>) -> Result<Vec<Summary>> {
        let filter = Filter {
            college: q.college.clone(),
            major_code: q.major_code.clone(),
        };
        let mut out = self.store.summaries(&filter)?;
        out.retain(|s| {
            let stage = s.stage_at(now);
            (q.stages.is_empty() || q.stages.contains(&stage))
                && q.late.is_none_or(|l| l == s.late)
                && q.awaiting_confirmation_days.is_none_or(|d| {
                    stage == Stage::AwaitingConfirmation
                        && s.awaiting_since
                            .is_some_and(|t| now - t >= Duration::days(d))
                })
        });
        Ok(out)
    }

    /// Registrations with nothing reported after the registration deadline, or reported late.
    pub fn late(&self, now: DateTime<Utc>) -> Result<Vec<Summary>> {
        let mut out = Vec::new();
        for s in self.store.summaries(&Filter::default())? {
            let missed = match (s.destination_code.as_ref(), s.graduation_year) {
                (None, Some(y)) => now >= self.policy.registration_deadline_end(y)?,
                _ => false,
            };
            if s.late || missed {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// Registrations whose destination has awaited confirmation for at least `days`.
    pub fn stuck(&self, days: i64, now: DateTime<Utc>) -> Result<Vec<Summary>> {
        self.query(
            &Query {
                awaiting_confirmation_days: Some(days),
                ..Query::default()
            },
            now,
        )
    }

    /// The reminders due at `now` over the whole registry.
    pub fn reminders(&self, now: DateTime<Utc>, opts: &ReminderOptions) -> Result<Vec<Reminder>> {
        let mut out = Vec::new();
        self.store.for_each(&mut |reg| {
            out.extend(reminders_for(&reg, &self.policy, now, opts));
            Ok(())
        })?;
        Ok(out)
    }

    /// Counts by stage and destination, and the placement rate by college and major.
    pub fn statistics(&self, now: DateTime<Utc>) -> Result<Statistics> {
        let mut by_stage = BTreeMap::new();
        let mut by_destination = BTreeMap::new();
        let mut colleges: BTreeMap<String, Placement> = BTreeMap::new();
        let mut majors: BTreeMap<String, Placement> = BTreeMap::new();
        let mut overall = Placement::new("全部".into());
        let mut late = 0;
        let mut total = 0;
        for s in self.store.summaries(&Filter::default())? {
            total += 1;
            *by_stage.entry(s.stage_at(now)).or_insert(0) += 1;
            late += u64::from(s.late);
            if s.stage == Stage::NotUploaded {
                continue;
            }
            let placed = s
                .destination_code
                .as_deref()
                .and_then(|c| self.tables.is_placed(c))
                .unwrap_or(false);
            if let Some(code) = &s.destination_code {
                *by_destination.entry(code.clone()).or_insert(0) += 1;
            }
            let reported = s.destination_code.is_some();
            overall.add(reported, placed);
            colleges
                .entry(s.college.clone())
                .or_insert_with(|| Placement::new(s.college.clone()))
                .add(reported, placed);
            let key = format!("{} {}", s.major_code, s.major_name);
            majors
                .entry(key.clone())
                .or_insert_with(|| Placement::new(key))
                .add(reported, placed);
        }
        Ok(Statistics {
            total,
            by_stage,
            by_destination,
            late,
            overall: overall.finish(),
            by_college: colleges.into_values().map(Placement::finish).collect(),
            by_major: majors.into_values().map(Placement::finish).collect(),
        })
    }
}
