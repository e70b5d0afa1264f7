//! Rosters and synthetic cohorts.

use gradreg::roster::RosterOptions;
use gradreg::{CodeTables, Error};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use serde_json::json;

use crate::errors::{parse, run, to_json};

/// Roster options from the `format` and `encoding` names.
pub fn roster_options(format: &str, encoding: &str) -> Result<RosterOptions, Error> {
    parse(
        "roster options",
        &json!({ "format": format, "encoding": encoding }).to_string(),
    )
}

/// Parses a roster (CSV in UTF-8, UTF-8 with a BOM or GB18030/GBK, or XLSX) into JSON: every
/// data row, every cell problem, and the format and encoding read.
#[pyfunction]
fn parse_roster(
    py: Python<'_>,
    data: PyBackedBytes,
    format: String,
    encoding: String,
) -> PyResult<String> {
    run(py, move || {
        let opts = roster_options(&format, &encoding)?;
        to_json(&gradreg::roster::parse_roster(
            &data,
            &opts,
            CodeTables::builtin(),
        )?)
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
    m.add_function(wrap_pyfunction!(parse_roster, m)?)?;
    m.add_function(wrap_pyfunction!(generate_cohort, m)?)?;
    m.add_function(wrap_pyfunction!(roster_csv, m)?)
}
