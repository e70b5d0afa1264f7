//! The shapes of single values: dates, phone numbers, e-mail addresses and names, control
//! characters, and the damage a spreadsheet does to numbers stored as text.

use super::ProblemCode;

/// Counts the characters of `value` and tells whether any is a control character (C0, DEL or
/// C1), in one pass over the bytes.
pub(super) fn scan(value: &str) -> (usize, bool) {
    let b = value.as_bytes();
    // Written as branch-free folds so that they vectorise.
    let chars = b.iter().filter(|&&c| (c as i8) >= -0x40).count();
    let c0 = b
        .iter()
        .fold(false, |acc, &c| acc | (c < 0x20) | (c == 0x7F));
    let c1 = b.contains(&0xC2)
        && b.windows(2)
            .any(|w| w[0] == 0xC2 && (0x80..=0x9F).contains(&w[1]));
    (chars, c0 || c1)
}

/// Parses a strict `YYYY-MM-DD` date.
pub fn parse_date(value: &str) -> Option<chrono::NaiveDate> {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)
}

/// Diagnoses spreadsheet damage of a value that should be a string of digits:
/// [`ProblemCode::ScientificNotation`] or [`ProblemCode::TrailingDecimal`].
pub fn spreadsheet_damage(value: &str) -> Option<ProblemCode> {
    let v = value.trim();
    let b = v.as_bytes();
    // Scientific notation: digits [ . digits ] e|E [+|-] digits
    if let Some(epos) = b.iter().position(|&c| c == b'e' || c == b'E') {
        let (mant, exp) = (&v[..epos], &v[epos + 1..]);
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        let mant_ok = !mant.is_empty()
            && mant.bytes().filter(|&c| c == b'.').count() <= 1
            && mant.bytes().all(|c| c.is_ascii_digit() || c == b'.')
            && mant.bytes().next().is_some_and(|c| c.is_ascii_digit());
        if mant_ok && !exp.is_empty() && exp.bytes().all(|c| c.is_ascii_digit()) {
            return Some(ProblemCode::ScientificNotation);
        }
    }
    if let Some(dot) = b.iter().position(|&c| c == b'.') {
        let (int, frac) = (&b[..dot], &b[dot + 1..]);
        if !int.is_empty()
            && int.iter().all(u8::is_ascii_digit)
            && !frac.is_empty()
            && frac.iter().all(|&c| c == b'0')
        {
            return Some(ProblemCode::TrailingDecimal);
        }
    }
    None
}

/// An 11-digit mainland mobile number (1, then 3–9).
pub(super) fn is_mobile(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// A landline: optional area code (0 and 2–3 digits, with or without a hyphen), 7–8 digits,
/// optional extension.
pub(super) fn is_landline(v: &str) -> bool {
    // [0 + 2-3 digits area code [-]] 7-8 digits [- extension]
    let (main, ext) = match v.rsplit_once('-') {
        Some((m, e)) if m.contains('-') || (e.len() <= 6 && m.len() >= 7) => (m, Some(e)),
        _ => (v, None),
    };
    if let Some(e) = ext {
        if e.is_empty() || e.len() > 8 || !e.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    let (area, num) = match main.split_once('-') {
        Some((a, n)) => (Some(a), n),
        None => (None, main),
    };
    let num_ok = (7..=8).contains(&num.len()) && num.bytes().all(|c| c.is_ascii_digit());
    let area_ok = area.is_none_or(|a| {
        (3..=4).contains(&a.len()) && a.starts_with('0') && a.bytes().all(|c| c.is_ascii_digit())
    });
    if area.is_none() && !num_ok {
        // Area code written without a hyphen: 0 + 2-3 digits + 7-8 digits.
        return (10..=12).contains(&num.len())
            && num.starts_with('0')
            && num.bytes().all(|c| c.is_ascii_digit());
    }
    num_ok && area_ok
}

/// A plain e-mail address: ASCII local part, dotted domain with an alphabetic top level.
pub(super) fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        })
        && labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.bytes().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

/// A person's name: letters (any script), a middle dot (every variant the comparison of names
/// folds, [`crate::names::is_middle_dot`]), spaces, `-` and `.`.
pub(super) fn name_ok(v: &str) -> bool {
    v.chars().all(|c| {
        c.is_alphabetic() || crate::names::is_middle_dot(c) || c == ' ' || c == '-' || c == '.'
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_damage_forms() {
        assert_eq!(
            spreadsheet_damage("3.20102E+17"),
            Some(ProblemCode::ScientificNotation)
        );
        assert_eq!(
            spreadsheet_damage("1.38001e10"),
            Some(ProblemCode::ScientificNotation)
        );
        assert_eq!(
            spreadsheet_damage("13800138000.0"),
            Some(ProblemCode::TrailingDecimal)
        );
        assert_eq!(spreadsheet_damage("13800138000"), None);
        assert_eq!(spreadsheet_damage("E+17"), None);
        assert_eq!(spreadsheet_damage("3.5"), None);
    }

    #[test]
    fn landlines_and_emails() {
        for ok in [
            "025-83592000",
            "02583592000",
            "83592000",
            "0512-6523456",
            "025-83592000-801",
        ] {
            assert!(is_landline(ok), "{ok}");
        }
        for bad in ["12345", "025-", "abc-12345678", "025-83592000-"] {
            assert!(!is_landline(bad), "{bad}");
        }
        assert!(is_email("zhang.san@example.edu.cn"));
        for bad in ["a@b", "@x.cn", "a@.cn", "a..b@x.cn", "a@x.c0m", "zhangsan"] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
