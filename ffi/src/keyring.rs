//! Key rings: the keys that sign and verify the tokens printed as QR codes on the forms.

use std::ffi::{c_char, c_int};
use std::sync::{Arc, RwLock};

use gradreg::{Key, KeyId, KeyRing};
use serde_json::json;

use crate::args::gradreg_bytes;
use crate::support::{
    bytes_arg, guard, guard_void, json_string, lookup, register, release, FfiResult, Object, Out,
};

/// A key ring (opaque): key ids, at most one active signing key, retired keys kept for
/// verification. Made by `gradreg_keyring_new`, freed by `gradreg_keyring_free`.
///
/// Thread rules: one ring may be used from several threads at once; signing and verifying
/// read it, adding, activating and removing keys write it, and writers wait for readers. A
/// handle is a token, not an address: never dereference it.
pub struct gradreg_keyring {
    _private: [u8; 0],
}

const KIND: &str = "gradreg_keyring";

pub(crate) fn get(handle: *const gradreg_keyring) -> FfiResult<Arc<RwLock<KeyRing>>> {
    lookup(handle as usize, "keyring", KIND, |o| match o {
        Object::KeyRing(r) => Some(Arc::clone(r)),
        _ => None,
    })
}

/// Registers a ring and returns its handle.
pub(crate) fn publish(ring: KeyRing) -> FfiResult<*mut gradreg_keyring> {
    let token = register(Object::KeyRing(Arc::new(RwLock::new(ring))))?;
    Ok(token as *mut gradreg_keyring)
}

/// Runs `f` on the ring for reading.
pub(crate) fn read<T>(
    handle: *const gradreg_keyring,
    f: impl FnOnce(&KeyRing) -> FfiResult<T>,
) -> FfiResult<T> {
    let ring = get(handle)?;
    let guard = ring.read().unwrap_or_else(|e| e.into_inner());
    f(&guard)
}

fn write<T>(
    handle: *const gradreg_keyring,
    f: impl FnOnce(&mut KeyRing) -> FfiResult<T>,
) -> FfiResult<T> {
    let ring = get(handle)?;
    let mut guard = ring.write().unwrap_or_else(|e| e.into_inner());
    f(&mut guard)
}

/// Makes an empty key ring.
///
/// - `test_mode`: 0 for production (keys shorter than 32 bytes, empty or all-equal keys and
///   keys marked as test keys are refused with `GRADREG_ERR_KEY_REFUSED`); non-zero for a test
///   ring that accepts them. Never use a test ring in production.
/// - `keyring_out`: receives the handle; free it with `gradreg_keyring_free`.
///
/// Returns `GRADREG_OK` or `GRADREG_ERR_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
/// `keyring_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keyring_new(
    test_mode: c_int,
    keyring_out: *mut *mut gradreg_keyring,
) -> u32 {
    guard(|| {
        let out = Out::new(keyring_out, "keyring_out")?;
        let ring = if test_mode != 0 {
            KeyRing::test_mode()
        } else {
            KeyRing::new()
        };
        out.write(publish(ring)?);
        Ok(())
    })
}

/// Frees a key ring (its secrets are wiped). NULL is a no-op; so is a handle that is already
/// freed or of another kind.
///
/// # Safety
/// None beyond passing a value this library returned (or NULL).
#[no_mangle]
pub unsafe extern "C" fn gradreg_keyring_free(keyring: *mut gradreg_keyring) {
    guard_void(|| release(keyring as usize, |o| matches!(o, Object::KeyRing(_))));
}

fn add(handle: *const gradreg_keyring, key: Key, active: c_int) -> FfiResult {
    write(handle, |ring| {
        if active != 0 {
            ring.add_active(key)?;
        } else {
            ring.add_retired(key)?;
        }
        Ok(())
    })
}

/// Adds an HMAC-SHA256 key (the default algorithm: the issuer and the systems it trusts share
/// the secret).
///
/// - `key_id`: the key's id, printed in every token it signs; unique in the ring.
/// - `secret`: the secret bytes (at least 32 in a production ring). They are copied.
/// - `active`: non-zero to make it the signing key (the previous active key is retired and keeps
///   verifying); 0 to add it for verification only.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_KEY_REFUSED`, `GRADREG_ERR_DUPLICATE_KEY_ID`, and the
/// NULL and handle codes. Thread-safe.
///
/// # Safety
/// `secret` must be `{NULL, 0}` or point to `secret.len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keyring_add_hmac(
    keyring: *const gradreg_keyring,
    key_id: u32,
    secret: gradreg_bytes,
    active: c_int,
) -> u32 {
    guard(|| {
        // SAFETY: forwarded.
        let secret = unsafe { bytes_arg(secret, "secret") }?;
        add(keyring, Key::hmac(KeyId(key_id), secret), active)
    })
}

fn key32(bytes: &[u8], name: &str) -> FfiResult<[u8; 32]> {
    bytes.try_into().map_err(|_| {
        gradreg::Error::InvalidArgument(format!("`{name}` must be 32 bytes, got {}", bytes.len()))
            .into()
    })
}

/// Adds an Ed25519 signing key from its 32-byte seed (the RFC 8032 private key), so that third
/// parties can verify with the public key alone (`gradreg_keyring_public_key`).
///
/// - `seed`: exactly 32 bytes (else `GRADREG_ERR_INVALID_ARGUMENT`).
/// - `key_id`, `active`: as in `gradreg_keyring_add_hmac`.
///
/// Returns as `gradreg_keyring_add_hmac`. Thread-safe.
///
/// # Safety
/// `seed` must be `{NULL, 0}` or point to `seed.len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keyring_add_ed25519(
    keyring: *const gradreg_keyring,
    key_id: u32,
    seed: gradreg_bytes,
    active: c_int,
) -> u32 {
    guard(|| {
        // SAFETY: forwarded.
        let seed = key32(unsafe { bytes_arg(seed, "seed") }?, "seed")?;
        add(keyring, Key::ed25519_signing(KeyId(key_id), &seed), active)
    })
}

/// Adds an Ed25519 public key for verification only (a verifier's ring).
///
/// - `public_key`: exactly 32 bytes, a valid curve point (else
///   `GRADREG_ERR_INVALID_ARGUMENT` or `GRADREG_ERR_KEY_REFUSED`).
///
/// Returns as `gradreg_keyring_add_hmac`. Thread-safe.
///
/// # Safety
/// `public_key` must be `{NULL, 0}` or point to `public_key.len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keyring_add_ed25519_public(
    keyring: *const gradreg_keyring,
    key_id: u32,
    public_key: gradreg_bytes,
) -> u32 {
    guard(|| {
        // SAFETY: forwarded.
        let public = key32(
            unsafe { bytes_arg(public_key, "public_key") }?,
            "public_key",
        )?;
        add(keyring, Key::ed25519_public(KeyId(key_id), &public)?, 0)
    })
}

/// Makes an existing signing key the active one (the previous active key is retired).
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_KEY_NOT_FOUND`, `GRADREG_ERR_KEY_REFUSED` (a public key
/// cannot sign), and the handle codes. Thread-safe.
///
/// # Safety
/// None beyond passing a handle this library returned.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keyring_activate(
    keyring: *const gradreg_keyring,
    key_id: u32,
) -> u32 {
    guard(|| write(keyring, |ring| Ok(ring.activate(KeyId(key_id))?)))
}

/// Removes a key: tokens it signed no longer verify (use this when a key leaked).
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_KEY_NOT_FOUND`, and the handle codes. Thread-safe.
///
/// # Safety
/// None beyond passing a handle this library returned.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keyring_remove(
    keyring: *const gradreg_keyring,
    key_id: u32,
) -> u32 {
    guard(|| {
        write(keyring, |ring| {
            ring.remove(KeyId(key_id)).map(drop).map_err(Into::into)
        })
    })
}

/// Copies the 32-byte Ed25519 public key of key `key_id` into `public_key_out` (to hand to
/// third-party verifiers).
///
/// - `public_key_out`, `public_key_len`: a buffer of at least 32 bytes
///   (`GRADREG_ERR_BUFFER_TOO_SMALL` otherwise; nothing written).
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_KEY_NOT_FOUND` (also for an HMAC key, which has no public
/// part), and the NULL and handle codes. Thread-safe.
///
/// # Safety
/// `public_key_out` must point to `public_key_len` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keyring_public_key(
    keyring: *const gradreg_keyring,
    key_id: u32,
    public_key_out: *mut u8,
    public_key_len: usize,
) -> u32 {
    guard(|| {
        if public_key_out.is_null() {
            return Err(crate::support::null_argument("public_key_out"));
        }
        let public = read(keyring, |ring| {
            ring.get(KeyId(key_id))
                .and_then(|k| k.ed25519_public_bytes())
                .ok_or_else(|| gradreg::Error::KeyNotFound(key_id).into())
        })?;
        if public_key_len < public.len() {
            return Err(crate::support::Failure::ffi(
                gradreg::ErrorCode::BufferTooSmall,
                format!("public_key_out needs 32 bytes, {public_key_len} given"),
            ));
        }
        // SAFETY: checked non-NULL and at least 32 writable bytes by the caller's promise.
        unsafe { std::ptr::copy_nonoverlapping(public.as_ptr(), public_key_out, public.len()) };
        Ok(())
    })
}

/// Describes the ring, without any secret: `{"test_mode":false,"active":2,
/// "keys":[{"id":1,"algorithm":"hmac-sha256","can_sign":true},
/// {"id":2,"algorithm":"ed25519","can_sign":true}]}` (`active` is null when no key signs).
///
/// - `info_json_out`: free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, and the NULL and handle codes. Thread-safe.
///
/// # Safety
/// `info_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_keyring_info(
    keyring: *const gradreg_keyring,
    info_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(info_json_out, "info_json_out")?;
        let info = read(keyring, |ring| {
            let keys: Vec<_> = ring
                .ids()
                .filter_map(|id| ring.get(id))
                .map(|k| {
                    json!({
                        "id": k.id().0,
                        "algorithm": k.algorithm().as_str(),
                        "can_sign": k.can_sign(),
                    })
                })
                .collect();
            Ok(json!({
                "test_mode": ring.is_test_mode(),
                "active": ring.active().map(|k| k.0),
                "keys": keys,
            }))
        })?;
        out.write(json_string(&info)?);
        Ok(())
    })
}
