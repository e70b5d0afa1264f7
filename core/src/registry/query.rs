//! Queries over registrations, reminders and statistics, each of them over the whole registry
//! or split and filtered by school, cohort (graduation year, education level), login state and
//! destination.

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
    /// Only this school (院校代码).
    #[serde(default)]
    pub school: Option<String>,
    /// Only this education level (学历代码).
    #[serde(default)]
    pub education_level: Option<String>,
    /// Only this graduation year.
    #[serde(default)]
    pub graduation_year: Option<i32>,
    /// Only graduates who have (or have never) logged in, whatever the stage: a graduate who
    /// never logged in and whose destination is already reported is found with `false`.
    #[serde(default)]
    pub logged_in: Option<bool>,
    /// Only graduates who can (`true`) or cannot (`false`) log in now, whatever the stage (see
    /// [`Summary::login_problems`]).
    #[serde(default)]
    pub can_log_in: Option<bool>,
    /// Only this reported destination: a two-digit code matches it and its sub-codes (`50`
    /// matches `502`), a three-digit code that sub-code only.
    #[serde(default)]
    pub destination_category: Option<String>,
}

impl Query {
    /// Whether a summary passes every filter but the stage and the time-dependent ones.
    fn matches_columns(&self, s: &Summary) -> bool {
        self.school.as_ref().is_none_or(|c| c == &s.school_code)
            && self.college.as_ref().is_none_or(|c| c == &s.college)
            && self.major_code.as_ref().is_none_or(|m| m == &s.major_code)
            && self
                .education_level
                .as_ref()
                .is_none_or(|e| e == &s.education_level)
            && self
                .graduation_year
                .is_none_or(|y| s.graduation_year == Some(y))
            && self.late.is_none_or(|l| l == s.late)
            && self.logged_in.is_none_or(|l| l == s.logged_in)
            && self
                .can_log_in
                .is_none_or(|c| c == s.login_problems.is_empty())
            && self
                .destination_category
                .as_deref()
                .map(str::trim)
                .is_none_or(|d| {
                    if d.len() == 2 {
                        s.destination_category.as_deref() == Some(d)
                    } else {
                        s.destination_code.as_deref() == Some(d)
                    }
                })
    }
}

/// Placement (落实率) of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Placement {
    /// College name, major code and name, or school code and name.
    pub key: String,
    /// The group's school (院校代码): colleges and majors are grouped per school, so two schools'
    /// 会计学院 are two groups. Empty for the overall placement.
    #[serde(default)]
    pub school: String,
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
    fn new(key: String, school: &str) -> Self {
        Placement {
            key,
            school: school.to_string(),
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
    /// Count per reported destination's two-digit code, sub-codes rolled up (`502` counts under
    /// `50`).
    #[serde(default)]
    pub by_destination_category: BTreeMap<String, u64>,
    /// Count per province of the destination's region (`320000`; see
    /// [`Summary::destination_region`] for which destinations have one).
    #[serde(default)]
    pub by_destination_province: BTreeMap<String, u64>,
    /// Count per prefecture (city) of the destination's region (`320100`).
    #[serde(default)]
    pub by_destination_city: BTreeMap<String, u64>,
    /// Reported destinations with no region (further study, study abroad, not placed, or an
    /// employer without a region code).
    #[serde(default)]
    pub destination_region_unknown: u64,
    /// Graduates with basic information per education level (学历代码).
    #[serde(default)]
    pub by_education_level: BTreeMap<String, u64>,
    /// Graduates with basic information per gender code (`1` 男, `2` 女).
    #[serde(default)]
    pub by_gender: BTreeMap<String, u64>,
    /// Graduates with basic information per province of their 生源地 (`320000`); graduates
    /// without one are not counted here.
    #[serde(default)]
    pub by_origin_province: BTreeMap<String, u64>,
    /// Graduates with basic information per graduation year (`"2026"`).
    #[serde(default)]
    pub by_graduation_year: BTreeMap<String, u64>,
    /// Placement per school (`code name`); the graduates of each add up to
    /// [`Statistics::overall`]'s.
    #[serde(default)]
    pub by_school: Vec<Placement>,
}

/// The province (`XX0000`) and prefecture (`XXXX00`) of a 6-digit region code; `None` for a
/// code of another shape.
fn province_and_city(code: &str) -> Option<(String, String)> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((format!("{}0000", &code[..2]), format!("{}00", &code[..4])))
}

/// Adds one to `key`'s count.
fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_string()).or_insert(0) += 1;
}

impl Registry {
    /// Summaries matching a query at `now`, ordered by id.
    pub fn query(&self, q: &Query, now: DateTime<Utc>) -> Result<Vec<Summary>> {
        let filter = Filter {
            school: q.school.clone(),
            college: q.college.clone(),
            major_code: q.major_code.clone(),
        };
        let mut out = self.store.summaries(&filter)?;
        out.retain(|s| {
            let stage = s.stage_at(now);
            (q.stages.is_empty() || q.stages.contains(&stage))
                && q.matches_columns(s)
                && q.awaiting_confirmation_days.is_none_or(|d| {
                    stage == Stage::AwaitingConfirmation
                        && s.awaiting_since
                            // Beyond what a duration holds: no wait is that long.
                            .is_some_and(|t| Duration::try_days(d).is_some_and(|d| now - t >= d))
                })
        });
        Ok(out)
    }

    /// Registrations with nothing reported after the registration deadline, or reported late.
    pub fn late(&self, now: DateTime<Utc>) -> Result<Vec<Summary>> {
        let mut out = Vec::new();
        for s in self.store.summaries(&Filter::default())? {
            // The deadline is that of the graduate's batch (a December graduate's is later).
            let missed = match (s.destination_code.as_ref(), s.graduation_year) {
                (None, Some(_)) => match self.store.load(&s.id)? {
                    Some(reg) => reg
                        .deadlines(&self.policy)
                        .is_some_and(|d| now >= d.registration_end),
                    None => false,
                },
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
        opts.check()?;
        let mut out = Vec::new();
        self.store.for_each(&mut |reg| {
            out.extend(reminders_for(&reg, &self.policy, now, opts));
            Ok(())
        })?;
        Ok(out)
    }

    /// Counts by stage and destination, and the placement rate by college and major, over the
    /// whole registry (see [`Registry::statistics_for`]).
    pub fn statistics(&self, now: DateTime<Utc>) -> Result<Statistics> {
        self.statistics_for(&Query::default(), now)
    }

    /// The statistics of the registrations matching `q` at `now` (one school, one cohort …):
    /// counts by stage, destination (most specific code and two-digit category), destination
    /// province and city, education level, gender, 生源地 province, graduation year and school,
    /// and the placement rate overall and by school, college and major.
    pub fn statistics_for(&self, q: &Query, now: DateTime<Utc>) -> Result<Statistics> {
        let mut by_stage = BTreeMap::new();
        let mut by_destination = BTreeMap::new();
        let mut by_category = BTreeMap::new();
        let mut by_province = BTreeMap::new();
        let mut by_city = BTreeMap::new();
        let mut region_unknown = 0;
        let mut by_level = BTreeMap::new();
        let mut by_gender = BTreeMap::new();
        let mut by_origin = BTreeMap::new();
        let mut by_year = BTreeMap::new();
        let mut schools: BTreeMap<String, Placement> = BTreeMap::new();
        let mut colleges: BTreeMap<(String, String), Placement> = BTreeMap::new();
        let mut majors: BTreeMap<(String, String), Placement> = BTreeMap::new();
        let mut overall = Placement::new("全部".into(), "");
        let mut late = 0;
        let mut total = 0;
        for s in self.query(q, now)? {
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
                bump(&mut by_destination, code);
            }
            if let Some(category) = &s.destination_category {
                bump(&mut by_category, category);
                match s.destination_region.as_deref().and_then(province_and_city) {
                    Some((province, city)) => {
                        bump(&mut by_province, &province);
                        bump(&mut by_city, &city);
                    }
                    None => region_unknown += 1,
                }
            }
            if !s.education_level.is_empty() {
                bump(&mut by_level, &s.education_level);
            }
            if !s.gender.is_empty() {
                bump(&mut by_gender, &s.gender);
            }
            if let Some((province, _)) = province_and_city(&s.origin_region) {
                bump(&mut by_origin, &province);
            }
            if let Some(y) = s.graduation_year {
                bump(&mut by_year, &y.to_string());
            }
            let reported = s.destination_code.is_some();
            overall.add(reported, placed);
            let school_key = format!("{} {}", s.school_code, s.school_name)
                .trim()
                .to_string();
            schools
                .entry(s.school_code.clone())
                .or_insert_with(|| Placement::new(school_key, &s.school_code))
                .add(reported, placed);
            colleges
                .entry((s.school_code.clone(), s.college.clone()))
                .or_insert_with(|| Placement::new(s.college.clone(), &s.school_code))
                .add(reported, placed);
            let key = format!("{} {}", s.major_code, s.major_name);
            majors
                .entry((s.school_code.clone(), key.clone()))
                .or_insert_with(|| Placement::new(key, &s.school_code))
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
            by_destination_category: by_category,
            by_destination_province: by_province,
            by_destination_city: by_city,
            destination_region_unknown: region_unknown,
            by_education_level: by_level,
            by_gender,
            by_origin_province: by_origin,
            by_graduation_year: by_year,
            by_school: schools.into_values().map(Placement::finish).collect(),
        })
    }
}
