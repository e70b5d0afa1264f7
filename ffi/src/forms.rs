//! Rendering the registration forms (去向登记信息表) to SVG, PDF and PNG, one form or a whole
//! class at once (one PDF, or a ZIP of PNG pages), in memory or streamed to a file.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use gradreg::files::PendingFile;
use gradreg::forms::{
    FontSource, Form, FormOptions, PdfOptions, Renderer, DEFAULT_DPI, MAX_DPI, MIN_DPI,
};
use gradreg::{CodeTables, ErrorCode, Registration};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::args::{gradreg_bytes, gradreg_str};
use crate::support::{
    bytes_arg, guard, guard_void, instant_arg, json_object, lookup, opt_str_arg, owned_bytes,
    register, release, str_arg, Failure, FfiResult, Object, Out,
};
use crate::verify::{authorization_of, section_arg};

/// A form renderer (opaque) holding its fonts in memory. Made by `gradreg_renderer_new` or
/// `gradreg_renderer_new_from_font`, freed by `gradreg_renderer_free`.
///
/// Thread rules: one renderer may be used from several threads at once (the fonts are shared,
/// read-only); make one per process and keep it. A handle is a token, not an address: never
/// dereference it.
pub struct gradreg_renderer {
    _private: [u8; 0],
}

const KIND: &str = "gradreg_renderer";

fn get(handle: *const gradreg_renderer) -> FfiResult<Arc<Renderer>> {
    lookup(handle as usize, "renderer", KIND, |o| match o {
        Object::Renderer(r) => Some(Arc::clone(r)),
        _ => None,
    })
}

fn publish(renderer: Renderer, out: Out<*mut gradreg_renderer>) -> FfiResult {
    let token = register(Object::Renderer(Arc::new(renderer)))?;
    out.write(token as *mut gradreg_renderer);
    Ok(())
}

/// Makes a renderer with a font file, or finds one. No font needs to be installed: the library
/// carries its own CJK font (Gradreg Sans SC, a subset of Noto Sans CJK SC), used when neither
/// the caller nor the system has one.
///
/// - `font_path`: a `.ttf`, `.otf`, `.ttc` or `.otc` file with CJK glyphs, used alone; none
///   (`GRADREG_STR_NONE`) to use the file named by the environment variable `GRADREG_FONT`
///   (an error when it is set and unusable), else the system's CJK fonts (Noto Sans CJK,
///   Source Han, WenQuanYi, …), else the bundled font. With none, the bundled font also draws,
///   character by character, what the chosen font lacks. The font is read once, into memory.
/// - `renderer_out`: receives the handle; free it with `gradreg_renderer_free`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_FONT_INVALID` when the file (the one given, or the one
/// `GRADREG_FONT` names) cannot be read or is not a usable font; the NULL and UTF-8 codes. (A
/// build of the library without its bundled font may also return `GRADREG_ERR_FONT_NOT_FOUND`.)
/// Thread-safe.
///
/// # Safety
/// `font_path` must be `{NULL, 0}` or point to its `len` readable bytes; `renderer_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_renderer_new(
    font_path: gradreg_str,
    renderer_out: *mut *mut gradreg_renderer,
) -> u32 {
    guard(|| {
        let out = Out::new(renderer_out, "renderer_out")?;
        // SAFETY: forwarded.
        let path = unsafe { opt_str_arg(font_path, "font_path") }?;
        let source = match path {
            Some(p) => FontSource::Path(p.into()),
            None => FontSource::Auto,
        };
        publish(Renderer::new(source)?, out)
    })
}

/// Makes a renderer with font file contents the caller already holds (copied).
///
/// - `font`: the bytes of a `.ttf`, `.otf`, `.ttc` or `.otc` file with CJK glyphs.
/// - `renderer_out`: as in `gradreg_renderer_new`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_FONT_INVALID`, `GRADREG_ERR_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
/// `font` must be `{NULL, 0}` or point to `font.len` readable bytes; `renderer_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_renderer_new_from_font(
    font: gradreg_bytes,
    renderer_out: *mut *mut gradreg_renderer,
) -> u32 {
    guard(|| {
        let out = Out::new(renderer_out, "renderer_out")?;
        // SAFETY: forwarded.
        let bytes = unsafe { bytes_arg(font, "font") }?;
        publish(Renderer::new(FontSource::Bytes(bytes.to_vec()))?, out)
    })
}

/// Frees a renderer. NULL is a no-op; so is a handle that is already freed or of another kind.
///
/// # Safety
/// None beyond passing a value this library returned (or NULL).
#[no_mangle]
pub unsafe extern "C" fn gradreg_renderer_free(renderer: *mut gradreg_renderer) {
    guard_void(|| release(renderer as usize, |o| matches!(o, Object::Renderer(_))));
}

/// Renders one form of an authorization: 毕业生去向登记信息表（档案）or（户口）with the
/// verification number and the QR code of `token`, 基本信息 with the ID number masked,
/// 毕业去向信息, then 档案转递信息 or 户口迁移信息 when registered at authorization time, the
/// validity, the time of issue and how to verify. The same input gives the same bytes.
///
/// - `renderer`: the handle.
/// - `registration_json`: the registration holding the authorization (see
///   `gradreg_token_issue`); the authorization must be in force at `now_unix`
///   (`GRADREG_ERR_AUTHORIZATION_EXPIRED`, `GRADREG_ERR_AUTHORIZATION_NOT_ACTIVE` otherwise).
/// - `number`: the verification number; `section`: `"archive"` or `"hukou"`.
/// - `token`: the QR payload from `gradreg_token_issue` (printable ASCII).
/// - `format`: `"svg"`, `"pdf"` (A4, text kept as text, fonts embedded and subset), `"pdf/a"`
///   (that PDF as PDF/A-2b, for archives: XMP metadata naming the part and level, an sRGB
///   output intent, no transparency) or `"png"` (grayscale).
/// - `dpi`: for PNG, 72 to 600 (240 by default when 0, where the QR code's modules are whole
///   pixels and the code still decodes from a phone photo of the page; 300 for print); ignored
///   otherwise.
/// - `now_unix`: the time of issue printed on the form, seconds since 1970-01-01T00:00:00Z.
/// - `bytes_out`, `bytes_len_out`: receive the file's bytes (SVG is UTF-8 text, not
///   NUL-terminated); free them with `gradreg_bytes_free(bytes, len)`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_MISSING_GLYPH` when the font lacks a character of the form
/// (the detail names it: nothing is left blank), `GRADREG_ERR_FIELD_TOO_LONG`,
/// `GRADREG_ERR_QR_PAYLOAD_INVALID`, `GRADREG_ERR_INVALID_RENDER_SIZE`, other 4xx and 2xx codes,
/// and the JSON, NULL, UTF-8 and handle codes. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; the out pointers
/// must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_renderer_render(
    renderer: *const gradreg_renderer,
    registration_json: gradreg_str,
    number: gradreg_str,
    section: gradreg_str,
    token: gradreg_str,
    format: gradreg_str,
    dpi: u32,
    now_unix: i64,
    bytes_out: *mut *mut u8,
    bytes_len_out: *mut usize,
) -> u32 {
    guard(|| {
        let out = Out::new(bytes_out, "bytes_out")?;
        let len_out = Out::new(bytes_len_out, "bytes_len_out")?;
        let renderer = get(renderer)?;
        // SAFETY: forwarded.
        let (reg, number, section, token, format) = unsafe {
            (
                str_arg(registration_json, "registration_json")?,
                str_arg(number, "number")?,
                str_arg(section, "section")?,
                str_arg(token, "token")?,
                str_arg(format, "format")?,
            )
        };
        let reg: Registration = json_object(reg, "registration_json")?;
        let section = section_arg(section)?;
        let auth = authorization_of(&reg, number)?;
        let now = instant_arg(now_unix)?;
        let form = Form::build(
            &reg,
            auth,
            section,
            token,
            now,
            CodeTables::builtin(),
            FormOptions::default(),
        )?;
        let bytes = match format {
            "svg" => renderer.svg(&form)?.into_bytes(),
            "pdf" => renderer.pdf(&form)?,
            "pdf/a" => renderer.pdf_with(&form, &archival())?,
            "png" => renderer.png(&form, dpi_or_default(dpi))?,
            other => {
                return Err(gradreg::Error::InvalidArgument(format!(
                    "unknown format {other:?} (svg, pdf, pdf/a or png)"
                ))
                .into())
            }
        };
        let (ptr, len) = owned_bytes(bytes);
        out.write(ptr);
        len_out.write(len);
        Ok(())
    })
}

/// The options of a PDF/A-2b document.
fn archival() -> PdfOptions {
    PdfOptions {
        archival: true,
        title: None,
    }
}

/// The PNG resolution asked for: 0 is the default, 240 dpi.
fn dpi_or_default(dpi: u32) -> u32 {
    if dpi == 0 {
        DEFAULT_DPI
    } else {
        dpi
    }
}

/// Renders a whole class: many forms, in order, as one PDF document with a page each, or as a
/// ZIP archive of PNG pages; the result in memory. Each font is subset once for the document
/// and shared by all its pages. For a large class prefer `gradreg_renderer_write_class`, which
/// streams the pages to a file instead of holding the result in memory.
///
/// - `renderer`: the handle.
/// - `items_json`: a JSON array of the forms, at least one, each an object with the four
///   arguments `gradreg_renderer_render` takes one at a time:
///   `{"registration":{…},"number":"XXXX-XXXX-XXXX-XXXX","section":"archive","token":"GR1.…"}`
///   — the registration as an object (not as text), the verification number of one of its
///   authorizations (in force at `now_unix`), `"archive"` or `"hukou"`, and the QR payload from
///   `gradreg_token_issue`. Items are read one at a time, so memory does not grow with the class
///   beyond the text itself.
/// - `format`: `"pdf"` (A4, text kept as text, fonts embedded and subset once), `"pdf/a"` (that
///   PDF as PDF/A-2b, for archives) or `"png-zip"` (a ZIP archive, entries stored, of grayscale
///   PNG pages named `001-archive-<number>.png`, `002-hukou-<number>.png` … in order).
/// - `dpi`: for `"png-zip"`, 72 to 600 (240 by default when 0; 300 for print); ignored otherwise.
/// - `now_unix`: the time of issue printed on every form, seconds since 1970-01-01T00:00:00Z.
/// - `bytes_out`, `bytes_len_out`: receive the file's bytes; free them with
///   `gradreg_bytes_free(bytes, len)`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_INVALID_ARGUMENT` for an empty array or an unknown format;
/// `GRADREG_ERR_MALFORMED_JSON` when `items_json` is not an array of objects with exactly those
/// fields; `GRADREG_ERR_INVALID_RENDER_SIZE` for a dpi outside 72–600; and for one item, every
/// code of `gradreg_renderer_render` (`GRADREG_ERR_MISSING_GLYPH`,
/// `GRADREG_ERR_AUTHORIZATION_EXPIRED`, `GRADREG_ERR_QR_PAYLOAD_INVALID` …). An item's error
/// stops the class; its detail (`gradreg_last_error`) starts with the item's index in the
/// array, counting from 0: `"[219] items_json[3]: …"`. Also the NULL, UTF-8 and handle codes.
/// Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; the out pointers
/// must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_renderer_render_class(
    renderer: *const gradreg_renderer,
    items_json: gradreg_str,
    format: gradreg_str,
    dpi: u32,
    now_unix: i64,
    bytes_out: *mut *mut u8,
    bytes_len_out: *mut usize,
) -> u32 {
    guard(|| {
        let out = Out::new(bytes_out, "bytes_out")?;
        let len_out = Out::new(bytes_len_out, "bytes_len_out")?;
        let renderer = get(renderer)?;
        // SAFETY: forwarded.
        let (items, format) = unsafe {
            (
                str_arg(items_json, "items_json")?,
                str_arg(format, "format")?,
            )
        };
        let class = Class::parse(items, format, dpi, now_unix)?;
        let (bytes, _) = class.render(&renderer, Vec::with_capacity(64 * 1024))?;
        let (ptr, len) = owned_bytes(bytes);
        out.write(ptr);
        len_out.write(len);
        Ok(())
    })
}

/// Renders a whole class as `gradreg_renderer_render_class` does, streaming it to the file at
/// `path`: each page is written as soon as it is drawn and then forgotten, so memory stays flat
/// however large the class (only each page's place in the file is kept until the end).
///
/// The pages are written to a temporary file beside `path` (in the same folder, named
/// `.<file name>.<process>-<n>.part`), which replaces `path` only once the document is complete
/// and on disk. On any error the temporary file is removed and `path` is left as it was: a
/// file already there is kept unchanged, and no partial document is ever found at `path`.
///
/// - `renderer`, `items_json`, `format`, `dpi`, `now_unix`: as in
///   `gradreg_renderer_render_class`.
/// - `path`: the file to write (`.pdf` or `.zip`, as you name it); its folder must exist.
/// - `pages_out`: receives the number of pages written (the number of items).
///
/// Returns `GRADREG_OK`; the codes of `gradreg_renderer_render_class`;
/// `GRADREG_ERR_INVALID_ARGUMENT` when `path` is empty, names no file (`"dir/.."`) or names a
/// folder; `GRADREG_ERR_IO` when the file cannot be created (a missing folder, no permission:
/// the detail names the path) or written, or the disk is full. Every argument but the items'
/// contents (read as their pages are drawn) is checked before the file is created. Thread-safe;
/// two calls writing the same `path` at once each write their own temporary file, and the one
/// that finishes last wins.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; `pages_out` must
/// be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_renderer_write_class(
    renderer: *const gradreg_renderer,
    items_json: gradreg_str,
    format: gradreg_str,
    dpi: u32,
    now_unix: i64,
    path: gradreg_str,
    pages_out: *mut usize,
) -> u32 {
    guard(|| {
        let out = Out::new(pages_out, "pages_out")?;
        let renderer = get(renderer)?;
        // SAFETY: forwarded.
        let (items, format, path) = unsafe {
            (
                str_arg(items_json, "items_json")?,
                str_arg(format, "format")?,
                str_arg(path, "path")?,
            )
        };
        let class = Class::parse(items, format, dpi, now_unix)?;
        let target = Path::new(path);
        let (pending, file) = PendingFile::create(target).map_err(|e| create_error(target, &e))?;
        let writer = BufWriter::with_capacity(256 * 1024, file);
        let (writer, pages) = class.render(&renderer, writer)?;
        let file = writer
            .into_inner()
            .map_err(|e| io_error(target, e.error()))?;
        pending.commit(file).map_err(|e| io_error(target, &e))?;
        out.write(pages);
        Ok(())
    })
}

/// One form of a class, as `items_json` gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassItem<'a> {
    #[serde(borrow)]
    registration: &'a RawValue,
    number: String,
    section: String,
    token: String,
}

/// What a class becomes.
enum ClassFormat {
    /// One PDF document.
    Pdf(PdfOptions),
    /// A ZIP archive of PNG pages at this resolution.
    PngZip(u32),
}

/// A class checked and split into its items (each still JSON text), ready to render.
struct Class<'a> {
    items: Vec<&'a RawValue>,
    format: ClassFormat,
    now: DateTime<Utc>,
}

impl<'a> Class<'a> {
    /// Checks every argument but the items' contents, which are read one at a time as the pages
    /// are drawn.
    fn parse(items: &'a str, format: &str, dpi: u32, now_unix: i64) -> FfiResult<Class<'a>> {
        let format = match format {
            "pdf" => ClassFormat::Pdf(PdfOptions::default()),
            "pdf/a" => ClassFormat::Pdf(archival()),
            "png-zip" => {
                let dpi = dpi_or_default(dpi);
                if !(MIN_DPI..=MAX_DPI).contains(&dpi) {
                    return Err(gradreg::Error::InvalidRenderSize(format!(
                        "{dpi} dpi: must be {MIN_DPI} to {MAX_DPI}"
                    ))
                    .into());
                }
                ClassFormat::PngZip(dpi)
            }
            other => {
                return Err(gradreg::Error::InvalidArgument(format!(
                    "unknown class format {other:?} (pdf, pdf/a or png-zip)"
                ))
                .into())
            }
        };
        let now = instant_arg(now_unix)?;
        if !items.trim_start().starts_with('[') {
            return Err(gradreg::Error::MalformedJson(
                "argument `items_json`: expected a JSON array of forms".into(),
            )
            .into());
        }
        gradreg::Limits::process_default().check_json("items_json", items.len())?;
        let items: Vec<&RawValue> = serde_json::from_str(items)
            .map_err(|e| gradreg::Error::MalformedJson(format!("argument `items_json`: {e}")))?;
        if items.is_empty() {
            return Err(gradreg::Error::InvalidArgument(
                "argument `items_json` is an empty array: a class needs at least one form".into(),
            )
            .into());
        }
        Ok(Class { items, format, now })
    }

    /// Draws every item on `out`, in order; returns the writer and the number of pages.
    fn render<W: Write>(&self, renderer: &Renderer, out: W) -> FfiResult<(W, usize)> {
        match &self.format {
            ClassFormat::Pdf(options) => {
                let mut doc = renderer.pdf_document(out, options.clone())?;
                for (index, item) in self.items.iter().enumerate() {
                    let form = self.form(index, item)?;
                    doc.add(&form).map_err(|e| at(index, e.into()))?;
                }
                let pages = doc.pages();
                Ok((doc.finish()?, pages))
            }
            ClassFormat::PngZip(dpi) => {
                let mut zip = renderer.png_zip(out, *dpi)?;
                for (index, item) in self.items.iter().enumerate() {
                    let form = self.form(index, item)?;
                    zip.add(&form).map_err(|e| at(index, e.into()))?;
                }
                let pages = zip.pages();
                Ok((zip.finish()?, pages))
            }
        }
    }

    /// The form of item `index`.
    fn form(&self, index: usize, item: &RawValue) -> FfiResult<Form> {
        let name = format!("items_json[{index}]");
        let item = class_item(item.get(), &name)?;
        let reg: Registration =
            json_object(item.registration.get(), &format!("{name}.registration"))?;
        let built = section_arg(&item.section).and_then(|section| {
            let auth = authorization_of(&reg, &item.number)?;
            Ok(Form::build(
                &reg,
                auth,
                section,
                &item.token,
                self.now,
                CodeTables::builtin(),
                FormOptions::default(),
            )?)
        });
        built.map_err(|f| at(index, f))
    }
}

/// Parses one item (a JSON object, borrowing its registration's text).
fn class_item<'t>(text: &'t str, name: &str) -> FfiResult<ClassItem<'t>> {
    let malformed = |why: String| -> Failure {
        gradreg::Error::MalformedJson(format!("argument `{name}`: {why}")).into()
    };
    if !text.starts_with('{') {
        return Err(malformed("expected a JSON object".into()));
    }
    serde_json::from_str(text).map_err(|e| malformed(e.to_string()))
}

/// The failure of item `index`: the same code, the detail starting with the item's place.
fn at(index: usize, failure: Failure) -> Failure {
    let (code, message) = failure.code_and_message();
    Failure::ffi(code, format!("items_json[{index}]: {message}"))
}

/// A class file that cannot be started: `GRADREG_ERR_INVALID_ARGUMENT` for a path that is empty,
/// names no file or is a folder, else `GRADREG_ERR_IO`.
fn create_error(target: &Path, e: &std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::InvalidInput {
        gradreg::Error::InvalidArgument(format!("argument `path` ({}) {e}", target.display()))
            .into()
    } else {
        io_error(target, e)
    }
}

/// `GRADREG_ERR_IO` for a file that cannot be created or written, naming the caller's path.
fn io_error(path: &Path, e: &std::io::Error) -> Failure {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let message = if e.kind() == std::io::ErrorKind::NotFound {
        format!(
            "文件夹不存在 / cannot write {}: the folder {} does not exist",
            path.display(),
            folder.display()
        )
    } else {
        format!("文件无法写入 / cannot write {}: {e}", path.display())
    };
    Failure::ffi(ErrorCode::Io, message)
}
