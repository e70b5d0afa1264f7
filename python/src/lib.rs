//! The Python extension of gradreg: the native module `gradreg._native`.
//!
//! The module speaks the core's serde JSON: records, actors, commands, policies and results cross
//! as JSON text, and the pure-Python package `gradreg` turns them into typed objects. Instants
//! cross as RFC 3339 text. Every call that does real work releases the GIL ([`Python::detach`])
//! and catches panics, so a bug in the core becomes an `InternalError`, never a crash.
//!
//! Errors become the package's exceptions: [`raise`] asks `gradreg._errors._from_native` for the
//! exception of a code, so the class hierarchy (and the classes that also derive from
//! `ValueError` or `OSError`) is defined once, in Python.
#![deny(missing_docs)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use gradreg::registry::{ImportMode, UploadResult};
use gradreg::roster::RosterOptions;
use gradreg::tables::Table;
use gradreg::{
    Actor, BasicInfo, ChsiAccount, CodeTables, Command, Context, DestinationData, Error, Policy,
    Query, Registration, Registry, ReminderOptions, Validate, VerificationNumber,
};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;
use serde::Serialize;
use serde_json::{json, Value};

/// A JSON description of an error: code, message and detail (the problems of an invalid record,
/// the reasons of a refused login, the fields of a conflict).
fn error_json(e: &Error) -> Value {
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
        Error::ValidityOutOfBounds {
            requested,
            min,
            max,
        } => json!({ "requested": requested, "min": min, "max": max }),
        _ => Value::Null,
    };
    json!({ "code": e.code(), "message": e.to_string(), "detail": detail })
}

/// Builds the package's exception for a code, message and detail JSON.
fn make_exception(py: Python<'_>, code: u32, message: &str, detail: &str) -> PyErr {
    let built = py
        .import("gradreg._errors")
        .and_then(|m| m.getattr("_from_native"))
        .and_then(|f| f.call1((code, message, detail)));
    match built {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// Turns a core error into the package's exception.
fn raise(py: Python<'_>, e: &Error) -> PyErr {
    let v = error_json(e);
    make_exception(py, e.code(), &e.to_string(), &v["detail"].to_string())
}

/// The outcome of work done without the GIL: a value, a core error, or a panic message.
enum Done<T> {
    Ok(T),
    Err(Error),
    Panic(String),
}

/// Runs `f` with the GIL released, catching panics, and maps its error to an exception.
fn run<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce() -> Result<T, Error> + Send,
    T: Send,
{
    let done = py.detach(move || match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Done::Ok(v),
        Ok(Err(e)) => Done::Err(e),
        Err(p) => Done::Panic(
            p.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into()),
        ),
    });
    match done {
        Done::Ok(v) => Ok(v),
        Done::Err(e) => Err(raise(py, &e)),
        Done::Panic(msg) => Err(make_exception(
            py,
            901,
            &format!("内部错误 / internal error: {msg}"),
            "null",
        )),
    }
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::MalformedJson(format!("{what}: {e}")))
}

fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::MalformedJson(e.to_string()))
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            Error::InvalidArgument(format!(
                "instant {text:?} is not RFC 3339 with an offset: {e}"
            ))
        })
}

fn parse_table(name: &str) -> Result<Table, Error> {
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

/// Applies a command to a registration (the pure state machine) and returns the outcome JSON:
/// the new registration, the events and the audit entry.
#[pyfunction]
fn apply(
    py: Python<'_>,
    registration: String,
    actor: String,
    command: String,
    now: String,
    policy: String,
) -> PyResult<String> {
    run(py, move || {
        let reg: Registration = parse("registration", &registration)?;
        let actor: Actor = parse("actor", &actor)?;
        let command: Command = parse("command", &command)?;
        let policy: Policy = parse("policy", &policy)?;
        policy.check()?;
        let mut ctx = Context::new(parse_time(&now)?, &policy);
        ctx.entropy = Context::os_entropy()?;
        to_json(&gradreg::apply(&reg, &actor, &command, &ctx)?)
    })
}

/// The stage of a registration at `now` (its snake_case name).
#[pyfunction]
fn stage(py: Python<'_>, registration: String, now: String) -> PyResult<String> {
    run(py, move || {
        let reg: Registration = parse("registration", &registration)?;
        Ok(reg.stage(parse_time(&now)?).as_str().to_string())
    })
}

/// Every reason the graduate cannot log in, with Chinese and English remedies, as JSON.
#[pyfunction]
fn login_problems(py: Python<'_>, registration: String) -> PyResult<String> {
    run(py, move || {
        let reg: Registration = parse("registration", &registration)?;
        let out: Vec<Value> = reg
            .login_problems()
            .into_iter()
            .map(|r| json!({"reason": r, "message_zh": r.message_zh(), "message_en": r.message_en()}))
            .collect();
        to_json(&out)
    })
}

/// The reminders due at `now` for a JSON list of registrations.
#[pyfunction]
fn reminders(
    py: Python<'_>,
    registrations: String,
    policy: String,
    now: String,
    options: String,
) -> PyResult<String> {
    run(py, move || {
        let regs: Vec<Registration> = parse("registrations", &registrations)?;
        let policy: Policy = parse("policy", &policy)?;
        policy.check()?;
        let opts: ReminderOptions = parse("reminder options", &options)?;
        to_json(&gradreg::reminders(
            &regs,
            &policy,
            parse_time(&now)?,
            &opts,
        ))
    })
}

/// A preset policy (`jiangsu` or `national`) as JSON.
#[pyfunction]
fn policy_preset(name: String) -> PyResult<String> {
    let p = match name.as_str() {
        "jiangsu" => Policy::jiangsu(),
        "national" => Policy::national(),
        _ => {
            return Python::attach(|py| {
                Err(raise(
                    py,
                    &Error::InvalidArgument(format!("unknown policy preset {name:?}")),
                ))
            })
        }
    };
    serde_json::to_string(&p).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// When a deadline (`registration` or `change`) of a graduation year passes, RFC 3339.
#[pyfunction]
fn deadline_end(py: Python<'_>, policy: String, which: String, year: i32) -> PyResult<String> {
    run(py, move || {
        let p: Policy = parse("policy", &policy)?;
        let end = match which.as_str() {
            "registration" => p.registration_deadline_end(year)?,
            "change" => p.change_deadline_end(year)?,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown deadline {other:?}"
                )))
            }
        };
        Ok(end.to_rfc3339())
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

/// Parses a verification number typed by a person; returns it as `XXXX-XXXX-XXXX-XXXX`.
#[pyfunction]
fn parse_number(py: Python<'_>, text: String) -> PyResult<String> {
    run(
        py,
        move || Ok(VerificationNumber::parse(&text)?.to_string()),
    )
}

/// A new random verification number, as `XXXX-XXXX-XXXX-XXXX`.
#[pyfunction]
fn random_number(py: Python<'_>) -> PyResult<String> {
    run(py, || Ok(VerificationNumber::random()?.to_string()))
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

fn roster_options(format: &str, encoding: &str) -> Result<RosterOptions, Error> {
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

/// The registry: registrations, authorizations and the audit log in an SQLite file or in memory.
/// Every method releases the GIL while it works; one registry may be used from many threads.
#[pyclass(module = "gradreg._native", frozen)]
struct NativeRegistry {
    inner: Arc<Registry>,
}

impl NativeRegistry {
    fn with<T, F>(&self, py: Python<'_>, f: F) -> PyResult<T>
    where
        F: FnOnce(&Registry) -> Result<T, Error> + Send,
        T: Send,
    {
        let reg = Arc::clone(&self.inner);
        run(py, move || f(&reg))
    }
}

fn opt_json<T: Serialize>(v: Option<T>) -> Result<Option<String>, Error> {
    v.map(|v| to_json(&v)).transpose()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[pymethods]
impl NativeRegistry {
    /// Opens (creating when absent) a registry in an SQLite file.
    #[staticmethod]
    fn open(py: Python<'_>, path: std::path::PathBuf, policy: String) -> PyResult<Self> {
        let inner = run(py, move || {
            let p: Policy = parse("policy", &policy)?;
            Registry::open(&path, p)
        })?;
        Ok(NativeRegistry {
            inner: Arc::new(inner),
        })
    }

    /// A registry in memory.
    #[staticmethod]
    fn in_memory(py: Python<'_>, policy: String) -> PyResult<Self> {
        let inner = run(py, move || {
            let p: Policy = parse("policy", &policy)?;
            Registry::in_memory(p)
        })?;
        Ok(NativeRegistry {
            inner: Arc::new(inner),
        })
    }

    /// The policy in use, as JSON.
    fn policy(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |r| to_json(r.policy()))
    }

    /// Applies a command and commits it; returns the outcome JSON.
    fn apply(
        &self,
        py: Python<'_>,
        id: String,
        actor: String,
        command: String,
        now: String,
    ) -> PyResult<String> {
        self.with(py, move |r| {
            let actor: Actor = parse("actor", &actor)?;
            let command: Command = parse("command", &command)?;
            to_json(&r.apply(&id, &actor, &command, parse_time(&now)?)?)
        })
    }

    /// Applies a JSON list of `[id, actor, command]` in one transaction; returns a JSON list of
    /// `{"ok": outcome}` or `{"error": {"code", "message", "detail"}}`.
    fn apply_batch(&self, py: Python<'_>, commands: String, now: String) -> PyResult<String> {
        self.with(py, move |r| {
            let cmds: Vec<(String, Actor, Command)> = parse("commands", &commands)?;
            let results = r.apply_batch(&cmds, parse_time(&now)?)?;
            let out: Vec<Value> = results
                .into_iter()
                .map(|res| match res {
                    Ok(o) => json!({ "ok": o }),
                    Err(e) => json!({ "error": error_json(&e) }),
                })
                .collect();
            to_json(&out)
        })
    }

    /// Uploads a JSON list of `[key, basic_info]` in one transaction; returns a JSON list of
    /// `{"result": "created" | "corrected" | "unchanged" | "refused", "error": ...}`.
    fn upload_batch(
        &self,
        py: Python<'_>,
        records: String,
        actor: String,
        now: String,
        all_or_nothing: bool,
    ) -> PyResult<String> {
        self.with(py, move |r| {
            let recs: Vec<(String, Arc<BasicInfo>)> = parse("records", &records)?;
            let actor: Actor = parse("actor", &actor)?;
            let results = r.upload_batch(&recs, &actor, parse_time(&now)?, all_or_nothing)?;
            let out: Vec<Value> = results
                .into_iter()
                .map(|res| match res {
                    UploadResult::Created => json!({ "result": "created" }),
                    UploadResult::Corrected => json!({ "result": "corrected" }),
                    UploadResult::Unchanged => json!({ "result": "unchanged" }),
                    UploadResult::Refused { error } => {
                        json!({ "result": "refused", "error": error_json(&error) })
                    }
                })
                .collect();
            to_json(&out)
        })
    }

    /// Imports a roster (bytes of a CSV or XLSX file) uploaded by `actor`; `mode` is
    /// `all_or_nothing` or `good_rows`. Returns the import report JSON.
    #[allow(clippy::too_many_arguments)]
    fn import_roster(
        &self,
        py: Python<'_>,
        data: PyBackedBytes,
        format: String,
        encoding: String,
        mode: String,
        actor: String,
        now: String,
    ) -> PyResult<String> {
        self.with(py, move |r| {
            let opts = roster_options(&format, &encoding)?;
            let mode: ImportMode = parse("import mode", &json!(mode).to_string())?;
            let actor: Actor = parse("actor", &actor)?;
            to_json(&r.import_roster(&data, &opts, mode, &actor, parse_time(&now)?)?)
        })
    }

    /// One registration as JSON, or `None`.
    fn find(&self, py: Python<'_>, id: String) -> PyResult<Option<String>> {
        self.with(py, move |r| opt_json(r.find(&id)?))
    }

    /// The registration of an ID number as JSON, or `None`.
    fn find_by_id_number(&self, py: Python<'_>, id_number: String) -> PyResult<Option<String>> {
        self.with(py, move |r| opt_json(r.find_by_id_number(&id_number)?))
    }

    /// The registration holding a verification number as JSON, or `None`.
    fn find_by_number(&self, py: Python<'_>, number: String) -> PyResult<Option<String>> {
        self.with(py, move |r| {
            let n = VerificationNumber::parse(&number)?;
            opt_json(r.find_by_number(&n)?)
        })
    }

    /// Summaries matching a JSON query at `now`, as JSON.
    fn query(&self, py: Python<'_>, query: String, now: String) -> PyResult<String> {
        self.with(py, move |r| {
            let q: Query = parse("query", &query)?;
            to_json(&r.query(&q, parse_time(&now)?)?)
        })
    }

    /// Late registrations at `now`, as JSON summaries.
    fn late(&self, py: Python<'_>, now: String) -> PyResult<String> {
        self.with(py, move |r| to_json(&r.late(parse_time(&now)?)?))
    }

    /// Statistics at `now`, as JSON.
    fn statistics(&self, py: Python<'_>, now: String) -> PyResult<String> {
        self.with(py, move |r| to_json(&r.statistics(parse_time(&now)?)?))
    }

    /// Reminders due at `now`, as JSON.
    fn reminders(&self, py: Python<'_>, now: String, options: String) -> PyResult<String> {
        self.with(py, move |r| {
            let opts: ReminderOptions = parse("reminder options", &options)?;
            to_json(&r.reminders(parse_time(&now)?, &opts)?)
        })
    }

    /// The registrations matching a JSON query as CSV bytes (UTF-8 with a BOM).
    fn export_csv<'py>(
        &self,
        py: Python<'py>,
        query: String,
        now: String,
    ) -> PyResult<(u64, Bound<'py, PyBytes>)> {
        let (n, bytes) = self.with(py, move |r| {
            let q: Query = parse("query", &query)?;
            let mut buf = Vec::new();
            let n = r.export_csv(&q, parse_time(&now)?, &mut buf)?;
            Ok((n, buf))
        })?;
        Ok((n, PyBytes::new(py, &bytes)))
    }

    /// The audit records of one registration (or all) as JSON: seq, entry, hash (hex).
    #[pyo3(signature = (registration_id=None))]
    fn audit(&self, py: Python<'_>, registration_id: Option<String>) -> PyResult<String> {
        self.with(py, move |r| {
            let mut out = Vec::new();
            for rec in r.audit(registration_id.as_deref())? {
                out.push(json!({
                    "seq": rec.seq,
                    "entry": rec.entry()?,
                    "hash": hex(&rec.hash),
                    "prev_hash": hex(&rec.prev_hash),
                }));
            }
            to_json(&out)
        })
    }

    /// Checks the audit chain; JSON `{"records": n, "first_fault": [seq, fault] | null}`.
    fn check_audit(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |r| to_json(&r.check_audit()?))
    }

    /// Events after sequence number `after`, at most `limit`, as JSON `[[seq, event], ...]`.
    fn events_after(&self, py: Python<'_>, after: u64, limit: usize) -> PyResult<String> {
        self.with(py, move |r| to_json(&r.events_after(after, limit)?))
    }
}

/// The native module `gradreg._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(problems, m)?)?;
    m.add_function(wrap_pyfunction!(normalize, m)?)?;
    m.add_function(wrap_pyfunction!(apply, m)?)?;
    m.add_function(wrap_pyfunction!(stage, m)?)?;
    m.add_function(wrap_pyfunction!(login_problems, m)?)?;
    m.add_function(wrap_pyfunction!(reminders, m)?)?;
    m.add_function(wrap_pyfunction!(policy_preset, m)?)?;
    m.add_function(wrap_pyfunction!(deadline_end, m)?)?;
    m.add_function(wrap_pyfunction!(sample, m)?)?;
    m.add_function(wrap_pyfunction!(sample_id_number, m)?)?;
    m.add_function(wrap_pyfunction!(parse_number, m)?)?;
    m.add_function(wrap_pyfunction!(random_number, m)?)?;
    m.add_function(wrap_pyfunction!(code_name, m)?)?;
    m.add_function(wrap_pyfunction!(is_placed, m)?)?;
    m.add_function(wrap_pyfunction!(parse_roster, m)?)?;
    m.add_function(wrap_pyfunction!(generate_cohort, m)?)?;
    m.add_function(wrap_pyfunction!(roster_csv, m)?)?;
    m.add_class::<NativeRegistry>()?;
    Ok(())
}
