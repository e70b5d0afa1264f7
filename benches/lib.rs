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
