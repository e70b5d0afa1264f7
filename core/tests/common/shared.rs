//! The part of the test harness that the service's tests share (they include this file by its
//! path): China Standard Time instants, the school's actors, and a graduate walked through the
//! registry's commands to an authorization or through a void request to a changed destination.
//! It names the library alone.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use gradreg::{sample, Actor, BasicInfo, Command, DestinationData, Registry, VerificationNumber};

/// An instant given in China Standard Time.
pub fn cst(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    gradreg::policy::cst()
        .with_ymd_and_hms(y, m, d, h, min, s)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

/// A day in 2026 at 10:00 CST.
pub fn day(m: u32, d: u32) -> DateTime<Utc> {
    cst(2026, m, d, 10, 0, 0)
}

/// The employment office of school 10327.
pub fn school() -> Actor {
    Actor::SchoolOffice {
        id: "jyc01".into(),
        school: "10327".into(),
    }
}

/// The counselor of the sample graduate's college.
pub fn counselor() -> Actor {
    Actor::Counselor {
        id: "fdy07".into(),
        school: "10327".into(),
        college: sample::basic_info().college,
    }
}

/// The provincial platform.
pub fn platform() -> Actor {
    Actor::ProvincialPlatform {
        id: "js24365".into(),
    }
}

/// The command reporting `data`.
pub fn report(data: DestinationData) -> Command {
    Command::ReportDestination {
        data: Arc::new(data),
    }
}

/// Sample data with a different archive receiver (a real change).
pub fn changed_data() -> DestinationData {
    let mut d = sample::destination_data();
    if let Some(a) = d.archive.as_mut() {
        a.receiving_unit = "苏州市人才服务中心".into();
        a.postal_code = "215004".into();
    }
    d
}

/// Files a void request as `graduate`, has the college counselor and the school approve it, and
/// reports the changed destination: the change a confirmed graduate may make (on registry `r`).
pub fn change_after_void(r: &Registry, id: &str, graduate: &Actor, at: DateTime<Utc>) {
    let steps = [
        (
            graduate.clone(),
            Command::FileVoidRequest {
                reason: "换单位".into(),
            },
        ),
        (
            counselor(),
            Command::ApproveVoidRequest {
                note: String::new(),
            },
        ),
        (
            school(),
            Command::ApproveVoidRequest {
                note: String::new(),
            },
        ),
        (platform(), report(changed_data())),
    ];
    for (actor, cmd) in steps {
        r.apply(id, &actor, &cmd, at).unwrap();
    }
}

/// Uploads graduate `b` to `r` as the school on 1 March; returns the registration key.
pub fn upload(r: &Registry, b: &BasicInfo) -> gradreg::Result<String> {
    let id = format!("{}:{}", b.school_code, b.student_number);
    r.apply(
        &id,
        &school(),
        &Command::UploadBasicInfo {
            info: Arc::new(b.clone()),
        },
        day(3, 1),
    )?;
    Ok(id)
}

/// Uploads graduate `b` to `r` (with a CHSI account in `b`'s name and ID number) and walks them
/// to an authorization of `validity_days`, granted on 1 May; returns the registration key and
/// the verification number.
pub fn authorize_for(
    r: &Registry,
    b: &BasicInfo,
    validity_days: u32,
) -> (String, VerificationNumber) {
    let id = upload(r, b).unwrap();
    let g = Actor::Graduate {
        id_number: b.id_number.clone(),
    };
    let mut acct = sample::chsi_account();
    acct.id_number = b.id_number.clone();
    acct.name = b.name.clone();
    let steps = [
        (
            Actor::Chsi,
            Command::UpdateChsiAccount {
                account: Box::new(acct),
            },
            day(3, 2),
        ),
        (g.clone(), Command::Login, day(3, 3)),
        (g.clone(), Command::ConfirmBasicInfo, day(3, 3)),
        (platform(), report(sample::destination_data()), day(4, 20)),
        (g.clone(), Command::ConfirmDestination, day(4, 21)),
        (
            g,
            Command::Authorize {
                validity_days: Some(validity_days),
            },
            day(5, 1),
        ),
    ];
    let mut number = None;
    for (actor, cmd, at) in steps {
        let out = r.apply(&id, &actor, &cmd, at).unwrap();
        number = out.registration.authorizations.first().map(|a| a.number);
    }
    (id, number.expect("an authorization"))
}

/// [`authorize_for`] 30 days; the verification number as text.
pub fn authorize_in(r: &Registry, b: &BasicInfo) -> (String, String) {
    let (id, number) = authorize_for(r, b, 30);
    (id, number.to_string())
}
