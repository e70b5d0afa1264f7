//! Shared helpers of the criterion benchmarks (the benchmarks are the `[[bench]]` targets).

use chrono::{DateTime, TimeZone, Utc};
use gradreg::{apply, sample, Actor, Authorization, Command, Context, Policy, Registration};

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
            Actor::SchoolOffice { id: "s".into() },
            Command::UploadBasicInfo {
                info: Box::new(basic),
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
                data: Box::new(sample::destination_data()),
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
