//! Where the synthetic graduates go: the cohort's pool of employers, and each graduate's
//! destination with its archive transfer and hukou migration, drawn with the shares of
//! `core/data/cohort/destination_shares.tsv`.

use super::data::{data, EmployerKind, Region};
use super::{Cohort, SplitMix64};
use crate::records::{
    Abroad, ArchiveMethod, ArchiveTransfer, Destination, DestinationData, Employer, Enterprise,
    HukouMigration, HukouReason, Study,
};
use crate::validate::credit_check_character;

/// How many employers a cohort draws from.
pub(super) const EMPLOYER_POOL: usize = 400;

/// An employer of the cohort's pool.
#[derive(Debug, Clone)]
pub(super) struct PoolEmployer {
    /// The employer as reported.
    employer: Employer,
    /// Where it is, as an index into the regions.
    region: usize,
    /// The job categories it hires for.
    job: &'static [&'static str],
}

/// Where the archive goes: receiving unit, address, region index.
type ArchiveTo = (String, String, usize);

/// A city's name without 市.
fn city_short(city: &str) -> &str {
    city.strip_suffix('市').unwrap_or(city)
}

/// Province, city and district, the city once for a municipality.
fn place(region: &Region) -> String {
    if region.province == region.city {
        format!("{}{}", region.city, region.district)
    } else {
        format!("{}{}{}", region.province, region.city, region.district)
    }
}

/// A street address in a region.
pub(super) fn street(rng: &mut SplitMix64, region: &Region) -> String {
    format!(
        "{}{}{} 号",
        place(region),
        rng.pick(&data().roads),
        1 + rng.below(300)
    )
}

/// A landline number in a region.
fn landline(rng: &mut SplitMix64, region: &Region) -> String {
    format!("{}-{}{}", region.area, 5 + rng.below(4), rng.digits(7))
}

/// A valid unified social credit code with this prefix and region.
fn credit_code(rng: &mut SplitMix64, prefix: &str, region: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let org: String = (0..9).map(|_| char::from(*rng.pick(ALPHABET))).collect();
    let first17 = format!("{prefix}{region}{org}");
    let check = credit_check_character(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// An employer of a random kind in a random employer region.
pub(super) fn pool_employer(rng: &mut SplitMix64) -> PoolEmployer {
    let data = data();
    let kinds: Vec<(u64, &EmployerKind)> =
        data.employer_kinds.iter().map(|k| (k.weight, k)).collect();
    let kind = *rng.weighted(&kinds);
    let ri = *rng.weighted(&data.employer_regions);
    let region = &data.regions[ri];
    let brand = rng.word(&data.brands);
    let name = kind
        .pattern
        .replace("{c}", city_short(region.city))
        .replace("{d}", region.district)
        .replace("{b}", brand);
    PoolEmployer {
        employer: Employer {
            name,
            credit_code: credit_code(rng, kind.credit_prefix, region.code),
            nature: kind.nature.into(),
            industry: kind.industry.into(),
            region: region.code.into(),
            address: street(rng, region),
        },
        region: ri,
        job: &kind.job,
    }
}

/// A signing date in the first half of the graduation year.
fn signing_date(rng: &mut SplitMix64, year: i32) -> Option<String> {
    Some(format!(
        "{year}-{:02}-{:02}",
        1 + rng.below(6),
        1 + rng.below(28)
    ))
}

impl Cohort {
    /// The destination data of a graduate of this level and major, from region `origin`.
    pub(super) fn destination(
        &mut self,
        level_digit: u8,
        major: &str,
        origin: usize,
    ) -> DestinationData {
        let data = data();
        let code = *self.rng.weighted(data.destination_shares(level_digit));
        let mut d = Destination {
            code: code.into(),
            ..Destination::default()
        };
        let (archive_to, hukou_reason) = self.placement(&mut d, level_digit, major);
        let rng = &mut self.rng;
        let (unit, address, ri) = archive_to.unwrap_or_else(|| {
            let region = &data.regions[origin];
            (
                format!("{}人才服务中心", region.city),
                street(rng, region),
                origin,
            )
        });
        let region = &data.regions[ri];
        let archive = rng.chance(920).then(|| ArchiveTransfer {
            receiving_unit: unit,
            address,
            postal_code: region.postal.into(),
            contact: format!("{}老师", rng.pick(&data.surnames)),
            phone: landline(rng, region),
            method: *rng.weighted(&[
                (80, ArchiveMethod::ConfidentialMail),
                (15, ArchiveMethod::Ems),
                (5, ArchiveMethod::CollectedByUnit),
            ]),
            transfer_number: None,
            tracking_number: None,
        });
        let placed_somewhere = !matches!(code, "70" | "71" | "72" | "85" | "46" | "76" | "75");
        let hukou = rng
            .chance(850)
            .then(|| hukou(rng, region, placed_somewhere, hukou_reason));
        DestinationData {
            destination: d,
            archive,
            hukou,
        }
    }

    /// Fills the parts of `d` its code needs (employer, sub-code, school) and says where the
    /// archive goes when the destination decides it (else to the origin's talent centre) and
    /// why the hukou would move.
    fn placement(
        &mut self,
        d: &mut Destination,
        level_digit: u8,
        major: &str,
    ) -> (Option<ArchiveTo>, HukouReason) {
        let data = data();
        let year = self.spec.graduation_year;
        let rng = &mut self.rng;
        match d.code.as_str() {
            "10" | "11" | "12" | "51" => (Some(self.employed(d)), HukouReason::Graduation),
            "27" => {
                let region = &data.regions[data.school_region];
                d.employer = Some(Employer {
                    name: self.spec.school_name.clone(),
                    credit_code: credit_code(rng, "12", region.code),
                    nature: "21".into(),
                    industry: "82".into(),
                    region: region.code.into(),
                    address: street(rng, region),
                });
                d.job_category = Some("11".into());
                d.signing_date = signing_date(rng, year);
                (None, HukouReason::Graduation)
            }
            "50" => {
                d.sub_code = rng
                    .weighted(&[
                        (40, Some("502")),
                        (40, Some("503")),
                        (10, Some("501")),
                        (10, None),
                    ])
                    .map(String::from);
                (None, HukouReason::Graduation)
            }
            "80" => {
                let &(school, si) = rng.pick(&data.study_schools);
                d.sub_code = Some(if level_digit == 1 && rng.chance(100) {
                    "802".into()
                } else {
                    "801".into()
                });
                d.further_study = Some(Study {
                    school: school.into(),
                    major: major.into(),
                });
                let to = (
                    format!("{school}研究生院"),
                    street(rng, &data.regions[si]),
                    si,
                );
                (Some(to), HukouReason::FurtherStudy)
            }
            "75" => {
                // The second generator, so that the first draws what it always drew.
                let r = &mut self.extra;
                let region = &data.regions[data.school_region];
                let (role, prefix, kind) = *r.pick(&[
                    ("1", "91", "科技有限公司"),
                    ("1", "91", "文化传媒有限公司"),
                    ("2", "91", "信息技术有限公司"),
                    ("3", "91", "咨询服务中心（有限合伙）"),
                    ("4", "92", "工作室"),
                ]);
                d.enterprise = Some(Enterprise {
                    name: format!(
                        "{}{}{kind}",
                        region.city.trim_end_matches('市'),
                        rng_word(r)
                    ),
                    credit_code: credit_code(r, prefix, region.code),
                    founding_date: format!(
                        "{}-{:02}-{:02}",
                        year - 1 + r.below(2) as i32,
                        1 + r.below(12),
                        1 + r.below(28)
                    ),
                    role: role.into(),
                    region: region.code.into(),
                });
                (None, HukouReason::Graduation)
            }
            "85" => {
                let (country, schools) = rng.pick(&data.abroad);
                d.abroad = Some(Abroad {
                    country_region: (*country).into(),
                    school: (*rng.pick(schools)).into(),
                    major: major.into(),
                });
                (None, HukouReason::Graduation)
            }
            _ => (None, HukouReason::Graduation),
        }
    }

    /// An employer from the pool (a government body for 51, 选调生 and local projects), with
    /// job category and signing date; the archive goes to a state employer itself, else to the
    /// talent centre of the employer's city.
    fn employed(&mut self, d: &mut Destination) -> ArchiveTo {
        let data = data();
        let year = self.spec.graduation_year;
        let rng = &mut self.rng;
        let code = d.code.as_str();
        let e = if code == "51" {
            // 选调生 and local projects go to government bodies.
            self.employers
                .iter()
                .find(|e| e.employer.nature == "10")
                .cloned()
                .unwrap_or_else(|| self.employers[0].clone())
        } else {
            let i = rng.below(self.employers.len() as u64) as usize;
            self.employers[i].clone()
        };
        if code == "51" {
            d.sub_code = rng
                .weighted(&[(70, Some("512")), (10, Some("511")), (20, None)])
                .map(String::from);
        }
        d.job_category = Some((*rng.pick(e.job)).into());
        d.signing_date = signing_date(rng, year);
        let region = &data.regions[e.region];
        let state = matches!(e.employer.nature.as_str(), "10" | "20" | "22" | "31");
        let to = if state {
            (
                e.employer.name.clone(),
                e.employer.address.clone(),
                e.region,
            )
        } else {
            (
                format!("{}人才服务中心", region.city),
                street(rng, region),
                e.region,
            )
        };
        d.employer = Some(e.employer);
        to
    }
}

/// Hukou data: a migration to the archive's region for most graduates placed somewhere, else
/// no migration.
fn hukou(
    rng: &mut SplitMix64,
    region: &Region,
    placed_somewhere: bool,
    reason: HukouReason,
) -> HukouMigration {
    if placed_somewhere && rng.chance(550) {
        HukouMigration {
            migrate: true,
            reason: Some(reason),
            address: format!("{}集体户", street(rng, region)),
            police_station: format!(
                "{}公安局{}分局{}派出所",
                region.city,
                region
                    .district
                    .trim_end_matches(['区', '市'])
                    .trim_end_matches("新"),
                rng.pick(&data().roads).trim_end_matches('路'),
            ),
            region: region.code.into(),
        }
    } else {
        HukouMigration::default()
    }
}

/// Two characters for a made-up enterprise name (字号).
fn rng_word(r: &mut SplitMix64) -> String {
    const WORDS: [&str; 12] = [
        "启明", "青禾", "云帆", "知行", "拾光", "远山", "清源", "星河", "木舟", "晨曦", "北辰",
        "繁星",
    ];
    (*r.pick(&WORDS)).to_string()
}
