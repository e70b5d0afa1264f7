//! The compact stored form of the stores' documents.
//!
//! The stores keep a registration, an audit entry, an event and a verification view as a JSON
//! document. Both stores keep registrations, audit entries and events *packed* (a BLOB in
//! SQLite, `BYTEA` in PostgreSQL), and both pack the documents they seal under data keys before
//! sealing. PostgreSQL packs its verification views too; SQLite keeps them as text, so that an
//! online verification, which takes a few microseconds there, does not unpack one (on
//! PostgreSQL the server's answer takes far longer than the unpacking). A packed
//! document is one marker byte ([`PACKED`]), one byte naming the dictionary ([`DICTIONARY_V1`]),
//! then a zstd frame of the JSON text compressed under that dictionary (with the text's length in
//! the frame header, no dictionary id and no checksum: the stores' own hashes and MACs cover the
//! text). A text shorter than [`PACK_FROM`] bytes is stored as it is.
//!
//! A tool that reads the database directly gets a document's text with [`text_of`] (and writes
//! one with [`pack`]); the `sqlite3` shell shows a packed document as a BLOB, `psql` as `bytea`.
//! The format is plain zstd: any zstd implementation given `stored-v1.dict` reads and writes it
//! (the test suite edits PostgreSQL's documents in SQL through PL/Python's `zstandard`).
//!
//! Packing is lossless, so every hash and MAC computed over a document's text (the audit
//! chain's entry and registration hashes, a view's MAC) is computed exactly as before and holds
//! for both forms; values written before packing existed (plain UTF-8 text) are read as they are.
//! Under data keys the packed bytes are what is sealed (compressing sealed bytes would gain
//! nothing).
//!
//! The dictionary (`stored-v1.dict`, 32 KiB) was trained with `zstd --train --maxdict=32768`
//! on the clear documents of a season made by the crate's own cohort generator (the `season`
//! example: registrations at every stage, their audit entries and events; no real person's
//! data). A stored value names its dictionary, so a later dictionary gets a new byte and the
//! first stays readable; `stored-v1.dict` itself never changes.
//!
//! Reading is bounded: a frame must state its text's length, which must be at most
//! [`MAX_TEXT`], and must decode to exactly that many bytes of UTF-8, or the value is damage
//! ([`Error::Corrupt`]). A hostile file cannot make the reader allocate more than that.

use std::cell::RefCell;
use std::sync::OnceLock;

use zstd::bulk::{Compressor, Decompressor};
use zstd::dict::{DecoderDictionary, EncoderDictionary};

use crate::error::{Error, Result};

/// The first byte of a packed value. JSON text (and any text the stores keep) never starts
/// with it, and a sealed value of the PostgreSQL store starts with its format byte 1.
pub const PACKED: u8 = 0;

/// The second byte of a value packed under `stored-v1.dict`.
pub const DICTIONARY_V1: u8 = 1;

/// Texts shorter than this are stored as they are (a frame would not be smaller).
pub const PACK_FROM: usize = 64;

/// The longest text a packed value may hold: 64 MiB, far above any document the stores write.
pub const MAX_TEXT: u64 = 64 * 1024 * 1024;

/// The compression level: zstd's default, which at these sizes costs about as much as level 1
/// and stores a few per cent less.
const LEVEL: i32 = 3;

static DICTIONARY: &[u8] = include_bytes!("stored-v1.dict");

fn encoder_dictionary() -> &'static EncoderDictionary<'static> {
    static D: OnceLock<EncoderDictionary<'static>> = OnceLock::new();
    D.get_or_init(|| EncoderDictionary::copy(DICTIONARY, LEVEL))
}

fn decoder_dictionary() -> &'static DecoderDictionary<'static> {
    static D: OnceLock<DecoderDictionary<'static>> = OnceLock::new();
    D.get_or_init(|| DecoderDictionary::copy(DICTIONARY))
}

thread_local! {
    static COMPRESSOR: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<Decompressor<'static>>> = const { RefCell::new(None) };
}

fn damage(what: &str) -> Error {
    Error::Corrupt(format!("a packed document {what}").into())
}

fn internal(e: std::io::Error) -> Error {
    Error::Corrupt(format!("the document compressor failed: {e}").into())
}

/// Whether [`pack`] packs `text` (rather than keeping its own bytes): when it is at least
/// [`PACK_FROM`] bytes long, or when it begins with the marker byte (so it cannot be mistaken
/// for a packed value).
pub fn packs(text: &str) -> bool {
    text.len() >= PACK_FROM || text.as_bytes().first() == Some(&PACKED)
}

/// The stored form of a document's text: packed when [`packs`] says so, the text's own bytes
/// otherwise.
pub fn pack(text: &str) -> Result<Vec<u8>> {
    let src = text.as_bytes();
    if !packs(text) {
        return Ok(src.to_vec());
    }
    COMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let c = match cell.as_mut() {
            Some(c) => c,
            None => {
                let mut c =
                    Compressor::with_prepared_dictionary(encoder_dictionary()).map_err(internal)?;
                c.set_parameter(zstd::zstd_safe::CParameter::DictIdFlag(false))
                    .map_err(internal)?;
                c.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(false))
                    .map_err(internal)?;
                c.set_parameter(zstd::zstd_safe::CParameter::ContentSizeFlag(true))
                    .map_err(internal)?;
                cell.insert(c)
            }
        };
        let mut out = vec![0u8; 2 + zstd::zstd_safe::compress_bound(src.len())];
        out[0] = PACKED;
        out[1] = DICTIONARY_V1;
        let n = c.compress_to_buffer(src, &mut out[2..]).map_err(internal)?;
        out.truncate(2 + n);
        Ok(out)
    })
}

/// Whether stored bytes are a packed value (rather than a text's own bytes).
pub fn is_packed(bytes: &[u8]) -> bool {
    bytes.first() == Some(&PACKED)
}

/// The text of a packed value ([`pack`]'s output beginning with [`PACKED`]).
pub fn unpack(bytes: &[u8]) -> Result<String> {
    let frame = match bytes {
        [PACKED, DICTIONARY_V1, frame @ ..] => frame,
        [PACKED, _, ..] => return Err(damage("names an unknown dictionary")),
        _ => return Err(damage("is cut short")),
    };
    let len = match zstd::zstd_safe::get_frame_content_size(frame) {
        Ok(Some(n)) if n <= MAX_TEXT => n as usize,
        Ok(Some(_)) => return Err(damage("states a text longer than the store keeps")),
        _ => return Err(damage("does not state its length")),
    };
    let mut out = vec![0u8; len];
    let n = DECOMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let d = match cell.as_mut() {
            Some(d) => d,
            None => cell.insert(
                Decompressor::with_prepared_dictionary(decoder_dictionary()).map_err(internal)?,
            ),
        };
        d.decompress_to_buffer(frame, &mut out[..])
            .map_err(|_| damage("does not decode"))
    })?;
    if n != len {
        return Err(damage("decodes to another length than it states"));
    }
    String::from_utf8(out).map_err(|_| damage("is not UTF-8 text"))
}

/// The text of stored bytes in either form: packed ([`unpack`]) or the text's own bytes.
pub fn text_of(bytes: Vec<u8>) -> Result<String> {
    if is_packed(&bytes) {
        unpack(&bytes)
    } else {
        String::from_utf8(bytes).map_err(|_| Error::Corrupt("a stored value is not text".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn registration_json() -> String {
        serde_json::to_string(&crate::sample::basic_info()).unwrap()
    }

    #[test]
    fn a_document_packs_small_and_reads_back() {
        let text = registration_json();
        let packed = pack(&text).unwrap();
        assert!(is_packed(&packed));
        assert_eq!(packed[1], DICTIONARY_V1);
        assert!(
            packed.len() * 3 < text.len(),
            "{} packed from {}",
            packed.len(),
            text.len()
        );
        assert_eq!(unpack(&packed).unwrap(), text);
        assert_eq!(text_of(packed).unwrap(), text);
    }

    #[test]
    fn short_texts_and_older_values_are_kept_as_text() {
        let short = "320102200001010016";
        assert_eq!(pack(short).unwrap(), short.as_bytes());
        assert_eq!(text_of(short.as_bytes().to_vec()).unwrap(), short);
        let old = registration_json();
        assert_eq!(text_of(old.clone().into_bytes()).unwrap(), old);
        assert!(matches!(text_of(vec![0xff, 0xfe]), Err(Error::Corrupt(_))));
        // A short text that begins with the marker byte is packed, so it reads back as itself.
        let marked = "\0x";
        assert!(packs(marked));
        assert_eq!(text_of(pack(marked).unwrap()).unwrap(), marked);
    }

    #[test]
    fn damaged_values_are_refused_not_trusted() {
        let packed = pack(&registration_json()).unwrap();
        // An unknown dictionary, a value cut short, a frame cut in the middle.
        let mut other = packed.clone();
        other[1] = 9;
        assert!(matches!(unpack(&other), Err(Error::Corrupt(_))));
        assert!(matches!(unpack(&[PACKED]), Err(Error::Corrupt(_))));
        assert!(matches!(
            unpack(&packed[..packed.len() / 2]),
            Err(Error::Corrupt(_))
        ));
        // A frame that states a length beyond the bound is refused before anything is allocated.
        let mut huge = Vec::new();
        let mut c = zstd::bulk::Compressor::new(1).unwrap();
        c.set_parameter(zstd::zstd_safe::CParameter::ContentSizeFlag(true))
            .unwrap();
        let big = vec![b' '; (MAX_TEXT + 1) as usize];
        huge.extend_from_slice(&[PACKED, DICTIONARY_V1]);
        huge.extend_from_slice(&c.compress(&big).unwrap());
        assert!(huge.len() < 64 * 1024, "a bomb is small: {}", huge.len());
        assert!(matches!(unpack(&huge), Err(Error::Corrupt(_))));
        // Bytes that decode to something other than UTF-8 text.
        let mut c = zstd::bulk::Compressor::with_dictionary(LEVEL, DICTIONARY).unwrap();
        let mut bad = vec![PACKED, DICTIONARY_V1];
        bad.extend_from_slice(&c.compress(&[0xffu8; 100]).unwrap());
        assert!(matches!(unpack(&bad), Err(Error::Corrupt(_))));
    }

    proptest! {
        #[test]
        fn every_text_reads_back_as_written(text in "\\PC{0,600}") {
            let stored = pack(&text).unwrap();
            prop_assert_eq!(is_packed(&stored), packs(&text));
            prop_assert_eq!(text_of(stored).unwrap(), text);
        }

        #[test]
        fn random_bytes_after_the_marker_never_crash(tail in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut v = vec![PACKED, DICTIONARY_V1];
            v.extend_from_slice(&tail);
            let _ = text_of(v);
        }
    }
}
