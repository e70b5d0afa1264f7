//! PDF written directly from the laid-out page: one document of one or many A4 pages, streamed to
//! any writer, each font subset once per document and shared by all its pages.
//!
//! The page is drawn from the same layout as the SVG: gray label cells, thin rules, the table's
//! border, text as text (CID fonts, Identity-H, with a ToUnicode map so that it can be searched
//! and copied; bold as fill-and-stroke) and the QR code as filled rectangles. Glyphs are numbered
//! in order of first use, so a page's content is final when it is written; the fonts are
//! subset and written at the end, from the glyphs all pages used. Memory stays flat as the
//! document grows: a page is written as soon as it is laid out and only its object numbers are
//! kept.
//!
//! With [`PdfOptions::archival`] the document is PDF/A-2b (ISO 19005-2, level B): XMP metadata
//! with the PDF/A identification, an sRGB output intent, every font embedded with a ToUnicode
//! map, no transparency, a document ID, no encryption, and nothing that PDF/A forbids.
//!
//! The same forms and options give the same bytes: no dates, and the document ID is the SHA-256
//! of the document's body.
//!
//! The XMP metadata and the sRGB profile of archival documents are in `archival`.

mod archival;

use std::collections::BTreeMap;
use std::io::Write;

use pdf_writer::types::{
    CidFontType, FontFlags, OutputIntentSubtype, SystemInfo, TextRenderingMode, UnicodeCmap,
};
use pdf_writer::{Chunk, Content, Filter, Finish, Name, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;

use self::archival::{srgb_profile, xmp, SRGB};
use crate::error::{Error, Result};
use crate::forms::content::Form;
use crate::forms::page::{self, Anchor, Page, BORDER_W, PAGE_H, PAGE_W, RULE_W};
use crate::forms::qr::{QrMatrix, QUIET_ZONE};
use crate::forms::render::Renderer;

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// The producer named in the document's metadata.
const PRODUCER: &str = concat!("gradreg ", env!("CARGO_PKG_VERSION"));

/// Options of a PDF document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PdfOptions {
    /// PDF/A-2b for archives: XMP metadata identifying the part and level, an sRGB output
    /// intent, fonts embedded with ToUnicode maps, no transparency.
    pub archival: bool,
    /// The document's title (its metadata, shown by viewers); the first form's title when
    /// `None`.
    pub title: Option<String>,
}

/// A font as used in one document: its resource name, its objects and the glyphs used so far,
/// numbered in order of first use.
struct FontUse {
    type0: Ref,
    resource: String,
    remapper: GlyphRemapper,
    /// New glyph id → the character it draws (for the ToUnicode map).
    unicode: BTreeMap<u16, char>,
}

/// Counts and hashes the bytes written.
struct Counter<W: Write> {
    inner: W,
    written: u64,
    hash: Sha256,
}

impl<W: Write> Counter<W> {
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner.write_all(bytes)?;
        self.hash.update(bytes);
        self.written += bytes.len() as u64;
        Ok(())
    }
}

/// A PDF document being written: add forms one page each, then [`finish`](PdfDocument::finish).
///
/// ```no_run
/// # fn main() -> gradreg::Result<()> {
/// # let forms: Vec<gradreg::forms::Form> = Vec::new();
/// use gradreg::forms::{FontSource, PdfOptions, Renderer};
/// let renderer = Renderer::new(FontSource::Auto)?;
/// let file = std::io::BufWriter::new(std::fs::File::create("class.pdf")?);
/// let mut doc = renderer.pdf_document(file, PdfOptions { archival: true, title: None })?;
/// for form in &forms {
///     doc.add(form)?;
/// }
/// doc.finish()?;
/// # Ok(()) }
/// ```
pub struct PdfDocument<'r, W: Write> {
    renderer: &'r Renderer,
    out: Counter<W>,
    /// Object number → offset (0 while not written yet).
    offsets: Vec<u64>,
    catalog: Ref,
    page_tree: Ref,
    pages: Vec<Ref>,
    fonts: Vec<Option<FontUse>>,
    options: PdfOptions,
    title: Option<String>,
}

impl<W: Write> std::fmt::Debug for PdfDocument<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfDocument")
            .field("pages", &self.pages.len())
            .field("written", &self.out.written)
            .field("options", &self.options)
            .finish()
    }
}

impl<'r, W: Write> PdfDocument<'r, W> {
    /// Starts a document on `out` (the header is written at once).
    pub(crate) fn new(renderer: &'r Renderer, out: W, options: PdfOptions) -> Result<Self> {
        let mut doc = PdfDocument {
            renderer,
            out: Counter {
                inner: out,
                written: 0,
                hash: Sha256::new(),
            },
            offsets: vec![0],
            catalog: Ref::new(1),
            page_tree: Ref::new(2),
            pages: Vec::new(),
            fonts: renderer.metrics().fonts().iter().map(|_| None).collect(),
            title: options.title.clone(),
            options,
        };
        doc.offsets.extend([0, 0]);
        // PDF 1.7; the second line marks the file as binary (four bytes above 127).
        doc.out.put(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(doc)
    }

    /// Pages added so far.
    pub fn pages(&self) -> usize {
        self.pages.len()
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.out.written
    }

    /// Adds `form` as the next page. The page is laid out, written and forgotten: only its
    /// object numbers and the glyphs it used are kept.
    pub fn add(&mut self, form: &Form) -> Result<()> {
        form.check_lengths()?;
        let qr = QrMatrix::encode(&form.token)?;
        let page = page::layout(form, self.renderer.metrics(), &qr)?;
        if self.title.is_none() {
            self.title = Some(form.title.clone());
        }
        let content = self.content(&page)?;
        let content_ref = self.alloc();
        let page_ref = self.alloc();
        let compressed = deflate(&content);
        let mut chunk = Chunk::with_capacity(compressed.len() + 64);
        chunk
            .stream(content_ref, &compressed)
            .filter(Filter::FlateDecode);
        self.emit(content_ref, &chunk)?;

        let mut chunk = Chunk::new();
        let mut p = chunk.page(page_ref);
        p.parent(self.page_tree)
            .media_box(Rect::new(0.0, 0.0, PAGE_W * PT_PER_MM, PAGE_H * PT_PER_MM))
            .contents(content_ref);
        let mut resources = p.resources();
        let mut fonts = resources.fonts();
        for used in self.fonts.iter().flatten() {
            fonts.pair(Name(used.resource.as_bytes()), used.type0);
        }
        fonts.finish();
        resources.finish();
        p.finish();
        self.emit(page_ref, &chunk)?;
        self.pages.push(page_ref);
        Ok(())
    }

    /// Writes the fonts, the page tree, the metadata and the cross-reference table, and returns
    /// the writer. A document needs at least one page.
    pub fn finish(mut self) -> Result<W> {
        if self.pages.is_empty() {
            return Err(Error::InvalidArgument(
                "a PDF document needs at least one form".into(),
            ));
        }
        let fonts = std::mem::take(&mut self.fonts);
        for (index, used) in fonts.into_iter().enumerate() {
            if let Some(used) = used {
                self.write_font(index, used)?;
            }
        }

        let mut chunk = Chunk::new();
        chunk
            .pages(self.page_tree)
            .kids(self.pages.iter().copied())
            .count(self.pages.len() as i32);
        self.emit(self.page_tree, &chunk)?;

        let title = self.title.clone().unwrap_or_default();
        let info = self.alloc();
        let mut chunk = Chunk::new();
        let mut dict = chunk
            .indirect(info)
            .start::<pdf_writer::writers::DocumentInfo>();
        dict.title(TextStr(&title));
        dict.producer(TextStr(PRODUCER));
        dict.finish();
        self.emit(info, &chunk)?;

        let mut archival = None;
        if self.options.archival {
            let metadata = self.alloc();
            let xmp = xmp(&title);
            let mut chunk = Chunk::new();
            chunk.metadata(metadata, xmp.as_bytes());
            self.emit(metadata, &chunk)?;
            let profile = self.alloc();
            let icc = srgb_profile();
            let mut chunk = Chunk::new();
            chunk.icc_profile(profile, &icc).n(3);
            self.emit(profile, &chunk)?;
            archival = Some((metadata, profile));
        }

        let mut chunk = Chunk::new();
        let mut catalog = chunk
            .indirect(self.catalog)
            .start::<pdf_writer::writers::Catalog>();
        catalog.pages(self.page_tree);
        catalog.lang(TextStr("zh-CN"));
        if let Some((metadata, profile)) = archival {
            catalog.metadata(metadata);
            let mut intents = catalog.output_intents();
            intents
                .push()
                .subtype(OutputIntentSubtype::PDFA)
                .output_condition_identifier(TextStr(SRGB))
                .info(TextStr(SRGB))
                .dest_output_profile(profile);
            intents.finish();
        }
        catalog.finish();
        self.emit(self.catalog, &chunk)?;

        // Cross-reference table and trailer; the ID is the digest of everything before it.
        let xref_at = self.out.written;
        let id: [u8; 32] = self.out.hash.clone().finalize().into();
        let mut tail = String::with_capacity(self.offsets.len() * 20 + 256);
        tail.push_str(&format!(
            "xref\n0 {}\n0000000000 65535 f \n",
            self.offsets.len()
        ));
        for (number, &offset) in self.offsets.iter().enumerate().skip(1) {
            if offset == 0 {
                return Err(Error::RenderFailed(format!(
                    "PDF object {number} was never written"
                )));
            }
            tail.push_str(&format!("{offset:010} 00000 n \n"));
        }
        let hex: String = id[..16].iter().map(|b| format!("{b:02X}")).collect();
        tail.push_str(&format!(
            "trailer\n<< /Size {} /Root {} 0 R /Info {} 0 R /ID [<{hex}> <{hex}>] >>\nstartxref\n{xref_at}\n%%EOF\n",
            self.offsets.len(),
            self.catalog.get(),
            info.get()
        ));
        self.out.put(tail.as_bytes())?;
        self.out.inner.flush()?;
        Ok(self.out.inner)
    }

    fn alloc(&mut self) -> Ref {
        self.offsets.push(0);
        Ref::new((self.offsets.len() - 1) as i32)
    }

    /// Writes `chunk`, which holds the one object `id`, recording its offset.
    fn emit(&mut self, id: Ref, chunk: &Chunk) -> Result<()> {
        self.offsets[id.get() as usize] = self.out.written;
        self.out.put(chunk.as_bytes())
    }

    /// The glyph of `c` as its two-byte code in the document (its glyph id in the subset).
    fn code(&mut self, c: char, out: &mut Vec<u8>) -> Result<usize> {
        let glyph = self
            .renderer
            .metrics()
            .glyph(c)
            .ok_or_else(|| Error::RenderFailed(format!("no glyph for {c:?} in the PDF")))?;
        if self.fonts[glyph.font].is_none() {
            let type0 = self.alloc();
            self.fonts[glyph.font] = Some(FontUse {
                type0,
                resource: format!("F{}", glyph.font),
                remapper: GlyphRemapper::new(),
                unicode: BTreeMap::new(),
            });
        }
        let used = self.fonts[glyph.font]
            .as_mut()
            .ok_or_else(|| Error::RenderFailed("font table".into()))?;
        let cid = used.remapper.remap(glyph.gid);
        used.unicode.entry(cid).or_insert(c);
        out.extend_from_slice(&cid.to_be_bytes());
        Ok(glyph.font)
    }

    /// The page's content stream, in millimetres from the bottom-left corner.
    fn content(&mut self, page: &Page) -> Result<Vec<u8>> {
        let y = |v: f32| PAGE_H - v;
        let mut c = Content::with_capacity(16 * 1024);
        c.transform([PT_PER_MM, 0.0, 0.0, PT_PER_MM, 0.0, 0.0]);
        for &(x, top, w, h, gray) in &page.fills {
            c.set_fill_gray(f32::from(gray) / 255.0);
            c.rect(x, y(top + h), w, h);
            c.fill_nonzero();
        }
        c.set_stroke_gray(0.0);
        c.set_line_width(RULE_W);
        for &(x, top, op, to) in &page.rules {
            c.move_to(x, y(top));
            if op == 'H' {
                c.line_to(to, y(top));
            } else {
                c.line_to(x, y(top + to));
            }
        }
        c.stroke();
        let (bx, by, bw, bh) = page.border;
        c.set_line_width(BORDER_W);
        c.rect(bx, y(by + bh), bw, bh);
        c.stroke();

        c.set_fill_gray(0.0);
        let metrics = self.renderer.metrics();
        for t in page.texts.iter().filter(|t| !t.text.is_empty()) {
            let width = metrics.width_em(&t.text) * t.size;
            let x = match t.anchor {
                Anchor::Start => t.x,
                Anchor::Middle => t.x - width / 2.0,
            };
            if t.bold {
                c.save_state();
                c.set_text_rendering_mode(TextRenderingMode::FillStroke);
                c.set_line_width(page::BOLD_STROKE);
                c.set_line_join(pdf_writer::types::LineJoinStyle::RoundJoin);
            }
            c.begin_text();
            c.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y(t.y)]);
            // Runs of characters drawn by the same font.
            let mut run: Vec<u8> = Vec::with_capacity(t.text.len() * 2);
            let mut run_font = None;
            for ch in t.text.chars() {
                let mut code = Vec::with_capacity(2);
                let font = self.code(ch, &mut code)?;
                if run_font != Some(font) {
                    if let Some(previous) = run_font {
                        show(&mut c, previous, t.size, &run);
                        run.clear();
                    }
                    run_font = Some(font);
                }
                run.extend_from_slice(&code);
            }
            if let Some(font) = run_font {
                show(&mut c, font, t.size, &run);
            }
            c.end_text();
            if t.bold {
                c.restore_state();
            }
        }

        // The QR code: its dark modules as rectangles, one per horizontal run.
        let b = page.qr_box;
        let qr = &page.qr;
        for row in 0..qr.size() {
            let mut col = 0;
            while col < qr.size() {
                if !qr.is_dark(col, row) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < qr.size() && qr.is_dark(col, row) {
                    col += 1;
                }
                let x = b.x + (start + QUIET_ZONE) as f32 * b.pitch;
                let top = b.y + (row + QUIET_ZONE) as f32 * b.pitch;
                c.rect(x, y(top + b.pitch), (col - start) as f32 * b.pitch, b.pitch);
            }
        }
        c.fill_nonzero();
        Ok(c.finish())
    }

    /// Subsets font `index` to the glyphs the pages used and writes its objects.
    fn write_font(&mut self, index: usize, used: FontUse) -> Result<()> {
        let font = self.renderer.metrics().fonts()[index].clone();
        let face = font.face()?;
        let failed = |what: &str| Error::RenderFailed(format!("font {}: {what}", font.family()));
        let cff = face
            .raw_face()
            .table(ttf_parser::Tag::from_bytes(b"CFF "))
            .is_some();
        let upem = f32::from(face.units_per_em().max(1));
        let ps_name = postscript_name(&face, font.family());
        // The subset's tag: six capitals derived from the glyphs it holds.
        let mut digest = Sha256::new();
        digest.update(ps_name.as_bytes());
        for gid in used.remapper.remapped_gids() {
            digest.update(gid.to_be_bytes());
        }
        let digest = digest.finalize();
        let tag: String = digest[..6]
            .iter()
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        let base_font = format!("{tag}+{ps_name}");

        let cid_ref = self.alloc();
        let descriptor_ref = self.alloc();
        let cmap_ref = self.alloc();
        let file_ref = self.alloc();

        let mut chunk = Chunk::new();
        let type0_name = if cff {
            format!("{base_font}-Identity-H")
        } else {
            base_font.clone()
        };
        chunk
            .type0_font(used.type0)
            .base_font(Name(type0_name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);
        self.emit(used.type0, &chunk)?;

        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let mut chunk = Chunk::new();
        let mut cid = chunk.cid_font(cid_ref);
        cid.subtype(if cff {
            CidFontType::Type0
        } else {
            CidFontType::Type2
        });
        cid.base_font(Name(base_font.as_bytes()));
        cid.system_info(system_info);
        cid.font_descriptor(descriptor_ref);
        cid.default_width(0.0);
        if !cff {
            cid.cid_to_gid_map_predefined(Name(b"Identity"));
        }
        let widths: Vec<f32> = used
            .remapper
            .remapped_gids()
            .map(|old| {
                let units = face
                    .glyph_hor_advance(ttf_parser::GlyphId(old))
                    .unwrap_or(0);
                (f32::from(units) * 1000.0 / upem).round()
            })
            .collect();
        cid.widths().consecutive(0, widths);
        cid.finish();
        self.emit(cid_ref, &chunk)?;

        let to_1000 = |v: i16| f32::from(v) * 1000.0 / upem;
        let bbox = face.global_bounding_box();
        let ascent = face.typographic_ascender().unwrap_or(face.ascender());
        let descent = face.typographic_descender().unwrap_or(face.descender());
        let cap = face.capital_height().filter(|&h| h > 0).unwrap_or(ascent);
        let mut chunk = Chunk::new();
        let mut d = chunk.font_descriptor(descriptor_ref);
        d.name(Name(base_font.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                to_1000(bbox.x_min),
                to_1000(bbox.y_min),
                to_1000(bbox.x_max),
                to_1000(bbox.y_max),
            ))
            .italic_angle(face.italic_angle())
            .ascent(to_1000(ascent))
            .descent(to_1000(descent))
            .cap_height(to_1000(cap))
            .stem_v(10.0 + 0.244 * (f32::from(face.weight().to_number()) - 50.0));
        if cff {
            d.font_file3(file_ref);
        } else {
            d.font_file2(file_ref);
        }
        d.finish();
        self.emit(descriptor_ref, &chunk)?;

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
        for (&cid, &c) in &used.unicode {
            cmap.pair(cid, c);
        }
        let cmap = deflate(&cmap.finish());
        let mut chunk = Chunk::new();
        chunk.cmap(cmap_ref, &cmap).filter(Filter::FlateDecode);
        self.emit(cmap_ref, &chunk)?;

        let subset = subsetter::subset(font.bytes(), font.index(), &used.remapper)
            .map_err(|e| failed(&format!("subsetting: {e}")))?;
        let program = if cff {
            let raw = ttf_parser::RawFace::parse(&subset, 0).map_err(|e| failed(&e.to_string()))?;
            raw.table(ttf_parser::Tag::from_bytes(b"CFF "))
                .ok_or_else(|| failed("the subset has no CFF table"))?
                .to_vec()
        } else {
            subset
        };
        let data = deflate(&program);
        let mut chunk = Chunk::with_capacity(data.len() + 128);
        let mut stream = chunk.stream(file_ref, &data);
        stream.filter(Filter::FlateDecode);
        if cff {
            stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
        } else {
            stream.pair(Name(b"Length1"), program.len() as i32);
        }
        stream.finish();
        self.emit(file_ref, &chunk)
    }
}

/// Shows `codes` (two bytes a glyph) in font `font` at `size`.
fn show(c: &mut Content, font: usize, size: f32, codes: &[u8]) {
    let name = format!("F{font}");
    c.set_font(Name(name.as_bytes()), size);
    c.show(Str(codes));
}

/// The PostScript name of a face (name 6), else its family without spaces; only the characters
/// a PDF name allows unescaped.
fn postscript_name(face: &ttf_parser::Face<'_>, family: &str) -> String {
    let name = face
        .names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
        .unwrap_or_else(|| family.to_string());
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(100)
        .collect();
    if clean.is_empty() {
        "Font".into()
    } else {
        clean
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}
