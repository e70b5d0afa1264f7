//! Roster import: the school's spreadsheet of graduates (CSV or XLSX) into basic-information
//! records, with every bad cell reported.

use std::ffi::{c_char, c_int};

use gradreg::roster::{HeaderAliases, RosterOptions};
use gradreg::{Actor, CodeTables, ImportMode};

use crate::args::{gradreg_bytes, gradreg_str};
use crate::registry::{self as reg_handle, gradreg_registry};
use crate::support::{
    bytes_arg, guard, instant_arg, json_object, json_string, opt_str_arg, str_arg, FfiResult, Out,
};

/// Roster options from an optional JSON object (none: detect both format and encoding).
fn options_arg(options: Option<&str>) -> FfiResult<RosterOptions> {
    match options {
        Some(t) => json_object(t, "options_json"),
        None => Ok(RosterOptions::default()),
    }
}

/// The built-in header table plus the lines of `tsv`, when given.
fn aliases_arg(tsv: Option<&str>) -> FfiResult<Option<HeaderAliases>> {
    let Some(tsv) = tsv else { return Ok(None) };
    let mut table = HeaderAliases::builtin().clone();
    table.load_tsv(tsv)?;
    Ok(Some(table))
}

/// Reads a roster: CSV (UTF-8, UTF-8 with a byte-order mark, GB18030/GBK) or XLSX, with Chinese
/// headers (身份证号, 姓名 …) or the pinyin abbreviations of exports (sfzh, xm, xbdm …).
///
/// - `bytes`: the file's contents.
/// - `options_json`: may be none (`GRADREG_STR_NONE`) to detect both; else `{"format":"auto","encoding":"auto"}` (both
///   fields required) with
///   `format` `auto`, `csv` or `xlsx` and `encoding` `auto`, `utf8` or `gb18030`, and optionally
///   `"limits":{"max_cells":100000,…}`: the size limits of this call, any field of
///   `gradreg_limits_set` (the others, or all when `limits` is absent, are the process's).
/// - `roster_json_out`: receives `{"rows":[{"row":2,"info":{…basic info…},"ok":true}],
///   "problems":[{"row":3,"column":"身份证号","field":"id_number",
///   "code":"scientific_notation","message_zh":"…","message_en":"…"}],"format":"csv",
///   "encoding":"utf-8"}` (rows are numbered as in the spreadsheet, the header being row 1;
///   every data row is listed, good or bad); free it with `gradreg_string_free`. To store the
///   rows, use `gradreg_registry_import_roster`.
///
/// Returns `GRADREG_OK` even when cells are bad (see `problems`); a 1xx roster code when the
/// file cannot be read as a roster at all (`GRADREG_ERR_ROSTER_EMPTY`,
/// `GRADREG_ERR_ROSTER_MISSING_COLUMNS` …); `GRADREG_ERR_INPUT_TOO_LARGE`,
/// `GRADREG_ERR_ARCHIVE_LIMIT` or `GRADREG_ERR_CONTENT_LIMIT` when the file passes a size
/// limit (a zip bomb, a huge sheet; the message names the limit to raise), found while reading
/// and before memory is spent on it; the JSON, NULL and UTF-8 codes. Thread-safe.
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

/// Reads a roster as `gradreg_roster_parse` does, with an office's own headers added to the
/// built-in header table.
///
/// - `bytes`, `options_json`, `roster_json_out`: as in `gradreg_roster_parse` (the JSON also
///   holds `notices`, `columns`, `header_row` and `sheet`).
/// - `aliases_tsv`: may be none (`GRADREG_STR_NONE`: the built-in table only); else lines of
///   `header<TAB>field` or `header<TAB>field<TAB>name` (a column of names from the field's code
///   table, such as 男/女), `#` starting a comment; `field` is a basic-information field name
///   (`id_number`, `name` …).
///
/// Returns as `gradreg_roster_parse`; `GRADREG_ERR_INVALID_ARGUMENT` for a bad line of
/// `aliases_tsv` (the message names the line). Thread-safe.
///
/// # Safety
/// Each buffer argument must be `{NULL, 0}` or point to its `len` readable bytes;
/// `roster_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_roster_parse_with_aliases(
    bytes: gradreg_bytes,
    options_json: gradreg_str,
    aliases_tsv: gradreg_str,
    roster_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(roster_json_out, "roster_json_out")?;
        // SAFETY: forwarded.
        let (bytes, options, aliases) = unsafe {
            (
                bytes_arg(bytes, "bytes")?,
                opt_str_arg(options_json, "options_json")?,
                opt_str_arg(aliases_tsv, "aliases_tsv")?,
            )
        };
        let options = options_arg(options)?;
        let aliases = aliases_arg(aliases)?;
        let table = aliases.as_ref().unwrap_or(HeaderAliases::builtin());
        let parsed =
            gradreg::roster::parse_roster_with(bytes, &options, CodeTables::builtin(), table)?;
        out.write(json_string(&parsed)?);
        Ok(())
    })
}

/// Reads only the header of a roster and says what each column becomes, before any row is
/// read: a check of a file the importer may refuse.
///
/// - `bytes`, `options_json`: as in `gradreg_roster_parse`.
/// - `aliases_tsv`: none, or headers to add to the built-in table, as in
///   `gradreg_roster_parse_with_aliases`.
/// - `preview_json_out`: receives `{"format":"csv","encoding":"utf-8","sheet":null,
///   "header_row":1,"columns":[{"column":1,"header":"姓名","field":"name","kind":"read"},
///   {"column":2,"header":"备注","field":"","kind":"ignored"}],"missing":["身份证号 (id_number)"],
///   "duplicated":[]}` (`kind` is `read`, `checked` for a name column checked against its code
///   column, or `ignored`; missing and repeated columns are listed here, not errors); free it
///   with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_ROSTER_EMPTY`, `GRADREG_ERR_ROSTER_NO_HEADER` and the
/// other 1xx codes of a file with no header at all; `GRADREG_ERR_INVALID_ARGUMENT` for a bad
/// line of `aliases_tsv`; the JSON, NULL and UTF-8 codes. Thread-safe.
///
/// # Safety
/// Each buffer argument must be `{NULL, 0}` or point to its `len` readable bytes;
/// `preview_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_roster_preview_header(
    bytes: gradreg_bytes,
    options_json: gradreg_str,
    aliases_tsv: gradreg_str,
    preview_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(preview_json_out, "preview_json_out")?;
        // SAFETY: forwarded.
        let (bytes, options, aliases) = unsafe {
            (
                bytes_arg(bytes, "bytes")?,
                opt_str_arg(options_json, "options_json")?,
                opt_str_arg(aliases_tsv, "aliases_tsv")?,
            )
        };
        let options = options_arg(options)?;
        let aliases = aliases_arg(aliases)?;
        let table = aliases.as_ref().unwrap_or(HeaderAliases::builtin());
        let preview = gradreg::roster::preview_header(bytes, &options, table)?;
        out.write(json_string(&preview)?);
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
/// - `actor_json`: the uploader: `{"role":"school_office","id":"jyc01","school":"10327"}` or a counselor of the
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
    // SAFETY: forwarded.
    unsafe {
        import(
            registry,
            bytes,
            options_json,
            actor_json,
            now_unix,
            all_or_nothing,
            false,
            report_json_out,
        )
    }
}

/// A dry run of `gradreg_registry_import_roster`, with the same arguments: the same report —
/// every problem and notice, which column became which field (`columns`), how many
/// registrations would be created, corrected or left unchanged, the rows the registry would
/// refuse — with `"dry_run":true`, and nothing stored.
///
/// Returns as `gradreg_registry_import_roster`. Thread-safe.
///
/// # Safety
/// Each buffer argument must be `{NULL, 0}` or point to its `len` readable bytes;
/// `report_json_out` must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_registry_preview_roster(
    registry: *const gradreg_registry,
    bytes: gradreg_bytes,
    options_json: gradreg_str,
    actor_json: gradreg_str,
    now_unix: i64,
    all_or_nothing: c_int,
    report_json_out: *mut *mut c_char,
) -> u32 {
    // SAFETY: forwarded.
    unsafe {
        import(
            registry,
            bytes,
            options_json,
            actor_json,
            now_unix,
            all_or_nothing,
            true,
            report_json_out,
        )
    }
}

/// An import, or with `dry_run` its preview.
///
/// # Safety
/// As `gradreg_registry_import_roster`.
#[allow(clippy::too_many_arguments)]
unsafe fn import(
    registry: *const gradreg_registry,
    bytes: gradreg_bytes,
    options_json: gradreg_str,
    actor_json: gradreg_str,
    now_unix: i64,
    all_or_nothing: c_int,
    dry_run: bool,
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
        let options = options_arg(options)?;
        let actor: Actor = json_object(actor, "actor_json")?;
        let mode = if all_or_nothing != 0 {
            ImportMode::AllOrNothing
        } else {
            ImportMode::GoodRows
        };
        let now = instant_arg(now_unix)?;
        let report = if dry_run {
            registry.preview_roster(bytes, &options, mode, &actor, now)?
        } else {
            registry.import_roster(bytes, &options, mode, &actor, now)?
        };
        out.write(json_string(&report)?);
        Ok(())
    })
}

/// Adds roster headers to a registry's header table, which its imports and previews read
/// with: lines of `header<TAB>field` or `header<TAB>field<TAB>name` (a column of names from the
/// field's code table, such as 男/女), `#` starting a comment; `field` is a basic-information
/// field name (`id_number`, `name` …). Other registries are not affected.
///
/// - `registry`: the handle.
/// - `tsv`: the lines (UTF-8).
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_INVALID_ARGUMENT` for a bad line (the last error's message
/// names it), in which case the table is left exactly as it was and the registry stays usable;
/// the NULL, UTF-8 and handle codes. Thread-safe: the change waits for calls in flight on the
/// same handle, and later calls see the whole new table.
///
/// # Safety
/// `tsv` must be `{NULL, 0}` or point to its `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_add_header_aliases(
    registry: *const gradreg_registry,
    tsv: gradreg_str,
) -> u32 {
    guard(|| {
        let handle = reg_handle::get(registry)?;
        // SAFETY: forwarded.
        let tsv = unsafe { str_arg(tsv, "tsv")? };
        reg_handle::write(&handle).add_header_aliases(tsv)?;
        Ok(())
    })
}

/// Adds roster headers from a file an office keeps (UTF-8, the lines of
/// `gradreg_registry_add_header_aliases`).
///
/// - `registry`: the handle.
/// - `path`: the file.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_ROSTER_IO` when the file cannot be read;
/// `GRADREG_ERR_INVALID_ARGUMENT` for a bad line (the table is left as it was); the NULL, UTF-8
/// and handle codes. Thread-safe, as `gradreg_registry_add_header_aliases`.
///
/// # Safety
/// `path` must be `{NULL, 0}` or point to its `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_load_header_aliases_file(
    registry: *const gradreg_registry,
    path: gradreg_str,
) -> u32 {
    guard(|| {
        let handle = reg_handle::get(registry)?;
        // SAFETY: forwarded.
        let path = unsafe { str_arg(path, "path")? };
        reg_handle::write(&handle).load_header_aliases_file(path)?;
        Ok(())
    })
}
