//! Verification numbers (核验编号): 15 random Crockford base32 symbols and a Damm check symbol.
//!
//! The check symbol uses the Damm algorithm over the quasigroup `x ∗ y = 2·x + y` in GF(32)
//! (polynomial x⁵ + x² + 1). Because 2 ≠ 1 and 2² ≠ 1, the quasigroup is totally
//! anti-symmetric and detects every single substitution, adjacent transposition, jump
//! transposition (abc → cba), twin error (aa → bb) and jump twin error (aca → bcb).

use std::fmt;

use crate::error::{Error, Result};

/// Crockford base32 alphabet: `0-9A-Z` without I, L, O, U.
pub const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Symbol values by byte: 0–31, or 0xff for bytes that are not symbols. Case is folded, I and L
/// read as 1, O as 0.
const CROCKFORD_VALUES: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 32 {
        let c = CROCKFORD[i];
        t[c as usize] = i as u8;
        t[c.to_ascii_lowercase() as usize] = i as u8;
        i += 1;
    }
    t[b'O' as usize] = 0;
    t[b'o' as usize] = 0;
    t[b'I' as usize] = 1;
    t[b'i' as usize] = 1;
    t[b'L' as usize] = 1;
    t[b'l' as usize] = 1;
    t
};

/// Value of a Crockford symbol, folding case and reading I/L as 1 and O as 0.
#[inline]
pub(crate) fn crockford_value(c: u8) -> Option<u8> {
    match CROCKFORD_VALUES[c as usize] {
        0xff => None,
        v => Some(v),
    }
}

/// Multiplication by the generator 2 in GF(32) with reduction polynomial x⁵ + x² + 1.
#[inline]
pub(crate) const fn gf32_double(x: u8) -> u8 {
    let y = (x << 1) & 0x3f;
    if y & 0x20 != 0 {
        y ^ 0x25
    } else {
        y
    }
}

/// Damm interim over a sequence of symbol values (0..32): 0 means the sequence checks.
pub(crate) fn damm_interim(values: impl IntoIterator<Item = u8>) -> u8 {
    values.into_iter().fold(0u8, |acc, v| gf32_double(acc) ^ v)
}

/// The check symbol value that makes `values` followed by it check.
pub(crate) fn damm_check(values: impl IntoIterator<Item = u8>) -> u8 {
    gf32_double(damm_interim(values))
}

/// A verification number (核验编号). Displayed `XXXX-XXXX-XXXX-XXXX`; stored as 16 upper-case
/// Crockford symbols. JSON form: the displayed string.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VerificationNumber([u8; 16]);

impl VerificationNumber {
    /// Builds a number from 75 bits of caller-supplied randomness (the first 10 bytes of
    /// `entropy` read big-endian, the top 5 bits of the first byte ignored) and appends the
    /// check symbol.
    pub fn from_entropy(entropy: &[u8; 16]) -> Self {
        let mut bits: u128 = 0;
        for &b in &entropy[..10] {
            bits = (bits << 8) | u128::from(b);
        }
        let mut out = [0u8; 16];
        let mut values = [0u8; 15];
        for (i, v) in values.iter_mut().enumerate() {
            *v = ((bits >> (5 * (14 - i))) & 0x1f) as u8;
            out[i] = CROCKFORD[*v as usize];
        }
        out[15] = CROCKFORD[damm_check(values) as usize];
        VerificationNumber(out)
    }

    /// A new number from the operating system's random source.
    pub fn random() -> Result<Self> {
        let mut e = [0u8; 16];
        getrandom::fill(&mut e)
            .map_err(|err| Error::InvalidArgument(format!("OS random source failed: {err}")))?;
        Ok(Self::from_entropy(&e))
    }

    /// Parses user input: case, spaces and hyphens are ignored, I/L read as 1 and O as 0. A wrong
    /// check symbol gives [`Error::NumberTypo`]; anything else malformed gives
    /// [`Error::NumberMalformed`].
    pub fn parse(input: &str) -> Result<Self> {
        let mut out = [0u8; 16];
        let mut n = 0usize;
        for &c in input.as_bytes() {
            if c == b'-' || c == b' ' || c == b'\t' {
                continue;
            }
            let v = crockford_value(c).ok_or_else(|| {
                Error::NumberMalformed(format!("invalid character {:?}", char::from(c)))
            })?;
            if n == 16 {
                return Err(Error::NumberMalformed("more than 16 symbols".into()));
            }
            out[n] = v;
            n += 1;
        }
        if n != 16 {
            return Err(Error::NumberMalformed(format!(
                "expected 16 symbols, got {n}"
            )));
        }
        if damm_interim(out) != 0 {
            return Err(Error::NumberTypo);
        }
        for v in &mut out {
            *v = CROCKFORD[*v as usize];
        }
        Ok(VerificationNumber(out))
    }

    /// The 75 random bits in 10 bytes, big-endian, the top 5 bits zero (the check symbol is
    /// left out: it follows from the rest). This is the form carried in tokens.
    pub fn to_packed(&self) -> [u8; 10] {
        let mut bits: u128 = 0;
        for &c in &self.0[..15] {
            bits = (bits << 5) | u128::from(crockford_value(c).unwrap_or(0));
        }
        let bytes = bits.to_be_bytes();
        let mut out = [0u8; 10];
        out.copy_from_slice(&bytes[6..16]);
        out
    }

    /// The number packed by [`to_packed`](Self::to_packed), with its check symbol recomputed;
    /// `None` when any of the top 5 bits is set (a non-canonical packing).
    pub fn from_packed(packed: &[u8; 10]) -> Option<Self> {
        if packed[0] & 0xf8 != 0 {
            return None;
        }
        let mut e = [0u8; 16];
        e[..10].copy_from_slice(packed);
        Some(Self::from_entropy(&e))
    }

    /// The 16 symbols without hyphens.
    pub fn as_compact(&self) -> &str {
        // Only ASCII from CROCKFORD is ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The raw 16 ASCII bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for VerificationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.as_compact();
        write!(f, "{}-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12], &s[12..16])
    }
}

typable_number_traits!(VerificationNumber);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_parse_round_trip_and_folding() {
        let n = VerificationNumber::from_entropy(&[7u8; 16]);
        let shown = n.to_string();
        assert_eq!(shown.len(), 19);
        assert_eq!(VerificationNumber::parse(&shown).unwrap(), n);
        let sloppy = shown
            .to_lowercase()
            .replace('-', " ")
            .replace('1', "l")
            .replace('0', "o");
        assert_eq!(VerificationNumber::parse(&sloppy).unwrap(), n);
        assert!(matches!(
            VerificationNumber::parse("ABC"),
            Err(Error::NumberMalformed(_))
        ));
        assert!(matches!(
            VerificationNumber::parse("UUUU-UUUU-UUUU-UUUU"),
            Err(Error::NumberMalformed(_))
        ));
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(
            serde_json::from_str::<VerificationNumber>(&json).unwrap(),
            n
        );
    }

    #[test]
    fn packing_round_trips_and_is_canonical() {
        for seed in 0..=255u8 {
            let n = VerificationNumber::from_entropy(&[seed; 16]);
            let p = n.to_packed();
            assert_eq!(p[0] & 0xf8, 0);
            assert_eq!(VerificationNumber::from_packed(&p), Some(n));
            let mut bad = p;
            bad[0] |= 0x08;
            assert_eq!(VerificationNumber::from_packed(&bad), None);
        }
    }

    #[test]
    fn symbol_values_fold_case_and_lookalikes() {
        for (i, &c) in CROCKFORD.iter().enumerate() {
            assert_eq!(crockford_value(c), Some(i as u8));
            assert_eq!(crockford_value(c.to_ascii_lowercase()), Some(i as u8));
        }
        for (c, v) in [
            (b'O', 0),
            (b'o', 0),
            (b'I', 1),
            (b'i', 1),
            (b'L', 1),
            (b'l', 1),
        ] {
            assert_eq!(crockford_value(c), Some(v));
        }
        let symbols = (0..=255u8)
            .filter(|&c| crockford_value(c).is_some())
            .count();
        // 10 digits, 22 letters in both cases, and I, L, O in both cases.
        assert_eq!(symbols, 10 + 2 * 22 + 6);
        assert_eq!(crockford_value(b'U'), None);
        assert_eq!(crockford_value(b'u'), None);
        assert_eq!(crockford_value(b'-'), None);
    }

    #[test]
    fn gf32_double_is_a_bijection() {
        let mut seen = [false; 32];
        for x in 0..32u8 {
            let y = gf32_double(x);
            assert!(y < 32);
            assert!(!seen[y as usize]);
            seen[y as usize] = true;
        }
    }

    /// Every single substitution, adjacent transposition, jump transposition, twin error and
    /// jump twin error is caught, on a sample of numbers.
    #[test]
    fn damm_catches_every_common_typo() {
        let mut caught = 0u64;
        for seed in 0..64u8 {
            let mut e = [0u8; 16];
            for (i, b) in e.iter_mut().enumerate() {
                *b = seed
                    .wrapping_mul(37)
                    .wrapping_add((i as u8).wrapping_mul(91))
                    ^ 0x5a;
            }
            let n = VerificationNumber::from_entropy(&e);
            let vals: Vec<u8> = n.0.iter().map(|&c| crockford_value(c).unwrap()).collect();
            let check = |v: &[u8]| damm_interim(v.iter().copied()) == 0;
            assert!(check(&vals));
            for i in 0..16 {
                for s in 0..32u8 {
                    if s != vals[i] {
                        let mut v = vals.clone();
                        v[i] = s;
                        assert!(!check(&v), "substitution at {i}");
                        caught += 1;
                    }
                }
                if i + 1 < 16 && vals[i] != vals[i + 1] {
                    let mut v = vals.clone();
                    v.swap(i, i + 1);
                    assert!(!check(&v), "adjacent transposition at {i}");
                    caught += 1;
                }
                if i + 2 < 16 && vals[i] != vals[i + 2] {
                    let mut v = vals.clone();
                    v.swap(i, i + 2);
                    assert!(!check(&v), "jump transposition at {i}");
                    caught += 1;
                }
                for t in 0..32u8 {
                    if i + 1 < 16 && vals[i] == vals[i + 1] && t != vals[i] {
                        let mut v = vals.clone();
                        v[i] = t;
                        v[i + 1] = t;
                        assert!(!check(&v), "twin error at {i}");
                        caught += 1;
                    }
                    if i + 2 < 16 && vals[i] == vals[i + 2] && t != vals[i] {
                        let mut v = vals.clone();
                        v[i] = t;
                        v[i + 2] = t;
                        assert!(!check(&v), "jump twin error at {i}");
                        caught += 1;
                    }
                }
            }
        }
        println!("typo detection: {caught} substitutions, transpositions and twin errors over 64 numbers, all caught");
        assert!(caught > 30_000);
    }

    /// Twin errors need equal neighbours, which random numbers rarely have: check them
    /// exhaustively over every pair of symbols at every position of one number.
    #[test]
    fn damm_catches_every_twin_error_exhaustively() {
        let base = VerificationNumber::from_entropy(&[0x42; 16]);
        let vals: Vec<u8> = base
            .0
            .iter()
            .map(|&c| crockford_value(c).unwrap())
            .collect();
        for i in 0..15 {
            for gap in [1usize, 2] {
                if i + gap >= 16 {
                    continue;
                }
                for a in 0..32u8 {
                    for b in 0..32u8 {
                        if a == b {
                            continue;
                        }
                        let mut good = vals.clone();
                        good[i] = a;
                        good[i + gap] = a;
                        // Re-fix the check symbol so that `good` checks (unless it is the check itself).
                        if i + gap == 15 {
                            continue;
                        }
                        good[15] = damm_check(good[..15].iter().copied());
                        let mut bad = good.clone();
                        bad[i] = b;
                        bad[i + gap] = b;
                        assert_ne!(damm_interim(bad.iter().copied()), 0);
                    }
                }
            }
        }
    }
}
