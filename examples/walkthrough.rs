//! Walks one graduate through the operation guide, step by step, printing what each actor does
//! and what the system answers.
//!
//! Run with `cargo run -p gradreg --example walkthrough`.

use chrono::{DateTime, TimeZone, Utc};
use gradreg::{
    apply, sample, Actor, Command, Context, Error, Outcome, Policy, Registration, Section,
    VerificationNumber,
};

fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    // Times are given in China Standard Time.
    gradreg::policy::cst()
        .with_ymd_and_hms(2026, m, d, h, 0, 0)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

struct Walk {
    reg: Registration,
    policy: Policy,
    step: usize,
}

impl Walk {
    fn run(
        &mut self,
        title: &str,
        actor: &Actor,
        cmd: Command,
        now: DateTime<Utc>,
    ) -> Result<Outcome, Error> {
        self.step += 1;
        let mut ctx = Context::new(now, &self.policy);
        ctx.entropy = Context::os_entropy()?;
        println!(
            "\n[{}] {}  ({} by {})",
            self.step,
            title,
            cmd.name(),
            actor.role().as_str()
        );
        match apply(&self.reg, actor, &cmd, &ctx) {
            Ok(out) => {
                println!(
                    "    ok: {} — version {}→{}, data version {}→{}, stage {}",
                    out.audit.summary,
                    out.audit.version_before,
                    out.audit.version_after,
                    out.audit.data_version_before,
                    out.audit.data_version_after,
                    out.registration.stage(now).as_str()
                );
                for e in &out.events {
                    println!("    消息 → {:?}: {}", e.recipient, e.message_zh);
                }
                self.reg = out.registration.clone();
                Ok(out)
            }
            Err(e) => {
                println!("    refused [{}]: {e}", e.code());
                Err(e)
            }
        }
    }
}

fn main() -> Result<(), Error> {
    let basic = sample::basic_info();
    let graduate = Actor::Graduate {
        id_number: basic.id_number.clone(),
    };
    let school = Actor::SchoolOffice {
        id: "jyc01".into(),
        school: "10327".into(),
    };
    let counselor = Actor::Counselor {
        id: "fdy07".into(),
        school: "10327".into(),
        college: basic.college.clone(),
    };
    let platform = Actor::ProvincialPlatform {
        id: "js24365".into(),
    };
    let archive_dept = Actor::ArchiveDept {
        id: "nj-rc".into(),
        name: "南京市人才服务中心".into(),
    };
    let mut w = Walk {
        reg: Registration::new(format!("{}:{}", basic.school_code, basic.student_number)),
        policy: Policy::jiangsu(),
        step: 0,
    };

    println!(
        "毕业生毕业去向登记 — one graduate through the guide (policy: {})",
        w.policy.name
    );

    // 1 登录: refused until the school uploads and CHSI binding is done.
    let _ = w.run(
        "毕业生登录（学校尚未上传生源）",
        &graduate,
        Command::Login,
        at(3, 1, 9),
    );
    w.run(
        "学校就业部门上传生源信息",
        &school,
        Command::UploadBasicInfo {
            info: std::sync::Arc::new(basic.clone()),
        },
        at(3, 2, 9),
    )?;
    let mut chsi = sample::chsi_account();
    chsi.student_record_bound = false;
    w.run(
        "学信网同步账号（未绑定学籍）",
        &Actor::Chsi,
        Command::UpdateChsiAccount {
            account: Box::new(chsi.clone()),
        },
        at(3, 3, 9),
    )?;
    let _ = w.run(
        "毕业生登录（未绑定学籍）",
        &graduate,
        Command::Login,
        at(3, 3, 10),
    );
    chsi.student_record_bound = true;
    w.run(
        "毕业生在学信网绑定学籍",
        &Actor::Chsi,
        Command::UpdateChsiAccount {
            account: Box::new(chsi),
        },
        at(3, 4, 9),
    )?;
    w.run("毕业生登录", &graduate, Command::Login, at(3, 4, 10))?;

    // 2 核对基本信息: a correction by the counselor, then confirmation.
    w.run(
        "毕业生申请更正基本信息",
        &graduate,
        Command::RequestBasicInfoCorrection {
            note: "专业名称应为会计学（ACCA方向）".into(),
        },
        at(3, 4, 11),
    )?;
    let mut corrected = basic.clone();
    corrected.major_name = "会计学（ACCA方向）".into();
    w.run(
        "辅导员在生源管理中更正",
        &counselor,
        Command::CorrectBasicInfo {
            info: std::sync::Arc::new(corrected),
        },
        at(3, 5, 9),
    )?;
    w.run(
        "毕业生确认基本信息无误",
        &graduate,
        Command::ConfirmBasicInfo,
        at(3, 5, 20),
    )?;

    // 4 去向登记确认: reported on the provincial platform, disputed, fixed, confirmed.
    let _ = w.run(
        "毕业生尝试确认（尚未上报去向）",
        &graduate,
        Command::ConfirmDestination,
        at(4, 1, 9),
    );
    let mut data = sample::destination_data();
    if let Some(a) = data.archive.as_mut() {
        a.postal_code = "210009".into();
    }
    w.run(
        "省级平台上报毕业去向",
        &platform,
        Command::ReportDestination {
            data: std::sync::Arc::new(data),
        },
        at(4, 21, 9),
    )?;
    w.run(
        "毕业生对去向提出异议",
        &graduate,
        Command::DisputeDestination {
            reason: "档案接收地址邮编有误".into(),
        },
        at(4, 21, 20),
    )?;
    w.run(
        "辅导员在就业方案管理中修改",
        &platform,
        Command::ReportDestination {
            data: std::sync::Arc::new(sample::destination_data()),
        },
        at(4, 22, 9),
    )?;
    let _ = w.run(
        "毕业生尝试核验授权（尚未确认）",
        &graduate,
        Command::Authorize {
            validity_days: None,
        },
        at(4, 22, 19),
    );
    w.run(
        "毕业生确认登记去向",
        &graduate,
        Command::ConfirmDestination,
        at(4, 22, 20),
    )?;

    // 5 核验授权 and verification.
    let out = w.run(
        "毕业生核验授权（30 天）",
        &graduate,
        Command::Authorize {
            validity_days: Some(30),
        },
        at(6, 20, 9),
    )?;
    let number: VerificationNumber = out
        .registration
        .authorizations
        .last()
        .map(|a| a.number)
        .expect("issued");
    println!("    核验编号: {number}");
    w.run(
        "档案部门核验",
        &archive_dept,
        Command::RecordVerification {
            number,
            section: Section::Archive,
        },
        at(6, 25, 10),
    )?;
    let _ = w.run(
        "档案部门尝试核验户口信息",
        &archive_dept,
        Command::RecordVerification {
            number,
            section: Section::Hukou,
        },
        at(6, 25, 10),
    );

    // Changes after confirmation: a void request through college and school.
    let mut changed = sample::destination_data();
    if let Some(a) = changed.archive.as_mut() {
        a.receiving_unit = "苏州市人才服务中心".into();
        a.address = "江苏省苏州市姑苏区三香路 120 号".into();
        a.postal_code = "215004".into();
    }
    let _ = w.run(
        "省级平台直接变更已确认去向",
        &platform,
        Command::ReportDestination {
            data: std::sync::Arc::new(changed.clone()),
        },
        at(7, 1, 9),
    );
    w.run(
        "毕业生提交作废申请",
        &graduate,
        Command::FileVoidRequest {
            reason: "单位变更，档案改寄新单位".into(),
        },
        at(7, 1, 10),
    )?;
    w.run(
        "学院审核同意",
        &counselor,
        Command::ApproveVoidRequest {
            note: "情况属实".into(),
        },
        at(7, 2, 9),
    )?;
    w.run(
        "学校审核同意",
        &school,
        Command::ApproveVoidRequest {
            note: String::new(),
        },
        at(7, 2, 15),
    )?;
    let _ = w.run(
        "档案部门用旧编号核验（应失效）",
        &archive_dept,
        Command::RecordVerification {
            number,
            section: Section::Archive,
        },
        at(7, 2, 16),
    );
    w.run(
        "省级平台变更去向",
        &platform,
        Command::ReportDestination {
            data: std::sync::Arc::new(changed),
        },
        at(7, 3, 9),
    )?;
    w.run(
        "毕业生重新确认",
        &graduate,
        Command::ConfirmDestination,
        at(7, 3, 20),
    )?;
    let out = w.run(
        "毕业生重新授权",
        &graduate,
        Command::Authorize {
            validity_days: Some(60),
        },
        at(7, 3, 21),
    )?;
    let new_number = out
        .registration
        .authorizations
        .last()
        .map(|a| a.number)
        .expect("issued");
    w.run(
        "毕业生延长有效期",
        &graduate,
        Command::ExtendAuthorization {
            number: new_number,
            validity_days: 90,
        },
        at(7, 20, 9),
    )?;
    let _ = w.run(
        "变更截止后再次变更（8月15日后）",
        &graduate,
        Command::FileVoidRequest {
            reason: "再次变更".into(),
        },
        at(8, 20, 9),
    );
    w.run(
        "毕业生撤销授权",
        &graduate,
        Command::RevokeAuthorization { number: new_number },
        at(8, 21, 9),
    )?;

    println!("\nfinal stage: {}", w.reg.stage(at(8, 21, 10)).as_str());
    println!("authorizations:");
    for a in &w.reg.authorizations {
        println!(
            "  {}  {:?} at {}  valid until {}",
            a.number,
            a.status_at(at(8, 21, 10)),
            a.issued_at,
            a.valid_until
        );
    }
    Ok(())
}
