//! Policies: deadlines and validity bounds are data, not code.
//!
//! A deadline is the end of its day in China Standard Time (UTC+8): a deadline of 15 June 2026
//! passes at 2026-06-16 00:00 +08:00 (2026-06-15 16:00 UTC).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// China Standard Time, UTC+8.
pub fn cst() -> FixedOffset {
    // 8 hours is always a valid offset.
    FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

/// A day of the year, applied to a graduation year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MonthDay {
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
}

impl MonthDay {
    /// A month and day.
    pub const fn new(month: u32, day: u32) -> Self {
        MonthDay { month, day }
    }

    /// The date in `year`, if it exists.
    pub fn in_year(self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
    }
}

/// Bounds of an authorization's validity period, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidityBounds {
    /// Shortest allowed period.
    pub min_days: u32,
    /// Period used when the graduate does not choose one.
    pub default_days: u32,
    /// Longest allowed period (also the furthest an extension may reach from now).
    pub max_days: u32,
}

impl Default for ValidityBounds {
    fn default() -> Self {
        ValidityBounds {
            min_days: 1,
            default_days: 30,
            max_days: 180,
        }
    }
}

/// A graduation batch (毕业批次): the graduates whose graduation month falls in
/// `from_month..=to_month` of a year register and change by the batch's own deadlines, in the
/// graduation year plus `year_offset`.
///
/// JSON: `{"name":"winter","from_month":9,"to_month":12,"registration_deadline":{"month":6,"day":15},
/// "change_deadline":{"month":8,"day":15},"year_offset":1}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// A name for statistics and messages, such as `winter`.
    pub name: String,
    /// First graduation month of the batch (1–12), inclusive.
    pub from_month: u32,
    /// Last graduation month of the batch (1–12), inclusive; not before `from_month`.
    pub to_month: u32,
    /// Registration deadline (a first report after it is accepted but marked late).
    pub registration_deadline: MonthDay,
    /// Change deadline (a change after it needs a SchoolOffice override); not before the
    /// registration deadline.
    pub change_deadline: MonthDay,
    /// Years added to the graduation year to find the deadlines' year (0–2): 1 for a batch
    /// that registers in the following year.
    #[serde(default)]
    pub year_offset: i32,
}

impl Batch {
    /// Whether a graduation month falls in the batch.
    pub fn contains_month(&self, month: u32) -> bool {
        (self.from_month..=self.to_month).contains(&month)
    }
}

/// The deadlines that apply to one graduate: those of their graduation batch, in the year they
/// fall in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Deadlines {
    /// The batch's name; `None` for the policy's default deadlines (no batch matched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// The day of the registration deadline.
    pub registration_day: NaiveDate,
    /// When the registration deadline passes (the start of the next day in UTC+8).
    pub registration_end: DateTime<Utc>,
    /// The day of the change deadline.
    pub change_day: NaiveDate,
    /// When the change deadline passes.
    pub change_end: DateTime<Utc>,
}

/// A deployment's policy.
///
/// The deadlines of a graduate are those of the first [`Batch`] whose months hold their
/// graduation month, in the graduation year plus the batch's offset; a graduate in no batch
/// has `registration_deadline` and `change_deadline` of their graduation year (the summer
/// deadlines of the presets). A policy without `batches` (the JSON before batches existed)
/// loads with none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Policy {
    /// A name for logs and statistics, such as `jiangsu`.
    pub name: String,
    /// Registration deadline of a graduation year (a report after it is accepted but marked late),
    /// for graduates in no batch.
    pub registration_deadline: MonthDay,
    /// Change deadline of a graduation year (a change after it needs a SchoolOffice override),
    /// for graduates in no batch.
    pub change_deadline: MonthDay,
    /// Validity bounds of authorizations.
    #[serde(default)]
    pub validity: ValidityBounds,
    /// Graduation batches with their own deadlines, checked in order.
    ///
    /// A policy saved before batches existed has none.
    #[serde(default)]
    pub batches: Vec<Batch>,
}

/// The winter batch of the presets: graduates of September to December register and change by
/// the summer deadlines of the following year. No public rule we found sets winter deadlines,
/// so this is the crate's default, chosen so that nobody is late before graduating and a winter
/// graduate has a whole season; a deployment replaces it with its province's rule.
fn winter_batch(registration_deadline: MonthDay, change_deadline: MonthDay) -> Batch {
    Batch {
        name: "winter".into(),
        from_month: 9,
        to_month: 12,
        registration_deadline,
        change_deadline,
        year_offset: 1,
    }
}

impl Policy {
    /// Jiangsu: register by 15 June, change by 15 August (the operation guide in `seed/`), for
    /// graduates of January to August; the winter batch (September to December) registers by the
    /// same days of the following year.
    pub fn jiangsu() -> Self {
        let (reg, change) = (MonthDay::new(6, 15), MonthDay::new(8, 15));
        Policy {
            name: "jiangsu".into(),
            registration_deadline: reg,
            change_deadline: change,
            validity: ValidityBounds::default(),
            batches: vec![winter_batch(reg, change)],
        }
    }

    /// The national default: changes by 31 August. The national registration deadline is taken
    /// as 30 June, when graduates leave school; a deployment sets its own. Graduates of
    /// September to December (the winter batch) register by the same days of the following
    /// year.
    pub fn national() -> Self {
        let (reg, change) = (MonthDay::new(6, 30), MonthDay::new(8, 31));
        Policy {
            name: "national".into(),
            registration_deadline: reg,
            change_deadline: change,
            validity: ValidityBounds::default(),
            batches: vec![winter_batch(reg, change)],
        }
    }

    /// Checks that the dates exist in every year (29 February is refused), that no change
    /// deadline comes before its registration deadline, that batches cover valid, ordered,
    /// non-overlapping month ranges with an offset of 0–2 years, and that the bounds are ordered.
    pub fn check(&self) -> Result<()> {
        check_deadlines("", self.registration_deadline, self.change_deadline)?;
        for (i, b) in self.batches.iter().enumerate() {
            let what = format!("batch {:?}: ", b.name);
            if b.name.trim().is_empty() {
                return Err(Error::InvalidPolicy(format!("batch {i} has no name")));
            }
            if !(1..=12).contains(&b.from_month)
                || !(1..=12).contains(&b.to_month)
                || b.from_month > b.to_month
            {
                return Err(Error::InvalidPolicy(format!(
                    "{what}months {}–{} must satisfy 1 <= from <= to <= 12",
                    b.from_month, b.to_month
                )));
            }
            if !(0..=2).contains(&b.year_offset) {
                return Err(Error::InvalidPolicy(format!(
                    "{what}year_offset {} must be 0, 1 or 2",
                    b.year_offset
                )));
            }
            check_deadlines(&what, b.registration_deadline, b.change_deadline)?;
            if let Some(other) = self.batches[..i]
                .iter()
                .find(|o| o.from_month <= b.to_month && b.from_month <= o.to_month)
            {
                return Err(Error::InvalidPolicy(format!(
                    "{what}months overlap those of batch {:?}",
                    other.name
                )));
            }
        }
        let v = self.validity;
        if !(v.min_days >= 1
            && v.min_days <= v.default_days
            && v.default_days <= v.max_days
            && v.max_days <= 3660)
        {
            return Err(Error::InvalidPolicy(format!(
                "validity bounds must satisfy 1 <= min ({}) <= default ({}) <= max ({}) <= 3660",
                v.min_days, v.default_days, v.max_days
            )));
        }
        Ok(())
    }

    /// The batch a graduation month falls in, if any.
    pub fn batch_of(&self, graduation_month: u32) -> Option<&Batch> {
        self.batches
            .iter()
            .find(|b| b.contains_month(graduation_month))
    }

    /// The deadlines of a graduate who graduates on `graduation_date`: those of their batch in
    /// the graduation year plus the batch's offset, or the default deadlines of the graduation
    /// year.
    pub fn deadlines(&self, graduation_date: NaiveDate) -> Result<Deadlines> {
        let year = graduation_date.year();
        let (batch, reg, change, year) = match self.batch_of(graduation_date.month()) {
            Some(b) => (
                Some(b.name.clone()),
                b.registration_deadline,
                b.change_deadline,
                year.saturating_add(b.year_offset),
            ),
            None => (None, self.registration_deadline, self.change_deadline, year),
        };
        let day = |md: MonthDay| {
            md.in_year(year).ok_or_else(|| {
                Error::InvalidPolicy(format!("{year}-{}-{} is not a date", md.month, md.day))
            })
        };
        Ok(Deadlines {
            batch,
            registration_day: day(reg)?,
            registration_end: Self::end_of_day(reg, year)?,
            change_day: day(change)?,
            change_end: Self::end_of_day(change, year)?,
        })
    }

    /// The instant a day's deadline passes: the start of the next day in UTC+8.
    pub fn end_of_day(md: MonthDay, year: i32) -> Result<DateTime<Utc>> {
        let date = md.in_year(year).ok_or_else(|| {
            Error::InvalidPolicy(format!("{year}-{}-{} is not a date", md.month, md.day))
        })?;
        let next = date
            .succ_opt()
            .ok_or_else(|| Error::InvalidPolicy("date out of range".into()))?;
        let local = next
            .and_hms_opt(0, 0, 0)
            .ok_or_else(|| Error::InvalidPolicy("date out of range".into()))?;
        cst()
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| Error::InvalidPolicy("date out of range".into()))
    }

    /// When the default registration deadline of `year` passes (graduates in no batch; see
    /// [`Policy::deadlines`] for a graduate's own).
    pub fn registration_deadline_end(&self, year: i32) -> Result<DateTime<Utc>> {
        Self::end_of_day(self.registration_deadline, year)
    }

    /// When the default change deadline of `year` passes (graduates in no batch; see
    /// [`Policy::deadlines`] for a graduate's own).
    pub fn change_deadline_end(&self, year: i32) -> Result<DateTime<Utc>> {
        Self::end_of_day(self.change_deadline, year)
    }
}

/// Checks that a pair of deadlines exists in every year and that the change deadline does not
/// come before the registration deadline.
fn check_deadlines(what: &str, registration: MonthDay, change: MonthDay) -> Result<()> {
    for (name, md) in [
        ("registration_deadline", registration),
        ("change_deadline", change),
    ] {
        if md.in_year(2023).is_none() {
            return Err(Error::InvalidPolicy(format!(
                "{what}{name} {}-{} is not a date in every year",
                md.month, md.day
            )));
        }
    }
    if (change.month, change.day) < (registration.month, registration.day) {
        return Err(Error::InvalidPolicy(format!(
            "{what}change_deadline {}-{} comes before registration_deadline {}-{}",
            change.month, change.day, registration.month, registration.day
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_is_end_of_day_in_utc8() {
        let p = Policy::jiangsu();
        let end = p.registration_deadline_end(2026).unwrap();
        assert_eq!(end.to_rfc3339(), "2026-06-15T16:00:00+00:00");
        let change = p.change_deadline_end(2026).unwrap();
        assert_eq!(change.to_rfc3339(), "2026-08-15T16:00:00+00:00");
        assert_eq!(
            Policy::national()
                .change_deadline_end(2026)
                .unwrap()
                .to_rfc3339(),
            "2026-08-31T16:00:00+00:00"
        );
    }

    #[test]
    fn policy_check_refuses_bad_dates_and_bounds() {
        assert!(Policy::jiangsu().check().is_ok());
        assert!(Policy::national().check().is_ok());
        let mut p = Policy::jiangsu();
        p.change_deadline = MonthDay::new(2, 30);
        assert!(matches!(p.check(), Err(Error::InvalidPolicy(_))));
        p.change_deadline = MonthDay::new(2, 29);
        assert!(p.check().is_err());
        let mut p = Policy::jiangsu();
        p.validity.min_days = 0;
        assert!(p.check().is_err());
        p.validity = ValidityBounds {
            min_days: 10,
            default_days: 5,
            max_days: 20,
        };
        assert!(p.check().is_err());
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn check_refuses_a_change_deadline_before_the_registration_deadline() {
        let mut p = Policy::jiangsu();
        p.change_deadline = MonthDay::new(6, 14);
        assert!(matches!(p.check(), Err(Error::InvalidPolicy(m)) if m.contains("before")));
        p.change_deadline = MonthDay::new(6, 15);
        assert!(p.check().is_ok(), "the same day is allowed");
        let mut p = Policy::national();
        p.batches[0].change_deadline = MonthDay::new(1, 31);
        assert!(matches!(p.check(), Err(Error::InvalidPolicy(m)) if m.contains("winter")));
    }

    #[test]
    fn batches_set_the_deadlines_of_their_graduates() {
        let p = Policy::jiangsu();
        let summer = p.deadlines(date(2026, 6, 30)).unwrap();
        assert_eq!(summer.batch, None);
        assert_eq!(
            summer.registration_end,
            p.registration_deadline_end(2026).unwrap()
        );
        assert_eq!(summer.change_end, p.change_deadline_end(2026).unwrap());
        assert_eq!(summer.registration_day, date(2026, 6, 15));
        let winter = p.deadlines(date(2026, 12, 31)).unwrap();
        assert_eq!(winter.batch.as_deref(), Some("winter"));
        assert_eq!(winter.registration_day, date(2027, 6, 15));
        assert_eq!(winter.change_end.to_rfc3339(), "2027-08-15T16:00:00+00:00");
        let n = Policy::national().deadlines(date(2026, 9, 1)).unwrap();
        assert_eq!(n.change_day, date(2027, 8, 31));
        assert_eq!(
            Policy::national()
                .deadlines(date(2026, 8, 31))
                .unwrap()
                .change_day,
            date(2026, 8, 31)
        );
    }

    #[test]
    fn batches_are_checked() {
        let mut p = Policy::jiangsu();
        let b = p.batches[0].clone();
        p.batches.push(Batch {
            name: "december".into(),
            from_month: 12,
            to_month: 12,
            ..b.clone()
        });
        assert!(matches!(p.check(), Err(Error::InvalidPolicy(m)) if m.contains("overlap")));
        for bad in [
            Batch {
                from_month: 0,
                ..b.clone()
            },
            Batch {
                to_month: 13,
                ..b.clone()
            },
            Batch {
                from_month: 10,
                to_month: 9,
                ..b.clone()
            },
            Batch {
                year_offset: 3,
                ..b.clone()
            },
            Batch {
                year_offset: -1,
                ..b.clone()
            },
            Batch {
                name: " ".into(),
                ..b.clone()
            },
            Batch {
                registration_deadline: MonthDay::new(2, 29),
                ..b.clone()
            },
        ] {
            let p = Policy {
                batches: vec![bad.clone()],
                ..Policy::jiangsu()
            };
            assert!(p.check().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn policy_json_round_trips_and_old_json_loads() {
        for p in [Policy::jiangsu(), Policy::national()] {
            let json = serde_json::to_string(&p).unwrap();
            assert!(json.contains("\"batches\""));
            let back: Policy = serde_json::from_str(&json).unwrap();
            assert_eq!(back, p);
        }
        let old = r#"{"name":"x","registration_deadline":{"month":6,"day":15},
            "change_deadline":{"month":8,"day":15}}"#;
        let p: Policy = serde_json::from_str(old).unwrap();
        assert!(p.batches.is_empty());
        assert!(p.check().is_ok());
        assert_eq!(
            p.deadlines(date(2026, 12, 1)).unwrap().registration_day,
            date(2026, 6, 15)
        );
        let unknown = r#"{"name":"x","registration_deadline":{"month":6,"day":15},
            "change_deadline":{"month":8,"day":15},"batches":[{"name":"w","from_month":9,
            "to_month":12,"registration_deadline":{"month":6,"day":15},
            "change_deadline":{"month":8,"day":15},"extra":1}]}"#;
        assert!(serde_json::from_str::<Policy>(unknown).is_err());
    }
}
