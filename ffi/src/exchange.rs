//! Exchange with the provincial platform and with spreadsheets: destination imports, and the
//! full export of registrations that reads back through the importers.

use std::ffi::{c_char, c_int};

use gradreg::roster::RosterOptions;
use gradreg::{Actor, CodeTables, Error, ImportMode, Query};

use crate::args::{gradreg_bytes, gradreg_str};
use crate::registry::{self as reg_handle, gradreg_registry};
use crate::support::{
    bytes_arg, guard, instant_arg, json_object, json_string, opt_str_arg, owned_bytes, str_arg, Out,
};

/// Reads a destination export of the provincial platform without storing anything: each row
/// names a registration (学号 + 院校代码, or 身份证号; 姓名 checked when given) and holds its
/// 毕业去向, 档案转递 and 户口迁移 columns, as codes or as their Chinese names. CSV in UTF-8,
/// UTF-8 with a byte-order mark or GB18030/GBK, or XLSX.
///
/// - `bytes`: the file's contents.
/// - `options_json`: may be none (`GRADREG_STR_NONE`) to detect both format and encoding; else
///   `{"format":"auto","encoding":"auto"}` as in `gradreg_roster_parse`.
/// - `parsed_json_out`: receives `{"rows":[{"row":2,"ident":{"student_number":"…",
///   "school_code":"…","id_number":"…","name":"…"},"data":{…destination data…},"ok":true}],
///   "problems":[…],"notices":[…],"columns":[…],"header_row":1,"sheet":null,"format":"csv",
///   "encoding":"gb18030"}` (a problem's `field` is the dotted path of the field, such as
///   `destination.employer.nature`); free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK` even when cells are bad (see `problems`); a 1xx roster code when the
/// file cannot be read as a destination export at all; the JSON, NULL and UTF-8 codes.
/// Thread-safe.
///
/// # Safety
/// `bytes` and `options_json` must each be `{NULL, 0}` or point to its `len` readable bytes;
/// `parsed_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_destinations_parse(
    bytes: gradreg_bytes,
    options_json: gradreg_str,
    parsed_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(parsed_json_out, "parsed_json_out")?;
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
        let parsed = gradreg::roster::parse_destinations(bytes, &options, CodeTables::builtin())?;
        out.write(json_string(&parsed)?);
        Ok(())
    })
}

/// Imports a destination export of the provincial platform into a registry: each good row is
/// applied to the registration it names as `report_destination` by `actor_json`. Importing the
/// same file again changes nothing (`unchanged`). The file `gradreg_registry_export_records`
/// writes reads back as it was written.
///
/// - `registry`: the handle.
/// - `bytes`, `options_json`: the file and how to read it, as in `gradreg_destinations_parse`.
/// - `actor_json`: the provincial platform, `{"role":"provincial_platform","id":"js24365"}`.
/// - `now_unix`: seconds since 1970-01-01T00:00:00Z.
/// - `all_or_nothing`: non-zero to store nothing when any cell is bad or any row is refused; 0
///   to store the good rows (in one transaction) and report the others.
/// - `report_json_out`: receives `{"format":"csv","encoding":"gb18030","rows":120,
///   "reported":118,"unchanged":0,"rejected":2,"problems":[{"row":7,"column":"单位性质代码",
///   "field":"destination.employer.nature","code":"unknown_code","message_zh":"…",
///   "message_en":"…"}],"notices":[…],"columns":[…],"header_row":1,"sheet":null,
///   "refused":[{"row":9,"registration":"10327:2022010123","code":"503","message":"…"}]}`
///   (a refused row is also a problem of code `refused`); free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK` even when rows were rejected (see the report); a 1xx roster code when
/// the file cannot be read as a destination export at all; 5xx on storage errors; the JSON,
/// NULL, UTF-8 and handle codes. Thread-safe: one call is one transaction.
///
/// # Safety
/// Each buffer argument must be `{NULL, 0}` or point to its `len` readable bytes;
/// `report_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_import_destinations(
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
        let registry = reg_handle::get(registry)?;
        let registry = reg_handle::read(&registry);
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
            registry.import_destinations(bytes, &options, mode, &actor, instant_arg(now_unix)?)?;
        out.write(json_string(&report)?);
        Ok(())
    })
}

/// The full export of the registrations matching a query: 登记号, 阶段, every basic-information
/// field (with the full ID number: this is the office's own data) and every destination,
/// archive-transfer and hukou-migration field, under the Chinese headers that
/// `gradreg_registry_import_roster` and `gradreg_registry_import_destinations` read, so the
/// file goes back in as it came out. Codes are written as codes and dates as `YYYY-MM-DD`; a
/// cell a spreadsheet would run as a formula is prefixed with `'` (the importers take it off).
///
/// - `query_json`: may be none for everyone (see `gradreg_registry_query`).
/// - `format`: `csv` (UTF-8 with a BOM, CRLF line ends) or `xlsx` (every cell a text cell).
/// - `now_unix`: seconds since 1970-01-01T00:00:00Z (the stage is computed at this instant).
/// - `bytes_out`, `len_out`: receive the file's bytes (not NUL-terminated) and their length;
///   free them with `gradreg_bytes_free(bytes, len)`.
/// - `count_out`: receives how many registrations were written.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_INVALID_ARGUMENT` for another format; 5xx; the JSON,
/// NULL, UTF-8 and handle codes. The out pointers are written only on success. Thread-safe.
///
/// # Safety
/// `query_json` and `format` must each be `{NULL, 0}` or point to its `len` readable bytes;
/// the out pointers must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_export_records(
    registry: *const gradreg_registry,
    query_json: gradreg_str,
    format: gradreg_str,
    now_unix: i64,
    bytes_out: *mut *mut u8,
    len_out: *mut usize,
    count_out: *mut u64,
) -> u32 {
    guard(|| {
        let out = Out::new(bytes_out, "bytes_out")?;
        let len_out = Out::new(len_out, "len_out")?;
        let count_out = Out::new(count_out, "count_out")?;
        let registry = reg_handle::get(registry)?;
        let registry = reg_handle::read(&registry);
        // SAFETY: forwarded.
        let (query, format) = unsafe {
            (
                opt_str_arg(query_json, "query_json")?,
                str_arg(format, "format")?,
            )
        };
        let query: Query = match query {
            Some(t) => json_object(t, "query_json")?,
            None => Query::default(),
        };
        let now = instant_arg(now_unix)?;
        let mut bytes = Vec::new();
        let n = match format {
            "csv" => registry.export_records_csv(&query, now, &mut bytes)?,
            "xlsx" => registry.export_records_xlsx(&query, now, &mut bytes)?,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown export format {other:?} (csv or xlsx)"
                ))
                .into())
            }
        };
        let (ptr, len) = owned_bytes(bytes);
        out.write(ptr);
        len_out.write(len);
        count_out.write(n);
        Ok(())
    })
}
