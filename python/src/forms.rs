//! The registration forms: a renderer with its font, rendering SVG, PDF and PNG.

use std::sync::Arc;

use gradreg::forms::{FontSource, Form, FormOptions, Renderer};
use gradreg::{CodeTables, Error, Registration};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;

use crate::codes::{find_auth, issue_for, lock_err, parse_section, NativeKeyRing};
use crate::errors::{parse, parse_time, run};

/// The output formats of `NativeRenderer.render`.
pub const FORMATS: [&str; 3] = ["svg", "pdf", "png"];

/// A font loaded once, and the renderer built on it.
#[pyclass(module = "gradreg._native", frozen)]
struct NativeRenderer {
    inner: Arc<Renderer>,
}

#[pymethods]
impl NativeRenderer {
    /// A renderer with the font at `path`, or the font `data`, else `GRADREG_FONT`, else a
    /// system CJK font.
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
    /// builds the form at `now` and renders it as `svg`, `pdf` or `png` (at `dpi`).
    #[pyo3(signature = (ring, registration, number, section, now, format, dpi=150, prefix=String::new()))]
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
            let reg: Registration = parse("registration", &registration)?;
            let auth = find_auth(&reg, &number)?;
            let section = parse_section(&section)?;
            let now = parse_time(&now)?;
            let token = {
                let ring = ring.read().map_err(|_| lock_err())?;
                issue_for(&ring, &reg, auth, section, &prefix, false)?
            };
            let form = Form::build(
                &reg,
                auth,
                section,
                &token,
                now,
                CodeTables::builtin(),
                FormOptions::default(),
            )?;
            match format.as_str() {
                "svg" => Ok(renderer.svg(&form)?.into_bytes()),
                "pdf" => renderer.pdf(&form),
                "png" => renderer.png(&form, dpi),
                other => Err(Error::InvalidArgument(format!(
                    "format must be one of {}, got {other:?}",
                    FORMATS.join(", ")
                ))),
            }
        })?;
        Ok(PyBytes::new(py, &bytes))
    }
}

/// Registers this module's class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeRenderer>()
}
