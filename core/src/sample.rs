//! Sample records for examples, tests and benchmarks. Every value is synthetic; ID numbers and
//! credit codes carry correct check characters.

use crate::codes::TransferNumber;
use crate::error::Result;
use crate::lifecycle::{apply, Actor, Command, Context, Registration};
use crate::policy::Policy;
use crate::records::{
    ArchiveMethod, ArchiveTransfer, BasicInfo, ChsiAccount, Destination, DestinationData, Employer,
    HukouMigration, HukouReason,
};
use crate::validate::{credit_check_character, id_check_character};
use chrono::{DateTime, Utc};

/// Builds a valid 18-character ID number from a 6-digit region code, a birth date `YYYYMMDD`, a
/// 2-digit sequence and the gender (`true` for male: odd 17th digit). Returns `None` when the parts
/// are not digits of the right lengths.
pub fn id_number(region: &str, birth: &str, seq: u32, male: bool) -> Option<String> {
    if region.len() != 6 || birth.len() != 8 || seq > 99 {
        return None;
    }
    let digit = if male { 1 } else { 2 } + 2 * (seq % 4);
    let first17 = format!("{region}{birth}{seq:02}{digit}");
    let check = id_check_character(&first17)?;
    Some(format!("{first17}{check}"))
}

/// Builds a valid unified social credit code from its first 17 characters' body: `91` (enterprise),
/// a 6-digit region code and a 9-character organisation code.
pub fn credit_code(region: &str, org: &str) -> Option<String> {
    let first17 = format!("91{region}{org}");
    let check = credit_check_character(&first17)?;
    Some(format!("{first17}{check}"))
}

/// A sample graduate: 张明, male, undergraduate of 会计学院 at 南京财经大学, graduating 2026.
pub fn basic_info() -> BasicInfo {
    BasicInfo {
        name: "张明".into(),
        gender: "1".into(),
        id_number: id_number("320102", "20040315", 12, true).unwrap_or_default(),
        exam_number: "22320102150123".into(),
        student_number: "2022010123".into(),
        school_code: "10327".into(),
        school_name: "南京财经大学".into(),
        college: "会计学院".into(),
        major_code: "120203K".into(),
        major_name: "会计学".into(),
        education_level: "31".into(),
        training_mode: "1".into(),
        schooling_length: "4".into(),
        enrolment_date: "2022-09-01".into(),
        graduation_date: "2026-06-30".into(),
        origin_region: "320102".into(),
        ethnicity: "01".into(),
        political_status: "03".into(),
        phone: "13812345678".into(),
        email: "zhangming@example.com".into(),
        id_type: String::new(),
        hardship_category: String::new(),
        teacher_training: String::new(),
        urban_rural: String::new(),
        sponsor_unit: String::new(),
        class_name: String::new(),
        #[cfg(feature = "field-probe")]
        probe_note: None,
    }
}

/// The CHSI account matching [`basic_info`], with the student record bound.
pub fn chsi_account() -> ChsiAccount {
    let b = basic_info();
    ChsiAccount {
        name: b.name,
        id_number: b.id_number,
        id_type: b.id_type,
        student_record_bound: true,
        phone: b.phone,
        email: b.email,
    }
}

/// A sample employment destination (签就业协议形式就业) with archive and hukou data.
pub fn destination_data() -> DestinationData {
    DestinationData {
        destination: Destination {
            code: "10".into(),
            sub_code: None,
            employer: Some(Employer {
                name: "江苏紫金数据科技有限公司".into(),
                credit_code: credit_code("320106", "MA1XK2P3Q").unwrap_or_default(),
                nature: "39".into(),
                industry: "63".into(),
                region: "320106".into(),
                address: "江苏省南京市鼓楼区中山北路 200 号".into(),
            }),
            job_category: Some("13".into()),
            signing_date: Some("2026-04-20".into()),
            further_study: None,
            abroad: None,
            agreement_number: None,
            agreement_status: None,
            enterprise: None,
        },
        archive: Some(ArchiveTransfer {
            receiving_unit: "南京市人才服务中心".into(),
            address: "江苏省南京市玄武区北京东路 63 号".into(),
            postal_code: "210008".into(),
            contact: "王老师".into(),
            phone: "025-83592000".into(),
            method: ArchiveMethod::ConfidentialMail,
            transfer_number: None,
            tracking_number: None,
        }),
        hukou: Some(HukouMigration {
            migrate: true,
            reason: Some(HukouReason::Graduation),
            address: "江苏省南京市鼓楼区中山北路 200 号集体户".into(),
            police_station: "南京市公安局鼓楼分局宁海路派出所".into(),
            region: "320106".into(),
        }),
    }
}

/// A registration of the sample graduate walked through the state machine up to one
/// authorization issued at `at` for `validity_days`, with `entropy` for its verification number
/// and, when given, `transfer` as the archive transfer number.
pub fn authorized_registration(
    id: &str,
    at: DateTime<Utc>,
    validity_days: u32,
    entropy: [u8; 16],
    transfer: Option<TransferNumber>,
) -> Result<Registration> {
    let policy = Policy::national();
    let mut ctx = Context::new(at, &policy);
    ctx.entropy = entropy;
    let basic = basic_info();
    let graduate = Actor::Graduate {
        id_number: basic.id_number.clone(),
    };
    let mut data = destination_data();
    if let (Some(archive), Some(t)) = (data.archive.as_mut(), transfer) {
        archive.transfer_number = Some(t.to_string());
    }
    let steps = [
        (
            Actor::SchoolOffice {
                id: "s1".into(),
                school: "10327".into(),
            },
            Command::UploadBasicInfo {
                info: std::sync::Arc::new(basic),
            },
        ),
        (
            Actor::Chsi,
            Command::UpdateChsiAccount {
                account: Box::new(chsi_account()),
            },
        ),
        (graduate.clone(), Command::Login),
        (graduate.clone(), Command::ConfirmBasicInfo),
        (
            Actor::ProvincialPlatform { id: "p1".into() },
            Command::ReportDestination {
                data: std::sync::Arc::new(data),
            },
        ),
        (graduate.clone(), Command::ConfirmDestination),
        (
            graduate,
            Command::Authorize {
                validity_days: Some(validity_days),
            },
        ),
    ];
    let mut reg = Registration::new(id);
    for (actor, command) in &steps {
        reg = apply(&reg, actor, command, &ctx)?.registration;
    }
    Ok(reg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::CodeTables;
    use crate::validate::Validate;

    #[test]
    fn samples_are_valid() {
        let t = CodeTables::builtin();
        assert_eq!(basic_info().problems(t), vec![]);
        assert_eq!(chsi_account().problems(t), vec![]);
        assert_eq!(destination_data().problems(t), vec![]);
        assert!(id_number("3201", "20040315", 1, true).is_none());
        let at = chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        let reg = authorized_registration("r", at, 30, [5; 16], None).unwrap();
        assert_eq!(reg.authorizations.len(), 1);
        assert_eq!(reg.authorizations[0].issued_at, at);
    }
}
