//! Roster import (生源信息名单导入): reads the roster a school uploads — CSV in UTF-8 (with or
//! without a byte-order mark) or GB18030/GBK, or an XLSX workbook — into [`BasicInfo`] records and
//! a report of every bad cell.
//!
//! - **Headers** are matched against a synonym table that ships as data
//!   (`core/data/roster_headers.tsv`): the Chinese variants of provincial templates and school
//!   systems (学历 / 学历层次 / 培养层次, 院系 / 所在院系 / 院系名称 …), the pinyin initials of their
//!   full and short forms (sfzjhm, sfzh), English names (Student ID) and every field's own name.
//!   A header is folded before lookup — full-width forms to ASCII, white space and the marks
//!   `* _ - . :` dropped, letters lower-cased — and looked up again without bracketed notes, so
//!   `姓名（必填）`, `*身份证 号` and `出生日期(格式:YYYYMMDD)` match. A deployment extends the table
//!   with [`HeaderAliases::load_tsv`] / [`HeaderAliases::load_file`] and [`parse_roster_with`], or
//!   per registry ([`Registry::add_header_aliases`](crate::Registry::add_header_aliases)).
//!   Columns that name no field (序号, 备注 …) are ignored; [`ParsedRoster::columns`] says which
//!   column became which field and which were ignored, and [`preview_header`] says so before any
//!   row is read. The header is the row, among the first [`HEADER_SCAN_ROWS`] non-empty rows,
//!   that names the most fields, so title rows above it are skipped; in a workbook, the sheet
//!   whose header names the most fields is read (an instructions sheet before the roster is
//!   passed over) and [`ParsedRoster::sheet`] names it.
//! - **A code column and a name column** side by side (性别代码 + 性别, 民族代码 + 民族) are both
//!   normal: the code is read and the name checked against it
//!   ([`ProblemCode::CodeNameMismatch`] on the name column when they disagree). A name column
//!   alone is read like a code column.
//! - **Values** written the usual ways are read into their canonical form, each rewrite reported
//!   as a [`RosterNotice`] (row, column, before → after) and never silently: 男 / 女 / 男性 / 女性
//!   for gender; names from the code tables and the synonyms in `core/data/roster_values.tsv`
//!   for coded fields (汉族 → `01`, 中共党员 → `01`, 本科 → `31`); codes with or without their
//!   leading zeros (`1` → `01`, `01` → `1`) where the table makes it unambiguous; dates as
//!   `YYYYMMDD`, `YYYYMM` (the first of the month), `YYYY-M-D`, `YYYY/MM/DD`, `YYYY.MM.DD`,
//!   `YYYY年M月D日`, with a midnight time, or as a spreadsheet serial number (`46203`); full-width
//!   digits and letters in every field but the free texts. A value with two readings (`6/7/2026`,
//!   a name two codes share) stays as written and is a [`ProblemCode::Ambiguous`] problem. No
//!   check switches off because of how a value is written: the gender ↔ ID-number check runs on
//!   the code read.
//! - **File-level problems** are typed errors: [`Error::RosterEmpty`], [`Error::RosterNoHeader`],
//!   [`Error::RosterNoRows`] (a header and no data row), [`Error::RosterMissingColumns`],
//!   [`Error::RosterDuplicateColumns`], [`Error::RosterEncoding`],
//!   [`Error::RosterImplausibleText`] (the caller forced an encoding the text does not read as;
//!   auto-detection is the default), [`Error::RosterXlsx`], [`Error::RosterNoSheet`],
//!   [`Error::RosterIo`] and [`Error::RosterUnsupportedFormat`].
//! - **Size limits** ([`RosterOptions::limits`], [`Limits`]) bound every read: the file's size,
//!   a workbook's zip entries (inflated as a stream and checked for size, total and ratio before
//!   the spreadsheet reader opens it), the used range of each sheet, the shared strings, the
//!   longest piece of workbook XML, and each CSV record's length and columns and their number.
//!   The first limit passed is an [`Error::InputTooLarge`], [`Error::ArchiveLimit`] or
//!   [`Error::ContentLimit`] naming the setting that raises it, before memory is spent on it.
//! - **Row problems** are all reported, each with its row and column: every problem of
//!   [`BasicInfo`] validation, a row whose number of cells differs from the header's, and an ID
//!   number or student number that appeared on an earlier row. Rows are numbered as the sheet
//!   numbers them, whatever the line ends (LF, CRLF, or the CR alone of "CSV (Macintosh)").
//! - **Cells** are taken as text, trimmed of surrounding white space; the `="…"` wrapper that
//!   exports use to keep digits as text is removed, and so is the `'` that gradreg's own exports
//!   put before a value starting with `= + - @ '` (see
//!   [`Registry::export_records_csv`](crate::Registry::export_records_csv)). Spreadsheet damage
//!   that loses digits (`3.20102E+17`, a trailing `.0`) is not repaired: it stays visible so that
//!   validation names it. Rows whose roster columns are all empty are skipped (blank rows, and
//!   template rows with nothing but a 序号).
//!
//! # Excel numbers
//! An XLSX cell may hold a number where the roster needs text. It is turned into the text the
//! damage left behind, never into digits the file does not hold:
//! - an integer below 10¹⁵ (at most 15 digits, which Excel stores exactly) becomes its digits:
//!   `1.0` → `"1"` (a code that lost its leading zero is then read as the table writes it, with
//!   a notice), `13812345678.0` → `"13812345678"`; in a date column, a serial number becomes its
//!   date, with a notice;
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
//!
//! # Map
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | options and results ([`RosterOptions`], [`ParsedRoster`], [`CellProblem`]), the entry points |
//! | `fields.rs` | the [`BasicInfo`] fields a roster fills ([`FIELDS`]) and cell cleaning |
//! | `headers.rs` | [`HeaderAliases`], header folding and the search for the header row |
//! | `normalize.rs` | values in the usual forms into canonical ones, with notices |
//! | `decode.rs` | UTF-8 / GB18030 decoding of CSV bytes |
//! | `csv_file.rs` | reading CSV |
//! | `xlsx.rs` | reading XLSX (`xlsx` feature) |
//! | `xlsx_limits.rs` | checking a workbook's archive and XML against the [`Limits`] before it is read |
//! | `rows.rs` | columns into fields (code and name columns), rows into records, problems and notices, duplicates |
//! | `destinations.rs` | destination files (毕业去向, 档案转递, 户口迁移) into [`DestinationData`](crate::records::DestinationData) records ([`parse_destinations`]) |

mod csv_file;
mod decode;
mod destinations;
mod fields;
mod headers;
mod normalize;
mod rows;
#[cfg(feature = "xlsx")]
mod xlsx;
#[cfg(feature = "xlsx")]
mod xlsx_limits;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use destinations::{
    parse_destinations, parse_destinations_with, DestinationHeaders, DestinationRow,
    ParsedDestinations, RowIdentity, DESTINATION_FIELDS,
};
pub(crate) use fields::field_ref;
pub(crate) use fields::guard_cell;
pub use fields::{FIELDS, REQUIRED_FIELDS};
pub use headers::{HeaderAliases, HeaderRole, HeaderStyle, HEADER_SCAN_ROWS};

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::records::BasicInfo;
use crate::tables::CodeTables;
use crate::validate::{NoticeCode, ProblemCode};

/// The file format of a roster.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
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

/// How to read a roster. The default detects both format and encoding, with the process's
/// default [`Limits`] ([`Limits::process_default`]).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RosterOptions {
    /// File format.
    pub format: Format,
    /// Text encoding (CSV only).
    pub encoding: Encoding,
    /// Size limits on the file and what it holds (see [`Limits`]); optional in JSON, where
    /// a missing object is [`Limits::process_default`] and a missing field its default.
    #[serde(default = "Limits::process_default")]
    pub limits: Limits,
}

impl Default for RosterOptions {
    fn default() -> Self {
        RosterOptions {
            format: Format::default(),
            encoding: Encoding::default(),
            limits: Limits::process_default(),
        }
    }
}

/// One problem of one cell, or of a whole row.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// A value read from a roster after rewriting it into its canonical form (男 → `1`, 汉族 →
/// `01`, `20240701` → `2024-07-01` …), or a valid value worth a look — with every row it
/// happened on. Never silent, never an error: the rows stay good. One notice stands for one
/// column, one value as written and what it became, however many rows wrote it so.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterNotice {
    /// Every row (1-based, as in [`CellProblem::row`]) where the cell was written `before`.
    /// In row order.
    pub rows: Vec<usize>,
    /// The column's header text as written in the file.
    pub column: String,
    /// The [`BasicInfo`] field name.
    pub field: String,
    /// What was done or noticed.
    pub code: NoticeCode,
    /// The cell as written (trimmed).
    pub before: String,
    /// The value read into the record.
    pub after: String,
    /// Message in Chinese.
    pub message_zh: String,
    /// Message in English.
    pub message_en: String,
}

/// How a column of the header was used.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnUseKind {
    /// The field's value is read from this column.
    Read,
    /// A name column (性别, 民族 …) checked against the code column read beside it.
    Checked,
    /// The header names no field (序号, 备注 …): the column is not read.
    Ignored,
}

/// One column of the header and what became of it.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnUse {
    /// 1-based column.
    pub column: usize,
    /// The header text as written (trimmed).
    pub header: String,
    /// The [`BasicInfo`] field it fills or checks, `""` when ignored.
    pub field: String,
    /// How it was used.
    pub kind: ColumnUseKind,
}

/// One data row of a roster.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    /// 1-based row in the sheet, as in [`CellProblem::row`].
    pub row: usize,
    /// The record, every field the text of its cell (empty when the column is absent).
    pub info: BasicInfo,
    /// True when the row has no problem at all.
    pub ok: bool,
}

/// A parsed roster: every non-empty data row and every problem found.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedRoster {
    /// Data rows in file order, good and bad.
    pub rows: Vec<RosterRow>,
    /// Every problem, in row order.
    pub problems: Vec<CellProblem>,
    /// Every notice: one per column and value as written (a rewrite, or a value worth a look).
    /// In the order first met.
    pub notices: Vec<RosterNotice>,
    /// Every column of the header: the field it became, or that it was ignored.
    pub columns: Vec<ColumnUse>,
    /// 1-based row of the header.
    pub header_row: usize,
    /// The worksheet read, for an XLSX roster.
    pub sheet: Option<String>,
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

    /// The notices of one row.
    pub fn notices_of(&self, row: usize) -> impl Iterator<Item = &RosterNotice> {
        self.notices
            .iter()
            .filter(move |n| n.rows.binary_search(&row).is_ok())
    }

    /// The columns that were not read (no field of the roster).
    pub fn ignored_columns(&self) -> impl Iterator<Item = &ColumnUse> {
        self.columns
            .iter()
            .filter(|c| c.kind == ColumnUseKind::Ignored)
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

/// Reads a roster file; an I/O failure is an [`Error::RosterIo`], a file larger than
/// [`Limits::max_input_bytes`] an [`Error::InputTooLarge`] (never read past the limit).
pub fn parse_roster_file(
    path: &Path,
    opts: &RosterOptions,
    tables: &CodeTables,
) -> Result<ParsedRoster> {
    let bytes = read_file(path, &opts.limits)?;
    parse_roster(&bytes, opts, tables)
}

/// The bytes of a file, reading no more than one byte past [`Limits::max_input_bytes`].
pub(crate) fn read_file(path: &Path, limits: &Limits) -> Result<Vec<u8>> {
    use std::io::Read;
    let io = |e: std::io::Error| Error::RosterIo {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let declared = file.metadata().map(|m| m.len()).unwrap_or(0);
    if declared > limits.max_input_bytes {
        limits.check_input(usize::try_from(declared).unwrap_or(usize::MAX))?;
    }
    let mut bytes = Vec::new();
    file.take(limits.max_input_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    limits.check_input(bytes.len())?;
    Ok(bytes)
}

/// Reads a roster from bytes with a deployment's own header table.
pub fn parse_roster_with(
    bytes: &[u8],
    opts: &RosterOptions,
    tables: &CodeTables,
    aliases: &HeaderAliases,
) -> Result<ParsedRoster> {
    let mut all = rows::Collect::default();
    let s = read(bytes, opts, tables, aliases, &mut all)?;
    Ok(ParsedRoster {
        rows: all.rows,
        problems: all.problems,
        notices: s.notices,
        columns: s.columns,
        header_row: s.header_row,
        sheet: s.sheet,
        format: s.format,
        encoding: s.encoding,
    })
}

/// What [`scan_roster`] found besides the rows it handed over.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterScan {
    /// Data rows read.
    pub rows: usize,
    /// Rows with at least one problem.
    pub bad_rows: usize,
    /// Problems found, in all.
    pub problems: usize,
    /// Every notice, as in [`ParsedRoster::notices`].
    pub notices: Vec<RosterNotice>,
    /// Every column of the header and what it became.
    pub columns: Vec<ColumnUse>,
    /// 1-based row of the header.
    pub header_row: usize,
    /// The worksheet read, for an XLSX roster.
    pub sheet: Option<String>,
    /// The format read.
    pub format: Format,
    /// The encoding read, as in [`ParsedRoster::encoding`].
    pub encoding: &'static str,
}

/// Reads a roster row by row without keeping the rows: `each` is called once per data row, in
/// file order, with the row and its problems (a repeated ID or student number is reported on
/// the later row, as [`parse_roster`] does). Memory stays about the size of the file whatever
/// the number of rows, where [`parse_roster`] keeps every record; use it to check a large file
/// or to feed rows somewhere else as they come.
pub fn scan_roster(
    bytes: &[u8],
    opts: &RosterOptions,
    tables: &CodeTables,
    aliases: &HeaderAliases,
    mut each: impl FnMut(&RosterRow, &[CellProblem]),
) -> Result<RosterScan> {
    scan_roster_owned(bytes, opts, tables, aliases, |row, problems| {
        each(&row, problems)
    })
}

/// [`scan_roster`] handing each row over by value, with its problems to take (what is left in
/// the vector is dropped).
pub(crate) fn scan_roster_owned(
    bytes: &[u8],
    opts: &RosterOptions,
    tables: &CodeTables,
    aliases: &HeaderAliases,
    each: impl FnMut(RosterRow, &mut Vec<CellProblem>),
) -> Result<RosterScan> {
    /// Hands each row over.
    struct Each<F>(F);
    impl<F: FnMut(RosterRow, &mut Vec<CellProblem>)> rows::Sink for Each<F> {
        fn take(&mut self, row: RosterRow, problems: &mut Vec<CellProblem>) {
            (self.0)(row, problems);
            problems.clear();
        }
    }
    let s = read(bytes, opts, tables, aliases, &mut Each(each))?;
    Ok(RosterScan {
        rows: s.rows,
        bad_rows: s.bad_rows,
        problems: s.problems,
        notices: s.notices,
        columns: s.columns,
        header_row: s.header_row,
        sheet: s.sheet,
        format: s.format,
        encoding: s.encoding,
    })
}

/// Whether `bytes` is a CSV roster that, once its header is read, reads to its end without an
/// error: every error [`scan_roster_owned`] can then return comes before its first row. False
/// for an XLSX workbook.
pub(crate) fn csv_reads_through(bytes: &[u8], opts: &RosterOptions) -> bool {
    match detect(bytes, opts) {
        Ok(Format::Xlsx) | Err(_) => false,
        Ok(_) => csv_file::reads_through(bytes, opts.encoding, &opts.limits),
    }
}

/// Reads a roster into `sink`.
fn read(
    bytes: &[u8],
    opts: &RosterOptions,
    tables: &CodeTables,
    aliases: &HeaderAliases,
    sink: &mut dyn rows::Sink,
) -> Result<rows::Scanned> {
    match detect(bytes, opts)? {
        Format::Xlsx => parse_xlsx(bytes, tables, aliases, &opts.limits, sink),
        _ => csv_file::parse_csv(bytes, opts.encoding, &opts.limits, tables, aliases, sink),
    }
}

/// What a roster's header says before any row is read: which column becomes which field, which
/// are ignored, and what is missing or repeated. A dry run for a file the importer may refuse.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderPreview {
    /// The format read: [`Format::Csv`] or [`Format::Xlsx`].
    pub format: Format,
    /// The encoding read, as in [`ParsedRoster::encoding`].
    pub encoding: &'static str,
    /// The worksheet whose header was taken, for an XLSX roster.
    pub sheet: Option<String>,
    /// 1-based row of the header.
    pub header_row: usize,
    /// Every column of the header and what it becomes.
    pub columns: Vec<ColumnUse>,
    /// Required columns the header lacks, as in [`Error::RosterMissingColumns`].
    pub missing: Vec<String>,
    /// Groups of columns naming one field, as in [`Error::RosterDuplicateColumns`].
    pub duplicated: Vec<String>,
}

impl HeaderPreview {
    /// Whether the header can be imported (nothing missing, nothing repeated).
    pub fn usable(&self) -> bool {
        self.missing.is_empty() && self.duplicated.is_empty()
    }
}

/// Reads only the header of a roster and says what each column becomes; missing and repeated
/// columns are listed, not errors. Errors are those of a file that has no header at all.
pub fn preview_header(
    bytes: &[u8],
    opts: &RosterOptions,
    aliases: &HeaderAliases,
) -> Result<HeaderPreview> {
    let (format, encoding, sheet, found) = match detect(bytes, opts)? {
        Format::Xlsx => {
            let (sheet, found) = xlsx_header(bytes, aliases, &opts.limits)?;
            (Format::Xlsx, "xlsx", Some(sheet), found)
        }
        _ => {
            let (found, label) = csv_file::header(bytes, opts.encoding, &opts.limits, aliases)?;
            (Format::Csv, label, None, found)
        }
    };
    let map = rows::ColumnMap::new(&found.cells, aliases);
    Ok(HeaderPreview {
        format,
        encoding,
        sheet,
        header_row: found.row,
        columns: map.uses(),
        missing: map.missing(aliases),
        duplicated: map.duplicated(),
    })
}

/// The format to read: the declared one, or detected from the first bytes. A file larger than
/// [`Limits::max_input_bytes`] is refused first.
fn detect(bytes: &[u8], opts: &RosterOptions) -> Result<Format> {
    opts.limits.check_input(bytes.len())?;
    let format = opts.format;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::RosterEmpty);
    }
    Ok(match format {
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
    })
}

/// Reads the header of an XLSX roster.
#[cfg(feature = "xlsx")]
fn xlsx_header(
    bytes: &[u8],
    aliases: &HeaderAliases,
    limits: &Limits,
) -> Result<(String, headers::FoundHeader)> {
    xlsx::header(bytes, aliases, limits)
}

/// Without the `xlsx` feature, an XLSX roster is an unsupported format.
#[cfg(not(feature = "xlsx"))]
fn xlsx_header(_: &[u8], _: &HeaderAliases, _: &Limits) -> Result<(String, headers::FoundHeader)> {
    Err(no_xlsx())
}

/// Reads an XLSX roster.
#[cfg(feature = "xlsx")]
fn parse_xlsx(
    bytes: &[u8],
    tables: &CodeTables,
    aliases: &HeaderAliases,
    limits: &Limits,
    sink: &mut dyn rows::Sink,
) -> Result<rows::Scanned> {
    xlsx::parse(bytes, tables, aliases, limits, sink)
}

/// Without the `xlsx` feature, an XLSX roster is an unsupported format.
#[cfg(not(feature = "xlsx"))]
fn parse_xlsx(
    _: &[u8],
    _: &CodeTables,
    _: &HeaderAliases,
    _: &Limits,
    _: &mut dyn rows::Sink,
) -> Result<rows::Scanned> {
    Err(no_xlsx())
}

/// The error for an XLSX roster in a build without the `xlsx` feature.
#[cfg(not(feature = "xlsx"))]
fn no_xlsx() -> Error {
    Error::RosterUnsupportedFormat(
        "本版本未包含 XLSX 支持（cargo 特性 xlsx）/ XLSX support is not built in (cargo feature `xlsx`)"
            .into(),
    )
}
