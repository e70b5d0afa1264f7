//! Errors and conversions: core errors become the package's exceptions, work runs without the GIL
//! with panics caught, and JSON and instants cross the boundary.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use chrono::{DateTime, Utc};
use gradreg::{Error, ErrorCode};
use pyo3::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// An error inside a result list (a refused command of a batch, a refused upload): code,
/// message and detail, as `gradreg._errors` turns it into an exception object.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ErrorJson {
    /// The stable numeric code ([`ErrorCode`]).
    pub code: u32,
    /// The message, Chinese first.
    pub message: String,
    /// The problems of an invalid record, the reasons of a refused login, the fields of a
    /// conflict, or `null`.
    pub detail: Value,
}

impl ErrorJson {
    /// The description of a core error.
    pub fn of(e: &Error) -> Self {
        let detail = match e {
            Error::InvalidRecord { problems } => json!({ "problems": problems }),
            Error::LoginRefused { reasons } => json!({
                "reasons": reasons
                    .iter()
                    .map(|r| json!({
                        "reason": r,
                        "message_zh": r.message_zh(),
                        "message_en": r.message_en(),
                    }))
                    .collect::<Vec<_>>()
            }),
            Error::Conflict {
                id,
                expected,
                found,
            } => json!({ "id": id, "expected": expected, "found": found }),
            Error::DuplicateIdNumber { other } => json!({ "other": other }),
            Error::DuplicateTransferNumber { number, holder } => {
                json!({ "number": number, "holder": holder })
            }
            Error::ValidityOutOfBounds {
                requested,
                min,
                max,
            } => json!({ "requested": requested, "min": min, "max": max }),
            _ => Value::Null,
        };
        ErrorJson {
            code: e.code().get(),
            message: e.to_string(),
            detail,
        }
    }
}

/// Builds the package's exception for a code, message and detail JSON: `gradreg._errors`
/// chooses the class from the code table, so the hierarchy is defined once, in Python.
fn make_exception(py: Python<'_>, code: ErrorCode, message: &str, detail: &str) -> PyErr {
    let built = py
        .import("gradreg._errors")
        .and_then(|m| m.getattr("_from_native"))
        .and_then(|f| f.call1((code.get(), message, detail)));
    match built {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// Turns a core error into the package's exception.
pub fn raise(py: Python<'_>, e: &Error) -> PyErr {
    let j = ErrorJson::of(e);
    make_exception(py, e.code(), &j.message, &j.detail.to_string())
}

/// Turns the error of one item of a list argument into the package's exception: the message
/// starts with `what[index]: ` and the detail holds `"index"`; an error of the whole list
/// (`index` none) is raised as it is.
pub fn raise_at(py: Python<'_>, e: &Error, index: Option<usize>, what: &str) -> PyErr {
    let Some(index) = index else {
        return raise(py, e);
    };
    let j = ErrorJson::of(e);
    let detail = match j.detail {
        Value::Object(mut map) => {
            map.insert("index".into(), json!(index));
            Value::Object(map)
        }
        _ => json!({ "index": index }),
    };
    let message = format!("{what}[{index}]: {}", j.message);
    make_exception(py, e.code(), &message, &detail.to_string())
}

/// The outcome of work done without the GIL: a value, a core error, or a panic message.
enum Done<T> {
    Ok(T),
    Err(Error),
    Panic(String),
}

thread_local! {
    /// How many calls of [`run`] this thread is inside: a panic there is caught and reported
    /// as an exception, so the panic hook stays silent.
    static CAUGHT: Cell<usize> = const { Cell::new(0) };
}

/// Installs, once per process, a panic hook that is silent for a panic inside [`run`] (it
/// becomes `InternalError` 990: the host's stderr stays clean) and defers to the hook that was
/// there before for every other panic (the host's own Rust code, if any).
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAUGHT.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
}

/// Counts the current thread as inside [`run`] while it lives.
struct Caught;

impl Caught {
    fn enter() -> Self {
        CAUGHT.with(|c| c.set(c.get() + 1));
        Caught
    }
}

impl Drop for Caught {
    fn drop(&mut self) {
        CAUGHT.with(|c| c.set(c.get().saturating_sub(1)));
    }
}

/// Runs `f` with the GIL released, catching panics (code 990, nothing printed), and maps its
/// error to an exception.
pub fn run<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce() -> Result<T, Error> + Send,
    T: Send,
{
    let done = py.detach(move || {
        let _caught = Caught::enter();
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(Ok(v)) => Done::Ok(v),
            Ok(Err(e)) => Done::Err(e),
            Err(p) => Done::Panic(
                p.downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into()),
            ),
        }
    });
    match done {
        Done::Ok(v) => Ok(v),
        Done::Err(e) => Err(raise(py, &e)),
        Done::Panic(msg) => Err(make_exception(
            py,
            ErrorCode::Panic,
            &format!("内部错误 / internal error: {msg}"),
            "null",
        )),
    }
}

/// Parses the JSON argument `what` (`MalformedJson` naming it when it does not fit;
/// `InputTooLarge` past the process's `max_json_bytes`).
pub fn parse<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, Error> {
    // A document past the process's byte limit is refused before it is parsed.
    gradreg::Limits::process_default().check_json(what, text.len())?;
    serde_json::from_str(text).map_err(|e| Error::MalformedJson(format!("{what}: {e}")))
}

/// The JSON text of a value.
pub fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::MalformedJson(e.to_string()))
}

/// An RFC 3339 instant with an offset.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            Error::InvalidArgument(format!(
                "instant {text:?} is not RFC 3339 with an offset: {e}"
            ))
        })
}

/// One row of the code table.
#[derive(Serialize)]
struct CodeRow {
    code: u32,
    name: &'static str,
    group: &'static str,
    zh: &'static str,
    en: &'static str,
}

/// The core's table of error codes as JSON, in numeric order: `[{"code", "name", "group",
/// "zh", "en"}, ...]`. The package maps codes to exception classes from it.
#[pyfunction]
fn error_codes(py: Python<'_>) -> PyResult<String> {
    run(py, || {
        let rows: Vec<CodeRow> = ErrorCode::ALL
            .iter()
            .map(|c| CodeRow {
                code: c.get(),
                name: c.name(),
                group: c.group(),
                zh: c.describe_zh(),
                en: c.describe_en(),
            })
            .collect();
        to_json(&rows)
    })
}

/// TEST ONLY: panics inside [`run`] with `message`, so that the tests see a caught panic become
/// `InternalError` 990 with nothing printed to stderr. Not part of the package's interface.
#[pyfunction]
#[pyo3(name = "_test_panic")]
fn test_panic(py: Python<'_>, message: String) -> PyResult<()> {
    run(py, move || -> Result<(), Error> { panic!("{message}") })
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(test_panic, m)?)
}
