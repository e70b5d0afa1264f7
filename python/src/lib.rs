//! The Python extension of gradreg: the native module `gradreg._native`.
//!
//! The module speaks the core's serde JSON: records, actors, commands, policies and results cross
//! as JSON text, and the pure-Python package `gradreg` turns them into typed objects whose
//! classes it builds from the schema this module returns ([`records`]). Instants cross as RFC 3339
//! text. Every call that does real work releases the GIL ([`Python::detach`]) and catches panics,
//! so a bug in the core becomes an `InternalError` (code 990), never a crash; the module's panic
//! hook keeps such a caught panic off the host's stderr.
//!
//! Errors become the package's exceptions ([`errors`]): `gradreg._errors` chooses the class of a
//! code from the core's code table, which this module also exports, so the hierarchy is defined
//! once, in Python, and the codes once, in the core.
//!
//! One module per domain: [`errors`] (conversions, the code table), [`records`] (validation,
//! samples, tables, the schema), [`lifecycle`] (the state machine), [`codes`] (numbers, key rings,
//! tokens, verification), [`keys`] (key stores, key sets, status lists, offline
//! verification), [`forms`], [`registry`], [`notify`] (consumer cursors, sent reminders, the
//! webhook), [`roster`], [`worklists`] (statistics of a subset and the staff work lists) and
//! [`validators`] (one value or a list of values checked with no JSON in between).
#![deny(missing_docs)]

use pyo3::prelude::*;

pub mod codes;
pub mod errors;
pub mod forms;
pub mod keys;
pub mod lifecycle;
pub mod notify;
pub mod objects;
pub mod records;
pub mod registry;
pub mod roster;
pub mod validators;
pub mod worklists;

/// The native module `gradreg._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::install_panic_hook();
    errors::register(m)?;
    records::register(m)?;
    lifecycle::register(m)?;
    codes::register(m)?;
    keys::register(m)?;
    forms::register(m)?;
    registry::register(m)?;
    notify::register(m)?;
    roster::register(m)?;
    validators::register(m)?;
    worklists::register(m)
}
