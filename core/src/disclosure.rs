//! Disclosure: the minimal content a department sees, and the content printed on a form.
//!
//! Archive departments see the archive section, hukou departments the hukou section; both see the
//! graduate's basic identity with the document number masked by its type's rule (for a 居民身份证,
//! first 6 and last 4 shown by default; see [`Masking::apply_document`]) and the destination,
//! the study-abroad country by its Chinese name. Phone, e-mail, ethnicity and political status are never disclosed.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lifecycle::{Authorization, Registration, Section};
use crate::records::{ArchiveTransfer, HukouMigration};
use crate::tables::{CodeTables, Table};

/// How much of the ID number stays visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Masking {
    /// Leading characters shown.
    pub head: usize,
    /// Trailing characters shown.
    pub tail: usize,
}

impl Default for Masking {
    fn default() -> Self {
        Masking { head: 6, tail: 4 }
    }
}

impl Masking {
    /// Masks `id`: keeps `head` leading and `tail` trailing characters and replaces the rest with
    /// `*`. When head + tail would show the whole value, everything but the first character is
    /// masked.
    pub fn apply(&self, id: &str) -> String {
        let chars: Vec<char> = id.chars().collect();
        let n = chars.len();
        let (head, tail) = if self.head + self.tail >= n {
            (n.min(1), 0)
        } else {
            (self.head, self.tail)
        };
        chars
            .iter()
            .enumerate()
            .map(|(i, &c)| if i < head || i >= n - tail { c } else { '*' })
            .collect()
    }
}

impl Masking {
    /// Masks a document number by the rule of its type (a [`Table::IdTypes`] code; empty for
    /// 居民身份证). Numbers of the GB 11643 layout — 居民身份证, the residence permits of Hong Kong,
    /// Macao and Taiwan residents and the 18-character 外国人永久居留身份证 — are masked by these
    /// head and tail (first 6 and last 4 by default). Shorter documents show less, never more
    /// than these head and tail:
    ///
    /// | type | shown | example |
    /// |---|---|---|
    /// | 外国人永久居留身份证, 15 characters | nationality letters and last 3 | `USA*********234` |
    /// | 港澳居民来往内地通行证, 护照 (foreign, Chinese) | first letter and last 3 | `H*****678` |
    /// | 台湾居民来往大陆通行证 | first 2 and last 2 | `12****78` |
    /// | a type the tables add | first and last 2 | `A*****89` |
    pub fn apply_document(&self, id_type: &str, number: &str) -> String {
        let t = crate::validate::effective_id_type(id_type);
        let n = number.chars().count();
        let (head, tail) = match t {
            "1" | "2" | "3" => return self.apply(number),
            "4" if n == 18 => return self.apply(number),
            "4" => (3, 3),
            "5" | "7" | "8" => (1, 3),
            "6" => (2, 2),
            _ => (1, 2),
        };
        Masking {
            head: head.min(self.head),
            tail: tail.min(self.tail),
        }
        .apply(number)
    }
}

/// The graduate's identity as disclosed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Identity {
    /// 姓名.
    pub name: String,
    /// 性别 (name, such as 男).
    pub gender: String,
    /// The document number (身份证号 unless the record's 证件类型 says otherwise), masked by its
    /// type's rule ([`Masking::apply_document`]).
    pub id_number_masked: String,
    /// 毕业院校.
    pub school_name: String,
    /// 院系.
    pub college: String,
    /// 专业.
    pub major_name: String,
    /// 学历 (name, such as 本科生毕业).
    pub education_level: String,
    /// 毕业日期 `YYYY-MM-DD`.
    pub graduation_date: String,
}

/// The destination as disclosed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DestinationSummary {
    /// 毕业去向代码 (the sub-code when there is one).
    pub code: String,
    /// 毕业去向 name.
    pub name: String,
    /// 单位名称, for employment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    /// 统一社会信用代码 of the employer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer_credit_code: Option<String>,
    /// 单位所在地 (region code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer_region: Option<String>,
    /// 升学院校 or 留学院校.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    /// 留学国家（地区）: the Chinese name of the record's country code (英国, 中国香港), or the
    /// value as recorded when the tables do not know it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_region: Option<String>,
}

/// What one department is shown for one authorization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Disclosure {
    /// Which form.
    pub section: Section,
    /// Basic identity.
    pub identity: Identity,
    /// Destination.
    pub destination: DestinationSummary,
    /// 档案转递信息, on the archive form when registered at authorization time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<ArchiveTransfer>,
    /// 户口迁移信息, on the hukou form when registered at authorization time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hukou: Option<HukouMigration>,
}

impl Disclosure {
    /// Builds the disclosure of `section` for `auth` from the registration's data.
    ///
    /// The registration's data must be the data the authorization was issued for (same data
    /// version); otherwise the authorization is outdated and [`Error::ConfirmationOutdated`] is
    /// returned, so that nothing is ever shown from data the graduate did not authorize.
    pub fn build(
        reg: &Registration,
        auth: &Authorization,
        section: Section,
        tables: &CodeTables,
        masking: Masking,
    ) -> Result<Disclosure> {
        if auth.data_version != reg.data_version {
            return Err(Error::ConfirmationOutdated {
                confirmed: auth.data_version,
                current: reg.data_version,
            });
        }
        let basic = reg.basic.as_deref().ok_or(Error::BasicInfoMissing)?;
        let data = reg
            .destination
            .as_deref()
            .ok_or(Error::DestinationNotReported)?;
        let name_of = |t: Table, code: &str| {
            tables
                .name(t, code)
                .map(str::to_string)
                .unwrap_or_else(|| code.to_string())
        };
        let d = &data.destination;
        let code = d.effective_code().to_string();
        let destination = DestinationSummary {
            name: name_of(Table::Destinations, &code),
            code,
            employer: d.employer.as_ref().map(|e| e.name.clone()),
            employer_credit_code: d
                .employer
                .as_ref()
                .map(|e| e.credit_code.clone())
                .filter(|s| !s.is_empty()),
            employer_region: d
                .employer
                .as_ref()
                .map(|e| e.region.clone())
                .filter(|s| !s.is_empty()),
            school: d
                .further_study
                .as_ref()
                .map(|s| s.school.clone())
                .or_else(|| d.abroad.as_ref().map(|a| a.school.clone())),
            country_region: d
                .abroad
                .as_ref()
                .map(|a| name_of(Table::Countries, &a.country_region)),
        };
        let identity = Identity {
            name: basic.name.clone(),
            gender: name_of(Table::Genders, &basic.gender),
            id_number_masked: masking.apply_document(&basic.id_type, &basic.id_number),
            school_name: basic.school_name.clone(),
            college: basic.college.clone(),
            major_name: basic.major_name.clone(),
            education_level: name_of(Table::EducationLevels, &basic.education_level),
            graduation_date: basic.graduation_date.clone(),
        };
        let (archive, hukou) = match section {
            Section::Archive if auth.sections.archive => (data.archive.clone(), None),
            Section::Hukou if auth.sections.hukou => (None, data.hukou.clone()),
            _ => (None, None),
        };
        Ok(Disclosure {
            section,
            identity,
            destination,
            archive,
            hukou,
        })
    }

    /// Canonical bytes of the disclosure (compact JSON with fields in declaration order), the
    /// input of the content digest.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // Serializing plain structs of strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_head_and_tail() {
        let m = Masking::default();
        assert_eq!(m.apply("32010220040315121X"), "320102********121X");
        assert_eq!(m.apply("12345"), "1****");
        assert_eq!(m.apply(""), "");
        assert_eq!(Masking { head: 3, tail: 2 }.apply("ABCDEFGH"), "ABC***GH");
    }

    #[test]
    fn each_document_type_is_masked_by_its_own_rule() {
        let m = Masking::default();
        for t in ["", "1", "2", "3"] {
            assert_eq!(
                m.apply_document(t, "81000019990101123X"),
                "810000********123X",
                "{t:?}"
            );
        }
        assert_eq!(
            m.apply_document("4", "931840199501011234"),
            "931840********1234"
        );
        assert_eq!(m.apply_document("4", "USA319501011234"), "USA*********234");
        assert_eq!(m.apply_document("5", "H12345678"), "H*****678");
        assert_eq!(m.apply_document("6", "12345678"), "12****78");
        assert_eq!(m.apply_document("7", "K12345678"), "K*****678");
        assert_eq!(m.apply_document("8", "EA1234567"), "E*****567");
        assert_eq!(m.apply_document("99", "AB123456789"), "A********89");
        // A stricter deployment stays stricter for every type.
        let strict = Masking { head: 0, tail: 2 };
        assert_eq!(strict.apply_document("7", "K12345678"), "*******78");
        assert_eq!(
            strict.apply_document("", "32010220040315121X"),
            "****************1X"
        );
    }
}
