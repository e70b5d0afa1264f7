//! Records and their validation, samples, code tables, and the schema the package builds its
//! record classes from.

use std::collections::BTreeMap;

use gradreg::codes::verify::UncheckedReason;
use gradreg::schema::Catalog;
use gradreg::tables::Table;
use gradreg::{
    Actor, BasicInfo, ChsiAccount, CodeTables, Command, DestinationData, Error, Policy, Query,
    Registration, ReminderOptions, Stage, Validate, VerdictKind,
};
use pyo3::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::codes::VerdictJson;
use crate::errors::{parse, run, to_json, ErrorJson};
use crate::forms::FORMATS;
use crate::keys::{KeyStoreInfo, StatusListInfo, StoredKeyJson};
use crate::registry::{AuditRecordJson, AuditReportJson, PublishedListJson, UploadResultJson};

/// The schema document of every record type the package exchanges with the core: the core's
/// catalog and this module's own wire types (verdicts with their code, upload results, audit
/// records and reports, errors in result lists, key stores, status lists, work lists).
pub fn catalog() -> serde_json::Value {
    let mut c = Catalog::core();
    c.record::<ErrorJson>()
        .add::<VerdictJson>()
        .record::<UploadResultJson>()
        .record::<AuditRecordJson>()
        .record::<AuditReportJson>()
        .record::<gradreg::registry::RowProblem>()
        .record::<gradreg::RosterNotice>()
        .record::<gradreg::ColumnUse>()
        .add::<gradreg::HeaderPreview>()
        .add::<KeyStoreInfo>()
        .add::<StoredKeyJson>()
        .add::<StatusListInfo>()
        .record::<PublishedListJson>()
        .record::<gradreg::registry::PendingVoidRequest>()
        .record::<gradreg::registry::LoginReasonNote>()
        .record::<gradreg::registry::CannotLogIn>()
        .record::<crate::worklists::VoidApprovalJson>();
    c.finish()
}

/// The JSON Schema of every record type (`$defs` by Rust type name, with `x-order` and
/// type-level `default`s); the package builds its record classes from it at import.
#[pyfunction]
fn schema(py: Python<'_>) -> PyResult<String> {
    run(py, || to_json(&catalog()))
}

/// The core's fixed lists as JSON: `stages` (process order), `verdicts` (code order), what each
/// verdict and each reason of an `unchecked` verdict tells the verifier in Chinese
/// (`verdict_messages_zh`, `unchecked_reasons_zh`), `tables`, `sections`, `formats`, and
/// `default_dpi` (the PNG resolution when none is given).
#[pyfunction]
fn constants(py: Python<'_>) -> PyResult<String> {
    run(py, || {
        let verdict_messages: BTreeMap<&str, &str> = VerdictKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.message_zh()))
            .collect();
        let reasons: BTreeMap<&str, &str> = [
            UncheckedReason::NoStatusPointer,
            UncheckedReason::NoStatusList,
            UncheckedReason::StaleStatusList,
            UncheckedReason::StatusListNotYetValid,
            UncheckedReason::NoSuchEntry,
        ]
        .iter()
        .map(|r| (r.as_str(), r.message_zh()))
        .collect();
        to_json(&json!({
            "stages": Stage::ALL.map(Stage::as_str),
            "verdicts": VerdictKind::ALL.map(VerdictKind::as_str),
            "verdict_messages_zh": verdict_messages,
            "unchecked_reasons_zh": reasons,
            "tables": Table::ALL.map(Table::as_str),
            "sections": [gradreg::Section::Archive.as_str(), gradreg::Section::Hukou.as_str()],
            "formats": FORMATS,
            "default_dpi": gradreg::forms::DEFAULT_DPI,
        }))
    })
}

/// The code table named `name` (as in `Table::as_str`).
pub fn parse_table(name: &str) -> Result<Table, Error> {
    Table::ALL
        .into_iter()
        .find(|t| t.as_str() == name)
        .ok_or_else(|| Error::InvalidArgument(format!("unknown code table {name:?}")))
}

/// Every problem of a record, as a JSON list. `kind` is `basic_info`, `destination_data` or
/// `chsi_account`.
#[pyfunction]
fn problems(py: Python<'_>, kind: String, record: String) -> PyResult<String> {
    run(py, move || {
        let tables = CodeTables::builtin();
        let found = match kind.as_str() {
            "basic_info" => parse::<BasicInfo>("basic_info", &record)?.problems(tables),
            "destination_data" => {
                parse::<DestinationData>("destination_data", &record)?.problems(tables)
            }
            "chsi_account" => parse::<ChsiAccount>("chsi_account", &record)?.problems(tables),
            other => {
                return Err(Error::InvalidArgument(format!(
                    "no validation for record kind {other:?}"
                )))
            }
        };
        to_json(&found)
    })
}

/// Parses a record of `kind` and writes it back in its canonical JSON form; refuses unknown
/// fields and wrong types (`MalformedJson`).
#[pyfunction]
fn normalize(py: Python<'_>, kind: String, record: String) -> PyResult<String> {
    run(py, move || {
        fn again<T: serde::de::DeserializeOwned + Serialize>(
            kind: &str,
            text: &str,
        ) -> Result<String, Error> {
            to_json(&parse::<T>(kind, text)?)
        }
        match kind.as_str() {
            "basic_info" => again::<BasicInfo>(&kind, &record),
            "destination_data" => again::<DestinationData>(&kind, &record),
            "chsi_account" => again::<ChsiAccount>(&kind, &record),
            "registration" => again::<Registration>(&kind, &record),
            "actor" => again::<Actor>(&kind, &record),
            "command" => again::<Command>(&kind, &record),
            "policy" => {
                let p: Policy = parse(&kind, &record)?;
                p.check()?;
                to_json(&p)
            }
            "reminder_options" => again::<ReminderOptions>(&kind, &record),
            "query" => again::<Query>(&kind, &record),
            other => Err(Error::InvalidArgument(format!(
                "unknown record kind {other:?}"
            ))),
        }
    })
}

/// A synthetic sample record as JSON: `basic_info`, `chsi_account` or `destination_data`.
#[pyfunction]
fn sample(py: Python<'_>, kind: String) -> PyResult<String> {
    run(py, move || match kind.as_str() {
        "basic_info" => to_json(&gradreg::sample::basic_info()),
        "chsi_account" => to_json(&gradreg::sample::chsi_account()),
        "destination_data" => to_json(&gradreg::sample::destination_data()),
        other => Err(Error::InvalidArgument(format!(
            "no sample of kind {other:?}"
        ))),
    })
}

/// A valid synthetic ID number from a region code, a birth date `YYYYMMDD`, a sequence (0–99)
/// and the gender.
#[pyfunction]
fn sample_id_number(
    py: Python<'_>,
    region: String,
    birth: String,
    seq: u32,
    male: bool,
) -> PyResult<String> {
    run(py, move || {
        gradreg::sample::id_number(&region, &birth, seq, male).ok_or_else(|| {
            Error::InvalidArgument("region must be 6 digits, birth 8 digits, seq 0-99".into())
        })
    })
}

/// The name of a code in a built-in code table, if the code is known.
#[pyfunction]
fn code_name(py: Python<'_>, table: String, code: String) -> PyResult<Option<String>> {
    run(py, move || {
        let t = parse_table(&table)?;
        Ok(CodeTables::builtin().name(t, &code).map(str::to_string))
    })
}

/// Whether a destination code counts as placed (落实), if the code is known.
#[pyfunction]
fn is_placed(code: String) -> Option<bool> {
    CodeTables::builtin().is_placed(&code)
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(constants, m)?)?;
    m.add_function(wrap_pyfunction!(problems, m)?)?;
    m.add_function(wrap_pyfunction!(normalize, m)?)?;
    m.add_function(wrap_pyfunction!(sample, m)?)?;
    m.add_function(wrap_pyfunction!(sample_id_number, m)?)?;
    m.add_function(wrap_pyfunction!(code_name, m)?)?;
    m.add_function(wrap_pyfunction!(is_placed, m)?)
}
