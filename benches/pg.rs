//! PostgreSQL figures, side by side with the bare server in one run (docs/architecture.md,
//! "PostgreSQL and distribution"):
//!
//! (a) roster import: a bare `COPY … (FORMAT csv)` of the generated roster into a plain table
//!     of text columns, against our import of the same roster (parse, validate, state machine,
//!     store with binary `COPY`), in rows/s;
//! (b) online verification at `n` authorized graduates: a bare prepared lookup of the number
//!     and a name comparison, against the verification itself (`OnlineVerifier::verify_with`
//!     on the registry: counts, lookup, decoy, name check), in µs; then
//!     `Registry::verify_online`, which also commits the trace of a valid answer (a write);
//! (c) database size per authorized graduate.
//!
//! `GRADREG_BENCH_PG_URL=postgres://user@host:port/db cargo bench -p gradreg-benches --bench pg`
//! creates (and drops first) the databases `gradreg_bench_import`, `gradreg_bench_verify` and
//! `gradreg_bench_bare` on that server. Without the variable it prints a note and does nothing.

use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use gradreg::cohort::{generate, roster_csv, CohortSpec, HeaderStyle};
use gradreg::registry::postgres::{PostgresOptions, PostgresStore};
use gradreg::registry::{Commit, OpenOptions, Store};
use gradreg::roster::RosterOptions;
use gradreg::{
    apply, sample, Actor, Command, Context, ImportMode, OnlineVerifier, Outcome, Policy, Principal,
    Registration, Registry, VerificationNumber,
};
use gradreg_benches::{
    authorized_template, full_run, number_of, synthetic_basic, write_authorized,
};

/// A fresh database `name` next to the one `base` names; returns its URL.
fn fresh(base: &str, name: &str) -> String {
    let mut c = postgres::Client::connect(base, postgres::NoTls).expect("the bench server");
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .expect("drop");
    c.batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create");
    let (url, query) = match base.split_once('?') {
        Some((u, q)) => (u.to_string(), format!("?{q}")),
        None => (base.to_string(), String::new()),
    };
    let (head, _) = url.rsplit_once('/').expect("a URL with a database");
    format!("{head}/{name}{query}")
}

fn db_mb(url: &str) -> f64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    c.batch_execute("CHECKPOINT").ok();
    let b: i64 = c
        .query_one("SELECT pg_database_size(current_database())", &[])
        .expect("size")
        .get(0);
    b as f64 / 1e6
}

fn school() -> Actor {
    Actor::SchoolOffice {
        id: "bench".into(),
        school: "10327".into(),
    }
}

/// (a): the bare COPY and our import of the same `n`-row roster; returns both rates.
fn import_side_by_side(base: &str, n: usize) -> (f64, f64) {
    let grads: Vec<_> = generate(&CohortSpec {
        size: n,
        ..CohortSpec::default()
    })
    .collect();
    let csv = roster_csv(&grads, HeaderStyle::Chinese);
    drop(grads);
    let columns = csv.lines().next().map_or(0, |h| h.split(',').count());
    let bare_url = fresh(base, "gradreg_bench_bare");
    let mut c = postgres::Client::connect(&bare_url, postgres::NoTls).expect("connect");
    let defs: Vec<String> = (0..columns).map(|i| format!("c{i} text")).collect();
    c.batch_execute(&format!("CREATE TABLE roster ({})", defs.join(", ")))
        .expect("table");
    let t = Instant::now();
    {
        let mut tx = c.transaction().expect("tx");
        let mut w = tx
            .copy_in("COPY roster FROM STDIN (FORMAT csv, HEADER true)")
            .expect("copy");
        w.write_all(csv.as_bytes()).expect("write");
        w.finish().expect("finish");
        tx.commit().expect("commit");
    }
    let bare = n as f64 / t.elapsed().as_secs_f64();
    println!("bare COPY: {n} rows × {columns} text columns");
    let url = fresh(base, "gradreg_bench_import");
    let r = Registry::open_url(&url, Policy::jiangsu(), &OpenOptions::new()).expect("open");
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap();
    let t = Instant::now();
    let rep = r
        .import_roster(
            csv.as_bytes(),
            &RosterOptions::default(),
            ImportMode::GoodRows,
            &school(),
            now,
        )
        .expect("import");
    let ours = n as f64 / t.elapsed().as_secs_f64();
    assert_eq!(rep.created, n, "{:?}", rep.problems.first());
    println!(
        "imported registry: {:.0} bytes per registration",
        db_mb(&url) * 1e6 / n as f64
    );
    (bare, ours)
}

/// The store alone: `n` upload outcomes (built before the clock starts) committed in batches
/// of 20,000, the import's batch, through the COPY path. Returns rows per second.
fn store_commit_rate(base: &str, n: u32) -> f64 {
    let policy = Policy::jiangsu();
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap();
    let ctx = Context::new(now, &policy);
    let outs: Vec<Outcome> = (0..n)
        .map(|k| {
            let (id, info) = synthetic_basic(k);
            apply(
                &Registration::new(&id),
                &school(),
                &Command::UploadBasicInfo { info },
                &ctx,
            )
            .expect("upload")
        })
        .collect();
    let url = fresh(base, "gradreg_bench_import");
    let store = PostgresStore::connect(&url, PostgresOptions::new()).expect("connect");
    let t = Instant::now();
    for part in outs.chunks(20_000) {
        let commits: Vec<Commit<'_>> = part
            .iter()
            .map(|o| Commit {
                expected_version: 0,
                outcome: o,
            })
            .collect();
        store.commit(&commits).expect("commit");
    }
    f64::from(n) / t.elapsed().as_secs_f64()
}

/// `n` authorized registrations written straight to the store (the commands are measured
/// elsewhere), in batches that take the COPY path.
fn authorized(store: &PostgresStore, n: u32) {
    write_authorized(store, &authorized_template(), 0..n, 0xA5, false);
}

fn bench(c: &mut Criterion) {
    let Ok(base) = std::env::var("GRADREG_BENCH_PG_URL") else {
        println!("pg bench: skipped, GRADREG_BENCH_PG_URL is not set");
        return;
    };
    let (rows, n): (usize, u32) = if full_run() {
        (100_000, 200_000)
    } else {
        (1_000, 1_000)
    };
    let (bare, ours) = import_side_by_side(&base, rows);
    println!(
        "roster import, {rows} rows: bare COPY {bare:.0} rows/s, gradreg {ours:.0} rows/s \
         ({:.2}× bare; goal ≥ 100,000 rows/s and ≥ 0.5×)",
        ours / bare
    );
    let store_rate = store_commit_rate(&base, rows as u32);
    println!(
        "store commit alone (binary COPY, batches of 20,000), {rows} uploads: {store_rate:.0} rows/s \
         ({:.2}× bare)",
        store_rate / bare
    );

    let url = fresh(&base, "gradreg_bench_verify");
    let store = PostgresStore::connect(&url, PostgresOptions::new()).expect("connect");
    let t = Instant::now();
    authorized(&store, n);
    println!(
        "{n} authorized registrations written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    raw.batch_execute("VACUUM ANALYZE").expect("vacuum");
    let total = db_mb(&url);
    let mut rel = String::new();
    for t in [
        "registrations",
        "audit",
        "numbers",
        "cohorts",
        "events",
        "online_failures",
        "verification_views",
    ] {
        let b: i64 = raw
            .query_one(
                "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::BIGINT FROM pg_class c \
                 WHERE c.relname = $1 OR c.oid IN (SELECT inhrelid FROM pg_inherits \
                 WHERE inhparent = $1::regclass)",
                &[&t],
            )
            .expect("size")
            .get(0);
        rel.push_str(&format!(" {t} {:.0} B,", b as f64 / f64::from(n)));
    }
    println!(
        "database size: {:.0} bytes per authorized graduate ({:.2} GB per million); per graduate:{rel}",
        total * 1e6 / f64::from(n),
        total / f64::from(n) * 1e6 / 1e3
    );
    // The bare peer: the numbers and names in a plain table, looked up by a prepared statement.
    let name = sample::basic_info().name;
    raw.batch_execute("CREATE TABLE bare (number text PRIMARY KEY, name text NOT NULL)")
        .expect("bare");
    {
        let mut w = raw
            .copy_in("COPY bare FROM STDIN (FORMAT text)")
            .expect("copy");
        for k in 0..n {
            writeln!(w, "{}\t{name}", number_of(k, 0xA5).as_compact()).expect("write");
        }
        w.finish().expect("finish");
    }
    raw.batch_execute("ANALYZE bare").expect("analyze");
    let lookup = raw
        .prepare("SELECT name FROM bare WHERE number = $1")
        .expect("prepare");
    let numbers: Vec<VerificationNumber> = (0..1000u32)
        .map(|i| number_of(i * (n / 1000), 0xA5))
        .collect();
    let texts: Vec<String> = numbers.iter().map(|v| v.to_string()).collect();
    let mut k = 0usize;
    c.bench_function(
        &format!("pg bare lookup + name compare, {n} graduates"),
        |b| {
            b.iter(|| {
                k = (k + 1) % numbers.len();
                let row = raw
                    .query_opt(&lookup, &[&numbers[k].as_compact()])
                    .expect("lookup")
                    .expect("present");
                black_box(row.get::<_, &str>(0) == name)
            })
        },
    );
    let r = Registry::with_store(Box::new(store), Policy::jiangsu()).expect("registry");
    let mut online = OnlineVerifier::new(r.tables());
    online.limit = u32::MAX;
    let dept = Actor::ArchiveDept {
        id: "bench".into(),
        name: "bench".into(),
    };
    let principal = Principal::new("bench-office").expect("principal");
    let now = Utc.with_ymd_and_hms(2026, 5, 2, 2, 0, 0).unwrap();
    // The verification itself (counts, lookup, decoy, name check): the peer of the bare lookup.
    c.bench_function(
        &format!("pg online verification (name + number), {n} graduates"),
        |b| {
            b.iter(|| {
                k = (k + 1) % texts.len();
                let v = online.verify_with(&principal, &dept, &name, &texts[k], now, &r);
                assert!(v.is_valid(), "{v:?}");
                black_box(v)
            })
        },
    );
    // With the trace a valid answer leaves (a committed write: audit record, event, row).
    c.bench_function(
        &format!("pg online verification + recorded check, {n} graduates"),
        |b| {
            b.iter(|| {
                k = (k + 1) % texts.len();
                let v = r.verify_online(&online, &principal, &dept, &name, &texts[k], now);
                assert!(v.is_valid(), "{v:?}");
                black_box(v)
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
