//! What a command produces besides the new registration: the [`Event`]s (notifications, each of
//! an [`EventKind`] for a [`Recipient`]) and the [`AuditEntry`], together in an [`Outcome`].
//!
//! The text of every notification is built here, from the event's kind, its recipient and the
//! facts of the step (`EventKind::message_zh` and `EventKind::message_en`); the commands only
//! say what happened.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::authorization::Section;
use super::registration::Registration;

/// Who an event is for.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Recipient {
    /// The graduate (消息提醒 through the official account).
    Graduate,
    /// The counselors of one college of one school.
    Counselor {
        /// The school's 院校代码.
        school: String,
        /// The college.
        college: String,
    },
    /// A school's employment office.
    SchoolOffice {
        /// The school's 院校代码.
        school: String,
    },
    /// The provincial platform.
    ProvincialPlatform,
}

impl Recipient {
    /// The counselors of the graduate's college (school and college empty before basic
    /// information is uploaded).
    pub fn counselors_of(reg: &Registration) -> Recipient {
        let b = reg.basic.as_deref();
        Recipient::Counselor {
            school: b.map(|b| b.school_code.clone()).unwrap_or_default(),
            college: b.map(|b| b.college.clone()).unwrap_or_default(),
        }
    }

    /// The employment office of the graduate's school.
    pub fn school_office_of(reg: &Registration) -> Recipient {
        Recipient::SchoolOffice {
            school: reg
                .basic
                .as_deref()
                .map(|b| b.school_code.clone())
                .unwrap_or_default(),
        }
    }

    /// A stable address string for this recipient, which a host maps to a channel (a WeChat
    /// openid, a phone number, an office mailbox) in its own table:
    ///
    /// | recipient | address |
    /// |---|---|
    /// | the graduate of registration `R` | `graduate:R` |
    /// | the counselors of college `C` | `counselor:<school>:C` |
    /// | the school's employment office | `school_office:<school>` |
    /// | the provincial platform | `provincial_platform` |
    ///
    /// `registration_id` is the registration the event or reminder is about (only the graduate's
    /// address uses it). The parts are the stored texts as they are, joined by `:`.
    pub fn address(&self, registration_id: &str) -> String {
        match self {
            Recipient::Graduate => format!("graduate:{registration_id}"),
            Recipient::Counselor { school, college } => format!("counselor:{school}:{college}"),
            Recipient::SchoolOffice { school } => format!("school_office:{school}"),
            Recipient::ProvincialPlatform => "provincial_platform".to_string(),
        }
    }
}

/// What happened.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Basic information uploaded.
    BasicInfoUploaded,
    /// Basic information corrected; the graduate must review it again.
    BasicInfoCorrected,
    /// The graduate asked for a correction.
    CorrectionRequested,
    /// The graduate confirmed basic information.
    BasicInfoConfirmed,
    /// CHSI updated the account.
    ChsiAccountUpdated,
    /// The graduate logged in.
    LoggedIn,
    /// Destination reported or updated: the graduate must confirm.
    ConfirmationRequested,
    /// The first report came after the registration deadline.
    LateReport,
    /// The graduate confirmed the destination.
    DestinationConfirmed,
    /// The graduate disputed the destination.
    DestinationDisputed,
    /// A void request was filed.
    VoidRequestFiled,
    /// The college approved a void request; the school must decide.
    VoidRequestCollegeApproved,
    /// The school approved a void request; the data may change.
    VoidRequestApproved,
    /// A void request was rejected.
    VoidRequestRejected,
    /// The graduate withdrew a void request before a decision.
    VoidRequestWithdrawn,
    /// The counselor checked basic information the graduate asked to correct and found it
    /// right: the graduate must review it again.
    BasicInfoRechecked,
    /// SchoolOffice granted a change-deadline override.
    ChangeOverrideGranted,
    /// An authorization was issued.
    AuthorizationIssued,
    /// An authorization was extended.
    AuthorizationExtended,
    /// An authorization was revoked.
    AuthorizationRevoked,
    /// Active authorizations were superseded by a change of data.
    AuthorizationsSuperseded,
    /// A department verified a form.
    FormVerified,
}

/// What an event's message is built from, besides its kind and recipient. Each kind reads the
/// facts it needs and ignores the others.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EventFacts<'a> {
    /// The words of whoever acted: a reason or a note.
    pub text: &'a str,
    /// Who decided or checked: `学院` / `学校` for a void request, a department's name for a
    /// verification.
    pub by: &'a str,
    /// A verification number, or several joined by `、`.
    pub number: &'a str,
    /// Days of validity.
    pub days: u32,
    /// A deadline day, `YYYY-MM-DD`.
    pub deadline: &'a str,
    /// The form verified.
    pub section: Option<Section>,
}

impl<'a> EventFacts<'a> {
    /// No facts: the message is fixed.
    pub(crate) const NONE: EventFacts<'static> = EventFacts {
        text: "",
        by: "",
        number: "",
        days: 0,
        deadline: "",
        section: None,
    };

    /// A reason or note.
    pub(crate) fn text(text: &'a str) -> Self {
        EventFacts {
            text,
            ..EventFacts::NONE
        }
    }

    /// A verification number (or a list of them).
    pub(crate) fn number(number: &'a str) -> Self {
        EventFacts {
            number,
            ..EventFacts::NONE
        }
    }
}

impl EventKind {
    /// The message in Chinese for `to`, built from `facts`.
    pub(crate) fn message_zh(self, to: &Recipient, facts: &EventFacts<'_>) -> String {
        let EventFacts {
            text,
            by,
            number,
            days,
            deadline,
            section,
        } = *facts;
        let section = section.map_or("", Section::name_zh);
        match self {
            EventKind::BasicInfoUploaded => {
                "学校已上传您的生源信息，请登录毕业去向登记系统核对基本信息".into()
            }
            EventKind::BasicInfoCorrected => "您的基本信息已更正，请重新核对".into(),
            EventKind::CorrectionRequested => {
                format!("毕业生申请更正基本信息：{text}。请在生源管理中修改")
            }
            EventKind::BasicInfoConfirmed => "毕业生已确认基本信息".into(),
            EventKind::ChsiAccountUpdated => "您的学信网账号信息已同步".into(),
            EventKind::LoggedIn => {
                "请核对本人基本信息：无误请点击“信息确认无误，进入系统”，有误请联系辅导员更正"
                    .into()
            }
            EventKind::ConfirmationRequested => {
                "您的毕业去向已在省级平台登记，请登录毕业去向登记系统进行去向登记确认".into()
            }
            EventKind::LateReport => {
                format!("毕业去向在登记截止日期（{deadline}）之后上报，已标记为逾期")
            }
            EventKind::DestinationConfirmed => "您已完成去向登记确认，可进行核验授权".into(),
            EventKind::DestinationDisputed => {
                format!("毕业生认为去向信息有误：{text}。请在就业方案管理中修改")
            }
            EventKind::VoidRequestFiled => format!("毕业生提交了去向作废申请：{text}。请学院审核"),
            EventKind::VoidRequestCollegeApproved => {
                "学院已同意毕业生的去向作废申请，请学校审核".into()
            }
            EventKind::VoidRequestApproved => match to {
                Recipient::Graduate => "您的作废申请已获批准，去向信息变更后请重新确认".into(),
                _ => "作废申请已获学校批准，请在就业方案管理中变更毕业去向".into(),
            },
            EventKind::VoidRequestRejected => format!("您的作废申请被{by}驳回：{text}"),
            EventKind::VoidRequestWithdrawn => {
                "毕业生已撤回去向作废申请，原确认的去向继续有效".into()
            }
            EventKind::BasicInfoRechecked => {
                "辅导员已核实您的基本信息无误，请重新核对：无误请确认，仍有异议请联系辅导员".into()
            }
            EventKind::ChangeOverrideGranted => {
                format!("学校就业部门已特批该毕业生逾期变更：{text}")
            }
            EventKind::AuthorizationIssued => format!(
                "核验授权成功，核验编号 {number}，有效期 {days} 天，可查看下载去向登记信息表"
            ),
            EventKind::AuthorizationExtended => format!("核验编号 {number} 的有效期已延长"),
            EventKind::AuthorizationRevoked => format!("核验编号 {number} 的授权已撤销"),
            EventKind::AuthorizationsSuperseded => format!(
                "您的登记信息已变更，核验编号 {number} 的去向登记信息表已失效，请重新确认并授权"
            ),
            EventKind::FormVerified => {
                format!("{by} 已核验您的{section}登记信息表（核验编号 {number}）")
            }
        }
    }

    /// The message in English for `to`, built from `facts`.
    pub(crate) fn message_en(self, to: &Recipient, facts: &EventFacts<'_>) -> String {
        let EventFacts {
            text,
            by,
            number,
            days,
            section,
            ..
        } = *facts;
        let section = section.map_or("", Section::as_str);
        match self {
            EventKind::BasicInfoUploaded => {
                "your school uploaded your basic information: log in and review it".into()
            }
            EventKind::BasicInfoCorrected => {
                "your basic information was corrected: review it again".into()
            }
            EventKind::CorrectionRequested => {
                format!("the graduate asks for a correction of basic information: {text}")
            }
            EventKind::BasicInfoConfirmed => "the graduate confirmed basic information".into(),
            EventKind::ChsiAccountUpdated => "your CHSI account details were synchronised".into(),
            EventKind::LoggedIn => {
                "review your basic information: confirm it, or ask your counselor to correct it"
                    .into()
            }
            EventKind::ConfirmationRequested => {
                "your destination was registered on the provincial platform: log in and confirm it"
                    .into()
            }
            EventKind::LateReport => "the destination was reported after the registration deadline and is marked late".into(),
            EventKind::DestinationConfirmed => {
                "destination confirmed: you can now authorize verification".into()
            }
            EventKind::DestinationDisputed => {
                format!("the graduate disputes the destination: {text}")
            }
            EventKind::VoidRequestFiled => format!("the graduate filed a void request: {text}"),
            EventKind::VoidRequestCollegeApproved => {
                "the college approved a void request: the school must decide".into()
            }
            EventKind::VoidRequestApproved => match to {
                Recipient::Graduate => {
                    "your void request was approved: confirm again after the change".into()
                }
                _ => "the void request was approved: update the destination".into(),
            },
            EventKind::VoidRequestRejected => format!("your void request was rejected: {text}"),
            EventKind::VoidRequestWithdrawn => {
                "the graduate withdrew the void request: the confirmed destination stands".into()
            }
            EventKind::BasicInfoRechecked => {
                "your counselor found your basic information right: review it again".into()
            }
            EventKind::ChangeOverrideGranted => {
                format!("the school allowed a change after the deadline: {text}")
            }
            EventKind::AuthorizationIssued => {
                format!("authorization issued: verification number {number}, valid for {days} days")
            }
            EventKind::AuthorizationExtended => format!("authorization {number} was extended"),
            EventKind::AuthorizationRevoked => format!("authorization {number} was revoked"),
            EventKind::AuthorizationsSuperseded => format!("your registration changed; forms with verification numbers {number} are no longer valid: confirm again and re-authorize"),
            EventKind::FormVerified => format!("{by} verified your {section} form ({number})"),
        }
    }
}

/// A notification caused by a command. Messages are Chinese first.
///
/// Every event carries a stable [`id`](Event::id), the same in every store, after a restart and
/// in an export, so that a sender can pass it to a receiver as an idempotency key. Its form is
/// `<registration id>#<version>.<index>`: the registration, the registration version the command
/// produced, and the event's place (from 0) among the events of that command. A registration's
/// versions only grow and every stored command produces a new one, so no two events share an id.
/// Split it at the **last** `#` (a registration id may itself contain `#`).
///
/// Events stored before ids and instants existed load with an empty `id` and `at` at the Unix
/// epoch; the registry fills such an id in from the outbox as `<registration id>#outbox.<seq>`
/// when it reads the event back.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The stable id: `<registration id>#<version>.<index>` (see [`Event`]).
    #[serde(default)]
    pub id: String,
    /// The instant of the command that caused the event.
    #[serde(default)]
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
    /// Who should hear of it.
    pub recipient: Recipient,
    /// The registration.
    pub registration_id: String,
    /// Message in Chinese.
    pub message_zh: String,
    /// Message in English.
    pub message_en: String,
}

impl Event {
    /// The id of event number `index` (from 0) among those of the command that produced
    /// `version` of registration `registration_id`: `<registration id>#<version>.<index>`.
    pub fn make_id(registration_id: &str, version: u64, index: usize) -> String {
        format!("{registration_id}#{version}.{index}")
    }

    /// The recipient's address (see [`Recipient::address`]).
    pub fn address(&self) -> String {
        self.recipient.address(&self.registration_id)
    }
}

/// The audit entry of one applied command.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The registration.
    pub registration_id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// What (the command name).
    pub action: String,
    /// Registration version before.
    pub version_before: u64,
    /// Registration version after (equal to before when nothing changed).
    pub version_after: u64,
    /// Data version before.
    pub data_version_before: u32,
    /// Data version after.
    pub data_version_after: u32,
    /// A short description, Chinese.
    pub summary: String,
}

/// What a successful command produced.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The new registration.
    pub registration: Registration,
    /// Notifications.
    pub events: Vec<Event>,
    /// The audit entry.
    pub audit: AuditEntry,
}

impl Outcome {
    /// Whether the command changed the registration.
    pub fn changed(&self) -> bool {
        self.audit.version_after != self.audit.version_before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [EventKind; 22] = [
        EventKind::BasicInfoUploaded,
        EventKind::BasicInfoCorrected,
        EventKind::CorrectionRequested,
        EventKind::BasicInfoConfirmed,
        EventKind::ChsiAccountUpdated,
        EventKind::LoggedIn,
        EventKind::ConfirmationRequested,
        EventKind::LateReport,
        EventKind::DestinationConfirmed,
        EventKind::DestinationDisputed,
        EventKind::VoidRequestFiled,
        EventKind::VoidRequestCollegeApproved,
        EventKind::VoidRequestApproved,
        EventKind::VoidRequestRejected,
        EventKind::VoidRequestWithdrawn,
        EventKind::BasicInfoRechecked,
        EventKind::ChangeOverrideGranted,
        EventKind::AuthorizationIssued,
        EventKind::AuthorizationExtended,
        EventKind::AuthorizationRevoked,
        EventKind::AuthorizationsSuperseded,
        EventKind::FormVerified,
    ];

    #[test]
    fn addresses_are_stable_strings() {
        assert_eq!(Recipient::Graduate.address("R-1"), "graduate:R-1");
        let c = Recipient::Counselor {
            school: "10327".into(),
            college: "会计学院".into(),
        };
        assert_eq!(c.address("R-1"), "counselor:10327:会计学院");
        let office = Recipient::SchoolOffice {
            school: "10327".into(),
        };
        assert_eq!(office.address("R-1"), "school_office:10327");
        assert_eq!(
            Recipient::ProvincialPlatform.address("R-1"),
            "provincial_platform"
        );
    }

    #[test]
    fn events_stored_before_ids_still_load() {
        let old = r#"{"kind":"logged_in","recipient":{"to":"graduate"},"registration_id":"R-1","message_zh":"z","message_en":"e"}"#;
        let e: Event = serde_json::from_str(old).unwrap();
        assert_eq!(e.id, "");
        assert_eq!(e.at, DateTime::<Utc>::default());
        assert_eq!(e.kind, EventKind::LoggedIn);
        assert_eq!(Event::make_id("R#1", 7, 2), "R#1#7.2");
    }

    #[test]
    fn every_kind_has_both_messages() {
        let to = Recipient::Graduate;
        for kind in ALL {
            assert!(
                !kind.message_zh(&to, &EventFacts::NONE).is_empty(),
                "{kind:?}"
            );
            assert!(
                !kind.message_en(&to, &EventFacts::NONE).is_empty(),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn messages_carry_their_facts() {
        let facts = EventFacts {
            text: "单位名称有误",
            by: "南京市人才服务中心",
            number: "7K2M-0000",
            days: 30,
            deadline: "2026-08-31",
            section: Some(Section::Hukou),
        };
        let g = Recipient::Graduate;
        assert_eq!(
            EventKind::FormVerified.message_zh(&g, &facts),
            "南京市人才服务中心 已核验您的户口迁移登记信息表（核验编号 7K2M-0000）"
        );
        assert_eq!(
            EventKind::FormVerified.message_en(&g, &facts),
            "南京市人才服务中心 verified your hukou form (7K2M-0000)"
        );
        assert_eq!(
            EventKind::AuthorizationIssued.message_en(&g, &facts),
            "authorization issued: verification number 7K2M-0000, valid for 30 days"
        );
        assert_eq!(
            EventKind::VoidRequestRejected.message_zh(&g, &facts),
            "您的作废申请被南京市人才服务中心驳回：单位名称有误"
        );
        let counselor = Recipient::Counselor {
            school: "10327".into(),
            college: "会计学院".into(),
        };
        assert!(EventKind::LateReport
            .message_zh(&counselor, &facts)
            .contains("（2026-08-31）"));
        assert!(EventKind::DestinationDisputed
            .message_en(&counselor, &facts)
            .ends_with(": 单位名称有误"));
        // One kind, two recipients, two messages.
        let platform = Recipient::ProvincialPlatform;
        assert_ne!(
            EventKind::VoidRequestApproved.message_zh(&g, &facts),
            EventKind::VoidRequestApproved.message_zh(&platform, &facts)
        );
        assert_ne!(
            EventKind::VoidRequestApproved.message_en(&g, &facts),
            EventKind::VoidRequestApproved.message_en(&platform, &facts)
        );
    }
}
