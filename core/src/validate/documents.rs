//! Identity documents (证件类型, [`Table::IdTypes`]): the rule of each type's number.
//!
//! | code | document | rule |
//! |---|---|---|
//! | `1` (or empty) | 居民身份证 | GB 11643: 18 characters, a mainland province, a real birth date, the check character; gender digit against the record's gender |
//! | `2` | 港澳居民居住证 | the GB 11643 layout starting `810000` (Hong Kong) or `820000` (Macao); same checks |
//! | `3` | 台湾居民居住证 | the GB 11643 layout starting `830000`; same checks |
//! | `4` | 外国人永久居留身份证 | 2023 card: 18 characters, `9`, a province, the nationality's ISO 3166-1 numeric code, birth date, sequence, the GB 11643 check character (no gender check: the layout does not say the sequence carries it); older card: 15 characters, the nationality's alpha-3 code then 12 digits |
//! | `5` | 港澳居民来往内地通行证 | `H` or `M` then 8 digits (10 on the older booklet) |
//! | `6` | 台湾居民来往大陆通行证 | 8 digits (the card) or 10 (the older booklet) |
//! | `7` | 外国护照 | 6 to 20 upper-case letters and digits |
//! | `8` | 中国护照 | `E` or `G` then 8 digits, or `E`, a letter other than `I` and `O`, and 7 digits |
//!
//! A number of the GB 11643 layout entered under another type than its own (a Hong Kong permit's
//! 81… number as a 居民身份证) is refused with [`ProblemCode::IdTypeMismatch`] naming the type
//! it is. A type a deployment adds to the table has no rule of its own: its number must be 4 to
//! 24 letters, digits or `-`.

use super::check_digits::id_check_character;
use super::checker::{Checker, IdRule};
use super::formats::parse_date;
use super::{Problem, ProblemCode};
use crate::tables::{CodeTables, Table};

/// The code of 居民身份证, which an empty type means.
pub const ID_CARD: &str = "1";

/// The type code a record's `id_type` stands for: `1` (居民身份证) when empty.
pub fn effective_id_type(id_type: &str) -> &str {
    let t = id_type.trim();
    if t.is_empty() {
        ID_CARD
    } else {
        t
    }
}

/// The label of a document's number on forms and in messages: 身份证号 for a 居民身份证 (and an
/// empty type), else the type's name and 号码 (护照号码 …), or 证件号码 when the type is unknown.
pub fn id_number_label(id_type: &str, tables: &CodeTables) -> String {
    let t = effective_id_type(id_type);
    if t == ID_CARD {
        return "身份证号".to_string();
    }
    match tables.name(Table::IdTypes, t) {
        Some(name) => format!("{name}号码"),
        None => "证件号码".to_string(),
    }
}

/// Whether `value` is a 2023 外国人永久居留身份证 number: `9`, a province, a numeric nationality
/// code of the country table, a real birth date and the GB 11643 check character.
fn permanent_card_2023(value: &str, tables: &CodeTables) -> Vec<(ProblemCode, String, String)> {
    let mut out = Vec::new();
    let b = value.as_bytes();
    let shape = b.len() == 18
        && b[0] == b'9'
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X');
    if !shape {
        out.push((
            ProblemCode::BadFormat,
            "外国人永久居留身份证号码应为 18 位，以 9 开头（2023 年版），或为 3 个国籍字母加 12 位数字（旧版 15 位）".into(),
            "a permanent residence ID number is 18 characters starting with 9 (2023 card), or 3 nationality letters and 12 digits (older 15-character card)".into(),
        ));
        return out;
    }
    if !tables.contains(Table::Provinces, &value[1..3]) {
        out.push((
            ProblemCode::UnknownProvince,
            format!(
                "外国人永久居留身份证号码第 2–3 位“{}”不是已知的省级行政区",
                &value[1..3]
            ),
            format!(
                "the permanent residence ID's province {:?} is not known",
                &value[1..3]
            ),
        ));
    }
    if CodeTables::country_of_numeric(&value[3..6])
        .is_none_or(|c| !tables.contains(Table::Countries, c))
    {
        out.push((
            ProblemCode::UnknownCode,
            format!(
                "外国人永久居留身份证号码第 4–6 位“{}”不是已知的国籍代码",
                &value[3..6]
            ),
            format!(
                "the permanent residence ID's nationality {:?} is not a known country code",
                &value[3..6]
            ),
        ));
    }
    let birth = &value[6..14];
    let real = parse_date(&format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..]))
        .is_some_and(|d| (1900..=2100).contains(&chrono::Datelike::year(&d)));
    if !real {
        out.push((
            ProblemCode::BadBirthDate,
            format!("外国人永久居留身份证号码中的出生日期“{birth}”不是真实日期"),
            format!("birth date {birth:?} in the permanent residence ID is not a real date"),
        ));
    }
    if id_check_character(&value[..17]) != Some(b[17] as char) {
        out.push((
            ProblemCode::BadCheckCharacter,
            "外国人永久居留身份证号码校验位错误（可能输错了某一位）".into(),
            "the permanent residence ID's check character is wrong (a digit may be mistyped)"
                .into(),
        ));
    }
    out
}

/// The problems of an older (15-character) 外国人永久居留身份证 number: the nationality's alpha-3
/// code, then 12 digits.
fn permanent_card_old(value: &str, tables: &CodeTables) -> Vec<(ProblemCode, String, String)> {
    let b = value.as_bytes();
    if !(b[..3].iter().all(u8::is_ascii_uppercase) && b[3..].iter().all(u8::is_ascii_digit)) {
        return vec![(
            ProblemCode::BadFormat,
            "旧版外国人永久居留身份证号码应为 3 个大写国籍字母加 12 位数字".into(),
            "an older permanent residence ID number is 3 upper-case nationality letters then 12 digits".into(),
        )];
    }
    if tables.contains(Table::Countries, &value[..3]) {
        Vec::new()
    } else {
        vec![(
            ProblemCode::UnknownCode,
            format!(
                "外国人永久居留身份证号码开头的“{}”不是已知的国籍代码",
                &value[..3]
            ),
            format!(
                "the permanent residence ID's nationality {:?} is not a known country code",
                &value[..3]
            ),
        )]
    }
}

/// The problem of a valid 2023 外国人永久居留身份证 number entered as a 居民身份证.
fn permanent_as_card() -> (ProblemCode, String, String) {
    (
        ProblemCode::IdTypeMismatch,
        "以 9 开头的 18 位号码是外国人永久居留身份证号码，不是居民身份证号码：\
         请将证件类型填为“外国人永久居留身份证”（4）"
            .into(),
        "an 18-character number starting with 9 is a foreign permanent residence ID, \
         not a resident ID card: set id_type to 4"
            .into(),
    )
}

/// Whether `value` is `prefix` (one of the bytes) followed by `n` digits for one of `lengths`.
fn letter_digits(value: &str, prefixes: &[u8], lengths: &[usize]) -> bool {
    let b = value.as_bytes();
    !b.is_empty()
        && prefixes.contains(&b[0])
        && lengths.contains(&(b.len() - 1))
        && b[1..].iter().all(u8::is_ascii_digit)
}

/// The shape problem of a number of a type without a check of its own, when its shape is wrong:
/// the messages say what the shape should be.
fn shape_problem(ok: bool, zh: &str, en: &str) -> Vec<(ProblemCode, String, String)> {
    if ok {
        Vec::new()
    } else {
        vec![(ProblemCode::BadFormat, zh.to_string(), en.to_string())]
    }
}

impl Checker<'_> {
    /// The document number in `field` by the rule of type `id_type` (empty for 居民身份证),
    /// against the gender in `gender` (field, value) when given and the document carries one.
    /// An unknown type is reported by the caller's code check; its number is checked for a
    /// plausible shape only.
    pub(super) fn document(
        &mut self,
        field: &str,
        id_type: &str,
        value: &str,
        gender: Option<(&str, &str)>,
        required: bool,
    ) {
        let t = effective_id_type(id_type);
        let label = id_number_label(t, self.tables);
        if !self.text(field, &label, value, required, 24) || self.spreadsheet(field, &label, value)
        {
            return;
        }
        let found: Vec<(ProblemCode, String, String)> = match t {
            "1" if value.len() == 18
                && value.starts_with('9')
                && permanent_card_2023(value, self.tables).is_empty() =>
            {
                vec![permanent_as_card()]
            }
            "1" => {
                self.id_layout(field, value, gender, IdRule::IdCard);
                return;
            }
            "2" => {
                self.id_layout(field, value, gender, IdRule::HkMacaoPermit);
                return;
            }
            "3" => {
                self.id_layout(field, value, gender, IdRule::TaiwanPermit);
                return;
            }
            "4" if value.len() == 15 => permanent_card_old(value, self.tables),
            "4" => permanent_card_2023(value, self.tables),
            "5" => shape_problem(
                letter_digits(value, b"HM", &[8, 10]),
                "港澳居民来往内地通行证号码应为 H（香港）或 M（澳门）加 8 位数字（旧版 10 位）",
                "a Mainland Travel Permit for Hong Kong and Macao residents is H or M then 8 digits (10 on the older booklet)",
            ),
            "6" => shape_problem(
                (value.len() == 8 || value.len() == 10) && value.bytes().all(|b| b.is_ascii_digit()),
                "台湾居民来往大陆通行证号码应为 8 位数字（旧版 10 位）",
                "a Mainland Travel Permit for Taiwan residents is 8 digits (10 on the older booklet)",
            ),
            "7" => shape_problem(
                (6..=20).contains(&value.len())
                    && value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
                "护照号码应为 6 至 20 位大写字母或数字",
                "a passport number is 6 to 20 upper-case letters or digits",
            ),
            "8" => {
                let b = value.as_bytes();
                let new_style = b.len() == 9
                    && b[0] == b'E'
                    && b[1].is_ascii_uppercase()
                    && b[1] != b'I'
                    && b[1] != b'O'
                    && b[2..].iter().all(u8::is_ascii_digit);
                shape_problem(
                    letter_digits(value, b"EG", &[8]) || new_style,
                    "中国护照号码应为 E 或 G 加 8 位数字，或 E 加 1 个字母（不含 I、O）再加 7 位数字",
                    "a Chinese passport number is E or G then 8 digits, or E, a letter other than I and O, then 7 digits",
                )
            }
            _ => shape_problem(
                (4..=24).contains(&value.len())
                    && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                "证件号码应为 4 至 24 位字母、数字或连字符",
                "a document number is 4 to 24 letters, digits or '-'",
            ),
        };
        for (code, zh, en) in found {
            self.push(field, code, zh, en);
        }
    }
}

/// Problems of a single document number of type `id_type` (a [`Table::IdTypes`] code; empty for
/// 居民身份证), optionally against a gender (code `1`/`2` or word 男/女) for the documents that
/// carry one. Problems of the number are reported on `id_number`, a gender mismatch on `gender`,
/// an unknown type on `id_type`. Unlike [`check_id_number`](super::check_id_number), which knows
/// no type, a 居民身份证 here refuses the numbers of residence permits and permanent-residence
/// cards.
pub fn check_document_number(
    id_type: &str,
    value: &str,
    gender: Option<&str>,
    tables: &CodeTables,
) -> Vec<Problem> {
    let mut c = Checker::new(tables);
    c.code("id_type", "证件类型", id_type, Table::IdTypes, 1, false);
    c.document(
        "id_number",
        id_type,
        value,
        gender.map(|g| ("gender", g)),
        true,
    );
    c.out
}
