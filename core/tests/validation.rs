//! Validation of records (`gradreg::validate`): every problem at once, each with field, code and
//! messages.

use gradreg::validate::{check_id_number, check_id_number_notices, id_check_character};
use gradreg::validate::{Notice, NoticeCode};
use gradreg::{sample, CodeTables, Error, Problem, ProblemCode, Table, Validate};
use proptest::prelude::*;

fn codes(problems: &[Problem]) -> Vec<(String, ProblemCode)> {
    problems.iter().map(|p| (p.field.clone(), p.code)).collect()
}

fn has(problems: &[Problem], field: &str, code: ProblemCode) -> bool {
    problems.iter().any(|p| p.field == field && p.code == code)
}

fn t() -> &'static CodeTables {
    CodeTables::builtin()
}

fn notes(notices: &[Notice]) -> Vec<(String, NoticeCode)> {
    notices.iter().map(|n| (n.field.clone(), n.code)).collect()
}

/// A valid ID number of this region and birth date (`YYYYMMDD`), male.
fn id(region: &str, birth: &str) -> String {
    sample::id_number(region, birth, 12, true).unwrap()
}

#[test]
fn every_problem_is_reported_at_once_with_messages() {
    let mut b = sample::basic_info();
    b.name = String::new();
    b.id_number = "3.20102E+17".into();
    b.education_level = "31.0".into();
    b.ethnicity = "1".into();
    b.origin_region = "3201".into();
    b.phone = "1381234567".into();
    b.email = "not-an-email".into();
    b.graduation_date = "2026-02-30".into();
    b.schooling_length = "4.25".into();
    let problems = b.problems(t());
    assert_eq!(
        codes(&problems),
        vec![
            ("name".into(), ProblemCode::Required),
            ("id_number".into(), ProblemCode::ScientificNotation),
            ("education_level".into(), ProblemCode::TrailingDecimal),
            ("schooling_length".into(), ProblemCode::OutOfRange),
            ("graduation_date".into(), ProblemCode::BadDate),
            ("origin_region".into(), ProblemCode::BadFormat),
            ("ethnicity".into(), ProblemCode::LostLeadingZero),
            ("phone".into(), ProblemCode::BadFormat),
            ("email".into(), ProblemCode::BadFormat),
        ]
    );
    for p in &problems {
        assert!(!p.message_zh.is_empty() && !p.message_en.is_empty());
    }
    let e = b.validate(t()).unwrap_err();
    assert_eq!(e.code(), 101);
    assert!(matches!(e, Error::InvalidRecord { problems } if problems.len() == 9));
}

#[test]
fn spreadsheet_damage_is_named_plainly() {
    let mut b = sample::basic_info();
    b.id_number = "3.20102E+17".into();
    b.phone = "13812345678.0".into();
    b.political_status = "3".into();
    let p = b.problems(t());
    let sci = p.iter().find(|p| p.field == "id_number").unwrap();
    assert_eq!(sci.code, ProblemCode::ScientificNotation);
    assert!(sci.message_zh.contains("科学计数法") && sci.message_zh.contains("文本格式"));
    assert!(sci.code.is_spreadsheet_damage());
    assert!(has(&p, "phone", ProblemCode::TrailingDecimal));
    let lz = p.iter().find(|p| p.field == "political_status").unwrap();
    assert_eq!(lz.code, ProblemCode::LostLeadingZero);
    assert!(lz.message_zh.contains("“03”"), "{}", lz.message_zh);
    let mut d = sample::destination_data();
    d.archive.as_mut().unwrap().postal_code = "10000".into();
    assert!(has(
        &d.problems(t()),
        "archive.postal_code",
        ProblemCode::LostLeadingZero
    ));
}

#[test]
fn id_number_rules() {
    let good = sample::basic_info().id_number;
    assert!(check_id_number(&good, Some("1"), t()).is_empty());
    // Lower-case x is the same check character.
    let x = "11010519491231002X";
    assert_eq!(id_check_character(&x[..17]), Some('X'));
    assert!(check_id_number(&x.to_lowercase(), None, t()).is_empty());
    // Wrong check character.
    let mut bad = good.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        codes(&check_id_number(&bad, None, t()))[0].1,
        ProblemCode::BadCheckCharacter
    );
    // 30 February is not a birth date (check character made right so only the date is wrong).
    let first17 = "32010220040230121";
    let id = format!("{first17}{}", id_check_character(first17).unwrap());
    assert_eq!(
        codes(&check_id_number(&id, None, t())),
        vec![("id_number".into(), ProblemCode::BadBirthDate)]
    );
    // Gender digit: 17th digit odd = male; a mismatch is reported on the gender.
    assert_eq!(
        codes(&check_id_number(&good, Some("2"), t())),
        vec![("gender".into(), ProblemCode::GenderMismatch)]
    );
    // Unknown province prefix 99.
    let first17 = "99010220040315121";
    let id = format!("{first17}{}", id_check_character(first17).unwrap());
    assert_eq!(
        codes(&check_id_number(&id, None, t())),
        vec![("id_number".into(), ProblemCode::UnknownProvince)]
    );
    for shape in ["", "1234", "32010220040315121Y", "3201022004031512１X"] {
        let p = check_id_number(shape, None, t());
        assert_eq!(p.len(), 1, "{shape:?}: {p:?}");
    }
}

#[test]
fn credit_code_rules() {
    let mut d = sample::destination_data();
    assert!(d.problems(t()).is_empty());
    let e = d.destination.employer.as_mut().unwrap();
    let good = e.credit_code.clone();
    // Change the check character.
    let mut bad = good[..17].to_string();
    bad.push(if good.ends_with('0') { '1' } else { '0' });
    e.credit_code = bad;
    assert!(has(
        &d.problems(t()),
        "destination.employer.credit_code",
        ProblemCode::BadCheckCharacter
    ));
    // Letters outside the GB 32100 alphabet (I, O, S, V, Z).
    d.destination.employer.as_mut().unwrap().credit_code = format!("{}O", &good[..17]);
    assert!(has(
        &d.problems(t()),
        "destination.employer.credit_code",
        ProblemCode::BadFormat
    ));
}

#[test]
fn codes_regions_contacts() {
    let mut b = sample::basic_info();
    b.education_level = "99".into();
    b.origin_region = "990101".into();
    b.gender = "3".into();
    b.exam_number = "2232010215012".into();
    b.school_code = "1032".into();
    let p = b.problems(t());
    assert!(has(&p, "education_level", ProblemCode::UnknownCode));
    assert!(has(&p, "origin_region", ProblemCode::UnknownRegion));
    assert!(has(&p, "gender", ProblemCode::UnknownCode));
    assert!(has(&p, "exam_number", ProblemCode::BadFormat));
    assert!(has(&p, "school_code", ProblemCode::BadFormat));
    // A deployment's full region table narrows region checks.
    let mut tables = t().clone();
    tables.set_regions(["320102".to_string(), "320106".to_string()]);
    let mut b = sample::basic_info();
    assert!(b.problems(&tables).is_empty());
    b.origin_region = "320199".into();
    assert!(has(
        &b.problems(&tables),
        "origin_region",
        ProblemCode::UnknownRegion
    ));
    // Landline allowed for archive contact, mobile required for the graduate.
    let mut d = sample::destination_data();
    d.archive.as_mut().unwrap().phone = "12345".into();
    assert!(has(
        &d.problems(t()),
        "archive.phone",
        ProblemCode::BadFormat
    ));
}

#[test]
fn destination_consistency() {
    let t = t();
    // Employment needs an employer.
    let mut d = sample::destination_data();
    d.destination.employer = None;
    assert!(has(
        &d.problems(t),
        "destination.employer",
        ProblemCode::Missing
    ));
    // Not placed must not name one.
    let mut d = sample::destination_data();
    d.destination.code = "70".into();
    assert!(has(
        &d.problems(t),
        "destination.employer",
        ProblemCode::NotAllowed
    ));
    // Sub-code must belong to its code.
    let mut d = sample::destination_data();
    d.destination.code = "50".into();
    d.destination.sub_code = Some("801".into());
    assert!(has(
        &d.problems(t),
        "destination.sub_code",
        ProblemCode::BadFormat
    ));
    d.destination.sub_code = Some("502".into());
    assert!(!has(
        &d.problems(t),
        "destination.sub_code",
        ProblemCode::BadFormat
    ));
    // A sub-code put in the code field is explained.
    let mut d = sample::destination_data();
    d.destination.code = "502".into();
    assert!(has(
        &d.problems(t),
        "destination.code",
        ProblemCode::BadFormat
    ));
    // Further study and abroad need their parts.
    let mut d = sample::destination_data();
    d.destination.code = "80".into();
    d.destination.employer = None;
    assert!(has(
        &d.problems(t),
        "destination.further_study",
        ProblemCode::Missing
    ));
    d.destination.code = "85".into();
    assert!(has(
        &d.problems(t),
        "destination.abroad",
        ProblemCode::Missing
    ));
    // Hukou migration needs where to.
    let mut d = sample::destination_data();
    let h = d.hukou.as_mut().unwrap();
    h.reason = None;
    h.police_station.clear();
    h.region = "3201".into();
    let p = d.problems(t);
    assert!(has(&p, "hukou.reason", ProblemCode::Required));
    assert!(has(&p, "hukou.police_station", ProblemCode::Required));
    assert!(has(&p, "hukou.region", ProblemCode::BadFormat));
    // Not migrating needs nothing more.
    let mut d = sample::destination_data();
    d.hukou = Some(gradreg::HukouMigration::default());
    assert!(d.problems(t).is_empty());
}

#[test]
fn absurd_values_are_problems_not_panics() {
    let mut b = sample::basic_info();
    b.name = "张".repeat(10_000);
    b.college = "\u{0}bad".into();
    b.major_name = "会计\u{85}学".into();
    b.school_name = "南京\u{7f}".into();
    b.schooling_length = "NaN".into();
    b.enrolment_date = "2027-09-01".into();
    let p = b.problems(t());
    assert!(has(&p, "name", ProblemCode::TooLong));
    assert!(has(&p, "college", ProblemCode::BadFormat));
    assert!(has(&p, "major_name", ProblemCode::BadFormat), "C1 control");
    assert!(has(&p, "school_name", ProblemCode::BadFormat), "DEL");
    assert!(has(&p, "schooling_length", ProblemCode::OutOfRange));
    assert!(
        has(&p, "graduation_date", ProblemCode::BadDate),
        "graduation before enrolment"
    );
}

#[test]
fn records_have_a_stable_json_form() {
    let b = sample::basic_info();
    let json = serde_json::to_value(&b).unwrap();
    assert_eq!(json["id_number"], b.id_number);
    assert_eq!(json["education_level"], "31");
    let d = sample::destination_data();
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["archive"]["method"], "confidential_mail");
    assert_eq!(json["hukou"]["reason"], "graduation");
    assert!(json["destination"].get("sub_code").is_none());
    // Unknown fields are refused rather than silently dropped; archives are never self-carried.
    let e =
        serde_json::from_str::<gradreg::BasicInfo>(r#"{"name":"x","nickname":"y"}"#).unwrap_err();
    assert!(e.to_string().contains("nickname"));
    let mut v = serde_json::to_value(&d).unwrap();
    v["archive"]["method"] = "carried_by_graduate".into();
    assert!(serde_json::from_value::<gradreg::DestinationData>(v).is_err());
}

#[test]
fn region_fields_take_the_full_list_and_name_retired_codes() {
    let mut b = sample::basic_info();
    assert_eq!(notes(&b.notices(t())), vec![]);
    // A province that exists, a county that never did.
    b.origin_region = "329999".into();
    assert_eq!(
        codes(&b.problems(t())),
        vec![("origin_region".into(), ProblemCode::UnknownRegion)]
    );
    assert_eq!(notes(&b.notices(t())), vec![]);
    // Province- and prefecture-level codes are codes of the list.
    for code in ["320000", "320100"] {
        b.origin_region = code.into();
        assert!(b.problems(t()).is_empty(), "{code}");
        assert!(b.notices(t()).is_empty(), "{code}");
    }
    // 崇文区 (until 2010): valid, with a notice.
    b.origin_region = "110103".into();
    assert!(b.problems(t()).is_empty());
    let n = b.notices(t());
    assert_eq!(
        notes(&n),
        vec![("origin_region".into(), NoticeCode::RegionRetired)]
    );
    assert_eq!(
        (n[0].before.as_str(), n[0].after.as_str()),
        ("110103", "110103")
    );
    assert!(n[0].message_zh.contains("崇文区") && n[0].message_zh.contains("2010"));
    assert!(n[0].message_en.contains("no longer in use"));
    // The same in destination data: the employer's and the hukou's region.
    let mut d = sample::destination_data();
    assert!(d.notices(t()).is_empty());
    d.destination.employer.as_mut().unwrap().region = "110103".into();
    d.hukou.as_mut().unwrap().migrate = true;
    d.hukou.as_mut().unwrap().region = "110104".into();
    assert!(d.problems(t()).is_empty(), "{:?}", d.problems(t()));
    assert_eq!(
        notes(&d.notices(t())),
        vec![
            (
                "destination.employer.region".into(),
                NoticeCode::RegionRetired
            ),
            ("hukou.region".into(), NoticeCode::RegionRetired),
        ]
    );
    d.destination.employer.as_mut().unwrap().region = "329999".into();
    assert!(has(
        &d.problems(t()),
        "destination.employer.region",
        ProblemCode::UnknownRegion
    ));
}

#[test]
fn id_number_region_must_fit_the_birth_year() {
    let idr = |region: &str, birth: &str| notes(&check_id_number_notices(&id(region, birth), t()));
    let year_notice = vec![("id_number".to_string(), NoticeCode::IdRegionYear)];
    // 崇文区 existed until 2010: someone born there in 1995 keeps that number.
    assert_eq!(idr("110103", "19950101"), vec![]);
    assert_eq!(idr("110103", "20110101"), year_notice);
    // 延庆区 exists since 2015; born in 1990, the number should start with 延庆县 (110229).
    assert_eq!(idr("110119", "19900101"), year_notice);
    assert_eq!(idr("110229", "19900101"), vec![]);
    assert_eq!(idr("110119", "20150101"), vec![]);
    // Not in the list, but a known province: a notice, never a problem.
    assert_eq!(idr("329999", "20000101"), year_notice);
    assert!(check_id_number(&id("329999", "20000101"), None, t()).is_empty());
    // An unknown province stays a problem, with no notice.
    let unknown = id("990101", "20000101");
    assert_eq!(
        codes(&check_id_number(&unknown, None, t())),
        vec![("id_number".into(), ProblemCode::UnknownProvince)]
    );
    assert_eq!(notes(&check_id_number_notices(&unknown, t())), vec![]);
    // Residence permits of Hong Kong, Macao and Taiwan residents (810000, 820000, 830000) and
    // Taiwan's province code: valid for any birth year, no notice.
    for region in ["810000", "820000", "830000", "710000"] {
        let n = id(region, "19850101");
        assert!(check_id_number(&n, None, t()).is_empty(), "{region}");
        assert_eq!(notes(&check_id_number_notices(&n, t())), vec![], "{region}");
    }
    // Other 83 codes are no province.
    assert!(has(
        &check_id_number(&id("830100", "19850101"), None, t()),
        "id_number",
        ProblemCode::UnknownProvince
    ));
    // The message names the code, its years and the birth year.
    let n = check_id_number_notices(&id("110119", "19900101"), t());
    assert!(n[0].message_zh.contains("延庆区") && n[0].message_zh.contains("1990"));
    assert!(n[0].message_en.contains("2015") && n[0].message_en.contains("1990"));
    // In records: basic information and the CHSI account.
    let mut b = sample::basic_info();
    b.id_number = id("110119", "19900101");
    assert!(b.problems(t()).is_empty());
    assert_eq!(notes(&b.notices(t())), year_notice);
    let mut c = sample::chsi_account();
    c.id_number = b.id_number.clone();
    assert!(c.problems(t()).is_empty());
    assert_eq!(notes(&c.notices(t())), year_notice);
    // A number with a bad birth date gets the problem, not a notice.
    let first17 = "11011919900230121";
    let bad = format!("{first17}{}", id_check_character(first17).unwrap());
    assert_eq!(notes(&check_id_number_notices(&bad, t())), vec![]);
}

#[test]
fn gender_mismatch_is_reported_on_the_gender_whatever_its_form() {
    let male = id("320102", "20040315");
    let mut b = sample::basic_info();
    b.id_number = male.clone();
    for g in ["2", "２", "女", "女性", " 女 "] {
        b.gender = g.into();
        let p = b.problems(t());
        let m: Vec<_> = p
            .iter()
            .filter(|p| p.code == ProblemCode::GenderMismatch)
            .collect();
        assert_eq!(m.len(), 1, "{g:?}: {p:?}");
        assert_eq!(m[0].field, "gender");
        assert!(
            m[0].message_zh.contains(g) && m[0].message_zh.contains('男'),
            "{g:?}"
        );
        assert!(m[0].message_en.contains("female") && m[0].message_en.contains("(male)"));
        assert!(!has(&p, "id_number", ProblemCode::GenderMismatch));
    }
    for g in ["1", "１", "男", "男性", "", "3", "未知"] {
        b.gender = g.into();
        assert!(
            !has(&b.problems(t()), "gender", ProblemCode::GenderMismatch),
            "{g:?}"
        );
    }
    // The single-number check reports on `gender` too.
    let female = sample::id_number("320102", "20040315", 12, false).unwrap();
    for (number, g) in [(&male, "女"), (&female, "男性"), (&female, "1")] {
        assert_eq!(
            codes(&check_id_number(number, Some(g), t())),
            vec![("gender".into(), ProblemCode::GenderMismatch)],
            "{g:?}"
        );
    }
    assert!(check_id_number(&female, Some("女"), t()).is_empty());
}

/// Every (code, first year, last year) of the region list whose province is a known one, with
/// open ends closed at 1900 and 2100.
fn listed_periods() -> &'static [(String, i32, i32)] {
    static PERIODS: std::sync::OnceLock<Vec<(String, i32, i32)>> = std::sync::OnceLock::new();
    PERIODS.get_or_init(|| {
        let t = t();
        t.entries(Table::Regions)
            .flat_map(|e| {
                t.region_years(&e.code)
                    .unwrap_or(&[])
                    .iter()
                    .map(|p| (e.code.clone(), p.from.unwrap_or(1900), p.to.unwrap_or(2100)))
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// An ID number built from any listed code, born in a year the code was in use, is valid
    /// and draws no notice.
    #[test]
    fn listed_codes_in_their_years_give_no_notice(
        pick in any::<prop::sample::Index>(),
        offset in 0u32..1000,
        day in 1u32..=28,
        month in 1u32..=12,
        seq in 0u32..100,
        male in any::<bool>(),
    ) {
        let periods = listed_periods();
        let (code, from, to) = &periods[pick.index(periods.len())];
        let year = from + (offset % (to - from + 1) as u32) as i32;
        let birth = format!("{year:04}{month:02}{day:02}");
        let number = sample::id_number(code, &birth, seq, male).unwrap();
        prop_assert_eq!(check_id_number(&number, None, t()), vec![]);
        prop_assert_eq!(check_id_number_notices(&number, t()), vec![]);
        // And with a code that does not exist, always a notice or a problem.
        let unknown = sample::id_number(&format!("{}99", &code[..4]), &birth, seq, male).unwrap();
        if !t().region_existed_in(&unknown[..6], year) {
            let p = check_id_number(&unknown, None, t());
            let n = check_id_number_notices(&unknown, t());
            prop_assert!(p.len() + n.len() == 1, "{:?} {:?}", p, n);
        }
    }
}

/// A number of the GB 11643 layout (residence permits, the 2023 permanent-residence card) from
/// its first 17 characters, with its check character.
fn with_check(first17: &str) -> String {
    format!("{first17}{}", id_check_character(first17).unwrap())
}

#[test]
fn hong_kong_residence_permit_is_not_an_id_card() {
    let permit = id("810000", "19990101");
    let mut b = sample::basic_info();
    b.id_number = permit.clone();
    // Entered as an ID card (the default type), the 81… number is refused and the message
    // names the document it is.
    let p = b.problems(t());
    assert!(has(&p, "id_number", ProblemCode::IdTypeMismatch), "{p:?}");
    assert!(p.iter().any(|p| p.message_zh.contains("港澳居民居住证")));
    b.id_type = "1".into();
    assert!(has(
        &b.problems(t()),
        "id_number",
        ProblemCode::IdTypeMismatch
    ));
    // As a residence permit it is valid, and its gender digit is still checked.
    b.id_type = "2".into();
    assert_eq!(b.problems(t()), vec![]);
    b.gender = "2".into();
    assert!(has(&b.problems(t()), "gender", ProblemCode::GenderMismatch));
    b.gender = "1".into();
    // A Macao permit (82…) is the same type; a mainland number is not a permit.
    b.id_number = id("820000", "19990101");
    assert_eq!(b.problems(t()), vec![]);
    b.id_number = id("320102", "19990101");
    assert!(has(
        &b.problems(t()),
        "id_number",
        ProblemCode::IdTypeMismatch
    ));
}

#[test]
fn taiwan_residence_permit_has_its_own_type() {
    let permit = id("830000", "19980707");
    let mut b = sample::basic_info();
    b.id_number = permit.clone();
    assert!(has(
        &b.problems(t()),
        "id_number",
        ProblemCode::IdTypeMismatch
    ));
    b.id_type = "3".into();
    assert_eq!(b.problems(t()), vec![]);
    assert_eq!(notes(&b.notices(t())), vec![]);
    // Not the Hong Kong and Macao permit.
    b.id_type = "2".into();
    assert!(has(
        &b.problems(t()),
        "id_number",
        ProblemCode::IdTypeMismatch
    ));
    // Its check character is checked as an ID card's.
    b.id_type = "3".into();
    let mut bad = permit.clone();
    bad.replace_range(17.., if permit.ends_with('0') { "1" } else { "0" });
    b.id_number = bad;
    assert!(has(
        &b.problems(t()),
        "id_number",
        ProblemCode::BadCheckCharacter
    ));
}

#[test]
fn foreign_permanent_residence_card_of_2023_is_accepted() {
    // 9, province 31 (上海), nationality 840 (美国), born 1995-01-01, sequence 123.
    let card = with_check("93184019950101123");
    let mut b = sample::basic_info();
    b.id_number = card.clone();
    assert!(!b.problems(t()).is_empty(), "not an ID card");
    b.id_type = "4".into();
    assert_eq!(b.problems(t()), vec![]);
    // The card carries no gender the record could be compared with.
    b.gender = "2".into();
    assert_eq!(b.problems(t()), vec![]);
    // Wrong check character, unknown province, unknown nationality, impossible birth date.
    let mut bad = card.clone();
    bad.replace_range(17.., if card.ends_with('0') { "1" } else { "0" });
    for (number, code) in [
        (bad, ProblemCode::BadCheckCharacter),
        (
            with_check("99984019950101123"),
            ProblemCode::UnknownProvince,
        ),
        (with_check("93199919950101123"), ProblemCode::UnknownCode),
        (with_check("93184019950230123"), ProblemCode::BadBirthDate),
    ] {
        b.id_number = number.clone();
        assert!(has(&b.problems(t()), "id_number", code), "{number}");
    }
    // The older card: 15 characters, the holder's nationality (alpha-3) then 12 digits.
    b.id_number = "USA319501011234".into();
    assert_eq!(b.problems(t()), vec![]);
    for bad in [
        "USA31950101123",
        "XXX319501011234",
        "USA3195010112A4",
        "usa319501011234",
    ] {
        b.id_number = bad.into();
        assert!(!b.problems(t()).is_empty(), "{bad}");
    }
}

#[test]
fn passport_holders_can_be_entered() {
    let mut b = sample::basic_info();
    b.id_type = "7".into();
    for ok in ["K12345678", "533123456", "AB1234567", "X1234567890"] {
        b.id_number = ok.into();
        assert_eq!(b.problems(t()), vec![], "{ok}");
    }
    for bad in [
        "K1234",
        "K12-345678",
        "K1234567890123456789012",
        "中文12345",
    ] {
        b.id_number = bad.into();
        assert!(
            has(&b.problems(t()), "id_number", ProblemCode::BadFormat),
            "{bad}"
        );
    }
    b.id_type = "8".into();
    for ok in ["E12345678", "G12345678", "EA1234567", "EJ7654321"] {
        b.id_number = ok.into();
        assert_eq!(b.problems(t()), vec![], "{ok}");
    }
    for bad in ["E1234567", "K12345678", "EI1234567", "EO1234567"] {
        b.id_number = bad.into();
        assert!(
            has(&b.problems(t()), "id_number", ProblemCode::BadFormat),
            "{bad}"
        );
    }
    // Travel permits.
    b.id_type = "5".into();
    for ok in ["H12345678", "M87654321", "H1234567801"] {
        b.id_number = ok.into();
        assert_eq!(b.problems(t()), vec![], "{ok}");
    }
    b.id_number = "A12345678".into();
    assert!(has(&b.problems(t()), "id_number", ProblemCode::BadFormat));
    b.id_type = "6".into();
    for ok in ["12345678", "1234567890"] {
        b.id_number = ok.into();
        assert_eq!(b.problems(t()), vec![], "{ok}");
    }
    b.id_number = "123456789".into();
    assert!(has(&b.problems(t()), "id_number", ProblemCode::BadFormat));
    // An unknown type is a code problem; the number is then checked for shape only.
    b.id_type = "99".into();
    b.id_number = "K12345678".into();
    assert_eq!(
        codes(&b.problems(t())),
        vec![("id_type".into(), ProblemCode::UnknownCode)]
    );
}

#[test]
fn the_chsi_account_carries_its_document_type() {
    let mut c = sample::chsi_account();
    c.id_type = "7".into();
    c.id_number = "K12345678".into();
    assert_eq!(c.problems(t()), vec![]);
    c.id_type = String::new();
    assert!(has(&c.problems(t()), "id_number", ProblemCode::BadFormat));
}

#[test]
fn login_compares_the_document_type_and_number_with_chsi() {
    let mut b = sample::basic_info();
    b.id_type = "7".into();
    b.id_number = "K12345678".into();
    let mut reg = gradreg::Registration::new("r1");
    reg.basic = Some(std::sync::Arc::new(b.clone()));
    let mut c = sample::chsi_account();
    c.id_type = "7".into();
    c.id_number = "k12345678".into();
    reg.chsi = Some(c.clone());
    assert_eq!(reg.login_problems(), vec![]);
    // The same number under another type is another document.
    c.id_type = "8".into();
    reg.chsi = Some(c.clone());
    assert_eq!(
        reg.login_problems(),
        vec![gradreg::LoginReason::IdNumberMismatch]
    );
    // An empty type and 1 are both 居民身份证.
    let mut b = sample::basic_info();
    b.id_type = "1".into();
    reg.basic = Some(std::sync::Arc::new(b));
    reg.chsi = Some(sample::chsi_account());
    assert_eq!(reg.login_problems(), vec![]);
}

#[test]
fn study_abroad_takes_a_country_code_and_never_the_mainland() {
    let mut d = sample::destination_data();
    d.destination = gradreg::Destination {
        code: "85".into(),
        abroad: Some(gradreg::Abroad {
            country_region: "GBR".into(),
            school: "伦敦大学学院".into(),
            major: "金融学".into(),
        }),
        ..Default::default()
    };
    assert_eq!(d.problems(t()), vec![]);
    for ok in ["HKG", "MAC", "TWN", "USA"] {
        d.destination.abroad.as_mut().unwrap().country_region = ok.into();
        assert_eq!(d.problems(t()), vec![], "{ok}");
    }
    let field = "destination.abroad.country_region";
    for (bad, code) in [
        ("CHN", ProblemCode::NotAllowed),
        ("英国", ProblemCode::UnknownCode),
        ("gbr", ProblemCode::UnknownCode),
        ("XYZ", ProblemCode::UnknownCode),
        ("", ProblemCode::Required),
    ] {
        d.destination.abroad.as_mut().unwrap().country_region = bad.into();
        assert_eq!(codes(&d.problems(t())), vec![(field.into(), code)], "{bad}");
    }
    // A name says which code it is.
    d.destination.abroad.as_mut().unwrap().country_region = "英国".into();
    assert!(d.problems(t())[0].message_zh.contains("GBR"));
}

#[test]
fn an_enterprise_belongs_to_entrepreneurship_only_and_is_checked_there() {
    let credit = sample::credit_code("320113", "MA1XK2P3Q").unwrap();
    let enterprise = gradreg::Enterprise {
        name: "南京启明科技有限公司".into(),
        credit_code: credit.clone(),
        founding_date: "2025-11-02".into(),
        role: "1".into(),
        region: "320113".into(),
    };
    let mut d = sample::destination_data();
    d.destination = gradreg::Destination {
        code: "75".into(),
        enterprise: Some(enterprise.clone()),
        ..Default::default()
    };
    assert_eq!(d.problems(t()), vec![]);
    d.destination.enterprise = None;
    assert_eq!(
        codes(&d.problems(t())),
        vec![("destination.enterprise".into(), ProblemCode::Missing)]
    );
    // Every part is checked: the credit code as an employer's, the date, the role, the region.
    let mut bad = enterprise.clone();
    bad.credit_code = format!("{}0", &credit[..17]);
    if bad.credit_code == credit {
        bad.credit_code = format!("{}1", &credit[..17]);
    }
    bad.founding_date = "2025-13-01".into();
    bad.role = "8".into();
    bad.region = "329999".into();
    bad.name = String::new();
    d.destination.enterprise = Some(bad);
    assert_eq!(
        codes(&d.problems(t())),
        vec![
            ("destination.enterprise.name".into(), ProblemCode::Required),
            (
                "destination.enterprise.credit_code".into(),
                ProblemCode::BadCheckCharacter
            ),
            (
                "destination.enterprise.founding_date".into(),
                ProblemCode::BadDate
            ),
            (
                "destination.enterprise.role".into(),
                ProblemCode::UnknownCode
            ),
            (
                "destination.enterprise.region".into(),
                ProblemCode::UnknownRegion
            ),
        ]
    );
    // Refused on any other destination.
    let mut d = sample::destination_data();
    d.destination.enterprise = Some(enterprise);
    assert_eq!(
        codes(&d.problems(t())),
        vec![("destination.enterprise".into(), ProblemCode::NotAllowed)]
    );
}

#[test]
fn the_employment_agreement_belongs_to_employment() {
    let mut d = sample::destination_data();
    d.destination.agreement_number = Some("JY-2026-000123".into());
    d.destination.agreement_status = Some(gradreg::AgreementStatus::SignedOnline);
    assert_eq!(d.problems(t()), vec![]);
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["destination"]["agreement_status"], "signed_online");
    for bad in [
        "JY1",
        "JY 2026",
        "协议123456",
        "JY-2026-0001234567890123456789012",
    ] {
        d.destination.agreement_number = Some(bad.into());
        let p = d.problems(t());
        assert_eq!(p.len(), 1, "{bad}: {p:?}");
        assert_eq!(p[0].field, "destination.agreement_number", "{bad}");
    }
    d.destination.agreement_number = Some("3.20102E+17".into());
    assert!(has(
        &d.problems(t()),
        "destination.agreement_number",
        ProblemCode::ScientificNotation
    ));
    // Not for a graduate who is not placed.
    let mut d = sample::destination_data();
    d.destination = gradreg::Destination {
        code: "70".into(),
        agreement_status: Some(gradreg::AgreementStatus::Terminated),
        ..Default::default()
    };
    assert_eq!(
        codes(&d.problems(t())),
        vec![(
            "destination.agreement_status".into(),
            ProblemCode::NotAllowed
        )]
    );
}

#[test]
fn the_new_sheng_yuan_codes_are_checked_against_their_tables() {
    let mut b = sample::basic_info();
    b.hardship_category = "7".into();
    b.teacher_training = "12".into();
    b.urban_rural = "2".into();
    b.sponsor_unit = "南京市教育局".into();
    b.class_name = "会计2201班".into();
    assert_eq!(b.problems(t()), vec![]);
    b.hardship_category = "8".into();
    b.teacher_training = "3".into();
    b.urban_rural = "城镇".into();
    b.sponsor_unit = "单".repeat(101);
    b.class_name = "班".repeat(51);
    assert_eq!(
        codes(&b.problems(t())),
        vec![
            ("hardship_category".into(), ProblemCode::UnknownCode),
            ("teacher_training".into(), ProblemCode::UnknownCode),
            ("urban_rural".into(), ProblemCode::UnknownCode),
            ("sponsor_unit".into(), ProblemCode::TooLong),
            ("class_name".into(), ProblemCode::TooLong),
        ]
    );
    // Empty fields stay out of the JSON form, so older records keep their bytes.
    let json = serde_json::to_string(&sample::basic_info()).unwrap();
    for f in ["id_type", "hardship_category", "class_name"] {
        assert!(!json.contains(f), "{f}");
    }
}

/// A minority name is written with whichever middle dot the keyboard gave: every variant the
/// comparison of names folds is accepted by validation too, and other symbols are not.
#[test]
fn names_take_every_middle_dot_the_comparison_folds() {
    for dot in ['·', '•', '・', '･', '‧', '∙', '⋅'] {
        let mut b = sample::basic_info();
        b.name = format!("买买提{dot}艾力");
        let r = b.validate(t());
        assert!(r.is_ok(), "{dot:?}: {r:?}");
    }
    let mut b = sample::basic_info();
    b.name = "买买提*艾力".into();
    assert!(
        matches!(b.validate(t()), Err(Error::InvalidRecord { ref problems }) if has(problems, "name", ProblemCode::BadFormat))
    );
}
