//! The key ring that signs and verifies tokens.
//!
//! A ring holds keys by [`KeyId`]; at most one is *active* and signs new tokens, the others are
//! *retired* and only verify tokens issued before a rotation. Two algorithms sit behind it:
//!
//! - [`Algorithm::HmacSha256`] (the default): a shared secret of at least 32 bytes; whoever holds
//!   it can both issue and verify, so it stays with the issuer and the systems it trusts. Tag
//!   comparison is constant-time (`hmac`'s `verify_slice`).
//! - [`Algorithm::Ed25519`]: the issuer signs with a private key; third parties verify with the
//!   public key alone ([`KeyRing::public_only`]). Verification uses `verify_strict`.
//!
//! A production ring refuses keys that are empty, shorter than 32 bytes, made of one repeated
//! byte, or marked as test keys, and Ed25519 public keys that are of small order or not in
//! canonical encoding; [`KeyRing::test_mode`] accepts them (for tests and the published test
//! vectors only).
//!
//! A key may carry its *signing period* (`valid_from`, `valid_to`): the dates it became the
//! active key and stopped being it. They are published in the key set and bound what a key may
//! sign after it was rotated (status lists); see [`super::keyset`].

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{Error, Result};

/// Minimum length of an HMAC secret in production mode.
pub const MIN_SECRET_LEN: usize = 32;

/// A key id: a 32-bit number chosen by the deployment, carried in every token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyId(pub u32);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A signature algorithm, with its byte in the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// HMAC-SHA256, 32-byte tag. Token byte `0x01`.
    HmacSha256,
    /// Ed25519 (RFC 8032), 64-byte signature. Token byte `0x02`.
    Ed25519,
}

impl Algorithm {
    /// The algorithm's byte in the token.
    pub fn byte(self) -> u8 {
        match self {
            Algorithm::HmacSha256 => 1,
            Algorithm::Ed25519 => 2,
        }
    }

    /// The algorithm with this token byte.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(Algorithm::HmacSha256),
            2 => Some(Algorithm::Ed25519),
            _ => None,
        }
    }

    /// Length of the tag or signature in bytes.
    pub fn tag_len(self) -> usize {
        match self {
            Algorithm::HmacSha256 => 32,
            Algorithm::Ed25519 => 64,
        }
    }

    /// The name used in configuration and test vectors: `hmac-sha256` or `ed25519`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "hmac-sha256",
            Algorithm::Ed25519 => "ed25519",
        }
    }
}

#[derive(Clone)]
enum Material {
    /// The keyed HMAC state (inner and outer pads already absorbed), cloned per message.
    Hmac(Hmac<Sha256>),
    Ed25519Signing(Box<SigningKey>),
    Ed25519Public(VerifyingKey),
}

/// One key: its id, its material and whether it is marked as a test key.
#[derive(Clone)]
pub struct Key {
    id: KeyId,
    material: Material,
    test: bool,
    /// Why a production ring must refuse this key, if it must.
    weakness: Option<String>,
    /// Start of the signing period, when known.
    valid_from: Option<DateTime<Utc>>,
    /// End of the signing period (exclusive), when the key was rotated out.
    valid_to: Option<DateTime<Utc>>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print secret material.
        f.debug_struct("Key")
            .field("id", &self.id)
            .field("algorithm", &self.algorithm())
            .field("can_sign", &self.can_sign())
            .field("test", &self.test)
            .field("valid_from", &self.valid_from)
            .field("valid_to", &self.valid_to)
            .finish()
    }
}

fn weakness_of(secret: &[u8]) -> Option<String> {
    if secret.is_empty() {
        Some("the key is empty".into())
    } else if secret.len() < MIN_SECRET_LEN {
        Some(format!(
            "the key has {} bytes; at least {MIN_SECRET_LEN} are required",
            secret.len()
        ))
    } else if secret.iter().all(|&b| b == secret[0]) {
        Some("the key repeats a single byte".into())
    } else {
        None
    }
}

impl Key {
    /// An HMAC-SHA256 key from its secret bytes.
    pub fn hmac(id: KeyId, secret: &[u8]) -> Key {
        // HMAC accepts keys of any length, so this cannot fail; an empty key is still recorded as
        // a weakness and refused by a production ring.
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
        Key {
            id,
            material: Material::Hmac(mac),
            test: false,
            weakness: weakness_of(secret),
            valid_from: None,
            valid_to: None,
        }
    }

    /// An Ed25519 signing key from its 32-byte seed (the RFC 8032 private key).
    pub fn ed25519_signing(id: KeyId, seed: &[u8; 32]) -> Key {
        Key {
            id,
            material: Material::Ed25519Signing(Box::new(SigningKey::from_bytes(seed))),
            test: false,
            weakness: weakness_of(seed),
            valid_from: None,
            valid_to: None,
        }
    }

    /// An Ed25519 verification-only key from its 32-byte public key. Fails when the bytes are
    /// not a curve point; a point of small order or a non-canonical encoding (y ≥ p, or the
    /// sign bit set on x = 0) is recorded as a weakness, so that a production ring refuses it.
    pub fn ed25519_public(id: KeyId, public: &[u8; 32]) -> Result<Key> {
        let vk = VerifyingKey::from_bytes(public)
            .map_err(|_| Error::KeyRefused(format!("key {id}: not an Ed25519 public key")))?;
        let weakness = if vk.is_weak() {
            Some("the Ed25519 public key is of small order".to_string())
        } else if vk.to_edwards().compress().to_bytes() != *public {
            Some("the Ed25519 public key is not canonically encoded".to_string())
        } else {
            None
        };
        Ok(Key {
            id,
            material: Material::Ed25519Public(vk),
            test: false,
            weakness,
            valid_from: None,
            valid_to: None,
        })
    }

    /// Sets the key's signing period: from when it was the active key, until when (exclusive;
    /// `None` while it still is).
    pub fn with_period(
        mut self,
        valid_from: Option<DateTime<Utc>>,
        valid_to: Option<DateTime<Utc>>,
    ) -> Key {
        self.valid_from = valid_from;
        self.valid_to = valid_to;
        self
    }

    /// Start of the signing period, when known.
    pub fn valid_from(&self) -> Option<DateTime<Utc>> {
        self.valid_from
    }

    /// End of the signing period (exclusive), when the key was rotated out.
    pub fn valid_to(&self) -> Option<DateTime<Utc>> {
        self.valid_to
    }

    /// Whether the key's signing period contains `at` (a key without a period contains every
    /// instant).
    pub fn signs_at(&self, at: DateTime<Utc>) -> bool {
        self.valid_from.is_none_or(|f| at >= f) && self.valid_to.is_none_or(|t| at < t)
    }

    /// A new HMAC-SHA256 key of 32 bytes from the operating system's random source.
    pub fn generate_hmac(id: KeyId) -> Result<Key> {
        Ok(Key::hmac(id, &os_random_32()?))
    }

    /// A new Ed25519 signing key from the operating system's random source.
    pub fn generate_ed25519(id: KeyId) -> Result<Key> {
        Ok(Key::ed25519_signing(id, &os_random_32()?))
    }

    /// Marks the key as a test key: a production ring refuses it.
    pub fn mark_test(mut self) -> Key {
        self.test = true;
        self
    }

    /// The key id.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self.material {
            Material::Hmac(_) => Algorithm::HmacSha256,
            Material::Ed25519Signing(_) | Material::Ed25519Public(_) => Algorithm::Ed25519,
        }
    }

    /// Whether the key can sign (an HMAC secret or an Ed25519 private key).
    pub fn can_sign(&self) -> bool {
        !matches!(self.material, Material::Ed25519Public(_))
    }

    /// Whether the key is marked as a test key.
    pub fn is_test(&self) -> bool {
        self.test
    }

    /// The Ed25519 public key, for Ed25519 keys.
    pub fn ed25519_public_bytes(&self) -> Option<[u8; 32]> {
        match &self.material {
            Material::Ed25519Signing(sk) => Some(sk.verifying_key().to_bytes()),
            Material::Ed25519Public(vk) => Some(vk.to_bytes()),
            Material::Hmac(_) => None,
        }
    }
}

fn os_random_32() -> Result<[u8; 32]> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)
        .map_err(|err| Error::InvalidArgument(format!("OS random source failed: {err}")))?;
    Ok(b)
}

/// A tag on the stack.
enum Tag {
    Hmac([u8; 32]),
    Ed25519([u8; 64]),
}

impl Tag {
    fn as_slice(&self) -> &[u8] {
        match self {
            Tag::Hmac(t) => t,
            Tag::Ed25519(t) => t,
        }
    }
}

/// Why a tag did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyFailure {
    /// No key with that id and algorithm is in the ring.
    UnknownKey,
    /// The tag or signature does not match.
    BadSignature,
}

/// A set of keys with at most one active signing key.
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: BTreeMap<KeyId, Key>,
    active: Option<KeyId>,
    test_mode: bool,
}

impl Default for KeyRing {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyRing {
    /// An empty production ring: weak and test keys are refused.
    pub fn new() -> Self {
        KeyRing {
            keys: BTreeMap::new(),
            active: None,
            test_mode: false,
        }
    }

    /// An empty ring in test mode: it accepts empty, short and test keys. Never use one in
    /// production.
    pub fn test_mode() -> Self {
        KeyRing {
            test_mode: true,
            ..Self::new()
        }
    }

    /// Whether the ring is in test mode.
    pub fn is_test_mode(&self) -> bool {
        self.test_mode
    }

    fn admit(&self, key: &Key) -> Result<()> {
        if self.keys.contains_key(&key.id) {
            return Err(Error::DuplicateKeyId(key.id.0));
        }
        if !self.test_mode {
            if key.test {
                return Err(Error::KeyRefused(format!(
                    "key {}: marked as a test key",
                    key.id
                )));
            }
            if let Some(w) = &key.weakness {
                return Err(Error::KeyRefused(format!("key {}: {w}", key.id)));
            }
        }
        Ok(())
    }

    /// Adds a retired (verify-only) key.
    pub fn add_retired(&mut self, key: Key) -> Result<()> {
        self.admit(&key)?;
        self.keys.insert(key.id, key);
        Ok(())
    }

    /// Adds a key and makes it the active signing key; the previous active key is retired and
    /// keeps verifying.
    pub fn add_active(&mut self, key: Key) -> Result<()> {
        if !key.can_sign() {
            return Err(Error::KeyRefused(format!(
                "key {}: a public key cannot sign",
                key.id
            )));
        }
        self.admit(&key)?;
        self.active = Some(key.id);
        self.keys.insert(key.id, key);
        Ok(())
    }

    /// Makes an existing signing key active (the previous one is retired).
    pub fn activate(&mut self, id: KeyId) -> Result<()> {
        match self.keys.get(&id) {
            Some(k) if k.can_sign() => {
                self.active = Some(id);
                Ok(())
            }
            Some(_) => Err(Error::KeyRefused(format!(
                "key {id}: a public key cannot sign"
            ))),
            None => Err(Error::KeyNotFound(id.0)),
        }
    }

    /// Retires the active key: the ring then verifies but cannot sign until a key is activated.
    pub fn retire_active(&mut self) {
        self.active = None;
    }

    /// Removes a key entirely: tokens signed with it no longer verify.
    pub fn remove(&mut self, id: KeyId) -> Result<Key> {
        let k = self.keys.remove(&id).ok_or(Error::KeyNotFound(id.0))?;
        if self.active == Some(id) {
            self.active = None;
        }
        Ok(k)
    }

    /// The active key's id.
    pub fn active(&self) -> Option<KeyId> {
        self.active
    }

    /// The key with this id.
    pub fn get(&self, id: KeyId) -> Option<&Key> {
        self.keys.get(&id)
    }

    /// The ids of every key, ascending.
    pub fn ids(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.keys.keys().copied()
    }

    /// A verifier-only copy for third parties: the Ed25519 public keys, nothing secret (HMAC keys
    /// are left out), no active key.
    pub fn public_only(&self) -> KeyRing {
        let keys = self
            .keys
            .values()
            .filter_map(|k| {
                let public = match &k.material {
                    Material::Ed25519Signing(sk) => sk.verifying_key(),
                    Material::Ed25519Public(vk) => *vk,
                    Material::Hmac(_) => return None,
                };
                Some((
                    k.id,
                    Key {
                        id: k.id,
                        material: Material::Ed25519Public(public),
                        test: k.test,
                        weakness: None,
                        valid_from: k.valid_from,
                        valid_to: k.valid_to,
                    },
                ))
            })
            .collect();
        KeyRing {
            keys,
            active: None,
            test_mode: self.test_mode,
        }
    }

    /// Signs `message` with the active key: its algorithm, id and tag.
    pub fn sign(&self, message: &[u8]) -> Result<(Algorithm, KeyId, Vec<u8>)> {
        let (alg, id, tag) = self.sign_tag(message)?;
        Ok((alg, id, tag.as_slice().to_vec()))
    }

    /// Signs the bytes of `buf` with the active key and appends the tag to `buf`.
    pub(crate) fn sign_append(&self, buf: &mut Vec<u8>) -> Result<(Algorithm, KeyId)> {
        let (alg, id, tag) = self.sign_tag(buf)?;
        buf.extend_from_slice(tag.as_slice());
        Ok((alg, id))
    }

    fn sign_tag(&self, message: &[u8]) -> Result<(Algorithm, KeyId, Tag)> {
        let id = self.active.ok_or(Error::NoActiveKey)?;
        let key = self.keys.get(&id).ok_or(Error::NoActiveKey)?;
        let tag = match &key.material {
            Material::Hmac(mac) => {
                let mut m = mac.clone();
                m.update(message);
                Tag::Hmac(m.finalize().into_bytes().into())
            }
            Material::Ed25519Signing(sk) => Tag::Ed25519(sk.sign(message).to_bytes()),
            Material::Ed25519Public(_) => return Err(Error::NoActiveKey),
        };
        Ok((key.algorithm(), id, tag))
    }

    /// Checks `tag` over `message` with key `id`, which must be of algorithm `alg` (a key is
    /// never used with another algorithm than its own). HMAC tags are compared in constant time.
    pub fn verify(
        &self,
        alg: Algorithm,
        id: KeyId,
        message: &[u8],
        tag: &[u8],
    ) -> std::result::Result<(), VerifyFailure> {
        let key = self.keys.get(&id).ok_or(VerifyFailure::UnknownKey)?;
        if key.algorithm() != alg {
            return Err(VerifyFailure::UnknownKey);
        }
        let ok = match &key.material {
            Material::Hmac(mac) => {
                let mut m = mac.clone();
                m.update(message);
                m.verify_slice(tag).is_ok()
            }
            Material::Ed25519Signing(sk) => verify_ed25519(&sk.verifying_key(), message, tag),
            Material::Ed25519Public(vk) => verify_ed25519(vk, message, tag),
        };
        if ok {
            Ok(())
        } else {
            Err(VerifyFailure::BadSignature)
        }
    }
}

fn verify_ed25519(vk: &VerifyingKey, message: &[u8], tag: &[u8]) -> bool {
    let Ok(bytes) = <&[u8; 64]>::try_from(tag) else {
        return false;
    };
    let sig = ed25519_dalek::Signature::from_bytes(bytes);
    vk.verify_strict(message, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(seed: u8) -> [u8; 32] {
        std::array::from_fn(|i| seed.wrapping_add(i as u8).wrapping_mul(31))
    }

    #[test]
    fn production_ring_refuses_weak_and_test_keys() {
        let mut ring = KeyRing::new();
        let cases = [
            Key::hmac(KeyId(1), b""),
            Key::hmac(KeyId(2), &[9u8; 31][..]),
            Key::hmac(KeyId(3), &[0u8; 32]),
            Key::hmac(KeyId(4), &secret(1)).mark_test(),
            Key::ed25519_signing(KeyId(5), &secret(2)).mark_test(),
        ];
        for k in cases {
            let id = k.id();
            assert!(
                matches!(ring.add_active(k), Err(Error::KeyRefused(_))),
                "key {id}"
            );
        }
        assert!(ring.ids().next().is_none());
        assert_eq!(ring.sign(b"x"), Err(Error::NoActiveKey));
        ring.add_active(Key::hmac(KeyId(6), &secret(3))).unwrap();
        assert_eq!(ring.active(), Some(KeyId(6)));

        let mut test = KeyRing::test_mode();
        test.add_active(Key::hmac(KeyId(1), b"short").mark_test())
            .unwrap();
        test.add_retired(Key::hmac(KeyId(2), b"")).unwrap();
        assert!(test.sign(b"m").is_ok());
    }

    #[test]
    fn rotation_keeps_retired_keys_verifying() {
        let mut ring = KeyRing::new();
        ring.add_active(Key::hmac(KeyId(1), &secret(1))).unwrap();
        let (alg, id, tag) = ring.sign(b"hello").unwrap();
        assert_eq!((alg, id), (Algorithm::HmacSha256, KeyId(1)));
        ring.add_active(Key::ed25519_signing(KeyId(2), &secret(2)))
            .unwrap();
        assert_eq!(ring.active(), Some(KeyId(2)));
        assert_eq!(ring.verify(alg, id, b"hello", &tag), Ok(()));
        let (alg2, id2, sig) = ring.sign(b"hello").unwrap();
        assert_eq!((alg2, id2, sig.len()), (Algorithm::Ed25519, KeyId(2), 64));
        assert_eq!(ring.verify(alg2, id2, b"hello", &sig), Ok(()));
        assert_eq!(
            ring.verify(alg2, id2, b"hellO", &sig),
            Err(VerifyFailure::BadSignature)
        );
        assert_eq!(
            ring.verify(alg, id, b"hellO", &tag),
            Err(VerifyFailure::BadSignature)
        );
        assert_eq!(
            ring.verify(alg, KeyId(3), b"hello", &tag),
            Err(VerifyFailure::UnknownKey)
        );
        // A key is never used with another algorithm than its own.
        assert_eq!(
            ring.verify(Algorithm::Ed25519, KeyId(1), b"hello", &tag),
            Err(VerifyFailure::UnknownKey)
        );
        assert!(matches!(
            ring.add_retired(Key::hmac(KeyId(1), &secret(9))),
            Err(Error::DuplicateKeyId(1))
        ));
        // Retiring the active key stops signing, not verifying; re-activating resumes it.
        ring.retire_active();
        assert_eq!(ring.sign(b"hello"), Err(Error::NoActiveKey));
        assert_eq!(ring.verify(alg2, id2, b"hello", &sig), Ok(()));
        ring.activate(KeyId(1)).unwrap();
        assert_eq!(ring.sign(b"hello").unwrap().1, KeyId(1));
        assert_eq!(ring.activate(KeyId(42)), Err(Error::KeyNotFound(42)));
        ring.remove(KeyId(1)).unwrap();
        assert_eq!(ring.active(), None);
        assert_eq!(
            ring.verify(alg, id, b"hello", &tag),
            Err(VerifyFailure::UnknownKey)
        );
    }

    #[test]
    fn public_ring_verifies_ed25519_and_holds_no_secret() {
        let mut ring = KeyRing::new();
        ring.add_retired(Key::hmac(KeyId(1), &secret(1))).unwrap();
        ring.add_active(Key::ed25519_signing(KeyId(2), &secret(2)))
            .unwrap();
        let (alg, id, sig) = ring.sign(b"payload").unwrap();
        let public = ring.public_only();
        assert_eq!(public.ids().collect::<Vec<_>>(), vec![KeyId(2)]);
        assert_eq!(public.active(), None);
        assert_eq!(public.sign(b"payload"), Err(Error::NoActiveKey));
        assert_eq!(public.verify(alg, id, b"payload", &sig), Ok(()));
        let mut flipped = sig.clone();
        flipped[10] ^= 1;
        assert_eq!(
            public.verify(alg, id, b"payload", &flipped),
            Err(VerifyFailure::BadSignature)
        );
        assert_eq!(
            public.verify(alg, id, b"payload", &sig[..63]),
            Err(VerifyFailure::BadSignature)
        );
        // The public key alone, imported, verifies too; and it cannot be made active.
        let pk = ring.get(KeyId(2)).unwrap().ed25519_public_bytes().unwrap();
        let mut third = KeyRing::new();
        third
            .add_retired(Key::ed25519_public(KeyId(2), &pk).unwrap())
            .unwrap();
        assert_eq!(third.verify(alg, id, b"payload", &sig), Ok(()));
        assert!(matches!(
            third.activate(KeyId(2)),
            Err(Error::KeyRefused(_))
        ));
        assert!(!format!("{:?}", ring).contains(&format!("{:?}", secret(1))));
    }

    #[test]
    fn production_ring_refuses_small_order_and_non_canonical_public_keys() {
        // The identity point: small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        // y + p for a small y: decodes to the same point as y, but is not its canonical encoding.
        let non_canonical = (2u8..19)
            .map(|y| {
                // p = 2^255 - 19, little-endian: ed ff … ff 7f; p + y = (0xed + y) ff … ff 7f.
                let mut b = [0xffu8; 32];
                b[0] = 0xed + y;
                b[31] = 0x7f;
                b
            })
            .find(|b| VerifyingKey::from_bytes(b).is_ok_and(|vk| !vk.is_weak()))
            .expect("some y + p decodes to a point of large order");
        for (what, bytes) in [("small order", identity), ("non-canonical", non_canonical)] {
            let key = Key::ed25519_public(KeyId(9), &bytes).unwrap();
            let mut ring = KeyRing::new();
            assert!(
                matches!(ring.add_retired(key.clone()), Err(Error::KeyRefused(_))),
                "{what}"
            );
            KeyRing::test_mode().add_retired(key).unwrap();
        }
        // A genuine public key is accepted.
        let pk = Key::ed25519_signing(KeyId(1), &secret(4))
            .ed25519_public_bytes()
            .unwrap();
        KeyRing::new()
            .add_retired(Key::ed25519_public(KeyId(1), &pk).unwrap())
            .unwrap();
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2 (key "Jefe"), in a test-mode ring since the key is short.
        let mut ring = KeyRing::test_mode();
        ring.add_active(Key::hmac(KeyId(7), b"Jefe")).unwrap();
        let (_, _, tag) = ring.sign(b"what do ya want for nothing?").unwrap();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
