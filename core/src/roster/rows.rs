//! Row parsing: [`Builder`] turns the rows after the header into [`BasicInfo`] records, validates
//! each, and reports every problem with its row and column — including ID and student numbers
//! repeated from an earlier row.

use std::borrow::Cow;

use super::fields::{clean, field_index, field_mut, field_ref, FIELDS, N, REQUIRED_FIELDS};
use super::headers::{HeaderAliases, HeaderRole};
use super::normalize::{Normalizer, Outcome};
use super::{CellProblem, ColumnUse, ColumnUseKind, Format, ParsedRoster, RosterNotice, RosterRow};
use crate::error::{Error, Result};
use crate::records::BasicInfo;
use crate::tables::CodeTables;
use crate::validate::{NoticeCode, ProblemCode, Validate};

/// Turns rows of cells into records and problems.
pub(super) struct Builder<'t> {
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
    /// Chinese label of each field, for messages.
    labels: [String; N],
    width: usize,
    rows: Vec<RosterRow>,
    problems: Vec<CellProblem>,
    notices: Vec<RosterNotice>,
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
        for f in 0..N {
            let read = self.value[f].first().or(self.name[f].first());
            for &c in self.value[f].iter().chain(&self.name[f]) {
                uses[c].field = FIELDS[f].to_string();
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

impl<'t> Builder<'t> {
    /// A builder for the columns of `header`; refuses a header with missing or repeated
    /// columns.
    pub(super) fn new(
        header: &[String],
        aliases: &HeaderAliases,
        tables: &'t CodeTables,
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
        let labels = std::array::from_fn(|f| {
            let l = aliases.label(f);
            l.split(" (").next().unwrap_or(FIELDS[f]).to_string()
        });
        Ok(Builder {
            tables,
            norm: Normalizer::new(tables),
            cols,
            check,
            uses: map.uses(),
            width: map.headers.len(),
            headers: map.headers,
            labels,
            rows: Vec::new(),
            problems: Vec::new(),
            notices: Vec::new(),
        })
    }

    /// Makes room for about `rows` more rows.
    pub(super) fn reserve(&mut self, rows: usize) {
        self.rows.reserve(rows);
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
        let mut found: Vec<CellProblem> = Vec::new();
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
            match self.norm.value(f, v, self.tables) {
                Outcome::Kept => *field_mut(&mut info, f) = v.to_string(),
                Outcome::Rewritten(after, code) => {
                    let (zh, en) = reason(code);
                    self.notices.push(RosterNotice {
                        row,
                        column: self.headers[col].clone(),
                        field: FIELDS[f].to_string(),
                        code,
                        before: v.to_string(),
                        after: after.clone(),
                        message_zh: format!("{}“{v}”按“{after}”读入（{zh}）", self.labels[f]),
                        message_en: format!("{} {v:?} read as {after:?} ({en})", FIELDS[f]),
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
                        message_zh: format!("{}：{zh}", self.labels[f]),
                        message_en: format!("{}: {en}", FIELDS[f]),
                    });
                    *field_mut(&mut info, f) = v.to_string();
                }
            }
            if let Some(nc) = checked {
                let code = field_ref(&info, f);
                let column = self.headers[nc].clone();
                match self.norm.resolve(f, name, self.tables) {
                    Some(c) if c == code || ambiguous[f] => {}
                    Some(c) => found.push(CellProblem {
                        row,
                        column,
                        field: FIELDS[f].to_string(),
                        code: ProblemCode::CodeNameMismatch,
                        message_zh: format!(
                            "{}“{name}”（代码 {c}）与代码列“{}”的“{code}”不符",
                            self.labels[f],
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
                        message_zh: format!("{}“{name}”不在代码表中", self.labels[f]),
                        message_en: format!("{} {name:?} is not in the code table", FIELDS[f]),
                    }),
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
        self.problems.append(&mut found);
        for p in info.problems(self.tables) {
            if field_index(&p.field).is_some_and(|f| ambiguous[f]) {
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
        for n in info.notices(self.tables) {
            self.notices.push(RosterNotice {
                row,
                column: self.column_of(&n.field),
                field: n.field,
                code: n.code,
                before: n.before,
                after: n.after,
                message_zh: n.message_zh,
                message_en: n.message_en,
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

    /// Adds the duplicate problems and returns the roster; a header without a single data row
    /// is an [`Error::RosterNoRows`].
    pub(super) fn finish(
        mut self,
        format: Format,
        encoding: &'static str,
        header_row: usize,
        sheet: Option<String>,
    ) -> Result<ParsedRoster> {
        if self.rows.is_empty() {
            return Err(Error::RosterNoRows { header_row });
        }
        self.duplicates();
        Ok(ParsedRoster {
            rows: self.rows,
            problems: self.problems,
            notices: self.notices,
            columns: self.uses,
            header_row,
            sheet,
            format,
            encoding,
        })
    }
}
