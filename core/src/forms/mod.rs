//! Forms (去向登记信息表): the 档案登记信息表 and the 户口登记信息表, as content and as SVG, PDF
//! and PNG.
//!
//! [`Form::build`] turns a registration, one of its authorizations, the section and the QR token
//! into the form's content: title, verification number and QR payload, 基本信息 (identity with
//! the ID number masked), 毕业去向信息, then 档案转递信息 or 户口迁移信息 only when that section
//! was registered at authorization time, and 核验信息 (validity, time of issue in UTC+8, how to
//! verify online with name + number or by scanning). A form is issued only for an authorization
//! in force: an expired, revoked or superseded one is refused with a typed error, so that no
//! printed form ever shows a validity it does not have.
//!
//! With the `render` feature (on by default), a [`Renderer`] draws the form:
//! - **SVG** written directly, with the QR code drawn from its modules as one path on an integer
//!   grid with a 4-module quiet zone;
//! - **PDF**, A4, written directly from the same layout: text kept as text (searchable, with
//!   ToUnicode maps), each font embedded and subset once per document; one form a page, or a
//!   whole class in one document streamed page by page ([`Renderer::class_pdf`],
//!   [`Renderer::pdf_document`]); PDF/A-2b on request ([`PdfOptions::archival`]);
//! - **PNG**, grayscale, 240 dpi by default ([`DEFAULT_DPI`]), any of 72–600 on request, through
//!   `resvg`; a class as a ZIP of PNG pages ([`Renderer::class_png_zip`], [`Renderer::png_zip`]).
//!
//! The QR code is made for phones: its modules are 1/30 inch (0.847 mm, [`QR_MODULE_MM`]) on
//! paper for every token without its disclosure and for a format-2 token with its compact
//! disclosure embedded (up to version 16, [`PHONE_QR_MODULES`]), 8 whole pixels at the default
//! resolution, so that the page's code decodes after the image is scaled to half and blurred, as
//! a phone photo of it is. A code wider than version 9 has the header beside it rather than
//! centred on the page. Longer tokens (up to version 18) are drawn with smaller modules in the
//! same area.
//!
//! Fonts: the caller's, else `GRADREG_FONT`, else the system's CJK fonts, else the bundled
//! Gradreg Sans SC (feature `bundled-font`, on by default), which is also the fallback for
//! characters the chosen font lacks. See [`font`].
//!
//! The same input gives the same bytes in every format. The QR code alone is available through
//! [`qr_svg`] and [`qr_png`].
//!
//! ```no_run
//! # fn main() -> gradreg::Result<()> {
//! use gradreg::forms::{Form, FormOptions, FontSource, Renderer, DEFAULT_DPI};
//! # use chrono::TimeZone;
//! # let now = chrono::Utc.with_ymd_and_hms(2026, 6, 20, 1, 0, 0).unwrap();
//! # let reg = gradreg::sample::authorized_registration("doc", now, 30, [7; 16], None)?;
//! # let auth = reg.authorizations[0].clone();
//! # let token = "GR1.EXAMPLE".to_string(); // issue_token() gives the signed one
//! let tables = gradreg::CodeTables::builtin();
//! let form = Form::build(&reg, &auth, gradreg::Section::Archive, &token, now, tables, FormOptions::default())?;
//! let renderer = Renderer::new(FontSource::Auto)?;
//! let out = renderer.render(&form, DEFAULT_DPI)?;
//! std::fs::write("archive.pdf", &out.pdf).ok();
//! # Ok(()) }
//! ```

pub mod content;
#[cfg(feature = "render")]
pub mod font;
#[cfg(feature = "render")]
pub mod page;
#[cfg(feature = "render")]
pub mod pdf;
#[cfg(feature = "render")]
mod png;
#[cfg(feature = "render")]
pub mod qr;
#[cfg(feature = "render")]
pub mod render;
#[cfg(feature = "render")]
pub mod zip;

pub use content::{
    cst_text, Block, Field, Form, FormOptions, Row, MAX_FIELD_CHARS, MAX_TOKEN_CHARS,
};
#[cfg(feature = "bundled-font")]
pub use font::BUNDLED_FAMILY;
#[cfg(feature = "render")]
pub use font::{Font, FontSource, FONT_ENV};
#[cfg(feature = "render")]
pub use page::{MAX_PAGE_QR_MODULES, PHONE_QR_MODULES, QR_MODULE_MM};
#[cfg(feature = "render")]
pub use pdf::{PdfDocument, PdfOptions};
#[cfg(feature = "render")]
pub use qr::{qr_png, qr_svg, QrMatrix};
#[cfg(feature = "render")]
pub use render::{RenderedForm, Renderer, DEFAULT_DPI, MAX_DPI, MIN_DPI, PRINT_DPI};
#[cfg(feature = "render")]
pub use zip::PngZip;
