//! The C ABI of gradreg: the C library `libgradreg.so` / `libgradreg.a` (this crate's lib target
//! is `gradreg_ffi`; `scripts/build-c.sh` builds it and puts the C library's files in place) with
//! the header `include/gradreg.h`, which `scripts/gen-header.sh` generates from this crate and the
//! core's codes with cbindgen.
//!
//! Conventions (`docs/c.md` explains them for C readers):
//! - every function is `gradreg_<noun>_<verb>`; handles are opaque, made by `_new` and freed by
//!   `_free` (`_free(NULL)` is a no-op);
//! - arguments: the handle first, then inputs, then `*_out` outputs, which are written only on
//!   success; every input buffer is one argument passed by value, a
//!   [`gradreg_str`](args::gradreg_str) for text and a [`gradreg_bytes`](args::gradreg_bytes) for
//!   binary data;
//! - every function that can fail returns a `uint32_t` result code: `GRADREG_OK` (0) or a code of
//!   the core's [`gradreg::ErrorCode`], grouped by hundreds and never reused;
//!   `gradreg_result_str` describes a code and `gradreg_last_error` copies the thread's last error
//!   detail into a caller's buffer;
//! - records cross as UTF-8 JSON in the core's serde forms; strings and buffers the library
//!   returns are freed only with `gradreg_string_free` and `gradreg_bytes_free`;
//! - every entry point catches panics and checks every pointer and handle.
#![deny(missing_docs)]
#![allow(non_camel_case_types)]

pub mod args;
pub mod codes;
pub mod exchange;
pub mod forms;
pub mod keyring;
pub mod keys;
pub mod lifecycle;
pub mod limits;
pub mod lookups;
pub mod notify;
pub mod offline;
pub mod records;
pub mod registry;
pub mod roster;
mod support;
pub mod verify;
pub mod worklists;
