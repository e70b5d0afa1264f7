//! Check characters: GB 11643 for the citizen ID number (身份证号, ISO 7064 MOD 11-2) and
//! GB 32100 for the unified social credit code (统一社会信用代码, MOD 31).
//!
//! Pure arithmetic on the characters; the per-record rules that report a wrong check character
//! are in `checker.rs`.

/// GB 11643 weights of the first 17 characters.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// GB 11643 check characters, indexed by the weighted sum mod 11.
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The GB 11643 check character for the first 17 digits of an ID number.
pub fn id_check_character(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

/// GB 32100 alphabet: digits and upper-case letters without I, O, S, V, Z.
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// GB 32100 weights of the first 17 characters (3^i mod 31).
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Value of each byte in the GB 32100 alphabet, or 0xFF.
const CREDIT_VALUE: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < CREDIT_ALPHABET.len() {
        t[CREDIT_ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// The outcome of checking a credit code.
pub(super) enum CreditCheck {
    /// Well formed, with the right check character.
    Ok,
    /// Not 18 characters of the GB 32100 alphabet.
    BadFormat,
    /// Well formed, with a wrong check character.
    BadCheck,
}

/// The GB 32100 check character for the first 17 characters of a unified social credit code.
pub fn credit_check_character(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (&c, w) in b.iter().zip(CREDIT_WEIGHTS) {
        let v = CREDIT_VALUE[c as usize];
        if v == 0xFF {
            return None;
        }
        sum += u32::from(v) * w;
    }
    Some(CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize] as char)
}

/// Checks the shape and the check character of a credit code.
pub(super) fn credit_code_check(value: &str) -> CreditCheck {
    let b = value.as_bytes();
    if b.len() != 18 || b.iter().any(|&c| CREDIT_VALUE[c as usize] == 0xFF) {
        return CreditCheck::BadFormat;
    }
    match credit_check_character(&value[..17]) {
        Some(c) if c as u8 == b[17] => CreditCheck::Ok,
        _ => CreditCheck::BadCheck,
    }
}

/// Whether a unified social credit code (GB 32100) is well formed with a correct check character.
pub fn is_valid_credit_code(value: &str) -> bool {
    matches!(credit_code_check(value), CreditCheck::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_check_character_known_values() {
        // GB 11643 example number.
        assert_eq!(id_check_character("11010519491231002"), Some('X'));
        assert_eq!(id_check_character("44052418800101001"), Some('4'));
        assert_eq!(id_check_character("1101051949123100"), None);
    }

    #[test]
    fn credit_check_character_known_value() {
        // A published unified social credit code.
        assert!(is_valid_credit_code("91350100M000100Y43"));
        assert!(!is_valid_credit_code("91350100M000100Y44"));
        assert!(!is_valid_credit_code("91350100M000100Y4"));
        assert!(!is_valid_credit_code("91350100M000100I43"));
    }
}
