//! Verification numbers, key rings, signed tokens and the verification of scanned tokens.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use gradreg::codes::verify::{verify_token_with, StatusCheck};
use gradreg::codes::{StatusLists, StatusPointer};
use gradreg::{
    Actor, AuthStatus, Authorization, CodeTables, Disclosure, Error, IssueOptions, Key, KeyId,
    KeyRing, Masking, MemoryRegistry, Registration, RegistryStatus, ScanOptions, ScanOutcome,
    Section, StatusAnswer, StatusSource, Step, TransferNumber, Unavailable, Verdict,
    VerificationNumber,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::errors::{parse, parse_time, raise, run, to_json};
use crate::keys::NativeKeySet;

/// A verdict as the package reads it: the core's verdict, its stable code, and for a scanned
/// token the step that decided it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VerdictJson {
    /// The verdict and, when valid, what the verifier's department may see.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The verdict's stable code (0 for valid).
    pub code: u32,
    /// The step of scanned-token verification that decided a verdict that is not valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<Step>,
}

impl VerdictJson {
    /// The JSON of a verdict of online verification.
    pub fn online(verdict: Verdict) -> Result<String, Error> {
        let code = verdict.code();
        to_json(&VerdictJson {
            verdict,
            code,
            failed_at: None,
        })
    }

    /// The JSON of a scan's verdict, with the step that decided it.
    pub fn scanned(out: ScanOutcome) -> Result<String, Error> {
        let code = out.verdict.code();
        to_json(&VerdictJson {
            verdict: out.verdict,
            code,
            failed_at: out.failed_at,
        })
    }
}

/// Parses a verification number typed by a person; returns it as `XXXX-XXXX-XXXX-XXXX`.
#[pyfunction]
fn parse_number(py: Python<'_>, text: String) -> PyResult<String> {
    run(
        py,
        move || Ok(VerificationNumber::parse(&text)?.to_string()),
    )
}

/// Parses a transfer number (转递编号) typed by a person; returns it as `ZD-XXXX-XXXX-XXXX`.
#[pyfunction]
fn parse_transfer_number(py: Python<'_>, text: String) -> PyResult<String> {
    run(py, move || Ok(TransferNumber::parse(&text)?.to_string()))
}

/// A new random transfer number (转递编号), as `ZD-XXXX-XXXX-XXXX`.
#[pyfunction]
fn random_transfer_number(py: Python<'_>) -> PyResult<String> {
    run(py, || Ok(TransferNumber::random()?.to_string()))
}

/// A transfer number from 16 bytes of entropy (for tests), as `ZD-XXXX-XXXX-XXXX`.
#[pyfunction]
fn transfer_number_from_entropy(py: Python<'_>, entropy: Vec<u8>) -> PyResult<String> {
    run(py, move || {
        let e: [u8; 16] = entropy.as_slice().try_into().map_err(|_| {
            Error::InvalidArgument(format!("entropy must be 16 bytes, got {}", entropy.len()))
        })?;
        Ok(TransferNumber::from_entropy(&e).to_string())
    })
}

/// A new random verification number, as `XXXX-XXXX-XXXX-XXXX`.
#[pyfunction]
fn random_number(py: Python<'_>) -> PyResult<String> {
    run(py, || Ok(VerificationNumber::random()?.to_string()))
}

fn key_id(id: u32) -> KeyId {
    KeyId(id)
}

/// A section by name.
pub fn parse_section(s: &str) -> Result<Section, Error> {
    match s {
        "archive" => Ok(Section::Archive),
        "hukou" => Ok(Section::Hukou),
        other => Err(Error::InvalidArgument(format!(
            "section must be \"archive\" or \"hukou\", got {other:?}"
        ))),
    }
}

/// The error of a poisoned key ring lock.
pub fn lock_err() -> Error {
    Error::InvalidArgument("key ring lock poisoned".into())
}

/// A key ring: key ids, one active signing key, retired keys kept for verification. HMAC-SHA256
/// or Ed25519. In production mode, short, empty and test keys are refused.
#[pyclass(module = "gradreg._native", frozen)]
pub struct NativeKeyRing {
    /// The ring, shared with the registry and the renderer while they work.
    pub inner: Arc<RwLock<KeyRing>>,
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

    /// The key set to publish for this ring's Ed25519 keys (public halves only) under `issuer`.
    fn key_set(&self, py: Python<'_>, issuer: String) -> PyResult<NativeKeySet> {
        NativeKeySet::from_ring(py, issuer, self)
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
pub fn find_auth<'r>(reg: &'r Registration, number: &str) -> Result<&'r Authorization, Error> {
    let n = VerificationNumber::parse(number)?;
    reg.authorization(&n)
        .ok_or_else(|| Error::AuthorizationNotFound(n.to_string()))
}

/// The token of one section of an authorization, signed with the ring's active key (format 1).
pub fn issue_for(
    ring: &KeyRing,
    reg: &Registration,
    auth: &Authorization,
    section: Section,
    prefix: &str,
    embed: bool,
) -> Result<String, Error> {
    issue_with(
        ring,
        reg,
        auth,
        section,
        &IssueOptions {
            prefix: prefix.to_string(),
            embed_disclosure: embed,
            ..IssueOptions::default()
        },
    )
}

/// The token of one section of an authorization with these options, signed with the ring's
/// active key.
pub fn issue_with(
    ring: &KeyRing,
    reg: &Registration,
    auth: &Authorization,
    section: Section,
    opts: &IssueOptions,
) -> Result<String, Error> {
    let disclosure = Disclosure::build(
        reg,
        auth,
        section,
        CodeTables::builtin(),
        Masking::default(),
    )?;
    gradreg::issue_token(ring, auth, &disclosure, opts)
}

/// The format version of a token by the number the package takes (1 or 2).
pub fn token_version(version: u8) -> Result<u8, Error> {
    match version {
        1 | 2 => Ok(version),
        other => Err(Error::InvalidArgument(format!(
            "a token format is 1 or 2, got {other}"
        ))),
    }
}

/// Issues the signed QR token of one section of an authorization (the ring's active key):
/// format 1, or format 2 (`version` 2) pointing at entry `status` = `(list, index)` of the
/// issuer's status list when given.
#[pyfunction]
#[pyo3(signature = (ring, registration, number, section, prefix=String::new(), embed=false, version=1, status=None))]
#[allow(clippy::too_many_arguments)]
fn issue_token(
    py: Python<'_>,
    ring: &NativeKeyRing,
    registration: String,
    number: String,
    section: String,
    prefix: String,
    embed: bool,
    version: u8,
    status: Option<(u32, u32)>,
) -> PyResult<String> {
    let ring = Arc::clone(&ring.inner);
    run(py, move || {
        let reg: Registration = parse("registration", &registration)?;
        let auth = find_auth(&reg, &number)?;
        let section = parse_section(&section)?;
        let version = token_version(version)?;
        if status.is_some() && version != 2 {
            return Err(Error::InvalidArgument(
                "a status list entry needs a format-2 token (version=2)".into(),
            ));
        }
        let opts = IssueOptions {
            prefix,
            embed_disclosure: embed,
            version,
            status: status.map(|(list, index)| StatusPointer { list, index }),
        };
        let ring = ring.read().map_err(|_| lock_err())?;
        issue_with(&ring, &reg, auth, section, &opts)
    })
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

/// Scan options from the required prefix, the leeway in seconds, and the number printed on
/// the form and the holder's name when the verifier gives them (a printed number that does not
/// parse is refused as a typed number is: 301 or 302).
pub fn scan_options(
    required_prefix: Option<String>,
    leeway_seconds: i64,
    printed_number: Option<String>,
    holder_name: Option<String>,
) -> Result<ScanOptions, Error> {
    Ok(ScanOptions {
        required_prefix,
        leeway: chrono::Duration::seconds(leeway_seconds.clamp(0, 86_400)),
        printed_number: printed_number
            .map(|n| VerificationNumber::parse(&n))
            .transpose()?,
        holder_name,
    })
}

/// How a status callable describes an authorization.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum AnswerStatus {
    Valid,
    NotYetValid,
    Expired,
    Revoked,
    Superseded,
    Unknown,
}

/// The answer of a status callable, as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerJson {
    status: AnswerStatus,
    #[serde(default)]
    disclosure: Option<Disclosure>,
}

/// A status source that asks a Python callable `(number, section, now) -> JSON text | None`;
/// `None` is a source that cannot be reached. What goes wrong in the call is kept and raised
/// after the verification (which sees the source as unreachable: never valid).
struct CallableStatus {
    func: Py<PyAny>,
    error: Mutex<Option<PyErr>>,
}

impl CallableStatus {
    fn keep(&self, e: PyErr) {
        let mut slot = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(e);
        }
    }
}

impl StatusSource for CallableStatus {
    fn status(
        &self,
        number: &VerificationNumber,
        section: Section,
        now: DateTime<Utc>,
    ) -> Result<StatusAnswer, Unavailable> {
        let section = match section {
            Section::Archive => "archive",
            Section::Hukou => "hukou",
        };
        let got = Python::attach(|py| -> PyResult<Option<String>> {
            let out = self.func.call1(
                py,
                (
                    number.to_string(),
                    section,
                    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
            )?;
            out.extract::<Option<String>>(py)
        });
        let text = match got {
            Ok(Some(t)) => t,
            Ok(None) => return Err(Unavailable),
            Err(e) => {
                self.keep(e);
                return Err(Unavailable);
            }
        };
        let answer: AnswerJson = match parse("status answer", &text) {
            Ok(a) => a,
            Err(e) => {
                Python::attach(|py| self.keep(raise(py, &e)));
                return Err(Unavailable);
            }
        };
        let known = |status| StatusAnswer::Known {
            status,
            disclosure: answer.disclosure.clone().map(Box::new),
        };
        Ok(match answer.status {
            AnswerStatus::Valid => known(AuthStatus::Valid),
            AnswerStatus::NotYetValid => known(AuthStatus::NotYetValid),
            AnswerStatus::Expired => known(AuthStatus::Expired),
            AnswerStatus::Revoked => known(AuthStatus::Revoked),
            AnswerStatus::Superseded => known(AuthStatus::Superseded),
            AnswerStatus::Unknown => StatusAnswer::Unknown,
        })
    }
}

/// Verifies a scanned token; returns the verdict JSON. The status comes from `status` (a
/// callable answering for a number) when given, else from the registrations given as JSON, else
/// — neither given — the token is verified offline with no status list (`unchecked` when it is
/// authentic).
#[pyfunction]
#[pyo3(signature = (token, ring, verifier, now, registrations=None, required_prefix=None, leeway_seconds=300, printed_number=None, holder_name=None, status=None))]
#[allow(clippy::too_many_arguments)]
fn verify_scanned(
    py: Python<'_>,
    token: String,
    ring: &NativeKeyRing,
    verifier: String,
    now: String,
    registrations: Option<String>,
    required_prefix: Option<String>,
    leeway_seconds: i64,
    printed_number: Option<String>,
    holder_name: Option<String>,
    status: Option<Py<PyAny>>,
) -> PyResult<String> {
    let ring = Arc::clone(&ring.inner);
    let callable = status.map(|func| CallableStatus {
        func,
        error: Mutex::new(None),
    });
    let source = callable.as_ref();
    let json = run(py, move || {
        let verifier: Actor = parse("verifier", &verifier)?;
        let opts = scan_options(required_prefix, leeway_seconds, printed_number, holder_name)?;
        let now = parse_time(&now)?;
        let ring = ring.read().map_err(|_| lock_err())?;
        let out = match (source, registrations) {
            (Some(src), _) => verify_token_with(
                &token,
                &ring,
                &verifier,
                now,
                StatusCheck::Online(src),
                &opts,
            ),
            (None, Some(regs)) => {
                let lookup = memory_lookup(&regs)?;
                let status = RegistryStatus {
                    lookup: &lookup,
                    tables: CodeTables::builtin(),
                    masking: Masking::default(),
                };
                verify_token_with(
                    &token,
                    &ring,
                    &verifier,
                    now,
                    StatusCheck::Online(&status),
                    &opts,
                )
            }
            (None, None) => verify_token_with(
                &token,
                &ring,
                &verifier,
                now,
                StatusCheck::Offline(&StatusLists::new()),
                &opts,
            ),
        };
        VerdictJson::scanned(out)
    })?;
    if let Some(c) = callable {
        if let Some(e) = c.error.into_inner().unwrap_or_else(PoisonError::into_inner) {
            return Err(e);
        }
    }
    Ok(json)
}

/// Registers this module's functions and classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(parse_number, m)?)?;
    m.add_function(wrap_pyfunction!(random_number, m)?)?;
    m.add_function(wrap_pyfunction!(parse_transfer_number, m)?)?;
    m.add_function(wrap_pyfunction!(random_transfer_number, m)?)?;
    m.add_function(wrap_pyfunction!(transfer_number_from_entropy, m)?)?;
    m.add_function(wrap_pyfunction!(issue_token, m)?)?;
    m.add_function(wrap_pyfunction!(verify_scanned, m)?)?;
    m.add_class::<NativeKeyRing>()
}
