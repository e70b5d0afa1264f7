//! Property tests of the state machine: random command sequences from random actors.

mod common;

use chrono::Duration;
use common::*;
use gradreg::{
    apply, sample, Actor, AuthState, Command, Context, Error, Policy, Registration, Role, Section,
    VerificationNumber,
};
use proptest::prelude::*;

fn actors() -> Vec<Actor> {
    vec![
        graduate(),
        Actor::Graduate {
            id_number: sample::id_number("110105", "20030101", 1, true).unwrap(),
        },
        Actor::Chsi,
        counselor(),
        other_counselor(),
        school(),
        platform(),
        archive_dept(),
        hukou_dept(),
    ]
}

/// The actor table (who may send which command), written independently of the implementation.
fn role_may(role: Role, cmd: &Command) -> bool {
    use Command as C;
    match cmd {
        C::UploadBasicInfo { .. } | C::CorrectBasicInfo { .. } => {
            matches!(role, Role::SchoolOffice | Role::Counselor)
        }
        C::UpdateChsiAccount { .. } => role == Role::Chsi,
        C::ReportDestination { .. } => role == Role::ProvincialPlatform,
        C::ApproveVoidRequest { .. } | C::RejectVoidRequest { .. } => {
            matches!(role, Role::Counselor | Role::SchoolOffice)
        }
        C::GrantChangeOverride { .. } => role == Role::SchoolOffice,
        C::RecordVerification { section, .. } => match section {
            Section::Archive => role == Role::ArchiveDept,
            Section::Hukou => role == Role::HukouDept,
        },
        C::Login
        | C::ConfirmBasicInfo
        | C::RequestBasicInfoCorrection { .. }
        | C::ConfirmDestination
        | C::DisputeDestination { .. }
        | C::FileVoidRequest { .. }
        | C::WithdrawVoidRequest
        | C::Authorize { .. }
        | C::ExtendAuthorization { .. }
        | C::RevokeAuthorization { .. } => role == Role::Graduate,
    }
}

/// A step: which actor, which command template, parameters, and how far time moves.
#[derive(Debug, Clone)]
struct Step {
    /// Below 8 of 10: an actor the table allows for the command; else any actor.
    bias: u8,
    actor: usize,
    cmd: u8,
    param: u32,
    text: String,
    hours: u32,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0u8..10,
        0usize..9,
        0u8..24,
        any::<u32>(),
        "[\\PC]{0,12}",
        0u32..48,
    )
        .prop_map(|(bias, actor, cmd, param, text, hours)| Step {
            bias,
            actor,
            cmd,
            param,
            text,
            hours,
        })
}

fn pick_number(reg: &Registration, param: u32) -> VerificationNumber {
    if reg.authorizations.is_empty() || param.is_multiple_of(5) {
        VerificationNumber::from_entropy(&[param as u8; 16])
    } else {
        reg.authorizations[param as usize % reg.authorizations.len()].number
    }
}

fn command(s: &Step, reg: &Registration) -> Command {
    let p = s.param;
    match s.cmd {
        0 => {
            let mut info = sample::basic_info();
            if p % 3 == 1 {
                info.major_name = format!("专业{}", p % 7);
            }
            if p % 11 == 2 {
                info.id_number = s.text.clone(); // garbage
            }
            Command::UploadBasicInfo {
                info: std::sync::Arc::new(info),
            }
        }
        1 => {
            let mut info = sample::basic_info();
            info.major_name = format!("专业{}", p % 7);
            if p.is_multiple_of(5) {
                info.college = "法学院".into();
            }
            if p.is_multiple_of(13) {
                info.phone = "13900000000".into();
            }
            Command::CorrectBasicInfo {
                info: std::sync::Arc::new(info),
            }
        }
        2 => {
            let mut a = sample::chsi_account();
            a.student_record_bound = !p.is_multiple_of(4);
            if p % 6 == 1 {
                a.name = "李四".into();
            }
            if p.is_multiple_of(2) {
                a.phone = format!("139{:08}", p % 100_000_000);
            }
            Command::UpdateChsiAccount {
                account: Box::new(a),
            }
        }
        3 => Command::Login,
        4 => Command::ConfirmBasicInfo,
        5 => Command::RequestBasicInfoCorrection {
            note: s.text.clone(),
        },
        6 => {
            let mut d = if p.is_multiple_of(2) {
                sample::destination_data()
            } else {
                changed_data()
            };
            match p % 7 {
                1 => d.hukou = None,
                2 => d.archive = None,
                3 => d.destination.code = s.text.clone(),
                _ => {}
            }
            report(d)
        }
        7 => Command::ConfirmDestination,
        8 => Command::DisputeDestination {
            reason: s.text.clone(),
        },
        9 => Command::FileVoidRequest {
            reason: s.text.clone(),
        },
        10 => Command::ApproveVoidRequest {
            note: s.text.clone(),
        },
        11 => Command::RejectVoidRequest {
            note: s.text.clone(),
        },
        12 => Command::GrantChangeOverride {
            reason: s.text.clone(),
        },
        13 => Command::Authorize {
            validity_days: if p.is_multiple_of(3) {
                None
            } else {
                Some(p % 200)
            },
        },
        14 => Command::ExtendAuthorization {
            number: pick_number(reg, p),
            validity_days: p % 200,
        },
        15 => Command::RevokeAuthorization {
            number: pick_number(reg, p),
        },
        16 => Command::RecordVerification {
            number: pick_number(reg, p),
            section: Section::Archive,
        },
        17 => Command::RecordVerification {
            number: pick_number(reg, p),
            section: Section::Hukou,
        },
        19 => Command::WithdrawVoidRequest,
        // Corrections after confirmation need void requests: give them more slots.
        20 | 21 => Command::FileVoidRequest {
            reason: "换单位".into(),
        },
        // Void requests need two approvals in order: give them more slots.
        _ => Command::ApproveVoidRequest {
            note: String::new(),
        },
    }
}

/// The actor for a step: usually one the table allows (so sequences get somewhere), sometimes any.
fn choose_actor<'a>(s: &Step, cmd: &Command, actors: &'a [Actor]) -> &'a Actor {
    if s.bias < 8 {
        let allowed: Vec<&Actor> = actors.iter().filter(|a| role_may(a.role(), cmd)).collect();
        if !allowed.is_empty() {
            return allowed[s.actor % allowed.len()];
        }
    }
    &actors[s.actor]
}

/// Starting points along the process, so that short sequences reach every stage.
fn start(which: u8) -> Registration {
    match which {
        0 => Registration::new("prop"),
        1 => H::ready().reg,
        2 => H::reported().reg,
        3 => H::confirmed().reg,
        _ => H::authorized().0.reg,
    }
}

/// What a run reached, to show the property test exercises the later stages.
#[derive(Default, Debug)]
struct Reached {
    authorized: usize,
    superseded: usize,
    void_approved: usize,
    verified: usize,
}

fn run_sequence(
    first: u8,
    steps: &[Step],
    seed: u8,
    reached: &mut Reached,
) -> Result<(), TestCaseError> {
    let policy = Policy::jiangsu();
    let actors = actors();
    let mut reg = start(first);
    let mut now = day(5, 2);
    for (i, s) in steps.iter().enumerate() {
        now += Duration::hours(i64::from(s.hours));
        let cmd = command(s, &reg);
        let actor = choose_actor(s, &cmd, &actors);
        let mut ctx = Context::new(now, &policy);
        ctx.entropy = [seed.wrapping_add(i as u8); 16];
        // Staff of another school are refused whatever they send, at every step.
        for stranger in [other_school_counselor(), other_school_office()] {
            prop_assert!(
                apply(&reg, &stranger, &cmd, &ctx).is_err(),
                "another school's {:?} did {}",
                stranger.role(),
                cmd.name()
            );
        }
        ctx.entropy[0] = i as u8;
        match apply(&reg, actor, &cmd, &ctx) {
            Ok(out) => {
                prop_assert!(
                    role_may(actor.role(), &cmd),
                    "{:?} did {}",
                    actor.role(),
                    cmd.name()
                );
                if let Some(school) = actor.school() {
                    let own = reg.basic.as_ref().map(|b| b.school_code.clone());
                    prop_assert_eq!(own.as_deref().unwrap_or(school), school);
                }
                if let Actor::Counselor { college, .. } = actor {
                    prop_assert_eq!(
                        &reg.basic
                            .as_ref()
                            .map(|b| b.college.clone())
                            .unwrap_or_else(|| college.clone()),
                        college
                    );
                }
                if let Actor::Graduate { id_number } = actor {
                    prop_assert_eq!(id_number, &sample::basic_info().id_number);
                }
                prop_assert!(out.registration.version >= reg.version);
                prop_assert!(out.registration.data_version >= reg.data_version);
                prop_assert_eq!(out.audit.version_before, reg.version);
                prop_assert_eq!(out.audit.version_after, out.registration.version);
                prop_assert_eq!(
                    out.registration.version == reg.version,
                    out.registration == reg
                );
                match &cmd {
                    Command::Authorize { .. } => reached.authorized += 1,
                    Command::RecordVerification { .. } => reached.verified += 1,
                    Command::ApproveVoidRequest { .. }
                        if out.registration.destination_status
                            == gradreg::DestinationStatus::ChangeOpen =>
                    {
                        reached.void_approved += 1
                    }
                    _ => {}
                }
                let before = reg
                    .authorizations
                    .iter()
                    .filter(|a| a.state == AuthState::Superseded)
                    .count();
                let after = out
                    .registration
                    .authorizations
                    .iter()
                    .filter(|a| a.state == AuthState::Superseded)
                    .count();
                reached.superseded += after - before;
                reg = out.registration;
            }
            Err(e) => {
                prop_assert!((100..1000).contains(&e.code()));
                prop_assert!(!e.to_string().is_empty());
                if !role_may(actor.role(), &cmd) {
                    prop_assert!(
                        matches!(e, Error::Forbidden { .. }),
                        "wrong-role refusal must be Forbidden, got {}",
                        e
                    );
                }
            }
        }
        invariants(&reg)?;
    }
    Ok(())
}

fn invariants(reg: &Registration) -> Result<(), TestCaseError> {
    for a in &reg.authorizations {
        if a.state == AuthState::Active {
            prop_assert_eq!(
                a.data_version,
                reg.data_version,
                "active authorization on outdated data"
            );
        }
    }
    if let Some(v) = reg.confirmed_version {
        prop_assert_eq!(v, reg.data_version, "confirmation of outdated data");
    }
    let json = serde_json::to_string(reg).expect("serialize");
    let back: Registration = serde_json::from_str(&json).expect("deserialize");
    prop_assert_eq!(&back, reg, "JSON round trip");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random sequences never panic, keep the invariants, and never let an actor do what the
    /// table forbids.
    #[test]
    fn random_sequences_keep_invariants(first in 0u8..5, steps in proptest::collection::vec(step(), 1..60), seed in any::<u8>()) {
        run_sequence(first, &steps, seed, &mut Reached::default())?;
    }

    /// Arbitrary JSON never panics the command and registration parsers, and whatever parses
    /// can be applied without panicking.
    #[test]
    fn arbitrary_json_never_panics(s in "\\PC{0,200}") {
        let policy = Policy::jiangsu();
        let ctx = Context::new(day(5, 1), &policy);
        let _ = serde_json::from_str::<Registration>(&s);
        if let Ok(cmd) = serde_json::from_str::<Command>(&s) {
            let _ = apply(&Registration::new("x"), &graduate(), &cmd, &ctx);
        }
    }

    /// Commands with arbitrary strings in every field never panic and are refused with a code.
    #[test]
    fn arbitrary_records_are_refused_cleanly(fields in proptest::collection::vec("\\PC{0,40}", 26)) {
        let policy = Policy::jiangsu();
        let ctx = Context::new(day(5, 1), &policy);
        let f = |i: usize| fields[i].clone();
        let info = gradreg::BasicInfo {
            name: f(0), gender: f(1), id_number: f(2), exam_number: f(3), student_number: f(4),
            school_code: f(5), school_name: f(6), college: f(7), major_code: f(8), major_name: f(9),
            education_level: f(10), training_mode: f(11), schooling_length: f(12), enrolment_date: f(13),
            graduation_date: f(14), origin_region: f(15), ethnicity: f(16), political_status: f(17),
            phone: f(18), email: f(19), id_type: f(20), hardship_category: f(21),
            teacher_training: f(22), urban_rural: f(23), sponsor_unit: f(24), class_name: f(25),
            #[cfg(feature = "field-probe")]
            probe_note: None,
        };
        let office = Actor::SchoolOffice { id: "s".into(), school: f(5) };
        let r = apply(&Registration::new("x"), &office, &Command::UploadBasicInfo { info: std::sync::Arc::new(info) }, &ctx);
        if let Err(e) = r {
            prop_assert!(matches!(e, Error::InvalidRecord { ref problems } if !problems.is_empty()), "{}", e);
        }
        let (h, _) = H::authorized();
        let mut d = sample::destination_data();
        d.destination.code = f(0);
        d.destination.sub_code = Some(f(1));
        if let Some(a) = d.archive.as_mut() { a.postal_code = f(2); a.phone = f(3); }
        let _ = apply(&h.reg, &platform(), &report(d), &ctx);
    }
}

/// The generator reaches the later stages often: otherwise the property above proves little.
#[test]
fn random_sequences_reach_every_stage() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (
        0u8..5,
        proptest::collection::vec(step(), 1..60),
        any::<u8>(),
    );
    let mut reached = Reached::default();
    for _ in 0..200 {
        let (first, steps, seed) = strategy.new_tree(&mut runner).expect("tree").current();
        run_sequence(first, &steps, seed, &mut reached).expect("invariants");
    }
    assert!(reached.authorized >= 30, "{reached:?}");
    assert!(reached.superseded >= 10, "{reached:?}");
    assert!(reached.void_approved >= 2, "{reached:?}");
    assert!(reached.verified >= 20, "{reached:?}");
}

/// The graduate's true records: basic information as it stands (or the sample before any
/// upload) and the destination as it stands (or the sample before any report). The helpers
/// below never change them: a way out of a state must not need false data.
fn true_records(reg: &Registration) -> (gradreg::BasicInfo, gradreg::DestinationData) {
    let basic = reg
        .basic
        .as_deref()
        .cloned()
        .unwrap_or_else(sample::basic_info);
    let data = reg
        .destination
        .as_deref()
        .cloned()
        .unwrap_or_else(sample::destination_data);
    (basic, data)
}

/// The next step of the scripted helper path from `reg`: what the graduate or the right actor
/// does next to reach `authorized` with the data unchanged. `None` when nobody has a move.
fn helper_moves(reg: &Registration) -> Vec<(Actor, Command)> {
    use gradreg::{BasicStatus as B, DestinationStatus as D};
    let (basic, data) = true_records(reg);
    let office = Actor::SchoolOffice {
        id: "jyc01".into(),
        school: basic.school_code.clone(),
    };
    let counselor = Actor::Counselor {
        id: "fdy07".into(),
        school: basic.school_code.clone(),
        college: basic.college.clone(),
    };
    let me = Actor::Graduate {
        id_number: basic.id_number.clone(),
    };
    let arc_basic = std::sync::Arc::new(basic.clone());
    let mut moves = Vec::new();
    if reg.basic.is_none() {
        moves.push((
            office.clone(),
            Command::UploadBasicInfo {
                info: arc_basic.clone(),
            },
        ));
        return moves;
    }
    if !reg.login_problems().is_empty() {
        // CHSI binds the account with the graduate's identity.
        let mut a = sample::chsi_account();
        a.name = basic.name.clone();
        a.id_number = basic.id_number.clone();
        a.phone = basic.phone.clone();
        a.email = basic.email.clone();
        a.student_record_bound = true;
        moves.push((
            Actor::Chsi,
            Command::UpdateChsiAccount {
                account: Box::new(a),
            },
        ));
    }
    if reg.first_login_at.is_none() {
        moves.push((me.clone(), Command::Login));
    }
    match reg.basic_status {
        // The counselor checks the record and finds it right.
        B::CorrectionRequested => {
            for who in [counselor.clone(), office.clone()] {
                moves.push((
                    who,
                    Command::CorrectBasicInfo {
                        info: arc_basic.clone(),
                    },
                ));
            }
        }
        B::AwaitingReview => moves.push((me.clone(), Command::ConfirmBasicInfo)),
        _ => {}
    }
    let same = report(data);
    match reg.destination_status {
        D::NotReported => moves.push((platform(), same)),
        D::AwaitingConfirmation => moves.push((me.clone(), Command::ConfirmDestination)),
        D::Disputed => {
            moves.push((platform(), same));
            moves.push((me.clone(), Command::ConfirmDestination));
        }
        D::ChangeOpen => {
            moves.push((me.clone(), Command::ConfirmDestination));
            moves.push((platform(), same));
        }
        D::Confirmed => {
            if reg
                .void_request
                .as_ref()
                .is_some_and(gradreg::VoidRequest::is_open)
            {
                // The graduate keeps the destination: they withdraw the request themselves.
                moves.push((me.clone(), Command::WithdrawVoidRequest));
            }
            moves.push((
                me.clone(),
                Command::Authorize {
                    validity_days: None,
                },
            ));
        }
    }
    moves
}

/// Drives `reg` along the helper path at `now` (one hour per step): `Ok` once it is
/// `authorized` with its destination and basic information unchanged, `Err` with the stuck
/// state otherwise.
fn reach_authorized(
    mut reg: Registration,
    policy: &Policy,
    mut now: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    let (basic0, data0) = true_records(&reg);
    for i in 0..24u8 {
        if reg.stage(now) == gradreg::Stage::Authorized {
            let (basic, data) = true_records(&reg);
            if basic != basic0 || data != data0 {
                return Err("the way out changed the graduate's data".into());
            }
            return Ok(());
        }
        let mut moved = false;
        for (actor, cmd) in helper_moves(&reg) {
            let mut ctx = Context::new(now, policy);
            // Never a uniform array (the random sequences use those), and distinct per step
            // and authorization within the first ten bytes, which make the number.
            ctx.entropy = [0xA5 ^ i; 16];
            ctx.entropy[0] = 0x3C;
            ctx.entropy[1] = 0xC3;
            ctx.entropy[2] = i;
            ctx.entropy[3] = reg.authorizations.len() as u8;
            if let Ok(out) = apply(&reg, &actor, &cmd, &ctx) {
                if out.changed() {
                    reg = out.registration;
                    moved = true;
                    break;
                }
            }
        }
        if !moved {
            return Err(format!(
                "dead end at {:?} (basic {:?}, destination {:?}, void {:?})",
                reg.stage(now),
                reg.basic_status,
                reg.destination_status,
                reg.void_request.as_ref().map(|v| v.stage)
            ));
        }
        now += Duration::hours(1);
    }
    Err(format!("no way out in 24 steps from {:?}", reg.stage(now)))
}

/// Runs a random sequence and returns the state it reached and the instant (commands that fail
/// are skipped).
fn reach_state(
    first: u8,
    steps: &[Step],
    seed: u8,
) -> (Registration, chrono::DateTime<chrono::Utc>) {
    let policy = Policy::jiangsu();
    let actors = actors();
    let mut reg = start(first);
    let mut now = day(5, 2);
    for (i, s) in steps.iter().enumerate() {
        now += Duration::hours(i64::from(s.hours));
        let cmd = command(s, &reg);
        let actor = choose_actor(s, &cmd, &actors);
        let mut ctx = Context::new(now, &policy);
        ctx.entropy = [seed.wrapping_add(i as u8); 16];
        if let Ok(out) = apply(&reg, actor, &cmd, &ctx) {
            reg = out.registration;
        }
    }
    (reg, now)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// No state is a trap: from every state random sequences reach (all actors, times across
    /// both deadlines), the graduate reaches `authorized` again with the right actors' help and
    /// without changing the data, now or after the change deadline.
    #[test]
    fn every_reachable_state_can_reach_authorized(first in 0u8..5, steps in proptest::collection::vec(step(), 1..60), seed in any::<u8>(), later in 0u32..2400) {
        let policy = Policy::jiangsu();
        let (reg, now) = reach_state(first, &steps, seed);
        let at = now + Duration::hours(i64::from(later));
        if let Err(why) = reach_authorized(reg.clone(), &policy, at) {
            prop_assert!(false, "{} at {}\n{:#?}", why, at, reg);
        }
    }
}

/// The approved void request that the platform answers with the same destination: the state
/// the helper path must leave, before and after the change deadline.
#[test]
fn change_open_with_unchanged_data_is_not_a_trap() {
    for at in [day(6, 1), day(9, 1)] {
        let (mut h, _) = H::authorized();
        h.ok(
            &graduate(),
            Command::FileVoidRequest {
                reason: "可能换单位".into(),
            },
            day(5, 2),
        );
        h.ok(
            &counselor(),
            Command::ApproveVoidRequest {
                note: String::new(),
            },
            day(5, 3),
        );
        h.ok(
            &school(),
            Command::ApproveVoidRequest {
                note: String::new(),
            },
            day(5, 4),
        );
        assert_eq!(h.reg.stage(day(5, 4)), gradreg::Stage::ChangeOpen);
        reach_authorized(h.reg.clone(), &h.policy, at).unwrap();
        // The platform sends the same destination: back to the graduate's confirmation.
        h.ok(&platform(), report(sample::destination_data()), at);
        assert_eq!(h.reg.stage(at), gradreg::Stage::AwaitingConfirmation);
        h.ok(&graduate(), Command::ConfirmDestination, at);
        reach_authorized(h.reg.clone(), &h.policy, at).unwrap();
    }
}

/// Every verdict online verification gives for `reg` (each authorization's number and an unknown
/// one, the right and a wrong name, both sections, now and later), as text.
fn verdicts(reg: &Registration, now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    let tables = gradreg::CodeTables::builtin();
    let mut lookup = gradreg::MemoryRegistry::new();
    lookup.insert(reg.clone());
    let mut online = gradreg::OnlineVerifier::new(tables);
    online.limit = u32::MAX;
    online.number_limit = u32::MAX;
    online.number_ceiling = u32::MAX;
    let mut numbers: Vec<String> = reg
        .authorizations
        .iter()
        .map(|a| a.number.to_string())
        .collect();
    numbers.push(VerificationNumber::from_entropy(&[0xEE; 16]).to_string());
    let name = reg
        .basic
        .as_ref()
        .map_or_else(String::new, |b| b.name.clone());
    let mut out = Vec::new();
    for (i, number) in numbers.iter().enumerate() {
        for who in [name.as_str(), "李四"] {
            for office in [archive_dept(), hukou_dept()] {
                for at in [now, now + Duration::days(40)] {
                    let log = gradreg::MemoryAttemptLog::new();
                    let p = gradreg::Principal::new(&format!("p{i}")).unwrap();
                    let v = online.verify(&p, &office, who, number, at, &lookup, &log);
                    out.push(format!("{v:?}"));
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// A registration's verification view gives every verdict and disclosure the whole
    /// registration gives.
    #[test]
    fn a_view_verifies_as_its_registration(first in 0u8..5, steps in proptest::collection::vec(step(), 1..40), seed in any::<u8>()) {
        use gradreg::registry::view::{registration_of_view, view_of};
        let (reg, now) = reach_state(first, &steps, seed);
        match view_of(&reg) {
            None => prop_assert!(reg.authorizations.is_empty()),
            Some(bytes) => {
                let view = registration_of_view(&bytes).unwrap();
                prop_assert_eq!(verdicts(&view, now), verdicts(&reg, now));
            }
        }
    }
}
