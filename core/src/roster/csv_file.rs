//! Reading a CSV roster: decode, pick the delimiter (comma, or tab for a tab-separated file),
//! find the header and hand each record, with the line it starts on, to the row builder.

use super::decode::decode;
use super::headers::{find_header, HeaderAliases};
use super::rows::Builder;
use super::{Encoding, Format, ParsedRoster};
use crate::error::{Error, Result};
use crate::tables::CodeTables;

/// Tab when the first non-empty line has more tabs than commas, else comma.
fn delimiter(text: &str) -> u8 {
    let first = text
        .lines()
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
/// here: from the record's position, skip line ends, then count the newlines passed.
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
        self.line += self.text[self.offset..to]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = to;
        self.line
    }
}

/// A cell of the decoded text as `&str`.
fn cell_str(b: &[u8]) -> &str {
    // The whole text is valid UTF-8 and records split at ASCII bytes, so this cannot fail.
    std::str::from_utf8(b).unwrap_or("")
}

/// Reads a CSV roster.
pub(super) fn parse_csv(
    bytes: &[u8],
    encoding: Encoding,
    tables: &CodeTables,
    aliases: &HeaderAliases,
) -> Result<ParsedRoster> {
    let (text, label) = decode(bytes, encoding)?;
    if text.trim().is_empty() {
        return Err(Error::RosterEmpty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let mut rec = csv::ByteRecord::new();
    let mut lines = Lines {
        text: text.as_bytes(),
        offset: 0,
        line: 1,
    };
    let (_, header) = find_header(aliases, || {
        if reader.read_byte_record(&mut rec).map_err(csv_error)? {
            let cells = rec.iter().map(|c| cell_str(c).to_string()).collect();
            Ok(Some((lines.of(&rec), cells)))
        } else {
            Ok(None)
        }
    })?;
    let mut b = Builder::new(&header, aliases, tables)?;
    b.reserve(text.bytes().filter(|&c| c == b'\n').count().min(1 << 24));
    while reader.read_byte_record(&mut rec).map_err(csv_error)? {
        let line = lines.of(&rec);
        // One UTF-8 check per record; fields split at ASCII bytes, so their ranges are character
        // boundaries (and `get` cannot panic if they were not).
        let whole = cell_str(rec.as_slice());
        b.row(line, rec.len(), |i| rec.range(i).and_then(|r| whole.get(r)));
    }
    Ok(b.finish(Format::Csv, label))
}
