//! The registry handle: registrations, the audit log and the event outbox in SQLite (or in
//! memory), with every command applied in a transaction under a version check.

use std::ffi::{c_char, c_int};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use gradreg::{Actor, BasicInfo, Command, Error, Query, Registry, UploadResult};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::args::gradreg_str;
use crate::lifecycle::reminder_options;
use crate::support::{
    guard, guard_void, instant_arg, json_arg, json_object, json_string, lookup, opt_str_arg,
    owned_bytes, policy_arg, register, release, str_arg, FfiResult, Object, Out,
};

/// A registry (opaque). Made by `gradreg_registry_new` or `gradreg_registry_new_in_memory`,
/// freed by `gradreg_registry_free`.
///
/// Thread rules: one handle may be used from several threads at once; each call is one
/// transaction, and concurrent commands on the same graduate are retried on the new state, so
/// no update is lost. Freeing a handle while another thread is inside a call on it is safe (that
/// call finishes; later calls get `GRADREG_ERR_INVALID_HANDLE`), but using a handle after
/// freeing it is a bug in the caller. A handle is a token, not an address: never dereference it.
pub struct gradreg_registry {
    _private: [u8; 0],
}

const KIND: &str = "gradreg_registry";

/// The registry behind a handle. Calls read it through [`read`]; the calls that change its
/// roster header table or code tables write it through [`write`], waiting for the calls in
/// flight.
pub(crate) fn get(handle: *const gradreg_registry) -> FfiResult<Arc<RwLock<Registry>>> {
    lookup(handle as usize, "registry", KIND, |o| match o {
        Object::Registry(r) => Some(Arc::clone(r)),
        _ => None,
    })
}

/// Reads a registry. A write replaces a table in one assignment, so a lock poisoned by a panic
/// still holds a whole registry and is used as it is.
pub(crate) fn read(registry: &RwLock<Registry>) -> RwLockReadGuard<'_, Registry> {
    registry.read().unwrap_or_else(PoisonError::into_inner)
}

/// Writes a registry (see [`read`] for a poisoned lock).
pub(crate) fn write(registry: &RwLock<Registry>) -> RwLockWriteGuard<'_, Registry> {
    registry.write().unwrap_or_else(PoisonError::into_inner)
}

fn publish(registry: Registry, out: Out<*mut gradreg_registry>) -> FfiResult {
    let token = register(Object::Registry(Arc::new(RwLock::new(registry))))?;
    out.write(token as *mut gradreg_registry);
    Ok(())
}

/// Opens (creating when absent) a registry kept in SQLite.
///
/// - `path`: a database file (created when absent), or an existing folder, in which the registry
///   is the file `gradreg.sqlite3` (created when absent). The folder a new file goes in must
///   exist: a missing one fails with `GRADREG_ERR_IO` (507), whose detail names it, and nothing is
///   created. The empty path is `GRADREG_ERR_INVALID_ARGUMENT`.
/// - `policy_json`: `"jiangsu"`, `"national"` or a policy object (see
///   `gradreg_registration_apply`).
/// - `registry_out`: receives the handle; free it with `gradreg_registry_free`.
///
/// Returns `GRADREG_OK`; a 5xx code when the file cannot be opened (`GRADREG_ERR_CORRUPT` for a
/// file that is not a database or an existing file of 0 bytes — only a missing file makes a new
/// registry —, `GRADREG_ERR_AUDIT_KEY` for a registry whose audit chain is keyed (open it with
/// `gradreg_registry_new_with_audit_key`), `GRADREG_ERR_IO` for a missing folder or a file that
/// cannot be read or written, `GRADREG_ERR_BUSY`, `GRADREG_ERR_STORAGE`);
/// `GRADREG_ERR_INVALID_ARGUMENT`;
/// `GRADREG_ERR_INVALID_POLICY`, `GRADREG_ERR_MALFORMED_JSON`, `GRADREG_ERR_NULL_ARGUMENT`,
/// `GRADREG_ERR_INVALID_UTF8`. Thread-safe; several handles (or processes) may open the same
/// file.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; `registry_out` must
/// be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_new(
    path: gradreg_str,
    policy_json: gradreg_str,
    registry_out: *mut *mut gradreg_registry,
) -> u32 {
    guard(|| {
        let out = Out::new(registry_out, "registry_out")?;
        // SAFETY: forwarded.
        let (path, policy) =
            unsafe { (str_arg(path, "path")?, str_arg(policy_json, "policy_json")?) };
        if path.contains('\0') {
            return Err(Error::InvalidArgument("path holds a NUL byte".into()).into());
        }
        let policy = policy_arg(policy, "policy_json")?;
        publish(Registry::open(path, policy)?, out)
    })
}

/// The options of `gradreg_registry_open`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenOptionsJson {
    /// The data keys that seal personal data at rest.
    #[serde(default)]
    data_keys: Option<Vec<DataKeyJson>>,
    /// The key of a keyed audit chain, as hexadecimal text.
    #[serde(default)]
    audit_key: Option<String>,
}

/// One data key: its id and its 32 bytes as hexadecimal or base64 text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataKeyJson {
    id: u32,
    key: String,
}

/// The ring of data keys an options object names, if any.
fn data_key_ring(options: &OpenOptionsJson) -> FfiResult<Option<gradreg::registry::DataKeyRing>> {
    let Some(keys) = &options.data_keys else {
        return Ok(None);
    };
    let keys = keys
        .iter()
        .map(|k| gradreg::registry::DataKey::from_text(k.id, &k.key))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(gradreg::registry::DataKeyRing::new(keys)?))
}

/// Opens (creating when absent) the registry a store URL names, with options: as
/// `gradreg_registry_new`, plus the data keys that encrypt personal data at rest and the key
/// of a keyed audit chain.
///
/// - `path`: a store URL or a path. A plain path (or `sqlite:PATH`) is a SQLite file or folder,
///   as in `gradreg_registry_new`; `memory:` is a registry in memory that lives as long as the
///   handle; `postgres://user:password@host:port/database` is a PostgreSQL server (in libpq's
///   URL form), in a library built with PostgreSQL support. An unknown scheme (`mysql://…`),
///   or one this build leaves out, is `GRADREG_ERR_INVALID_ARGUMENT` (103).
/// - `options_json`: `{NULL, 0}` or `{}` for none, or
///   `{"data_keys":[{"id":1,"key":"…"},{"id":2,"key":"…"}], "audit_key":"<hex>"}` (either
///   member may be left out; `audit_key` as in `gradreg_registry_new_with_audit_key`). The host supplies the keys (from
///   its key store or secrets manager; the library never writes them anywhere): each is 32
///   random bytes written as 64 hexadecimal digits or standard base64, with an id from 1 up. The
///   key with the highest id seals new values; every key of the list opens values it sealed.
///   With keys, every registration's record, audit entry and event and each ID number are sealed
///   in the file with XChaCha20-Poly1305; ID numbers are looked up through a keyed hash. Names,
///   schools, colleges, majors, stages and codes stay clear for queries.
///
/// Without keys, a file written without keys opens as before, and a file written with keys is
/// refused with `GRADREG_ERR_DATA_KEY_MISSING` (518). With keys, a file written without keys is
/// encrypted in place as it opens (one transaction), and a file written with keys opens only
/// when the list holds the key that sealed it (else `GRADREG_ERR_DATA_KEY_WRONG`, 519). Later, a
/// value that was tampered with is `GRADREG_ERR_UNDECRYPTABLE` (520). A malformed key is
/// `GRADREG_ERR_DATA_KEY_INVALID` (131; its message never repeats the key), an empty list or a
/// repeated id `GRADREG_ERR_DATA_KEY_RING_INVALID` (132); other returns as
/// `gradreg_registry_new`. Losing every key loses the data: there is no recovery.
///
/// # Safety
/// As `gradreg_registry_new`; `options_json` must be `{NULL, 0}` or point to its `len` readable
/// bytes.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_open(
    path: gradreg_str,
    policy_json: gradreg_str,
    options_json: gradreg_str,
    registry_out: *mut *mut gradreg_registry,
) -> u32 {
    guard(|| {
        let out = Out::new(registry_out, "registry_out")?;
        // SAFETY: forwarded.
        let (path, policy, options) = unsafe {
            (
                str_arg(path, "path")?,
                str_arg(policy_json, "policy_json")?,
                opt_str_arg(options_json, "options_json")?,
            )
        };
        if path.contains('\0') {
            return Err(Error::InvalidArgument("path holds a NUL byte".into()).into());
        }
        let policy = policy_arg(policy, "policy_json")?;
        let options: OpenOptionsJson = match options {
            Some(text) => json_object(text, "options_json")?,
            None => OpenOptionsJson {
                data_keys: None,
                audit_key: None,
            },
        };
        let mut open = gradreg::registry::OpenOptions::new();
        if let Some(ring) = data_key_ring(&options)? {
            open = open.data_keys(ring);
        }
        if let Some(key) = &options.audit_key {
            open = open.audit_key(gradreg::registry::AuditKey::from_hex(key)?);
        }
        publish(Registry::open_url(path, policy, &open)?, out)
    })
}

/// Re-seals every value of the registry's file not yet sealed by the newest data key, in
/// transactions of at most `batch_size` rows per table (0 is taken as 1), and writes how many
/// values were re-sealed to `resealed_out`. Open the registry with the new key added (highest
/// id) and the old ones still in the list, call this, then the old keys may be dropped. An
/// interruption (crash, kill) loses nothing: each batch commits whole and the old keys still
/// open the rest; call again to finish. A registry without data keys re-seals nothing (0).
///
/// Returns `GRADREG_OK`, 5xx (`GRADREG_ERR_DATA_KEY_WRONG` for a value sealed by a key the list
/// lacks, `GRADREG_ERR_UNDECRYPTABLE` for a tampered one), and the handle and NULL codes.
/// Thread-safe.
///
/// # Safety
/// `resealed_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_rotate_data_key(
    registry: *const gradreg_registry,
    batch_size: u32,
    resealed_out: *mut u64,
) -> u32 {
    guard(|| {
        let out = Out::new(resealed_out, "resealed_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        let n = reg.rotate_data_key(usize::try_from(batch_size).unwrap_or(usize::MAX))?;
        out.write(n);
        Ok(())
    })
}

/// Makes a registry kept in memory only (for tests and short-lived tools): everything is lost
/// when it is freed.
///
/// Arguments, return values and thread rules as `gradreg_registry_new`, without the path.
///
/// # Safety
/// `policy_json` must be `{NULL, 0}` or point to its `len` readable bytes; `registry_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_new_in_memory(
    policy_json: gradreg_str,
    registry_out: *mut *mut gradreg_registry,
) -> u32 {
    guard(|| {
        let out = Out::new(registry_out, "registry_out")?;
        // SAFETY: forwarded.
        let policy = unsafe { str_arg(policy_json, "policy_json") }?;
        let policy = policy_arg(policy, "policy_json")?;
        publish(Registry::in_memory(policy)?, out)
    })
}

/// Frees a registry handle and closes its database once no call is using it. NULL is a no-op;
/// so is a handle that is already freed or of another kind (it is left alone).
///
/// # Safety
/// None beyond passing a value this library returned (or NULL).
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_free(registry: *mut gradreg_registry) {
    guard_void(|| release(registry as usize, |o| matches!(o, Object::Registry(_))));
}

/// Applies one command to the graduate `id` at `now_unix` and commits it, with its audit entry
/// and events, in one transaction. A registration that does not exist yet is created by the
/// command (only `upload_basic_info` can succeed on it). A concurrent change by another writer
/// is handled by applying the command again to the new state.
///
/// - `registry`: the handle.
/// - `id`: the graduate's key.
/// - `actor_json`, `command_json`: as in `gradreg_registration_apply`.
/// - `now_unix`: seconds since 1970-01-01T00:00:00Z.
/// - `outcome_json_out`: receives the outcome, as in `gradreg_registration_apply`; free it with
///   `gradreg_string_free`.
///
/// Returns `GRADREG_OK`; 2xx when the state machine refuses; `GRADREG_ERR_INVALID_RECORD`;
/// 5xx on storage errors; `GRADREG_ERR_MALFORMED_JSON`, `GRADREG_ERR_INVALID_ARGUMENT`,
/// `GRADREG_ERR_NULL_ARGUMENT`, `GRADREG_ERR_INVALID_UTF8`, `GRADREG_ERR_WRONG_HANDLE`,
/// `GRADREG_ERR_INVALID_HANDLE`. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; `outcome_json_out`
/// must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_registry_apply(
    registry: *const gradreg_registry,
    id: gradreg_str,
    actor_json: gradreg_str,
    command_json: gradreg_str,
    now_unix: i64,
    outcome_json_out: *mut *mut c_char,
) -> u32 {
    // SAFETY: forwarded.
    unsafe {
        apply_one(
            registry,
            id,
            None,
            actor_json,
            command_json,
            now_unix,
            outcome_json_out,
        )
    }
}

/// The body of `gradreg_registry_apply` (`expected_version` `None`) and
/// `gradreg_registry_apply_at_version`.
///
/// # Safety
/// As `gradreg_registry_apply`.
unsafe fn apply_one(
    registry: *const gradreg_registry,
    id: gradreg_str,
    expected_version: Option<u64>,
    actor_json: gradreg_str,
    command_json: gradreg_str,
    now_unix: i64,
    outcome_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(outcome_json_out, "outcome_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let (id, actor, command) = unsafe {
            (
                str_arg(id, "id")?,
                str_arg(actor_json, "actor_json")?,
                str_arg(command_json, "command_json")?,
            )
        };
        let actor: Actor = json_object(actor, "actor_json")?;
        let command: Command = json_object(command, "command_json")?;
        let now = instant_arg(now_unix)?;
        let outcome = match expected_version {
            Some(v) => reg.apply_at_version(id, v, &actor, &command, now)?,
            None => reg.apply(id, &actor, &command, now)?,
        };
        out.write(json_string(&outcome)?);
        Ok(())
    })
}

/// Applies one command to the graduate `id` only if the registration is still at
/// `expected_version`, the version the caller read (and showed its user): the check for two
/// offices correcting the same record from the same version, where the second must not silently
/// overwrite the first. No retry: a registration at another version (changed meanwhile) is
/// `GRADREG_ERR_CONFLICT` and nothing is committed; read it again and decide afresh. A
/// registration that does not exist yet is at version 0.
///
/// - `registry`, `id`, `actor_json`, `command_json`, `now_unix`, `outcome_json_out`: as in
///   `gradreg_registry_apply`.
/// - `expected_version`: the `version` of the registration the caller read.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_CONFLICT` when the registration is at another version;
/// otherwise the codes of `gradreg_registry_apply`. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; `outcome_json_out`
/// must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_registry_apply_at_version(
    registry: *const gradreg_registry,
    id: gradreg_str,
    expected_version: u64,
    actor_json: gradreg_str,
    command_json: gradreg_str,
    now_unix: i64,
    outcome_json_out: *mut *mut c_char,
) -> u32 {
    // SAFETY: forwarded.
    unsafe {
        apply_one(
            registry,
            id,
            Some(expected_version),
            actor_json,
            command_json,
            now_unix,
            outcome_json_out,
        )
    }
}

/// An error as JSON: `{"code":…,"message":"…"}`, with `problems` for an invalid record and
/// `reasons` for a refused login.
pub(crate) fn error_json(e: &Error) -> Value {
    let mut v = json!({ "code": e.code().get(), "message": e.to_string() });
    match e {
        Error::InvalidRecord { problems } => v["problems"] = json!(problems),
        Error::LoginRefused { reasons } => v["reasons"] = json!(reasons),
        _ => {}
    }
    v
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchCommand {
    id: String,
    /// The version the sender read; the command is refused with a conflict when the
    /// registration is at another one.
    #[serde(default)]
    expected_version: Option<u64>,
    actor: Actor,
    command: Command,
}

/// Applies many commands at `now_unix` in one transaction, in order: later commands on the same
/// graduate see the earlier ones. Refused commands are left out and the rest commit together.
///
/// - `commands_json`: an array of `{"id":"…","actor":{…},"command":{…}}` (actor and command as
///   in `gradreg_registration_apply`), each optionally with `"expected_version":3`: then the
///   command is refused with `{"error":{"code":502,…}}` (`GRADREG_ERR_CONFLICT`) unless the
///   registration is at that version when its turn comes (counting the batch's earlier
///   commands), as `gradreg_registry_apply_at_version` does.
/// - `results_json_out`: receives an array with one element per command, in order: `{"ok":
///   outcome}` or `{"error":{"code":216,"message":"…"}}` (with `problems` for an invalid record,
///   `reasons` for a refused login); free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK` even when some commands were refused (see the results); a 5xx code when
/// the transaction failed (nothing committed); the argument and handle codes as
/// `gradreg_registry_apply`. Thread-safe.
///
/// # Safety
/// `commands_json` must be `{NULL, 0}` or point to its `len` readable bytes; `results_json_out`
/// must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_apply_batch(
    registry: *const gradreg_registry,
    commands_json: gradreg_str,
    now_unix: i64,
    results_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(results_json_out, "results_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let text = unsafe { str_arg(commands_json, "commands_json") }?;
        let batch: Vec<BatchCommand> = json_arg(text, "commands_json")?;
        let batch: Vec<(String, Option<u64>, Actor, Command)> = batch
            .into_iter()
            .map(|c| (c.id, c.expected_version, c.actor, c.command))
            .collect();
        let results = reg.apply_batch_at_versions(&batch, instant_arg(now_unix)?)?;
        let rendered: Vec<Value> = results
            .iter()
            .map(|r| match r {
                Ok(outcome) => json!({ "ok": outcome }),
                Err(e) => json!({ "error": error_json(e) }),
            })
            .collect();
        out.write(json_string(&rendered)?);
        Ok(())
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadRecord {
    id: String,
    info: BasicInfo,
}

/// Uploads many basic-information records (the school's 生源 upload) in one transaction: a new
/// key creates a registration, a changed record is a correction, an identical one changes
/// nothing. Refused records (invalid, an ID number used by another key, a key given twice) are
/// reported; with `all_or_nothing` non-zero any refusal leaves the registry untouched.
///
/// - `records_json`: an array of `{"id":"10327:2022010123","info":{…basic info…}}` (see
///   `gradreg_basic_info_validate`).
/// - `actor_json`: the uploader: `{"role":"school_office","id":"jyc01","school":"10327"}` or a counselor of the
///   records' college.
/// - `now_unix`: seconds since 1970-01-01T00:00:00Z.
/// - `all_or_nothing`: 0 to commit the accepted records, non-zero to commit only when all are
///   accepted.
/// - `results_json_out`: receives an array, one per record, in order: `{"id":"…","result":
///   "created"}` (`created`, `corrected`, `unchanged`) or `{"id":"…","result":"refused",
///   "error":{"code":101,"message":"…","problems":[…]}}`; free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK` even when records were refused (see the results); a 5xx code when the
/// transaction failed; the argument and handle codes as `gradreg_registry_apply`. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; `results_json_out`
/// must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_registry_upload_batch(
    registry: *const gradreg_registry,
    records_json: gradreg_str,
    actor_json: gradreg_str,
    now_unix: i64,
    all_or_nothing: c_int,
    results_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(results_json_out, "results_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let (records, actor) = unsafe {
            (
                str_arg(records_json, "records_json")?,
                str_arg(actor_json, "actor_json")?,
            )
        };
        let records: Vec<UploadRecord> = json_arg(records, "records_json")?;
        let actor: Actor = json_object(actor, "actor_json")?;
        let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        let records: Vec<(String, Arc<BasicInfo>)> = records
            .into_iter()
            .map(|r| (r.id, Arc::new(r.info)))
            .collect();
        let results = reg.upload_batch(
            &records,
            &actor,
            instant_arg(now_unix)?,
            all_or_nothing != 0,
        )?;
        let rendered: Vec<Value> = ids
            .iter()
            .zip(&results)
            .map(|(id, r)| match r {
                UploadResult::Created => json!({ "id": id, "result": "created" }),
                UploadResult::Corrected => json!({ "id": id, "result": "corrected" }),
                UploadResult::Unchanged => json!({ "id": id, "result": "unchanged" }),
                UploadResult::Refused { error } => {
                    json!({ "id": id, "result": "refused", "error": error_json(error) })
                }
            })
            .collect();
        out.write(json_string(&rendered)?);
        Ok(())
    })
}

/// One registration by key.
///
/// - `id`: the graduate's key.
/// - `registration_json_out`: receives the registration (see `gradreg_registration_apply`);
///   free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_NOT_FOUND` when there is none, other 5xx codes, and the
/// argument and handle codes. Thread-safe.
///
/// # Safety
/// `id` must be `{NULL, 0}` or point to `id.len` readable bytes; `registration_json_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_get(
    registry: *const gradreg_registry,
    id: gradreg_str,
    registration_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(registration_json_out, "registration_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let id = unsafe { str_arg(id, "id") }?;
        out.write(json_string(&reg.get(id)?)?);
        Ok(())
    })
}

/// Summaries of the registrations matching a query at an instant, ordered by key.
///
/// - `query_json`: may be none (`GRADREG_STR_NONE`) for everyone; else `{"stages":["awaiting_confirmation"],
///   "college":"会计学院","major_code":"120203K","late":true,"awaiting_confirmation_days":3}`,
///   every field optional (`stages` empty or absent means any stage; stage names as in
///   `gradreg_registration_stage`); also `"school":"10327"`, `"education_level":"31"`,
///   `"graduation_year":2026`, `"logged_in":false` and `"can_log_in":false` (whatever the stage),
///   `"destination_category":"50"` (a two-digit code matches its sub-codes too).
/// - `now_unix`: seconds since 1970-01-01T00:00:00Z.
/// - `summaries_json_out`: receives an array of `{"id":"…","version":4,"name":"张明",
///   "id_number":"…","college":"…","major_code":"…","major_name":"…","stage":"confirmed",
///   "active_until":null,"destination_code":"10","late":false,"awaiting_since":null,
///   "graduation_year":2026,"school_code":"10327","school_name":"…","education_level":"31",
///   "gender":"1","origin_region":"320102","destination_category":"10",
///   "destination_region":"320106","logged_in":true,"login_problems":[],"void_stage":null,
///   "void_filed_at":null}` (`stage` as stored at the last command; use the query's `stages`
///   for the stage at `now_unix`); free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, 5xx, and the argument and handle codes. Thread-safe.
///
/// # Safety
/// `query_json` must be `{NULL, 0}` or point to its `len` readable bytes; `summaries_json_out`
/// must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_query(
    registry: *const gradreg_registry,
    query_json: gradreg_str,
    now_unix: i64,
    summaries_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(summaries_json_out, "summaries_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let query = unsafe { opt_str_arg(query_json, "query_json") }?;
        let query: Query = match query {
            Some(t) => json_object(t, "query_json")?,
            None => Query::default(),
        };
        out.write(json_string(&reg.query(&query, instant_arg(now_unix)?)?)?);
        Ok(())
    })
}

/// Statistics at an instant: counts by stage and by destination code, late reports, and the
/// placement rate (落实率) overall, by college and by major.
///
/// - `statistics_json_out`: receives `{"total":120,"by_stage":{"confirmed":80,…},
///   "by_destination":{"10":50,…},"late":3,"overall":{"key":"全部","graduates":120,
///   "reported":100,"placed":90,"rate":0.75},"by_college":[{…}],"by_major":[{…}]}`; free it with
///   `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, 5xx, and the argument and handle codes. Thread-safe.
///
/// # Safety
/// `statistics_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_statistics(
    registry: *const gradreg_registry,
    now_unix: i64,
    statistics_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(statistics_json_out, "statistics_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        out.write(json_string(&reg.statistics(instant_arg(now_unix)?)?)?);
        Ok(())
    })
}

/// The reminders due at an instant over the whole registry (see `gradreg_reminders_compute` for
/// the options, which may be none for the defaults, and the output form).
///
/// # Safety
/// `options_json` must be `{NULL, 0}` or point to its `len` readable bytes; `reminders_json_out`
/// must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_reminders(
    registry: *const gradreg_registry,
    options_json: gradreg_str,
    now_unix: i64,
    reminders_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(reminders_json_out, "reminders_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let options = unsafe { opt_str_arg(options_json, "options_json") }?;
        let options = reminder_options(options)?;
        out.write(json_string(
            &reg.reminders(instant_arg(now_unix)?, &options)?,
        )?);
        Ok(())
    })
}

/// The registrations matching a query as CSV for spreadsheets: UTF-8 with a BOM, CRLF line
/// ends, a header row 登记号,姓名,身份证号,学院,专业代码,专业名称,阶段,毕业去向代码,毕业去向,逾期, and
/// the ID number masked. Cells that a spreadsheet would run as a formula are prefixed with `'`.
///
/// - `query_json`: may be none for everyone (see `gradreg_registry_query`).
/// - `csv_out`, `csv_len_out`: receive the bytes (not NUL-terminated) and their length; free
///   them with `gradreg_bytes_free(csv, csv_len)`.
///
/// Returns `GRADREG_OK`, 5xx, and the argument and handle codes. Thread-safe.
///
/// # Safety
/// `query_json` must be `{NULL, 0}` or point to its `len` readable bytes; the out pointers must
/// be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_export_csv(
    registry: *const gradreg_registry,
    query_json: gradreg_str,
    now_unix: i64,
    csv_out: *mut *mut u8,
    csv_len_out: *mut usize,
) -> u32 {
    guard(|| {
        let out = Out::new(csv_out, "csv_out")?;
        let len_out = Out::new(csv_len_out, "csv_len_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let query = unsafe { opt_str_arg(query_json, "query_json") }?;
        let query: Query = match query {
            Some(t) => json_object(t, "query_json")?,
            None => Query::default(),
        };
        let mut bytes = Vec::new();
        reg.export_csv(&query, instant_arg(now_unix)?, &mut bytes)?;
        let (ptr, len) = owned_bytes(bytes);
        out.write(ptr);
        len_out.write(len);
        Ok(())
    })
}

/// Checks the hash-chained audit log and names the first edited, removed, reordered or
/// truncated record; then checks every stored registration against the audit record that wrote
/// it, and the number index against the registrations.
///
/// - `report_json_out`: receives `{"records":42,"first_fault":null,"row_faults":[],"unbound":0}`
///   when intact, else `"first_fault":[17,"edited"]` (sequence number and `edited`, `removed`,
///   `reordered`, `truncated` or, from `gradreg_registry_check_audit_against`, `diverged`)
///   and/or `"row_faults":[{"registration_id":"…","fault":"tampered"}]` (`tampered`: edited or
///   rolled back; `missing`: the row was deleted; `unrecorded`: a row without an audit record;
///   `number_missing` / `number_stray` with `"number"`: the number index lost or gained a
///   number; `summary_mismatch`: the query columns kept beside it were edited). `unbound` counts registrations last written by a release before registrations were
///   bound to the log: served, but checked only after their next change. Free it with
///   `gradreg_string_free`.
///
/// A report with a fault marks the handle damaged: writes through it fail with
/// `GRADREG_ERR_WRITES_REFUSED` (516) until the file is repaired and opened again. Reading a
/// registration that does not match its audit record fails with `GRADREG_ERR_TAMPERED` (514)
/// and a row that does not decode with `GRADREG_ERR_CORRUPT` (505); both mark the handle damaged
/// too.
///
/// Returns `GRADREG_OK` (also when a fault is found: see the report), 5xx, and the handle and
/// NULL codes. Thread-safe.
///
/// # Safety
/// `report_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_check_audit(
    registry: *const gradreg_registry,
    report_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(report_json_out, "report_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        out.write(json_string(&reg.check_audit()?)?);
        Ok(())
    })
}

/// Opens (creating when absent) a registry kept in SQLite whose audit chain is keyed with a
/// secret the host keeps outside the file (HMAC-SHA256 over every audit record): nobody without
/// the key can edit the file and recompute the chain, so `gradreg_registry_check_audit` finds
/// such an edit and the edited registration is never served (`GRADREG_ERR_TAMPERED`, 514).
///
/// - `path`, `policy_json`, `registry_out`: as `gradreg_registry_new`.
/// - `audit_key_hex`: the key in hex, at least 32 hex digits (16 bytes; 64 digits, 32 random
///   bytes, is best). Keep it as safely as the signing keys: whoever holds it can rewrite the log.
///
/// A new registry (or one whose audit log is still empty) is keyed for good: from then on it
/// opens only with this key. Returns `GRADREG_OK`; `GRADREG_ERR_AUDIT_KEY` (515) for a keyed
/// registry opened with another key, or a registry started without a key (also one whose key
/// record was removed from the file); `GRADREG_ERR_INVALID_ARGUMENT` for a key that is not hex
/// or is too short; and the codes of `gradreg_registry_new`. `gradreg_registry_new` on a keyed
/// registry fails with 515. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; `registry_out` must
/// be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_new_with_audit_key(
    path: gradreg_str,
    policy_json: gradreg_str,
    audit_key_hex: gradreg_str,
    registry_out: *mut *mut gradreg_registry,
) -> u32 {
    guard(|| {
        let out = Out::new(registry_out, "registry_out")?;
        // SAFETY: forwarded.
        let (path, policy, key) = unsafe {
            (
                str_arg(path, "path")?,
                str_arg(policy_json, "policy_json")?,
                str_arg(audit_key_hex, "audit_key_hex")?,
            )
        };
        if path.contains('\0') {
            return Err(Error::InvalidArgument("path holds a NUL byte".into()).into());
        }
        let policy = policy_arg(policy, "policy_json")?;
        let key = gradreg::registry::AuditKey::from_hex(key)?;
        publish(Registry::open_with_audit_key(path, policy, key)?, out)
    })
}

/// The head of the audit chain, to keep outside the registry file (another system, a log, a
/// printout) and to check the registry against later with
/// `gradreg_registry_check_audit_against`: someone who edits the file and recomputes the chain,
/// or cuts its last records and moves the stored head back, is found that way.
///
/// - `head_out`: receives the head as text, `gradreg-audit-head:1:<seq>:<64 hex digits>`
///   (`seq` 0 and zeros for an empty log); free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, 5xx, and the handle and NULL codes. Thread-safe.
///
/// # Safety
/// `head_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_audit_head(
    registry: *const gradreg_registry,
    head_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(head_out, "head_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        out.write(crate::support::owned_c_string(
            reg.audit_head()?.to_string(),
        )?);
        Ok(())
    })
}

/// `gradreg_registry_check_audit`, and the log against a head taken earlier by
/// `gradreg_registry_audit_head`: a log shorter than the head gives the fault `truncated`; a
/// record at the head's position with another hash gives `diverged` (the log was rewritten and
/// its chain recomputed, or the head comes from another registry).
///
/// - `head`: the text `gradreg_registry_audit_head` gave.
/// - `report_json_out`: as `gradreg_registry_check_audit`.
///
/// Returns `GRADREG_OK` (also when a fault is found: see the report);
/// `GRADREG_ERR_INVALID_ARGUMENT` for a head that is not in the head's text form; 5xx; the
/// handle, NULL and UTF-8 codes. A fault marks the handle damaged (see
/// `gradreg_registry_check_audit`). Thread-safe.
///
/// # Safety
/// `head` must be `{NULL, 0}` or point to its `len` readable bytes; `report_json_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_check_audit_against(
    registry: *const gradreg_registry,
    head: gradreg_str,
    report_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(report_json_out, "report_json_out")?;
        let reg = get(registry)?;
        // SAFETY: forwarded.
        let head = unsafe { str_arg(head, "head") }?;
        let head = gradreg::registry::ChainHead::parse(head)?;
        let reg = read(&reg);
        out.write(json_string(&reg.check_audit_against(&head)?)?);
        Ok(())
    })
}

/// Events of the notification outbox (消息提醒 to send) after sequence number `after`, oldest
/// first, at most `limit`.
///
/// - `after`: 0 for the first; then the last `seq` you processed.
/// - `limit`: the most to return.
/// - `events_json_out`: receives an array of `{"seq":1,"event":{"kind":"basic_info_uploaded",
///   "recipient":{"to":"graduate"},"registration_id":"…","message_zh":"…","message_en":"…"}}`;
///   free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, 5xx, and the handle and NULL codes. Thread-safe.
///
/// # Safety
/// `events_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_events_after(
    registry: *const gradreg_registry,
    after: u64,
    limit: usize,
    events_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(events_json_out, "events_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        let events: Vec<Value> = reg
            .events_after(after, limit)?
            .into_iter()
            .map(|(seq, event)| json!({ "seq": seq, "event": event }))
            .collect();
        out.write(json_string(&events)?);
        Ok(())
    })
}

/// Adds rows to one of a registry's code tables, or replaces the table: the registry's imports,
/// uploads, commands and online verification then accept (and name) the new codes. Other
/// registries, and the functions without a registry (`gradreg_validate_*`,
/// `gradreg_roster_parse`), keep the built-in tables.
///
/// - `registry`: the handle.
/// - `table`: `destinations`, `education_levels`, `employer_natures`, `industries`,
///   `job_categories`, `training_modes`, `ethnicities`, `political_statuses`, `provinces` or
///   `genders`.
/// - `tsv`: lines of `code<TAB>name` or `code<TAB>name<TAB>category` (UTF-8), `#` starting a
///   comment; a row with a code already present replaces it.
/// - `replace`: non-zero to empty the table first; 0 to add to it.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_INVALID_ARGUMENT` for an unknown table;
/// `GRADREG_ERR_INVALID_CODE_TABLE` for a bad line (the last error's message names it). After
/// an error the tables are left exactly as they were and the registry stays usable; the NULL, UTF-8 and handle codes. Thread-safe: the change waits
/// for calls in flight on the same handle, and later calls see the whole new table.
///
/// # Safety
/// `table` and `tsv` must each be `{NULL, 0}` or point to its `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_load_table(
    registry: *const gradreg_registry,
    table: gradreg_str,
    tsv: gradreg_str,
    replace: c_int,
) -> u32 {
    guard(|| {
        let handle = get(registry)?;
        // SAFETY: forwarded.
        let (table, tsv) = unsafe { (str_arg(table, "table")?, str_arg(tsv, "tsv")?) };
        let table = gradreg::Table::ALL
            .into_iter()
            .find(|t| t.as_str() == table)
            .ok_or_else(|| Error::InvalidArgument(format!("unknown code table {table:?}")))?;
        write(&handle).load_table(table, tsv, replace != 0)?;
        Ok(())
    })
}
