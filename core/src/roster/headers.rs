//! Header matching: the table of header names ([`HeaderAliases`], shipped as
//! `core/data/roster_headers.tsv`) and the search for the header row among the first rows of a
//! sheet.

use std::collections::HashMap;
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
            a.load_tsv(include_str!("../../data/roster_headers.tsv"))
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

    /// Adds one header for a [`BasicInfo`](crate::records::BasicInfo) field (named as in [`FIELDS`]).
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

    /// The index of the field a header names, if any.
    pub(super) fn index(&self, header: &str) -> Option<usize> {
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

    /// How a missing column is named: its first Chinese header and the field name.
    pub(super) fn label(&self, f: usize) -> String {
        let zh = self.chinese[f]
            .as_deref()
            .or_else(|| HeaderAliases::builtin().chinese[f].as_deref())
            .unwrap_or(FIELDS[f]);
        format!("{zh} ({})", FIELDS[f])
    }
}

/// Whether a row names at least one known column.
fn recognised(cells: &[String], aliases: &HeaderAliases) -> bool {
    cells.iter().any(|c| aliases.index(c).is_some())
}

/// Finds the header among the first non-empty rows that `next` yields.
pub(super) fn find_header(
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
}
