//! Registry figures (budgets in docs/architecture.md, "Performance budgets"): roster import rows/s into SQLite, lookup latency by
//! verification number at 1,000,000 graduates, and database size per million.
//!
//! `cargo bench -p gradreg-benches --bench registry` (builds two 1,000,000-row databases under
//! the system temp folder; takes a few minutes).

use std::time::Instant;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use gradreg::cohort::{generate, roster_csv, CohortSpec, HeaderStyle};
use gradreg::registry::sqlite::SqliteStore;
use gradreg::registry::Store;
use gradreg::roster::RosterOptions;
use gradreg::{
    sample, Actor, ImportMode, OnlineVerifier, Policy, Principal, Registry, VerificationNumber,
};
use gradreg_benches::{authorized_template, full_run, number_of, write_authorized};
use std::hint::black_box;

fn size_mb(path: &std::path::Path) -> f64 {
    let wal = path.with_extension("db-wal");
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0);
    bytes as f64 / 1e6
}

/// Imports a generated roster of `n` rows (CSV, UTF-8) into a fresh SQLite registry: parsing,
/// validation, the state machine and the store. Returns rows per second.
fn import(path: &std::path::Path, n: u32) -> f64 {
    let _ = std::fs::remove_file(path);
    let r = Registry::open(path, Policy::jiangsu()).expect("open");
    let grads: Vec<_> = generate(&CohortSpec {
        size: n as usize,
        ..CohortSpec::default()
    })
    .collect();
    let csv = roster_csv(&grads, HeaderStyle::Chinese);
    drop(grads);
    let school = Actor::SchoolOffice {
        id: "bench".into(),
        school: "10327".into(),
    };
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap();
    let t = Instant::now();
    let rep = r
        .import_roster(
            csv.as_bytes(),
            &RosterOptions::default(),
            ImportMode::GoodRows,
            &school,
            now,
        )
        .expect("import");
    let rate = f64::from(n) / t.elapsed().as_secs_f64();
    assert_eq!(rep.created, n as usize, "{:?}", rep.problems.first());
    rate
}

/// Builds `n` authorized registrations directly (bypassing the commands, which are measured
/// elsewhere) and returns some of their verification numbers.
fn authorized_db(path: &std::path::Path, n: u32) -> Vec<VerificationNumber> {
    let last = authorized_template();
    if std::fs::metadata(path).is_ok() {
        let store = SqliteStore::open(path).expect("open");
        if store.count().unwrap_or(0) == u64::from(n) {
            return (0..1000u32.min(n))
                .map(|i| number_of(i * (n / 1000u32.min(n)), 0xA5))
                .collect();
        }
        drop(store);
        let _ = std::fs::remove_file(path);
    }
    let store = SqliteStore::open(path).expect("open");
    write_authorized(&store, &last, 0..n, 0xA5, false);
    (0..1000u32.min(n))
        .map(|i| number_of(i * (n / 1000u32.min(n)), 0xA5))
        .collect()
}

fn bench(c: &mut Criterion) {
    let n: u32 = if full_run() { 1_000_000 } else { 2_000 };
    let dir = std::env::temp_dir();
    let import_db = dir.join(format!("gradreg-bench-import-{n}.db"));
    let rate = import(&import_db, n);
    println!("roster import (CSV → SQLite): {n} rows → {rate:.0} rows/s (budget ≥ 50,000); database {:.1} MB per million", size_mb(&import_db) * 1e6 / f64::from(n));
    let _ = std::fs::remove_file(&import_db);

    let lookup_db = dir.join(format!("gradreg-bench-lookup-{n}.db"));
    let numbers = authorized_db(&lookup_db, n);
    println!(
        "authorized registrations: {n}, database {:.1} MB per million",
        size_mb(&lookup_db) * 1e6 / f64::from(n)
    );
    let r = Registry::open(&lookup_db, Policy::jiangsu()).expect("open");
    let mut online = OnlineVerifier::new(r.tables());
    online.limit = u32::MAX;
    let dept = Actor::ArchiveDept {
        id: "bench".into(),
        name: "bench".into(),
    };
    let principal = Principal::new("bench-office").expect("principal");
    let name = sample::basic_info().name;
    let now = Utc.with_ymd_and_hms(2026, 5, 2, 2, 0, 0).unwrap();
    let texts: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
    let mut k = 0usize;
    c.bench_function(
        &format!("online verification (name + number), {n} graduates"),
        |b| {
            b.iter(|| {
                k = (k + 1) % texts.len();
                let v = r.verify_online(&online, &principal, &dept, &name, &texts[k], now);
                assert!(v.is_valid(), "{v:?}");
                black_box(v)
            })
        },
    );
    let store = SqliteStore::open(&lookup_db).expect("open");
    c.bench_function(
        &format!("lookup by number + load alone, {n} graduates"),
        |b| {
            b.iter(|| {
                k = (k + 1) % numbers.len();
                let id = store
                    .find_by_number(numbers[k].as_compact())
                    .expect("find")
                    .expect("present");
                black_box(store.load(&id).expect("load"))
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
