//! The [`Checker`] that collects problems, and the rule for each kind of field: required text
//! and its length, codes from a code table, region codes, dates, phone numbers, e-mail, postal
//! codes, ID numbers and credit codes — each with the spreadsheet damage it may show.

use super::check_digits::{credit_code_check, id_check_character, CreditCheck};
use super::formats::{is_email, is_landline, is_mobile, parse_date, scan, spreadsheet_damage};
use super::{Problem, ProblemCode, MAX_FIELD_CHARS};
use crate::tables::{CodeTables, Table};

/// Collects problems under a field prefix.
pub(super) struct Checker<'a> {
    /// The code tables to check codes against.
    pub(super) tables: &'a CodeTables,
    prefix: Vec<&'static str>,
    /// The problems found so far.
    pub(super) out: Vec<Problem>,
}

impl<'a> Checker<'a> {
    /// A collector with no problems and no prefix.
    pub(super) fn new(tables: &'a CodeTables) -> Self {
        Checker {
            tables,
            prefix: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Records a problem of `field` (under the current prefix).
    pub(super) fn push(&mut self, field: &str, code: ProblemCode, zh: String, en: String) {
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

    /// Runs `f` with `prefix.` put before every field it reports.
    pub(super) fn with_prefix(&mut self, prefix: &'static str, f: impl FnOnce(&mut Self)) {
        self.prefix.push(prefix);
        f(self);
        self.prefix.pop();
    }

    /// Common checks: required, length, control characters. Returns whether the value should be
    /// checked further (non-empty and not too long).
    pub(super) fn text(
        &mut self,
        field: &str,
        label: &str,
        value: &str,
        required: bool,
        max: usize,
    ) -> bool {
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
    pub(super) fn spreadsheet(&mut self, field: &str, label: &str, value: &str) -> bool {
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
    pub(super) fn code(
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

    /// A 6-digit region code (GB/T 2260) that the tables know.
    pub(super) fn region(&mut self, field: &str, label: &str, value: &str, required: bool) {
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

    /// A strict `YYYY-MM-DD` date; returns it when valid.
    pub(super) fn date(
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

    /// An 11-digit mobile number.
    pub(super) fn mobile(&mut self, field: &str, label: &str, value: &str, required: bool) {
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

    /// A mobile or landline number.
    pub(super) fn phone(&mut self, field: &str, label: &str, value: &str, required: bool) {
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

    /// An e-mail address.
    pub(super) fn email(&mut self, field: &str, label: &str, value: &str, required: bool) {
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

    /// A 6-digit postal code (a shorter one lost its leading zeros).
    pub(super) fn postal(&mut self, field: &str, label: &str, value: &str, required: bool) {
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

    /// An ID number (GB 11643), against the gender code when given.
    pub(super) fn id_number(
        &mut self,
        field: &str,
        value: &str,
        gender: Option<&str>,
        required: bool,
    ) {
        let label = "身份证号";
        if !self.text(field, label, value, required, 24) || self.spreadsheet(field, label, value) {
            return;
        }
        for p in id_number_problems(value, gender, self.tables) {
            let (zh, en) = p.1;
            self.push(field, p.0, zh, en);
        }
    }

    /// A unified social credit code (GB 32100).
    pub(super) fn credit_code(&mut self, field: &str, value: &str, required: bool) {
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

/// A message in Chinese and English.
type Msg = (String, String);

/// Every problem of an ID number (shape, province, birth date, check character, gender digit),
/// with its messages.
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
