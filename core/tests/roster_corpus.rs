//! The roster corpus (`core/tests/corpus/`): rosters shaped like real exports, written by a
//! script of their own, with an answer key of planted problems. Every file is read with
//! [`parse_roster`] and what the importer reports is scored against the key: recall (planted
//! problems found) and false alarms (problems reported that the key does not list), per file and
//! in total, with the expected notices, sheet, row count and file-level errors.
//!
//! Run with `cargo test -p gradreg --test roster_corpus -- --nocapture` to see the score.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use gradreg::roster::{parse_roster, Encoding, ParsedRoster, RosterOptions};
use gradreg::CodeTables;

/// The corpus folder.
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// What the key expects of one file.
#[derive(Debug, Default)]
struct Expected {
    /// Planted problems: (row, field, problem code).
    problems: BTreeSet<(usize, String, String)>,
    /// Notices that must appear at least once: (field, notice code).
    notices: BTreeSet<(String, String)>,
    /// The error that refuses the whole file.
    error: Option<String>,
    /// The sheet the roster is read from.
    sheet: Option<String>,
    /// The number of data rows.
    rows: Option<usize>,
    /// The encoding the caller declares.
    encoding: Option<String>,
}

/// Reads `answers.tsv` into the expectations of each file.
fn read_key() -> BTreeMap<String, Expected> {
    let path = corpus_dir().join("answers.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut key: BTreeMap<String, Expected> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, row, field, expect] = cols[..] else {
            panic!("answers.tsv line {}: expected 4 columns: {line:?}", n + 1);
        };
        let e = key.entry(file.to_string()).or_default();
        let (kind, value) = expect.split_once(':').unwrap_or(("", expect));
        let field = if field == "\"\"" { "" } else { field };
        match (row, kind) {
            ("*", "notice") => {
                e.notices.insert((field.to_string(), value.to_string()));
            }
            ("-", "error") => e.error = Some(value.to_string()),
            ("sheet", "sheet") => e.sheet = Some(value.to_string()),
            ("opts", "encoding") => e.encoding = Some(value.to_string()),
            ("rows", "rows") => {
                e.rows = Some(value.parse().unwrap_or_else(|_| {
                    panic!("answers.tsv line {}: bad row count {value:?}", n + 1)
                }))
            }
            _ => {
                let row: usize = row
                    .parse()
                    .unwrap_or_else(|_| panic!("answers.tsv line {}: bad row {row:?}", n + 1));
                e.problems
                    .insert((row, field.to_string(), expect.to_string()));
            }
        }
    }
    key
}

/// The corpus files, by name, in name order.
fn corpus_files() -> Vec<(String, PathBuf)> {
    let dir = corpus_dir().join("files");
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("UTF-8 file name")
                .to_string();
            (name, path)
        })
        .collect();
    files.sort();
    files
}

/// The options a file is read with.
fn options(e: &Expected) -> RosterOptions {
    let encoding = match e.encoding.as_deref() {
        None => Encoding::Auto,
        Some("gb18030") => Encoding::Gb18030,
        Some("utf-8") => Encoding::Utf8,
        Some(other) => panic!("answers.tsv: unknown encoding {other:?}"),
    };
    RosterOptions {
        encoding,
        ..RosterOptions::default()
    }
}

/// The score of one file.
#[derive(Debug, Default)]
struct Score {
    planted: usize,
    found: usize,
    false_alarms: usize,
    /// Everything that keeps the file from passing, one line each.
    failures: Vec<String>,
}

/// Scores a parsed roster against the key.
fn score_roster(p: &ParsedRoster, e: &Expected, s: &mut Score) {
    let reported: BTreeSet<(usize, String, String)> = p
        .problems
        .iter()
        .map(|q| (q.row, q.field.clone(), q.code.as_str().to_string()))
        .collect();
    s.found = e.problems.intersection(&reported).count();
    for (row, field, code) in e.problems.difference(&reported) {
        let near: Vec<String> = p
            .problems_of(*row)
            .map(|q| format!("{} {}", q.field, q.code.as_str()))
            .collect();
        s.failures.push(format!(
            "missed: row {row} {field} {code} (the importer reported on that row: {})",
            if near.is_empty() {
                "nothing".to_string()
            } else {
                near.join(", ")
            }
        ));
    }
    for q in &p.problems {
        let k = (q.row, q.field.clone(), q.code.as_str().to_string());
        if !e.problems.contains(&k) {
            s.false_alarms += 1;
            s.failures.push(format!(
                "false alarm: row {} {} ({}) {}: {}",
                q.row,
                q.field,
                q.column,
                q.code.as_str(),
                q.message_en
            ));
        }
    }
    for (field, code) in &e.notices {
        let seen = p
            .notices
            .iter()
            .any(|n| n.field == *field && n.code.as_str() == code);
        if !seen {
            s.failures
                .push(format!("no notice {code} on {field} in the whole file"));
        }
    }
    if let Some(sheet) = &e.sheet {
        if p.sheet.as_deref() != Some(sheet.as_str()) {
            s.failures.push(format!(
                "read sheet {:?}, the roster is on {sheet:?}",
                p.sheet
            ));
        }
    }
    if let Some(rows) = e.rows {
        if p.rows.len() != rows {
            s.failures.push(format!(
                "{} data rows read, the file has {rows}",
                p.rows.len()
            ));
        }
    }
}

/// Reads one file and scores it.
fn score_file(path: &Path, e: &Expected) -> Score {
    let mut s = Score {
        planted: e.problems.len(),
        ..Score::default()
    };
    let bytes = std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    match (
        parse_roster(&bytes, &options(e), CodeTables::builtin()),
        &e.error,
    ) {
        (Ok(p), None) => score_roster(&p, e, &mut s),
        (Ok(p), Some(want)) => s.failures.push(format!(
            "read ({} rows, {} problems) but must be refused with {want}",
            p.rows.len(),
            p.problems.len()
        )),
        (Err(err), Some(want)) if err.code().name() == want => {}
        (Err(err), want) => s.failures.push(format!(
            "refused with {} ({err}), expected {}",
            err.code().name(),
            want.as_deref().unwrap_or("a roster")
        )),
    }
    s
}

/// A percentage, 100% for nothing to find.
fn percent(found: usize, planted: usize) -> f64 {
    if planted == 0 {
        100.0
    } else {
        100.0 * found as f64 / planted as f64
    }
}

#[test]
fn corpus_scores_full_recall_and_no_false_alarms() {
    let key = read_key();
    let files = corpus_files();
    let mut report = String::new();
    let (mut planted, mut found, mut false_alarms, mut failing) = (0, 0, 0, 0);
    for (name, path) in &files {
        let empty = Expected::default();
        let e = key.get(name).unwrap_or(&empty);
        let s = score_file(path, e);
        planted += s.planted;
        found += s.found;
        false_alarms += s.false_alarms;
        let verdict = if s.failures.is_empty() { "ok" } else { "FAIL" };
        if !s.failures.is_empty() {
            failing += 1;
        }
        let _ = writeln!(
            report,
            "{name}: recall {}/{} ({:.0}%), false alarms {} — {verdict}",
            s.found,
            s.planted,
            percent(s.found, s.planted),
            s.false_alarms
        );
        for f in &s.failures {
            let _ = writeln!(report, "    {f}");
        }
    }
    let _ = writeln!(
        report,
        "total: recall {found}/{planted} ({:.1}%), false alarms {false_alarms}, files failing {failing} of {}",
        percent(found, planted),
        files.len()
    );
    println!("{report}");
    assert_eq!(failing, 0, "the corpus does not pass:\n{report}");
}

#[test]
fn key_and_files_agree() {
    // Every file has a line in the key and every key line names a file; the key plants at
    // least 60 problems, at least three of each kind, one per row.
    let key = read_key();
    let names: BTreeSet<String> = corpus_files().into_iter().map(|(n, _)| n).collect();
    let keyed: BTreeSet<String> = key.keys().cloned().collect();
    assert_eq!(names, keyed, "files and key name the same files");
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for e in key.values() {
        let rows: BTreeSet<usize> = e.problems.iter().map(|(r, _, _)| *r).collect();
        assert_eq!(rows.len(), e.problems.len(), "one planted problem per row");
        assert!(
            e.error.is_some() || e.rows.is_some(),
            "each roster states its row count"
        );
        for (_, _, code) in &e.problems {
            *kinds.entry(code.as_str()).or_default() += 1;
        }
    }
    let total: usize = kinds.values().sum();
    assert!(total >= 60, "{total} planted problems");
    for (code, n) in &kinds {
        assert!(*n >= 3, "{code} is planted {n} times");
    }
    for code in [
        "bad_check_character",
        "gender_mismatch",
        "unknown_code",
        "bad_date",
        "required",
        "duplicate",
        "bad_format",
        "scientific_notation",
        "code_name_mismatch",
        "unknown_region",
        "ambiguous",
    ] {
        assert!(kinds.contains_key(code), "{code} is planted");
    }
}
