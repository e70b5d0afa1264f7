//! The cost of sealing personal data at rest (data keys) on the SQLite store: roster import of
//! 10,000 rows and online verification (name + number) among them, each without and with a data
//! key. Figures in docs/architecture.md ("Personal data at rest").
//!
//! `cargo bench -p gradreg-benches --bench at_rest -- --warm-up-time 1 --measurement-time 3`

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use gradreg::cohort::{generate, roster_csv, CohortSpec, Graduate, HeaderStyle};
use gradreg::registry::{DataKey, DataKeyRing, OpenOptions};
use gradreg::roster::RosterOptions;
use gradreg::{Actor, Command, ImportMode, OnlineVerifier, Policy, Registry};
use gradreg_benches::full_run;
use std::hint::black_box;

fn options(sealed: bool) -> OpenOptions {
    let mut o = OpenOptions::new();
    if sealed {
        let key = DataKey::new(1, [0x5a; 32]).expect("key");
        o = o.data_keys(DataKeyRing::new(vec![key]).expect("ring"));
    }
    o
}

fn fresh(path: &std::path::Path, sealed: bool) -> Registry {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    Registry::open_with(path, Policy::jiangsu(), &options(sealed)).expect("open")
}

fn import(r: &Registry, csv: &str, n: usize) {
    let school = Actor::SchoolOffice {
        id: "bench".into(),
        school: "10327".into(),
    };
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap();
    let rep = r
        .import_roster(
            csv.as_bytes(),
            &RosterOptions::default(),
            ImportMode::GoodRows,
            &school,
            now,
        )
        .expect("import");
    assert_eq!(rep.created, n, "{:?}", rep.problems.first());
}

/// Walks graduate `g` (imported) to an authorization; returns the verification number, or
/// `None` for a graduate who cannot log in (the cohort has some on purpose).
fn authorize(r: &Registry, g: &Graduate) -> Option<String> {
    let id = format!("{}:{}", g.basic.school_code, g.basic.student_number);
    let me = Actor::Graduate {
        id_number: g.basic.id_number.clone(),
    };
    let at = |d: u32| Utc.with_ymd_and_hms(2026, 4, d, 2, 0, 0).unwrap();
    let steps = [
        (
            Actor::Chsi,
            Command::UpdateChsiAccount {
                account: Box::new(g.chsi.clone()),
            },
        ),
        (me.clone(), Command::Login),
        (me.clone(), Command::ConfirmBasicInfo),
        (
            Actor::ProvincialPlatform { id: "p".into() },
            Command::ReportDestination {
                data: Arc::new(g.destination.clone()),
            },
        ),
        (me.clone(), Command::ConfirmDestination),
    ];
    for (k, (a, c)) in steps.iter().enumerate() {
        r.apply(&id, a, c, at(2 + k as u32)).ok()?;
    }
    let out = r
        .apply(
            &id,
            &me,
            &Command::Authorize {
                validity_days: Some(180),
            },
            at(10),
        )
        .expect("authorize");
    Some(out.registration.authorizations[0].number.to_string())
}

fn bench(c: &mut Criterion) {
    let n = if full_run() { 10_000 } else { 200 };
    let grads: Vec<Graduate> = generate(&CohortSpec {
        size: n,
        ..CohortSpec::default()
    })
    .collect();
    let csv = roster_csv(&grads, HeaderStyle::Chinese);
    let dir = std::env::temp_dir();
    let mut group = c.benchmark_group("at_rest");
    group.sample_size(10);
    for sealed in [false, true] {
        let label = if sealed { "with a data key" } else { "clear" };
        let path = dir.join(format!("gradreg-bench-at-rest-{sealed}.db"));
        group.bench_function(format!("roster import {n} rows, {label}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let r = fresh(&path, sealed);
                    let t = Instant::now();
                    import(&r, &csv, n);
                    total += t.elapsed();
                }
                total
            })
        });
        let r = fresh(&path, sealed);
        import(&r, &csv, n);
        let people: Vec<(String, String)> = grads
            .iter()
            .step_by((n / 40).max(1))
            // The archive department verifies: graduates whose destination sends an archive.
            .filter(|g| g.destination.archive.is_some())
            .filter_map(|g| Some((g.basic.name.clone(), authorize(&r, g)?)))
            .collect();
        assert!(people.len() >= 10, "{}", people.len());
        let mut online = OnlineVerifier::new(r.tables());
        online.limit = u32::MAX;
        let dept = Actor::ArchiveDept {
            id: "bench".into(),
            name: "bench".into(),
        };
        let now = Utc.with_ymd_and_hms(2026, 5, 2, 2, 0, 0).unwrap();
        let principal = gradreg::Principal::new("bench-archive-office")
            .expect("a principal of printable characters");
        let mut k = 0usize;
        group.bench_function(
            format!("online verification among {n} graduates, {label}"),
            |b| {
                b.iter(|| {
                    k = (k + 1) % people.len();
                    let (name, number) = &people[k];
                    let v = r.verify_online(&online, &principal, &dept, name, number, now);
                    assert!(v.is_valid(), "{v:?}");
                    black_box(v)
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
