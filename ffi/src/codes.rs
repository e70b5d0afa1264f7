//! Result codes, their static descriptions, the thread-local last error, and the free functions.
//!
//! The codes themselves are the core's one list, [`gradreg::ErrorCode`]: the header exports it as
//! the enum `gradreg_err` (`GRADREG_ERR_INVALID_RECORD = 101` …, generated from
//! `core/src/error_code.rs`), and `gradreg_result_str` derives its text from the same table.
//! The C face adds only `GRADREG_OK`. Functions return the number as a `uint32_t`, never the
//! enum type.

use std::collections::BTreeMap;
use std::ffi::{c_char, CStr, CString};
use std::sync::OnceLock;

use gradreg::ErrorCode;

use crate::support::{copy_out, guard_void, with_last_error};

/// Success: the one result code that is not an error (the others are the `GRADREG_ERR_*`
/// constants of `gradreg_err`).
pub const GRADREG_OK: u32 = 0;

const OK_TEXT: &CStr = c"ok: 成功 / success";
const UNKNOWN: &CStr = c"unknown: 未知结果码 / unknown result code";

/// `"name: 中文 / English"` for every code of the core's table, built once and kept for the
/// life of the program (so the pointers `gradreg_result_str` hands out stay valid).
fn table() -> &'static BTreeMap<u32, CString> {
    static TABLE: OnceLock<BTreeMap<u32, CString>> = OnceLock::new();
    TABLE.get_or_init(|| {
        ErrorCode::ALL
            .iter()
            .filter_map(|c| {
                let text = format!("{}: {} / {}", c.name(), c.describe_zh(), c.describe_en());
                // The texts are the core's static strings, which hold no NUL byte; a code whose
                // text did would read as unknown (and the tests would say so).
                CString::new(text).ok().map(|t| (c.get(), t))
            })
            .collect()
    })
}

/// The static description of a code.
fn describe(code: u32) -> &'static CStr {
    if code == GRADREG_OK {
        return OK_TEXT;
    }
    table().get(&code).map_or(UNKNOWN, CString::as_c_str)
}

/// Describes a result code: a static, NUL-terminated UTF-8 string of the form
/// `"name: 中文 / English"`, for example `"malformed_json: JSON 格式错误 / malformed JSON"`.
///
/// Never returns NULL; an unknown code gives `"unknown: …"`. The string lives as long as the
/// program: do not free it. Thread-safe.
#[no_mangle]
pub extern "C" fn gradreg_result_str(code: u32) -> *const c_char {
    // Building the table cannot fail; a panic would still not cross into C.
    std::panic::catch_unwind(|| describe(code).as_ptr()).unwrap_or(UNKNOWN.as_ptr())
}

/// The library's version, a static NUL-terminated string such as `"0.1.0"`. Do not free it.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn gradreg_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}

/// Copies the detail of this thread's last failed call into `buf`.
///
/// The detail is a NUL-terminated UTF-8 string that starts with the code in brackets, for
/// example `"[102] JSON 格式错误 / malformed JSON: argument `actor_json`: expected value at line 1
/// column 1"`. Every entry point that returns a result code clears it when it starts, so it
/// describes the most recent call on the calling thread; other threads have their own. This
/// function, `gradreg_last_error_code`, `gradreg_result_str` and the free functions leave it
/// alone.
///
/// - `buf`: where to copy, `buf_len` bytes long; may be NULL when `buf_len` is 0 (to ask only for
///   the size).
/// - `needed_out`: may be NULL; when not, receives the bytes needed including the NUL, on
///   success and on `GRADREG_ERR_BUFFER_TOO_SMALL` alike (the one output written on an error).
///
/// When the last call succeeded the detail is the empty string. Returns `GRADREG_OK`, or
/// `GRADREG_ERR_BUFFER_TOO_SMALL` (nothing copied) when `buf_len` is less than needed.
///
/// # Safety
/// `buf`, when not NULL, must point to `buf_len` writable bytes; `needed_out`, when not NULL, to a
/// writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn gradreg_last_error(
    buf: *mut c_char,
    buf_len: usize,
    needed_out: *mut usize,
) -> u32 {
    // Not through `guard`: that would clear the very detail being asked for.
    let detail = with_last_error(|e| e.map(|(_, t)| t.clone()).unwrap_or_default());
    let result = std::panic::catch_unwind(|| {
        // SAFETY: the caller's promises about `buf` and `needed_out`, forwarded.
        unsafe { copy_out(detail.as_bytes(), buf, buf_len, needed_out) }
    });
    match result {
        Ok(Ok(())) => GRADREG_OK,
        Ok(Err(failure)) => failure.code_and_message().0.get(),
        Err(_) => ErrorCode::Panic.get(),
    }
}

/// The code of this thread's last failed call, or `GRADREG_OK` when the last call succeeded.
/// Thread-safe; leaves the detail alone.
#[no_mangle]
pub extern "C" fn gradreg_last_error_code() -> u32 {
    with_last_error(|e| e.map(|(c, _)| *c).unwrap_or(GRADREG_OK))
}

/// Frees a string the library returned through a `char **…_out` argument. NULL is a no-op.
///
/// Only pass strings from this library, once; never pass them to `free()`. Thread-safe.
///
/// # Safety
/// `s` must be NULL or a string this library returned that has not been freed yet.
#[no_mangle]
pub unsafe extern "C" fn gradreg_string_free(s: *mut c_char) {
    guard_void(|| {
        if !s.is_null() {
            // SAFETY: the caller promises `s` came from `CString::into_raw` in this library.
            drop(unsafe { CString::from_raw(s) });
        }
    });
}

/// Frees a byte buffer the library returned through a `uint8_t **…_out` argument, with the
/// length it returned beside it. NULL is a no-op.
///
/// Only pass buffers from this library, once, with their own length; never pass them to
/// `free()`. Thread-safe.
///
/// # Safety
/// `bytes` must be NULL or a buffer this library returned, not freed yet, and `len` its length.
#[no_mangle]
pub unsafe extern "C" fn gradreg_bytes_free(bytes: *mut u8, len: usize) {
    guard_void(|| {
        if !bytes.is_null() {
            let slice = std::ptr::slice_from_raw_parts_mut(bytes, len);
            // SAFETY: the caller promises this is a boxed slice of `len` bytes from this library.
            drop(unsafe { Box::from_raw(slice) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header as checked in (the tests of `tools/gen-header` and `scripts/gen-header.sh
    /// --check` keep it equal to what the source generates).
    const HEADER: &str = include_str!("../../include/gradreg.h");
    /// The core's list of codes and its error type, read as text: the variants are enumerated
    /// from the source, so a code or an error added there cannot be missed here.
    const ERROR_CODE_RS: &str = include_str!("../../core/src/error_code.rs");
    const ERROR_RS: &str = include_str!("../../core/src/error.rs");

    /// `InvalidRecord` → `INVALID_RECORD`.
    fn screaming(camel: &str) -> String {
        let mut out = String::new();
        for (i, ch) in camel.chars().enumerate() {
            if ch.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_uppercase());
        }
        out
    }

    /// The lines of the body of the item that starts with the line `opening` (up to the first
    /// line that is a lone `}` at the item's indentation).
    fn body<'a>(source: &'a str, opening: &str) -> Vec<&'a str> {
        let mut lines = source.lines().skip_while(|l| l.trim() != opening);
        let first = lines.next().unwrap_or_else(|| panic!("no `{opening}`"));
        let indent = first.len() - first.trim_start().len();
        let close = format!("{}}}", " ".repeat(indent));
        lines.take_while(|l| *l != close).collect()
    }

    /// The variants of `pub enum ErrorCode` in `core/src/error_code.rs`: `(Name, number)`.
    fn source_codes() -> Vec<(String, u32)> {
        body(ERROR_CODE_RS, "pub enum ErrorCode {")
            .iter()
            .filter_map(|l| {
                let (name, rest) = l.trim().split_once(" = ")?;
                let number = rest.strip_suffix(',')?.parse().ok()?;
                Some((name.to_string(), number))
            })
            .collect()
    }

    fn header_constant(prefix: &str, name: &str, number: u32) -> bool {
        let line = format!("  {prefix}_{} = {number},", screaming(name));
        HEADER.lines().any(|l| l == line)
    }

    #[test]
    fn every_code_is_in_the_table_the_header_and_result_str() {
        let codes = source_codes();
        assert_eq!(
            codes.len(),
            ErrorCode::ALL.len(),
            "ErrorCode::ALL misses a variant"
        );
        for (name, number) in &codes {
            let code = ErrorCode::from_u32(*number)
                .unwrap_or_else(|| panic!("{name} = {number} is not in ErrorCode::ALL"));
            assert_eq!(&format!("{code:?}"), name);
            assert!(
                header_constant("GRADREG_ERR", name, *number),
                "include/gradreg.h has no GRADREG_ERR_{} = {number}",
                screaming(name)
            );
            let text = describe(*number).to_str().expect("UTF-8");
            assert_eq!(
                text,
                format!(
                    "{}: {} / {}",
                    code.name(),
                    code.describe_zh(),
                    code.describe_en()
                )
            );
            assert!(!text.starts_with("unknown"));
            // The C name is the snake_case name in capitals.
            assert_eq!(screaming(name), code.name().to_ascii_uppercase());
        }
        // And the header has no code the core does not know.
        let exported = HEADER
            .lines()
            .filter(|l| l.trim_start().starts_with("GRADREG_ERR_"))
            .count();
        assert_eq!(exported, codes.len());
        assert_eq!(describe(GRADREG_OK), OK_TEXT);
        assert_eq!(describe(12345), UNKNOWN);
        assert_eq!(describe(901), UNKNOWN, "a retired code");
        // The pointer handed to C is the table's, the same on every call.
        assert_eq!(gradreg_result_str(101), gradreg_result_str(101));
    }

    #[test]
    fn every_error_of_the_core_has_a_code_in_the_table() {
        // The variants of `pub enum Error`, and the arms of `Error::code`, from the source.
        let variants: Vec<String> = body(ERROR_RS, "pub enum Error {")
            .iter()
            .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
            .map(|l| l.trim())
            .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(|l| {
                l.split(|c: char| !c.is_ascii_alphanumeric())
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert!(variants.len() > 50, "parsed {variants:?}");
        let arms: BTreeMap<String, String> = body(ERROR_RS, "pub fn code(&self) -> ErrorCode {")
            .iter()
            .filter_map(|l| {
                let (left, right) = l.trim().split_once(" => ErrorCode::")?;
                let variant = left.strip_prefix("Error::")?;
                let variant = variant.split(|c: char| !c.is_ascii_alphanumeric()).next()?;
                Some((variant.to_string(), right.trim_end_matches(',').to_string()))
            })
            .collect();
        let by_name: BTreeMap<String, ErrorCode> = ErrorCode::ALL
            .iter()
            .map(|c| (format!("{c:?}"), *c))
            .collect();
        for variant in &variants {
            let code_name = arms
                .get(variant)
                .unwrap_or_else(|| panic!("Error::{variant} has no arm in Error::code"));
            let code = by_name
                .get(code_name)
                .unwrap_or_else(|| panic!("ErrorCode::{code_name} is not in ErrorCode::ALL"));
            assert!(!code.is_face_only(), "Error::{variant} uses a C-only code");
            assert!(header_constant("GRADREG_ERR", code_name, code.get()));
            assert!(!describe(code.get())
                .to_str()
                .unwrap()
                .starts_with("unknown"));
        }
        assert_eq!(arms.len(), variants.len());
    }

    #[test]
    fn the_c_face_codes_are_its_own() {
        for code in [
            ErrorCode::NullArgument,
            ErrorCode::InvalidUtf8,
            ErrorCode::BufferTooSmall,
            ErrorCode::WrongHandle,
            ErrorCode::InvalidHandle,
            ErrorCode::Panic,
            ErrorCode::Internal,
        ] {
            assert!(code.is_face_only(), "{code:?}");
        }
        assert!(HEADER.contains("#define GRADREG_OK 0\n"));
    }

    #[test]
    fn every_verdict_is_exported_with_its_code() {
        for kind in gradreg::VerdictKind::ALL {
            let name = format!("{kind:?}");
            assert!(
                header_constant("GRADREG_VERDICT", &name, kind.code()),
                "include/gradreg.h has no GRADREG_VERDICT_{} = {}",
                screaming(&name),
                kind.code()
            );
            assert_eq!(screaming(&name), kind.as_str().to_ascii_uppercase());
        }
        let exported = HEADER
            .lines()
            .filter(|l| l.trim_start().starts_with("GRADREG_VERDICT_"))
            .count();
        assert_eq!(exported, gradreg::VerdictKind::ALL.len());
    }

    #[test]
    fn the_pkg_config_file_has_this_version() {
        let pc = include_str!("../../include/gradreg.pc");
        let version = format!("Version: {}", env!("CARGO_PKG_VERSION"));
        assert!(
            pc.lines().any(|l| l == version),
            "include/gradreg.pc: {version}"
        );
    }
}
