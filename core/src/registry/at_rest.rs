//! Personal data at rest: field-level encryption of what the SQLite store writes.
//!
//! The host supplies a ring of data keys ([`DataKeyRing`]) when it opens a registry; the key with
//! the highest id seals new values and every key of the ring opens them. With a ring, the store
//! seals each registration's JSON, each audit entry, each event and the ID number kept beside
//! the row, with XChaCha20-Poly1305 (an AEAD: a value that was edited, truncated or moved to
//! another row or column fails to open instead of reading as something else).
//!
//! A sealed value is bytes: the format version (1), the key id (4 bytes, big-endian), a random
//! 24-byte nonce, then the ciphertext with its 16-byte tag. The associated data binds the value
//! to its place: the format header, the column and the registration id (and for audit entries
//! their sequence number), so a sealed value copied to another row does not open.
//!
//! ID numbers are looked up through a blind index: HMAC-SHA256, under an index key of its own,
//! over the normalised (upper-case) ID number. The index key is drawn at random when a file is
//! first encrypted and kept in the file sealed under the data keys, like any other value: it does
//! not change when data keys rotate, so the lookup columns stay valid, and the host keeps one
//! kind of key only.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use hmac::{Hmac, Mac};

use crate::error::{Error, Result};

/// The length of a data key in bytes.
pub const DATA_KEY_LEN: usize = 32;

/// The format version of a sealed value (its first byte).
const FORMAT: u8 = 1;
/// Format byte, key id, nonce.
const HEADER_LEN: usize = 1 + 4 + 24;
/// The Poly1305 tag.
const TAG_LEN: usize = 16;
/// Prefix of every associated data, so a value sealed for another purpose never opens here.
const DOMAIN: &[u8] = b"gradreg/at-rest/v1\0";

/// One data key: 32 secret bytes and the id that names it in every value it seals.
///
/// The bytes are wiped when the key is dropped; `Debug` shows the id only.
#[derive(Clone)]
pub struct DataKey {
    id: u32,
    key: [u8; DATA_KEY_LEN],
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        wipe(&mut self.key);
    }
}

/// Overwrites secret bytes with zeros in a way the optimiser keeps.
fn wipe(bytes: &mut [u8]) {
    for b in bytes.iter_mut() {
        // SAFETY: `b` is a valid, aligned, exclusive reference to one byte.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

impl DataKey {
    /// A key from its id (1 or more) and its 32 bytes. Id 0 is refused
    /// ([`Error::DataKeyInvalid`]).
    pub fn new(id: u32, key: [u8; DATA_KEY_LEN]) -> Result<Self> {
        if id == 0 {
            return Err(Error::DataKeyInvalid(
                "key id 0 is reserved; ids start at 1".into(),
            ));
        }
        Ok(DataKey { id, key })
    }

    /// A key from its id and its 32 bytes written as 64 hexadecimal digits or as standard
    /// base64 (44 characters with padding). Anything else is [`Error::DataKeyInvalid`], whose
    /// message never repeats the text.
    pub fn from_text(id: u32, text: &str) -> Result<Self> {
        let t = text.trim();
        let bytes = if t.len() == 2 * DATA_KEY_LEN {
            decode_hex(t)
        } else {
            decode_base64(t)
        };
        match bytes {
            Some(b) if b.len() == DATA_KEY_LEN => {
                let mut key = [0u8; DATA_KEY_LEN];
                key.copy_from_slice(&b);
                let mut b = b;
                wipe(&mut b);
                Self::new(id, key)
            }
            Some(mut b) => {
                let n = b.len();
                wipe(&mut b);
                Err(Error::DataKeyInvalid(format!(
                    "key {id} has {n} bytes; a data key has {DATA_KEY_LEN}"
                )))
            }
            None => Err(Error::DataKeyInvalid(format!(
                "key {id} is neither 64 hexadecimal digits nor base64 of 32 bytes"
            ))),
        }
    }

    /// A new random key (from the operating system) with this id.
    pub fn generate(id: u32) -> Result<Self> {
        let mut key = [0u8; DATA_KEY_LEN];
        getrandom::fill(&mut key)
            .map_err(|e| Error::Storage(format!("no randomness for a data key: {e}").into()))?;
        Self::new(id, key)
    }

    /// The key's id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The key's bytes as 64 lower-case hexadecimal digits (for a host that generated a key and
    /// must keep it). Handle the result as the secret it is.
    pub fn to_hex(&self) -> String {
        self.key.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(Key::from_slice(&self.key))
    }
}

fn decode_hex(t: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    t.as_bytes()
        .chunks(2)
        .map(|p| match p {
            [a, b] => Some(digit(*a)? << 4 | digit(*b)?),
            _ => None,
        })
        .collect()
}

fn decode_base64(t: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let body = t.trim_end_matches('=');
    if !t.len().is_multiple_of(4) || t.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.as_bytes().chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= value(*c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// The data keys a host supplies: the key with the highest id seals, every key opens.
#[derive(Clone, Debug)]
pub struct DataKeyRing {
    /// By id, ascending.
    keys: Vec<DataKey>,
}

impl DataKeyRing {
    /// A ring of one or more keys with distinct ids; an empty ring or a repeated id is
    /// [`Error::DataKeyRingInvalid`].
    pub fn new(keys: Vec<DataKey>) -> Result<Self> {
        let mut keys = keys;
        if keys.is_empty() {
            return Err(Error::DataKeyRingInvalid("the ring holds no key".into()));
        }
        keys.sort_by_key(|k| k.id);
        if let Some(w) = keys.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(Error::DataKeyRingInvalid(format!(
                "key id {} appears twice",
                w[0].id
            )));
        }
        Ok(DataKeyRing { keys })
    }

    /// The key that seals new values: the one with the highest id.
    pub fn newest(&self) -> &DataKey {
        // `new` refuses an empty ring.
        &self.keys[self.keys.len() - 1]
    }

    /// The ids of the ring's keys, ascending.
    pub fn ids(&self) -> Vec<u32> {
        self.keys.iter().map(|k| k.id).collect()
    }

    fn get(&self, id: u32) -> Option<&DataKey> {
        self.keys
            .binary_search_by_key(&id, |k| k.id)
            .ok()
            .map(|i| &self.keys[i])
    }
}

/// The associated data of a value: the domain, the value's header and its place.
fn associated(header: &[u8], place: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(DOMAIN.len() + header.len() + place.len());
    aad.extend_from_slice(DOMAIN);
    aad.extend_from_slice(header);
    aad.extend_from_slice(place);
    aad
}

/// The place of a registration column's value: the column, then the registration id.
pub fn row_place(column: &str, registration_id: &str) -> Vec<u8> {
    let mut p = Vec::with_capacity(column.len() + registration_id.len() + 1);
    p.extend_from_slice(column.as_bytes());
    p.push(0);
    p.extend_from_slice(registration_id.as_bytes());
    p
}

/// The place of audit record `seq` of a registration.
pub fn audit_place(registration_id: &str, seq: u64) -> Vec<u8> {
    let mut p = row_place("audit.entry", registration_id);
    p.push(0);
    p.extend_from_slice(&seq.to_be_bytes());
    p
}

/// What keys the rows of a [`SealedDocument`] table.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocumentKey {
    /// The row's `seq` (an integer).
    Seq,
    /// The row's `registration_id` (text).
    RegistrationId,
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl DocumentKey {
    /// The key's column.
    pub(crate) fn column(self) -> &'static str {
        match self {
            DocumentKey::Seq => "seq",
            DocumentKey::RegistrationId => "registration_id",
        }
    }
}

/// A table with one sealed document a row, every row with a `registration_id`: what sealing
/// and re-sealing walk besides the registrations (whose data and ID number are sealed
/// together with the blind index, so they are walked on their own).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) struct SealedDocument {
    /// The table.
    pub(crate) table: &'static str,
    /// What keys its rows.
    pub(crate) key: DocumentKey,
    /// The sealed column.
    pub(crate) column: &'static str,
    /// The place of a value, from the row's registration id and `seq` (0 where the rows are
    /// keyed by registration id).
    pub(crate) place: fn(&str, u64) -> Vec<u8>,
    /// Whether a trigger refuses updates of the table (the audit trail's: `<table>_append_only`
    /// in PostgreSQL, `<table>_append_only_update` in SQLite), so that sealing lifts it for its
    /// own updates.
    pub(crate) append_only: bool,
}

/// The place a registration's ID number is sealed to (with its id, [`row_place`]).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const ID_NUMBER_PLACE: &str = "registrations.id_number";

/// The ID number column of registration `registration_id` under data keys (`at`): replaces
/// `id_number` (when not empty) by its blind index and returns the number sealed to its place.
/// Without data keys, or for an empty number, `id_number` stays and there is nothing sealed.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn seal_id_number(
    at: Option<&AtRest>,
    registration_id: &str,
    id_number: &mut String,
) -> Result<Option<Vec<u8>>> {
    match at {
        Some(a) if !id_number.is_empty() => {
            let plain = std::mem::take(id_number);
            let sealed = a.seal_text(&row_place(ID_NUMBER_PLACE, registration_id), &plain)?;
            *id_number = a.blind_index(&plain);
            Ok(Some(sealed))
        }
        _ => Ok(None),
    }
}

/// The place an event is sealed to (with its registration's id, [`row_place`]).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const EVENT_PLACE: &str = "events.event";

/// The tables of sealed documents, in the order sealing walks them.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const SEALED_DOCUMENTS: [SealedDocument; 3] = [
    SealedDocument {
        table: "audit",
        key: DocumentKey::Seq,
        column: "entry",
        place: audit_place,
        append_only: true,
    },
    SealedDocument {
        table: "verification_views",
        key: DocumentKey::RegistrationId,
        column: "view",
        place: |id, _| row_place("verification_views.view", id),
        append_only: false,
    },
    SealedDocument {
        table: "events",
        key: DocumentKey::Seq,
        column: "event",
        place: |id, _| row_place(EVENT_PLACE, id),
        append_only: false,
    },
];

/// Seals `plain` for `place` with the ring's newest key.
pub fn seal(ring: &DataKeyRing, place: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
    let key = ring.newest();
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce)
        .map_err(|e| Error::Storage(format!("no randomness for a nonce: {e}").into()))?;
    let mut out = Vec::with_capacity(HEADER_LEN + plain.len() + TAG_LEN);
    out.push(FORMAT);
    out.extend_from_slice(&key.id.to_be_bytes());
    out.extend_from_slice(&nonce);
    let aad = associated(&out[..5], place);
    let ct = key
        .cipher()
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: &aad,
            },
        )
        .map_err(|_| Error::Storage("sealing failed".into()))?;
    out.extend_from_slice(&ct);
    Ok(out)
}

/// The id of the key that sealed a value, when it has the sealed format.
pub fn sealed_key_id(sealed: &[u8]) -> Option<u32> {
    if sealed.len() < HEADER_LEN + TAG_LEN || sealed[0] != FORMAT {
        return None;
    }
    Some(u32::from_be_bytes([
        sealed[1], sealed[2], sealed[3], sealed[4],
    ]))
}

/// Opens a value sealed for `place`. A value sealed by a key the ring lacks is
/// [`Error::DataKeyWrong`]; one that is not in the sealed format, or fails authentication
/// (edited, truncated, or sealed for another place) is [`Error::Undecryptable`].
pub fn open(ring: &DataKeyRing, place: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
    let id = sealed_key_id(sealed)
        .ok_or_else(|| Error::Undecryptable("a value is not in the sealed format".into()))?;
    let key = ring.get(id).ok_or_else(|| Error::DataKeyWrong {
        needed: id,
        given: ring.ids(),
    })?;
    let aad = associated(&sealed[..5], place);
    key.cipher()
        .decrypt(
            XNonce::from_slice(&sealed[5..HEADER_LEN]),
            Payload {
                msg: &sealed[HEADER_LEN..],
                aad: &aad,
            },
        )
        .map_err(|_| {
            Error::Undecryptable(format!("a value sealed by key {id} fails authentication").into())
        })
}

/// What a store needs to read and write sealed values: the ring and the blind-index key.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) struct AtRest {
    ring: DataKeyRing,
    index_key: [u8; 32],
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl Drop for AtRest {
    fn drop(&mut self) {
        wipe(&mut self.index_key);
    }
}

/// The place of the sealed blind-index key in the file's metadata.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const INDEX_KEY_PLACE: &[u8] = b"meta\0at_rest_index_key";

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl AtRest {
    /// From a ring and an index key already opened.
    pub(crate) fn new(ring: DataKeyRing, index_key: [u8; 32]) -> Self {
        AtRest { ring, index_key }
    }

    /// A new random index key.
    pub(crate) fn fresh_index_key() -> Result<[u8; 32]> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k)
            .map_err(|e| Error::Storage(format!("no randomness for an index key: {e}").into()))?;
        Ok(k)
    }

    /// Opens the sealed index key of a file. Any failure means the ring is not the file's:
    /// [`Error::DataKeyWrong`].
    pub(crate) fn open_index_key(ring: &DataKeyRing, sealed: &[u8]) -> Result<[u8; 32]> {
        let needed = sealed_key_id(sealed).unwrap_or(0);
        let wrong = || Error::DataKeyWrong {
            needed,
            given: ring.ids(),
        };
        let mut plain = open(ring, INDEX_KEY_PLACE, sealed).map_err(|_| wrong())?;
        if plain.len() != 32 {
            wipe(&mut plain);
            return Err(wrong());
        }
        let mut k = [0u8; 32];
        k.copy_from_slice(&plain);
        wipe(&mut plain);
        Ok(k)
    }

    /// The index key sealed under the newest key.
    pub(crate) fn sealed_index_key(&self) -> Result<Vec<u8>> {
        seal(&self.ring, INDEX_KEY_PLACE, &self.index_key)
    }

    /// Seals text for a place (in the stores' packed form when it is a document; see
    /// [`super::stored`]).
    pub(crate) fn seal_text(&self, place: &[u8], text: &str) -> Result<Vec<u8>> {
        #[cfg(any(feature = "sqlite", feature = "postgres"))]
        return seal(&self.ring, place, &super::stored::pack(text)?);
        #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
        seal(&self.ring, place, text.as_bytes())
    }

    /// Opens text sealed for a place (packed or not).
    pub(crate) fn open_text(&self, place: &[u8], sealed: &[u8]) -> Result<String> {
        let plain = open(&self.ring, place, sealed)?;
        #[cfg(any(feature = "sqlite", feature = "postgres"))]
        if super::stored::is_packed(&plain) {
            return super::stored::unpack(&plain);
        }
        String::from_utf8(plain)
            .map_err(|_| Error::Undecryptable("a sealed value is not UTF-8 text".into()))
    }

    /// The blind index of an ID number (empty for an empty one, which is never looked up):
    /// 64 hexadecimal digits of HMAC-SHA256 under the index key over the upper-case number.
    pub(crate) fn blind_index(&self, id_number: &str) -> String {
        if id_number.is_empty() {
            return String::new();
        }
        let mut mac = <Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(&self.index_key)
            .expect("HMAC takes a key of any length");
        mac.update(b"id_number\0");
        mac.update(id_number.to_ascii_uppercase().as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The format header (version and key id) of values sealed by the newest key.
    pub(crate) fn newest_header(&self) -> [u8; 5] {
        let id = self.ring.newest().id.to_be_bytes();
        [FORMAT, id[0], id[1], id[2], id[3]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(ids: &[u32]) -> DataKeyRing {
        DataKeyRing::new(
            ids.iter()
                .map(|i| DataKey::new(*i, [*i as u8; 32]).unwrap())
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn keys_read_from_hex_and_base64() {
        let hex = "00".repeat(31) + "ff";
        assert_eq!(DataKey::from_text(1, &hex).unwrap().key[31], 0xff);
        let b64 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAP8=";
        assert_eq!(DataKey::from_text(1, b64).unwrap().key[31], 0xff);
        for bad in ["", "zz", &"0".repeat(63), "AAAA", &"g".repeat(64)] {
            let e = DataKey::from_text(1, bad).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::DataKeyInvalid, "{bad:?}");
        }
        assert!(DataKey::new(0, [0; 32]).is_err());
        let k = DataKey::generate(7).unwrap();
        assert_eq!(DataKey::from_text(7, &k.to_hex()).unwrap().key, k.key);
        assert!(!format!("{k:?}").contains(&k.to_hex()));
    }

    #[test]
    fn rings_refuse_empty_and_repeated_ids() {
        assert!(DataKeyRing::new(vec![]).is_err());
        let twice = vec![
            DataKey::new(2, [1; 32]).unwrap(),
            DataKey::new(2, [2; 32]).unwrap(),
        ];
        assert_eq!(
            DataKeyRing::new(twice).unwrap_err().code(),
            crate::ErrorCode::DataKeyRingInvalid
        );
        assert_eq!(ring(&[3, 1, 2]).newest().id(), 3);
    }

    #[test]
    fn values_open_only_in_their_place_and_with_their_key() {
        let r = ring(&[1, 2]);
        let s = seal(&r, &row_place("data", "a"), b"secret").unwrap();
        assert_eq!(sealed_key_id(&s), Some(2));
        assert_eq!(open(&r, &row_place("data", "a"), &s).unwrap(), b"secret");
        let moved = open(&r, &row_place("data", "b"), &s).unwrap_err();
        assert_eq!(moved.code(), crate::ErrorCode::Undecryptable);
        let old_only = ring(&[1]);
        let e = open(&old_only, &row_place("data", "a"), &s).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::DataKeyWrong);
        // A changed key id in the header fails too (the header is authenticated).
        let mut relabeled = s.clone();
        relabeled[4] = 1;
        assert_eq!(
            open(&r, &row_place("data", "a"), &relabeled)
                .unwrap_err()
                .code(),
            crate::ErrorCode::Undecryptable
        );
    }

    #[test]
    fn the_blind_index_is_keyed_and_case_blind() {
        let a = AtRest::new(ring(&[1]), [9; 32]);
        let b = AtRest::new(ring(&[1]), [8; 32]);
        let n = "11010519491231002x";
        assert_eq!(a.blind_index(n), a.blind_index(&n.to_uppercase()));
        assert_ne!(a.blind_index(n), b.blind_index(n));
        assert_eq!(a.blind_index(n).len(), 64);
        assert_eq!(a.blind_index(""), "");
    }
}
