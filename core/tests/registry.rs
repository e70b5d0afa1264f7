//! The registry over every store (memory, SQLite, and PostgreSQL when `GRADREG_TEST_PG_URL` is
//! set; see `common::stores`): commands in transactions, queries, statistics, export, the audit
//! chain, concurrency (threads and processes) and bad storage. Every assertion names its store.

mod common;

use std::sync::Arc;

use common::*;
use gradreg::registry::sqlite::SqliteStore;
use gradreg::registry::{ChainFault, MemoryStore, Query, Registry};
use gradreg::{sample, Actor, Command, Error, Policy, ReminderOptions, Section, Stage};

fn info(student: &str, seq: u32, college: &str, major: (&str, &str)) -> gradreg::BasicInfo {
    let mut b = sample::basic_info();
    b.student_number = student.into();
    b.id_number = sample::id_number("320102", "20040315", seq, true).unwrap();
    b.college = college.into();
    b.major_code = major.0.into();
    b.major_name = major.1.into();
    b
}

/// Walks one graduate (already uploaded) to an authorization.
fn walk(
    r: &Registry,
    id: &str,
    b: &gradreg::BasicInfo,
    data: gradreg::DestinationData,
    confirm: bool,
) {
    let g = Actor::Graduate {
        id_number: b.id_number.clone(),
    };
    let mut acct = sample::chsi_account();
    acct.id_number = b.id_number.clone();
    r.apply(
        id,
        &Actor::Chsi,
        &Command::UpdateChsiAccount {
            account: Box::new(acct),
        },
        day(3, 2),
    )
    .unwrap();
    r.apply(id, &g, &Command::Login, day(3, 3)).unwrap();
    r.apply(id, &g, &Command::ConfirmBasicInfo, day(3, 3))
        .unwrap();
    r.apply(id, &platform(), &report(data), day(4, 20)).unwrap();
    if confirm {
        r.apply(id, &g, &Command::ConfirmDestination, day(4, 21))
            .unwrap();
        r.apply(
            id,
            &g,
            &Command::Authorize {
                validity_days: Some(30),
            },
            day(5, 1),
        )
        .unwrap();
    }
}

#[test]
fn commands_queries_and_statistics_agree_on_every_store() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let acc = ("120203K", "会计学");
        let cs = ("080901", "计算机科学与技术");
        let b1 = info("s1", 1, "会计学院", acc);
        let b2 = info("s2", 2, "会计学院", acc);
        let b3 = info("s3", 3, "信息工程学院", cs);
        let b4 = info("s4", 4, "信息工程学院", cs);
        let ids: Vec<String> = [&b1, &b2, &b3, &b4]
            .iter()
            .map(|b| upload(&r, b).unwrap())
            .collect();
        walk(&r, &ids[0], &b1, sample::destination_data(), true);
        let mut not_placed = sample::destination_data();
        not_placed.destination.code = "70".into();
        not_placed.destination.employer = None;
        not_placed.destination.job_category = None;
        walk(&r, &ids[2], &b3, not_placed, false);
        let now = day(5, 2);
        assert_eq!(r.store().count().unwrap(), 4, "{name}");
        assert_eq!(r.get(&ids[0]).unwrap().stage(now), Stage::Authorized);
        // Queries by stage, college and major.
        let authorized = r
            .query(
                &Query {
                    stages: vec![Stage::Authorized],
                    ..Query::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(
            authorized.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            vec![ids[0].as_str()]
        );
        let college = r
            .query(
                &Query {
                    college: Some("信息工程学院".into()),
                    ..Query::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(college.len(), 2, "{name}");
        let major = r
            .query(
                &Query {
                    major_code: Some("120203K".into()),
                    stages: vec![Stage::NotLoggedIn],
                    ..Query::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(major.len(), 1);
        // After its end the authorization no longer counts.
        let later = r
            .query(
                &Query {
                    stages: vec![Stage::Confirmed],
                    ..Query::default()
                },
                day(6, 10),
            )
            .unwrap();
        assert_eq!(
            later.len(),
            1,
            "{name}: expired authorization is merely confirmed"
        );
        // Stuck: awaiting confirmation since 20 April.
        assert_eq!(r.stuck(10, now).unwrap().len(), 1);
        assert_eq!(r.stuck(20, day(5, 5)).unwrap().len(), 0);
        // Statistics: placement 1 of 4 overall; by college.
        let st = r.statistics(now).unwrap();
        assert_eq!(st.total, 4);
        assert_eq!(st.by_stage.get(&Stage::Authorized), Some(&1));
        assert_eq!(st.by_stage.get(&Stage::NotLoggedIn), Some(&2));
        assert_eq!(st.by_destination.get("10"), Some(&1));
        assert_eq!(st.by_destination.get("70"), Some(&1));
        assert_eq!(
            (st.overall.graduates, st.overall.reported, st.overall.placed),
            (4, 2, 1)
        );
        assert!((st.overall.rate - 0.25).abs() < 1e-9);
        let acc_row = st.by_college.iter().find(|p| p.key == "会计学院").unwrap();
        assert!((acc_row.rate - 0.5).abs() < 1e-9);
        let cs_row = st
            .by_major
            .iter()
            .find(|p| p.key.starts_with("080901"))
            .unwrap();
        assert_eq!((cs_row.graduates, cs_row.placed), (2, 0));
        // Late: after 15 June, the two with nothing reported.
        assert_eq!(r.late(day(6, 16)).unwrap().len(), 2);
        assert_eq!(r.late(day(6, 10)).unwrap().len(), 0);
        // Reminders over the registry.
        let due = r
            .reminders(day(6, 10), &ReminderOptions::default())
            .unwrap();
        assert_eq!(
            due.iter()
                .filter(|x| matches!(x.kind, gradreg::ReminderKind::DeadlineApproaching { .. }))
                .count(),
            2
        );
        // Lookups.
        let number = r.get(&ids[0]).unwrap().authorizations[0].number;
        assert_eq!(r.find_by_number(&number).unwrap().unwrap().id, ids[0]);
        let of_number = r.find_by_id_number(&b2.id_number.to_lowercase()).unwrap();
        assert_eq!(of_number.len(), 1, "{name}");
        assert_eq!(of_number[0].id, ids[1]);
        assert!(matches!(r.get("nobody"), Err(Error::NotFound(_))));
        // The audit chain is intact and every command is in it.
        let report = r.check_audit().unwrap();
        assert!(report.intact(), "{name}: {report:?}");
        assert_eq!(r.audit(Some(&ids[0])).unwrap().len(), 7);
        // Events went to the outbox.
        assert!(r.events_after(0, 1000).unwrap().len() >= 10);
    }
}

#[test]
fn csv_export_masks_ids_and_guards_formulas() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        csv_export_on(&r);
    }
}

fn csv_export_on(r: &Registry) {
    let mut b = info("s1", 1, "=HYPERLINK(\"x\")", ("120203K", "会计学"));
    b.major_name = "会计学,\"ACCA\"".into();
    upload(r, &b).unwrap();
    let mut out = Vec::new();
    let n = r
        .export_csv(&Query::default(), day(3, 2), &mut out)
        .unwrap();
    assert_eq!(n, 1);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("\"会计学,\"\"ACCA\"\"\""), "{text}");
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(!text.contains(&b.id_number));
    assert!(text.contains("320102********"));
}

#[test]
fn duplicate_id_numbers_and_stale_versions_are_refused() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let b = info("s1", 1, "会计学院", ("120203K", "会计学"));
        let id = upload(&r, &b).unwrap();
        let mut twin = b.clone();
        twin.student_number = "s9".into();
        let e = r
            .apply(
                "10327:s9",
                &school(),
                &Command::UploadBasicInfo {
                    info: Arc::new(twin),
                },
                day(3, 1),
            )
            .unwrap_err();
        assert_eq!(e, Error::DuplicateIdNumber { other: id.clone() }, "{name}");
        assert_eq!(r.store().count().unwrap(), 1);
        let e = r
            .apply_at_version(&id, 0, &Actor::Chsi, &Command::Login, day(3, 2))
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Conflict {
                    expected: 0,
                    found: 1,
                    ..
                }
            ),
            "{name}: {e}"
        );
        assert_eq!(e.code(), 502);
    }
}

/// Two threads issue commands on one graduate at once, each through its own registry on the
/// store (as two processes would have; the memory store is shared by both): every command lands.
#[test]
fn two_writers_never_lose_an_update() {
    for kind in stores() {
        let _on = kind.label();
        let name = kind.name();
        let (first, store) = kind.open_default();
        let r = Arc::new(first);
        let b = sample::basic_info();
        let id = upload(&r, &b).unwrap();
        walk(&r, &id, &b, sample::destination_data(), true);
        let number = r.get(&id).unwrap().authorizations[0].number;
        let v0 = r.get(&id).unwrap().version;
        // A second registry on the same store, as a second process would have.
        let r2 = match kind {
            StoreKind::Memory => r.clone(),
            _ => Arc::new(store.reopen_default()),
        };
        const N: u64 = 100;
        let handles: Vec<_> = [
            (r.clone(), archive_dept(), Section::Archive),
            (r2.clone(), hukou_dept(), Section::Hukou),
        ]
        .into_iter()
        .map(|(reg, dept, section)| {
            let id = id.clone();
            std::thread::spawn(move || {
                for _ in 0..N {
                    reg.apply(
                        &id,
                        &dept,
                        &Command::RecordVerification { number, section },
                        day(5, 2),
                    )
                    .unwrap();
                }
            })
        })
        .collect();
        for h in handles {
            h.join().unwrap();
        }
        let reg = r.get(&id).unwrap();
        assert_eq!(reg.version, v0 + 2 * N, "{name}: every update is there");
        let audit = r.audit(Some(&id)).unwrap();
        let verifications = audit
            .iter()
            .filter(|a| a.entry().unwrap().action == "record_verification")
            .count();
        assert_eq!(verifications as u64, 2 * N, "{name}");
        assert!(r.check_audit().unwrap().intact(), "{name}");
    }
}

const WRITER_URL: &str = "GRADREG_WRITER_URL";
const WRITER_ID: &str = "GRADREG_WRITER_ID";
const WRITER_NUMBER: &str = "GRADREG_WRITER_NUMBER";
const WRITER_INDEX: &str = "GRADREG_WRITER_INDEX";
/// How many processes write at once, and how many commands each applies.
const WRITERS: u64 = 4;
const WRITES: u64 = 40;

/// A child process of `processes_writing_at_once_never_lose_an_update`: opens the store its
/// environment names and records `WRITES` verifications on one registration.
#[test]
#[ignore = "child process of processes_writing_at_once_never_lose_an_update"]
fn writer_child() {
    let url = std::env::var(WRITER_URL).expect("store URL");
    let id = std::env::var(WRITER_ID).expect("registration");
    let number = gradreg::VerificationNumber::parse(&std::env::var(WRITER_NUMBER).expect("number"))
        .expect("a verification number");
    let index: u64 = std::env::var(WRITER_INDEX)
        .expect("index")
        .parse()
        .expect("an index");
    let (dept, section) = if index.is_multiple_of(2) {
        (archive_dept(), Section::Archive)
    } else {
        (hukou_dept(), Section::Hukou)
    };
    let r = Registry::open_url(
        &url,
        Policy::jiangsu(),
        &gradreg::registry::OpenOptions::new(),
    )
    .unwrap();
    for _ in 0..WRITES {
        r.apply(
            &id,
            &dept,
            &Command::RecordVerification { number, section },
            day(5, 2),
        )
        .unwrap();
    }
    println!("wrote {WRITES}");
}

/// Several processes apply commands to the same registration at once, each with its own
/// registry on the same store (the SQLite file; the PostgreSQL database): no update is lost,
/// versions count every command, and the audit chain stays whole. (The memory store lives in
/// one process and has no second writer process.)
#[test]
fn processes_writing_at_once_never_lose_an_update() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let name = kind.name();
        let (r, store) = kind.open_default();
        let b = sample::basic_info();
        let id = upload(&r, &b).unwrap();
        walk(&r, &id, &b, sample::destination_data(), true);
        let number = r.get(&id).unwrap().authorizations[0].number;
        let v0 = r.get(&id).unwrap().version;
        let audit0 = r.audit(None).unwrap().len() as u64;
        let events0 = r.events_after(0, 1_000_000).unwrap().len() as u64;
        let children: Vec<_> = (0..WRITERS)
            .map(|i| {
                std::process::Command::new(std::env::current_exe().unwrap())
                    .args([
                        "--ignored",
                        "--exact",
                        "writer_child",
                        "--nocapture",
                        "--test-threads=1",
                    ])
                    .env(WRITER_URL, store.url())
                    .env(WRITER_ID, &id)
                    .env(WRITER_NUMBER, number.to_string())
                    .env(WRITER_INDEX, i.to_string())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success() && String::from_utf8_lossy(&out.stdout).contains("wrote"),
                "{name}: a writer process failed: {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let reg = r.get(&id).unwrap();
        assert_eq!(
            reg.version,
            v0 + WRITERS * WRITES,
            "{name}: every process's every update is there"
        );
        let audit = r.audit(Some(&id)).unwrap();
        let verifications = audit
            .iter()
            .filter(|a| a.entry().unwrap().action == "record_verification")
            .count() as u64;
        assert_eq!(verifications, WRITERS * WRITES, "{name}");
        let chain = r.check_audit().unwrap();
        assert!(chain.intact(), "{name}: {chain:?}");
        assert_eq!(chain.records, audit0 + WRITERS * WRITES, "{name}");
        assert_eq!(
            r.events_after(0, 1_000_000).unwrap().len() as u64,
            events0 + WRITERS * WRITES,
            "{name}: one event per verification in the outbox"
        );
    }
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "gradreg-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A new store of `kind` with one graduate walked to an authorization (seven audit records).
fn populated(kind: StoreKind) -> (Registry, Handle) {
    let (r, store) = kind.open_default();
    let b = sample::basic_info();
    let id = upload(&r, &b).unwrap();
    walk(&r, &id, &b, sample::destination_data(), true);
    (r, store)
}

/// The stores refuse edits of the audit log through SQL; someone who drops the guards and edits,
/// removes, cuts or reorders records is found by the chain check. (On every store with SQL; the
/// memory store's chain is checked in `memory_store_chain_check_finds_edits`.)
#[test]
fn audit_log_is_append_only_and_tampering_is_found() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let name = kind.name();
        let drop_update = kind.drop_audit_guard(AuditGuard::Update);
        let drop_delete = kind.drop_audit_guard(AuditGuard::Delete);
        let (r, store) = populated(kind);
        let n = r.audit(None).unwrap().len() as u64;
        assert_eq!(n, 7, "{name}");
        assert!(r.check_audit().unwrap().intact(), "{name}");
        // The database refuses edits through SQL.
        assert!(
            kind.sql(&store, "UPDATE audit SET entry = 'x' WHERE seq = 3")
                .is_err(),
            "{name}: an UPDATE of the audit log went through"
        );
        assert!(
            kind.sql(&store, "DELETE FROM audit WHERE seq = 3").is_err(),
            "{name}: a DELETE from the audit log went through"
        );
        // Someone with the database drops the triggers and edits an entry.
        kind.sql(
            &store,
            &format!(
                "{drop_update} {drop_delete} \
                 UPDATE audit SET entry = {} WHERE seq = 1;",
                kind.doc_replace("entry", "'jyc01'", "'jyc02'")
            ),
        )
        .unwrap();
        assert_eq!(
            r.check_audit().unwrap().first_fault,
            Some((1, ChainFault::Edited)),
            "{name}"
        );
        drop(r);
        drop(store);

        // Removed in the middle.
        let (r, store) = populated(kind);
        kind.sql(
            &store,
            &format!("{drop_delete} DELETE FROM audit WHERE seq = 4;"),
        )
        .unwrap();
        assert_eq!(
            r.check_audit().unwrap().first_fault,
            Some((5, ChainFault::Removed)),
            "{name}"
        );
        drop(r);
        drop(store);

        // Removed at the end.
        let (r, store) = populated(kind);
        kind.sql(
            &store,
            &format!("{drop_delete} DELETE FROM audit WHERE seq >= 7;"),
        )
        .unwrap();
        assert_eq!(
            r.check_audit().unwrap().first_fault,
            Some((7, ChainFault::Truncated)),
            "{name}"
        );
        drop(r);
        drop(store);

        // Reordered: two records swap places.
        let (r, store) = populated(kind);
        kind.sql(
            &store,
            &format!(
                "{drop_update} \
                 UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; \
                 UPDATE audit SET seq = 3 WHERE seq = -2;"
            ),
        )
        .unwrap();
        assert_eq!(
            r.check_audit().unwrap().first_fault,
            Some((2, ChainFault::Reordered)),
            "{name}"
        );
    }
}

#[test]
fn memory_store_chain_check_finds_edits() {
    let store = MemoryStore::new();
    let r = Registry::with_store(Box::new(store), Policy::jiangsu()).unwrap();
    let b = sample::basic_info();
    let id = upload(&r, &b).unwrap();
    walk(&r, &id, &b, sample::destination_data(), true);
    let mut records = r.audit(None).unwrap();
    let head = r.store().audit_head().unwrap();
    assert!(gradreg::registry::check_chain(records.clone(), head).intact());
    records[2].entry_json = records[2].entry_json.replace("graduate", "school_office");
    assert_eq!(
        gradreg::registry::check_chain(records, head).first_fault,
        Some((3, ChainFault::Edited))
    );
}

/// SQLite only: its subject is the SQLite file itself (another connection's write lock, a file
/// that is not a database, the file's page limit).
#[test]
fn locked_corrupt_and_full_databases_give_clear_errors() {
    let dir = tempdir();
    // Locked: another connection holds the write lock.
    let path = dir.join("locked.db");
    let r = Registry::with_store(
        Box::new(
            SqliteStore::open_with_timeout(&path, std::time::Duration::from_millis(100)).unwrap(),
        ),
        Policy::jiangsu(),
    )
    .unwrap();
    let locker = rusqlite_lock(&path);
    let e = r
        .apply(
            "x",
            &school(),
            &Command::UploadBasicInfo {
                info: Arc::new(sample::basic_info()),
            },
            day(3, 1),
        )
        .unwrap_err();
    assert!(matches!(e, Error::Busy(_)), "{e}");
    assert_eq!(e.code(), 504);
    drop(locker);
    assert_eq!(r.store().count().unwrap(), 0, "nothing half-written");
    // Corrupt: not a database.
    let bad = dir.join("corrupt.db");
    std::fs::write(&bad, vec![0x5Au8; 8192]).unwrap();
    let e = Registry::open(&bad, Policy::jiangsu()).err().unwrap();
    assert!(matches!(e, Error::Corrupt(_)), "{e}");
    // The database's own error is kept as the source of the chain.
    let source = std::error::Error::source(&e).and_then(std::error::Error::source);
    assert!(
        source.is_some_and(|s| s.downcast_ref::<rusqlite::Error>().is_some()),
        "{e:?}"
    );
    // Full: the file may not grow past a few pages.
    let full = dir.join("full.db");
    let r = Registry::open(&full, Policy::jiangsu()).unwrap();
    let raw = SqliteStore::open(&full).unwrap();
    let pages: i64 = {
        raw.execute_raw("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        std::fs::metadata(&full).unwrap().len() as i64 / 4096
    };
    drop(raw);
    let r = {
        drop(r);
        let store = SqliteStore::open(&full).unwrap();
        store
            .execute_raw(&format!("PRAGMA max_page_count = {}", pages + 1))
            .unwrap();
        Registry::with_store(Box::new(store), Policy::jiangsu()).unwrap()
    };
    let mut failures = 0;
    for i in 0..200u32 {
        let mut b = info(&format!("f{i}"), i % 100, "会计学院", ("120203K", "会计学"));
        b.id_number =
            sample::id_number("320102", &format!("2004{:02}15", 1 + i % 12), i % 100, true)
                .unwrap();
        b.major_name = "会计学".repeat(20);
        let before = r.store().count().unwrap();
        match r.apply(
            &format!("10327:f{i}"),
            &school(),
            &Command::UploadBasicInfo { info: Arc::new(b) },
            day(3, 1),
        ) {
            Ok(_) => {}
            Err(e) => {
                assert!(matches!(e, Error::DiskFull(_)), "{e}");
                assert_eq!(r.store().count().unwrap(), before, "left as it was");
                failures += 1;
                break;
            }
        }
    }
    assert_eq!(failures, 1, "the page limit must be reached");
    assert!(r.check_audit().unwrap().intact());
    std::fs::remove_dir_all(dir).ok();
}

/// Holds SQLite's write lock on `path` until dropped.
fn rusqlite_lock(path: &std::path::Path) -> SqliteStore {
    let s = SqliteStore::open(path).unwrap();
    s.execute_raw("BEGIN IMMEDIATE").unwrap();
    s
}

#[test]
fn apply_batch_commits_in_order_and_leaves_out_refusals() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let b = sample::basic_info();
        let id = upload(&r, &b).unwrap();
        let g = graduate();
        let cmds = vec![
            (
                id.clone(),
                Actor::Chsi,
                Command::UpdateChsiAccount {
                    account: Box::new(sample::chsi_account()),
                },
            ),
            (id.clone(), g.clone(), Command::ConfirmBasicInfo), // refused: not logged in yet
            (id.clone(), g.clone(), Command::Login),
            (id.clone(), g.clone(), Command::ConfirmBasicInfo),
            ("10327:none".to_string(), g.clone(), Command::Login), // refused: nothing uploaded
        ];
        let results = r.apply_batch(&cmds, day(3, 3)).unwrap();
        assert_eq!(results.len(), 5);
        assert_eq!(results[1].as_ref().unwrap_err(), &Error::NotLoggedIn);
        assert!(
            results[0].is_ok() && results[2].is_ok() && results[3].is_ok(),
            "{name}"
        );
        assert!(matches!(results[4], Err(Error::LoginRefused { .. })));
        let reg = r.get(&id).unwrap();
        assert_eq!(reg.version, 4);
        assert_eq!(reg.basic_status, gradreg::BasicStatus::Confirmed);
        assert!(r.find("10327:none").unwrap().is_none());
        assert!(r.check_audit().unwrap().intact());
        assert_eq!(r.audit(Some(&id)).unwrap().len(), 4);
    }
}

/// Online verification by name + verification or transfer number, and scanned tokens, against
/// the stored registrations; a superseded form never verifies.
#[test]
fn verification_against_the_store() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        verification_on(&r);
    }
}

fn verification_on(r: &Registry) {
    use gradreg::{
        issue_token, Disclosure, IssueOptions, Key, KeyId, KeyRing, Masking, OnlineVerifier,
        ScanOptions, TransferNumber, VerdictKind,
    };
    let b = sample::basic_info();
    let id = upload(r, &b).unwrap();
    let mut data = sample::destination_data();
    let transfer = TransferNumber::from_entropy(&[3; 16]);
    data.archive.as_mut().unwrap().transfer_number = Some(transfer.to_string());
    walk(r, &id, &b, data, true);
    let reg = r.get(&id).unwrap();
    let auth = reg.authorizations[0].clone();
    let number = auth.number.to_string();
    let mut online = OnlineVerifier::new(r.tables());
    online.limit = 3;
    let dept = archive_dept();
    let now = day(5, 2);
    let v = r.verify_online(&online, &principal_of(&dept), &dept, &b.name, &number, now);
    assert_eq!(v.kind(), VerdictKind::Valid, "{v:?}");
    assert!(v.disclosure().unwrap().archive.is_some());
    let v = r.verify_online(
        &online,
        &principal_of(&dept),
        &dept,
        &b.name,
        &transfer.to_string(),
        now,
    );
    assert_eq!(v.kind(), VerdictKind::Valid, "by transfer number: {v:?}");
    // A wrong name and an unknown number answer alike; past the limit, refused.
    let unknown = gradreg::VerificationNumber::from_entropy(&[0x77; 16]).to_string();
    assert_eq!(
        r.verify_online(&online, &principal_of(&dept), &dept, "李四", &number, now)
            .kind(),
        VerdictKind::NoMatch
    );
    assert_eq!(
        r.verify_online(&online, &principal_of(&dept), &dept, &b.name, &unknown, now)
            .kind(),
        VerdictKind::NoMatch
    );
    let mut typo = number.clone().into_bytes();
    typo[0] = if typo[0] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        r.verify_online(
            &online,
            &principal_of(&dept),
            &dept,
            &b.name,
            std::str::from_utf8(&typo).unwrap(),
            now
        )
        .kind(),
        VerdictKind::Typo
    );
    assert_eq!(
        r.verify_online(&online, &principal_of(&dept), &dept, "王五", &number, now)
            .kind(),
        VerdictKind::NoMatch
    );
    assert_eq!(
        r.verify_online(&online, &principal_of(&dept), &dept, &b.name, &number, now)
            .kind(),
        VerdictKind::RateLimited,
        "three failures recorded in the store"
    );
    // Another department is not limited, and sees only its own section.
    let v = r.verify_online(
        &online,
        &principal_of(&hukou_dept()),
        &hukou_dept(),
        &b.name,
        &number,
        now,
    );
    assert_eq!(v.kind(), VerdictKind::Valid);
    assert!(v.disclosure().unwrap().archive.is_none());

    // Scanned token: valid now; superseded after a void request and a change.
    let mut ring = KeyRing::new();
    ring.add_active(Key::hmac(
        KeyId(1),
        &(0..32u8)
            .map(|i| i.wrapping_mul(29) ^ 0x5c)
            .collect::<Vec<_>>(),
    ))
    .unwrap();
    let disclosure = Disclosure::build(
        &reg,
        &auth,
        Section::Archive,
        r.tables(),
        Masking::default(),
    )
    .unwrap();
    let token = issue_token(&ring, &auth, &disclosure, &IssueOptions::default()).unwrap();
    let scan = r.verify_token(&token, &ring, &dept, now, &ScanOptions::default());
    assert_eq!(
        scan.verdict.kind(),
        VerdictKind::Valid,
        "{:?}",
        scan.verdict
    );
    change_after_void(r, &id, &graduate(), day(5, 3));
    let scan = r.verify_token(&token, &ring, &dept, day(5, 5), &ScanOptions::default());
    assert_eq!(scan.verdict.kind(), VerdictKind::Superseded);
    let v = r.verify_online(
        &online,
        &principal_of(&hukou_dept()),
        &hukou_dept(),
        &b.name,
        &number,
        day(5, 5),
    );
    assert_eq!(v.kind(), VerdictKind::Superseded);
}
