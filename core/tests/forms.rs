//! Forms: content rules, refusals, rendering to SVG, PDF and PNG, and the QR code read back by
//! independent decoders (rqrr here; Debian's zbarimg, pdftoppm and pdftotext where installed —
//! scripts/test.sh installs them).
#![cfg(feature = "render")]

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use gradreg::forms::{
    qr_png, qr_svg, Font, FontSource, Form, FormOptions, Renderer, Row, DEFAULT_DPI,
    MAX_FIELD_CHARS, PRINT_DPI,
};
use gradreg::{
    apply, sample, Actor, AuthState, Authorization, CodeTables, Command, Context, DestinationData,
    Error, Masking, Policy, Registration, Section,
};

// ---------------------------------------------------------------- fixtures

fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    gradreg::policy::cst()
        .with_ymd_and_hms(2026, m, d, h, 0, 0)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

fn graduate() -> Actor {
    Actor::Graduate {
        id_number: sample::basic_info().id_number,
    }
}

fn run(reg: &Registration, actor: &Actor, cmd: Command, now: DateTime<Utc>) -> Registration {
    let policy = Policy::jiangsu();
    let mut ctx = Context::new(now, &policy);
    ctx.entropy = [7; 16];
    match apply(reg, actor, &cmd, &ctx) {
        Ok(out) => out.registration,
        Err(e) => panic!("{} refused: {e}", cmd.name()),
    }
}

/// The sample graduate, authorized on 20 June 2026 09:00 (UTC+8) for 30 days, with `data`
/// reported.
fn authorized_with(name: &str, data: DestinationData) -> (Registration, Authorization) {
    let mut basic = sample::basic_info();
    basic.name = name.to_string();
    let mut chsi = sample::chsi_account();
    chsi.name = name.to_string();
    let g = graduate();
    let platform = Actor::ProvincialPlatform { id: "p".into() };
    let mut reg = Registration::new("10327:2022010123");
    reg = run(
        &reg,
        &Actor::SchoolOffice {
            id: "s".into(),
            school: "10327".into(),
        },
        Command::UploadBasicInfo {
            info: std::sync::Arc::new(basic),
        },
        at(3, 2, 9),
    );
    reg = run(
        &reg,
        &Actor::Chsi,
        Command::UpdateChsiAccount {
            account: Box::new(chsi),
        },
        at(3, 3, 9),
    );
    reg = run(&reg, &g, Command::Login, at(3, 4, 10));
    reg = run(&reg, &g, Command::ConfirmBasicInfo, at(3, 4, 11));
    reg = run(
        &reg,
        &platform,
        Command::ReportDestination {
            data: std::sync::Arc::new(data),
        },
        at(4, 21, 9),
    );
    reg = run(&reg, &g, Command::ConfirmDestination, at(4, 22, 20));
    reg = run(
        &reg,
        &g,
        Command::Authorize {
            validity_days: Some(30),
        },
        at(6, 20, 9),
    );
    let auth = reg.authorizations.last().cloned().expect("authorized");
    (reg, auth)
}

fn authorized() -> (Registration, Authorization) {
    authorized_with("张明", sample::destination_data())
}

/// A QR-alphanumeric stand-in for a signed token.
fn token(auth: &Authorization, section: Section) -> String {
    format!(
        "GR1:{}{}:MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPIYTEMZUGU3DOOBZ",
        section.as_str().to_ascii_uppercase(),
        auth.number.as_compact()
    )
}

fn issued() -> DateTime<Utc> {
    at(6, 20, 9) + Duration::minutes(5)
}

fn form_for(reg: &Registration, auth: &Authorization, section: Section) -> Form {
    Form::build(
        reg,
        auth,
        section,
        &token(auth, section),
        issued(),
        CodeTables::builtin(),
        FormOptions::default(),
    )
    .expect("form")
}

/// The shared renderer, or `None` (with a note) when this machine has no CJK font.
fn renderer() -> Option<&'static Renderer> {
    static R: OnceLock<Option<Renderer>> = OnceLock::new();
    R.get_or_init(|| match Renderer::new(FontSource::Auto) {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("note: no CJK font ({e}); run scripts/test.sh to install one");
            None
        }
    })
    .as_ref()
}

macro_rules! renderer_or_skip {
    () => {
        match renderer() {
            Some(r) => r,
            None => return,
        }
    };
}

fn tool(name: &str) -> bool {
    let found = Process::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        eprintln!(
            "note: {name} is not installed; skipping that check (scripts/test.sh installs it)"
        );
    }
    found
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradreg-forms-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Every QR code rqrr finds in a PNG, decoded.
fn rqrr_decode_png(png: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(png).expect("PNG").to_luma8();
    rqrr_decode_gray(img.width() as usize, img.height() as usize, img.as_raw())
}

/// Every QR code rqrr finds in a pixmap rendered on white, decoded.
fn rqrr_decode_pixmap(p: &resvg::tiny_skia::Pixmap) -> Vec<String> {
    let gray: Vec<u8> = p.data().chunks_exact(4).map(|px| px[1]).collect();
    rqrr_decode_gray(p.width() as usize, p.height() as usize, &gray)
}

fn rqrr_decode_gray(w: usize, h: usize, gray: &[u8]) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| gray[y * w + x]);
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok())
        .map(|(meta, text)| {
            // rqrr reports the raw format bits: M = 0.
            assert_eq!(meta.ecc_level, 0, "error correction level M");
            text
        })
        .collect()
}

fn zbar_decode(path: &Path) -> Option<String> {
    if !tool("zbarimg") {
        return None;
    }
    let out = Process::new("zbarimg")
        .args(["--nodbus", "-q", "--raw"])
        .arg(path)
        .output()
        .expect("zbarimg runs");
    assert!(
        out.status.success(),
        "zbarimg found no code in {}",
        path.display()
    );
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn pdftotext(pdf: &[u8], tag: &str) -> Option<String> {
    if !tool("pdftotext") {
        return None;
    }
    let dir = temp_dir(tag);
    let path = dir.join("form.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    let out = Process::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success());
    Some(String::from_utf8_lossy(&out.stdout).to_string())
}

// ---------------------------------------------------------------- content

#[test]
fn form_content_has_the_guides_sections_in_order() {
    let (reg, auth) = authorized();
    let form = form_for(&reg, &auth, Section::Archive);
    assert_eq!(form.title, "毕业生去向登记信息表（档案）");
    let keys: Vec<&str> = form.blocks.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(keys, ["basic", "destination", "archive", "verification"]);
    assert_eq!(form.number, auth.number);
    assert_eq!(form.field("identity.name").unwrap().value, "张明");
    // ID number masked by default: first 6 and last 4.
    let id = sample::basic_info().id_number;
    let masked = &form.field("identity.id_number").unwrap().value;
    assert_eq!(masked, &Masking::default().apply(&id));
    assert!(masked.starts_with(&id[..6]) && masked.ends_with(&id[14..]));
    // Validity and time of issue in UTC+8; how to verify names both ways.
    assert_eq!(
        form.field("verification.validity").unwrap().value,
        "2026年06月20日 09:00 至 2026年07月20日 09:00（北京时间）"
    );
    assert_eq!(
        form.field("verification.issued_at").unwrap().value,
        "2026年06月20日 09:05"
    );
    let how = &form.field("verification.how").unwrap().value;
    assert!(how.contains("姓名和核验编号") && how.contains("二维码"));
    assert!(how.contains("档案转递信息在线核验"));

    let hukou = form_for(&reg, &auth, Section::Hukou);
    assert_eq!(hukou.title, "毕业生去向登记信息表（户口）");
    let keys: Vec<&str> = hukou.blocks.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(keys, ["basic", "destination", "hukou", "verification"]);
    assert!(hukou.field("archive.address").is_none());

    // A wider mask option is honoured.
    let wide = Form::build(
        &reg,
        &auth,
        Section::Hukou,
        &token(&auth, Section::Hukou),
        issued(),
        CodeTables::builtin(),
        FormOptions {
            masking: Masking { head: 3, tail: 1 },
        },
    )
    .unwrap();
    assert!(wide
        .field("identity.id_number")
        .unwrap()
        .value
        .starts_with("320***"));
}

#[test]
fn sections_are_omitted_exactly_when_unregistered() {
    for (archive, hukou) in [(true, true), (true, false), (false, true), (false, false)] {
        let mut data = sample::destination_data();
        if !archive {
            data.archive = None;
        }
        if !hukou {
            data.hukou = None;
        }
        let (reg, auth) = authorized_with("张明", data);
        assert_eq!(
            (auth.sections.archive, auth.sections.hukou),
            (archive, hukou)
        );
        let a = form_for(&reg, &auth, Section::Archive);
        let h = form_for(&reg, &auth, Section::Hukou);
        assert_eq!(a.block("archive").is_some(), archive, "archive form");
        assert_eq!(h.block("hukou").is_some(), hukou, "hukou form");
        // Neither form ever shows the other department's section.
        assert!(a.block("hukou").is_none() && h.block("archive").is_none());
        for f in [&a, &h] {
            assert!(f.block("basic").is_some() && f.block("destination").is_some());
        }
        if let Some(r) = renderer() {
            let svg_a = r.svg(&a).unwrap();
            let svg_h = r.svg(&h).unwrap();
            assert_eq!(svg_a.contains("档案转递信息</text>"), archive);
            assert_eq!(svg_h.contains("户口迁移信息</text>"), hukou);
            assert!(!svg_a.contains("户口迁移信息</text>"));
            assert!(!svg_h.contains("档案转递信息</text>"));
        }
    }
}

#[test]
fn forms_are_refused_for_authorizations_not_in_force() {
    let (reg, auth) = authorized();
    let build = |reg: &Registration, auth: &Authorization, when: DateTime<Utc>| {
        Form::build(
            reg,
            auth,
            Section::Archive,
            &token(auth, Section::Archive),
            when,
            CodeTables::builtin(),
            FormOptions::default(),
        )
    };
    // Expired: at or after the end of validity.
    assert_eq!(
        build(&reg, &auth, auth.valid_until).unwrap_err(),
        Error::AuthorizationExpired
    );
    assert!(build(&reg, &auth, auth.valid_until - Duration::seconds(1)).is_ok());
    // Before the authorization was issued: a caller's clock error.
    assert_eq!(
        build(&reg, &auth, auth.issued_at - Duration::seconds(1))
            .unwrap_err()
            .code(),
        103
    );
    // Revoked: refused even with the caller's stale copy of the authorization.
    let revoked = run(
        &reg,
        &graduate(),
        Command::RevokeAuthorization {
            number: auth.number,
        },
        at(6, 21, 9),
    );
    assert_eq!(auth.state, AuthState::Active);
    assert_eq!(
        build(&revoked, &auth, at(6, 22, 9)).unwrap_err(),
        Error::AuthorizationNotActive {
            state: AuthState::Revoked
        }
    );
    // Superseded by a change through an approved void request.
    let g = graduate();
    let mut changed = run(
        &reg,
        &g,
        Command::FileVoidRequest {
            reason: "单位变更".into(),
        },
        at(7, 1, 10),
    );
    changed = run(
        &changed,
        &Actor::Counselor {
            id: "c".into(),
            school: "10327".into(),
            college: sample::basic_info().college,
        },
        Command::ApproveVoidRequest {
            note: String::new(),
        },
        at(7, 2, 9),
    );
    changed = run(
        &changed,
        &Actor::SchoolOffice {
            id: "s".into(),
            school: "10327".into(),
        },
        Command::ApproveVoidRequest {
            note: String::new(),
        },
        at(7, 2, 15),
    );
    let mut data = sample::destination_data();
    if let Some(a) = data.archive.as_mut() {
        a.receiving_unit = "苏州市人才服务中心".into();
    }
    changed = run(
        &changed,
        &Actor::ProvincialPlatform { id: "p".into() },
        Command::ReportDestination {
            data: std::sync::Arc::new(data),
        },
        at(7, 3, 9),
    );
    assert_eq!(
        changed.authorization(&auth.number).map(|a| a.state),
        Some(AuthState::Superseded)
    );
    assert_eq!(
        build(&changed, &auth, at(7, 3, 10)).unwrap_err(),
        Error::AuthorizationNotActive {
            state: AuthState::Superseded
        }
    );
    // An authorization the registration does not have.
    let (other, other_auth) = authorized();
    let mut foreign = other_auth.clone();
    foreign.number = gradreg::VerificationNumber::from_entropy(&[1; 16]);
    assert_eq!(build(&other, &foreign, issued()).unwrap_err().code(), 217);
}

#[test]
fn bad_tokens_and_absurd_fields_are_typed_errors() {
    let (reg, auth) = authorized();
    let build = |token: &str| {
        Form::build(
            &reg,
            &auth,
            Section::Archive,
            token,
            issued(),
            CodeTables::builtin(),
            FormOptions::default(),
        )
    };
    assert_eq!(build("").unwrap_err().code(), 406);
    assert_eq!(build("GR1:核验").unwrap_err().code(), 406);
    assert_eq!(build("GR1:\u{7}").unwrap_err().code(), 406);
    assert_eq!(build(&"A".repeat(5000)).unwrap_err().code(), 406);

    // A value longer than any record allows is refused before layout.
    let mut form = form_for(&reg, &auth, Section::Archive);
    if let Some(Row::Wide(f)) = form.blocks[2].rows.get_mut(1) {
        f.value = "很长的地址".repeat(MAX_FIELD_CHARS);
    }
    let err = form.check_lengths().unwrap_err();
    assert_eq!(
        err,
        Error::FieldTooLong {
            field: "archive.address".into(),
            chars: MAX_FIELD_CHARS * 5
        }
    );
    if let Some(r) = renderer() {
        assert_eq!(r.svg(&form).unwrap_err(), err);
        assert_eq!(r.png(&form, DEFAULT_DPI).unwrap_err(), err);
    }
}

// ---------------------------------------------------------------- rendering

#[test]
fn png_page_at_150_dpi_scans_with_rqrr_and_zbar() {
    let r = renderer_or_skip!();
    let (reg, auth) = authorized();
    for section in [Section::Archive, Section::Hukou] {
        let form = form_for(&reg, &auth, section);
        let png = r.png(&form, 150).unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), (1240, 1754));
        assert_eq!(img.color(), image::ColorType::L8, "grayscale");
        assert_eq!(rqrr_decode_png(&png), vec![form.token.clone()]);
        let dir = temp_dir("png");
        let path = dir.join(format!("{}.png", section.as_str()));
        std::fs::write(&path, &png).unwrap();
        if let Some(text) = zbar_decode(&path) {
            assert_eq!(text, form.token);
        }
    }
}

#[test]
fn png_at_300_dpi_on_request() {
    let r = renderer_or_skip!();
    let (reg, auth) = authorized();
    let form = form_for(&reg, &auth, Section::Archive);
    let png = r.png(&form, PRINT_DPI).unwrap();
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), (2480, 3508));
    assert_eq!(rqrr_decode_png(&png), vec![form.token.clone()]);
    for dpi in [0, 71, 601, u32::MAX] {
        assert_eq!(r.png(&form, dpi).unwrap_err().code(), 405, "{dpi} dpi");
        assert_eq!(r.render(&form, dpi).unwrap_err().code(), 405, "{dpi} dpi");
    }
}

#[test]
fn pdf_is_a4_with_searchable_text_and_a_scannable_qr() {
    let r = renderer_or_skip!();
    let (reg, auth) = authorized_with("欧阳堃镕", sample::destination_data());
    let form = form_for(&reg, &auth, Section::Archive);
    let pdf = r.pdf(&form).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let raw = String::from_utf8_lossy(&pdf);
    let media: Vec<f64> = raw
        .split("/MediaBox [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .map(|nums| {
            nums.split_whitespace()
                .filter_map(|v| v.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(media.len(), 4, "one media box");
    assert!(
        (media[2] - 595.276).abs() < 0.01 && (media[3] - 841.89).abs() < 0.01,
        "A4: {media:?}"
    );
    assert!(
        raw.contains("/FontFile2") || raw.contains("/FontFile3"),
        "font embedded"
    );
    assert!(!raw.contains("/CreationDate") && !raw.contains("/ModDate"));
    if let Some(text) = pdftotext(&pdf, "text") {
        assert!(text.contains("欧阳堃镕"), "name in {text}");
        assert!(text.contains(&auth.number.to_string()), "number in {text}");
        assert!(text.contains("毕业生去向登记信息表（档案）"));
        assert!(text.contains("档案转递信息"));
    }
    if tool("pdftoppm") {
        let dir = temp_dir("pdf");
        let path = dir.join("form.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let status = Process::new("pdftoppm")
            .args(["-r", "150", "-gray", "-png", "-singlefile"])
            .arg(&path)
            .arg(dir.join("page"))
            .status()
            .expect("pdftoppm runs");
        assert!(status.success());
        let page = dir.join("page.png");
        let png = std::fs::read(&page).unwrap();
        assert_eq!(rqrr_decode_png(&png), vec![form.token.clone()]);
        if let Some(text) = zbar_decode(&page) {
            assert_eq!(text, form.token);
        }
    }
}

#[test]
fn svg_is_self_contained_and_scans_when_rasterised() {
    let r = renderer_or_skip!();
    let (reg, auth) = authorized();
    let form = form_for(&reg, &auth, Section::Hukou);
    let svg = r.svg(&form).unwrap();
    assert!(svg
        .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\" height=\"297mm\""));
    assert!(!svg.contains("href"), "no external references");
    assert_eq!(svg.matches("<svg").count(), 1, "no nested SVG");
    assert!(svg.contains("shape-rendering=\"crispEdges\""));
    // Minimal disclosure: masked ID, no phone, e-mail or full ID number.
    let basic = sample::basic_info();
    assert!(!svg.contains(&basic.id_number));
    assert!(!svg.contains(&basic.phone) && !svg.contains(&basic.email));
    // Rasterise the SVG text on its own (a fresh parse with the font file) and scan it.
    let mut db = resvg::usvg::fontdb::Database::new();
    let font_path = r.font().origin().to_string();
    if Path::new(&font_path).exists() {
        db.load_font_data(std::fs::read(&font_path).unwrap());
    }
    let opts = resvg::usvg::Options {
        fontdb: std::sync::Arc::new(db),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(&svg, &opts).unwrap();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(1240, 1754).unwrap();
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    let scale = 1240.0 / tree.size().width();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    assert_eq!(rqrr_decode_pixmap(&pixmap), vec![form.token.clone()]);
    // And with librsvg, an unrelated renderer, where installed.
    if tool("rsvg-convert") {
        let dir = temp_dir("svg");
        std::fs::write(dir.join("form.svg"), &svg).unwrap();
        let status = Process::new("rsvg-convert")
            .args(["-d", "150", "-p", "150", "-b", "white", "-o"])
            .arg(dir.join("form.png"))
            .arg(dir.join("form.svg"))
            .status()
            .unwrap();
        assert!(status.success());
        let png = std::fs::read(dir.join("form.png")).unwrap();
        assert_eq!(rqrr_decode_png(&png), vec![form.token.clone()]);
    }
}

#[test]
fn qr_alone_scans_as_png_and_svg() {
    let (_, auth) = authorized();
    let t = token(&auth, Section::Archive);
    let png = qr_png(&t, 6).unwrap();
    assert_eq!(rqrr_decode_png(&png), vec![t.clone()]);
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!(img.color(), image::ColorType::L8);
    let svg = qr_svg(&t, 6).unwrap();
    assert_eq!(svg.matches("<path").count(), 1);
    let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).unwrap();
    let side = tree.size().width() as u32;
    assert_eq!(side, img.width());
    let mut pixmap = resvg::tiny_skia::Pixmap::new(side, side).unwrap();
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, Default::default(), &mut pixmap.as_mut());
    assert_eq!(rqrr_decode_pixmap(&pixmap), vec![t.clone()]);
    let dir = temp_dir("qr");
    std::fs::write(dir.join("qr.png"), &png).unwrap();
    if let Some(text) = zbar_decode(&dir.join("qr.png")) {
        assert_eq!(text, t);
    }
    assert_eq!(qr_png(&t, 0).unwrap_err().code(), 405);
    assert_eq!(qr_svg("", 4).unwrap_err().code(), 406);
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let r = renderer_or_skip!();
    let (reg, auth) = authorized();
    let form = form_for(&reg, &auth, Section::Archive);
    let one = r.render(&form, DEFAULT_DPI).unwrap();
    let two = r.render(&form, DEFAULT_DPI).unwrap();
    assert_eq!(one, two);
    // A second renderer on the same font, and the single-format calls, agree too.
    let other = Renderer::with_font(r.font().clone()).unwrap();
    assert_eq!(other.svg(&form).unwrap(), one.svg);
    assert_eq!(other.pdf(&form).unwrap(), one.pdf);
    assert_eq!(other.png(&form, DEFAULT_DPI).unwrap(), one.png);
    // The page with the QR code encoded beforehand is the same page; another token's code is
    // refused.
    let qr = gradreg::forms::QrMatrix::encode(&form.token).unwrap();
    assert_eq!(r.svg_with_qr(&form, &qr).unwrap(), one.svg);
    let stranger = gradreg::forms::QrMatrix::encode("GR1:OTHER").unwrap();
    assert_eq!(r.svg_with_qr(&form, &stranger).unwrap_err().code(), 406);
    // Form content is a value: rebuilt, it is equal.
    assert_eq!(form_for(&reg, &auth, Section::Archive), form);
}

#[test]
fn one_renderer_shared_by_threads_gives_the_same_pages() {
    let r = renderer_or_skip!();
    let (reg, auth) = authorized();
    let forms = [
        form_for(&reg, &auth, Section::Archive),
        form_for(&reg, &auth, Section::Hukou),
    ];
    let expected: Vec<Vec<u8>> = forms.iter().map(|f| r.pdf(f).unwrap()).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let form = &forms[i % 2];
                s.spawn(move || r.pdf(form).unwrap())
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.join().unwrap(), expected[i % 2]);
        }
    });
}

#[test]
fn a_missing_glyph_names_the_character_and_the_field() {
    let r = renderer_or_skip!();
    let (reg, auth) = authorized();
    let mut form = form_for(&reg, &auth, Section::Archive);
    // A private-use character no font draws.
    let missing = '\u{F0001}';
    assert!(!r.font().has_glyph(missing));
    if let Some(Row::Pair(name, _)) = form.blocks[0].rows.get_mut(0) {
        name.value = format!("张{missing}");
    }
    let expected = Error::MissingGlyph {
        character: missing,
        field: "identity.name".into(),
    };
    assert_eq!(r.svg(&form).unwrap_err(), expected);
    assert_eq!(r.pdf(&form).unwrap_err(), expected);
    assert_eq!(r.png(&form, DEFAULT_DPI).unwrap_err(), expected);
    assert_eq!(r.check(&form).unwrap_err().code(), 403);
    // A font without Chinese glyphs fails on the title, not with blank boxes.
    let latin = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    if latin.exists() {
        let dejavu = Renderer::new(FontSource::Path(latin.to_path_buf())).unwrap();
        let form = form_for(&reg, &auth, Section::Archive);
        match dejavu.svg(&form).unwrap_err() {
            Error::MissingGlyph { character, field } => {
                assert_eq!((character, field.as_str()), ('毕', "title"));
            }
            e => panic!("unexpected {e}"),
        }
    }
}

#[test]
fn rare_names_and_long_values_wrap_or_shrink_inside_their_boxes() {
    let r = renderer_or_skip!();
    let mut data = sample::destination_data();
    let long_address = "江苏省南京市鼓楼区中山北路街道二百号紫金数据科技园区三号楼十二层一二零三室人力资源部档案室收转（请勿折叠，机要通信专递）";
    if let Some(a) = data.archive.as_mut() {
        a.address = long_address.into();
        a.receiving_unit =
            "南京市鼓楼区人力资源和社会保障局人才服务中心人事代理与流动人员档案管理科".into();
    }
    let name = "爱新觉罗·堃镕喆昇";
    let (reg, auth) = authorized_with(name, data);
    let form = form_for(&reg, &auth, Section::Archive);
    for c in name.chars() {
        assert!(r.font().has_glyph(c), "the test font lacks {c}");
    }
    let svg = r.svg(&form).unwrap();
    assert!(svg.contains(&format!(">{name}</text>")));
    // The address wraps: it is not printed as one line, and every part of it is printed.
    assert!(!svg.contains(&format!(">{long_address}</text>")));
    let printed: String = svg
        .lines()
        .filter(|l| l.starts_with("<text") && l.contains("font-size"))
        .filter_map(|l| l.split('>').nth(1))
        .map(|t| t.trim_end_matches("</text"))
        .collect();
    assert!(printed.contains("江苏省南京市鼓楼区"));
    assert!(printed
        .replace(' ', "")
        .contains(&long_address.replace(' ', "")[..]));
    let png = r.png(&form, DEFAULT_DPI).unwrap();
    assert_eq!(rqrr_decode_png(&png), vec![form.token.clone()]);
    if let Some(text) = pdftotext(&r.pdf(&form).unwrap(), "rare") {
        assert!(text.contains("堃镕喆昇"), "{text}");
    }
}

#[test]
fn every_record_that_passes_validation_fits_one_page() {
    let r = renderer_or_skip!();
    // Each field at the longest length validation accepts.
    let mut basic = sample::basic_info();
    basic.school_name = "南".repeat(100);
    basic.college = "院".repeat(100);
    basic.major_name = "专".repeat(100);
    let mut data = sample::destination_data();
    if let Some(e) = data.destination.employer.as_mut() {
        e.name = "单".repeat(100);
    }
    if let Some(a) = data.archive.as_mut() {
        a.receiving_unit = "接".repeat(100);
        a.address = "址".repeat(150);
        a.contact = "联".repeat(50);
        // Transfer numbers are validated (ZD and 12 symbols with a check symbol) since the
        // registry indexes them: the longest accepted is the formatted one.
        a.transfer_number = Some(gradreg::TransferNumber::from_entropy(&[7; 16]).to_string());
        a.tracking_number = Some("1".repeat(13));
    }
    let (mut reg, auth) = authorized_with(&"名".repeat(50), data);
    reg.basic = Some(std::sync::Arc::new(basic));
    let form = form_for(&reg, &auth, Section::Archive);
    let png = r.png(&form, DEFAULT_DPI).unwrap();
    assert_eq!(rqrr_decode_png(&png), vec![form.token.clone()]);
    // A hand-made form with a long value in a half-width cell is refused, not overflowed.
    let mut bad = form.clone();
    if let Some(Row::Pair(_, gender)) = bad.blocks[0].rows.get_mut(1) {
        gender.value = "男".repeat(150);
    }
    assert_eq!(r.svg(&bad).unwrap_err().code(), 404);
}

#[test]
fn a_token_too_dense_for_the_page_is_refused() {
    let r = renderer_or_skip!();
    let (reg, auth) = authorized();
    let long = format!("GR1:{}", "MFRGGZDFMZTWQ2LK".repeat(60));
    let form = Form::build(
        &reg,
        &auth,
        Section::Archive,
        &long,
        issued(),
        CodeTables::builtin(),
        FormOptions::default(),
    )
    .unwrap();
    assert_eq!(r.svg(&form).unwrap_err().code(), 406);
    // The largest token the page takes still scans at 150 dpi.
    let mut len = 40;
    let mut largest = None;
    while len < 1200 {
        let t = format!("GR1:{}", "A".repeat(len));
        let mut f = form.clone();
        f.token = t.clone();
        if r.svg(&f).is_err() {
            break;
        }
        largest = Some(f);
        len += 20;
    }
    let largest = largest.expect("some token fits");
    let png = r.png(&largest, DEFAULT_DPI).unwrap();
    assert_eq!(rqrr_decode_png(&png), vec![largest.token.clone()]);
}

#[test]
fn fonts_from_bytes_path_and_system() {
    // A missing path or bytes that are no font: typed errors.
    assert_eq!(
        Renderer::new(FontSource::Path("/nonexistent.ttf".into()))
            .unwrap_err()
            .code(),
        402
    );
    assert_eq!(
        Renderer::new(FontSource::Bytes(vec![0; 64]))
            .unwrap_err()
            .code(),
        402
    );
    let Some(r) = renderer() else { return };
    let path = PathBuf::from(r.font().origin());
    if !path.exists() {
        return;
    }
    // The same file from bytes picks the same face of a collection.
    let from_bytes = Font::from_bytes(std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(from_bytes.family(), r.font().family());
    assert_eq!(from_bytes.index(), r.font().index());
    assert_eq!(from_bytes.origin(), "bytes");
    assert!(from_bytes.covers(&['档', '户', '堃']));
    let system = Font::system().unwrap();
    assert!(system.covers(&['中', '国']));
}

#[test]
fn png_pages_are_white_to_every_edge_at_any_resolution() {
    let r = renderer_or_skip!();
    let (reg, auth) = authorized();
    let form = form_for(&reg, &auth, Section::Hukou);
    for dpi in [72, 100, 150] {
        let img = image::load_from_memory(&r.png(&form, dpi).unwrap())
            .unwrap()
            .to_luma8();
        let (w, h) = img.dimensions();
        for (x, y) in [
            (0, 0),
            (w - 1, 0),
            (0, h - 1),
            (w - 1, h - 1),
            (w - 1, h / 2),
        ] {
            assert_eq!(img.get_pixel(x, y)[0], 255, "{dpi} dpi at ({x}, {y})");
        }
    }
}

#[test]
fn a_passport_holders_form_names_the_document_and_masks_it_by_its_rule() {
    let mut data = sample::destination_data();
    data.destination = gradreg::Destination {
        code: "85".into(),
        abroad: Some(gradreg::Abroad {
            country_region: "GBR".into(),
            school: "伦敦大学学院".into(),
            major: "金融学".into(),
        }),
        ..Default::default()
    };
    let (mut reg, auth) = authorized_with("张明", data);
    // The form shows the document the record names, masked by that document's rule.
    let mut basic = reg.basic.as_deref().cloned().expect("basic info");
    basic.id_type = "7".into();
    basic.id_number = "K12345678".into();
    reg.basic = Some(std::sync::Arc::new(basic));
    let form = form_for(&reg, &auth, Section::Archive);
    let id = form.field("identity.id_number").expect("id field");
    assert_eq!(
        (id.label.as_str(), id.value.as_str()),
        ("外国护照号码", "K*****678")
    );
    // The country is shown by its Chinese name, in the form and in its disclosure.
    assert_eq!(
        form.disclosure.destination.country_region.as_deref(),
        Some("英国")
    );
    assert_eq!(
        form.field("destination.country_region")
            .map(|f| f.value.as_str()),
        Some("英国")
    );
    // A 居民身份证 holder's form keeps its label.
    let (reg, auth) = authorized();
    let form = form_for(&reg, &auth, Section::Archive);
    assert_eq!(
        form.field("identity.id_number").map(|f| f.label.as_str()),
        Some("身份证号")
    );
    assert!(form
        .notes
        .iter()
        .any(|n| n.contains("身份证号已作部分隐藏处理")));
}
