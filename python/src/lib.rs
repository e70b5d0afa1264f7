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
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use gradreg::forms::{FontSource, Form, FormOptions, Renderer};
use gradreg::registry::{ImportMode, UploadResult};
use gradreg::roster::RosterOptions;
use gradreg::tables::Table;
use gradreg::{
    Actor, Authorization, BasicInfo, ChsiAccount, CodeTables, Command, Context, DestinationData,
    Disclosure, Error, IssueOptions, Key, KeyId, KeyRing, Masking, MemoryRegistry, OnlineVerifier,
    Policy, Query, Registration, Registry, RegistryStatus, ReminderOptions, ScanOptions,
    ScanOutcome, Section, Validate, Verdict, VerificationNumber,
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
    json!({ "code": e.code().get(), "message": e.to_string(), "detail": detail })
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
    make_exception(py, e.code().get(), &e.to_string(), &v["detail"].to_string())
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

// ---- key rings, tokens and verification ----

fn key_id(id: u32) -> KeyId {
    KeyId(id)
}

fn parse_section(s: &str) -> Result<Section, Error> {
    match s {
        "archive" => Ok(Section::Archive),
        "hukou" => Ok(Section::Hukou),
        other => Err(Error::InvalidArgument(format!(
            "section must be \"archive\" or \"hukou\", got {other:?}"
        ))),
    }
}

fn lock_err() -> Error {
    Error::InvalidArgument("key ring lock poisoned".into())
}

/// A key ring: key ids, one active signing key, retired keys kept for verification. HMAC-SHA256
/// or Ed25519. In production mode, short, empty and test keys are refused.
#[pyclass(module = "gradreg._native", frozen)]
struct NativeKeyRing {
    inner: Arc<RwLock<KeyRing>>,
}

impl NativeKeyRing {
    fn read<T, F>(&self, py: Python<'_>, f: F) -> PyResult<T>
    where
        F: FnOnce(&KeyRing) -> Result<T, Error> + Send,
        T: Send,
    {
        let ring = Arc::clone(&self.inner);
        run(py, move || f(&*ring.read().map_err(|_| lock_err())?))
    }

    fn write<T, F>(&self, py: Python<'_>, f: F) -> PyResult<T>
    where
        F: FnOnce(&mut KeyRing) -> Result<T, Error> + Send,
        T: Send,
    {
        let ring = Arc::clone(&self.inner);
        run(py, move || f(&mut *ring.write().map_err(|_| lock_err())?))
    }
}

fn add_key(ring: &mut KeyRing, key: Key, active: bool) -> Result<(), Error> {
    if active {
        ring.add_active(key)
    } else {
        ring.add_retired(key)
    }
}

fn bytes32(what: &str, b: &[u8]) -> Result<[u8; 32], Error> {
    b.try_into()
        .map_err(|_| Error::InvalidArgument(format!("{what} must be 32 bytes, got {}", b.len())))
}

#[pymethods]
impl NativeKeyRing {
    /// An empty ring; `test_mode` accepts short and test keys (never in production).
    #[new]
    #[pyo3(signature = (test_mode=false))]
    fn new(test_mode: bool) -> Self {
        let ring = if test_mode {
            KeyRing::test_mode()
        } else {
            KeyRing::new()
        };
        NativeKeyRing {
            inner: Arc::new(RwLock::new(ring)),
        }
    }

    /// Adds an HMAC-SHA256 key.
    fn add_hmac(&self, py: Python<'_>, id: u32, secret: Vec<u8>, active: bool) -> PyResult<()> {
        self.write(py, move |r| {
            add_key(r, Key::hmac(key_id(id), &secret), active)
        })
    }

    /// Adds an Ed25519 signing key from its 32-byte seed.
    fn add_ed25519_seed(
        &self,
        py: Python<'_>,
        id: u32,
        seed: Vec<u8>,
        active: bool,
    ) -> PyResult<()> {
        self.write(py, move |r| {
            let seed = bytes32("an Ed25519 seed", &seed)?;
            add_key(r, Key::ed25519_signing(key_id(id), &seed), active)
        })
    }

    /// Adds an Ed25519 public key (verification only).
    fn add_ed25519_public(&self, py: Python<'_>, id: u32, public: Vec<u8>) -> PyResult<()> {
        self.write(py, move |r| {
            let public = bytes32("an Ed25519 public key", &public)?;
            r.add_retired(Key::ed25519_public(key_id(id), &public)?)
        })
    }

    /// Generates a key from the OS random source: `hmac` or `ed25519`.
    fn generate(&self, py: Python<'_>, id: u32, algorithm: String, active: bool) -> PyResult<()> {
        self.write(py, move |r| {
            let key = match algorithm.as_str() {
                "hmac" | "hmac-sha256" => Key::generate_hmac(key_id(id))?,
                "ed25519" => Key::generate_ed25519(key_id(id))?,
                other => {
                    return Err(Error::InvalidArgument(format!(
                        "algorithm must be \"hmac\" or \"ed25519\", got {other:?}"
                    )))
                }
            };
            add_key(r, key, active)
        })
    }

    /// Makes a key the active signing key.
    fn activate(&self, py: Python<'_>, id: u32) -> PyResult<()> {
        self.write(py, move |r| r.activate(key_id(id)))
    }

    /// Retires the active key (kept for verification).
    fn retire_active(&self, py: Python<'_>) -> PyResult<()> {
        self.write(py, |r| {
            r.retire_active();
            Ok(())
        })
    }

    /// Removes a key.
    fn remove(&self, py: Python<'_>, id: u32) -> PyResult<()> {
        self.write(py, move |r| r.remove(key_id(id)).map(|_| ()))
    }

    /// The active key id.
    fn active(&self, py: Python<'_>) -> PyResult<Option<u32>> {
        self.read(py, |r| Ok(r.active().map(|k| k.0)))
    }

    /// Every key id.
    fn ids(&self, py: Python<'_>) -> PyResult<Vec<u32>> {
        self.read(py, |r| Ok(r.ids().map(|k| k.0).collect()))
    }

    /// Whether the ring accepts test keys.
    fn is_test_mode(&self, py: Python<'_>) -> PyResult<bool> {
        self.read(py, |r| Ok(r.is_test_mode()))
    }

    /// The Ed25519 public key of a key id, if it is an Ed25519 key.
    fn public_key<'py>(&self, py: Python<'py>, id: u32) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let k = self.read(py, move |r| {
            Ok(r.get(key_id(id)).and_then(|k| k.ed25519_public_bytes()))
        })?;
        Ok(k.map(|b| PyBytes::new(py, &b)))
    }

    /// A ring with the public halves only (Ed25519 verification keys; HMAC keys are left out).
    fn public_only(&self, py: Python<'_>) -> PyResult<NativeKeyRing> {
        let ring = self.read(py, |r| Ok(r.public_only()))?;
        Ok(NativeKeyRing {
            inner: Arc::new(RwLock::new(ring)),
        })
    }
}

/// The authorization `number` of a registration, or `AuthorizationNotFound`.
fn find_auth<'r>(reg: &'r Registration, number: &str) -> Result<&'r Authorization, Error> {
    let n = VerificationNumber::parse(number)?;
    reg.authorization(&n)
        .ok_or_else(|| Error::AuthorizationNotFound(n.to_string()))
}

fn issue_for(
    ring: &KeyRing,
    reg: &Registration,
    auth: &Authorization,
    section: Section,
    prefix: &str,
    embed: bool,
) -> Result<String, Error> {
    let disclosure = Disclosure::build(
        reg,
        auth,
        section,
        CodeTables::builtin(),
        Masking::default(),
    )?;
    gradreg::issue_token(
        ring,
        auth,
        &disclosure,
        &IssueOptions {
            prefix: prefix.to_string(),
            embed_disclosure: embed,
        },
    )
}

/// Issues the signed QR token of one section of an authorization (the ring's active key).
#[pyfunction]
#[pyo3(signature = (ring, registration, number, section, prefix=String::new(), embed=false))]
fn issue_token(
    py: Python<'_>,
    ring: &NativeKeyRing,
    registration: String,
    number: String,
    section: String,
    prefix: String,
    embed: bool,
) -> PyResult<String> {
    let ring = Arc::clone(&ring.inner);
    run(py, move || {
        let reg: Registration = parse("registration", &registration)?;
        let auth = find_auth(&reg, &number)?;
        let section = parse_section(&section)?;
        let ring = ring.read().map_err(|_| lock_err())?;
        issue_for(&ring, &reg, auth, section, &prefix, embed)
    })
}

fn verdict_json(v: &Verdict) -> Result<Value, Error> {
    let mut j = serde_json::to_value(v).map_err(|e| Error::MalformedJson(e.to_string()))?;
    if let Value::Object(m) = &mut j {
        m.insert("code".into(), json!(v.code()));
    }
    Ok(j)
}

/// Registrations given by the caller, as a lookup for verification.
fn memory_lookup(registrations: &str) -> Result<MemoryRegistry, Error> {
    let regs: Vec<Registration> = parse("registrations", registrations)?;
    let mut m = MemoryRegistry::new();
    for r in regs {
        m.insert(r);
    }
    Ok(m)
}

fn scan_options(required_prefix: Option<String>, leeway_seconds: i64) -> ScanOptions {
    ScanOptions {
        required_prefix,
        leeway: chrono::Duration::seconds(leeway_seconds.clamp(0, 86_400)),
    }
}

/// The verdict JSON of a scan, with the step that decided it.
fn outcome_json(out: &ScanOutcome) -> Result<String, Error> {
    let mut j = verdict_json(&out.verdict)?;
    if let Value::Object(m) = &mut j {
        m.insert("failed_at".into(), json!(out.failed_at.map(|s| s.as_str())));
    }
    to_json(&j)
}

/// Verifies a scanned token against registrations given as JSON; returns the verdict JSON.
#[pyfunction]
#[pyo3(signature = (token, ring, verifier, now, registrations, required_prefix=None, leeway_seconds=300))]
#[allow(clippy::too_many_arguments)]
fn verify_scanned(
    py: Python<'_>,
    token: String,
    ring: &NativeKeyRing,
    verifier: String,
    now: String,
    registrations: String,
    required_prefix: Option<String>,
    leeway_seconds: i64,
) -> PyResult<String> {
    let ring = Arc::clone(&ring.inner);
    run(py, move || {
        let verifier: Actor = parse("verifier", &verifier)?;
        let lookup = memory_lookup(&registrations)?;
        let ring = ring.read().map_err(|_| lock_err())?;
        let status = RegistryStatus {
            lookup: &lookup,
            tables: CodeTables::builtin(),
            masking: Masking::default(),
        };
        let out = gradreg::verify_token(
            &token,
            &ring,
            &verifier,
            parse_time(&now)?,
            &status,
            &scan_options(required_prefix, leeway_seconds),
        );
        outcome_json(&out)
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
                    "format must be svg, pdf or png, got {other:?}"
                ))),
            }
        })?;
        Ok(PyBytes::new(py, &bytes))
    }
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

    /// Online verification by name and verification or transfer number for a department
    /// (`verifier` JSON); failures are counted per verifier in the registry. Verdict JSON.
    #[pyo3(signature = (verifier, name, number, now, limit=10, window_seconds=3600))]
    #[allow(clippy::too_many_arguments)]
    fn verify_online(
        &self,
        py: Python<'_>,
        verifier: String,
        name: String,
        number: String,
        now: String,
        limit: u32,
        window_seconds: i64,
    ) -> PyResult<String> {
        self.with(py, move |r| {
            let verifier: Actor = parse("verifier", &verifier)?;
            let mut v = OnlineVerifier::new(r.tables());
            v.limit = limit;
            v.window = chrono::Duration::seconds(window_seconds.max(0));
            let verdict = r.verify_online(&v, &verifier, &name, &number, parse_time(&now)?);
            to_json(&verdict_json(&verdict)?)
        })
    }

    /// Verifies a scanned token against the registry; verdict JSON with the failed step.
    #[pyo3(signature = (token, ring, verifier, now, required_prefix=None, leeway_seconds=300))]
    #[allow(clippy::too_many_arguments)]
    fn verify_scanned(
        &self,
        py: Python<'_>,
        token: String,
        ring: &NativeKeyRing,
        verifier: String,
        now: String,
        required_prefix: Option<String>,
        leeway_seconds: i64,
    ) -> PyResult<String> {
        let ring = Arc::clone(&ring.inner);
        self.with(py, move |r| {
            let verifier: Actor = parse("verifier", &verifier)?;
            let ring = ring.read().map_err(|_| lock_err())?;
            let out = r.verify_token(
                &token,
                &ring,
                &verifier,
                parse_time(&now)?,
                &scan_options(required_prefix, leeway_seconds),
            );
            outcome_json(&out)
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
    m.add_function(wrap_pyfunction!(issue_token, m)?)?;
    m.add_function(wrap_pyfunction!(verify_scanned, m)?)?;
    m.add_class::<NativeKeyRing>()?;
    m.add_class::<NativeRenderer>()?;
    m.add_class::<NativeRegistry>()?;
    Ok(())
}
