//! Exchange with the provincial platform and with other registries: destination exports read
//! as ProvincialPlatform reports, and the full export read back by both importers.

mod common;

use std::sync::Arc;

use common::*;
use gradreg::cohort::{generate, roster_csv, CohortSpec, Graduate, HeaderStyle};
use gradreg::registry::{record_headers, write_records_csv};
use gradreg::roster::{parse_destinations, parse_roster, RosterOptions};
use gradreg::{
    sample, Actor, ArchiveMethod, CodeTables, DestinationData, Error, ImportMode, NoticeCode,
    Policy, ProblemCode, Query, Registration, Registry,
};
use proptest::prelude::*;

fn cohort(n: usize, seed: u64) -> Vec<Graduate> {
    generate(&CohortSpec {
        size: n,
        seed,
        ..CohortSpec::default()
    })
    .collect()
}

/// A registry holding the roster of `grads`.
fn registry_with(grads: &[Graduate]) -> Registry {
    let r = Registry::in_memory(Policy::jiangsu()).unwrap();
    let rep = r
        .import_roster(
            roster_csv(grads, HeaderStyle::Chinese).as_bytes(),
            &RosterOptions::default(),
            ImportMode::AllOrNothing,
            &school(),
            day(3, 1),
        )
        .unwrap();
    assert_eq!(rep.created, grads.len(), "{:?}", rep.problems);
    r
}

fn key(g: &Graduate) -> String {
    format!("{}:{}", g.basic.school_code, g.basic.student_number)
}

fn import(r: &Registry, bytes: &[u8], mode: ImportMode) -> gradreg::DestinationImportReport {
    r.import_destinations(
        bytes,
        &RosterOptions::default(),
        mode,
        &platform(),
        day(5, 6),
    )
    .unwrap()
}

/// Everything the store holds, as text: every registration and the length of the audit log.
fn snapshot(r: &Registry) -> (Vec<String>, usize, String) {
    let mut regs = Vec::new();
    r.store()
        .for_each(&mut |reg: Registration| {
            regs.push(serde_json::to_string(&reg).unwrap());
            Ok(())
        })
        .unwrap();
    regs.sort();
    let stats = serde_json::to_string(&r.statistics(day(5, 6)).unwrap()).unwrap();
    (regs, r.audit(None).unwrap().len(), stats)
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    bytes.into_owned()
}

/// The platform's export as an office downloads it: a title row, GBK, names instead of codes,
/// YYYYMMDD dates, a full-width postal code; one graduate by 学号 + 院校代码, one by 身份证号
/// only.
fn platform_export(grads: &[Graduate]) -> String {
    let e = sample::destination_data().destination.employer.unwrap();
    let (a, b) = (&grads[0].basic, &grads[1].basic);
    let header = [
        "序号",
        "学号",
        "院校代码",
        "身份证号",
        "姓名",
        "毕业去向",
        "单位名称",
        "统一社会信用代码",
        "单位性质",
        "单位行业",
        "单位所在地",
        "工作职位类别",
        "签约日期",
        "档案转递单位",
        "档案转递地址",
        "邮编",
        "档案接收联系人",
        "档案联系电话",
        "转递方式",
        "是否迁移户口",
        "户口迁移原因",
    ];
    let first = [
        "1",
        &a.student_number,
        &a.school_code,
        "",
        &a.name,
        "签就业协议形式就业",
        &e.name,
        &e.credit_code,
        "其他企业",
        "信息传输、软件和信息技术服务业",
        &e.region,
        "工程技术人员",
        "20260420",
        "南京市人才服务中心",
        "江苏省南京市玄武区北京东路 63 号",
        "２１０００８",
        "王老师",
        "025-83592000",
        "机要通信",
        "否",
        "",
    ];
    let mut second = vec![""; header.len()];
    second[0] = "2";
    second[3] = &b.id_number;
    second[4] = &b.name;
    second[5] = "待就业";
    let title = format!(
        "2026届毕业生毕业去向登记导出{}",
        ",".repeat(header.len() - 1)
    );
    [title, header.join(","), first.join(","), second.join(",")].join("\r\n") + "\r\n"
}

#[test]
fn platform_export_in_gbk_with_names_reports_as_the_platform() {
    let grads = cohort(3, 7);
    let r = registry_with(&grads);
    let bytes = gbk(&platform_export(&grads));
    let rep = import(&r, &bytes, ImportMode::AllOrNothing);
    assert!(rep.problems.is_empty(), "{:?}", rep.problems);
    assert_eq!(rep.encoding, "gb18030");
    assert_eq!(rep.header_row, 2, "the title row is skipped");
    assert_eq!(
        (rep.rows, rep.reported, rep.unchanged, rep.rejected),
        (2, 2, 0, 0)
    );
    // Names became codes, the date and the full-width postal code canonical, each with a notice.
    let notice = |field: &str| {
        rep.notices
            .iter()
            .find(|n| n.field == field)
            .unwrap_or_else(|| panic!("a notice for {field}: {:?}", rep.notices))
    };
    assert_eq!(notice("destination.code").code, NoticeCode::CodeFromName);
    assert_eq!(notice("destination.code").after, "10");
    assert_eq!(notice("destination.employer.nature").after, "39");
    assert_eq!(notice("destination.employer.industry").after, "63");
    assert_eq!(notice("destination.job_category").after, "13");
    assert_eq!(
        notice("destination.signing_date").code,
        NoticeCode::DateForm
    );
    assert_eq!(notice("archive.postal_code").code, NoticeCode::FullWidth);
    assert_eq!(notice("destination.code").rows, vec![3]);
    assert!(rep
        .columns
        .iter()
        .any(|c| c.header == "序号" && c.kind == gradreg::ColumnUseKind::Ignored));

    let first = r.get(&key(&grads[0])).unwrap();
    let mut want = sample::destination_data();
    want.hukou = Some(gradreg::HukouMigration::default());
    if let Some(e) = want.destination.employer.as_mut() {
        e.address.clear(); // not in the platform's file
    }
    assert_eq!(first.destination.as_deref(), Some(&want));
    let second = r.get(&key(&grads[1])).unwrap();
    let d = second.destination.as_deref().unwrap();
    assert_eq!(d.destination.code, "70");
    assert!(d.destination.employer.is_none() && d.archive.is_none() && d.hukou.is_none());
    // Reported by the platform, as the audit log says.
    let audit = r.audit(Some(&key(&grads[0]))).unwrap();
    let last = audit.last().unwrap().entry().unwrap();
    assert_eq!(last.action, "report_destination");
    assert!(matches!(last.actor, Actor::ProvincialPlatform { .. }));
    // The same file again changes nothing.
    let before = snapshot(&r);
    let rep = import(&r, &bytes, ImportMode::AllOrNothing);
    assert_eq!((rep.reported, rep.unchanged), (0, 2));
    assert_eq!(snapshot(&r), before);
}

#[test]
fn bad_cells_are_reported_by_row_and_column_and_nothing_is_stored() {
    let grads = cohort(4, 11);
    let r = registry_with(&grads);
    let e = sample::destination_data().destination.employer.unwrap();
    let wrong = if e.credit_code.ends_with('0') {
        '1'
    } else {
        '0'
    };
    let bad_credit = format!("{}{wrong}", &e.credit_code[..17]);
    let g = |i: usize| &grads[i].basic;
    let csv = format!(
        "学号,院校代码,毕业去向,单位名称,统一社会信用代码,单位性质,单位行业,单位所在地,签约日期,档案接收单位,档案接收地址,邮编,档案联系电话,转递方式\n\
         {},10327,10,{},{bad_credit},39,63,{},2026-04-20,,,,,\n\
         {},10327,10,{},{},外星企业,63,{},3/4/2026,,,,,\n\
         {},10327,70,,,,,,,南京市人才服务中心,江苏省南京市玄武区北京东路 63 号,210008,025-83592000,本人自带\n\
         {},10327,70,,,,,,,,,,,\n\
         99999999,10327,70,,,,,,,,,,,\n",
        g(0).student_number,
        e.name,
        e.region,
        g(1).student_number,
        e.name,
        e.credit_code,
        e.region,
        g(2).student_number,
        g(3).student_number,
    );
    let before = snapshot(&r);
    let rep = import(&r, csv.as_bytes(), ImportMode::AllOrNothing);
    let at = |row: usize| -> Vec<(String, ProblemCode)> {
        rep.problems
            .iter()
            .filter(|p| p.row == row)
            .map(|p| (p.column.clone(), p.code))
            .collect()
    };
    assert_eq!(
        at(2),
        vec![("统一社会信用代码".into(), ProblemCode::BadCheckCharacter)]
    );
    assert_eq!(
        at(3),
        vec![
            ("签约日期".into(), ProblemCode::Ambiguous),
            ("单位性质".into(), ProblemCode::UnknownCode),
        ]
    );
    assert_eq!(at(4), vec![("转递方式".into(), ProblemCode::UnknownCode)]);
    assert!(
        at(5).is_empty() && at(6).is_empty(),
        "not refused before parsing succeeds"
    );
    assert_eq!((rep.reported, rep.rejected), (0, 5));
    assert_eq!(
        snapshot(&r),
        before,
        "all-or-nothing leaves the store as it was"
    );

    // Good rows only: row 5 is reported, row 6 names no registration and is refused.
    let rep = import(&r, csv.as_bytes(), ImportMode::GoodRows);
    assert_eq!((rep.reported, rep.rejected), (1, 4));
    assert_eq!(rep.refused.len(), 1);
    assert_eq!(rep.refused[0].row, 6);
    assert!(matches!(rep.refused[0].error, Error::NotFound(_)));
    assert!(rep
        .problems
        .iter()
        .any(|p| p.row == 6 && p.code == ProblemCode::Refused));
    let reported = r.get(&key(&grads[3])).unwrap();
    assert_eq!(reported.destination.unwrap().destination.code, "70");
    assert!(r.get(&key(&grads[0])).unwrap().destination.is_none());
}

#[test]
fn refusals_of_the_state_machine_undo_the_whole_file() {
    let grads = cohort(3, 5);
    let r = registry_with(&grads);
    // A name that is not the registration's, and a file naming the same graduate twice.
    let csv = format!(
        "学号,院校代码,姓名,毕业去向代码\n{},10327,{},70\n{},10327,某某某,70\n",
        grads[0].basic.student_number, grads[0].basic.name, grads[1].basic.student_number,
    );
    let before = snapshot(&r);
    let rep = import(&r, csv.as_bytes(), ImportMode::AllOrNothing);
    assert_eq!((rep.reported, rep.rejected), (0, 2));
    assert_eq!(rep.refused.len(), 1);
    assert_eq!(rep.refused[0].row, 3);
    assert_eq!(snapshot(&r), before);
    let twice = format!(
        "学号,院校代码,毕业去向代码\n{0},10327,70\n{0},10327,71\n",
        grads[0].basic.student_number
    );
    let rep = import(&r, twice.as_bytes(), ImportMode::AllOrNothing);
    assert!(rep
        .problems
        .iter()
        .any(|p| p.row == 3 && p.code == ProblemCode::Duplicate));
    assert_eq!(snapshot(&r), before);
    // A platform file without 毕业去向 is refused as a whole.
    let err = r
        .import_destinations(
            "学号,院校代码,单位名称\n1,10327,x\n".as_bytes(),
            &RosterOptions::default(),
            ImportMode::GoodRows,
            &platform(),
            day(5, 6),
        )
        .unwrap_err();
    assert!(matches!(err, Error::RosterMissingColumns { .. }), "{err}");
}

/// A registry of `grads` with every destination reported by the platform.
fn reported_registry(grads: &[Graduate]) -> Registry {
    let r = registry_with(grads);
    let commands: Vec<_> = grads
        .iter()
        .map(|g| (key(g), platform(), report(g.destination.clone())))
        .collect();
    for res in r.apply_batch(&commands, day(5, 6)).unwrap() {
        res.unwrap();
    }
    r
}

/// Reads a full export into a fresh registry with both importers, and checks every record.
fn round_trip(a: &Registry, grads: &[Graduate], bytes: &[u8]) -> Registry {
    let b = Registry::in_memory(Policy::jiangsu()).unwrap();
    let rep = b
        .import_roster(
            bytes,
            &RosterOptions::default(),
            ImportMode::AllOrNothing,
            &school(),
            day(3, 1),
        )
        .unwrap();
    assert_eq!(rep.created, grads.len(), "{:?}", rep.problems);
    let rewrites = |notices: &[gradreg::RosterNotice]| {
        notices
            .iter()
            .filter(|n| {
                matches!(
                    n.code,
                    NoticeCode::GenderWord
                        | NoticeCode::CodeFromName
                        | NoticeCode::CodePadding
                        | NoticeCode::DateForm
                        | NoticeCode::DateSerial
                        | NoticeCode::FullWidth
                )
            })
            .count()
    };
    assert_eq!(rewrites(&rep.notices), 0, "values are canonical");
    let rep = import(&b, bytes, ImportMode::AllOrNothing);
    assert_eq!(rep.reported, grads.len(), "{:?}", rep.problems);
    assert!(
        rep.notices.is_empty(),
        "canonical values: {:?}",
        rep.notices.first()
    );
    for g in grads {
        let (x, y) = (a.get(&key(g)).unwrap(), b.get(&key(g)).unwrap());
        assert_eq!(x.basic, y.basic, "{}", key(g));
        assert_eq!(x.destination, y.destination, "{}", key(g));
        assert_eq!(y.destination.as_deref(), Some(&g.destination));
    }
    b
}

#[test]
fn full_export_round_trips_through_csv() {
    let grads = cohort(300, 3);
    let a = reported_registry(&grads);
    let mut csv = Vec::new();
    let n = a
        .export_records_csv(&Query::default(), day(5, 7), &mut csv)
        .unwrap();
    assert_eq!(n, 300);
    let text = String::from_utf8(csv.clone()).unwrap();
    let header = text.lines().next().unwrap().trim_start_matches('\u{feff}');
    assert_eq!(header, record_headers().join(","));
    assert!(header.contains("身份证号") && header.contains("档案转递方式"));
    assert!(
        text.contains(&grads[0].basic.id_number),
        "the full ID number, not a masked one"
    );
    // Every section of the generated data is in the file.
    let has = |f: fn(&DestinationData) -> bool| grads.iter().any(|g| f(&g.destination));
    assert!(has(|d| d.destination.further_study.is_some()));
    assert!(has(|d| d.destination.abroad.is_some()));
    assert!(has(|d| d.destination.sub_code.is_some()));
    assert!(has(|d| d.hukou.as_ref().is_some_and(|h| h.migrate)));
    assert!(has(|d| d
        .archive
        .as_ref()
        .is_some_and(|a| a.method == ArchiveMethod::Ems)));
    let b = round_trip(&a, &grads, &csv);
    // And the second registry exports the same file.
    let mut again = Vec::new();
    b.export_records_csv(&Query::default(), day(5, 7), &mut again)
        .unwrap();
    assert_eq!(String::from_utf8(again).unwrap(), text);
    // The summary export is unchanged: masked ID numbers.
    let mut summary = Vec::new();
    a.export_csv(&Query::default(), day(5, 7), &mut summary)
        .unwrap();
    assert!(!String::from_utf8(summary)
        .unwrap()
        .contains(&grads[0].basic.id_number));
}

#[cfg(feature = "xlsx")]
#[test]
fn full_export_round_trips_through_xlsx() {
    let grads = cohort(120, 9);
    let a = reported_registry(&grads);
    let mut xlsx = Vec::new();
    let n = a
        .export_records_xlsx(&Query::default(), day(5, 7), &mut xlsx)
        .unwrap();
    assert_eq!(n, 120);
    assert!(xlsx.starts_with(b"PK\x03\x04"));
    round_trip(&a, &grads, &xlsx);
}

#[cfg(feature = "xlsx")]
#[test]
fn the_xlsx_export_depends_on_the_instant_not_the_clock() {
    let grads = cohort(5, 4);
    let a = reported_registry(&grads);
    let export = |at| {
        let mut xlsx = Vec::new();
        a.export_records_xlsx(&Query::default(), at, &mut xlsx)
            .unwrap();
        xlsx
    };
    let first = export(day(5, 7));
    // Past a second boundary of the clock: a workbook stamped with the wall time differs.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(first == export(day(5, 7)), "same instant, different bytes");
    assert!(
        first != export(day(5, 8)),
        "the instant is the workbook's creation time"
    );
}

/// Text of the kind that breaks naive CSV: separators, quotes, line ends, formula starts, an
/// apostrophe, full-width forms — never white space at either end, which every cell loses.
fn odd_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(","),
        Just("\""),
        Just("\n"),
        Just("\r\n"),
        Just("="),
        Just("+"),
        Just("-"),
        Just("@"),
        Just("'"),
        Just("=\""),
        Just("Ａ１（"),
        Just("　"),
        Just(" "),
        Just("南京"),
        Just("x"),
    ];
    proptest::collection::vec(piece, 1..8).prop_map(|v| {
        let s: String = v.concat();
        let t = s.trim();
        if t.is_empty() {
            "x".to_string()
        } else {
            t.to_string()
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn odd_cell_text_survives_export_and_import(a in odd_text(), b in odd_text(), c in odd_text()) {
        let mut reg = Registration::new("10327:2022001");
        let mut basic = sample::basic_info();
        basic.college = a.clone();
        basic.major_name = b.clone();
        reg.basic = Some(Arc::new(basic));
        let mut data = sample::destination_data();
        if let Some(e) = data.destination.employer.as_mut() {
            e.address = c.clone();
            e.name = a.clone();
        }
        if let Some(h) = data.hukou.as_mut() {
            h.police_station = b.clone();
        }
        reg.destination = Some(Arc::new(data.clone()));
        let mut csv = Vec::new();
        write_records_csv([&reg], day(5, 7), &mut csv).unwrap();
        let opts = RosterOptions::default();
        let roster = parse_roster(&csv, &opts, CodeTables::builtin()).unwrap();
        prop_assert_eq!(roster.rows.len(), 1);
        prop_assert_eq!(&roster.rows[0].info.college, &a);
        prop_assert_eq!(&roster.rows[0].info.major_name, &b);
        let dest = parse_destinations(&csv, &opts, CodeTables::builtin()).unwrap();
        prop_assert_eq!(dest.rows.len(), 1);
        prop_assert_eq!(&dest.rows[0].data, &data);
    }
}
