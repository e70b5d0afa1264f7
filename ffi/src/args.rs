//! The two argument types of every input buffer: `gradreg_str` for text and `gradreg_bytes` for
//! binary data, each a pointer and a length passed by value as one argument.

use std::ffi::{c_char, CStr};

/// Text passed to the library: `len` bytes of UTF-8 at `ptr`. No NUL terminator is needed, and
/// none is read: the library reads exactly `len` bytes, during the call only.
///
/// - `{ptr, len}` with `ptr` not NULL: the text (`len` may be 0 for the empty text).
/// - `{NULL, 0}` (`GRADREG_STR_NONE`): no text. An optional argument (documented "may be none")
///   is then absent and takes its default; a required one fails with
///   `GRADREG_ERR_NULL_ARGUMENT`.
/// - `{NULL, len > 0}`: always `GRADREG_ERR_NULL_ARGUMENT`.
///
/// Text that is not UTF-8 fails with `GRADREG_ERR_INVALID_UTF8`. Make one with
/// `GRADREG_STR("literal")`, `gradreg_str_from_c(s)` for a NUL-terminated string, or
/// `(gradreg_str){buf, n}`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct gradreg_str {
    /// The first byte of the text; NULL only with `len` 0, for no text.
    pub ptr: *const c_char,
    /// The length of the text in bytes (not characters), without any NUL.
    pub len: usize,
}

/// Binary data passed to the library (key material, the contents of a file): `len` bytes at
/// `ptr`, read during the call only (key material is copied into the key ring).
///
/// `{NULL, 0}` is no data and, like `{NULL, len > 0}`, fails with `GRADREG_ERR_NULL_ARGUMENT`
/// (every binary argument is required); `{ptr, 0}` with `ptr` not NULL is empty data.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct gradreg_bytes {
    /// The first byte; never NULL for data.
    pub ptr: *const u8,
    /// The number of bytes.
    pub len: usize,
}

/// Wraps a NUL-terminated string as a `gradreg_str` (its length counted up to the NUL, which is
/// not included). NULL gives `{NULL, 0}`, no text. The result points into `s`: keep `s` alive
/// while the result is used.
///
/// Leaves this thread's last error alone. Thread-safe.
///
/// # Safety
/// `s` must be NULL or point to a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn gradreg_str_from_c(s: *const c_char) -> gradreg_str {
    if s.is_null() {
        return gradreg_str {
            ptr: std::ptr::null(),
            len: 0,
        };
    }
    // SAFETY: the caller promises a NUL-terminated string at `s`.
    let len = unsafe { CStr::from_ptr(s) }.to_bytes().len();
    gradreg_str { ptr: s, len }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_c_counts_bytes_without_the_nul() {
        let s = c"张明";
        // SAFETY: a NUL-terminated literal.
        let g = unsafe { gradreg_str_from_c(s.as_ptr()) };
        assert_eq!(g.len, "张明".len());
        assert_eq!(g.ptr, s.as_ptr());
        // SAFETY: NULL is allowed.
        let none = unsafe { gradreg_str_from_c(std::ptr::null()) };
        assert!(none.ptr.is_null());
        assert_eq!(none.len, 0);
    }
}
