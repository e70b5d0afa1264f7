//! The content of a registration form (去向登记信息表), independent of any renderer.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::VerificationNumber;
use crate::disclosure::{Disclosure, Masking};
use crate::error::{Error, Result};
use crate::lifecycle::{AuthStatus, Authorization, Registration, Section};
use crate::policy::cst;
use crate::records::HukouReason;
use crate::tables::{CodeTables, Table};

/// The longest value a field may have, in characters. Longer values are refused with
/// [`Error::FieldTooLong`] before any layout: no official record needs more.
pub const MAX_FIELD_CHARS: usize = 200;

/// The longest QR payload accepted, in characters. The renderers also refuse a payload whose QR
/// code would be too dense to scan from a printed form.
pub const MAX_TOKEN_CHARS: usize = 1200;

/// Longest value printed in a half-width cell; a pair with a longer value is printed as two
/// full-width rows instead, so that every value that passes validation fits its box.
pub const PAIR_MAX_CHARS: usize = 24;

/// Options of the form's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FormOptions {
    /// How much of the ID number is shown (first 6 and last 4 by default).
    pub masking: Masking,
}

/// One labelled value of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Stable identifier of the field, such as `identity.name`; errors name it.
    pub key: String,
    /// The printed label, such as 姓名.
    pub label: String,
    /// The printed value.
    pub value: String,
}

impl Field {
    fn new(key: &str, label: &str, value: impl Into<String>) -> Field {
        Field {
            key: key.to_string(),
            label: label.to_string(),
            value: value.into(),
        }
    }
}

/// A row of a form's table: one field across the full width, or two side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Row {
    /// A label and a value spanning the rest of the row.
    Wide(Field),
    /// Two labels with their values.
    Pair(Field, Field),
}

impl Row {
    /// The fields of the row, left to right.
    pub fn fields(&self) -> Vec<&Field> {
        match self {
            Row::Wide(f) => vec![f],
            Row::Pair(a, b) => vec![a, b],
        }
    }
}

/// Two fields side by side, or one under the other when either is too long for half a row.
fn pair(a: Field, b: Field) -> Vec<Row> {
    let long = |f: &Field| f.value.chars().count() > PAIR_MAX_CHARS;
    if long(&a) || long(&b) {
        vec![Row::Wide(a), Row::Wide(b)]
    } else {
        vec![Row::Pair(a, b)]
    }
}

/// A titled section of the form's table (基本信息, 毕业去向信息 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Stable identifier: `basic`, `destination`, `archive`, `hukou` or `verification`.
    pub key: String,
    /// The printed heading.
    pub heading: String,
    /// The rows, top to bottom.
    pub rows: Vec<Row>,
}

/// The content of one form: everything printed on it, as text.
///
/// Build it with [`Form::build`]; render it with a `Renderer` (feature `render`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    /// Which form: 档案登记信息表 or 户口登记信息表.
    pub section: Section,
    /// 毕业生去向登记信息表（档案）or（户口）.
    pub title: String,
    /// The line under the title naming who the form is for.
    pub subtitle: String,
    /// 核验编号.
    pub number: VerificationNumber,
    /// The QR payload, printed as the QR code.
    pub token: String,
    /// Time of issue of this form.
    pub issued_at: DateTime<Utc>,
    /// Start of the authorization's validity.
    pub valid_from: DateTime<Utc>,
    /// End of the authorization's validity (exclusive).
    pub valid_until: DateTime<Utc>,
    /// The sections of the table, in order: 基本信息, 毕业去向信息, then 档案转递信息 or
    /// 户口迁移信息 when registered at authorization time, then 核验信息.
    pub blocks: Vec<Block>,
    /// 说明: the notes printed under the table.
    pub notes: Vec<String>,
    /// What the form discloses (the same content a department sees when it verifies).
    pub disclosure: Disclosure,
}

/// Formats an instant as China Standard Time: `2026年06月20日 09:00`.
pub fn cst_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&cst())
        .format("%Y年%m月%d日 %H:%M")
        .to_string()
}

fn date_text(iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%Y年%m月%d日").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

fn region_text(code: &str, tables: &CodeTables) -> String {
    match code.get(..2).and_then(|p| tables.name(Table::Provinces, p)) {
        Some(province) if code.len() == 6 => format!("{code}（{province}）"),
        _ => code.to_string(),
    }
}

/// Checks a QR payload: non-empty printable ASCII of at most [`MAX_TOKEN_CHARS`] characters.
pub fn check_token(token: &str) -> Result<()> {
    if token.is_empty() {
        return Err(Error::QrPayloadInvalid("empty".into()));
    }
    if let Some(c) = token.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(Error::QrPayloadInvalid(format!(
            "character {c:?} is not printable ASCII"
        )));
    }
    if token.len() > MAX_TOKEN_CHARS {
        return Err(Error::QrPayloadInvalid(format!(
            "{} characters, at most {MAX_TOKEN_CHARS}",
            token.len()
        )));
    }
    Ok(())
}

impl Form {
    /// Builds the form of `section` for the authorization `auth` of `reg`, issued at `issued_at`,
    /// with `token` as the QR payload.
    ///
    /// A form is issued only for an authorization in force, so that no printed form ever claims
    /// a validity it does not have. The authorization's state is read from `reg` (a stale copy
    /// held by the caller cannot revive a revoked or superseded one):
    /// - unknown number → [`Error::AuthorizationNotFound`];
    /// - revoked or superseded → [`Error::AuthorizationNotActive`] (`revoked` / `superseded`);
    /// - expired at `issued_at` → [`Error::AuthorizationExpired`];
    /// - `issued_at` before the authorization was issued → [`Error::InvalidArgument`];
    /// - data changed since the authorization → [`Error::ConfirmationOutdated`];
    /// - a value longer than [`MAX_FIELD_CHARS`] → [`Error::FieldTooLong`];
    /// - a token that is empty, not printable ASCII or too long → [`Error::QrPayloadInvalid`].
    ///
    /// The archive or hukou section appears only when it was registered at authorization time
    /// (`auth.sections`); otherwise it is omitted, as the operation guide says.
    pub fn build(
        reg: &Registration,
        auth: &Authorization,
        section: Section,
        token: &str,
        issued_at: DateTime<Utc>,
        tables: &CodeTables,
        options: FormOptions,
    ) -> Result<Form> {
        check_token(token)?;
        let stored = reg
            .authorization(&auth.number)
            .ok_or_else(|| Error::AuthorizationNotFound(auth.number.to_string()))?;
        match stored.status_at(issued_at) {
            AuthStatus::Valid => {}
            AuthStatus::Expired => return Err(Error::AuthorizationExpired),
            AuthStatus::Revoked => {
                return Err(Error::AuthorizationNotActive {
                    state: crate::lifecycle::AuthState::Revoked,
                })
            }
            AuthStatus::Superseded => {
                return Err(Error::AuthorizationNotActive {
                    state: crate::lifecycle::AuthState::Superseded,
                })
            }
            AuthStatus::NotYetValid => {
                return Err(Error::InvalidArgument(format!(
                    "time of issue {issued_at} precedes the authorization ({})",
                    stored.issued_at
                )))
            }
        }
        let disclosure = Disclosure::build(reg, stored, section, tables, options.masking)?;
        let id_label = reg
            .basic
            .as_deref()
            .map(|b| crate::validate::id_number_label(&b.id_type, tables))
            .unwrap_or_else(|| "身份证号".to_string());
        let mut blocks = vec![
            basic_block(&disclosure, &id_label),
            destination_block(&disclosure, tables),
        ];
        match section {
            Section::Archive if stored.sections.archive => {
                if let Some(b) = archive_block(&disclosure) {
                    blocks.push(b);
                }
            }
            Section::Hukou if stored.sections.hukou => {
                if let Some(b) = hukou_block(&disclosure, tables) {
                    blocks.push(b);
                }
            }
            _ => {}
        }
        blocks.push(verification_block(section, stored, issued_at));
        let form = Form {
            section,
            title: format!(
                "毕业生去向登记信息表（{}）",
                match section {
                    Section::Archive => "档案",
                    Section::Hukou => "户口",
                }
            ),
            subtitle: match section {
                Section::Archive => "供档案接收管理部门查询核验".to_string(),
                Section::Hukou => "供户籍接收管理部门查询核验".to_string(),
            },
            number: stored.number,
            token: token.to_string(),
            issued_at,
            valid_from: stored.issued_at,
            valid_until: stored.valid_until,
            blocks,
            notes: notes(section, &id_label),
            disclosure,
        };
        form.check_lengths()?;
        Ok(form)
    }

    /// Refuses any field value longer than [`MAX_FIELD_CHARS`].
    pub fn check_lengths(&self) -> Result<()> {
        for block in &self.blocks {
            for row in &block.rows {
                for f in row.fields() {
                    let n = f.value.chars().count();
                    if n > MAX_FIELD_CHARS {
                        return Err(Error::FieldTooLong {
                            field: f.key.clone(),
                            chars: n,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The field with `key`, if the form has it.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.blocks
            .iter()
            .flat_map(|b| b.rows.iter())
            .flat_map(|r| r.fields())
            .find(|f| f.key == key)
    }

    /// The block with `key` (`basic`, `destination`, `archive`, `hukou`, `verification`).
    pub fn block(&self, key: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.key == key)
    }

    /// The verification number as printed, `XXXX-XXXX-XXXX-XXXX`.
    pub fn number_text(&self) -> String {
        self.number.to_string()
    }

    /// The time of issue as printed: `2026年06月20日 09:00（北京时间）`.
    pub fn issued_text(&self) -> String {
        format!("{}（北京时间）", cst_text(self.issued_at))
    }
}

/// The 基本信息 block; `id_label` names the document whose masked number it shows (身份证号,
/// 护照号码 …).
fn basic_block(d: &Disclosure, id_label: &str) -> Block {
    let i = &d.identity;
    Block {
        key: "basic".into(),
        heading: "基本信息".into(),
        rows: [
            pair(
                Field::new("identity.name", "姓名", &i.name),
                Field::new("identity.gender", "性别", &i.gender),
            ),
            pair(
                Field::new("identity.id_number", id_label, &i.id_number_masked),
                Field::new("identity.education_level", "学历", &i.education_level),
            ),
            pair(
                Field::new("identity.school_name", "毕业院校", &i.school_name),
                Field::new("identity.college", "院系", &i.college),
            ),
            pair(
                Field::new("identity.major_name", "专业", &i.major_name),
                Field::new(
                    "identity.graduation_date",
                    "毕业时间",
                    date_text(&i.graduation_date),
                ),
            ),
        ]
        .concat(),
    }
}

fn destination_block(d: &Disclosure, tables: &CodeTables) -> Block {
    let s = &d.destination;
    let mut rows = vec![Row::Wide(Field::new(
        "destination.name",
        "毕业去向",
        format!("{}（{}）", s.name, s.code),
    ))];
    if let Some(employer) = &s.employer {
        rows.push(Row::Wide(Field::new(
            "destination.employer",
            "单位名称",
            employer,
        )));
        let credit = Field::new(
            "destination.employer_credit_code",
            "统一社会信用代码",
            s.employer_credit_code.clone().unwrap_or_default(),
        );
        let region = Field::new(
            "destination.employer_region",
            "单位所在地",
            s.employer_region
                .as_deref()
                .map(|r| region_text(r, tables))
                .unwrap_or_default(),
        );
        rows.extend(pair(credit, region));
    }
    if let Some(school) = &s.school {
        let abroad = s.country_region.is_some();
        let label = if abroad {
            "留学院校"
        } else {
            "升学院校"
        };
        let school = Field::new("destination.school", label, school);
        match &s.country_region {
            Some(c) => rows.extend(pair(
                school,
                Field::new("destination.country_region", "留学国家（地区）", c),
            )),
            None => rows.push(Row::Wide(school)),
        }
    }
    Block {
        key: "destination".into(),
        heading: "毕业去向信息".into(),
        rows,
    }
}

fn archive_block(d: &Disclosure) -> Option<Block> {
    let a = d.archive.as_ref()?;
    let mut rows = vec![
        Row::Wide(Field::new(
            "archive.receiving_unit",
            "档案接收单位",
            &a.receiving_unit,
        )),
        Row::Wide(Field::new("archive.address", "接收单位地址", &a.address)),
    ];
    rows.extend(pair(
        Field::new("archive.postal_code", "邮政编码", &a.postal_code),
        Field::new("archive.method", "转递方式", a.method.name_zh()),
    ));
    rows.extend(pair(
        Field::new("archive.contact", "联系人", &a.contact),
        Field::new("archive.phone", "联系电话", &a.phone),
    ));
    if a.transfer_number.is_some() || a.tracking_number.is_some() {
        rows.extend(pair(
            Field::new(
                "archive.transfer_number",
                "转递编号",
                a.transfer_number.clone().unwrap_or_default(),
            ),
            Field::new(
                "archive.tracking_number",
                "邮件号",
                a.tracking_number.clone().unwrap_or_default(),
            ),
        ));
    }
    Some(Block {
        key: "archive".into(),
        heading: "档案转递信息".into(),
        rows,
    })
}

fn hukou_block(d: &Disclosure, tables: &CodeTables) -> Option<Block> {
    let h = d.hukou.as_ref()?;
    let mut rows = Vec::new();
    let migrate = Field::new(
        "hukou.migrate",
        "是否迁移户口",
        if h.migrate { "是" } else { "否" },
    );
    if h.migrate {
        rows.extend(pair(
            migrate,
            Field::new(
                "hukou.reason",
                "迁移原因",
                h.reason.map(HukouReason::name_zh).unwrap_or_default(),
            ),
        ));
        rows.push(Row::Wide(Field::new(
            "hukou.address",
            "迁入地址",
            &h.address,
        )));
        rows.push(Row::Wide(Field::new(
            "hukou.police_station",
            "迁入地派出所",
            &h.police_station,
        )));
        rows.push(Row::Wide(Field::new(
            "hukou.region",
            "迁入地行政区划",
            region_text(&h.region, tables),
        )));
    } else {
        rows.push(Row::Wide(migrate));
    }
    Some(Block {
        key: "hukou".into(),
        heading: "户口迁移信息".into(),
        rows,
    })
}

fn verification_block(section: Section, auth: &Authorization, issued_at: DateTime<Utc>) -> Block {
    let online = match section {
        Section::Archive => "档案转递信息在线核验",
        Section::Hukou => "户口迁移信息在线核验",
    };
    Block {
        key: "verification".into(),
        heading: "核验信息".into(),
        rows: vec![
            Row::Pair(
                Field::new("verification.number", "核验编号", auth.number.to_string()),
                Field::new("verification.issued_at", "生成时间", cst_text(issued_at)),
            ),
            Row::Wide(Field::new(
                "verification.validity",
                "有效期",
                format!(
                    "{} 至 {}（北京时间）",
                    cst_text(auth.issued_at),
                    cst_text(auth.valid_until)
                ),
            )),
            Row::Wide(Field::new(
                "verification.how",
                "核验方式",
                format!(
                    "1. 在线核验：在毕业去向登记系统进入“{online}”，输入毕业生姓名和核验编号；\
                     2. 扫码核验：使用学信网APP等核验应用扫描本表右上角二维码。"
                ),
            )),
        ],
    }
}

/// The notes under the table; `id_label` names the masked document number (身份证号 …).
fn notes(section: Section, id_label: &str) -> Vec<String> {
    let (dept, business) = match section {
        Section::Archive => ("档案接收管理部门", "办理档案转递手续"),
        Section::Hukou => ("户籍接收管理部门", "办理户口迁移手续"),
    };
    let mut notes = vec![
        format!(
            "本表由毕业生在完成去向登记确认和核验授权后生成，供{dept}{business}时查询核验使用。"
        ),
        "本表仅在有效期内有效；毕业生撤销授权或变更登记信息后，本表即失效，以核验结果为准。"
            .to_string(),
        format!("为保护个人信息，{id_label}已作部分隐藏处理，本表不显示手机号码、电子邮箱等信息。"),
    ];
    match section {
        Section::Archive => notes.push(
            "档案须通过机要通信、EMS毕业生档案专递或由接收单位派人提取等方式转递，不得由毕业生本人携带。"
                .to_string(),
        ),
        Section::Hukou => notes.push(
            "户口迁移手续以迁入地户籍接收管理部门的核验结果和相关规定为准。".to_string(),
        ),
    }
    notes
}
