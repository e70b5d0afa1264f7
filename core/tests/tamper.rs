//! Tampering with the store and storage damage: every stored registration is bound to the audit
//! record that wrote it, the number index to the registrations, the chain to a head kept outside
//! the store (and optionally to a key), and damage gives storage codes and stops writes.
//!
//! The edits a person with database access could make run on every store with SQL (SQLite, and
//! PostgreSQL when `GRADREG_TEST_PG_URL` is set) through `common::stores`; the memory store's
//! binding is checked by `the_memory_store_binds_and_keys_its_chain_too`. Tests whose subject is
//! a SQLite file detail (bytes that are not UTF-8 in a TEXT column, an empty file, a file copied
//! as a template, a file written by an older release) stay SQLite-only and say so.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::*;
use gradreg::registry::{AuditKey, ChainFault, ChainHead, OpenOptions, Registry, RowFault};
use gradreg::{sample, Actor, Command, OnlineVerifier, Policy, VerdictKind};
use proptest::prelude::*;
use rusqlite::{params, Connection};

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "gradreg-tamper-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn info(student: &str, seq: u32) -> gradreg::BasicInfo {
    let mut b = sample::basic_info();
    b.student_number = student.into();
    b.id_number = sample::id_number("320102", "20040315", seq, true).unwrap();
    b
}

/// A new store of `kind` with two authorized graduates; returns the store and their keys and
/// numbers.
fn populated(kind: StoreKind, key: Option<AuditKey>) -> (Handle, Vec<(String, String)>) {
    let options = match key {
        Some(k) => OpenOptions::new().audit_key(k),
        None => OpenOptions::new(),
    };
    let (r, store) = kind.open(Policy::jiangsu(), &options);
    let out = vec![
        authorize_in(&r, &info("t1", 1)),
        authorize_in(&r, &info("t2", 2)),
    ];
    assert!(r.check_audit().unwrap().intact(), "{}", kind.name());
    (store, out)
}

/// A registry on the store again (a new handle), with the audit key when given.
fn reopen(store: &Handle, key: Option<AuditKey>) -> gradreg::Result<Registry> {
    let options = match key {
        Some(k) => OpenOptions::new().audit_key(k),
        None => OpenOptions::new(),
    };
    store.reopen(Policy::jiangsu(), &options)
}

/// A registry file with two authorized graduates (for the SQLite-only tests); returns their
/// keys and numbers.
fn populated_file(path: &Path, key: Option<AuditKey>) -> Vec<(String, String)> {
    let r = match key {
        Some(k) => Registry::open_with_audit_key(path, Policy::jiangsu(), k).unwrap(),
        None => Registry::open(path, Policy::jiangsu()).unwrap(),
    };
    let out = vec![
        authorize_in(&r, &info("t1", 1)),
        authorize_in(&r, &info("t2", 2)),
    ];
    assert!(r.check_audit().unwrap().intact());
    out
}

fn raw(path: &Path) -> Connection {
    let c = Connection::open(path).unwrap();
    add_document_functions(&c).unwrap();
    c
}

fn verdict(r: &Registry, number: &str) -> VerdictKind {
    let online = OnlineVerifier::new(r.tables());
    let office = archive_dept();
    r.verify_online(
        &online,
        &principal_of(&office),
        &office,
        "张明",
        number,
        day(5, 2),
    )
    .kind()
}

fn key() -> AuditKey {
    AuditKey::new(&[0x42; 32]).unwrap()
}

const EMPLOYER: &str = "江苏紫金数据科技有限公司";

#[test]
fn a_direct_edit_of_a_destination_is_found_and_never_served() {
    for kind in persistent_stores() {
        let _on = kind.label();
        direct_edit_on(kind);
    }
}

fn direct_edit_on(kind: StoreKind) {
    let name = kind.name();
    let (store, graduates) = populated(kind, None);
    let (id, number) = graduates[0].clone();
    let r = store.reopen_default();
    assert_eq!(verdict(&r, &number), VerdictKind::Valid, "{name}");
    let n = kind
        .exec(
            &store,
            &format!(
                "UPDATE registrations SET data = {} WHERE id = ?1",
                kind.doc_replace("data", "?2", "'伪造科技有限公司'")
            ),
            &[(&id).into(), EMPLOYER.into()],
        )
        .unwrap();
    assert_eq!(n, 1, "{name}");
    let report = r.check_audit().unwrap();
    assert!(!report.intact(), "{name}");
    assert_eq!(report.first_fault, None, "{name}: the log itself is whole");
    assert_eq!(report.row_faults.len(), 1, "{name}: {report:?}");
    assert_eq!(report.row_faults[0].registration_id, id, "{name}");
    assert_eq!(report.row_faults[0].fault, RowFault::Tampered, "{name}");
    // Never served, through this handle or a new one.
    let r = store.reopen_default();
    assert_ne!(verdict(&r, &number), VerdictKind::Valid, "{name}");
    let e = r.get(&id).unwrap_err();
    assert_eq!(e.code(), 514, "{name}: {e}");
    // The other graduate is served.
    let r = store.reopen_default();
    assert_eq!(verdict(&r, &graduates[1].1), VerdictKind::Valid, "{name}");
    // Rolling a row back to an older state with its older record is found too.
    let (store, graduates) = populated(kind, None);
    let (id, number) = graduates[0].clone();
    let row = kind.row(
        &store,
        "SELECT seq, length(registration_hash) FROM audit WHERE registration_id = ?1 \
         ORDER BY seq DESC LIMIT 1 OFFSET 1",
        &[(&id).into()],
    );
    let old_seq = row[0].int();
    assert_eq!(row[1].int(), 32, "{name}");
    kind.exec(
        &store,
        "UPDATE registrations SET audit_seq = ?2 WHERE id = ?1",
        &[(&id).into(), old_seq.into()],
    )
    .unwrap();
    let r = store.reopen_default();
    assert_eq!(r.get(&id).unwrap_err().code(), 514, "{name}");
    assert_ne!(verdict(&r, &number), VerdictKind::Valid, "{name}");
}

#[test]
fn stripped_authorizations_and_deleted_rows_are_found() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let name = kind.name();
        // PostgreSQL's rows carry the school as their distribution key as well.
        let (school_col, school_val) = match kind {
            StoreKind::Postgres => ("school_code, ", "school_code, "),
            _ => ("", ""),
        };
        let cases: [(&str, String, RowFault); 5] = [
            (
                "strip",
                format!(
                    "UPDATE registrations SET data = {} WHERE id = ?1",
                    kind.json_clear_array("data", "authorizations")
                ),
                RowFault::Tampered,
            ),
            (
                "numbers",
                "DELETE FROM numbers WHERE registration_id = ?1".into(),
                RowFault::NumberMissing,
            ),
            (
                "row",
                "DELETE FROM registrations WHERE id = ?1".into(),
                RowFault::Missing,
            ),
            (
                "stray",
                format!(
                    "INSERT INTO numbers({school_col}number, registration_id) \
                     SELECT {school_val}'ABCDEFGHJKLMNPQR', id FROM registrations WHERE id = ?1"
                ),
                RowFault::NumberStray,
            ),
            (
                "inserted",
                format!(
                    "INSERT INTO registrations({school_col}id, version, id_number, name, college, \
                     major_code, major_name, stage, late, data) SELECT {school_val}'x' || id, \
                     version, '', name, college, major_code, major_name, stage, late, \
                     {} FROM registrations WHERE id = ?1",
                    kind.doc_replace("data", "id", "'x' || id")
                ),
                RowFault::Unrecorded,
            ),
        ];
        for (tag, sql, fault) in cases {
            let (store, graduates) = populated(kind, None);
            let (id, _) = &graduates[0];
            kind.exec(&store, &sql, &[id.into()])
                .unwrap_or_else(|e| panic!("{name} {tag}: {e}"));
            let r = store.reopen_default();
            let report = r.check_audit().unwrap();
            assert!(!report.intact(), "{name} {tag}");
            assert!(
                report.row_faults.iter().any(|p| p.fault == fault),
                "{name} {tag}: {report:?}"
            );
        }
    }
}

/// A stored document whose bytes no longer decode (a packed frame cut or overwritten, bytes
/// that are not UTF-8 — what a plain SQL `replace()` on a packed document leaves) is a fault the
/// audit check names, record by record and row by row, never an abort of the check; reading
/// that row alone still gives the storage damage code.
#[test]
fn an_undecodable_document_is_named_by_the_check_not_fatal_to_it() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let name = kind.name();
        let (store, graduates) = populated(kind, None);
        let (first, _) = &graduates[0];
        let (second, _) = &graduates[1];
        // The packed marker and dictionary byte before a frame that does not decode, and bytes
        // that are not UTF-8.
        let bad = kind.blob(&[0x00, 0x01, 0xff, 0xfe, 0x7b, 0x22]);
        kind.sql(
            &store,
            &format!(
                "{} UPDATE registrations SET data = {bad} WHERE id = '{first}'; \
                 UPDATE verification_views SET view = {bad} WHERE registration_id = '{second}'; \
                 UPDATE audit SET entry = {bad} WHERE seq = 1;",
                kind.drop_audit_guard(AuditGuard::Update)
            ),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = store.reopen_default();
        let report = r
            .check_audit()
            .unwrap_or_else(|e| panic!("{name}: the check failed instead of reporting: {e}"));
        assert!(!report.intact(), "{name}");
        assert_eq!(report.first_fault, Some((1, ChainFault::Edited)), "{name}");
        for id in [first, second] {
            assert!(
                report
                    .row_faults
                    .iter()
                    .any(|p| &p.registration_id == id && p.fault == RowFault::Tampered),
                "{name} {id}: {report:?}"
            );
        }
        // The damaged row and the log alone still read as storage damage.
        assert_eq!(r.get(first).unwrap_err().code(), 505, "{name}");
        assert_eq!(r.audit(None).unwrap_err().code(), 505, "{name}");
        // The other graduate's registration is still served.
        assert!(r.get(second).is_ok(), "{name}");
    }
    // SQLite: a packed document turned into text by SQL (replace() returns TEXT), as a person
    // editing the file with the sqlite3 shell would leave it.
    let dir = tempdir("undecodable");
    let path = dir.join("r.db");
    let graduates = populated_file(&path, None);
    let (id, _) = &graduates[0];
    raw(&path)
        .execute(
            "UPDATE registrations SET data = replace(data, 'zzz', 'y') WHERE id = ?1",
            [id],
        )
        .unwrap();
    let kind: String = raw(&path)
        .query_row(
            "SELECT typeof(data) FROM registrations WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kind, "text");
    let r = Registry::open(&path, Policy::jiangsu()).unwrap();
    let report = r.check_audit().unwrap();
    assert!(
        report
            .row_faults
            .iter()
            .any(|p| &p.registration_id == id && p.fault == RowFault::Tampered),
        "{report:?}"
    );
    assert_eq!(r.get(id).unwrap_err().code(), 505);
    let _ = std::fs::remove_dir_all(dir);
}

/// Both stores keep registrations, audit entries and events packed; PostgreSQL packs its
/// verification views too, SQLite keeps them clear. A store written before documents were packed (the same documents as clear UTF-8
/// JSON) reads as it did: its registrations served, its chain intact, its numbers verified.
#[test]
fn documents_are_stored_packed_and_clear_ones_still_read() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let name = kind.name();
        let (store, graduates) = populated(kind, None);
        for (table, column, packed) in [
            ("registrations", "data", true),
            ("audit", "entry", true),
            ("events", "event", true),
            ("verification_views", "view", kind == StoreKind::Postgres),
        ] {
            let all = kind
                .sql_i64(&store, &format!("SELECT COUNT(*) FROM {table}"))
                .unwrap();
            let packed_rows = kind
                .sql_i64(
                    &store,
                    &format!(
                        "SELECT COUNT(*) FROM {table} WHERE {}",
                        kind.doc_is_packed(column)
                    ),
                )
                .unwrap();
            assert!(all > 0, "{name} {table}");
            assert_eq!(packed_rows, if packed { all } else { 0 }, "{name} {table}");
        }
        let before = store.reopen_default();
        let audit_before = before.audit(None).unwrap();
        let regs_before: Vec<_> = graduates
            .iter()
            .map(|(id, _)| before.get(id).unwrap())
            .collect();
        drop(before);
        kind.sql(
            &store,
            &format!(
                "{} UPDATE registrations SET data = {}; UPDATE audit SET entry = {}; \
                 UPDATE events SET event = {}; UPDATE verification_views SET view = {};",
                kind.drop_audit_guard(AuditGuard::Update),
                kind.doc_clear("data"),
                kind.doc_clear("entry"),
                kind.doc_clear("event"),
                kind.doc_clear("view"),
            ),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            kind.sql_i64(
                &store,
                &format!(
                    "SELECT COUNT(*) FROM registrations WHERE {}",
                    kind.doc_is_packed("data")
                )
            )
            .unwrap(),
            0,
            "{name}: the documents are clear now"
        );
        let r = store.reopen_default();
        assert!(r.check_audit().unwrap().intact(), "{name}");
        assert_eq!(r.audit(None).unwrap(), audit_before, "{name}");
        for ((id, number), reg) in graduates.iter().zip(&regs_before) {
            assert_eq!(&r.get(id).unwrap(), reg, "{name} {id}");
            assert_eq!(verdict(&r, number), VerdictKind::Valid, "{name} {id}");
        }
    }
}

/// Rewrites a registration in the store and recomputes the chain from its record on, as someone
/// who knows the format (but not a key) can.
fn forge_and_recompute(kind: StoreKind, store: &Handle, id: &str) {
    kind.sql(
        store,
        &format!(
            "{} {}",
            kind.drop_audit_guard(AuditGuard::Update),
            kind.drop_audit_guard(AuditGuard::Delete)
        ),
    )
    .unwrap();
    kind.exec(
        store,
        &format!(
            "UPDATE registrations SET data = {} WHERE id = ?1",
            kind.doc_replace("data", "?2", "'伪造科技有限公司'")
        ),
        &[id.into(), EMPLOYER.into()],
    )
    .unwrap();
    let row = kind.row(
        store,
        &format!(
            "SELECT {}, audit_seq FROM registrations WHERE id = ?1",
            kind.doc_text("data")
        ),
        &[id.into()],
    );
    let (data, seq) = (row[0].text(), row[1].int());
    let rh = gradreg::registry::store::registration_hash(&data);
    kind.exec(
        store,
        "UPDATE audit SET registration_hash = ?2 WHERE seq = ?1",
        &[seq.into(), (&rh[..]).into()],
    )
    .unwrap();
    let rows = kind
        .rows(
            store,
            &format!(
                "SELECT seq, {}, registration_hash FROM audit WHERE seq >= ?1 ORDER BY seq",
                kind.doc_text("entry")
            ),
            &[seq.into()],
        )
        .unwrap();
    let mut prev = kind.row(
        store,
        "SELECT prev_hash FROM audit WHERE seq = ?1",
        &[seq.into()],
    )[0]
    .blob()
    .expect("a previous hash");
    for row in rows {
        let (s, entry, rh) = (row[0].int(), row[1].text(), row[2].blob());
        let mut p = [0u8; 32];
        p.copy_from_slice(&prev);
        let rh = rh.map(|v| {
            let mut h = [0u8; 32];
            h.copy_from_slice(&v);
            h
        });
        let hash = gradreg::registry::store::record_hash(None, &p, &entry, rh.as_ref());
        kind.exec(
            store,
            "UPDATE audit SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            &[s.into(), (&p[..]).into(), (&hash[..]).into()],
        )
        .unwrap();
        prev = hash.to_vec();
    }
    recompute_views(kind, store);
}

/// Makes every verification view again the way a forger with database access and no audit key
/// would: from its stored registration, with its MAC over the (recomputed) record it names.
fn recompute_views(kind: StoreKind, store: &Handle) {
    let rows = kind
        .rows(
            store,
            &format!(
                "SELECT v.registration_id, {}, a.hash FROM verification_views v \
                 JOIN registrations r ON r.id = v.registration_id \
                 JOIN audit a ON a.seq = v.audit_seq",
                kind.doc_text("r.data")
            ),
            &[],
        )
        .unwrap();
    for row in rows {
        let (id, data, hash) = (row[0].text(), row[1].text(), row[2].blob().unwrap());
        let reg: gradreg::Registration = serde_json::from_str(&data).unwrap();
        let view = gradreg::registry::view::view_of(&reg).unwrap();
        let mac = gradreg::registry::view::view_mac(None, &hash, &view);
        kind.exec(
            store,
            &format!(
                "UPDATE verification_views SET view = {}, mac = ?3 WHERE registration_id = ?1",
                kind.doc_from_text("?2")
            ),
            &[
                (&id).into(),
                (&String::from_utf8(view).unwrap()).into(),
                (&mac[..]).into(),
            ],
        )
        .unwrap();
    }
}

#[test]
fn a_recomputed_unkeyed_chain_is_caught_by_the_exported_head() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let name = kind.name();
        let (store, graduates) = populated(kind, None);
        let head = store.reopen_default().audit_head().unwrap();
        let text = head.to_string();
        assert!(text.starts_with("gradreg-audit-head:1:"), "{name}: {text}");
        assert_eq!(ChainHead::parse(&text).unwrap(), head, "{name}");
        assert!(ChainHead::parse("gradreg-audit-head:1:3:00").is_err());
        let r = store.reopen_default();
        assert!(r.check_audit_against(&head).unwrap().intact(), "{name}");
        forge_and_recompute(kind, &store, &graduates[0].0);
        let r = store.reopen_default();
        // Without a kept head the forgery is consistent ...
        assert!(r.check_audit().unwrap().intact(), "{name}");
        // ... but not against the head the host kept.
        let report = r
            .check_audit_against(&ChainHead::parse(&text).unwrap())
            .unwrap();
        assert_eq!(
            report.first_fault,
            Some((head.seq, ChainFault::Diverged)),
            "{name}"
        );
        assert!(!report.intact(), "{name}");
        // And the handle that found it refuses to write.
        let e = upload_new(&r, "n1", 9).unwrap_err();
        assert_eq!(e.code(), 516, "{name}: {e}");
    }
}

/// Uploads a new graduate (a write that changes the store).
fn upload_new(r: &Registry, student: &str, seq: u32) -> gradreg::Result<gradreg::Outcome> {
    r.apply(
        &format!("10327:{student}"),
        &school(),
        &Command::UploadBasicInfo {
            info: Arc::new(info(student, seq)),
        },
        day(5, 3),
    )
}

#[test]
fn a_cut_tail_is_caught_against_the_exported_head() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let name = kind.name();
        let (store, _) = populated(kind, None);
        let head = store.reopen_default().audit_head().unwrap();
        // Cut the last three records and move the stored head back.
        kind.sql(
            &store,
            &format!(
                "{} DELETE FROM audit WHERE seq > {n}; \
                 UPDATE meta SET value = '{n}' WHERE key = 'audit_head';",
                kind.drop_audit_guard(AuditGuard::Delete),
                n = head.seq - 3
            ),
        )
        .unwrap();
        let r = store.reopen_default();
        let report = r.check_audit_against(&head).unwrap();
        assert_eq!(
            report.first_fault,
            Some((head.seq - 2, ChainFault::Truncated)),
            "{name}"
        );
    }
}

#[test]
fn a_keyed_chain_cannot_be_recomputed_without_its_key() {
    for kind in persistent_stores() {
        let _on = kind.label();
        keyed_chain_on(kind);
    }
}

fn keyed_chain_on(kind: StoreKind) {
    let name = kind.name();
    let (store, graduates) = populated(kind, Some(key()));
    // Without the key, or with another, the registry does not open.
    let e = reopen(&store, None).err().unwrap();
    assert_eq!(e.code(), 515, "{name}: {e}");
    let other = AuditKey::new(&[7; 32]).unwrap();
    let e = reopen(&store, Some(other)).err().unwrap();
    assert_eq!(e.code(), 515, "{name}: {e}");
    let r = reopen(&store, Some(key())).unwrap();
    assert!(r.check_audit().unwrap().intact(), "{name}");
    assert_eq!(verdict(&r, &graduates[0].1), VerdictKind::Valid, "{name}");
    drop(r);
    forge_and_recompute(kind, &store, &graduates[0].0);
    let r = reopen(&store, Some(key())).unwrap();
    let report = r.check_audit().unwrap();
    assert!(
        matches!(report.first_fault, Some((_, ChainFault::Edited))),
        "{name}: {report:?}"
    );
    let r = reopen(&store, Some(key())).unwrap();
    assert_eq!(r.get(&graduates[0].0).unwrap_err().code(), 514, "{name}");
    assert_ne!(verdict(&r, &graduates[0].1), VerdictKind::Valid, "{name}");
    drop(r);
    // Removing the key record to pass the store off as unkeyed is refused by the keyed host.
    kind.exec(
        &store,
        "DELETE FROM meta WHERE key = 'audit_key_check'",
        &[],
    )
    .unwrap();
    let e = reopen(&store, Some(key())).err().unwrap();
    assert_eq!(e.code(), 515, "{name}: {e}");
    // An unkeyed registry with records refuses a key; a short key is an argument error.
    let (plain, _) = populated(kind, None);
    let e = reopen(&plain, Some(key())).err().unwrap();
    assert_eq!(e.code(), 515, "{name}: {e}");
    assert_eq!(AuditKey::new(&[1; 8]).unwrap_err().code(), 103);
}

#[test]
fn the_memory_store_binds_and_keys_its_chain_too() {
    for r in [
        Registry::in_memory(Policy::jiangsu()).unwrap(),
        Registry::in_memory_with_audit_key(Policy::jiangsu(), key()).unwrap(),
    ] {
        authorize_in(&r, &info("m1", 1));
        let report = r.check_audit().unwrap();
        assert!(report.intact(), "{report:?}");
        assert_eq!(report.unbound, 0);
        let records = r.audit(None).unwrap();
        assert!(records.iter().all(|x| x.registration_hash.is_some()));
        let head = r.audit_head().unwrap();
        assert!(r.check_audit_against(&head).unwrap().intact());
        let mut other = head;
        other.hash[0] ^= 1;
        assert_eq!(
            r.check_audit_against(&other).unwrap().first_fault,
            Some((head.seq, ChainFault::Diverged))
        );
    }
    // Records of a keyed chain do not verify without the key.
    let r = Registry::in_memory_with_audit_key(Policy::jiangsu(), key()).unwrap();
    authorize_in(&r, &info("m2", 2));
    let head = r.audit_head().unwrap();
    let records = r.audit(None).unwrap();
    assert!(gradreg::registry::check_chain_keyed(records.clone(), head, Some(&key())).intact());
    assert_eq!(
        gradreg::registry::check_chain(records, head).first_fault,
        Some((1, ChainFault::Edited))
    );
}

/// SQLite only: its subject is SQLite's type affinity (a TEXT column holding bytes that are not
/// UTF-8, or a BLOB); PostgreSQL's typed columns refuse such values on write.
#[test]
fn flipped_bytes_give_the_storage_damage_code() {
    let dir = tempdir("flip");
    let path = dir.join("r.db");
    let graduates = populated_file(&path, None);
    let (id, _) = &graduates[0];
    // A byte of a row turned into one that is not UTF-8.
    raw(&path)
        .execute(
            "UPDATE registrations SET data = CAST(substr(data, 1, 20) || CAST(x'ff' AS TEXT) || substr(data, 22) AS TEXT) WHERE id = ?1",
            [id],
        )
        .unwrap();
    let r = Registry::open(&path, Policy::jiangsu()).unwrap();
    let e = r.get(id).unwrap_err();
    assert_eq!(e.code(), 505, "{e}");
    // A value of the wrong type.
    raw(&path)
        .execute(
            "UPDATE registrations SET data = x'00ff10' WHERE id = ?1",
            [&graduates[1].0],
        )
        .unwrap();
    let r = Registry::open(&path, Policy::jiangsu()).unwrap();
    assert_eq!(r.get(&graduates[1].0).unwrap_err().code(), 505);
    // An event and an audit entry that no longer parse.
    raw(&path)
        .execute_batch(
            "UPDATE events SET event = substr(event, 2) WHERE seq = 1; \
             DROP TRIGGER audit_append_only_update; \
             UPDATE audit SET entry = CAST(x'7bff' AS TEXT) WHERE seq = 1;",
        )
        .unwrap();
    let r = Registry::open(&path, Policy::jiangsu()).unwrap();
    assert_eq!(r.events_after(0, 10).unwrap_err().code(), 505);
    assert_eq!(r.audit(None).unwrap_err().code(), 505);
    let _ = std::fs::remove_dir_all(dir);
}

/// SQLite only: its subject is the database file (empty, or not a database).
#[test]
fn an_empty_file_is_refused_not_initialised() {
    let dir = tempdir("empty");
    let path = dir.join("r.db");
    std::fs::write(&path, b"").unwrap();
    let e = Registry::open(&path, Policy::jiangsu()).err().unwrap();
    assert_eq!(e.code(), 505, "{e}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "left as it was");
    // A folder holding an empty registry file: the same.
    let e = Registry::open(&dir, Policy::jiangsu()).err();
    assert!(
        e.is_none(),
        "a folder without the file makes a new registry"
    );
    std::fs::write(dir.join(gradreg::registry::DEFAULT_FILE_NAME), b"").unwrap();
    let e = Registry::open(&dir, Policy::jiangsu()).err().unwrap();
    assert_eq!(e.code(), 505, "{e}");
    // Not a database at all.
    std::fs::write(&path, b"hello, not a database, just some text.").unwrap();
    assert_eq!(
        Registry::open(&path, Policy::jiangsu())
            .err()
            .unwrap()
            .code(),
        505
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn writes_are_refused_after_damage_until_reopened() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let name = kind.name();
        let (store, graduates) = populated(kind, None);
        let r = store.reopen_default();
        kind.exec(
            &store,
            &format!(
                "UPDATE registrations SET data = {} WHERE id = ?1",
                kind.doc_replace("data", "?2", "'伪造'")
            ),
            &[(&graduates[0].0).into(), EMPLOYER.into()],
        )
        .unwrap();
        assert_eq!(r.get(&graduates[0].0).unwrap_err().code(), 514, "{name}");
        // A write of another, sound registration through the same handle is refused.
        let e = upload_new(&r, "n1", 9).unwrap_err();
        assert_eq!(e.code(), 516, "{name}: {e}");
        // Reopened (say after repair), writes of sound registrations go through again; the
        // tampered one is still not served.
        let r = store.reopen_default();
        upload_new(&r, "n1", 9).unwrap();
        assert_eq!(r.get(&graduates[0].0).unwrap_err().code(), 514, "{name}");
    }
}

/// An edit of a stored row, as someone with the file might make it.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace the character at this position (modulo the length) of the registration's JSON.
    Char(usize, char),
    /// Cut this many characters at this position.
    Cut(usize, usize),
    /// Set a field of the JSON to a text value.
    Field(&'static str, String),
    /// Point the row at another audit record.
    Seq(i64),
    /// Move one of its numbers to the other registration.
    MoveNumber,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<char>()).prop_map(|(p, c)| Edit::Char(p, c)),
        (any::<usize>(), 1usize..40).prop_map(|(p, n)| Edit::Cut(p, n)),
        (
            prop::sample::select(vec![
                "$.basic.name",
                "$.basic.id_number",
                "$.destination.destination.employer.name",
                "$.authorizations[0].valid_until",
                "$.authorizations[0].state",
                "$.authorizations[0].number",
                "$.stage",
                "$.late",
            ]),
            "[a-zA-Z0-9 张王]{0,12}"
        )
            .prop_map(|(f, v)| Edit::Field(f, v)),
        (-3i64..40).prop_map(Edit::Seq),
        Just(Edit::MoveNumber),
    ]
}

/// A template registry file, made once.
fn template() -> &'static (PathBuf, Vec<(String, String)>) {
    static T: std::sync::OnceLock<(PathBuf, Vec<(String, String)>)> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let path = tempdir("template").join("t.db");
        let graduates = populated_file(&path, None);
        (path, graduates)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any edit of a stored registration that changes it is found by the audit check, and the
    /// edited registration is not served. (SQLite only: each case starts from a copy of one
    /// template file; the fixed edits above run on every store.)
    #[test]
    fn random_edits_of_stored_rows_are_always_found(e in edit(), which in 0usize..2) {
        let (tpl, graduates) = template();
        let dir = tempdir("prop");
        let path = dir.join("r.db");
        std::fs::copy(tpl, &path).unwrap();
        let (id, _) = &graduates[which];
        let c = raw(&path);
        let (data, seq): (String, i64) = c
            .query_row("SELECT doc_text(data), audit_seq FROM registrations WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let changed = match &e {
            Edit::Char(p, ch) => {
                let chars: Vec<char> = data.chars().collect();
                let i = p % chars.len();
                let mut out: String = chars[..i].iter().collect();
                out.push(*ch);
                out.extend(&chars[i + 1..]);
                c.execute("UPDATE registrations SET data = doc_pack(?2) WHERE id = ?1", params![id, out]).unwrap();
                out != data
            }
            Edit::Cut(p, n) => {
                let chars: Vec<char> = data.chars().collect();
                let i = p % chars.len();
                let j = (i + n).min(chars.len());
                let out: String = chars[..i].iter().chain(&chars[j..]).collect();
                c.execute("UPDATE registrations SET data = doc_pack(?2) WHERE id = ?1", params![id, out]).unwrap();
                out != data
            }
            Edit::Field(f, v) => {
                c.execute(
                    "UPDATE registrations SET data = doc_pack(json_set(doc_text(data), ?2, ?3)) WHERE id = ?1",
                    params![id, f, v],
                )
                .unwrap();
                let now: String = c
                    .query_row("SELECT doc_text(data) FROM registrations WHERE id = ?1", [id], |r| r.get(0))
                    .unwrap();
                now != data
            }
            Edit::Seq(s) => {
                c.execute("UPDATE registrations SET audit_seq = ?2 WHERE id = ?1", params![id, s]).unwrap();
                *s != seq
            }
            Edit::MoveNumber => {
                let other = &graduates[1 - which].0;
                let number: String = c
                    .query_row("SELECT number FROM numbers WHERE registration_id = ?1 LIMIT 1", [id], |r| r.get(0))
                    .unwrap();
                c.execute("UPDATE numbers SET registration_id = ?2 WHERE number = ?1", params![number, other]).unwrap();
                true
            }
        };
        drop(c);
        prop_assume!(changed);
        let r = Registry::open(&path, Policy::jiangsu()).unwrap();
        let report = r.check_audit().unwrap();
        prop_assert!(!report.intact(), "{e:?} not found: {report:?}");
        if !matches!(e, Edit::MoveNumber) {
            let r = Registry::open(&path, Policy::jiangsu()).unwrap();
            let loaded = r.get(id);
            prop_assert!(loaded.is_err(), "{e:?} served");
            let code = loaded.unwrap_err().code();
            prop_assert!(code == 514 || code == 505, "{e:?}: {code}");
        }
        drop(r);
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn an_edited_summary_column_is_found() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let name = kind.name();
        let (store, graduates) = populated(kind, None);
        kind.exec(
            &store,
            "UPDATE registrations SET destination_code = '11', college = '伪造学院' WHERE id = ?1",
            &[(&graduates[0].0).into()],
        )
        .unwrap();
        let r = store.reopen_default();
        let report = r.check_audit().unwrap();
        assert_eq!(report.row_faults.len(), 1, "{name}: {report:?}");
        assert_eq!(
            report.row_faults[0].fault,
            RowFault::SummaryMismatch,
            "{name}"
        );
    }
}

/// A file written before registrations were bound: its rows are served and reported as unbound,
/// the next change of a row binds it, and a bound row cannot pass itself off as unbound.
/// (SQLite only: no PostgreSQL store was ever written by that earlier release.)
#[test]
fn an_older_file_is_migrated_and_its_rows_bound_on_their_next_change() {
    let dir = tempdir("legacy");
    let path = dir.join("r.db");
    let graduates = populated_file(&path, None);
    {
        // Make the file look as the previous release wrote it: no binding columns, no
        // verification views, and every record hashed the old way.
        let c = raw(&path);
        c.execute_batch(
            "DROP TABLE verification_views; DELETE FROM meta WHERE key = 'views'; \
             DROP TRIGGER audit_append_only_update; \
             ALTER TABLE registrations DROP COLUMN audit_seq; \
             ALTER TABLE audit DROP COLUMN registration_hash;",
        )
        .unwrap();
        let rows: Vec<(i64, String)> = {
            let mut s = c
                .prepare("SELECT seq, doc_text(entry) FROM audit ORDER BY seq")
                .unwrap();
            let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
            rows.map(|r| r.unwrap()).collect()
        };
        let mut prev = [0u8; 32];
        for (seq, entry) in rows {
            let hash = gradreg::registry::store::chain_hash(&prev, &entry);
            c.execute(
                "UPDATE audit SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
                params![seq, &prev[..], &hash[..]],
            )
            .unwrap();
            prev = hash;
        }
        c.execute_batch(
            "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit \
             BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
        )
        .unwrap();
    }
    let r = Registry::open(&path, Policy::jiangsu()).unwrap();
    let report = r.check_audit().unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.unbound, 2);
    assert_eq!(verdict(&r, &graduates[0].1), VerdictKind::Valid);
    // The next change binds the row.
    let (id, _) = &graduates[0];
    let g = Actor::Graduate {
        id_number: info("t1", 1).id_number,
    };
    r.apply(
        id,
        &g,
        &Command::FileVoidRequest {
            reason: "换单位".into(),
        },
        day(5, 3),
    )
    .unwrap();
    let report = r.check_audit().unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.unbound, 1);
    assert!(r.get(id).is_ok());
    // A bound row whose link is removed does not pass for an unbound one.
    raw(&path)
        .execute(
            "UPDATE registrations SET audit_seq = NULL WHERE id = ?1",
            [id],
        )
        .unwrap();
    let r = Registry::open(&path, Policy::jiangsu()).unwrap();
    assert_eq!(r.get(id).unwrap_err().code(), 514);
    assert!(!r.check_audit().unwrap().intact());
    let _ = std::fs::remove_dir_all(dir);
}
