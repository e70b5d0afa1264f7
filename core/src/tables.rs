//! Code tables (毕业去向, 学历, 单位性质, 单位行业, 工作职位类别, 培养方式, 民族, 政治面貌, 省份, 性别).
//!
//! The tables ship as data (`core/data/*.tsv`, one `code<TAB>name[<TAB>category]` per line, `#` for
//! comments) and a deployment can extend or replace any of them with its own export, for instance
//! with [`CodeTables::load_tsv`]. A full GB/T 2260 region list can be added with
//! [`CodeTables::set_regions`]; without one, a region code is checked for shape and province only.

use std::collections::{BTreeMap, BTreeSet};
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
}

impl Table {
    /// Every table.
    pub const ALL: [Table; 10] = [
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

/// All code tables a validation uses. Cheap to share by reference; clone to extend.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CodeTables {
    tables: BTreeMap<Table, BTreeMap<String, Entry>>,
    /// Full list of known 6-digit region codes, when the deployment supplies one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    regions: Option<BTreeSet<String>>,
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
    pub fn load_tsv(&mut self, table: Table, text: &str, replace: bool) -> Result<()> {
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

    /// Adds or replaces one row.
    pub fn insert(&mut self, table: Table, entry: Entry) {
        self.tables
            .entry(table)
            .or_default()
            .insert(entry.code.clone(), entry);
    }

    /// Supplies the full list of valid 6-digit region codes (GB/T 2260).
    pub fn set_regions<I: IntoIterator<Item = String>>(&mut self, codes: I) {
        self.regions = Some(codes.into_iter().collect());
    }

    /// Looks a code up.
    pub fn get(&self, table: Table, code: &str) -> Option<&Entry> {
        self.tables.get(&table).and_then(|t| t.get(code))
    }

    /// Whether a code is in the table.
    pub fn contains(&self, table: Table, code: &str) -> bool {
        self.get(table, code).is_some()
    }

    /// The name of a code, if known.
    pub fn name(&self, table: Table, code: &str) -> Option<&str> {
        self.get(table, code).map(|e| e.name.as_str())
    }

    /// All rows of a table, ordered by code.
    pub fn entries(&self, table: Table) -> impl Iterator<Item = &Entry> {
        self.tables.get(&table).into_iter().flat_map(|t| t.values())
    }

    /// Whether a 6-digit region code is known: in the full list when one was supplied, otherwise
    /// when its first two digits are a known province.
    pub fn region_known(&self, code: &str) -> bool {
        match &self.regions {
            Some(set) => set.contains(code),
            None => {
                code.len() == 6
                    && code
                        .get(..2)
                        .is_some_and(|p| self.contains(Table::Provinces, p))
            }
        }
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
}
