//! Page layout of a form on A4, written directly as SVG.
//!
//! Units are millimetres (the SVG's `viewBox` is `0 0 210 297`). Every piece of text goes through
//! the renderer's text metrics, which measure it with the font's advances and refuse a character
//! the font has no glyph for, so nothing reaches a renderer that would leave a blank gap. Values
//! that are too wide for their cell first shrink a little, then wrap onto more lines (the row
//! grows), then shrink further down to a minimum size; past that the field is refused.
//!
//! This module holds the page's size, the QR code's module sizes and the model of a laid-out page
//! (what the SVG and PDF writers draw); text measuring and line breaking are in `measure`, the
//! layout of the header, the table and the notes in `layout`, and the SVG writer in `svg`.

mod layout;
mod measure;
mod svg;

use crate::forms::qr::QrMatrix;

pub(crate) use layout::layout;
pub(crate) use measure::Metrics;
pub(crate) use svg::{form_svg, push_uint};

/// Page width, mm (A4).
pub const PAGE_W: f32 = 210.0;
/// Page height, mm (A4).
pub const PAGE_H: f32 = 297.0;

/// The grid of a dense QR code: 1/240 inch, the pixel of the default PNG resolution. Its module
/// is a whole number of dots.
const DOT: f32 = 25.4 / 240.0;
/// Module of a phone-grade QR code, in dots: 8 dots = 1/30 inch = 0.847 mm, at least the 0.8 mm
/// phone cameras need on paper. It is 8 pixels at the default 240 dpi (4 after the image is
/// scaled to half), and whole pixels at 150, 300 and 600 dpi too (5, 10 and 20): the code is
/// placed on a grid of its own modules.
pub const QR_MODULE_DOTS: u32 = 8;
/// The phone-grade module in millimetres (1/30 inch).
pub const QR_MODULE_MM: f32 = QR_MODULE_DOTS as f32 * DOT;
/// Largest QR code drawn with phone-grade modules, modules per side including the quiet zone:
/// version 16 at level M (up to 656 alphanumeric characters: every token without its disclosure,
/// and a format-2 token with its compact disclosure embedded, with or without a deployment URL
/// prefix). It is 75.4 mm wide; a code wider than 61 modules (51.6 mm, version 9) puts the
/// header beside it instead of centring it on the page, and pushes the table down.
pub const PHONE_QR_MODULES: usize = 89;

/// Largest QR code on a page, modules per side including the quiet zone (version 18 at level M,
/// up to 734 alphanumeric characters): beyond [`PHONE_QR_MODULES`] the modules shrink to fit the
/// same area, down to four dots (0.42 mm), which scanners read from paper but phones only up
/// close. A format-1 token with its JSON disclosure embedded is longer and cannot be printed.
pub const MAX_PAGE_QR_MODULES: usize = 100;

/// Bold is drawn as a thin outline around the glyphs, since one regular face is embedded. Only
/// the title is bold: stroking glyph outlines is the costliest step of rasterising a page
/// (about a quarter of it when the section headings were bold too).
pub(crate) const BOLD_STROKE: f32 = 0.12;

/// How a text is placed horizontally on its `x`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// `x` is the start of the text.
    Start,
    /// `x` is the middle of the text.
    Middle,
}

/// A line of text on the page: baseline at `y`, size in mm.
pub(crate) struct Text {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub anchor: Anchor,
    pub bold: bool,
    pub text: String,
}

/// A filled rectangle: `x`, `y`, width, height (mm) and its gray level (0 black … 255 white).
pub(crate) type Fill = (f32, f32, f32, f32, u8);

/// A thin rule: from (`x`, `y`), horizontally to x = `to` (`'H'`) or down by `to` (`'v'`).
pub(crate) type Rule = (f32, f32, char, f32);

/// Everything drawn on a page, in mm from the top-left corner; the SVG and PDF writers draw it.
pub(crate) struct Page {
    pub fills: Vec<Fill>,
    pub rules: Vec<Rule>,
    pub border: (f32, f32, f32, f32),
    pub texts: Vec<Text>,
    pub qr: QrMatrix,
    pub qr_box: QrBox,
}

/// Width of the thin rules, mm.
pub(crate) const RULE_W: f32 = 0.2;
/// Width of the table's border, mm.
pub(crate) const BORDER_W: f32 = 0.45;

/// Where the QR code goes: the top-left corner of its quiet zone, its module pitch and its side
/// with the quiet zone, in mm, on the dot grid. Its dark modules end at the table's right edge and
/// start 9 mm from the top; the quiet zone reaches into the page margin, which stays white.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QrBox {
    pub x: f32,
    pub y: f32,
    pub pitch: f32,
    pub side: f32,
}
