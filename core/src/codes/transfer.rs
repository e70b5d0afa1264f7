//! Transfer numbers (转递编号): one per archive transfer, typed by the school and the archive
//! receiver.
//!
//! Shape: the letters `ZD` (转递), then 11 random Crockford base32 symbols (55 bits) and one
//! check symbol, shown `ZD-XXXX-XXXX-XXXX` (14 symbols without the hyphens). The check symbol
//! is the Damm check over GF(32) of all 13 preceding symbols *including* the `ZD` prefix, so it
//! catches the same typos as a verification number: every single substitution, adjacent and jump
//! transposition, twin and jump twin error.
//!
//! A transfer number can never be mistaken for a [`VerificationNumber`](super::VerificationNumber):
//! a verification number has 16 symbols and no prefix, a transfer number 14 symbols starting
//! with `ZD`, so each parser refuses the other's numbers by their symbol count before any check.

use std::fmt;

use super::number::{crockford_value, damm_check, damm_interim, CROCKFORD};
use crate::error::{Error, Result};

/// The two prefix symbols.
pub const TRANSFER_PREFIX: &str = "ZD";
/// Symbols of a transfer number without hyphens, prefix included.
pub const TRANSFER_SYMBOLS: usize = 14;
const RANDOM_SYMBOLS: usize = 11;

/// A transfer number (转递编号). Displayed `ZD-XXXX-XXXX-XXXX`; stored as 14 upper-case
/// symbols. JSON form: the displayed string.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransferNumber([u8; TRANSFER_SYMBOLS]);

impl TransferNumber {
    /// Builds a number from 55 bits of caller-supplied randomness: the low 55 bits of the first
    /// 7 bytes of `entropy` read big-endian (the top bit of the first byte is ignored).
    pub fn from_entropy(entropy: &[u8; 16]) -> Self {
        let mut bits: u64 = 0;
        for &b in &entropy[..7] {
            bits = (bits << 8) | u64::from(b);
        }
        let mut out = [0u8; TRANSFER_SYMBOLS];
        out[0] = b'Z';
        out[1] = b'D';
        let mut values = [0u8; 13];
        values[0] = 31; // Z
        values[1] = 13; // D
        for i in 0..RANDOM_SYMBOLS {
            let v = ((bits >> (5 * (RANDOM_SYMBOLS - 1 - i))) & 0x1f) as u8;
            values[2 + i] = v;
            out[2 + i] = CROCKFORD[v as usize];
        }
        out[13] = CROCKFORD[damm_check(values) as usize];
        TransferNumber(out)
    }

    /// A new number from the operating system's random source.
    pub fn random() -> Result<Self> {
        let mut e = [0u8; 16];
        getrandom::fill(&mut e)
            .map_err(|err| Error::InvalidArgument(format!("OS random source failed: {err}")))?;
        Ok(Self::from_entropy(&e))
    }

    /// Parses user input: case, spaces and hyphens are ignored, I/L read as 1 and O as 0. A
    /// wrong check symbol gives [`Error::TransferNumberTypo`]; a missing `ZD` prefix, a wrong
    /// length or a character outside the alphabet gives [`Error::TransferNumberMalformed`].
    pub fn parse(input: &str) -> Result<Self> {
        let mut vals = [0u8; TRANSFER_SYMBOLS];
        let mut n = 0usize;
        for &c in input.as_bytes() {
            if c == b'-' || c == b' ' || c == b'\t' {
                continue;
            }
            let v = crockford_value(c).ok_or_else(|| {
                Error::TransferNumberMalformed(format!("invalid character {:?}", char::from(c)))
            })?;
            if n == TRANSFER_SYMBOLS {
                return Err(Error::TransferNumberMalformed(format!(
                    "more than {TRANSFER_SYMBOLS} symbols"
                )));
            }
            vals[n] = v;
            n += 1;
        }
        if n != TRANSFER_SYMBOLS {
            return Err(Error::TransferNumberMalformed(format!(
                "expected {TRANSFER_SYMBOLS} symbols (ZD and 12 more), got {n}"
            )));
        }
        if vals[0] != 31 || vals[1] != 13 {
            return Err(Error::TransferNumberMalformed(
                "a transfer number starts with ZD".into(),
            ));
        }
        if damm_interim(vals) != 0 {
            return Err(Error::TransferNumberTypo);
        }
        let mut out = [0u8; TRANSFER_SYMBOLS];
        for (o, v) in out.iter_mut().zip(vals) {
            *o = CROCKFORD[v as usize];
        }
        Ok(TransferNumber(out))
    }

    /// Whether `input` has the shape of a transfer number (after removing spaces and hyphens it
    /// starts with `ZD`, case folded, and has 14 symbols). It says nothing about the check symbol.
    pub fn looks_like(input: &str) -> bool {
        let mut it = input
            .bytes()
            .filter(|c| !matches!(c, b'-' | b' ' | b'\t'))
            .map(|c| c.to_ascii_uppercase());
        let starts = it.next() == Some(b'Z') && it.next() == Some(b'D');
        starts && it.count() == TRANSFER_SYMBOLS - 2
    }

    /// The 14 symbols without hyphens.
    pub fn as_compact(&self) -> &str {
        // Only ASCII from CROCKFORD is ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for TransferNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.as_compact();
        write!(f, "{}-{}-{}-{}", &s[0..2], &s[2..6], &s[6..10], &s[10..14])
    }
}

typable_number_traits!(TransferNumber);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::VerificationNumber;

    fn sample(seed: u8) -> TransferNumber {
        let mut e = [0u8; 16];
        for (i, b) in e.iter_mut().enumerate() {
            *b = seed
                .wrapping_mul(53)
                .wrapping_add((i as u8).wrapping_mul(29))
                ^ 0xa5;
        }
        TransferNumber::from_entropy(&e)
    }

    #[test]
    fn display_parse_round_trip_and_folding() {
        let t = sample(3);
        let shown = t.to_string();
        assert_eq!(shown.len(), 17);
        assert!(shown.starts_with("ZD-"));
        assert_eq!(TransferNumber::parse(&shown).unwrap(), t);
        let sloppy = shown
            .to_lowercase()
            .replace('-', " ")
            .replace('1', "l")
            .replace('0', "o");
        assert_eq!(TransferNumber::parse(&sloppy).unwrap(), t);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<TransferNumber>(&json).unwrap(), t);
        assert!(TransferNumber::looks_like(&sloppy));
    }

    #[test]
    fn entropy_bits_all_matter() {
        // Flipping any one of the 55 used bits changes the number.
        let base = [0u8; 16];
        let t0 = TransferNumber::from_entropy(&base);
        for bit in 1..56 {
            let mut e = base;
            e[bit / 8] ^= 0x80 >> (bit % 8);
            assert_ne!(TransferNumber::from_entropy(&e), t0, "bit {bit}");
        }
    }

    #[test]
    fn malformed_inputs_are_named() {
        for bad in [
            "",
            "ZD",
            "ZD-1234-5678-9ABC-D",
            "XD-1234-5678-9ABC",
            "ZD-1234-5678-9AB!",
            "ZD-UUUU-UUUU-UUUU",
        ] {
            assert!(
                matches!(
                    TransferNumber::parse(bad),
                    Err(Error::TransferNumberMalformed(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn never_confused_with_a_verification_number() {
        for seed in 0..200u8 {
            let t = sample(seed);
            assert!(VerificationNumber::parse(&t.to_string()).is_err());
            assert!(VerificationNumber::parse(t.as_compact()).is_err());
            let mut e = [0u8; 16];
            e[0] = seed;
            e[5] = seed.wrapping_mul(7);
            let v = VerificationNumber::from_entropy(&e);
            assert!(TransferNumber::parse(&v.to_string()).is_err());
            assert!(!TransferNumber::looks_like(&v.to_string()));
        }
    }

    #[test]
    fn every_single_substitution_and_transposition_is_a_typo() {
        for seed in 0..32u8 {
            let t = sample(seed);
            let s: Vec<u8> = t.as_compact().bytes().collect();
            // Positions 2.. (changing the prefix is malformed, not a typo).
            for i in 2..TRANSFER_SYMBOLS {
                for &c in CROCKFORD {
                    if c == s[i] {
                        continue;
                    }
                    let mut v = s.clone();
                    v[i] = c;
                    let txt = String::from_utf8(v).unwrap();
                    assert_eq!(
                        TransferNumber::parse(&txt),
                        Err(Error::TransferNumberTypo),
                        "substitution at {i}"
                    );
                }
                for gap in [1, 2] {
                    if i + gap < TRANSFER_SYMBOLS && s[i] != s[i + gap] {
                        let mut v = s.clone();
                        v.swap(i, i + gap);
                        let txt = String::from_utf8(v).unwrap();
                        assert_eq!(
                            TransferNumber::parse(&txt),
                            Err(Error::TransferNumberTypo),
                            "transposition at {i} gap {gap}"
                        );
                    }
                }
            }
        }
    }
}
