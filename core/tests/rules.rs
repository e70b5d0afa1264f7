//! One test (or a few) per rule of the registration state machine (`gradreg::lifecycle`: who may
//! send which command, and in which state); each fails if its rule is broken.

mod common;

use common::*;
use gradreg::{
    apply, reminders, sample, Actor, AuthState, AuthStatus, BasicStatus, Command, Context,
    DestinationStatus, Disclosure, Error, EventKind, LoginReason, Masking, Policy, Recipient,
    ReminderKind, ReminderOptions, Section, Stage,
};

// ---------- Rule 1: login ----------

#[test]
fn rule1_login_refusal_lists_every_reason_with_remedy() {
    let mut h = H::new();
    match h.err(&graduate(), Command::Login, day(3, 1)) {
        Error::LoginRefused { reasons } => assert_eq!(
            reasons,
            vec![
                LoginReason::BasicInfoNotUploaded,
                LoginReason::StudentRecordNotBound
            ]
        ),
        e => panic!("{e}"),
    }
    h.ok(
        &school(),
        Command::UploadBasicInfo {
            info: std::sync::Arc::new(sample::basic_info()),
        },
        day(3, 1),
    );
    match h.err(&graduate(), Command::Login, day(3, 1)) {
        Error::LoginRefused { reasons } => assert_eq!(reasons, vec![LoginReason::NoChsiAccount]),
        e => panic!("{e}"),
    }
    // CHSI identity differs in name and ID number, and no student record is bound.
    let mut acct = sample::chsi_account();
    acct.name = "张敏".into();
    acct.id_number = sample::id_number("320102", "20040316", 12, true).unwrap();
    acct.student_record_bound = false;
    h.ok(
        &Actor::Chsi,
        Command::UpdateChsiAccount {
            account: Box::new(acct.clone()),
        },
        day(3, 2),
    );
    let me = Actor::Graduate {
        id_number: acct.id_number.clone(),
    };
    let e = h.err(&me, Command::Login, day(3, 2));
    match &e {
        Error::LoginRefused { reasons } => assert_eq!(
            reasons,
            &vec![
                LoginReason::NameMismatch,
                LoginReason::IdNumberMismatch,
                LoginReason::StudentRecordNotBound
            ]
        ),
        e => panic!("{e}"),
    }
    assert_eq!(e.code(), 202);
    let text = e.to_string();
    assert!(
        text.contains("生源管理") && text.contains("绑定学籍"),
        "{text}"
    );
    // Once CHSI matches and the record is bound, login succeeds.
    h.ok(
        &Actor::Chsi,
        Command::UpdateChsiAccount {
            account: Box::new(sample::chsi_account()),
        },
        day(3, 3),
    );
    h.ok(&graduate(), Command::Login, day(3, 3));
    assert_eq!(h.reg.first_login_at, Some(day(3, 3)));
}

#[test]
fn rule1_another_person_cannot_log_in_to_a_registration() {
    let mut h = H::ready();
    let stranger = Actor::Graduate {
        id_number: sample::id_number("110105", "20030101", 1, true).unwrap(),
    };
    assert!(matches!(
        h.err(&stranger, Command::Login, day(3, 4)),
        Error::Forbidden { .. }
    ));
    assert!(matches!(
        h.err(&stranger, Command::ConfirmDestination, day(3, 4)),
        Error::Forbidden { .. }
    ));
}

// ---------- Rule 2: basic info ----------

#[test]
fn rule2_first_login_asks_for_review_and_correction_returns_to_review() {
    let mut h = H::new();
    h.ok(
        &school(),
        Command::UploadBasicInfo {
            info: std::sync::Arc::new(sample::basic_info()),
        },
        day(3, 1),
    );
    h.ok(
        &Actor::Chsi,
        Command::UpdateChsiAccount {
            account: Box::new(sample::chsi_account()),
        },
        day(3, 1),
    );
    // Nothing before login.
    assert_eq!(
        h.err(&graduate(), Command::ConfirmBasicInfo, day(3, 1)),
        Error::NotLoggedIn
    );
    let out = h.ok(&graduate(), Command::Login, day(3, 2));
    assert!(out
        .events
        .iter()
        .any(|e| e.message_zh.contains("核对本人基本信息")));
    assert_eq!(h.reg.stage(day(3, 2)), Stage::BasicInfoReview);
    // Request a correction: goes to the counselor.
    assert_eq!(
        h.err(
            &graduate(),
            Command::RequestBasicInfoCorrection { note: "  ".into() },
            day(3, 2)
        ),
        Error::ReasonRequired
    );
    let out = h.ok(
        &graduate(),
        Command::RequestBasicInfoCorrection {
            note: "专业名称有误".into(),
        },
        day(3, 2),
    );
    assert_eq!(h.reg.basic_status, BasicStatus::CorrectionRequested);
    assert!(
        matches!(&out.events[0].recipient, Recipient::Counselor { school, college } if college == "会计学院" && school == "10327")
    );
    // While the correction is pending the graduate cannot confirm.
    assert!(matches!(
        h.err(&graduate(), Command::ConfirmBasicInfo, day(3, 2)),
        Error::BasicInfoNotUnderReview(_)
    ));
    // Only the counselor of that college (or the school) corrects.
    let mut fixed = sample::basic_info();
    fixed.major_name = "会计学（ACCA方向）".into();
    assert!(matches!(
        h.err(
            &other_counselor(),
            Command::CorrectBasicInfo {
                info: std::sync::Arc::new(fixed.clone())
            },
            day(3, 3)
        ),
        Error::Forbidden { .. }
    ));
    // Many schools in one registry: the same-named college of another school, and another
    // school's office, may not touch this school's graduate.
    for stranger in [other_school_counselor(), other_school_office()] {
        let e = h.err(
            &stranger,
            Command::CorrectBasicInfo {
                info: std::sync::Arc::new(fixed.clone()),
            },
            day(3, 3),
        );
        assert!(
            matches!(&e, Error::Forbidden { why, .. } if why.contains("own school")),
            "{e:?}"
        );
    }
    assert!(matches!(
        h.err(
            &graduate(),
            Command::CorrectBasicInfo {
                info: std::sync::Arc::new(fixed.clone())
            },
            day(3, 3)
        ),
        Error::Forbidden { .. }
    ));
    let dv = h.reg.data_version;
    let out = h.ok(
        &counselor(),
        Command::CorrectBasicInfo {
            info: std::sync::Arc::new(fixed.clone()),
        },
        day(3, 3),
    );
    assert_eq!(
        h.reg.basic_status,
        BasicStatus::AwaitingReview,
        "back to review"
    );
    assert_eq!(h.reg.data_version, dv + 1);
    assert_eq!(out.events[0].kind, EventKind::BasicInfoCorrected);
    assert_eq!(out.events[0].recipient, Recipient::Graduate);
    h.ok(&graduate(), Command::ConfirmBasicInfo, day(3, 4));
    assert_eq!(h.reg.basic_status, BasicStatus::Confirmed);
    assert_eq!(
        h.reg.basic.as_ref().unwrap().major_name,
        "会计学（ACCA方向）"
    );
}

#[test]
fn rule2_phone_and_email_change_only_through_chsi() {
    let mut h = H::ready();
    let mut info = sample::basic_info();
    info.phone = "13900001111".into();
    let e = h.err(
        &counselor(),
        Command::CorrectBasicInfo {
            info: std::sync::Arc::new(info),
        },
        day(3, 5),
    );
    assert!(
        matches!(&e, Error::Forbidden { why, .. } if why.contains("学信网")),
        "{e}"
    );
    // Nobody but CHSI may send the account.
    for actor in [graduate(), school(), counselor(), platform()] {
        assert!(matches!(
            h.err(
                &actor,
                Command::UpdateChsiAccount {
                    account: Box::new(sample::chsi_account())
                },
                day(3, 5)
            ),
            Error::Forbidden { .. }
        ));
    }
    let mut acct = sample::chsi_account();
    acct.phone = "13900001111".into();
    acct.email = "new@example.org".into();
    let dv = h.reg.data_version;
    h.ok(
        &Actor::Chsi,
        Command::UpdateChsiAccount {
            account: Box::new(acct),
        },
        day(3, 5),
    );
    let b = h.reg.basic.as_ref().unwrap();
    assert_eq!(
        (b.phone.as_str(), b.email.as_str()),
        ("13900001111", "new@example.org")
    );
    assert_eq!(
        h.reg.data_version, dv,
        "contact details are not on the forms"
    );
}

#[test]
fn rule2_upload_is_validated_and_not_silently_replaced() {
    let mut h = H::new();
    let mut bad = sample::basic_info();
    bad.id_number = "3.20102E+17".into();
    bad.ethnicity = "1".into();
    match h.err(
        &school(),
        Command::UploadBasicInfo {
            info: std::sync::Arc::new(bad),
        },
        day(3, 1),
    ) {
        Error::InvalidRecord { problems } => {
            assert_eq!(problems.len(), 2, "{problems:?}");
        }
        e => panic!("{e}"),
    }
    h.ok(
        &school(),
        Command::UploadBasicInfo {
            info: std::sync::Arc::new(sample::basic_info()),
        },
        day(3, 1),
    );
    // An identical re-upload changes nothing; a different one must go through a correction.
    let out = h.ok(
        &school(),
        Command::UploadBasicInfo {
            info: std::sync::Arc::new(sample::basic_info()),
        },
        day(3, 2),
    );
    assert!(!out.changed());
    let mut other = sample::basic_info();
    other.major_name = "审计学".into();
    assert_eq!(
        h.err(
            &school(),
            Command::UploadBasicInfo {
                info: std::sync::Arc::new(other)
            },
            day(3, 2)
        ),
        Error::BasicInfoAlreadyUploaded
    );
}

// ---------- Rule 3: confirmation ----------

#[test]
fn rule3_confirmation_needs_confirmed_basic_info_and_a_report() {
    let mut h = H::ready();
    assert_eq!(
        h.err(&graduate(), Command::ConfirmDestination, day(4, 1)),
        Error::DestinationNotReported
    );
    // Basic info back under review (a correction) blocks confirmation.
    let mut h2 = H::reported();
    let mut fixed = sample::basic_info();
    fixed.major_name = "审计学".into();
    h2.ok(
        &counselor(),
        Command::CorrectBasicInfo {
            info: std::sync::Arc::new(fixed),
        },
        day(4, 20),
    );
    assert_eq!(
        h2.err(&graduate(), Command::ConfirmDestination, day(4, 21)),
        Error::BasicInfoNotConfirmed
    );
    // Only the graduate confirms.
    let mut h3 = H::reported();
    for actor in [school(), counselor(), platform(), Actor::Chsi] {
        assert!(matches!(
            h3.err(&actor, Command::ConfirmDestination, day(4, 21)),
            Error::Forbidden { .. }
        ));
    }
    h3.ok(&graduate(), Command::ConfirmDestination, day(4, 21));
    assert_eq!(h3.reg.destination_status, DestinationStatus::Confirmed);
    assert_eq!(h3.reg.confirmed_version, Some(h3.reg.data_version));
    assert!(matches!(
        h3.err(&graduate(), Command::ConfirmDestination, day(4, 22)),
        Error::NotAwaitingConfirmation(_)
    ));
}

#[test]
fn rule3_dispute_goes_to_counselor_and_fix_comes_back() {
    let mut h = H::reported();
    let out = h.ok(
        &graduate(),
        Command::DisputeDestination {
            reason: "单位名称有误".into(),
        },
        day(4, 21),
    );
    assert_eq!(out.events[0].kind, EventKind::DestinationDisputed);
    assert!(matches!(
        out.events[0].recipient,
        Recipient::Counselor { .. }
    ));
    assert_eq!(h.reg.stage(day(4, 21)), Stage::Disputed);
    let dv = h.reg.data_version;
    let out = h.ok(&platform(), report(changed_data()), day(4, 22));
    assert_eq!(
        h.reg.destination_status,
        DestinationStatus::AwaitingConfirmation
    );
    assert_eq!(h.reg.data_version, dv + 1);
    assert_eq!(
        out.events.last().unwrap().kind,
        EventKind::ConfirmationRequested
    );
    h.ok(&graduate(), Command::ConfirmDestination, day(4, 23));
    // The counselor may also find the data right and send it back unchanged.
    let mut h = H::reported();
    h.ok(
        &graduate(),
        Command::DisputeDestination {
            reason: "我认为有误".into(),
        },
        day(4, 21),
    );
    let dv = h.reg.data_version;
    h.ok(&platform(), report(sample::destination_data()), day(4, 22));
    assert_eq!(
        h.reg.destination_status,
        DestinationStatus::AwaitingConfirmation
    );
    assert_eq!(h.reg.data_version, dv);
}

// ---------- Rule 4: authorization ----------

#[test]
fn rule4_authorization_needs_confirmation_and_bounded_validity() {
    let mut h = H::reported();
    assert_eq!(
        h.err(
            &graduate(),
            Command::Authorize {
                validity_days: None
            },
            day(4, 21)
        ),
        Error::DestinationNotConfirmed
    );
    h.ok(&graduate(), Command::ConfirmDestination, day(4, 21));
    for bad in [0u32, 181, u32::MAX] {
        assert_eq!(
            h.err(
                &graduate(),
                Command::Authorize {
                    validity_days: Some(bad)
                },
                day(4, 22)
            ),
            Error::ValidityOutOfBounds {
                requested: bad,
                min: 1,
                max: 180
            }
        );
    }
    for actor in [school(), counselor(), platform(), archive_dept()] {
        assert!(matches!(
            h.err(
                &actor,
                Command::Authorize {
                    validity_days: None
                },
                day(4, 22)
            ),
            Error::Forbidden { .. }
        ));
    }
    let out = h.ok(
        &graduate(),
        Command::Authorize {
            validity_days: None,
        },
        day(4, 22),
    );
    let a = &out.registration.authorizations[0];
    assert_eq!(
        a.valid_until - a.issued_at,
        chrono::Duration::days(30),
        "policy default"
    );
    assert_eq!(a.data_version, h.reg.data_version);
    assert_eq!(a.status_at(day(4, 22)), AuthStatus::Valid);
    assert!(gradreg::VerificationNumber::parse(&a.number.to_string()).is_ok());
    let out = h.ok(
        &graduate(),
        Command::Authorize {
            validity_days: Some(180),
        },
        day(4, 22),
    );
    assert_ne!(out.registration.authorizations[1].number, a.number);
    assert_eq!(out.events[0].kind, EventKind::AuthorizationIssued);
}

#[test]
fn rule4_confirmation_must_match_current_data() {
    let (h, _) = H::authorized();
    let mut reg = h.reg.clone();
    reg.data_version += 1; // data changed behind the confirmation's back (e.g. a restored backup)
    let policy = Policy::jiangsu();
    let ctx = Context::new(day(5, 2), &policy);
    let e = apply(
        &reg,
        &graduate(),
        &Command::Authorize {
            validity_days: None,
        },
        &ctx,
    )
    .unwrap_err();
    assert!(matches!(e, Error::ConfirmationOutdated { .. }), "{e}");
}

#[test]
fn rule4_forms_omit_sections_not_registered_at_authorization() {
    let mut h = H::ready();
    let mut data = sample::destination_data();
    data.hukou = None;
    h.ok(&platform(), report(data), day(4, 20));
    h.ok(&graduate(), Command::ConfirmDestination, day(4, 21));
    let out = h.ok(
        &graduate(),
        Command::Authorize {
            validity_days: None,
        },
        day(4, 22),
    );
    let a = out.registration.authorizations[0].clone();
    assert!(a.sections.archive && !a.sections.hukou);
    let t = gradreg::CodeTables::builtin();
    let hukou = Disclosure::build(&h.reg, &a, Section::Hukou, t, Masking::default()).unwrap();
    assert!(hukou.hukou.is_none() && hukou.archive.is_none());
    let archive = Disclosure::build(&h.reg, &a, Section::Archive, t, Masking::default()).unwrap();
    assert!(archive.archive.is_some() && archive.hukou.is_none());
    // A hukou department cannot verify a section that was not registered.
    assert!(matches!(
        h.err(
            &hukou_dept(),
            Command::RecordVerification {
                number: a.number,
                section: Section::Hukou
            },
            day(4, 23)
        ),
        Error::SectionNotRegistered(_)
    ));
}

#[test]
fn rule4_disclosure_masks_id_and_never_shows_contact_or_sensitive_codes() {
    let (h, n) = H::authorized();
    let a = h.reg.authorization(&n).unwrap();
    let d = Disclosure::build(
        &h.reg,
        a,
        Section::Archive,
        gradreg::CodeTables::builtin(),
        Masking::default(),
    )
    .unwrap();
    let json = String::from_utf8(d.canonical_bytes()).unwrap();
    let b = sample::basic_info();
    assert!(json.contains("320102********"), "{json}");
    assert!(!json.contains(&b.id_number));
    for secret in [
        b.phone.as_str(),
        b.email.as_str(),
        "汉族",
        "共青团员",
        "ethnicity",
        "political",
    ] {
        assert!(!json.contains(secret), "{secret} leaked: {json}");
    }
}

// ---------- Rule 5: changes ----------

#[test]
fn rule5_updates_before_confirmation_are_free() {
    let mut h = H::reported();
    let dv = h.reg.data_version;
    h.ok(&platform(), report(changed_data()), day(4, 20));
    assert_eq!(h.reg.data_version, dv + 1);
    assert_eq!(
        h.reg.destination_status,
        DestinationStatus::AwaitingConfirmation
    );
    // Only the provincial platform reports.
    for actor in [graduate(), counselor(), school()] {
        assert!(matches!(
            h.err(&actor, report(sample::destination_data()), day(4, 20)),
            Error::Forbidden { .. }
        ));
    }
}

#[test]
fn rule5_change_after_confirmation_needs_void_request_college_then_school() {
    let (mut h, n) = H::authorized();
    assert_eq!(
        h.err(&platform(), report(changed_data()), day(5, 2)),
        Error::ChangeNeedsVoidRequest
    );
    assert!(matches!(
        h.err(
            &school(),
            Command::ApproveVoidRequest {
                note: String::new()
            },
            day(5, 2)
        ),
        Error::VoidRequestWrongStage(_)
    ));
    let out = h.ok(
        &graduate(),
        Command::FileVoidRequest {
            reason: "更换单位".into(),
        },
        day(5, 2),
    );
    assert!(matches!(
        out.events[0].recipient,
        Recipient::Counselor { .. }
    ));
    assert_eq!(
        h.err(
            &graduate(),
            Command::FileVoidRequest {
                reason: "again".into()
            },
            day(5, 2)
        ),
        Error::VoidRequestOpen
    );
    // The school cannot approve before the college; a counselor of another college cannot approve.
    assert!(matches!(
        h.err(
            &school(),
            Command::ApproveVoidRequest {
                note: String::new()
            },
            day(5, 3)
        ),
        Error::VoidRequestWrongStage(_)
    ));
    assert!(matches!(
        h.err(
            &other_counselor(),
            Command::ApproveVoidRequest {
                note: String::new()
            },
            day(5, 3)
        ),
        Error::Forbidden { .. }
    ));
    h.ok(
        &counselor(),
        Command::ApproveVoidRequest {
            note: "属实".into(),
        },
        day(5, 3),
    );
    assert_eq!(h.reg.stage(day(5, 3)), Stage::VoidRequested);
    // Still confirmed and the form still valid until the school approves.
    assert_eq!(h.reg.authorization(&n).unwrap().state, AuthState::Active);
    assert!(matches!(
        h.err(
            &counselor(),
            Command::ApproveVoidRequest {
                note: String::new()
            },
            day(5, 3)
        ),
        Error::VoidRequestWrongStage(_)
    ));
    h.ok(
        &school(),
        Command::ApproveVoidRequest {
            note: String::new(),
        },
        day(5, 4),
    );
    assert_eq!(h.reg.destination_status, DestinationStatus::ChangeOpen);
    assert_eq!(
        h.reg.authorization(&n).unwrap().state,
        AuthState::Superseded
    );
    let dv = h.reg.data_version;
    h.ok(&platform(), report(changed_data()), day(5, 5));
    assert_eq!(h.reg.data_version, dv + 1);
    assert_eq!(
        h.reg.destination_status,
        DestinationStatus::AwaitingConfirmation
    );
    assert!(h.reg.void_request.is_none());
    // The old form never verifies again.
    assert_eq!(
        h.err(
            &archive_dept(),
            Command::RecordVerification {
                number: n,
                section: Section::Archive
            },
            day(5, 6)
        ),
        Error::AuthorizationNotActive {
            state: AuthState::Superseded
        }
    );
    assert_eq!(
        h.reg.authorization(&n).unwrap().status_at(day(5, 6)),
        AuthStatus::Superseded
    );
}

#[test]
fn rule5_rejected_void_request_keeps_the_confirmation() {
    let (mut h, n) = H::authorized();
    h.ok(
        &graduate(),
        Command::FileVoidRequest {
            reason: "想换单位".into(),
        },
        day(5, 2),
    );
    assert_eq!(
        h.err(
            &counselor(),
            Command::RejectVoidRequest {
                note: String::new()
            },
            day(5, 3)
        ),
        Error::ReasonRequired
    );
    let out = h.ok(
        &counselor(),
        Command::RejectVoidRequest {
            note: "材料不全".into(),
        },
        day(5, 3),
    );
    assert_eq!(out.events[0].kind, EventKind::VoidRequestRejected);
    assert_eq!(h.reg.destination_status, DestinationStatus::Confirmed);
    assert_eq!(
        h.reg.authorization(&n).unwrap().status_at(day(5, 3)),
        AuthStatus::Valid
    );
    assert_eq!(
        h.err(&platform(), report(changed_data()), day(5, 4)),
        Error::ChangeNeedsVoidRequest
    );
    // A new request may be filed after a rejection.
    h.ok(
        &graduate(),
        Command::FileVoidRequest {
            reason: "补齐材料".into(),
        },
        day(5, 5),
    );
}

#[test]
fn rule5_any_change_supersedes_every_active_authorization() {
    let (mut h, n1) = H::authorized();
    let out = h.ok(
        &graduate(),
        Command::Authorize {
            validity_days: Some(10),
        },
        day(5, 2),
    );
    let n2 = out.registration.authorizations[1].number;
    // A basic-info correction of what the forms print is a change too: after confirmation it
    // needs an approved void request, whose approval supersedes the forms.
    let mut fixed = sample::basic_info();
    fixed.major_name = "财务管理".into();
    let correct = |info: &gradreg::BasicInfo| Command::CorrectBasicInfo {
        info: std::sync::Arc::new(info.clone()),
    };
    assert_eq!(
        h.err(&counselor(), correct(&fixed), day(5, 3)),
        Error::ChangeNeedsVoidRequest
    );
    h.ok(
        &graduate(),
        Command::FileVoidRequest {
            reason: "专业名称有误".into(),
        },
        day(5, 3),
    );
    h.ok(
        &counselor(),
        Command::ApproveVoidRequest {
            note: String::new(),
        },
        day(5, 3),
    );
    let out = h.ok(
        &school(),
        Command::ApproveVoidRequest {
            note: String::new(),
        },
        day(5, 3),
    );
    let dv = h.reg.data_version;
    h.ok(&counselor(), correct(&fixed), day(5, 3));
    assert_eq!(h.reg.data_version, dv + 1);
    assert_eq!(h.reg.confirmed_version, None, "confirmation reset");
    assert_eq!(h.reg.void_request, None, "the change used the approval");
    assert_eq!(
        h.reg.destination_status,
        DestinationStatus::AwaitingConfirmation
    );
    for n in [n1, n2] {
        assert_eq!(
            h.reg.authorization(&n).unwrap().state,
            AuthState::Superseded
        );
    }
    assert!(out
        .events
        .iter()
        .any(|e| e.kind == EventKind::AuthorizationsSuperseded
            && e.message_zh.contains(&n1.to_string())));
    // A revoked authorization stays revoked (not superseded).
    let (mut h, n) = H::authorized();
    h.ok(
        &graduate(),
        Command::RevokeAuthorization { number: n },
        day(5, 2),
    );
    h.ok(
        &graduate(),
        Command::FileVoidRequest { reason: "x".into() },
        day(5, 3),
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
        day(5, 3),
    );
    assert_eq!(h.reg.authorization(&n).unwrap().state, AuthState::Revoked);
}

// ---------- Rule 6: deadlines ----------

#[test]
fn rule6_report_after_registration_deadline_is_accepted_and_marked_late() {
    // Jiangsu: 15 June, end of day UTC+8.
    let mut h = H::ready();
    h.ok(
        &platform(),
        report(sample::destination_data()),
        cst(2026, 6, 15, 23, 59, 59),
    );
    assert!(!h.reg.late);
    let mut h = H::ready();
    let out = h.ok(
        &platform(),
        report(sample::destination_data()),
        cst(2026, 6, 16, 0, 0, 0),
    );
    assert!(h.reg.late);
    assert!(out.events.iter().any(|e| e.kind == EventKind::LateReport));
    assert_eq!(
        h.reg.destination_status,
        DestinationStatus::AwaitingConfirmation
    );
}

#[test]
fn rule6_change_after_change_deadline_needs_school_override() {
    let mut h = H::reported();
    h.ok(
        &platform(),
        report(changed_data()),
        cst(2026, 8, 15, 23, 59, 59),
    );
    let mut h = H::reported();
    let e = h.err(
        &platform(),
        report(changed_data()),
        cst(2026, 8, 16, 0, 0, 0),
    );
    assert_eq!(
        e,
        Error::ChangeDeadlinePassed {
            deadline: "2026-08-15".into()
        }
    );
    assert_eq!(e.code(), 215);
    // Only SchoolOffice overrides, and only with a reason.
    assert!(matches!(
        h.err(
            &counselor(),
            Command::GrantChangeOverride {
                reason: "特殊情况".into()
            },
            day(8, 20)
        ),
        Error::Forbidden { .. }
    ));
    assert_eq!(
        h.err(
            &school(),
            Command::GrantChangeOverride { reason: "".into() },
            day(8, 20)
        ),
        Error::ReasonRequired
    );
    h.ok(
        &school(),
        Command::GrantChangeOverride {
            reason: "单位延迟发放录用通知".into(),
        },
        day(8, 20),
    );
    let out = h.ok(&platform(), report(changed_data()), day(8, 21));
    assert!(
        out.audit.summary.contains("学校特批"),
        "{}",
        out.audit.summary
    );
    assert!(h.reg.change_override.is_none(), "the override is used up");
    assert!(matches!(
        h.err(&platform(), report(sample::destination_data()), day(8, 22)),
        Error::ChangeDeadlinePassed { .. }
    ));
    // Void requests after the deadline are refused too, before anything is voided.
    let (mut h, _) = H::authorized();
    assert!(matches!(
        h.err(
            &graduate(),
            Command::FileVoidRequest { reason: "x".into() },
            day(8, 16)
        ),
        Error::ChangeDeadlinePassed { .. }
    ));
}

#[test]
fn rule6_deadlines_are_policy_not_code() {
    // The national policy allows changes until 31 August.
    let mut h = H::reported();
    h.policy = Policy::national();
    h.ok(
        &platform(),
        report(changed_data()),
        cst(2026, 8, 31, 23, 0, 0),
    );
    let mut h = H::reported();
    h.policy = Policy::national();
    assert!(matches!(
        h.err(
            &platform(),
            report(changed_data()),
            cst(2026, 9, 1, 0, 0, 0)
        ),
        Error::ChangeDeadlinePassed { .. }
    ));
    // A custom policy with a different registration deadline.
    let mut h = H::ready();
    h.policy.registration_deadline = gradreg::MonthDay::new(5, 31);
    h.ok(&platform(), report(sample::destination_data()), day(6, 1));
    assert!(h.reg.late);
    // An impossible policy date is an error, not a panic.
    let mut h = H::ready();
    h.policy.registration_deadline = gradreg::MonthDay::new(2, 30);
    assert!(matches!(
        h.err(&platform(), report(sample::destination_data()), day(6, 1)),
        Error::InvalidPolicy(_)
    ));
}

// ---------- Rule 7: revocation, expiry, extension ----------

#[test]
fn rule7_revocation() {
    let (mut h, n) = H::authorized();
    let out = h.ok(
        &graduate(),
        Command::RevokeAuthorization { number: n },
        day(5, 2),
    );
    assert_eq!(out.events[0].kind, EventKind::AuthorizationRevoked);
    assert_eq!(
        h.reg.authorization(&n).unwrap().status_at(day(5, 2)),
        AuthStatus::Revoked
    );
    assert_eq!(
        h.err(
            &graduate(),
            Command::RevokeAuthorization { number: n },
            day(5, 2)
        ),
        Error::AuthorizationNotActive {
            state: AuthState::Revoked
        }
    );
    assert!(matches!(
        h.err(
            &archive_dept(),
            Command::RecordVerification {
                number: n,
                section: Section::Archive
            },
            day(5, 3)
        ),
        Error::AuthorizationNotActive { .. }
    ));
    let unknown = gradreg::VerificationNumber::from_entropy(&[0xEE; 16]);
    assert!(matches!(
        h.err(
            &graduate(),
            Command::RevokeAuthorization { number: unknown },
            day(5, 3)
        ),
        Error::AuthorizationNotFound(_)
    ));
    assert!(matches!(
        h.err(
            &school(),
            Command::RevokeAuthorization { number: n },
            day(5, 3)
        ),
        Error::Forbidden { .. }
    ));
}

#[test]
fn rule7_expiry_and_extension() {
    let (mut h, n) = H::authorized(); // 1 May 10:00 CST + 30 days
    let a = h.reg.authorization(&n).unwrap().clone();
    assert_eq!(
        a.status_at(a.valid_until - chrono::Duration::seconds(1)),
        AuthStatus::Valid
    );
    assert_eq!(a.status_at(a.valid_until), AuthStatus::Expired);
    assert_eq!(
        a.status_at(a.issued_at - chrono::Duration::seconds(1)),
        AuthStatus::NotYetValid
    );
    // Extension sets a later end, within the policy's bound from now.
    assert_eq!(
        h.err(
            &graduate(),
            Command::ExtendAuthorization {
                number: n,
                validity_days: 5
            },
            day(5, 2)
        ),
        Error::ExtensionNotLater
    );
    assert!(matches!(
        h.err(
            &graduate(),
            Command::ExtendAuthorization {
                number: n,
                validity_days: 181
            },
            day(5, 2)
        ),
        Error::ValidityOutOfBounds { .. }
    ));
    h.ok(
        &graduate(),
        Command::ExtendAuthorization {
            number: n,
            validity_days: 60,
        },
        day(5, 2),
    );
    let a = h.reg.authorization(&n).unwrap();
    assert_eq!(a.valid_until, day(5, 2) + chrono::Duration::days(60));
    assert_eq!(a.status_at(day(6, 15)), AuthStatus::Valid);
    // Past the new end it is expired: no verification, no extension.
    let late = day(7, 2);
    assert_eq!(
        h.err(
            &archive_dept(),
            Command::RecordVerification {
                number: n,
                section: Section::Archive
            },
            late
        ),
        Error::AuthorizationExpired
    );
    assert_eq!(
        h.err(
            &graduate(),
            Command::ExtendAuthorization {
                number: n,
                validity_days: 30
            },
            late
        ),
        Error::AuthorizationExpired
    );
}

// ---------- Rule 8: audit, events, reminders ----------

#[test]
fn rule8_every_transition_is_audited_with_versions() {
    let (mut h, n) = H::authorized();
    h.ok(
        &archive_dept(),
        Command::RecordVerification {
            number: n,
            section: Section::Archive,
        },
        day(5, 3),
    );
    assert!(h.audit.len() >= 8);
    for pair in h.audit.windows(2) {
        assert_eq!(
            pair[1].version_before, pair[0].version_after,
            "versions chain"
        );
    }
    let last = h.audit.last().unwrap();
    assert_eq!(last.action, "record_verification");
    assert_eq!(last.actor, archive_dept());
    assert_eq!(last.at, day(5, 3));
    assert_eq!(last.version_after, last.version_before + 1);
    assert_eq!(h.reg.version, last.version_after);
    // The graduate learns who checked.
    let ev = h.events.last().unwrap();
    assert_eq!(ev.kind, EventKind::FormVerified);
    assert_eq!(ev.recipient, Recipient::Graduate);
    assert!(ev.message_zh.contains("南京市人才服务中心"));
    // Reporting asks the graduate to confirm.
    assert!(h
        .events
        .iter()
        .any(|e| e.kind == EventKind::ConfirmationRequested && e.recipient == Recipient::Graduate));
    // Departments see only their own section.
    assert!(matches!(
        h.err(
            &hukou_dept(),
            Command::RecordVerification {
                number: n,
                section: Section::Archive
            },
            day(5, 3)
        ),
        Error::Forbidden { .. }
    ));
}

#[test]
fn rule8_reminders_are_a_pure_function_of_cohort_policy_and_time() {
    let policy = Policy::jiangsu();
    let opts = ReminderOptions::default();
    let not_reported = H::ready().reg;
    let unconfirmed = H::reported().reg; // reported 20 April
    let (auth, _) = H::authorized(); // valid until 31 May 10:00 CST
    let cohort = vec![not_reported.clone(), unconfirmed.clone(), auth.reg.clone()];

    // 10 June: 6 days before the deadline.
    let now = day(6, 10);
    let due = reminders(&cohort, &policy, now, &opts);
    assert_eq!(
        due,
        reminders(&cohort, &policy, now, &opts),
        "deterministic"
    );
    let deadline: Vec<_> = due
        .iter()
        .filter(|r| matches!(r.kind, ReminderKind::DeadlineApproaching { .. }))
        .collect();
    assert_eq!(deadline.len(), 1);
    assert_eq!(deadline[0].registration_id, not_reported.id);
    assert_eq!(
        deadline[0].kind,
        ReminderKind::DeadlineApproaching { days_left: 6 }
    );
    assert!(
        deadline[0].message_zh.contains("6 天"),
        "{}",
        deadline[0].message_zh
    );
    assert!(due.iter().any(
        |r| matches!(r.kind, ReminderKind::Unconfirmed { days_waiting } if days_waiting >= 50)
    ));
    // 1 June: not yet near the deadline; the authorization's end is near on 29 May.
    let early = reminders(&cohort, &policy, day(5, 29), &opts);
    assert!(!early
        .iter()
        .any(|r| matches!(r.kind, ReminderKind::DeadlineApproaching { .. })));
    assert!(early
        .iter()
        .any(|r| matches!(r.kind, ReminderKind::AuthorizationExpiring { .. })));
    // After the deadline, the counselor hears of the missing registration.
    let late = reminders(&cohort, &policy, day(6, 16), &opts);
    assert!(late.iter().any(|r| r.kind == ReminderKind::DeadlineMissed
        && matches!(r.recipient, Recipient::Counselor { .. })));
}

#[test]
fn rule7_validity_at_the_edge_of_the_calendar_is_an_error_not_a_panic() {
    let mut h = H::confirmed();
    let edge = chrono::DateTime::<chrono::Utc>::MAX_UTC - chrono::Duration::days(10);
    assert!(matches!(
        h.err(
            &graduate(),
            Command::Authorize {
                validity_days: Some(30)
            },
            edge
        ),
        Error::InvalidArgument(_)
    ));
    // By then the authorization has expired; either way the answer is an error.
    let (mut h, n) = H::authorized();
    assert!(matches!(
        h.err(
            &graduate(),
            Command::ExtendAuthorization {
                number: n,
                validity_days: 30
            },
            edge
        ),
        Error::InvalidArgument(_) | Error::AuthorizationExpired
    ));
}

// ---------- The ways out: no state is a trap ----------

fn approve_void(h: &mut H, at: chrono::DateTime<chrono::Utc>) {
    for who in [counselor(), school()] {
        h.ok(
            &who,
            Command::ApproveVoidRequest {
                note: String::new(),
            },
            at,
        );
    }
}

#[test]
fn rule5_the_graduate_withdraws_an_open_void_request_and_the_confirmation_stands() {
    let (mut h, n) = H::authorized();
    let file = || Command::FileVoidRequest {
        reason: "可能换单位".into(),
    };
    h.ok(&graduate(), file(), day(5, 2));
    assert_eq!(h.reg.stage(day(5, 2)), Stage::VoidRequested);
    assert!(matches!(
        h.err(&counselor(), Command::WithdrawVoidRequest, day(5, 2)),
        Error::Forbidden { .. }
    ));
    let out = h.ok(&graduate(), Command::WithdrawVoidRequest, day(5, 2));
    assert_eq!(out.audit.action, "withdraw_void_request");
    assert!(out.events.iter().any(|e| e.kind == EventKind::VoidRequestWithdrawn
        && matches!(&e.recipient, Recipient::Counselor { college, .. } if *college == sample::basic_info().college)));
    assert_eq!(
        h.reg.void_request.as_ref().map(|v| v.stage),
        Some(gradreg::VoidStage::Withdrawn)
    );
    assert_eq!(h.reg.destination_status, DestinationStatus::Confirmed);
    assert_eq!(h.reg.stage(day(5, 2)), Stage::Authorized);
    assert_eq!(h.reg.authorization(&n).unwrap().state, AuthState::Active);
    // Nothing left to withdraw; the college can no longer decide it.
    assert!(matches!(
        h.err(&graduate(), Command::WithdrawVoidRequest, day(5, 2)),
        Error::VoidRequestWrongStage(_)
    ));
    assert!(matches!(
        h.err(
            &counselor(),
            Command::ApproveVoidRequest {
                note: String::new()
            },
            day(5, 2)
        ),
        Error::VoidRequestWrongStage(_)
    ));
    // At the school's stage, the school office is told.
    h.ok(&graduate(), file(), day(5, 3));
    h.ok(
        &counselor(),
        Command::ApproveVoidRequest {
            note: String::new(),
        },
        day(5, 3),
    );
    let out = h.ok(&graduate(), Command::WithdrawVoidRequest, day(5, 4));
    assert!(out.events.iter().any(|e| e.recipient
        == Recipient::SchoolOffice {
            school: "10327".into()
        }));
    // An approved request is left by confirming again, not by withdrawing.
    h.ok(&graduate(), file(), day(5, 5));
    approve_void(&mut h, day(5, 5));
    assert!(matches!(
        h.err(&graduate(), Command::WithdrawVoidRequest, day(5, 6)),
        Error::VoidRequestWrongStage(_)
    ));
}

#[test]
fn rule5_after_an_approved_void_request_the_unchanged_destination_can_be_confirmed_again() {
    // Before and after the change deadline: confirming unchanged data is not a change.
    for at in [day(5, 10), day(9, 1)] {
        let (mut h, n) = H::authorized();
        h.ok(
            &graduate(),
            Command::FileVoidRequest {
                reason: "可能换单位".into(),
            },
            day(5, 2),
        );
        approve_void(&mut h, day(5, 3));
        assert_eq!(h.reg.stage(day(5, 3)), Stage::ChangeOpen);
        let dv = h.reg.data_version;
        let out = h.ok(&graduate(), Command::ConfirmDestination, at);
        assert_eq!(h.reg.destination_status, DestinationStatus::Confirmed);
        assert_eq!(h.reg.confirmed_version, Some(dv));
        assert_eq!(
            h.reg.void_request.as_ref().map(|v| v.stage),
            Some(gradreg::VoidStage::Withdrawn)
        );
        assert!(out
            .events
            .iter()
            .any(|e| e.kind == EventKind::DestinationConfirmed));
        // The forms voided by the approval stay void; new ones can be issued.
        assert_eq!(
            h.reg.authorization(&n).unwrap().state,
            AuthState::Superseded
        );
        h.ok(
            &graduate(),
            Command::Authorize {
                validity_days: None,
            },
            at,
        );
        assert_eq!(h.reg.stage(at), Stage::Authorized);
    }
    // The platform re-sending the same destination asks the graduate again, even after the
    // change deadline (nothing changes).
    let (mut h, _) = H::authorized();
    h.ok(
        &graduate(),
        Command::FileVoidRequest {
            reason: "可能换单位".into(),
        },
        day(5, 2),
    );
    approve_void(&mut h, day(5, 3));
    let dv = h.reg.data_version;
    let out = h.ok(&platform(), report(sample::destination_data()), day(9, 1));
    assert!(out.changed());
    assert_eq!(h.reg.data_version, dv);
    assert_eq!(
        h.reg.destination_status,
        DestinationStatus::AwaitingConfirmation
    );
    assert!(out
        .events
        .iter()
        .any(|e| e.kind == EventKind::ConfirmationRequested));
    h.ok(&graduate(), Command::ConfirmDestination, day(9, 2));
    assert_eq!(h.reg.stage(day(9, 2)), Stage::Confirmed);
}

#[test]
fn rule2_a_correction_found_right_goes_back_to_the_graduate() {
    let mut h = H::new();
    h.ok(
        &school(),
        Command::UploadBasicInfo {
            info: std::sync::Arc::new(sample::basic_info()),
        },
        day(3, 1),
    );
    h.ok(
        &Actor::Chsi,
        Command::UpdateChsiAccount {
            account: Box::new(sample::chsi_account()),
        },
        day(3, 2),
    );
    h.ok(&graduate(), Command::Login, day(3, 3));
    h.ok(
        &graduate(),
        Command::RequestBasicInfoCorrection {
            note: "专业名称不对".into(),
        },
        day(3, 3),
    );
    let dv = h.reg.data_version;
    let out = h.ok(
        &counselor(),
        Command::CorrectBasicInfo {
            info: std::sync::Arc::new(sample::basic_info()),
        },
        day(3, 4),
    );
    assert!(out.changed());
    assert_eq!(h.reg.basic_status, BasicStatus::AwaitingReview);
    assert_eq!(h.reg.correction_note, None);
    assert_eq!(h.reg.data_version, dv, "nothing changed in the data");
    assert!(out
        .events
        .iter()
        .any(|e| e.kind == EventKind::BasicInfoRechecked && e.recipient == Recipient::Graduate));
    h.ok(&graduate(), Command::ConfirmBasicInfo, day(3, 5));
    // The same record sent again outside a correction request still changes nothing.
    let out = h.ok(
        &counselor(),
        Command::CorrectBasicInfo {
            info: std::sync::Arc::new(sample::basic_info()),
        },
        day(3, 6),
    );
    assert!(!out.changed());
}

#[test]
fn rule5_basic_info_corrections_count_as_changes_when_the_forms_print_them() {
    let correct = |f: &dyn Fn(&mut gradreg::BasicInfo)| {
        let mut b = sample::basic_info();
        f(&mut b);
        Command::CorrectBasicInfo {
            info: std::sync::Arc::new(b),
        }
    };
    // Not printed (political status): no change of registered data, forms stay valid.
    let (mut h, n) = H::authorized();
    let dv = h.reg.data_version;
    let out = h.ok(
        &counselor(),
        correct(&|b| b.political_status = "01".into()),
        day(9, 1), // after the change deadline: not a change, so allowed
    );
    assert!(out.changed());
    assert_eq!(h.reg.data_version, dv);
    assert_eq!(h.reg.confirmed_version, Some(dv));
    assert_eq!(h.reg.destination_status, DestinationStatus::Confirmed);
    assert_eq!(h.reg.basic_status, BasicStatus::AwaitingReview);
    assert_eq!(h.reg.authorization(&n).unwrap().state, AuthState::Active);
    assert!(!out
        .events
        .iter()
        .any(|e| e.kind == EventKind::AuthorizationsSuperseded));
    // Printed (name, graduation date, major name …): needs an approved void request.
    for f in [
        &(|b: &mut gradreg::BasicInfo| b.name = "张三丰".into())
            as &dyn Fn(&mut gradreg::BasicInfo),
        &|b| b.graduation_date = "2026-07-01".into(),
        &|b| b.major_name = "财务管理".into(),
    ] {
        let (mut h, n) = H::authorized();
        let e = h.err(&counselor(), correct(f), day(5, 2));
        assert_eq!(e, Error::ChangeNeedsVoidRequest);
        assert_eq!(e.code(), 212);
        assert_eq!(h.reg.authorization(&n).unwrap().state, AuthState::Active);
    }
    // Reported but not confirmed: free before the change deadline, refused after it without
    // the school's override, which the correction uses up.
    let mut h = H::reported();
    h.ok(
        &school(),
        correct(&|b| b.major_name = "财务管理".into()),
        day(8, 15),
    );
    let mut h = H::reported();
    let e = h.err(
        &school(),
        correct(&|b| b.major_name = "财务管理".into()),
        day(8, 16),
    );
    assert_eq!(
        e,
        Error::ChangeDeadlinePassed {
            deadline: "2026-08-15".into()
        }
    );
    h.ok(
        &school(),
        Command::GrantChangeOverride {
            reason: "学籍信息更正".into(),
        },
        day(8, 16),
    );
    let out = h.ok(
        &school(),
        correct(&|b| b.major_name = "财务管理".into()),
        day(8, 17),
    );
    assert!(
        out.audit.summary.contains("学校特批"),
        "{}",
        out.audit.summary
    );
    assert!(h.reg.change_override.is_none());
    assert!(matches!(
        h.err(
            &school(),
            correct(&|b| b.major_name = "审计学".into()),
            day(8, 18)
        ),
        Error::ChangeDeadlinePassed { .. }
    ));
    // Before any report, corrections are free whatever the date.
    let mut h = H::ready();
    h.ok(
        &school(),
        correct(&|b| b.major_name = "财务管理".into()),
        day(9, 1),
    );
}

#[test]
fn rule6_deadlines_follow_the_graduation_batch() {
    // A December graduate is in the winter batch: not late in July of their graduation year,
    // late only after the next registration deadline, and may change until the next change
    // deadline.
    let winter = |h: &mut H| {
        let mut b = sample::basic_info();
        b.graduation_date = "2026-12-31".into();
        h.ok(
            &school(),
            Command::CorrectBasicInfo {
                info: std::sync::Arc::new(b),
            },
            day(3, 4),
        );
        h.ok(&graduate(), Command::ConfirmBasicInfo, day(3, 4));
    };
    let mut h = H::ready();
    winter(&mut h);
    let out = h.ok(&platform(), report(sample::destination_data()), day(7, 1));
    assert!(!h.reg.late, "a December graduate is not late in July");
    assert!(!out.events.iter().any(|e| e.kind == EventKind::LateReport));
    // Still changeable after the summer change deadline.
    h.ok(&platform(), report(changed_data()), day(9, 1));
    let d = h.reg.deadlines(&h.policy).expect("deadlines");
    assert_eq!(d.batch.as_deref(), Some("winter"));
    assert_eq!(d.change_day.to_string(), "2027-08-15");
    let e = h.err(
        &platform(),
        report(sample::destination_data()),
        cst(2027, 8, 16, 0, 0, 0),
    );
    assert_eq!(
        e,
        Error::ChangeDeadlinePassed {
            deadline: "2027-08-15".into()
        }
    );
    let mut h = H::ready();
    winter(&mut h);
    let out = h.ok(
        &platform(),
        report(sample::destination_data()),
        cst(2027, 6, 16, 0, 0, 0),
    );
    assert!(h.reg.late);
    assert!(out
        .events
        .iter()
        .any(|e| e.kind == EventKind::LateReport && e.message_zh.contains("2027-06-15")));
    // Without batches (a policy saved before batches existed) the calendar year rules.
    let mut h = H::ready();
    winter(&mut h);
    h.policy.batches.clear();
    h.ok(&platform(), report(sample::destination_data()), day(7, 1));
    assert!(h.reg.late);
}

// ---------- Login state and reminders ----------

#[test]
fn rule1_login_state_is_queryable_whatever_the_stage_and_reminded() {
    // Jiangsu's usual order: the destination is reported before the graduate can log in (the
    // CHSI name differs from the upload).
    let mut h = H::new();
    h.ok(
        &school(),
        Command::UploadBasicInfo {
            info: std::sync::Arc::new(sample::basic_info()),
        },
        day(3, 1),
    );
    let mut account = sample::chsi_account();
    account.name = "李四".into();
    h.ok(
        &Actor::Chsi,
        Command::UpdateChsiAccount {
            account: Box::new(account),
        },
        day(3, 2),
    );
    h.ok(&platform(), report(sample::destination_data()), day(4, 20));
    assert_eq!(h.reg.stage(day(5, 1)), Stage::AwaitingConfirmation);
    assert!(!h.reg.logged_in());
    assert_eq!(h.reg.login_problems(), vec![LoginReason::NameMismatch]);
    let due = reminders([&h.reg], &h.policy, day(5, 1), &ReminderOptions::default());
    let never: Vec<_> = due
        .iter()
        .filter(|r| matches!(&r.kind, ReminderKind::NeverLoggedIn { reasons } if reasons == &[LoginReason::NameMismatch]))
        .collect();
    assert_eq!(never.len(), 2, "{due:#?}");
    let to_graduate = never
        .iter()
        .find(|r| r.recipient == Recipient::Graduate)
        .unwrap();
    assert!(
        to_graduate
            .message_zh
            .contains(LoginReason::NameMismatch.message_zh()),
        "{}",
        to_graduate.message_zh
    );
    assert!(never
        .iter()
        .any(|r| matches!(r.recipient, Recipient::Counselor { .. })));
    // Not "log in and confirm": the graduate cannot log in.
    assert!(!due
        .iter()
        .any(|r| matches!(r.kind, ReminderKind::Unconfirmed { .. })));
    // Once they log in, the login reminder stops and the confirmation reminder takes over.
    h.ok(
        &Actor::Chsi,
        Command::UpdateChsiAccount {
            account: Box::new(sample::chsi_account()),
        },
        day(5, 2),
    );
    h.ok(&graduate(), Command::Login, day(5, 2));
    assert!(h.reg.logged_in());
    let due = reminders([&h.reg], &h.policy, day(5, 3), &ReminderOptions::default());
    assert!(!due
        .iter()
        .any(|r| matches!(r.kind, ReminderKind::NeverLoggedIn { .. })));
    assert!(due
        .iter()
        .any(|r| matches!(r.kind, ReminderKind::Unconfirmed { .. })));
}

#[test]
fn rule8_reminders_have_stable_ids_and_cover_void_requests_and_the_change_deadline() {
    let policy = Policy::jiangsu();
    let opts = ReminderOptions::default();
    let ready = H::ready().reg;
    // The same reminder on two days has the same id; ids are unique in a run.
    let a = reminders([&ready], &policy, day(6, 10), &opts);
    let b = reminders([&ready], &policy, day(6, 12), &opts);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].id, b[0].id);
    assert_ne!(
        a[0].kind, b[0].kind,
        "days left differ, the reminder is the same"
    );
    assert!(a[0].id.starts_with(&ready.id));
    // Void requests pending: the counselors first, then the school office.
    let (mut h, _) = H::authorized();
    h.ok(
        &graduate(),
        Command::FileVoidRequest {
            reason: "换单位".into(),
        },
        day(5, 2),
    );
    let due = reminders([&h.reg], &policy, day(5, 5), &opts);
    let pending: Vec<_> = due
        .iter()
        .filter(|r| matches!(r.kind, ReminderKind::VoidRequestPending { .. }))
        .collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].recipient, Recipient::counselors_of(&h.reg));
    assert_eq!(
        pending[0].kind,
        ReminderKind::VoidRequestPending {
            stage: gradreg::VoidStage::AwaitingCollege,
            days_waiting: 3
        }
    );
    assert!(pending[0].message_zh.contains("换单位"));
    let college_id = pending[0].id.clone();
    h.ok(
        &counselor(),
        Command::ApproveVoidRequest {
            note: String::new(),
        },
        day(5, 5),
    );
    let due = reminders([&h.reg], &policy, day(5, 6), &opts);
    let pending: Vec<_> = due
        .iter()
        .filter(|r| matches!(r.kind, ReminderKind::VoidRequestPending { .. }))
        .collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].recipient, Recipient::school_office_of(&h.reg));
    assert_ne!(pending[0].id, college_id);
    // The change deadline approaching: for a reported destination that may still change.
    let (h, _) = H::authorized();
    let due = reminders([&h.reg], &policy, day(8, 10), &opts);
    let change: Vec<_> = due
        .iter()
        .filter(|r| matches!(r.kind, ReminderKind::ChangeDeadlineApproaching { .. }))
        .collect();
    assert_eq!(change.len(), 1, "{due:#?}");
    assert_eq!(
        change[0].kind,
        ReminderKind::ChangeDeadlineApproaching { days_left: 6 }
    );
    assert_eq!(change[0].recipient, Recipient::Graduate);
    assert!(change[0].message_zh.contains("8月15日"));
    for quiet in [day(8, 1), day(8, 16)] {
        assert!(!reminders([&h.reg], &policy, quiet, &opts)
            .iter()
            .any(|r| matches!(r.kind, ReminderKind::ChangeDeadlineApproaching { .. })));
    }
    // Nothing reported: no change reminder, and the options JSON of before still loads.
    assert!(!reminders([&ready], &policy, day(8, 10), &opts)
        .iter()
        .any(|r| matches!(r.kind, ReminderKind::ChangeDeadlineApproaching { .. })));
    let old: ReminderOptions = serde_json::from_str(
        r#"{"deadline_within_days":7,"unconfirmed_after_days":3,"expiring_within_days":3}"#,
    )
    .unwrap();
    assert_eq!(old, opts);
    // A December graduate is not reminded of the summer deadline.
    let mut h = H::ready();
    let mut b = sample::basic_info();
    b.graduation_date = "2026-12-31".into();
    h.ok(
        &school(),
        Command::CorrectBasicInfo {
            info: std::sync::Arc::new(b),
        },
        day(3, 4),
    );
    assert!(reminders([&h.reg], &policy, day(6, 16), &opts)
        .iter()
        .all(|r| !matches!(
            r.kind,
            ReminderKind::DeadlineMissed | ReminderKind::DeadlineApproaching { .. }
        )));
}

// ---------- Extension vs the printed form ----------

/// A source that answers like the registry but does not know the current end (an older status
/// service): the printed end stands.
struct StatusOnly<'a>(gradreg::RegistryStatus<'a, gradreg::MemoryRegistry>);

impl gradreg::StatusSource for StatusOnly<'_> {
    fn status(
        &self,
        number: &gradreg::VerificationNumber,
        section: Section,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<gradreg::StatusAnswer, gradreg::Unavailable> {
        self.0.status(number, section, now)
    }
}

#[test]
fn rule7_an_extended_authorization_verifies_the_same_by_scan_and_by_number() {
    use gradreg::{
        issue_token, verify_token, verify_token_offline, IssueOptions, Key, KeyId, KeyRing,
        MemoryAttemptLog, MemoryRegistry, OnlineVerifier, RegistryStatus, ScanOptions, StatusLists,
        Verdict, VerdictKind,
    };
    let (mut h, n) = H::authorized(); // 30 days from 1 May: printed end 31 May 10:00 CST
    let printed_end = h.reg.authorization(&n).unwrap().valid_until;
    let mut ring = KeyRing::new();
    ring.add_active(Key::hmac(
        KeyId(3),
        &std::array::from_fn::<u8, 32, _>(|i| i as u8 * 5 + 2),
    ))
    .unwrap();
    let disclosure = Disclosure::build(
        &h.reg,
        h.reg.authorization(&n).unwrap(),
        Section::Archive,
        gradreg::CodeTables::builtin(),
        Masking::default(),
    )
    .unwrap();
    let tok = issue_token(
        &ring,
        h.reg.authorization(&n).unwrap(),
        &disclosure,
        &IssueOptions::default(),
    )
    .unwrap();
    h.ok(
        &graduate(),
        Command::ExtendAuthorization {
            number: n,
            validity_days: 60,
        },
        day(5, 20),
    );
    let new_end = h.reg.authorization(&n).unwrap().valid_until;
    assert!(new_end > printed_end);
    let mut registry = MemoryRegistry::new();
    registry.insert(h.reg.clone());
    let source = RegistryStatus {
        lookup: &registry,
        tables: gradreg::CodeTables::builtin(),
        masking: Masking::default(),
    };
    let after = day(6, 10);
    // Online by number: valid until the new end.
    let online = OnlineVerifier::new(gradreg::CodeTables::builtin()).verify(
        &principal_of(&archive_dept()),
        &archive_dept(),
        &sample::basic_info().name,
        &n.to_string(),
        after,
        &registry,
        &MemoryAttemptLog::default(),
    );
    let Verdict::Valid(f) = &online else {
        panic!("{online:?}")
    };
    assert_eq!(f.expires_at, new_end);
    // The scanned form of the same number agrees, and carries the current end.
    let o = verify_token(
        &tok,
        &ring,
        &archive_dept(),
        after,
        &source,
        &ScanOptions::default(),
    );
    let Verdict::Valid(f) = &o.verdict else {
        panic!("{:?}", o.verdict)
    };
    assert_eq!(f.expires_at, new_end);
    assert_eq!(o.failed_at, None);
    // Past the new end both say expired.
    let o = verify_token(
        &tok,
        &ring,
        &archive_dept(),
        new_end,
        &source,
        &ScanOptions::default(),
    );
    assert_eq!(o.verdict.kind(), VerdictKind::Expired);
    // A revoked extension is revoked, not expired.
    let mut revoked = h.reg.clone();
    revoked.authorizations[0].state = AuthState::Revoked;
    let mut rr = MemoryRegistry::new();
    rr.insert(revoked);
    let o = verify_token(
        &tok,
        &ring,
        &archive_dept(),
        after,
        &RegistryStatus {
            lookup: &rr,
            tables: gradreg::CodeTables::builtin(),
            masking: Masking::default(),
        },
        &ScanOptions::default(),
    );
    assert_eq!(o.verdict.kind(), VerdictKind::Revoked);
    // Offline, and with a source that does not know the current end, the printed end stands.
    let o = verify_token_offline(
        &tok,
        &ring,
        &archive_dept(),
        after,
        &StatusLists::new(),
        &ScanOptions::default(),
    );
    assert_eq!(o.verdict.kind(), VerdictKind::Expired);
    let o = verify_token(
        &tok,
        &ring,
        &archive_dept(),
        after,
        &StatusOnly(source),
        &ScanOptions::default(),
    );
    assert_eq!(o.verdict.kind(), VerdictKind::Expired);
}
