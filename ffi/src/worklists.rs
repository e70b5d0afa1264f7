//! Statistics of a subset (one school, one cohort) and the work lists of a school's staff:
//! pending void requests, batch approval, the graduates who cannot log in, and destinations
//! left unconfirmed.

use std::ffi::c_char;

use chrono::{DateTime, Utc};
use gradreg::{Actor, Query, Registry};
use serde_json::{json, Value};

use crate::args::gradreg_str;
use crate::registry::{error_json, get, gradreg_registry, read};
use crate::support::{
    guard, instant_arg, json_arg, json_object, json_string, opt_str_arg, str_arg, FfiResult,
};

/// The actor of a work list, from `actor_json`.
///
/// # Safety
/// `actor_json` must be `{NULL, 0}` or point to its `len` readable bytes.
unsafe fn actor_arg(actor_json: gradreg_str) -> FfiResult<Actor> {
    // SAFETY: forwarded.
    let text = unsafe { str_arg(actor_json, "actor_json") }?;
    json_object(text, "actor_json")
}

/// One work list of a staff member: decodes the actor and the instant, runs `list` on the
/// registry (under its read lock) and writes the result as JSON to `out`.
///
/// # Safety
/// `actor_json` must be `{NULL, 0}` or point to its `len` readable bytes; `out` must be writable.
unsafe fn work_list<T: serde::Serialize>(
    registry: *const gradreg_registry,
    actor_json: gradreg_str,
    now_unix: i64,
    out: *mut *mut c_char,
    out_name: &'static str,
    list: impl FnOnce(&Registry, &Actor, DateTime<Utc>) -> gradreg::Result<T>,
) -> u32 {
    guard(|| {
        let out = crate::support::Out::new(out, out_name)?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let actor = unsafe { actor_arg(actor_json) }?;
        out.write(json_string(&list(&reg, &actor, instant_arg(now_unix)?)?)?);
        Ok(())
    })
}

/// Statistics of the registrations matching a query at an instant: the statistics of one
/// school (`{"school":"10327"}`), one cohort (`{"graduation_year":2026,"education_level":"31"}`)
/// or any other subset.
///
/// - `query_json`: a query as in `gradreg_registry_query`, or none for the whole registry.
/// - `statistics_json_out`: receives the statistics as in `gradreg_registry_statistics`, which
///   also carry `by_destination_category` (sub-codes rolled up to their two-digit code),
///   `by_destination_province` and `by_destination_city` (`"320000"`, `"320100"`: the
///   employer's region), `destination_region_unknown`, `by_education_level`, `by_gender`,
///   `by_origin_province` (生源地), `by_graduation_year` and `by_school` (placement per school,
///   each `{"key":"10327 南京财经大学","school":"10327",…}`); free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, 5xx, and the argument and handle codes. Thread-safe.
///
/// # Safety
/// `query_json` must be `{NULL, 0}` or point to its `len` readable bytes; `statistics_json_out`
/// must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_statistics_for(
    registry: *const gradreg_registry,
    query_json: gradreg_str,
    now_unix: i64,
    statistics_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = crate::support::Out::new(statistics_json_out, "statistics_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let query = unsafe { opt_str_arg(query_json, "query_json") }?;
        let query: Query = match query {
            Some(t) => json_object(t, "query_json")?,
            None => Query::default(),
        };
        out.write(json_string(
            &reg.statistics_for(&query, instant_arg(now_unix)?)?,
        )?);
        Ok(())
    })
}

/// The void requests awaiting an actor's decision, oldest first: a counselor's
/// (`{"role":"counselor","id":"fdy01","school":"10327","college":"会计学院"}`) at the college
/// stage in their college of their school, a school office's
/// (`{"role":"school_office","id":"jyc01","school":"10327"}`) at the school stage in its school.
///
/// - `list_json_out`: receives an array of `{"id":"…","name":"…","school_code":"10327",
///   "college":"…","major_name":"…","stage":"awaiting_college","filed_at":"…","reason":"…",
///   "notes":[…]}`; free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_FORBIDDEN` for an actor who is not a counselor or a school
/// office; 5xx, and the argument and handle codes. Thread-safe.
///
/// # Safety
/// `actor_json` must be `{NULL, 0}` or point to its `len` readable bytes; `list_json_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_pending_void_requests(
    registry: *const gradreg_registry,
    actor_json: gradreg_str,
    now_unix: i64,
    list_json_out: *mut *mut c_char,
) -> u32 {
    // SAFETY: forwarded.
    unsafe {
        work_list(
            registry,
            actor_json,
            now_unix,
            list_json_out,
            "list_json_out",
            |r, actor, now| r.pending_void_requests(actor, now),
        )
    }
}

/// Approves the void requests of many graduates as one counselor or school office, with one
/// note, in one transaction: the accepted ones commit together, each refused one is reported.
///
/// - `ids_json`: an array of registration ids.
/// - `note`: the note (may be empty or none).
/// - `results_json_out`: receives one element per id, in order: `{"id":"…","void_stage":
///   "awaiting_school"}` (the request's stage after the approval) or `{"error":{"code":201,
///   "message":"…"},"id":"…"}` (another school's or college's graduate, a request at another
///   stage, an unknown id …); free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK` even when some ids were refused (see the results); a 5xx code when the
/// transaction failed (nothing committed); the argument and handle codes. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes;
/// `results_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_approve_void_requests(
    registry: *const gradreg_registry,
    actor_json: gradreg_str,
    ids_json: gradreg_str,
    note: gradreg_str,
    now_unix: i64,
    results_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = crate::support::Out::new(results_json_out, "results_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let (actor, ids, note) = unsafe {
            (
                actor_arg(actor_json)?,
                str_arg(ids_json, "ids_json")?,
                opt_str_arg(note, "note")?.unwrap_or(""),
            )
        };
        let ids: Vec<String> = json_arg(ids, "ids_json")?;
        let results = reg.approve_void_requests(&actor, &ids, note, instant_arg(now_unix)?)?;
        let rendered: Vec<Value> = results
            .iter()
            .map(|(id, r)| match r {
                Ok(o) => json!({
                    "id": id,
                    "void_stage": o.registration.void_request.as_ref().map(|v| v.stage),
                }),
                Err(e) => json!({ "id": id, "error": error_json(e) }),
            })
            .collect();
        out.write(json_string(&rendered)?);
        Ok(())
    })
}

/// The graduates in a counselor's or school office's scope who cannot log in now, whatever
/// their stage (a destination may already be reported), each with every reason and its remedy.
///
/// - `list_json_out`: receives an array of `{"id":"…","name":"…","school_code":"10327",
///   "college":"…","stage":"awaiting_confirmation","logged_in":false,"reasons":[{"reason":
///   "student_record_not_bound","message_zh":"…","message_en":"…"}]}`; free it with
///   `gradreg_string_free`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_FORBIDDEN` for other actors; 5xx, and the argument and
/// handle codes. Thread-safe.
///
/// # Safety
/// `actor_json` must be `{NULL, 0}` or point to its `len` readable bytes; `list_json_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_cannot_log_in(
    registry: *const gradreg_registry,
    actor_json: gradreg_str,
    now_unix: i64,
    list_json_out: *mut *mut c_char,
) -> u32 {
    // SAFETY: forwarded.
    unsafe {
        work_list(
            registry,
            actor_json,
            now_unix,
            list_json_out,
            "list_json_out",
            |r, actor, now| r.cannot_log_in(actor, now),
        )
    }
}

/// The registrations in a counselor's or school office's scope whose destination has awaited
/// the graduate's confirmation for at least `days`.
///
/// - `summaries_json_out`: receives an array of summaries as in `gradreg_registry_query`; free it
///   with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_FORBIDDEN` for other actors; 5xx, and the argument and
/// handle codes. Thread-safe.
///
/// # Safety
/// `actor_json` must be `{NULL, 0}` or point to its `len` readable bytes; `summaries_json_out`
/// must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_unconfirmed(
    registry: *const gradreg_registry,
    actor_json: gradreg_str,
    days: u32,
    now_unix: i64,
    summaries_json_out: *mut *mut c_char,
) -> u32 {
    // SAFETY: forwarded.
    unsafe {
        work_list(
            registry,
            actor_json,
            now_unix,
            summaries_json_out,
            "summaries_json_out",
            |r, actor, now| r.unconfirmed_for(actor, i64::from(days), now),
        )
    }
}
