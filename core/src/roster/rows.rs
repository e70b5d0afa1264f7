//! Row parsing: [`Builder`] turns the rows after the header into [`BasicInfo`] records, validates
//! each, and reports every problem with its row and column — including ID and student numbers
//! repeated from an earlier row.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use super::fields::{
    clean, field_index, field_mut, field_ref, FIELDS, FIELDS_ZH, N, REQUIRED_FIELDS,
};
use super::headers::{HeaderAliases, HeaderRole};
use super::normalize::{Normalizer, Outcome};
use super::{CellProblem, ColumnUse, ColumnUseKind, Format, RosterNotice, RosterRow};
use crate::error::{Error, Result};
use crate::records::BasicInfo;
use crate::tables::CodeTables;
use crate::validate::{NoticeCode, ProblemCode, Validate};

/// The ID numbers and student numbers a roster has shown so far, kept as 128-bit fingerprints
/// (two SipHash values under keys drawn at random per parse) with the first row of each, so
/// that a repeat is found as its row is read without keeping the values. Two different values
/// share a fingerprint with a chance of about 2⁻¹²⁸ per pair, and the keys are secret, so no
/// input can arrange it.
struct Seen {
    keys: [std::collections::hash_map::RandomState; 2],
    rows: [HashMap<u128, usize, BuildHasherDefault<Identity>>; 2],
}

/// A hasher for keys that are already uniformly random fingerprints: the low 64 bits as they
/// are.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

impl Seen {
    fn new() -> Self {
        Seen {
            keys: Default::default(),
            rows: Default::default(),
        }
    }

    /// The first row that showed `value` (ignoring ASCII case) in list `slot`, or `None` after
    /// noting that `row` shows it.
    fn first(&mut self, slot: usize, value: &str, row: usize) -> Option<usize> {
        let upper;
        let bytes = if value.bytes().any(|b| b.is_ascii_lowercase()) {
            upper = value.to_ascii_uppercase();
            upper.as_bytes()
        } else {
            value.as_bytes()
        };
        let fp = self.keys.iter().fold(0u128, |acc, k| {
            let mut h = k.build_hasher();
            h.write(bytes);
            (acc << 64) | u128::from(h.finish())
        });
        match self.rows[slot].entry(fp) {
            std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(row);
                None
            }
        }
    }
}

/// Where the rows of a roster go as they are read.
pub(super) trait Sink {
    /// Takes one row and its problems (drained from `problems`).
    fn take(&mut self, row: RosterRow, problems: &mut Vec<CellProblem>);
    /// Makes room for about `rows` more rows.
    fn reserve(&mut self, _rows: usize) {}
}

/// A sink that keeps every row and every problem.
#[derive(Default)]
pub(super) struct Collect {
    /// The rows, in file order.
    pub(super) rows: Vec<RosterRow>,
    /// The problems, in row order.
    pub(super) problems: Vec<CellProblem>,
}

impl Sink for Collect {
    fn take(&mut self, row: RosterRow, problems: &mut Vec<CellProblem>) {
        self.rows.push(row);
        self.problems.append(problems);
    }
    fn reserve(&mut self, rows: usize) {
        self.rows.reserve(rows);
    }
}

/// What reading a roster found besides its rows.
pub(super) struct Scanned {
    /// Data rows read.
    pub(super) rows: usize,
    /// Rows with at least one problem.
    pub(super) bad_rows: usize,
    /// Problems found.
    pub(super) problems: usize,
    /// Notices, one per column and value as written.
    pub(super) notices: Vec<RosterNotice>,
    /// How each column was used.
    pub(super) columns: Vec<ColumnUse>,
    /// 1-based row of the header.
    pub(super) header_row: usize,
    /// The worksheet read.
    pub(super) sheet: Option<String>,
    /// The format read.
    pub(super) format: Format,
    /// The encoding read.
    pub(super) encoding: &'static str,
}

/// Turns rows of cells into records and problems.
pub(super) struct Builder<'t, 's> {
    sink: &'s mut dyn Sink,
    /// The problems of the row being read.
    found: Vec<CellProblem>,
    /// Rows read, rows with problems, problems.
    counts: (usize, usize, usize),
    /// ID numbers and student numbers met so far, as fingerprints, with the row of each.
    seen: Seen,
    tables: &'t CodeTables,
    norm: Normalizer,
    /// Field index → the column its value is read from.
    cols: [Option<usize>; N],
    /// Field index → a name column checked against the code column (性别 beside 性别代码).
    check: [Option<usize>; N],
    /// Header texts as written (trimmed), by column.
    headers: Vec<String>,
    /// How each column was used.
    uses: Vec<ColumnUse>,
    width: usize,
    notices: Vec<RosterNotice>,
    /// Per column (and one more for notices of no column): value as written → its notice.
    noticed: Vec<HashMap<String, usize>>,
}

/// The columns of a header: for each field, the value columns and the name columns.
pub(super) struct ColumnMap {
    /// Header texts as written (trimmed of white space and a byte-order mark).
    pub(super) headers: Vec<String>,
    /// Per field, the columns holding its value.
    pub(super) value: [Vec<usize>; N],
    /// Per field, the columns holding names from its code table.
    pub(super) name: [Vec<usize>; N],
}

impl ColumnMap {
    /// Maps the columns of a header row.
    pub(super) fn new(header: &[String], aliases: &HeaderAliases) -> Self {
        let headers: Vec<String> = header
            .iter()
            .map(|h| {
                h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                    .to_string()
            })
            .collect();
        let mut value: [Vec<usize>; N] = Default::default();
        let mut name: [Vec<usize>; N] = Default::default();
        for (c, h) in headers.iter().enumerate() {
            if let Some(k) = aliases.lookup(h) {
                // A name column of a field without a code table holds its value.
                if k.role == HeaderRole::Name && Normalizer::is_coded(k.field) {
                    name[k.field].push(c);
                } else {
                    value[k.field].push(c);
                }
            }
        }
        ColumnMap {
            headers,
            value,
            name,
        }
    }

    /// Groups of columns that name one field in one role, as `a = b (field)`.
    pub(super) fn duplicated(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (f, groups) in [&self.value, &self.name]
            .iter()
            .flat_map(|g| g.iter().enumerate())
        {
            if groups.len() > 1 {
                let names: Vec<&str> = groups.iter().map(|&c| self.headers[c].as_str()).collect();
                out.push(format!("{} ({})", names.join(" = "), FIELDS[f]));
            }
        }
        out
    }

    /// Required fields with neither a value nor a name column, labelled for messages.
    pub(super) fn missing(&self, aliases: &HeaderAliases) -> Vec<String> {
        REQUIRED_FIELDS
            .iter()
            .filter_map(|name| field_index(name))
            .filter(|&f| self.value[f].is_empty() && self.name[f].is_empty())
            .map(|f| aliases.label(f))
            .collect()
    }

    /// How each column is used: read, checked against the code column, or ignored.
    pub(super) fn uses(&self) -> Vec<ColumnUse> {
        let mut uses: Vec<ColumnUse> = self
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| ColumnUse {
                column: i + 1,
                header: h.clone(),
                field: String::new(),
                kind: ColumnUseKind::Ignored,
            })
            .collect();
        for (f, field) in FIELDS.iter().enumerate() {
            let read = self.value[f].first().or(self.name[f].first());
            for &c in self.value[f].iter().chain(&self.name[f]) {
                uses[c].field = field.to_string();
                uses[c].kind = if Some(&c) == read {
                    ColumnUseKind::Read
                } else {
                    ColumnUseKind::Checked
                };
            }
        }
        uses
    }
}

/// The reason a notice gives for a rewrite, in Chinese and English.
fn reason(code: NoticeCode) -> (&'static str, &'static str) {
    match code {
        NoticeCode::GenderWord => ("性别写作文字", "gender written as a word"),
        NoticeCode::CodeFromName => ("按代码表名称换为代码", "a name from the code table"),
        NoticeCode::CodePadding => (
            "代码前导零按代码表补齐或去掉",
            "leading zeros as the code table has them",
        ),
        NoticeCode::DateForm => ("日期换为 YYYY-MM-DD", "date written as YYYY-MM-DD"),
        NoticeCode::DateSerial => (
            "电子表格日期序号换为日期",
            "a spreadsheet date serial number",
        ),
        NoticeCode::FullWidth => ("全角字符换为半角", "full-width characters"),
        NoticeCode::RegionRetired => ("行政区划代码已撤销", "a retired region code"),
        NoticeCode::IdRegionYear => (
            "身份证号地区码与出生年份不符",
            "the ID number's region code and birth year",
        ),
    }
}

impl<'t, 's> Builder<'t, 's> {
    /// A builder for the columns of `header` that hands its rows to `sink`; refuses a header
    /// with missing or repeated columns.
    pub(super) fn new(
        header: &[String],
        aliases: &HeaderAliases,
        tables: &'t CodeTables,
        sink: &'s mut dyn Sink,
    ) -> Result<Self> {
        let map = ColumnMap::new(header, aliases);
        let duplicated = map.duplicated();
        if !duplicated.is_empty() {
            return Err(Error::RosterDuplicateColumns {
                columns: duplicated,
            });
        }
        let missing = map.missing(aliases);
        if !missing.is_empty() {
            return Err(Error::RosterMissingColumns { columns: missing });
        }
        let mut cols = [None; N];
        let mut check = [None; N];
        for f in 0..N {
            match (map.value[f].first(), map.name[f].first()) {
                (Some(&v), n) => {
                    cols[f] = Some(v);
                    check[f] = n.copied();
                }
                (None, n) => cols[f] = n.copied(),
            }
        }
        Ok(Builder {
            sink,
            found: Vec::new(),
            counts: (0, 0, 0),
            seen: Seen::new(),
            tables,
            norm: Normalizer::new(tables),
            cols,
            check,
            uses: map.uses(),
            width: map.headers.len(),
            noticed: vec![HashMap::new(); map.headers.len() + 1],
            headers: map.headers,
            notices: Vec::new(),
        })
    }

    /// Makes room for about `rows` more rows.
    pub(super) fn reserve(&mut self, rows: usize) {
        self.sink.reserve(rows);
        for m in &mut self.seen.rows {
            m.reserve(rows);
        }
    }

    /// The header text of the column a field was read from.
    fn column_of(&self, field: &str) -> String {
        field_index(field)
            .and_then(|f| self.cols[f])
            .map(|c| self.headers[c].clone())
            .unwrap_or_default()
    }

    /// Adds a data row of `len` cells; `cell(i)` is the raw text of cell `i`.
    pub(super) fn row<'c>(
        &mut self,
        row: usize,
        len: usize,
        cell: impl Fn(usize) -> Option<&'c str>,
    ) {
        let mut info = BasicInfo::default();
        let mut any = false;
        // Fields left as written because they read more than one way; validation of them is
        // replaced by the ambiguity problem.
        let mut ambiguous = [false; N];
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        for f in 0..N {
            let Some(mut col) = self.cols[f] else {
                continue;
            };
            let mut v = cell(col).map(clean).unwrap_or("");
            let name = self.check[f].and_then(&cell).map(clean).unwrap_or("");
            let mut checked = self.check[f].filter(|_| !name.is_empty());
            if v.is_empty() && !name.is_empty() {
                // The code cell is empty: the name beside it is read instead.
                v = name;
                col = self.check[f].unwrap_or(col);
                checked = None;
            }
            if v.is_empty() {
                continue;
            }
            any = true;
            // A value this column has already shown is read as it was then, without reading it
            // afresh: one lookup, and the notice gains the row.
            if let Some(&i) = self.noticed[col].get(v) {
                let n = &mut self.notices[i];
                if n.rows.last() != Some(&row) {
                    n.rows.push(row);
                }
                *field_mut(&mut info, f) = n.after.clone();
            } else {
                match self.norm.value(f, v) {
                    Outcome::Kept => *field_mut(&mut info, f) = v.to_string(),
                    Outcome::Rewritten(after, code) => {
                        self.notice(row, Some(col), f, v, || {
                            let (zh, en) = reason(code);
                            (
                                code,
                                after.clone(),
                                format!("{}“{v}”按“{after}”读入（{zh}）", FIELDS_ZH[f]),
                                format!("{} {v:?} read as {after:?} ({en})", FIELDS[f]),
                            )
                        });
                        *field_mut(&mut info, f) = after;
                    }
                    Outcome::Ambiguous(v, zh, en) => {
                        ambiguous[f] = true;
                        found.push(CellProblem {
                            row,
                            column: self.headers[col].clone(),
                            field: FIELDS[f].to_string(),
                            code: ProblemCode::Ambiguous,
                            message_zh: format!("{}：{zh}", FIELDS_ZH[f]),
                            message_en: format!("{}: {en}", FIELDS[f]),
                        });
                        *field_mut(&mut info, f) = v.to_string();
                    }
                }
            }
            if let Some(nc) = checked {
                let code = field_ref(&info, f);
                let column = self.headers[nc].clone();
                match self.norm.resolve(f, name) {
                    Some(c) if c == code || ambiguous[f] => {}
                    Some(c) => found.push(CellProblem {
                        row,
                        column,
                        field: FIELDS[f].to_string(),
                        code: ProblemCode::CodeNameMismatch,
                        message_zh: format!(
                            "{}“{name}”（代码 {c}）与代码列“{}”的“{code}”不符",
                            FIELDS_ZH[f],
                            self.headers[self.cols[f].unwrap_or(nc)]
                        ),
                        message_en: format!(
                            "{} {name:?} (code {c}) disagrees with {code:?} in column {:?}",
                            FIELDS[f],
                            self.headers[self.cols[f].unwrap_or(nc)]
                        ),
                    }),
                    None => found.push(CellProblem {
                        row,
                        column,
                        field: FIELDS[f].to_string(),
                        code: ProblemCode::UnknownCode,
                        message_zh: format!("{}“{name}”不在代码表中", FIELDS_ZH[f]),
                        message_en: format!("{} {name:?} is not in the code table", FIELDS[f]),
                    }),
                }
            }
        }
        if !any {
            // Blank, or only cells outside the roster's columns (a pre-numbered template row).
            self.found = found;
            return;
        }
        let mut problems = Vec::new();
        if len != self.width {
            problems.push(CellProblem {
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
        problems.append(&mut found);
        self.found = found;
        let (found_problems, found_notices) = info.review(self.tables);
        for p in found_problems {
            if field_index(&p.field).is_some_and(|f| ambiguous[f]) {
                continue;
            }
            problems.push(CellProblem {
                row,
                column: self.column_of(&p.field),
                field: p.field,
                code: p.code,
                message_zh: p.message_zh,
                message_en: p.message_en,
            });
        }
        for n in found_notices {
            let f = field_index(&n.field).unwrap_or(N);
            let col = self.cols.get(f).copied().flatten();
            let before = n.before.clone();
            self.notice(row, col, f, &before, move || {
                (n.code, n.after, n.message_zh, n.message_en)
            });
        }
        self.duplicates(row, &info, &mut problems);
        let ok = problems.is_empty();
        self.counts.0 += 1;
        self.counts.1 += usize::from(!ok);
        self.counts.2 += problems.len();
        self.sink.take(RosterRow { row, info, ok }, &mut problems);
    }

    /// Records that on `row` the cell of column `col` (of field `f`) written `before` drew a
    /// notice; `make` gives its code, the value read and the messages, the first time only.
    fn notice(
        &mut self,
        row: usize,
        col: Option<usize>,
        f: usize,
        before: &str,
        make: impl FnOnce() -> (NoticeCode, String, String, String),
    ) {
        let slot = col.unwrap_or(self.width).min(self.width);
        if let Some(&i) = self.noticed[slot].get(before) {
            let rows = &mut self.notices[i].rows;
            if rows.last() != Some(&row) {
                rows.push(row);
            }
            return;
        }
        let (code, after, message_zh, message_en) = make();
        self.noticed[slot].insert(before.to_string(), self.notices.len());
        self.notices.push(RosterNotice {
            rows: vec![row],
            column: col.map(|c| self.headers[c].clone()).unwrap_or_default(),
            field: FIELDS.get(f).map_or("", |s| s).to_string(),
            code,
            before: before.to_string(),
            after,
            message_zh,
            message_en,
        });
    }

    /// Reports an ID number or student number (compared ignoring ASCII case) that appeared on
    /// an earlier row, naming that row.
    fn duplicates(&mut self, row: usize, info: &BasicInfo, out: &mut Vec<CellProblem>) {
        for (slot, (f, zh, en)) in [(2, "身份证号", "ID number"), (4, "学号", "student number")]
            .into_iter()
            .enumerate()
        {
            let v = field_ref(info, f);
            if v.is_empty() {
                continue;
            }
            if let Some(first) = self.seen.first(slot, v, row) {
                out.push(CellProblem {
                    row,
                    column: self.column_of(FIELDS[f]),
                    field: FIELDS[f].to_string(),
                    code: ProblemCode::Duplicate,
                    message_zh: format!("{zh}“{v}”与第 {first} 行重复"),
                    message_en: format!("{en} {v:?} repeats row {first}"),
                });
            }
        }
    }

    /// What was read besides the rows; a header without a single data row is an
    /// [`Error::RosterNoRows`].
    pub(super) fn finish(
        self,
        format: Format,
        encoding: &'static str,
        header_row: usize,
        sheet: Option<String>,
    ) -> Result<Scanned> {
        if self.counts.0 == 0 {
            return Err(Error::RosterNoRows { header_row });
        }
        Ok(Scanned {
            rows: self.counts.0,
            bad_rows: self.counts.1,
            problems: self.counts.2,
            notices: self.notices,
            columns: self.uses,
            header_row,
            sheet,
            format,
            encoding,
        })
    }
}
