//! Reminders (消息提醒) for a cohort: a pure function of the registrations, the policy and the
//! instant.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::lifecycle::{AuthStatus, BasicStatus, DestinationStatus, Recipient, Registration};
use crate::policy::Policy;

/// When reminders fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReminderOptions {
    /// Remind graduates with nothing reported when the registration deadline is this many days
    /// away or fewer (and after it passes).
    pub deadline_within_days: i64,
    /// Remind graduates whose destination has awaited confirmation for at least this many days.
    pub unconfirmed_after_days: i64,
    /// Remind graduates whose authorization ends within this many days.
    pub expiring_within_days: i64,
}

impl Default for ReminderOptions {
    fn default() -> Self {
        ReminderOptions {
            deadline_within_days: 7,
            unconfirmed_after_days: 3,
            expiring_within_days: 3,
        }
    }
}

/// What a reminder is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReminderKind {
    /// The registration deadline is near and nothing is reported.
    DeadlineApproaching {
        /// Whole days left, rounded up (1 on the last day).
        days_left: i64,
    },
    /// The registration deadline has passed and nothing is reported.
    DeadlineMissed,
    /// Basic information awaits the graduate's review.
    BasicInfoUnreviewed,
    /// The destination awaits the graduate's confirmation.
    Unconfirmed {
        /// Days since it was reported or updated.
        days_waiting: i64,
    },
    /// The destination is disputed and awaits the counselor's fix.
    DisputeOpen,
    /// An authorization is about to expire.
    AuthorizationExpiring {
        /// Its verification number.
        number: String,
        /// When it ends.
        valid_until: DateTime<Utc>,
    },
}

/// One reminder. Messages are Chinese first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reminder {
    /// The registration.
    pub registration_id: String,
    /// Who should be reminded.
    pub recipient: Recipient,
    /// What about.
    #[serde(flatten)]
    pub kind: ReminderKind,
    /// Message in Chinese.
    pub message_zh: String,
    /// Message in English.
    pub message_en: String,
}

fn ceil_days(d: Duration) -> i64 {
    let secs = d.num_seconds();
    (secs + 86_399).div_euclid(86_400)
}

/// The reminders due for one registration at `now`.
pub fn reminders_for(
    reg: &Registration,
    policy: &Policy,
    now: DateTime<Utc>,
    opts: &ReminderOptions,
) -> Vec<Reminder> {
    let mut out = Vec::new();
    let mut push = |recipient: Recipient, kind: ReminderKind, zh: String, en: String| {
        out.push(Reminder {
            registration_id: reg.id.clone(),
            recipient,
            kind,
            message_zh: zh,
            message_en: en,
        })
    };
    let counselors = Recipient::counselors_of(reg);
    let Some(year) = reg.graduation_year() else {
        return out;
    };
    let md = policy.registration_deadline;
    if reg.destination.is_none() {
        if let Ok(end) = policy.registration_deadline_end(year) {
            let left = ceil_days(end - now);
            if now >= end {
                push(
                    counselors.clone(),
                    ReminderKind::DeadlineMissed,
                    format!(
                        "已超过毕业去向登记截止日期（{}月{}日），该毕业生尚未登记去向，请尽快登记",
                        md.month, md.day
                    ),
                    "the registration deadline has passed and no destination is registered".into(),
                );
            } else if left <= opts.deadline_within_days {
                push(
                    Recipient::Graduate,
                    ReminderKind::DeadlineApproaching { days_left: left },
                    format!("距毕业去向登记截止（{}月{}日）还有 {left} 天，请尽快在省级平台登记毕业去向", md.month, md.day),
                    format!("{left} day(s) left before the registration deadline: register your destination"),
                );
            }
        }
    }
    if reg.basic_status == BasicStatus::AwaitingReview && reg.first_login_at.is_some() {
        push(
            Recipient::Graduate,
            ReminderKind::BasicInfoUnreviewed,
            "您的基本信息尚未核对，请登录毕业去向登记系统确认".into(),
            "your basic information awaits your review".into(),
        );
    }
    match reg.destination_status {
        DestinationStatus::AwaitingConfirmation => {
            let since = reg.updated_at.or(reg.reported_at).unwrap_or(now);
            let waiting = (now - since).num_days();
            if waiting >= opts.unconfirmed_after_days {
                push(
                    Recipient::Graduate,
                    ReminderKind::Unconfirmed { days_waiting: waiting },
                    format!("您的毕业去向已登记 {waiting} 天，尚未确认，请登录毕业去向登记系统进行去向登记确认"),
                    format!("your destination has awaited confirmation for {waiting} day(s): confirm it"),
                );
            }
        }
        DestinationStatus::Disputed => push(
            counselors.clone(),
            ReminderKind::DisputeOpen,
            "毕业生对去向信息有异议，尚待在就业方案管理中修改".into(),
            "the graduate's dispute awaits a fix on the provincial platform".into(),
        ),
        _ => {}
    }
    for a in &reg.authorizations {
        if a.status_at(now) == AuthStatus::Valid
            && a.valid_until - now <= Duration::days(opts.expiring_within_days)
        {
            let n = a.number.to_string();
            push(
                Recipient::Graduate,
                ReminderKind::AuthorizationExpiring {
                    number: n.clone(),
                    valid_until: a.valid_until,
                },
                format!(
                    "核验编号 {n} 的授权将于 {} 到期，如档案或户口手续尚未办结，请及时延长有效期",
                    a.valid_until
                        .with_timezone(&crate::policy::cst())
                        .format("%Y-%m-%d %H:%M")
                ),
                format!("authorization {n} ends soon: extend it if the transfer is not finished"),
            );
        }
    }
    out
}

/// The reminders due for a cohort at `now`.
pub fn reminders<'a, I>(
    regs: I,
    policy: &Policy,
    now: DateTime<Utc>,
    opts: &ReminderOptions,
) -> Vec<Reminder>
where
    I: IntoIterator<Item = &'a Registration>,
{
    regs.into_iter()
        .flat_map(|r| reminders_for(r, policy, now, opts))
        .collect()
}
