//! Size limits (`gradreg::Limits`): the process's defaults, which every JSON argument is checked
//! against before it is parsed and which the roster and import calls read files with when their
//! options give no `"limits"`.

use std::ffi::c_char;

use gradreg::Limits;

use crate::args::gradreg_str;
use crate::support::{guard, json_string, opt_str_arg, FfiResult, Out};

/// The limits of a JSON object.
fn limits_of(text: &str) -> FfiResult<Limits> {
    if !text.trim_start().starts_with('{') {
        return Err(gradreg::Error::MalformedJson(
            "argument `limits_json`: expected a JSON object".into(),
        )
        .into());
    }
    serde_json::from_str(text)
        .map_err(|e| gradreg::Error::MalformedJson(format!("argument `limits_json`: {e}")).into())
}

/// Sets the process's default size limits.
///
/// - `limits_json`: none (`GRADREG_STR_NONE`) to restore the built-in defaults; else an object
///   of any of `max_input_bytes` (a roster or destination file; default 256 MiB),
///   `max_json_bytes` (every JSON argument, checked before parsing; 64 MiB), `max_entry_bytes`
///   (one inflated zip entry of a workbook; 1 GiB), `max_total_bytes` (all entries; 2 GiB),
///   `max_ratio` (inflated per compressed byte; 200), `max_entries` (10000), `max_cells` (rows ×
///   columns of a sheet's used range; 16777216), `max_rows` (1048576), `max_columns` (16384),
///   `max_shared_strings` (8388608), `max_shared_string_bytes` (256 MiB),
///   `max_xml_token_bytes` (1 MiB) and `max_line_bytes` (one CSV record; 1 MiB); a field left
///   out keeps its default, an unknown one is `GRADREG_ERR_MALFORMED_JSON`.
///
/// The limits apply to every later call of the process: JSON arguments larger than
/// `max_json_bytes` are refused with `GRADREG_ERR_INPUT_TOO_LARGE` before they are parsed, and
/// the roster and import calls (`gradreg_roster_parse`, `gradreg_registry_import_roster`,
/// `gradreg_registry_import_destinations` …) read files with them unless their `options_json`
/// gives its own `"limits"`. A file past a limit is `GRADREG_ERR_INPUT_TOO_LARGE`,
/// `GRADREG_ERR_ARCHIVE_LIMIT` or `GRADREG_ERR_CONTENT_LIMIT`, whose message names the field
/// that raises it. Set them once at start-up. Thread-safe.
///
/// # Safety
/// `limits_json` must be `{NULL, 0}` or point to its `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gradreg_limits_set(limits_json: gradreg_str) -> u32 {
    guard(|| {
        // SAFETY: forwarded.
        let text = unsafe { opt_str_arg(limits_json, "limits_json") }?;
        // Not held to the current `max_json_bytes`, so that a small one can be raised again.
        let limits: Option<Limits> = text.map(limits_of).transpose()?;
        Limits::set_process_default(limits);
        Ok(())
    })
}

/// The process's default size limits, every field given (see `gradreg_limits_set`).
///
/// - `limits_json_out`: receives the limits object; free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, or `GRADREG_ERR_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
/// `limits_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_limits_get(limits_json_out: *mut *mut c_char) -> u32 {
    guard(|| {
        let out = Out::new(limits_json_out, "limits_json_out")?;
        out.write(json_string(&Limits::process_default())?);
        Ok(())
    })
}
