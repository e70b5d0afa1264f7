//! One ID number in several cohorts, unique transfer numbers, the transfer number and the hukou
//! section, one name normalization, and verifications that leave their trace — over the memory
//! and the SQLite store.

mod common;

use std::sync::Arc;

use common::*;
use gradreg::registry::sqlite::SqliteStore;
use gradreg::registry::Registry;
use gradreg::{
    sample, Actor, CohortKey, Command, Error, EventKind, ImportMode, OnlineVerifier, Policy,
    TransferNumber, VerdictKind,
};

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "gradreg-cohorts-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Basic information of graduate `seq` (its own ID number), finishing `level` in `year`.
fn info(student: &str, seq: u32, year: i32, level: &str) -> gradreg::BasicInfo {
    let mut b = sample::basic_info();
    b.student_number = student.into();
    b.id_number = sample::id_number("320102", "20040315", seq, true).unwrap();
    b.education_level = level.into();
    b.enrolment_date = format!("{}-09-01", year - 4);
    b.graduation_date = format!("{year}-06-30");
    b
}

/// Walks an uploaded graduate to an authorization, with `data` reported and the CHSI account
/// in the name `chsi_name`.
fn walk(r: &Registry, id: &str, b: &gradreg::BasicInfo, data: gradreg::DestinationData) {
    walk_named(r, id, b, data, &b.name)
}

fn walk_named(
    r: &Registry,
    id: &str,
    b: &gradreg::BasicInfo,
    data: gradreg::DestinationData,
    chsi_name: &str,
) {
    let g = Actor::Graduate {
        id_number: b.id_number.clone(),
    };
    let mut acct = sample::chsi_account();
    acct.id_number = b.id_number.clone();
    acct.name = chsi_name.into();
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

fn with_transfer(t: TransferNumber) -> gradreg::DestinationData {
    let mut data = sample::destination_data();
    data.archive.as_mut().unwrap().transfer_number = Some(t.to_string());
    data
}

fn cohort(year: i32, level: &str) -> Option<CohortKey> {
    Some(CohortKey {
        graduation_year: year,
        education_level: level.into(),
    })
}

/// A bachelor in 2024 and a master in 2026 under one ID number: both kept, every lookup says
/// which, and a second registration of the same cohort is still refused.
#[test]
fn one_id_number_holds_several_cohorts() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let bachelor = info("b2020", 1, 2024, "31");
        let mut master = info("m2024", 1, 2026, "11");
        master.enrolment_date = "2023-09-01".into();
        let a = upload(&r, &bachelor).unwrap();
        let b = upload(&r, &master).unwrap_or_else(|e| panic!("{name}: {e}"));
        let found = r
            .find_by_id_number(&bachelor.id_number.to_lowercase())
            .unwrap();
        let keys: Vec<_> = found.iter().map(|g| (g.id.clone(), g.cohort())).collect();
        assert_eq!(
            keys,
            vec![
                (b.clone(), cohort(2026, "11")),
                (a.clone(), cohort(2024, "31"))
            ],
            "{name}: newest first"
        );
        let one = r
            .find_by_id_number_in(&bachelor.id_number, 2024, "31")
            .unwrap()
            .unwrap();
        assert_eq!(one.id, a, "{name}");
        assert!(r
            .find_by_id_number_in(&bachelor.id_number, 2025, "31")
            .unwrap()
            .is_none());
        // Same ID number, same cohort, another key: refused, naming the holder.
        let twin = info("b2020x", 1, 2024, "31");
        assert_eq!(
            upload(&r, &twin).unwrap_err(),
            Error::DuplicateIdNumber { other: a.clone() },
            "{name}"
        );
        // The roster import keys by cohort too.
        let rep = r
            .upload_batch(
                &[(
                    "10327:m-again".to_string(),
                    Arc::new(info("m-again", 1, 2026, "11")),
                )],
                &school(),
                day(3, 4),
                false,
            )
            .unwrap();
        assert!(
            matches!(&rep[0], gradreg::UploadResult::Refused { error: Error::DuplicateIdNumber { other } } if other == &b),
            "{name}: {rep:?}"
        );
        assert_eq!(r.store().count().unwrap(), 2, "{name}");
    }
}

/// A file written before cohorts kept a unique index on the ID number alone; opening it
/// migrates the index, and the cohorts it already holds stay unique.
#[test]
fn an_older_sqlite_file_is_migrated_on_open() {
    let path = tempdir().join("old.db");
    let bachelor = info("b2020", 1, 2024, "31");
    let a = {
        let r = Registry::open(&path, Policy::jiangsu()).unwrap();
        upload(&r, &bachelor).unwrap()
    };
    // Make the file look as the previous release wrote it.
    SqliteStore::open(&path)
        .unwrap()
        .execute_raw(
            "DROP INDEX registrations_id_number; \
             CREATE UNIQUE INDEX registrations_id_number ON registrations(id_number) WHERE id_number <> ''; \
             DELETE FROM cohorts;",
        )
        .unwrap();
    let r = Registry::open(&path, Policy::jiangsu()).unwrap();
    let mut master = info("m2024", 1, 2026, "11");
    master.enrolment_date = "2023-09-01".into();
    upload(&r, &master).unwrap();
    assert_eq!(
        upload(&r, &info("b2020x", 1, 2024, "31")).unwrap_err(),
        Error::DuplicateIdNumber { other: a }
    );
    assert_eq!(r.find_by_id_number(&bachelor.id_number).unwrap().len(), 2);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A transfer number reported for a second graduate is refused with the holder's key — in
/// `apply`, `apply_batch` and the destination import — and the genuine graduate's check still
/// answers.
#[test]
fn a_duplicate_transfer_number_is_refused_and_never_re_points() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let ga = info("2001", 1, 2026, "31");
        let gb = info("2002", 2, 2026, "31");
        let gc = info("2003", 3, 2026, "31");
        let a = upload(&r, &ga).unwrap();
        let b = upload(&r, &gb).unwrap();
        let c = upload(&r, &gc).unwrap();
        let t = TransferNumber::from_entropy(&[3; 16]);
        walk(&r, &a, &ga, with_transfer(t));
        let dup = Error::DuplicateTransferNumber {
            number: t.to_string(),
            holder: a.clone(),
        };
        let e = r
            .apply(&b, &platform(), &report(with_transfer(t)), day(4, 22))
            .unwrap_err();
        assert_eq!(e, dup, "{name}");
        assert_eq!(e.code(), 509);
        // In a batch: that command is refused, the others commit.
        let other = TransferNumber::from_entropy(&[9; 16]);
        let res = r
            .apply_batch(
                &[
                    (b.clone(), platform(), report(with_transfer(t))),
                    (c.clone(), platform(), report(with_transfer(other))),
                    (b.clone(), platform(), report(with_transfer(other))),
                ],
                day(4, 22),
            )
            .unwrap();
        assert_eq!(res[0].as_ref().unwrap_err(), &dup, "{name}");
        assert!(res[1].is_ok(), "{name}: {:?}", res[1]);
        assert_eq!(
            res[2].as_ref().unwrap_err(),
            &Error::DuplicateTransferNumber {
                number: other.to_string(),
                holder: c.clone(),
            },
            "{name}: claimed earlier in the batch"
        );
        assert!(r.get(&b).unwrap().destination.is_none(), "{name}");
        // The destination import refuses the row with the same error.
        let mut fake = r.get(&b).unwrap();
        fake.destination = Some(Arc::new(with_transfer(t)));
        let mut csv = Vec::new();
        gradreg::registry::write_records_csv([&fake], day(4, 22), &mut csv).unwrap();
        let rep = r
            .import_destinations(
                &csv,
                &gradreg::roster::RosterOptions::default(),
                ImportMode::GoodRows,
                &platform(),
                day(4, 23),
            )
            .unwrap();
        assert_eq!(rep.reported, 0, "{name}: {:?}", rep.problems);
        assert_eq!(rep.refused.len(), 1, "{name}: {:?}", rep.problems);
        assert_eq!(rep.refused[0].error, dup, "{name}");
        assert_eq!(rep.refused[0].registration, b, "{name}");
        // A corrected number frees the old one: c's `other` becomes another, and b may take it.
        let third = TransferNumber::from_entropy(&[11; 16]);
        r.apply(&c, &platform(), &report(with_transfer(third)), day(4, 24))
            .unwrap();
        r.apply(&b, &platform(), &report(with_transfer(other)), day(4, 24))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            r.store().find_by_number(other.as_compact()).unwrap(),
            Some(b.clone()),
            "{name}"
        );
        // The genuine graduate's archive check by transfer number still answers valid.
        let online = OnlineVerifier::new(r.tables());
        let v = r.verify_online(
            &online,
            &principal_of(&archive_dept()),
            &archive_dept(),
            &ga.name,
            &t.to_string(),
            day(5, 2),
        );
        assert_eq!(v.kind(), VerdictKind::Valid, "{name}: {v:?}");
    }
}

/// A transfer number identifies an archive transfer only: a hukou office checking with it gets
/// `wrong_section`, before any lookup and without a failure counted.
#[test]
fn a_transfer_number_never_opens_the_hukou_section() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let g = info("s1", 1, 2026, "31");
        let id = upload(&r, &g).unwrap();
        let t = TransferNumber::from_entropy(&[5; 16]);
        walk(&r, &id, &g, with_transfer(t));
        let mut online = OnlineVerifier::new(r.tables());
        online.limit = 1;
        let unknown = TransferNumber::from_entropy(&[6; 16]);
        for number in [t, unknown, t] {
            let v = r.verify_online(
                &online,
                &principal_of(&hukou_dept()),
                &hukou_dept(),
                &g.name,
                &number.to_string(),
                day(5, 2),
            );
            assert_eq!(v.kind(), VerdictKind::WrongSection, "{name}: {v:?}");
        }
        // The hukou section itself opens with the verification number; no failure was counted.
        let number = r.get(&id).unwrap().authorizations[0].number.to_string();
        let v = r.verify_online(
            &online,
            &principal_of(&hukou_dept()),
            &hukou_dept(),
            &g.name,
            &number,
            day(5, 2),
        );
        assert_eq!(v.kind(), VerdictKind::Valid, "{name}: {v:?}");
        assert!(v.disclosure().unwrap().hukou.is_some());
    }
}

/// A minority name written with another middle dot logs in and verifies, online and scanned.
#[test]
fn a_minority_name_with_another_dot_logs_in_and_verifies() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let mut g = info("s1", 1, 2026, "31");
        g.name = "买买提·艾力".into();
        let id = upload(&r, &g).unwrap();
        // CHSI spells the name with a bullet; login compares through the same normalization.
        walk_named(
            &r,
            &id,
            &g,
            sample::destination_data(),
            "买买提\u{2022}艾力",
        );
        let number = r.get(&id).unwrap().authorizations[0].number.to_string();
        let online = OnlineVerifier::new(r.tables());
        for spelling in [
            "买买提\u{318D}艾力",
            "买买提\u{16EB}艾力",
            "买买提\u{0387}艾力",
            " 买买提・艾力 ",
        ] {
            let v = r.verify_online(
                &online,
                &principal_of(&archive_dept()),
                &archive_dept(),
                spelling,
                &number,
                day(5, 2),
            );
            assert_eq!(v.kind(), VerdictKind::Valid, "{name} {spelling:?}: {v:?}");
        }
    }
}

/// A valid answer is recorded in the same call: an audit entry and the `form_verified` event
/// to the graduate naming the department. When the trace cannot be recorded the answer is
/// `indeterminate`, never `valid`.
#[test]
fn a_successful_verification_leaves_its_trace() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let g = info("s1", 1, 2026, "31");
        let id = upload(&r, &g).unwrap();
        walk(&r, &id, &g, sample::destination_data());
        let number = r.get(&id).unwrap().authorizations[0].number.to_string();
        let audit_before = r.audit(Some(&id)).unwrap().len();
        let events_before = r.events_after(0, 10_000).unwrap().len();
        let online = OnlineVerifier::new(r.tables());
        let v = r.verify_online(
            &online,
            &principal_of(&archive_dept()),
            &archive_dept(),
            &g.name,
            &number,
            day(5, 2),
        );
        assert_eq!(v.kind(), VerdictKind::Valid, "{name}: {v:?}");
        let audit = r.audit(Some(&id)).unwrap();
        assert_eq!(audit.len(), audit_before + 1, "{name}");
        let entry = audit.last().unwrap().entry().unwrap();
        assert_eq!(entry.at, day(5, 2), "{name}");
        assert!(
            entry.summary.contains("南京市人才服务中心"),
            "{name}: {}",
            entry.summary
        );
        let events = r.events_after(0, 10_000).unwrap();
        assert_eq!(events.len(), events_before + 1, "{name}");
        assert_eq!(
            events.last().unwrap().1.kind,
            EventKind::FormVerified,
            "{name}"
        );
        // A failed check records no trace beyond the failure count.
        let v = r.verify_online(
            &online,
            &principal_of(&archive_dept()),
            &archive_dept(),
            "李四",
            &number,
            day(5, 2),
        );
        assert_eq!(v.kind(), VerdictKind::NoMatch);
        assert_eq!(
            r.audit(Some(&id)).unwrap().len(),
            audit_before + 1,
            "{name}"
        );
    }
    // A store that cannot record: the answer is indeterminate.
    let dir = tempdir();
    let r = Registry::open(dir.join("trace.db"), Policy::jiangsu()).unwrap();
    let g = info("s1", 1, 2026, "31");
    let id = upload(&r, &g).unwrap();
    walk(&r, &id, &g, sample::destination_data());
    let reg = r.get(&id).unwrap();
    let auth = reg.authorizations[0].clone();
    let number = auth.number.to_string();
    // A scanned form leaves its trace too.
    let mut ring = gradreg::KeyRing::new();
    ring.add_active(gradreg::Key::hmac(
        gradreg::KeyId(1),
        &(0..32u8)
            .map(|i| i.wrapping_mul(31) ^ 0x3c)
            .collect::<Vec<_>>(),
    ))
    .unwrap();
    let disclosure = gradreg::Disclosure::build(
        &reg,
        &auth,
        gradreg::Section::Archive,
        r.tables(),
        gradreg::Masking::default(),
    )
    .unwrap();
    let token =
        gradreg::issue_token(&ring, &auth, &disclosure, &gradreg::IssueOptions::default()).unwrap();
    let scan_opts = gradreg::ScanOptions::default();
    let before = r.audit(None).unwrap().len();
    let scan = r.verify_token(&token, &ring, &archive_dept(), day(5, 2), &scan_opts);
    assert_eq!(
        scan.verdict.kind(),
        VerdictKind::Valid,
        "{:?}",
        scan.verdict
    );
    assert_eq!(r.audit(None).unwrap().len(), before + 1);
    let before = r.audit(None).unwrap().len();
    SqliteStore::open(dir.join("trace.db"))
        .unwrap()
        .execute_raw(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit \
             BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END;",
        )
        .unwrap();
    let online = OnlineVerifier::new(r.tables());
    let v = r.verify_online(
        &online,
        &principal_of(&archive_dept()),
        &archive_dept(),
        &g.name,
        &number,
        day(5, 2),
    );
    assert_eq!(v.kind(), VerdictKind::Indeterminate, "{v:?}");
    let scan = r.verify_token(&token, &ring, &archive_dept(), day(5, 2), &scan_opts);
    assert_eq!(scan.verdict.kind(), VerdictKind::Indeterminate);
    assert_eq!(scan.failed_at, Some(gradreg::Step::Status));
    assert_eq!(r.audit(None).unwrap().len(), before);
    let _ = std::fs::remove_dir_all(dir);
}
