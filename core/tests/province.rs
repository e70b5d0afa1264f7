//! A province's registry: two schools and two cohorts in one registry, on both stores.
//! Statistics split by school add up to the whole, queries filter by school, cohort, login state
//! and destination (sub-codes rolled up), and the staff work lists are scoped to the actor's
//! school and college.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use common::*;
use gradreg::registry::{Query, Registry};
use gradreg::{
    sample, Actor, BasicInfo, Command, DestinationData, Error, LoginReason, Stage, VoidStage,
};

const A: &str = "10327";
const B: &str = "10284";

fn office(school: &str) -> Actor {
    Actor::SchoolOffice {
        id: "jyc01".into(),
        school: school.into(),
    }
}

fn counselor_of(school: &str, college: &str) -> Actor {
    Actor::Counselor {
        id: "fdy01".into(),
        school: school.into(),
        college: college.into(),
    }
}

struct Grad {
    id: String,
    info: BasicInfo,
}

impl Grad {
    fn me(&self) -> Actor {
        Actor::Graduate {
            id_number: self.info.id_number.clone(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn grad(
    school: &str,
    school_name: &str,
    student: &str,
    seq: u32,
    college: &str,
    level: &str,
    year: i32,
    gender: &str,
    origin: &str,
) -> BasicInfo {
    let mut b = sample::basic_info();
    b.school_code = school.into();
    b.school_name = school_name.into();
    b.student_number = student.into();
    b.id_number = sample::id_number("320102", "20030315", seq, gender == "1").unwrap();
    b.gender = gender.into();
    b.college = college.into();
    b.education_level = level.into();
    b.origin_region = origin.into();
    if level == "11" {
        b.schooling_length = "3".into();
        b.enrolment_date = format!("{}-09-01", year - 3);
    }
    b.graduation_date = format!("{year}-06-30");
    b
}

fn upload(r: &Registry, b: BasicInfo) -> Grad {
    let id = format!("{}:{}", b.school_code, b.student_number);
    r.apply(
        &id,
        &office(&b.school_code),
        &Command::UploadBasicInfo {
            info: Arc::new(b.clone()),
        },
        day(3, 1),
    )
    .unwrap();
    Grad { id, info: b }
}

fn chsi(r: &Registry, g: &Grad, bound: bool) {
    let mut acct = sample::chsi_account();
    acct.name = g.info.name.clone();
    acct.id_number = g.info.id_number.clone();
    acct.student_record_bound = bound;
    r.apply(
        &g.id,
        &Actor::Chsi,
        &Command::UpdateChsiAccount {
            account: Box::new(acct),
        },
        day(3, 2),
    )
    .unwrap();
}

/// CHSI bound, logged in, basic info confirmed, `data` reported, and (with `confirm`) confirmed.
fn walk(r: &Registry, g: &Grad, data: DestinationData, confirm: bool) {
    chsi(r, g, true);
    r.apply(&g.id, &g.me(), &Command::Login, day(3, 3)).unwrap();
    r.apply(&g.id, &g.me(), &Command::ConfirmBasicInfo, day(3, 3))
        .unwrap();
    r.apply(&g.id, &platform(), &report(data), day(4, 20))
        .unwrap();
    if confirm {
        r.apply(&g.id, &g.me(), &Command::ConfirmDestination, day(4, 21))
            .unwrap();
    }
}

fn file_void(r: &Registry, g: &Grad, at: DateTime<Utc>) {
    r.apply(
        &g.id,
        &g.me(),
        &Command::FileVoidRequest {
            reason: "更换单位".into(),
        },
        at,
    )
    .unwrap();
}

/// 三支一扶 (`502` under `50`), employer in 苏州市吴中区.
fn sanzhi_yifu() -> DestinationData {
    let mut d = sample::destination_data();
    d.destination.code = "50".into();
    d.destination.sub_code = Some("502".into());
    if let Some(e) = d.destination.employer.as_mut() {
        e.region = "320506".into();
    }
    d
}

/// 境内升学, 研究生 (`801` under `80`): no employer, so no region.
fn further_study() -> DestinationData {
    let mut d = sample::destination_data();
    d.destination.code = "80".into();
    d.destination.sub_code = Some("801".into());
    d.destination.employer = None;
    d.destination.job_category = None;
    d.destination.signing_date = None;
    d.destination.further_study = Some(gradreg::records::Study {
        school: "南京大学".into(),
        major: "会计学".into(),
    });
    d
}

/// 待就业 (`70`): not placed, no employer.
fn not_placed() -> DestinationData {
    let mut d = sample::destination_data();
    d.destination.code = "70".into();
    d.destination.employer = None;
    d.destination.job_category = None;
    d.destination.signing_date = None;
    d
}

/// The two schools' graduates:
/// - `a1` 10327 会计学院, bachelor 2026, male, from 南京: employed in 南京 (`10`), confirmed;
/// - `a2` 10327 会计学院, bachelor 2026, female, from 合肥: 三支一扶 in 苏州 (`502`),
///   confirmed, a void request at the college since 1 May;
/// - `a3` 10327 信息工程学院, bachelor 2026: student record not bound on CHSI, so never logged
///   in, yet a destination in 南京 is reported (awaiting confirmation since 20 April);
/// - `b1` 10284 会计学院, master 2027, male, from 南京: further study (`801`), confirmed, a void
///   request at the college since 2 May;
/// - `b2` 10284 会计学院, bachelor 2026, female: no CHSI account, not placed (`70`) reported.
struct Province {
    a1: Grad,
    a2: Grad,
    a3: Grad,
    b1: Grad,
    b2: Grad,
}

fn province(r: &Registry) -> Province {
    let nc = "南京财经大学";
    let nd = "南京大学";
    let a1 = upload(
        r,
        grad(A, nc, "a1", 1, "会计学院", "31", 2026, "1", "320102"),
    );
    let a2 = upload(
        r,
        grad(A, nc, "a2", 2, "会计学院", "31", 2026, "2", "340102"),
    );
    let a3 = upload(
        r,
        grad(A, nc, "a3", 3, "信息工程学院", "31", 2026, "1", "320102"),
    );
    let b1 = upload(
        r,
        grad(B, nd, "b1", 4, "会计学院", "11", 2027, "1", "320102"),
    );
    let b2 = upload(
        r,
        grad(B, nd, "b2", 5, "会计学院", "31", 2026, "2", "320102"),
    );
    walk(r, &a1, sample::destination_data(), true);
    walk(r, &a2, sanzhi_yifu(), true);
    file_void(r, &a2, day(5, 1));
    chsi(r, &a3, false);
    r.apply(
        &a3.id,
        &platform(),
        &report(sample::destination_data()),
        day(4, 20),
    )
    .unwrap();
    walk(r, &b1, further_study(), true);
    file_void(r, &b1, day(5, 2));
    r.apply(&b2.id, &platform(), &report(not_placed()), day(4, 20))
        .unwrap();
    Province { a1, a2, a3, b1, b2 }
}

fn ids(list: &[gradreg::registry::Summary]) -> Vec<&str> {
    list.iter().map(|s| s.id.as_str()).collect()
}

fn school_query(school: &str) -> Query {
    Query {
        school: Some(school.into()),
        ..Query::default()
    }
}

#[test]
fn statistics_split_by_school_add_up_to_the_whole() {
    let now = day(5, 3);
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let p = province(&r);
        let all = r.statistics(now).unwrap();
        assert_eq!(all, r.statistics_for(&Query::default(), now).unwrap());
        assert_eq!(all.total, 5, "{name}");
        let parts: Vec<_> = [A, B]
            .iter()
            .map(|s| r.statistics_for(&school_query(s), now).unwrap())
            .collect();
        assert_eq!(parts[0].total, 3, "{name}");
        assert_eq!(parts[1].total, 2, "{name}");
        assert_eq!(parts.iter().map(|s| s.total).sum::<u64>(), all.total);
        assert_eq!(
            parts.iter().map(|s| s.overall.graduates).sum::<u64>(),
            all.overall.graduates
        );
        assert_eq!(
            parts.iter().map(|s| s.overall.placed).sum::<u64>(),
            all.overall.placed
        );
        // Every count map of the parts adds up to the whole's.
        let sum = |f: fn(&gradreg::Statistics) -> &std::collections::BTreeMap<String, u64>| {
            let mut m = std::collections::BTreeMap::new();
            for s in &parts {
                for (k, v) in f(s) {
                    *m.entry(k.clone()).or_insert(0) += v;
                }
            }
            m
        };
        assert_eq!(sum(|s| &s.by_destination), all.by_destination, "{name}");
        assert_eq!(
            sum(|s| &s.by_destination_category),
            all.by_destination_category
        );
        assert_eq!(sum(|s| &s.by_gender), all.by_gender);
        assert_eq!(sum(|s| &s.by_graduation_year), all.by_graduation_year);

        // Placement per school in the whole matches each school's own overall placement.
        assert_eq!(all.by_school.len(), 2, "{name}");
        let school_a = all.by_school.iter().find(|p| p.school == A).unwrap();
        assert_eq!(school_a.key, "10327 南京财经大学");
        assert_eq!(school_a.graduates, parts[0].overall.graduates);
        assert_eq!(school_a.placed, 3); // a1, a2 employed and a3 reported employed
        assert_eq!(parts[1].overall.placed, 1); // b1 studies; b2 is not placed
        assert_eq!(parts[1].overall.reported, 2);
        // Two schools' 会计学院 are two groups.
        let accounting: Vec<_> = all
            .by_college
            .iter()
            .filter(|c| c.key == "会计学院")
            .collect();
        assert_eq!(accounting.len(), 2, "{name}");
        assert!(accounting.iter().any(|c| c.school == A && c.graduates == 2));
        assert!(accounting.iter().any(|c| c.school == B && c.graduates == 2));

        // Sub-codes roll up to their two-digit code; the specific code stays.
        assert_eq!(all.by_destination.get("502"), Some(&1));
        assert_eq!(all.by_destination_category.get("50"), Some(&1));
        assert_eq!(all.by_destination_category.get("80"), Some(&1));
        assert_eq!(all.by_destination_category.get("10"), Some(&2));
        assert!(!all.by_destination_category.contains_key("502"));
        // Places of the destinations: the employer's region; study and not placed have none.
        assert_eq!(all.by_destination_province.get("320000"), Some(&3));
        assert_eq!(all.by_destination_city.get("320100"), Some(&2));
        assert_eq!(all.by_destination_city.get("320500"), Some(&1));
        assert_eq!(all.destination_region_unknown, 2);
        // Cohorts, levels, gender and 生源地.
        assert_eq!(all.by_education_level.get("31"), Some(&4));
        assert_eq!(all.by_education_level.get("11"), Some(&1));
        assert_eq!(all.by_graduation_year.get("2026"), Some(&4));
        assert_eq!(all.by_graduation_year.get("2027"), Some(&1));
        assert_eq!(all.by_gender.get("2"), Some(&2));
        assert_eq!(all.by_origin_province.get("340000"), Some(&1));
        assert_eq!(all.by_origin_province.get("320000"), Some(&4));
        assert_eq!(parts[0].by_origin_province.get("340000"), Some(&1));
        let _ = p;
    }
}

#[test]
fn queries_filter_by_school_cohort_login_and_destination() {
    let now = day(5, 3);
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let p = province(&r);
        let q = |q: Query| r.query(&q, now).unwrap();
        assert_eq!(
            ids(&q(school_query(A))),
            vec![p.a1.id.as_str(), p.a2.id.as_str(), p.a3.id.as_str()],
            "{name}"
        );
        assert_eq!(
            ids(&q(Query {
                college: Some("会计学院".into()),
                ..school_query(B)
            })),
            vec![p.b1.id.as_str(), p.b2.id.as_str()]
        );
        assert_eq!(
            ids(&q(Query {
                education_level: Some("11".into()),
                ..Query::default()
            })),
            vec![p.b1.id.as_str()]
        );
        assert_eq!(
            ids(&q(Query {
                graduation_year: Some(2026),
                ..school_query(B)
            })),
            vec![p.b2.id.as_str()]
        );
        // A sub-code is found by its two-digit code, and by itself.
        for code in ["50", "502"] {
            assert_eq!(
                ids(&q(Query {
                    destination_category: Some(code.into()),
                    ..Query::default()
                })),
                vec![p.a2.id.as_str()],
                "{name} {code}"
            );
        }
        assert!(q(Query {
            destination_category: Some("501".into()),
            ..Query::default()
        })
        .is_empty());
        // Never logged in, whatever the stage: the graduate who cannot log in and whose
        // destination is reported is found although the stage says awaiting_confirmation.
        let never = q(Query {
            logged_in: Some(false),
            ..school_query(A)
        });
        assert_eq!(ids(&never), vec![p.a3.id.as_str()], "{name}");
        assert_eq!(never[0].stage_at(now), Stage::AwaitingConfirmation);
        assert_eq!(
            never[0].login_problems,
            vec![LoginReason::StudentRecordNotBound]
        );
        // The stage filter alone misses them, as it should: they are awaiting confirmation.
        assert!(q(Query {
            stages: vec![Stage::NotLoggedIn],
            ..Query::default()
        })
        .is_empty());
        assert_eq!(
            ids(&q(Query {
                can_log_in: Some(false),
                ..Query::default()
            })),
            vec![p.b2.id.as_str(), p.a3.id.as_str()]
        );
        // The summary columns.
        let a2 = &q(Query {
            destination_category: Some("50".into()),
            ..Query::default()
        })[0];
        assert_eq!(a2.school_code, A);
        assert_eq!(a2.school_name, "南京财经大学");
        assert_eq!(a2.gender, "2");
        assert_eq!(a2.origin_region, "340102");
        assert_eq!(a2.destination_region.as_deref(), Some("320506"));
        assert!(a2.logged_in);
        assert_eq!(a2.void_stage, Some(VoidStage::AwaitingCollege));
        assert_eq!(a2.void_filed_at, Some(day(5, 1)));
    }
}

#[test]
fn work_lists_are_scoped_to_the_actors_school_and_college() {
    let now = day(5, 3);
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let p = province(&r);
        let a_acc = counselor_of(A, "会计学院");
        let b_acc = counselor_of(B, "会计学院");
        // Pending void requests at the college stage: each school's counselor sees their own.
        let pending = r.pending_void_requests(&a_acc, now).unwrap();
        assert_eq!(pending.len(), 1, "{name}");
        assert_eq!(pending[0].id, p.a2.id);
        assert_eq!(pending[0].reason, "更换单位");
        assert_eq!(pending[0].stage, VoidStage::AwaitingCollege);
        let theirs = r.pending_void_requests(&b_acc, now).unwrap();
        assert_eq!(
            theirs.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
            vec![p.b1.id.as_str()]
        );
        // Another college of the same school, and the offices before the college decided: none.
        assert!(r
            .pending_void_requests(&counselor_of(A, "信息工程学院"), now)
            .unwrap()
            .is_empty());
        assert!(r.pending_void_requests(&office(A), now).unwrap().is_empty());
        // Only staff have work lists.
        assert!(matches!(
            r.pending_void_requests(&platform(), now),
            Err(Error::Forbidden { .. })
        ));
        assert!(matches!(
            r.cannot_log_in(&p.a1.me(), now),
            Err(Error::Forbidden { .. })
        ));

        // Cannot log in, with each reason and its remedy, whatever the stage.
        let a_list = r.cannot_log_in(&office(A), now).unwrap();
        assert_eq!(a_list.len(), 1, "{name}");
        assert_eq!(a_list[0].id, p.a3.id);
        assert_eq!(a_list[0].stage, Stage::AwaitingConfirmation);
        assert_eq!(
            a_list[0].reasons[0].reason,
            LoginReason::StudentRecordNotBound
        );
        assert_eq!(
            a_list[0].reasons[0].message_zh,
            LoginReason::StudentRecordNotBound.message_zh()
        );
        let b_list = r.cannot_log_in(&office(B), now).unwrap();
        assert_eq!(b_list.len(), 1);
        assert_eq!(b_list[0].id, p.b2.id);
        assert_eq!(b_list[0].reasons[0].reason, LoginReason::NoChsiAccount);
        // The accounting counselor of school A sees neither: a3 is in another college, b2 in
        // another school.
        assert!(r.cannot_log_in(&a_acc, now).unwrap().is_empty());
        assert_eq!(
            r.cannot_log_in(&counselor_of(A, "信息工程学院"), now)
                .unwrap()
                .len(),
            1
        );

        // Unconfirmed for N days: a3 (20 April) and b2, each in their own school's list.
        let stuck = r.unconfirmed_for(&office(A), 7, now).unwrap();
        assert_eq!(ids(&stuck), vec![p.a3.id.as_str()], "{name}");
        assert!(r.unconfirmed_for(&office(A), 30, now).unwrap().is_empty());
        assert_eq!(
            ids(&r.unconfirmed_for(&b_acc, 7, now).unwrap()),
            vec![p.b2.id.as_str()]
        );
        assert!(r.unconfirmed_for(&a_acc, 7, now).unwrap().is_empty());
        let _ = &p.a1;
    }
}

#[test]
fn batch_approval_gives_one_result_per_id_and_refuses_another_schools() {
    let now = day(5, 3);
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let p = province(&r);
        let a_acc = counselor_of(A, "会计学院");
        let b1_before = r.get(&p.b1.id).unwrap();
        let ids = vec![p.a2.id.clone(), p.b1.id.clone(), "10327:nobody".to_string()];
        let results = r.approve_void_requests(&a_acc, &ids, "同意", now).unwrap();
        assert_eq!(results.len(), 3, "{name}");
        assert_eq!(results[0].0, p.a2.id);
        let out = results[0].1.as_ref().unwrap();
        assert_eq!(
            out.registration.void_request.as_ref().unwrap().stage,
            VoidStage::AwaitingSchool
        );
        assert!(
            matches!(results[1].1, Err(Error::Forbidden { .. })),
            "{name}: {:?}",
            results[1].1
        );
        assert!(matches!(results[2].1, Err(Error::NotFound(_))));
        // The accepted one is committed, the refused one untouched.
        assert_eq!(
            r.get(&p.a2.id).unwrap().void_request.unwrap().stage,
            VoidStage::AwaitingSchool
        );
        assert_eq!(r.get(&p.b1.id).unwrap(), b1_before);
        // The request moved to the school's list; the college's is empty.
        assert!(r.pending_void_requests(&a_acc, now).unwrap().is_empty());
        let at_school = r.pending_void_requests(&office(A), now).unwrap();
        assert_eq!(at_school.len(), 1);
        assert_eq!(at_school[0].notes, vec!["学院同意：同意".to_string()]);
        // Another school's office cannot approve it; its own can.
        let refused = r
            .approve_void_requests(&office(B), std::slice::from_ref(&p.a2.id), "", now)
            .unwrap();
        assert!(matches!(refused[0].1, Err(Error::Forbidden { .. })));
        let done = r
            .approve_void_requests(&office(A), std::slice::from_ref(&p.a2.id), "", now)
            .unwrap();
        assert!(done[0].1.is_ok(), "{name}: {:?}", done[0].1);
        assert_eq!(r.get(&p.a2.id).unwrap().stage(now), Stage::ChangeOpen);
        let summary = &r
            .query(
                &Query {
                    destination_category: Some("50".into()),
                    ..Query::default()
                },
                now,
            )
            .unwrap()[0];
        assert_eq!(summary.void_stage, Some(VoidStage::Approved));
        assert!(r.pending_void_requests(&office(A), now).unwrap().is_empty());
    }
}

/// The late list follows each graduate's batch: a December graduate with nothing reported is not
/// late in June, a June graduate is.
#[test]
fn the_late_list_follows_the_graduation_batch() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let store = kind.name();
        let june = sample::basic_info();
        let mut december = sample::basic_info();
        december.student_number = "2022999999".into();
        december.id_number = sample::id_number("320102", "20040315", 7, true).unwrap();
        december.graduation_date = "2026-12-20".into();
        for (key, info) in [("a:june", june), ("a:december", december)] {
            r.apply(
                key,
                &office(A),
                &Command::UploadBasicInfo {
                    info: Arc::new(info),
                },
                day(3, 1),
            )
            .unwrap();
        }
        let late: Vec<String> = r
            .late(day(6, 20))
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(late, vec!["a:june".to_string()], "{store}");
    }
}
