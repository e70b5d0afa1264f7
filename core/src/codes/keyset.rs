//! The published key set: the public keys a third party needs to verify an issuer's tokens and
//! status lists, as one JSON document (specified in `docs/token-format.md` §5.2).
//!
//! ```json
//! {"format":"gradreg-key-set","version":1,"issuer":"示例大学",
//!  "keys":[{"kid":2,"alg":"ed25519","public_key":"<64 hex digits>",
//!           "valid_from":"2026-05-01T00:00:00Z","valid_to":null}]}
//! ```
//!
//! Only Ed25519 keys are published (HMAC secrets never leave the issuer). `valid_from` and
//! `valid_to` bound the key's *signing period*: a status list must have been issued within it. A
//! token's own times are the authorization's and are not compared with it (an authorization
//! issued before a rotation is printed, later, with the new key). A retired key is left out of
//! the set, and tokens it signed then give `unknown_key`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::keyring::{Algorithm, Key, KeyId, KeyRing};
use super::token::hex;
use crate::error::{Error, Result};

/// The `format` member of a key set.
pub const KEY_SET_FORMAT: &str = "gradreg-key-set";

/// One published key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedKey {
    /// The key id carried by tokens and lists.
    pub kid: u32,
    /// `ed25519` (keys of other algorithms are skipped when read).
    pub alg: String,
    /// The 32-byte public key, in lower-case hexadecimal.
    pub public_key: String,
    /// Start of the signing period.
    pub valid_from: DateTime<Utc>,
    /// End of the signing period (exclusive); null while the key signs.
    pub valid_to: Option<DateTime<Utc>>,
    /// Marks a test key (only the published test vectors have it); a production ring refuses it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test: bool,
}

/// An issuer's published key set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySet {
    /// Always [`KEY_SET_FORMAT`].
    pub format: String,
    /// Always 1.
    pub version: u32,
    /// Who issues the tokens (a school, a province, the national platform).
    pub issuer: String,
    /// The keys, by ascending id.
    pub keys: Vec<PublishedKey>,
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::KeySetInvalid(detail.into())
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl KeySet {
    /// The key set of `ring`'s Ed25519 keys (public halves only) under `issuer`. A key without
    /// a recorded signing period is published as valid from the Unix epoch.
    pub fn from_ring(issuer: &str, ring: &KeyRing) -> KeySet {
        let keys = ring
            .ids()
            .filter_map(|id| ring.get(id))
            .filter_map(|k| {
                let public = k.ed25519_public_bytes()?;
                Some(PublishedKey {
                    kid: k.id().0,
                    alg: Algorithm::Ed25519.as_str().into(),
                    public_key: hex(&public),
                    valid_from: k.valid_from().unwrap_or(DateTime::UNIX_EPOCH),
                    valid_to: k.valid_to(),
                    test: k.is_test(),
                })
            })
            .collect();
        KeySet {
            format: KEY_SET_FORMAT.into(),
            version: 1,
            issuer: issuer.into(),
            keys,
        }
    }

    /// The JSON text (pretty-printed, keys by ascending id).
    pub fn to_json(&self) -> String {
        // Plain strings, numbers and dates: serializing cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a key set. Refused: another format or version, a repeated key id, an Ed25519 key
    /// that is not 64 lower-case hex digits of a curve point, a signing period that ends before
    /// it starts. Members this version does not know are ignored; keys of another algorithm are
    /// skipped.
    pub fn from_json(text: &str) -> Result<KeySet> {
        let set: KeySet =
            serde_json::from_str(text).map_err(|e| invalid(format!("not a key set: {e}")))?;
        if set.format != KEY_SET_FORMAT {
            return Err(invalid(format!(
                "format is {:?}, not {KEY_SET_FORMAT:?}",
                set.format
            )));
        }
        if set.version != 1 {
            return Err(invalid(format!("unknown key set version {}", set.version)));
        }
        let mut seen = std::collections::BTreeSet::new();
        for k in &set.keys {
            if !seen.insert(k.kid) {
                return Err(invalid(format!("key id {} appears twice", k.kid)));
            }
            if k.valid_to.is_some_and(|t| t <= k.valid_from) {
                return Err(invalid(format!(
                    "key {}: valid_to is not after valid_from",
                    k.kid
                )));
            }
            if k.alg == Algorithm::Ed25519.as_str() && unhex32(&k.public_key).is_none() {
                return Err(invalid(format!(
                    "key {}: the public key is not 64 lower-case hexadecimal digits",
                    k.kid
                )));
            }
        }
        Ok(set)
    }

    fn build(&self, mut ring: KeyRing) -> Result<KeyRing> {
        for k in self
            .keys
            .iter()
            .filter(|k| k.alg == Algorithm::Ed25519.as_str())
        {
            let public = unhex32(&k.public_key).ok_or_else(|| {
                invalid(format!(
                    "key {}: the public key is not 64 hex digits",
                    k.kid
                ))
            })?;
            let mut key = Key::ed25519_public(KeyId(k.kid), &public)?
                .with_period(Some(k.valid_from), k.valid_to);
            if k.test {
                key = key.mark_test();
            }
            ring.add_retired(key)?;
        }
        Ok(ring)
    }

    /// A verify-only production ring of the set's keys: small-order and non-canonical public
    /// keys and test keys are refused (`KeyRefused`).
    pub fn ring(&self) -> Result<KeyRing> {
        self.build(KeyRing::new())
    }

    /// A verify-only ring in test mode (accepts test and weak keys): for the published test
    /// vectors only.
    pub fn ring_test_mode(&self) -> Result<KeyRing> {
        self.build(KeyRing::test_mode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_sets() {
        let mut ring = KeyRing::new();
        let seed: [u8; 32] = std::array::from_fn(|i| i as u8 + 1);
        let from = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        ring.add_active(Key::ed25519_signing(KeyId(3), &seed).with_period(Some(from), None))
            .unwrap();
        ring.add_retired(Key::hmac(
            KeyId(1),
            &[7u8; 16]
                .repeat(2)
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ i as u8)
                .collect::<Vec<_>>(),
        ))
        .unwrap();
        let set = KeySet::from_ring("示例大学", &ring);
        assert_eq!(set.keys.len(), 1, "HMAC keys are never published");
        let text = set.to_json();
        assert!(!text.contains("secret"));
        let back = KeySet::from_json(&text).unwrap();
        assert_eq!(back, set);
        let r = back.ring().unwrap();
        assert_eq!(r.ids().collect::<Vec<_>>(), vec![KeyId(3)]);
        assert_eq!(r.get(KeyId(3)).unwrap().valid_from(), Some(from));

        let bad = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            f(&mut v);
            KeySet::from_json(&v.to_string()).and_then(|s| s.ring())
        };
        assert!(bad(&|v| v["format"] = "jwks".into()).is_err());
        assert!(bad(&|v| v["version"] = 2.into()).is_err());
        assert!(bad(&|v| v["keys"][0]["public_key"] = "AB".into()).is_err());
        assert!(bad(&|v| {
            let k = v["keys"][0].clone();
            v["keys"].as_array_mut().unwrap().push(k);
        })
        .is_err());
        // The identity point (small order) and a non-canonical encoding of a point.
        let mut identity = "01".to_string();
        identity.push_str(&"00".repeat(31));
        assert!(matches!(
            bad(&|v| v["keys"][0]["public_key"] = identity.clone().into()),
            Err(Error::KeyRefused(_))
        ));
        assert!(bad(&|v| v["keys"][0]["valid_to"] = "2020-01-01T00:00:00Z".into()).is_err());
        // Unknown members are ignored; keys of another algorithm skipped.
        let ok = bad(&|v| {
            v["comment"] = "x".into();
            v["keys"][0]["note"] = "y".into();
            v["keys"].as_array_mut().unwrap().push(serde_json::json!({
                "kid": 9, "alg": "ml-dsa-44", "public_key": "00", "valid_from": "2026-01-01T00:00:00Z", "valid_to": null
            }));
        })
        .unwrap();
        assert_eq!(ok.ids().count(), 1);
    }
}
