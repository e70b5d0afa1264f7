//! The registration forms: a renderer with its fonts, rendering SVG, PDF and PNG, one form or a
//! whole class at once (one PDF, or a ZIP of PNG pages), as bytes or streamed to a file.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use gradreg::files::PendingFile;
use gradreg::forms::{FontSource, Form, FormOptions, PdfOptions, Renderer, DEFAULT_DPI};
use gradreg::{CodeTables, Error, ErrorCode, KeyRing, Registration};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;

use crate::codes::{find_auth, issue_for, lock_err, parse_section, NativeKeyRing};
use crate::errors::{parse, parse_time, raise_at, run};

/// The file formats of one form, as `NativeRenderer.render` writes them.
pub const FORMATS: [&str; 3] = ["svg", "pdf", "png"];

/// The PDF/A-2b format of one form or a class: the PDF, archival.
const PDF_A: &str = "pdf/a";

/// A font loaded once, and the renderer built on it.
#[pyclass(module = "gradreg._native", frozen)]
struct NativeRenderer {
    inner: Arc<Renderer>,
}

#[pymethods]
impl NativeRenderer {
    /// A renderer with the font at `path`, or the font `data`, else `GRADREG_FONT`, else a
    /// system CJK font, else the bundled font.
    #[new]
    #[pyo3(signature = (path=None, data=None))]
    fn new(
        py: Python<'_>,
        path: Option<std::path::PathBuf>,
        data: Option<PyBackedBytes>,
    ) -> PyResult<Self> {
        let r = run(py, move || {
            let source = match (path, data) {
                (Some(p), None) => FontSource::Path(p),
                (None, Some(d)) => FontSource::Bytes(d.to_vec()),
                (None, None) => FontSource::Auto,
                (Some(_), Some(_)) => {
                    return Err(Error::InvalidArgument(
                        "give a font path or font bytes, not both".into(),
                    ))
                }
            };
            Renderer::new(source)
        })?;
        Ok(NativeRenderer { inner: Arc::new(r) })
    }

    /// The font's family name and where it came from.
    fn font(&self) -> (String, String) {
        (
            self.inner.font().family().to_string(),
            self.inner.font().origin().to_string(),
        )
    }

    /// Renders the form of `section` of authorization `number`: issues its token with `ring`,
    /// builds the form at `now` and renders it as `svg`, `pdf`, `pdf/a` (PDF/A-2b) or `png` (at
    /// `dpi`).
    #[pyo3(signature = (ring, registration, number, section, now, format, dpi=DEFAULT_DPI, prefix=String::new()))]
    #[allow(clippy::too_many_arguments)]
    fn render<'py>(
        &self,
        py: Python<'py>,
        ring: &NativeKeyRing,
        registration: String,
        number: String,
        section: String,
        now: String,
        format: String,
        dpi: u32,
        prefix: String,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let renderer = Arc::clone(&self.inner);
        let ring = Arc::clone(&ring.inner);
        let bytes = run(py, move || {
            let now = parse_time(&now)?;
            let form = build_form(&ring, &registration, &number, &section, now, &prefix)?;
            match format.as_str() {
                "svg" => Ok(renderer.svg(&form)?.into_bytes()),
                "pdf" => renderer.pdf(&form),
                PDF_A => renderer.pdf_with(&form, &archival()),
                "png" => renderer.png(&form, dpi),
                other => Err(Error::InvalidArgument(format!(
                    "format must be one of {}, {PDF_A}, got {other:?}",
                    FORMATS.join(", ")
                ))),
            }
        })?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Renders a class: the form of each `(registration, number, section)` of `items`, in
    /// order, its token issued with `ring`, as one PDF (`format` `pdf` or `pdf/a`) or a ZIP of
    /// PNG pages at `dpi` (`png-zip`). Returns the number of pages and the bytes, or with
    /// `path` streams the pages to that file (renamed into place when complete; removed on
    /// error) and returns no bytes. An item's error names its index.
    #[pyo3(signature = (ring, items, now, format, dpi=DEFAULT_DPI, prefix=String::new(), path=None))]
    #[allow(clippy::too_many_arguments)]
    fn render_class<'py>(
        &self,
        py: Python<'py>,
        ring: &NativeKeyRing,
        items: Vec<(String, String, String)>,
        now: String,
        format: String,
        dpi: u32,
        prefix: String,
        path: Option<PathBuf>,
    ) -> PyResult<(usize, Option<Bound<'py, PyBytes>>)> {
        let renderer = Arc::clone(&self.inner);
        let ring = Arc::clone(&ring.inner);
        let class = run(py, move || {
            let format = match format.as_str() {
                "pdf" => ClassFormat::Pdf(PdfOptions::default()),
                PDF_A => ClassFormat::Pdf(archival()),
                "png-zip" => {
                    // The same check the ZIP makes, before any file is created.
                    renderer.png_zip(std::io::sink(), dpi)?;
                    ClassFormat::PngZip(dpi)
                }
                other => {
                    return Err(Error::InvalidArgument(format!(
                        "class format must be pdf, {PDF_A} or png-zip, got {other:?}"
                    )))
                }
            };
            if items.is_empty() {
                return Err(Error::InvalidArgument(
                    "items is empty: a class needs at least one form".into(),
                ));
            }
            Ok(Class {
                renderer,
                ring,
                items,
                now: parse_time(&now)?,
                prefix,
                format,
            })
        })?;
        let Some(path) = path else {
            let (bytes, pages) = run(py, move || Ok(class.render(Vec::new())))?
                .map_err(|(index, e)| raise_at(py, &e, index, "items"))?;
            return Ok((pages, Some(PyBytes::new(py, &bytes))));
        };
        let (pending, file) = PendingFile::create(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidInput {
                CreateError::Refused(Error::InvalidArgument(format!(
                    "path {:?} {e}",
                    path.display().to_string()
                )))
            } else {
                CreateError::Os(e, path.clone())
            }
            .into_py_err(py)
        })?;
        let done = run(py, move || {
            let writer = BufWriter::with_capacity(256 * 1024, file);
            let (writer, pages) = match class.render(writer) {
                Ok(done) => done,
                Err(item) => return Ok(Err(item)),
            };
            let file = writer.into_inner().map_err(|e| io(&path, e.error()))?;
            pending.commit(file).map_err(|e| io(&path, &e))?;
            Ok(Ok(pages))
        })?;
        let pages = done.map_err(|(index, e)| raise_at(py, &e, index, "items"))?;
        Ok((pages, None))
    }
}

/// The options of a PDF/A-2b document.
fn archival() -> PdfOptions {
    PdfOptions {
        archival: true,
        title: None,
    }
}

/// The form of `section` of authorization `number` of the registration (JSON), its token issued
/// with `ring`'s active key.
fn build_form(
    ring: &RwLock<KeyRing>,
    registration: &str,
    number: &str,
    section: &str,
    now: DateTime<Utc>,
    prefix: &str,
) -> Result<Form, Error> {
    let reg: Registration = parse("registration", registration)?;
    let auth = find_auth(&reg, number)?;
    let section = parse_section(section)?;
    let token = {
        let ring = ring.read().map_err(|_| lock_err())?;
        issue_for(&ring, &reg, auth, section, prefix, false)?
    };
    Form::build(
        &reg,
        auth,
        section,
        &token,
        now,
        CodeTables::builtin(),
        FormOptions::default(),
    )
}

/// What a class becomes.
enum ClassFormat {
    /// One PDF document.
    Pdf(PdfOptions),
    /// A ZIP archive of PNG pages at this resolution.
    PngZip(u32),
}

/// A class checked and ready to render.
struct Class {
    renderer: Arc<Renderer>,
    ring: Arc<RwLock<KeyRing>>,
    items: Vec<(String, String, String)>,
    now: DateTime<Utc>,
    prefix: String,
    format: ClassFormat,
}

/// An error and the index of the item it belongs to (none when it came from starting or
/// finishing the document).
type ItemError = (Option<usize>, Error);

impl Class {
    /// Draws every item on `out`, in order; returns the writer and the number of pages.
    fn render<W: Write>(&self, out: W) -> Result<(W, usize), ItemError> {
        let whole = |e: Error| (None, e);
        match &self.format {
            ClassFormat::Pdf(options) => {
                let mut doc = self
                    .renderer
                    .pdf_document(out, options.clone())
                    .map_err(whole)?;
                for index in 0..self.items.len() {
                    let form = self.form(index)?;
                    doc.add(&form).map_err(|e| (Some(index), e))?;
                }
                let pages = doc.pages();
                Ok((doc.finish().map_err(whole)?, pages))
            }
            ClassFormat::PngZip(dpi) => {
                let mut zip = self.renderer.png_zip(out, *dpi).map_err(whole)?;
                for index in 0..self.items.len() {
                    let form = self.form(index)?;
                    zip.add(&form).map_err(|e| (Some(index), e))?;
                }
                let pages = zip.pages();
                Ok((zip.finish().map_err(whole)?, pages))
            }
        }
    }

    /// The form of item `index`.
    fn form(&self, index: usize) -> Result<Form, ItemError> {
        let (registration, number, section) = &self.items[index];
        build_form(
            &self.ring,
            registration,
            number,
            section,
            self.now,
            &self.prefix,
        )
        .map_err(|e| (Some(index), e))
    }
}

/// The storage I/O error (507) for `path`.
fn io(path: &Path, e: &std::io::Error) -> Error {
    let kept = std::io::Error::new(e.kind(), e.to_string());
    Error::Io(gradreg::Cause::with_error(
        format!("{}: {e}", path.display()),
        kept,
    ))
}

/// A file that cannot be created: a Python `OSError` of the matching subclass
/// (`FileNotFoundError` for a missing folder, `PermissionError` …) with the path, marked with
/// the storage I/O code like every file error of the package; or a refused path.
enum CreateError {
    Os(std::io::Error, PathBuf),
    Refused(Error),
}

impl CreateError {
    fn into_py_err(self, py: Python<'_>) -> PyErr {
        match self {
            CreateError::Refused(e) => crate::errors::raise(py, &e),
            CreateError::Os(e, path) => {
                let errno = e.raw_os_error();
                let text = e.to_string();
                // The system's text alone, as Python's own OSError gives it.
                let text = match errno {
                    Some(n) => text
                        .strip_suffix(&format!(" (os error {n})"))
                        .map(str::to_string)
                        .unwrap_or(text),
                    None => text,
                };
                // OSError(errno, strerror, filename) is the subclass that errno names.
                let path = path.to_string_lossy().into_owned();
                let err = PyOSError::new_err((errno, text, path));
                if let Err(set) = err.value(py).setattr("code", ErrorCode::Io.get()) {
                    return set;
                }
                err
            }
        }
    }
}

/// Registers this module's class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeRenderer>()
}
