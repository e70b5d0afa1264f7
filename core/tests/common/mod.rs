//! Shared test harness: a registration driven through commands at given China Standard Times.
#![allow(dead_code)]

/// The store factory of the conformance suite (every registry test on every store).
pub mod stores;
// Not every test file runs on the stores.
#[allow(unused_imports)]
pub use stores::*;
/// The part of the harness that the service's tests share.
pub mod shared;
pub use shared::*;

use chrono::{DateTime, Utc};
use gradreg::{apply, sample, Actor, Command, Context, Error, Outcome, Policy, Registration};

pub fn graduate() -> Actor {
    Actor::Graduate {
        id_number: sample::basic_info().id_number,
    }
}
pub fn other_counselor() -> Actor {
    Actor::Counselor {
        id: "fdy99".into(),
        school: "10327".into(),
        college: "法学院".into(),
    }
}
/// A counselor of the same-named college at another school (院校代码 10284).
pub fn other_school_counselor() -> Actor {
    Actor::Counselor {
        id: "fdy07".into(),
        school: "10284".into(),
        college: sample::basic_info().college,
    }
}
/// The employment office of another school.
pub fn other_school_office() -> Actor {
    Actor::SchoolOffice {
        id: "jyc01".into(),
        school: "10284".into(),
    }
}
pub fn archive_dept() -> Actor {
    Actor::ArchiveDept {
        id: "nj-rc".into(),
        name: "南京市人才服务中心".into(),
    }
}
pub fn hukou_dept() -> Actor {
    Actor::HukouDept {
        id: "nj-gl".into(),
        name: "宁海路派出所".into(),
    }
}

pub struct H {
    pub reg: Registration,
    pub policy: Policy,
    pub audit: Vec<gradreg::AuditEntry>,
    pub events: Vec<gradreg::Event>,
    counter: u8,
}

impl H {
    pub fn new() -> Self {
        H {
            reg: Registration::new("10327:2022010123"),
            policy: Policy::jiangsu(),
            audit: Vec::new(),
            events: Vec::new(),
            counter: 0,
        }
    }

    fn ctx(&mut self, now: DateTime<Utc>) -> Context<'_> {
        self.counter = self.counter.wrapping_add(1);
        let mut ctx = Context::new(now, &self.policy);
        ctx.entropy = [self.counter; 16];
        ctx
    }

    pub fn try_at(
        &mut self,
        actor: &Actor,
        cmd: Command,
        now: DateTime<Utc>,
    ) -> Result<Outcome, Error> {
        let reg = self.reg.clone();
        let ctx = self.ctx(now);
        let out = apply(&reg, actor, &cmd, &ctx)?;
        self.reg = out.registration.clone();
        self.audit.push(out.audit.clone());
        self.events.extend(out.events.clone());
        Ok(out)
    }

    pub fn ok(&mut self, actor: &Actor, cmd: Command, now: DateTime<Utc>) -> Outcome {
        let name = cmd.name();
        self.try_at(actor, cmd, now)
            .unwrap_or_else(|e| panic!("{name} by {:?} refused: {e}", actor.role()))
    }

    pub fn err(&mut self, actor: &Actor, cmd: Command, now: DateTime<Utc>) -> Error {
        let before = self.reg.clone();
        let name = cmd.name();
        match self.try_at(actor, cmd, now) {
            Ok(_) => panic!("{name} by {:?} unexpectedly accepted", actor.role()),
            Err(e) => {
                assert_eq!(
                    self.reg, before,
                    "a refused command must not change anything"
                );
                e
            }
        }
    }

    /// Uploaded, CHSI bound, logged in, basic info confirmed.
    pub fn ready() -> Self {
        let mut h = H::new();
        h.ok(
            &school(),
            Command::UploadBasicInfo {
                info: std::sync::Arc::new(sample::basic_info()),
            },
            day(3, 1),
        );
        h.ok(
            &Actor::Chsi,
            Command::UpdateChsiAccount {
                account: Box::new(sample::chsi_account()),
            },
            day(3, 2),
        );
        h.ok(&graduate(), Command::Login, day(3, 3));
        h.ok(&graduate(), Command::ConfirmBasicInfo, day(3, 3));
        h
    }

    /// Ready, destination reported.
    pub fn reported() -> Self {
        let mut h = H::ready();
        h.ok(&platform(), report(sample::destination_data()), day(4, 20));
        h
    }

    /// Reported and confirmed.
    pub fn confirmed() -> Self {
        let mut h = H::reported();
        h.ok(&graduate(), Command::ConfirmDestination, day(4, 21));
        h
    }

    /// Confirmed and authorized for 30 days on 1 May; returns the number.
    pub fn authorized() -> (Self, gradreg::VerificationNumber) {
        let mut h = H::confirmed();
        let out = h.ok(
            &graduate(),
            Command::Authorize {
                validity_days: Some(30),
            },
            day(5, 1),
        );
        let n = out
            .registration
            .authorizations
            .last()
            .expect("issued")
            .number;
        (h, n)
    }
}

/// The i-th of a run of distinct valid basic-information records (unique ID and student
/// numbers for i below 182,500).
pub fn synthetic_basic(i: u32) -> gradreg::BasicInfo {
    let day = chrono::NaiveDate::from_ymd_opt(2001, 1, 1).unwrap()
        + chrono::Duration::days(i64::from(i / 100 % 1825));
    let birth = day.format("%Y%m%d").to_string();
    let mut b = sample::basic_info();
    b.id_number = sample::id_number("320102", &birth, i % 100, true).unwrap();
    b.student_number = format!("2022{i:07}");
    b.name = format!("学生{}", ["甲", "乙", "丙", "丁"][i as usize % 4]);
    b
}

/// The principal a host would have authenticated for the office speaking as department `a`
/// (online verification limits failures per principal).
pub fn principal_of(a: &Actor) -> gradreg::Principal {
    let id = match a {
        Actor::ArchiveDept { id, .. } => format!("archive_dept:{id}"),
        Actor::HukouDept { id, .. } => format!("hukou_dept:{id}"),
        other => format!("{other:?}"),
    };
    gradreg::Principal::new(&id).expect("a principal")
}
