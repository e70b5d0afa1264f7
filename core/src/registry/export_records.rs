//! The full export of registrations: every field an office holds — the basic information (the
//! roster fields, with the full document number: this is the office's own data), the destination,
//! the archive transfer and the hukou migration — plus the registration id (登记号) and stage
//! (阶段), as CSV or XLSX.
//!
//! The headers are the Chinese headers the importers read, so the file goes back in as it came
//! out: [`Registry::import_roster`] reads the basic information back identically and
//! [`Registry::import_destinations`] the destination, archive and hukou data. Codes are written
//! as codes, dates as `YYYY-MM-DD`, 转递方式, 迁移原因 and 网签状态 by their Chinese names, 是否迁移户口
//! as 是 or 否 (empty when there is no hukou section); an absent section or optional value is an
//! empty cell.
//!
//! # Control characters
//! No NUL or other control character is ever written: tab, carriage return and line feed are
//! kept (quoted in CSV), every other control character becomes U+FFFD.
//!
//! # Formula guard
//! A cell whose value starts with `=`, `+`, `-` or `@` would run as a formula when a spreadsheet
//! opens the file, so it is written with a `'` in front — as the summary export
//! ([`Registry::export_csv`]) does — and so is a value starting with `'` itself. The importers
//! take exactly one leading `'` off a cell whose next character is one of `= + - @ '`, so every
//! value reads back as it was: `=1+1` is written `'=1+1` and read `=1+1`; `'x` is written
//! `''x` and read `'x`; `'0123` is neither written nor read differently. The XLSX export writes
//! every cell as a text cell (never a formula) and applies the same guard, so that one rule
//! holds for both files and for an XLSX file saved again as CSV. Cells are read trimmed, so a
//! value's leading and trailing white space does not survive the trip.

use std::io::Write;

use chrono::{DateTime, Utc};

use super::{Query, Registry};
use crate::error::Result;
use crate::lifecycle::Registration;
use crate::records::DestinationData;
use crate::roster::{
    guard_cell, DestinationHeaders, HeaderAliases, HeaderStyle, DESTINATION_FIELDS, FIELDS,
};

/// The header row of the full export: 登记号, 阶段, the Chinese header of each roster field, then
/// of each destination field ([`DESTINATION_FIELDS`]).
pub fn record_headers() -> Vec<String> {
    let roster = HeaderAliases::builtin();
    let dest = DestinationHeaders::builtin();
    let mut out = vec!["登记号".to_string(), "阶段".to_string()];
    out.extend(FIELDS.iter().map(|f| {
        roster
            .header(f, HeaderStyle::Chinese)
            .unwrap_or(f)
            .to_string()
    }));
    out.extend(
        DESTINATION_FIELDS
            .iter()
            .map(|f| dest.header(f).unwrap_or(f).to_string()),
    );
    out
}

/// The destination cells of a record, in [`DESTINATION_FIELDS`] order.
fn destination_cells(d: &DestinationData) -> Vec<String> {
    let dest = &d.destination;
    let e = dest.employer.as_ref();
    let s = dest.further_study.as_ref();
    let ab = dest.abroad.as_ref();
    let en = dest.enterprise.as_ref();
    let a = d.archive.as_ref();
    let h = d.hukou.as_ref();
    let text = |v: Option<&String>| v.cloned().unwrap_or_default();
    vec![
        dest.code.clone(),
        text(dest.sub_code.as_ref()),
        text(e.map(|e| &e.name)),
        text(e.map(|e| &e.credit_code)),
        text(e.map(|e| &e.nature)),
        text(e.map(|e| &e.industry)),
        text(e.map(|e| &e.region)),
        text(e.map(|e| &e.address)),
        text(dest.job_category.as_ref()),
        text(dest.signing_date.as_ref()),
        text(s.map(|s| &s.school)),
        text(s.map(|s| &s.major)),
        text(ab.map(|a| &a.country_region)),
        text(ab.map(|a| &a.school)),
        text(ab.map(|a| &a.major)),
        text(a.map(|a| &a.receiving_unit)),
        text(a.map(|a| &a.address)),
        text(a.map(|a| &a.postal_code)),
        text(a.map(|a| &a.contact)),
        text(a.map(|a| &a.phone)),
        a.map(|a| a.method.name_zh().to_string())
            .unwrap_or_default(),
        text(a.and_then(|a| a.transfer_number.as_ref())),
        text(a.and_then(|a| a.tracking_number.as_ref())),
        h.map(|h| if h.migrate { "是" } else { "否" }.to_string())
            .unwrap_or_default(),
        h.and_then(|h| h.reason)
            .map(|r| r.name_zh().to_string())
            .unwrap_or_default(),
        text(h.map(|h| &h.address)),
        text(h.map(|h| &h.police_station)),
        text(h.map(|h| &h.region)),
        text(dest.agreement_number.as_ref()),
        dest.agreement_status
            .map(|s| s.name_zh().to_string())
            .unwrap_or_default(),
        text(en.map(|e| &e.name)),
        text(en.map(|e| &e.credit_code)),
        text(en.map(|e| &e.founding_date)),
        text(en.map(|e| &e.role)),
        text(en.map(|e| &e.region)),
    ]
}

/// The cells of one registration, unguarded, in [`record_headers`] order.
pub fn record_cells(reg: &Registration, now: DateTime<Utc>) -> Vec<String> {
    let mut out = vec![reg.id.clone(), reg.stage(now).name_zh().to_string()];
    let basic = reg.basic.as_deref().cloned().unwrap_or_default();
    out.extend((0..FIELDS.len()).map(|i| crate::roster::field_ref(&basic, i).to_string()));
    match reg.destination.as_deref() {
        Some(d) => out.extend(destination_cells(d)),
        None => out.extend(vec![String::new(); DESTINATION_FIELDS.len()]),
    }
    out
}

/// One CSV line: RFC 4180 quoting, each cell formula-guarded (see the module documentation).
fn csv_line(cells: &[String]) -> String {
    let mut line = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let cleaned = super::export::without_controls(c);
        let c = guard_cell(&cleaned);
        if c.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&c.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&c);
        }
    }
    line.push_str("\r\n");
    line
}

/// Writes registrations as the full export in CSV (UTF-8 with a byte-order mark, CRLF line
/// ends); returns how many were written.
pub fn write_records_csv<'a, W: Write>(
    regs: impl IntoIterator<Item = &'a Registration>,
    now: DateTime<Utc>,
    mut w: W,
) -> Result<u64> {
    w.write_all("\u{feff}".as_bytes())?;
    w.write_all(csv_line(&record_headers()).as_bytes())?;
    let mut n = 0;
    for reg in regs {
        w.write_all(csv_line(&record_cells(reg, now)).as_bytes())?;
        n += 1;
    }
    w.flush()?;
    Ok(n)
}

/// Writes registrations as the full export in XLSX: one worksheet (毕业生登记), every cell a
/// text cell, formula-guarded as in CSV; returns how many were written.
#[cfg(feature = "xlsx")]
pub fn write_records_xlsx<'a, W: Write>(
    regs: impl IntoIterator<Item = &'a Registration>,
    now: DateTime<Utc>,
    mut w: W,
) -> Result<u64> {
    let xerr =
        |e: rust_xlsxwriter::XlsxError| crate::Error::Io(crate::Cause::new(format!("xlsx: {e}")));
    let mut book = rust_xlsxwriter::Workbook::new();
    // The workbook's creation time is the export's instant (inside the range Excel can
    // carry), never the clock: the same registrations at the same instant give the same bytes.
    let created = rust_xlsxwriter::ExcelDateTime::from_timestamp(
        now.timestamp().clamp(-2_209_075_200, 253_402_300_799),
    )
    .map_err(xerr)?;
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let sheet = book.add_worksheet();
    sheet.set_name("毕业生登记").map_err(xerr)?;
    let mut put = |row: u32, cells: &[String]| -> Result<()> {
        for (c, v) in cells.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let col = u16::try_from(c)
                .map_err(|_| crate::Error::InvalidArgument("too many columns".into()))?;
            sheet
                .write_string(
                    row,
                    col,
                    guard_cell(&super::export::without_controls(v)).as_ref(),
                )
                .map_err(xerr)?;
        }
        Ok(())
    };
    put(0, &record_headers())?;
    let mut n: u64 = 0;
    for reg in regs {
        let row = u32::try_from(n + 1)
            .map_err(|_| crate::Error::InvalidArgument("too many rows for a worksheet".into()))?;
        put(row, &record_cells(reg, now))?;
        n += 1;
    }
    let bytes = book.save_to_buffer().map_err(xerr)?;
    w.write_all(&bytes)?;
    w.flush()?;
    Ok(n)
}

impl Registry {
    /// The registrations matching `q` at `now`, ordered by id.
    fn matching(&self, q: &Query, now: DateTime<Utc>) -> Result<Vec<Registration>> {
        let mut out = Vec::new();
        for s in self.query(q, now)? {
            if let Some(reg) = self.store.load(&s.id)? {
                out.push(reg);
            }
        }
        Ok(out)
    }

    /// Writes the registrations matching `q` as the full export in CSV (see
    /// [`write_records_csv`]): every field, under the headers the importers read. Returns how
    /// many registrations were written.
    pub fn export_records_csv<W: Write>(&self, q: &Query, now: DateTime<Utc>, w: W) -> Result<u64> {
        write_records_csv(&self.matching(q, now)?, now, w)
    }

    /// Writes the registrations matching `q` as the full export in XLSX (see
    /// [`write_records_xlsx`]). Returns how many registrations were written.
    #[cfg(feature = "xlsx")]
    pub fn export_records_xlsx<W: Write>(
        &self,
        q: &Query,
        now: DateTime<Utc>,
        w: W,
    ) -> Result<u64> {
        write_records_xlsx(&self.matching(q, now)?, now, w)
    }
}
