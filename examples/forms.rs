//! Walks the sample graduate to an authorization and renders the archive and hukou forms as SVG,
//! PDF and PNG, plus the QR code alone; then both forms as one class document (a two-page PDF,
//! the same as PDF/A-2b for the archive, and a ZIP of the PNG pages).
//!
//! Run with `cargo run -p gradreg --example forms [OUT_DIR]` (default `out/forms`). The font is
//! taken from `GRADREG_FONT`, else from the system's CJK fonts, else the bundled one.

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use gradreg::forms::{
    qr_png, qr_svg, FontSource, Form, FormOptions, PdfOptions, Renderer, DEFAULT_DPI,
};
use gradreg::{
    apply, issue_token, sample, Actor, CodeTables, Command, Context, Disclosure, IssueOptions, Key,
    KeyId, KeyRing, Masking, Policy, Registration, Section,
};

/// Fills `buf` from the operating system's random source (through the library's entropy helper).
fn getrandom_fill(buf: &mut [u8; 32]) -> Result<(), gradreg::Error> {
    buf[..16].copy_from_slice(&Context::os_entropy()?);
    buf[16..].copy_from_slice(&Context::os_entropy()?);
    Ok(())
}

fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    gradreg::policy::cst()
        .with_ymd_and_hms(2026, m, d, h, 0, 0)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("out/forms"));
    std::fs::create_dir_all(&out_dir)?;

    // The guide's steps, as in the walkthrough example.
    let policy = Policy::jiangsu();
    let basic = sample::basic_info();
    let graduate = Actor::Graduate {
        id_number: basic.id_number.clone(),
    };
    let steps: Vec<(Actor, Command, DateTime<Utc>)> = vec![
        (
            Actor::SchoolOffice {
                id: "jyc01".into(),
                school: "10327".into(),
            },
            Command::UploadBasicInfo {
                info: std::sync::Arc::new(basic.clone()),
            },
            at(3, 2, 9),
        ),
        (
            Actor::Chsi,
            Command::UpdateChsiAccount {
                account: Box::new(sample::chsi_account()),
            },
            at(3, 3, 9),
        ),
        (graduate.clone(), Command::Login, at(3, 4, 10)),
        (graduate.clone(), Command::ConfirmBasicInfo, at(3, 4, 11)),
        (
            Actor::ProvincialPlatform {
                id: "js24365".into(),
            },
            Command::ReportDestination {
                data: std::sync::Arc::new(sample::destination_data()),
            },
            at(4, 21, 9),
        ),
        (graduate.clone(), Command::ConfirmDestination, at(4, 22, 20)),
        (
            graduate.clone(),
            Command::Authorize {
                validity_days: Some(30),
            },
            at(6, 20, 9),
        ),
    ];
    let mut reg = Registration::new(format!("{}:{}", basic.school_code, basic.student_number));
    for (actor, cmd, now) in steps {
        let mut ctx = Context::new(now, &policy);
        ctx.entropy = Context::os_entropy()?;
        let out = apply(&reg, &actor, &cmd, &ctx)?;
        println!("{:<22} → {}", cmd.name(), out.audit.summary);
        reg = out.registration;
    }
    let auth = reg
        .authorizations
        .last()
        .cloned()
        .ok_or("no authorization was issued")?;
    println!("核验编号 {}", auth.number);

    let mut secret = [0u8; 32];
    getrandom_fill(&mut secret)?;
    let mut ring = KeyRing::new();
    ring.add_active(Key::hmac(KeyId(1), &secret))?;
    let renderer = Renderer::new(FontSource::Auto)?;
    println!(
        "font: {} ({})",
        renderer.font().family(),
        renderer.font().origin()
    );
    let issued = at(6, 20, 9) + chrono::Duration::minutes(5);
    let mut forms = Vec::new();
    for (section, name) in [(Section::Archive, "archive"), (Section::Hukou, "hukou")] {
        // The signed token of the QR code (HMAC-SHA256 under a fresh key of this run).
        let disclosure = Disclosure::build(
            &reg,
            &auth,
            section,
            CodeTables::builtin(),
            Masking::default(),
        )?;
        let token = issue_token(&ring, &auth, &disclosure, &IssueOptions::default())?;
        let form = Form::build(
            &reg,
            &auth,
            section,
            &token,
            issued,
            CodeTables::builtin(),
            FormOptions::default(),
        )?;
        let rendered = renderer.render(&form, DEFAULT_DPI)?;
        for (ext, bytes) in [
            ("svg", rendered.svg.as_bytes()),
            ("pdf", &rendered.pdf[..]),
            ("png", &rendered.png[..]),
        ] {
            let path = out_dir.join(format!("{name}.{ext}"));
            std::fs::write(&path, bytes)?;
            println!("wrote {} ({} bytes)", path.display(), bytes.len());
        }
        std::fs::write(out_dir.join(format!("{name}-qr.svg")), qr_svg(&token, 8)?)?;
        std::fs::write(out_dir.join(format!("{name}-qr.png")), qr_png(&token, 8)?)?;
        forms.push(form);
    }

    // The class documents: every form a page.
    let class = [
        (
            "class.pdf",
            renderer.class_pdf(&forms, &PdfOptions::default())?,
        ),
        (
            "class-pdfa.pdf",
            renderer.class_pdf(
                &forms,
                &PdfOptions {
                    archival: true,
                    title: Some("毕业生去向登记信息表".into()),
                },
            )?,
        ),
        ("class.zip", renderer.class_png_zip(&forms, DEFAULT_DPI)?),
    ];
    for (file, bytes) in class {
        let path = out_dir.join(file);
        std::fs::write(&path, &bytes)?;
        println!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
    Ok(())
}
