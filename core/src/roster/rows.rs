//! Row parsing: [`Builder`] turns the rows after the header into [`BasicInfo`] records, validates
//! each, and reports every problem with its row and column — including ID and student numbers
//! repeated from an earlier row.

use std::borrow::Cow;

use super::fields::{clean, field_index, field_mut, field_ref, FIELDS, N, REQUIRED_FIELDS};
use super::headers::HeaderAliases;
use super::{CellProblem, Format, ParsedRoster, RosterRow};
use crate::error::{Error, Result};
use crate::records::BasicInfo;
use crate::tables::CodeTables;
use crate::validate::{ProblemCode, Validate};

/// Turns rows of cells into records and problems.
pub(super) struct Builder<'t> {
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
    /// A builder for the columns of `header`; refuses a header with missing or repeated
    /// columns.
    pub(super) fn new(
        header: &[String],
        aliases: &HeaderAliases,
        tables: &'t CodeTables,
    ) -> Result<Self> {
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

    /// Adds the duplicate problems and returns the roster.
    pub(super) fn finish(mut self, format: Format, encoding: &'static str) -> ParsedRoster {
        self.duplicates();
        ParsedRoster {
            rows: self.rows,
            problems: self.problems,
            format,
            encoding,
        }
    }
}
