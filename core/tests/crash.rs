//! Crash safety, on every store that outlives its process (SQLite, and PostgreSQL when
//! `GRADREG_TEST_PG_URL` is set): a process killed in the middle of a large import leaves every
//! committed batch and nothing half-written. For SQLite the journal rolls the open transaction
//! back when the file is next opened; for PostgreSQL the server rolls back the transaction of
//! the connection that died.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command as Proc, Stdio};
use std::sync::Arc;

use common::*;
use gradreg::registry::sqlite::SqliteStore;
use gradreg::registry::OpenOptions;
use gradreg::{Policy, Registry, UploadResult};

const BATCH: u32 = 500;
const ENV: &str = "GRADREG_CRASH_URL";

/// The child process: imports batch after batch into the store whose URL the environment names
/// and reports each commit. Run only by `killed_import_keeps_committed_batches_only`.
#[test]
#[ignore = "child process of killed_import_keeps_committed_batches_only"]
fn crash_child() {
    let url = std::env::var(ENV).expect("store URL");
    let r = Registry::open_url(&url, Policy::jiangsu(), &OpenOptions::new()).unwrap();
    for b in 0..300u32 {
        let batch: Vec<_> = (b * BATCH..(b + 1) * BATCH)
            .map(|i| {
                let info = synthetic_basic(i);
                (format!("10327:{}", info.student_number), Arc::new(info))
            })
            .collect();
        let res = r.upload_batch(&batch, &school(), day(3, 1), true).unwrap();
        assert!(res.iter().all(|x| *x == UploadResult::Created));
        println!("committed {}", (b + 1) * BATCH);
    }
}

#[test]
fn killed_import_keeps_committed_batches_only() {
    for kind in persistent_stores() {
        let _on = kind.label();
        killed_import_on(kind);
    }
}

fn killed_import_on(kind: StoreKind) {
    let name = kind.name();
    let store = kind.fresh();
    let mut child = Proc::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV, store.url())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // The child's complaints, kept to explain a child that never got going.
    let mut stderr = child.stderr.take().unwrap();
    let complaints = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let mut last = 0u32;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("committed ") {
            last = n.trim().parse().unwrap();
            if last >= 10 * BATCH {
                child.kill().unwrap(); // SIGKILL, mid-way through the next batch
                break;
            }
        }
    }
    child.wait().unwrap();
    let complaints = complaints.join().unwrap_or_default();
    assert!(
        last >= 10 * BATCH,
        "{name}: the child never got going:\n{complaints}"
    );

    if let Some(path) = store.path() {
        // SQLite: the file itself is whole.
        SqliteStore::open(&path).unwrap().integrity_check().unwrap();
    }
    let r = store.reopen_default();
    let n = r.store().count().unwrap() as u32;
    assert!(
        n >= last,
        "{name}: a committed batch is missing: {n} < {last}"
    );
    assert_eq!(n % BATCH, 0, "{name}: a half-written batch is present: {n}");
    // Every stored registration is whole, and the audit log matches it one to one.
    let mut seen = 0u32;
    r.store()
        .for_each(&mut |reg| {
            assert!(reg.basic.is_some(), "{name}");
            assert_eq!(reg.version, 1, "{name}");
            seen += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, n, "{name}");
    let chain = r.check_audit().unwrap();
    assert!(chain.intact(), "{name}: {chain:?}");
    assert_eq!(chain.records as u32, n, "{name}");
    // Nothing of the dead writer holds the store: the next batch commits.
    let next: Vec<_> = (n..n + BATCH)
        .map(|i| {
            let info = synthetic_basic(i);
            (format!("10327:{}", info.student_number), Arc::new(info))
        })
        .collect();
    let res = r.upload_batch(&next, &school(), day(3, 1), true).unwrap();
    assert!(res.iter().all(|x| *x == UploadResult::Created), "{name}");
    assert_eq!(r.store().count().unwrap() as u32, n + BATCH, "{name}");
    assert!(r.check_audit().unwrap().intact(), "{name}");
}
