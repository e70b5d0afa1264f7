//! The working state of one application of a command ([`Tx`]) and the small steps the commands
//! share: emitting an event, marking the data as changed, superseding authorizations, checking
//! the change deadline, and the common preconditions.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::authorization::{AuthState, Authorization};
use super::context::Context;
use super::events::{Event, EventFacts, EventKind, Recipient};
use super::registration::{DestinationStatus, Registration};
use crate::codes::number::VerificationNumber;
use crate::error::{Error, Result};
use crate::records::BasicInfo;

/// Working state of one application.
pub(super) struct Tx<'c> {
    /// The registration being changed (a copy of the caller's).
    pub reg: Registration,
    /// Notifications so far.
    pub events: Vec<Event>,
    /// The audit summary, Chinese.
    pub summary: String,
    /// False when the command turned out to change nothing (the version is then kept).
    pub changed: bool,
    /// The command's context.
    pub ctx: &'c Context<'c>,
    /// The record of an upload or correction that was already validated against
    /// `ctx.tables` (see [`super::Prevalidated`]): its validation is not run again.
    pub prevalidated: Option<&'c std::sync::Arc<crate::records::BasicInfo>>,
}

impl<'c> Tx<'c> {
    /// A transaction on a copy of `reg`.
    pub fn new(reg: &Registration, ctx: &'c Context<'c>) -> Self {
        Tx {
            reg: reg.clone(),
            events: Vec::new(),
            summary: String::new(),
            changed: true,
            ctx,
            prevalidated: None,
        }
    }

    /// Validates `info` against the context's code tables, unless it is the very record that was
    /// validated against them already.
    pub fn validate_record(
        &self,
        info: &std::sync::Arc<crate::records::BasicInfo>,
    ) -> crate::error::Result<()> {
        if self
            .prevalidated
            .is_some_and(|v| std::sync::Arc::ptr_eq(v, info))
        {
            return Ok(());
        }
        crate::validate::Validate::validate(&**info, self.ctx.tables)
    }

    /// The instant of the command.
    pub fn now(&self) -> DateTime<Utc> {
        self.ctx.now
    }

    /// Records an event; its messages are built by the kind from `facts`. Its id names the
    /// version this command produces (the current one plus one: events of a command that
    /// changes nothing are never stored) and its place among the command's events.
    pub fn emit(&mut self, kind: EventKind, recipient: Recipient, facts: &EventFacts<'_>) {
        let message_zh = kind.message_zh(&recipient, facts);
        let message_en = kind.message_en(&recipient, facts);
        let id = Event::make_id(
            &self.reg.id,
            self.reg.version.saturating_add(1),
            self.events.len(),
        );
        self.events.push(Event {
            id,
            at: self.ctx.now,
            kind,
            recipient,
            registration_id: self.reg.id.clone(),
            message_zh,
            message_en,
        });
    }

    /// Marks the data as changed: bumps the data version, resets the destination confirmation
    /// and supersedes every active authorization.
    pub fn data_changed(&mut self) {
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

    /// Supersedes every active authorization (forms issued on old data must never verify) and
    /// tells the graduate which numbers lapsed.
    pub fn supersede_active(&mut self) {
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
                &EventFacts::number(&list),
            );
        }
    }

    /// Refuses a change after the change deadline of the graduate's batch unless an override is
    /// in force; consumes the override when `consume`.
    pub fn check_change_deadline(&mut self, consume: bool) -> Result<()> {
        let Some(date) = self.reg.graduation_date() else {
            return Ok(());
        };
        let d = self.ctx.policy.deadlines(date)?;
        if self.ctx.now < d.change_end {
            return Ok(());
        }
        if self.reg.change_override.is_none() {
            return Err(Error::ChangeDeadlinePassed {
                deadline: deadline_day(d.change_day),
            });
        }
        if consume {
            if let Some(o) = self.reg.change_override.take() {
                self.summary
                    .push_str(&format!("（逾期变更，学校特批：{}）", o.reason));
            }
        }
        Ok(())
    }
}

/// A deadline as the day it falls on, `YYYY-MM-DD`.
pub(super) fn deadline_day(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A reason or note, trimmed: required, at most 500 characters.
pub(super) fn require_reason(s: &str) -> Result<String> {
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

/// The precondition of every graduate command but logging in: basic information uploaded and
/// the graduate logged in once.
pub(super) fn graduate_ready(reg: &Registration) -> Result<&BasicInfo> {
    let basic = reg.basic.as_deref().ok_or(Error::BasicInfoMissing)?;
    if reg.first_login_at.is_none() {
        return Err(Error::NotLoggedIn);
    }
    Ok(basic)
}

/// The authorization with this number, to change it.
pub(super) fn find_auth<'r>(
    reg: &'r mut Registration,
    number: &VerificationNumber,
) -> Result<&'r mut Authorization> {
    reg.authorizations
        .iter_mut()
        .find(|a| &a.number == number)
        .ok_or_else(|| Error::AuthorizationNotFound(number.to_string()))
}

/// `now` plus `days`, or an error when that instant is beyond what the calendar holds (a clock
/// passed in at the edge of the representable range must not panic) or after the year 9999,
/// which no face could read back (see [`check_instant`](super::context::check_instant)).
pub(super) fn validity_end(now: DateTime<Utc>, days: u32) -> Result<DateTime<Utc>> {
    let end = now
        .checked_add_signed(Duration::days(i64::from(days)))
        .ok_or_else(|| Error::InvalidArgument(format!("{now} plus {days} days is out of range")))?;
    super::context::check_instant("valid_until", end)?;
    Ok(end)
}
