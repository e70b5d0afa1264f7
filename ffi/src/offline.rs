//! Offline verification: the issuer's signed status lists (published by the registry, held by a
//! verifier in a `gradreg_status_lists` handle), format-2 tokens issued through the registry
//! that point at their entry, and the scan that checks a token against the lists instead of the
//! registry.

use std::ffi::c_char;
use std::sync::{Arc, PoisonError, RwLock};

use gradreg::codes::verify::verify_token_offline;
use gradreg::codes::StatusLists;
use gradreg::{Actor, VerificationNumber};
use serde_json::{json, Value};

use crate::args::gradreg_str;
use crate::keyring::{self, gradreg_keyring};
use crate::registry::{self as reg_handle, gradreg_registry};
use crate::support::{
    guard, guard_void, instant_arg, json_object, json_string, lookup, opt_str_arg, owned_c_string,
    register, release, str_arg, FfiResult, Object, Out,
};
use crate::verify::{outcome_json, scan_options, section_arg, TokenOptions};

/// The signed status lists a verifier holds (opaque), by list id, each already checked against
/// the issuer's key set; for each id the newest list is kept. Made by
/// `gradreg_status_lists_new`, filled by `gradreg_status_lists_add`, read by
/// `gradreg_token_verify_offline`, freed by `gradreg_status_lists_free`.
///
/// Thread rules: one handle may be used from several threads at once; verifying reads it,
/// adding a list writes it, and writers wait for readers. A handle is a token, not an address:
/// never dereference it.
pub struct gradreg_status_lists {
    _private: [u8; 0],
}

const KIND: &str = "gradreg_status_lists";

fn get(handle: *const gradreg_status_lists) -> FfiResult<Arc<RwLock<StatusLists>>> {
    lookup(handle as usize, "status_lists", KIND, |o| match o {
        Object::StatusLists(l) => Some(Arc::clone(l)),
        _ => None,
    })
}

/// Makes an empty set of status lists.
///
/// - `status_lists_out`: receives the handle; free it with `gradreg_status_lists_free`.
///
/// Returns `GRADREG_OK` or `GRADREG_ERR_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
/// `status_lists_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_status_lists_new(
    status_lists_out: *mut *mut gradreg_status_lists,
) -> u32 {
    guard(|| {
        let out = Out::new(status_lists_out, "status_lists_out")?;
        let token = register(Object::StatusLists(Arc::new(RwLock::new(
            StatusLists::new(),
        ))))?;
        out.write(token as *mut gradreg_status_lists);
        Ok(())
    })
}

/// Frees a set of status lists. NULL is a no-op; so is a handle that is already freed or of
/// another kind.
///
/// # Safety
/// None beyond passing a value this library returned (or NULL).
#[no_mangle]
pub unsafe extern "C" fn gradreg_status_lists_free(status_lists: *mut gradreg_status_lists) {
    guard_void(|| {
        release(status_lists as usize, |o| {
            matches!(o, Object::StatusLists(_))
        })
    });
}

/// Checks a signed status list (`GS1.…`, as published by `gradreg_registry_status_lists`)
/// with the issuer's keys and adds it: a list older than the one held for the same id is
/// ignored, a newer one replaces it.
///
/// - `keyring`: the issuer's keys (a ring from `gradreg_keyring_from_key_set` is enough). The
///   list must be signed by one of them within its signing period.
/// - `text`: the list as published (surrounding white space is ignored).
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_STATUS_LIST_INVALID` for a list that is damaged, forged,
/// signed by an unknown key or outside the key's signing period (nothing is added); and the
/// NULL, UTF-8 and handle codes. Thread-safe.
///
/// # Safety
/// `text` must be `{NULL, 0}` or point to `text.len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gradreg_status_lists_add(
    status_lists: *const gradreg_status_lists,
    keyring: *const gradreg_keyring,
    text: gradreg_str,
) -> u32 {
    guard(|| {
        let lists = get(status_lists)?;
        // SAFETY: forwarded.
        let text = unsafe { str_arg(text, "text") }?;
        let list = keyring::read(keyring, |ring| {
            Ok(gradreg::codes::StatusList::decode(text.trim(), ring)?)
        })?;
        lists
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .add(list);
        Ok(())
    })
}

/// Describes the lists held: `[{"list":0,"entries":131072,"issued_at":"2026-05-02T02:00:00Z",
/// "next_update":"2026-05-03T02:00:00Z","not_in_force":1}]`, by list id.
///
/// - `info_json_out`: free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, and the NULL and handle codes. Thread-safe.
///
/// # Safety
/// `info_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_status_lists_info(
    status_lists: *const gradreg_status_lists,
    info_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(info_json_out, "info_json_out")?;
        let lists = get(status_lists)?;
        let lists = lists.read().unwrap_or_else(PoisonError::into_inner);
        let info: Vec<Value> = lists
            .iter()
            .map(|l| {
                json!({
                    "list": l.id(),
                    "entries": l.len(),
                    "issued_at": l.issued_at(),
                    "next_update": l.next_update(),
                    "not_in_force": l.count_not_in_force(),
                })
            })
            .collect();
        out.write(json_string(&info)?);
        Ok(())
    })
}

/// Verifies a scanned token offline, without the registry: prefix, decoding, key id, signature,
/// content, time window and section as `gradreg_token_verify`, then the authorization's status
/// from the issuer's signed status lists, then the holder (printed number, name) when the
/// options give it. Every answer is a verdict, never an error. Never `valid`:
///
/// - `valid_offline` (`GRADREG_VERDICT_VALID_OFFLINE`): authentic and in force according to the
///   list, as of the list's issue time (`status_as_of`), with the disclosure the token embeds;
///   the form may be accepted.
/// - `revoked`, `superseded`: the list says it is no longer in force.
/// - `unchecked` (`GRADREG_VERDICT_UNCHECKED`): authentic, but no fresh list covers it
///   (`reason`: `no_status_pointer` for a format-1 token, `no_status_list`,
///   `stale_status_list` when `now_unix` is at or past the list's next update,
///   `status_list_not_yet_valid`, `no_such_entry`); verify online or fetch the lists again.
/// - `holder_mismatch`: authentic, but not the printed number or the named graduate.
///
/// - `keyring`: the issuer's keys (from `gradreg_keyring_from_key_set`).
/// - `status_lists`: the lists held; NULL when none are held (then every authentic token is
///   `unchecked`).
/// - `token`, `verifier_json`, `options_json`, `now_unix`: as in `gradreg_token_verify`.
/// - `verdict_out`: receives the verdict code.
/// - `verdict_json_out`: receives `{"verdict":"valid_offline","code":13,"message_zh":"…",
///   "number":"…","expires_at":"…","disclosure":{…},"status_as_of":"…",
///   "status_next_update":"…","reason":null,"failed_at":null}`; for `unchecked` also
///   `"reason":"stale_status_list","reason_zh":"…"` and `"failed_at":"status"`; for a refusal
///   `{"verdict":"revoked","code":3,"message_zh":"…","failed_at":"status"}`. Free it with
///   `gradreg_string_free`.
///
/// Returns `GRADREG_OK` whatever the verdict; `GRADREG_ERR_NUMBER_MALFORMED` and
/// `GRADREG_ERR_NUMBER_TYPO` for the printed number; the JSON, NULL, UTF-8 and handle codes
/// otherwise. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; the out pointers
/// must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_token_verify_offline(
    keyring: *const gradreg_keyring,
    status_lists: *const gradreg_status_lists,
    token: gradreg_str,
    verifier_json: gradreg_str,
    options_json: gradreg_str,
    now_unix: i64,
    verdict_out: *mut u32,
    verdict_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let code_out = Out::new(verdict_out, "verdict_out")?;
        let out = Out::new(verdict_json_out, "verdict_json_out")?;
        let held = if status_lists.is_null() {
            None
        } else {
            Some(get(status_lists)?)
        };
        // SAFETY: forwarded.
        let (token, verifier, options) = unsafe {
            (
                str_arg(token, "token")?,
                str_arg(verifier_json, "verifier_json")?,
                opt_str_arg(options_json, "options_json")?,
            )
        };
        let verifier: Actor = json_object(verifier, "verifier_json")?;
        let opts = scan_options(options)?;
        let now = instant_arg(now_unix)?;
        let none = StatusLists::new();
        let held = held
            .as_ref()
            .map(|l| l.read().unwrap_or_else(PoisonError::into_inner));
        let lists = held.as_deref().unwrap_or(&none);
        let outcome = keyring::read(keyring, |ring| {
            Ok(verify_token_offline(
                token, ring, &verifier, now, lists, &opts,
            ))
        })?;
        let text = json_string(&outcome_json(&outcome))?;
        code_out.write(outcome.verdict.code());
        out.write(text);
        Ok(())
    })
}

/// Issues the token of one form of an authorization through the registry, signed with the
/// ring's active key, under the rules of the form itself: a revoked or superseded
/// authorization gets none (`GRADREG_ERR_AUTHORIZATION_NOT_ACTIVE`), nor an expired one
/// (`GRADREG_ERR_AUTHORIZATION_EXPIRED`), nor one whose data changed since
/// (`GRADREG_ERR_CONFIRMATION_OUTDATED`). The registry records the key that signed
/// (`gradreg_registry_signing_keys`) and gives the authorization its entry in the issuer's
/// status lists (`gradreg_registry_status_lists`), which a format-2 token points at.
///
/// - `registry`, `keyring`: the handles; the ring needs an active key
///   (`GRADREG_ERR_NO_ACTIVE_KEY`).
/// - `number`: the verification number (case, spaces and hyphens do not matter).
/// - `section`: `"archive"` or `"hukou"`.
/// - `options_json`: may be none; else `{"prefix":"HTTPS://VERIFY.EXAMPLE.CN/V/",
///   "embed_disclosure":true,"version":2}` as in `gradreg_token_issue`. Use `"version":2` for
///   a token that verifies offline (format 2 always carries its disclosure).
/// - `now_unix`: seconds since 1970-01-01T00:00:00Z.
/// - `token_out`: receives the token (`GR1.…` or `GR2.…`, after the prefix); free it with
///   `gradreg_string_free`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_NUMBER_MALFORMED`, `GRADREG_ERR_NUMBER_TYPO`,
/// `GRADREG_ERR_AUTHORIZATION_NOT_FOUND`, the 2xx codes above,
/// `GRADREG_ERR_SECTION_NOT_REGISTERED`, `GRADREG_ERR_TOKEN_ISSUE`, 5xx storage codes, and the
/// JSON, NULL, UTF-8 and handle codes. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; `token_out` must
/// be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_registry_issue_token(
    registry: *const gradreg_registry,
    keyring: *const gradreg_keyring,
    number: gradreg_str,
    section: gradreg_str,
    options_json: gradreg_str,
    now_unix: i64,
    token_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(token_out, "token_out")?;
        let reg = reg_handle::get(registry)?;
        let reg = reg_handle::read(&reg);
        // SAFETY: forwarded.
        let (number, section, options) = unsafe {
            (
                str_arg(number, "number")?,
                str_arg(section, "section")?,
                opt_str_arg(options_json, "options_json")?,
            )
        };
        let number = VerificationNumber::parse(number)?;
        let section = section_arg(section)?;
        let opts = TokenOptions::parse(options)?;
        let now = instant_arg(now_unix)?;
        let token = keyring::read(keyring, |ring| {
            Ok(reg.issue_token(ring, &number, section, &opts, now)?)
        })?;
        out.write(owned_c_string(token)?);
        Ok(())
    })
}

/// The issuer's status lists as of `now_unix`, signed with the ring's active key (an Ed25519
/// key for third parties, who check the lists with the published key set), valid until
/// `next_update_unix`: one list
/// per started block of 131072 status entries, at least one. Publish the texts where verifiers
/// fetch them, again before `next_update_unix`.
///
/// - `json_out`: receives `[{"list":0,"text":"GS1.…","not_in_force":1}]` (`not_in_force`
///   counts the revoked and superseded entries); free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_NO_ACTIVE_KEY`; `GRADREG_ERR_STATUS_LIST_INVALID` (a next
/// update not after `now_unix`); 5xx storage codes; and the NULL, argument and handle codes.
/// Thread-safe.
///
/// # Safety
/// `json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_status_lists(
    registry: *const gradreg_registry,
    keyring: *const gradreg_keyring,
    now_unix: i64,
    next_update_unix: i64,
    json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(json_out, "json_out")?;
        let reg = reg_handle::get(registry)?;
        let reg = reg_handle::read(&reg);
        let now = instant_arg(now_unix)?;
        let next_update = instant_arg(next_update_unix)?;
        let lists = keyring::read(keyring, |ring| {
            Ok(reg.status_lists(ring, now, next_update)?)
        })?;
        let rendered: Vec<Value> = lists
            .iter()
            .map(|l| json!({ "list": l.list, "text": l.text, "not_in_force": l.not_in_force }))
            .collect();
        out.write(json_string(&rendered)?);
        Ok(())
    })
}

/// The keys that signed tokens of authorization `number` through
/// `gradreg_registry_issue_token`, with the first time each did: `[{"key_id":1,
/// "first_at":"2026-05-02T02:00:00Z"}]` (empty when none was issued). Use it to find the forms
/// a leaked key signed.
///
/// - `number`: the verification number (case, spaces and hyphens do not matter).
/// - `json_out`: free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_NUMBER_MALFORMED`, `GRADREG_ERR_NUMBER_TYPO`, 5xx storage
/// codes, and the NULL, UTF-8 and handle codes. Thread-safe.
///
/// # Safety
/// `number` must be `{NULL, 0}` or point to its `len` readable bytes; `json_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_signing_keys(
    registry: *const gradreg_registry,
    number: gradreg_str,
    json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(json_out, "json_out")?;
        let reg = reg_handle::get(registry)?;
        let reg = reg_handle::read(&reg);
        // SAFETY: forwarded.
        let number = VerificationNumber::parse(unsafe { str_arg(number, "number") }?)?;
        let keys: Vec<Value> = reg
            .signing_keys(&number)?
            .into_iter()
            .map(|(kid, at)| json!({ "key_id": kid.0, "first_at": at }))
            .collect();
        out.write(json_string(&keys)?);
        Ok(())
    })
}
