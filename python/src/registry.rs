//! The registry: registrations, authorizations and the audit log in an SQLite file or in
//! memory, and the folder rule every face shares.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use gradreg::registry::store::{ChainFault, RowProblem};
use gradreg::registry::{ImportMode, UploadResult};
use gradreg::{
    Actor, AuditEntry, BasicInfo, Command, Error, IssueOptions, OnlineVerifier, Policy, Principal,
    Query, Registry, ReminderOptions, VerificationNumber,
};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::codes::{
    lock_err, parse_section, scan_options, token_version, NativeKeyRing, VerdictJson,
};
use crate::errors::{parse, parse_time, run, to_json, ErrorJson};
use crate::records::parse_table;
use crate::roster::{roster_options, NativeHeaderAliases};

/// What happened to one record of an upload.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UploadKind {
    /// A new registration was created.
    Created,
    /// An existing registration's basic information was corrected.
    Corrected,
    /// The record was already there, identical.
    Unchanged,
    /// The record was refused (`error` says why).
    Refused,
}

/// One record's result of an upload, with its key.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UploadResultJson {
    /// The caller's key of the record.
    pub key: String,
    /// What happened.
    pub result: UploadKind,
    /// Why the record was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorJson>,
}

impl UploadResultJson {
    /// The result of `key` in the package's form.
    fn of(key: &str, result: UploadResult) -> Self {
        let (result, error) = match result {
            UploadResult::Created => (UploadKind::Created, None),
            UploadResult::Corrected => (UploadKind::Corrected, None),
            UploadResult::Unchanged => (UploadKind::Unchanged, None),
            UploadResult::Refused { error } => (UploadKind::Refused, Some(ErrorJson::of(&error))),
        };
        UploadResultJson {
            key: key.to_string(),
            result,
            error,
        }
    }
}

/// A stored audit entry with its place in the hash chain, the hashes in hex.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AuditRecordJson {
    /// Position in the log, from 1.
    pub seq: u64,
    /// The entry.
    pub entry: AuditEntry,
    /// SHA-256 of the previous hash followed by the entry, in hex.
    pub hash: String,
    /// The previous record's hash, in hex (zeros for the first).
    pub prev_hash: String,
}

/// The result of checking the audit chain.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AuditReportJson {
    /// Records checked.
    pub records: u64,
    /// The sequence number of the first faulty record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_seq: Option<u64>,
    /// What is wrong with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<ChainFault>,
    /// Stored registrations and number-index entries that do not match the audit log.
    #[serde(default)]
    pub row_faults: Vec<RowProblem>,
    /// Registrations last written before they were bound to the log (served, checked later).
    #[serde(default)]
    pub unbound: u64,
}

/// A signed status list as the registry publishes it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PublishedListJson {
    /// The list id (format-2 tokens point at it).
    pub list: u32,
    /// The signed text, `GS1.…`.
    pub text: String,
    /// How many of its entries are not in force (revoked or superseded).
    pub not_in_force: u64,
}

/// The database file a registry opened at `path` uses: `path` itself, or `gradreg.sqlite3`
/// inside it when it is a folder. A missing parent folder is `Io` (507), naming the folder.
#[pyfunction]
fn database_path(py: Python<'_>, path: PathBuf) -> PyResult<PathBuf> {
    run(py, move || gradreg::database_path(&path))
}

/// The registry: registrations, authorizations and the audit log in an SQLite file or in memory.
/// Every method releases the GIL while it works; one registry may be used from many threads.
///
/// The registry sits behind a read-write lock: every call reads it, and only the calls that
/// change its roster header table or its code tables write it (they wait for calls in flight).
#[pyclass(module = "gradreg._native", frozen)]
pub struct NativeRegistry {
    inner: Arc<RwLock<Registry>>,
}

impl NativeRegistry {
    fn new(registry: Registry) -> Self {
        NativeRegistry {
            inner: Arc::new(RwLock::new(registry)),
        }
    }

    /// Runs `f` on the registry with the GIL released.
    pub(crate) fn with<T, F>(&self, py: Python<'_>, f: F) -> PyResult<T>
    where
        F: FnOnce(&Registry) -> Result<T, Error> + Send,
        T: Send,
    {
        let reg = Arc::clone(&self.inner);
        // A write replaces a table in one assignment, so a poisoned lock still holds a whole
        // registry.
        run(py, move || {
            f(&reg.read().unwrap_or_else(PoisonError::into_inner))
        })
    }

    fn with_mut<T, F>(&self, py: Python<'_>, f: F) -> PyResult<T>
    where
        F: FnOnce(&mut Registry) -> Result<T, Error> + Send,
        T: Send,
    {
        let reg = Arc::clone(&self.inner);
        run(py, move || {
            f(&mut reg.write().unwrap_or_else(PoisonError::into_inner))
        })
    }
}

fn opt_json<T: Serialize>(v: Option<T>) -> Result<Option<String>, Error> {
    v.map(|v| to_json(&v)).transpose()
}

/// The open options of an audit key (hex) and data keys (`(id, key)` pairs).
fn open_options(
    audit_key: Option<String>,
    data_keys: Option<Vec<(u32, String)>>,
) -> Result<gradreg::registry::OpenOptions, Error> {
    let mut options = gradreg::registry::OpenOptions::new();
    if let Some(k) = audit_key {
        options = options.audit_key(gradreg::registry::AuditKey::from_hex(&k)?);
    }
    if let Some(keys) = data_keys {
        let keys = keys
            .iter()
            .map(|(id, key)| gradreg::registry::DataKey::from_text(*id, key))
            .collect::<gradreg::Result<Vec<_>>>()?;
        options = options.data_keys(gradreg::registry::DataKeyRing::new(keys)?);
    }
    Ok(options)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[pymethods]
impl NativeRegistry {
    /// Opens (creating when absent) a registry at `path`, by the core's folder rule
    /// ([`database_path`]).
    /// With `audit_key` (hex, at least 32 digits), the audit chain is keyed (HMAC-SHA256): a
    /// new registry is keyed for good, a keyed one opens only with its key (515).
    ///
    /// `data_keys`: the data keys that seal personal data at rest, as `(id, key)` pairs with
    /// each key's 32 bytes written as 64 hexadecimal digits or base64 (see
    /// `gradreg::registry::at_rest`); `None` opens without keys.
    #[staticmethod]
    #[pyo3(signature = (path, policy, audit_key=None, data_keys=None))]
    fn open(
        py: Python<'_>,
        path: std::path::PathBuf,
        policy: String,
        audit_key: Option<String>,
        data_keys: Option<Vec<(u32, String)>>,
    ) -> PyResult<Self> {
        let inner = run(py, move || {
            let p: Policy = parse("policy", &policy)?;
            let options = open_options(audit_key, data_keys)?;
            Registry::open_with(&path, p, &options)
        })?;
        Ok(NativeRegistry::new(inner))
    }

    /// Opens the registry a store URL names (`memory:`, `sqlite:PATH` or a plain path,
    /// `postgres://…` in a build with the core's `postgres` feature), by
    /// [`Registry::open_url`]; `audit_key` and `data_keys` as in `open`.
    #[staticmethod]
    #[pyo3(signature = (url, policy, audit_key=None, data_keys=None))]
    fn open_url(
        py: Python<'_>,
        url: String,
        policy: String,
        audit_key: Option<String>,
        data_keys: Option<Vec<(u32, String)>>,
    ) -> PyResult<Self> {
        let inner = run(py, move || {
            let p: Policy = parse("policy", &policy)?;
            let options = open_options(audit_key, data_keys)?;
            Registry::open_url(&url, p, &options)
        })?;
        Ok(NativeRegistry::new(inner))
    }

    /// Re-seals every value not yet sealed by the newest data key, in transactions of at most
    /// `batch_size` rows per table; returns how many values were re-sealed.
    fn rotate_data_key(&self, py: Python<'_>, batch_size: usize) -> PyResult<u64> {
        self.with(py, move |r| r.rotate_data_key(batch_size))
    }

    /// A registry in memory (its audit chain keyed with `audit_key`, hex, when given).
    #[staticmethod]
    #[pyo3(signature = (policy, audit_key=None))]
    fn in_memory(py: Python<'_>, policy: String, audit_key: Option<String>) -> PyResult<Self> {
        let inner = run(py, move || {
            let p: Policy = parse("policy", &policy)?;
            match audit_key {
                Some(k) => Registry::in_memory_with_audit_key(
                    p,
                    gradreg::registry::AuditKey::from_hex(&k)?,
                ),
                None => Registry::in_memory(p),
            }
        })?;
        Ok(NativeRegistry::new(inner))
    }

    /// The policy in use, as JSON.
    fn policy(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |r| to_json(r.policy()))
    }

    /// Applies a command and commits it; returns the outcome JSON. With `expected_version`,
    /// only when the registration is still at that version (else a conflict, no retry).
    #[pyo3(signature = (id, actor, command, now, expected_version=None))]
    fn apply(
        &self,
        py: Python<'_>,
        id: String,
        actor: String,
        command: String,
        now: String,
        expected_version: Option<u64>,
    ) -> PyResult<String> {
        self.with(py, move |r| {
            let actor: Actor = parse("actor", &actor)?;
            let command: Command = parse("command", &command)?;
            let now = parse_time(&now)?;
            match expected_version {
                Some(v) => to_json(&r.apply_at_version(&id, v, &actor, &command, now)?),
                None => to_json(&r.apply(&id, &actor, &command, now)?),
            }
        })
    }

    /// Applies a JSON list of `[id, actor, command]` or `[id, actor, command, expected_version]`
    /// in one transaction; returns a JSON list of `{"ok": outcome}` or
    /// `{"error": {"code", "message", "detail"}}`.
    fn apply_batch(&self, py: Python<'_>, commands: String, now: String) -> PyResult<String> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Item {
            Checked(String, Actor, Command, Option<u64>),
            Plain(String, Actor, Command),
        }
        self.with(py, move |r| {
            let items: Vec<Item> = parse("commands", &commands)?;
            let cmds: Vec<(String, Option<u64>, Actor, Command)> = items
                .into_iter()
                .map(|item| match item {
                    Item::Checked(id, actor, command, v) => (id, v, actor, command),
                    Item::Plain(id, actor, command) => (id, None, actor, command),
                })
                .collect();
            let results = r.apply_batch_at_versions(&cmds, parse_time(&now)?)?;
            let out: Vec<Value> = results
                .into_iter()
                .map(|res| match res {
                    Ok(o) => json!({ "ok": o }),
                    Err(e) => json!({ "error": ErrorJson::of(&e) }),
                })
                .collect();
            to_json(&out)
        })
    }

    /// Uploads a JSON list of `[key, basic_info]` in one transaction; returns a JSON list of
    /// `{"key", "result": "created" | "corrected" | "unchanged" | "refused", "error"?}`.
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
            let out: Vec<UploadResultJson> = recs
                .iter()
                .zip(results)
                .map(|((key, _), res)| UploadResultJson::of(key, res))
                .collect();
            to_json(&out)
        })
    }

    /// Imports a roster (bytes of a CSV or XLSX file) uploaded by `actor`; `mode` is
    /// `all_or_nothing` or `good_rows`. Returns the import report JSON.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (data, format, encoding, mode, actor, now, limits=None))]
    fn import_roster(
        &self,
        py: Python<'_>,
        data: PyBackedBytes,
        format: String,
        encoding: String,
        mode: String,
        actor: String,
        now: String,
        limits: Option<String>,
    ) -> PyResult<String> {
        self.with(py, move |r| {
            let (mut opts, mode, actor, now) =
                import_args(&format, &encoding, &mode, &actor, &now)?;
            if let Some(l) = limits.as_deref() {
                opts.limits = parse("limits", l)?;
            }
            to_json(&r.import_roster(&data, &opts, mode, &actor, now)?)
        })
    }

    /// Imports a destination export of the provincial platform (bytes of a CSV or XLSX file),
    /// each row reported to its registration by `actor`; `mode` is `all_or_nothing` or
    /// `good_rows`. Returns the destination import report JSON.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (data, format, encoding, mode, actor, now, limits=None))]
    fn import_destinations(
        &self,
        py: Python<'_>,
        data: PyBackedBytes,
        format: String,
        encoding: String,
        mode: String,
        actor: String,
        now: String,
        limits: Option<String>,
    ) -> PyResult<String> {
        self.with(py, move |r| {
            let (mut opts, mode, actor, now) =
                import_args(&format, &encoding, &mode, &actor, &now)?;
            if let Some(l) = limits.as_deref() {
                opts.limits = parse("limits", l)?;
            }
            to_json(&r.import_destinations(&data, &opts, mode, &actor, now)?)
        })
    }

    /// The one school (院校代码) a roster's rows name, "" when none: the default uploader of an
    /// import is that school's employment office. Several schools raise ArgumentError.
    #[pyo3(signature = (data, format, encoding, limits=None))]
    fn roster_school(
        &self,
        py: Python<'_>,
        data: PyBackedBytes,
        format: String,
        encoding: String,
        limits: Option<String>,
    ) -> PyResult<String> {
        self.with(py, move |r| {
            roster_school(r, &data, &format, &encoding, limits.as_deref())
        })
    }

    /// A dry run of `import_roster`: the same report (`dry_run` true), nothing stored.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (data, format, encoding, mode, actor, now, limits=None))]
    fn preview_roster(
        &self,
        py: Python<'_>,
        data: PyBackedBytes,
        format: String,
        encoding: String,
        mode: String,
        actor: String,
        now: String,
        limits: Option<String>,
    ) -> PyResult<String> {
        self.with(py, move |r| {
            let (mut opts, mode, actor, now) =
                import_args(&format, &encoding, &mode, &actor, &now)?;
            if let Some(l) = limits.as_deref() {
                opts.limits = parse("limits", l)?;
            }
            to_json(&r.preview_roster(&data, &opts, mode, &actor, now)?)
        })
    }

    /// Adds roster headers (`header<TAB>field[<TAB>name]` lines) to this registry's header
    /// table; an error names the line and changes nothing.
    fn add_header_aliases(&self, py: Python<'_>, tsv: String) -> PyResult<()> {
        self.with_mut(py, move |r| r.add_header_aliases(&tsv))
    }

    /// Replaces this registry's roster header table.
    fn set_header_aliases(&self, py: Python<'_>, aliases: &NativeHeaderAliases) -> PyResult<()> {
        let table = aliases.snapshot()?;
        self.with_mut(py, move |r| {
            r.set_header_aliases(table);
            Ok(())
        })
    }

    /// A copy of this registry's roster header table.
    fn header_aliases(&self, py: Python<'_>) -> PyResult<NativeHeaderAliases> {
        let table = self.with(py, |r| Ok(r.header_aliases().clone()))?;
        Ok(NativeHeaderAliases::of(table))
    }

    /// Adds rows (`code<TAB>name[<TAB>category]` lines) to one of this registry's code tables,
    /// or replaces the table; an error changes nothing.
    fn load_table(
        &self,
        py: Python<'_>,
        table: String,
        tsv: String,
        replace: bool,
    ) -> PyResult<()> {
        self.with_mut(py, move |r| {
            r.load_table(parse_table(&table)?, &tsv, replace)
        })
    }

    /// The name of `code` in one of this registry's code tables, or `None`.
    fn code_name(&self, py: Python<'_>, table: String, code: String) -> PyResult<Option<String>> {
        self.with(py, move |r| {
            Ok(r.tables()
                .name(parse_table(&table)?, &code)
                .map(str::to_string))
        })
    }

    /// Online verification by name and verification or transfer number by `principal` (the
    /// identity the host authenticated, never a value taken from the request) for a department
    /// (`verifier` JSON, which gives the section only); failures are limited per principal and
    /// per number in the registry. Verdict JSON.
    #[pyo3(signature = (verifier, name, number, now, limit=10, window_seconds=3600, *, principal, number_limit=10, number_ceiling=100))]
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
        principal: String,
        number_limit: u32,
        number_ceiling: u32,
    ) -> PyResult<String> {
        self.with(py, move |r| {
            let principal = Principal::new(&principal)?;
            let verifier: Actor = parse("verifier", &verifier)?;
            let mut v = OnlineVerifier::new(r.tables());
            v.limit = limit;
            v.number_limit = number_limit;
            v.number_ceiling = number_ceiling;
            v.set_window_seconds(window_seconds)?;
            let verdict =
                r.verify_online(&v, &principal, &verifier, &name, &number, parse_time(&now)?);
            VerdictJson::online(verdict)
        })
    }

    /// Verifies a scanned token against the registry; verdict JSON with the failed step.
    #[pyo3(signature = (token, ring, verifier, now, required_prefix=None, leeway_seconds=300, printed_number=None, holder_name=None))]
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
        printed_number: Option<String>,
        holder_name: Option<String>,
    ) -> PyResult<String> {
        let ring = Arc::clone(&ring.inner);
        self.with(py, move |r| {
            let verifier: Actor = parse("verifier", &verifier)?;
            let opts = scan_options(required_prefix, leeway_seconds, printed_number, holder_name)?;
            let ring = ring.read().map_err(|_| lock_err())?;
            let out = r.verify_token(&token, &ring, &verifier, parse_time(&now)?, &opts);
            VerdictJson::scanned(out)
        })
    }

    /// Issues the token of one section of authorization `number` (format `version`, 1 or 2),
    /// signed with the ring's active key; the key is recorded and a format-2 token points at
    /// the authorization's entry of the issuer's status list.
    #[pyo3(signature = (ring, number, section, now, prefix=String::new(), embed=false, version=1))]
    #[allow(clippy::too_many_arguments)]
    fn issue_token(
        &self,
        py: Python<'_>,
        ring: &NativeKeyRing,
        number: String,
        section: String,
        now: String,
        prefix: String,
        embed: bool,
        version: u8,
    ) -> PyResult<String> {
        let ring = Arc::clone(&ring.inner);
        self.with(py, move |r| {
            let number = VerificationNumber::parse(&number)?;
            let opts = IssueOptions {
                prefix,
                embed_disclosure: embed,
                version: token_version(version)?,
                status: None,
            };
            let ring = ring.read().map_err(|_| lock_err())?;
            r.issue_token(
                &ring,
                &number,
                parse_section(&section)?,
                &opts,
                parse_time(&now)?,
            )
        })
    }

    /// The keys that signed tokens of authorization `number`, with the first time each did:
    /// JSON `[[kid, instant], ...]`.
    fn signing_keys(&self, py: Python<'_>, number: String) -> PyResult<String> {
        self.with(py, move |r| {
            let n = VerificationNumber::parse(&number)?;
            let keys: Vec<(u32, chrono::DateTime<chrono::Utc>)> = r
                .signing_keys(&n)?
                .into_iter()
                .map(|(k, at)| (k.0, at))
                .collect();
            to_json(&keys)
        })
    }

    /// The issuer's status lists as of `now`, signed with the ring's active key, valid until
    /// `next_update`: JSON `[{"list", "text", "not_in_force"}, ...]`.
    fn status_lists(
        &self,
        py: Python<'_>,
        ring: &NativeKeyRing,
        now: String,
        next_update: String,
    ) -> PyResult<String> {
        let ring = Arc::clone(&ring.inner);
        self.with(py, move |r| {
            let ring = ring.read().map_err(|_| lock_err())?;
            let lists = r.status_lists(&ring, parse_time(&now)?, parse_time(&next_update)?)?;
            to_json(
                &lists
                    .into_iter()
                    .map(|l| PublishedListJson {
                        list: l.list,
                        text: l.text,
                        not_in_force: l.not_in_force,
                    })
                    .collect::<Vec<_>>(),
            )
        })
    }

    /// One registration as JSON, or `None`.
    fn find(&self, py: Python<'_>, id: String) -> PyResult<Option<String>> {
        self.with(py, move |r| opt_json(r.find(&id)?))
    }

    /// Every registration of an ID number, newest cohort first, as a JSON array of
    /// `{"cohort": {"graduation_year": …, "education_level": …}, "registration": {…}}`.
    fn find_by_id_number(&self, py: Python<'_>, id_number: String) -> PyResult<String> {
        self.with(py, move |r| {
            let found: Vec<serde_json::Value> = r
                .find_by_id_number(&id_number)?
                .iter()
                .map(|g| serde_json::json!({ "cohort": g.cohort(), "registration": g }))
                .collect();
            to_json(&found)
        })
    }

    /// The registration of an ID number in one cohort (graduation year, education level) as
    /// JSON, or `None`.
    fn find_by_id_number_in(
        &self,
        py: Python<'_>,
        id_number: String,
        graduation_year: i32,
        education_level: String,
    ) -> PyResult<Option<String>> {
        self.with(py, move |r| {
            opt_json(r.find_by_id_number_in(&id_number, graduation_year, &education_level)?)
        })
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

    /// The full export of the registrations matching a JSON query (every field, under the
    /// headers the importers read) as `csv` (UTF-8 with a BOM) or `xlsx` bytes, with the number
    /// of registrations written.
    fn export_records<'py>(
        &self,
        py: Python<'py>,
        query: String,
        now: String,
        format: String,
    ) -> PyResult<(u64, Bound<'py, PyBytes>)> {
        let (n, bytes) = self.with(py, move |r| {
            let q: Query = parse("query", &query)?;
            let now = parse_time(&now)?;
            let mut buf = Vec::new();
            let n = match format.as_str() {
                "csv" => r.export_records_csv(&q, now, &mut buf)?,
                "xlsx" => r.export_records_xlsx(&q, now, &mut buf)?,
                other => {
                    return Err(Error::InvalidArgument(format!(
                        "unknown export format {other:?} (csv or xlsx)"
                    )))
                }
            };
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
                out.push(AuditRecordJson {
                    seq: rec.seq,
                    entry: rec.entry()?,
                    hash: hex(&rec.hash),
                    prev_hash: hex(&rec.prev_hash),
                });
            }
            to_json(&out)
        })
    }

    /// Checks the audit chain and the stored registrations against it, and against `expected_head`
    /// (the text of `audit_head`) when given; JSON `{"records", "fault_seq"?, "fault"?,
    /// "row_faults", "unbound"}`.
    #[pyo3(signature = (expected_head=None))]
    fn check_audit(&self, py: Python<'_>, expected_head: Option<String>) -> PyResult<String> {
        self.with(py, move |r| {
            let report = match expected_head {
                Some(h) => r.check_audit_against(&gradreg::registry::ChainHead::parse(&h)?)?,
                None => r.check_audit()?,
            };
            to_json(&AuditReportJson {
                records: report.records,
                fault_seq: report.first_fault.map(|(seq, _)| seq),
                fault: report.first_fault.map(|(_, fault)| fault),
                row_faults: report.row_faults,
                unbound: report.unbound,
            })
        })
    }

    /// The head of the audit chain as portable text, `gradreg-audit-head:1:<seq>:<hex>`.
    fn audit_head(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |r| Ok(r.audit_head()?.to_string()))
    }

    /// Events after sequence number `after`, at most `limit`, as JSON `[[seq, event], ...]`.
    fn events_after(&self, py: Python<'_>, after: u64, limit: usize) -> PyResult<String> {
        self.with(py, move |r| to_json(&r.events_after(after, limit)?))
    }
}

/// Registers this module's function, class and constant.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("DEFAULT_FILE_NAME", gradreg::registry::DEFAULT_FILE_NAME)?;
    m.add_function(wrap_pyfunction!(database_path, m)?)?;
    m.add_class::<NativeRegistry>()
}

/// The arguments every import takes, as the Python layer passes them: file format and
/// encoding, mode name, actor JSON and RFC 3339 instant.
/// The one school (院校代码) the rows of a roster name ("" when none does); a roster of several
/// schools is an argument error.
fn roster_school(
    r: &gradreg::Registry,
    data: &[u8],
    format: &str,
    encoding: &str,
    limits: Option<&str>,
) -> Result<String, gradreg::Error> {
    let opts = roster_options(format, encoding, limits)?;
    let parsed = gradreg::roster::parse_roster_with(data, &opts, r.tables(), r.header_aliases())?;
    let schools: std::collections::BTreeSet<&str> = parsed
        .rows
        .iter()
        .map(|row| row.info.school_code.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    if schools.len() > 1 {
        return Err(gradreg::Error::InvalidArgument(format!(
            "a roster of {} schools ({}): pass the uploading actor",
            schools.len(),
            schools.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    let one = schools.into_iter().next().unwrap_or_default().to_string();
    Ok(one)
}

fn import_args(
    format: &str,
    encoding: &str,
    mode: &str,
    actor: &str,
    now: &str,
) -> Result<
    (
        gradreg::roster::RosterOptions,
        ImportMode,
        Actor,
        chrono::DateTime<chrono::Utc>,
    ),
    gradreg::Error,
> {
    Ok((
        roster_options(format, encoding, None)?,
        parse("import mode", &json!(mode).to_string())?,
        parse("actor", actor)?,
        parse_time(now)?,
    ))
}
