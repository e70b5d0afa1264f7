//! The [`Checker`] that collects problems and notices, and the rule for each kind of field:
//! required text and its length, codes from a code table, region codes (with their years), dates,
//! phone numbers, e-mail, postal codes, ID numbers and credit codes — each with the spreadsheet
//! damage it may show.

use super::check_digits::{credit_code_check, id_check_character, CreditCheck};
use super::formats::{is_email, is_landline, is_mobile, parse_date, scan, spreadsheet_damage};
use super::{Notice, NoticeCode, Problem, ProblemCode, MAX_FIELD_CHARS};
use crate::tables::{CodeTables, Table};

/// Collects problems and notices under a field prefix.
pub(super) struct Checker<'a> {
    /// The code tables to check codes against.
    pub(super) tables: &'a CodeTables,
    prefix: Vec<&'static str>,
    /// The problems found so far.
    pub(super) out: Vec<Problem>,
    /// The notices found so far.
    pub(super) notices: Vec<Notice>,
}

impl<'a> Checker<'a> {
    /// A collector with no problems and no prefix.
    pub(super) fn new(tables: &'a CodeTables) -> Self {
        Checker {
            tables,
            prefix: Vec::new(),
            out: Vec::new(),
            notices: Vec::new(),
        }
    }

    /// `field` under the current prefix.
    fn path(&self, field: &str) -> String {
        let mut path = String::new();
        for p in &self.prefix {
            path.push_str(p);
            path.push('.');
        }
        path.push_str(field);
        path
    }

    /// Records a problem of `field` (under the current prefix).
    pub(super) fn push(&mut self, field: &str, code: ProblemCode, zh: String, en: String) {
        let field = self.path(field);
        self.out.push(Problem {
            field,
            code,
            message_zh: zh,
            message_en: en,
        });
    }

    /// Records a notice about the value of `field` (under the current prefix), which validation
    /// did not rewrite.
    fn notice(&mut self, field: &str, code: NoticeCode, value: &str, (zh, en): Msg) {
        let field = self.path(field);
        self.notices.push(Notice {
            field,
            code,
            before: value.to_string(),
            after: value.to_string(),
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
                format!(
                    "{label}{}“{value}”不在代码表中",
                    if label.ends_with("代码") {
                        ""
                    } else {
                        "代码"
                    }
                ),
                format!(
                    "{field} code {value:?} is not in the {} table",
                    table.as_str()
                ),
            );
        }
    }

    /// A 6-digit region code (GB/T 2260) that the tables know; a code no longer in use is valid
    /// and draws a [`NoticeCode::RegionRetired`] notice.
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
        } else if self.tables.region_retired(value) {
            let (zh, en) = region_note(self.tables, value);
            self.notice(
                field,
                NoticeCode::RegionRetired,
                value,
                (
                    format!("{label}“{value}”{zh}已不再使用（撤销、合并或更名），请确认是否应填写现行代码"),
                    format!("{field} {value:?}{en} is no longer in use (abolished, merged or renamed): check whether the current code is meant"),
                ),
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

    /// An ID number (GB 11643) in `field`, against the gender in `gender` (field, value) when
    /// given: a mismatch is reported on the gender field. A region code that did not exist in
    /// the birth year draws a [`NoticeCode::IdRegionYear`] notice.
    pub(super) fn id_number(
        &mut self,
        field: &str,
        value: &str,
        gender: Option<(&str, &str)>,
        required: bool,
    ) {
        let label = "身份证号";
        if !self.text(field, label, value, required, 24) || self.spreadsheet(field, label, value) {
            return;
        }
        self.id_layout(field, value, gender, IdRule::Any);
    }

    /// A number of the GB 11643 layout in `field` for the documents `rule` allows, against the
    /// gender in `gender` (field, value) when given. The
    /// spreadsheet and length checks are the caller's.
    pub(super) fn id_layout(
        &mut self,
        field: &str,
        value: &str,
        gender: Option<(&str, &str)>,
        rule: IdRule,
    ) {
        let found = id_number_findings(value, gender.map(|g| g.1), self.tables, rule);
        for (code, (zh, en)) in found.problems {
            self.push(field, code, zh, en);
        }
        if let (Some((gender_field, _)), Some((zh, en))) = (gender, found.gender_mismatch) {
            self.push(gender_field, ProblemCode::GenderMismatch, zh, en);
        }
        if let Some(msg) = found.region_notice {
            self.notice(field, NoticeCode::IdRegionYear, value, msg);
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

/// A region code's name and years for messages, in brackets (`（崇文区，–2010）` in Chinese,
/// ` (崇文区, –2010)` in English), or nothing when the list has neither.
fn region_note(tables: &CodeTables, code: &str) -> (String, String) {
    let mut parts: Vec<String> = tables
        .region_name(code)
        .map(str::to_string)
        .into_iter()
        .collect();
    for p in tables.region_years(code).unwrap_or(&[]) {
        if p.from.is_some() || p.to.is_some() {
            let year = |y: Option<i32>| y.map(|y| y.to_string()).unwrap_or_default();
            parts.push(format!("{}–{}", year(p.from), year(p.to)));
        }
    }
    if parts.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!("（{}）", parts.join("，")),
            format!(" ({})", parts.join(", ")),
        )
    }
}

/// The region codes of residence permits for people of Hong Kong, Macao and Taiwan (港澳台居民
/// 居住证, issued since 2018): the holder's ID-style number starts with one whatever the birth
/// year. 830000 is no GB/T 2260 code (Taiwan's is 710000) and is accepted for ID numbers only.
const PERMIT_REGIONS: [&str; 3] = ["810000", "820000", "830000"];

/// What the check of an ID number found.
struct IdFindings {
    /// Problems of the number itself (shape, province, birth date, check character).
    problems: Vec<(ProblemCode, Msg)>,
    /// The gender digit disagrees with the gender given.
    gender_mismatch: Option<Msg>,
    /// The region code did not exist in the birth year, or is not in the list.
    region_notice: Option<Msg>,
}

/// Whether a gender value (code or word, half- or full-width) says male (`Some(true)`) or
/// female (`Some(false)`); `None` when it is neither.
fn gender_is_male(value: &str) -> Option<bool> {
    match value.trim() {
        "1" | "１" | "男" | "男性" => Some(true),
        "2" | "２" | "女" | "女性" => Some(false),
        _ => None,
    }
}

/// Which documents a number of the GB 11643 layout (18 characters: region, birth date, sequence,
/// check character) may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IdRule {
    /// Any of them: a 居民身份证 or a residence permit of Hong Kong, Macao or Taiwan residents
    /// ([`check_id_number`], which knows no document type).
    Any,
    /// A 居民身份证: a mainland province; a residence permit's number is refused as the other
    /// document it is.
    IdCard,
    /// A 港澳居民居住证: 810000 (Hong Kong) or 820000 (Macao).
    HkMacaoPermit,
    /// A 台湾居民居住证: 830000.
    TaiwanPermit,
}

/// The document type (its name, for messages) that a region prefix of the GB 11643 layout
/// belongs to.
fn permit_of(region: &str) -> Option<(&'static str, &'static str)> {
    match region {
        "810000" | "820000" => Some(("港澳居民居住证", "2")),
        "830000" => Some(("台湾居民居住证", "3")),
        _ => None,
    }
}

/// Every finding of an ID number (shape, province, birth date, check character, gender digit,
/// region code in the birth year), with its messages, for the documents `rule` allows.
fn id_number_findings(
    value: &str,
    gender: Option<&str>,
    tables: &CodeTables,
    rule: IdRule,
) -> IdFindings {
    let mut out = IdFindings {
        problems: Vec::new(),
        gender_mismatch: None,
        region_notice: None,
    };
    let b = value.as_bytes();
    let shape_ok = b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x');
    if !shape_ok {
        out.problems.push((
            ProblemCode::BadFormat,
            (
                "身份证号应为 18 位：17 位数字加 1 位数字或 X".to_string(),
                "ID number must be 18 characters: 17 digits then a digit or X".to_string(),
            ),
        ));
        return out;
    }
    let region = &value[..6];
    let permit = PERMIT_REGIONS.contains(&region);
    let wanted: &[&str] = match rule {
        IdRule::Any | IdRule::IdCard => &[],
        IdRule::HkMacaoPermit => &["810000", "820000"],
        IdRule::TaiwanPermit => &["830000"],
    };
    let wrong_type = match rule {
        IdRule::Any => None,
        IdRule::IdCard => permit_of(region),
        IdRule::HkMacaoPermit | IdRule::TaiwanPermit if !wanted.contains(&region) => {
            Some(permit_of(region).unwrap_or(("居民身份证", "1")))
        }
        IdRule::HkMacaoPermit | IdRule::TaiwanPermit => None,
    };
    if let Some((name, code)) = wrong_type {
        let (zh, en) = if rule == IdRule::IdCard || permit {
            (
                format!("号码以“{region}”开头，是{name}号码，不是所填证件类型的号码：请将证件类型填为“{name}”（{code}）"),
                format!("a number starting with {region:?} is a {name} number, not one of the document type given: set id_type to {code} ({name})"),
            )
        } else {
            let want = wanted.join("”或“");
            (
                format!("居住证号码应以“{want}”开头；“{region}”开头的号码不是所填证件类型的号码"),
                format!("the residence permit's number must start with {}; a number starting with {region:?} is not one of the document type given", wanted.join(" or ")),
            )
        };
        out.problems.push((ProblemCode::IdTypeMismatch, (zh, en)));
        return out;
    }
    let province_ok = permit || tables.contains(Table::Provinces, &value[..2]);
    if !province_ok {
        out.problems.push((
            ProblemCode::UnknownProvince,
            (
                format!("身份证号前两位“{}”不是已知的省级行政区", &value[..2]),
                format!("ID number prefix {:?} is not a known province", &value[..2]),
            ),
        ));
    }
    let birth = &value[6..14];
    let birth_date = parse_date(&format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..]))
        .filter(|d| (1900..=2100).contains(&chrono::Datelike::year(d)));
    match birth_date {
        None => out.problems.push((
            ProblemCode::BadBirthDate,
            (
                format!("身份证号中的出生日期“{birth}”不是真实日期"),
                format!("birth date {birth:?} in the ID number is not a real date"),
            ),
        )),
        Some(d) => {
            let year = chrono::Datelike::year(&d);
            if province_ok && !permit && !tables.region_existed_in(region, year) {
                out.region_notice = Some(id_region_message(tables, region, year));
            }
        }
    }
    let expected = id_check_character(&value[..17]);
    if expected != Some(value.as_bytes()[17].to_ascii_uppercase() as char) {
        out.problems.push((
            ProblemCode::BadCheckCharacter,
            (
                "身份证号校验位错误（可能输错了某一位）".to_string(),
                "ID number check character is wrong (a digit may be mistyped)".to_string(),
            ),
        ));
    }
    if let Some(g) = gender {
        let id_male = (b[16] - b'0') % 2 == 1;
        if let Some(male) = gender_is_male(g).filter(|m| *m != id_male) {
            let word = |m: bool| {
                if m {
                    ("男", "male")
                } else {
                    ("女", "female")
                }
            };
            let (id_zh, id_en) = word(id_male);
            let (g_zh, g_en) = word(male);
            out.gender_mismatch = Some((
                format!("性别“{g}”（{g_zh}）与身份证号第 17 位（表示{id_zh}）不符"),
                format!(
                    "gender {g:?} ({g_en}) disagrees with the ID number's gender digit ({id_en})"
                ),
            ));
        }
    }
    out
}

/// The message of an ID number whose region code did not exist in the birth year.
fn id_region_message(tables: &CodeTables, region: &str, year: i32) -> Msg {
    if tables.region_known(region) {
        let (zh, en) = region_note(tables, region);
        (
            format!("身份证号前六位“{region}”{zh}在出生年份 {year} 年不是使用中的行政区划代码，号码可能有误"),
            format!("the ID number's region code {region:?}{en} was not in use in the birth year {year}: the number may be mistyped"),
        )
    } else {
        (
            format!("身份证号前六位“{region}”不在行政区划代码表中，号码可能有误"),
            format!("the ID number's region code {region:?} is not in the region list: the number may be mistyped"),
        )
    }
}

/// Problems of a single ID number (GB 11643), optionally against a gender (code `1`/`2` or word
/// 男/女/男性/女性, half- or full-width). Problems of the number are reported on `id_number`; a
/// gender mismatch is reported on `gender`. Notices (an unusual region code) are not returned:
/// see [`check_id_number_notices`].
pub fn check_id_number(value: &str, gender: Option<&str>, tables: &CodeTables) -> Vec<Problem> {
    let mut c = Checker::new(tables);
    c.id_number("id_number", value, gender.map(|g| ("gender", g)), true);
    c.out
}

/// Notices about a single ID number (GB 11643) on `id_number`: its region code did not exist in
/// the birth year, or is not in the region list though its province is known
/// ([`NoticeCode::IdRegionYear`]). Residence-permit numbers of Hong Kong, Macao and Taiwan
/// residents (810000, 820000, 830000) draw none.
pub fn check_id_number_notices(value: &str, tables: &CodeTables) -> Vec<Notice> {
    let mut c = Checker::new(tables);
    c.id_number("id_number", value, None, true);
    c.notices
}
