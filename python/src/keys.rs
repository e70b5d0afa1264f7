//! Keys that live in a file, the published key set, signed status lists and offline
//! verification of a scanned token.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use gradreg::codes::verify::verify_token_offline;
use gradreg::codes::{KeySet, KeyStore, StatusList, StatusLists};
use gradreg::{Actor, Algorithm, Error, KeyId};
use pyo3::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

use crate::codes::{lock_err, scan_options, NativeKeyRing, VerdictJson};
use crate::errors::{parse, parse_time, run, to_json};

/// An algorithm by the name the package uses: `ed25519`, or `hmac` / `hmac-sha256`.
pub fn parse_algorithm(name: &str) -> Result<Algorithm, Error> {
    match name {
        "ed25519" => Ok(Algorithm::Ed25519),
        "hmac" | "hmac-sha256" => Ok(Algorithm::HmacSha256),
        other => Err(Error::InvalidArgument(format!(
            "algorithm must be \"ed25519\" or \"hmac\", got {other:?}"
        ))),
    }
}

fn ring_of(ring: gradreg::KeyRing) -> NativeKeyRing {
    NativeKeyRing {
        inner: Arc::new(RwLock::new(ring)),
    }
}

/// One key of a key store as the package shows it: its id, algorithm and dates, never its
/// secret.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StoredKeyJson {
    /// The key id.
    pub kid: u32,
    /// `ed25519` or `hmac-sha256`.
    pub alg: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it became the active key (none for a key never activated).
    pub valid_from: Option<DateTime<Utc>>,
    /// When it stopped being the active key.
    pub valid_to: Option<DateTime<Utc>>,
    /// When it was retired (then it verifies nothing and leaves the key set).
    pub retired_at: Option<DateTime<Utc>>,
}

/// What a key store holds, without secrets: its issuer, its file, the active key and every
/// key with its dates.
#[derive(Debug, Serialize, JsonSchema)]
pub struct KeyStoreInfo {
    /// Who issues the tokens.
    pub issuer: String,
    /// The store's file.
    pub path: String,
    /// The active key's id.
    pub active: Option<u32>,
    /// Every key, retired ones included, in the store's order.
    pub keys: Vec<StoredKeyJson>,
}

/// A deployment's signing keys in one owner-only JSON file (mode 0600; a file others may read
/// is refused).
#[pyclass(module = "gradreg._native", frozen)]
pub struct NativeKeyStore {
    inner: Arc<Mutex<KeyStore>>,
}

impl NativeKeyStore {
    fn of(store: KeyStore) -> Self {
        NativeKeyStore {
            inner: Arc::new(Mutex::new(store)),
        }
    }

    fn with<T, F>(&self, py: Python<'_>, f: F) -> PyResult<T>
    where
        F: FnOnce(&mut KeyStore) -> Result<T, Error> + Send,
        T: Send,
    {
        let store = Arc::clone(&self.inner);
        // Every change is written before it is kept, so a poisoned lock holds a whole store.
        run(py, move || {
            f(&mut store.lock().unwrap_or_else(PoisonError::into_inner))
        })
    }
}

#[pymethods]
impl NativeKeyStore {
    /// Makes a new store at `path` (which must not exist) with one active key.
    #[staticmethod]
    fn create(
        py: Python<'_>,
        path: std::path::PathBuf,
        issuer: String,
        algorithm: String,
        now: String,
    ) -> PyResult<Self> {
        let store = run(py, move || {
            KeyStore::create(
                &path,
                &issuer,
                parse_algorithm(&algorithm)?,
                parse_time(&now)?,
            )
        })?;
        Ok(Self::of(store))
    }

    /// Opens the store at `path`.
    #[staticmethod]
    fn open(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        let store = run(py, move || KeyStore::open(&path))?;
        Ok(Self::of(store))
    }

    /// Opens the store at `path`, or makes it when there is none.
    #[staticmethod]
    fn open_or_create(
        py: Python<'_>,
        path: std::path::PathBuf,
        issuer: String,
        algorithm: String,
        now: String,
    ) -> PyResult<Self> {
        let store = run(py, move || {
            KeyStore::open_or_create(
                &path,
                &issuer,
                parse_algorithm(&algorithm)?,
                parse_time(&now)?,
            )
        })?;
        Ok(Self::of(store))
    }

    /// Makes a new key the active one; returns its id.
    fn rotate(&self, py: Python<'_>, algorithm: String, now: String) -> PyResult<u32> {
        self.with(py, move |s| {
            Ok(s.rotate(parse_algorithm(&algorithm)?, parse_time(&now)?)?.0)
        })
    }

    /// Retires a key that is not the active one.
    fn retire(&self, py: Python<'_>, kid: u32, now: String) -> PyResult<()> {
        self.with(py, move |s| s.retire(KeyId(kid), parse_time(&now)?))
    }

    /// A production ring of the keys not retired, the active one signing.
    fn ring(&self, py: Python<'_>) -> PyResult<NativeKeyRing> {
        Ok(ring_of(self.with(py, |s| s.ring())?))
    }

    /// The published key set: the public halves of the Ed25519 keys not retired.
    fn key_set(&self, py: Python<'_>) -> PyResult<NativeKeySet> {
        let set = self.with(py, |s| s.key_set())?;
        Ok(NativeKeySet { inner: set })
    }

    /// What the store holds, without secrets, as JSON ([`KeyStoreInfo`]).
    fn info(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| {
            to_json(&KeyStoreInfo {
                issuer: s.issuer().to_string(),
                path: s.path().display().to_string(),
                active: s.active().map(|k| k.0),
                keys: s
                    .keys()
                    .iter()
                    .map(|k| StoredKeyJson {
                        kid: k.kid,
                        alg: k.alg.clone(),
                        created_at: k.created_at,
                        valid_from: k.valid_from,
                        valid_to: k.valid_to,
                        retired_at: k.retired_at,
                    })
                    .collect(),
            })
        })
    }
}

/// An issuer's published key set: the Ed25519 public keys with their signing periods.
#[pyclass(module = "gradreg._native", frozen)]
pub struct NativeKeySet {
    inner: KeySet,
}

#[pymethods]
impl NativeKeySet {
    /// Reads a key set (`KeySetInvalid`, 311, when it is not one).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: String) -> PyResult<Self> {
        let inner = run(py, move || KeySet::from_json(&text))?;
        Ok(NativeKeySet { inner })
    }

    /// The key set of a ring's Ed25519 keys (public halves only) under `issuer`.
    #[staticmethod]
    pub fn from_ring(py: Python<'_>, issuer: String, ring: &NativeKeyRing) -> PyResult<Self> {
        let ring = Arc::clone(&ring.inner);
        let inner = run(py, move || {
            Ok(KeySet::from_ring(
                &issuer,
                &*ring.read().map_err(|_| lock_err())?,
            ))
        })?;
        Ok(NativeKeySet { inner })
    }

    /// The JSON text as published.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// Who publishes it.
    fn issuer(&self) -> String {
        self.inner.issuer.clone()
    }

    /// A verify-only ring of the set's keys: in production small-order, non-canonical and
    /// test keys are refused (`KeyRefused`, 305); `test_mode` accepts them (test vectors only).
    fn ring(&self, py: Python<'_>, test_mode: bool) -> PyResult<NativeKeyRing> {
        let set = self.inner.clone();
        let ring = run(py, move || {
            if test_mode {
                set.ring_test_mode()
            } else {
                set.ring()
            }
        })?;
        Ok(ring_of(ring))
    }
}

/// One status list a verifier holds, as the package shows it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StatusListInfo {
    /// The list id (tokens point at it).
    pub list: u32,
    /// When it was issued: statuses are known as of this instant.
    pub issued_at: DateTime<Utc>,
    /// When the issuer publishes the next one; after it the list is stale.
    pub next_update: DateTime<Utc>,
    /// How many entries it has.
    pub entries: u32,
    /// How many of them are not in force.
    pub not_in_force: u64,
    /// The key that signed it.
    pub key_id: Option<u32>,
}

fn list_info(l: &StatusList) -> StatusListInfo {
    StatusListInfo {
        list: l.id(),
        issued_at: l.issued_at(),
        next_update: l.next_update(),
        entries: l.len(),
        not_in_force: l.count_not_in_force(),
        key_id: l.key_id().map(|k| k.0),
    }
}

/// The issuer's signed status lists a verifier holds, by list id (the newest of each kept).
#[pyclass(module = "gradreg._native", frozen)]
pub struct NativeStatusLists {
    inner: Arc<RwLock<StatusLists>>,
}

#[pymethods]
impl NativeStatusLists {
    /// No lists.
    #[new]
    fn new() -> Self {
        NativeStatusLists {
            inner: Arc::new(RwLock::new(StatusLists::new())),
        }
    }

    /// Checks a signed list (`GS1.…`) with `ring` and adds it; returns its description as JSON
    /// ([`StatusListInfo`]). A list that does not verify is `StatusListInvalid` (312).
    fn add(&self, py: Python<'_>, text: String, ring: &NativeKeyRing) -> PyResult<String> {
        let ring = Arc::clone(&ring.inner);
        let lists = Arc::clone(&self.inner);
        run(py, move || {
            let list = StatusList::decode(&text, &*ring.read().map_err(|_| lock_err())?)?;
            let info = list_info(&list);
            lists.write().map_err(|_| lock_err())?.add(list);
            to_json(&info)
        })
    }

    /// Every list held, as JSON (a list of [`StatusListInfo`], by id).
    fn lists(&self, py: Python<'_>) -> PyResult<String> {
        let lists = Arc::clone(&self.inner);
        run(py, move || {
            let l = lists.read().map_err(|_| lock_err())?;
            to_json(&l.iter().map(list_info).collect::<Vec<_>>())
        })
    }

    /// The status of entry `index` of list `list` (`in_force`, `revoked`, `superseded`), or
    /// `None` when there is no such list or entry.
    fn status(&self, py: Python<'_>, list: u32, index: u32) -> PyResult<Option<String>> {
        let lists = Arc::clone(&self.inner);
        run(py, move || {
            let l = lists.read().map_err(|_| lock_err())?;
            match l.get(list).and_then(|l| l.get(index)) {
                Some(s) => Ok(Some(
                    serde_json::to_value(s)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                )),
                None => Ok(None),
            }
        })
    }
}

impl NativeStatusLists {
    /// A snapshot of the lists held.
    pub fn snapshot(&self) -> Result<StatusLists, Error> {
        Ok(self.inner.read().map_err(|_| lock_err())?.clone())
    }
}

/// Verifies a scanned token offline, with the issuer's signed status lists; verdict JSON with
/// the step that decided it (`valid_offline`, `unchecked`, `revoked` …, never `valid`).
#[pyfunction]
#[pyo3(signature = (token, ring, verifier, now, lists=None, required_prefix=None, leeway_seconds=300, printed_number=None, holder_name=None))]
#[allow(clippy::too_many_arguments)]
fn verify_offline(
    py: Python<'_>,
    token: String,
    ring: &NativeKeyRing,
    verifier: String,
    now: String,
    lists: Option<&NativeStatusLists>,
    required_prefix: Option<String>,
    leeway_seconds: i64,
    printed_number: Option<String>,
    holder_name: Option<String>,
) -> PyResult<String> {
    let ring = Arc::clone(&ring.inner);
    let lists = match lists {
        Some(l) => l.snapshot().map_err(|e| crate::errors::raise(py, &e))?,
        None => StatusLists::new(),
    };
    run(py, move || {
        let verifier: Actor = parse("verifier", &verifier)?;
        let opts = scan_options(required_prefix, leeway_seconds, printed_number, holder_name)?;
        let ring = ring.read().map_err(|_| lock_err())?;
        let out = verify_token_offline(&token, &ring, &verifier, parse_time(&now)?, &lists, &opts);
        VerdictJson::scanned(out)
    })
}

/// Registers this module's function and classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verify_offline, m)?)?;
    m.add_class::<NativeKeyStore>()?;
    m.add_class::<NativeKeySet>()?;
    m.add_class::<NativeStatusLists>()
}
