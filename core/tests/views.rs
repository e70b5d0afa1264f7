//! The verification views: online verification reads a small row per authorized registration,
//! bound to the audit record that wrote the registration. An edited, replayed or moved view is
//! refused (the answer is `Indeterminate`) and found by the full check; a view follows its
//! registration in the same commit; an unknown number reads a decoy view through the same
//! checks; views are sealed with the data keys; a store written before views gains them on open.
//!
//! Every test runs on the stores that keep views (SQLite, and PostgreSQL when
//! `GRADREG_TEST_PG_URL` is set) through `common::stores`, with SQL in both dialects.

mod common;

use common::*;
use gradreg::registry::{OpenOptions, Registry};
use gradreg::{sample, Command, OnlineVerifier, Policy, VerdictKind, VerificationNumber};

fn info(student: &str, seq: u32) -> gradreg::BasicInfo {
    let mut b = sample::basic_info();
    b.student_number = student.into();
    b.id_number = sample::id_number("320102", "20040315", seq, true).unwrap();
    b
}

/// Two authorized graduates (ids `10327:t1` and `10327:t2`, both named 张明) on a new store of
/// `kind`; returns the registry, the store and their keys and numbers.
fn populated(kind: StoreKind, options: &OpenOptions) -> (Registry, Handle, Vec<(String, String)>) {
    let (r, store) = kind.open(Policy::jiangsu(), options);
    let out = vec![
        authorize_in(&r, &info("t1", 1)),
        authorize_in(&r, &info("t2", 2)),
    ];
    (r, store, out)
}

/// The verdict of `name` with `number` (archive section, 2 May), from a fresh principal.
fn verdict_as(r: &Registry, name: &str, number: &str, who: &str) -> VerdictKind {
    let online = OnlineVerifier::new(r.tables());
    let office = archive_dept();
    r.verify_with_principal(&online, who, &office, name, number)
}

trait VerifyAs {
    fn verify_with_principal(
        &self,
        online: &OnlineVerifier<'_>,
        who: &str,
        office: &gradreg::Actor,
        name: &str,
        number: &str,
    ) -> VerdictKind;
}

impl VerifyAs for Registry {
    fn verify_with_principal(
        &self,
        online: &OnlineVerifier<'_>,
        who: &str,
        office: &gradreg::Actor,
        name: &str,
        number: &str,
    ) -> VerdictKind {
        let p = gradreg::Principal::new(who).unwrap();
        online
            .verify_with(&p, office, name, number, day(5, 2), self)
            .kind()
    }
}

fn verdict(r: &Registry, number: &str) -> VerdictKind {
    verdict_as(r, "张明", number, "office")
}

/// A view row as stored: audit seq, view (text), MAC.
fn view_row(kind: StoreKind, store: &Handle, id: &str) -> Option<(i64, String, Vec<u8>)> {
    let rows = kind
        .rows(
            store,
            &format!(
                "SELECT audit_seq, {}, mac FROM verification_views WHERE registration_id = ?1",
                kind.doc_text("view")
            ),
            &[id.into()],
        )
        .unwrap();
    rows.into_iter()
        .next()
        .map(|r| (r[0].int(), r[1].text(), r[2].blob().unwrap()))
}

fn put_view_row(kind: StoreKind, store: &Handle, id: &str, row: &(i64, String, Vec<u8>)) {
    let n = kind
        .exec(
            store,
            &format!(
                "UPDATE verification_views SET audit_seq = ?2, view = {}, mac = ?4 \
                 WHERE registration_id = ?1",
                kind.doc_from_text("?3")
            ),
            &[
                id.into(),
                row.0.into(),
                (&row.1).into(),
                (&row.2[..]).into(),
            ],
        )
        .unwrap();
    assert_eq!(n, 1);
}

/// Renames the graduate in the stored view of `id` (张明 → 李四) and writes it back with the MAC
/// that anyone without the audit key can compute: keyed by nothing, bound to the hash of the
/// view's audit record as read through `r`.
fn forge_view(kind: StoreKind, store: &Handle, r: &Registry, id: &str) {
    let (seq, view, _) = view_row(kind, store, id).unwrap();
    let forged = view.replace("张明", "李四");
    let hash = r
        .audit(Some(id))
        .unwrap()
        .into_iter()
        .find(|a| a.seq == seq as u64)
        .unwrap()
        .hash;
    let mac = gradreg::registry::view::view_mac(None, &hash, forged.as_bytes());
    put_view_row(kind, store, id, &(seq, forged, mac.to_vec()));
}

/// After a view was tampered with: `number` answers `Indeterminate` on the store opened afresh,
/// and the full check (on another fresh open) is not intact; returns its report.
fn refused_and_found(store: &Handle, number: &str) -> gradreg::registry::ChainReport {
    let r = store.reopen_default();
    assert_eq!(verdict(&r, number), VerdictKind::Indeterminate);
    let report = store.reopen_default().check_audit().unwrap();
    assert!(!report.intact(), "{report:?}");
    report
}

fn newest_seq(kind: StoreKind, store: &Handle, id: &str) -> i64 {
    kind.row(
        store,
        "SELECT MAX(seq) FROM audit WHERE registration_id = ?1",
        &[id.into()],
    )[0]
    .int()
}

#[test]
fn each_authorized_registration_has_a_view_bound_to_its_newest_record() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let (r, store, graduates) = populated(kind, &OpenOptions::new());
        for (id, number) in &graduates {
            let (seq, view, _) = view_row(kind, &store, id).expect("a view");
            assert_eq!(seq, newest_seq(kind, &store, id));
            let reg = r.get(id).unwrap();
            assert_eq!(
                view.as_bytes(),
                &gradreg::registry::view::view_of(&reg).unwrap()[..]
            );
            assert_eq!(verdict(&r, number), VerdictKind::Valid);
        }
        // A registration without an authorization has none.
        let b = info("t3", 3);
        let id = format!("{}:{}", b.school_code, b.student_number);
        r.apply(
            &id,
            &school(),
            &Command::UploadBasicInfo {
                info: std::sync::Arc::new(b),
            },
            day(3, 1),
        )
        .unwrap();
        assert!(view_row(kind, &store, &id).is_none());
        assert!(r.check_audit().unwrap().intact());
    }
}

#[test]
fn an_edited_view_is_refused_and_found_by_the_full_check() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let (_, store, graduates) = populated(kind, &OpenOptions::new());
        let (id, number) = &graduates[0];
        kind.exec(
            &store,
            &format!(
                "UPDATE verification_views SET view = {} WHERE registration_id = ?1",
                kind.doc_replace("view", "'张明'", "'李四'")
            ),
            &[id.into()],
        )
        .unwrap();
        let r = store.reopen_default();
        assert_eq!(
            verdict_as(&r, "李四", number, "a"),
            VerdictKind::Indeterminate
        );
        let report = refused_and_found(&store, number);
        assert!(report.row_faults.iter().any(|p| &p.registration_id == id));
        // The other graduate still verifies.
        let r = store.reopen_default();
        assert_eq!(verdict(&r, &graduates[1].1), VerdictKind::Valid);
    }
}

#[test]
fn an_edited_view_with_a_recomputed_mac_is_found_by_the_full_check() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let (r, store, graduates) = populated(kind, &OpenOptions::new());
        let (id, number) = &graduates[0];
        // Without an audit key anyone can recompute the MAC of an edited view ...
        forge_view(kind, &store, &r, id);
        let r = store.reopen_default();
        assert_eq!(verdict_as(&r, "李四", number, "a"), VerdictKind::Valid);
        // ... but the full check compares every view with its registration.
        let report = r.check_audit().unwrap();
        assert!(!report.intact(), "{report:?}");
        assert!(report.row_faults.iter().any(|p| &p.registration_id == id));
    }
}

#[test]
fn a_keyed_chain_refuses_a_recomputed_mac() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let key = gradreg::registry::AuditKey::new(&[0x42; 32]).unwrap();
        let options = OpenOptions::new().audit_key(key.clone());
        let (r, store, graduates) = populated(kind, &options);
        let (id, number) = &graduates[0];
        assert_eq!(verdict(&r, number), VerdictKind::Valid);
        // The MAC a forger without the key can compute.
        forge_view(kind, &store, &r, id);
        let r = store.reopen(Policy::jiangsu(), &options).unwrap();
        assert_eq!(
            verdict_as(&r, "李四", number, "a"),
            VerdictKind::Indeterminate
        );
        let r = store.reopen(Policy::jiangsu(), &options).unwrap();
        assert!(!r.check_audit().unwrap().intact());
    }
}

#[test]
fn an_older_view_put_back_is_refused() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let (r, store, graduates) = populated(kind, &OpenOptions::new());
        let (id, number) = &graduates[0];
        let old = view_row(kind, &store, id).unwrap();
        // A change of the registration: its view follows in the same commit.
        let g = gradreg::Actor::Graduate {
            id_number: info("t1", 1).id_number,
        };
        let n = VerificationNumber::parse(number).unwrap();
        r.apply(
            id,
            &g,
            &Command::RevokeAuthorization { number: n },
            day(5, 2),
        )
        .unwrap();
        let new = view_row(kind, &store, id).unwrap();
        assert_eq!(new.0, newest_seq(kind, &store, id));
        assert_ne!(new.0, old.0);
        assert_eq!(verdict(&r, number), VerdictKind::Revoked);
        // The older view, with its own (once right) MAC, put back.
        put_view_row(kind, &store, id, &old);
        refused_and_found(&store, number);
    }
}

#[test]
fn a_view_moved_to_another_registration_is_refused() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let (r, store, graduates) = populated(kind, &OpenOptions::new());
        let (first, _) = &graduates[0];
        let (second, number) = &graduates[1];
        assert_eq!(verdict(&r, number), VerdictKind::Valid);
        let moved = view_row(kind, &store, first).unwrap();
        put_view_row(kind, &store, second, &moved);
        let report = refused_and_found(&store, number);
        assert!(report
            .row_faults
            .iter()
            .any(|p| &p.registration_id == second));
    }
}

#[test]
fn a_registration_that_loses_its_authorizations_loses_its_view_in_the_same_commit() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let (r, store, graduates) = populated(kind, &OpenOptions::new());
        let (id, number) = &graduates[0];
        // The registry never drops an authorization; a store can be given such a state.
        let reg = r.get(id).unwrap();
        let g = gradreg::Actor::Graduate {
            id_number: info("t1", 1).id_number,
        };
        let ctx = gradreg::Context::new(day(5, 2), r.policy());
        let mut out = gradreg::apply(&reg, &g, &Command::Login, &ctx).unwrap();
        out.registration.authorizations.clear();
        r.store()
            .commit(&[gradreg::registry::Commit {
                expected_version: reg.version,
                outcome: &out,
            }])
            .unwrap();
        assert!(view_row(kind, &store, id).is_none());
        // What verification answered before views for a registration without authorizations.
        assert_eq!(verdict(&r, number), VerdictKind::NoMatch);
        // The full check finds only the number left in the index (the registry never makes
        // this state), not the view.
        let report = r.check_audit().unwrap();
        assert!(
            report
                .row_faults
                .iter()
                .all(|p| p.fault == gradreg::registry::RowFault::NumberStray),
            "{report:?}"
        );
        assert_eq!(verdict(&r, &graduates[1].1), VerdictKind::Valid);
    }
}

#[test]
fn an_unknown_number_reads_the_decoy_view_through_the_same_checks() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let (r, store, graduates) = populated(kind, &OpenOptions::new());
        let unknown = VerificationNumber::from_entropy(&[9; 16]).to_string();
        // An unknown number answers NoMatch and records a failure.
        let mut online = OnlineVerifier::new(r.tables());
        online.limit = 1;
        let p = gradreg::Principal::new("guesser").unwrap();
        let office = archive_dept();
        let v = online.verify_with(&p, &office, "张明", &unknown, day(5, 2), &r);
        assert_eq!(v.kind(), VerdictKind::NoMatch);
        let v = online.verify_with(&p, &office, "张明", &graduates[1].1, day(5, 2), &r);
        assert_eq!(v.kind(), VerdictKind::RateLimited);
        // The decoy (the first view stored, 10327:t1's) is checked as a found view is.
        kind.exec(
            &store,
            "UPDATE verification_views SET mac = ?2 WHERE registration_id = ?1",
            &[(&graduates[0].0).into(), (&[0u8; 32][..]).into()],
        )
        .unwrap();
        let r = store.reopen_default();
        assert_eq!(verdict(&r, &unknown), VerdictKind::Indeterminate);
    }
}

#[test]
fn views_are_sealed_with_the_data_keys_and_resealed_on_rotation() {
    use gradreg::registry::{DataKey, DataKeyRing};
    let ring = |ids: &[u32]| {
        DataKeyRing::new(
            ids.iter()
                .map(|i| DataKey::new(*i, [*i as u8 * 17; 32]).unwrap())
                .collect(),
        )
        .unwrap()
    };
    for kind in persistent_stores() {
        let _on = kind.label();
        let (r, store, graduates) = populated(kind, &OpenOptions::new().data_keys(ring(&[1])));
        let (id, number) = &graduates[0];
        assert_eq!(verdict(&r, number), VerdictKind::Valid);
        let sealed = kind.row(
            &store,
            "SELECT view FROM verification_views WHERE registration_id = ?1",
            &[id.into()],
        )[0]
        .blob()
        .unwrap();
        let name = "张明".as_bytes();
        assert!(
            !sealed.windows(name.len()).any(|w| w == name),
            "the name is in clear"
        );
        drop(r);
        // A new key: rotation re-seals the views too, and the old key is no longer needed.
        let r = store
            .reopen(
                Policy::jiangsu(),
                &OpenOptions::new().data_keys(ring(&[1, 2])),
            )
            .unwrap();
        r.rotate_data_key(100).unwrap();
        drop(r);
        let r = store
            .reopen(Policy::jiangsu(), &OpenOptions::new().data_keys(ring(&[2])))
            .unwrap();
        assert_eq!(verdict(&r, number), VerdictKind::Valid);
        assert!(r.check_audit().unwrap().intact());
    }
}

#[test]
fn a_store_written_before_views_gains_them_on_open() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let (r, store, graduates) = populated(kind, &OpenOptions::new());
        drop(r);
        kind.sql(
            &store,
            "DROP TABLE verification_views; DELETE FROM meta WHERE key = 'views'",
        )
        .unwrap();
        let r = store.reopen_default();
        for (id, number) in &graduates {
            let (seq, _, _) = view_row(kind, &store, id).expect("a view");
            assert_eq!(seq, newest_seq(kind, &store, id));
            assert_eq!(verdict(&r, number), VerdictKind::Valid);
        }
        assert!(r.check_audit().unwrap().intact());
        // Opened again, nothing is redone: a view removed since stays removed (and is found).
        kind.exec(
            &store,
            "DELETE FROM verification_views WHERE registration_id = ?1",
            &[(&graduates[0].0).into()],
        )
        .unwrap();
        let r = store.reopen_default();
        assert_eq!(verdict(&r, &graduates[0].1), VerdictKind::NoMatch);
        assert!(!r.check_audit().unwrap().intact());
    }
}

/// Views of the first format (JSON, views version 1) are rebuilt on open, once: each is
/// replaced by the current view of its registration, bound to its newest record, and verifies.
#[test]
fn views_of_an_older_format_are_rebuilt_on_open() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let (r, store, graduates) = populated(kind, &OpenOptions::new());
        drop(r);
        for (id, _) in &graduates {
            let (seq, _, mac) = view_row(kind, &store, id).unwrap();
            put_view_row(
                kind,
                &store,
                id,
                &(seq, format!("{{\"id\":\"{id}\"}}"), mac),
            );
        }
        kind.exec(
            &store,
            "UPDATE meta SET value = '1' WHERE key = 'views'",
            &[],
        )
        .unwrap();
        let r = store.reopen_default();
        for (id, number) in &graduates {
            let (seq, view, _) = view_row(kind, &store, id).expect("a view");
            assert_eq!(seq, newest_seq(kind, &store, id));
            assert_eq!(
                view.as_bytes(),
                &gradreg::registry::view::view_of(&r.get(id).unwrap()).unwrap()[..]
            );
            assert_eq!(verdict(&r, number), VerdictKind::Valid);
        }
        assert!(r.check_audit().unwrap().intact());
    }
}

/// SQLite: a file whose number index does not keep the registrations' rowids, and whose views
/// are under rowids of their own (as files were before), gets both on open; verification then
/// goes from the number to the view by rowid, and a number row whose rowid leads to another
/// registration neither verifies as that registration nor passes the audit check.
#[test]
fn an_older_number_index_gets_the_rowids_and_verification_reads_by_them() {
    let kind = StoreKind::Sqlite;
    let (r, store, graduates) = populated(kind, &OpenOptions::new());
    drop(r);
    kind.sql(
        &store,
        "ALTER TABLE numbers DROP COLUMN registration; \
         ALTER TABLE numbers ADD COLUMN registration INTEGER; \
         UPDATE verification_views SET rowid = rowid + 1000; \
         DELETE FROM meta WHERE key = 'numbers'; \
         UPDATE meta SET value = '2' WHERE key = 'views'; \
         UPDATE meta SET value = '1' WHERE key = 'schema';",
    )
    .unwrap();
    let r = store.reopen_default();
    for (_, number) in &graduates {
        assert_eq!(verdict(&r, number), VerdictKind::Valid);
    }
    assert!(r.check_audit().unwrap().intact());
    drop(r);
    let unfilled = kind
        .sql_i64(
            &store,
            "SELECT COUNT(*) FROM numbers WHERE registration IS NULL",
        )
        .unwrap();
    assert_eq!(unfilled, 0);
    let under_their_rowid = kind
        .sql_i64(
            &store,
            "SELECT COUNT(*) FROM verification_views v JOIN registrations g \
             ON g.rowid = v.rowid AND g.id = v.registration_id",
        )
        .unwrap();
    assert_eq!(under_their_rowid, graduates.len() as i64);
    // Marked as migrated: a release that knows only the older layout refuses the file rather
    // than write numbers and views verification would not find.
    let marked = kind
        .sql_i64(
            &store,
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema'",
        )
        .unwrap();
    assert_eq!(marked, 2);
    // The first graduate's number pointed at the second graduate's row.
    let (first, number) = &graduates[0];
    let (second, _) = &graduates[1];
    kind.exec(
        &store,
        "UPDATE numbers SET registration = (SELECT rowid FROM registrations WHERE id = ?2) \
         WHERE registration_id = ?1",
        &[first.into(), second.into()],
    )
    .unwrap();
    let r = store.reopen_default();
    assert_ne!(verdict(&r, number), VerdictKind::Valid);
    let report = r.check_audit().unwrap();
    assert!(
        report.row_faults.iter().any(|p| &p.registration_id == first
            && p.fault == gradreg::registry::RowFault::NumberMissing),
        "{report:?}"
    );
}

/// What verification reads of a registration is the same through its view: the name, the
/// authorization and the disclosure of each section, before and after the data changes.
#[test]
fn a_view_decodes_to_what_verification_reads() {
    use gradreg::registry::view::{registration_of_view, view_of};
    use gradreg::{CodeTables, Disclosure, Masking, Section};
    let tables = CodeTables::builtin();
    let (h, number) = H::authorized();
    let mut regs = vec![h.reg.clone()];
    // An employer, further study and abroad destination, and data changed after authorizing.
    let mut changed = h.reg.clone();
    changed.destination = Some(std::sync::Arc::new(changed_data()));
    changed.data_version += 1;
    regs.push(changed);
    for reg in regs {
        let view = registration_of_view(&view_of(&reg).unwrap()).unwrap();
        assert_eq!(view.id, reg.id);
        assert_eq!(view.version, reg.version);
        assert_eq!(view.authorizations, reg.authorizations);
        assert_eq!(
            view.basic.as_ref().map(|b| b.name.clone()),
            reg.basic.as_ref().map(|b| b.name.clone())
        );
        let auth = reg.authorization(&number).unwrap();
        for section in [Section::Archive, Section::Hukou] {
            let a = Disclosure::build(&reg, auth, section, tables, Masking::default());
            let b = Disclosure::build(&view, auth, section, tables, Masking::default());
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        // Smaller than the whole registration.
        let bytes = view_of(&reg).unwrap();
        assert!(bytes.len() < serde_json::to_vec(&reg).unwrap().len());
    }
}
