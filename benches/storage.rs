//! SQLite storage figures side by side with bare rusqlite, in one run (docs/architecture.md,
//! "Storage" and "Performance budgets"): roster import rows/s, online verification per call
//! (cycling through 1,000 graduates, and spread over all of them), two threads against one,
//! and bytes on disk per authorized graduate.
//!
//! `cargo bench -p gradreg-benches --bench storage -- --warm-up-time 1 --measurement-time 3`
//! (`GRADREG_BENCH_N` sets the number of authorized graduates, 200,000 by default; the import
//! always takes 100,000 rows). Under `cargo test` it runs once on small inputs.

use std::time::Instant;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use gradreg::cohort::{generate, roster_csv, CohortSpec, HeaderStyle};
use gradreg::registry::sqlite::SqliteStore;
use gradreg::roster::RosterOptions;
use gradreg::{sample, Actor, ImportMode, OnlineVerifier, Policy, Principal, Registry};
use gradreg_benches::{authorized_template, full_run, number_of, write_authorized};
use rusqlite::{params, Connection};
use std::hint::black_box;

/// Bytes of a database file with its WAL.
fn bytes_of(path: &std::path::Path) -> u64 {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

fn roster(n: usize) -> String {
    let grads: Vec<_> = generate(&CohortSpec {
        size: n,
        ..CohortSpec::default()
    })
    .collect();
    roster_csv(&grads, HeaderStyle::Chinese)
}

/// Bare rusqlite: the CSV parsed by the `csv` crate and every record written by a plain
/// 20-column INSERT, all in one transaction. Rows per second.
fn bare_import(path: &std::path::Path, csv_text: &str, n: usize) -> f64 {
    remove_db(path);
    let mut c = Connection::open(path).expect("open");
    c.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))
        .expect("wal");
    c.execute_batch("PRAGMA synchronous=NORMAL").expect("sync");
    let cols: Vec<String> = (0..20).map(|i| format!("c{i} TEXT")).collect();
    c.execute_batch(&format!(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, {})",
        cols.join(", ")
    ))
    .expect("schema");
    let t = Instant::now();
    let tx = c.transaction().expect("tx");
    {
        let marks: Vec<String> = (1..=20).map(|i| format!("?{i}")).collect();
        let mut ins = tx
            .prepare(&format!("INSERT INTO t VALUES(NULL, {})", marks.join(", ")))
            .expect("prepare");
        let mut rd = csv::Reader::from_reader(csv_text.as_bytes());
        let mut rows = 0;
        for rec in rd.records() {
            let rec = rec.expect("record");
            let v: Vec<&str> = (0..20).map(|i| rec.get(i).unwrap_or("")).collect();
            ins.execute(rusqlite::params_from_iter(v)).expect("insert");
            rows += 1;
        }
        assert_eq!(rows, n);
    }
    tx.commit().expect("commit");
    n as f64 / t.elapsed().as_secs_f64()
}

/// Ours: the same roster through [`Registry::import_roster`] into a fresh SQLite registry.
fn our_import(path: &std::path::Path, csv_text: &str, n: usize) -> f64 {
    remove_db(path);
    let r = Registry::open(path, Policy::jiangsu()).expect("open");
    let school = Actor::SchoolOffice {
        id: "bench".into(),
        school: "10327".into(),
    };
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap();
    let t = Instant::now();
    let rep = r
        .import_roster(
            csv_text.as_bytes(),
            &RosterOptions::default(),
            ImportMode::GoodRows,
            &school,
            now,
        )
        .expect("import");
    let rate = n as f64 / t.elapsed().as_secs_f64();
    assert_eq!(rep.created, n, "{:?}", rep.problems.first());
    rate
}

/// `n` authorized registrations written through the store (the commands' own cost is measured
/// elsewhere); returns the time it took.
fn authorized_db(path: &std::path::Path, n: u32) -> f64 {
    remove_db(path);
    let last = authorized_template();
    let t = Instant::now();
    let store = SqliteStore::open(path).expect("open");
    write_authorized(&store, &last, 0..n, 0x5A, true);
    t.elapsed().as_secs_f64()
}

/// Bare rusqlite: the numbers with the name and the same registration JSON, looked up by number
/// with the name compared.
fn bare_lookup_db(path: &std::path::Path, n: u32) {
    remove_db(path);
    let mut c = Connection::open(path).expect("open");
    c.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))
        .expect("wal");
    c.execute_batch(
        "PRAGMA synchronous=NORMAL; \
         CREATE TABLE g(number TEXT PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL) WITHOUT ROWID",
    )
    .expect("schema");
    let name = sample::basic_info().name;
    let tx = c.transaction().expect("tx");
    {
        let mut ins = tx
            .prepare("INSERT INTO g VALUES(?1, ?2, ?3)")
            .expect("prepare");
        for k in 0..n {
            ins.execute(params![
                number_of(k, 0x5A).as_compact(),
                name,
                "x".repeat(64)
            ])
            .expect("insert");
        }
    }
    tx.commit().expect("commit");
}

fn bare_verify(c: &Connection, number: &str, name: &str) -> bool {
    let stored: String = c
        .prepare_cached("SELECT name FROM g WHERE number = ?1")
        .expect("prepare")
        .query_row([number], |r| r.get(0))
        .expect("row");
    gradreg::codes::verify::names_match(name, &stored)
}

/// Calls per second of `per_thread` calls on each of `threads` threads at once.
fn throughput(threads: usize, per_thread: usize, f: &(dyn Fn(usize) + Sync)) -> f64 {
    let t = Instant::now();
    std::thread::scope(|s| {
        for th in 0..threads {
            s.spawn(move || {
                for i in 0..per_thread {
                    f(th * 7919 + i);
                }
            });
        }
    });
    (threads * per_thread) as f64 / t.elapsed().as_secs_f64()
}

/// Mean time of `f` over `n` calls, in µs.
fn mean_us(n: u32, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

/// What reading the verification view costs against the whole registration: its size, the
/// MAC, and decoding it (its own compact encoding), beside the registration it decodes to as
/// JSON and as CBOR (a binary serde format), and the whole registration's JSON.
fn view_costs(n: u32) {
    use gradreg::registry::view::{registration_of_view, view_mac, view_of};
    let reg = gradreg_benches::authorized_copy(&authorized_template(), 7, 0x5A, false).registration;
    let whole = serde_json::to_vec(&reg).expect("json");
    let view = view_of(&reg).expect("a view");
    let projected = registration_of_view(&view).expect("decodes");
    let json = serde_json::to_vec(&projected).expect("json");
    let mut cbor = Vec::new();
    ciborium::into_writer(&projected, &mut cbor).expect("cbor");
    let hash = [7u8; 32];
    let whole_us = mean_us(n, || {
        black_box(
            serde_json::from_slice::<gradreg::Registration>(black_box(&whole)).expect("whole"),
        );
    });
    let view_us = mean_us(n, || {
        black_box(registration_of_view(black_box(&view)).expect("view"));
    });
    let json_us = mean_us(n, || {
        black_box(serde_json::from_slice::<gradreg::Registration>(black_box(&json)).expect("json"));
    });
    let cbor_us = mean_us(n, || {
        black_box(
            ciborium::from_reader::<gradreg::Registration, _>(black_box(&cbor[..])).expect("cbor"),
        );
    });
    let mac_us = mean_us(n, || {
        black_box(view_mac(None, &hash, black_box(&view)));
    });
    println!(
        "verification view: {} bytes (the registration it decodes to: {} as JSON, {} as CBOR) \
         against {} for the whole registration's JSON; decode {view_us:.2} µs (from that JSON \
         {json_us:.2} µs, CBOR {cbor_us:.2} µs, whole registration {whole_us:.2} µs), MAC {mac_us:.2} µs",
        view.len(),
        json.len(),
        cbor.len(),
        whole.len()
    );
}

fn bench(c: &mut Criterion) {
    let full = full_run();
    let rows = if full { 100_000 } else { 1_000 };
    let n: u32 = if full {
        std::env::var("GRADREG_BENCH_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(200_000)
    } else {
        2_000
    };
    let dir = std::env::temp_dir();
    let tag = std::process::id();

    // Import.
    let csv_text = roster(rows);
    let bare_db = dir.join(format!("gradreg-storage-bare-{tag}.db"));
    let ours_db = dir.join(format!("gradreg-storage-import-{tag}.db"));
    let bare_rate = bare_import(&bare_db, &csv_text, rows);
    let our_rate = our_import(&ours_db, &csv_text, rows);
    println!(
        "import {rows} rows: bare rusqlite {bare_rate:.0} rows/s, ours {our_rate:.0} rows/s ({:.2}x of bare); {:.0} bytes per imported row",
        our_rate / bare_rate,
        bytes_of(&ours_db) as f64 / rows as f64
    );
    remove_db(&bare_db);
    remove_db(&ours_db);
    drop(csv_text);

    // Verification at n authorized graduates.
    view_costs(if full { 20_000 } else { 200 });

    let lookup_db = dir.join(format!("gradreg-storage-auth-{tag}.db"));
    let setup = authorized_db(&lookup_db, n);
    println!(
        "authorized graduates: {n} written in {setup:.1} s; {:.0} bytes per authorized graduate",
        bytes_of(&lookup_db) as f64 / f64::from(n)
    );
    bare_lookup_db(&bare_db, n);
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
    let step = (n / 1000).max(1);
    let texts: Vec<String> = (0..n.min(1000))
        .map(|i| number_of(i * step, 0x5A).to_string())
        .collect();
    let compact: Vec<String> = (0..n.min(1000))
        .map(|i| number_of(i * step, 0x5A).as_compact().to_string())
        .collect();
    let ours = |k: usize| {
        let v = online.verify_with(&principal, &dept, &name, &texts[k % texts.len()], now, &r);
        assert!(v.is_valid(), "{v:?}");
        black_box(v);
    };
    let bare_conn = Connection::open(&bare_db).expect("open");
    let mut k = 0usize;
    c.bench_function(&format!("storage/bare lookup + name check, {n}"), |b| {
        b.iter(|| {
            k += 1;
            assert!(bare_verify(&bare_conn, &compact[k % compact.len()], &name));
        })
    });
    c.bench_function(&format!("storage/online verification, {n}"), |b| {
        b.iter(|| {
            k += 1;
            ours(k);
        })
    });
    // The same, each call on another graduate of all n (a stride through the numbers that
    // visits every one): the pages a call reads are rarely in either connection's own cache,
    // as when offices check graduates all over the cohort.
    let spread = |k: usize| (k as u64 * 7_919 % u64::from(n)) as u32;
    c.bench_function(
        &format!("storage/bare lookup + name check, spread over {n}"),
        |b| {
            b.iter(|| {
                k += 1;
                let number = number_of(spread(k), 0x5A);
                assert!(bare_verify(&bare_conn, number.as_compact(), &name));
            })
        },
    );
    c.bench_function(
        &format!("storage/online verification, spread over {n}"),
        |b| {
            b.iter(|| {
                k += 1;
                let number = number_of(spread(k), 0x5A).to_string();
                let v = online.verify_with(&principal, &dept, &name, &number, now, &r);
                assert!(v.is_valid(), "{v:?}");
                black_box(v);
            })
        },
    );
    let calls = if full { 20_000 } else { 200 };
    let one = throughput(1, calls, &ours);
    let two = throughput(2, calls, &ours);
    let bare_path = bare_db.clone();
    let bare = move |k: usize| {
        thread_local! {
            static CONN: std::cell::RefCell<Option<Connection>> = const { std::cell::RefCell::new(None) };
        }
        CONN.with(|c| {
            let mut c = c.borrow_mut();
            let conn = c.get_or_insert_with(|| Connection::open(&bare_path).expect("open"));
            assert!(bare_verify(conn, &compact[k % compact.len()], &name));
        });
    };
    let bare_one = throughput(1, calls * 4, &bare);
    let bare_two = throughput(2, calls * 4, &bare);
    println!(
        "verification throughput: ours {one:.0}/s on one thread, {two:.0}/s on two ({:.2}x); bare {bare_one:.0}/s, {bare_two:.0}/s ({:.2}x)",
        two / one,
        bare_two / bare_one
    );
    drop(r);
    drop(bare_conn);
    remove_db(&lookup_db);
    remove_db(&bare_db);
}

criterion_group!(benches, bench);
criterion_main!(benches);
