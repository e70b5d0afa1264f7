//! The [`BasicInfo`] fields a roster fills, in record order, and the text of a cell as it is
//! read into a field.

use crate::records::BasicInfo;

/// The [`BasicInfo`] fields a roster can fill: the twenty of the first roster layout in record
/// order, then those added since (证件类型, 困难生类别, 师范生类别, 城乡生源, 定向/委培单位, 班级).
pub const FIELDS: [&str; 26] = [
    "name",
    "gender",
    "id_number",
    "exam_number",
    "student_number",
    "school_code",
    "school_name",
    "college",
    "major_code",
    "major_name",
    "education_level",
    "training_mode",
    "schooling_length",
    "enrolment_date",
    "graduation_date",
    "origin_region",
    "ethnicity",
    "political_status",
    "phone",
    "email",
    "id_type",
    "hardship_category",
    "teacher_training",
    "urban_rural",
    "sponsor_unit",
    "class_name",
];

/// The Chinese name of each field in [`FIELDS`], for messages.
pub(super) const FIELDS_ZH: [&str; 26] = [
    "姓名",
    "性别",
    "身份证号",
    "考生号",
    "学号",
    "院校代码",
    "院校名称",
    "学院",
    "专业代码",
    "专业名称",
    "学历",
    "培养方式",
    "学制",
    "入学日期",
    "毕业日期",
    "生源地",
    "民族",
    "政治面貌",
    "手机号码",
    "电子邮箱",
    "证件类型",
    "困难生类别",
    "师范生类别",
    "城乡生源",
    "定向/委培单位",
    "班级",
];

/// The fields a roster must have a column for: those that validation requires.
pub const REQUIRED_FIELDS: [&str; 11] = [
    "name",
    "gender",
    "id_number",
    "student_number",
    "school_code",
    "school_name",
    "college",
    "major_code",
    "major_name",
    "education_level",
    "graduation_date",
];

/// The number of fields.
pub(super) const N: usize = FIELDS.len();

/// The index of a field in [`FIELDS`].
pub(super) fn field_index(name: &str) -> Option<usize> {
    FIELDS.iter().position(|f| *f == name)
}

/// The field number `i` (in [`FIELDS`] order) of a record, to fill it.
pub(super) fn field_mut(info: &mut BasicInfo, i: usize) -> &mut String {
    match i {
        0 => &mut info.name,
        1 => &mut info.gender,
        2 => &mut info.id_number,
        3 => &mut info.exam_number,
        4 => &mut info.student_number,
        5 => &mut info.school_code,
        6 => &mut info.school_name,
        7 => &mut info.college,
        8 => &mut info.major_code,
        9 => &mut info.major_name,
        10 => &mut info.education_level,
        11 => &mut info.training_mode,
        12 => &mut info.schooling_length,
        13 => &mut info.enrolment_date,
        14 => &mut info.graduation_date,
        15 => &mut info.origin_region,
        16 => &mut info.ethnicity,
        17 => &mut info.political_status,
        18 => &mut info.phone,
        19 => &mut info.email,
        20 => &mut info.id_type,
        21 => &mut info.hardship_category,
        22 => &mut info.teacher_training,
        23 => &mut info.urban_rural,
        24 => &mut info.sponsor_unit,
        _ => &mut info.class_name,
    }
}

/// The value of field number `i` (in [`FIELDS`] order) of a record.
pub(crate) fn field_ref(info: &BasicInfo, i: usize) -> &str {
    match i {
        0 => &info.name,
        1 => &info.gender,
        2 => &info.id_number,
        3 => &info.exam_number,
        4 => &info.student_number,
        5 => &info.school_code,
        6 => &info.school_name,
        7 => &info.college,
        8 => &info.major_code,
        9 => &info.major_name,
        10 => &info.education_level,
        11 => &info.training_mode,
        12 => &info.schooling_length,
        13 => &info.enrolment_date,
        14 => &info.graduation_date,
        15 => &info.origin_region,
        16 => &info.ethnicity,
        17 => &info.political_status,
        18 => &info.phone,
        19 => &info.email,
        20 => &info.id_type,
        21 => &info.hardship_category,
        22 => &info.teacher_training,
        23 => &info.urban_rural,
        24 => &info.sponsor_unit,
        _ => &info.class_name,
    }
}

/// The characters that make a spreadsheet read a cell as a formula (`=`, `+`, `-`, `@`), and the
/// guard's own mark `'`: a cell starting with one of them is written with a `'` before it.
const GUARDED: [char; 5] = ['=', '+', '-', '@', '\''];

/// A cell as gradreg's exports write it: a value starting with `=`, `+`, `-` or `@` gets a `'`
/// in front so that a spreadsheet shows it as text instead of running it as a formula, and so
/// does a value starting with `'` itself, so that [`clean`] can take exactly one `'` off again
/// and every value reads back as it was.
pub(crate) fn guard_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(GUARDED) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Trims a cell and removes an `="…"` text wrapper, or the `'` that [`guard_cell`] put before a
/// value starting with `= + - @ '`.
pub(super) fn clean(s: &str) -> &str {
    let t = s.trim();
    if let Some(inner) = t.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
        return inner.trim();
    }
    match t.strip_prefix('\'') {
        Some(rest) if rest.starts_with(GUARDED) => rest,
        _ => t,
    }
}

/// Whether every cell of a row is empty once cleaned.
pub(super) fn all_empty(cells: &[String]) -> bool {
    cells.iter().all(|c| clean(c).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_unwraps_text_markers() {
        assert_eq!(clean("  01 "), "01");
        assert_eq!(clean("=\"320102\""), "320102");
        assert_eq!(clean("=1+1"), "=1+1");
    }

    #[test]
    fn guarded_cells_read_back() {
        for v in [
            "=1+1", "+86", "-5", "@x", "'", "'=a", "''", "=\"1\"", "plain", "'0123",
        ] {
            assert_eq!(clean(&guard_cell(v)), v, "{v}");
        }
        assert_eq!(guard_cell("-5"), "'-5");
        assert_eq!(guard_cell("'x"), "''x");
        assert_eq!(
            clean("'0123"),
            "'0123",
            "a lone apostrophe before other text stays"
        );
    }
}
