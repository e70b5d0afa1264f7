//! Crash safety: a process killed in the middle of a large import leaves every committed batch
//! and nothing half-written.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command as Proc, Stdio};
use std::sync::Arc;

use common::*;
use gradreg::registry::sqlite::SqliteStore;
use gradreg::{Policy, Registry, UploadResult};

const BATCH: u32 = 500;
const ENV: &str = "GRADREG_CRASH_DB";

/// The child process: imports batch after batch into the database named by the environment and
/// reports each commit. Run only by `killed_import_keeps_committed_batches_only`.
#[test]
#[ignore = "child process of killed_import_keeps_committed_batches_only"]
fn crash_child() {
    let path = std::env::var(ENV).expect("database path");
    let r = Registry::open(&path, Policy::jiangsu()).unwrap();
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
    let dir = std::env::temp_dir().join(format!("gradreg-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("crash.db");
    let _ = std::fs::remove_file(&db);
    let mut child = Proc::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
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
    assert!(last >= 10 * BATCH, "the child never got going");

    let store = SqliteStore::open(&db).unwrap();
    store.integrity_check().unwrap();
    let r = Registry::with_store(Box::new(store), Policy::jiangsu()).unwrap();
    let n = r.store().count().unwrap() as u32;
    assert!(n >= last, "a committed batch is missing: {n} < {last}");
    assert_eq!(n % BATCH, 0, "a half-written batch is present: {n}");
    // Every stored registration is whole, and the audit log matches it one to one.
    let mut seen = 0u32;
    r.store()
        .for_each(&mut |reg| {
            assert!(reg.basic.is_some());
            assert_eq!(reg.version, 1);
            seen += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, n);
    let chain = r.check_audit().unwrap();
    assert!(chain.intact(), "{chain:?}");
    assert_eq!(chain.records as u32, n);
    std::fs::remove_dir_all(&dir).ok();
}
