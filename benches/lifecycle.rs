//! State-machine command cost (budget in docs/architecture.md: ≤ 2 µs per command).
//!
//! `cargo bench -p gradreg-benches --bench lifecycle`

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use gradreg::{apply, sample, Actor, Command, Context, Policy, Registration};
use std::hint::black_box;

fn ready_registration(policy: &Policy) -> (Registration, Actor) {
    let basic = sample::basic_info();
    let g = Actor::Graduate {
        id_number: basic.id_number.clone(),
    };
    let now = Utc.with_ymd_and_hms(2026, 5, 1, 1, 0, 0).unwrap();
    let ctx = Context::new(now, policy);
    let mut reg = Registration::new("bench");
    let steps: Vec<(Actor, Command)> = vec![
        (
            Actor::SchoolOffice {
                id: "s".into(),
                school: "10327".into(),
            },
            Command::UploadBasicInfo {
                info: std::sync::Arc::new(basic),
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
    ];
    for (a, c) in steps {
        reg = apply(&reg, &a, &c, &ctx).expect("setup step").registration;
    }
    (reg, g)
}

fn bench(c: &mut Criterion) {
    let policy = Policy::jiangsu();
    let (reg, g) = ready_registration(&policy);
    let now = Utc.with_ymd_and_hms(2026, 5, 2, 1, 0, 0).unwrap();
    let ctx = Context::new(now, &policy);
    let platform = Actor::ProvincialPlatform { id: "p".into() };
    let report = Command::ReportDestination {
        data: std::sync::Arc::new(sample::destination_data()),
    };
    let reported = apply(&reg, &platform, &report, &ctx).unwrap().registration;
    let confirmed = apply(&reported, &g, &Command::ConfirmDestination, &ctx)
        .unwrap()
        .registration;
    let mut group = c.benchmark_group("lifecycle");
    let data = sample::destination_data();
    let tables = gradreg::CodeTables::builtin();
    group.bench_function("validate destination data alone", |b| {
        b.iter(|| gradreg::Validate::problems(black_box(&data), tables))
    });
    group.bench_function("report_destination (validates the record)", |b| {
        b.iter(|| apply(black_box(&reg), &platform, &report, &ctx).unwrap())
    });
    group.bench_function("confirm_destination", |b| {
        b.iter(|| apply(black_box(&reported), &g, &Command::ConfirmDestination, &ctx).unwrap())
    });
    let mut ctx2 = ctx;
    ctx2.entropy = [9; 16];
    group.bench_function("authorize", |b| {
        b.iter(|| {
            apply(
                black_box(&confirmed),
                &g,
                &Command::Authorize {
                    validity_days: Some(30),
                },
                &ctx2,
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
