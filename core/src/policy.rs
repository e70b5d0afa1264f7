//! Policies: deadlines and validity bounds are data, not code.
//!
//! A deadline is the end of its day in China Standard Time (UTC+8): a deadline of 15 June 2026
//! passes at 2026-06-16 00:00 +08:00 (2026-06-15 16:00 UTC).

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
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

/// A deployment's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Policy {
    /// A name for logs and statistics, such as `jiangsu`.
    pub name: String,
    /// Registration deadline of a graduation year (a report after it is accepted but marked late).
    pub registration_deadline: MonthDay,
    /// Change deadline of a graduation year (a change after it needs a SchoolOffice override).
    pub change_deadline: MonthDay,
    /// Validity bounds of authorizations.
    #[serde(default)]
    pub validity: ValidityBounds,
}

impl Policy {
    /// Jiangsu: register by 15 June, change by 15 August (the operation guide in `seed/`).
    pub fn jiangsu() -> Self {
        Policy {
            name: "jiangsu".into(),
            registration_deadline: MonthDay::new(6, 15),
            change_deadline: MonthDay::new(8, 15),
            validity: ValidityBounds::default(),
        }
    }

    /// The national default: changes by 31 August. The national registration deadline is taken
    /// as 30 June, when graduates leave school; a deployment sets its own.
    pub fn national() -> Self {
        Policy {
            name: "national".into(),
            registration_deadline: MonthDay::new(6, 30),
            change_deadline: MonthDay::new(8, 31),
            validity: ValidityBounds::default(),
        }
    }

    /// Checks that the dates exist in every year (29 February is refused) and the bounds are
    /// ordered.
    pub fn check(&self) -> Result<()> {
        for (what, md) in [
            ("registration_deadline", self.registration_deadline),
            ("change_deadline", self.change_deadline),
        ] {
            if md.in_year(2023).is_none() {
                return Err(Error::InvalidPolicy(format!(
                    "{what} {}-{} is not a date in every year",
                    md.month, md.day
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

    /// When the registration deadline of `year` passes.
    pub fn registration_deadline_end(&self, year: i32) -> Result<DateTime<Utc>> {
        Self::end_of_day(self.registration_deadline, year)
    }

    /// When the change deadline of `year` passes.
    pub fn change_deadline_end(&self, year: i32) -> Result<DateTime<Utc>> {
        Self::end_of_day(self.change_deadline, year)
    }
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
}
