//! Online verification's two failing paths at 5,000 graduates on SQLite: a wrong name for a
//! known number, and an unknown number. Both do the same store work (the count of failures, the
//! number's lookup together with the decoy's, one registration read and decoded, one name
//! comparison, one failure recorded), so their times should be alike; the bench prints both
//! medians and their ratio.
//!
//! `cargo bench -p gradreg-benches --bench guessing -- --warm-up-time 1 --measurement-time 3`

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use gradreg::registry::sqlite::SqliteStore;
use gradreg::{Actor, OnlineVerifier, Policy, Principal, Registry, VerdictKind};
use gradreg_benches::{authorized_template, number_of, write_authorized};
use std::hint::black_box;

const GRADUATES: u32 = 5_000;

/// Writes `n` authorized registrations (one template walked through the commands, copied with
/// distinct ids, graduates and numbers) into a fresh SQLite file.
fn build(path: &std::path::Path, n: u32) {
    let _ = std::fs::remove_file(path);
    let last = authorized_template();
    let store = SqliteStore::open(path).expect("open");
    write_authorized(&store, &last, 0..n, 0xA5, false);
}

fn median(mut v: Vec<StdDuration>) -> StdDuration {
    v.sort();
    v[v.len() / 2]
}

fn bench(c: &mut Criterion) {
    let path = std::env::temp_dir().join(format!("gradreg-bench-guessing-{GRADUATES}.db"));
    build(&path, GRADUATES);
    let r = Registry::open(&path, Policy::jiangsu()).expect("open");
    // No limit gets in the way, and a window of 1 ms keeps earlier failures out of the counts,
    // so every call does the same work however long the bench runs.
    let mut online = OnlineVerifier::new(r.tables());
    online.limit = u32::MAX;
    online.number_limit = u32::MAX;
    online.number_ceiling = u32::MAX;
    online.window = Duration::milliseconds(1);
    let principal = Principal::new("bench-office").expect("principal");
    let dept = Actor::ArchiveDept {
        id: "bench".into(),
        name: "bench".into(),
    };
    let known: Vec<String> = (0..GRADUATES)
        .map(|k| number_of(k, 0xA5).to_string())
        .collect();
    let unknown: Vec<String> = (0..GRADUATES)
        .map(|k| number_of(k, 0x5A).to_string())
        .collect();
    let start = Utc.with_ymd_and_hms(2026, 5, 2, 2, 0, 0).unwrap();
    let mut tick = 0i64;
    let attempt = |number: &str, tick: &mut i64| {
        *tick += 1;
        let now = start + Duration::seconds(*tick);
        let v = r.verify_online(&online, &principal, &dept, "错误姓名", number, now);
        assert_eq!(v.kind(), VerdictKind::NoMatch, "{v:?}");
        v
    };
    let mut k = 0usize;
    c.bench_function(
        &format!("online: wrong name, known number, {GRADUATES} graduates (SQLite)"),
        |b| {
            b.iter(|| {
                k = (k + 1) % known.len();
                black_box(attempt(&known[k], &mut tick))
            })
        },
    );
    c.bench_function(
        &format!("online: unknown number, {GRADUATES} graduates (SQLite)"),
        |b| {
            b.iter(|| {
                k = (k + 1) % unknown.len();
                black_box(attempt(&unknown[k], &mut tick))
            })
        },
    );
    // The two paths interleaved, call by call, so both see the same machine state.
    let (mut wrong, mut missing) = (Vec::new(), Vec::new());
    for i in 0..4_000usize {
        let k = i % known.len();
        let t = Instant::now();
        black_box(attempt(&known[k], &mut tick));
        wrong.push(t.elapsed());
        let t = Instant::now();
        black_box(attempt(&unknown[k], &mut tick));
        missing.push(t.elapsed());
    }
    let (w, m) = (median(wrong), median(missing));
    println!(
        "online failing paths, {GRADUATES} graduates on SQLite, 4,000 interleaved calls each: \
         wrong name {:.1} µs, unknown number {:.1} µs (median), ratio {:.3}",
        w.as_secs_f64() * 1e6,
        m.as_secs_f64() * 1e6,
        m.as_secs_f64() / w.as_secs_f64()
    );
    drop(r);
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, bench);
criterion_main!(benches);
