//! Destination import (毕业去向导入): reads the destination exports of the provincial platform —
//! 毕业去向 with the employer (单位名称, 统一社会信用代码, 单位性质, 单位行业, 单位所在地), the job
//! category and signing date, further study or study abroad, the archive transfer (档案转递单位,
//! 地址, 邮编, 转递方式, 转递编号 …) and the hukou migration (是否迁移户口, 迁入地址 …) — into
//! [`DestinationData`] records, one per row, with every bad cell reported.
//!
//! It reads files the way rosters are read:
//! - **Headers** are looked up in a table that ships as data (`core/data/destination_headers.tsv`,
//!   [`DestinationHeaders`]): Chinese headers and their variants, pinyin initials and English,
//!   folded as roster headers are. The columns that identify the registration — 学号 and 院校代码
//!   (the registration key `school_code:student_number`), or 身份证号 — and 姓名 are read with the
//!   roster header table ([`HeaderAliases`]). Columns that name neither are ignored, so gradreg's
//!   own full export, which holds the basic information too, reads as a destination file.
//! - **Bytes**: CSV in UTF-8 (with or without a byte-order mark) or GB18030/GBK, or XLSX, decoded
//!   and detected exactly as rosters are; the header is the row among the first
//!   [`HEADER_SCAN_ROWS`] non-empty rows (and, in a workbook, the sheet) that names the most
//!   columns.
//! - **Values** are trimmed; the `="…"` wrapper and the formula guard of gradreg's exports (a
//!   `'` before a value starting with `= + - @ '`) are removed. Codes of 毕业去向, 单位性质, 单位行业
//!   and 工作职位类别 may be written by name (`国有企业` → `22`) or without leading zeros; dates
//!   (签约日期) in the usual forms (`20240701`, `2024/7/1`, a spreadsheet serial number);
//!   full-width digits and letters in code-like fields become ASCII. Each rewrite is a
//!   [`RosterNotice`]. A 毕业去向 that names a three-digit sub-code (三支一扶 → `502`) fills the
//!   code and the sub-code. 转递方式 is written by its Chinese name (机要通信, EMS毕业生档案专递,
//!   接收单位派人提取), 迁移原因 as 毕业 or 升学, 是否迁移户口 as 是 or 否 (also Y/N, 1/0).
//! - A section is present when any of its cells is filled: the employer, further study, study
//!   abroad, the archive transfer and the hukou migration (whose 是否迁移户口 must then be
//!   filled; 否 alone is a hukou section that does not migrate).
//! - **Problems** are reported per row and column ([`CellProblem`], with the field as the
//!   dotted path validation uses, such as `destination.employer.credit_code`): every problem of
//!   [`DestinationData`] validation, values that cannot be read, a row that identifies no
//!   registration, and a name column that disagrees with its code column.

use std::sync::OnceLock;

use serde::Serialize;

use super::fields::clean;
use super::headers::{
    fold_header, half_width, header_lines, strip_notes, HeaderAliases, HeaderRole,
};
use super::normalize::{date, DateRead};
use super::{
    CellProblem, ColumnUse, ColumnUseKind, Encoding, Format, RosterNotice, RosterOptions,
    HEADER_SCAN_ROWS,
};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::records::{
    Abroad, AgreementStatus, ArchiveMethod, ArchiveTransfer, Destination, DestinationData,
    Employer, Enterprise, HukouMigration, HukouReason, Study,
};
use crate::tables::{CodeTables, Table};
use crate::validate::{NoticeCode, ProblemCode, Validate};

/// The [`DestinationData`] fields a destination file fills, as the dotted paths that validation
/// problems name, in the order gradreg's full export writes them.
pub const DESTINATION_FIELDS: [&str; 35] = [
    "destination.code",
    "destination.sub_code",
    "destination.employer.name",
    "destination.employer.credit_code",
    "destination.employer.nature",
    "destination.employer.industry",
    "destination.employer.region",
    "destination.employer.address",
    "destination.job_category",
    "destination.signing_date",
    "destination.further_study.school",
    "destination.further_study.major",
    "destination.abroad.country_region",
    "destination.abroad.school",
    "destination.abroad.major",
    "archive.receiving_unit",
    "archive.address",
    "archive.postal_code",
    "archive.contact",
    "archive.phone",
    "archive.method",
    "archive.transfer_number",
    "archive.tracking_number",
    "hukou.migrate",
    "hukou.reason",
    "hukou.address",
    "hukou.police_station",
    "hukou.region",
    "destination.agreement_number",
    "destination.agreement_status",
    "destination.enterprise.name",
    "destination.enterprise.credit_code",
    "destination.enterprise.founding_date",
    "destination.enterprise.role",
    "destination.enterprise.region",
];

/// The number of destination fields.
const K: usize = DESTINATION_FIELDS.len();

/// The roster fields that identify a registration in a destination file, in the order of
/// [`RowIdentity`].
const IDENTITY: [&str; 4] = ["student_number", "school_code", "id_number", "name"];

/// How a field's cell is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Free text, kept as written (trimmed).
    Text,
    /// Codes, numbers and identifiers: full-width digits and letters become ASCII.
    Ascii,
    /// A code of a table, or its name.
    Coded(Table),
    /// A date, `YYYY-MM-DD` or a usual form.
    Date,
    /// 转递方式.
    Method,
    /// 迁移原因.
    Reason,
    /// 是否迁移户口.
    Flag,
    /// 就业协议书网签状态.
    Status,
}

/// The kind of each field of [`DESTINATION_FIELDS`].
const KINDS: [Kind; K] = [
    Kind::Coded(Table::Destinations),
    Kind::Coded(Table::Destinations),
    Kind::Text,
    Kind::Ascii,
    Kind::Coded(Table::EmployerNatures),
    Kind::Coded(Table::Industries),
    Kind::Ascii,
    Kind::Text,
    Kind::Coded(Table::JobCategories),
    Kind::Date,
    Kind::Text,
    Kind::Text,
    Kind::Coded(Table::Countries),
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Ascii,
    Kind::Text,
    Kind::Ascii,
    Kind::Method,
    Kind::Ascii,
    Kind::Ascii,
    Kind::Flag,
    Kind::Reason,
    Kind::Text,
    Kind::Text,
    Kind::Ascii,
    Kind::Ascii,
    Kind::Status,
    Kind::Text,
    Kind::Ascii,
    Kind::Date,
    Kind::Coded(Table::EnterpriseRoles),
    Kind::Ascii,
];

/// Field indices used when assembling a record.
mod f {
    pub(super) const CODE: usize = 0;
    pub(super) const SUB_CODE: usize = 1;
    pub(super) const EMPLOYER: std::ops::RangeInclusive<usize> = 2..=7;
    pub(super) const JOB: usize = 8;
    pub(super) const SIGNING: usize = 9;
    pub(super) const STUDY: std::ops::RangeInclusive<usize> = 10..=11;
    pub(super) const ABROAD: std::ops::RangeInclusive<usize> = 12..=14;
    pub(super) const ARCHIVE: std::ops::RangeInclusive<usize> = 15..=22;
    pub(super) const METHOD: usize = 20;
    pub(super) const HUKOU: std::ops::RangeInclusive<usize> = 23..=27;
    pub(super) const MIGRATE: usize = 23;
    pub(super) const AGREEMENT_NUMBER: usize = 28;
    pub(super) const AGREEMENT_STATUS: usize = 29;
    pub(super) const ENTERPRISE: std::ops::RangeInclusive<usize> = 30..=34;
}

/// The index of a destination field.
fn field_index(name: &str) -> Option<usize> {
    DESTINATION_FIELDS.iter().position(|f| *f == name)
}

/// The table of destination headers and the fields they fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationHeaders {
    /// Folded header → field index and role.
    map: std::collections::BTreeMap<String, (usize, HeaderRole)>,
    /// The first Chinese value header of each field, which the full export writes.
    chinese: [Option<String>; K],
}

impl Default for DestinationHeaders {
    fn default() -> Self {
        DestinationHeaders {
            map: std::collections::BTreeMap::new(),
            chinese: std::array::from_fn(|_| None),
        }
    }
}

impl DestinationHeaders {
    /// The table shipped with the crate (`core/data/destination_headers.tsv`), plus every
    /// field's own dotted name.
    pub fn builtin() -> &'static DestinationHeaders {
        static BUILTIN: OnceLock<DestinationHeaders> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut h = DestinationHeaders::default();
            // The shipped table is checked by a unit test; a failure here is a build defect.
            h.load_tsv(include_str!("../../data/destination_headers.tsv"))
                .expect("shipped destination header table parses");
            for (i, name) in DESTINATION_FIELDS.iter().enumerate() {
                h.map
                    .entry(fold_header(name))
                    .or_insert((i, HeaderRole::Value));
            }
            h
        })
    }

    /// Adds lines of `header<TAB>field[<TAB>name]` (`#` comments and blank lines ignored; the
    /// field is one of [`DESTINATION_FIELDS`]); an error names the line and leaves the table as
    /// it was.
    pub fn load_tsv(&mut self, text: &str) -> Result<()> {
        let mut next = self.clone();
        for line in header_lines(text, "destination header table") {
            let (n, header, field, role) = line?;
            next.insert_role(header, field, role).map_err(|_| {
                Error::InvalidArgument(format!(
                    "destination header table line {n}: expected header<TAB>field with a \
                     destination field name"
                ))
            })?;
        }
        *self = next;
        Ok(())
    }

    /// Adds one header for a field (one of [`DESTINATION_FIELDS`]) with the role of its column.
    pub fn insert_role(&mut self, header: &str, field: &str, role: HeaderRole) -> Result<()> {
        let i = field_index(field).ok_or_else(|| {
            Error::InvalidArgument(format!("unknown destination field {field:?}"))
        })?;
        let key = fold_header(header);
        if key.is_empty() {
            return Err(Error::InvalidArgument("empty destination header".into()));
        }
        if role == HeaderRole::Value && !key.is_ascii() && self.chinese[i].is_none() {
            self.chinese[i] = Some(header.trim().to_string());
        }
        self.map.insert(key, (i, role));
        Ok(())
    }

    /// The field a header names and what its column holds, if any.
    pub fn field_role(&self, header: &str) -> Option<(&'static str, HeaderRole)> {
        self.lookup(header)
            .map(|(i, role)| (DESTINATION_FIELDS[i], role))
    }

    /// The Chinese header gradreg's full export writes for a field.
    pub fn header(&self, field: &str) -> Option<&str> {
        self.chinese[field_index(field)?].as_deref()
    }

    /// The entry of a header: as folded, else without its bracketed notes.
    fn lookup(&self, header: &str) -> Option<(usize, HeaderRole)> {
        let key = fold_header(header);
        if key.is_empty() {
            return None;
        }
        self.map
            .get(&key)
            .or_else(|| strip_notes(&key).and_then(|k| self.map.get(k)))
            .copied()
    }

    /// How a field is named in messages: its Chinese header, else its dotted name.
    fn label(&self, i: usize) -> &str {
        self.chinese[i]
            .as_deref()
            .or_else(|| DestinationHeaders::builtin().chinese[i].as_deref())
            .unwrap_or(DESTINATION_FIELDS[i])
    }
}

/// What identifies the registration a row reports for.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RowIdentity {
    /// 学号.
    pub student_number: String,
    /// 院校代码.
    pub school_code: String,
    /// 身份证号 (upper-case).
    pub id_number: String,
    /// 姓名, checked against the registration when given.
    pub name: String,
}

impl RowIdentity {
    /// The registration key `school_code:student_number`, when both are given.
    pub fn key(&self) -> Option<String> {
        (!self.school_code.is_empty() && !self.student_number.is_empty())
            .then(|| format!("{}:{}", self.school_code, self.student_number))
    }
}

/// One data row of a destination file.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DestinationRow {
    /// 1-based row in the sheet, as in [`CellProblem::row`].
    pub row: usize,
    /// Who the row is about.
    pub ident: RowIdentity,
    /// The record read (as far as it could be read when the row has problems).
    pub data: DestinationData,
    /// True when the row has no problem at all.
    pub ok: bool,
}

/// A parsed destination file: every non-empty data row and every problem found.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedDestinations {
    /// Data rows in file order, good and bad.
    pub rows: Vec<DestinationRow>,
    /// Every problem, in row order; `field` is the dotted path of the field
    /// (`destination.employer.nature`) or an identity field (`student_number` …).
    pub problems: Vec<CellProblem>,
    /// Every notice: one per column and value as written, with its rows.
    pub notices: Vec<RosterNotice>,
    /// Every column of the header: the field it became, or that it was ignored.
    pub columns: Vec<ColumnUse>,
    /// 1-based row of the header.
    pub header_row: usize,
    /// The worksheet read, for an XLSX file.
    pub sheet: Option<String>,
    /// The format read: [`Format::Csv`] or [`Format::Xlsx`].
    pub format: Format,
    /// The encoding read, as in [`super::ParsedRoster::encoding`].
    pub encoding: &'static str,
}

impl ParsedDestinations {
    /// The rows without any problem.
    pub fn ok_rows(&self) -> impl Iterator<Item = &DestinationRow> {
        self.rows.iter().filter(|r| r.ok)
    }

    /// The problems of one row.
    pub fn problems_of(&self, row: usize) -> impl Iterator<Item = &CellProblem> {
        self.problems.iter().filter(move |p| p.row == row)
    }
}

/// Reads a destination file with the built-in header tables.
pub fn parse_destinations(
    bytes: &[u8],
    opts: &RosterOptions,
    tables: &CodeTables,
) -> Result<ParsedDestinations> {
    parse_destinations_with(
        bytes,
        opts,
        tables,
        DestinationHeaders::builtin(),
        HeaderAliases::builtin(),
    )
}

/// Reads a destination file with a deployment's own header tables: `headers` for the
/// destination columns, `roster` for the columns that identify the registration.
pub fn parse_destinations_with(
    bytes: &[u8],
    opts: &RosterOptions,
    tables: &CodeTables,
    headers: &DestinationHeaders,
    roster: &HeaderAliases,
) -> Result<ParsedDestinations> {
    let cols = Columns { headers, roster };
    let (format, encoding, sheet, rows) = match super::detect(bytes, opts)? {
        Format::Xlsx => {
            let (name, rows) = xlsx_best_sheet(bytes, &cols, &opts.limits)?;
            (Format::Xlsx, "xlsx", Some(name), rows)
        }
        _ => {
            let (rows, label) = csv_rows(bytes, opts.encoding, &opts.limits)?;
            (Format::Csv, label, None, rows)
        }
    };
    let (h, _) = cols.find_header(&rows)?;
    let (header_row, header) = &rows[h];
    let mut b = Builder::new(header, &cols, tables)?;
    for (row, cells) in &rows[h + 1..] {
        b.row(*row, cells);
    }
    if b.rows.is_empty() {
        return Err(Error::RosterNoRows {
            header_row: *header_row,
        });
    }
    Ok(ParsedDestinations {
        rows: b.rows,
        problems: b.problems,
        notices: b.notices,
        columns: b.uses,
        header_row: *header_row,
        sheet,
        format,
        encoding,
    })
}

/// Rows of a sheet: 1-based row (or line) and cells.
type Rows = Vec<(usize, Vec<String>)>;

/// The two header tables a destination file is read with.
struct Columns<'a> {
    headers: &'a DestinationHeaders,
    roster: &'a HeaderAliases,
}

/// What one header cell names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    /// A destination field, with its role.
    Field(usize, HeaderRole),
    /// An identity field (index into [`IDENTITY`]).
    RowIdentity(usize),
}

impl Columns<'_> {
    /// What a header names, if anything: a destination field first, else an identity field.
    fn named(&self, header: &str) -> Option<Named> {
        if let Some((i, role)) = self.headers.lookup(header) {
            return Some(Named::Field(i, role));
        }
        let field = self.roster.field(header)?;
        IDENTITY
            .iter()
            .position(|f| *f == field)
            .map(Named::RowIdentity)
    }

    /// How many distinct fields a row names.
    fn score(&self, cells: &[String]) -> usize {
        let mut seen = [false; K + 4];
        for c in cells {
            match self.named(c) {
                Some(Named::Field(i, _)) => seen[i] = true,
                Some(Named::RowIdentity(i)) => seen[K + i] = true,
                None => {}
            }
        }
        seen.iter().filter(|&&s| s).count()
    }

    /// The index (into `rows`) and score of the header: the row naming the most fields among
    /// the first [`HEADER_SCAN_ROWS`] non-empty rows, the first on a tie.
    fn find_header(&self, rows: &Rows) -> Result<(usize, usize)> {
        let mut best: Option<(usize, usize)> = None;
        let mut non_empty = 0;
        for (i, (_, cells)) in rows.iter().enumerate() {
            if cells.iter().all(|c| clean(c).is_empty()) {
                continue;
            }
            non_empty += 1;
            if non_empty > HEADER_SCAN_ROWS {
                break;
            }
            let s = self.score(cells);
            if s > 0 && best.is_none_or(|(_, b)| s > b) {
                best = Some((i, s));
            }
        }
        match best {
            Some(b) => Ok(b),
            None if non_empty == 0 => Err(Error::RosterEmpty),
            None => Err(Error::RosterNoHeader),
        }
    }
}

/// The rows of a CSV file and the encoding's name.
fn csv_rows(bytes: &[u8], encoding: Encoding, limits: &Limits) -> Result<(Rows, &'static str)> {
    let (text, label) = super::decode::decode(bytes, encoding)?;
    if text.trim().is_empty() {
        return Err(Error::RosterEmpty);
    }
    let raw = text.as_bytes();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(super::csv_file::delimiter(&text))
        .from_reader(raw);
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    let (mut offset, mut line) = (0usize, 1usize);
    while reader
        .read_record(&mut rec)
        .map_err(|e| Error::InvalidArgument(format!("CSV: {e}")))?
    {
        // The line a record starts on: past the line ends before it (LF, CRLF or a lone CR).
        let start = rec
            .position()
            .map_or(offset, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX))
            .clamp(offset, raw.len());
        let skip = raw[start..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        line += super::csv_file::line_ends(raw, offset, start + skip);
        offset = start + skip;
        super::csv_file::check_record(
            limits,
            line,
            rec.as_slice().len(),
            rec.len(),
            rows.len() as u64 + 1,
        )?;
        rows.push((line, rec.iter().map(str::to_string).collect()));
    }
    Ok((rows, label))
}

/// The worksheet whose header names the most columns (visible sheets first), with its rows.
#[cfg(feature = "xlsx")]
fn xlsx_best_sheet(bytes: &[u8], cols: &Columns<'_>, limits: &Limits) -> Result<(String, Rows)> {
    use super::xlsx::{cell_text, corrupt, guarded};
    use calamine::{Reader, SheetType, SheetVisible, Xlsx};
    guarded(|| {
        super::xlsx_limits::check(bytes, limits)?;
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(corrupt)?;
        let sheets = book.sheets_metadata().to_vec();
        let mut names: Vec<&str> = Vec::new();
        for visible in [true, false] {
            names.extend(
                sheets
                    .iter()
                    .filter(|s| {
                        s.typ == SheetType::WorkSheet
                            && (s.visible == SheetVisible::Visible) == visible
                    })
                    .map(|s| s.name.as_str()),
            );
        }
        if names.is_empty() {
            return Err(Error::RosterNoSheet);
        }
        let mut best: Option<(String, Rows, usize)> = None;
        let mut first_err = None;
        for name in names {
            let range = book.worksheet_range(name).map_err(corrupt)?;
            let top = range.start().map_or(0, |(r, _)| r as usize);
            let rows: Rows = range
                .rows()
                .enumerate()
                .map(|(i, cells)| (top + i + 1, cells.iter().map(cell_text).collect()))
                .collect();
            match cols.find_header(&rows) {
                Ok((_, score)) => {
                    if best.as_ref().is_none_or(|(_, _, b)| score > *b) {
                        best = Some((name.to_string(), rows, score));
                    }
                }
                Err(e) => {
                    if first_err.is_none() || matches!(e, Error::RosterNoHeader) {
                        first_err = Some(e);
                    }
                }
            }
        }
        best.map(|(n, r, _)| (n, r))
            .ok_or_else(|| first_err.unwrap_or(Error::RosterEmpty))
    })
}

/// Without the `xlsx` feature, an XLSX file is an unsupported format.
#[cfg(not(feature = "xlsx"))]
fn xlsx_best_sheet(_: &[u8], _: &Columns<'_>, _: &Limits) -> Result<(String, Rows)> {
    Err(Error::RosterUnsupportedFormat(
        "本版本未包含 XLSX 支持（cargo 特性 xlsx）/ XLSX support is not built in (cargo feature `xlsx`)"
            .into(),
    ))
}

/// Folds a written value for name lookup: full-width forms to ASCII, trimmed, ASCII lower-case.
fn fold_value(s: &str) -> String {
    s.chars()
        .map(half_width)
        .collect::<String>()
        .trim()
        .to_ascii_lowercase()
}

/// A code without its leading zeros (`"0"` for all zeros).
fn strip_zeros(s: &str) -> &str {
    let t = s.trim_start_matches('0');
    if t.is_empty() && !s.is_empty() {
        "0"
    } else {
        t
    }
}

/// How a coded value reads.
enum CodeRead {
    /// A code of the table as written.
    Kept,
    /// Another form of one code.
    Code(String, NoticeCode),
    /// It names several codes.
    Several,
    /// It names none (validation says so).
    Unknown,
}

/// Reads a coded value: a code, a code without (or with extra) leading zeros, or a name.
fn read_code(tables: &CodeTables, table: Table, v: &str) -> CodeRead {
    if tables.contains(table, v) {
        return CodeRead::Kept;
    }
    let found: Vec<&str> = if v.bytes().all(|b| b.is_ascii_digit()) {
        let want = strip_zeros(v);
        tables
            .entries(table)
            .filter(|e| strip_zeros(&e.code) == want)
            .map(|e| e.code.as_str())
            .collect()
    } else {
        let want = fold_value(v);
        tables
            .entries(table)
            .filter(|e| fold_value(&e.name) == want)
            .map(|e| e.code.as_str())
            .collect()
    };
    let why = if v.bytes().all(|b| b.is_ascii_digit()) {
        NoticeCode::CodePadding
    } else {
        NoticeCode::CodeFromName
    };
    match found.as_slice() {
        [] if table == Table::Countries => match tables.country_code(v) {
            Some(c) => CodeRead::Code(c, NoticeCode::CodeFromName),
            None => CodeRead::Unknown,
        },
        [] => CodeRead::Unknown,
        [one] => CodeRead::Code((*one).to_string(), why),
        _ => CodeRead::Several,
    }
}

/// 就业协议书网签状态 as written: its Chinese name, a usual short form, or its JSON name.
fn read_status(v: &str) -> Option<AgreementStatus> {
    let f = fold_value(v);
    AgreementStatus::ALL
        .into_iter()
        .find(|s| f == fold_value(s.name_zh()) || f == s.as_str())
        .or(match f.as_str() {
            "未签" | "未网签" | "待签约" => Some(AgreementStatus::NotSigned),
            "已网签" | "网签" | "网上签约" | "已签约(网签)" => {
                Some(AgreementStatus::SignedOnline)
            }
            "纸质签约" | "已签纸质" | "纸质协议" | "已签约(纸质)" => {
                Some(AgreementStatus::SignedOnPaper)
            }
            "解约" | "已解除" | "解除协议" => Some(AgreementStatus::Terminated),
            _ => None,
        })
}

/// 转递方式 as written: its Chinese name, a short form, or its JSON name.
fn read_method(v: &str) -> Option<ArchiveMethod> {
    let f = fold_value(v);
    [
        ArchiveMethod::ConfidentialMail,
        ArchiveMethod::Ems,
        ArchiveMethod::CollectedByUnit,
    ]
    .into_iter()
    .find(|m| {
        let json = serde_json::to_value(m)
            .ok()
            .and_then(|j| j.as_str().map(str::to_string))
            .unwrap_or_default();
        f == fold_value(m.name_zh()) || f == json
    })
    .or(match f.as_str() {
        "机要" | "机要件" | "机要邮寄" => Some(ArchiveMethod::ConfidentialMail),
        "ems" | "ems专递" | "档案专递" | "ems档案专递" => Some(ArchiveMethod::Ems),
        "派人提取" | "单位派人提取" | "单位提取" => {
            Some(ArchiveMethod::CollectedByUnit)
        }
        _ => None,
    })
}

/// 迁移原因 as written.
fn read_reason(v: &str) -> Option<HukouReason> {
    match fold_value(v).as_str() {
        "毕业" | "graduation" => Some(HukouReason::Graduation),
        "升学" | "further_study" => Some(HukouReason::FurtherStudy),
        _ => None,
    }
}

/// 是否迁移户口 as written.
fn read_flag(v: &str) -> Option<bool> {
    match fold_value(v).as_str() {
        "是" | "迁移" | "y" | "yes" | "1" | "true" => Some(true),
        "否" | "不迁移" | "n" | "no" | "0" | "false" => Some(false),
        _ => None,
    }
}

/// Turns rows of cells into records, problems and notices.
struct Builder<'a> {
    tables: &'a CodeTables,
    headers: &'a DestinationHeaders,
    /// Header texts as written (trimmed).
    texts: Vec<String>,
    /// Field → the column its value is read from.
    cols: [Option<usize>; K],
    /// Field → a name column checked against the code column.
    check: [Option<usize>; K],
    /// Identity field → its column.
    ident: [Option<usize>; 4],
    uses: Vec<ColumnUse>,
    width: usize,
    rows: Vec<DestinationRow>,
    problems: Vec<CellProblem>,
    notices: Vec<RosterNotice>,
    /// (column, value as written) → its notice in `notices`: one notice per value, with its rows.
    noticed: std::collections::HashMap<(String, String), usize>,
}

impl<'a> Builder<'a> {
    /// A builder for the columns of `header`; refuses a header with repeated columns or
    /// without 毕业去向 and a way to identify the registration.
    fn new(header: &[String], cols: &Columns<'a>, tables: &'a CodeTables) -> Result<Self> {
        let texts: Vec<String> = header
            .iter()
            .map(|h| {
                h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                    .to_string()
            })
            .collect();
        let mut value: [Vec<usize>; K] = std::array::from_fn(|_| Vec::new());
        let mut name: [Vec<usize>; K] = std::array::from_fn(|_| Vec::new());
        let mut ident: [Vec<usize>; 4] = Default::default();
        for (c, h) in texts.iter().enumerate() {
            match cols.named(h) {
                Some(Named::Field(i, HeaderRole::Name)) if matches!(KINDS[i], Kind::Coded(_)) => {
                    name[i].push(c)
                }
                Some(Named::Field(i, _)) => value[i].push(c),
                Some(Named::RowIdentity(i)) => ident[i].push(c),
                None => {}
            }
        }
        let mut duplicated = Vec::new();
        for (i, group) in value.iter().chain(&name).enumerate() {
            if group.len() > 1 {
                let names: Vec<&str> = group.iter().map(|&c| texts[c].as_str()).collect();
                duplicated.push(format!(
                    "{} ({})",
                    names.join(" = "),
                    DESTINATION_FIELDS[i % K]
                ));
            }
        }
        for (i, group) in ident.iter().enumerate() {
            if group.len() > 1 {
                let names: Vec<&str> = group.iter().map(|&c| texts[c].as_str()).collect();
                duplicated.push(format!("{} ({})", names.join(" = "), IDENTITY[i]));
            }
        }
        if !duplicated.is_empty() {
            return Err(Error::RosterDuplicateColumns {
                columns: duplicated,
            });
        }
        let mut missing = Vec::new();
        if value[f::CODE].is_empty() && name[f::CODE].is_empty() {
            missing.push(format!(
                "{} (destination.code)",
                cols.headers.label(f::CODE)
            ));
        }
        let keyed = !ident[0].is_empty() && !ident[1].is_empty();
        if !keyed && ident[2].is_empty() {
            missing.push(
                "学号 + 院校代码 (student_number + school_code) / 身份证号 (id_number)".into(),
            );
        }
        if !missing.is_empty() {
            return Err(Error::RosterMissingColumns { columns: missing });
        }
        let mut uses: Vec<ColumnUse> = texts
            .iter()
            .enumerate()
            .map(|(i, h)| ColumnUse {
                column: i + 1,
                header: h.clone(),
                field: String::new(),
                kind: ColumnUseKind::Ignored,
            })
            .collect();
        let mut cols_of = [None; K];
        let mut check = [None; K];
        for i in 0..K {
            match (value[i].first(), name[i].first()) {
                (Some(&v), n) => {
                    cols_of[i] = Some(v);
                    check[i] = n.copied();
                }
                (None, n) => cols_of[i] = n.copied(),
            }
            for (c, kind) in [
                (cols_of[i], ColumnUseKind::Read),
                (check[i], ColumnUseKind::Checked),
            ] {
                if let Some(c) = c {
                    uses[c].field = DESTINATION_FIELDS[i].to_string();
                    uses[c].kind = kind;
                }
            }
        }
        let ident: [Option<usize>; 4] = std::array::from_fn(|i| ident[i].first().copied());
        for (i, c) in ident.iter().enumerate() {
            if let Some(c) = *c {
                uses[c].field = IDENTITY[i].to_string();
                uses[c].kind = ColumnUseKind::Read;
            }
        }
        Ok(Builder {
            tables,
            headers: cols.headers,
            width: texts.len(),
            texts,
            cols: cols_of,
            check,
            ident,
            uses,
            rows: Vec::new(),
            problems: Vec::new(),
            notices: Vec::new(),
            noticed: std::collections::HashMap::new(),
        })
    }

    /// The header text of the column a validation path was read from: the field's own column,
    /// else the first column of a field under it (`destination.employer` → 单位名称).
    fn column_of(&self, path: &str) -> String {
        let exact = field_index(path).and_then(|i| self.cols[i]);
        let under = || {
            DESTINATION_FIELDS
                .iter()
                .enumerate()
                .filter(|(_, f)| {
                    f.strip_prefix(path)
                        .is_some_and(|rest| rest.starts_with('.'))
                })
                .find_map(|(i, _)| self.cols[i])
        };
        exact
            .or_else(under)
            .map(|c| self.texts[c].clone())
            .unwrap_or_default()
    }

    /// A problem of one cell.
    fn problem(
        &self,
        row: usize,
        col: usize,
        field: &str,
        code: ProblemCode,
        zh: String,
        en: String,
    ) -> CellProblem {
        CellProblem {
            row,
            column: self.texts.get(col).cloned().unwrap_or_default(),
            field: field.to_string(),
            code,
            message_zh: zh,
            message_en: en,
        }
    }

    /// Reads one cell of field `i` into its canonical text; `Err` is the cell's problem.
    fn read(
        &self,
        row: usize,
        i: usize,
        col: usize,
        v: &str,
        notices: &mut Vec<RosterNotice>,
    ) -> std::result::Result<String, CellProblem> {
        let field = DESTINATION_FIELDS[i];
        let label = self.headers.label(i);
        let mut current = v.to_string();
        let mut why = None;
        if !matches!(KINDS[i], Kind::Text) && !v.is_ascii() {
            let hw: String = v
                .chars()
                .map(half_width)
                .collect::<String>()
                .trim()
                .to_string();
            if hw != v {
                current = hw;
                why = Some(NoticeCode::FullWidth);
            }
        }
        match KINDS[i] {
            Kind::Coded(table) => match read_code(self.tables, table, &current) {
                CodeRead::Kept | CodeRead::Unknown => {}
                CodeRead::Code(c, w) => {
                    current = c;
                    why = Some(w);
                }
                CodeRead::Several => {
                    return Err(self.problem(
                        row,
                        col,
                        field,
                        ProblemCode::Ambiguous,
                        format!("{label}：“{v}”可对应代码表中的多个代码：请填写代码"),
                        format!(
                            "{field}: {v:?} matches several codes of the {} table: write the code",
                            table.as_str()
                        ),
                    ))
                }
            },
            Kind::Date => match date(&current) {
                DateRead::Canonical | DateRead::Unreadable => {}
                DateRead::Read(d, w) => {
                    current = d.format("%Y-%m-%d").to_string();
                    why = Some(w);
                }
                DateRead::Ambiguous(a, b) => {
                    let (a, b) = (a.format("%Y-%m-%d"), b.format("%Y-%m-%d"));
                    return Err(self.problem(
                        row,
                        col,
                        field,
                        ProblemCode::Ambiguous,
                        format!("{label}：日期“{v}”可读作 {a} 或 {b}：请写成 YYYY-MM-DD"),
                        format!("{field}: date {v:?} reads as {a} or {b}: write it as YYYY-MM-DD"),
                    ));
                }
            },
            Kind::Method if read_method(&current).is_none() => {
                return Err(self.problem(
                    row,
                    col,
                    field,
                    ProblemCode::UnknownCode,
                    format!("{label}“{v}”不是机要通信、EMS毕业生档案专递或接收单位派人提取"),
                    format!(
                        "{field} {v:?} is none of 机要通信, EMS毕业生档案专递, 接收单位派人提取"
                    ),
                ));
            }
            Kind::Reason if read_reason(&current).is_none() => {
                return Err(self.problem(
                    row,
                    col,
                    field,
                    ProblemCode::UnknownCode,
                    format!("{label}“{v}”应为“毕业”或“升学”"),
                    format!("{field} {v:?} should be 毕业 or 升学"),
                ));
            }
            Kind::Status if read_status(&current).is_none() => {
                return Err(self.problem(
                    row,
                    col,
                    field,
                    ProblemCode::UnknownCode,
                    format!("{label}“{v}”应为未签约、已网上签约、已签纸质协议或已解约"),
                    format!(
                        "{field} {v:?} should be one of not_signed, signed_online, signed_on_paper, terminated"
                    ),
                ));
            }
            Kind::Flag if read_flag(&current).is_none() => {
                return Err(self.problem(
                    row,
                    col,
                    field,
                    ProblemCode::BadFormat,
                    format!("{label}“{v}”应为“是”或“否”"),
                    format!("{field} {v:?} should be 是 or 否"),
                ));
            }
            _ => {}
        }
        if let Some(code) = why.filter(|_| current != v) {
            notices.push(RosterNotice {
                rows: vec![row],
                column: self.texts[col].clone(),
                field: field.to_string(),
                code,
                before: v.to_string(),
                after: current.clone(),
                message_zh: format!("{label}“{v}”按“{current}”读入"),
                message_en: format!("{field} {v:?} read as {current:?}"),
            });
        }
        Ok(current)
    }

    /// Adds a data row.
    fn row(&mut self, row: usize, cells: &[String]) {
        let cell = |c: Option<usize>| c.and_then(|c| cells.get(c)).map_or("", |s| clean(s));
        let mut found: Vec<CellProblem> = Vec::new();
        let mut notices: Vec<RosterNotice> = Vec::new();
        let mut v: [String; K] = std::array::from_fn(|_| String::new());
        let mut any = false;
        for i in 0..K {
            let Some(mut col) = self.cols[i] else {
                continue;
            };
            let mut raw = cell(Some(col));
            let name = cell(self.check[i]);
            let mut checked = self.check[i].filter(|_| !name.is_empty());
            if raw.is_empty() && !name.is_empty() {
                raw = name;
                col = self.check[i].unwrap_or(col);
                checked = None;
            }
            if raw.is_empty() {
                continue;
            }
            any = true;
            match self.read(row, i, col, raw, &mut notices) {
                Ok(s) => v[i] = s,
                Err(p) => {
                    found.push(p);
                    v[i] = raw.to_string();
                }
            }
            if let (Some(nc), Kind::Coded(table)) = (checked, KINDS[i]) {
                let by_name = match read_code(self.tables, table, &fold_value(name)) {
                    CodeRead::Kept => Some(fold_value(name)),
                    CodeRead::Code(c, _) => Some(c),
                    _ => None,
                };
                let label = self.headers.label(i);
                let field = DESTINATION_FIELDS[i];
                match by_name {
                    Some(c) if c == v[i] => {}
                    Some(c) => found.push(self.problem(
                        row,
                        nc,
                        field,
                        ProblemCode::CodeNameMismatch,
                        format!("{label}“{name}”（代码 {c}）与代码“{}”不符", v[i]),
                        format!("{field} {name:?} (code {c}) disagrees with code {:?}", v[i]),
                    )),
                    None => found.push(self.problem(
                        row,
                        nc,
                        field,
                        ProblemCode::UnknownCode,
                        format!("{label}“{name}”不在代码表中"),
                        format!("{field} {name:?} is not in the code table"),
                    )),
                }
            }
        }
        let mut ident = RowIdentity::default();
        for (i, slot) in [
            &mut ident.student_number,
            &mut ident.school_code,
            &mut ident.id_number,
            &mut ident.name,
        ]
        .into_iter()
        .enumerate()
        {
            let raw = cell(self.ident[i]);
            if raw.is_empty() {
                continue;
            }
            any = true;
            *slot = if i == 3 {
                raw.to_string()
            } else {
                raw.chars()
                    .map(half_width)
                    .collect::<String>()
                    .trim()
                    .to_ascii_uppercase()
            };
        }
        if !any {
            return;
        }
        // A three-digit 毕业去向 (written as its code or its name) is the sub-code of its first
        // two digits, when no sub-code is given.
        if v[f::CODE].len() == 3
            && v[f::SUB_CODE].is_empty()
            && self.tables.contains(Table::Destinations, &v[f::CODE])
        {
            let sub = std::mem::take(&mut v[f::CODE]);
            v[f::CODE] = sub[..2].to_string();
            v[f::SUB_CODE] = sub;
        }
        let data = self.assemble(row, &v, &mut found);
        let before = self.problems.len();
        if cells.len() != self.width {
            self.problems.push(CellProblem {
                row,
                column: String::new(),
                field: String::new(),
                code: ProblemCode::BadFormat,
                message_zh: format!(
                    "第 {row} 行有 {} 个单元格，表头有 {} 列（行被截断或多出了分隔符？）",
                    cells.len(),
                    self.width
                ),
                message_en: format!(
                    "row {row} has {} cells but the header has {} columns (a cut line or a stray separator?)",
                    cells.len(),
                    self.width
                ),
            });
        }
        if ident.key().is_none() && ident.id_number.is_empty() {
            self.problems.push(CellProblem {
                row,
                column: String::new(),
                field: "student_number".into(),
                code: ProblemCode::Required,
                message_zh: "须填写学号和院校代码，或身份证号，以确定是哪一位毕业生".into(),
                message_en: "the student number and school code, or the ID number, are required to identify the graduate".into(),
            });
        }
        let bad: Vec<String> = found.iter().map(|p| p.field.clone()).collect();
        self.problems.append(&mut found);
        for p in data.problems(self.tables) {
            // A cell already reported as unreadable is not reported again by validation.
            if bad.contains(&p.field) {
                continue;
            }
            self.problems.push(CellProblem {
                row,
                column: self.column_of(&p.field),
                field: p.field,
                code: p.code,
                message_zh: p.message_zh,
                message_en: p.message_en,
            });
        }
        for n in notices {
            let key = (n.column.clone(), n.before.clone());
            match self.noticed.get(&key) {
                Some(&i) => self.notices[i].rows.extend(n.rows),
                None => {
                    self.noticed.insert(key, self.notices.len());
                    self.notices.push(n);
                }
            }
        }
        let ok = self.problems.len() == before;
        self.rows.push(DestinationRow {
            row,
            ident,
            data,
            ok,
        });
    }

    /// The record of a row's canonical values; a section is present when any of its cells is.
    fn assemble(
        &self,
        row: usize,
        v: &[String; K],
        found: &mut Vec<CellProblem>,
    ) -> DestinationData {
        let some = |r: std::ops::RangeInclusive<usize>| r.into_iter().any(|i| !v[i].is_empty());
        let opt = |i: usize| (!v[i].is_empty()).then(|| v[i].clone());
        let destination = Destination {
            code: v[f::CODE].clone(),
            sub_code: opt(f::SUB_CODE),
            employer: some(f::EMPLOYER).then(|| Employer {
                name: v[2].clone(),
                credit_code: v[3].clone(),
                nature: v[4].clone(),
                industry: v[5].clone(),
                region: v[6].clone(),
                address: v[7].clone(),
            }),
            job_category: opt(f::JOB),
            signing_date: opt(f::SIGNING),
            further_study: some(f::STUDY).then(|| Study {
                school: v[10].clone(),
                major: v[11].clone(),
            }),
            abroad: some(f::ABROAD).then(|| Abroad {
                country_region: v[12].clone(),
                school: v[13].clone(),
                major: v[14].clone(),
            }),
            agreement_number: opt(f::AGREEMENT_NUMBER),
            agreement_status: read_status(&v[f::AGREEMENT_STATUS]),
            enterprise: some(f::ENTERPRISE).then(|| Enterprise {
                name: v[30].clone(),
                credit_code: v[31].clone(),
                founding_date: v[32].clone(),
                role: v[33].clone(),
                region: v[34].clone(),
            }),
        };
        let archive = if some(f::ARCHIVE) {
            match read_method(&v[f::METHOD]) {
                Some(method) => Some(ArchiveTransfer {
                    receiving_unit: v[15].clone(),
                    address: v[16].clone(),
                    postal_code: v[17].clone(),
                    contact: v[18].clone(),
                    phone: v[19].clone(),
                    method,
                    transfer_number: opt(21),
                    tracking_number: opt(22),
                }),
                None => {
                    if v[f::METHOD].is_empty() {
                        found.push(CellProblem {
                            row,
                            column: self.column_of("archive.method"),
                            field: "archive.method".into(),
                            code: ProblemCode::Required,
                            message_zh: format!(
                                "填写档案转递信息时须填写{}",
                                self.headers.label(f::METHOD)
                            ),
                            message_en: "archive.method is required with archive transfer data"
                                .into(),
                        });
                    }
                    None
                }
            }
        } else {
            None
        };
        let hukou = if some(f::HUKOU) {
            let migrate = read_flag(&v[f::MIGRATE]);
            if v[f::MIGRATE].is_empty() {
                found.push(CellProblem {
                    row,
                    column: self.column_of("hukou.migrate"),
                    field: "hukou.migrate".into(),
                    code: ProblemCode::Required,
                    message_zh: format!(
                        "填写户口迁移信息时须填写{}",
                        self.headers.label(f::MIGRATE)
                    ),
                    message_en: "hukou.migrate is required with hukou migration data".into(),
                });
            }
            Some(HukouMigration {
                migrate: migrate.unwrap_or(false),
                reason: read_reason(&v[24]),
                address: v[25].clone(),
                police_station: v[26].clone(),
                region: v[27].clone(),
            })
        } else {
            None
        };
        DestinationData {
            destination,
            archive,
            hukou,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_headers_cover_every_field_and_stay_apart_from_roster_headers() {
        let h = DestinationHeaders::builtin();
        let roster = HeaderAliases::builtin();
        for name in DESTINATION_FIELDS {
            let zh = h
                .header(name)
                .unwrap_or_else(|| panic!("{name} has a Chinese header"));
            assert_eq!(h.field_role(zh), Some((name, HeaderRole::Value)), "{zh}");
            assert_eq!(h.field_role(name), Some((name, HeaderRole::Value)));
            assert_eq!(roster.field(zh), None, "{zh} is not a roster header");
        }
        for (folded, field, _) in roster.entries() {
            assert_eq!(h.lookup(&folded), None, "roster header {folded} ({field})");
        }
        assert_eq!(
            h.field_role("单位性质"),
            Some(("destination.employer.nature", HeaderRole::Name))
        );
        assert_eq!(
            h.field_role("*统一社会信用代码（18位）"),
            Some(("destination.employer.credit_code", HeaderRole::Value))
        );
        assert_eq!(h.field_role("TYSHXYDM"), h.field_role("统一社会信用代码"));
    }

    #[test]
    fn codes_by_name_and_padding() {
        let t = CodeTables::builtin();
        assert!(matches!(
            read_code(t, Table::EmployerNatures, "22"),
            CodeRead::Kept
        ));
        match read_code(t, Table::Destinations, "签就业协议形式就业") {
            CodeRead::Code(c, NoticeCode::CodeFromName) => assert_eq!(c, "10"),
            _ => panic!("destination by name"),
        }
        assert!(matches!(
            read_code(t, Table::Industries, "火星业"),
            CodeRead::Unknown
        ));
        assert_eq!(read_method("EMS毕业生档案专递"), Some(ArchiveMethod::Ems));
        assert_eq!(
            read_method("机要通信"),
            Some(ArchiveMethod::ConfidentialMail)
        );
        assert_eq!(
            read_method("collected_by_unit"),
            Some(ArchiveMethod::CollectedByUnit)
        );
        assert_eq!(read_method("本人自带"), None);
        assert_eq!(read_flag("否"), Some(false));
        assert_eq!(read_flag("Y"), Some(true));
        assert_eq!(read_reason("升学"), Some(HukouReason::FurtherStudy));
    }
}
