//! Rendering the registration forms (去向登记信息表) to SVG, PDF and PNG.

use std::sync::Arc;

use gradreg::forms::{FontSource, Form, FormOptions, Renderer};
use gradreg::{CodeTables, Registration};

use crate::args::{gradreg_bytes, gradreg_str};
use crate::support::{
    bytes_arg, guard, guard_void, instant_arg, json_object, lookup, opt_str_arg, owned_bytes,
    register, release, str_arg, FfiResult, Object, Out,
};
use crate::verify::{authorization_of, section_arg};

/// A form renderer (opaque) holding one CJK font in memory. Made by `gradreg_renderer_new` or
/// `gradreg_renderer_new_from_font`, freed by `gradreg_renderer_free`.
///
/// Thread rules: one renderer may be used from several threads at once (the font is shared,
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

/// Makes a renderer with a font file, or finds one.
///
/// - `font_path`: a `.ttf`, `.otf`, `.ttc` or `.otc` file with CJK glyphs; none
///   (`GRADREG_STR_NONE`) to use the file named by the environment variable `GRADREG_FONT`, else
///   the system's CJK fonts (Noto Sans CJK, WenQuanYi, Source Han, …). The font is read once, into memory.
/// - `renderer_out`: receives the handle; free it with `gradreg_renderer_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_FONT_NOT_FOUND`, `GRADREG_ERR_FONT_INVALID`, and the NULL
/// and UTF-8 codes. Thread-safe.
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
/// - `format`: `"svg"`, `"pdf"` (A4, text kept as text, font embedded and subset)
///   or `"png"` (grayscale).
/// - `dpi`: for PNG, 72 to 600 (150 by default when 0; 300 for print); ignored otherwise.
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
            "png" => renderer.png(
                &form,
                if dpi == 0 {
                    gradreg::forms::DEFAULT_DPI
                } else {
                    dpi
                },
            )?,
            other => {
                return Err(gradreg::Error::InvalidArgument(format!(
                    "unknown format {other:?} (svg, pdf or png)"
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
