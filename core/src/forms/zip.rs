//! A ZIP archive of PNG pages, streamed: each page is rendered, written and forgotten; only the
//! central directory's entries (name, size, checksum, offset) are kept until the end.
//!
//! Entries are stored without compression (PNG is compressed already), named in UTF-8, and dated
//! with the form's time of issue in China Standard Time, so the same forms give the same bytes.
//! The classic ZIP format is used: at most 65,535 pages and 4 GiB, far beyond a class.

use std::io::Write;

use chrono::{DateTime, Datelike, Timelike, Utc};

use crate::error::{Error, Result};
use crate::forms::content::Form;
use crate::forms::png::crc32;
use crate::forms::render::{check_dpi, Renderer};
use crate::policy::cst;

/// Most entries in a classic ZIP archive.
const MAX_ENTRIES: usize = 0xFFFF;

struct Entry {
    name: String,
    crc: u32,
    size: u32,
    offset: u32,
    time: u16,
    date: u16,
}

/// A ZIP archive of PNG pages being written: add forms, then [`finish`](PngZip::finish).
///
/// ```no_run
/// # fn main() -> gradreg::Result<()> {
/// # let forms: Vec<gradreg::forms::Form> = Vec::new();
/// use gradreg::forms::{FontSource, Renderer, DEFAULT_DPI};
/// let renderer = Renderer::new(FontSource::Auto)?;
/// let file = std::io::BufWriter::new(std::fs::File::create("class.zip")?);
/// let mut zip = renderer.png_zip(file, DEFAULT_DPI)?;
/// for form in &forms {
///     zip.add(form)?; // 001-archive-<number>.png, 002-…
/// }
/// zip.finish()?;
/// # Ok(()) }
/// ```
pub struct PngZip<'r, W: Write> {
    renderer: &'r Renderer,
    out: W,
    written: u64,
    dpi: u32,
    entries: Vec<Entry>,
}

impl<W: Write> std::fmt::Debug for PngZip<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PngZip")
            .field("entries", &self.entries.len())
            .field("written", &self.written)
            .field("dpi", &self.dpi)
            .finish()
    }
}

impl<'r, W: Write> PngZip<'r, W> {
    pub(crate) fn new(renderer: &'r Renderer, out: W, dpi: u32) -> Result<Self> {
        check_dpi(dpi)?;
        Ok(PngZip {
            renderer,
            out,
            written: 0,
            dpi,
            entries: Vec::new(),
        })
    }

    /// Pages added so far.
    pub fn pages(&self) -> usize {
        self.entries.len()
    }

    /// Renders `form` as PNG and adds it as `NNN-<section>-<number>.png` (NNN counting from
    /// 001); returns the entry's name.
    pub fn add(&mut self, form: &Form) -> Result<String> {
        let name = format!(
            "{:03}-{}-{}.png",
            self.entries.len() + 1,
            form.section.as_str(),
            form.number_text()
        );
        let png = self.renderer.png(form, self.dpi)?;
        self.add_file(&name, &png, form.issued_at)?;
        Ok(name)
    }

    /// Adds a file with the given name and contents (stored), dated `time`.
    pub fn add_file(&mut self, name: &str, data: &[u8], time: DateTime<Utc>) -> Result<()> {
        if self.entries.len() >= MAX_ENTRIES {
            return Err(Error::InvalidArgument(format!(
                "a ZIP of pages holds at most {MAX_ENTRIES} pages"
            )));
        }
        if name.is_empty() || name.len() > 0xFFFF || name.starts_with('/') {
            return Err(Error::InvalidArgument(format!(
                "{name:?} is not a file name for a ZIP entry"
            )));
        }
        let too_big = || Error::InvalidArgument("a ZIP of pages holds at most 4 GiB".into());
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        let offset = u32::try_from(self.written).map_err(|_| too_big())?;
        if self.written + 30 + name.len() as u64 + data.len() as u64 >= u64::from(u32::MAX) {
            return Err(too_big());
        }
        let (time, date) = dos_time(time);
        let entry = Entry {
            name: name.to_string(),
            crc: crc32(data),
            size,
            offset,
            time,
            date,
        };
        let mut header = Vec::with_capacity(30 + name.len());
        header.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        header.extend_from_slice(&entry.fixed_fields());
        header.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        header.extend_from_slice(name.as_bytes());
        self.put(&header)?;
        self.put(data)?;
        self.entries.push(entry);
        Ok(())
    }

    /// Writes the central directory and returns the writer.
    pub fn finish(mut self) -> Result<W> {
        let start = self.written;
        let entries = std::mem::take(&mut self.entries);
        for e in &entries {
            let mut h = Vec::with_capacity(46 + e.name.len());
            h.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            h.extend_from_slice(&20u16.to_le_bytes()); // made by: version 2.0
            h.extend_from_slice(&e.fixed_fields());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra field length
            h.extend_from_slice(&0u16.to_le_bytes()); // comment length
            h.extend_from_slice(&0u16.to_le_bytes()); // disk number
            h.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
            h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            h.extend_from_slice(&e.offset.to_le_bytes());
            h.extend_from_slice(e.name.as_bytes());
            self.put(&h)?;
        }
        let too_big = || Error::InvalidArgument("a ZIP of pages holds at most 4 GiB".into());
        let directory = u32::try_from(self.written - start).map_err(|_| too_big())?;
        let start = u32::try_from(start).map_err(|_| too_big())?;
        let count = entries.len() as u16;
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        end.extend_from_slice(&[0; 4]); // this disk, directory's disk
        end.extend_from_slice(&count.to_le_bytes());
        end.extend_from_slice(&count.to_le_bytes());
        end.extend_from_slice(&directory.to_le_bytes());
        end.extend_from_slice(&start.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes()); // comment length
        self.put(&end)?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }
}

impl Entry {
    /// The fields shared by the local header and the central directory, from "version needed"
    /// to the file name's length.
    fn fixed_fields(&self) -> Vec<u8> {
        let mut f = Vec::with_capacity(26);
        f.extend_from_slice(&10u16.to_le_bytes()); // version needed: 1.0 (stored)
        f.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: the name is UTF-8
        f.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        f.extend_from_slice(&self.time.to_le_bytes());
        f.extend_from_slice(&self.date.to_le_bytes());
        f.extend_from_slice(&self.crc.to_le_bytes());
        f.extend_from_slice(&self.size.to_le_bytes());
        f.extend_from_slice(&self.size.to_le_bytes());
        f.extend_from_slice(&(self.name.len() as u16).to_le_bytes());
        f
    }
}

/// MS-DOS time and date of `t` in China Standard Time (1980 to 2107; clamped outside).
fn dos_time(t: DateTime<Utc>) -> (u16, u16) {
    let local = t.with_timezone(&cst());
    let year = local.year().clamp(1980, 2107) as u32;
    let time = (local.hour() << 11) | (local.minute() << 5) | (local.second() / 2);
    let date = ((year - 1980) << 9) | (local.month() << 5) | local.day();
    (time as u16, date as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dos_times_are_china_standard_time() {
        let t = Utc.with_ymd_and_hms(2026, 6, 20, 1, 5, 8).unwrap();
        let (time, date) = dos_time(t);
        assert_eq!(time >> 11, 9, "09:05 in UTC+8");
        assert_eq!((time >> 5) & 0x3F, 5);
        assert_eq!(time & 0x1F, 4);
        assert_eq!(date >> 9, 46);
        assert_eq!(((date >> 5) & 0xF, date & 0x1F), (6, 20));
    }
}
