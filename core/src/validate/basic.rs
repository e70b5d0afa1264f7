//! The rules of basic information (生源信息, [`BasicInfo`]) and of the CHSI account
//! ([`ChsiAccount`]).

use super::checker::Checker;
use super::formats::name_ok;
use super::{Notice, Problem, ProblemCode, Validate};
use crate::records::{BasicInfo, ChsiAccount};
use crate::tables::{CodeTables, Table};

impl Validate for BasicInfo {
    fn problems(&self, tables: &CodeTables) -> Vec<Problem> {
        check_basic(self, tables).out
    }

    /// A retired origin region ([`NoticeCode::RegionRetired`](super::NoticeCode)), an ID number
    /// whose region code did not exist in the birth year
    /// ([`NoticeCode::IdRegionYear`](super::NoticeCode)).
    fn notices(&self, tables: &CodeTables) -> Vec<Notice> {
        check_basic(self, tables).notices
    }

    fn review(&self, tables: &CodeTables) -> (Vec<Problem>, Vec<Notice>) {
        let c = check_basic(self, tables);
        (c.out, c.notices)
    }
}

/// Every rule of basic information.
fn check_basic<'a>(info: &BasicInfo, tables: &'a CodeTables) -> Checker<'a> {
    let mut c = Checker::new(tables);
    check_identity(&mut c, info);
    check_school(&mut c, info);
    check_study(&mut c, info);
    check_background(&mut c, info);
    c
}

/// Name, gender, document type and number (the number by its type's rule, against the gender
/// whatever its form) and exam number.
fn check_identity(c: &mut Checker<'_>, info: &BasicInfo) {
    if c.text("name", "姓名", &info.name, true, 50) && !name_ok(&info.name) {
        c.push(
            "name",
            ProblemCode::BadFormat,
            "姓名只能包含文字、间隔号“·”和空格".into(),
            "name may contain letters, the middle dot and spaces only".into(),
        );
    }
    c.code("gender", "性别", &info.gender, Table::Genders, 1, true);
    c.code(
        "id_type",
        "证件类型",
        &info.id_type,
        Table::IdTypes,
        1,
        false,
    );
    let gender = Some(("gender", info.gender.as_str()));
    c.document("id_number", &info.id_type, &info.id_number, gender, true);
    if c.text("exam_number", "考生号", &info.exam_number, false, 20)
        && !c.spreadsheet("exam_number", "考生号", &info.exam_number)
        && (info.exam_number.len() != 14 || !info.exam_number.bytes().all(|b| b.is_ascii_digit()))
    {
        c.push(
            "exam_number",
            ProblemCode::BadFormat,
            "考生号应为 14 位数字".into(),
            "exam number must be 14 digits".into(),
        );
    }
}

/// Student number, school, college and major.
fn check_school(c: &mut Checker<'_>, info: &BasicInfo) {
    if c.text("student_number", "学号", &info.student_number, true, 32)
        && !c.spreadsheet("student_number", "学号", &info.student_number)
        && !info
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
    if c.text("school_code", "院校代码", &info.school_code, true, 10)
        && !c.spreadsheet("school_code", "院校代码", &info.school_code)
        && (info.school_code.len() != 5 || !info.school_code.bytes().all(|b| b.is_ascii_digit()))
    {
        c.push(
            "school_code",
            ProblemCode::BadFormat,
            "院校代码应为 5 位数字".into(),
            "school code must be 5 digits".into(),
        );
    }
    c.text("school_name", "院校名称", &info.school_name, true, 100);
    c.text("college", "学院", &info.college, true, 100);
    if c.text("major_code", "专业代码", &info.major_code, true, 12)
        && !c.spreadsheet("major_code", "专业代码", &info.major_code)
    {
        let ok = (4..=10).contains(&info.major_code.len())
            && info
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
    c.text("major_name", "专业名称", &info.major_name, true, 100);
}

/// Education level, training mode, schooling length, enrolment and graduation dates.
fn check_study(c: &mut Checker<'_>, info: &BasicInfo) {
    c.code(
        "education_level",
        "学历",
        &info.education_level,
        Table::EducationLevels,
        2,
        true,
    );
    c.code(
        "training_mode",
        "培养方式",
        &info.training_mode,
        Table::TrainingModes,
        1,
        false,
    );
    if c.text("schooling_length", "学制", &info.schooling_length, false, 4) {
        let ok = info
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
                    info.schooling_length
                ),
                format!(
                    "schooling length {:?} must be 1.5 to 9.5 years in steps of 0.5",
                    info.schooling_length
                ),
            );
        }
    }
    let enrol = c.date("enrolment_date", "入学日期", &info.enrolment_date, false);
    let grad = c.date("graduation_date", "毕业日期", &info.graduation_date, true);
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
}

/// Origin region, ethnicity, political status, phone, e-mail, hardship and teacher-training
/// categories, urban or rural origin, sponsor unit and class.
fn check_background(c: &mut Checker<'_>, info: &BasicInfo) {
    c.region("origin_region", "生源地", &info.origin_region, false);
    c.code(
        "ethnicity",
        "民族",
        &info.ethnicity,
        Table::Ethnicities,
        2,
        false,
    );
    c.code(
        "political_status",
        "政治面貌",
        &info.political_status,
        Table::PoliticalStatuses,
        2,
        false,
    );
    c.mobile("phone", "手机号码", &info.phone, false);
    c.email("email", "电子邮箱", &info.email, false);
    c.code(
        "hardship_category",
        "困难生类别",
        &info.hardship_category,
        Table::HardshipCategories,
        1,
        false,
    );
    c.code(
        "teacher_training",
        "师范生类别",
        &info.teacher_training,
        Table::TeacherTraining,
        1,
        false,
    );
    c.code(
        "urban_rural",
        "城乡生源",
        &info.urban_rural,
        Table::UrbanRural,
        1,
        false,
    );
    c.text(
        "sponsor_unit",
        "定向/委培单位",
        &info.sponsor_unit,
        false,
        100,
    );
    c.text("class_name", "班级", &info.class_name, false, 50);
}

impl Validate for ChsiAccount {
    fn problems(&self, tables: &CodeTables) -> Vec<Problem> {
        check_chsi(self, tables).out
    }

    /// An ID number whose region code did not exist in the birth year
    /// ([`NoticeCode::IdRegionYear`](super::NoticeCode)).
    fn notices(&self, tables: &CodeTables) -> Vec<Notice> {
        check_chsi(self, tables).notices
    }

    fn review(&self, tables: &CodeTables) -> (Vec<Problem>, Vec<Notice>) {
        let c = check_chsi(self, tables);
        (c.out, c.notices)
    }
}

/// Every rule of the CHSI account.
fn check_chsi<'a>(account: &ChsiAccount, tables: &'a CodeTables) -> Checker<'a> {
    let mut c = Checker::new(tables);
    c.text("name", "姓名", &account.name, true, 50);
    c.code(
        "id_type",
        "证件类型",
        &account.id_type,
        Table::IdTypes,
        1,
        false,
    );
    c.document(
        "id_number",
        &account.id_type,
        &account.id_number,
        None,
        true,
    );
    c.mobile("phone", "手机号码", &account.phone, false);
    c.email("email", "电子邮箱", &account.email, false);
    c
}
