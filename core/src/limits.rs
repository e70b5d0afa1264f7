//! Size limits on what the library reads: roster and destination files, the workbooks inside
//! them, and the JSON documents the C and Python faces are given.
//!
//! Every reader checks its input against a [`Limits`] while it reads, and stops at the first
//! limit passed with a typed error that names the limit and the setting that raises it:
//!
//! | error | code | when |
//! |---|---|---|
//! | [`Error::InputTooLarge`] | 117 | a file or a JSON document is larger than its byte limit (checked before reading it) |
//! | [`Error::ArchiveLimit`] | 118 | an XLSX workbook's zip archive: too many entries, an entry that inflates past its size or ratio limit, or all entries together past the total |
//! | [`Error::ContentLimit`] | 119 | what the file holds: rows, cells, columns, shared strings, a CSV line or a piece of workbook XML too long |
//!
//! A workbook is checked entry by entry before the spreadsheet reader sees it: each entry is
//! inflated as a stream into a counter (never into memory, and never sized from what the
//! archive declares), so that a zip bomb is refused after inflating about
//! `max_ratio` × what it has read, not after filling memory. Memory while reading a roster stays
//! within a small multiple of the limits: about 100 bytes per cell of the used range
//! ([`Limits::max_cells`]) plus the shared strings ([`Limits::max_shared_string_bytes`]) for a
//! workbook, and about three times the file for CSV.
//!
//! The defaults are generous for real rosters (a 200,000-row, 60-column workbook imports) and
//! safe for a host process. A caller raises or lowers any of them; in JSON every field is
//! optional and a missing one keeps its default:
//!
//! ```
//! use gradreg::Limits;
//!
//! let limits: Limits = serde_json::from_str(r#"{"max_cells": 1000}"#)?;
//! assert_eq!(limits.max_cells, 1000);
//! assert_eq!(limits.max_input_bytes, Limits::default().max_input_bytes);
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::sync::{PoisonError, RwLock};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Caller-settable size limits with safe defaults: what a reader may take in before it stops
/// with a typed error (see the module documentation).
///
/// Every field is a count or a number of bytes; `0` refuses any input of that kind. In JSON,
/// every field is optional.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The largest roster or destination file, in bytes (default 256 MiB).
    pub max_input_bytes: u64,
    /// The largest JSON document given to the C or Python face (a command batch, a list of
    /// records), in bytes, checked before it is parsed (default 64 MiB).
    pub max_json_bytes: u64,
    /// The most bytes one zip entry of a workbook may inflate to (default 1 GiB).
    pub max_entry_bytes: u64,
    /// The most bytes all zip entries of a workbook together may inflate to (default 2 GiB).
    pub max_total_bytes: u64,
    /// The highest compression ratio of one zip entry: inflated bytes per compressed byte read,
    /// checked once an entry has inflated past 1 MiB (default 200; real workbooks stay under 30,
    /// a zip bomb of zeros is about 1,000).
    pub max_ratio: u64,
    /// The most entries in a workbook's zip archive (default 10,000).
    pub max_entries: u64,
    /// The most cells in the used range of one worksheet — rows × columns from the first to the
    /// last non-empty cell, which is what the spreadsheet reader allocates (default 16,777,216:
    /// 200,000 rows of 80 columns).
    pub max_cells: u64,
    /// The most rows in one worksheet (the last non-empty row) or CSV file (default 1,048,576,
    /// the most Excel has).
    pub max_rows: u64,
    /// The most columns of one row (default 16,384, the most Excel has).
    pub max_columns: u64,
    /// The most shared strings in a workbook, counted and as declared (default 8,388,608).
    pub max_shared_strings: u64,
    /// The most bytes of text in a workbook's shared strings (default 256 MiB).
    pub max_shared_string_bytes: u64,
    /// The longest single piece of workbook XML — a text run or a tag — in bytes (default
    /// 1 MiB; Excel holds at most 32,767 characters in a cell).
    pub max_xml_token_bytes: u64,
    /// The longest CSV record (one row, which may span lines inside quotes), in bytes (default
    /// 1 MiB).
    pub max_line_bytes: u64,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 256 * MIB,
            max_json_bytes: 64 * MIB,
            max_entry_bytes: GIB,
            max_total_bytes: 2 * GIB,
            max_ratio: 200,
            max_entries: 10_000,
            max_cells: 1 << 24,
            max_rows: 1 << 20,
            max_columns: 1 << 14,
            max_shared_strings: 1 << 23,
            max_shared_string_bytes: 256 * MIB,
            max_xml_token_bytes: MIB,
            max_line_bytes: MIB,
        }
    }
}

/// The process's default limits, once a host has set them.
static PROCESS: RwLock<Option<Limits>> = RwLock::new(None);

/// An entry must inflate past this many bytes before its ratio is checked, so that a small,
/// very regular part (styles, an empty sheet) is never refused for compressing well.
#[cfg(feature = "xlsx")]
pub(crate) const RATIO_FLOOR: u64 = MIB;

impl Limits {
    /// The defaults (the same as [`Limits::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// The process's default limits: those last given to [`Limits::set_process_default`], else
    /// [`Limits::default`]. [`RosterOptions::default`](crate::RosterOptions) and a JSON
    /// options object without `limits` take them, and the C and Python faces check every JSON
    /// document they are given against their [`Limits::max_json_bytes`]; a host sets them once
    /// at start-up.
    pub fn process_default() -> Limits {
        PROCESS
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .unwrap_or_default()
    }

    /// Sets the process's default limits (see [`Limits::process_default`]); `None` restores
    /// [`Limits::default`].
    pub fn set_process_default(limits: Option<Limits>) {
        *PROCESS.write().unwrap_or_else(PoisonError::into_inner) = limits;
    }

    /// Limits no input reaches (every field `u64::MAX`): for trusted input only.
    pub fn unlimited() -> Self {
        Limits {
            max_input_bytes: u64::MAX,
            max_json_bytes: u64::MAX,
            max_entry_bytes: u64::MAX,
            max_total_bytes: u64::MAX,
            max_ratio: u64::MAX,
            max_entries: u64::MAX,
            max_cells: u64::MAX,
            max_rows: u64::MAX,
            max_columns: u64::MAX,
            max_shared_strings: u64::MAX,
            max_shared_string_bytes: u64::MAX,
            max_xml_token_bytes: u64::MAX,
            max_line_bytes: u64::MAX,
        }
    }

    /// Checks the size of a roster or destination file before it is read:
    /// [`Error::InputTooLarge`] past [`Limits::max_input_bytes`].
    pub fn check_input(&self, len: usize) -> Result<()> {
        check_size("file", len, self.max_input_bytes, "max_input_bytes")
    }

    /// Checks the size of a JSON document before it is parsed: [`Error::InputTooLarge`] past
    /// [`Limits::max_json_bytes`]. `what` names the document (such as `"commands"`).
    pub fn check_json(&self, what: &str, len: usize) -> Result<()> {
        check_size(
            &format!("JSON document `{what}`"),
            len,
            self.max_json_bytes,
            "max_json_bytes",
        )
    }
}

/// [`Error::InputTooLarge`] when `len` passes `limit`.
fn check_size(what: &str, len: usize, limit: u64, setting: &str) -> Result<()> {
    let size = u64::try_from(len).unwrap_or(u64::MAX);
    if size > limit {
        return Err(Error::InputTooLarge {
            what: what.to_string(),
            size,
            limit,
            setting: setting.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_optional_in_json_and_unknown_ones_are_refused() {
        let l: Limits = serde_json::from_str("{}").unwrap();
        assert_eq!(l, Limits::default());
        let l: Limits = serde_json::from_str(r#"{"max_rows": 5, "max_ratio": 10}"#).unwrap();
        assert_eq!((l.max_rows, l.max_ratio), (5, 10));
        assert_eq!(l.max_cells, Limits::default().max_cells);
        assert!(serde_json::from_str::<Limits>(r#"{"max_row": 5}"#).is_err());
        let back: Limits = serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
        assert_eq!(back, l);
    }

    #[test]
    fn sizes_are_checked_against_their_limit() {
        let l = Limits {
            max_input_bytes: 10,
            max_json_bytes: 3,
            ..Limits::default()
        };
        assert!(l.check_input(10).is_ok());
        let e = l.check_input(11).unwrap_err();
        assert_eq!(e.code().get(), 117);
        assert!(e.to_string().contains("max_input_bytes"), "{e}");
        let e = l.check_json("commands", 4).unwrap_err();
        assert!(e.to_string().contains("max_json_bytes"), "{e}");
        assert!(Limits::unlimited().check_input(usize::MAX).is_ok());
    }
}
