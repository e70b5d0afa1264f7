//! Reminders (消息提醒) for a cohort: a pure function of the registrations, the policy and the
//! instant.
//!
//! Every [`Reminder`] carries a stable [`Reminder::id`]: the same reminder computed again later
//! (another day, another run) has the same id, so a sender that remembers the ids it sent never
//! sends one twice. The id is the registration's key, the kind, the recipient and what the
//! reminder is about (the deadline day, the report, the data version, the void request, the
//! authorization's end), never the instant of computing. Deadlines are those of the graduate's
//! batch ([`Policy::deadlines`]).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::LoginReason;
use crate::lifecycle::{
    AuthStatus, BasicStatus, DestinationStatus, Recipient, Registration, VoidStage,
};
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
    /// Days before the change deadline to remind of it (0: never; default 7).
    ///
    /// The reminder goes to graduates whose reported destination may still change, or to the
    /// counselors when an approved change waits for the platform.
    #[serde(default = "default_change_within_days")]
    pub change_deadline_within_days: i64,
}

fn default_change_within_days() -> i64 {
    7
}

/// The largest number of days a reminder option may hold: the days from 0001-01-01 to
/// 9999-12-31, the span of every instant the library accepts (a larger window would mean the
/// same).
pub const MAX_REMINDER_DAYS: i64 = 3_652_059;

impl ReminderOptions {
    /// Checks every option is a number of days from 0 to [`MAX_REMINDER_DAYS`]; anything else is
    /// an [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the option. The faces
    /// check options they are given before computing reminders.
    pub fn check(&self) -> crate::error::Result<()> {
        for (name, days) in [
            ("deadline_within_days", self.deadline_within_days),
            ("unconfirmed_after_days", self.unconfirmed_after_days),
            ("expiring_within_days", self.expiring_within_days),
            (
                "change_deadline_within_days",
                self.change_deadline_within_days,
            ),
        ] {
            if !(0..=MAX_REMINDER_DAYS).contains(&days) {
                return Err(crate::error::Error::InvalidArgument(format!(
                    "提醒选项 {name} 超出范围 / reminder option `{name}` is {days}, \
                     outside 0 to {MAX_REMINDER_DAYS} days"
                )));
            }
        }
        Ok(())
    }
}

impl Default for ReminderOptions {
    fn default() -> Self {
        ReminderOptions {
            deadline_within_days: 7,
            unconfirmed_after_days: 3,
            expiring_within_days: 3,
            change_deadline_within_days: default_change_within_days(),
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
    /// The graduate has never logged in to the registration system, whatever the stage of the
    /// destination; `reasons` say why they cannot (empty when nothing stops them).
    NeverLoggedIn {
        /// Every reason the graduate cannot log in now, each with its remedy.
        reasons: Vec<LoginReason>,
    },
    /// A void request awaits the recipient's decision (the college's counselors, then the
    /// school's employment office).
    VoidRequestPending {
        /// The stage it waits at.
        stage: VoidStage,
        /// Whole days since it was filed.
        days_waiting: i64,
    },
    /// The change deadline is near and the destination may still change.
    ChangeDeadlineApproaching {
        /// Whole days left, rounded up (1 on the last day).
        days_left: i64,
    },
}

impl ReminderKind {
    /// The snake_case name of the kind.
    pub fn name(&self) -> &'static str {
        match self {
            ReminderKind::DeadlineApproaching { .. } => "deadline_approaching",
            ReminderKind::DeadlineMissed => "deadline_missed",
            ReminderKind::BasicInfoUnreviewed => "basic_info_unreviewed",
            ReminderKind::Unconfirmed { .. } => "unconfirmed",
            ReminderKind::DisputeOpen => "dispute_open",
            ReminderKind::AuthorizationExpiring { .. } => "authorization_expiring",
            ReminderKind::NeverLoggedIn { .. } => "never_logged_in",
            ReminderKind::VoidRequestPending { .. } => "void_request_pending",
            ReminderKind::ChangeDeadlineApproaching { .. } => "change_deadline_approaching",
        }
    }
}

/// One reminder. Messages are Chinese first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reminder {
    /// Stable id: the same reminder computed again later has the same id (registration key,
    /// kind, recipient and what it is about, joined by `|`).
    pub id: String,
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

/// A short, stable name of a recipient for reminder ids.
fn recipient_key(r: &Recipient) -> String {
    match r {
        Recipient::Graduate => "graduate".into(),
        Recipient::Counselor { school, college } => format!("counselor:{school}:{college}"),
        Recipient::SchoolOffice { school } => format!("school_office:{school}"),
        Recipient::ProvincialPlatform => "provincial_platform".into(),
    }
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn md_zh(d: NaiveDate) -> String {
    d.format("%-m月%-d日").to_string()
}

/// The reminders due for one registration at `now`.
pub fn reminders_for(
    reg: &Registration,
    policy: &Policy,
    now: DateTime<Utc>,
    opts: &ReminderOptions,
) -> Vec<Reminder> {
    let mut out = Vec::new();
    let mut push =
        |recipient: Recipient, kind: ReminderKind, about: &str, zh: String, en: String| {
            let id = format!(
                "{}|{}|{}|{}",
                reg.id,
                kind.name(),
                recipient_key(&recipient),
                about
            );
            out.push(Reminder {
                id,
                registration_id: reg.id.clone(),
                recipient,
                kind,
                message_zh: zh,
                message_en: en,
            })
        };
    if reg.basic.is_none() {
        return out;
    }
    let counselors = Recipient::counselors_of(reg);
    let deadlines = reg.deadlines(policy);
    if let (None, Some(d)) = (&reg.destination, &deadlines) {
        let end = d.registration_end;
        let day = ymd(d.registration_day);
        let left = ceil_days(end - now);
        if now >= end {
            push(
                counselors.clone(),
                ReminderKind::DeadlineMissed,
                &day,
                format!(
                    "已超过毕业去向登记截止日期（{}），该毕业生尚未登记去向，请尽快登记",
                    md_zh(d.registration_day)
                ),
                "the registration deadline has passed and no destination is registered".into(),
            );
        } else if left <= opts.deadline_within_days {
            push(
                Recipient::Graduate,
                ReminderKind::DeadlineApproaching { days_left: left },
                &day,
                format!(
                    "距毕业去向登记截止（{}）还有 {left} 天，请尽快在省级平台登记毕业去向",
                    md_zh(d.registration_day)
                ),
                format!(
                    "{left} day(s) left before the registration deadline: register your destination"
                ),
            );
        }
    }
    if !reg.logged_in() {
        never_logged_in(reg, &counselors, &mut push);
    }
    if reg.basic_status == BasicStatus::AwaitingReview && reg.logged_in() {
        push(
            Recipient::Graduate,
            ReminderKind::BasicInfoUnreviewed,
            &format!("v{}", reg.data_version),
            "您的基本信息尚未核对，请登录毕业去向登记系统确认".into(),
            "your basic information awaits your review".into(),
        );
    }
    let since = reg.updated_at.or(reg.reported_at);
    let report_key = since.map(|t| t.to_rfc3339()).unwrap_or_default();
    match reg.destination_status {
        // A graduate who never logged in has the login reminder instead.
        DestinationStatus::AwaitingConfirmation if reg.logged_in() => {
            let waiting = (now - since.unwrap_or(now)).num_days();
            if waiting >= opts.unconfirmed_after_days {
                push(
                    Recipient::Graduate,
                    ReminderKind::Unconfirmed { days_waiting: waiting },
                    &report_key,
                    format!("您的毕业去向已登记 {waiting} 天，尚未确认，请登录毕业去向登记系统进行去向登记确认"),
                    format!("your destination has awaited confirmation for {waiting} day(s): confirm it"),
                );
            }
        }
        DestinationStatus::Disputed => push(
            counselors.clone(),
            ReminderKind::DisputeOpen,
            &format!("{report_key}|v{}", reg.data_version),
            "毕业生对去向信息有异议，尚待在就业方案管理中修改".into(),
            "the graduate's dispute awaits a fix on the provincial platform".into(),
        ),
        _ => {}
    }
    if let Some(v) = reg.void_request.as_ref().filter(|v| v.is_open()) {
        let to = match v.stage {
            VoidStage::AwaitingSchool => Recipient::school_office_of(reg),
            _ => counselors.clone(),
        };
        let days = (now - v.filed_at).num_days().max(0);
        let (who_zh, who_en) = match v.stage {
            VoidStage::AwaitingSchool => (
                "学院已同意，请学校",
                "the college approved it: the school must",
            ),
            _ => ("请学院", "the college must"),
        };
        push(
            to,
            ReminderKind::VoidRequestPending {
                stage: v.stage,
                days_waiting: days,
            },
            &format!("{}|{:?}", v.filed_at.to_rfc3339(), v.stage),
            format!(
                "毕业生的去向作废申请（{}）已等待 {days} 天，{who_zh}尽快审核",
                v.reason
            ),
            format!("a void request has waited {days} day(s): {who_en} decide it"),
        );
    }
    if let Some(d) = &deadlines {
        change_deadline(reg, d, now, opts, &mut push);
    }
    for a in &reg.authorizations {
        if a.status_at(now) == AuthStatus::Valid
            // An option beyond what a duration holds (unchecked options) means "always".
            && Duration::try_days(opts.expiring_within_days)
                .is_none_or(|window| a.valid_until - now <= window)
        {
            let n = a.number.to_string();
            push(
                Recipient::Graduate,
                ReminderKind::AuthorizationExpiring {
                    number: n.clone(),
                    valid_until: a.valid_until,
                },
                &format!("{n}|{}", a.valid_until.to_rfc3339()),
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

type Push<'p> = dyn FnMut(Recipient, ReminderKind, &str, String, String) + 'p;

/// The never-logged-in reminders: to the graduate with the remedy of each reason, and to the
/// counselors with the reasons. About the set of reasons: a new reason is a new reminder.
fn never_logged_in(reg: &Registration, counselors: &Recipient, push: &mut Push<'_>) {
    let reasons = reg.login_problems();
    let about = if reasons.is_empty() {
        "none".to_string()
    } else {
        reasons
            .iter()
            .map(|r| {
                serde_json::to_value(r)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let waiting = match reg.destination_status {
        DestinationStatus::NotReported => "",
        _ => "您的毕业去向已登记，",
    };
    // Every reason with its remedy, in Chinese and in English.
    let (why_zh, why_en) = (
        reasons
            .iter()
            .map(|r| r.message_zh())
            .collect::<Vec<_>>()
            .join("；"),
        reasons
            .iter()
            .map(|r| r.message_en())
            .collect::<Vec<_>>()
            .join("; "),
    );
    let (zh, en) = if reasons.is_empty() {
        (
            format!("{waiting}您尚未登录毕业去向登记系统，请登录核对基本信息并确认毕业去向"),
            "you have not logged in to the registration system yet: log in, review your basic information and confirm your destination".to_string(),
        )
    } else {
        (
            format!("{waiting}您尚无法登录毕业去向登记系统：{why_zh}"),
            format!("you cannot log in to the registration system yet: {why_en}"),
        )
    };
    push(
        Recipient::Graduate,
        ReminderKind::NeverLoggedIn {
            reasons: reasons.clone(),
        },
        &about,
        zh,
        en,
    );
    let (czh, cen) = if reasons.is_empty() {
        (
            "该毕业生尚未登录毕业去向登记系统，请提醒其登录确认".to_string(),
            "the graduate has never logged in: remind them to log in and confirm".to_string(),
        )
    } else {
        (
            format!("该毕业生无法登录毕业去向登记系统：{why_zh}"),
            format!("the graduate cannot log in: {why_en}"),
        )
    };
    push(
        counselors.clone(),
        ReminderKind::NeverLoggedIn { reasons },
        &about,
        czh,
        cen,
    );
}

/// The change-deadline reminder, while a reported destination may still change and the change
/// deadline is near: to the graduate (who may still dispute or file a void request), or to the
/// counselors when an approved change still waits for the platform.
fn change_deadline(
    reg: &Registration,
    d: &crate::policy::Deadlines,
    now: DateTime<Utc>,
    opts: &ReminderOptions,
    push: &mut Push<'_>,
) {
    if reg.destination.is_none() || opts.change_deadline_within_days <= 0 || now >= d.change_end {
        return;
    }
    let left = ceil_days(d.change_end - now);
    if left > opts.change_deadline_within_days {
        return;
    }
    let (to, zh, en) = match reg.destination_status {
        DestinationStatus::ChangeOpen => (
            Recipient::counselors_of(reg),
            format!(
                "该毕业生的去向变更已获批准，距变更截止（{}）还有 {left} 天，请尽快在就业方案管理中变更",
                md_zh(d.change_day)
            ),
            format!("{left} day(s) left before the change deadline: the approved change awaits the platform"),
        ),
        _ => (
            Recipient::Graduate,
            format!(
                "距毕业去向变更截止（{}）还有 {left} 天，如去向有变化，请在截止前提出（已确认的去向需提交作废申请）",
                md_zh(d.change_day)
            ),
            format!("{left} day(s) left before the change deadline: ask for any change before it"),
        ),
    };
    push(
        to,
        ReminderKind::ChangeDeadlineApproaching { days_left: left },
        &ymd(d.change_day),
        zh,
        en,
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_out_of_range_are_argument_errors_and_never_panic() {
        assert!(ReminderOptions::default().check().is_ok());
        let huge = ReminderOptions {
            expiring_within_days: 100_000_000_000_000,
            ..ReminderOptions::default()
        };
        let err = huge.check().unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidArgument);
        assert!(err.to_string().contains("expiring_within_days"));
        for bad in [-1, MAX_REMINDER_DAYS + 1, i64::MAX, i64::MIN] {
            let o = ReminderOptions {
                unconfirmed_after_days: bad,
                ..ReminderOptions::default()
            };
            assert!(o.check().is_err(), "{bad}");
        }
        // Unchecked options reach the computation without a panic: an authorization valid now
        // is "expiring" within any window that large.
        let policy = Policy::jiangsu();
        let now = DateTime::parse_from_rfc3339("2026-05-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let reg = crate::sample::authorized_registration("r1", now, 30, [7; 16], None).unwrap();
        let due = reminders_for(&reg, &policy, now, &huge);
        assert!(due
            .iter()
            .any(|r| r.kind.name() == "authorization_expiring"));
    }

    #[test]
    fn kind_names_are_the_serde_names() {
        let kinds = [
            ReminderKind::DeadlineApproaching { days_left: 1 },
            ReminderKind::DeadlineMissed,
            ReminderKind::BasicInfoUnreviewed,
            ReminderKind::Unconfirmed { days_waiting: 1 },
            ReminderKind::DisputeOpen,
            ReminderKind::AuthorizationExpiring {
                number: String::new(),
                valid_until: DateTime::<Utc>::MIN_UTC,
            },
            ReminderKind::NeverLoggedIn {
                reasons: Vec::new(),
            },
            ReminderKind::VoidRequestPending {
                stage: VoidStage::AwaitingCollege,
                days_waiting: 0,
            },
            ReminderKind::ChangeDeadlineApproaching { days_left: 1 },
        ];
        for k in kinds {
            let v = serde_json::to_value(&k).unwrap();
            assert_eq!(v["kind"], k.name());
        }
    }
}
