//! The key store a deployment keeps: its signing keys in one file, readable by its owner only,
//! loaded at start, with rotation and retirement dates.
//!
//! The file is JSON (`docs/token-format.md` §5.3): Ed25519 private keys as PKCS#8 PEM (RFC 5208
//! / RFC 8410, readable by `openssl pkey`), HMAC secrets as hexadecimal, and for each key when it
//! was created, when it started and stopped signing, and when it was retired:
//!
//! ```json
//! {"format":"gradreg-key-store","version":1,"issuer":"示例大学","active":2,
//!  "keys":[{"kid":1,"alg":"ed25519","private_key_pem":"-----BEGIN PRIVATE KEY-----\n…",
//!           "created_at":"…","valid_from":"…","valid_to":"…","retired_at":null}, …]}
//! ```
//!
//! - **Rotation** ([`KeyStore::rotate`]) makes a new key the active one; the previous one stops
//!   signing (its `valid_to` is set) but keeps verifying the tokens it signed.
//! - **Retirement** ([`KeyStore::retire`]) takes a key out of the ring and of the published key
//!   set: tokens it signed then give `unknown_key`.
//!
//! Every change is written at once, atomically (a temporary file in the same folder, flushed,
//! then renamed over the old one), with mode 0600 on Unix; [`KeyStore::open`] refuses a file
//! that others may read.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

use super::keyring::{Algorithm, Key, KeyId, KeyRing};
use super::keyset::KeySet;
use super::token::hex;
use crate::error::{Error, Result};

/// The `format` member of a key store file.
pub const KEY_STORE_FORMAT: &str = "gradreg-key-store";

fn bad(path: &Path, detail: impl std::fmt::Display) -> Error {
    Error::KeyStore(format!("{}: {detail}", path.display()))
}

/// One key of the store, with its dates (the secret itself is not exposed).
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredKey {
    /// The key id.
    pub kid: u32,
    /// `ed25519` or `hmac-sha256`.
    pub alg: String,
    /// The Ed25519 private key, PKCS#8 PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    private_key_pem: Option<String>,
    /// The HMAC secret, hexadecimal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_hex: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it became the active key (never, for a key that was not activated).
    pub valid_from: Option<DateTime<Utc>>,
    /// When it stopped being the active key.
    pub valid_to: Option<DateTime<Utc>>,
    /// When it was retired (then it verifies nothing).
    pub retired_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secret material.
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("created_at", &self.created_at)
            .field("valid_from", &self.valid_from)
            .field("valid_to", &self.valid_to)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u32,
    issuer: String,
    active: Option<u32>,
    keys: Vec<StoredKey>,
}

/// A deployment's signing keys, kept in one owner-only file.
#[derive(Debug)]
pub struct KeyStore {
    path: PathBuf,
    issuer: String,
    active: Option<u32>,
    keys: Vec<StoredKey>,
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn random_32() -> Result<[u8; 32]> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)
        .map_err(|e| Error::InvalidArgument(format!("OS random source failed: {e}")))?;
    Ok(b)
}

impl StoredKey {
    fn generate(kid: u32, alg: Algorithm, now: DateTime<Utc>) -> Result<StoredKey> {
        let seed = random_32()?;
        let (private_key_pem, secret_hex) = match alg {
            Algorithm::Ed25519 => {
                // Version 1 (RFC 8410 §7: the seed alone), which every PKCS#8 reader takes;
                // OpenSSL 3.0 refuses the version-2 form with the public key attached.
                let pem = ed25519_dalek::pkcs8::KeypairBytes {
                    secret_key: seed,
                    public_key: None,
                }
                .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
                .map_err(|e| Error::KeyStore(format!("cannot encode PKCS#8: {e}")))?;
                (Some(pem.to_string()), None)
            }
            Algorithm::HmacSha256 => (None, Some(hex(&seed))),
        };
        Ok(StoredKey {
            kid,
            alg: alg.as_str().into(),
            private_key_pem,
            secret_hex,
            created_at: now,
            valid_from: None,
            valid_to: None,
            retired_at: None,
        })
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Option<Algorithm> {
        match self.alg.as_str() {
            "ed25519" => Some(Algorithm::Ed25519),
            "hmac-sha256" => Some(Algorithm::HmacSha256),
            _ => None,
        }
    }

    fn key(&self, path: &Path) -> Result<Key> {
        let id = KeyId(self.kid);
        let key = match (self.algorithm(), &self.private_key_pem, &self.secret_hex) {
            (Some(Algorithm::Ed25519), Some(pem), None) => {
                let sk = SigningKey::from_pkcs8_pem(pem)
                    .map_err(|e| bad(path, format!("key {id}: not an Ed25519 PKCS#8 key: {e}")))?;
                Key::ed25519_signing(id, &sk.to_bytes())
            }
            (Some(Algorithm::HmacSha256), None, Some(h)) => {
                let secret = unhex(h)
                    .ok_or_else(|| bad(path, format!("key {id}: secret_hex is not hexadecimal")))?;
                Key::hmac(id, &secret)
            }
            _ => {
                return Err(bad(
                    path,
                    format!(
                        "key {id}: algorithm {:?} needs private_key_pem (ed25519) or secret_hex (hmac-sha256), not both",
                        self.alg
                    ),
                ))
            }
        };
        Ok(key.with_period(self.valid_from, self.valid_to))
    }
}

impl KeyStore {
    /// Makes a new store at `path` (which must not exist) with one active key of `alg`, and
    /// writes it.
    pub fn create(
        path: impl AsRef<Path>,
        issuer: &str,
        alg: Algorithm,
        now: DateTime<Utc>,
    ) -> Result<KeyStore> {
        let path = path.as_ref().to_path_buf();
        if path.exists() {
            return Err(bad(&path, "already exists"));
        }
        let mut first = StoredKey::generate(1, alg, now)?;
        first.valid_from = Some(now);
        let store = KeyStore {
            path,
            issuer: issuer.into(),
            active: Some(1),
            keys: vec![first],
        };
        store.save()?;
        Ok(store)
    }

    /// Opens the store at `path`, or makes it (as [`KeyStore::create`]) when there is none.
    pub fn open_or_create(
        path: impl AsRef<Path>,
        issuer: &str,
        alg: Algorithm,
        now: DateTime<Utc>,
    ) -> Result<KeyStore> {
        if path.as_ref().exists() {
            Self::open(path)
        } else {
            Self::create(path, issuer, alg, now)
        }
    }

    /// Opens the store at `path`. Refused: a file others may read or write (Unix mode bits
    /// beyond 0600), another format or version, a key whose material does not read, a repeated
    /// key id, an active key that is missing or retired.
    pub fn open(path: impl AsRef<Path>) -> Result<KeyStore> {
        let path = path.as_ref().to_path_buf();
        let text = fs::read_to_string(&path).map_err(|e| bad(&path, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path)
                .map_err(|e| bad(&path, e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(bad(
                    &path,
                    format!(
                        "others may read it (mode {:o}); make it readable by its owner only (chmod 600)",
                        mode & 0o777
                    ),
                ));
            }
        }
        let file: File = serde_json::from_str(&text).map_err(|e| bad(&path, e))?;
        if file.format != KEY_STORE_FORMAT || file.version != 1 {
            return Err(bad(&path, "not a gradreg key store of version 1"));
        }
        let store = KeyStore {
            path,
            issuer: file.issuer,
            active: file.active,
            keys: file.keys,
        };
        // Every key must load, ids must be unique and the active key usable.
        store.ring()?;
        Ok(store)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who issues the tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The active key's id.
    pub fn active(&self) -> Option<KeyId> {
        self.active.map(KeyId)
    }

    /// Every key with its dates, retired ones included.
    pub fn keys(&self) -> &[StoredKey] {
        &self.keys
    }

    /// A production ring of the keys not retired, the active one signing.
    pub fn ring(&self) -> Result<KeyRing> {
        let mut ring = KeyRing::new();
        for k in self.keys.iter().filter(|k| k.retired_at.is_none()) {
            let key = k.key(&self.path)?;
            if self.active == Some(k.kid) {
                ring.add_active(key)?;
            } else {
                ring.add_retired(key)?;
            }
        }
        if let Some(a) = self.active {
            if ring.active() != Some(KeyId(a)) {
                return Err(bad(
                    &self.path,
                    format!("the active key {a} is missing or retired"),
                ));
            }
        }
        Ok(ring)
    }

    /// The published key set: the public halves of the Ed25519 keys not retired.
    pub fn key_set(&self) -> Result<KeySet> {
        Ok(KeySet::from_ring(&self.issuer, &self.ring()?))
    }

    /// Makes a new key of `alg` the active one at `now` (the previous one stops signing and
    /// keeps verifying) and writes the store. Returns the new key's id (one more than the
    /// largest so far).
    pub fn rotate(&mut self, alg: Algorithm, now: DateTime<Utc>) -> Result<KeyId> {
        let kid = self
            .keys
            .iter()
            .map(|k| k.kid)
            .max()
            .unwrap_or(0)
            .checked_add(1)
            .ok_or_else(|| bad(&self.path, "no key id left"))?;
        let mut new = StoredKey::generate(kid, alg, now)?;
        new.valid_from = Some(now);
        let mut next = self.keys.clone();
        if let Some(prev) = next.iter_mut().find(|k| Some(k.kid) == self.active) {
            prev.valid_to = Some(now);
        }
        next.push(new);
        let old = std::mem::replace(&mut self.keys, next);
        let old_active = self.active.replace(kid);
        if let Err(e) = self.save() {
            self.keys = old;
            self.active = old_active;
            return Err(e);
        }
        Ok(KeyId(kid))
    }

    /// Retires key `kid` at `now` (it no longer verifies and leaves the key set) and writes the
    /// store. The active key cannot be retired: rotate first.
    pub fn retire(&mut self, kid: KeyId, now: DateTime<Utc>) -> Result<()> {
        if self.active == Some(kid.0) {
            return Err(Error::KeyRefused(format!(
                "key {kid} is the active key: rotate to a new key before retiring it"
            )));
        }
        let i = self
            .keys
            .iter()
            .position(|k| k.kid == kid.0)
            .ok_or(Error::KeyNotFound(kid.0))?;
        if self.keys[i].retired_at.is_some() {
            return Ok(());
        }
        self.keys[i].retired_at = Some(now);
        if self.keys[i].valid_to.is_none() && self.keys[i].valid_from.is_some() {
            self.keys[i].valid_to = Some(now);
        }
        if let Err(e) = self.save() {
            self.keys[i].retired_at = None;
            return Err(e);
        }
        Ok(())
    }

    /// Writes the store atomically with owner-only permissions.
    fn save(&self) -> Result<()> {
        let file = File {
            format: KEY_STORE_FORMAT.into(),
            version: 1,
            issuer: self.issuer.clone(),
            active: self.active,
            keys: self.keys.clone(),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| bad(&self.path, e))?;
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = self
            .path
            .file_name()
            .ok_or_else(|| bad(&self.path, "not a file name"))?;
        let tmp = dir.join(format!(".{}.tmp", name.to_string_lossy()));
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let write = || -> std::io::Result<()> {
            let mut f = opts.open(&tmp)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                f.set_permissions(fs::Permissions::from_mode(0o600))?;
            }
            f.write_all(text.as_bytes())?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            fs::rename(&tmp, &self.path)?;
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            bad(&self.path, e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + s, 0).unwrap()
    }

    #[test]
    fn create_rotate_retire_reopen() {
        let dir = std::env::temp_dir().join(format!("gradreg-ks-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys.json");
        let mut ks = KeyStore::create(&path, "示例大学", Algorithm::Ed25519, t(0)).unwrap();
        assert!(KeyStore::create(&path, "x", Algorithm::Ed25519, t(0)).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let (_, _, sig) = ks.ring().unwrap().sign(b"m").unwrap();
        assert_eq!(ks.rotate(Algorithm::Ed25519, t(10)).unwrap(), KeyId(2));
        let hm = ks.rotate(Algorithm::HmacSha256, t(20)).unwrap();
        assert_eq!(hm, KeyId(3));
        let again = KeyStore::open(&path).unwrap();
        let ring = again.ring().unwrap();
        assert_eq!(ring.active(), Some(KeyId(3)));
        assert_eq!(
            ring.verify(Algorithm::Ed25519, KeyId(1), b"m", &sig),
            Ok(())
        );
        assert_eq!(ring.get(KeyId(1)).unwrap().valid_to(), Some(t(10)));
        let set = again.key_set().unwrap();
        assert_eq!(
            set.keys.iter().map(|k| k.kid).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert!(ks.retire(KeyId(3), t(30)).is_err(), "the active key stays");
        ks.retire(KeyId(1), t(30)).unwrap();
        let ring = KeyStore::open(&path).unwrap().ring().unwrap();
        assert!(ring.get(KeyId(1)).is_none());
        assert!(!format!("{ks:?}").contains("PRIVATE"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            let err = KeyStore::open(&path).unwrap_err();
            assert!(err.to_string().contains("chmod 600"), "{err}");
        }
        fs::write(&path, "{}").unwrap();
        assert!(KeyStore::open(&path).is_err());
        let _ = fs::remove_dir_all(&dir);
    }
}
