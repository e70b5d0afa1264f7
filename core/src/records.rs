//! Records: basic info (生源信息), destination (毕业去向), archive transfer (档案转递), hukou
//! migration (户口迁移) and the graduate's CHSI account.
//!
//! Every record is a serde type with a stable JSON form: field names are the snake_case names
//! below, codes are strings exactly as in the code tables (zero-padded), dates are `YYYY-MM-DD`.
//! Fields are kept as the strings the school or platform supplied, so that
//! [`crate::validate`] can report every problem at once instead of failing on the first parse.

use serde::{Deserialize, Serialize};

/// A graduate's basic information (生源信息), uploaded by the school.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct BasicInfo {
    /// 姓名.
    pub name: String,
    /// 性别代码 (GB/T 2261.1): `1` 男, `2` 女.
    pub gender: String,
    /// 证件号码, of the document that `id_type` names (a 身份证号 by default).
    ///
    /// A 身份证号 is GB 11643, 18 characters; each other type has its own rule (see
    /// [`crate::validate::check_document_number`]).
    pub id_number: String,
    /// 证件类型代码; empty means `1` 居民身份证.
    ///
    /// A code of [`crate::tables::Table::IdTypes`]. Empty is `1`, so records written before the
    /// field existed keep their meaning. Each type's number is validated by its own rule.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id_type: String,
    /// 考生号 (14 digits; may be empty).
    pub exam_number: String,
    /// 学号.
    pub student_number: String,
    /// 院校代码 (5 digits).
    pub school_code: String,
    /// 院校名称.
    pub school_name: String,
    /// 学院.
    pub college: String,
    /// 专业代码.
    pub major_code: String,
    /// 专业名称.
    pub major_name: String,
    /// 学历代码 (see [`crate::tables::Table::EducationLevels`]).
    pub education_level: String,
    /// 培养方式代码 (may be empty).
    pub training_mode: String,
    /// 学制 in years, 1.5 to 9.5 in steps of 0.5 (`"4"`, `"3.5"`; may be empty).
    pub schooling_length: String,
    /// 入学日期 `YYYY-MM-DD` (may be empty).
    pub enrolment_date: String,
    /// 毕业日期 `YYYY-MM-DD`; its year is the graduation year that deadlines apply to.
    pub graduation_date: String,
    /// 生源地代码 (6-digit GB/T 2260; may be empty).
    pub origin_region: String,
    /// 民族代码 (GB/T 3304, 2 digits; may be empty).
    pub ethnicity: String,
    /// 政治面貌代码 (GB/T 4762, 2 digits; may be empty).
    pub political_status: String,
    /// 手机号码; changed only through the graduate's CHSI account.
    pub phone: String,
    /// 电子邮箱; changed only through the graduate's CHSI account.
    pub email: String,
    /// 困难生类别代码 (see [`crate::tables::Table::HardshipCategories`]; may be empty).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hardship_category: String,
    /// 师范生类别代码 (see [`crate::tables::Table::TeacherTraining`]; may be empty).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub teacher_training: String,
    /// 城乡生源代码 (see [`crate::tables::Table::UrbanRural`]; may be empty).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub urban_rural: String,
    /// 定向/委培单位: the unit a 定向 or 委托培养 student is trained for (may be empty).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sponsor_unit: String,
    /// 班级 (may be empty).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub class_name: String,
    /// TEST ONLY (feature `field-probe`): a field that exists to prove a field added here reaches
    /// every face without a hand edit there. Never part of a release.
    #[cfg(feature = "field-probe")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe_note: Option<String>,
}

impl BasicInfo {
    /// The graduation year (the year of `graduation_date`), when the date is well formed.
    pub fn graduation_year(&self) -> Option<i32> {
        crate::validate::parse_date(&self.graduation_date).map(|d| chrono::Datelike::year(&d))
    }
}

/// The employer of a graduate who is employed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Employer {
    /// 单位名称.
    pub name: String,
    /// 统一社会信用代码 (GB 32100, 18 characters).
    pub credit_code: String,
    /// 单位性质代码.
    pub nature: String,
    /// 单位行业代码.
    pub industry: String,
    /// 单位所在地代码 (6-digit GB/T 2260).
    pub region: String,
    /// 单位地址.
    pub address: String,
}

/// Further study in China (境内升学).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Study {
    /// 升学院校.
    pub school: String,
    /// 升学专业.
    pub major: String,
}

/// Study abroad (境外留学).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Abroad {
    /// 留学国家（地区）: a GB/T 2659 alpha-3 code (`GBR`, `HKG`).
    ///
    /// A code of [`crate::tables::Table::Countries`] (ISO 3166-1 alpha-3). Forms and disclosures
    /// show its Chinese name.
    pub country_region: String,
    /// 留学院校.
    pub school: String,
    /// 留学专业.
    pub major: String,
}

/// The online-signing status of the employment agreement (就业协议书网签状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    /// 未签约.
    NotSigned,
    /// 已网上签约.
    SignedOnline,
    /// 已签纸质协议.
    SignedOnPaper,
    /// 已解约.
    Terminated,
}

impl AgreementStatus {
    /// Every status, in declaration order.
    pub const ALL: [AgreementStatus; 4] = [
        AgreementStatus::NotSigned,
        AgreementStatus::SignedOnline,
        AgreementStatus::SignedOnPaper,
        AgreementStatus::Terminated,
    ];

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            AgreementStatus::NotSigned => "未签约",
            AgreementStatus::SignedOnline => "已网上签约",
            AgreementStatus::SignedOnPaper => "已签纸质协议",
            AgreementStatus::Terminated => "已解约",
        }
    }

    /// The stable snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementStatus::NotSigned => "not_signed",
            AgreementStatus::SignedOnline => "signed_online",
            AgreementStatus::SignedOnPaper => "signed_on_paper",
            AgreementStatus::Terminated => "terminated",
        }
    }
}

/// The enterprise a graduate founded, for 自主创业 (75).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Enterprise {
    /// 企业（个体工商户）名称.
    pub name: String,
    /// 统一社会信用代码 (GB 32100, 18 characters), checked like the employer's.
    pub credit_code: String,
    /// 成立日期 `YYYY-MM-DD`.
    pub founding_date: String,
    /// 本人角色代码 (see [`crate::tables::Table::EnterpriseRoles`]), such as `1` 法定代表人.
    ///
    /// The roles are 法定代表人, 股东, 合伙人, 个体工商户经营者, 负责人 and 其他.
    pub role: String,
    /// 企业所在地代码 (6-digit GB/T 2260).
    pub region: String,
}

/// A graduate's destination (毕业去向).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Destination {
    /// 毕业去向代码, two digits (`10`, `80` …).
    pub code: String,
    /// Optional three-digit sub-code under `code` (`502` 三支一扶, `801` 研究生 …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_code: Option<String>,
    /// The employer, for employment codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employer: Option<Employer>,
    /// 工作职位类别代码, for employment codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_category: Option<String>,
    /// 签约日期 `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_date: Option<String>,
    /// School and major, for 境内升学 (80).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub further_study: Option<Study>,
    /// Country or region, school and major, for 境外留学 (85).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abroad: Option<Abroad>,
    /// 就业协议书编号, for employment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement_number: Option<String>,
    /// 就业协议书网签状态, for employment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement_status: Option<AgreementStatus>,
    /// The enterprise founded, for 自主创业 (75): required there, refused elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<Enterprise>,
}

impl Destination {
    /// The most specific code: the sub-code when present, else the two-digit code.
    pub fn effective_code(&self) -> &str {
        self.sub_code.as_deref().unwrap_or(&self.code)
    }
}

/// How the personal file (档案) travels. It is never carried by the graduate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ArchiveMethod {
    /// 机要通信.
    ConfidentialMail,
    /// EMS 毕业生档案专递.
    Ems,
    /// 接收单位派人提取 (collected by the receiving unit's staff).
    CollectedByUnit,
}

impl ArchiveMethod {
    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            ArchiveMethod::ConfidentialMail => "机要通信",
            ArchiveMethod::Ems => "EMS毕业生档案专递",
            ArchiveMethod::CollectedByUnit => "接收单位派人提取",
        }
    }
}

/// Archive transfer data (档案转递信息).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ArchiveTransfer {
    /// 档案接收单位.
    #[serde(default)]
    pub receiving_unit: String,
    /// 档案接收单位地址 (full address).
    #[serde(default)]
    pub address: String,
    /// 邮政编码 (6 digits).
    #[serde(default)]
    pub postal_code: String,
    /// 联系人.
    #[serde(default)]
    pub contact: String,
    /// 联系电话 (mobile or landline).
    #[serde(default)]
    pub phone: String,
    /// 转递方式.
    pub method: ArchiveMethod,
    /// 转递编号, once issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_number: Option<String>,
    /// 邮件号 (postal tracking number), once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
}

/// Why the household registration moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HukouReason {
    /// 毕业.
    Graduation,
    /// 升学.
    FurtherStudy,
}

impl HukouReason {
    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            HukouReason::Graduation => "毕业",
            HukouReason::FurtherStudy => "升学",
        }
    }
}

/// Hukou migration data (户口迁移信息).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct HukouMigration {
    /// 是否迁移户口.
    pub migrate: bool,
    /// 迁移原因, when migrating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<HukouReason>,
    /// 迁入地址, when migrating.
    pub address: String,
    /// 迁入地派出所, when migrating.
    pub police_station: String,
    /// 迁入地行政区划代码 (6-digit GB/T 2260), when migrating.
    pub region: String,
}

/// Everything the provincial platform reports: destination, and archive and hukou data when
/// registered.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct DestinationData {
    /// 毕业去向.
    pub destination: Destination,
    /// 档案转递, when registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive: Option<ArchiveTransfer>,
    /// 户口迁移, when registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hukou: Option<HukouMigration>,
}

/// The graduate's account on CHSI (学信网), as CHSI reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ChsiAccount {
    /// Real name on the account.
    pub name: String,
    /// Document number on the account, of the document that `id_type` names.
    pub id_number: String,
    /// 证件类型代码 of the account; empty means `1` 居民身份证.
    ///
    /// A code of [`crate::tables::Table::IdTypes`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id_type: String,
    /// Whether the graduate has bound the student record (学籍) to the account.
    pub student_record_bound: bool,
    /// 手机号码.
    pub phone: String,
    /// 电子邮箱.
    pub email: String,
}
