//! Scalar and list validators: one value (or a list of values) in, the problem's code (or
//! `None` when valid) out, with no JSON between Python and the core.
//!
//! A scalar call borrows the Python string and keeps the GIL (the work is shorter than
//! releasing it); a list call borrows every string, then releases the GIL for the whole list.
//! Answers are the core's: the ID number's through [`gradreg::validate::check_id_number`], the
//! numbers' through their parsers, the codes' through the built-in code tables; the credit
//! code's follow the order of the core's record rule (empty, length, control characters,
//! spreadsheet damage, shape, check character) from the core's public pieces.

use std::panic::{catch_unwind, AssertUnwindSafe};

use gradreg::validate::{
    check_id_number as core_check_id_number, credit_check_character, spreadsheet_damage,
    ProblemCode, MAX_FIELD_CHARS,
};
use gradreg::{CodeTables, Table, TransferNumber, VerificationNumber};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;

use crate::errors::run;
use crate::records::parse_table;

/// Longest credit code text the core's record rule reads, in characters.
const CREDIT_MAX_CHARS: usize = 24;
/// The GB 32100 alphabet: digits and upper-case letters without I, O, S, V, Z.
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Longest code text the core's record rule reads, in characters.
const CODE_MAX_CHARS: usize = 16;

/// The characters of `value` and whether any is a control character (C0, DEL or C1).
fn chars_and_control(value: &str) -> (usize, bool) {
    let mut n = 0;
    let mut control = false;
    for c in value.chars() {
        n += 1;
        control |= c.is_control();
    }
    (n, control)
}

/// The problem of a text field before its own rule: empty, too long or holding control
/// characters; then spreadsheet damage of a field that should hold digits.
fn text_problem(value: &str, max: usize) -> Option<ProblemCode> {
    if value.trim().is_empty() {
        return Some(ProblemCode::Required);
    }
    let (n, control) = chars_and_control(value);
    if n > max.min(MAX_FIELD_CHARS) {
        return Some(ProblemCode::TooLong);
    }
    if control {
        return Some(ProblemCode::BadFormat);
    }
    spreadsheet_damage(value)
}

/// The first problem of an ID number (GB 11643), as the core's record rule reports it.
fn id_number(value: &str) -> Option<&'static str> {
    core_check_id_number(value, None, CodeTables::builtin())
        .first()
        .map(|p| p.code.as_str())
}

/// The problem of a unified social credit code (GB 32100).
fn credit_code(value: &str) -> Option<&'static str> {
    if let Some(p) = text_problem(value, CREDIT_MAX_CHARS) {
        return Some(p.as_str());
    }
    let b = value.as_bytes();
    if b.len() != 18 || !value.is_ascii() || !CREDIT_ALPHABET.contains(&b[17]) {
        return Some(ProblemCode::BadFormat.as_str());
    }
    match credit_check_character(&value[..17]) {
        Some(c) if c as u8 == b[17] => None,
        Some(_) => Some(ProblemCode::BadCheckCharacter.as_str()),
        None => Some(ProblemCode::BadFormat.as_str()),
    }
}

/// The problem of a 6-digit region code (GB/T 2260) against the built-in list.
fn region_code(value: &str) -> Option<&'static str> {
    if let Some(p) = text_problem(value, CODE_MAX_CHARS) {
        return Some(p.as_str());
    }
    if value.len() != 6 || !value.bytes().all(|b| b.is_ascii_digit()) {
        Some(ProblemCode::BadFormat.as_str())
    } else if !CodeTables::builtin().region_known(value) {
        Some(ProblemCode::UnknownRegion.as_str())
    } else {
        None
    }
}

/// The problem of a code of a built-in code table.
fn table_code(table: Table, value: &str) -> Option<&'static str> {
    if matches!(table, Table::Regions) {
        return region_code(value);
    }
    if let Some(p) = text_problem(value, CODE_MAX_CHARS) {
        return Some(p.as_str());
    }
    if CodeTables::builtin().contains(table, value) {
        None
    } else {
        Some(ProblemCode::UnknownCode.as_str())
    }
}

/// The error code name of a verification number that does not parse.
fn verification_number(value: &str) -> Option<&'static str> {
    VerificationNumber::parse(value)
        .err()
        .map(|e| e.code().name())
}

/// The error code name of a transfer number (转递编号) that does not parse.
fn transfer_number(value: &str) -> Option<&'static str> {
    TransferNumber::parse(value).err().map(|e| e.code().name())
}

/// Runs `check` on one value with the GIL held; a panic becomes the package's `panic` error.
fn one(
    py: Python<'_>,
    value: &str,
    check: fn(&str) -> Option<&'static str>,
) -> PyResult<Option<&'static str>> {
    match catch_unwind(AssertUnwindSafe(|| check(value))) {
        Ok(v) => Ok(v),
        Err(_) => run(py, || {
            Err(gradreg::Error::InvalidArgument(
                "the check of this value failed".into(),
            ))
        }),
    }
}

/// Runs `check` on every value with the GIL released.
fn many(
    py: Python<'_>,
    values: Vec<PyBackedStr>,
    check: fn(&str) -> Option<&'static str>,
) -> PyResult<Vec<Option<&'static str>>> {
    run(py, move || Ok(values.iter().map(|v| check(v)).collect()))
}

/// The first problem code of an ID number (居民身份证号, GB 11643), or `None` when valid.
#[pyfunction]
fn check_id_number(py: Python<'_>, value: PyBackedStr) -> PyResult<Option<&'static str>> {
    one(py, &value, id_number)
}

/// `check_id_number` of every value, in order.
#[pyfunction]
fn check_id_numbers(
    py: Python<'_>,
    values: Vec<PyBackedStr>,
) -> PyResult<Vec<Option<&'static str>>> {
    many(py, values, id_number)
}

/// The problem code of a unified social credit code (统一社会信用代码, GB 32100), or `None`.
#[pyfunction]
fn check_credit_code(py: Python<'_>, value: PyBackedStr) -> PyResult<Option<&'static str>> {
    one(py, &value, credit_code)
}

/// `check_credit_code` of every value, in order.
#[pyfunction]
fn check_credit_codes(
    py: Python<'_>,
    values: Vec<PyBackedStr>,
) -> PyResult<Vec<Option<&'static str>>> {
    many(py, values, credit_code)
}

/// The problem code of a region code (行政区划代码, GB/T 2260), or `None` when known.
#[pyfunction]
fn check_region_code(py: Python<'_>, value: PyBackedStr) -> PyResult<Option<&'static str>> {
    one(py, &value, region_code)
}

/// `check_region_code` of every value, in order.
#[pyfunction]
fn check_region_codes(
    py: Python<'_>,
    values: Vec<PyBackedStr>,
) -> PyResult<Vec<Option<&'static str>>> {
    many(py, values, region_code)
}

/// The error code name of a verification number that does not parse, or `None`.
#[pyfunction]
fn check_verification_number(py: Python<'_>, value: PyBackedStr) -> PyResult<Option<&'static str>> {
    one(py, &value, verification_number)
}

/// `check_verification_number` of every value, in order.
#[pyfunction]
fn check_verification_numbers(
    py: Python<'_>,
    values: Vec<PyBackedStr>,
) -> PyResult<Vec<Option<&'static str>>> {
    many(py, values, verification_number)
}

/// The error code name of a transfer number that does not parse, or `None`.
#[pyfunction]
fn check_transfer_number(py: Python<'_>, value: PyBackedStr) -> PyResult<Option<&'static str>> {
    one(py, &value, transfer_number)
}

/// `check_transfer_number` of every value, in order.
#[pyfunction]
fn check_transfer_numbers(
    py: Python<'_>,
    values: Vec<PyBackedStr>,
) -> PyResult<Vec<Option<&'static str>>> {
    many(py, values, transfer_number)
}

/// The problem code of a code of the built-in table `table`, or `None` when known.
#[pyfunction]
fn check_code(py: Python<'_>, table: &str, value: PyBackedStr) -> PyResult<Option<&'static str>> {
    let t = run(py, || parse_table(table))?;
    Ok(table_code(t, &value))
}

/// `check_code` of every value, in order.
#[pyfunction]
fn check_codes(
    py: Python<'_>,
    table: &str,
    values: Vec<PyBackedStr>,
) -> PyResult<Vec<Option<&'static str>>> {
    let t = run(py, || parse_table(table))?;
    run(py, move || {
        Ok(values.iter().map(|v| table_code(t, v)).collect())
    })
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(check_id_number, m)?)?;
    m.add_function(wrap_pyfunction!(check_id_numbers, m)?)?;
    m.add_function(wrap_pyfunction!(check_credit_code, m)?)?;
    m.add_function(wrap_pyfunction!(check_credit_codes, m)?)?;
    m.add_function(wrap_pyfunction!(check_region_code, m)?)?;
    m.add_function(wrap_pyfunction!(check_region_codes, m)?)?;
    m.add_function(wrap_pyfunction!(check_verification_number, m)?)?;
    m.add_function(wrap_pyfunction!(check_verification_numbers, m)?)?;
    m.add_function(wrap_pyfunction!(check_transfer_number, m)?)?;
    m.add_function(wrap_pyfunction!(check_transfer_numbers, m)?)?;
    m.add_function(wrap_pyfunction!(check_code, m)?)?;
    m.add_function(wrap_pyfunction!(check_codes, m)?)?;
    Ok(())
}
