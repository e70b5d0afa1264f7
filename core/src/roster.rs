//! Roster import (生源信息名单导入): reads the roster a school uploads — CSV in UTF-8 (with or
//! without a byte-order mark) or GB18030/GBK, or an XLSX workbook — into [`BasicInfo`] records and
//! a report of every bad cell.
//!
//! - **Headers** are matched against an alias table that ships as data
//!   (`core/data/roster_headers.tsv`): Chinese headers (姓名, 身份证号 …) and the pinyin
//!   abbreviations of exports (xm, sfzh …), case-insensitively, ignoring surrounding spaces, a
//!   byte-order mark and `*` required-markers. A deployment extends the table with
//!   [`HeaderAliases::load_tsv`] and [`parse_roster_with`]. Columns that name no field (序号,
//!   备注 …) are ignored. The header is the first row, among the first
//!   [`HEADER_SCAN_ROWS`] non-empty rows, that names at least one known column, so a title row
//!   above it is skipped.
//! - **File-level problems** are typed errors: [`Error::RosterEmpty`], [`Error::RosterNoHeader`],
//!   [`Error::RosterMissingColumns`], [`Error::RosterDuplicateColumns`],
//!   [`Error::RosterEncoding`], [`Error::RosterXlsx`], [`Error::RosterNoSheet`],
//!   [`Error::RosterIo`] and [`Error::RosterUnsupportedFormat`].
//! - **Row problems** are all reported, each with its row and column: every problem of
//!   [`BasicInfo`] validation, a row whose number of cells differs from the header's, and an ID
//!   number or student number that appeared on an earlier row.
//! - **Cells** are taken as text, trimmed of surrounding white space; the `="…"` wrapper that
//!   exports use to keep digits as text is removed. Nothing else is repaired: spreadsheet damage
//!   stays visible so that validation names it. Rows whose roster columns are all empty are
//!   skipped (blank rows, and template rows with nothing but a 序号).
//!
//! # Excel numbers
//! An XLSX cell may hold a number where the roster needs text. It is turned into the text the
//! damage left behind, never into digits the file does not hold:
//! - an integer below 10¹⁵ (at most 15 digits, which Excel stores exactly) becomes its digits:
//!   `1.0` → `"1"` (so a code that lost its leading zero is reported as such), `13812345678.0` →
//!   `"13812345678"`;
//! - a number of 10¹⁵ or more has lost digits — Excel keeps 15 significant digits — and becomes
//!   Excel's own General display, `3.20102E+17`, which validation reports as scientific notation;
//!   every 18-digit ID number typed into a number cell ends up here;
//! - other numbers become their shortest decimal text at Excel's 15-digit precision (`3.5`);
//! - a date cell becomes `YYYY-MM-DD`; `TRUE`/`FALSE` and error values (`#N/A`) stay as Excel
//!   shows them.
//!
//! ```
//! use gradreg::cohort::{generate, roster_csv, CohortSpec, HeaderStyle};
//! use gradreg::roster::{parse_roster, RosterOptions};
//! use gradreg::CodeTables;
//!
//! let spec = CohortSpec { size: 3, ..CohortSpec::default() };
//! let graduates: Vec<_> = generate(&spec).collect();
//! let csv = roster_csv(&graduates, HeaderStyle::Pinyin);
//! let opts = RosterOptions::default();
//! let roster = parse_roster(csv.as_bytes(), &opts, CodeTables::builtin())?;
//! assert_eq!(roster.rows.len(), 3);
//! assert!(roster.problems.is_empty());
//!
//! // A spreadsheet turned the first graduate's ID number into scientific notation.
//! let damaged = csv.replace(&graduates[0].basic.id_number, "3.20102E+17");
//! let roster = parse_roster(damaged.as_bytes(), &opts, CodeTables::builtin())?;
//! let p = &roster.problems[0];
//! assert_eq!((p.row, p.column.as_str()), (2, "sfzh"));
//! assert_eq!(p.code.as_str(), "scientific_notation");
//! assert!(!roster.rows[0].ok && roster.rows[1].ok);
//! # Ok::<(), gradreg::Error>(())
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::records::BasicInfo;
use crate::tables::CodeTables;
use crate::validate::{ProblemCode, Validate};

/// The [`BasicInfo`] fields a roster can fill, in record order.
pub const FIELDS: [&str; 20] = [
    "name",
    "gender",
    "id_number",
    "exam_number",
    "student_number",
    "school_code",
    "school_name",
    "college",
    "major_code",
    "major_name",
    "education_level",
    "training_mode",
    "schooling_length",
    "enrolment_date",
    "graduation_date",
    "origin_region",
    "ethnicity",
    "political_status",
    "phone",
    "email",
];

/// The fields a roster must have a column for: those that validation requires.
pub const REQUIRED_FIELDS: [&str; 11] = [
    "name",
    "gender",
    "id_number",
    "student_number",
    "school_code",
    "school_name",
    "college",
    "major_code",
    "major_name",
    "education_level",
    "graduation_date",
];

/// How many non-empty rows at the top of a sheet are searched for the header row.
pub const HEADER_SCAN_ROWS: usize = 10;

const N: usize = FIELDS.len();

fn field_index(name: &str) -> Option<usize> {
    FIELDS.iter().position(|f| *f == name)
}

fn field_mut(info: &mut BasicInfo, i: usize) -> &mut String {
    match i {
        0 => &mut info.name,
        1 => &mut info.gender,
        2 => &mut info.id_number,
        3 => &mut info.exam_number,
        4 => &mut info.student_number,
        5 => &mut info.school_code,
        6 => &mut info.school_name,
        7 => &mut info.college,
        8 => &mut info.major_code,
        9 => &mut info.major_name,
        10 => &mut info.education_level,
        11 => &mut info.training_mode,
        12 => &mut info.schooling_length,
        13 => &mut info.enrolment_date,
        14 => &mut info.graduation_date,
        15 => &mut info.origin_region,
        16 => &mut info.ethnicity,
        17 => &mut info.political_status,
        18 => &mut info.phone,
        _ => &mut info.email,
    }
}

/// The value of field number `i` (in [`FIELDS`] order) of a record.
pub(crate) fn field_ref(info: &BasicInfo, i: usize) -> &str {
    match i {
        0 => &info.name,
        1 => &info.gender,
        2 => &info.id_number,
        3 => &info.exam_number,
        4 => &info.student_number,
        5 => &info.school_code,
        6 => &info.school_name,
        7 => &info.college,
        8 => &info.major_code,
        9 => &info.major_name,
        10 => &info.education_level,
        11 => &info.training_mode,
        12 => &info.schooling_length,
        13 => &info.enrolment_date,
        14 => &info.graduation_date,
        15 => &info.origin_region,
        16 => &info.ethnicity,
        17 => &info.political_status,
        18 => &info.phone,
        _ => &info.email,
    }
}

/// The file format of a roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Detect: XLSX when the bytes start with the zip signature `PK\x03\x04`, else CSV.
    #[default]
    Auto,
    /// Comma-separated text (a tab-separated file is recognised by its header line).
    Csv,
    /// An Office Open XML workbook (needs the `xlsx` cargo feature, on by default).
    Xlsx,
}

/// The text encoding of a CSV roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// Detect: UTF-8 (with or without a byte-order mark) when the bytes are valid UTF-8, else
    /// GB18030 (a superset of GBK and GB2312).
    #[default]
    Auto,
    /// UTF-8; undecodable bytes are an [`Error::RosterEncoding`].
    Utf8,
    /// GB18030 (reads GBK and GB2312 too). A UTF-8 byte-order mark still wins: such a file is
    /// read as UTF-8.
    Gb18030,
}

/// How to read a roster. The default detects both format and encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RosterOptions {
    /// File format.
    pub format: Format,
    /// Text encoding (CSV only).
    pub encoding: Encoding,
}

/// One problem of one cell, or of a whole row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CellProblem {
    /// 1-based row in the sheet (the header is row 1 when it is the sheet's first line; a CSV
    /// row is the line the record starts on).
    pub row: usize,
    /// The column's header text as written in the file, or `""` for a row-level problem.
    pub column: String,
    /// The [`BasicInfo`] field name, such as `id_number`, or `""` for a row-level problem.
    pub field: String,
    /// What is wrong ([`ProblemCode::Duplicate`] for a repeated ID or student number).
    pub code: ProblemCode,
    /// Message in Chinese.
    pub message_zh: String,
    /// Message in English.
    pub message_en: String,
}

/// One data row of a roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RosterRow {
    /// 1-based row in the sheet, as in [`CellProblem::row`].
    pub row: usize,
    /// The record, every field the text of its cell (empty when the column is absent).
    pub info: BasicInfo,
    /// True when the row has no problem at all.
    pub ok: bool,
}

/// A parsed roster: every non-empty data row and every problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ParsedRoster {
    /// Data rows in file order, good and bad.
    pub rows: Vec<RosterRow>,
    /// Every problem, in row order.
    pub problems: Vec<CellProblem>,
    /// The format read: [`Format::Csv`] or [`Format::Xlsx`], never `Auto`.
    pub format: Format,
    /// The encoding read: `"utf-8"`, `"utf-8-bom"`, `"gb18030"` or `"xlsx"`.
    pub encoding: &'static str,
}

impl ParsedRoster {
    /// The rows without any problem.
    pub fn ok_rows(&self) -> impl Iterator<Item = &RosterRow> {
        self.rows.iter().filter(|r| r.ok)
    }

    /// The problems of one row.
    pub fn problems_of(&self, row: usize) -> impl Iterator<Item = &CellProblem> {
        self.problems.iter().filter(move |p| p.row == row)
    }
}

/// Which header names a roster writer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HeaderStyle {
    /// Chinese headers: 姓名, 身份证号 …
    #[default]
    Chinese,
    /// Pinyin abbreviations: xm, sfzh …
    Pinyin,
}

/// The table of header names and the fields they fill.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderAliases {
    /// Normalised header → field index.
    map: HashMap<String, usize>,
    /// First Chinese and first ASCII header of each field, for writers.
    chinese: [Option<String>; N],
    pinyin: [Option<String>; N],
}

/// Normalises a header for lookup: trims white space, byte-order marks and `*` markers, and
/// lower-cases.
fn normalize_header(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '*' || c == '＊')
        .to_lowercase()
}

impl HeaderAliases {
    /// The table shipped with the crate (`core/data/roster_headers.tsv`).
    pub fn builtin() -> &'static HeaderAliases {
        static BUILTIN: OnceLock<HeaderAliases> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut a = HeaderAliases::default();
            // The shipped table is checked by a unit test; a failure here is a build defect.
            a.load_tsv(include_str!("../data/roster_headers.tsv"))
                .expect("shipped header table parses");
            a
        })
    }

    /// Adds lines of `header<TAB>field` (`#` comments and blank lines ignored); a header already
    /// present is re-pointed to the new field.
    pub fn load_tsv(&mut self, text: &str) -> Result<()> {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let header = cols.next().unwrap_or("");
            let field = cols.next().unwrap_or("").trim();
            self.insert(header, field).map_err(|_| {
                Error::InvalidArgument(format!(
                    "header table line {}: expected header<TAB>field with a BasicInfo field name",
                    i + 1
                ))
            })?;
        }
        Ok(())
    }

    /// Adds one header for a [`BasicInfo`] field (named as in [`FIELDS`]).
    pub fn insert(&mut self, header: &str, field: &str) -> Result<()> {
        let f = field_index(field)
            .ok_or_else(|| Error::InvalidArgument(format!("unknown roster field {field:?}")))?;
        let key = normalize_header(header);
        if key.is_empty() {
            return Err(Error::InvalidArgument("empty roster header".into()));
        }
        let slot = if key.is_ascii() {
            &mut self.pinyin[f]
        } else {
            &mut self.chinese[f]
        };
        if slot.is_none() {
            *slot = Some(header.trim().to_string());
        }
        self.map.insert(key, f);
        Ok(())
    }

    /// The field a header names, if any.
    pub fn field(&self, header: &str) -> Option<&'static str> {
        self.index(header).map(|i| FIELDS[i])
    }

    fn index(&self, header: &str) -> Option<usize> {
        self.map.get(&normalize_header(header)).copied()
    }

    /// The header a writer uses for a field in a style (the first listed), if any.
    pub fn header(&self, field: &str, style: HeaderStyle) -> Option<&str> {
        let f = field_index(field)?;
        match style {
            HeaderStyle::Chinese => self.chinese[f].as_deref(),
            HeaderStyle::Pinyin => self.pinyin[f].as_deref(),
        }
    }

    fn label(&self, f: usize) -> String {
        let zh = self.chinese[f]
            .as_deref()
            .or_else(|| HeaderAliases::builtin().chinese[f].as_deref())
            .unwrap_or(FIELDS[f]);
        format!("{zh} ({})", FIELDS[f])
    }
}

/// Reads a roster from bytes with the built-in header table.
///
/// Returns every data row (good and bad) and every problem; a file that cannot be read as a
/// roster at all is an error (see the module documentation).
pub fn parse_roster(
    bytes: &[u8],
    opts: &RosterOptions,
    tables: &CodeTables,
) -> Result<ParsedRoster> {
    parse_roster_with(bytes, opts, tables, HeaderAliases::builtin())
}

/// Reads a roster file; an I/O failure is an [`Error::RosterIo`].
pub fn parse_roster_file(
    path: &Path,
    opts: &RosterOptions,
    tables: &CodeTables,
) -> Result<ParsedRoster> {
    let bytes = std::fs::read(path).map_err(|e| Error::RosterIo {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    parse_roster(&bytes, opts, tables)
}

/// Reads a roster from bytes with a deployment's own header table.
pub fn parse_roster_with(
    bytes: &[u8],
    opts: &RosterOptions,
    tables: &CodeTables,
    aliases: &HeaderAliases,
) -> Result<ParsedRoster> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::RosterEmpty);
    }
    let format = match opts.format {
        Format::Auto if bytes.starts_with(b"PK\x03\x04") => Format::Xlsx,
        Format::Auto if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) => {
            return Err(Error::RosterUnsupportedFormat(
                "旧版 .xls 或加密的工作簿，请另存为 .xlsx 或 CSV / a legacy .xls or an encrypted \
                 workbook: save it as .xlsx or CSV"
                    .into(),
            ))
        }
        Format::Auto => Format::Csv,
        f => f,
    };
    match format {
        Format::Xlsx => parse_xlsx(bytes, tables, aliases),
        _ => parse_csv(bytes, opts.encoding, tables, aliases),
    }
}

#[cfg(feature = "xlsx")]
fn parse_xlsx(bytes: &[u8], tables: &CodeTables, aliases: &HeaderAliases) -> Result<ParsedRoster> {
    xlsx::parse(bytes, tables, aliases)
}

#[cfg(not(feature = "xlsx"))]
fn parse_xlsx(_: &[u8], _: &CodeTables, _: &HeaderAliases) -> Result<ParsedRoster> {
    Err(Error::RosterUnsupportedFormat(
        "本版本未包含 XLSX 支持（cargo 特性 xlsx）/ XLSX support is not built in (cargo feature `xlsx`)"
            .into(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Decoding

fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

fn decode_utf8<'a>(bytes: &'a [u8], full: &[u8], skipped: usize) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = skipped + e.valid_up_to();
        Error::RosterEncoding {
            encoding: "utf-8".into(),
            offset,
            line: line_of(full, offset),
        }
    })
}

fn decode_gb18030(bytes: &[u8], label: &str) -> Result<String> {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(cap);
    let mut pos = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match result {
            encoding_rs::DecoderResult::InputEmpty => return Ok(out),
            encoding_rs::DecoderResult::OutputFull => out.reserve(bytes.len() - pos + 16),
            encoding_rs::DecoderResult::Malformed(bad, after) => {
                let offset = pos.saturating_sub(usize::from(bad) + usize::from(after));
                return Err(Error::RosterEncoding {
                    encoding: label.into(),
                    offset,
                    line: line_of(bytes, offset),
                });
            }
        }
    }
}

/// Decodes CSV bytes; returns the text and the encoding's name.
fn decode(bytes: &[u8], encoding: Encoding) -> Result<(Cow<'_, str>, &'static str)> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if let Some(rest) = bytes.strip_prefix(BOM) {
        return Ok((
            Cow::Borrowed(decode_utf8(rest, bytes, BOM.len())?),
            "utf-8-bom",
        ));
    }
    match encoding {
        Encoding::Utf8 => Ok((Cow::Borrowed(decode_utf8(bytes, bytes, 0)?), "utf-8")),
        Encoding::Gb18030 => Ok((Cow::Owned(decode_gb18030(bytes, "gb18030")?), "gb18030")),
        Encoding::Auto => {
            if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
                return Err(Error::RosterUnsupportedFormat(
                    "UTF-16 文本，请另存为“CSV UTF-8” / UTF-16 text: save it as CSV UTF-8".into(),
                ));
            }
            match std::str::from_utf8(bytes) {
                Ok(s) => Ok((Cow::Borrowed(s), "utf-8")),
                Err(_) => Ok((
                    Cow::Owned(decode_gb18030(bytes, "utf-8 / gb18030")?),
                    "gb18030",
                )),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

/// Trims a cell and removes an `="…"` text wrapper.
fn clean(s: &str) -> &str {
    let t = s.trim();
    match t.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
        Some(inner) => inner.trim(),
        None => t,
    }
}

fn recognised(cells: &[String], aliases: &HeaderAliases) -> bool {
    cells.iter().any(|c| aliases.index(c).is_some())
}

fn all_empty(cells: &[String]) -> bool {
    cells.iter().all(|c| clean(c).is_empty())
}

/// Finds the header among the first non-empty rows that `next` yields.
fn find_header(
    aliases: &HeaderAliases,
    mut next: impl FnMut() -> Result<Option<(usize, Vec<String>)>>,
) -> Result<(usize, Vec<String>)> {
    let mut seen = 0;
    while let Some((row, cells)) = next()? {
        if all_empty(&cells) {
            continue;
        }
        if recognised(&cells, aliases) {
            return Ok((row, cells));
        }
        seen += 1;
        if seen >= HEADER_SCAN_ROWS {
            break;
        }
    }
    Err(if seen == 0 {
        Error::RosterEmpty
    } else {
        Error::RosterNoHeader
    })
}

/// Turns rows of cells into records and problems.
struct Builder<'t> {
    tables: &'t CodeTables,
    /// Field index → column index.
    cols: [Option<usize>; N],
    /// Header texts as written (trimmed), by column.
    headers: Vec<String>,
    width: usize,
    rows: Vec<RosterRow>,
    problems: Vec<CellProblem>,
}

impl<'t> Builder<'t> {
    fn new(header: &[String], aliases: &HeaderAliases, tables: &'t CodeTables) -> Result<Self> {
        let mut cols: [Vec<usize>; N] = Default::default();
        let headers: Vec<String> = header
            .iter()
            .map(|h| {
                h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                    .to_string()
            })
            .collect();
        for (c, h) in headers.iter().enumerate() {
            if let Some(f) = aliases.index(h) {
                cols[f].push(c);
            }
        }
        let duplicated: Vec<String> = cols
            .iter()
            .enumerate()
            .filter(|(_, cs)| cs.len() > 1)
            .map(|(f, cs)| {
                let names: Vec<&str> = cs.iter().map(|&c| headers[c].as_str()).collect();
                format!("{} ({})", names.join(" = "), FIELDS[f])
            })
            .collect();
        if !duplicated.is_empty() {
            return Err(Error::RosterDuplicateColumns {
                columns: duplicated,
            });
        }
        let missing: Vec<String> = REQUIRED_FIELDS
            .iter()
            .filter_map(|name| field_index(name))
            .filter(|&f| cols[f].is_empty())
            .map(|f| aliases.label(f))
            .collect();
        if !missing.is_empty() {
            return Err(Error::RosterMissingColumns { columns: missing });
        }
        let mut map = [None; N];
        for (f, cs) in cols.iter().enumerate() {
            map[f] = cs.first().copied();
        }
        Ok(Builder {
            tables,
            cols: map,
            width: headers.len(),
            headers,
            rows: Vec::new(),
            problems: Vec::new(),
        })
    }

    fn column_of(&self, field: &str) -> String {
        field_index(field)
            .and_then(|f| self.cols[f])
            .map(|c| self.headers[c].clone())
            .unwrap_or_default()
    }

    /// Adds a data row of `len` cells; `cell(i)` is the raw text of cell `i`.
    fn row<'c>(&mut self, row: usize, len: usize, cell: impl Fn(usize) -> Option<&'c str>) {
        let mut info = BasicInfo::default();
        let mut any = false;
        for (f, col) in self.cols.iter().enumerate() {
            if let Some(v) = col.and_then(&cell) {
                let v = clean(v);
                if !v.is_empty() {
                    *field_mut(&mut info, f) = v.to_string();
                    any = true;
                }
            }
        }
        if !any {
            // Blank, or only cells outside the roster's columns (a pre-numbered template row).
            return;
        }
        let before = self.problems.len();
        if len != self.width {
            self.problems.push(CellProblem {
                row,
                column: String::new(),
                field: String::new(),
                code: ProblemCode::BadFormat,
                message_zh: format!(
                    "第 {row} 行有 {len} 个单元格，表头有 {} 列（行被截断或多出了分隔符？）",
                    self.width
                ),
                message_en: format!(
                    "row {row} has {len} cells but the header has {} columns (a cut line or a stray separator?)",
                    self.width
                ),
            });
        }
        for p in info.problems(self.tables) {
            self.problems.push(CellProblem {
                row,
                column: self.column_of(&p.field),
                field: p.field,
                code: p.code,
                message_zh: p.message_zh,
                message_en: p.message_en,
            });
        }
        let ok = self.problems.len() == before;
        self.rows.push(RosterRow { row, info, ok });
    }

    /// Reports ID numbers and student numbers (compared ignoring ASCII case) that appeared on an
    /// earlier row, naming that row. Sorting instead of hashing keeps the cost predictable
    /// whatever the input.
    fn duplicates(&mut self) {
        let mut found = Vec::new();
        for (f, zh, en) in [(2, "身份证号", "ID number"), (4, "学号", "student number")] {
            // Upper-case only the rare values with lower-case letters, then compare bytes.
            // Sorted by a 16-byte numeric prefix first: most comparisons end there.
            let mut keys: Vec<(u128, Cow<'_, str>, usize)> = self
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| (field_ref(&r.info, f), i))
                .filter(|(v, _)| !v.is_empty())
                .map(|(v, i)| {
                    let key = if v.bytes().any(|c| c.is_ascii_lowercase()) {
                        Cow::Owned(v.to_ascii_uppercase())
                    } else {
                        Cow::Borrowed(v)
                    };
                    let mut prefix = [0u8; 16];
                    let n = key.len().min(16);
                    prefix[..n].copy_from_slice(&key.as_bytes()[..n]);
                    (u128::from_be_bytes(prefix), key, i)
                })
                .collect();
            keys.sort_unstable();
            for group in keys.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
                let first = self.rows[group[0].2].row;
                for (_, _, i) in &group[1..] {
                    let value = field_ref(&self.rows[*i].info, f).to_string();
                    found.push((*i, f, first, zh, en, value));
                }
            }
        }
        if found.is_empty() {
            return;
        }
        for (i, f, first, zh, en, value) in found {
            let row = &mut self.rows[i];
            row.ok = false;
            let column = self.cols[f]
                .map(|c| self.headers[c].clone())
                .unwrap_or_default();
            self.problems.push(CellProblem {
                row: row.row,
                column,
                field: FIELDS[f].to_string(),
                code: ProblemCode::Duplicate,
                message_zh: format!("{zh}“{value}”与第 {first} 行重复"),
                message_en: format!("{en} {value:?} repeats row {first}"),
            });
        }
        // Back into row order; a stable sort keeps each row's own problems first.
        self.problems.sort_by_key(|p| p.row);
    }

    fn finish(mut self, format: Format, encoding: &'static str) -> ParsedRoster {
        self.duplicates();
        ParsedRoster {
            rows: self.rows,
            problems: self.problems,
            format,
            encoding,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

fn delimiter(text: &str) -> u8 {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let tabs = first.bytes().filter(|&b| b == b'\t').count();
    let commas = first.bytes().filter(|&b| b == b',').count();
    if tabs > commas {
        b'\t'
    } else {
        b','
    }
}

fn csv_error(e: csv::Error) -> Error {
    Error::InvalidArgument(format!("CSV: {e}"))
}

/// Line numbers of records. The CSV reader's own positions lag behind after CRLF line ends and
/// blank lines (they point before the line end it has not consumed yet), so the line is counted
/// here: from the record's position, skip line ends, then count the newlines passed.
struct Lines<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl Lines<'_> {
    fn of(&mut self, rec: &csv::ByteRecord) -> usize {
        let start = rec
            .position()
            .map_or(self.offset, |p| {
                usize::try_from(p.byte()).unwrap_or(usize::MAX)
            })
            .clamp(self.offset, self.text.len());
        let skip = self.text[start..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let to = start + skip;
        self.line += self.text[self.offset..to]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = to;
        self.line
    }
}

fn cell_str(b: &[u8]) -> &str {
    // The whole text is valid UTF-8 and records split at ASCII bytes, so this cannot fail.
    std::str::from_utf8(b).unwrap_or("")
}

fn parse_csv(
    bytes: &[u8],
    encoding: Encoding,
    tables: &CodeTables,
    aliases: &HeaderAliases,
) -> Result<ParsedRoster> {
    let (text, label) = decode(bytes, encoding)?;
    if text.trim().is_empty() {
        return Err(Error::RosterEmpty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let mut rec = csv::ByteRecord::new();
    let mut lines = Lines {
        text: text.as_bytes(),
        offset: 0,
        line: 1,
    };
    let (_, header) = find_header(aliases, || {
        if reader.read_byte_record(&mut rec).map_err(csv_error)? {
            let cells = rec.iter().map(|c| cell_str(c).to_string()).collect();
            Ok(Some((lines.of(&rec), cells)))
        } else {
            Ok(None)
        }
    })?;
    let mut b = Builder::new(&header, aliases, tables)?;
    b.rows
        .reserve(text.bytes().filter(|&c| c == b'\n').count().min(1 << 24));
    while reader.read_byte_record(&mut rec).map_err(csv_error)? {
        let line = lines.of(&rec);
        // One UTF-8 check per record; fields split at ASCII bytes, so their ranges are character
        // boundaries (and `get` cannot panic if they were not).
        let whole = cell_str(rec.as_slice());
        b.row(line, rec.len(), |i| rec.range(i).and_then(|r| whole.get(r)));
    }
    Ok(b.finish(Format::Csv, label))
}

// ---------------------------------------------------------------------------------------------
// XLSX

#[cfg(feature = "xlsx")]
mod xlsx {
    use std::io::Cursor;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use calamine::{Data, Range, Reader, SheetType, SheetVisible, Xlsx};

    use super::{find_header, Builder, Format, HeaderAliases, ParsedRoster};
    use crate::error::{Error, Result};
    use crate::tables::CodeTables;

    /// Numbers at or above this have lost digits in Excel (it keeps 15 significant digits).
    const EXACT_LIMIT: f64 = 1e15;

    /// The text an Excel number cell stands for (see the module documentation).
    pub(crate) fn number_text(v: f64) -> String {
        if !v.is_finite() {
            return v.to_string();
        }
        if v.abs() >= EXACT_LIMIT {
            return general_scientific(v);
        }
        if v.fract() == 0.0 {
            // |v| < 10^15, so the conversion is exact.
            return format!("{}", v as i64);
        }
        // Round to Excel's 15 significant digits, then print the shortest form.
        let rounded: f64 = format!("{v:.14e}").parse().unwrap_or(v);
        rounded.to_string()
    }

    /// Excel's General format for a large number: six significant digits, `E+NN`.
    fn general_scientific(v: f64) -> String {
        let s = format!("{v:.5E}"); // such as "3.20102E17"
        let (mant, exp) = s.split_once('E').unwrap_or((&s, "0"));
        let mant = if mant.contains('.') {
            mant.trim_end_matches('0').trim_end_matches('.')
        } else {
            mant
        };
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        format!("{mant}E{sign}{digits:0>2}")
    }

    fn cell_text(d: &Data) -> String {
        match d {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) => number_text(*f),
            Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Data::DateTime(dt) if dt.is_datetime() => {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                format!("{y:04}-{m:02}-{d:02}")
            }
            Data::DateTime(dt) => number_text(dt.as_f64()),
            Data::DateTimeIso(s) => match s.get(..10) {
                Some(date) if crate::validate::parse_date(date).is_some() => date.to_string(),
                _ => s.clone(),
            },
            Data::DurationIso(s) => s.clone(),
            Data::Error(e) => e.to_string(),
        }
    }

    fn rows(range: &Range<Data>) -> impl Iterator<Item = (usize, Vec<String>)> + '_ {
        let top = range.start().map_or(0, |(r, _)| r as usize);
        range
            .rows()
            .enumerate()
            .map(move |(i, cells)| (top + i + 1, cells.iter().map(cell_text).collect()))
    }

    fn corrupt(e: impl std::fmt::Display) -> Error {
        Error::RosterXlsx(e.to_string())
    }

    pub(super) fn parse(
        bytes: &[u8],
        tables: &CodeTables,
        aliases: &HeaderAliases,
    ) -> Result<ParsedRoster> {
        // A defect in the workbook reader must not take the host down: a panic while reading
        // malformed bytes is reported as a corrupt file.
        catch_unwind(AssertUnwindSafe(|| parse_inner(bytes, tables, aliases))).unwrap_or_else(
            |_| {
                Err(Error::RosterXlsx(
                    "the workbook reader failed on malformed data".into(),
                ))
            },
        )
    }

    fn parse_inner(
        bytes: &[u8],
        tables: &CodeTables,
        aliases: &HeaderAliases,
    ) -> Result<ParsedRoster> {
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(corrupt)?;
        let sheets = book.sheets_metadata().to_vec();
        let mut names: Vec<&str> = sheets
            .iter()
            .filter(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .map(|s| s.name.as_str())
            .collect();
        names.extend(
            sheets
                .iter()
                .filter(|s| s.typ == SheetType::WorkSheet && s.visible != SheetVisible::Visible)
                .map(|s| s.name.as_str()),
        );
        if names.is_empty() {
            return Err(Error::RosterNoSheet);
        }
        let mut first_err = None;
        for name in names {
            let range = book.worksheet_range(name).map_err(corrupt)?;
            let mut it = rows(&range);
            match find_header(aliases, || Ok(it.next())) {
                Ok((_, header)) => {
                    let mut b = Builder::new(&header, aliases, tables)?;
                    for (row, cells) in it {
                        b.row(row, cells.len(), |i| cells.get(i).map(String::as_str));
                    }
                    return Ok(b.finish(Format::Xlsx, "xlsx"));
                }
                Err(e) => {
                    // Keep "no header" over "empty" so that the message points at the header.
                    if first_err.is_none() || matches!(e, Error::RosterNoHeader) {
                        first_err = Some(e);
                    }
                }
            }
        }
        Err(first_err.unwrap_or(Error::RosterEmpty))
    }

    #[cfg(test)]
    mod tests {
        use super::number_text;

        #[test]
        fn excel_numbers_keep_their_damage() {
            assert_eq!(number_text(1.0), "1");
            assert_eq!(number_text(3.0), "3");
            assert_eq!(number_text(-0.0), "0");
            assert_eq!(number_text(3.5), "3.5");
            assert_eq!(number_text(0.1 + 0.2), "0.3");
            assert_eq!(number_text(13812345678.0), "13812345678");
            assert_eq!(number_text(22320102150123.0), "22320102150123");
            assert_eq!(number_text(999_999_999_999_999.0), "999999999999999");
            assert_eq!(number_text(320102200403151234.0), "3.20102E+17");
            assert_eq!(number_text(1e15), "1E+15");
            assert_eq!(number_text(1.2e15), "1.2E+15");
            assert_eq!(number_text(-4.5e20), "-4.5E+20");
            assert_eq!(number_text(1e100), "1E+100");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_aliases_cover_every_field() {
        let a = HeaderAliases::builtin();
        for f in FIELDS {
            assert!(a.header(f, HeaderStyle::Chinese).is_some(), "{f} Chinese");
            assert!(a.header(f, HeaderStyle::Pinyin).is_some(), "{f} pinyin");
        }
        assert_eq!(a.field(" SFZH "), Some("id_number"));
        assert_eq!(a.field("\u{feff}姓名"), Some("name"));
        assert_eq!(a.field("*身份证件号"), Some("id_number"));
        assert_eq!(a.field("序号"), None);
        assert_eq!(
            a.header("id_number", HeaderStyle::Chinese),
            Some("身份证号")
        );
        assert_eq!(a.header("id_number", HeaderStyle::Pinyin), Some("sfzh"));
    }

    #[test]
    fn deployment_extends_aliases() {
        let mut a = HeaderAliases::builtin().clone();
        a.load_tsv("# local\n证件号码\tid_number\n").unwrap();
        assert_eq!(a.field("证件号码"), Some("id_number"));
        assert!(a.load_tsv("x\tno_such_field\n").is_err());
        assert!(a.load_tsv("only-one-column\n").is_err());
    }

    #[test]
    fn clean_unwraps_text_markers() {
        assert_eq!(clean("  01 "), "01");
        assert_eq!(clean("=\"320102\""), "320102");
        assert_eq!(clean("=1+1"), "=1+1");
    }

    #[test]
    fn gb18030_offsets() {
        let err = decode_gb18030(b"ab\ncd\xFF", "gb18030").unwrap_err();
        assert_eq!(
            err,
            Error::RosterEncoding {
                encoding: "gb18030".into(),
                offset: 5,
                line: 2
            }
        );
    }
}
