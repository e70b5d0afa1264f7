//! The C ABI of gradreg: `libgradreg.so` / `libgradreg.a` with the header `include/gradreg.h`,
//! which `build.rs` generates from this crate with cbindgen.
//!
//! Conventions (DESIGN.md §6, and `docs/c.md` for C readers):
//! - every function is `gradreg_<noun>_<verb>`; handles are opaque, made by `_new` and freed by
//!   `_free` (`_free(NULL)` is a no-op);
//! - arguments: the handle first, then inputs, then `*_out` outputs, which are written only on
//!   success; text and byte inputs are a pointer followed by a length;
//! - every function that can fail returns a `uint32_t` result code, 0 for success, grouped by
//!   hundreds and never reused; `gradreg_result_str` describes a code and `gradreg_last_error`
//!   copies the thread's last error detail into a caller's buffer;
//! - records cross as UTF-8 JSON in the core's serde forms; strings and buffers the library
//!   returns are freed only with `gradreg_string_free` and `gradreg_bytes_free`;
//! - every entry point catches panics and checks every pointer and handle.
#![deny(missing_docs)]
#![allow(non_camel_case_types)]

pub mod codes;
pub mod forms;
pub mod keyring;
pub mod lifecycle;
pub mod records;
pub mod registry;
pub mod roster;
mod support;
pub mod verify;
