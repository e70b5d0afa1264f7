//! The gradreg token verifier for the browser: the core's verification (number parsing, token
//! decoding, signature check against a published key set, time window, section, offline status
//! lists, disclosure) compiled to `wasm32-unknown-unknown`, with a small C-style export surface.
//! `web/pkg/gradreg.mjs` is the JavaScript wrapper; nothing else is needed (no wasm-bindgen).
//!
//! Conventions of the exports:
//! - text goes in as UTF-8 bytes the caller copies into memory from [`gr_alloc`] (and frees with
//!   [`gr_free`]);
//! - every call that answers puts its JSON answer in one result buffer, read with
//!   [`gr_result_ptr`] and [`gr_result_len`] and valid until the next call;
//! - calls that can fail return 0 or the core's error code (the answer is then
//!   `{"error":{"code","name","message"}}`);
//! - verifiers are handles from [`gr_verifier_new`], freed with [`gr_verifier_free`].
//!
//! Nothing here needs randomness: the wasm build selects getrandom's `unsupported` backend
//! (`web/build.sh`), so a call that would need it fails instead of linking a JS shim.
#![deny(missing_docs)]

pub mod api;

use std::cell::RefCell;

use api::{error_json, ApiResult, Verifier};
use serde_json::Value;

thread_local! {
    static VERIFIERS: RefCell<Vec<Option<Verifier>>> = const { RefCell::new(Vec::new()) };
    static RESULT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn set_result(value: &Value) {
    let text = value.to_string().into_bytes();
    RESULT.with(|r| *r.borrow_mut() = text);
}

fn answer(result: ApiResult) -> u32 {
    match result {
        Ok(v) => {
            set_result(&v);
            0
        }
        Err(e) => {
            set_result(&error_json(&e));
            e.code() as u32
        }
    }
}

/// Reads caller-written text.
///
/// # Safety
/// `ptr` must point to `len` readable bytes (or be any non-null pointer when `len` is 0).
unsafe fn text<'a>(ptr: *const u8, len: usize) -> Result<&'a str, gradreg::Error> {
    if len == 0 {
        return Ok("");
    }
    if ptr.is_null() {
        return Err(gradreg::Error::InvalidArgument("null text".into()));
    }
    // SAFETY: the caller guarantees `len` readable bytes at `ptr`.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes)
        .map_err(|_| gradreg::Error::InvalidArgument("text is not UTF-8".into()))
}

fn with_verifier(handle: u32, f: impl FnOnce(&mut Verifier) -> ApiResult) -> ApiResult {
    VERIFIERS.with(|v| {
        let mut all = v.borrow_mut();
        match usize::try_from(handle)
            .ok()
            .and_then(|h| h.checked_sub(1))
            .and_then(|i| all.get_mut(i))
        {
            Some(Some(verifier)) => f(verifier),
            _ => Err(gradreg::Error::InvalidArgument(format!(
                "no verifier with handle {handle}"
            ))),
        }
    })
}

/// Allocates `len` bytes for the caller to write text into; free them with [`gr_free`].
#[no_mangle]
pub extern "C" fn gr_alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len);
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

/// Frees memory from [`gr_alloc`].
///
/// # Safety
/// `ptr` and `len` must be exactly what [`gr_alloc`] was given and returned, freed once.
#[no_mangle]
pub unsafe extern "C" fn gr_free(ptr: *mut u8, len: usize) {
    if !ptr.is_null() {
        // SAFETY: allocated by `gr_alloc` with this capacity.
        drop(unsafe { Vec::from_raw_parts(ptr, 0, len) });
    }
}

/// Where the last answer's JSON starts.
#[no_mangle]
pub extern "C" fn gr_result_ptr() -> *const u8 {
    RESULT.with(|r| r.borrow().as_ptr())
}

/// The length in bytes of the last answer's JSON.
#[no_mangle]
pub extern "C" fn gr_result_len() -> usize {
    RESULT.with(|r| r.borrow().len())
}

/// A new verifier with no keys and no status lists; returns its handle (never 0).
#[no_mangle]
pub extern "C" fn gr_verifier_new() -> u32 {
    VERIFIERS.with(|v| {
        let mut all = v.borrow_mut();
        let index = match all.iter().position(Option::is_none) {
            Some(i) => {
                all[i] = Some(Verifier::new());
                i
            }
            None => {
                all.push(Some(Verifier::new()));
                all.len() - 1
            }
        };
        u32::try_from(index + 1).unwrap_or(0)
    })
}

/// Frees a verifier (an unknown handle is ignored).
#[no_mangle]
pub extern "C" fn gr_verifier_free(handle: u32) {
    VERIFIERS.with(|v| {
        let mut all = v.borrow_mut();
        if let Some(slot) = usize::try_from(handle)
            .ok()
            .and_then(|h| h.checked_sub(1))
            .and_then(|i| all.get_mut(i))
        {
            *slot = None;
        }
    });
}

/// Loads the issuer's published key set into a verifier ([`Verifier::load_key_set`]).
///
/// # Safety
/// `ptr` must point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gr_load_key_set(handle: u32, ptr: *const u8, len: usize) -> u32 {
    // SAFETY: forwarded.
    let t = unsafe { text(ptr, len) };
    answer(t.and_then(|t| with_verifier(handle, |v| v.load_key_set(t))))
}

/// TEST ONLY: loads a key set in test mode or a vector's `keys` ([`Verifier::load_test_keys`]).
///
/// # Safety
/// `ptr` must point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gr_load_test_keys(handle: u32, ptr: *const u8, len: usize) -> u32 {
    // SAFETY: forwarded.
    let t = unsafe { text(ptr, len) };
    answer(t.and_then(|t| with_verifier(handle, |v| v.load_test_keys(t))))
}

/// Verifies and holds a signed status list ([`Verifier::add_status_list`]).
///
/// # Safety
/// `ptr` must point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gr_add_status_list(handle: u32, ptr: *const u8, len: usize) -> u32 {
    // SAFETY: forwarded.
    let t = unsafe { text(ptr, len) };
    answer(t.and_then(|t| with_verifier(handle, |v| v.add_status_list(t))))
}

/// The status of one entry of a held list ([`Verifier::status_entry`]).
#[no_mangle]
pub extern "C" fn gr_status_entry(handle: u32, list: u32, index: u32) -> u32 {
    answer(with_verifier(handle, |v| Ok(v.status_entry(list, index))))
}

/// Verifies a scanned token ([`Verifier::verify`]); returns 0 whatever the verdict.
///
/// # Safety
/// `token_ptr` and `opts_ptr` must point to `token_len` and `opts_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gr_verify(
    handle: u32,
    token_ptr: *const u8,
    token_len: usize,
    opts_ptr: *const u8,
    opts_len: usize,
) -> u32 {
    // SAFETY: forwarded.
    let args =
        unsafe { text(token_ptr, token_len).and_then(|t| Ok((t, text(opts_ptr, opts_len)?))) };
    answer(args.and_then(|(t, o)| with_verifier(handle, |v| v.verify(t, o))))
}

/// Parses a typed verification or transfer number ([`api::parse_number`]).
///
/// # Safety
/// `ptr` must point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gr_parse_number(ptr: *const u8, len: usize) -> u32 {
    // SAFETY: forwarded.
    let t = unsafe { text(ptr, len) };
    answer(t.map(api::parse_number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call_with(text: &str, f: impl FnOnce(*const u8, usize) -> u32) -> (u32, Value) {
        let bytes = text.as_bytes();
        let ptr = gr_alloc(bytes.len());
        // SAFETY: `ptr` has room for `bytes.len()` bytes.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len()) };
        let rc = f(ptr, bytes.len());
        // SAFETY: allocated above with this length.
        unsafe { gr_free(ptr, bytes.len()) };
        (rc, last())
    }

    fn last() -> Value {
        // SAFETY: the result buffer holds `gr_result_len()` bytes until the next call.
        let bytes = unsafe { std::slice::from_raw_parts(gr_result_ptr(), gr_result_len()) };
        serde_json::from_slice(bytes).expect("JSON answer")
    }

    #[test]
    fn the_exports_exchange_json_through_memory() {
        let h = gr_verifier_new();
        assert_ne!(h, 0);
        // SAFETY (all calls below): pointers from `gr_alloc` with their lengths.
        let (rc, v) = call_with("{", |p, n| unsafe { gr_load_key_set(h, p, n) });
        assert_eq!(rc, 311);
        assert_eq!(v["error"]["name"], "key_set_invalid");
        let (rc, v) = call_with("9d5m pjtb 9d5m pjtm", |p, n| unsafe {
            gr_parse_number(p, n)
        });
        assert_eq!((rc, &v["number"]), (0, &json_str("9D5M-PJTB-9D5M-PJTM")));
        // A token verified with no keys loaded: a typed error, not a verdict.
        let (rc, v) = call_with("GR2.AAAA", |p, n| {
            let o = br#"{"now":0}"#;
            unsafe { gr_verify(h, p, n, o.as_ptr(), o.len()) }
        });
        assert_eq!(rc, gradreg::ErrorCode::InvalidArgument as u32);
        assert_eq!(v["error"]["code"], rc);
        // Text that is not UTF-8, and a freed handle.
        let bad = [0xffu8, 0xfe];
        assert_ne!(unsafe { gr_load_key_set(h, bad.as_ptr(), bad.len()) }, 0);
        gr_verifier_free(h);
        assert_ne!(gr_status_entry(h, 0, 0), 0);
        // The slot is reused.
        assert_eq!(gr_verifier_new(), h);
        gr_verifier_free(h);
    }

    fn json_str(s: &str) -> Value {
        Value::String(s.into())
    }
}
