//! The boundary of the core's arguments: instants every face can carry (the years 0001 to 9999)
//! and registration keys without control characters, refused as argument errors before anything
//! is stored; exports that never carry a control character. The registry's checks run on every
//! store (memory, SQLite, and PostgreSQL when `GRADREG_TEST_PG_URL` is set).

mod common;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use common::{stores, StoreKind};
use gradreg::{sample, Actor, Command, ErrorCode};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn office() -> Actor {
    Actor::SchoolOffice {
        id: "jyc01".into(),
        school: "10327".into(),
    }
}

fn upload() -> Command {
    Command::UploadBasicInfo {
        info: Arc::new(sample::basic_info()),
    }
}

#[test]
fn an_authorization_ending_after_the_year_9999_is_refused() {
    // Authorized on 9999-12-01 for 60 days would end in the year 10000, which no face can read.
    let err = sample::authorized_registration("r1", at("9999-12-01T00:00:00Z"), 60, [3; 16], None)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
    assert!(err.to_string().contains("valid_until"), "{err}");
    // Ending on 9999-12-31 is fine.
    sample::authorized_registration("r1", at("9999-12-01T00:00:00Z"), 30, [3; 16], None).unwrap();
}

#[test]
fn an_instant_outside_the_years_0001_to_9999_is_refused_before_anything_is_stored() {
    for kind in stores() {
        let _on = kind.label();
        an_instant_outside_the_years_0001_to_9999_is_refused_before_anything_is_stored_on(kind);
    }
}

fn an_instant_outside_the_years_0001_to_9999_is_refused_before_anything_is_stored_on(
    kind: StoreKind,
) {
    let (reg, _store) = kind.open_default();
    let year0 = DateTime::from_timestamp(gradreg::FIRST_INSTANT_UNIX - 1, 0).unwrap();
    let year10000 = DateTime::from_timestamp(gradreg::LAST_INSTANT_UNIX + 1, 0).unwrap();
    for now in [
        year0,
        year10000,
        DateTime::<Utc>::MAX_UTC,
        DateTime::<Utc>::MIN_UTC,
    ] {
        let err = reg.apply("r1", &office(), &upload(), now).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "{now}: {err}");
        assert!(reg.find("r1").unwrap().is_none());
    }
    let first = DateTime::from_timestamp(gradreg::FIRST_INSTANT_UNIX, 0).unwrap();
    assert!(gradreg::check_instant("now", first).is_ok());
    let last = DateTime::from_timestamp(gradreg::LAST_INSTANT_UNIX, 999_999_999).unwrap();
    assert!(gradreg::check_instant("now", last).is_ok());
}

#[test]
fn registration_keys_with_control_characters_are_refused() {
    for kind in stores() {
        let _on = kind.label();
        registration_keys_with_control_characters_are_refused_on(kind);
    }
}

fn registration_keys_with_control_characters_are_refused_on(kind: StoreKind) {
    let (reg, _store) = kind.open_default();
    let now = at("2026-03-01T00:00:00Z");
    let too_long = "k".repeat(gradreg::MAX_REGISTRATION_ID_BYTES + 1);
    for id in [
        "a\0b",
        "10327:1\n",
        "x\u{1b}[2J",
        "\u{7f}",
        "a\u{85}",
        "a\u{2028}b",
        "",
        &too_long,
    ] {
        let err = reg.apply(id, &office(), &upload(), now).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "{id:?}: {err}");
        assert!(reg.find(id).unwrap().is_none(), "{id:?} was stored");
        let at_version = reg
            .apply_at_version(id, 0, &office(), &upload(), now)
            .unwrap_err();
        assert_eq!(at_version.code(), ErrorCode::InvalidArgument);
    }
    // In a batch the refusal is the command's own; the rest commits.
    let results = reg
        .apply_batch(
            &[
                ("bad\0".to_string(), office(), upload()),
                ("10327:2022010123".to_string(), office(), upload()),
            ],
            now,
        )
        .unwrap();
    assert_eq!(
        results[0].as_ref().unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
    assert!(results[1].is_ok());
    assert!(reg.find("bad\0").unwrap().is_none());
    // Uploads too.
    let (reg, _store) = kind.open_default();
    let uploads = reg
        .upload_batch(
            &[("n\0ul".to_string(), Arc::new(sample::basic_info()))],
            &office(),
            now,
            false,
        )
        .unwrap();
    assert!(
        matches!(&uploads[0], gradreg::UploadResult::Refused { error } if error.code() == ErrorCode::InvalidArgument)
    );
    assert!(reg.find("n\0ul").unwrap().is_none());
    // Keys of every script and punctuation stay welcome.
    gradreg::check_registration_id("10327:2022010123").unwrap();
    gradreg::check_registration_id("南京大学/2022 010 123").unwrap();
}

fn correction(class_name: &str) -> Command {
    let mut info = sample::basic_info();
    info.class_name = class_name.into();
    Command::CorrectBasicInfo {
        info: Arc::new(info),
    }
}

#[test]
fn two_offices_correcting_from_one_version_do_not_both_succeed() {
    for kind in stores() {
        let _on = kind.label();
        two_offices_correcting_from_one_version_do_not_both_succeed_on(kind);
    }
}

fn two_offices_correcting_from_one_version_do_not_both_succeed_on(kind: StoreKind) {
    let (reg, _store) = kind.open_default();
    let now = at("2026-03-01T00:00:00Z");
    reg.apply("r1", &office(), &upload(), now).unwrap();
    let read = reg.get("r1").unwrap().version;
    // The first office's correction commits; the second, from the same version, is a conflict.
    reg.apply_at_version("r1", read, &office(), &correction("会计2201"), now)
        .unwrap();
    let err = reg
        .apply_at_version("r1", read, &office(), &correction("会计2202"), now)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    let basic = reg.get("r1").unwrap().basic.unwrap();
    assert_eq!(basic.class_name, "会计2201");
    // The same in a batch: the command carrying the stale version is refused, the rest commit.
    let now_version = reg.get("r1").unwrap().version;
    let results = reg
        .apply_batch_at_versions(
            &[
                (
                    "r1".to_string(),
                    Some(now_version),
                    office(),
                    correction("会计2203"),
                ),
                (
                    "r1".to_string(),
                    Some(now_version),
                    office(),
                    correction("会计2204"),
                ),
            ],
            now,
        )
        .unwrap();
    assert!(results[0].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().code(), ErrorCode::Conflict);
    assert_eq!(reg.get("r1").unwrap().basic.unwrap().class_name, "会计2203");
}
