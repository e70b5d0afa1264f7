//! Personal data at rest: with data keys, the SQLite file holds no ID number, phone, e-mail or
//! address in clear; lookups still work; a missing or wrong key is refused; rotation re-seals
//! every row and an interrupted one loses nothing; tampered values are refused.
//!
//! Keys, lookups, rotation and tampering run on every store that writes to disk (SQLite, and
//! PostgreSQL when `GRADREG_TEST_PG_URL` is set; the memory store keeps nothing to seal and
//! refuses data keys). The checks of the bytes on disk read the SQLite file and stay SQLite-only.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::*;
use gradreg::cohort::{generate, roster_csv, CohortSpec, Graduate, HeaderStyle};
use gradreg::registry::{DataKey, DataKeyRing, OpenOptions};
use gradreg::roster::RosterOptions;
use gradreg::{
    Actor, Command, ErrorCode, ImportMode, OnlineVerifier, Policy, Registry, VerdictKind,
};

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "gradreg-at-rest-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn key(id: u32) -> DataKey {
    DataKey::new(id, [id as u8 * 17; 32]).unwrap()
}

fn ring(ids: &[u32]) -> DataKeyRing {
    DataKeyRing::new(ids.iter().map(|i| key(*i)).collect()).unwrap()
}

fn options(keys: Option<&[u32]>) -> OpenOptions {
    let mut o = OpenOptions::new();
    if let Some(ids) = keys {
        o = o.data_keys(ring(ids));
    }
    o
}

/// The SQLite file at `path` (for the checks of the bytes on disk).
fn open_file(path: &Path, keys: Option<&[u32]>) -> gradreg::Result<Registry> {
    Registry::open_with(path, Policy::jiangsu(), &options(keys))
}

/// The store of `store` with these data keys.
fn open(store: &Handle, keys: Option<&[u32]>) -> gradreg::Result<Registry> {
    store.reopen(Policy::jiangsu(), &options(keys))
}

fn cohort(n: usize) -> Vec<Graduate> {
    generate(&CohortSpec {
        size: n,
        ..CohortSpec::default()
    })
    .collect()
}

/// Imports a roster and walks its first graduate to an authorization (destination with phones,
/// e-mail and addresses). Returns the graduates and the first one's verification number.
fn populate(r: &Registry, grads: &[Graduate]) -> String {
    let csv = roster_csv(grads, HeaderStyle::Chinese);
    let rep = r
        .import_roster(
            csv.as_bytes(),
            &RosterOptions::default(),
            ImportMode::AllOrNothing,
            &school(),
            day(3, 1),
        )
        .unwrap();
    assert_eq!(rep.created, grads.len(), "{:?}", rep.problems);
    let g0 = &grads[0];
    let id = format!("{}:{}", g0.basic.school_code, g0.basic.student_number);
    let me = Actor::Graduate {
        id_number: g0.basic.id_number.clone(),
    };
    r.apply(
        &id,
        &Actor::Chsi,
        &Command::UpdateChsiAccount {
            account: Box::new(g0.chsi.clone()),
        },
        day(3, 2),
    )
    .unwrap();
    r.apply(&id, &me, &Command::Login, day(3, 3)).unwrap();
    r.apply(&id, &me, &Command::ConfirmBasicInfo, day(3, 3))
        .unwrap();
    r.apply(
        &id,
        &platform(),
        &Command::ReportDestination {
            data: Arc::new(g0.destination.clone()),
        },
        day(4, 20),
    )
    .unwrap();
    r.apply(&id, &me, &Command::ConfirmDestination, day(4, 21))
        .unwrap();
    let out = r
        .apply(
            &id,
            &me,
            &Command::Authorize {
                validity_days: Some(30),
            },
            day(5, 1),
        )
        .unwrap();
    out.registration.authorizations[0].number.to_string()
}

/// Every byte the registry keeps on disk (the file, and its WAL when one is left).
fn file_bytes(path: &Path) -> Vec<u8> {
    let mut all = std::fs::read(path).unwrap();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(w) = std::fs::read(PathBuf::from(wal)) {
        all.extend_from_slice(&w);
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The personal data of the graduates that must not be readable in the file.
fn secrets(grads: &[Graduate]) -> Vec<String> {
    let mut out = Vec::new();
    for g in grads {
        out.push(g.basic.id_number.clone());
        out.push(g.basic.phone.clone());
        out.push(g.basic.email.clone());
    }
    let d = &grads[0].destination;
    if let Some(e) = d.destination.employer.as_ref() {
        out.push(e.address.clone());
    }
    if let Some(a) = d.archive.as_ref() {
        out.push(a.address.clone());
        out.push(a.phone.clone());
    }
    out.retain(|s| s.len() >= 6);
    out
}

/// SQLite only: its subject is the bytes of the file (and its WAL) and SQLite's column types.
#[test]
fn the_file_holds_no_personal_data_in_clear_with_a_key() {
    let dir = tempdir();
    let grads = cohort(40);
    let secrets = secrets(&grads);
    assert!(secrets.len() > 80, "{secrets:?}");
    // Without keys the file holds them (what this protects against).
    let clear = dir.join("clear.db");
    let r = open_file(&clear, None).unwrap();
    populate(&r, &grads);
    drop(r);
    let bytes = file_bytes(&clear);
    assert!(secrets.iter().any(|s| contains(&bytes, s)));
    // With a key, none of them.
    let sealed = dir.join("sealed.db");
    let r = open_file(&sealed, Some(&[1])).unwrap();
    populate(&r, &grads);
    drop(r);
    let bytes = file_bytes(&sealed);
    for s in &secrets {
        assert!(!contains(&bytes, s), "{s} readable in the file");
    }
    // Read with SQLite directly: the lookup columns hold blind indexes, the rows sealed bytes.
    let c = rusqlite::Connection::open(&sealed).unwrap();
    let mut stmt = c
        .prepare("SELECT id_number, typeof(data), typeof(id_number_sealed) FROM registrations")
        .unwrap();
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(rows.len(), grads.len());
    for (idn, data, sealed) in &rows {
        assert_eq!(idn.len(), 64, "{idn}");
        assert!(idn.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!((data.as_str(), sealed.as_str()), ("blob", "blob"));
    }
    for table in [
        "SELECT typeof(entry) FROM audit",
        "SELECT typeof(event) FROM events",
    ] {
        let kinds: Vec<String> = c
            .prepare(table)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(!kinds.is_empty());
        assert!(kinds.iter().all(|k| k == "blob"), "{table}: {kinds:?}");
    }
    let cohorts: Vec<String> = c
        .prepare("SELECT id_number FROM cohorts")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(cohorts.len(), grads.len());
    assert!(cohorts.iter().all(|i| i.len() == 64));
}

#[test]
fn lookups_login_and_verification_work_with_a_key() {
    for kind in persistent_stores() {
        let _on = kind.label();
        lookups_login_and_verification_work_with_a_key_on(kind);
    }
}

fn lookups_login_and_verification_work_with_a_key_on(kind: StoreKind) {
    let path = kind.fresh();
    let grads = cohort(20);
    let r = open(&path, Some(&[1])).unwrap();
    let number = populate(&r, &grads);
    drop(r);
    let r = open(&path, Some(&[1])).unwrap();
    let g = &grads[3];
    let found = r
        .find_by_id_number(&g.basic.id_number.to_ascii_lowercase())
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].basic.as_ref().unwrap().name, g.basic.name);
    let year = found[0].graduation_year().unwrap();
    assert!(r
        .find_by_id_number_in(&g.basic.id_number, year, &g.basic.education_level)
        .unwrap()
        .is_some());
    // The summaries give the ID number itself, not its blind index.
    let all = r.query(&gradreg::Query::default(), day(5, 2)).unwrap();
    assert!(all.iter().any(|s| s.id_number == g.basic.id_number));
    // A graduate logs in by ID number.
    let id = format!("{}:{}", g.basic.school_code, g.basic.student_number);
    let me = Actor::Graduate {
        id_number: g.basic.id_number.clone(),
    };
    r.apply(
        &id,
        &Actor::Chsi,
        &Command::UpdateChsiAccount {
            account: Box::new(g.chsi.clone()),
        },
        day(3, 2),
    )
    .unwrap();
    r.apply(&id, &me, &Command::Login, day(3, 3)).unwrap();
    // A second cohort of the same ID number is still refused (the cohort index is blind too).
    let mut again = g.basic.clone();
    again.student_number = "2022999999".into();
    let e = r
        .apply(
            &format!("{}:{}", again.school_code, again.student_number),
            &school(),
            &Command::UploadBasicInfo {
                info: Arc::new(again),
            },
            day(3, 4),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::DuplicateIdNumber);
    // Online verification by name and number.
    let online = OnlineVerifier::new(r.tables());
    let v = r.verify_online(
        &online,
        &principal_of(&archive_dept()),
        &archive_dept(),
        &grads[0].basic.name,
        &number,
        day(5, 2),
    );
    assert_eq!(v.kind(), VerdictKind::Valid, "{v:?}");
    assert!(r.check_audit().unwrap().intact());
    assert!(!r.events_after(0, 100).unwrap().is_empty());
}

#[test]
fn a_missing_or_wrong_key_is_refused() {
    for kind in persistent_stores() {
        let _on = kind.label();
        a_missing_or_wrong_key_is_refused_on(kind);
    }
}

fn a_missing_or_wrong_key_is_refused_on(kind: StoreKind) {
    let path = kind.fresh();
    let r = open(&path, Some(&[1])).unwrap();
    populate(&r, &cohort(3));
    drop(r);
    let code = |keys: Option<&[u32]>| open(&path, keys).err().map(|e| e.code());
    assert_eq!(code(None), Some(ErrorCode::DataKeyMissing));
    assert_eq!(code(Some(&[2])), Some(ErrorCode::DataKeyWrong));
    // Same id, other bytes.
    let wrong = DataKeyRing::new(vec![DataKey::new(1, [0xAB; 32]).unwrap()]).unwrap();
    let e = path
        .reopen(Policy::jiangsu(), &OpenOptions::new().data_keys(wrong))
        .err()
        .unwrap();
    assert_eq!(e.code(), ErrorCode::DataKeyWrong);
    assert_eq!(e.code().get(), 519);
    // The right key still opens it (nothing was changed by the refusals).
    assert_eq!(open(&path, Some(&[1])).unwrap().store().count().unwrap(), 3);
}

#[test]
fn a_clear_file_is_encrypted_in_place_when_opened_with_a_key() {
    for kind in persistent_stores() {
        let _on = kind.label();
        a_clear_file_is_encrypted_in_place_when_opened_with_a_key_on(kind);
    }
}

fn a_clear_file_is_encrypted_in_place_when_opened_with_a_key_on(kind: StoreKind) {
    let path = kind.fresh();
    let grads = cohort(10);
    let r = open(&path, None).unwrap();
    populate(&r, &grads);
    let id = format!(
        "{}:{}",
        grads[0].basic.school_code, grads[0].basic.student_number
    );
    let before = r.get(&id).unwrap();
    drop(r);
    // A clear file keeps working without keys.
    assert_eq!(open(&path, None).unwrap().store().count().unwrap(), 10);
    let r = open(&path, Some(&[1])).unwrap();
    assert_eq!(r.get(&id).unwrap(), before);
    assert_eq!(
        r.find_by_id_number(&grads[5].basic.id_number)
            .unwrap()
            .len(),
        1
    );
    assert!(r.check_audit().unwrap().intact());
    drop(r);
    if let Some(file) = path.path() {
        // SQLite: none of it is left readable in the file.
        let bytes = file_bytes(&file);
        for s in secrets(&grads) {
            assert!(!contains(&bytes, &s), "{s} still readable");
        }
    }
    assert_eq!(
        open(&path, None).err().map(|e| e.code()),
        Some(ErrorCode::DataKeyMissing)
    );
}

/// Everything readable: every registration, the audit chain, the events, the lookups.
fn all_readable(r: &Registry, grads: &[Graduate]) {
    let mut n = 0;
    r.store()
        .for_each(&mut |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(n, grads.len());
    assert!(r.check_audit().unwrap().intact());
    assert!(!r.events_after(0, 10_000).unwrap().is_empty());
    for g in grads {
        assert_eq!(r.find_by_id_number(&g.basic.id_number).unwrap().len(), 1);
    }
    assert_eq!(
        r.query(&gradreg::Query::default(), day(5, 2))
            .unwrap()
            .len(),
        grads.len()
    );
}

#[test]
fn rotation_reseals_every_row_and_an_interrupted_one_loses_nothing() {
    for kind in persistent_stores() {
        let _on = kind.label();
        rotation_reseals_every_row_and_an_interrupted_one_loses_nothing_on(kind);
    }
}

fn rotation_reseals_every_row_and_an_interrupted_one_loses_nothing_on(kind: StoreKind) {
    let path = kind.fresh();
    let grads = cohort(30);
    let r = open(&path, Some(&[1])).unwrap();
    populate(&r, &grads);
    drop(r);
    // Key 2 added: new writes use it; one batch of the rotation, then "interrupted".
    let r = open(&path, Some(&[1, 2])).unwrap();
    let n = r.rotate_data_key_step(7).unwrap();
    assert!(n > 0);
    drop(r);
    let r = open(&path, Some(&[1, 2])).unwrap();
    all_readable(&r, &grads);
    drop(r);
    // The rows not yet re-sealed need key 1.
    let r = open(&path, Some(&[2])).unwrap();
    let mut refused = None;
    let _ = r
        .store()
        .for_each(&mut |_| Ok(()))
        .map_err(|e| refused = Some(e.code()));
    assert_eq!(refused, Some(ErrorCode::DataKeyWrong));
    drop(r);
    // Finish the rotation; then key 2 alone opens everything.
    let r = open(&path, Some(&[1, 2])).unwrap();
    let rest = r.rotate_data_key(10).unwrap();
    assert!(rest > 0);
    assert_eq!(r.rotate_data_key(10).unwrap(), 0, "nothing left to re-seal");
    drop(r);
    let r = open(&path, Some(&[2])).unwrap();
    all_readable(&r, &grads);
    // And key 1 alone no longer opens the file.
    drop(r);
    assert_eq!(
        open(&path, Some(&[1])).err().map(|e| e.code()),
        Some(ErrorCode::DataKeyWrong)
    );
}

/// Sealing a clear store and re-sealing it lift the audit trail's append-only trigger for their
/// own updates alone: afterwards an edit of an audit record is refused as before.
#[test]
fn the_audit_trail_stays_append_only_after_sealing_and_rotation() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let path = kind.fresh();
        populate(&open(&path, None).unwrap(), &cohort(3));
        let refused = |when: &str| {
            let e = kind
                .sql(&path, "UPDATE audit SET entry = entry WHERE seq = 1")
                .expect_err(when);
            assert!(e.contains("append-only"), "{when}: {e}");
        };
        refused("clear");
        // Opened with keys, the clear store is sealed in place.
        drop(open(&path, Some(&[1])).unwrap());
        refused("sealed");
        let r = open(&path, Some(&[1, 2])).unwrap();
        assert!(r.rotate_data_key(100).unwrap() > 0);
        drop(r);
        refused("re-sealed");
    }
}

#[test]
fn tampered_sealed_values_are_refused() {
    for kind in persistent_stores() {
        let _on = kind.label();
        tampered_sealed_values_are_refused_on(kind);
    }
}

fn tampered_sealed_values_are_refused_on(kind: StoreKind) {
    let path = kind.fresh();
    let grads = cohort(3);
    let r = open(&path, Some(&[1])).unwrap();
    populate(&r, &grads);
    drop(r);
    let id0 = format!("10327:{}", grads[0].basic.student_number);
    let id1 = format!("10327:{}", grads[1].basic.student_number);
    let id2 = format!("10327:{}", grads[2].basic.student_number);
    // A flipped byte in one row, another row's value moved into a third, a clear value.
    let mut blob = kind.row(
        &path,
        "SELECT data FROM registrations WHERE id = ?1",
        &[(&id0).into()],
    )[0]
    .blob()
    .expect("sealed bytes");
    blob[40] ^= 1;
    kind.exec(
        &path,
        "UPDATE registrations SET data = ?2 WHERE id = ?1",
        &[(&id0).into(), (&blob[..]).into()],
    )
    .unwrap();
    kind.exec(
        &path,
        "UPDATE registrations SET data = (SELECT data FROM registrations WHERE id = ?2) WHERE id = ?1",
        &[(&id1).into(), (&id2).into()],
    )
    .unwrap();
    kind.sql(
        &path,
        &format!(
            "{} UPDATE audit SET entry = '{{}}' WHERE seq = 1;",
            kind.drop_audit_guard(AuditGuard::Update)
        ),
    )
    .unwrap();
    let r = open(&path, Some(&[1])).unwrap();
    for id in [&id0, &id1] {
        let e = r.get(id).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Undecryptable, "{id}: {e}");
        assert_eq!(e.code().get(), 520);
    }
    assert!(r.get(&id2).is_ok());
    let e = r.audit(None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Undecryptable);
}

mod props {
    use gradreg::registry::at_rest::{open, row_place, seal};
    use gradreg::ErrorCode;
    use proptest::prelude::*;

    proptest! {
        /// Whatever is sealed opens to itself in its place, and any flipped bit anywhere in the
        /// sealed value (header, nonce, ciphertext or tag) or another place is refused.
        #[test]
        fn seal_open_round_trip_and_tamper_detection(
            plain in proptest::collection::vec(any::<u8>(), 0..300),
            id in "[0-9A-Za-z:]{0,20}",
            other in "[0-9A-Za-z:]{0,20}",
            flip in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let ring = super::ring(&[1, 3]);
            let place = row_place("registrations.data", &id);
            let sealed = seal(&ring, &place, &plain).unwrap();
            prop_assert_eq!(open(&ring, &place, &sealed).unwrap(), plain.clone());
            let mut bad = sealed.clone();
            let i = flip.index(bad.len());
            bad[i] ^= 1 << bit;
            let e = open(&ring, &place, &bad).unwrap_err();
            prop_assert!(
                matches!(e.code(), ErrorCode::Undecryptable | ErrorCode::DataKeyWrong),
                "{:?}", e
            );
            if other != id {
                let moved = open(&ring, &row_place("registrations.data", &other), &sealed);
                prop_assert_eq!(moved.unwrap_err().code(), ErrorCode::Undecryptable);
            }
            // Cut short: refused.
            let cut = open(&ring, &place, &sealed[..sealed.len() - 1]);
            prop_assert!(cut.is_err());
        }
    }
}
