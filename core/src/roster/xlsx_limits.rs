//! Checks a workbook's zip archive against the [`Limits`] before the spreadsheet reader opens
//! it, so that a zip bomb or a workbook that declares huge sizes is refused with a typed error
//! instead of exhausting memory.
//!
//! Every entry is inflated as a stream into a counter, 64 KiB at a time, and never into memory
//! or into a buffer sized from what the archive declares. While it inflates, the entry's size,
//! the archive's total and the entry's ratio (inflated bytes per compressed byte read so far) are
//! checked, and the XML is scanned for what the spreadsheet reader would keep: the used range
//! of each sheet (rows × columns of the cells with content), the shared strings (counted, their
//! text measured, and the count the table declares, which the reader reserves room for), and
//! the longest text run or tag (which the XML parser holds whole). Every entry is scanned, not
//! only those named `.xml`, since a workbook may point at a sheet under any name.

use std::cell::Cell;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::limits::{Limits, RATIO_FLOOR};

/// A reader over the workbook bytes that publishes its position, so that the bytes an entry's
/// decompressor has consumed can be read while it is borrowed by the archive.
struct Tracked<'a> {
    inner: Cursor<&'a [u8]>,
    pos: Rc<Cell<u64>>,
}

impl Read for Tracked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos.set(self.inner.position());
        Ok(n)
    }
}

impl Seek for Tracked<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let p = self.inner.seek(to)?;
        self.pos.set(p);
        Ok(p)
    }
}

/// The error for a limit of the archive.
fn archive(entry: &str, what: &str, limit: u64, setting: &str) -> Error {
    Error::ArchiveLimit {
        entry: entry.to_string(),
        what: what.to_string(),
        limit,
        setting: setting.to_string(),
    }
}

/// The error for a limit of what a part holds.
fn content(part: &str, what: &str, limit: u64, setting: &str) -> Error {
    Error::ContentLimit {
        part: part.to_string(),
        what: what.to_string(),
        limit,
        setting: setting.to_string(),
    }
}

/// Checks every entry of the workbook in `bytes` against `limits`. A damaged archive is an
/// [`Error::RosterXlsx`]; a limit passed is an [`Error::ArchiveLimit`] or an
/// [`Error::ContentLimit`].
pub(super) fn check(bytes: &[u8], limits: &Limits) -> Result<()> {
    let pos = Rc::new(Cell::new(0));
    let reader = Tracked {
        inner: Cursor::new(bytes),
        pos: Rc::clone(&pos),
    };
    let mut zip = zip::ZipArchive::new(reader).map_err(super::xlsx::corrupt)?;
    let entries = u64::try_from(zip.len()).unwrap_or(u64::MAX);
    if entries > limits.max_entries {
        return Err(archive(
            "archive",
            "number of entries",
            limits.max_entries,
            "max_entries",
        ));
    }
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).map_err(super::xlsx::corrupt)?;
        if file.is_dir() {
            continue;
        }
        let name = file
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("entry {i}"));
        let start = file.data_start().unwrap_or(0);
        let mut scan = XmlScan::new(&name, limits);
        let mut inflated = 0u64;
        loop {
            let n = file.read(&mut buf).map_err(super::xlsx::corrupt)?;
            if n == 0 {
                break;
            }
            let n64 = n as u64;
            inflated += n64;
            total += n64;
            if inflated > limits.max_entry_bytes {
                return Err(archive(
                    &name,
                    "inflated bytes",
                    limits.max_entry_bytes,
                    "max_entry_bytes",
                ));
            }
            if total > limits.max_total_bytes {
                return Err(archive(
                    "archive",
                    "inflated bytes of all entries",
                    limits.max_total_bytes,
                    "max_total_bytes",
                ));
            }
            if inflated > RATIO_FLOOR {
                let read = pos.get().saturating_sub(start).max(1);
                if inflated / read > limits.max_ratio {
                    return Err(archive(
                        &name,
                        &format!("compression ratio ({inflated} bytes from {read})"),
                        limits.max_ratio,
                        "max_ratio",
                    ));
                }
            }
            scan.feed(&buf[..n])?;
        }
    }
    Ok(())
}

/// A streaming scan of one part's XML for what the spreadsheet reader would keep. It reads
/// bytes as they inflate and holds at most one tag.
struct XmlScan<'l> {
    limits: &'l Limits,
    part: String,
    /// The part is the shared-strings table (its text is counted).
    shared: bool,
    /// Inside a tag (after `<`, before its `>`).
    in_tag: bool,
    /// Inside a quoted attribute value: the quote.
    quote: Option<u8>,
    /// The bytes of the current tag, after `<`.
    tag: Vec<u8>,
    /// The length of the current text run.
    text: u64,
    /// The current row (1-based) and column (1-based, 0 before the first cell).
    row: u64,
    col: u64,
    /// The last row and column of a cell with content.
    max_row: u64,
    max_col: u64,
    /// Shared strings counted, and their text in bytes.
    strings: u64,
    string_bytes: u64,
}

impl<'l> XmlScan<'l> {
    /// A scan of the part `name`.
    fn new(name: &str, limits: &'l Limits) -> Self {
        XmlScan {
            limits,
            part: name.to_string(),
            shared: name.to_ascii_lowercase().ends_with("sharedstrings.xml"),
            in_tag: false,
            quote: None,
            tag: Vec::new(),
            text: 0,
            row: 0,
            col: 0,
            max_row: 0,
            max_col: 0,
            strings: 0,
            string_bytes: 0,
        }
    }

    /// Scans the next bytes of the part.
    fn feed(&mut self, mut bytes: &[u8]) -> Result<()> {
        while !bytes.is_empty() {
            if self.in_tag {
                bytes = self.in_tag(bytes)?;
            } else {
                let (run, rest) = match memchr::memchr(b'<', bytes) {
                    Some(i) => (i, Some(&bytes[i + 1..])),
                    None => (bytes.len(), None),
                };
                self.text_run(run as u64)?;
                match rest {
                    Some(rest) => {
                        self.text = 0;
                        self.in_tag = true;
                        self.tag.clear();
                        bytes = rest;
                    }
                    None => break,
                }
            }
        }
        Ok(())
    }

    /// Counts `n` more bytes of the current text run.
    fn text_run(&mut self, n: u64) -> Result<()> {
        self.text += n;
        if self.text > self.limits.max_xml_token_bytes {
            return Err(content(
                &self.part,
                "length of one text run",
                self.limits.max_xml_token_bytes,
                "max_xml_token_bytes",
            ));
        }
        if self.shared {
            self.string_bytes += n;
            if self.string_bytes > self.limits.max_shared_string_bytes {
                return Err(content(
                    &self.part,
                    "bytes of shared strings",
                    self.limits.max_shared_string_bytes,
                    "max_shared_string_bytes",
                ));
            }
        }
        Ok(())
    }

    /// Reads tag bytes up to the tag's end (quoted values may hold `>`); returns the rest.
    fn in_tag<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8]> {
        let mut i = 0;
        let end = loop {
            let found = match self.quote {
                Some(q) => memchr::memchr(q, &bytes[i..]),
                None => memchr::memchr3(b'>', b'"', b'\'', &bytes[i..]),
            };
            let Some(j) = found else {
                break None;
            };
            let at = i + j;
            let b = bytes[at];
            i = at + 1;
            match self.quote {
                Some(_) => self.quote = None,
                None if b == b'>' => break Some(at),
                None => self.quote = Some(b),
            }
        };
        let taken = end.unwrap_or(bytes.len());
        if (self.tag.len() + taken) as u64 > self.limits.max_xml_token_bytes {
            return Err(content(
                &self.part,
                "length of one tag",
                self.limits.max_xml_token_bytes,
                "max_xml_token_bytes",
            ));
        }
        self.tag.extend_from_slice(&bytes[..taken]);
        match end {
            Some(at) => {
                self.in_tag = false;
                self.quote = None;
                self.close_tag()?;
                Ok(&bytes[at + 1..])
            }
            None => Ok(&[]),
        }
    }

    /// Takes note of a complete tag.
    fn close_tag(&mut self) -> Result<()> {
        let tag = std::mem::take(&mut self.tag);
        let result = self.note_tag(&tag);
        self.tag = tag;
        result
    }

    /// What a start tag means for the limits.
    fn note_tag(&mut self, tag: &[u8]) -> Result<()> {
        if matches!(tag.first(), Some(b'/' | b'?' | b'!') | None) {
            return Ok(());
        }
        let name_end = tag
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        let local = match memchr::memrchr(b':', name) {
            Some(i) => &name[i + 1..],
            None => name,
        };
        let empty = tag.last() == Some(&b'/');
        let attrs = &tag[name_end..];
        match local {
            b"row" => {
                self.row = match attr(attrs, b"r") {
                    Some(r) => number(r),
                    None => self.row.saturating_add(1),
                };
                self.col = 0;
            }
            b"c" => {
                let (row, col) = match attr(attrs, b"r") {
                    Some(r) => cell_ref(r),
                    None => (self.row, self.col.saturating_add(1)),
                };
                self.col = col;
                if !empty {
                    self.cell(row.max(1), col.max(1))?;
                }
            }
            b"si" if self.shared => {
                self.strings += 1;
                if self.strings > self.limits.max_shared_strings {
                    return Err(content(
                        &self.part,
                        "number of shared strings",
                        self.limits.max_shared_strings,
                        "max_shared_strings",
                    ));
                }
            }
            b"sst" => {
                // The reader reserves room for the count the table declares.
                if let Some(n) = attr(attrs, b"uniqueCount") {
                    if number(n) > self.limits.max_shared_strings {
                        return Err(content(
                            &self.part,
                            "declared number of shared strings",
                            self.limits.max_shared_strings,
                            "max_shared_strings",
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A cell with content at `row`, `col` (1-based).
    fn cell(&mut self, row: u64, col: u64) -> Result<()> {
        self.max_row = self.max_row.max(row);
        self.max_col = self.max_col.max(col);
        if self.max_row > self.limits.max_rows {
            return Err(content(
                &self.part,
                "rows",
                self.limits.max_rows,
                "max_rows",
            ));
        }
        if self.max_col > self.limits.max_columns {
            return Err(content(
                &self.part,
                "columns",
                self.limits.max_columns,
                "max_columns",
            ));
        }
        if self.max_row.saturating_mul(self.max_col) > self.limits.max_cells {
            return Err(content(
                &self.part,
                "cells of the used range (rows × columns)",
                self.limits.max_cells,
                "max_cells",
            ));
        }
        Ok(())
    }
}

/// The value of the attribute `name` among the attributes of a tag.
fn attr<'t>(mut attrs: &'t [u8], name: &[u8]) -> Option<&'t [u8]> {
    loop {
        let start = attrs.iter().position(|b| !b.is_ascii_whitespace())?;
        attrs = &attrs[start..];
        let eq = memchr::memchr(b'=', attrs)?;
        let key = attrs[..eq].trim_ascii_end();
        let rest = attrs[eq + 1..].trim_ascii_start();
        let q = *rest.first()?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let close = memchr::memchr(q, &rest[1..])?;
        let value = &rest[1..1 + close];
        let key_local = match memchr::memrchr(b':', key) {
            Some(i) => &key[i + 1..],
            None => key,
        };
        if key_local == name {
            return Some(value);
        }
        attrs = &rest[close + 2..];
    }
}

/// A decimal number (saturating; anything but digits ends it).
fn number(s: &[u8]) -> u64 {
    s.iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0u64, |n, b| {
            n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        })
}

/// A cell reference such as `AB12` as (row, column), both 1-based (saturating).
fn cell_ref(r: &[u8]) -> (u64, u64) {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let col = r[..letters].iter().fold(0u64, |n, b| {
        n.saturating_mul(26)
            .saturating_add(u64::from(b.to_ascii_uppercase() - b'A' + 1))
    });
    (number(&r[letters..]), col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_attributes() {
        assert_eq!(cell_ref(b"A1"), (1, 1));
        assert_eq!(cell_ref(b"XFD1048576"), (1_048_576, 16_384));
        assert_eq!(cell_ref(b"ZZZZZZZZZZZZZZZZ9"), (9, u64::MAX));
        assert_eq!(attr(b" s=\"1\" r='B2'", b"r"), Some(&b"B2"[..]));
        assert_eq!(attr(b" x:r=\"C3\"", b"r"), Some(&b"C3"[..]));
        assert_eq!(attr(b" rr=\"1\"", b"r"), None);
    }

    #[test]
    fn the_used_range_counts_cells_with_content_only() {
        let limits = Limits {
            max_cells: 100,
            ..Limits::default()
        };
        let mut s = XmlScan::new("xl/worksheets/sheet1.xml", &limits);
        // A styled empty cell far out is no content; a value there is.
        s.feed(b"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"XFD1\" s=\"1\"/></row>")
            .unwrap();
        let err = s
            .feed(b"<row><c r=\"A2\"/><c><v>1</v></c><c r=\"CV2\"><v>1</v></c></row>")
            .unwrap_err();
        assert!(matches!(err, Error::ContentLimit { ref setting, .. } if setting == "max_cells"));
    }

    #[test]
    fn a_quoted_angle_bracket_does_not_end_a_tag() {
        let limits = Limits {
            max_rows: 10,
            ..Limits::default()
        };
        let mut s = XmlScan::new("sheet.xml", &limits);
        let err = s.feed(b"<c a=\">\" r=\"A11\"><v>1</v></c>").unwrap_err();
        assert!(matches!(err, Error::ContentLimit { ref setting, .. } if setting == "max_rows"));
    }
}
