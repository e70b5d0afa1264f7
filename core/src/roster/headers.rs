//! Header matching: the table of header names ([`HeaderAliases`], shipped as
//! `core/data/roster_headers.tsv`), how a header is folded before lookup, and the search for the
//! header row among the first rows of a sheet.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::fields::{all_empty, field_index, FIELDS, N};
use crate::error::{Error, Result};

/// How many non-empty rows at the top of a sheet are searched for the header row.
pub const HEADER_SCAN_ROWS: usize = 10;

/// Which header names a roster writer uses.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderStyle {
    /// Chinese headers: 姓名, 身份证号 …
    #[default]
    Chinese,
    /// Pinyin abbreviations: xm, sfzh …
    Pinyin,
}

/// What a column holds for its field.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum HeaderRole {
    /// The value itself: a code for a coded field (性别代码, 民族代码), the text of any other field.
    #[default]
    Value,
    /// The name from the field's code table (性别 男/女, 民族 汉族). Read when the roster has no
    /// code column for the field, else checked against it.
    Name,
}

/// One header the table knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Known {
    /// Index of the field in [`FIELDS`].
    pub(super) field: usize,
    /// What the column holds.
    pub(super) role: HeaderRole,
}

/// The table of header names and the fields they fill.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderAliases {
    /// Folded header → field and role. A B-tree, not a hash table: the built-in table lives
    /// for the whole process, and a B-tree's nodes are reached through pointers to their start,
    /// so memory checkers see it as reachable at exit.
    map: BTreeMap<String, Known>,
    /// First Chinese and first ASCII header of each field, for writers.
    chinese: [Option<String>; N],
    pinyin: [Option<String>; N],
}

/// Maps a full-width form (`ＡＢＣ１２３（）`) and the CJK brackets to ASCII; other characters are
/// returned as they are.
pub(crate) fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '【' | '〔' | '〖' | '「' | '『' => '[',
        '】' | '〕' | '〗' | '」' | '』' => ']',
        _ => c,
    }
}

/// Folds a header for lookup: full-width forms and CJK brackets to ASCII, white space, byte-order
/// marks and the marks `* _ - . :` dropped, letters lower-cased.
pub(crate) fn fold_header(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(half_width) {
        if c.is_whitespace() || matches!(c, '\u{feff}' | '*' | '_' | '-' | '.' | ':' | '、') {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A folded header without its bracketed notes (`姓名(必填)` → `姓名`, `[必填]学号` → `学号`), or
/// `None` when it has none.
pub(super) fn strip_notes(folded: &str) -> Option<&str> {
    let mut s = folded;
    loop {
        let before = s.len();
        for (open, close) in [('(', ')'), ('[', ']')] {
            if s.ends_with(close) {
                if let Some(i) = s.rfind(open) {
                    s = &s[..i];
                }
            }
            if s.starts_with(open) {
                if let Some(i) = s.find(close) {
                    s = &s[i + close.len_utf8()..];
                }
            }
        }
        if s.len() == before {
            break;
        }
    }
    (s.len() != folded.len() && !s.is_empty()).then_some(s)
}

/// The lines of a header table (`header<TAB>field[<TAB>name]`, `#` comments and blank lines
/// skipped) as (1-based line, header, field, role); a role other than `name` (or `value`,
/// `code`, empty) is an error naming the line of the table called `what`.
pub(super) fn header_lines<'a>(
    text: &'a str,
    what: &'static str,
) -> impl Iterator<Item = Result<(usize, &'a str, &'a str, HeaderRole)>> + 'a {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(move |(n, line)| {
            let mut cols = line.split('\t');
            let header = cols.next().unwrap_or("");
            let field = cols.next().unwrap_or("").trim();
            let role = match cols.next().map(str::trim) {
                None | Some("") | Some("value") | Some("code") => HeaderRole::Value,
                Some("name") => HeaderRole::Name,
                Some(other) => {
                    return Err(Error::InvalidArgument(format!(
                        "{what} line {n}: unknown role {other:?} (expected `name` or nothing)"
                    )))
                }
            };
            Ok((n, header, field, role))
        })
}

impl HeaderAliases {
    /// The table shipped with the crate (`core/data/roster_headers.tsv`), plus every field's own
    /// name (`id_number` …).
    pub fn builtin() -> &'static HeaderAliases {
        static BUILTIN: OnceLock<HeaderAliases> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut a = HeaderAliases::default();
            // The shipped table is checked by a unit test; a failure here is a build defect.
            a.load_tsv(include_str!("../../data/roster_headers.tsv"))
                .expect("shipped header table parses");
            for f in FIELDS {
                let key = fold_header(f);
                if !a.map.contains_key(&key) {
                    let _ = a.insert(f, f);
                }
            }
            a
        })
    }

    /// Adds lines of `header<TAB>field[<TAB>name]` (`#` comments and blank lines ignored; the
    /// third column `name` marks a column holding names from the field's code table); a header
    /// already present is re-pointed to the new field. An error names the line and leaves the
    /// table as it was.
    pub fn load_tsv(&mut self, text: &str) -> Result<()> {
        let mut next = self.clone();
        for line in header_lines(text, "header table") {
            let (n, header, field, role) = line?;
            next.insert_role(header, field, role).map_err(|_| {
                Error::InvalidArgument(format!(
                    "header table line {n}: expected header<TAB>field with a BasicInfo field name"
                ))
            })?;
        }
        *self = next;
        Ok(())
    }

    /// Reads a header table file kept by an office (as [`load_tsv`](Self::load_tsv)); an I/O
    /// failure is an [`Error::RosterIo`].
    pub fn load_file(&mut self, path: &std::path::Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::RosterIo {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        self.load_tsv(&text)
    }

    /// Adds one header for a [`BasicInfo`](crate::records::BasicInfo) field (named as in
    /// [`FIELDS`]) whose column holds the value itself.
    pub fn insert(&mut self, header: &str, field: &str) -> Result<()> {
        self.insert_role(header, field, HeaderRole::Value)
    }

    /// Adds one header for a field with the role of its column.
    pub fn insert_role(&mut self, header: &str, field: &str, role: HeaderRole) -> Result<()> {
        let f = field_index(field)
            .ok_or_else(|| Error::InvalidArgument(format!("unknown roster field {field:?}")))?;
        let key = fold_header(header);
        if key.is_empty() {
            return Err(Error::InvalidArgument("empty roster header".into()));
        }
        if role == HeaderRole::Value {
            let slot = if key.is_ascii() {
                &mut self.pinyin[f]
            } else {
                &mut self.chinese[f]
            };
            if slot.is_none() {
                *slot = Some(header.trim().to_string());
            }
        }
        self.map.insert(key, Known { field: f, role });
        Ok(())
    }

    /// The field a header names, if any.
    pub fn field(&self, header: &str) -> Option<&'static str> {
        self.lookup(header).map(|k| FIELDS[k.field])
    }

    /// The field a header names and what its column holds, if any.
    pub fn field_role(&self, header: &str) -> Option<(&'static str, HeaderRole)> {
        self.lookup(header).map(|k| (FIELDS[k.field], k.role))
    }

    /// The entry of a header: as folded, else without its bracketed notes.
    pub(super) fn lookup(&self, header: &str) -> Option<Known> {
        let key = fold_header(header);
        if key.is_empty() {
            return None;
        }
        self.map
            .get(&key)
            .or_else(|| strip_notes(&key).and_then(|k| self.map.get(k)))
            .copied()
    }

    /// The header a writer uses for a field in a style (the first listed), if any.
    pub fn header(&self, field: &str, style: HeaderStyle) -> Option<&str> {
        let f = field_index(field)?;
        match style {
            HeaderStyle::Chinese => self.chinese[f].as_deref(),
            HeaderStyle::Pinyin => self.pinyin[f].as_deref(),
        }
    }

    /// Every header of the table as folded, with its field and role, sorted by header.
    pub fn entries(&self) -> Vec<(String, &'static str, HeaderRole)> {
        let mut v: Vec<_> = self
            .map
            .iter()
            .map(|(k, known)| (k.clone(), FIELDS[known.field], known.role))
            .collect();
        v.sort();
        v
    }

    /// How a missing column is named: its first Chinese header and the field name.
    pub(super) fn label(&self, f: usize) -> String {
        let zh = self.chinese[f]
            .as_deref()
            .or_else(|| HeaderAliases::builtin().chinese[f].as_deref())
            .unwrap_or(FIELDS[f]);
        format!("{zh} ({})", FIELDS[f])
    }
}

/// How many distinct fields a row names.
pub(super) fn score(cells: &[String], aliases: &HeaderAliases) -> usize {
    let mut seen = [false; N];
    for c in cells {
        if let Some(k) = aliases.lookup(c) {
            seen[k.field] = true;
        }
    }
    seen.iter().filter(|&&s| s).count()
}

/// The header found at the top of a sheet: the row that names the most fields among the first
/// [`HEADER_SCAN_ROWS`] non-empty rows (the first such row on a tie), and the rows read after it
/// while searching.
pub(super) struct FoundHeader {
    /// 1-based row of the header.
    pub(super) row: usize,
    /// The header's cells.
    pub(super) cells: Vec<String>,
    /// How many distinct fields it names.
    #[cfg_attr(not(feature = "xlsx"), allow(dead_code))]
    pub(super) score: usize,
    /// Rows after the header that the search read (data rows to parse first).
    pub(super) after: Vec<(usize, Vec<String>)>,
}

/// Finds the header among the first non-empty rows that `next` yields.
pub(super) fn find_header(
    aliases: &HeaderAliases,
    mut next: impl FnMut() -> Result<Option<(usize, Vec<String>)>>,
) -> Result<FoundHeader> {
    let mut read: Vec<(usize, Vec<String>)> = Vec::new();
    let mut best: Option<(usize, usize)> = None; // (index in read, score)
    let mut non_empty = 0;
    while non_empty < HEADER_SCAN_ROWS {
        let Some((row, cells)) = next()? else { break };
        if all_empty(&cells) {
            read.push((row, cells));
            continue;
        }
        non_empty += 1;
        let s = score(&cells, aliases);
        if s > 0 && best.is_none_or(|(_, b)| s > b) {
            best = Some((read.len(), s));
        }
        read.push((row, cells));
    }
    match best {
        Some((i, score)) => {
            let after = read.split_off(i + 1);
            let (row, cells) = read.pop().unwrap_or_default();
            Ok(FoundHeader {
                row,
                cells,
                score,
                after,
            })
        }
        None if non_empty == 0 => Err(Error::RosterEmpty),
        None => Err(Error::RosterNoHeader),
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
            assert_eq!(a.field(f), Some(f), "{f} by its own name");
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
    fn headers_as_templates_write_them() {
        let a = HeaderAliases::builtin();
        for (header, field) in [
            ("姓名（必填）", "name"),
            ("*身份证 号", "id_number"),
            ("【必填】学号", "student_number"),
            ("学历层次", "education_level"),
            ("培养层次", "education_level"),
            ("所在院系", "college"),
            ("院（系）名称", "college"),
            ("生源地区代码", "origin_region"),
            ("入学时间(格式:YYYYMMDD)", "enrolment_date"),
            ("Student ID", "student_number"),
            ("ＩＤ　Ｎｕｍｂｅｒ", "id_number"),
            ("E-mail", "email"),
            ("sfzjhm", "id_number"),
            ("xlcc", "education_level"),
            ("联系电话：", "phone"),
        ] {
            assert_eq!(a.field(header), Some(field), "{header}");
        }
        assert_eq!(
            a.field_role("性别"),
            Some(("gender", HeaderRole::Name)),
            "性别 holds names"
        );
        assert_eq!(
            a.field_role("性别代码"),
            Some(("gender", HeaderRole::Value))
        );
        assert_eq!(a.field("备注（选填）"), None);
        assert_eq!(a.field("()"), None);
    }

    #[test]
    fn notes_strip_only_brackets() {
        assert_eq!(strip_notes("姓名(必填)"), Some("姓名"));
        assert_eq!(strip_notes("[必填]学号(文本)"), Some("学号"));
        assert_eq!(strip_notes("姓名"), None);
        assert_eq!(strip_notes("(必填)"), None);
    }

    #[test]
    fn deployment_extends_aliases() {
        let mut a = HeaderAliases::builtin().clone();
        a.load_tsv("# local\n证件号码\tid_number\n学生类别\tethnicity\tname\n")
            .unwrap();
        assert_eq!(a.field("证件号码"), Some("id_number"));
        assert_eq!(
            a.field_role("学生类别"),
            Some(("ethnicity", HeaderRole::Name))
        );
        let before = a.clone();
        assert!(a.load_tsv("ok\tname\nx\tno_such_field\n").is_err());
        assert!(a.load_tsv("only-one-column\n").is_err());
        assert!(a.load_tsv("y\tname\tsideways\n").is_err());
        assert_eq!(a, before, "a failed load changes nothing");
    }

    #[test]
    fn header_is_the_best_row() {
        let a = HeaderAliases::builtin();
        let rows: Vec<Vec<String>> = vec![
            vec!["2026届毕业生生源信息".into()],
            vec!["姓名".into(), "与身份证一致".into()],
            vec!["姓名".into(), "身份证号".into(), "学号".into()],
            vec!["张三".into(), "110101200001011234".into(), "1".into()],
        ];
        let mut it = rows.into_iter().enumerate().map(|(i, r)| (i + 1, r));
        let h = find_header(a, || Ok(it.next())).unwrap();
        assert_eq!((h.row, h.score), (3, 3));
        assert_eq!(h.after.len(), 1);
        assert_eq!(h.after[0].0, 4);
    }
}
