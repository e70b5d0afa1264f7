//! Validation of records. Every check runs and every problem is reported, each with the field,
//! a stable code and a message in Chinese and English.
//!
//! Spreadsheet damage — an ID number or phone turned into scientific notation (`3.20102E+17`), a
//! trailing `.0`, lost leading zeros — is the most common upload error and is named as such.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::records::{ArchiveTransfer, BasicInfo, ChsiAccount, DestinationData, HukouMigration};
use crate::tables::{Category, CodeTables, Table};

/// Longest accepted text field, in characters.
pub const MAX_FIELD_CHARS: usize = 200;

/// What is wrong with a field. The snake_case names are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// A required field is empty.
    Required,
    /// Longer than [`MAX_FIELD_CHARS`] or the field's own limit.
    TooLong,
    /// Wrong shape (length, characters).
    BadFormat,
    /// The check character of an ID number or credit code is wrong.
    BadCheckCharacter,
    /// The birth date inside an ID number is not a real date.
    BadBirthDate,
    /// The ID number's gender digit disagrees with the gender field.
    GenderMismatch,
    /// The ID number's first two digits are not a known province.
    UnknownProvince,
    /// A code is not in its code table.
    UnknownCode,
    /// A 6-digit region code is not known.
    UnknownRegion,
    /// Not a real `YYYY-MM-DD` date, or dates out of order.
    BadDate,
    /// A number outside its range.
    OutOfRange,
    /// Spreadsheet damage: a number shown in scientific notation (`3.20102E+17`).
    ScientificNotation,
    /// Spreadsheet damage: a trailing `.0` on a number stored as text.
    TrailingDecimal,
    /// Spreadsheet damage: leading zeros lost (`1` for `01`).
    LostLeadingZero,
    /// A part the destination code needs is missing.
    Missing,
    /// A part that does not belong with the destination code is present.
    NotAllowed,
    /// A value that must be unique appears again (for instance an ID number twice in a roster).
    Duplicate,
    /// The registry refused the record (the message says why: for example an ID number already
    /// registered under another student number).
    Refused,
}

impl ProblemCode {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::Required => "required",
            ProblemCode::TooLong => "too_long",
            ProblemCode::BadFormat => "bad_format",
            ProblemCode::BadCheckCharacter => "bad_check_character",
            ProblemCode::BadBirthDate => "bad_birth_date",
            ProblemCode::GenderMismatch => "gender_mismatch",
            ProblemCode::UnknownProvince => "unknown_province",
            ProblemCode::UnknownCode => "unknown_code",
            ProblemCode::UnknownRegion => "unknown_region",
            ProblemCode::BadDate => "bad_date",
            ProblemCode::OutOfRange => "out_of_range",
            ProblemCode::ScientificNotation => "scientific_notation",
            ProblemCode::TrailingDecimal => "trailing_decimal",
            ProblemCode::LostLeadingZero => "lost_leading_zero",
            ProblemCode::Missing => "missing",
            ProblemCode::NotAllowed => "not_allowed",
            ProblemCode::Duplicate => "duplicate",
            ProblemCode::Refused => "refused",
        }
    }

    /// Whether this code names spreadsheet damage.
    pub fn is_spreadsheet_damage(self) -> bool {
        matches!(
            self,
            ProblemCode::ScientificNotation
                | ProblemCode::TrailingDecimal
                | ProblemCode::LostLeadingZero
        )
    }
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Problem {
    /// Field path, such as `id_number` or `destination.employer.credit_code`.
    pub field: String,
    /// What is wrong.
    pub code: ProblemCode,
    /// Message in Chinese.
    pub message_zh: String,
    /// Message in English.
    pub message_en: String,
}

/// A record that can be validated against code tables.
pub trait Validate {
    /// Every problem of the record (empty when valid).
    fn problems(&self, tables: &CodeTables) -> Vec<Problem>;

    /// `Ok(())` when valid, else [`Error::InvalidRecord`] with every problem.
    fn validate(&self, tables: &CodeTables) -> Result<()> {
        let problems = self.problems(tables);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidRecord { problems })
        }
    }
}

/// Collects problems under a field prefix.
struct Checker<'a> {
    tables: &'a CodeTables,
    prefix: Vec<&'static str>,
    out: Vec<Problem>,
}

impl<'a> Checker<'a> {
    fn new(tables: &'a CodeTables) -> Self {
        Checker {
            tables,
            prefix: Vec::new(),
            out: Vec::new(),
        }
    }

    fn push(&mut self, field: &str, code: ProblemCode, zh: String, en: String) {
        let mut path = String::new();
        for p in &self.prefix {
            path.push_str(p);
            path.push('.');
        }
        path.push_str(field);
        self.out.push(Problem {
            field: path,
            code,
            message_zh: zh,
            message_en: en,
        });
    }

    fn with_prefix(&mut self, prefix: &'static str, f: impl FnOnce(&mut Self)) {
        self.prefix.push(prefix);
        f(self);
        self.prefix.pop();
    }

    /// Common checks: required, length, control characters. Returns whether the value should be
    /// checked further (non-empty and not too long).
    fn text(&mut self, field: &str, label: &str, value: &str, required: bool, max: usize) -> bool {
        if value.trim().is_empty() {
            if required {
                self.push(
                    field,
                    ProblemCode::Required,
                    format!("{label}不能为空"),
                    format!("{field} is required"),
                );
            }
            return false;
        }
        let (n, control) = scan(value);
        if n > max.min(MAX_FIELD_CHARS) {
            self.push(
                field,
                ProblemCode::TooLong,
                format!(
                    "{label}过长（{n} 个字符，最多 {}）",
                    max.min(MAX_FIELD_CHARS)
                ),
                format!(
                    "{field} is too long ({n} characters, at most {})",
                    max.min(MAX_FIELD_CHARS)
                ),
            );
            return false;
        }
        if control {
            self.push(
                field,
                ProblemCode::BadFormat,
                format!("{label}含有控制字符"),
                format!("{field} contains control characters"),
            );
            return false;
        }
        true
    }

    /// Reports spreadsheet damage on a field that should hold digits. Returns true when found.
    fn spreadsheet(&mut self, field: &str, label: &str, value: &str) -> bool {
        match spreadsheet_damage(value) {
            Some(ProblemCode::ScientificNotation) => {
                self.push(
                    field,
                    ProblemCode::ScientificNotation,
                    format!("{label}“{value}”被电子表格转成了科学计数法，数字已丢失：请把该列设为文本格式后重新填写"),
                    format!("{field} {value:?} was turned into scientific notation by a spreadsheet and its digits are lost: format the column as text and enter it again"),
                );
                true
            }
            Some(ProblemCode::TrailingDecimal) => {
                self.push(
                    field,
                    ProblemCode::TrailingDecimal,
                    format!("{label}“{value}”末尾有电子表格添加的“.0”：请把该列设为文本格式"),
                    format!("{field} {value:?} has a trailing \".0\" added by a spreadsheet: format the column as text"),
                );
                true
            }
            _ => false,
        }
    }

    /// A fixed-width code from a table, with spreadsheet-damage diagnosis.
    fn code(
        &mut self,
        field: &str,
        label: &str,
        value: &str,
        table: Table,
        width: usize,
        required: bool,
    ) {
        if !self.text(field, label, value, required, 16) || self.spreadsheet(field, label, value) {
            return;
        }
        if value.len() < width && value.bytes().all(|b| b.is_ascii_digit()) {
            let padded = format!("{value:0>width$}");
            if self.tables.contains(table, &padded) {
                self.push(
                    field,
                    ProblemCode::LostLeadingZero,
                    format!("{label}“{value}”丢失了前导零，应为“{padded}”（电子表格把它当成了数字）"),
                    format!("{field} {value:?} lost its leading zero; it should be {padded:?} (a spreadsheet treated it as a number)"),
                );
                return;
            }
        }
        if !self.tables.contains(table, value) {
            self.push(
                field,
                ProblemCode::UnknownCode,
                format!("{label}代码“{value}”不在代码表中"),
                format!(
                    "{field} code {value:?} is not in the {} table",
                    table.as_str()
                ),
            );
        }
    }

    fn region(&mut self, field: &str, label: &str, value: &str, required: bool) {
        if !self.text(field, label, value, required, 16) || self.spreadsheet(field, label, value) {
            return;
        }
        if value.len() != 6 || !value.bytes().all(|b| b.is_ascii_digit()) {
            self.push(
                field,
                ProblemCode::BadFormat,
                format!("{label}应为 6 位行政区划代码"),
                format!("{field} must be a 6-digit region code (GB/T 2260)"),
            );
        } else if !self.tables.region_known(value) {
            self.push(
                field,
                ProblemCode::UnknownRegion,
                format!("{label}“{value}”不是已知的行政区划代码"),
                format!("{field} {value:?} is not a known region code"),
            );
        }
    }

    fn date(
        &mut self,
        field: &str,
        label: &str,
        value: &str,
        required: bool,
    ) -> Option<chrono::NaiveDate> {
        if !self.text(field, label, value, required, 10) {
            return None;
        }
        match parse_date(value) {
            Some(d) => Some(d),
            None => {
                self.push(
                    field,
                    ProblemCode::BadDate,
                    format!("{label}“{value}”不是有效日期（格式 YYYY-MM-DD）"),
                    format!("{field} {value:?} is not a valid YYYY-MM-DD date"),
                );
                None
            }
        }
    }

    fn mobile(&mut self, field: &str, label: &str, value: &str, required: bool) {
        if !self.text(field, label, value, required, 16) || self.spreadsheet(field, label, value) {
            return;
        }
        if !is_mobile(value) {
            self.push(
                field,
                ProblemCode::BadFormat,
                format!("{label}“{value}”不是有效的手机号码（11 位，以 1 开头）"),
                format!(
                    "{field} {value:?} is not a valid mobile number (11 digits starting with 1)"
                ),
            );
        }
    }

    fn phone(&mut self, field: &str, label: &str, value: &str, required: bool) {
        if !self.text(field, label, value, required, 24) || self.spreadsheet(field, label, value) {
            return;
        }
        if !is_mobile(value) && !is_landline(value) {
            self.push(
                field,
                ProblemCode::BadFormat,
                format!("{label}“{value}”不是有效的电话号码"),
                format!("{field} {value:?} is not a valid phone number"),
            );
        }
    }

    fn email(&mut self, field: &str, label: &str, value: &str, required: bool) {
        if !self.text(field, label, value, required, 100) {
            return;
        }
        if !is_email(value) {
            self.push(
                field,
                ProblemCode::BadFormat,
                format!("{label}“{value}”不是有效的电子邮箱"),
                format!("{field} {value:?} is not a valid e-mail address"),
            );
        }
    }

    fn postal(&mut self, field: &str, label: &str, value: &str, required: bool) {
        if !self.text(field, label, value, required, 16) || self.spreadsheet(field, label, value) {
            return;
        }
        let digits = value.bytes().all(|b| b.is_ascii_digit());
        if digits && value.len() < 6 {
            self.push(
                field,
                ProblemCode::LostLeadingZero,
                format!("{label}“{value}”不足 6 位，可能丢失了前导零（应为“{value:0>6}”？）"),
                format!(
                    "{field} {value:?} has fewer than 6 digits; leading zeros may be lost ({:?}?)",
                    format!("{value:0>6}")
                ),
            );
        } else if !digits || value.len() != 6 {
            self.push(
                field,
                ProblemCode::BadFormat,
                format!("{label}应为 6 位数字"),
                format!("{field} must be 6 digits"),
            );
        }
    }

    fn id_number(&mut self, field: &str, value: &str, gender: Option<&str>, required: bool) {
        let label = "身份证号";
        if !self.text(field, label, value, required, 24) || self.spreadsheet(field, label, value) {
            return;
        }
        for p in id_number_problems(value, gender, self.tables) {
            let (zh, en) = p.1;
            self.push(field, p.0, zh, en);
        }
    }

    fn credit_code(&mut self, field: &str, value: &str, required: bool) {
        let label = "统一社会信用代码";
        if !self.text(field, label, value, required, 24) || self.spreadsheet(field, label, value) {
            return;
        }
        match credit_code_check(value) {
            CreditCheck::Ok => {}
            CreditCheck::BadFormat => self.push(
                field,
                ProblemCode::BadFormat,
                format!("{label}应为 18 位，只含数字和大写字母（不含 I、O、Z、S、V）"),
                format!("{field} must be 18 characters of 0-9 and A-Z without I, O, Z, S, V"),
            ),
            CreditCheck::BadCheck => self.push(
                field,
                ProblemCode::BadCheckCharacter,
                format!("{label}“{value}”校验码错误"),
                format!("{field} {value:?} has a wrong check character"),
            ),
        }
    }
}

/// Counts the characters of `value` and tells whether any is a control character (C0, DEL or
/// C1), in one pass over the bytes.
fn scan(value: &str) -> (usize, bool) {
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

fn is_mobile(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

fn is_landline(v: &str) -> bool {
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

fn is_email(v: &str) -> bool {
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

type Msg = (String, String);

fn id_number_problems(
    value: &str,
    gender: Option<&str>,
    tables: &CodeTables,
) -> Vec<(ProblemCode, Msg)> {
    let mut out = Vec::new();
    let b = value.as_bytes();
    let shape_ok = b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x');
    if !shape_ok {
        out.push((
            ProblemCode::BadFormat,
            (
                "身份证号应为 18 位：17 位数字加 1 位数字或 X".to_string(),
                "ID number must be 18 characters: 17 digits then a digit or X".to_string(),
            ),
        ));
        return out;
    }
    if !tables.contains(Table::Provinces, &value[..2]) {
        out.push((
            ProblemCode::UnknownProvince,
            (
                format!("身份证号前两位“{}”不是已知的省级行政区", &value[..2]),
                format!("ID number prefix {:?} is not a known province", &value[..2]),
            ),
        ));
    }
    let birth = &value[6..14];
    let date_ok = parse_date(&format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..]))
        .is_some_and(|d| (1900..=2100).contains(&chrono::Datelike::year(&d)));
    if !date_ok {
        out.push((
            ProblemCode::BadBirthDate,
            (
                format!("身份证号中的出生日期“{birth}”不是真实日期"),
                format!("birth date {birth:?} in the ID number is not a real date"),
            ),
        ));
    }
    let expected = id_check_character(&value[..17]);
    if expected != Some(value.as_bytes()[17].to_ascii_uppercase() as char) {
        out.push((
            ProblemCode::BadCheckCharacter,
            (
                "身份证号校验位错误（可能输错了某一位）".to_string(),
                "ID number check character is wrong (a digit may be mistyped)".to_string(),
            ),
        ));
    }
    if let Some(g) = gender {
        let digit = b[16] - b'0';
        let implied = if digit % 2 == 1 { "1" } else { "2" };
        if (g == "1" || g == "2") && g != implied {
            out.push((
                ProblemCode::GenderMismatch,
                (
                    format!(
                        "身份证号第 17 位表示{}，与性别“{}”不符",
                        if implied == "1" { "男" } else { "女" },
                        if g == "1" { "男" } else { "女" }
                    ),
                    "the ID number's gender digit disagrees with the gender field".to_string(),
                ),
            ));
        }
    }
    out
}

/// Problems of a single ID number (GB 11643), optionally against a gender code.
pub fn check_id_number(value: &str, gender: Option<&str>, tables: &CodeTables) -> Vec<Problem> {
    let mut c = Checker::new(tables);
    c.id_number("id_number", value, gender, true);
    c.out
}

/// GB 32100 alphabet: digits and upper-case letters without I, O, S, V, Z.
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
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

enum CreditCheck {
    Ok,
    BadFormat,
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

fn credit_code_check(value: &str) -> CreditCheck {
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

fn name_ok(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_alphabetic() || c == '·' || c == '•' || c == ' ' || c == '-' || c == '.')
}

impl Validate for BasicInfo {
    fn problems(&self, tables: &CodeTables) -> Vec<Problem> {
        let mut c = Checker::new(tables);
        if c.text("name", "姓名", &self.name, true, 50) && !name_ok(&self.name) {
            c.push(
                "name",
                ProblemCode::BadFormat,
                "姓名只能包含文字、间隔号“·”和空格".into(),
                "name may contain letters, the middle dot and spaces only".into(),
            );
        }
        c.code("gender", "性别", &self.gender, Table::Genders, 1, true);
        let gender = Some(self.gender.as_str());
        c.id_number("id_number", &self.id_number, gender, true);
        if c.text("exam_number", "考生号", &self.exam_number, false, 20)
            && !c.spreadsheet("exam_number", "考生号", &self.exam_number)
            && (self.exam_number.len() != 14
                || !self.exam_number.bytes().all(|b| b.is_ascii_digit()))
        {
            c.push(
                "exam_number",
                ProblemCode::BadFormat,
                "考生号应为 14 位数字".into(),
                "exam number must be 14 digits".into(),
            );
        }
        if c.text("student_number", "学号", &self.student_number, true, 32)
            && !c.spreadsheet("student_number", "学号", &self.student_number)
            && !self
                .student_number
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            c.push(
                "student_number",
                ProblemCode::BadFormat,
                "学号只能包含字母、数字、连字符和下划线".into(),
                "student number may contain letters, digits, '-' and '_' only".into(),
            );
        }
        if c.text("school_code", "院校代码", &self.school_code, true, 10)
            && !c.spreadsheet("school_code", "院校代码", &self.school_code)
            && (self.school_code.len() != 5
                || !self.school_code.bytes().all(|b| b.is_ascii_digit()))
        {
            c.push(
                "school_code",
                ProblemCode::BadFormat,
                "院校代码应为 5 位数字".into(),
                "school code must be 5 digits".into(),
            );
        }
        c.text("school_name", "院校名称", &self.school_name, true, 100);
        c.text("college", "学院", &self.college, true, 100);
        if c.text("major_code", "专业代码", &self.major_code, true, 12)
            && !c.spreadsheet("major_code", "专业代码", &self.major_code)
        {
            let ok = (4..=10).contains(&self.major_code.len())
                && self
                    .major_code
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
            if !ok {
                c.push(
                    "major_code",
                    ProblemCode::BadFormat,
                    "专业代码应为 4 至 10 位数字或大写字母".into(),
                    "major code must be 4 to 10 digits or upper-case letters".into(),
                );
            }
        }
        c.text("major_name", "专业名称", &self.major_name, true, 100);
        c.code(
            "education_level",
            "学历",
            &self.education_level,
            Table::EducationLevels,
            2,
            true,
        );
        c.code(
            "training_mode",
            "培养方式",
            &self.training_mode,
            Table::TrainingModes,
            1,
            false,
        );
        if c.text("schooling_length", "学制", &self.schooling_length, false, 4) {
            let ok = self
                .schooling_length
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .is_some_and(|v| (1.5..=9.5).contains(&v) && (v * 2.0).fract() == 0.0);
            if !ok {
                c.push(
                    "schooling_length",
                    ProblemCode::OutOfRange,
                    format!(
                        "学制“{}”应在 1.5 至 9.5 年之间，以 0.5 为步长",
                        self.schooling_length
                    ),
                    format!(
                        "schooling length {:?} must be 1.5 to 9.5 years in steps of 0.5",
                        self.schooling_length
                    ),
                );
            }
        }
        let enrol = c.date("enrolment_date", "入学日期", &self.enrolment_date, false);
        let grad = c.date("graduation_date", "毕业日期", &self.graduation_date, true);
        if let (Some(e), Some(g)) = (enrol, grad) {
            if e >= g {
                c.push(
                    "graduation_date",
                    ProblemCode::BadDate,
                    "毕业日期应晚于入学日期".into(),
                    "graduation date must be after the enrolment date".into(),
                );
            }
        }
        c.region("origin_region", "生源地", &self.origin_region, false);
        c.code(
            "ethnicity",
            "民族",
            &self.ethnicity,
            Table::Ethnicities,
            2,
            false,
        );
        c.code(
            "political_status",
            "政治面貌",
            &self.political_status,
            Table::PoliticalStatuses,
            2,
            false,
        );
        c.mobile("phone", "手机号码", &self.phone, false);
        c.email("email", "电子邮箱", &self.email, false);
        c.out
    }
}

fn check_archive(c: &mut Checker<'_>, a: &ArchiveTransfer) {
    c.text(
        "receiving_unit",
        "档案接收单位",
        &a.receiving_unit,
        true,
        100,
    );
    c.text("address", "档案接收地址", &a.address, true, 150);
    c.postal("postal_code", "邮政编码", &a.postal_code, true);
    c.text("contact", "联系人", &a.contact, false, 50);
    c.phone("phone", "联系电话", &a.phone, true);
    if let Some(t) = &a.transfer_number {
        if c.text("transfer_number", "转递编号", t, true, 32) {
            match crate::codes::TransferNumber::parse(t) {
                Ok(_) => {}
                Err(crate::error::Error::TransferNumberTypo) => c.push(
                    "transfer_number",
                    ProblemCode::BadCheckCharacter,
                    format!("转递编号“{t}”校验位错误（可能输错了某一位）"),
                    format!("transfer number {t:?} has a wrong check symbol (a typo)"),
                ),
                Err(_) => c.push(
                    "transfer_number",
                    ProblemCode::BadFormat,
                    format!("转递编号“{t}”格式错误，应为 ZD-XXXX-XXXX-XXXX"),
                    format!("transfer number {t:?} is not of the form ZD-XXXX-XXXX-XXXX"),
                ),
            }
        }
    }
    if let Some(t) = &a.tracking_number {
        if c.text("tracking_number", "邮件号", t, true, 32)
            && !t.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            c.push(
                "tracking_number",
                ProblemCode::BadFormat,
                "邮件号只能包含字母和数字".into(),
                "tracking number may contain letters and digits only".into(),
            );
        }
    }
}

fn check_hukou(c: &mut Checker<'_>, h: &HukouMigration) {
    if !h.migrate {
        return;
    }
    if h.reason.is_none() {
        c.push(
            "reason",
            ProblemCode::Required,
            "迁移户口时须填写迁移原因".into(),
            "reason is required when migrating".into(),
        );
    }
    c.text("address", "迁入地址", &h.address, true, 150);
    c.text(
        "police_station",
        "迁入地派出所",
        &h.police_station,
        true,
        100,
    );
    c.region("region", "迁入地行政区划", &h.region, true);
}

impl Validate for DestinationData {
    fn problems(&self, tables: &CodeTables) -> Vec<Problem> {
        let mut c = Checker::new(tables);
        let d = &self.destination;
        c.with_prefix("destination", |c| {
            if c.text("code", "毕业去向代码", &d.code, true, 3)
                && !c.spreadsheet("code", "毕业去向代码", &d.code)
            {
                if d.code.len() == 3 && tables.contains(Table::Destinations, &d.code) {
                    c.push(
                        "code",
                        ProblemCode::BadFormat,
                        format!(
                            "“{}”是三位子代码，请填在 sub_code，code 填“{}”",
                            d.code,
                            &d.code[..2]
                        ),
                        format!(
                            "{:?} is a sub-code: put it in sub_code and {:?} in code",
                            d.code,
                            &d.code[..2]
                        ),
                    );
                } else {
                    c.code(
                        "code",
                        "毕业去向代码",
                        &d.code,
                        Table::Destinations,
                        2,
                        true,
                    );
                }
            }
            if let Some(sub) = &d.sub_code {
                if c.text("sub_code", "毕业去向子代码", sub, true, 3) {
                    if sub.len() != 3 || !tables.contains(Table::Destinations, sub) {
                        c.push(
                            "sub_code",
                            ProblemCode::UnknownCode,
                            format!("毕业去向子代码“{sub}”不在代码表中"),
                            format!("destination sub-code {sub:?} is not in the table"),
                        );
                    } else if !sub.starts_with(d.code.as_str()) || d.code.len() != 2 {
                        c.push(
                            "sub_code",
                            ProblemCode::BadFormat,
                            format!("子代码“{sub}”不属于毕业去向“{}”", d.code),
                            format!(
                                "sub-code {sub:?} does not belong to destination {:?}",
                                d.code
                            ),
                        );
                    }
                }
            }
            let category = tables.destination_category(&d.code);
            let needs_employer = matches!(d.code.as_str(), "10" | "11" | "12");
            match (&d.employer, needs_employer, category) {
                (None, true, _) => c.push(
                    "employer",
                    ProblemCode::Missing,
                    "就业去向须填写用人单位信息".into(),
                    "this destination needs the employer".into(),
                ),
                (Some(_), _, Some(Category::NotPlaced)) => c.push(
                    "employer",
                    ProblemCode::NotAllowed,
                    "未就业去向不应填写用人单位".into(),
                    "a not-placed destination must not name an employer".into(),
                ),
                _ => {}
            }
            if let Some(e) = &d.employer {
                c.with_prefix("employer", |c| {
                    c.text("name", "单位名称", &e.name, true, 100);
                    c.credit_code("credit_code", &e.credit_code, needs_employer);
                    c.code(
                        "nature",
                        "单位性质",
                        &e.nature,
                        Table::EmployerNatures,
                        2,
                        needs_employer,
                    );
                    c.code(
                        "industry",
                        "单位行业",
                        &e.industry,
                        Table::Industries,
                        2,
                        needs_employer,
                    );
                    c.region("region", "单位所在地", &e.region, needs_employer);
                    c.text("address", "单位地址", &e.address, false, 150);
                });
            }
            if let Some(j) = &d.job_category {
                c.code(
                    "job_category",
                    "工作职位类别",
                    j,
                    Table::JobCategories,
                    2,
                    true,
                );
            }
            if let Some(s) = &d.signing_date {
                c.date("signing_date", "签约日期", s, true);
            }
            match (&d.further_study, category) {
                (None, Some(Category::FurtherStudy)) => c.push(
                    "further_study",
                    ProblemCode::Missing,
                    "境内升学须填写升学院校和专业".into(),
                    "further study needs the school and major".into(),
                ),
                (Some(s), _) => c.with_prefix("further_study", |c| {
                    c.text("school", "升学院校", &s.school, true, 100);
                    c.text("major", "升学专业", &s.major, false, 100);
                }),
                _ => {}
            }
            match (&d.abroad, category) {
                (None, Some(Category::Abroad)) => c.push(
                    "abroad",
                    ProblemCode::Missing,
                    "境外留学须填写国家（地区）和院校".into(),
                    "study abroad needs the country or region and school".into(),
                ),
                (Some(a), _) => c.with_prefix("abroad", |c| {
                    c.text(
                        "country_region",
                        "留学国家（地区）",
                        &a.country_region,
                        true,
                        50,
                    );
                    c.text("school", "留学院校", &a.school, true, 100);
                    c.text("major", "留学专业", &a.major, false, 100);
                }),
                _ => {}
            }
        });
        if let Some(a) = &self.archive {
            c.with_prefix("archive", |c| check_archive(c, a));
        }
        if let Some(h) = &self.hukou {
            c.with_prefix("hukou", |c| check_hukou(c, h));
        }
        c.out
    }
}

impl Validate for ChsiAccount {
    fn problems(&self, tables: &CodeTables) -> Vec<Problem> {
        let mut c = Checker::new(tables);
        c.text("name", "姓名", &self.name, true, 50);
        c.id_number("id_number", &self.id_number, None, true);
        c.mobile("phone", "手机号码", &self.phone, false);
        c.email("email", "电子邮箱", &self.email, false);
        c.out
    }
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
