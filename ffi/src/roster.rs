//! Roster import: the school's spreadsheet of graduates (CSV or XLSX) into basic-information
//! records, with every bad cell reported.

use std::ffi::{c_char, c_int};

use gradreg::roster::RosterOptions;
use gradreg::{Actor, CodeTables, ImportMode};

use crate::args::{gradreg_bytes, gradreg_str};
use crate::registry::gradreg_registry;
use crate::support::{
    bytes_arg, guard, instant_arg, json_object, json_string, opt_str_arg, str_arg, Out,
};

/// Reads a roster: CSV (UTF-8, UTF-8 with a byte-order mark, GB18030/GBK) or XLSX, with Chinese
/// headers (身份证号, 姓名 …) or the pinyin abbreviations of exports (sfzh, xm, xbdm …).
///
/// - `bytes`: the file's contents.
/// - `options_json`: may be none (`GRADREG_STR_NONE`) to detect both; else `{"format":"auto","encoding":"auto"}` (both
///   fields required) with
///   `format` `auto`, `csv` or `xlsx` and `encoding` `auto`, `utf8` or `gb18030`.
/// - `roster_json_out`: receives `{"rows":[{"row":2,"info":{…basic info…},"ok":true}],
///   "problems":[{"row":3,"column":"身份证号","field":"id_number",
///   "code":"scientific_notation","message_zh":"…","message_en":"…"}],"format":"csv",
///   "encoding":"utf-8"}` (rows are numbered as in the spreadsheet, the header being row 1;
///   every data row is listed, good or bad); free it with `gradreg_string_free`. To store the
///   rows, use `gradreg_registry_import_roster`.
///
/// Returns `GRADREG_OK` even when cells are bad (see `problems`); a 1xx roster code when the
/// file cannot be read as a roster at all (`GRADREG_ERR_ROSTER_EMPTY`,
/// `GRADREG_ERR_ROSTER_MISSING_COLUMNS` …); the JSON, NULL and UTF-8 codes. Thread-safe.
///
/// # Safety
/// `bytes` and `options_json` must each be `{NULL, 0}` or point to its `len` readable bytes;
/// `roster_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_roster_parse(
    bytes: gradreg_bytes,
    options_json: gradreg_str,
    roster_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(roster_json_out, "roster_json_out")?;
        // SAFETY: forwarded.
        let (bytes, options) = unsafe {
            (
                bytes_arg(bytes, "bytes")?,
                opt_str_arg(options_json, "options_json")?,
            )
        };
        let options: RosterOptions = match options {
            Some(t) => json_object(t, "options_json")?,
            None => RosterOptions::default(),
        };
        let parsed = gradreg::parse_roster(bytes, &options, CodeTables::builtin())?;
        out.write(json_string(&parsed)?);
        Ok(())
    })
}

/// Imports a roster into a registry: every good row becomes (or corrects) the registration keyed
/// `school_code:student_number`, uploaded by `actor_json`. Re-importing the same file changes
/// nothing.
///
/// - `registry`: the handle.
/// - `bytes`, `options_json`: the file and how to read it, as in
///   `gradreg_roster_parse`.
/// - `actor_json`: the uploader: `{"role":"school_office","id":"jyc01"}` or a counselor of the
///   rows' college.
/// - `now_unix`: seconds since 1970-01-01T00:00:00Z.
/// - `all_or_nothing`: non-zero to import nothing when any row has a problem; 0 to import the
///   good rows (in transactions of 20,000) and report the others.
/// - `report_json_out`: receives `{"format":"csv","encoding":"utf-8","rows":120,"created":118,
///   "corrected":0,"unchanged":0,"rejected":2,"problems":[{"row":7,"column":"身份证号",
///   "field":"id_number","code":"bad_check_character","message_zh":"…","message_en":"…"}]}`;
///   free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK` even when rows were rejected (see the report); a 1xx roster code when the
/// file cannot be read as a roster at all; 5xx on storage errors; the JSON, NULL, UTF-8 and
/// handle codes. Thread-safe.
///
/// # Safety
/// Each buffer argument must be `{NULL, 0}` or point to its `len` readable bytes;
/// `report_json_out` must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_registry_import_roster(
    registry: *const gradreg_registry,
    bytes: gradreg_bytes,
    options_json: gradreg_str,
    actor_json: gradreg_str,
    now_unix: i64,
    all_or_nothing: c_int,
    report_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(report_json_out, "report_json_out")?;
        let registry = crate::registry::get(registry)?;
        // SAFETY: forwarded.
        let (bytes, options, actor) = unsafe {
            (
                bytes_arg(bytes, "bytes")?,
                opt_str_arg(options_json, "options_json")?,
                str_arg(actor_json, "actor_json")?,
            )
        };
        let options: RosterOptions = match options {
            Some(t) => json_object(t, "options_json")?,
            None => RosterOptions::default(),
        };
        let actor: Actor = json_object(actor, "actor_json")?;
        let mode = if all_or_nothing != 0 {
            ImportMode::AllOrNothing
        } else {
            ImportMode::GoodRows
        };
        let report =
            registry.import_roster(bytes, &options, mode, &actor, instant_arg(now_unix)?)?;
        out.write(json_string(&report)?);
        Ok(())
    })
}
