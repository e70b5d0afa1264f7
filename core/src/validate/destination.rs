//! The rules of destination data ([`DestinationData`]): the destination code and the parts it
//! needs or forbids (employer, further study, study abroad), and the archive transfer and hukou
//! migration sections.

use super::checker::Checker;
use super::{Notice, Problem, ProblemCode, Validate};
use crate::records::{ArchiveTransfer, Destination, DestinationData, Employer, HukouMigration};
use crate::tables::{Category, CodeTables, Table};

impl Validate for DestinationData {
    fn problems(&self, tables: &CodeTables) -> Vec<Problem> {
        check_data(self, tables).out
    }

    /// A retired region code of the employer or of the hukou migration
    /// ([`NoticeCode::RegionRetired`](super::NoticeCode)).
    fn notices(&self, tables: &CodeTables) -> Vec<Notice> {
        check_data(self, tables).notices
    }

    fn review(&self, tables: &CodeTables) -> (Vec<Problem>, Vec<Notice>) {
        let c = check_data(self, tables);
        (c.out, c.notices)
    }
}

/// Every rule of destination data.
fn check_data<'a>(data: &DestinationData, tables: &'a CodeTables) -> Checker<'a> {
    let mut c = Checker::new(tables);
    c.with_prefix("destination", |c| check_destination(c, &data.destination));
    if let Some(a) = &data.archive {
        c.with_prefix("archive", |c| check_archive(c, a));
    }
    if let Some(h) = &data.hukou {
        c.with_prefix("hukou", |c| check_hukou(c, h));
    }
    c
}

/// The destination: its codes, then the parts the code needs or forbids (an employer for
/// employment, the employment agreement for employment only, the enterprise for 自主创业 only,
/// school and major for further study, country or region, school and major for study abroad).
fn check_destination(c: &mut Checker<'_>, d: &Destination) {
    check_codes(c, d);
    let category = c.tables.destination_category(&d.code);
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
        c.with_prefix("employer", |c| check_employer(c, e, needs_employer));
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
    check_agreement(c, d, category);
    check_enterprise(c, d, category);
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
            check_country(c, &a.country_region);
            c.text("school", "留学院校", &a.school, true, 100);
            c.text("major", "留学专业", &a.major, false, 100);
        }),
        _ => {}
    }
}

/// The country or region of study abroad: a code of [`Table::Countries`], not `CHN` (境外留学
/// is study outside the mainland; Hong Kong, Macao and Taiwan have codes of their own).
fn check_country(c: &mut Checker<'_>, code: &str) {
    let label = "留学国家（地区）";
    if !c.text("country_region", label, code, true, 50) {
        return;
    }
    if code == "CHN" {
        c.push(
            "country_region",
            ProblemCode::NotAllowed,
            "境外留学的国家（地区）不能是中国内地；港澳台请填写 HKG、MAC 或 TWN".into(),
            "study abroad cannot be in mainland China; Hong Kong, Macao and Taiwan are HKG, MAC and TWN".into(),
        );
    } else if !c.tables.contains(Table::Countries, code) {
        let hint = c.tables.country_code(code);
        c.push(
            "country_region",
            ProblemCode::UnknownCode,
            match &hint {
                Some(h) => format!("{label}应填写国家（地区）代码：“{code}”应写作“{h}”"),
                None => format!("{label}“{code}”不是 GB/T 2659 国家（地区）代码"),
            },
            match &hint {
                Some(h) => format!("country_region must be a country code: {code:?} is {h:?}"),
                None => {
                    format!("country_region {code:?} is not a GB/T 2659 (ISO 3166-1 alpha-3) code")
                }
            },
        );
    }
}

/// The employment agreement's number (就业协议书编号: 4 to 32 letters, digits and `-`) and
/// status: for employment only.
fn check_agreement(c: &mut Checker<'_>, d: &Destination, category: Option<Category>) {
    let present = d.agreement_number.is_some() || d.agreement_status.is_some();
    if present && category.is_some_and(|k| k != Category::Employed) {
        c.push(
            if d.agreement_number.is_some() {
                "agreement_number"
            } else {
                "agreement_status"
            },
            ProblemCode::NotAllowed,
            "只有就业去向可以填写就业协议书".into(),
            "only an employment destination has an employment agreement".into(),
        );
    }
    if let Some(n) = &d.agreement_number {
        if c.text("agreement_number", "就业协议书编号", n, true, 32)
            && !c.spreadsheet("agreement_number", "就业协议书编号", n)
            && (n.len() < 4 || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            c.push(
                "agreement_number",
                ProblemCode::BadFormat,
                "就业协议书编号应为 4 至 32 位字母、数字或连字符".into(),
                "agreement number must be 4 to 32 letters, digits or '-'".into(),
            );
        }
    }
}

/// The enterprise of 自主创业: required there (with every part), refused elsewhere.
fn check_enterprise(c: &mut Checker<'_>, d: &Destination, category: Option<Category>) {
    let founding = category == Some(Category::Entrepreneurship);
    match (&d.enterprise, founding) {
        (None, true) => c.push(
            "enterprise",
            ProblemCode::Missing,
            "自主创业须填写创办企业的名称、统一社会信用代码、成立日期、本人角色和所在地".into(),
            "自主创业 needs the enterprise: name, credit code, founding date, role and region"
                .into(),
        ),
        (Some(_), false) => c.push(
            "enterprise",
            ProblemCode::NotAllowed,
            "只有自主创业去向填写创办企业信息".into(),
            "only 自主创业 (75) names an enterprise founded".into(),
        ),
        (Some(e), true) => c.with_prefix("enterprise", |c| {
            c.text("name", "企业名称", &e.name, true, 100);
            c.credit_code("credit_code", &e.credit_code, true);
            c.date("founding_date", "成立日期", &e.founding_date, true);
            c.code("role", "本人角色", &e.role, Table::EnterpriseRoles, 1, true);
            c.region("region", "企业所在地", &e.region, true);
        }),
        (None, false) => {}
    }
}

/// The destination code (a two-digit code, not a sub-code) and the sub-code that must belong to
/// it.
fn check_codes(c: &mut Checker<'_>, d: &Destination) {
    if c.text("code", "毕业去向代码", &d.code, true, 3)
        && !c.spreadsheet("code", "毕业去向代码", &d.code)
    {
        if d.code.len() == 3 && c.tables.contains(Table::Destinations, &d.code) {
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
            if sub.len() != 3 || !c.tables.contains(Table::Destinations, sub) {
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
}

/// The employer; its codes are required when the destination is employment.
fn check_employer(c: &mut Checker<'_>, e: &Employer, required: bool) {
    c.text("name", "单位名称", &e.name, true, 100);
    c.credit_code("credit_code", &e.credit_code, required);
    c.code(
        "nature",
        "单位性质",
        &e.nature,
        Table::EmployerNatures,
        2,
        required,
    );
    c.code(
        "industry",
        "单位行业",
        &e.industry,
        Table::Industries,
        2,
        required,
    );
    c.region("region", "单位所在地", &e.region, required);
    c.text("address", "单位地址", &e.address, false, 150);
}

/// The archive transfer (档案转递).
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

/// The hukou migration (户口迁移); its details are required when migrating.
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
