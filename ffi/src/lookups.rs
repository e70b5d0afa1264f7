//! Cohort lookups of the registry (one ID number may hold one registration per cohort) and
//! transfer numbers (转递编号): issued at random or from given entropy, parsed and formatted.

use std::ffi::c_char;

use gradreg::{Error, Registration, TransferNumber};
use serde_json::{json, Value};

use crate::args::{gradreg_bytes, gradreg_str};
use crate::registry::{get, read};
use crate::support::{bytes_arg, guard, json_string, owned_c_string, str_arg, Out};

/// A registration with its cohort: `{"cohort":{"graduation_year":2026,"education_level":"11"},
/// "registration":{…}}` (`cohort` null when the registration has no basic information).
fn with_cohort(reg: &Registration) -> Value {
    json!({ "cohort": reg.cohort(), "registration": reg })
}

/// Every registration of an ID number (any case), one per cohort (graduation year and education
/// level), newest cohort first.
///
/// - `id_number`: the 身份证号.
/// - `registrations_json_out`: receives an array of `{"cohort":{"graduation_year":2026,
///   "education_level":"11"},"registration":{…}}` (the registration as in
///   `gradreg_registry_get`), empty when the number is unknown; free it with
///   `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, 5xx, and the argument and handle codes. Thread-safe.
///
/// # Safety
/// `id_number` must be `{NULL, 0}` or point to its `len` readable bytes;
/// `registrations_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_find_by_id_number(
    registry: *const crate::registry::gradreg_registry,
    id_number: gradreg_str,
    registrations_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(registrations_json_out, "registrations_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let id_number = unsafe { str_arg(id_number, "id_number") }?;
        let found: Vec<Value> = reg
            .find_by_id_number(id_number)?
            .iter()
            .map(with_cohort)
            .collect();
        out.write(json_string(&found)?);
        Ok(())
    })
}

/// The registration of an ID number in one cohort.
///
/// - `id_number`: the 身份证号.
/// - `graduation_year`: the cohort's graduation year.
/// - `education_level`: its 学历代码 (`"31"` 本科生毕业, `"11"` 硕士生毕业 …).
/// - `registration_json_out`: receives `{"cohort":{…},"registration":{…}}` as in
///   `gradreg_registry_find_by_id_number`; free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_NOT_FOUND` when the number has no registration in that
/// cohort, other 5xx codes, and the argument and handle codes. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes;
/// `registration_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_find_by_id_number_in(
    registry: *const crate::registry::gradreg_registry,
    id_number: gradreg_str,
    graduation_year: i32,
    education_level: gradreg_str,
    registration_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(registration_json_out, "registration_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let id_number = unsafe { str_arg(id_number, "id_number") }?;
        // SAFETY: forwarded.
        let level = unsafe { str_arg(education_level, "education_level") }?;
        let found = reg
            .find_by_id_number_in(id_number, graduation_year, level)?
            .ok_or_else(|| Error::NotFound(format!("{id_number} ({graduation_year}, {level})")))?;
        out.write(json_string(&with_cohort(&found))?);
        Ok(())
    })
}

/// A new transfer number (转递编号) from the operating system's random source.
///
/// - `number_out`: receives it as `ZD-XXXX-XXXX-XXXX`; free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_INVALID_ARGUMENT` when the random source fails,
/// `GRADREG_ERR_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
/// `number_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_transfer_number_random(number_out: *mut *mut c_char) -> u32 {
    guard(|| {
        let out = Out::new(number_out, "number_out")?;
        out.write(owned_c_string(TransferNumber::random()?.to_string())?);
        Ok(())
    })
}

/// A transfer number from 16 bytes of caller-supplied entropy (for tests and reproducible
/// examples): the low 55 bits of the first 7 bytes, read big-endian, as Rust's
/// `TransferNumber::from_entropy`.
///
/// - `entropy`: exactly 16 bytes.
/// - `number_out`: receives it as `ZD-XXXX-XXXX-XXXX`; free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_INVALID_ARGUMENT` for another length,
/// `GRADREG_ERR_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
/// `entropy` must be `{NULL, 0}` or point to its `len` readable bytes; `number_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_transfer_number_from_entropy(
    entropy: gradreg_bytes,
    number_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(number_out, "number_out")?;
        // SAFETY: forwarded.
        let bytes = unsafe { bytes_arg(entropy, "entropy") }?;
        let entropy: [u8; 16] = bytes.try_into().map_err(|_| {
            Error::InvalidArgument(format!("entropy must be 16 bytes, got {}", bytes.len()))
        })?;
        out.write(owned_c_string(
            TransferNumber::from_entropy(&entropy).to_string(),
        )?);
        Ok(())
    })
}

/// Parses a transfer number as a person types it (case, spaces and hyphens ignored, I/L read as
/// 1 and O as 0) and formats it.
///
/// - `text`: the number.
/// - `number_out`: receives it as `ZD-XXXX-XXXX-XXXX`; free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_TRANSFER_NUMBER_TYPO` (304) for a wrong check symbol,
/// `GRADREG_ERR_TRANSFER_NUMBER_MALFORMED` (303) for anything else that is not a transfer
/// number; `GRADREG_ERR_NULL_ARGUMENT`, `GRADREG_ERR_INVALID_UTF8`. Thread-safe.
///
/// # Safety
/// `text` must be `{NULL, 0}` or point to its `len` readable bytes; `number_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_transfer_number_parse(
    text: gradreg_str,
    number_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(number_out, "number_out")?;
        // SAFETY: forwarded.
        let text = unsafe { str_arg(text, "text") }?;
        out.write(owned_c_string(TransferNumber::parse(text)?.to_string())?);
        Ok(())
    })
}
