//! Roster import through the registry, on every store (memory, SQLite, and PostgreSQL when
//! `GRADREG_TEST_PG_URL` is set): modes, idempotence, encodings, refusals, bad files.

mod common;

use common::*;
use gradreg::cohort::{generate, roster_csv, CohortSpec, Graduate, HeaderStyle};
use gradreg::registry::OpenOptions;
use gradreg::roster::RosterOptions;
use gradreg::{Error, ImportMode, Policy, ProblemCode, Registry};

fn cohort(n: usize) -> Vec<Graduate> {
    generate(&CohortSpec {
        size: n,
        ..CohortSpec::default()
    })
    .collect()
}

/// A new registry on a store of `kind`, holding the store alive as long as it lives.
struct Reg {
    r: Registry,
    _store: Handle,
}

impl std::ops::Deref for Reg {
    type Target = Registry;
    fn deref(&self) -> &Registry {
        &self.r
    }
}

impl std::ops::DerefMut for Reg {
    fn deref_mut(&mut self) -> &mut Registry {
        &mut self.r
    }
}

fn registry(kind: StoreKind) -> Reg {
    let (r, store) = kind.open(Policy::jiangsu(), &OpenOptions::new());
    Reg { r, _store: store }
}

fn import(r: &Registry, bytes: &[u8], mode: ImportMode) -> gradreg::ImportReport {
    r.import_roster(bytes, &RosterOptions::default(), mode, &school(), day(3, 1))
        .unwrap()
}

#[test]
fn import_then_reimport_changes_nothing() {
    for kind in stores() {
        let _on = kind.label();
        import_then_reimport_changes_nothing_on(kind);
    }
}

fn import_then_reimport_changes_nothing_on(kind: StoreKind) {
    let r = registry(kind);
    let grads = cohort(300);
    let csv = roster_csv(&grads, HeaderStyle::Chinese);
    let rep = import(&r, csv.as_bytes(), ImportMode::AllOrNothing);
    assert_eq!(
        (rep.rows, rep.created, rep.rejected),
        (300, 300, 0),
        "{:?}",
        rep.problems
    );
    assert!(rep.problems.is_empty());
    assert_eq!(r.store().count().unwrap(), 300);
    let audit_before = r.audit(None).unwrap().len();
    let version_before = r
        .get(&format!("10327:{}", grads[7].basic.student_number))
        .unwrap()
        .version;
    // The same file again, and the same roster with pinyin headers in GB18030.
    let rep = import(&r, csv.as_bytes(), ImportMode::AllOrNothing);
    assert_eq!((rep.created, rep.unchanged), (0, 300));
    let pinyin = roster_csv(&grads, HeaderStyle::Pinyin);
    let (gbk, _, _) = encoding_rs::GB18030.encode(&pinyin);
    let rep = import(&r, &gbk, ImportMode::GoodRows);
    assert_eq!(rep.encoding, "gb18030");
    assert_eq!((rep.created, rep.unchanged), (0, 300));
    assert_eq!(
        r.audit(None).unwrap().len(),
        audit_before,
        "nothing written"
    );
    assert_eq!(
        r.get(&format!("10327:{}", grads[7].basic.student_number))
            .unwrap()
            .version,
        version_before
    );
    // One changed record is a correction that sends the graduate back to review.
    let mut changed = grads.clone();
    changed[7].basic.major_name = "会计学（注册会计师方向）".into();
    let rep = import(
        &r,
        roster_csv(&changed, HeaderStyle::Chinese).as_bytes(),
        ImportMode::GoodRows,
    );
    assert_eq!((rep.corrected, rep.unchanged), (1, 299));
    let reg = r
        .get(&format!("10327:{}", grads[7].basic.student_number))
        .unwrap();
    assert_eq!(
        reg.basic.as_ref().unwrap().major_name,
        "会计学（注册会计师方向）"
    );
    assert!(r.check_audit().unwrap().intact());
}

#[test]
fn all_or_nothing_imports_nothing_when_a_cell_is_bad() {
    for kind in stores() {
        let _on = kind.label();
        all_or_nothing_imports_nothing_when_a_cell_is_bad_on(kind);
    }
}

fn all_or_nothing_imports_nothing_when_a_cell_is_bad_on(kind: StoreKind) {
    let r = registry(kind);
    let grads = cohort(50);
    let csv = roster_csv(&grads, HeaderStyle::Chinese);
    let id = grads[3].basic.id_number.clone();
    let damaged = csv.replace(&id, "3.20102E+17");
    let rep = import(&r, damaged.as_bytes(), ImportMode::AllOrNothing);
    assert_eq!((rep.created, rep.rejected), (0, 50));
    assert_eq!(r.store().count().unwrap(), 0, "store untouched");
    let p = &rep.problems[0];
    assert_eq!(p.code, ProblemCode::ScientificNotation);
    assert_eq!(p.column, "身份证号");
    assert_eq!(p.row, 5, "header is row 1, the fourth record is row 5");
    assert!(p.message_zh.contains("科学计数法"));
    // The good rows go in under GoodRows.
    let rep = import(&r, damaged.as_bytes(), ImportMode::GoodRows);
    assert_eq!((rep.created, rep.rejected), (49, 1));
    assert_eq!(r.store().count().unwrap(), 49);
}

#[test]
fn registry_refusals_are_reported_by_row() {
    for kind in stores() {
        let _on = kind.label();
        registry_refusals_are_reported_by_row_on(kind);
    }
}

fn registry_refusals_are_reported_by_row_on(kind: StoreKind) {
    let r = registry(kind);
    let grads = cohort(20);
    import(
        &r,
        roster_csv(&grads, HeaderStyle::Chinese).as_bytes(),
        ImportMode::AllOrNothing,
    );
    // The same person again under a new student number.
    let mut again = grads[..3].to_vec();
    again[1].basic.student_number = "2099000001".into();
    let csv = roster_csv(&again, HeaderStyle::Chinese);
    let rep = import(&r, csv.as_bytes(), ImportMode::AllOrNothing);
    assert_eq!(rep.created, 0);
    assert_eq!(rep.rejected, 3);
    let refusal = rep
        .problems
        .iter()
        .find(|p| p.code == ProblemCode::Refused)
        .unwrap();
    assert_eq!(refusal.row, 3);
    assert!(refusal.message_en.contains("508"), "{}", refusal.message_en);
    assert_eq!(r.store().count().unwrap(), 20);
    let rep = import(&r, csv.as_bytes(), ImportMode::GoodRows);
    assert_eq!((rep.unchanged, rep.rejected), (2, 1));
}

#[test]
fn unreadable_files_leave_the_store_as_it_was() {
    for kind in stores() {
        let _on = kind.label();
        unreadable_files_leave_the_store_as_it_was_on(kind);
    }
}

fn unreadable_files_leave_the_store_as_it_was_on(kind: StoreKind) {
    let r = registry(kind);
    let grads = cohort(10);
    let csv = roster_csv(&grads, HeaderStyle::Chinese);
    import(&r, csv.as_bytes(), ImportMode::AllOrNothing);
    let before = r.audit(None).unwrap().len();
    let missing = csv.replacen("身份证号", "备注", 1);
    let e = r
        .import_roster(
            missing.as_bytes(),
            &RosterOptions::default(),
            ImportMode::GoodRows,
            &school(),
            day(3, 2),
        )
        .unwrap_err();
    assert!(matches!(e, Error::RosterMissingColumns { .. }), "{e}");
    for bad in [
        &b""[..],
        &b"\xff\xfe\x00garbage"[..],
        &b"PK\x03\x04truncated-xlsx"[..],
    ] {
        let e = r
            .import_roster(
                bad,
                &RosterOptions::default(),
                ImportMode::GoodRows,
                &school(),
                day(3, 2),
            )
            .unwrap_err();
        assert!((100..200).contains(&e.code()), "{e}");
    }
    // A file cut in the middle of a line: the cut row is reported, the rest imported.
    let cut = &csv[..csv.len() - 40];
    let rep = import(&r, cut.as_bytes(), ImportMode::GoodRows);
    assert_eq!(rep.rejected, 1, "{:?}", rep.problems);
    assert_eq!(rep.unchanged, 9);
    assert_eq!(r.audit(None).unwrap().len(), before);
}

#[test]
fn counselors_import_only_their_college() {
    for kind in stores() {
        let _on = kind.label();
        counselors_import_only_their_college_on(kind);
    }
}

fn counselors_import_only_their_college_on(kind: StoreKind) {
    let r = registry(kind);
    let grads = cohort(40);
    let college = grads[0].basic.college.clone();
    let csv = roster_csv(&grads, HeaderStyle::Chinese);
    let counselor = gradreg::Actor::Counselor {
        id: "fdy".into(),
        school: "10327".into(),
        college: college.clone(),
    };
    let rep = r
        .import_roster(
            csv.as_bytes(),
            &RosterOptions::default(),
            ImportMode::GoodRows,
            &counselor,
            day(3, 1),
        )
        .unwrap();
    let own = grads.iter().filter(|g| g.basic.college == college).count();
    assert_eq!(rep.created, own);
    assert_eq!(rep.rejected, 40 - own);
    assert!(rep.problems.iter().all(|p| p.code == ProblemCode::Refused));
}

/// A roster of `grads` with the headers an office's template uses, and values written by name.
fn office_roster(grads: &[Graduate], id_header: &str) -> String {
    let csv = roster_csv(grads, HeaderStyle::Chinese);
    let mut lines = csv.lines();
    let header = lines
        .next()
        .unwrap()
        .replace("身份证号", id_header)
        .replace("性别代码", "性别")
        .replace("民族代码", "民族");
    let cols: Vec<&str> = header.split(',').collect();
    let g = cols.iter().position(|h| *h == "性别").unwrap();
    let e = cols.iter().position(|h| *h == "民族").unwrap();
    let mut out = format!("{header}\r\n");
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        cells[g] = if cells[g] == "1" { "男" } else { "女" }.into();
        cells[e] = gradreg::CodeTables::builtin()
            .name(gradreg::Table::Ethnicities, &cells[e])
            .unwrap_or(&cells[e])
            .to_string();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[test]
fn an_office_adds_its_headers_to_one_registry() {
    for kind in stores() {
        let _on = kind.label();
        an_office_adds_its_headers_to_one_registry_on(kind);
    }
}

fn an_office_adds_its_headers_to_one_registry_on(kind: StoreKind) {
    let grads = cohort(20);
    let text = office_roster(&grads, "学籍身份证");
    let mut r = registry(kind);
    let err = r
        .import_roster(
            text.as_bytes(),
            &RosterOptions::default(),
            ImportMode::AllOrNothing,
            &school(),
            day(3, 1),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::RosterMissingColumns { columns } if columns[0].contains("id_number")),
        "{err:?}"
    );
    // A bad line changes nothing; a good file of the office's own headers makes it import.
    assert!(r.add_header_aliases("学籍身份证\tno_such_field\n").is_err());
    assert_eq!(r.header_aliases().field("学籍身份证"), None);
    let dir = std::env::temp_dir().join(format!("gradreg-aliases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("本校表头.tsv");
    std::fs::write(&file, "# 本校模板\n学籍身份证\tid_number\n").unwrap();
    r.load_header_aliases_file(&file).unwrap();
    assert!(matches!(
        r.load_header_aliases_file(dir.join("missing.tsv")),
        Err(Error::RosterIo { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
    let rep = import(&r, text.as_bytes(), ImportMode::AllOrNothing);
    assert_eq!((rep.created, rep.rejected), (20, 0), "{:?}", rep.problems);
    // Every 男/女 and every 汉族 … was read as its code, each with a notice.
    // One notice per value as written, naming every row.
    let genders: Vec<_> = rep
        .notices
        .iter()
        .filter(|n| n.code == gradreg::NoticeCode::GenderWord)
        .collect();
    assert!(genders.len() <= 2);
    assert_eq!(genders.iter().map(|n| n.rows.len()).sum::<usize>(), 20);
    assert!(rep
        .notices
        .iter()
        .any(|n| n.column == "民族" && n.after == "01"));
    let idc = rep
        .columns
        .iter()
        .find(|c| c.header == "学籍身份证")
        .unwrap();
    assert_eq!(idc.field, "id_number");
    // Another registry keeps the built-in table.
    assert_eq!(registry(kind).header_aliases().field("学籍身份证"), None);
}

#[test]
fn a_dry_run_reports_what_an_import_would_do_and_stores_nothing() {
    for kind in stores() {
        let _on = kind.label();
        a_dry_run_reports_what_an_import_would_do_and_stores_nothing_on(kind);
    }
}

fn a_dry_run_reports_what_an_import_would_do_and_stores_nothing_on(kind: StoreKind) {
    let grads = cohort(30);
    let text = office_roster(&grads, "身份证件号码");
    let r = registry(kind);
    let opts = RosterOptions::default();
    let dry = r
        .preview_roster(
            text.as_bytes(),
            &opts,
            ImportMode::AllOrNothing,
            &school(),
            day(3, 1),
        )
        .unwrap();
    assert!(dry.dry_run);
    assert_eq!((dry.rows, dry.created), (30, 30));
    assert_eq!(r.store().count().unwrap(), 0, "nothing stored");
    assert!(r.audit(None).unwrap().is_empty());
    let real = import(&r, text.as_bytes(), ImportMode::AllOrNothing);
    assert!(!real.dry_run);
    assert_eq!(real.created, dry.created);
    assert_eq!(real.notices, dry.notices);
    // Once imported, the dry run says nothing would change.
    let again = r
        .preview_roster(
            text.as_bytes(),
            &opts,
            ImportMode::GoodRows,
            &school(),
            day(3, 1),
        )
        .unwrap();
    assert_eq!((again.created, again.unchanged), (0, 30));
}

#[test]
fn a_registry_extends_its_own_code_tables() {
    for kind in stores() {
        let _on = kind.label();
        a_registry_extends_its_own_code_tables_on(kind);
    }
}

fn a_registry_extends_its_own_code_tables_on(kind: StoreKind) {
    let grads = cohort(5);
    let csv = roster_csv(&grads, HeaderStyle::Chinese);
    let header = csv.lines().next().unwrap();
    let e = header.split(',').position(|h| h == "民族代码").unwrap();
    let text: String = csv
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut c: Vec<&str> = l.split(',').collect();
            if i > 0 {
                c[e] = "60";
            }
            c.join(",") + "\r\n"
        })
        .collect();
    let mut r = registry(kind);
    let rep = import(&r, text.as_bytes(), ImportMode::AllOrNothing);
    assert_eq!(rep.created, 0);
    assert!(rep
        .problems
        .iter()
        .all(|p| p.code == ProblemCode::UnknownCode && p.field == "ethnicity"));
    assert!(r
        .load_table(gradreg::Table::Ethnicities, "60\n", false)
        .is_err());
    r.load_table(gradreg::Table::Ethnicities, "60\t本地新增民族\n", false)
        .unwrap();
    let rep = import(&r, text.as_bytes(), ImportMode::AllOrNothing);
    assert_eq!(rep.created, 5, "{:?}", rep.problems);
    assert!(!registry(kind)
        .tables()
        .contains(gradreg::Table::Ethnicities, "60"));
}

#[test]
fn imported_rows_are_stored_as_a_validated_upload_stores_them() {
    for kind in stores() {
        let _on = kind.label();
        imported_rows_are_stored_as_a_validated_upload_stores_them_on(kind);
    }
}

/// The import does not validate a good row a second time; what it stores is exactly what an
/// upload of the same records (validated by the state machine) stores.
fn imported_rows_are_stored_as_a_validated_upload_stores_them_on(kind: StoreKind) {
    let grads = cohort(120);
    let csv = roster_csv(&grads, HeaderStyle::Chinese);
    let imported = registry(kind);
    let rep = import(&imported, csv.as_bytes(), ImportMode::GoodRows);
    assert_eq!(rep.created, 120, "{:?}", rep.problems);
    let uploaded = registry(kind);
    let parsed =
        gradreg::roster::parse_roster(csv.as_bytes(), &RosterOptions::default(), uploaded.tables())
            .unwrap();
    let records: Vec<_> = parsed
        .rows
        .into_iter()
        .map(|r| {
            (
                format!("{}:{}", r.info.school_code, r.info.student_number),
                std::sync::Arc::new(r.info),
            )
        })
        .collect();
    let results = uploaded
        .upload_batch(&records, &school(), day(3, 1), true)
        .unwrap();
    assert!(results
        .iter()
        .all(|r| *r == gradreg::registry::UploadResult::Created));
    for (key, _) in &records {
        assert_eq!(
            imported.get(key).unwrap(),
            uploaded.get(key).unwrap(),
            "{key}"
        );
        assert_eq!(
            format!("{:?}", imported.audit(Some(key)).unwrap()),
            format!("{:?}", uploaded.audit(Some(key)).unwrap()),
            "{key}"
        );
    }
    imported.check_audit().unwrap();
}
