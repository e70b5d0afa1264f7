//! A deterministic synthetic cohort (毕业生群体) for examples, tests and benchmarks.
//!
//! [`generate`] yields graduates of one school: basic information with valid ID numbers (real
//! GB/T 2260 region codes of several provinces — the county's code in the birth year, which may
//! have been retired since — plausible birth dates, the gender digit matching),
//! unique student and ID numbers, plausible names (a few with rare characters such as 堃 镕 喆 昇),
//! colleges with real major codes, CHSI accounts, and destinations drawn with realistic shares from
//! the code tables — employers with valid unified social credit codes, further study, study abroad,
//! grassroots projects and not-yet-placed graduates — with archive and hukou data for most. Every
//! record passes [`crate::Validate`] with the built-in tables, with no notice either (origin,
//! employer and hukou regions are codes in use now). Everything is synthetic.
//!
//! The same [`CohortSpec`] gives the same cohort: randomness comes from a small seeded
//! [`SplitMix64`] generator, never from the operating system.
//!
//! # Map
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | [`CohortSpec`], [`Graduate`], [`SplitMix64`], [`generate`] and the graduates' identity and studies, [`roster_csv`] |
//! | `destination.rs` | the employer pool and each graduate's destination, archive and hukou data |
//! | `data.rs` | reading the tables of `core/data/cohort/` (regions, names, colleges and majors, employers, schools, shares) |

mod data;
mod destination;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::records::{BasicInfo, ChsiAccount, DestinationData};
pub use crate::roster::HeaderStyle;
use crate::roster::{field_ref, HeaderAliases, FIELDS};
use crate::validate::id_check_character;
use data::data;

/// What cohort to generate.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortSpec {
    /// Seed of the random generator: the same seed gives the same cohort.
    pub seed: u64,
    /// Number of graduates.
    pub size: usize,
    /// 院校代码 (5 digits).
    pub school_code: String,
    /// 院校名称.
    pub school_name: String,
    /// Graduation year.
    pub graduation_year: i32,
}

impl Default for CohortSpec {
    fn default() -> Self {
        CohortSpec {
            seed: 1,
            size: 1000,
            school_code: "10327".into(),
            school_name: "南京财经大学".into(),
            graduation_year: 2026,
        }
    }
}

/// One synthetic graduate: basic information, CHSI account and reported destination.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graduate {
    /// Basic information (生源信息) as the school uploads it.
    pub basic: BasicInfo,
    /// The graduate's CHSI account (same name and ID number; the student record bound for most).
    pub chsi: ChsiAccount,
    /// Destination, archive and hukou data as the provincial platform reports it.
    pub destination: DestinationData,
}

/// SplitMix64: a small, fast, seeded pseudo-random generator (not for secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `per_mille` / 1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// An element of a non-empty slice.
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    /// A word of a non-empty list.
    fn word(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len() as u64) as usize]
    }

    /// An element of a non-empty slice of (weight, element), with probability weight / total.
    fn weighted<'a, T>(&mut self, xs: &'a [(u64, T)]) -> &'a T {
        let total: u64 = xs.iter().map(|(w, _)| w).sum();
        let mut r = self.below(total);
        for (w, x) in xs {
            if r < *w {
                return x;
            }
            r -= w;
        }
        &xs[xs.len() - 1].1
    }

    /// `n` random decimal digits.
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// The synthetic cohort: an iterator of [`Graduate`]s (see [`generate`]).
#[derive(Debug, Clone)]
pub struct Cohort {
    spec: CohortSpec,
    rng: SplitMix64,
    done: usize,
    employers: Vec<destination::PoolEmployer>,
    /// (region, birth year, day of year, male) → ID sequence numbers used.
    id_seq: HashMap<(usize, i32, u32, bool), u16>,
    /// (enrolment year, level, college) → student numbers used.
    student_seq: HashMap<(i32, u8, usize), u32>,
    /// A second generator for the fields added after the first (证件类型, 困难生类别, 师范生类别,
    /// 城乡生源, 定向/委培单位, 班级, 自主创业 enterprise), so that every value the first one draws
    /// stays what it was.
    extra: SplitMix64,
    /// Residence-permit numbers given out, so that no two graduates share one.
    permits: std::collections::HashSet<String>,
}

/// Generates the cohort of `spec`, lazily; the same spec gives the same graduates.
pub fn generate(spec: &CohortSpec) -> Cohort {
    let mut rng = SplitMix64::new(spec.seed ^ 0x6772_6164_7265_6721);
    // A fixed pool, so that a smaller cohort is a prefix of a larger one with the same seed.
    let employers = (0..destination::EMPLOYER_POOL)
        .map(|_| destination::pool_employer(&mut rng))
        .collect();
    Cohort {
        spec: spec.clone(),
        rng,
        done: 0,
        employers,
        id_seq: HashMap::new(),
        student_seq: HashMap::new(),
        extra: SplitMix64::new(spec.seed ^ 0x7265_636f_7264_7321),
        permits: std::collections::HashSet::new(),
    }
}

impl Iterator for Cohort {
    type Item = Graduate;

    fn next(&mut self) -> Option<Graduate> {
        if self.done >= self.spec.size {
            return None;
        }
        self.done += 1;
        Some(self.graduate())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.spec.size - self.done;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Cohort {}

/// Education level code, level digit of the student number, schooling length, birth-year offset.
type Level = (&'static str, u8, i32, i32);

/// Levels with their weights.
const LEVELS: &[(u64, Level)] = &[
    (860, ("31", 1, 4, 22)),
    (10, ("32", 1, 4, 22)),
    (120, ("11", 2, 3, 25)),
    (10, ("01", 3, 4, 29)),
];

impl Cohort {
    /// The next graduate: level, college and major, origin and identity, contact details, the
    /// CHSI account and the destination.
    fn graduate(&mut self) -> Graduate {
        let data = data();
        let year = self.spec.graduation_year;
        let rng = &mut self.rng;
        let &(level, level_digit, mut length, age) = rng.weighted(LEVELS);
        // College and major for the level.
        let colleges: Vec<(u64, usize)> = data
            .colleges
            .iter()
            .enumerate()
            .filter(|(_, c)| match level {
                "01" => !c.doctor.is_empty(),
                _ => true,
            })
            .map(|(i, c)| (c.weight, i))
            .collect();
        let ci = *rng.weighted(&colleges);
        let college = &data.colleges[ci];
        let majors = match level {
            "01" => &college.doctor,
            "11" => &college.master,
            _ => &college.undergrad,
        };
        let &(major_code, major_name) = rng.pick(majors);
        if level == "11" && major_code.as_bytes().get(2) == Some(&b'5') {
            length = 2; // professional master's degree
        }
        let enrol_year = year - length;

        // Origin and identity.
        let ri = if rng.chance(700) {
            rng.below(data.jiangsu_end as u64) as usize
        } else {
            data.jiangsu_end + rng.below((data.regions.len() - data.jiangsu_end) as u64) as usize
        };
        let region = &data.regions[ri];
        let male = !rng.chance(580);
        let ethnicity = ethnicity(rng, region.code);
        let name = person_name(rng, male, ethnicity == "05");
        let id_number = self.id_number(ri, year - age, male);
        let rng = &mut self.rng;
        let student_number = {
            let seq = self
                .student_seq
                .entry((enrol_year, level_digit, ci))
                .or_insert(0);
            *seq += 1;
            format!("{enrol_year}{level_digit}{:02}{:04}", ci + 1, *seq)
        };
        let exam_number = if level_digit == 1 {
            format!("{:02}{}{}", enrol_year % 100, region.code, rng.digits(6))
        } else {
            String::new()
        };
        let political = if level_digit == 1 {
            rng.weighted(&[(720, "03"), (80, "01"), (60, "02"), (140, "13")])
        } else {
            rng.weighted(&[(450, "01"), (50, "02"), (300, "03"), (200, "13")])
        };
        let training = if (level == "01" && rng.chance(300)) || (level == "11" && rng.chance(50)) {
            "2"
        } else {
            "1"
        };
        let phone = format!("1{}{}", rng.pick(&["3", "5", "7", "8", "9"]), rng.digits(9));
        let email = if rng.chance(700) {
            format!("{student_number}@stu.example.edu.cn")
        } else {
            {
                let n = 6 + rng.below(5) as usize;
                format!("{}@example.com", rng.digits(n))
            }
        };
        let origin = if rng.chance(900) {
            region.code
        } else {
            rng.pick(&data.regions).code
        };
        let (id_type, id_number) = self.document(id_number);
        let extra = self.extra_fields(training, major_name, enrol_year, region.city);
        let rng = &mut self.rng;
        let basic = BasicInfo {
            name: name.clone(),
            gender: if male { "1" } else { "2" }.into(),
            id_number: id_number.clone(),
            id_type: id_type.clone(),
            hardship_category: extra.hardship_category,
            teacher_training: extra.teacher_training,
            urban_rural: extra.urban_rural,
            sponsor_unit: extra.sponsor_unit,
            class_name: extra.class_name,
            exam_number,
            student_number,
            school_code: self.spec.school_code.clone(),
            school_name: self.spec.school_name.clone(),
            college: college.name.into(),
            major_code: major_code.into(),
            major_name: major_name.into(),
            education_level: level.into(),
            training_mode: training.into(),
            schooling_length: length.to_string(),
            enrolment_date: format!("{enrol_year}-09-{:02}", 1 + rng.below(10)),
            graduation_date: format!("{year}-06-{}", rng.pick(&[20, 25, 28, 30])),
            origin_region: origin.into(),
            ethnicity: ethnicity.into(),
            political_status: (*political).into(),
            phone: phone.clone(),
            email: email.clone(),
            #[cfg(feature = "field-probe")]
            probe_note: None,
        };
        let chsi = ChsiAccount {
            name,
            id_number,
            id_type,
            student_record_bound: !rng.chance(20),
            phone,
            email,
        };
        let destination = self.destination(level_digit, major_name, data.region_index(origin));
        Graduate {
            basic,
            chsi,
            destination,
        }
    }

    /// A valid, unique ID number: the region's code in the birth year (its code then, which
    /// may have been retired since), a birth date around `birth_year`, an order code whose
    /// parity is the gender, and the check character.
    fn id_number(&mut self, ri: usize, birth_year: i32, male: bool) -> String {
        let regions = &data().regions;
        loop {
            let jitter = self.rng.below(3) as i32 - 1;
            let y = birth_year + jitter;
            let ordinal = 1 + self.rng.below(365) as u32;
            let Some(date) = chrono::NaiveDate::from_yo_opt(y, ordinal) else {
                continue;
            };
            // The region's code that year; in a year none of its codes covers (before the
            // list's first revisions), the next region's that does. Every code of the cohort's
            // list is distinct, so the region index and the year determine the prefix.
            let (ri, code) = (0..regions.len())
                .map(|k| (ri + k) % regions.len())
                .find_map(|i| regions[i].code_in(y).map(|c| (i, c)))
                .unwrap_or((ri, regions[ri].code));
            let key = (ri, y, ordinal, male);
            let used = self.id_seq.entry(key).or_insert(0);
            if *used >= 499 {
                continue;
            }
            // Spread the order codes: start at an offset that depends on the key.
            let offset = (ri as u32 * 131 + ordinal * 17 + y as u32) % 499;
            let c = (u32::from(*used) + offset) % 499;
            *used += 1;
            let order = if male { 2 * c + 1 } else { 2 * c + 2 };
            let (m, d) = (chrono::Datelike::month(&date), chrono::Datelike::day(&date));
            let first17 = format!("{code}{y:04}{m:02}{d:02}{order:03}");
            let check = id_check_character(&first17).unwrap_or('0');
            return format!("{first17}{check}");
        }
    }
}

/// An ethnicity code, drawn with the shares of the province the graduate comes from.
fn ethnicity(rng: &mut SplitMix64, region: &str) -> &'static str {
    let code: &&'static str = rng.weighted(data().ethnicity_shares(&region[..2]));
    code
}

/// A plausible name: a surname and one or two given-name characters (a few rare), or a Uyghur
/// name written given·father.
fn person_name(rng: &mut SplitMix64, male: bool, uyghur: bool) -> String {
    let data = data();
    if uyghur {
        let given = rng.pick(if male {
            &data.uyghur_given_male
        } else {
            &data.uyghur_given_female
        });
        return format!("{given}·{}", rng.pick(&data.uyghur_father));
    }
    let chars = if male {
        &data.male_chars
    } else {
        &data.female_chars
    };
    let mut name = String::from(*rng.pick(&data.surnames));
    let two = rng.chance(700);
    let rare_at = if rng.chance(30) {
        Some(rng.below(if two { 2 } else { 1 }))
    } else {
        None
    };
    for i in 0..if two { 2 } else { 1 } {
        if rare_at == Some(i) {
            let c = rng.word(&data.rare_chars);
            name.push_str(c);
        } else {
            let c = rng.word(chars);
            name.push_str(c);
        }
    }
    name
}

/// The 生源 fields drawn by the second generator.
struct ExtraFields {
    hardship_category: String,
    teacher_training: String,
    urban_rural: String,
    sponsor_unit: String,
    class_name: String,
}

impl Cohort {
    /// The document of a graduate whose ID number would be `id_number`: for about one in a
    /// hundred, a residence permit of a Hong Kong, Macao or Taiwan resident (the same birth date,
    /// sequence and gender digit under 810000, 820000 or 830000); else the ID card (empty type).
    fn document(&mut self, id_number: String) -> (String, String) {
        if !self.extra.chance(10) {
            return (String::new(), id_number);
        }
        let &(region, id_type) =
            self.extra
                .pick(&[("810000", "2"), ("820000", "2"), ("830000", "3")]);
        let first17 = format!("{region}{}", &id_number[6..17]);
        let Some(check) = crate::validate::id_check_character(&first17) else {
            return (String::new(), id_number);
        };
        let permit = format!("{first17}{check}");
        if self.permits.insert(permit.clone()) {
            (id_type.to_string(), permit)
        } else {
            (String::new(), id_number)
        }
    }

    /// 困难生类别, 师范生类别, 城乡生源 (each left empty by some schools), the sponsor of a 定向
    /// student and the class.
    fn extra_fields(
        &mut self,
        training: &str,
        major_name: &str,
        enrol_year: i32,
        city: &str,
    ) -> ExtraFields {
        let r = &mut self.extra;
        let filled = r.chance(800);
        let pick = |r: &mut SplitMix64, w: &[(u64, &'static str)]| {
            if filled {
                (*r.weighted(w)).to_string()
            } else {
                String::new()
            }
        };
        let hardship_category = pick(
            r,
            &[
                (850, "0"),
                (60, "2"),
                (40, "1"),
                (20, "3"),
                (10, "4"),
                (10, "6"),
                (5, "5"),
                (5, "7"),
            ],
        );
        let teacher_training = pick(r, &[(920, "2"), (60, "1"), (20, "12")]);
        let urban_rural = pick(r, &[(620, "1"), (380, "2")]);
        let sponsor_unit = if training == "2" {
            format!("{city}人民政府")
        } else {
            String::new()
        };
        let short: String = major_name.chars().take(2).collect();
        let class_name = format!("{short}{:02}{}班", enrol_year % 100, 1 + r.below(4));
        ExtraFields {
            hardship_category,
            teacher_training,
            urban_rural,
            sponsor_unit,
            class_name,
        }
    }
}

/// Writes the basic information of `graduates` as a UTF-8 CSV roster (no byte-order mark, CRLF
/// line ends) with a column for every roster field ([`FIELDS`]), headed in `headers` style. [`crate::roster::parse_roster`]
/// reads it back to exactly the same records.
pub fn roster_csv(graduates: &[Graduate], headers: HeaderStyle) -> String {
    let aliases = HeaderAliases::builtin();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(graduates.len() * 256 + 512));
    // Writing to a Vec cannot fail.
    let _ = w.write_record(
        FIELDS
            .iter()
            .map(|f| aliases.header(f, headers).unwrap_or(f)),
    );
    for g in graduates {
        let _ = w.write_record((0..FIELDS.len()).map(|i| field_ref(&g.basic, i)));
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_stable() {
        // First outputs of SplitMix64 seeded with 0 (the reference sequence).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut r = SplitMix64::new(7);
        assert!((0..1000).all(|_| r.below(10) < 10));
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn regions_are_in_use_and_cover_the_birth_years() {
        let t = crate::tables::CodeTables::builtin();
        let mut seen = std::collections::HashSet::new();
        for r in &data().regions {
            // Origins, employers and schools are drawn from `code`: in use now.
            assert!(t.region_known(r.code), "{}", r.code);
            assert!(!t.region_retired(r.code), "{} is retired", r.code);
            assert_eq!(r.postal.len(), 6);
            for c in std::iter::once(&r.code).chain(&r.former) {
                assert!(t.region_known(c), "{c}");
                // Distinct, so that region and birth year fix an ID number's prefix.
                assert!(seen.insert(*c), "{c} twice");
            }
            // Every region has a code for the birth years of graduates from 2012 to 2052 on
            // its own (other years borrow another region's code).
            for y in 1990..=2030 {
                let c = r.code_in(y).unwrap_or_else(|| panic!("{} in {y}", r.code));
                assert!(t.region_existed_in(c, y));
            }
        }
        // Before 江宁区 (2000) its ID numbers start with 江宁县.
        let jiangning = &data().regions[data().region_index("320115")];
        assert_eq!(jiangning.code_in(1999), Some("320121"));
        assert_eq!(jiangning.code_in(2000), Some("320115"));
    }

    #[test]
    fn a_large_cohort_has_no_problem_and_no_notice() {
        use crate::validate::Validate;
        let t = crate::tables::CodeTables::builtin();
        let spec = CohortSpec {
            seed: 5,
            size: 20_000,
            ..CohortSpec::default()
        };
        let mut former = 0;
        for (i, g) in generate(&spec).enumerate() {
            assert_eq!(g.basic.problems(t), vec![], "basic #{i}: {:?}", g.basic);
            assert_eq!(g.basic.notices(t), vec![], "basic #{i}: {:?}", g.basic);
            assert_eq!(g.chsi.problems(t), vec![], "chsi #{i}");
            assert_eq!(g.chsi.notices(t), vec![], "chsi #{i}");
            assert_eq!(g.destination.problems(t), vec![], "destination #{i}");
            assert_eq!(g.destination.notices(t), vec![], "destination #{i}");
            former += usize::from(!t.region_existed_in(&g.basic.id_number[..6], 2026));
        }
        // Some graduates were born before their county got today's code.
        assert!(former > 100, "{former} ID numbers with a former code");
        // Years the list does not cover for a region borrow another region's code.
        let old = CohortSpec {
            graduation_year: 2005,
            size: 2000,
            ..spec
        };
        for g in generate(&old) {
            assert_eq!(g.basic.problems(t), vec![], "{:?}", g.basic);
            assert_eq!(g.basic.notices(t), vec![], "{:?}", g.basic);
        }
    }
}
