//! The CSV export of registrations.

use std::io::Write;

use chrono::{DateTime, Utc};

use super::{Query, Registry};
use crate::error::Result;
use crate::tables::Table;

impl Registry {
    /// Writes the registrations matching `q` as CSV (UTF-8 with a BOM so spreadsheets read the
    /// Chinese), one row each: id, name, masked ID number, college, major, stage, destination,
    /// late.
    pub fn export_csv<W: Write>(&self, q: &Query, now: DateTime<Utc>, mut w: W) -> Result<u64> {
        let mask = crate::disclosure::Masking::default();
        w.write_all("\u{feff}".as_bytes())?;
        write_csv_row(
            &mut w,
            &[
                "登记号",
                "姓名",
                "身份证号",
                "学院",
                "专业代码",
                "专业名称",
                "阶段",
                "毕业去向代码",
                "毕业去向",
                "逾期",
            ],
        )?;
        let mut n = 0;
        for s in self.query(q, now)? {
            let code = s.destination_code.clone().unwrap_or_default();
            let dest = self
                .tables
                .name(Table::Destinations, &code)
                .unwrap_or("")
                .to_string();
            write_csv_row(
                &mut w,
                &[
                    &s.id,
                    &s.name,
                    &mask.apply(&s.id_number),
                    &s.college,
                    &s.major_code,
                    &s.major_name,
                    s.stage_at(now).name_zh(),
                    &code,
                    &dest,
                    if s.late { "是" } else { "否" },
                ],
            )?;
            n += 1;
        }
        w.flush()?;
        Ok(n)
    }
}

/// A cell's text with every control character but tab, carriage return and line feed (which
/// the quoting carries) replaced by U+FFFD: no NUL or other control character ever reaches an
/// export, whatever a stored field holds.
pub(super) fn without_controls(c: &str) -> std::borrow::Cow<'_, str> {
    let bad = |ch: char| ch.is_control() && !matches!(ch, '\t' | '\n' | '\r');
    if c.contains(bad) {
        std::borrow::Cow::Owned(
            c.chars()
                .map(|ch| if bad(ch) { '\u{fffd}' } else { ch })
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(c)
    }
}

/// Writes one CSV row (RFC 4180 quoting; a leading `=`, `+`, `-` or `@` is prefixed with `'` so
/// that spreadsheets do not run it as a formula; control characters as [`without_controls`]).
fn write_csv_row<W: Write>(w: &mut W, cells: &[&str]) -> Result<()> {
    let mut line = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let cleaned = without_controls(c);
        let c = cleaned.as_ref();
        let guarded;
        let c = if c.starts_with(['=', '+', '-', '@']) {
            guarded = format!("'{c}");
            guarded.as_str()
        } else {
            c
        };
        if c.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&c.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(c);
        }
    }
    line.push_str("\r\n");
    w.write_all(line.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_nul_or_control_character_reaches_a_row() {
        let mut out = Vec::new();
        write_csv_row(
            &mut out,
            &["a\0b", "c\u{1b}[31m", "x\u{7f}", "line\nbreak", "\u{85}"],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "a\u{fffd}b,c\u{fffd}[31m,x\u{fffd},\"line\nbreak\",\u{fffd}\r\n"
        );
    }
}
