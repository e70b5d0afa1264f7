//! Rosters and synthetic cohorts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};

use gradreg::roster::{CellProblem, HeaderAliases, HeaderRole, RosterOptions, RosterRow};
use gradreg::{CodeTables, Error, Limits};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple};
use serde_json::json;

use crate::errors::{parse, run, to_json};

/// Roster options from the `format` and `encoding` names and the JSON of the limits (none:
/// the process's default limits).
pub fn roster_options(
    format: &str,
    encoding: &str,
    limits: Option<&str>,
) -> Result<RosterOptions, Error> {
    let mut opts: RosterOptions = parse(
        "roster options",
        &json!({ "format": format, "encoding": encoding }).to_string(),
    )?;
    if let Some(l) = limits {
        opts.limits = parse("limits", l)?;
    }
    Ok(opts)
}

/// Sets the process's default limits from their JSON (none: the built-in defaults): what a
/// call without `limits` reads files with, and what every JSON argument is checked against.
#[pyfunction]
#[pyo3(signature = (limits=None))]
fn set_limits(py: Python<'_>, limits: Option<String>) -> PyResult<()> {
    run(py, move || {
        // Not held to the current `max_json_bytes`, so that a small one can be raised again.
        let limits: Option<Limits> = limits
            .map(|l| serde_json::from_str(&l))
            .transpose()
            .map_err(|e| Error::MalformedJson(format!("limits: {e}")))?;
        Limits::set_process_default(limits);
        Ok(())
    })
}

/// The JSON of the process's default limits.
#[pyfunction]
fn get_limits(py: Python<'_>) -> PyResult<String> {
    run(py, || to_json(&Limits::process_default()))
}

/// A table of roster headers and the fields they fill: the built-in one, extended by an office
/// (`header<TAB>field[<TAB>name]` lines). Safe to share between threads; a change is one
/// assignment under a lock.
#[pyclass(module = "gradreg._native", frozen)]
pub struct NativeHeaderAliases {
    inner: RwLock<HeaderAliases>,
}

impl NativeHeaderAliases {
    /// Wraps a table.
    pub fn of(table: HeaderAliases) -> Self {
        NativeHeaderAliases {
            inner: RwLock::new(table),
        }
    }

    /// A copy of the table as it is now.
    pub fn snapshot(&self) -> PyResult<HeaderAliases> {
        Ok(self
            .inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone())
    }

    /// Changes a copy and stores it when `f` succeeds: an error leaves the table as it was.
    fn change(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut HeaderAliases) -> Result<(), Error> + Send,
    ) -> PyResult<()> {
        let mut next = self.snapshot()?;
        run(py, move || f(&mut next).map(|()| next)).map(|next| {
            *self.inner.write().unwrap_or_else(PoisonError::into_inner) = next;
        })
    }
}

#[pymethods]
impl NativeHeaderAliases {
    /// The built-in table.
    #[new]
    fn py_new() -> Self {
        NativeHeaderAliases::of(HeaderAliases::builtin().clone())
    }

    /// Adds `header<TAB>field[<TAB>name]` lines; an error names the line and changes nothing.
    fn load_tsv(&self, py: Python<'_>, tsv: String) -> PyResult<()> {
        self.change(py, move |t| t.load_tsv(&tsv))
    }

    /// Adds one header for a field; `role` is `value` (the column holds the value or code) or
    /// `name` (names from the field's code table).
    fn insert(&self, py: Python<'_>, header: String, field: String, role: String) -> PyResult<()> {
        self.change(py, move |t| {
            let role: HeaderRole = parse("header role", &json!(role).to_string())?;
            t.insert_role(&header, &field, role)
        })
    }

    /// The field a header names and its role, or `None`.
    fn field_role(&self, header: String) -> PyResult<Option<(String, String)>> {
        let t = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        Ok(t.field_role(&header).map(|(f, role)| {
            let role = match role {
                HeaderRole::Value => "value",
                HeaderRole::Name => "name",
            };
            (f.to_string(), role.to_string())
        }))
    }

    /// Every header as folded, with its field and role: JSON `[[header, field, role], ...]`.
    fn entries(&self, py: Python<'_>) -> PyResult<String> {
        let t = self.snapshot()?;
        run(py, move || to_json(&t.entries()))
    }

    /// A copy of this table.
    fn copy(&self) -> PyResult<NativeHeaderAliases> {
        Ok(NativeHeaderAliases::of(self.snapshot()?))
    }
}

/// The table to read with: the given one, else the built-in one.
fn aliases_of(aliases: Option<&NativeHeaderAliases>) -> PyResult<Option<HeaderAliases>> {
    aliases.map(NativeHeaderAliases::snapshot).transpose()
}

/// Parses a roster (CSV in UTF-8, UTF-8 with a BOM or GB18030/GBK, or XLSX) into JSON: every
/// data row, every cell problem and notice, the columns, and the format and encoding read.
#[pyfunction]
#[pyo3(signature = (data, format, encoding, aliases=None, limits=None))]
fn parse_roster(
    py: Python<'_>,
    data: PyBackedBytes,
    format: String,
    encoding: String,
    aliases: Option<&NativeHeaderAliases>,
    limits: Option<String>,
) -> PyResult<String> {
    let aliases = aliases_of(aliases)?;
    run(py, move || {
        let opts = roster_options(&format, &encoding, limits.as_deref())?;
        let table = aliases.as_ref().unwrap_or(HeaderAliases::builtin());
        to_json(&gradreg::roster::parse_roster_with(
            &data,
            &opts,
            CodeTables::builtin(),
            table,
        )?)
    })
}

/// Parses a roster as `parse_roster` does and returns the result as the package's objects,
/// built natively with its `plans` (see [`crate::objects`]) instead of JSON text, except the
/// rows, which stay the core's: the result object with an empty `rows` list, and a
/// [`NativeRosterRows`] that makes the rows' objects when they are first needed. Parsing costs
/// what it costs in Rust; the rows' objects are paid for only by a caller that looks at them.
#[pyfunction]
#[pyo3(signature = (data, format, encoding, plans, aliases=None, limits=None))]
fn parse_roster_parts<'py>(
    py: Python<'py>,
    data: PyBackedBytes,
    format: String,
    encoding: String,
    plans: &Bound<'py, PyDict>,
    aliases: Option<&NativeHeaderAliases>,
    limits: Option<String>,
) -> PyResult<Bound<'py, PyTuple>> {
    let aliases = aliases_of(aliases)?;
    let mut parsed = run(py, move || {
        let opts = roster_options(&format, &encoding, limits.as_deref())?;
        let table = aliases.as_ref().unwrap_or(HeaderAliases::builtin());
        gradreg::roster::parse_roster_with(&data, &opts, CodeTables::builtin(), table)
    })?;
    let rows = std::mem::take(&mut parsed.rows);
    let head = crate::objects::build(py, &parsed, plans)?;
    let rest = NativeRosterRows {
        rows,
        plans: plans.clone().unbind(),
        built: PyOnceLock::new(),
        filled: AtomicBool::new(false),
    };
    PyTuple::new(py, [head, Bound::new(py, rest)?.into_any()])
}

/// The rows of a parsed roster, kept as the core's until they are first needed, then made once
/// as the package's objects (`RosterRow` with its `BasicInfo`) with the same plans as the rest.
#[pyclass(module = "gradreg._native", frozen)]
pub struct NativeRosterRows {
    rows: Vec<RosterRow>,
    plans: Py<PyDict>,
    /// The rows' objects, made at most once however many threads ask.
    built: PyOnceLock<Py<PyList>>,
    /// Whether a list was filled.
    filled: AtomicBool,
}

#[pymethods]
impl NativeRosterRows {
    /// How many rows.
    fn __len__(&self) -> usize {
        self.rows.len()
    }

    /// Makes the rows' objects (once) and puts them at the front of `target` the first time it
    /// is called; later calls change nothing. Nothing runs between the check and the fill, so
    /// two threads cannot both fill.
    fn fill(&self, py: Python<'_>, target: &Bound<'_, PyList>) -> PyResult<()> {
        if self.filled.load(Ordering::Acquire) {
            return Ok(());
        }
        let built = self.built.get_or_try_init(py, || {
            let out = crate::objects::build(py, &self.rows, self.plans.bind(py))?;
            Ok::<_, PyErr>(out.cast_into::<PyList>()?.unbind())
        })?;
        if !self.filled.swap(true, Ordering::AcqRel) {
            target.set_slice(0, 0, built.bind(py))?;
        }
        Ok(())
    }
}

/// Reads a roster row by row without keeping the rows: JSON of the counts (rows, bad rows,
/// problems), the first `keep` problems in file order, every notice and the columns. Memory
/// stays about the size of the file, however many rows it has.
#[pyfunction]
#[pyo3(signature = (data, format, encoding, aliases=None, keep=1000, limits=None))]
fn scan_roster(
    py: Python<'_>,
    data: PyBackedBytes,
    format: String,
    encoding: String,
    aliases: Option<&NativeHeaderAliases>,
    keep: usize,
    limits: Option<String>,
) -> PyResult<String> {
    let aliases = aliases_of(aliases)?;
    run(py, move || {
        let opts = roster_options(&format, &encoding, limits.as_deref())?;
        let table = aliases.as_ref().unwrap_or(HeaderAliases::builtin());
        let mut kept: Vec<CellProblem> = Vec::new();
        let scan =
            gradreg::roster::scan_roster(&data, &opts, CodeTables::builtin(), table, |_, p| {
                let room = keep.saturating_sub(kept.len());
                kept.extend(p.iter().take(room).cloned());
            })?;
        to_json(&json!({ "scan": scan, "problems": kept }))
    })
}

/// Reads a destination export of the provincial platform (CSV or XLSX) into JSON: every data
/// row with the registration it names, every cell problem and notice, and the columns.
#[pyfunction]
#[pyo3(signature = (data, format, encoding, limits=None))]
fn parse_destinations(
    py: Python<'_>,
    data: PyBackedBytes,
    format: String,
    encoding: String,
    limits: Option<String>,
) -> PyResult<String> {
    run(py, move || {
        let opts = roster_options(&format, &encoding, limits.as_deref())?;
        to_json(&gradreg::roster::parse_destinations(
            &data,
            &opts,
            CodeTables::builtin(),
        )?)
    })
}

/// Reads only a roster's header: JSON of what each column becomes, and the required columns
/// missing and the repeated ones.
#[pyfunction]
#[pyo3(signature = (data, format, encoding, aliases=None, limits=None))]
fn preview_header(
    py: Python<'_>,
    data: PyBackedBytes,
    format: String,
    encoding: String,
    aliases: Option<&NativeHeaderAliases>,
    limits: Option<String>,
) -> PyResult<String> {
    let aliases = aliases_of(aliases)?;
    run(py, move || {
        let opts = roster_options(&format, &encoding, limits.as_deref())?;
        let table = aliases.as_ref().unwrap_or(HeaderAliases::builtin());
        to_json(&gradreg::roster::preview_header(&data, &opts, table)?)
    })
}

/// A synthetic cohort as JSON (`[{"basic", "chsi", "destination"}, ...]`) from a JSON spec
/// (`seed`, `size`, `school_code`, `school_name`, `graduation_year`).
#[pyfunction]
fn generate_cohort(py: Python<'_>, spec: String) -> PyResult<String> {
    run(py, move || {
        let spec: gradreg::CohortSpec = parse("cohort spec", &spec)?;
        if spec.size > 10_000_000 {
            return Err(Error::InvalidArgument(
                "a cohort of more than 10,000,000 graduates".into(),
            ));
        }
        let all: Vec<gradreg::Graduate> = gradreg::generate(&spec).collect();
        to_json(&all)
    })
}

/// The basic information of a JSON list of graduates as a UTF-8 CSV roster, headed in
/// `chinese` or `pinyin` style.
#[pyfunction]
fn roster_csv(py: Python<'_>, graduates: String, headers: String) -> PyResult<String> {
    run(py, move || {
        let graduates: Vec<gradreg::Graduate> = parse("graduates", &graduates)?;
        let style: gradreg::roster::HeaderStyle =
            parse("header style", &json!(headers).to_string())?;
        Ok(gradreg::roster_csv(&graduates, style))
    })
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeHeaderAliases>()?;
    m.add_class::<NativeRosterRows>()?;
    m.add_function(wrap_pyfunction!(parse_roster, m)?)?;
    m.add_function(wrap_pyfunction!(parse_roster_parts, m)?)?;
    m.add_function(wrap_pyfunction!(preview_header, m)?)?;
    m.add_function(wrap_pyfunction!(scan_roster, m)?)?;
    m.add_function(wrap_pyfunction!(parse_destinations, m)?)?;
    m.add_function(wrap_pyfunction!(generate_cohort, m)?)?;
    m.add_function(wrap_pyfunction!(set_limits, m)?)?;
    m.add_function(wrap_pyfunction!(get_limits, m)?)?;
    m.add_function(wrap_pyfunction!(roster_csv, m)?)
}
