//! The renderer: its fonts in memory, shared by every thread; SVG written directly, PDF written
//! directly from the page's layout, PNG rasterised from the SVG.

use std::io::Write;
use std::sync::Arc;

use resvg::tiny_skia;
use resvg::usvg;

use crate::error::{Error, Result};
use crate::forms::content::Form;
use crate::forms::font::{Font, FontSource};
use crate::forms::page::{self, Metrics};
use crate::forms::pdf::{PdfDocument, PdfOptions};
use crate::forms::qr::QrMatrix;
use crate::forms::zip::PngZip;

/// The default PNG resolution (dots per inch): 240, where a phone-grade QR module (1/30 inch,
/// 0.847 mm) is 8 whole pixels, so that the page's code still decodes after the image is scaled
/// to half and blurred, as a phone photo of the page is.
pub const DEFAULT_DPI: u32 = 240;
/// The print-quality PNG resolution.
pub const PRINT_DPI: u32 = 300;
/// Lowest accepted PNG resolution.
pub const MIN_DPI: u32 = 72;
/// Highest accepted PNG resolution (an A4 page at 600 dpi is 35 megapixels).
pub const MAX_DPI: u32 = 600;

/// A form in the three formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedForm {
    /// The page as SVG.
    pub svg: String,
    /// The page as a one-page A4 PDF with the fonts embedded and subset.
    pub pdf: Vec<u8>,
    /// The page as a grayscale PNG.
    pub png: Vec<u8>,
}

/// Renders forms. Create one and share it (`&Renderer` or `Arc<Renderer>`) across threads: the
/// fonts are read once and held in memory.
///
/// A renderer has a page font and, optionally, fallback fonts that draw, character by
/// character, what the page font lacks. [`Renderer::new`] with [`FontSource::Auto`] falls back
/// to the bundled font (feature `bundled-font`); a font the caller names is used alone
/// ([`Renderer::with_fonts`] gives fallbacks explicitly). A character no font has is refused
/// with [`Error::MissingGlyph`].
///
/// ```no_run
/// # fn main() -> gradreg::Result<()> {
/// use gradreg::forms::{FontSource, Renderer};
/// let renderer = Renderer::new(FontSource::Auto)?; // GRADREG_FONT, else a system CJK font
/// let png = gradreg::forms::qr_png("GR1:ABCDEF", 8)?;
/// # let _ = (renderer, png);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Renderer {
    metrics: Arc<Metrics>,
    fontdb: Arc<usvg::fontdb::Database>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("fonts", &self.metrics.fonts())
            .finish()
    }
}

impl Renderer {
    /// A renderer with the font from `source` (caller's bytes or path, else `GRADREG_FONT`,
    /// else the system's CJK fonts, else the bundled font). With [`FontSource::Auto`] the
    /// bundled font (feature `bundled-font`) is also the fallback for characters the chosen
    /// font lacks.
    pub fn new(source: FontSource) -> Result<Renderer> {
        let auto = source == FontSource::Auto;
        let font = Font::load(source)?;
        let fallbacks = if cfg!(feature = "bundled-font") && auto && !font.is_bundled() {
            bundled_fallback()?
        } else {
            Vec::new()
        };
        Renderer::with_fonts(font, fallbacks)
    }

    /// A renderer with an already loaded font, used alone.
    pub fn with_font(font: Font) -> Result<Renderer> {
        Renderer::with_fonts(font, Vec::new())
    }

    /// A renderer with a page font and fallback fonts, tried in order for each character the
    /// page font lacks (at most 254 fonts in all).
    pub fn with_fonts(font: Font, fallbacks: Vec<Font>) -> Result<Renderer> {
        let mut fonts = vec![font];
        fonts.extend(fallbacks);
        if fonts.len() >= usize::from(u8::MAX) {
            return Err(Error::InvalidArgument(format!(
                "{} fonts: at most 254",
                fonts.len()
            )));
        }
        let metrics = Arc::new(Metrics::new(&fonts)?);
        let mut db = usvg::fontdb::Database::new();
        for f in &fonts {
            f.add_to(&mut db);
        }
        db.set_sans_serif_family(fonts[0].family().to_string());
        Ok(Renderer {
            metrics,
            fontdb: Arc::new(db),
        })
    }

    /// The page font.
    pub fn font(&self) -> &Font {
        &self.metrics.fonts()[0]
    }

    /// All fonts: the page font, then the fallbacks in order.
    pub fn fonts(&self) -> &[Font] {
        self.metrics.fonts()
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Checks that the fonts have a glyph for every character of the form, without rendering.
    /// The error names the first missing character and its field.
    pub fn check(&self, form: &Form) -> Result<()> {
        self.svg(form).map(|_| ())
    }

    /// The form as SVG (A4, millimetre units, text as text, the QR code as one path).
    pub fn svg(&self, form: &Form) -> Result<String> {
        let qr = QrMatrix::encode(&form.token)?;
        self.svg_with_qr(form, &qr)
    }

    /// The form as SVG with its QR code already encoded (`qr` must be
    /// `QrMatrix::encode(&form.token)`; a mismatch is refused). Lets a caller that encodes the
    /// code once, or measures the page alone, skip the encoding.
    pub fn svg_with_qr(&self, form: &Form, qr: &QrMatrix) -> Result<String> {
        form.check_lengths()?;
        if qr.payload() != form.token {
            return Err(Error::QrPayloadInvalid(
                "the QR matrix was encoded from another token".into(),
            ));
        }
        page::form_svg(form, &self.metrics, qr)
    }

    /// The form as a one-page A4 PDF, text searchable, fonts embedded and subset.
    pub fn pdf(&self, form: &Form) -> Result<Vec<u8>> {
        self.pdf_with(form, &PdfOptions::default())
    }

    /// The form as a one-page A4 PDF with `options` (for instance PDF/A-2b with `archival`).
    pub fn pdf_with(&self, form: &Form, options: &PdfOptions) -> Result<Vec<u8>> {
        self.class_pdf([form], options)
    }

    /// Many forms as one PDF, a page each, in order (a whole class for the counselor to
    /// print). Each font is subset once for the document and shared by all its pages.
    pub fn class_pdf<'a, I>(&self, forms: I, options: &PdfOptions) -> Result<Vec<u8>>
    where
        I: IntoIterator<Item = &'a Form>,
    {
        let mut doc = self.pdf_document(Vec::with_capacity(64 * 1024), options.clone())?;
        for form in forms {
            doc.add(form)?;
        }
        doc.finish()
    }

    /// A PDF document written to `out` page by page as forms are added (memory stays flat
    /// however many pages): see [`PdfDocument`].
    pub fn pdf_document<W: Write>(
        &self,
        out: W,
        options: PdfOptions,
    ) -> Result<PdfDocument<'_, W>> {
        PdfDocument::new(self, out, options)
    }

    /// Many forms as a ZIP archive of PNG pages at `dpi`, named `001-archive-<number>.png` and
    /// so on in order.
    pub fn class_png_zip<'a, I>(&self, forms: I, dpi: u32) -> Result<Vec<u8>>
    where
        I: IntoIterator<Item = &'a Form>,
    {
        let mut zip = self.png_zip(Vec::new(), dpi)?;
        for form in forms {
            zip.add(form)?;
        }
        zip.finish()
    }

    /// A ZIP archive of PNG pages written to `out` page by page as forms are added: see
    /// [`PngZip`].
    pub fn png_zip<W: Write>(&self, out: W, dpi: u32) -> Result<PngZip<'_, W>> {
        PngZip::new(self, out, dpi)
    }

    /// The form as a grayscale PNG at `dpi` ([`MIN_DPI`]..=[`MAX_DPI`]; [`DEFAULT_DPI`] is 240).
    pub fn png(&self, form: &Form, dpi: u32) -> Result<Vec<u8>> {
        check_dpi(dpi)?;
        let tree = self.tree(&self.svg(form)?)?;
        to_png(&tree, dpi)
    }

    /// The form as SVG, PDF and PNG.
    pub fn render(&self, form: &Form, dpi: u32) -> Result<RenderedForm> {
        check_dpi(dpi)?;
        let svg = self.svg(form)?;
        let tree = self.tree(&svg)?;
        Ok(RenderedForm {
            pdf: self.pdf(form)?,
            png: to_png(&tree, dpi)?,
            svg,
        })
    }

    fn tree(&self, svg: &str) -> Result<usvg::Tree> {
        let options = usvg::Options {
            fontdb: self.fontdb.clone(),
            font_family: self.font().family().to_string(),
            languages: vec!["zh-CN".to_string()],
            ..usvg::Options::default()
        };
        usvg::Tree::from_str(svg, &options)
            .map_err(|e| Error::RenderFailed(format!("SVG parsing: {e}")))
    }
}

/// The bundled font as the fallback (feature `bundled-font`; none without it).
fn bundled_fallback() -> Result<Vec<Font>> {
    #[cfg(feature = "bundled-font")]
    {
        Ok(vec![Font::bundled()?])
    }
    #[cfg(not(feature = "bundled-font"))]
    {
        Ok(Vec::new())
    }
}

pub(crate) fn check_dpi(dpi: u32) -> Result<()> {
    if !(MIN_DPI..=MAX_DPI).contains(&dpi) {
        return Err(Error::InvalidRenderSize(format!(
            "{dpi} dpi: must be {MIN_DPI} to {MAX_DPI}"
        )));
    }
    Ok(())
}

/// Pixels for `mm` at `dpi`.
fn px(mm: f32, dpi: u32) -> u32 {
    (mm / 25.4 * dpi as f32).round() as u32
}

fn to_png(tree: &usvg::Tree, dpi: u32) -> Result<Vec<u8>> {
    let (w, h) = (px(page::PAGE_W, dpi), px(page::PAGE_H, dpi));
    let mut pixmap = tiny_skia::Pixmap::new(w, h)
        .ok_or_else(|| Error::InvalidRenderSize(format!("{w}×{h} pixels")))?;
    // No fill: the page's first element is an opaque white rectangle over the whole page.
    // The tree is in CSS pixels (96 per inch): scale to `dpi` exactly, so that the QR code's
    // modules, placed on a grid of whole pixels at the default resolution, stay sharp.
    let scale = dpi as f32 / 96.0;
    let transform = tiny_skia::Transform::from_scale(scale, scale);
    resvg::render(tree, transform, &mut pixmap.as_mut());
    // The page is opaque (white background) and drawn in neutral grays only (black, white and
    // the light grays of the label cells), so every pixel has R = G = B: the green channel is
    // the gray value.
    let mut gray = vec![0u8; pixmap.data().len() / 4];
    for (g, px) in gray.iter_mut().zip(pixmap.data().chunks_exact(4)) {
        *g = px[1];
    }
    super::png::encode_gray(&gray, w, h, Some(dpi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderer_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Renderer>();
        check::<Font>();
    }

    #[test]
    fn dpi_bounds() {
        assert!(check_dpi(150).is_ok() && check_dpi(300).is_ok());
        assert_eq!(check_dpi(0).unwrap_err().code(), 405);
        assert_eq!(check_dpi(10_000).unwrap_err().code(), 405);
        assert_eq!((px(210.0, 150), px(297.0, 150)), (1240, 1754));
        assert_eq!((px(210.0, 240), px(297.0, 240)), (1984, 2806));
    }
}
