//! The tables the synthetic cohort is drawn from, shipped as TSV files in `core/data/cohort/`
//! (each file says what its columns are and where the data comes from) and read once, on first
//! use.
//!
//! The generator draws by position, so the order of the rows matters: reordering a file changes
//! the cohort of a seed.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A county-level region: code, province, city, district, postal code, telephone area code, and
/// the codes it had before.
#[derive(Debug)]
pub(super) struct Region {
    /// GB/T 2260 code, in use now.
    pub code: &'static str,
    /// Province, such as `江苏省`.
    pub province: &'static str,
    /// City, such as `南京市`.
    pub city: &'static str,
    /// District, such as `玄武区`.
    pub district: &'static str,
    /// Postal code.
    pub postal: &'static str,
    /// Telephone area code.
    pub area: &'static str,
    /// The codes the place had before `code` existed, newest first (for the ID numbers of people
    /// born then).
    pub former: Vec<&'static str>,
}

impl Region {
    /// The code an ID number of someone born in `year` starts with: `code`, else the first
    /// former code in use that year (per the built-in region table); `None` when none was.
    pub(super) fn code_in(&self, year: i32) -> Option<&'static str> {
        let tables = crate::tables::CodeTables::builtin();
        std::iter::once(self.code)
            .chain(self.former.iter().copied())
            .find(|c| tables.region_existed_in(c, year))
    }
}

/// A major: code and name.
pub(super) type Major = (&'static str, &'static str);

/// A college with its share of graduates and its majors by level.
#[derive(Debug)]
pub(super) struct College {
    /// Its name.
    pub name: &'static str,
    /// Its share of graduates.
    pub weight: u64,
    /// Undergraduate majors.
    pub undergrad: Vec<Major>,
    /// Master's majors.
    pub master: Vec<Major>,
    /// Doctoral majors (none for some colleges).
    pub doctor: Vec<Major>,
}

/// A kind of employer: name pattern, registration prefix of the credit code, nature, industry,
/// job categories.
#[derive(Debug)]
pub(super) struct EmployerKind {
    /// Its share of employers.
    pub weight: u64,
    /// `{c}` is the city without 市, `{b}` a brand, `{d}` the district.
    pub pattern: &'static str,
    /// First two characters of the credit code (registration authority and kind).
    pub credit_prefix: &'static str,
    /// Employer nature code.
    pub nature: &'static str,
    /// Industry code.
    pub industry: &'static str,
    /// Job category codes.
    pub job: Vec<&'static str>,
}

/// Every table of the cohort.
#[derive(Debug)]
pub(super) struct Data {
    /// Regions, Jiangsu first.
    pub regions: Vec<Region>,
    /// The number of leading Jiangsu regions.
    pub jiangsu_end: usize,
    /// Where the school is (南京市栖霞区), as an index into `regions`.
    pub school_region: usize,
    /// Surnames.
    pub surnames: Vec<&'static str>,
    /// Given-name characters for men.
    pub male_chars: Vec<&'static str>,
    /// Given-name characters for women.
    pub female_chars: Vec<&'static str>,
    /// Characters that fonts and old systems often lack.
    pub rare_chars: Vec<&'static str>,
    /// Uyghur given names, men.
    pub uyghur_given_male: Vec<&'static str>,
    /// Uyghur given names, women.
    pub uyghur_given_female: Vec<&'static str>,
    /// Uyghur fathers' names.
    pub uyghur_father: Vec<&'static str>,
    /// Employer brand names.
    pub brands: Vec<&'static str>,
    /// Street names.
    pub roads: Vec<&'static str>,
    /// Colleges with their majors.
    pub colleges: Vec<College>,
    /// Kinds of employer.
    pub employer_kinds: Vec<EmployerKind>,
    /// Where employers are: weight and region index.
    pub employer_regions: Vec<(u64, usize)>,
    /// Schools for further study in China, with their region index.
    pub study_schools: Vec<(&'static str, usize)>,
    /// Schools abroad, by country or region.
    pub abroad: Vec<(&'static str, Vec<&'static str>)>,
    /// Destination shares of undergraduates, master's and doctoral graduates.
    pub destination_shares: [Vec<(u64, &'static str)>; 3],
    /// Ethnicity shares by province (two digits); `*` for every other province.
    pub ethnicity_shares: Vec<(&'static str, Vec<(u64, &'static str)>)>,
}

/// The region code of the school (南京市栖霞区).
const SCHOOL_REGION_CODE: &str = "320113";

/// The tables, read on first use.
pub(super) fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    // The shipped files are checked by a unit test; a failure here is a build defect.
    DATA.get_or_init(|| load().expect("shipped cohort tables parse"))
}

/// The data rows of a TSV file (no comments, no blank lines), each split into exactly `n`
/// columns, with the file's name for errors.
fn rows(
    name: &'static str,
    text: &'static str,
    n: usize,
) -> impl Iterator<Item = Result<Vec<&'static str>, String>> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(move |(i, line)| {
            let cols: Vec<&'static str> = line.split('\t').collect();
            if cols.len() == n {
                Ok(cols)
            } else {
                Err(format!("{name} line {}: expected {n} columns", i + 1))
            }
        })
}

/// A number column.
fn number(name: &str, s: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("{name}: {s:?} is not a number"))
}

/// Reads every table.
fn load() -> Result<Data, String> {
    let regions = load_regions()?;
    let jiangsu_end = regions
        .iter()
        .take_while(|r| r.code.starts_with("32"))
        .count();
    let index = |code: &str| -> Result<usize, String> {
        regions
            .iter()
            .position(|r| r.code == code)
            .ok_or_else(|| format!("region {code} is not in regions.tsv"))
    };
    let school_region = index(SCHOOL_REGION_CODE)?;
    let mut employer_regions = Vec::new();
    for row in rows(
        "employer_regions.tsv",
        include_str!("../../data/cohort/employer_regions.tsv"),
        2,
    ) {
        let row = row?;
        employer_regions.push((number("employer_regions.tsv", row[0])?, index(row[1])?));
    }
    let (study_schools, abroad) = load_schools(&index)?;
    let mut words = load_words()?;
    let mut list = |name: &str| {
        words
            .remove(name)
            .ok_or_else(|| format!("words.tsv has no list {name}"))
    };
    Ok(Data {
        surnames: list("surname")?,
        male_chars: list("male")?,
        female_chars: list("female")?,
        rare_chars: list("rare")?,
        uyghur_given_male: list("uyghur_given_male")?,
        uyghur_given_female: list("uyghur_given_female")?,
        uyghur_father: list("uyghur_father")?,
        brands: list("brand")?,
        roads: list("road")?,
        colleges: load_colleges()?,
        employer_kinds: load_employer_kinds()?,
        employer_regions,
        study_schools,
        abroad,
        destination_shares: load_destination_shares()?,
        ethnicity_shares: load_ethnicity_shares()?,
        jiangsu_end,
        school_region,
        regions,
    })
}

/// `regions.tsv`.
fn load_regions() -> Result<Vec<Region>, String> {
    rows(
        "regions.tsv",
        include_str!("../../data/cohort/regions.tsv"),
        7,
    )
    .map(|row| {
        let r = row?;
        Ok(Region {
            code: r[0],
            province: r[1],
            city: r[2],
            district: r[3],
            postal: r[4],
            area: r[5],
            former: r[6]
                .split(' ')
                .filter(|c| !c.is_empty() && *c != "-")
                .collect(),
        })
    })
    .collect()
}

/// `words.tsv`: each list by name.
fn load_words() -> Result<HashMap<&'static str, Vec<&'static str>>, String> {
    rows("words.tsv", include_str!("../../data/cohort/words.tsv"), 2)
        .map(|row| {
            let r = row?;
            Ok((r[0], r[1].split(' ').filter(|w| !w.is_empty()).collect()))
        })
        .collect()
}

/// `colleges.tsv`, with the majors of `majors.tsv`.
fn load_colleges() -> Result<Vec<College>, String> {
    let mut colleges = Vec::new();
    for row in rows(
        "colleges.tsv",
        include_str!("../../data/cohort/colleges.tsv"),
        2,
    ) {
        let r = row?;
        colleges.push(College {
            name: r[0],
            weight: number("colleges.tsv", r[1])?,
            undergrad: Vec::new(),
            master: Vec::new(),
            doctor: Vec::new(),
        });
    }
    for row in rows(
        "majors.tsv",
        include_str!("../../data/cohort/majors.tsv"),
        4,
    ) {
        let r = row?;
        let college = colleges
            .iter_mut()
            .find(|c| c.name == r[0])
            .ok_or_else(|| format!("majors.tsv: college {} is not in colleges.tsv", r[0]))?;
        let majors = match r[1] {
            "undergrad" => &mut college.undergrad,
            "master" => &mut college.master,
            "doctor" => &mut college.doctor,
            other => return Err(format!("majors.tsv: unknown level {other}")),
        };
        majors.push((r[2], r[3]));
    }
    Ok(colleges)
}

/// `employers.tsv`.
fn load_employer_kinds() -> Result<Vec<EmployerKind>, String> {
    rows(
        "employers.tsv",
        include_str!("../../data/cohort/employers.tsv"),
        6,
    )
    .map(|row| {
        let r = row?;
        Ok(EmployerKind {
            weight: number("employers.tsv", r[0])?,
            pattern: r[1],
            credit_prefix: r[2],
            nature: r[3],
            industry: r[4],
            job: r[5].split(',').collect(),
        })
    })
    .collect()
}

/// Schools for further study (with their region index) and schools abroad by place.
type Schools = (
    Vec<(&'static str, usize)>,
    Vec<(&'static str, Vec<&'static str>)>,
);

/// `schools.tsv`, region codes turned into indexes by `index`.
fn load_schools(index: &dyn Fn(&str) -> Result<usize, String>) -> Result<Schools, String> {
    let mut study = Vec::new();
    let mut abroad: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for row in rows(
        "schools.tsv",
        include_str!("../../data/cohort/schools.tsv"),
        3,
    ) {
        let r = row?;
        match r[0] {
            "study" => study.push((r[2], index(r[1])?)),
            "abroad" => match abroad.iter_mut().find(|(place, _)| *place == r[1]) {
                Some((_, schools)) => schools.push(r[2]),
                None => abroad.push((r[1], vec![r[2]])),
            },
            other => return Err(format!("schools.tsv: unknown kind {other}")),
        }
    }
    Ok((study, abroad))
}

/// `destination_shares.tsv`, by level.
fn load_destination_shares() -> Result<[Vec<(u64, &'static str)>; 3], String> {
    let mut shares: [Vec<(u64, &'static str)>; 3] = Default::default();
    for row in rows(
        "destination_shares.tsv",
        include_str!("../../data/cohort/destination_shares.tsv"),
        3,
    ) {
        let r = row?;
        let level = match r[0] {
            "1" => 0,
            "2" => 1,
            "3" => 2,
            other => return Err(format!("destination_shares.tsv: unknown level {other}")),
        };
        shares[level].push((number("destination_shares.tsv", r[2])?, r[1]));
    }
    Ok(shares)
}

/// Ethnicity shares by province, in file order.
type EthnicityShares = Vec<(&'static str, Vec<(u64, &'static str)>)>;

/// `ethnicity_shares.tsv`, by province; the `*` rows are required.
fn load_ethnicity_shares() -> Result<EthnicityShares, String> {
    let mut shares: EthnicityShares = Vec::new();
    for row in rows(
        "ethnicity_shares.tsv",
        include_str!("../../data/cohort/ethnicity_shares.tsv"),
        3,
    ) {
        let r = row?;
        let share = (number("ethnicity_shares.tsv", r[2])?, r[1]);
        match shares.iter_mut().find(|(p, _)| *p == r[0]) {
            Some((_, s)) => s.push(share),
            None => shares.push((r[0], vec![share])),
        }
    }
    if !shares.iter().any(|(p, _)| *p == "*") {
        return Err("ethnicity_shares.tsv has no * rows".into());
    }
    Ok(shares)
}

impl Data {
    /// The index of the region with this code (0, the first region, when unknown).
    pub(super) fn region_index(&self, code: &str) -> usize {
        self.regions
            .iter()
            .position(|r| r.code == code)
            .unwrap_or(0)
    }

    /// The destination shares of a level digit (1, 2, or 3 and above).
    pub(super) fn destination_shares(&self, level_digit: u8) -> &[(u64, &'static str)] {
        match level_digit {
            1 => &self.destination_shares[0],
            2 => &self.destination_shares[1],
            _ => &self.destination_shares[2],
        }
    }

    /// The ethnicity shares of a province (two digits), or those of every other province.
    pub(super) fn ethnicity_shares(&self, province: &str) -> &[(u64, &'static str)] {
        let of = |p: &str| self.ethnicity_shares.iter().find(|(k, _)| *k == p);
        of(province)
            .or_else(|| of("*"))
            .map_or(&[], |(_, s)| s.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_tables_load() {
        let d = load().expect("cohort tables");
        assert_eq!(d.regions.len(), 43);
        assert_eq!(d.jiangsu_end, 22);
        assert_eq!(d.regions[d.jiangsu_end - 1].province, "江苏省");
        assert_ne!(d.regions[d.jiangsu_end].province, "江苏省");
        assert_eq!(d.regions[d.school_region].district, "栖霞区");
        assert!(d.regions[d.jiangsu_end..]
            .iter()
            .all(|r| !r.code.starts_with("32")));
        assert_eq!(d.colleges.len(), 10);
        assert!(d
            .colleges
            .iter()
            .all(|c| !c.undergrad.is_empty() && !c.master.is_empty()));
        assert!(d.colleges.iter().any(|c| !c.doctor.is_empty()));
        assert_eq!(d.employer_kinds.len(), 10);
        assert!(d.employer_kinds.iter().all(|k| !k.job.is_empty()));
        assert_eq!(d.employer_regions.len(), 17);
        assert_eq!(d.study_schools.len(), 9);
        assert_eq!(d.abroad.len(), 7);
        assert!(d.destination_shares.iter().all(|s| !s.is_empty()));
        for list in [
            &d.surnames,
            &d.male_chars,
            &d.female_chars,
            &d.rare_chars,
            &d.uyghur_given_male,
            &d.uyghur_given_female,
            &d.uyghur_father,
            &d.brands,
            &d.roads,
        ] {
            assert!(!list.is_empty());
        }
        assert_eq!(d.ethnicity_shares("65")[0], (600, "05"));
        assert_eq!(d.ethnicity_shares("32")[0], (960, "01"));
    }

    #[test]
    fn malformed_rows_are_refused() {
        let bad: Vec<_> = rows("x.tsv", "# c\n\na\tb\nonly\n", 2).collect();
        assert_eq!(bad.len(), 2);
        assert_eq!(bad[0], Ok(vec!["a", "b"]));
        assert_eq!(bad[1], Err("x.tsv line 4: expected 2 columns".into()));
        assert!(number("x.tsv", "1x").is_err());
    }
}
