//! One normalization of personal names, used wherever two names are compared: login (the CHSI
//! account against the uploaded basic information), online verification, the holder check of a
//! scanned form, and the destination import's identity check.
//!
//! Two spellings are the same name when their [`name_key`]s are equal. The key
//!
//! * folds full-width forms to their ordinary ones (`Ａ` → `A`, the ideographic space U+3000 →
//!   a space), as compatibility normalization (NFKC) does for these characters;
//! * writes every middle dot used between the parts of a minority name (买买提·艾力) as U+00B7:
//!   U+00B7, U+2022, U+30FB, U+FF65, U+2027, U+2219, U+22C5, U+0387, U+16EB, U+318D and U+2E31;
//! * drops white space (leading, trailing and inner: `张 明` is `张明`);
//! * folds ASCII letters to lower case (`Li Lei` is `lilei`).
//!
//! [`normalize_name`] is the display form: the same folding, but with the white space trimmed and
//! inner runs collapsed to one space and letters left in their case.

/// The middle dot every variant is written as.
pub const MIDDLE_DOT: char = '\u{00B7}';

/// Whether `c` is one of the middle dots written between the parts of a minority name.
pub fn is_middle_dot(c: char) -> bool {
    matches!(
        c,
        '\u{00B7}'
            | '\u{2022}'
            | '\u{30FB}'
            | '\u{FF65}'
            | '\u{2027}'
            | '\u{2219}'
            | '\u{22C5}'
            | '\u{0387}'
            | '\u{16EB}'
            | '\u{318D}'
            | '\u{2E31}'
    )
}

/// One character folded: full-width forms to ordinary ones, middle dots to U+00B7.
fn fold(c: char) -> char {
    if is_middle_dot(c) {
        return MIDDLE_DOT;
    }
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    }
}

/// A name as it should be shown and stored: full-width forms folded, every middle dot written
/// U+00B7, white space trimmed and inner runs of it collapsed to one space.
pub fn normalize_name(name: &str) -> String {
    let folded: String = name.chars().map(fold).collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The form two names are compared in: [`normalize_name`] without any white space and with
/// ASCII letters in lower case.
pub fn name_key(name: &str) -> String {
    name.chars()
        .map(fold)
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether two spellings are the same name (their [`name_key`]s are equal).
pub fn same_name(a: &str, b: &str) -> bool {
    name_key(a) == name_key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_middle_dot_is_one() {
        for dot in [
            '\u{00B7}', '\u{2022}', '\u{30FB}', '\u{FF65}', '\u{2027}', '\u{2219}', '\u{22C5}',
            '\u{0387}', '\u{16EB}', '\u{318D}',
        ] {
            let name = format!("买买提{dot}艾力");
            assert!(same_name(&name, "买买提·艾力"), "U+{:04X}", dot as u32);
            assert_eq!(normalize_name(&name), "买买提·艾力");
        }
        assert!(!same_name("买买提.艾力", "买买提·艾力"));
    }

    #[test]
    fn width_space_and_case() {
        assert_eq!(normalize_name("\u{3000} Ｌｉ   Lei\t"), "Li Lei");
        assert!(same_name("张明", " 张 明 "));
        assert!(same_name("张\u{3000}明", "张明"));
        assert!(same_name("Ｌｉ Ｌｅｉ", "lilei"));
        assert!(!same_name("张明", "张敏"));
        assert!(!same_name("张明", ""));
    }
}
