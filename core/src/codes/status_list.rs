//! Signed status lists: how a verifier without a connection learns that an authorization was
//! revoked or superseded.
//!
//! An issuer publishes, per list id, a bitstring with two bits per entry (0 in force, 1 revoked,
//! 2 superseded, 3 reserved and read as superseded), compressed with raw DEFLATE (RFC 1951) and
//! signed with a key of its published key set. A format-2 token points at its entry
//! ([`super::token::StatusPointer`]). A list holds at least [`MIN_ENTRIES`] entries, so that
//! fetching one tells nothing about which graduate a verifier is looking at.
//!
//! Text form: `GS1.` + base32 (as tokens) of:
//!
//! ```text
//! offset  size  field
//!  0      1     list format version = 0x01
//!  1      1     algorithm (0x01 HMAC-SHA256, 0x02 Ed25519)
//!  2      4     key id, u32be
//!  6      4     list id, u32be
//! 10      8     issued at, Unix seconds, u64be
//! 18      8     next update, Unix seconds, u64be (> issued at)
//! 26      4     entries n, u32be (131072 ≤ n ≤ 16777216, a multiple of 4)
//! 30      1     bits per entry = 2
//! 31      4     C = length of the compressed bitstring, u32be
//! 35      C     raw DEFLATE of the n/4-byte bitstring; entry i is bits 7−2(i mod 4) and
//!               6−2(i mod 4) of byte i/4 (the first entry is the two high bits of byte 0)
//!  …     32|64  HMAC-SHA256 tag or Ed25519 signature over every preceding byte
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::keyring::{Algorithm, KeyId, KeyRing, VerifyFailure};
use super::token::{base32_decode, base32_encode, MAX_TIME};
use crate::error::{Error, Result};

/// The text that starts a status list.
pub const LIST_TAG: &str = "GS1.";
/// The list format version.
pub const LIST_VERSION: u8 = 1;
/// The fewest entries a list may have (as many as the W3C Bitstring Status List's minimum of
/// 16 KiB at one bit per entry).
pub const MIN_ENTRIES: u32 = 131_072;
/// The most entries a list may have (4 MiB of bitstring).
pub const MAX_ENTRIES: u32 = 1 << 24;
const HEAD_LEN: usize = 35;

/// The status of one entry.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// In force (or not yet used).
    InForce = 0,
    /// Revoked by the graduate.
    Revoked = 1,
    /// The data changed after issue (or the reserved value 3).
    Superseded = 2,
}

/// A status list: its id, its times and its entries.
#[derive(Clone, PartialEq, Eq)]
pub struct StatusList {
    list: u32,
    issued_at: DateTime<Utc>,
    next_update: DateTime<Utc>,
    entries: u32,
    bits: Vec<u8>,
    key_id: Option<KeyId>,
}

impl std::fmt::Debug for StatusList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusList")
            .field("list", &self.list)
            .field("issued_at", &self.issued_at)
            .field("next_update", &self.next_update)
            .field("entries", &self.entries)
            .field("key_id", &self.key_id)
            .finish()
    }
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::StatusListInvalid(detail.into())
}

fn secs(t: DateTime<Utc>, what: &str) -> Result<u64> {
    u64::try_from(t.timestamp())
        .ok()
        .filter(|&s| s <= MAX_TIME)
        .ok_or_else(|| invalid(format!("{what} must lie between 1970 and the year 9999")))
}

impl StatusList {
    /// An empty list (every entry in force) of `entries` entries, rounded up to
    /// [`MIN_ENTRIES`] and to a multiple of 4.
    pub fn new(
        list: u32,
        entries: u32,
        issued_at: DateTime<Utc>,
        next_update: DateTime<Utc>,
    ) -> Result<StatusList> {
        let entries = entries.max(MIN_ENTRIES).next_multiple_of(4);
        if entries > MAX_ENTRIES {
            return Err(invalid(format!(
                "{entries} entries; a list holds at most {MAX_ENTRIES}"
            )));
        }
        if next_update <= issued_at {
            return Err(invalid("the next update must be after the issue time"));
        }
        secs(issued_at, "the issue time")?;
        secs(next_update, "the next update")?;
        Ok(StatusList {
            list,
            issued_at,
            next_update,
            entries,
            bits: vec![0; entries as usize / 4],
            key_id: None,
        })
    }

    /// The list id.
    pub fn id(&self) -> u32 {
        self.list
    }

    /// When it was issued: the statuses are as of this instant.
    pub fn issued_at(&self) -> DateTime<Utc> {
        self.issued_at
    }

    /// When the issuer publishes the next one; from then on this list is stale.
    pub fn next_update(&self) -> DateTime<Utc> {
        self.next_update
    }

    /// Number of entries.
    pub fn len(&self) -> u32 {
        self.entries
    }

    /// Whether the list has no entries (never: a list has at least [`MIN_ENTRIES`]).
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The key that signed a decoded list.
    pub fn key_id(&self) -> Option<KeyId> {
        self.key_id
    }

    /// Sets entry `index`.
    pub fn set(&mut self, index: u32, status: EntryStatus) -> Result<()> {
        if index >= self.entries {
            return Err(invalid(format!(
                "index {index} is outside the list's {} entries",
                self.entries
            )));
        }
        let (byte, shift) = (index as usize / 4, 6 - 2 * (index % 4));
        self.bits[byte] = (self.bits[byte] & !(3 << shift)) | ((status as u8) << shift);
        Ok(())
    }

    /// Entry `index`, or `None` past the end.
    pub fn get(&self, index: u32) -> Option<EntryStatus> {
        if index >= self.entries {
            return None;
        }
        let v = (self.bits[index as usize / 4] >> (6 - 2 * (index % 4))) & 3;
        Some(match v {
            0 => EntryStatus::InForce,
            1 => EntryStatus::Revoked,
            _ => EntryStatus::Superseded,
        })
    }

    /// Number of entries that are not in force.
    pub fn count_not_in_force(&self) -> u64 {
        self.bits
            .iter()
            .map(|&b| (0..4).filter(|k| (b >> (2 * k)) & 3 != 0).count() as u64)
            .sum()
    }

    /// The signed text (`GS1.…`), signed with the ring's active key.
    pub fn sign(&self, ring: &KeyRing) -> Result<String> {
        let kid = ring.active().ok_or(Error::NoActiveKey)?;
        let alg = ring
            .get(kid)
            .map(|k| k.algorithm())
            .ok_or(Error::NoActiveKey)?;
        let packed = miniz_oxide::deflate::compress_to_vec(&self.bits, 9);
        let c = u32::try_from(packed.len()).map_err(|_| invalid("list too large"))?;
        let mut m = Vec::with_capacity(HEAD_LEN + packed.len() + 64);
        m.push(LIST_VERSION);
        m.push(alg.byte());
        m.extend_from_slice(&kid.0.to_be_bytes());
        m.extend_from_slice(&self.list.to_be_bytes());
        m.extend_from_slice(&secs(self.issued_at, "the issue time")?.to_be_bytes());
        m.extend_from_slice(&secs(self.next_update, "the next update")?.to_be_bytes());
        m.extend_from_slice(&self.entries.to_be_bytes());
        m.push(2);
        m.extend_from_slice(&c.to_be_bytes());
        m.extend_from_slice(&packed);
        ring.sign_append(&mut m)?;
        Ok(format!("{LIST_TAG}{}", base32_encode(&m)))
    }

    /// Reads a signed list and checks it with `ring` (typically built from the issuer's key
    /// set): the signature, the layout, and that the key was in its signing period when the
    /// list was issued. Decompression never produces more than the list's declared size.
    /// Trailing white space is ignored.
    pub fn decode(text: &str, ring: &KeyRing) -> Result<StatusList> {
        let text = text.trim_end_matches([' ', '\t', '\r', '\n']);
        let body = text
            .strip_prefix(LIST_TAG)
            .ok_or_else(|| invalid("not a status list (no GS1. tag)"))?;
        let bytes = base32_decode(body).ok_or_else(|| invalid("not canonical base32"))?;
        if bytes.first() != Some(&LIST_VERSION) {
            return Err(invalid("unknown list format version"));
        }
        let alg = bytes
            .get(1)
            .copied()
            .and_then(Algorithm::from_byte)
            .ok_or_else(|| invalid("unknown algorithm"))?;
        let signed_len = bytes
            .len()
            .checked_sub(alg.tag_len())
            .filter(|&n| n >= HEAD_LEN)
            .ok_or_else(|| invalid("truncated"))?;
        let kid = KeyId(u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]));
        let (signed, tag) = bytes.split_at(signed_len);
        match ring.verify(alg, kid, signed, tag) {
            Ok(()) => {}
            Err(VerifyFailure::UnknownKey) => {
                return Err(invalid(format!(
                    "no key {kid} of algorithm {}",
                    alg.as_str()
                )))
            }
            Err(VerifyFailure::BadSignature) => {
                return Err(invalid("the signature does not verify"))
            }
        }
        let u32_at =
            |i: usize| u32::from_be_bytes([signed[i], signed[i + 1], signed[i + 2], signed[i + 3]]);
        let time_at = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&signed[i..i + 8]);
            Some(u64::from_be_bytes(a))
                .filter(|&s| s <= MAX_TIME)
                .and_then(|s| DateTime::from_timestamp(s as i64, 0))
        };
        let list = u32_at(6);
        let issued_at = time_at(10).ok_or_else(|| invalid("issue time out of range"))?;
        let next_update = time_at(18).ok_or_else(|| invalid("next update out of range"))?;
        if next_update <= issued_at {
            return Err(invalid("next update not after the issue time"));
        }
        let entries = u32_at(26);
        if !(MIN_ENTRIES..=MAX_ENTRIES).contains(&entries) || !entries.is_multiple_of(4) {
            return Err(invalid(format!(
                "{entries} entries; a list has {MIN_ENTRIES} to {MAX_ENTRIES}, a multiple of 4"
            )));
        }
        if signed[30] != 2 {
            return Err(invalid("bits per entry must be 2"));
        }
        let c = u32_at(31) as usize;
        let packed = &signed[HEAD_LEN..];
        if packed.len() != c {
            return Err(invalid("compressed length does not match"));
        }
        let want = entries as usize / 4;
        let bits = miniz_oxide::inflate::decompress_to_vec_with_limit(packed, want)
            .map_err(|_| invalid("the bitstring does not inflate to the declared size"))?;
        if bits.len() != want {
            return Err(invalid(
                "the bitstring does not inflate to the declared size",
            ));
        }
        if let Some(key) = ring.get(kid) {
            if !key.signs_at(issued_at) {
                return Err(invalid(format!(
                    "key {kid} was not in its signing period at the list's issue time"
                )));
            }
        }
        Ok(StatusList {
            list,
            issued_at,
            next_update,
            entries,
            bits,
            key_id: Some(kid),
        })
    }
}

/// The status lists a verifier holds, by list id (the newest of each id kept).
#[derive(Debug, Clone, Default)]
pub struct StatusLists {
    lists: BTreeMap<u32, StatusList>,
}

impl StatusLists {
    /// No lists.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a decoded list; an older list of the same id is replaced, a newer one kept.
    pub fn add(&mut self, list: StatusList) {
        match self.lists.get(&list.list) {
            Some(have) if have.issued_at >= list.issued_at => {}
            _ => {
                self.lists.insert(list.list, list);
            }
        }
    }

    /// Decodes `text` with `ring` and adds it.
    pub fn add_signed(&mut self, text: &str, ring: &KeyRing) -> Result<()> {
        self.add(StatusList::decode(text, ring)?);
        Ok(())
    }

    /// The list with this id.
    pub fn get(&self, list: u32) -> Option<&StatusList> {
        self.lists.get(&list)
    }

    /// Number of lists.
    pub fn len(&self) -> usize {
        self.lists.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// Every list, by id.
    pub fn iter(&self) -> impl Iterator<Item = &StatusList> {
        self.lists.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::keyring::Key;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + s, 0).unwrap()
    }

    fn ring() -> KeyRing {
        let mut r = KeyRing::new();
        let seed: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a);
        r.add_active(Key::ed25519_signing(KeyId(4), &seed)).unwrap();
        r
    }

    #[test]
    fn round_trips_and_reads_every_entry_value() {
        let ring = ring();
        let mut l = StatusList::new(7, 10, t(0), t(3600)).unwrap();
        assert_eq!(l.len(), MIN_ENTRIES);
        l.set(0, EntryStatus::Revoked).unwrap();
        l.set(5, EntryStatus::Superseded).unwrap();
        l.set(MIN_ENTRIES - 1, EntryStatus::Revoked).unwrap();
        assert!(l.set(MIN_ENTRIES, EntryStatus::Revoked).is_err());
        let text = l.sign(&ring).unwrap();
        assert!(text.starts_with(LIST_TAG));
        // Compressed: a list of 131072 entries is a few hundred characters.
        assert!(text.len() < 600, "{}", text.len());
        let back = StatusList::decode(&format!("{text}\r\n"), &ring.public_only()).unwrap();
        assert_eq!(back.get(0), Some(EntryStatus::Revoked));
        assert_eq!(back.get(1), Some(EntryStatus::InForce));
        assert_eq!(back.get(5), Some(EntryStatus::Superseded));
        assert_eq!(back.get(MIN_ENTRIES - 1), Some(EntryStatus::Revoked));
        assert_eq!(back.get(MIN_ENTRIES), None);
        assert_eq!(back.count_not_in_force(), 3);
        assert_eq!(back.key_id(), Some(KeyId(4)));
        assert_eq!((back.issued_at(), back.next_update()), (t(0), t(3600)));
    }

    #[test]
    fn refuses_tampering_and_keys_outside_their_period() {
        let ring = ring();
        let l = StatusList::new(1, 0, t(0), t(60)).unwrap();
        let text = l.sign(&ring).unwrap();
        let mut bytes = base32_decode(&text[4..]).unwrap();
        bytes[12] ^= 1;
        let forged = format!("{LIST_TAG}{}", base32_encode(&bytes));
        assert!(matches!(
            StatusList::decode(&forged, &ring),
            Err(Error::StatusListInvalid(_))
        ));
        assert!(StatusList::decode("GS1.", &ring).is_err());
        assert!(StatusList::decode("GR1.AAAA", &ring).is_err());
        // A key rotated out before the list's issue time cannot vouch for it.
        let seed: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a);
        let mut old = KeyRing::new();
        old.add_active(
            Key::ed25519_signing(KeyId(4), &seed).with_period(Some(t(-100)), Some(t(-1))),
        )
        .unwrap();
        assert!(StatusList::decode(&text, &old.public_only()).is_err());
        assert!(StatusList::new(1, MAX_ENTRIES + 4, t(0), t(1)).is_err());
        assert!(StatusList::new(1, 0, t(1), t(1)).is_err());
    }
}
