//! Code tables (毕业去向, 学历, 单位性质, 单位行业, 工作职位类别, 培养方式, 民族, 政治面貌, 省份, 性别,
//! 行政区划, 证件类型, 困难生类别, 师范生类别, 城乡生源, 国家（地区）, 创业角色).
//!
//! The tables ship as data (`core/data/*.tsv`, one `code<TAB>name[<TAB>category]` per line, `#` for
//! comments) and a deployment can extend or replace any of them with its own export, for instance
//! with [`CodeTables::load_tsv`].
//!
//! The region table ([`Table::Regions`], `core/data/regions.tsv`) is the full GB/T 2260 list:
//! every province-, prefecture- and county-level code with its name and the years it was in use,
//! retired codes included, one `code<TAB>name<TAB>from<TAB>to` line per period
//! ([`RegionPeriod`]). [`CodeTables::region_known`] accepts the codes of that list only;
//! [`CodeTables::region_existed_in`] and [`CodeTables::region_retired`] answer for a year.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// 毕业去向 (with three-digit sub-codes).
    Destinations,
    /// 学历.
    EducationLevels,
    /// 单位性质.
    EmployerNatures,
    /// 单位行业.
    Industries,
    /// 工作职位类别.
    JobCategories,
    /// 培养方式.
    TrainingModes,
    /// 民族 (GB/T 3304).
    Ethnicities,
    /// 政治面貌 (GB/T 4762).
    PoliticalStatuses,
    /// Province prefixes of GB/T 2260 region codes.
    Provinces,
    /// 性别 (GB/T 2261.1).
    Genders,
    /// 行政区划代码 (GB/T 2260): 6-digit region codes with the years each was in use. Its rows
    /// are `code<TAB>name[<TAB>from[<TAB>to]]`; see [`CodeTables::load_tsv`].
    Regions,
    /// 证件类型 (identity document types): `1` 居民身份证 … `8` 中国护照. Each built-in code has
    /// its own number rule ([`crate::validate::check_document_number`]).
    IdTypes,
    /// 困难生类别 (0 非困难生 … 7, a sum of the flags 1 就业困难, 2 家庭困难, 4 残疾).
    HardshipCategories,
    /// 师范生类别 (1 普通师范生, 12 公费师范生, 2 非师范生).
    TeacherTraining,
    /// 城乡生源 (1 城镇, 2 农村).
    UrbanRural,
    /// 国家（地区） (GB/T 2659 / ISO 3166-1 alpha-3 codes, Chinese short names).
    Countries,
    /// 创业角色: the graduate's role in the enterprise founded (法定代表人, 股东 …).
    EnterpriseRoles,
}

impl Table {
    /// Every table.
    pub const ALL: [Table; 17] = [
        Table::Destinations,
        Table::EducationLevels,
        Table::EmployerNatures,
        Table::Industries,
        Table::JobCategories,
        Table::TrainingModes,
        Table::Ethnicities,
        Table::PoliticalStatuses,
        Table::Provinces,
        Table::Genders,
        Table::Regions,
        Table::IdTypes,
        Table::HardshipCategories,
        Table::TeacherTraining,
        Table::UrbanRural,
        Table::Countries,
        Table::EnterpriseRoles,
    ];

    /// The table's snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Destinations => "destinations",
            Table::EducationLevels => "education_levels",
            Table::EmployerNatures => "employer_natures",
            Table::Industries => "industries",
            Table::JobCategories => "job_categories",
            Table::TrainingModes => "training_modes",
            Table::Ethnicities => "ethnicities",
            Table::PoliticalStatuses => "political_statuses",
            Table::Provinces => "provinces",
            Table::Genders => "genders",
            Table::Regions => "regions",
            Table::IdTypes => "id_types",
            Table::HardshipCategories => "hardship_categories",
            Table::TeacherTraining => "teacher_training",
            Table::UrbanRural => "urban_rural",
            Table::Countries => "countries",
            Table::EnterpriseRoles => "enterprise_roles",
        }
    }

    fn builtin_tsv(self) -> &'static str {
        match self {
            Table::Destinations => include_str!("../data/destinations.tsv"),
            Table::EducationLevels => include_str!("../data/education_levels.tsv"),
            Table::EmployerNatures => include_str!("../data/employer_natures.tsv"),
            Table::Industries => include_str!("../data/industries.tsv"),
            Table::JobCategories => include_str!("../data/job_categories.tsv"),
            Table::TrainingModes => include_str!("../data/training_modes.tsv"),
            Table::Ethnicities => include_str!("../data/ethnicities.tsv"),
            Table::PoliticalStatuses => include_str!("../data/political_statuses.tsv"),
            Table::Provinces => include_str!("../data/provinces.tsv"),
            Table::Genders => include_str!("../data/genders.tsv"),
            Table::Regions => include_str!("../data/regions.tsv"),
            Table::IdTypes => include_str!("../data/id_types.tsv"),
            Table::HardshipCategories => include_str!("../data/hardship_categories.tsv"),
            Table::TeacherTraining => include_str!("../data/teacher_training.tsv"),
            Table::UrbanRural => include_str!("../data/urban_rural.tsv"),
            Table::Countries => include_str!("../data/countries.tsv"),
            Table::EnterpriseRoles => include_str!("../data/enterprise_roles.tsv"),
        }
    }
}

/// What a destination code means for the placement rate (落实率).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Employed (10, 11, 12, 27, 46, 50, 51 and their sub-codes).
    Employed,
    /// 自主创业 (75).
    Entrepreneurship,
    /// 自由职业 (76).
    Freelance,
    /// 境内升学 (80).
    FurtherStudy,
    /// 境外留学 (85).
    Abroad,
    /// Not placed (70, 71, 72).
    NotPlaced,
}

impl Category {
    /// Whether this category counts as placed (落实).
    pub fn is_placed(self) -> bool {
        !matches!(self, Category::NotPlaced)
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "employed" => Category::Employed,
            "entrepreneurship" => Category::Entrepreneurship,
            "freelance" => Category::Freelance,
            "further_study" => Category::FurtherStudy,
            "abroad" => Category::Abroad,
            "not_placed" => Category::NotPlaced,
            _ => return None,
        })
    }
}

/// One row of a code table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The code, exactly as stored (zero-padded).
    pub code: String,
    /// The Chinese name.
    pub name: String,
    /// For destination codes only: the placement category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
}

/// One period of a GB/T 2260 region code: the name it had and the years it was in use. A code
/// that was reused (renamed, or given to another place) has several.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RegionPeriod {
    /// The name in that period; empty for a code listed without a name
    /// ([`CodeTables::set_regions`]).
    pub name: String,
    /// First year in use (inclusive); `None` when in use since the list began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i32>,
    /// Last year in use (inclusive); `None` when still in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i32>,
}

impl RegionPeriod {
    /// Whether the code was in use (with this name) in `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.from.is_none_or(|f| year >= f) && self.to.is_none_or(|t| year <= t)
    }

    /// Whether the period is still running (no last year).
    pub fn is_current(&self) -> bool {
        self.to.is_none()
    }
}

/// A region code: its row (named as in its latest period) and every period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Region {
    entry: Entry,
    periods: Vec<RegionPeriod>,
}

impl Region {
    /// A region of these periods (at least one), named after the latest: the current one, else
    /// the one that ended last.
    fn new(code: String, periods: Vec<RegionPeriod>) -> Self {
        let latest = periods
            .iter()
            .max_by_key(|p| p.to.unwrap_or(i32::MAX))
            .map(|p| p.name.clone())
            .unwrap_or_default();
        Region {
            entry: Entry {
                code,
                name: latest,
                category: None,
            },
            periods,
        }
    }
}

/// All code tables a validation uses. Cheap to share by reference; clone to extend.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CodeTables {
    tables: BTreeMap<Table, BTreeMap<String, Entry>>,
    /// The region table ([`Table::Regions`]), by code as a number ([`region_key`]): kept apart
    /// because a code has periods, and keyed by number because validation looks codes up for
    /// every row of a roster.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    regions: BTreeMap<u32, Region>,
}

/// The lookup key of a 6-digit region code: its value. `None` for anything else, which no region
/// check accepts.
fn region_key(code: &str) -> Option<u32> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        code.parse().ok()
    } else {
        None
    }
}

impl CodeTables {
    /// The tables shipped with the crate (read once, shared).
    pub fn builtin() -> &'static CodeTables {
        static BUILTIN: OnceLock<CodeTables> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut t = CodeTables::default();
            for table in Table::ALL {
                // The shipped data is checked by a unit test; a failure here is a build defect.
                t.load_tsv(table, table.builtin_tsv(), false)
                    .expect("shipped code table parses");
            }
            t
        })
    }

    /// Loads rows from TSV text (`code<TAB>name[<TAB>category]`, `#` comments, blank lines
    /// ignored). With `replace`, the table is emptied first; otherwise rows are added or override
    /// rows with the same code.
    ///
    /// Rows of [`Table::Regions`] are `code<TAB>name[<TAB>from[<TAB>to]]`: a 6-digit code, its
    /// name, and the first and last year it was in use (4 digits, inclusive; empty or left out
    /// when open). The lines of one code are its periods, in order; a code in `text` overrides
    /// every period the table had for it.
    pub fn load_tsv(&mut self, table: Table, text: &str, replace: bool) -> Result<()> {
        if table == Table::Regions {
            return self.load_regions_tsv(text, replace);
        }
        let mut rows = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let code = cols.next().unwrap_or("").trim();
            let name = cols.next().unwrap_or("").trim();
            if code.is_empty()
                || name.is_empty()
                || !code.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(Error::InvalidCodeTable(format!(
                    "{} line {}: expected code<TAB>name",
                    table.as_str(),
                    i + 1
                )));
            }
            let category = match (table, cols.next().map(str::trim)) {
                (Table::Destinations, Some(c)) => Some(Category::parse(c).ok_or_else(|| {
                    Error::InvalidCodeTable(format!(
                        "{} line {}: unknown category {c:?}",
                        table.as_str(),
                        i + 1
                    ))
                })?),
                (Table::Destinations, None) => {
                    return Err(Error::InvalidCodeTable(format!(
                        "{} line {}: destination rows need a category",
                        table.as_str(),
                        i + 1
                    )))
                }
                _ => None,
            };
            rows.insert(
                code.to_string(),
                Entry {
                    code: code.to_string(),
                    name: name.to_string(),
                    category,
                },
            );
        }
        let slot = self.tables.entry(table).or_default();
        if replace {
            slot.clear();
        }
        slot.extend(rows);
        Ok(())
    }

    /// The rows of [`Table::Regions`] (see [`CodeTables::load_tsv`]).
    fn load_regions_tsv(&mut self, text: &str, replace: bool) -> Result<()> {
        let bad = |line: usize, what: &str| {
            Error::InvalidCodeTable(format!("{} line {line}: {what}", Table::Regions.as_str()))
        };
        let year = |line: usize, s: Option<&str>| -> Result<Option<i32>> {
            match s.map(str::trim).unwrap_or("") {
                "" => Ok(None),
                y if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) => {
                    y.parse().map(Some).map_err(|_| bad(line, "bad year"))
                }
                y => Err(bad(line, &format!("year {y:?} is not 4 digits"))),
            }
        };
        let mut rows: BTreeMap<String, Vec<RegionPeriod>> = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let code = cols.next().unwrap_or("").trim();
            let name = cols.next().unwrap_or("").trim();
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
                return Err(bad(i + 1, "expected a 6-digit code<TAB>name"));
            }
            let from = year(i + 1, cols.next())?;
            let to = year(i + 1, cols.next())?;
            if let (Some(f), Some(t)) = (from, to) {
                if f > t {
                    return Err(bad(i + 1, "the last year is before the first"));
                }
            }
            rows.entry(code.to_string())
                .or_default()
                .push(RegionPeriod {
                    name: name.to_string(),
                    from,
                    to,
                });
        }
        if replace {
            self.regions.clear();
        }
        for (code, periods) in rows {
            if let Some(key) = region_key(&code) {
                self.regions.insert(key, Region::new(code, periods));
            }
        }
        Ok(())
    }

    /// Adds or replaces one row. A row of [`Table::Regions`] becomes a code in use in every
    /// year, replacing the periods the code had (a code that is not 6 digits is ignored).
    pub fn insert(&mut self, table: Table, entry: Entry) {
        if table == Table::Regions {
            let Some(key) = region_key(&entry.code) else {
                return;
            };
            let period = RegionPeriod {
                name: entry.name.clone(),
                from: None,
                to: None,
            };
            self.regions.insert(
                key,
                Region {
                    entry,
                    periods: vec![period],
                },
            );
            return;
        }
        self.tables
            .entry(table)
            .or_default()
            .insert(entry.code.clone(), entry);
    }

    /// Replaces the region list ([`Table::Regions`]) by exactly these 6-digit codes (GB/T 2260):
    /// a code the table had keeps its name and years; a new one is known for every year, without
    /// a name; a code that is not 6 digits is ignored. To extend the list instead, or to give
    /// names and years, use [`CodeTables::load_tsv`] with [`Table::Regions`].
    pub fn set_regions<I: IntoIterator<Item = String>>(&mut self, codes: I) {
        let mut old = std::mem::take(&mut self.regions);
        for code in codes {
            let Some(key) = region_key(&code) else {
                continue;
            };
            let region = old.remove(&key).unwrap_or_else(|| {
                Region::new(
                    code.clone(),
                    vec![RegionPeriod {
                        name: String::new(),
                        from: None,
                        to: None,
                    }],
                )
            });
            self.regions.insert(key, region);
        }
    }

    /// The region of a code, if listed.
    fn region(&self, code: &str) -> Option<&Region> {
        region_key(code).and_then(|k| self.regions.get(&k))
    }

    /// Looks a code up.
    pub fn get(&self, table: Table, code: &str) -> Option<&Entry> {
        if table == Table::Regions {
            return self.region(code).map(|r| &r.entry);
        }
        self.tables.get(&table).and_then(|t| t.get(code))
    }

    /// Whether a code is in the table.
    pub fn contains(&self, table: Table, code: &str) -> bool {
        self.get(table, code).is_some()
    }

    /// The name of a code, if known (for a region code, its latest name).
    pub fn name(&self, table: Table, code: &str) -> Option<&str> {
        self.get(table, code)
            .map(|e| e.name.as_str())
            .filter(|n| !n.is_empty())
    }

    /// All rows of a table, ordered by code (for [`Table::Regions`], one row per code, named as
    /// in its latest period).
    pub fn entries(&self, table: Table) -> impl Iterator<Item = &Entry> {
        let regions = (table == Table::Regions)
            .then_some(&self.regions)
            .into_iter()
            .flat_map(|r| r.values().map(|r| &r.entry));
        self.tables
            .get(&table)
            .into_iter()
            .flat_map(|t| t.values())
            .chain(regions)
    }

    /// Whether a 6-digit region code is known: in the region list ([`Table::Regions`]) in any
    /// period, retired codes included. Province-level `XX0000` and prefecture-level `XXXX00`
    /// codes count when the list has them (the shipped list does). Only when the list is empty
    /// (a deployment emptied it) is a code checked for shape and a known province instead.
    pub fn region_known(&self, code: &str) -> bool {
        if self.regions.is_empty() {
            code.len() == 6
                && code.bytes().all(|b| b.is_ascii_digit())
                && code
                    .get(..2)
                    .is_some_and(|p| self.contains(Table::Provinces, p))
        } else {
            self.region(code).is_some()
        }
    }

    /// The periods of a region code (name, first and last year), in the list's order; `None`
    /// when the code is not in the region list.
    pub fn region_years(&self, code: &str) -> Option<&[RegionPeriod]> {
        self.region(code).map(|r| r.periods.as_slice())
    }

    /// Whether a region code was in use in `year` (in any of its periods). With an empty region
    /// list, whether [`CodeTables::region_known`] accepts it.
    pub fn region_existed_in(&self, code: &str, year: i32) -> bool {
        match self.region(code) {
            Some(r) => r.periods.iter().any(|p| p.covers(year)),
            None => self.regions.is_empty() && self.region_known(code),
        }
    }

    /// Whether a region code is in the list but no longer in use (every period has ended):
    /// merged, renamed under another code, or abolished.
    pub fn region_retired(&self, code: &str) -> bool {
        self.region(code)
            .is_some_and(|r| !r.periods.iter().any(RegionPeriod::is_current))
    }

    /// The name of a region code: the current one, else the last it had. `None` when the code
    /// is not in the list or was listed without a name.
    pub fn region_name(&self, code: &str) -> Option<&str> {
        self.name(Table::Regions, code)
    }

    /// The alpha-3 code of a country (or region) in the shipped list by its ISO 3166-1 numeric
    /// code (`840` → `USA`), as the 2023 外国人永久居留身份证 number writes nationality.
    pub fn country_of_numeric(numeric: &str) -> Option<&'static str> {
        country_aliases().numeric.get(numeric).copied()
    }

    /// The country code ([`Table::Countries`], alpha-3) a written country or region stands for:
    /// the code itself in any case (`gbr`), the Chinese name of this table (英国, 中国香港), or,
    /// for a code of this table, the English short or common name (United Kingdom, South Korea),
    /// the alpha-2 or numeric code (`GB`, `826`) or a usual Chinese synonym (香港, 台湾, 美利坚合众国)
    /// from the shipped list. `None` when it names no code of the table.
    pub fn country_code(&self, written: &str) -> Option<String> {
        let w = written.trim();
        let upper = w.to_ascii_uppercase();
        if upper.len() == 3
            && upper.bytes().all(|b| b.is_ascii_uppercase())
            && self.contains(Table::Countries, &upper)
        {
            return Some(upper);
        }
        if let Some(e) = self.entries(Table::Countries).find(|e| e.name == w) {
            return Some(e.code.clone());
        }
        let folded = fold_country(w);
        country_aliases()
            .written
            .get(&folded)
            .filter(|c| self.contains(Table::Countries, c))
            .map(|c| (*c).to_string())
    }

    /// The placement category of a destination code (two- or three-digit).
    pub fn destination_category(&self, code: &str) -> Option<Category> {
        self.get(Table::Destinations, code).and_then(|e| e.category)
    }

    /// Whether a destination code counts as placed (落实). `None` when the code is unknown.
    pub fn is_placed(&self, code: &str) -> Option<bool> {
        self.destination_category(code).map(Category::is_placed)
    }
}

/// Usual Chinese ways of writing a country or region beyond the short names of
/// `core/data/countries.tsv` (its official long names and the names rosters write for Hong
/// Kong, Macao and Taiwan).
const COUNTRY_SYNONYMS: [(&str, &str); 16] = [
    ("香港", "HKG"),
    ("香港特别行政区", "HKG"),
    ("中国香港特别行政区", "HKG"),
    ("澳门", "MAC"),
    ("澳门特别行政区", "MAC"),
    ("中国澳门特别行政区", "MAC"),
    ("台湾", "TWN"),
    ("台湾地区", "TWN"),
    ("中国台湾地区", "TWN"),
    ("美利坚合众国", "USA"),
    ("大不列颠及北爱尔兰联合王国", "GBR"),
    ("大韩民国", "KOR"),
    ("俄罗斯联邦", "RUS"),
    ("澳洲", "AUS"),
    ("uk", "GBR"),
    ("usa", "USA"),
];

/// The ways of writing a country that the shipped list knows besides code and Chinese name.
struct CountryAliases {
    /// ISO 3166-1 numeric code → alpha-3.
    numeric: BTreeMap<String, &'static str>,
    /// Folded English short or common name, alpha-2, numeric code or Chinese synonym → alpha-3.
    written: BTreeMap<String, &'static str>,
}

/// Folds a written country for lookup: trimmed, ASCII lower-case, full-width brackets as ASCII.
fn fold_country(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The columns of `core/data/countries.tsv` beyond the code table's (read once).
fn country_aliases() -> &'static CountryAliases {
    static ALIASES: OnceLock<CountryAliases> = OnceLock::new();
    ALIASES.get_or_init(|| {
        let mut numeric = BTreeMap::new();
        let mut written = BTreeMap::new();
        for line in Table::Countries.builtin_tsv().lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&'static str> = line.split('\t').map(str::trim).collect();
            let Some(&code) = cols.first() else {
                continue;
            };
            if let Some(n) = cols.get(3).filter(|n| !n.is_empty()) {
                numeric.insert((*n).to_string(), code);
            }
            for alias in cols.iter().skip(1) {
                if !alias.is_empty() {
                    written.insert(fold_country(alias), code);
                }
            }
        }
        for (alias, code) in COUNTRY_SYNONYMS {
            written.insert(fold_country(alias), code);
        }
        CountryAliases { numeric, written }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tables_load() {
        let t = CodeTables::builtin();
        for table in Table::ALL {
            assert!(t.entries(table).count() > 0, "{table:?} is empty");
        }
        assert_eq!(t.name(Table::EducationLevels, "31"), Some("本科生毕业"));
        assert_eq!(t.name(Table::Ethnicities, "01"), Some("汉族"));
        assert_eq!(t.entries(Table::Ethnicities).count(), 58);
        assert_eq!(t.name(Table::IdTypes, "7"), Some("外国护照"));
        assert_eq!(
            t.name(Table::HardshipCategories, "3"),
            Some("就业困难和家庭困难")
        );
        assert_eq!(t.name(Table::TeacherTraining, "12"), Some("公费师范生"));
        assert_eq!(t.name(Table::UrbanRural, "2"), Some("农村"));
        assert_eq!(t.name(Table::EnterpriseRoles, "1"), Some("法定代表人"));
        assert_eq!(t.entries(Table::Countries).count(), 249);
    }

    #[test]
    fn industries_cover_every_gb_t_4754_2017_section_once() {
        let mut letters: Vec<&str> = Table::Industries
            .builtin_tsv()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split('\t').nth(2))
            .collect();
        letters.sort_unstable();
        let sections: Vec<String> = ('A'..='T').map(String::from).collect();
        assert_eq!(letters, sections);
        let t = CodeTables::builtin();
        assert_eq!(t.entries(Table::Industries).count(), 21);
        assert_eq!(t.name(Table::Industries, "97"), Some("军队"));
    }

    #[test]
    fn countries_are_found_however_written() {
        let t = CodeTables::builtin();
        assert_eq!(t.name(Table::Countries, "GBR"), Some("英国"));
        assert_eq!(t.name(Table::Countries, "HKG"), Some("中国香港"));
        assert_eq!(t.name(Table::Countries, "TWN"), Some("中国台湾"));
        for (written, code) in [
            ("GBR", "GBR"),
            ("gbr", "GBR"),
            ("英国", "GBR"),
            ("United Kingdom", "GBR"),
            ("GB", "GBR"),
            ("826", "GBR"),
            (" uk ", "GBR"),
            ("South Korea", "KOR"),
            ("Korea, Republic of", "KOR"),
            ("韩国", "KOR"),
            ("香港", "HKG"),
            ("Hong Kong", "HKG"),
            ("台湾", "TWN"),
            ("刚果（金）", "COD"),
            ("刚果(金)", "COD"),
        ] {
            assert_eq!(t.country_code(written).as_deref(), Some(code), "{written}");
        }
        for unknown in ["", "XXX", "火星", "999"] {
            assert_eq!(t.country_code(unknown), None, "{unknown}");
        }
        assert_eq!(CodeTables::country_of_numeric("840"), Some("USA"));
        assert_eq!(CodeTables::country_of_numeric("000"), None);
        // A deployment that narrows the table narrows what is found.
        let mut narrow = t.clone();
        narrow
            .load_tsv(Table::Countries, "GBR\t英国\n", true)
            .unwrap();
        assert_eq!(
            narrow.country_code("United Kingdom").as_deref(),
            Some("GBR")
        );
        assert_eq!(narrow.country_code("USA"), None);
        assert_eq!(narrow.country_code("美利坚合众国"), None);
    }

    #[test]
    fn placement_rule_matches_design() {
        let t = CodeTables::builtin();
        for placed in [
            "10", "11", "12", "27", "46", "50", "51", "75", "76", "80", "85", "502", "801",
        ] {
            assert_eq!(t.is_placed(placed), Some(true), "{placed}");
        }
        for not in ["70", "71", "72"] {
            assert_eq!(t.is_placed(not), Some(false), "{not}");
        }
        assert_eq!(t.is_placed("99"), None);
        // Every sub-code sits under a known two-digit code with the same category.
        for e in t.entries(Table::Destinations).filter(|e| e.code.len() == 3) {
            let parent = t.get(Table::Destinations, &e.code[..2]).expect("parent");
            assert_eq!(parent.category, e.category, "{}", e.code);
        }
    }

    #[test]
    fn deployment_can_extend_and_replace() {
        let mut t = CodeTables::builtin().clone();
        t.load_tsv(
            Table::Destinations,
            "504\t其他国家基层项目\temployed\n",
            false,
        )
        .unwrap();
        assert!(t.contains(Table::Destinations, "504"));
        assert!(t.contains(Table::Destinations, "10"));
        t.load_tsv(Table::TrainingModes, "# mine\n01\t统招\n", true)
            .unwrap();
        assert!(t.contains(Table::TrainingModes, "01"));
        assert!(!t.contains(Table::TrainingModes, "1"));
        assert!(t.load_tsv(Table::Destinations, "10\tx\n", false).is_err());
        assert!(t
            .load_tsv(Table::Destinations, "10\tx\tnonsense\n", false)
            .is_err());
        assert!(t
            .load_tsv(Table::Genders, "only-one-column\n", false)
            .is_err());
        assert!(t.region_known("320102"));
        assert!(!t.region_known("990102"));
        t.set_regions(["320102".to_string()]);
        assert!(t.region_known("320102"));
        assert!(!t.region_known("320103"));
    }

    #[test]
    fn every_line_of_the_region_list_is_read() {
        let text = Table::Regions.builtin_tsv();
        let lines = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        let t = CodeTables::builtin();
        let periods: usize = t
            .entries(Table::Regions)
            .map(|e| t.region_years(&e.code).map_or(0, <[RegionPeriod]>::len))
            .sum();
        assert_eq!(periods, lines);
        assert!(lines > 7000, "{lines} lines");
        // Every line parses on its own, too (a deployment may load any part of it).
        for (i, line) in text.lines().enumerate() {
            let mut one = CodeTables::default();
            one.load_tsv(Table::Regions, line, true)
                .unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        }
        // Every code sits in a known province, which is itself listed.
        for e in t.entries(Table::Regions) {
            assert!(t.contains(Table::Provinces, &e.code[..2]), "{}", e.code);
            assert!(
                t.region_known(&format!("{}0000", &e.code[..2])),
                "{}",
                e.code
            );
        }
    }

    #[test]
    fn region_codes_know_their_years() {
        let t = CodeTables::builtin();
        assert!(!t.region_known("329999"));
        assert!(!t.region_known("32010"));
        for code in [
            "110000", "110100", "320000", "320100", "320102", "110103", "810000",
        ] {
            assert!(t.region_known(code), "{code}");
        }
        // 崇文区 was merged into 东城区 in 2010.
        assert_eq!(t.region_name("110103"), Some("崇文区"));
        assert_eq!(t.name(Table::Regions, "110103"), Some("崇文区"));
        assert!(t.region_retired("110103"));
        assert!(t.region_existed_in("110103", 1995));
        assert!(t.region_existed_in("110103", 2010));
        assert!(!t.region_existed_in("110103", 2011));
        // 延庆区 exists since 2015; 延庆县 had another code.
        assert!(!t.region_retired("110119"));
        assert!(!t.region_existed_in("110119", 2014));
        assert!(t.region_existed_in("110119", 2015));
        assert!(t.region_existed_in("110119", 2030));
        assert_eq!(
            t.region_years("110119"),
            Some(
                &[RegionPeriod {
                    name: "延庆区".into(),
                    from: Some(2015),
                    to: None,
                }][..]
            )
        );
        assert!(!t.region_existed_in("329999", 2000));
        assert!(!t.region_retired("329999"));
        assert_eq!(t.region_years("329999"), None);
        // A reused code keeps each period; its name is the latest. 南通 崇川区 (320602) was
        // replaced by 320613 in 2020.
        let p = t.region_years("320602").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].name.as_str(), p[0].from, p[0].to),
            ("城区", Some(1983), Some(1990))
        );
        assert_eq!(t.region_name("320602"), Some("崇川区"));
        assert!(t.region_retired("320602"));
        assert_eq!(t.region_name("320613"), Some("崇川区"));
        // Renamed in place: 东郊区 became 东丽区 (120110), which is in use.
        assert_eq!(t.region_name("120110"), Some("东丽区"));
        assert!(!t.region_retired("120110") && t.region_existed_in("120110", 1980));
        // A period that covered no year in the source ([1983-1982]) is left out.
        assert_eq!(t.region_years("210311").unwrap().len(), 2);
        // Names come in simplified characters.
        assert_eq!(t.region_name("632858"), Some("冷湖行政委员会"));
    }

    #[test]
    fn tables_with_regions_round_trip_through_json() {
        let t = CodeTables::builtin();
        let json = serde_json::to_string(t).unwrap();
        let back: CodeTables = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, t);
        assert!(back.region_retired("110103") && back.region_existed_in("110119", 2015));
    }

    #[test]
    fn deployments_extend_and_replace_regions() {
        let mut t = CodeTables::builtin().clone();
        // Extending: a new code, and one code's periods overridden.
        t.load_tsv(
            Table::Regions,
            "# local\n329901\t示范区\t2030\n110103\t崇文区\n",
            false,
        )
        .unwrap();
        assert!(t.region_known("329901") && t.region_known("110101"));
        assert!(t.region_existed_in("329901", 2030) && !t.region_existed_in("329901", 2029));
        assert!(!t.region_retired("110103") && t.region_existed_in("110103", 2020));
        // Several lines of a code are its periods, in order.
        t.load_tsv(
            Table::Regions,
            "329902\t甲\t\t1999\n329902\t乙\t2001\t2003\n",
            false,
        )
        .unwrap();
        assert_eq!(t.region_years("329902").map(<[RegionPeriod]>::len), Some(2));
        assert!(t.region_existed_in("329902", 1950) && !t.region_existed_in("329902", 2000));
        assert!(t.region_retired("329902"));
        assert_eq!(t.region_name("329902"), Some("乙"));
        // Bad rows are refused and leave the table as it was.
        for bad in [
            "32990\t短\n",
            "3299O1\t字母\n",
            "329903\n",
            "329903\t名\t99\n",
            "329903\t名\t2001\t2000\n",
            "329903\t名\t\t20x0\n",
        ] {
            assert!(t.load_tsv(Table::Regions, bad, false).is_err(), "{bad:?}");
        }
        assert!(!t.region_known("329903"));
        // One row added by hand is in use in every year.
        t.insert(
            Table::Regions,
            Entry {
                code: "329904".into(),
                name: "新区".into(),
                category: None,
            },
        );
        assert!(t.region_existed_in("329904", 1900) && t.contains(Table::Regions, "329904"));
        // set_regions narrows the list, keeping what it knew of a code.
        t.set_regions(["110103".to_string(), "329999".to_string()]);
        assert!(t.region_known("329999") && !t.region_known("110101"));
        assert_eq!(t.region_name("110103"), Some("崇文区"));
        assert_eq!(t.region_name("329999"), None);
        assert!(t.region_existed_in("329999", 1990) && !t.region_retired("329999"));
        assert_eq!(t.entries(Table::Regions).count(), 2);
        // Replacing.
        t.load_tsv(Table::Regions, "110101\t东城区\n", true)
            .unwrap();
        assert!(t.region_known("110101") && !t.region_known("110103"));
        // An emptied list falls back to shape and province.
        t.load_tsv(Table::Regions, "# nothing\n", true).unwrap();
        assert!(t.region_known("329999") && t.region_existed_in("329999", 1990));
        assert!(!t.region_known("999999") && !t.region_known("32999"));
        assert!(!t.region_retired("110103"));
    }
}
