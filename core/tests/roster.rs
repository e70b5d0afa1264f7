//! Roster import (`gradreg::roster`) and the synthetic cohort: encodings, formats, headers, file-level
//! errors, row problems, spreadsheet damage, duplicates, truncation and arbitrary bytes.

use gradreg::cohort::{generate, roster_csv, CohortSpec, Graduate, HeaderStyle};
use gradreg::roster::{
    parse_roster, parse_roster_file, CellProblem, ColumnUseKind, Encoding, Format, ParsedRoster,
    RosterOptions,
};
use gradreg::{BasicInfo, CodeTables, Error, NoticeCode, ProblemCode, Validate};
use proptest::prelude::*;

fn t() -> &'static CodeTables {
    CodeTables::builtin()
}

fn cohort(size: usize, seed: u64) -> Vec<Graduate> {
    generate(&CohortSpec {
        seed,
        size,
        ..CohortSpec::default()
    })
    .collect()
}

fn parse(bytes: &[u8]) -> Result<ParsedRoster, Error> {
    parse_roster(bytes, &RosterOptions::default(), t())
}

fn parse_as(bytes: &[u8], format: Format, encoding: Encoding) -> Result<ParsedRoster, Error> {
    parse_roster(
        bytes,
        &RosterOptions {
            format,
            encoding,
            ..RosterOptions::default()
        },
        t(),
    )
}

fn infos(p: &ParsedRoster) -> Vec<BasicInfo> {
    p.rows.iter().map(|r| r.info.clone()).collect()
}

fn basics(g: &[Graduate]) -> Vec<BasicInfo> {
    g.iter().map(|g| g.basic.clone()).collect()
}

fn find<'a>(p: &'a ParsedRoster, row: usize, field: &str) -> Vec<&'a CellProblem> {
    p.problems
        .iter()
        .filter(|q| q.row == row && q.field == field)
        .collect()
}

/// A header and rows around the sample graduate, as CSV text.
const HEADER: &str =
    "姓名,性别,身份证号,学号,院校代码,院校名称,学院,专业代码,专业名称,学历,毕业日期,民族,手机号码";

fn sample_line(id: &str, student: &str) -> String {
    format!("张明,1,{id},{student},10327,南京财经大学,会计学院,120203K,会计学,31,2026-06-30,01,13812345678")
}

fn sample_id() -> String {
    gradreg::sample::basic_info().id_number
}

// ---- encodings and formats ----------------------------------------------------------------

#[test]
fn every_encoding_reads_the_same_records() {
    let g = cohort(300, 11);
    let want = basics(&g);
    let csv = roster_csv(&g, HeaderStyle::Chinese);

    let utf8 = parse(csv.as_bytes()).unwrap();
    assert_eq!(utf8.encoding, "utf-8");
    assert_eq!(utf8.format, Format::Csv);
    assert_eq!(infos(&utf8), want);
    assert!(utf8.problems.is_empty(), "{:?}", &utf8.problems[..1]);
    assert!(utf8.rows.iter().all(|r| r.ok));
    assert_eq!(utf8.rows[0].row, 2);
    assert_eq!(utf8.rows[299].row, 301);

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(csv.as_bytes());
    let p = parse(&bom).unwrap();
    assert_eq!(p.encoding, "utf-8-bom");
    assert_eq!(infos(&p), want);

    for enc in [encoding_rs::GB18030, encoding_rs::GBK] {
        let (bytes, _, unmappable) = enc.encode(&csv);
        assert!(!unmappable, "{} cannot encode the cohort", enc.name());
        assert!(std::str::from_utf8(&bytes).is_err());
        let p = parse(&bytes).unwrap();
        assert_eq!(p.encoding, "gb18030");
        assert_eq!(infos(&p), want, "{}", enc.name());
        let declared = parse_as(&bytes, Format::Csv, Encoding::Gb18030).unwrap();
        assert_eq!(infos(&declared), want);
    }

    let declared = parse_as(csv.as_bytes(), Format::Csv, Encoding::Utf8).unwrap();
    assert_eq!(infos(&declared), want);
    // A byte-order mark wins over a declared GB18030.
    let p = parse_as(&bom, Format::Auto, Encoding::Gb18030).unwrap();
    assert_eq!(p.encoding, "utf-8-bom");
    assert_eq!(infos(&p), want);
}

#[test]
fn pinyin_headers_read_the_same_records() {
    let g = cohort(100, 12);
    let csv = roster_csv(&g, HeaderStyle::Pinyin);
    assert!(csv.starts_with("xm,xbdm,sfzh,"));
    let p = parse(csv.as_bytes()).unwrap();
    assert_eq!(infos(&p), basics(&g));
    assert!(p.problems.is_empty());

    // Case, spaces, byte-order marks and * markers do not matter; unknown columns are ignored.
    let (head, body) = csv.split_once("\r\n").unwrap();
    let head = head
        .replace("xm,", "\u{feff} XM ,")
        .replace("sfzh", "*SfZh")
        .replace("email", "EMAIL ");
    let odd = format!(
        "序号,{head}\r\n{}{}",
        prefix_lines(body, "7,"),
        "8,,,,,,,,,,,,,,,,,,,,\r\n9,,,,,,,,,,,,,,,,,,,,\r\n"
    );
    let p = parse(odd.as_bytes()).unwrap();
    assert_eq!(infos(&p), basics(&g));
    assert!(p.problems.is_empty());
}

fn prefix_lines(body: &str, prefix: &str) -> String {
    body.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| format!("{prefix}{l}\r\n"))
        .collect()
}

#[test]
fn tab_separated_and_title_rows_and_blank_rows() {
    let g = cohort(20, 13);
    let csv = roster_csv(&g, HeaderStyle::Chinese).replace(',', "\t");
    let p = parse(csv.as_bytes()).unwrap();
    assert_eq!(infos(&p), basics(&g));

    // A title row above the header and blank rows between records.
    let csv = roster_csv(&g, HeaderStyle::Chinese);
    let (head, body) = csv.split_once("\r\n").unwrap();
    let mut lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    lines.insert(3, ",,,,");
    lines.insert(5, "");
    lines.push("");
    lines.push(",,,,,,,,,,,,,,,,,,,,,,,,,,,,");
    let text = format!(
        "2026届毕业生生源信息,,\r\n{head}\r\n{}\r\n",
        lines.join("\r\n")
    );
    let p = parse(text.as_bytes()).unwrap();
    assert_eq!(infos(&p), basics(&g));
    assert!(p.problems.is_empty());
    // Rows are numbered as lines of the file: title 1, header 2, first record 3.
    assert_eq!(p.rows[0].row, 3);
    assert_eq!(p.rows[3].row, 7);
}

#[test]
fn text_markers_are_unwrapped_and_cells_trimmed() {
    let text = format!(
        "{HEADER}\n{}\n",
        sample_line(&format!("=\"{}\"", sample_id()), " 2022010123 ")
    );
    let p = parse(text.as_bytes()).unwrap();
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(p.rows[0].info.id_number, sample_id());
    assert_eq!(p.rows[0].info.student_number, "2022010123");
}

#[test]
fn file_on_disk_and_io_errors() {
    let g = cohort(10, 14);
    let dir = std::env::temp_dir().join(format!("gradreg-roster-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("roster.csv");
    std::fs::write(&path, roster_csv(&g, HeaderStyle::Chinese)).unwrap();
    let p = parse_roster_file(&path, &RosterOptions::default(), t()).unwrap();
    assert_eq!(infos(&p), basics(&g));
    let missing = dir.join("no-such-file.csv");
    let err = parse_roster_file(&missing, &RosterOptions::default(), t()).unwrap_err();
    assert!(matches!(err, Error::RosterIo { .. }), "{err:?}");
    assert_eq!(err.code(), 113);
    std::fs::remove_dir_all(&dir).ok();
}

// ---- file-level errors --------------------------------------------------------------------

#[test]
fn file_level_problems_are_typed_errors() {
    for empty in [&b""[..], b"\n\r\n  \n", b"\xEF\xBB\xBF", b",,,\n,,\n"] {
        let err = parse(empty).unwrap_err();
        assert_eq!(err, Error::RosterEmpty, "{empty:?}");
        assert_eq!(err.code(), 106);
    }

    let err = parse("a,b,c\n1,2,3\n".as_bytes()).unwrap_err();
    assert_eq!(err, Error::RosterNoHeader);
    assert_eq!(err.code(), 107);

    let err =
        parse("姓名,性别,院校代码,院校名称,学院,专业代码,专业名称,学历,毕业日期\n".as_bytes())
            .unwrap_err();
    assert_eq!(
        err,
        Error::RosterMissingColumns {
            columns: vec![
                "身份证号 (id_number)".into(),
                "学号 (student_number)".into()
            ]
        }
    );
    assert_eq!(err.code(), 108);
    assert!(err.to_string().contains("身份证号"));

    let err = parse(format!("{HEADER},SFZH,xm\n").as_bytes()).unwrap_err();
    assert_eq!(
        err,
        Error::RosterDuplicateColumns {
            columns: vec![
                "姓名 = xm (name)".into(),
                "身份证号 = SFZH (id_number)".into()
            ]
        }
    );
    assert_eq!(err.code(), 109);

    // GBK bytes declared as UTF-8.
    let text = format!("{HEADER}\n{}\n", sample_line(&sample_id(), "2022010123"));
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let err = parse_as(&gbk, Format::Csv, Encoding::Utf8).unwrap_err();
    assert_eq!(
        err,
        Error::RosterEncoding {
            encoding: "utf-8".into(),
            offset: 0,
            line: 1
        }
    );
    assert_eq!(err.code(), 110);
    // Bytes that are neither UTF-8 nor GB18030, on line 2.
    let err = parse(b"xm,sfzh\n\xFF\xFF,1\n").unwrap_err();
    assert!(
        matches!(
            err,
            Error::RosterEncoding {
                offset: 8,
                line: 2,
                ..
            }
        ),
        "{err:?}"
    );

    let err = parse(b"PK\x03\x04 this is not a workbook").unwrap_err();
    if cfg!(feature = "xlsx") {
        assert!(matches!(err, Error::RosterXlsx(_)), "{err:?}");
        assert_eq!(err.code(), 111);
    } else {
        assert_eq!(err.code(), 114);
    }

    let err = parse(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 legacy").unwrap_err();
    assert_eq!(err.code(), 114);
    let err = parse(b"\xFF\xFEx\x00m\x00").unwrap_err();
    assert_eq!(err.code(), 114);
}

// ---- row problems -------------------------------------------------------------------------

#[test]
fn every_problem_of_every_row_with_row_and_column() {
    let good = sample_line(&sample_id(), "2022010123");
    let mut bad_id = sample_id();
    bad_id.replace_range(17.., if bad_id.ends_with('0') { "1" } else { "0" });
    let bad = sample_line(&bad_id, "2022010124")
        .replacen("张明", "", 1)
        .replace("13812345678", "1381234567");
    let short = "李华,2,110105200401011234";
    let text = format!(
        "{}\n{good}\n{bad}\n{short}\n",
        HEADER.replace("身份证号", "SFZH")
    );
    let p = parse(text.as_bytes()).unwrap();
    assert_eq!(p.rows.len(), 3);
    assert!(p.rows[0].ok);
    assert!(!p.rows[1].ok && !p.rows[2].ok);

    let id = find(&p, 3, "id_number");
    assert_eq!(id.len(), 1);
    assert_eq!(id[0].column, "SFZH");
    assert_eq!(id[0].code, ProblemCode::BadCheckCharacter);
    let name = find(&p, 3, "name");
    assert_eq!(
        (name[0].column.as_str(), name[0].code),
        ("姓名", ProblemCode::Required)
    );
    assert_eq!(find(&p, 3, "phone")[0].column, "手机号码");
    assert!(!name[0].message_zh.is_empty() && !name[0].message_en.is_empty());

    // The short row: a row-level problem, then the empty required cells.
    let row4: Vec<&CellProblem> = p.problems_of(4).collect();
    assert_eq!(row4[0].column, "");
    assert_eq!(row4[0].field, "");
    assert_eq!(row4[0].code, ProblemCode::BadFormat);
    assert!(
        row4[0].message_en.contains("3 cells"),
        "{}",
        row4[0].message_en
    );
    assert!(row4
        .iter()
        .any(|q| q.field == "student_number" && q.code == ProblemCode::Required));
    // Problems are in row order.
    assert!(p.problems.windows(2).all(|w| w[0].row <= w[1].row));
}

#[test]
fn duplicate_id_numbers_name_the_first_row() {
    let g = cohort(400, 15);
    let x = 5 + g[5..]
        .iter()
        .position(|g| g.basic.id_number.ends_with('X'))
        .expect("an ID number ending in X");
    let csv = roster_csv(&g[..5], HeaderStyle::Chinese);
    // Row 7: graduate x; row 8: graduate 1's ID again; row 9: x's ID in lower case.
    let mut again = g[1].basic.clone();
    again.student_number = "D0001".into();
    let mut lower = g[x].basic.clone();
    lower.id_number = lower.id_number.to_lowercase();
    lower.student_number = "D0002".into();
    let extra = [
        g[x].clone(),
        Graduate {
            basic: again,
            ..g[1].clone()
        },
        Graduate {
            basic: lower,
            ..g[x].clone()
        },
    ];
    let more = roster_csv(&extra, HeaderStyle::Chinese);
    let text = format!("{csv}{}", more.split_once("\r\n").unwrap().1);
    let p = parse(text.as_bytes()).unwrap();
    assert_eq!(p.rows.len(), 8);
    let d8 = find(&p, 8, "id_number");
    assert_eq!(d8.len(), 1);
    assert_eq!(d8[0].code, ProblemCode::Duplicate);
    assert_eq!(d8[0].column, "身份证号");
    assert!(d8[0].message_zh.contains("第 3 行"), "{}", d8[0].message_zh);
    assert!(d8[0].message_en.contains("row 3"));
    let d9: Vec<_> = find(&p, 9, "id_number")
        .into_iter()
        .filter(|q| q.code == ProblemCode::Duplicate)
        .collect();
    assert_eq!(d9.len(), 1, "lower-case x is the same ID number");
    assert!(d9[0].message_en.contains("row 7"));
    // The first occurrences stay good; student numbers of rows 8 and 9 are new.
    assert!(p.rows[1].ok && p.rows[5].ok);
    assert!(!p.rows[6].ok && !p.rows[7].ok);
    assert!(find(&p, 8, "student_number").is_empty());

    // A repeated student number is reported too.
    let text = format!(
        "{HEADER}\n{}\n{}\n",
        sample_line(&sample_id(), "2022010123"),
        sample_line("110105200401011239", "2022010123")
    );
    let p = parse(text.as_bytes()).unwrap();
    let dup = find(&p, 3, "student_number");
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0].code, ProblemCode::Duplicate);
}

#[test]
fn spreadsheet_damage_in_csv_text_is_named() {
    let line = sample_line("3.20102E+17", "2022010123")
        .replace(",31,", ",31.0,")
        .replace(",01,", ",1,");
    let text = format!("{HEADER}\n{line}\n");
    let p = parse(text.as_bytes()).unwrap();
    let codes: Vec<(&str, &str, ProblemCode)> = p
        .problems
        .iter()
        .map(|q| (q.column.as_str(), q.field.as_str(), q.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("身份证号", "id_number", ProblemCode::ScientificNotation),
            ("学历", "education_level", ProblemCode::TrailingDecimal),
        ]
    );
    assert!(p.problems[0].message_zh.contains("科学计数法"));
    // A code that lost its leading zero is read as the table writes it, with a notice.
    let n: Vec<_> = p.notices.iter().collect();
    assert_eq!(n.len(), 1);
    assert_eq!(
        (
            n[0].column.as_str(),
            n[0].code,
            n[0].before.as_str(),
            n[0].after.as_str()
        ),
        ("民族", gradreg::NoticeCode::CodePadding, "1", "01")
    );
    assert_eq!(p.rows[0].info.ethnicity, "01");
}

#[test]
fn truncated_csv_reports_the_cut_row() {
    let g = cohort(50, 16);
    let csv = roster_csv(&g, HeaderStyle::Chinese);
    let cut = &csv[..csv.len() - 40];
    let p = parse(cut.as_bytes()).unwrap();
    assert_eq!(p.rows.len(), 50);
    assert!(p.rows[..49].iter().all(|r| r.ok));
    let last = &p.rows[49];
    assert!(!last.ok);
    let row: Vec<&CellProblem> = p.problems_of(last.row).collect();
    assert!(row
        .iter()
        .any(|q| q.field.is_empty() && q.column.is_empty()));
}

// ---- XLSX ---------------------------------------------------------------------------------

#[cfg(feature = "xlsx")]
mod xlsx {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};

    /// A cell to write.
    pub enum C<'a> {
        S(&'a str),
        N(f64),
        D(u16, u8, u8),
    }

    pub fn workbook(sheets: &[(&str, Vec<Vec<C<'_>>>)]) -> Vec<u8> {
        let mut wb = Workbook::new();
        let date = XFormat::new().set_num_format("yyyy-mm-dd");
        for (name, rows) in sheets {
            let ws = wb.add_worksheet();
            ws.set_name(*name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    match cell {
                        C::S(s) => ws.write_string(r, c, *s).map(|_| ()),
                        C::N(n) => ws.write_number(r, c, *n).map(|_| ()),
                        C::D(y, m, d) => {
                            let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                            ws.write_datetime_with_format(r, c, &dt, &date).map(|_| ())
                        }
                    }
                    .unwrap();
                }
            }
        }
        wb.save_to_buffer().unwrap()
    }

    fn date(s: &str) -> C<'static> {
        let y = s[..4].parse().unwrap();
        let m = s[5..7].parse().unwrap();
        let d = s[8..10].parse().unwrap();
        C::D(y, m, d)
    }

    /// The cohort as a workbook the way an office keeps it: codes as text, dates as Excel
    /// dates, gender, schooling length and phone numbers as numbers.
    pub fn cohort_workbook(g: &[Graduate]) -> Vec<u8> {
        let csv = roster_csv(g, HeaderStyle::Chinese);
        let header: Vec<String> = csv
            .lines()
            .next()
            .unwrap()
            .split(',')
            .map(String::from)
            .collect();
        let mut rows = vec![header.iter().map(|h| C::S(h)).collect::<Vec<_>>()];
        for g in g {
            let b = &g.basic;
            let mut row = Vec::new();
            for (i, v) in [
                &b.name,
                &b.gender,
                &b.id_number,
                &b.exam_number,
                &b.student_number,
                &b.school_code,
                &b.school_name,
                &b.college,
                &b.major_code,
                &b.major_name,
                &b.education_level,
                &b.training_mode,
                &b.schooling_length,
                &b.enrolment_date,
                &b.graduation_date,
                &b.origin_region,
                &b.ethnicity,
                &b.political_status,
                &b.phone,
                &b.email,
                &b.id_type,
                &b.hardship_category,
                &b.teacher_training,
                &b.urban_rural,
                &b.sponsor_unit,
                &b.class_name,
            ]
            .into_iter()
            .enumerate()
            {
                row.push(match i {
                    1 | 12 | 18 => C::N(v.parse().unwrap()),
                    13 | 14 => date(v),
                    _ => C::S(v),
                });
            }
            rows.push(row);
        }
        workbook(&[("生源信息", rows)])
    }

    #[test]
    fn xlsx_reads_the_same_records_as_csv() {
        let g = cohort(200, 21);
        let bytes = cohort_workbook(&g);
        let p = parse(&bytes).unwrap();
        assert_eq!(p.format, Format::Xlsx);
        assert_eq!(p.encoding, "xlsx");
        assert!(p.problems.is_empty(), "{:?}", p.problems.first());
        assert_eq!(infos(&p), basics(&g));
        assert_eq!(p.rows[0].row, 2);
        let declared = parse_as(&bytes, Format::Xlsx, Encoding::Auto).unwrap();
        assert_eq!(infos(&declared), basics(&g));
    }

    #[test]
    fn xlsx_numeric_cells_keep_the_damage_visible() {
        let header: Vec<C> = HEADER.split(',').map(C::S).collect();
        let row = vec![
            C::S("张明"),
            C::N(1.0),
            C::N(320102200403151234.0), // an ID number typed into a number cell
            C::N(2022010123.0),
            C::N(10327.0),
            C::S("南京财经大学"),
            C::S("会计学院"),
            C::S("120203K"),
            C::S("会计学"),
            C::N(31.0),
            C::D(2026, 6, 30),
            C::N(1.0), // 民族 01 as a number
            C::N(13812345678.0),
        ];
        let bytes = workbook(&[("Sheet1", vec![header, row])]);
        let p = parse(&bytes).unwrap();
        let info = &p.rows[0].info;
        assert_eq!(info.id_number, "3.20102E+17");
        assert_eq!(info.gender, "1");
        assert_eq!(info.student_number, "2022010123");
        assert_eq!(info.graduation_date, "2026-06-30");
        assert_eq!(info.ethnicity, "01", "the number 1 read as the code 01");
        assert_eq!(info.phone, "13812345678");
        let codes: Vec<(&str, ProblemCode)> = p
            .problems
            .iter()
            .map(|q| (q.column.as_str(), q.code))
            .collect();
        assert_eq!(codes, vec![("身份证号", ProblemCode::ScientificNotation)]);
        assert_eq!(p.notices.len(), 1);
        assert_eq!(p.notices[0].code, gradreg::NoticeCode::CodePadding);
        assert!(p.problems.iter().all(|q| q.row == 2));
    }

    #[test]
    fn xlsx_finds_the_roster_sheet_and_row_numbers() {
        let g = cohort(5, 22);
        let csv = roster_csv(&g, HeaderStyle::Pinyin);
        let lines: Vec<Vec<String>> = csv
            .lines()
            .map(|l| l.split(',').map(String::from).collect())
            .collect();
        let mut rows: Vec<Vec<C>> = vec![vec![C::S("2026届毕业生生源信息")], vec![]];
        rows.extend(lines.iter().map(|l| l.iter().map(|c| C::S(c)).collect()));
        let notes = vec![vec![C::S("填写说明")], vec![C::S("身份证号请设为文本格式")]];
        let bytes = workbook(&[("说明", notes), ("名单", rows)]);
        let p = parse(&bytes).unwrap();
        assert_eq!(infos(&p), basics(&g));
        // Title row 1, blank row 2, header row 3, first record row 4.
        assert_eq!(p.rows[0].row, 4);
    }

    #[test]
    fn truncated_and_headerless_workbooks() {
        let bytes = cohort_workbook(&cohort(30, 23));
        for cut in [bytes.len() / 2, bytes.len() - 30, 100] {
            let err = parse(&bytes[..cut]).unwrap_err();
            assert_eq!(err.code(), 111, "cut at {cut}: {err:?}");
        }
        let no_header = workbook(&[("Sheet1", vec![vec![C::S("a"), C::S("b")], vec![C::N(1.0)]])]);
        assert_eq!(parse(&no_header).unwrap_err(), Error::RosterNoHeader);
        let empty = workbook(&[("Sheet1", vec![])]);
        assert_eq!(parse(&empty).unwrap_err(), Error::RosterEmpty);
    }

    #[test]
    fn workbook_without_worksheets() {
        let bytes = super::zip::stored(&[
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets></sheets></workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>"#,
            ),
        ]);
        let err = parse(&bytes).unwrap_err();
        assert_eq!(err, Error::RosterNoSheet, "{err}");
        assert_eq!(err.code(), 112);
    }
}

/// A minimal zip writer (stored entries) for hand-made workbooks.
#[cfg(feature = "xlsx")]
mod zip {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    pub fn stored(files: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, body) in files {
            let offset = out.len() as u32;
            let (crc, len) = (crc32(body.as_bytes()), body.len() as u32);
            let header = |sig: u32, central_entry: bool| {
                let mut h = Vec::new();
                h.extend_from_slice(&sig.to_le_bytes());
                if central_entry {
                    h.extend_from_slice(&20u16.to_le_bytes()); // made by
                }
                h.extend_from_slice(&20u16.to_le_bytes()); // needed
                h.extend_from_slice(&0u16.to_le_bytes()); // flags
                h.extend_from_slice(&0u16.to_le_bytes()); // stored
                h.extend_from_slice(&0u32.to_le_bytes()); // time, date
                h.extend_from_slice(&crc.to_le_bytes());
                h.extend_from_slice(&len.to_le_bytes());
                h.extend_from_slice(&len.to_le_bytes());
                h.extend_from_slice(&(name.len() as u16).to_le_bytes());
                h.extend_from_slice(&0u16.to_le_bytes()); // extra
                if central_entry {
                    h.extend_from_slice(&0u16.to_le_bytes()); // comment
                    h.extend_from_slice(&0u16.to_le_bytes()); // disk
                    h.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
                    h.extend_from_slice(&0u32.to_le_bytes()); // external attrs
                    h.extend_from_slice(&offset.to_le_bytes());
                }
                h.extend_from_slice(name.as_bytes());
                h
            };
            out.extend(header(0x0403_4b50, false));
            out.extend_from_slice(body.as_bytes());
            central.extend(header(0x0201_4b50, true));
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&(files.len() as u16).to_le_bytes());
        out.extend_from_slice(&(files.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }
}

// ---- the cohort generator -----------------------------------------------------------------

#[test]
fn cohort_is_deterministic() {
    let a = cohort(500, 42);
    let b = cohort(500, 42);
    assert_eq!(a, b);
    let c = cohort(500, 43);
    assert_ne!(a, c);
    // A prefix of a larger cohort is the smaller cohort.
    assert_eq!(&cohort(800, 42)[..500], &a[..]);
    let spec = CohortSpec::default();
    assert_eq!(
        (spec.seed, spec.size, spec.graduation_year),
        (1, 1000, 2026)
    );
    assert_eq!(generate(&spec).len(), 1000);
}

#[test]
fn every_generated_record_validates() {
    let g = cohort(4000, 7);
    for (i, g) in g.iter().enumerate() {
        assert_eq!(g.basic.problems(t()), vec![], "basic #{i}: {:?}", g.basic);
        assert_eq!(g.chsi.problems(t()), vec![], "chsi #{i}");
        assert_eq!(
            g.destination.problems(t()),
            vec![],
            "destination #{i}: {:?}",
            g.destination
        );
        assert_eq!(g.chsi.id_number, g.basic.id_number);
        assert_eq!(g.chsi.name, g.basic.name);
        assert_eq!(g.basic.graduation_year(), Some(2026));
    }
}

#[test]
fn cohort_is_unique_varied_and_realistic() {
    let g = cohort(20_000, 3);
    let ids: std::collections::HashSet<_> = g.iter().map(|g| &g.basic.id_number).collect();
    let students: std::collections::HashSet<_> =
        g.iter().map(|g| &g.basic.student_number).collect();
    assert_eq!(ids.len(), g.len());
    assert_eq!(students.len(), g.len());

    let share = |f: &dyn Fn(&Graduate) -> bool| g.iter().filter(|x| f(x)).count() * 1000 / g.len();
    let code = |g: &Graduate| g.destination.destination.code.clone();
    let employed = share(&|x| matches!(code(x).as_str(), "10" | "11" | "12"));
    assert!((450..650).contains(&employed), "employed {employed}‰");
    for (c, lo, hi) in [
        ("80", 100, 260),
        ("85", 30, 110),
        ("70", 40, 150),
        ("71", 10, 80),
    ] {
        let s = share(&|x| code(x) == c);
        assert!((lo..hi).contains(&s), "{c}: {s}‰");
    }
    assert!(g
        .iter()
        .any(|x| x.destination.destination.sub_code.as_deref() == Some("502")));
    assert!(g.iter().any(|x| code(x) == "72"));
    let archive = share(&|x| x.destination.archive.is_some());
    let hukou = share(&|x| x.destination.hukou.is_some());
    assert!(
        archive > 850 && hukou > 750,
        "archive {archive}‰ hukou {hukou}‰"
    );
    assert!(g
        .iter()
        .any(|x| x.destination.hukou.as_ref().is_some_and(|h| h.migrate)));

    // Employers carry valid credit codes (checked by validation above); several provinces.
    let provinces: std::collections::HashSet<_> = g
        .iter()
        .map(|x| x.basic.id_number[..2].to_string())
        .collect();
    assert!(provinces.len() >= 15, "{provinces:?}");
    let levels: std::collections::HashSet<_> =
        g.iter().map(|x| x.basic.education_level.as_str()).collect();
    assert!(levels.contains("31") && levels.contains("11") && levels.contains("01"));
    for rare in ["堃", "镕", "喆", "昇"] {
        assert!(
            g.iter().any(|x| x.basic.name.contains(rare)),
            "no name with {rare}"
        );
    }
    assert!(g.iter().any(|x| x.basic.name.contains('·')));
    for major in ["120203K", "080901", "020301K"] {
        assert!(g.iter().any(|x| x.basic.major_code == major), "{major}");
    }
    // The gender digit matches the gender.
    for x in &g {
        let digit = x.basic.id_number.as_bytes()[16] - b'0';
        assert_eq!(x.basic.gender == "1", digit % 2 == 1);
    }
}

// ---- robustness ---------------------------------------------------------------------------

fn no_panic(bytes: &[u8]) {
    for opts in [
        RosterOptions::default(),
        RosterOptions {
            format: Format::Csv,
            encoding: Encoding::Utf8,
            ..RosterOptions::default()
        },
        RosterOptions {
            format: Format::Csv,
            encoding: Encoding::Gb18030,
            ..RosterOptions::default()
        },
        RosterOptions {
            format: Format::Xlsx,
            encoding: Encoding::Auto,
            ..RosterOptions::default()
        },
    ] {
        let _ = parse_roster(bytes, &opts, t());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        no_panic(&bytes);
        let mut zipped = b"PK\x03\x04".to_vec();
        zipped.extend_from_slice(&bytes);
        no_panic(&zipped);
    }

    #[test]
    fn damaged_rosters_never_panic(
        cut in 0usize..4000,
        flips in proptest::collection::vec((0usize..4000, any::<u8>()), 0..8),
    ) {
        let csv = roster_csv(&cohort(12, 5), HeaderStyle::Chinese).into_bytes();
        let mut bytes = csv[..cut.min(csv.len())].to_vec();
        for (at, b) in &flips {
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] = *b;
            }
        }
        no_panic(&bytes);
    }
}

#[cfg(feature = "xlsx")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn damaged_workbooks_never_panic(
        cut in 0usize..20_000,
        flips in proptest::collection::vec((0usize..20_000, any::<u8>()), 0..4),
    ) {
        static BOOK: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let book = BOOK.get_or_init(|| xlsx::cohort_workbook(&cohort(20, 6)));
        let mut bytes = book[..cut.min(book.len())].to_vec();
        for (at, b) in &flips {
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] = *b;
            }
        }
        no_panic(&bytes);
    }
}

#[test]
fn header_only_roster_has_no_rows() {
    let err = parse(format!("标题\r\n{HEADER}\r\n\r\n").as_bytes()).unwrap_err();
    assert_eq!(err, Error::RosterNoRows { header_row: 2 });
    assert_eq!(err.code().name(), "roster_no_rows");
}

#[test]
fn a_deployment_adds_its_own_headers() {
    use gradreg::roster::{parse_roster_with, HeaderAliases};
    let text = format!(
        "{}\n{}\n",
        HEADER.replace("身份证号", "居民证号"),
        sample_line(&sample_id(), "2022010123")
    );
    let err = parse(text.as_bytes()).unwrap_err();
    assert!(matches!(err, Error::RosterMissingColumns { .. }));
    let mut aliases = HeaderAliases::builtin().clone();
    aliases.load_tsv("居民证号\tid_number\n").unwrap();
    let p = parse_roster_with(text.as_bytes(), &RosterOptions::default(), t(), &aliases).unwrap();
    assert!(p.rows[0].ok);
    assert_eq!(p.rows[0].info.id_number, sample_id());
}

#[test]
fn declared_gb18030_reports_undecodable_bytes() {
    let err = parse_as(b"xm,sfzh\n\x81\x20,1\n", Format::Csv, Encoding::Gb18030).unwrap_err();
    assert!(
        matches!(&err, Error::RosterEncoding { encoding, line: 2, .. } if encoding == "gb18030"),
        "{err:?}"
    );
}

// ---- rosters as offices write them ----------------------------------------------------------

/// The sample line with its gender written `g` (the sample holder is a man).
fn line_with_gender(g: &str) -> String {
    sample_line(&sample_id(), "2022010123").replacen(",1,", &format!(",{g},"), 1)
}

#[test]
fn a_code_column_and_a_name_column_side_by_side() {
    let header = HEADER
        .replace("性别", "性别代码,性别")
        .replace("民族", "民族代码,民族");
    let good = sample_line(&sample_id(), "2022010123")
        .replacen(",1,", ",1,男,", 1)
        .replace(",01,", ",01,汉族,");
    let bad = sample_line(&sample_id(), "2022010124")
        .replacen(",1,", ",1,女,", 1)
        .replace(",01,", ",01,火星族,");
    let text = format!("{header}\n{good}\n{bad}\n");
    let p = parse(text.as_bytes()).unwrap();
    assert!(p.rows[0].ok, "{:?}", p.problems_of(2).collect::<Vec<_>>());
    assert_eq!(p.rows[0].info.gender, "1");
    let found: Vec<(&str, &str, ProblemCode)> = p
        .problems_of(3)
        .map(|q| (q.column.as_str(), q.field.as_str(), q.code))
        .collect();
    assert!(
        found.contains(&("性别", "gender", ProblemCode::CodeNameMismatch)),
        "{found:?}"
    );
    assert!(
        found.contains(&("民族", "ethnicity", ProblemCode::UnknownCode)),
        "{found:?}"
    );
    let uses: Vec<(&str, &str, ColumnUseKind)> = p
        .columns
        .iter()
        .map(|c| (c.header.as_str(), c.field.as_str(), c.kind))
        .collect();
    assert!(uses.contains(&("性别代码", "gender", ColumnUseKind::Read)));
    assert!(uses.contains(&("性别", "gender", ColumnUseKind::Checked)));
    // With the code cell empty, the name beside it is read (with a notice).
    let text = format!(
        "{header}\n{}\n",
        sample_line(&sample_id(), "2022010123")
            .replacen(",1,", ",,男,", 1)
            .replace(",01,", ",01,汉族,")
    );
    let p = parse(text.as_bytes()).unwrap();
    assert!(p.rows[0].ok && p.rows[0].info.gender == "1");
    assert_eq!(p.notices[0].column, "性别");
}

#[test]
fn genders_in_words_keep_the_id_check_on() {
    // The sample ID number is a man's: 女 / 女性 / ２ must each disagree with it.
    for g in ["男", "男性", "1", "１"] {
        let p = parse(format!("{HEADER}\n{}\n", line_with_gender(g)).as_bytes()).unwrap();
        assert!(p.rows[0].ok, "{g}: {:?}", p.problems);
        assert_eq!(p.rows[0].info.gender, "1");
    }
    for g in ["女", "女性", "2", "２"] {
        let p = parse(format!("{HEADER}\n{}\n", line_with_gender(g)).as_bytes()).unwrap();
        assert!(
            p.problems
                .iter()
                .any(|q| q.code == ProblemCode::GenderMismatch),
            "{g}: the gender check switched off: {:?}",
            p.problems
        );
    }
}

#[test]
fn mac_line_ends_give_true_row_numbers() {
    let text = format!(
        "{HEADER}\r{}\r{}\r",
        sample_line(&sample_id(), "2022010123"),
        sample_line("123", "2022010124")
    );
    let p = parse(text.as_bytes()).unwrap();
    assert_eq!(p.rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![2, 3]);
    assert!(p.problems.iter().all(|q| q.row == 3), "{:?}", p.problems);
}

#[test]
fn a_forced_encoding_that_reads_as_nonsense_is_refused() {
    let text = format!("{HEADER}\n{}\n", sample_line(&sample_id(), "2022010123"));
    let err = parse_as(text.as_bytes(), Format::Csv, Encoding::Gb18030).unwrap_err();
    assert!(
        matches!(err, Error::RosterImplausibleText { .. }),
        "{err:?}"
    );
    assert_eq!(err.code().name(), "roster_implausible_text");
    assert!(parse(text.as_bytes()).is_ok(), "auto-detection reads it");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    assert!(parse_as(&gbk, Format::Csv, Encoding::Gb18030).is_ok());
}

#[test]
fn values_as_offices_write_them_draw_notices_not_problems() {
    let line = sample_line(&sample_id(), "２０２２０１０１２３")
        .replace("2026-06-30", "2026年6月30日")
        .replace(",31,", ",本科,")
        .replace(",01,", ",汉族,");
    let p = parse(format!("{HEADER}\n{line}\n").as_bytes()).unwrap();
    assert!(p.rows[0].ok, "{:?}", p.problems);
    let info = &p.rows[0].info;
    assert_eq!(
        (
            info.student_number.as_str(),
            info.graduation_date.as_str(),
            info.education_level.as_str(),
            info.ethnicity.as_str()
        ),
        ("2022010123", "2026-06-30", "31", "01")
    );
    let notes: Vec<(&str, NoticeCode, &str)> = p
        .notices
        .iter()
        .map(|n| (n.field.as_str(), n.code, n.before.as_str()))
        .collect();
    assert_eq!(
        notes,
        vec![
            (
                "student_number",
                NoticeCode::FullWidth,
                "２０２２０１０１２３"
            ),
            ("education_level", NoticeCode::CodeFromName, "本科"),
            ("graduation_date", NoticeCode::DateForm, "2026年6月30日"),
            ("ethnicity", NoticeCode::CodeFromName, "汉族"),
        ]
    );
    assert!(p.notices[0].message_zh.contains("２０２２０１０１２３"));
    // A date with two readings stays a problem, named as such (and only once).
    let line = sample_line(&sample_id(), "2022010123").replace("2026-06-30", "6/7/2026");
    let p = parse(format!("{HEADER}\n{line}\n").as_bytes()).unwrap();
    let codes: Vec<_> = p
        .problems
        .iter()
        .map(|q| (q.field.as_str(), q.code))
        .collect();
    assert_eq!(codes, vec![("graduation_date", ProblemCode::Ambiguous)]);
}

#[test]
fn template_headers_with_notes_and_ignored_columns() {
    let header = "序号,姓名（必填）,性别,*身份证 号,【必填】学号,学校代码,学校名称,所在院系,专业代码,专业,学历层次,毕业时间(格式:YYYYMMDD),民族,联系电话,备注";
    let line = format!(
        "1,{},",
        sample_line(&sample_id(), "2022010123").replace("2026-06-30", "20260630")
    );
    let title = "2026届毕业生生源信息,,,,";
    let p = parse(format!("{title}\n{header}\n{line}\n").as_bytes()).unwrap();
    assert!(p.rows[0].ok, "{:?}", p.problems);
    assert_eq!(p.header_row, 2);
    assert_eq!(p.rows[0].row, 3);
    let ignored: Vec<&str> = p.ignored_columns().map(|c| c.header.as_str()).collect();
    assert_eq!(ignored, vec!["序号", "备注"]);
    // The preview says the same without reading a row, and lists what is missing.
    let preview = gradreg::preview_header(
        header.replace("【必填】学号", "编号").as_bytes(),
        &RosterOptions::default(),
        gradreg::HeaderAliases::builtin(),
    )
    .unwrap();
    assert!(!preview.usable());
    assert_eq!(preview.missing, vec!["学号 (student_number)".to_string()]);
    assert_eq!(preview.columns.len(), 15);
}

#[test]
fn an_instructions_sheet_before_the_roster_is_passed_over() {
    use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let help = wb.add_worksheet();
    help.set_name("填写说明").unwrap();
    for (r, (a, b)) in [
        ("字段", "说明"),
        ("姓名", "与身份证一致"),
        ("身份证号", "18 位，文本格式"),
    ]
    .iter()
    .enumerate()
    {
        help.write_string(r as u32, 0, *a).unwrap();
        help.write_string(r as u32, 1, *b).unwrap();
    }
    let ws = wb.add_worksheet();
    ws.set_name("生源信息").unwrap();
    let date = XFormat::new().set_num_format("yyyy-mm-dd");
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (c, v) in sample_line(&sample_id(), "2022010123")
        .split(',')
        .enumerate()
    {
        let c = c as u16;
        match v {
            "2026-06-30" => {
                let d = ExcelDateTime::from_ymd(2026, 6, 30).unwrap();
                ws.write_datetime_with_format(1, c, &d, &date).map(|_| ())
            }
            "1" => ws.write_string(1, c, "男").map(|_| ()),
            _ => ws.write_string(1, c, v).map(|_| ()),
        }
        .unwrap();
    }
    // The graduation date once more as a bare serial number, as a pasted value leaves it.
    let bytes = wb.save_to_buffer().unwrap();
    let p = parse(&bytes).unwrap();
    assert_eq!(p.sheet.as_deref(), Some("生源信息"));
    assert!(p.rows[0].ok, "{:?}", p.problems);
    assert_eq!(p.rows[0].info.graduation_date, "2026-06-30");
    assert_eq!(
        p.notices.len(),
        1,
        "男 only: a date cell is a date, not a rewrite"
    );

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (c, v) in sample_line(&sample_id(), "2022010123")
        .split(',')
        .enumerate()
    {
        match v {
            "2026-06-30" => ws.write_number(1, c as u16, 46203.0).map(|_| ()),
            _ => ws.write_string(1, c as u16, v).map(|_| ()),
        }
        .unwrap();
    }
    let p = parse(&wb.save_to_buffer().unwrap()).unwrap();
    assert!(p.rows[0].ok, "{:?}", p.problems);
    assert_eq!(p.rows[0].info.graduation_date, "2026-06-30");
    assert_eq!(p.notices[0].code, NoticeCode::DateSerial);
    assert_eq!(p.notices[0].before, "46203");
}

#[test]
fn scanning_row_by_row_sees_what_parsing_keeps() {
    let g = cohort(300, 9);
    let mut csv = roster_csv(&g, HeaderStyle::Chinese);
    // Damage: a repeated ID number, a scientific-notation one, a row with a date in words.
    csv = csv.replacen(&g[10].basic.id_number, &g[3].basic.id_number, 1);
    csv = csv.replacen(&g[20].basic.id_number, "3.20102E+17", 1);
    csv = csv.replacen(&g[30].basic.graduation_date, "2026年6月30日", 1);
    let opts = RosterOptions::default();
    let parsed = parse(csv.as_bytes()).unwrap();
    let (mut rows, mut problems) = (Vec::new(), Vec::new());
    let scan = gradreg::scan_roster(
        csv.as_bytes(),
        &opts,
        t(),
        gradreg::HeaderAliases::builtin(),
        |row, ps| {
            rows.push(row.clone());
            problems.extend_from_slice(ps);
            assert_eq!(row.ok, ps.is_empty());
        },
    )
    .unwrap();
    assert_eq!(rows, parsed.rows);
    assert_eq!(problems, parsed.problems);
    assert_eq!(scan.notices, parsed.notices);
    assert_eq!(scan.columns, parsed.columns);
    assert_eq!(
        (scan.rows, scan.bad_rows, scan.problems),
        (300, 2, parsed.problems.len())
    );
    assert!(parsed
        .problems
        .iter()
        .any(|p| p.code == ProblemCode::Duplicate && p.row == 12));
}

// ---- fields added since the first layout ----------------------------------------------------

#[test]
fn document_type_and_the_new_sheng_yuan_fields_read_as_offices_write_them() {
    let header =
        format!("{HEADER},证件类型,困难生类别,师范生类别代码,城乡生源,定向委培单位,所在班级");
    let passport = sample_line("K12345678", "2022010123")
        + ",外国护照,就业困难和家庭困难,12,农村,南京市教育局,会计2201班";
    let permit_id = gradreg::validate::id_check_character("81000020040315121")
        .map(|c| format!("81000020040315121{c}"))
        .unwrap();
    let permit =
        sample_line(&permit_id, "2022010124") + ",港澳居民居住证,0,免费师范生,城市,,会计2201班";
    let card = sample_line(&sample_id(), "2022010125") + ",,,,,,";
    let p = parse(format!("{header}\n{passport}\n{permit}\n{card}\n").as_bytes()).unwrap();
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    let got: Vec<[&str; 6]> = p
        .rows
        .iter()
        .map(|r| {
            let i = &r.info;
            [
                i.id_type.as_str(),
                i.hardship_category.as_str(),
                i.teacher_training.as_str(),
                i.urban_rural.as_str(),
                i.sponsor_unit.as_str(),
                i.class_name.as_str(),
            ]
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ["7", "3", "12", "2", "南京市教育局", "会计2201班"],
            ["2", "0", "12", "1", "", "会计2201班"],
            ["", "", "", "", "", ""],
        ]
    );
    let from_names: Vec<(&str, &str)> = p
        .notices
        .iter()
        .filter(|n| n.code == NoticeCode::CodeFromName)
        .map(|n| (n.field.as_str(), n.before.as_str()))
        .collect();
    for want in [
        ("id_type", "外国护照"),
        ("hardship_category", "就业困难和家庭困难"),
        ("urban_rural", "农村"),
        ("id_type", "港澳居民居住证"),
        ("teacher_training", "免费师范生"),
        ("urban_rural", "城市"),
    ] {
        assert!(from_names.contains(&want), "{want:?} in {from_names:?}");
    }
    // A document type no table knows, and a number that is not of its type, are problems of
    // their cells.
    let bad = sample_line(&sample_id(), "2022010126") + ",驾驶证,9,3,郊区,,";
    let p = parse(format!("{header}\n{bad}\n").as_bytes()).unwrap();
    let codes: Vec<(&str, ProblemCode)> = p
        .problems
        .iter()
        .map(|q| (q.field.as_str(), q.code))
        .collect();
    for want in [
        ("id_type", ProblemCode::UnknownCode),
        ("hardship_category", ProblemCode::UnknownCode),
        ("teacher_training", ProblemCode::UnknownCode),
        ("urban_rural", ProblemCode::UnknownCode),
    ] {
        assert!(codes.contains(&want), "{want:?} in {codes:?}");
    }
    let permit_as_card = sample_line(&permit_id, "2022010127") + ",居民身份证,,,,,";
    let p = parse(format!("{header}\n{permit_as_card}\n").as_bytes()).unwrap();
    assert_eq!(
        find(&p, 2, "id_number")
            .iter()
            .map(|q| q.code)
            .collect::<Vec<_>>(),
        vec![ProblemCode::IdTypeMismatch]
    );
}

#[test]
fn generated_rosters_exercise_the_new_fields_and_read_back_identically() {
    let g = cohort(3000, 11);
    let b = basics(&g);
    let count = |f: &dyn Fn(&BasicInfo) -> bool| b.iter().filter(|i| f(i)).count();
    assert!(count(&|i| i.id_type == "2") > 5, "HK/Macao permits");
    assert!(count(&|i| i.id_type == "3") > 2, "Taiwan permits");
    assert!(count(&|i| !i.hardship_category.is_empty() && i.hardship_category != "0") > 100);
    assert!(count(&|i| i.hardship_category.is_empty()) > 300);
    assert!(count(&|i| i.teacher_training == "12") > 5);
    assert!(count(&|i| i.urban_rural == "2") > 500);
    assert!(count(&|i| !i.sponsor_unit.is_empty()) > 5);
    assert_eq!(count(&|i| i.class_name.is_empty()), 0);
    for style in [HeaderStyle::Chinese, HeaderStyle::Pinyin] {
        let p = parse(roster_csv(&g, style).as_bytes()).unwrap();
        assert!(p.problems.is_empty(), "{style:?}: {:?}", &p.problems[..1]);
        assert_eq!(infos(&p), b, "{style:?}");
    }
    // The CHSI account names the same document.
    assert!(g.iter().all(|g| g.chsi.id_type == g.basic.id_type));
}

#[test]
fn destination_files_read_countries_agreements_and_enterprises() {
    use gradreg::roster::parse_destinations;
    use gradreg::{AgreementStatus, CodeTables};
    let id = sample_id();
    let credit = gradreg::sample::credit_code("320113", "MA1XK2P3Q").unwrap();
    let header = "学号,身份证号,姓名,毕业去向代码,留学国家（地区）,留学院校,就业协议书编号,网签状态,创业企业名称,创业企业统一社会信用代码,企业成立日期,本人角色,创业企业所在地代码";
    let rows = [
        format!("2022010123,{id},张明,85,英国,伦敦大学学院,,,,,,,"),
        format!("2022010123,{id},张明,85,United Kingdom,伦敦大学学院,,,,,,,"),
        format!("2022010123,{id},张明,85,gbr,伦敦大学学院,,,,,,,"),
        format!("2022010123,{id},张明,85,香港,香港大学,,,,,,,"),
        format!("2022010123,{id},张明,85,火星,火星大学,,,,,,,"),
        format!("2022010123,{id},张明,10,,,JY-2026-000123,已网签,,,,,"),
        format!("2022010123,{id},张明,75,,,,,南京启明科技有限公司,{credit},2025-11-02,法定代表人,320113"),
    ];
    let csv = format!("{header}\n{}\n", rows.join("\n"));
    let p = parse_destinations(
        csv.as_bytes(),
        &RosterOptions::default(),
        CodeTables::builtin(),
    )
    .unwrap();
    let country: Vec<String> = p
        .rows
        .iter()
        .take(5)
        .map(|r| {
            r.data
                .destination
                .abroad
                .as_ref()
                .map(|a| a.country_region.clone())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(country, ["GBR", "GBR", "GBR", "HKG", "火星"]);
    assert!(p.rows[..4].iter().all(|r| r.ok));
    assert!(!p.rows[4].ok);
    let d = &p.rows[5].data.destination;
    assert_eq!(d.agreement_number.as_deref(), Some("JY-2026-000123"));
    assert_eq!(d.agreement_status, Some(AgreementStatus::SignedOnline));
    let e = p.rows[6]
        .data
        .destination
        .enterprise
        .as_ref()
        .expect("enterprise");
    assert_eq!(
        (
            e.name.as_str(),
            e.role.as_str(),
            e.founding_date.as_str(),
            e.region.as_str()
        ),
        ("南京启明科技有限公司", "1", "2025-11-02", "320113")
    );
    assert!(p.rows[6].ok, "{:?}", p.problems);
    // Enterprise cells on another destination, a bad status: problems.
    let bad = [
        format!("2022010123,{id},张明,10,,,JY1,已签字,,,,,"),
        format!("2022010123,{id},张明,11,,,,,南京启明科技有限公司,{credit},2025-11-02,股东,320113"),
        format!("2022010123,{id},张明,75,,,,,,,,,"),
    ];
    let csv = format!("{header}\n{}\n", bad.join("\n"));
    let p = parse_destinations(
        csv.as_bytes(),
        &RosterOptions::default(),
        CodeTables::builtin(),
    )
    .unwrap();
    let codes: Vec<(usize, &str, ProblemCode)> = p
        .problems
        .iter()
        .map(|q| (q.row, q.field.as_str(), q.code))
        .collect();
    for want in [
        (2, "destination.agreement_status", ProblemCode::UnknownCode),
        (2, "destination.agreement_number", ProblemCode::BadFormat),
        (3, "destination.enterprise", ProblemCode::NotAllowed),
        (4, "destination.enterprise", ProblemCode::Missing),
    ] {
        assert!(codes.contains(&want), "{want:?} in {codes:?}");
    }
}

#[test]
fn education_levels_written_by_their_gb_t_4658_names_or_as_higher_vocational() {
    for (written, code) in [
        ("大学本科毕业", "31"),
        ("大学本科结业", "32"),
        ("大学专科毕业", "41"),
        ("高职（专科）", "41"),
        ("硕士研究生结业", "12"),
    ] {
        let line = sample_line(&sample_id(), "2022010123").replace(",31,", &format!(",{written},"));
        let p = parse(format!("{HEADER}\n{line}\n").as_bytes()).unwrap();
        assert!(p.problems.is_empty(), "{written}: {:?}", p.problems);
        assert_eq!(p.rows[0].info.education_level, code, "{written}");
    }
}
