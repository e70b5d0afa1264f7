//! Keys that live in a file (the key store a deployment signs with) and the published key set
//! (the public keys a third party verifies with, as JSON).

use std::ffi::{c_char, c_int};
use std::sync::{Arc, PoisonError, RwLock};

use gradreg::codes::{KeySet, KeyStore};
use gradreg::{Algorithm, KeyId, KeyRing};
use serde_json::json;

use crate::args::gradreg_str;
use crate::keyring::{self, gradreg_keyring};
use crate::support::{
    guard, guard_void, instant_arg, json_string, lookup, owned_c_string, register, release,
    str_arg, FfiResult, Object, Out,
};

/// A key store (opaque): a deployment's signing keys, kept in one JSON file readable by its
/// owner only (mode 0600), with the dates each key was made, signed from, stopped signing and
/// was retired. Made by `gradreg_keystore_open`, `gradreg_keystore_create` or
/// `gradreg_keystore_open_or_create`, freed by `gradreg_keystore_free`.
///
/// Every change (`gradreg_keystore_rotate`, `gradreg_keystore_retire`) is written to the file at
/// once, atomically. Sign and verify with the ring it gives (`gradreg_keystore_keyring`): that
/// ring is a copy, so take a new one after a change.
///
/// Thread rules: one handle may be used from several threads at once; rotating and retiring
/// wait for the calls in flight. Two handles (or processes) on the same file do not see each
/// other's changes: keep one writer. A handle is a token, not an address: never dereference
/// it.
pub struct gradreg_keystore {
    _private: [u8; 0],
}

const KIND: &str = "gradreg_keystore";

fn get(handle: *const gradreg_keystore) -> FfiResult<Arc<RwLock<KeyStore>>> {
    lookup(handle as usize, "keystore", KIND, |o| match o {
        Object::KeyStore(s) => Some(Arc::clone(s)),
        _ => None,
    })
}

/// Runs `f` on the store for reading. A lock poisoned by a panic is used as it is: a change
/// that cannot be written to the file is undone in memory, and each field is replaced whole.
fn read<T>(
    handle: *const gradreg_keystore,
    f: impl FnOnce(&KeyStore) -> FfiResult<T>,
) -> FfiResult<T> {
    let store = get(handle)?;
    let guard = store.read().unwrap_or_else(PoisonError::into_inner);
    f(&guard)
}

/// `"ed25519"` or `"hmac-sha256"`.
fn algorithm_arg(text: &str) -> FfiResult<Algorithm> {
    match text {
        "ed25519" => Ok(Algorithm::Ed25519),
        "hmac-sha256" => Ok(Algorithm::HmacSha256),
        other => Err(gradreg::Error::InvalidArgument(format!(
            "unknown key algorithm {other:?} (ed25519 or hmac-sha256)"
        ))
        .into()),
    }
}

/// A file path: not empty, without NUL bytes.
fn path_arg(path: &str) -> FfiResult<&str> {
    if path.is_empty() {
        return Err(gradreg::Error::InvalidArgument("the key store path is empty".into()).into());
    }
    if path.contains('\0') {
        return Err(gradreg::Error::InvalidArgument("path holds a NUL byte".into()).into());
    }
    Ok(path)
}

fn publish(store: KeyStore, out: Out<*mut gradreg_keystore>) -> FfiResult {
    let token = register(Object::KeyStore(Arc::new(RwLock::new(store))))?;
    out.write(token as *mut gradreg_keystore);
    Ok(())
}

/// Opens an existing key store file.
///
/// - `path`: the file. It is refused (`GRADREG_ERR_KEY_STORE`, with the reason in the last
///   error) when it is missing or unreadable, when others may read or write it (any mode bit
///   beyond 0600: run `chmod 600`), when it is not a gradreg key store of version 1, when a
///   key's material does not read or a key id repeats, or when its active key is missing or
///   retired. The empty path is `GRADREG_ERR_INVALID_ARGUMENT`.
/// - `keystore_out`: receives the handle; free it with `gradreg_keystore_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_KEY_STORE`, `GRADREG_ERR_KEY_REFUSED`,
/// `GRADREG_ERR_DUPLICATE_KEY_ID`, `GRADREG_ERR_INVALID_ARGUMENT`, and the NULL and UTF-8
/// codes. Thread-safe.
///
/// # Safety
/// `path` must be `{NULL, 0}` or point to `path.len` readable bytes; `keystore_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keystore_open(
    path: gradreg_str,
    keystore_out: *mut *mut gradreg_keystore,
) -> u32 {
    guard(|| {
        let out = Out::new(keystore_out, "keystore_out")?;
        // SAFETY: forwarded.
        let path = path_arg(unsafe { str_arg(path, "path") }?)?;
        publish(KeyStore::open(path)?, out)
    })
}

/// Creates a new key store file (mode 0600) with one active key, made from the system's
/// random source.
///
/// - `path`: the file; it must not exist (`GRADREG_ERR_KEY_STORE`) and its folder must.
/// - `issuer`: who issues the tokens (the school, the province), as published in the key set.
/// - `algorithm`: `"ed25519"` (third parties verify with the public key set) or
///   `"hmac-sha256"` (a shared secret that is never published); anything else is
///   `GRADREG_ERR_INVALID_ARGUMENT`.
/// - `now_unix`: seconds since 1970-01-01T00:00:00Z; the key signs from then.
/// - `keystore_out`: receives the handle; free it with `gradreg_keystore_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_KEY_STORE`, `GRADREG_ERR_INVALID_ARGUMENT`, and the NULL
/// and UTF-8 codes. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; `keystore_out`
/// must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keystore_create(
    path: gradreg_str,
    issuer: gradreg_str,
    algorithm: gradreg_str,
    now_unix: i64,
    keystore_out: *mut *mut gradreg_keystore,
) -> u32 {
    // SAFETY: forwarded.
    unsafe {
        new_store(
            path,
            issuer,
            algorithm,
            now_unix,
            keystore_out,
            |p, i, a, n| KeyStore::create(p, i, a, n),
        )
    }
}

/// Opens the key store at `path`, or creates it (as `gradreg_keystore_create`) when there is no
/// file: what a service does at start. `issuer` and `algorithm` are used only when the file is
/// created (both are still checked).
///
/// Returns as `gradreg_keystore_open` and `gradreg_keystore_create`. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; `keystore_out`
/// must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keystore_open_or_create(
    path: gradreg_str,
    issuer: gradreg_str,
    algorithm: gradreg_str,
    now_unix: i64,
    keystore_out: *mut *mut gradreg_keystore,
) -> u32 {
    // SAFETY: forwarded.
    unsafe {
        new_store(
            path,
            issuer,
            algorithm,
            now_unix,
            keystore_out,
            |p, i, a, n| KeyStore::open_or_create(p, i, a, n),
        )
    }
}

/// The arguments `gradreg_keystore_create` and `gradreg_keystore_open_or_create` share, decoded,
/// then the store `make` returns published as a handle.
///
/// # Safety
/// As the two entry points.
unsafe fn new_store(
    path: gradreg_str,
    issuer: gradreg_str,
    algorithm: gradreg_str,
    now_unix: i64,
    keystore_out: *mut *mut gradreg_keystore,
    make: impl FnOnce(&str, &str, Algorithm, chrono::DateTime<chrono::Utc>) -> gradreg::Result<KeyStore>,
) -> u32 {
    guard(|| {
        let out = Out::new(keystore_out, "keystore_out")?;
        // SAFETY: forwarded.
        let (path, issuer, algorithm) = unsafe {
            (
                str_arg(path, "path")?,
                str_arg(issuer, "issuer")?,
                str_arg(algorithm, "algorithm")?,
            )
        };
        let path = path_arg(path)?;
        let algorithm = algorithm_arg(algorithm)?;
        let now = instant_arg(now_unix)?;
        publish(make(path, issuer, algorithm, now)?, out)
    })
}

/// Frees a key store handle (the file stays). NULL is a no-op; so is a handle that is already
/// freed or of another kind.
///
/// # Safety
/// None beyond passing a value this library returned (or NULL).
#[no_mangle]
pub unsafe extern "C" fn gradreg_keystore_free(keystore: *mut gradreg_keystore) {
    guard_void(|| release(keystore as usize, |o| matches!(o, Object::KeyStore(_))));
}

/// Rotates: makes a new key of `algorithm` the active one at `now_unix` and writes the file.
/// The previous active key stops signing and keeps verifying the tokens and lists it signed.
///
/// - `algorithm`: `"ed25519"` or `"hmac-sha256"`.
/// - `key_id_out`: receives the new key's id (one more than the largest so far).
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_KEY_STORE` (the file could not be written; the store is
/// left as it was), `GRADREG_ERR_INVALID_ARGUMENT`, and the NULL, UTF-8 and handle codes.
/// Thread-safe.
///
/// # Safety
/// `algorithm` must be `{NULL, 0}` or point to its `len` readable bytes; `key_id_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keystore_rotate(
    keystore: *const gradreg_keystore,
    algorithm: gradreg_str,
    now_unix: i64,
    key_id_out: *mut u32,
) -> u32 {
    guard(|| {
        let out = Out::new(key_id_out, "key_id_out")?;
        let store = get(keystore)?;
        // SAFETY: forwarded.
        let algorithm = algorithm_arg(unsafe { str_arg(algorithm, "algorithm") }?)?;
        let now = instant_arg(now_unix)?;
        let kid = store
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .rotate(algorithm, now)?;
        out.write(kid.0);
        Ok(())
    })
}

/// Retires key `key_id` at `now_unix` and writes the file: it leaves the ring and the published
/// key set, and tokens it signed then give `unknown_key` (use this when a key leaked).
/// Retiring a retired key again changes nothing.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_KEY_REFUSED` (the active key: rotate first),
/// `GRADREG_ERR_KEY_NOT_FOUND`, `GRADREG_ERR_KEY_STORE`, and the handle codes. Thread-safe.
///
/// # Safety
/// None beyond passing a handle this library returned.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keystore_retire(
    keystore: *const gradreg_keystore,
    key_id: u32,
    now_unix: i64,
) -> u32 {
    guard(|| {
        let store = get(keystore)?;
        let now = instant_arg(now_unix)?;
        store
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retire(KeyId(key_id), now)?;
        Ok(())
    })
}

/// Makes a new production key ring holding the store's keys that are not retired, the active
/// one signing: pass it to `gradreg_token_issue`, `gradreg_registry_issue_token`,
/// `gradreg_registry_status_lists` and the verify functions. It is a copy: later rotations do
/// not change it.
///
/// - `keyring_out`: receives the handle; free it with `gradreg_keyring_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_KEY_STORE`, and the NULL and handle codes. Thread-safe.
///
/// # Safety
/// `keyring_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keystore_keyring(
    keystore: *const gradreg_keystore,
    keyring_out: *mut *mut gradreg_keyring,
) -> u32 {
    guard(|| {
        let out = Out::new(keyring_out, "keyring_out")?;
        let ring = read(keystore, |store| Ok(store.ring()?))?;
        out.write(keyring::publish(ring)?);
        Ok(())
    })
}

/// The store's published key set, to hand to third-party verifiers: the public halves of its
/// Ed25519 keys that are not retired, with their signing periods (HMAC secrets are never
/// published): `{"format":"gradreg-key-set","version":1,"issuer":"示例大学","keys":[{"kid":2,
/// "alg":"ed25519","public_key":"<64 hex digits>","valid_from":"…","valid_to":null}]}`.
///
/// - `key_set_json_out`: free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_KEY_STORE`, and the NULL and handle codes. Thread-safe.
///
/// # Safety
/// `key_set_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keystore_key_set_json(
    keystore: *const gradreg_keystore,
    key_set_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(key_set_json_out, "key_set_json_out")?;
        let set = read(keystore, |store| Ok(store.key_set()?))?;
        out.write(owned_c_string(set.to_json())?);
        Ok(())
    })
}

/// Describes the store, without any secret: `{"path":"/etc/gradreg/keys.json",
/// "issuer":"示例大学","active":2,"keys":[{"id":1,"algorithm":"ed25519",
/// "created_at":"2026-05-01T02:00:00Z","valid_from":"2026-05-01T02:00:00Z",
/// "valid_to":"2026-06-01T02:00:00Z","retired_at":null},…]}` (every key, retired ones
/// included; `active` is null when no key signs).
///
/// - `info_json_out`: free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, and the NULL and handle codes. Thread-safe.
///
/// # Safety
/// `info_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keystore_info(
    keystore: *const gradreg_keystore,
    info_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(info_json_out, "info_json_out")?;
        let info = read(keystore, |store| {
            let keys: Vec<_> = store
                .keys()
                .iter()
                .map(|k| {
                    json!({
                        "id": k.kid,
                        "algorithm": k.alg,
                        "created_at": k.created_at,
                        "valid_from": k.valid_from,
                        "valid_to": k.valid_to,
                        "retired_at": k.retired_at,
                    })
                })
                .collect();
            Ok(json!({
                "path": store.path().to_string_lossy(),
                "issuer": store.issuer(),
                "active": store.active().map(|k| k.0),
                "keys": keys,
            }))
        })?;
        out.write(json_string(&info)?);
        Ok(())
    })
}

/// Makes a verify-only key ring from a published key set (the JSON of
/// `gradreg_keystore_key_set_json` or `gradreg_keyring_key_set_json`): what a verifier needs to
/// check tokens and status lists offline.
///
/// - `key_set_json`: the key set. Refused with `GRADREG_ERR_KEY_SET_INVALID`: not JSON, another
///   format or version, a repeated key id, a public key that is not 64 lower-case hex digits, a
///   signing period that ends before it starts.
/// - `test_mode`: 0 for production, which refuses small-order and non-canonical public keys
///   and keys marked as test keys (`GRADREG_ERR_KEY_REFUSED`); non-zero for a test ring that
///   accepts them (the published test vectors only).
/// - `keyring_out`: receives the handle; free it with `gradreg_keyring_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_KEY_SET_INVALID`, `GRADREG_ERR_KEY_REFUSED`, and the
/// NULL and UTF-8 codes. Thread-safe.
///
/// # Safety
/// `key_set_json` must be `{NULL, 0}` or point to its `len` readable bytes; `keyring_out` must
/// be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keyring_from_key_set(
    key_set_json: gradreg_str,
    test_mode: c_int,
    keyring_out: *mut *mut gradreg_keyring,
) -> u32 {
    guard(|| {
        let out = Out::new(keyring_out, "keyring_out")?;
        // SAFETY: forwarded.
        let text = unsafe { str_arg(key_set_json, "key_set_json") }?;
        let set = KeySet::from_json(text)?;
        let ring: KeyRing = if test_mode != 0 {
            set.ring_test_mode()?
        } else {
            set.ring()?
        };
        out.write(keyring::publish(ring)?);
        Ok(())
    })
}

/// The key set of a ring's Ed25519 keys (public halves only; HMAC keys are left out) under
/// `issuer`, in the form of `gradreg_keystore_key_set_json`. A key added without a signing
/// period is published as valid from 1970-01-01T00:00:00Z.
///
/// - `issuer`: who issues the tokens.
/// - `key_set_json_out`: free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, and the NULL, UTF-8 and handle codes. Thread-safe.
///
/// # Safety
/// `issuer` must be `{NULL, 0}` or point to its `len` readable bytes; `key_set_json_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keyring_key_set_json(
    keyring: *const gradreg_keyring,
    issuer: gradreg_str,
    key_set_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(key_set_json_out, "key_set_json_out")?;
        // SAFETY: forwarded.
        let issuer = unsafe { str_arg(issuer, "issuer") }?;
        let set = keyring::read(keyring, |ring| Ok(KeySet::from_ring(issuer, ring)))?;
        out.write(owned_c_string(set.to_json())?);
        Ok(())
    })
}
