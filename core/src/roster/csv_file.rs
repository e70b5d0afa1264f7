//! Reading a CSV roster: decode, pick the delimiter (comma, or tab for a tab-separated file),
//! find the header and hand each record, with the line it starts on, to the row builder.

use super::decode::decode;
use super::headers::{find_header, FoundHeader, HeaderAliases};
use super::rows::{Builder, Scanned, Sink};
use super::{Encoding, Format};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::tables::CodeTables;

/// Tab when the first non-empty line has more tabs than commas, else comma.
pub(super) fn delimiter(text: &str) -> u8 {
    let first = text
        .split(['\r', '\n'])
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let tabs = first.bytes().filter(|&b| b == b'\t').count();
    let commas = first.bytes().filter(|&b| b == b',').count();
    if tabs > commas {
        b'\t'
    } else {
        b','
    }
}

/// A CSV reader error as an argument error.
fn csv_error(e: csv::Error) -> Error {
    Error::InvalidArgument(format!("CSV: {e}"))
}

/// Line numbers of records. The CSV reader's own positions lag behind after CRLF line ends and
/// blank lines (they point before the line end it has not consumed yet), so the line is counted
/// here: from the record's position, skip line ends, then count the line ends passed — LF, CRLF,
/// or a CR alone (the line end of "CSV (Macintosh)").
struct Lines<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl Lines<'_> {
    /// The line `rec` starts on.
    fn of(&mut self, rec: &csv::ByteRecord) -> usize {
        let start = rec
            .position()
            .map_or(self.offset, |p| {
                usize::try_from(p.byte()).unwrap_or(usize::MAX)
            })
            .clamp(self.offset, self.text.len());
        let skip = self.text[start..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let to = start + skip;
        self.line += line_ends(self.text, self.offset, to);
        self.offset = to;
        self.line
    }
}

/// The line ends in `text[from..to]`: each LF, and each CR not followed by an LF.
pub(super) fn line_ends(text: &[u8], from: usize, to: usize) -> usize {
    let part = &text[from..to];
    let lf = part.iter().filter(|&&b| b == b'\n').count();
    if !part.contains(&b'\r') {
        return lf;
    }
    let lone_cr = part
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && text.get(from + i + 1) != Some(&b'\n'))
        .count();
    lf + lone_cr
}

/// Checks one CSV record against `limits`: the record's length in bytes, its number of fields,
/// and `records`, the records read so far including this one (rows of the file).
pub(super) fn check_record(
    limits: &Limits,
    line: usize,
    bytes: usize,
    fields: usize,
    records: u64,
) -> Result<()> {
    let over = |what: &str, limit: u64, setting: &str| Error::ContentLimit {
        part: format!("CSV line {line}"),
        what: what.to_string(),
        limit,
        setting: setting.to_string(),
    };
    if bytes as u64 > limits.max_line_bytes {
        return Err(over(
            "bytes of one record",
            limits.max_line_bytes,
            "max_line_bytes",
        ));
    }
    if fields as u64 > limits.max_columns {
        return Err(over("columns", limits.max_columns, "max_columns"));
    }
    if records > limits.max_rows {
        return Err(over("rows", limits.max_rows, "max_rows"));
    }
    Ok(())
}

/// A cell of the decoded text as `&str`.
fn cell_str(b: &[u8]) -> &str {
    // The whole text is valid UTF-8 and records split at ASCII bytes, so this cannot fail.
    std::str::from_utf8(b).unwrap_or("")
}

/// A decoded CSV roster with its reader positioned after the header.
struct Opened<'a> {
    text: &'a str,
    label: &'static str,
    reader: csv::Reader<&'a [u8]>,
    lines: Lines<'a>,
    header: FoundHeader,
    /// Records read so far.
    records: u64,
}

/// Decodes the bytes and finds the header.
fn open<'a>(
    text: &'a str,
    label: &'static str,
    limits: &Limits,
    aliases: &HeaderAliases,
) -> Result<Opened<'a>> {
    if text.trim().is_empty() {
        return Err(Error::RosterEmpty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let mut rec = csv::ByteRecord::new();
    let mut lines = Lines {
        text: text.as_bytes(),
        offset: 0,
        line: 1,
    };
    let mut records = 0u64;
    let header = find_header(aliases, || {
        if reader.read_byte_record(&mut rec).map_err(csv_error)? {
            let line = lines.of(&rec);
            records += 1;
            check_record(limits, line, rec.as_slice().len(), rec.len(), records)?;
            let cells = rec.iter().map(|c| cell_str(c).to_string()).collect();
            Ok(Some((line, cells)))
        } else {
            Ok(None)
        }
    })?;
    Ok(Opened {
        text,
        label,
        reader,
        lines,
        header,
        records,
    })
}

/// Reads the header of a CSV roster only: the header found and the encoding's name.
pub(super) fn header(
    bytes: &[u8],
    encoding: Encoding,
    limits: &Limits,
    aliases: &HeaderAliases,
) -> Result<(FoundHeader, &'static str)> {
    let (text, label) = decode(bytes, encoding)?;
    let o = open(&text, label, limits, aliases)?;
    Ok((o.header, o.label))
}

/// Reads a CSV roster, handing its rows to `sink`.
pub(super) fn parse_csv(
    bytes: &[u8],
    encoding: Encoding,
    limits: &Limits,
    tables: &CodeTables,
    aliases: &HeaderAliases,
    sink: &mut dyn Sink,
) -> Result<Scanned> {
    let (text, label) = decode(bytes, encoding)?;
    let Opened {
        text,
        label,
        mut reader,
        mut lines,
        header,
        mut records,
    } = open(&text, label, limits, aliases)?;
    let mut b = Builder::new(&header.cells, aliases, tables, sink)?;
    let lf = text.bytes().filter(|&c| c == b'\n').count();
    let lines_guess = if lf > 0 {
        lf
    } else {
        text.bytes().filter(|&c| c == b'\r').count()
    };
    let most = usize::try_from(limits.max_rows).unwrap_or(usize::MAX);
    b.reserve(lines_guess.min(most).min(1 << 24));
    for (row, cells) in &header.after {
        b.row(*row, cells.len(), |i| cells.get(i).map(String::as_str));
    }
    let mut rec = csv::ByteRecord::new();
    while reader.read_byte_record(&mut rec).map_err(csv_error)? {
        let line = lines.of(&rec);
        records += 1;
        check_record(limits, line, rec.as_slice().len(), rec.len(), records)?;
        // One UTF-8 check per record; fields split at ASCII bytes, so their ranges are character
        // boundaries (and `get` cannot panic if they were not).
        let whole = cell_str(rec.as_slice());
        b.row(line, rec.len(), |i| rec.range(i).and_then(|r| whole.get(r)));
    }
    b.finish(Format::Csv, label, header.row, None)
}

/// Whether a CSV roster reads through to its end without an error that [`parse_csv`] would
/// meet only after handing rows over (a record over the limits, a reader error): a pass over
/// its records without building any row. A roster for which this holds fails, if at all, before
/// its first row reaches the sink.
pub(super) fn reads_through(bytes: &[u8], encoding: Encoding, limits: &Limits) -> bool {
    let Ok((text, _)) = decode(bytes, encoding) else {
        return false;
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let mut rec = csv::ByteRecord::new();
    let mut records = 0u64;
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return true,
            Err(_) => return false,
        }
        records += 1;
        // The line only names the place in an error, which this pass does not report.
        if check_record(limits, 0, rec.as_slice().len(), rec.len(), records).is_err() {
            return false;
        }
    }
}
