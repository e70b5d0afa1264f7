//! Shared helpers of the criterion benchmarks (the benchmarks are the `[[bench]]` targets).

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use gradreg::{
    apply, sample, Actor, Authorization, BasicInfo, Command, Context, Policy, Registration,
};

/// Whether the benchmark binary was started by `cargo bench` (criterion gets `--bench`); under
/// `cargo test` the benchmarks run once each on small inputs.
pub fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The i-th of a run of distinct valid basic-information records (unique ID and student numbers
/// for i below 3,650,000: ten regions × 3,650 birth dates × 100 sequence numbers).
pub fn synthetic_basic(i: u32) -> (String, Arc<BasicInfo>) {
    const REGIONS: [&str; 10] = [
        "320102", "320106", "320205", "320506", "321002", "110105", "310104", "330106", "420111",
        "510107",
    ];
    let day = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
        + chrono::Duration::days(i64::from(i / 1000 % 3650));
    let birth = day.format("%Y%m%d").to_string();
    let mut b = sample::basic_info();
    let region = REGIONS[(i / 100 % 10) as usize];
    b.id_number = sample::id_number(region, &birth, i % 100, true).unwrap_or_default();
    b.origin_region = region.to_string();
    b.student_number = format!("20{i:09}");
    b.college = ["会计学院", "金融学院", "信息工程学院", "法学院"][(i % 4) as usize].to_string();
    (
        format!("{}:{}", b.school_code, b.student_number),
        Arc::new(b),
    )
}

/// An instant given in China Standard Time, 2026.
pub fn cst(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    gradreg::policy::cst()
        .with_ymd_and_hms(2026, month, day, hour, 0, 0)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

/// The sample graduate walked to an authorization (issued 20 June 2026 09:00 UTC+8, 30 days),
/// with archive and hukou data registered.
pub fn authorized_sample() -> (Registration, Authorization) {
    let policy = Policy::jiangsu();
    let basic = sample::basic_info();
    let g = Actor::Graduate {
        id_number: basic.id_number.clone(),
    };
    let steps: Vec<(Actor, Command, DateTime<Utc>)> = vec![
        (
            Actor::SchoolOffice {
                id: "s".into(),
                school: "10327".into(),
            },
            Command::UploadBasicInfo {
                info: Arc::new(basic),
            },
            cst(3, 2, 9),
        ),
        (
            Actor::Chsi,
            Command::UpdateChsiAccount {
                account: Box::new(sample::chsi_account()),
            },
            cst(3, 3, 9),
        ),
        (g.clone(), Command::Login, cst(3, 4, 10)),
        (g.clone(), Command::ConfirmBasicInfo, cst(3, 4, 11)),
        (
            Actor::ProvincialPlatform { id: "p".into() },
            Command::ReportDestination {
                data: Arc::new(sample::destination_data()),
            },
            cst(4, 21, 9),
        ),
        (g.clone(), Command::ConfirmDestination, cst(4, 22, 20)),
        (
            g,
            Command::Authorize {
                validity_days: Some(30),
            },
            cst(6, 20, 9),
        ),
    ];
    let mut reg = Registration::new("bench");
    for (actor, cmd, now) in steps {
        let mut ctx = Context::new(now, &policy);
        ctx.entropy = [5; 16];
        reg = apply(&reg, &actor, &cmd, &ctx)
            .expect("setup step")
            .registration;
    }
    let auth = reg.authorizations.last().cloned().expect("authorized");
    (reg, auth)
}

/// A verification number made from `k` and `tag` (distinct for distinct `(k, tag)`), for
/// registrations written straight into a store.
pub fn number_of(k: u32, tag: u8) -> gradreg::VerificationNumber {
    let mut e = [0u8; 16];
    e[..4].copy_from_slice(&k.to_be_bytes());
    e[4] = tag;
    gradreg::VerificationNumber::from_entropy(&e)
}

/// The outcome of the authorizing step of the sample graduate walked through the commands from
/// upload to an authorization (1 May 2026, 180 days): a template that [`authorized_copy`] copies
/// so that benchmarks fill stores without paying for the commands, measured elsewhere.
pub fn authorized_template() -> gradreg::Outcome {
    let policy = Policy::jiangsu();
    let ctx = Context::new(
        Utc.with_ymd_and_hms(2026, 5, 1, 2, 0, 0)
            .single()
            .expect("valid time"),
        &policy,
    );
    let basic = sample::basic_info();
    let g = Actor::Graduate {
        id_number: basic.id_number.clone(),
    };
    let steps = [
        (
            Actor::SchoolOffice {
                id: "s".into(),
                school: "10327".into(),
            },
            Command::UploadBasicInfo {
                info: Arc::new(basic),
            },
        ),
        (
            Actor::Chsi,
            Command::UpdateChsiAccount {
                account: Box::new(sample::chsi_account()),
            },
        ),
        (g.clone(), Command::Login),
        (g.clone(), Command::ConfirmBasicInfo),
        (
            Actor::ProvincialPlatform { id: "p".into() },
            Command::ReportDestination {
                data: Arc::new(sample::destination_data()),
            },
        ),
        (g.clone(), Command::ConfirmDestination),
        (
            g,
            Command::Authorize {
                validity_days: Some(180),
            },
        ),
    ];
    let mut reg = Registration::new("t");
    let mut last = None;
    for (actor, command) in &steps {
        let out = apply(&reg, actor, command, &ctx).expect("template step");
        reg = out.registration.clone();
        last = Some(out);
    }
    last.expect("steps")
}

/// The `k`-th copy of `template`: graduate `k` of [`synthetic_basic`] under its own id, with
/// the verification number `number_of(k, tag)`; the template's events kept or dropped.
pub fn authorized_copy(
    template: &gradreg::Outcome,
    k: u32,
    tag: u8,
    keep_events: bool,
) -> gradreg::Outcome {
    let (id, info) = synthetic_basic(k);
    let mut out = template.clone();
    out.registration.id = id.clone();
    out.registration.basic = Some(info);
    out.registration.authorizations[0].number = number_of(k, tag);
    out.audit.registration_id = id;
    if !keep_events {
        out.events.clear();
    }
    out
}

/// Writes copies `range` of `template` ([`authorized_copy`]) into `store` as new
/// registrations, 20,000 to a transaction.
pub fn write_authorized(
    store: &dyn gradreg::registry::Store,
    template: &gradreg::Outcome,
    range: std::ops::Range<u32>,
    tag: u8,
    keep_events: bool,
) {
    let mut i = range.start;
    while i < range.end {
        let end = i.saturating_add(20_000).min(range.end);
        let outs: Vec<gradreg::Outcome> = (i..end)
            .map(|k| authorized_copy(template, k, tag, keep_events))
            .collect();
        let commits: Vec<gradreg::registry::Commit<'_>> = outs
            .iter()
            .map(|o| gradreg::registry::Commit {
                expected_version: 0,
                outcome: o,
            })
            .collect();
        store.commit(&commits).expect("commit");
        i = end;
    }
}
