//! The pure state machine and reminders: JSON in, JSON out, no state kept by the library.

use std::ffi::c_char;

use gradreg::{Actor, CodeTables, Command, Context, Registration, ReminderOptions};

use crate::args::gradreg_str;
use crate::support::{
    guard, instant_arg, json_arg, json_object, json_string, opt_str_arg, policy_arg, str_arg, Out,
};

/// A new, empty registration under the caller's key, as JSON.
///
/// - `id`: the caller's key for the graduate (for example
///   `"10327:2022010123"`, school code and student number).
/// - `registration_json_out`: receives `{"id":"10327:2022010123","version":0,"data_version":0,
///   "basic_status":"not_uploaded","destination_status":"not_reported","late":false,
///   "authorizations":[]}`; free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_INVALID_ARGUMENT` for a key that is empty, longer than 256
/// bytes or holds a control character (NUL, line breaks …); `GRADREG_ERR_NULL_ARGUMENT` or
/// `GRADREG_ERR_INVALID_UTF8`. Thread-safe.
///
/// # Safety
/// `id` must be `{NULL, 0}` or point to `id.len` readable bytes; `registration_json_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registration_new(
    id: gradreg_str,
    registration_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(registration_json_out, "registration_json_out")?;
        // SAFETY: forwarded.
        let id = unsafe { str_arg(id, "id") }?;
        gradreg::check_registration_id(id)?;
        out.write(json_string(&Registration::new(id))?);
        Ok(())
    })
}

/// Applies one command of the registration state machine to a registration, purely: the
/// library keeps nothing; store the returned registration yourself (or use a
/// `gradreg_registry`, which stores it with a version check).
///
/// - `registration_json`: the registration as returned by `gradreg_registration_new` or by an
///   earlier apply (the `registration` member of its outcome).
/// - `actor_json`: who acts, tagged by `role`:
///   `{"role":"graduate","id_number":"320102200403151213"}`, `{"role":"chsi"}`,
///   `{"role":"counselor","id":"fdy07","school":"10327","college":"会计学院"}`,
///   `{"role":"school_office","id":"jyc01","school":"10327"}`,
///   `{"role":"provincial_platform","id":"js24365"}`, `{"role":"archive_dept","id":"…","name":"…"}`,
///   `{"role":"hukou_dept","id":"…","name":"…"}`. Staff of a school (counselor, school office)
///   act for their own school only (`school` is the 院校代码 of the graduate's record), a
///   counselor for their own college of it.
/// - `command_json`: what to do, tagged by `command`: `{"command":"upload_basic_info","info":{…}}`,
///   `{"command":"correct_basic_info","info":{…}}`,
///   `{"command":"update_chsi_account","account":{…}}`, `{"command":"login"}`,
///   `{"command":"confirm_basic_info"}`,
///   `{"command":"request_basic_info_correction","note":"…"}`,
///   `{"command":"report_destination","data":{…}}` (see `gradreg_destination_validate`),
///   `{"command":"confirm_destination"}`, `{"command":"dispute_destination","reason":"…"}`,
///   `{"command":"file_void_request","reason":"…"}`, `{"command":"withdraw_void_request"}`,
///   `{"command":"approve_void_request","note":""}`,
///   `{"command":"reject_void_request","note":"…"}`,
///   `{"command":"grant_change_override","reason":"…"}`,
///   `{"command":"authorize","validity_days":30}` (`validity_days` optional),
///   `{"command":"extend_authorization","number":"XXXX-XXXX-XXXX-XXXX","validity_days":60}`,
///   `{"command":"revoke_authorization","number":"…"}`,
///   `{"command":"record_verification","number":"…","section":"archive"}`.
/// - `policy_json`: `"jiangsu"`, `"national"`, or a policy object
///   `{"name":"x","registration_deadline":{"month":6,"day":15},
///   "change_deadline":{"month":8,"day":15},
///   "validity":{"min_days":1,"default_days":30,"max_days":180}}`, optionally with graduation
///   batches `"batches":[{"name":"winter","from_month":9,"to_month":12,
///   "registration_deadline":{"month":6,"day":15},"change_deadline":{"month":8,"day":15},
///   "year_offset":1}]`.
/// - `now_unix`: the instant of the command, seconds since 1970-01-01T00:00:00Z.
/// - `outcome_json_out`: receives `{"registration":{…},"events":[{"kind":"confirmation_requested",
///   "recipient":{"to":"graduate"},"registration_id":"…","message_zh":"…","message_en":"…"}],
///   "audit":{"registration_id":"…","at":"2026-05-01T02:00:00Z","actor":{…},"action":"…",
///   "version_before":3,"version_after":4,"data_version_before":1,"data_version_after":1,
///   "summary":"…"}}`; free it with `gradreg_string_free`.
///
/// Randomness for new verification numbers comes from the operating system.
///
/// Returns `GRADREG_OK`; a 2xx code when the state machine refuses (the detail says why; for
/// `GRADREG_ERR_LOGIN_REFUSED` it lists every reason with its remedy); `GRADREG_ERR_INVALID_RECORD`
/// when a record in the command is invalid (the detail lists every problem);
/// `GRADREG_ERR_MALFORMED_JSON`, `GRADREG_ERR_INVALID_POLICY`, `GRADREG_ERR_INVALID_ARGUMENT`,
/// `GRADREG_ERR_NULL_ARGUMENT`, `GRADREG_ERR_INVALID_UTF8`. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes;
/// `outcome_json_out` must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_registration_apply(
    registration_json: gradreg_str,
    actor_json: gradreg_str,
    command_json: gradreg_str,
    policy_json: gradreg_str,
    now_unix: i64,
    outcome_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(outcome_json_out, "outcome_json_out")?;
        // SAFETY: forwarded.
        let (reg, actor, command, policy) = unsafe {
            (
                str_arg(registration_json, "registration_json")?,
                str_arg(actor_json, "actor_json")?,
                str_arg(command_json, "command_json")?,
                str_arg(policy_json, "policy_json")?,
            )
        };
        let reg: Registration = json_object(reg, "registration_json")?;
        let actor: Actor = json_object(actor, "actor_json")?;
        let command: Command = json_object(command, "command_json")?;
        let policy = policy_arg(policy, "policy_json")?;
        let now = instant_arg(now_unix)?;
        let mut ctx = Context::new(now, &policy);
        ctx.tables = CodeTables::builtin();
        ctx.entropy = Context::os_entropy()?;
        let outcome = gradreg::apply(&reg, &actor, &command, &ctx)?;
        out.write(json_string(&outcome)?);
        Ok(())
    })
}

/// The stage of a registration at an instant, as a static snake_case name: `not_uploaded`,
/// `not_logged_in`, `basic_info_review`, `correction_requested`, `awaiting_report`,
/// `awaiting_confirmation`, `disputed`, `void_requested`, `change_open`, `confirmed` or
/// `authorized`.
///
/// - `registration_json`: a registration (see `gradreg_registration_apply`).
/// - `now_unix`: seconds since 1970-01-01T00:00:00Z.
/// - `stage_out`: receives a static string; do not free it.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_MALFORMED_JSON`, `GRADREG_ERR_INVALID_ARGUMENT`,
/// `GRADREG_ERR_NULL_ARGUMENT`, `GRADREG_ERR_INVALID_UTF8`. Thread-safe.
///
/// # Safety
/// `registration_json` must be `{NULL, 0}` or point to its `len` readable bytes; `stage_out`
/// must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registration_stage(
    registration_json: gradreg_str,
    now_unix: i64,
    stage_out: *mut *const c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(stage_out, "stage_out")?;
        // SAFETY: forwarded.
        let text = unsafe { str_arg(registration_json, "registration_json") }?;
        let reg: Registration = json_object(text, "registration_json")?;
        let stage = reg.stage(instant_arg(now_unix)?);
        out.write(stage_name(stage).as_ptr());
        Ok(())
    })
}

fn stage_name(stage: gradreg::Stage) -> &'static std::ffi::CStr {
    use gradreg::Stage as S;
    match stage {
        S::NotUploaded => c"not_uploaded",
        S::NotLoggedIn => c"not_logged_in",
        S::BasicInfoReview => c"basic_info_review",
        S::CorrectionRequested => c"correction_requested",
        S::AwaitingReport => c"awaiting_report",
        S::AwaitingConfirmation => c"awaiting_confirmation",
        S::Disputed => c"disputed",
        S::VoidRequested => c"void_requested",
        S::ChangeOpen => c"change_open",
        S::Confirmed => c"confirmed",
        S::Authorized => c"authorized",
    }
}

/// Parses optional reminder options (none means the defaults) and checks their ranges.
pub(crate) fn reminder_options(text: Option<&str>) -> crate::support::FfiResult<ReminderOptions> {
    let options = match text {
        None => ReminderOptions::default(),
        Some(t) => json_object(t, "options_json")?,
    };
    options.check()?;
    Ok(options)
}

/// The reminders (消息提醒) due for a set of registrations at an instant: deadline near or
/// missed with nothing reported, basic information unreviewed, destination unconfirmed, dispute
/// open, authorization expiring, never logged in, void request pending, change deadline near.
/// Messages are Chinese first; each reminder has a stable `id` (the same reminder computed later
/// has the same id: send each id once).
///
/// - `registrations_json`: a JSON array of registrations.
/// - `policy_json`: as in `gradreg_registration_apply`.
/// - `options_json`: may be none (`GRADREG_STR_NONE`) for the defaults; else
///   `{"deadline_within_days":7,"unconfirmed_after_days":3,"expiring_within_days":3,
///   "change_deadline_within_days":7}` (the first three fields required).
/// - `now_unix`: seconds since 1970-01-01T00:00:00Z.
/// - `reminders_json_out`: receives an array of `{"id":"…","registration_id":"…",
///   "recipient":{"to":"graduate"},"kind":"deadline_approaching","days_left":3,
///   "message_zh":"…","message_en":"…"}` (`kind` is one of `deadline_approaching`
///   (`days_left`), `deadline_missed`, `basic_info_unreviewed`, `unconfirmed`
///   (`days_waiting`), `dispute_open`, `authorization_expiring` (`number`, `valid_until`),
///   `never_logged_in` (`reasons`), `void_request_pending` (`stage`, `days_waiting`),
///   `change_deadline_approaching` (`days_left`));
///   free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_MALFORMED_JSON`, `GRADREG_ERR_INVALID_POLICY`,
/// `GRADREG_ERR_INVALID_ARGUMENT`, `GRADREG_ERR_NULL_ARGUMENT`, `GRADREG_ERR_INVALID_UTF8`.
/// Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes;
/// `reminders_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_reminders_compute(
    registrations_json: gradreg_str,
    policy_json: gradreg_str,
    options_json: gradreg_str,
    now_unix: i64,
    reminders_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(reminders_json_out, "reminders_json_out")?;
        // SAFETY: forwarded.
        let (regs, policy, options) = unsafe {
            (
                str_arg(registrations_json, "registrations_json")?,
                str_arg(policy_json, "policy_json")?,
                opt_str_arg(options_json, "options_json")?,
            )
        };
        let regs: Vec<Registration> = json_arg(regs, "registrations_json")?;
        let policy = policy_arg(policy, "policy_json")?;
        let options = reminder_options(options)?;
        let due = gradreg::reminders(&regs, &policy, instant_arg(now_unix)?, &options);
        out.write(json_string(&due)?);
        Ok(())
    })
}
