//! The QR version a token needs, from the QR alphanumeric capacity (no QR encoder needed).
//!
//! The number of data codewords per version at error-correction level M is taken from
//! ISO/IEC 18004:2015, Table 7 (the same figures appear in every QR capacity table). A text of
//! `n` characters in one alphanumeric segment needs 4 mode bits, a character count of 9, 11 or
//! 13 bits (versions 1–9, 10–26, 27–40) and 11 bits per pair of characters plus 6 for an odd one.

use super::token::is_qr_alphanumeric;

/// Data codewords at error-correction level M, versions 1 to 40.
pub const DATA_CODEWORDS_M: [u16; 40] = [
    16, 28, 44, 64, 86, 108, 124, 154, 182, 216, 254, 290, 334, 365, 415, 453, 507, 563, 627, 669,
    714, 782, 860, 914, 1000, 1062, 1128, 1193, 1267, 1373, 1455, 1541, 1631, 1725, 1812, 1914,
    1992, 2102, 2216, 2334,
];

fn count_bits(version: usize) -> usize {
    match version {
        1..=9 => 9,
        10..=26 => 11,
        _ => 13,
    }
}

/// How many alphanumeric characters a QR code of `version` (1–40) holds at level M.
pub fn alphanumeric_capacity_m(version: usize) -> usize {
    let Some(&cw) = DATA_CODEWORDS_M.get(version.wrapping_sub(1)) else {
        return 0;
    };
    let avail = usize::from(cw) * 8 - 4 - count_bits(version);
    (avail / 11) * 2 + usize::from(avail % 11 >= 6)
}

/// The smallest QR version whose level M holds `text` in alphanumeric mode, or `None` when the
/// text has characters outside that mode or does not fit in version 40.
pub fn version_for_alphanumeric_m(text: &str) -> Option<usize> {
    if !is_qr_alphanumeric(text) {
        return None;
    }
    (1..=40).find(|&v| alphanumeric_capacity_m(v) >= text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_match_the_published_table() {
        // Published alphanumeric capacities at level M (ISO/IEC 18004 Table 7).
        for (v, cap) in [
            (1, 20),
            (2, 38),
            (5, 122),
            (6, 154),
            (7, 178),
            (10, 311),
            (20, 970),
            (27, 1637),
            (40, 3391),
        ] {
            assert_eq!(alphanumeric_capacity_m(v), cap, "version {v}");
        }
        assert_eq!(alphanumeric_capacity_m(0), 0);
        assert_eq!(alphanumeric_capacity_m(41), 0);
        assert_eq!(version_for_alphanumeric_m(&"A".repeat(20)), Some(1));
        assert_eq!(version_for_alphanumeric_m(&"A".repeat(21)), Some(2));
        assert_eq!(version_for_alphanumeric_m(&"A".repeat(3392)), None);
        assert_eq!(version_for_alphanumeric_m("abc"), None);
    }
}
