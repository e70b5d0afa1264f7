//! What validation reports: [`Problem`], one problem with one field, and its [`ProblemCode`].
//!
//! A leaf module — it imports nothing of the crate — so that the error type
//! ([`crate::Error::InvalidRecord`]) does not depend on the validation rules. Both types are
//! re-exported from [`crate::validate`], where they are used.

use serde::{Deserialize, Serialize};

/// What is wrong with a field. The snake_case names are stable.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// A required field is empty.
    Required,
    /// Longer than [`crate::validate::MAX_FIELD_CHARS`] or the field's own limit.
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
    /// Two columns of one field disagree: a code column and the name column beside it (性别代码
    /// `1` with 性别 `女`).
    CodeNameMismatch,
    /// A value written in a way that has more than one reading (a date `2024/3/4` could be
    /// either order only in other locales; a name that two codes of the table share).
    Ambiguous,
    /// The document number is of another document type than the record's `id_type` says (a
    /// Hong Kong residence permit's 81… number entered as a 居民身份证); the message names the
    /// type the number belongs to.
    IdTypeMismatch,
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
            ProblemCode::CodeNameMismatch => "code_name_mismatch",
            ProblemCode::Ambiguous => "ambiguous",
            ProblemCode::IdTypeMismatch => "id_type_mismatch",
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// What a notice tells: a value that was accepted but deserves a look — a roster value rewritten
/// into its canonical form, or a value that is valid but unusual. The snake_case names are
/// stable. A notice never makes a record invalid.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeCode {
    /// A gender written as a word (男 / 女 / 男性 / 女性) became its code.
    GenderWord,
    /// A name from a code table (汉族, 中共党员 …) became its code.
    CodeFromName,
    /// A code written with or without leading zeros (`1` for `01`, `01` for `1`) became the
    /// table's form.
    CodePadding,
    /// A date written another way (`20240701`, `2024/7/1`, `2024年7月1日`, `202407` …) became
    /// `YYYY-MM-DD`.
    DateForm,
    /// A spreadsheet date serial number (`45474`) became `YYYY-MM-DD`.
    DateSerial,
    /// Full-width digits or letters (`１２３`, `Ｘ`) became ASCII.
    FullWidth,
    /// A region code that no longer exists (merged or renamed since); valid for the years it
    /// existed.
    RegionRetired,
    /// The region code that starts an ID number did not exist in the holder's birth year (or
    /// is not in the county list at all): the number may be mistyped.
    IdRegionYear,
}

impl NoticeCode {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeCode::GenderWord => "gender_word",
            NoticeCode::CodeFromName => "code_from_name",
            NoticeCode::CodePadding => "code_padding",
            NoticeCode::DateForm => "date_form",
            NoticeCode::DateSerial => "date_serial",
            NoticeCode::FullWidth => "full_width",
            NoticeCode::RegionRetired => "region_retired",
            NoticeCode::IdRegionYear => "id_region_year",
        }
    }
}

/// One notice about one field: accepted, but worth a look (see [`NoticeCode`]).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Field path, such as `gender`.
    pub field: String,
    /// What the notice is about.
    pub code: NoticeCode,
    /// The value as written (for a rewritten value), else the value the notice is about.
    pub before: String,
    /// The value as read after rewriting; equal to `before` when nothing was rewritten.
    pub after: String,
    /// Message in Chinese.
    pub message_zh: String,
    /// Message in English.
    pub message_en: String,
}
