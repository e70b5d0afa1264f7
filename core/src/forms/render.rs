//! The renderer: one font in memory, shared by every thread; SVG written directly, PDF and PNG
//! from one parsed `usvg` tree.

use std::sync::Arc;

use resvg::tiny_skia;
use resvg::usvg;

use crate::error::{Error, Result};
use crate::forms::content::Form;
use crate::forms::font::{Font, FontSource};
use crate::forms::page::{self, Metrics};
use crate::forms::qr::QrMatrix;

/// The default PNG resolution (dots per inch).
pub const DEFAULT_DPI: u32 = 150;
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
    /// The page as a one-page A4 PDF with the font embedded and subset.
    pub pdf: Vec<u8>,
    /// The page as a grayscale PNG.
    pub png: Vec<u8>,
}

/// Renders forms. Create one and share it (`&Renderer` or `Arc<Renderer>`) across threads: the
/// font is read once and held in memory.
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
    font: Font,
    metrics: Arc<Metrics>,
    fontdb: Arc<usvg::fontdb::Database>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("font", &self.font)
            .finish()
    }
}

impl Renderer {
    /// A renderer with the font from `source` (caller's bytes or path, else `GRADREG_FONT`,
    /// else the system's CJK fonts).
    pub fn new(source: FontSource) -> Result<Renderer> {
        Renderer::with_font(Font::load(source)?)
    }

    /// A renderer with an already loaded font.
    pub fn with_font(font: Font) -> Result<Renderer> {
        let metrics = Arc::new(Metrics::new(&font)?);
        let fontdb = Arc::new(font.database());
        Ok(Renderer {
            font,
            metrics,
            fontdb,
        })
    }

    /// The font in use.
    pub fn font(&self) -> &Font {
        &self.font
    }

    /// Checks that the font has a glyph for every character of the form, without rendering.
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
        page::form_svg(form, &self.metrics, self.font.family(), qr)
    }

    /// The form as a one-page A4 PDF, text searchable, font embedded and subset.
    pub fn pdf(&self, form: &Form) -> Result<Vec<u8>> {
        let tree = self.tree(&self.svg(form)?)?;
        to_pdf(&tree)
    }

    /// The form as a grayscale PNG at `dpi` ([`MIN_DPI`]..=[`MAX_DPI`]; [`DEFAULT_DPI`] is 150).
    pub fn png(&self, form: &Form, dpi: u32) -> Result<Vec<u8>> {
        check_dpi(dpi)?;
        let tree = self.tree(&self.svg(form)?)?;
        to_png(&tree, dpi)
    }

    /// The form as SVG, PDF and PNG, parsing the page once for both PDF and PNG.
    pub fn render(&self, form: &Form, dpi: u32) -> Result<RenderedForm> {
        check_dpi(dpi)?;
        let svg = self.svg(form)?;
        let tree = self.tree(&svg)?;
        Ok(RenderedForm {
            pdf: to_pdf(&tree)?,
            png: to_png(&tree, dpi)?,
            svg,
        })
    }

    fn tree(&self, svg: &str) -> Result<usvg::Tree> {
        let options = usvg::Options {
            fontdb: self.fontdb.clone(),
            font_family: self.font.family().to_string(),
            languages: vec!["zh-CN".to_string()],
            ..usvg::Options::default()
        };
        usvg::Tree::from_str(svg, &options)
            .map_err(|e| Error::RenderFailed(format!("SVG parsing: {e}")))
    }
}

fn check_dpi(dpi: u32) -> Result<()> {
    if !(MIN_DPI..=MAX_DPI).contains(&dpi) {
        return Err(Error::InvalidRenderSize(format!(
            "{dpi} dpi: must be {MIN_DPI} to {MAX_DPI}"
        )));
    }
    Ok(())
}

fn to_pdf(tree: &usvg::Tree) -> Result<Vec<u8>> {
    // The tree's size is in CSS pixels (96 per inch); 96 dpi maps 210 mm to 595.3 pt.
    let page = svg2pdf::PageOptions { dpi: 96.0 };
    svg2pdf::to_pdf(tree, svg2pdf::ConversionOptions::default(), page)
        .map_err(|e| Error::RenderFailed(format!("PDF conversion: {e}")))
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
    // modules, placed on a 1/150-inch grid, fall on whole pixels.
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
    }
}
