//! The PostgreSQL store against a real server: `GRADREG_TEST_PG_URL` names a database the tests
//! may create databases from (each test makes its own, `t_<pid>_<n>`). Without the variable
//! every test prints a note and passes without running.
#![cfg(feature = "postgres")]

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use common::*;
use gradreg::registry::postgres::{PostgresOptions, PostgresStore, COPY_THRESHOLD};
use gradreg::registry::store::{Commit, Filter, Store};
use gradreg::registry::{AuditKey, DataKey, DataKeyRing, OpenOptions, Registry, RowFault};
use gradreg::{
    sample, AttemptKey, Command, Error, OnlineNumber, OnlineVerifier, Outcome, Policy, Principal,
    TransferNumber, VerdictKind, VerificationNumber,
};

/// A fresh database for one test, or `None` (with a note) when no server is configured.
fn fresh_db(test: &str) -> Option<String> {
    static N: AtomicU32 = AtomicU32::new(0);
    let Ok(base) = std::env::var("GRADREG_TEST_PG_URL") else {
        eprintln!("{test}: skipped, GRADREG_TEST_PG_URL is not set");
        return None;
    };
    let name = format!(
        "t_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let mut c = postgres::Client::connect(&base, postgres::NoTls).expect("the test server");
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (url, query) = match base.split_once('?') {
        Some((u, q)) => (u.to_string(), format!("?{q}")),
        None => (base.clone(), String::new()),
    };
    let (head, _) = url.rsplit_once('/').expect("a URL with a database");
    let url = format!("{head}/{name}{query}");
    add_pg_document_functions(&mut raw(&url));
    Some(url)
}

fn raw(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

fn open(url: &str) -> Registry {
    Registry::open_url(url, Policy::jiangsu(), &OpenOptions::new()).unwrap()
}

fn info(student: &str, seq: u32) -> gradreg::BasicInfo {
    let mut b = sample::basic_info();
    b.student_number = student.into();
    b.id_number = sample::id_number("320102", "20040315", seq, true).unwrap();
    b
}

fn verdict(r: &Registry, name: &str, number: &str) -> VerdictKind {
    let online = OnlineVerifier::new(r.tables());
    let office = archive_dept();
    r.verify_online(
        &online,
        &principal_of(&office),
        &office,
        name,
        number,
        day(5, 2),
    )
    .kind()
}

/// The upload outcome of a registration, as a store commits it.
fn outcome_of(reg: gradreg::Registration) -> Outcome {
    let mem = Registry::in_memory(Policy::national()).unwrap();
    let out = mem
        .apply(
            &reg.id,
            &school(),
            &Command::UploadBasicInfo {
                info: reg.basic.clone().unwrap(),
            },
            day(3, 1),
        )
        .unwrap();
    Outcome {
        registration: reg,
        events: out.events,
        audit: out.audit,
    }
}

#[test]
fn a_registration_round_trips_and_verifies() {
    let Some(url) = fresh_db("round_trip") else {
        return;
    };
    let b = info("p1", 1);
    let (id, number) = {
        let r = open(&url);
        authorize_in(&r, &b)
    };
    let r = open(&url);
    let reg = r.get(&id).unwrap();
    assert_eq!(reg.basic.as_ref().unwrap().id_number, b.id_number);
    assert_eq!(r.store().count().unwrap(), 1);
    assert_eq!(
        r.store().find_by_id_number(&b.id_number).unwrap(),
        vec![id.clone()]
    );
    let compact = VerificationNumber::parse(&number).unwrap();
    assert_eq!(
        r.store().find_by_number(compact.as_compact()).unwrap(),
        Some(id.clone())
    );
    let s = r
        .store()
        .summaries(&Filter {
            school: Some(b.school_code.clone()),
            ..Filter::default()
        })
        .unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].graduation_year, Some(2026));
    assert_eq!(verdict(&r, &b.name, &number), VerdictKind::Valid);
    assert!(r.check_audit().unwrap().intact());
    assert!(r.store().last_event_seq().unwrap() > 0);
    let last = r.store().last_event_seq().unwrap();
    assert_eq!(r.store().ack("mail", last).unwrap(), last);
    assert_eq!(r.store().consumer_cursor("mail").unwrap(), last);
    assert!(r.store().ack("mail", last + 1).is_err());
    assert!(r.store().mark_sent("mail", "x", day(5, 1)).unwrap());
    assert!(!r.store().mark_sent("mail", "x", day(5, 2)).unwrap());
    assert_eq!(r.store().sent_at("mail", "x").unwrap(), Some(day(5, 1)));
    assert_eq!(r.store().record_token("N1", 1, day(5, 1)).unwrap(), 0);
    assert_eq!(r.store().record_token("N2", 1, day(5, 1)).unwrap(), 1);
    assert_eq!(r.store().record_token("N1", 2, day(5, 2)).unwrap(), 0);
    assert_eq!(r.store().signing_keys("N1").unwrap().len(), 2);
    assert_eq!(r.store().status_slots().unwrap().len(), 2);
}

#[test]
fn a_stale_version_is_a_conflict() {
    let Some(url) = fresh_db("conflict") else {
        return;
    };
    let r = open(&url);
    let b = info("p2", 2);
    let id = upload(&r, &b).unwrap();
    let reg = r.get(&id).unwrap();
    let out = outcome_of(reg);
    let e = r
        .store()
        .commit(&[Commit {
            expected_version: 0,
            outcome: &out,
        }])
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Conflict {
                found: 1,
                expected: 0,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.code(), 502);
    let e = r
        .store()
        .commit(&[Commit {
            expected_version: 7,
            outcome: &out,
        }])
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Conflict {
            found: 1,
            expected: 7,
            ..
        }
    ));
    assert_eq!(r.store().audit(None).unwrap().len(), 1, "nothing written");
}

#[test]
fn duplicate_id_numbers_and_transfer_numbers_are_refused() {
    let Some(url) = fresh_db("duplicates") else {
        return;
    };
    let r = open(&url);
    let a = upload(&r, &info("p3", 3)).unwrap();
    let e = upload(&r, &info("p4", 3)).unwrap_err();
    assert_eq!(e, Error::DuplicateIdNumber { other: a.clone() });
    assert_eq!(e.code(), 508);
    // Two registrations claiming one transfer number, at the store.
    let t = TransferNumber::from_entropy(&[5; 16]);
    let mut ra =
        sample::authorized_registration("10327:t1", day(5, 1), 30, [1; 16], Some(t)).unwrap();
    if let Some(bi) = ra.basic.as_mut() {
        Arc::make_mut(bi).id_number = sample::id_number("320102", "20040315", 8, true).unwrap();
    }
    let mut rb =
        sample::authorized_registration("10327:t2", day(5, 1), 30, [2; 16], Some(t)).unwrap();
    if let Some(bi) = rb.basic.as_mut() {
        Arc::make_mut(bi).id_number = sample::id_number("320102", "20040315", 9, true).unwrap();
    }
    let (oa, ob) = (outcome_of(ra), outcome_of(rb));
    let s = r.store();
    s.commit(&[Commit {
        expected_version: 0,
        outcome: &oa,
    }])
    .unwrap();
    let before = s.audit(None).unwrap().len();
    let e = s
        .commit(&[Commit {
            expected_version: 0,
            outcome: &ob,
        }])
        .unwrap_err();
    assert_eq!(
        e,
        Error::DuplicateTransferNumber {
            number: t.to_string(),
            holder: "10327:t1".into()
        }
    );
    assert_eq!(e.code(), 509);
    assert_eq!(s.audit(None).unwrap().len(), before);
    assert_eq!(
        s.find_by_number(t.as_compact()).unwrap().as_deref(),
        Some("10327:t1")
    );
}

#[test]
fn the_audit_log_refuses_edits_and_an_edited_row_is_caught() {
    let Some(url) = fresh_db("tamper") else {
        return;
    };
    let b = info("p5", 5);
    let (id, number) = {
        let r = open(&url);
        let out = authorize_in(&r, &b);
        authorize_in(&r, &info("p6", 6));
        assert!(r.check_audit().unwrap().intact());
        out
    };
    let mut c = raw(&url);
    for sql in [
        "UPDATE audit SET entry = entry WHERE seq = 1",
        "DELETE FROM audit WHERE seq = 1",
        "TRUNCATE audit",
    ] {
        let e = c.batch_execute(sql).unwrap_err();
        assert!(
            e.to_string().contains("append-only") || format!("{e:?}").contains("append-only"),
            "{sql}: {e:?}"
        );
    }
    let n = c
        .execute(
            "UPDATE registrations SET data = doc_pack(replace(doc_text(data), $2, \
             '伪造科技有限公司')) WHERE id = $1",
            &[&id, &"江苏紫金数据科技有限公司"],
        )
        .unwrap();
    assert_eq!(n, 1);
    let r = open(&url);
    let report = r.check_audit().unwrap();
    assert_eq!(report.first_fault, None, "the log itself is whole");
    assert_eq!(report.row_faults.len(), 1, "{report:?}");
    assert_eq!(report.row_faults[0].fault, RowFault::Tampered);
    let r = open(&url);
    assert_eq!(r.get(&id).unwrap_err().code(), 514);
    assert_ne!(verdict(&r, &b.name, &number), VerdictKind::Valid);
    // Damage found: this handle refuses writes.
    assert_eq!(
        upload(&r, &info("p7", 7)).unwrap_err(),
        Error::WritesRefused
    );
}

#[test]
fn a_keyed_chain_opens_only_with_its_key() {
    let Some(url) = fresh_db("keyed") else {
        return;
    };
    let key = AuditKey::new(&[0x42; 32]).unwrap();
    let opts = OpenOptions::new().audit_key(key.clone());
    {
        let r = Registry::open_url(&url, Policy::jiangsu(), &opts).unwrap();
        authorize_in(&r, &info("k1", 11));
        assert!(r.check_audit().unwrap().intact());
    }
    let e = Registry::open_url(&url, Policy::jiangsu(), &OpenOptions::new())
        .err()
        .unwrap();
    assert_eq!(e.code(), 515);
    let wrong = OpenOptions::new().audit_key(AuditKey::new(&[7; 32]).unwrap());
    assert_eq!(
        Registry::open_url(&url, Policy::jiangsu(), &wrong)
            .err()
            .unwrap()
            .code(),
        515
    );
    let r = Registry::open_url(&url, Policy::jiangsu(), &opts).unwrap();
    let report = r.check_audit().unwrap();
    assert!(report.intact(), "{report:?}");
    assert!(r
        .store()
        .audit(None)
        .unwrap()
        .iter()
        .all(|rec| rec.verifies(Some(&key)) && !rec.verifies(None)));
}

#[test]
fn personal_data_is_sealed_and_rotates() {
    let Some(url) = fresh_db("sealed") else {
        return;
    };
    let k1 = DataKey::new(1, [1; 32]).unwrap();
    let ring1 = DataKeyRing::new(vec![k1.clone()]).unwrap();
    let b = info("s1", 21);
    let (id, number) = {
        let r = Registry::open_url(
            &url,
            Policy::jiangsu(),
            &OpenOptions::new().data_keys(ring1.clone()),
        )
        .unwrap();
        authorize_in(&r, &b)
    };
    let mut c = raw(&url);
    let row = c
        .query_one(
            "SELECT get_byte(data, 0), id_number, position(convert_to($2, 'UTF8') in data) \
             FROM registrations WHERE id = $1",
            &[&id, &b.name],
        )
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 1, "sealed");
    assert_ne!(row.get::<_, String>(1), b.id_number, "blind index");
    assert_eq!(row.get::<_, i32>(2), 0, "no clear name");
    let clear_audit: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM audit WHERE get_byte(entry, 0) <> 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(clear_audit, 0);
    let e = Registry::open_url(&url, Policy::jiangsu(), &OpenOptions::new())
        .err()
        .unwrap();
    assert_eq!(e.code(), 518);
    // Rotation: a ring with a newer key reads everything and re-seals it.
    let ring2 = DataKeyRing::new(vec![k1, DataKey::new(2, [2; 32]).unwrap()]).unwrap();
    let r = Registry::open_url(
        &url,
        Policy::jiangsu(),
        &OpenOptions::new().data_keys(ring2.clone()),
    )
    .unwrap();
    assert_eq!(r.get(&id).unwrap().basic.unwrap().id_number, b.id_number);
    assert_eq!(r.find_by_id_number(&b.id_number).unwrap().len(), 1);
    assert_eq!(verdict(&r, &b.name, &number), VerdictKind::Valid);
    while r.store().reseal_step(2).unwrap() > 0 {}
    let old: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM registrations WHERE get_byte(data, 4) <> 2",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(old, 0);
    assert!(r.check_audit().unwrap().intact());
    // A clear store opened with keys is sealed in place.
    let Some(url2) = fresh_db("sealed2") else {
        return;
    };
    let b2 = info("s2", 22);
    let (id2, _) = authorize_in(&open(&url2), &b2);
    let r2 = Registry::open_url(
        &url2,
        Policy::jiangsu(),
        &OpenOptions::new().data_keys(ring2),
    )
    .unwrap();
    assert_eq!(r2.get(&id2).unwrap().basic.unwrap().name, b2.name);
    assert!(r2.check_audit().unwrap().intact());
    let clear: i64 = raw(&url2)
        .query_one(
            "SELECT (SELECT COUNT(*) FROM registrations WHERE get_byte(data, 0) <> 1) \
             + (SELECT COUNT(*) FROM audit WHERE get_byte(entry, 0) <> 1) \
             + (SELECT COUNT(*) FROM events WHERE get_byte(event, 0) <> 1)",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(clear, 0);
}

#[test]
fn racing_attempts_never_get_more_answers_than_the_limit() {
    let Some(url) = fresh_db("race") else {
        return;
    };
    const LIMIT: u32 = 5;
    let store = Arc::new(PostgresStore::connect(&url, PostgresOptions::new()).unwrap());
    let answered = Arc::new(AtomicU32::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            let answered = Arc::clone(&answered);
            std::thread::spawn(move || {
                let principal = Principal::new("archive_dept:race").unwrap();
                let number = OnlineNumber::Verification(VerificationNumber::from_entropy(&[9; 16]));
                for _ in 0..6 {
                    let key = AttemptKey {
                        principal: &principal,
                        number: &number,
                        since: day(5, 1),
                        at: day(5, 2),
                    };
                    // `judge` may be called again under the store's locks; its last call
                    // is the attempt's answer.
                    let mut answer = false;
                    store
                        .online_attempt(&key, &mut |f, c| {
                            assert!(!c.found);
                            answer = f.by_principal_on_number < LIMIT;
                            answer
                        })
                        .unwrap();
                    if answer {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(answered.load(Ordering::SeqCst), LIMIT);
}

/// `count` uploads of distinct graduates, as outcomes a store commits.
fn uploads(count: u32, year: i32) -> Vec<Outcome> {
    (0..count)
        .map(|i| {
            let mut b = synthetic_basic(i);
            b.graduation_date = format!("{year}-06-30");
            b.enrolment_date = format!("{}-09-01", year - 4);
            let mem = Registry::in_memory(Policy::national()).unwrap();
            mem.apply(
                &format!("{}:{}", b.school_code, b.student_number),
                &school(),
                &Command::UploadBasicInfo { info: Arc::new(b) },
                day(3, 1),
            )
            .unwrap()
        })
        .collect()
}

#[test]
fn a_copied_batch_equals_row_by_row_commits_and_makes_its_partition() {
    let (Some(a), Some(b)) = (fresh_db("copy_a"), fresh_db("copy_b")) else {
        return;
    };
    let outs = uploads(COPY_THRESHOLD as u32 + 44, 2031);
    let sa = PostgresStore::connect(&a, PostgresOptions::new()).unwrap();
    let sb = PostgresStore::connect(&b, PostgresOptions::new()).unwrap();
    let batch: Vec<Commit<'_>> = outs
        .iter()
        .map(|o| Commit {
            expected_version: 0,
            outcome: o,
        })
        .collect();
    sa.commit(&batch).unwrap();
    for c in &batch {
        sb.commit(std::slice::from_ref(c)).unwrap();
    }
    assert_eq!(sa.count().unwrap(), outs.len() as u64);
    assert_eq!(
        sa.summaries(&Filter::default()).unwrap(),
        sb.summaries(&Filter::default()).unwrap()
    );
    assert_eq!(sa.audit(None).unwrap(), sb.audit(None).unwrap());
    assert_eq!(sa.audit_head().unwrap(), sb.audit_head().unwrap());
    assert_eq!(
        sa.events_after(0, 10_000).unwrap(),
        sb.events_after(0, 10_000).unwrap()
    );
    let rows = |s: &PostgresStore| {
        let mut v = Vec::new();
        s.stored_rows(&mut |r| {
            v.push(r);
            Ok(())
        })
        .unwrap();
        v
    };
    assert_eq!(rows(&sa), rows(&sb));
    let ra = Registry::with_store(Box::new(sa), Policy::national()).unwrap();
    assert!(ra.check_audit().unwrap().intact());
    // The year has its own partition, holding every row.
    let n: i64 = raw(&a)
        .query_one("SELECT COUNT(*) FROM registrations_y2031", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, outs.len() as u64 as i64);
    // A second copied batch holding a taken cohort is refused like a row-by-row one.
    let again = uploads(COPY_THRESHOLD as u32, 2031);
    let mut renamed = again.clone();
    for o in &mut renamed {
        o.registration.id.push('x');
        o.audit.registration_id.push('x');
    }
    let batch: Vec<Commit<'_>> = renamed
        .iter()
        .map(|o| Commit {
            expected_version: 0,
            outcome: o,
        })
        .collect();
    let e = ra.store().commit(&batch).unwrap_err();
    assert_eq!(e.code(), 508, "{e:?}");
    assert_eq!(ra.store().count().unwrap(), outs.len() as u64);
}

#[test]
fn an_unreachable_server_has_its_own_code() {
    let e = PostgresStore::connect(
        "postgres://nobody@127.0.0.1:9/none?connect_timeout=2",
        PostgresOptions::new(),
    )
    .err()
    .unwrap();
    assert_eq!(e.code(), 521, "{e:?}");
    let e = PostgresStore::connect("postgres://[bad", PostgresOptions::new())
        .err()
        .unwrap();
    assert_eq!(e.code(), 103, "{e:?}");
}
