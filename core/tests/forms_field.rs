//! Forms in the field: the bundled font and fallback fonts, the QR code read back after the page
//! is scaled to half and blurred (as a phone photo of it is), a whole class as one PDF and as a
//! ZIP of PNGs, and PDF/A-2b. The decoders are rqrr here and Debian's zbarimg where installed
//! (scripts/test.sh installs it; its forms stage also decodes with ZXing-C++ and checks PDF/A
//! with pikepdf, see core/tests/forms_field.py).
#![cfg(feature = "render")]

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use chrono::{DateTime, TimeZone, Utc};
use gradreg::forms::{
    Font, FontSource, Form, FormOptions, PdfOptions, Renderer, Row, DEFAULT_DPI, QR_MODULE_MM,
};
use gradreg::{sample, CodeTables, Error, Section};
use image::imageops::FilterType;
use image::GrayImage;

// ---------------------------------------------------------------- fixtures

fn now() -> DateTime<Utc> {
    gradreg::policy::cst()
        .with_ymd_and_hms(2026, 6, 20, 9, 0, 0)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

/// A signed token's shape: `GR1.` and 157 base32 characters (QR version 7 at level M).
fn token(i: usize) -> String {
    let body = format!("{i:04}MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPIYTEMZUGU3DOOBZ")
        .repeat(3)
        .replace(['0', '1', '8', '9'], "A");
    format!("GR1.{}", &body[..157])
}

fn form(section: Section, i: usize) -> Form {
    let reg = sample::authorized_registration("field", now(), 30, [7; 16], None).expect("reg");
    let auth = reg.authorizations[0].clone();
    Form::build(
        &reg,
        &auth,
        section,
        &token(i),
        now() + chrono::Duration::minutes(5),
        CodeTables::builtin(),
        FormOptions::default(),
    )
    .expect("form")
}

/// Forty forms with different names (some rare characters, a minority name with a middle dot).
fn class() -> Vec<Form> {
    let surnames = ["张", "王", "李", "欧阳", "司马", "赵", "钱", "孙"];
    let given = [
        "明", "堃", "镕喆", "昇", "玥", "翀", "珺", "子涵", "浩然", "雨桐",
    ];
    (0..40)
        .map(|i| {
            let mut f = form(
                if i % 4 == 3 {
                    Section::Hukou
                } else {
                    Section::Archive
                },
                i,
            );
            let name = if i == 7 {
                "买买提·吐尔逊".to_string()
            } else {
                format!("{}{}", surnames[i % 8], given[i % 10])
            };
            set_name(&mut f, &name);
            f
        })
        .collect()
}

fn set_name(f: &mut Form, name: &str) {
    match f.blocks[0].rows.get_mut(0) {
        Some(Row::Pair(n, _)) | Some(Row::Wide(n)) => n.value = name.to_string(),
        None => panic!("no name row"),
    }
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
    let dir = std::env::temp_dir().join(format!("gradreg-field-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn rqrr_decode(img: &GrayImage) -> Vec<String> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        img.get_pixel(x as u32, y as u32)[0]
    });
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok())
        .map(|(_, text)| text)
        .collect()
}

fn zbar_decode(img: &GrayImage, tag: &str) -> Option<String> {
    if !tool("zbarimg") {
        return None;
    }
    let path = temp_dir("zbar").join(format!("{tag}.png"));
    img.save(&path).expect("write png");
    let out = Process::new("zbarimg")
        .args(["--nodbus", "-q", "--raw"])
        .arg(&path)
        .output()
        .expect("zbarimg runs");
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The page as a phone sees it: halved, blurred by a 1-pixel Gaussian, or both.
fn variants(img: &GrayImage) -> Vec<(&'static str, GrayImage)> {
    let half = |i: &GrayImage| {
        image::imageops::resize(i, i.width() / 2, i.height() / 2, FilterType::Triangle)
    };
    let blur = |i: &GrayImage| image::imageops::blur(i, 1.0);
    vec![
        ("full", img.clone()),
        ("half", half(img)),
        ("blur", blur(img)),
        ("half+blur", blur(&half(img))),
    ]
}

fn pdf_pages(pdf: &[u8]) -> usize {
    String::from_utf8_lossy(pdf)
        .matches("/Type /Page\n")
        .count()
        .max(String::from_utf8_lossy(pdf).matches("/Type /Page ").count())
}

// ---------------------------------------------------------------- fonts

#[cfg(feature = "bundled-font")]
#[test]
fn the_bundled_font_renders_every_format_with_no_system_font() {
    let r = Renderer::new(FontSource::Bundled).unwrap();
    assert!(r.font().is_bundled());
    assert_eq!(r.font().family(), gradreg::forms::BUNDLED_FAMILY);
    let mut f = form(Section::Archive, 1);
    set_name(&mut f, "爱新觉罗·堃镕喆昇");
    let out = r.render(&f, DEFAULT_DPI).unwrap();
    assert!(out.svg.contains("'Gradreg Sans SC'"));
    let raw = String::from_utf8_lossy(&out.pdf);
    assert!(
        raw.contains("+GradregSansSC-Regular"),
        "the subset is named"
    );
    assert!(!raw.contains("Noto"), "the Reserved Font Name is not used");
    let img = image::load_from_memory(&out.png).unwrap().to_luma8();
    assert_eq!(rqrr_decode(&img), vec![f.token.clone()]);
}

#[cfg(feature = "bundled-font")]
#[test]
fn every_chinese_character_of_the_crate_is_in_the_bundled_font() {
    // The code tables (provinces, ethnicities, headers …) and every string of the sources
    // (labels, notes, the generated cohort's names, streets and employers): a form of any of
    // them renders on a bare machine.
    let font = Font::bundled().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut stack = vec![root.join("src"), root.join("data")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("rs" | "tsv")
            ) {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 20, "{} files", files.len());
    let mut missing = std::collections::BTreeSet::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        for c in text.chars() {
            let cjk = matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x9FFF | 0xFF00..=0xFFEF);
            if cjk && !font.has_glyph(c) {
                missing.insert((c, path.strip_prefix(root).unwrap().display().to_string()));
            }
        }
    }
    assert!(missing.is_empty(), "not in the bundled font: {missing:?}");
}

#[cfg(feature = "bundled-font")]
#[test]
fn fallback_fonts_draw_what_the_page_font_lacks() {
    let latin = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    if !latin.exists() {
        eprintln!("note: no DejaVu Sans; skipping");
        return;
    }
    let dejavu = Font::from_path(latin).unwrap();
    let f = form(Section::Archive, 2);
    // Alone, the Latin font refuses the Chinese title (as any font the caller names).
    let alone = Renderer::with_font(dejavu.clone()).unwrap();
    assert_eq!(alone.svg(&f).unwrap_err().code(), 403);
    // With the bundled font behind it, the page renders: digits and Latin letters in DejaVu
    // Sans, Chinese in the bundled font; both fonts are named and embedded.
    let both = Renderer::with_fonts(dejavu, vec![Font::bundled().unwrap()]).unwrap();
    assert_eq!(both.fonts().len(), 2);
    let svg = both.svg(&f).unwrap();
    assert!(svg.contains("font-family=\"'DejaVu Sans', 'Gradreg Sans SC'"));
    let pdf = both.pdf(&f).unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("+DejaVuSans") && raw.contains("+GradregSansSC-Regular"));
    assert_eq!(raw.matches("/ToUnicode").count(), 2);
    let img = image::load_from_memory(&both.png(&f, DEFAULT_DPI).unwrap())
        .unwrap()
        .to_luma8();
    assert_eq!(rqrr_decode(&img), vec![f.token.clone()]);
    // A character outside every font is still the typed error, naming the field.
    let mut bad = f.clone();
    set_name(&mut bad, "张\u{F0001}");
    assert_eq!(
        both.pdf(&bad).unwrap_err(),
        Error::MissingGlyph {
            character: '\u{F0001}',
            field: "identity.name".into()
        }
    );
}

#[test]
fn auto_prefers_the_environment_and_system_fonts_to_the_bundled_one() {
    let auto = Renderer::new(FontSource::Auto).unwrap();
    let system = Font::system();
    match (&system, std::env::var_os(gradreg::forms::FONT_ENV)) {
        (_, Some(v)) if !v.is_empty() => assert_eq!(auto.font().origin(), v.to_string_lossy()),
        (Ok(s), _) => assert_eq!(auto.font().origin(), s.origin()),
        (Err(_), _) => assert!(auto.font().is_bundled()),
    }
    #[cfg(feature = "bundled-font")]
    if !auto.font().is_bundled() {
        assert!(
            auto.fonts()[1].is_bundled(),
            "the bundled font is the fallback"
        );
    }
}

// ---------------------------------------------------------------- QR for phones

#[test]
fn the_default_png_decodes_halved_and_blurred() {
    let r = Renderer::new(FontSource::Auto).unwrap();
    const {
        assert!(
            QR_MODULE_MM >= 0.8,
            "phone-grade modules are at least 0.8 mm"
        )
    };
    for section in [Section::Archive, Section::Hukou] {
        let f = form(section, 3);
        let png = r.png(&f, DEFAULT_DPI).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        assert_eq!((img.width(), img.height()), (1984, 2806), "A4 at 240 dpi");
        for (name, variant) in variants(&img) {
            // rqrr, the in-process decoder, reads the page halved or blurred; halved and blurred
            // is left to zbarimg here and to ZXing-C++ in core/tests/forms_field.py.
            let decoded = rqrr_decode(&variant);
            if name != "half+blur" {
                assert_eq!(decoded, vec![f.token.clone()], "rqrr, {name}, {section:?}");
            }
            if let Some(text) = zbar_decode(&variant, name) {
                assert_eq!(text, f.token, "zbarimg, {name}, {section:?}");
            }
        }
    }
}

#[test]
fn phone_grade_modules_are_whole_pixels_at_the_default_resolution() {
    let r = Renderer::new(FontSource::Auto).unwrap();
    let f = form(Section::Archive, 4);
    let qr = gradreg::forms::QrMatrix::encode(&f.token).unwrap();
    assert_eq!(qr.version(), 7);
    let img = image::load_from_memory(&r.png(&f, DEFAULT_DPI).unwrap())
        .unwrap()
        .to_luma8();
    // The finder pattern's top edge: its dark run is 7 modules of 8 pixels, with pure black and
    // white on either side (no anti-aliased edge).
    let top = (0..400)
        .find(|&y| (1200..img.width()).any(|x| img.get_pixel(x, y)[0] == 0))
        .expect("the code at the top");
    assert_eq!(img.get_pixel(1600, top - 1)[0], 255);
    let row: Vec<u8> = (0..img.width())
        .map(|x| img.get_pixel(x, top + 4)[0])
        .collect();
    let first_dark = (1200..img.width() as usize)
        .find(|&x| row[x] == 0)
        .expect("the code on the right");
    let run = row[first_dark..].iter().take_while(|&&v| v == 0).count();
    assert_eq!(run, 56, "7 modules × 8 pixels");
    assert_eq!(row[first_dark - 1], 255);
    // The code's dark area ends at the table's right edge (192 mm), within a module.
    let right_edge = (192.0f32 / 25.4 * 240.0).round() as usize;
    let last_dark = row.iter().rposition(|&v| v == 0).unwrap() + 1;
    assert!(
        last_dark.abs_diff(right_edge) <= 4,
        "{last_dark} vs {right_edge}"
    );
}

#[test]
fn the_pdf_page_decodes_halved_and_blurred() {
    if !tool("pdftoppm") {
        return;
    }
    let r = Renderer::new(FontSource::Auto).unwrap();
    let f = form(Section::Hukou, 5);
    let dir = temp_dir("pdfphone");
    std::fs::write(dir.join("f.pdf"), r.pdf(&f).unwrap()).unwrap();
    let status = Process::new("pdftoppm")
        .args(["-r", "300", "-gray", "-png", "-singlefile"])
        .arg(dir.join("f.pdf"))
        .arg(dir.join("page"))
        .status()
        .unwrap();
    assert!(status.success());
    let img = image::open(dir.join("page.png")).unwrap().to_luma8();
    for (name, variant) in variants(&img) {
        if let Some(text) = zbar_decode(&variant, &format!("pdf-{name}")) {
            assert_eq!(text, f.token, "zbarimg, PDF at 300 dpi, {name}");
        }
    }
}

// ---------------------------------------------------------------- a class at once

#[test]
fn a_class_of_forty_is_one_pdf_with_the_fonts_shared() {
    let r = Renderer::new(FontSource::Auto).unwrap();
    let forms = class();
    let one = r.pdf(&forms[0]).unwrap();
    let pdf = r.class_pdf(&forms, &PdfOptions::default()).unwrap();
    assert_eq!(pdf_pages(&pdf), 40);
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("/Count 40"));
    // One font program for the forty pages (two at most with a fallback font), so the document
    // is far smaller than forty single pages.
    assert!(raw.matches("/FontFile").count() <= 2);
    assert!(
        pdf.len() < one.len() * 10,
        "{} bytes for 40 pages, {} for one",
        pdf.len(),
        one.len()
    );
    // The same forms give the same bytes.
    assert_eq!(r.class_pdf(&forms, &PdfOptions::default()).unwrap(), pdf);
    // Every name can be searched, and the first and last pages scan.
    if tool("pdftotext") {
        let dir = temp_dir("class");
        std::fs::write(dir.join("class.pdf"), &pdf).unwrap();
        let out = Process::new("pdftotext")
            .arg(dir.join("class.pdf"))
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        for f in &forms {
            let name = &f.field("identity.name").unwrap().value;
            assert!(text.contains(name.as_str()), "{name} in the text");
        }
        if tool("pdftoppm") {
            for page in ["1", "40"] {
                let status = Process::new("pdftoppm")
                    .args([
                        "-r",
                        "150",
                        "-gray",
                        "-png",
                        "-singlefile",
                        "-f",
                        page,
                        "-l",
                        page,
                    ])
                    .arg(dir.join("class.pdf"))
                    .arg(dir.join(format!("p{page}")))
                    .status()
                    .unwrap();
                assert!(status.success());
                let img = image::open(dir.join(format!("p{page}.png")))
                    .unwrap()
                    .to_luma8();
                let i: usize = page.parse::<usize>().unwrap() - 1;
                assert_eq!(
                    rqrr_decode(&img),
                    vec![forms[i].token.clone()],
                    "page {page}"
                );
            }
        }
    }
}

/// A writer that keeps only a count, to show that pages are streamed out as they are added.
struct Sink(u64);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn class_documents_stream_page_by_page() {
    let r = Renderer::new(FontSource::Auto).unwrap();
    let forms = class();
    let mut doc = r.pdf_document(Sink(0), PdfOptions::default()).unwrap();
    let mut last = doc.bytes_written();
    for f in &forms[..10] {
        doc.add(f).unwrap();
        assert!(
            doc.bytes_written() > last,
            "each page is written when added"
        );
        last = doc.bytes_written();
    }
    assert_eq!(doc.pages(), 10);
    let sink = doc.finish().unwrap();
    assert!(
        sink.0 > last,
        "the fonts and the cross-reference table come last"
    );
    // An empty document is refused; a bad form is refused with its own error.
    let empty = r.pdf_document(Vec::new(), PdfOptions::default()).unwrap();
    assert_eq!(empty.finish().unwrap_err().code(), 103);
    let mut bad = forms[0].clone();
    set_name(&mut bad, "张\u{F0001}");
    let mut doc = r.pdf_document(Vec::new(), PdfOptions::default()).unwrap();
    assert_eq!(doc.add(&bad).unwrap_err().code(), 403);
    let mut zip = r.png_zip(Sink(0), DEFAULT_DPI).unwrap();
    assert_eq!(zip.add(&bad).unwrap_err().code(), 403);
    assert_eq!(zip.pages(), 0);
    assert_eq!(r.png_zip(Vec::new(), 10).unwrap_err().code(), 405);
}

/// The entries of a stored ZIP archive: name and data, read from its central directory.
fn unzip(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
    let u32_at =
        |i: usize| u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]) as usize;
    let end = zip.len() - 22;
    assert_eq!(u32_at(end), 0x0605_4b50, "end of central directory");
    let (count, mut at) = (u16_at(end + 10), u32_at(end + 16));
    let mut out = Vec::new();
    for _ in 0..count {
        assert_eq!(u32_at(at), 0x0201_4b50);
        let (crc, size, name_len) = (u32_at(at + 16), u32_at(at + 24), u16_at(at + 28));
        let offset = u32_at(at + 42);
        let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap();
        assert_eq!(u32_at(offset), 0x0403_4b50);
        assert_eq!(u16_at(offset + 8), 0, "stored");
        let data_at = offset + 30 + u16_at(offset + 26) + u16_at(offset + 28);
        let data = zip[data_at..data_at + size].to_vec();
        let mut c = 0xFFFF_FFFFu32;
        for &b in &data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = (c >> 1) ^ (0xEDB8_8320 & (c & 1).wrapping_neg());
            }
        }
        assert_eq!(!c as usize, crc, "{name}: checksum");
        out.push((name, data));
        at += 46 + name_len;
    }
    out
}

#[test]
fn a_class_is_a_zip_of_png_pages() {
    let r = Renderer::new(FontSource::Auto).unwrap();
    let forms: Vec<Form> = class().into_iter().take(4).collect();
    let zip = r.class_png_zip(&forms, DEFAULT_DPI).unwrap();
    let entries = unzip(&zip);
    assert_eq!(entries.len(), 4);
    for (i, ((name, png), f)) in entries.iter().zip(&forms).enumerate() {
        assert_eq!(
            name,
            &format!(
                "{:03}-{}-{}.png",
                i + 1,
                f.section.as_str(),
                f.number_text()
            )
        );
        assert_eq!(png, &r.png(f, DEFAULT_DPI).unwrap());
    }
    let img = image::load_from_memory(&entries[3].1).unwrap().to_luma8();
    assert_eq!(rqrr_decode(&img), vec![forms[3].token.clone()]);
    if tool("unzip") {
        let dir = temp_dir("zip");
        std::fs::write(dir.join("class.zip"), &zip).unwrap();
        let status = Process::new("unzip")
            .args(["-tq"])
            .arg(dir.join("class.zip"))
            .status()
            .unwrap();
        assert!(status.success(), "unzip -t accepts the archive");
    }
}

// ---------------------------------------------------------------- archival PDF

#[test]
fn archival_pdf_carries_the_pdfa_2b_parts() {
    let r = Renderer::new(FontSource::Auto).unwrap();
    let forms: Vec<Form> = class().into_iter().take(3).collect();
    let options = PdfOptions {
        archival: true,
        title: Some("毕业生去向登记信息表 2026届".into()),
    };
    let pdf = r.class_pdf(&forms, &options).unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    // 6.1.2: a binary comment right after the header.
    assert!(pdf.starts_with(b"%PDF-1.7\n%"));
    assert!(pdf[10..14].iter().all(|&b| b > 127));
    // 6.1.3: a document ID in the trailer, no encryption.
    assert!(raw.contains("/ID [<") && !raw.contains("/Encrypt"));
    // 6.6.2 and 6.6.4: XMP metadata naming part 2, level B, the title as in the info dictionary.
    assert!(raw.contains("/Type /Metadata") && raw.contains("/Subtype /XML"));
    assert!(raw.contains("<pdfaid:part>2</pdfaid:part>"));
    assert!(raw.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
    assert!(raw.contains("毕业生去向登记信息表 2026届</rdf:li>"));
    // 6.2.3: an sRGB output intent with its ICC profile.
    assert!(raw.contains("/OutputIntents [<<") && raw.contains("/S /GTS_PDFA1"));
    assert!(raw.contains("/OutputConditionIdentifier (sRGB IEC61966-2.1)"));
    assert!(raw.contains("/DestOutputProfile") && raw.contains("/N 3"));
    // 6.2.11: every font embedded, with ToUnicode.
    let fonts = raw.matches("/Type0").count();
    assert!(fonts >= 1);
    assert_eq!(raw.matches("/FontFile").count(), fonts);
    assert_eq!(raw.matches("/ToUnicode").count(), fonts);
    // 6.2.10 and 6.4: no transparency, no soft masks, no blend modes, no alternates.
    for forbidden in [
        "/Transparency",
        "/SMask",
        "/CA ",
        "/ca ",
        "/BM ",
        "/Alternates",
        "/JavaScript",
    ] {
        assert!(!raw.contains(forbidden), "{forbidden}");
    }
    // The plain PDF has none of it.
    let plain = r.class_pdf(&forms, &PdfOptions::default()).unwrap();
    assert!(!String::from_utf8_lossy(&plain).contains("pdfaid"));
    // qpdf, an independent parser, finds the structure sound.
    if tool("qpdf") {
        let dir = temp_dir("pdfa");
        std::fs::write(dir.join("a.pdf"), &pdf).unwrap();
        let out = Process::new("qpdf")
            .arg("--check")
            .arg(dir.join("a.pdf"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(
            text.contains("No syntax or stream encoding errors"),
            "{text}"
        );
        assert!(!text.to_lowercase().contains("warning"), "{text}");
    }
}
