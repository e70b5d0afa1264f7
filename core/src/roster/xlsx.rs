//! Reading an XLSX roster (the `xlsx` cargo feature): the worksheets in order, each cell as the
//! text Excel shows, so that spreadsheet damage stays visible to validation.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{Data, Range, Reader, SheetType, SheetVisible, Xlsx};

use super::headers::{find_header, FoundHeader, HeaderAliases};
use super::rows::{Builder, Scanned, Sink};
use super::Format;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::tables::CodeTables;

/// Numbers at or above this have lost digits in Excel (it keeps 15 significant digits).
const EXACT_LIMIT: f64 = 1e15;

/// The text an Excel number cell stands for (see "Excel numbers" in the `roster` module
/// documentation).
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

/// The text of a cell, as Excel shows it (dates as `YYYY-MM-DD`).
pub(super) fn cell_text(d: &Data) -> String {
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

/// The rows of a sheet with their 1-based row numbers.
fn rows(range: &Range<Data>) -> impl Iterator<Item = (usize, Vec<String>)> + '_ {
    let top = range.start().map_or(0, |(r, _)| r as usize);
    range
        .rows()
        .enumerate()
        .map(move |(i, cells)| (top + i + 1, cells.iter().map(cell_text).collect()))
}

/// A reader error as a corrupt-workbook error.
pub(super) fn corrupt(e: impl std::fmt::Display) -> Error {
    Error::RosterXlsx(e.to_string())
}

/// Runs `f` with a guard: a defect in the workbook reader must not take the host down, so a
/// panic while reading malformed bytes is reported as a corrupt file.
pub(super) fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::RosterXlsx(
            "the workbook reader failed on malformed data".into(),
        ))
    })
}

/// A worksheet picked for reading: its name, the rows after the header search, and the header.
type Picked = (String, Vec<(usize, Vec<String>)>, FoundHeader);

/// The worksheet whose header names the most fields (the first such on a tie; visible sheets
/// before hidden ones), with its rows and the header found, once the archive has passed its
/// `limits`. An instructions sheet (填写说明)
/// before the roster is passed over this way.
fn best_sheet(bytes: &[u8], aliases: &HeaderAliases, limits: &Limits) -> Result<Picked> {
    super::xlsx_limits::check(bytes, limits)?;
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
    let mut best: Option<Picked> = None;
    let mut first_err = None;
    for name in names {
        let range = book.worksheet_range(name).map_err(corrupt)?;
        let mut it = rows(&range);
        match find_header(aliases, || Ok(it.next())) {
            Ok(h) => {
                if best.as_ref().is_none_or(|(_, _, b)| h.score > b.score) {
                    best = Some((name.to_string(), it.collect(), h));
                }
            }
            Err(e) => {
                // Keep "no header" over "empty" so that the message points at the header.
                if first_err.is_none() || matches!(e, Error::RosterNoHeader) {
                    first_err = Some(e);
                }
            }
        }
    }
    best.ok_or_else(|| first_err.unwrap_or(Error::RosterEmpty))
}

/// Reads the header of an XLSX roster only: the sheet and the header found.
pub(super) fn header(
    bytes: &[u8],
    aliases: &HeaderAliases,
    limits: &Limits,
) -> Result<(String, FoundHeader)> {
    guarded(|| best_sheet(bytes, aliases, limits).map(|(name, _, h)| (name, h)))
}

/// Reads an XLSX roster from the sheet that [`best_sheet`] picks (after checking the archive
/// against `limits`), handing its rows to `sink`.
pub(super) fn parse(
    bytes: &[u8],
    tables: &CodeTables,
    aliases: &HeaderAliases,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<Scanned> {
    guarded(|| {
        let (name, rest, header) = best_sheet(bytes, aliases, limits)?;
        let mut b = Builder::new(&header.cells, aliases, tables, sink)?;
        b.reserve(header.after.len() + rest.len());
        for (row, cells) in header.after.iter().chain(&rest) {
            b.row(*row, cells.len(), |i| cells.get(i).map(String::as_str));
        }
        b.finish(Format::Xlsx, "xlsx", header.row, Some(name))
    })
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
