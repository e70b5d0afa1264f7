//! The registry: registrations, authorizations, the audit log and verification attempts behind a
//! [`Store`], with SQLite as the embedded default ([`Registry::open`]) and an in-memory store
//! for tests ([`Registry::in_memory`]).
//!
//! Commands go through [`Registry::apply`], which loads the registration, applies the pure state
//! machine and commits with a version check, retrying on a concurrent change: two writers never
//! lose an update.
//!
//! The registry's commands are here; batch uploads and roster imports are in `import`,
//! destination imports from the provincial platform in `import_destinations`, queries, reminders
//! and statistics in `query`, the work lists of a school's staff in `worklists`, notification
//! consumers (cursors over the outbox, sent reminders) in `notify`, the summary CSV export in
//! `export`, the full export (every field,
//! CSV or XLSX, read back by the importers) in `export_records`, and verification against the
//! store in `verify`.

pub mod at_rest;
mod export;
mod export_records;
mod import;
mod import_destinations;
mod notify;
mod path;
mod query;
pub mod store;
pub mod tokens;
mod verify;
pub mod view;
mod worklists;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod stored;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::lifecycle::{apply, Actor, Command, Context, Event, Outcome, Registration};
use crate::policy::Policy;
use crate::tables::CodeTables;

pub use at_rest::{DataKey, DataKeyRing};
#[cfg(feature = "xlsx")]
pub use export_records::write_records_xlsx;
pub use export_records::{record_cells, record_headers, write_records_csv};
pub use import::{ImportMode, ImportReport, UploadResult};
pub use import_destinations::{DestinationImportReport, RefusedRow};
pub use path::{database_path, DEFAULT_FILE_NAME};
pub use query::{Placement, Query, Statistics};
use store::cohort_index_key;
pub use store::{
    check_chain, check_chain_keyed, AuditKey, AuditRecord, ChainFault, ChainHead, ChainReport,
    Commit, Filter, MemoryStore, RowFault, RowProblem, Store, StoredRow, StoredView, Summary,
};
pub use worklists::{CannotLogIn, LoginReasonNote, PendingVoidRequest};

/// Cohorts and transfer numbers claimed by the commands of one batch so far.
#[derive(Default)]
pub(crate) struct Claims {
    cohorts: std::collections::HashMap<store::CohortIndexKey, String>,
    transfers: std::collections::HashMap<String, String>,
}

/// A summary with its instants cut to milliseconds, as the SQLite store keeps them.
fn to_millis(mut s: Summary) -> Summary {
    let cut = |t: Option<DateTime<Utc>>| {
        t.and_then(|t| DateTime::<Utc>::from_timestamp_millis(t.timestamp_millis()))
    };
    s.active_until = cut(s.active_until);
    s.awaiting_since = cut(s.awaiting_since);
    s.void_filed_at = cut(s.void_filed_at);
    s
}

/// How a registry file is opened ([`Registry::open_with`]).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct OpenOptions {
    /// The data keys that seal personal data at rest (see [`at_rest`]). `None`: the file must
    /// be one written without keys. With keys, a file written without them is encrypted in
    /// place as it opens (one transaction), and a file written with them opens only when the
    /// ring holds the key that sealed it.
    pub data_keys: Option<DataKeyRing>,
    /// The key of a keyed audit chain (HMAC-SHA256; see [`Registry::open_with_audit_key`]).
    pub audit_key: Option<AuditKey>,
}

impl OpenOptions {
    /// The defaults: no data keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens with these data keys.
    pub fn data_keys(mut self, ring: DataKeyRing) -> Self {
        self.data_keys = Some(ring);
        self
    }

    /// Opens with this audit key.
    pub fn audit_key(mut self, key: AuditKey) -> Self {
        self.audit_key = Some(key);
        self
    }
}

/// How many times [`Registry::apply`] retries after a concurrent change.
const MAX_RETRIES: usize = 16;

/// Waits before retry `attempt` (1, 2, …) after a concurrent change: a random time below
/// 50 µs × 2^attempt, at most 20 ms, so that writers racing on one registration (several
/// processes on one server, where nothing serialises them before the commit) spread out instead
/// of colliding again in step. Nothing waits on WebAssembly, which has no threads to race.
fn backoff(attempt: usize) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let ceiling_us = (50u64 << attempt.min(16)).min(20_000);
        let mut bytes = [0u8; 8];
        let random = match getrandom::fill(&mut bytes) {
            Ok(()) => u64::from_le_bytes(bytes),
            Err(_) => u64::from(std::process::id()) ^ attempt as u64,
        };
        std::thread::sleep(std::time::Duration::from_micros(random % ceiling_us));
    }
    #[cfg(target_arch = "wasm32")]
    let _ = attempt;
}

/// The registry.
pub struct Registry {
    store: Box<dyn Store>,
    policy: Policy,
    tables: Arc<CodeTables>,
    aliases: Arc<crate::roster::HeaderAliases>,
}

impl Registry {
    /// A registry over any store, with a policy and the built-in code tables.
    pub fn with_store(store: Box<dyn Store>, policy: Policy) -> Result<Self> {
        policy.check()?;
        Ok(Registry {
            store,
            policy,
            tables: Arc::new(CodeTables::builtin().clone()),
            aliases: Arc::new(crate::roster::HeaderAliases::builtin().clone()),
        })
    }

    /// A registry in memory.
    pub fn in_memory(policy: Policy) -> Result<Self> {
        Self::with_store(Box::new(MemoryStore::new()), policy)
    }

    /// Opens (creating when absent) a registry kept in SQLite at `path`: a database file, or a
    /// folder, which holds the registry as [`DEFAULT_FILE_NAME`] (see [`database_path`]).
    #[cfg(feature = "sqlite")]
    pub fn open(path: impl AsRef<std::path::Path>, policy: Policy) -> Result<Self> {
        let file = database_path(path.as_ref())?;
        Self::with_store(Box::new(sqlite::SqliteStore::open(file)?), policy)
    }

    /// A registry in memory whose audit chain is keyed with `key` (HMAC-SHA256).
    pub fn in_memory_with_audit_key(policy: Policy, key: AuditKey) -> Result<Self> {
        Self::with_store(Box::new(MemoryStore::with_audit_key(key)), policy)
    }

    /// Like [`Registry::open`], for a registry whose audit chain is keyed with `key`
    /// (HMAC-SHA256 over every record, so that nobody without the key can edit the store and
    /// recompute the chain). A new registry (or one whose audit log is still empty) is keyed for
    /// good; a keyed registry opens only with its key, and a registry started without a key
    /// refuses one ([`Error::AuditKey`], 515).
    #[cfg(feature = "sqlite")]
    pub fn open_with_audit_key(
        path: impl AsRef<std::path::Path>,
        policy: Policy,
        key: AuditKey,
    ) -> Result<Self> {
        Self::open_with(path, policy, &OpenOptions::new().audit_key(key))
    }

    /// Like [`Registry::open`], with options: the data keys that seal personal data at rest,
    /// and the key of a keyed audit chain.
    /// A file encrypted with data keys and opened without them is [`Error::DataKeyMissing`];
    /// opened with a ring that lacks its key, [`Error::DataKeyWrong`].
    #[cfg(feature = "sqlite")]
    pub fn open_with(
        path: impl AsRef<std::path::Path>,
        policy: Policy,
        options: &OpenOptions,
    ) -> Result<Self> {
        let file = database_path(path.as_ref())?;
        let store = sqlite::SqliteStore::open_with_options(
            file,
            sqlite::DEFAULT_BUSY_TIMEOUT,
            options.audit_key.clone(),
            options.data_keys.clone(),
        )?;
        Self::with_store(Box::new(store), policy)
    }

    /// Opens the registry a store URL names, with options:
    ///
    /// - `memory:` — a registry in memory (gone when dropped);
    /// - `sqlite:PATH`, `sqlite://PATH` or a plain path — SQLite, as [`Registry::open_with`];
    /// - `postgres://…` or `postgresql://…` — a PostgreSQL server (feature `postgres`), in the
    ///   connection-string form of libpq (`postgres://user:password@host:port/database?…`).
    ///
    /// The same code runs on every store; only the URL changes. An unknown scheme, or a scheme
    /// whose store this build leaves out, is [`Error::InvalidArgument`] (103).
    pub fn open_url(url: &str, policy: Policy, options: &OpenOptions) -> Result<Self> {
        match StoreUrl::parse(url)? {
            StoreUrl::Memory => {
                if options.data_keys.is_some() {
                    return Err(Error::InvalidArgument(
                        "store URL: data keys seal what a store writes to disk; memory: keeps nothing"
                            .into(),
                    ));
                }
                match &options.audit_key {
                    Some(key) => Self::in_memory_with_audit_key(policy, key.clone()),
                    None => Self::in_memory(policy),
                }
            }
            #[cfg(feature = "sqlite")]
            StoreUrl::Sqlite(path) => Self::open_with(path, policy, options),
            #[cfg(not(feature = "sqlite"))]
            StoreUrl::Sqlite(_) => Err(Error::InvalidArgument(
                "store URL: this build has no SQLite store (feature `sqlite`)".into(),
            )),
            #[cfg(feature = "postgres")]
            StoreUrl::Postgres(url) => {
                let store = postgres::PostgresStore::connect(
                    &url,
                    postgres::PostgresOptions::new()
                        .audit_key(options.audit_key.clone())
                        .data_keys(options.data_keys.clone()),
                )?;
                Self::with_store(Box::new(store), policy)
            }
            #[cfg(not(feature = "postgres"))]
            StoreUrl::Postgres(_) => Err(Error::InvalidArgument(
                "store URL: this build has no PostgreSQL store (feature `postgres`)".into(),
            )),
        }
    }

    /// Re-seals every sealed value not yet sealed by the newest data key, in transactions of at
    /// most `batch_size` rows per table, and returns how many values were re-sealed. An
    /// interruption loses nothing: each batch commits whole, and the older keys still open the
    /// rest; calling again carries on. Once it returns, the older keys can be dropped from the
    /// ring. A registry without data keys has nothing to re-seal (0).
    pub fn rotate_data_key(&self, batch_size: usize) -> Result<u64> {
        let mut total = 0;
        loop {
            let n = self.store.reseal_step(batch_size.max(1))?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// One batch of [`Registry::rotate_data_key`]: re-seals at most `batch_size` rows of each
    /// table in one transaction and returns how many values it re-sealed (0 when none is left).
    /// For hosts that spread a rotation over time.
    pub fn rotate_data_key_step(&self, batch_size: usize) -> Result<u64> {
        self.store.reseal_step(batch_size.max(1))
    }

    /// Replaces the code tables (for a deployment's own tables).
    pub fn set_tables(&mut self, tables: CodeTables) {
        self.tables = Arc::new(tables);
    }

    /// The code tables in use.
    pub fn tables(&self) -> &CodeTables {
        &self.tables
    }

    /// Adds rows to one code table of this registry (or, with `replace`, replaces the table),
    /// from `code<TAB>name[<TAB>category]` lines as [`CodeTables::load_tsv`] reads them. An
    /// error leaves the tables as they were.
    pub fn load_table(
        &mut self,
        table: crate::tables::Table,
        tsv: &str,
        replace: bool,
    ) -> Result<()> {
        let mut next = (*self.tables).clone();
        next.load_tsv(table, tsv, replace)?;
        self.tables = Arc::new(next);
        Ok(())
    }

    /// The roster header table this registry's imports use (the built-in one unless changed).
    pub fn header_aliases(&self) -> &crate::roster::HeaderAliases {
        &self.aliases
    }

    /// Replaces the roster header table.
    pub fn set_header_aliases(&mut self, aliases: crate::roster::HeaderAliases) {
        self.aliases = Arc::new(aliases);
    }

    /// Adds roster headers from `header<TAB>field[<TAB>name]` lines (see
    /// [`HeaderAliases::load_tsv`](crate::roster::HeaderAliases::load_tsv)); an error names the
    /// line and leaves the table as it was.
    pub fn add_header_aliases(&mut self, tsv: &str) -> Result<()> {
        let mut next = (*self.aliases).clone();
        next.load_tsv(tsv)?;
        self.aliases = Arc::new(next);
        Ok(())
    }

    /// Adds roster headers from a file an office keeps (the format of
    /// [`add_header_aliases`](Self::add_header_aliases)); an unreadable file is an
    /// [`Error::RosterIo`].
    pub fn load_header_aliases_file(&mut self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let mut next = (*self.aliases).clone();
        next.load_file(path.as_ref())?;
        self.aliases = Arc::new(next);
        Ok(())
    }

    /// The policy in use.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// One registration.
    pub fn get(&self, id: &str) -> Result<Registration> {
        self.store
            .load(id)?
            .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// One registration, if present.
    pub fn find(&self, id: &str) -> Result<Option<Registration>> {
        self.store.load(id)
    }

    /// Every registration of an ID number (any case), one per cohort, newest cohort first (by
    /// graduation year descending; within one year by education level code descending, then by
    /// key); [`Registration::cohort`] says which each is.
    /// Past cohorts are kept, so a graduate with a bachelor's degree in 2024 and a master's in
    /// 2026 has two.
    pub fn find_by_id_number(&self, id_number: &str) -> Result<Vec<Registration>> {
        let mut out = Vec::new();
        for id in self.store.find_by_id_number(id_number)? {
            if let Some(reg) = self.store.load(&id)? {
                out.push(reg);
            }
        }
        out.sort_by(|a, b| b.cohort().cmp(&a.cohort()).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// The registration of an ID number in one cohort: graduation year and education level
    /// (学历代码).
    pub fn find_by_id_number_in(
        &self,
        id_number: &str,
        graduation_year: i32,
        education_level: &str,
    ) -> Result<Option<Registration>> {
        let want = (
            id_number.to_ascii_uppercase(),
            graduation_year,
            education_level,
        );
        for id in self.store.find_by_id_number(id_number)? {
            if let Some(reg) = self.store.load(&id)? {
                if cohort_index_key(&reg).is_some_and(|k| (k.0, k.1, k.2.as_str()) == want) {
                    return Ok(Some(reg));
                }
            }
        }
        Ok(None)
    }

    /// Whether `next` (the new state of `previous`) would claim a cohort or a transfer number
    /// held by another registration, in the store or earlier in the same batch (`claims`). The
    /// inner `Err` is the refusal ([`Error::DuplicateIdNumber`],
    /// [`Error::DuplicateTransferNumber`]); otherwise the claims are recorded in `claims`.
    pub(crate) fn check_claims(
        &self,
        previous: &Registration,
        next: &Registration,
        claims: &mut Claims,
    ) -> Result<std::result::Result<(), Error>> {
        let key = cohort_index_key(next);
        if let Some(key) = key
            .as_ref()
            .filter(|k| cohort_index_key(previous).as_ref() != Some(*k))
        {
            let mut other = claims.cohorts.get(key).cloned();
            if other.is_none() {
                for id in self.store.find_by_id_number(&key.0)? {
                    if id != next.id
                        && self
                            .store
                            .load(&id)?
                            .is_some_and(|r| cohort_index_key(&r).as_ref() == Some(key))
                    {
                        other = Some(id);
                        break;
                    }
                }
            }
            if let Some(other) = other.filter(|o| o != &next.id) {
                return Ok(Err(Error::DuplicateIdNumber { other }));
            }
        }
        let transfer = store::transfer_number_of(next);
        if let Some(t) = transfer.filter(|t| store::transfer_number_of(previous) != Some(*t)) {
            let holder = match claims.transfers.get(t.as_compact()) {
                Some(h) => Some(h.clone()),
                None => self.store.find_by_number(t.as_compact())?,
            };
            if let Some(holder) = holder.filter(|h| h != &next.id) {
                return Ok(Err(Error::DuplicateTransferNumber {
                    number: t.to_string(),
                    holder,
                }));
            }
        }
        if let Some(key) = key {
            claims.cohorts.insert(key, next.id.clone());
        }
        if let Some(t) = transfer {
            claims
                .transfers
                .insert(t.as_compact().to_string(), next.id.clone());
        }
        Ok(Ok(()))
    }

    /// The registration holding an authorization with this verification number.
    pub fn find_by_number(
        &self,
        number: &crate::codes::VerificationNumber,
    ) -> Result<Option<Registration>> {
        match self.store.find_by_number(number.as_compact())? {
            Some(id) => self.store.load(&id),
            None => Ok(None),
        }
    }

    fn context(&self, now: DateTime<Utc>) -> Result<Context<'_>> {
        Ok(Context {
            now,
            policy: &self.policy,
            tables: &self.tables,
            entropy: Context::os_entropy()?,
        })
    }

    /// Applies a command to registration `id` at `now` and commits it. A registration that does
    /// not exist yet is created by the command (only an upload of basic information can succeed
    /// on an empty one). On a concurrent change the command is applied again to the new state,
    /// up to 16 times after a short random wait that grows with each try (at most 20 ms); a
    /// refusal by the state machine is returned as it is.
    pub fn apply(
        &self,
        id: &str,
        actor: &Actor,
        command: &Command,
        now: DateTime<Utc>,
    ) -> Result<Outcome> {
        let ctx = self.context(now)?;
        let mut result = None;
        self.store.write_turn(id, &mut || {
            result = Some(self.apply_tries(id, actor, command, &ctx));
            Ok(())
        })?;
        result.unwrap_or_else(|| Err(Error::Storage("the write turn ran nothing".into())))
    }

    /// [`Registry::apply`]'s tries: load, apply, commit; again after a concurrent change.
    fn apply_tries(
        &self,
        id: &str,
        actor: &Actor,
        command: &Command,
        ctx: &Context,
    ) -> Result<Outcome> {
        let mut last = None;
        for attempt in 0..MAX_RETRIES {
            if attempt > 0 {
                backoff(attempt);
            }
            let current = self
                .store
                .load(id)?
                .unwrap_or_else(|| Registration::new(id));
            let out = apply(&current, actor, command, ctx)?;
            if !out.changed() {
                return Ok(out);
            }
            match self.store.commit(&[Commit {
                expected_version: current.version,
                outcome: &out,
            }]) {
                Ok(()) => return Ok(out),
                Err(e @ Error::Conflict { .. }) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::Storage("retries exhausted".into())))
    }

    /// Commits outcomes, each with the version it started from, in one transaction.
    fn commit_outcomes(&self, outcomes: &[(u64, Outcome)]) -> Result<()> {
        let commits: Vec<Commit<'_>> = outcomes
            .iter()
            .map(|(v, out)| Commit {
                expected_version: *v,
                outcome: out,
            })
            .collect();
        self.store.commit(&commits)
    }

    /// Applies many commands at `now` in one transaction, in order (later commands on the same
    /// registration see the earlier ones). Each command's result is returned in place; refused
    /// commands are left out and the rest commit together. A command whose result would claim a
    /// transfer number or a cohort (ID number, graduation year, education level) held by another
    /// registration, stored or earlier in the batch, is refused with
    /// [`Error::DuplicateTransferNumber`] or [`Error::DuplicateIdNumber`].
    pub fn apply_batch(
        &self,
        commands: &[(String, Actor, Command)],
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Outcome>>> {
        let checked: Vec<(String, Option<u64>, Actor, Command)> = commands
            .iter()
            .map(|(id, actor, command)| (id.clone(), None, actor.clone(), command.clone()))
            .collect();
        self.apply_batch_at_versions(&checked, now)
    }

    /// [`apply_batch`](Self::apply_batch) where a command may carry the version its sender
    /// read: a command whose registration is not at that version when its turn comes (counting
    /// the batch's earlier commands) is refused with [`Error::Conflict`] and the rest go on, so
    /// that two offices correcting the same record from one version never both succeed.
    pub fn apply_batch_at_versions(
        &self,
        commands: &[(String, Option<u64>, Actor, Command)],
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Outcome>>> {
        let mut ctx = self.context(now)?;
        let mut working: std::collections::HashMap<&str, (u64, Registration)> =
            std::collections::HashMap::new();
        let mut results = Vec::with_capacity(commands.len());
        let mut outcomes: Vec<(u64, Outcome)> = Vec::new();
        let mut claims = Claims::default();
        for (id, expected, actor, command) in commands {
            if !working.contains_key(id.as_str()) {
                let current = self
                    .store
                    .load(id)?
                    .unwrap_or_else(|| Registration::new(id.as_str()));
                working.insert(id, (current.version, current));
            }
            let Some((stored_version, current)) = working.get_mut(id.as_str()) else {
                continue;
            };
            if let Some(expected) = expected.filter(|v| *v != current.version) {
                results.push(Err(Error::Conflict {
                    id: id.clone(),
                    expected,
                    found: current.version,
                }));
                continue;
            }
            ctx.entropy = Context::os_entropy()?;
            match apply(current, actor, command, &ctx) {
                Ok(out) if out.changed() => {
                    if let Err(e) = self.check_claims(current, &out.registration, &mut claims)? {
                        results.push(Err(e));
                        continue;
                    }
                    *current = out.registration.clone();
                    outcomes.push((*stored_version, out.clone()));
                    // Later commits of this registration start from this one's version.
                    *stored_version = out.registration.version;
                    results.push(Ok(out));
                }
                Ok(out) => results.push(Ok(out)),
                Err(e) => results.push(Err(e)),
            }
        }
        self.commit_outcomes(&outcomes)?;
        Ok(results)
    }

    /// Applies a command only if the registration is still at `expected_version` (no retry):
    /// for callers that showed a user a particular version.
    pub fn apply_at_version(
        &self,
        id: &str,
        expected_version: u64,
        actor: &Actor,
        command: &Command,
        now: DateTime<Utc>,
    ) -> Result<Outcome> {
        let ctx = self.context(now)?;
        let current = self
            .store
            .load(id)?
            .unwrap_or_else(|| Registration::new(id));
        if current.version != expected_version {
            return Err(Error::Conflict {
                id: id.to_string(),
                expected: expected_version,
                found: current.version,
            });
        }
        let out = apply(&current, actor, command, &ctx)?;
        if out.changed() {
            self.store.commit(&[Commit {
                expected_version,
                outcome: &out,
            }])?;
        }
        Ok(out)
    }

    /// The audit records of one registration (or all), oldest first.
    pub fn audit(&self, registration_id: Option<&str>) -> Result<Vec<AuditRecord>> {
        self.store.audit(registration_id)
    }

    /// Checks the whole audit chain and names the first edited, removed or reordered record
    /// (under the registry's audit key when it is keyed), then every stored registration against
    /// the record that wrote it and the number index against the registrations: an edited or
    /// rolled-back registration, a deleted one, one without a record, and a number missing from
    /// or stray in the index are each a [`RowProblem`]. Registrations last written before they
    /// were bound to the log are counted in [`ChainReport::unbound`].
    ///
    /// A report that is not intact marks the store damaged: writes through this registry are
    /// refused from then on ([`Error::WritesRefused`], 516).
    pub fn check_audit(&self) -> Result<ChainReport> {
        let head = self.store.audit_head()?;
        let key = self.store.audit_key();
        let records = self.store.audit_for_check()?;
        // The newest record of each registration, with the registration hash it bound.
        let mut latest: std::collections::HashMap<String, (u64, Option<[u8; 32]>)> =
            std::collections::HashMap::new();
        // The hash of each registration's newest record, which its verification view is bound to.
        let mut latest_hash: std::collections::HashMap<String, [u8; 32]> =
            std::collections::HashMap::new();
        for r in &records {
            if let Ok(e) = r.entry() {
                latest_hash.insert(e.registration_id.clone(), r.hash);
                latest.insert(e.registration_id, (r.seq, r.registration_hash));
            }
        }
        let mut report = store::check_chain_keyed(records, head, key.as_ref());
        let mut rows = Vec::new();
        let mut unbound = 0u64;
        let mut seen = std::collections::HashSet::new();
        let mut holders = std::collections::BTreeMap::new();
        // The digest of the verification view each stored registration should have.
        let mut expected_views: std::collections::HashMap<String, [u8; 32]> =
            std::collections::HashMap::new();
        let mut summaries: std::collections::HashMap<String, Summary> = self
            .store
            .summaries(&Filter::default())?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect();
        self.store.stored_rows(&mut |row| {
            let mut fault = match (row.audit_seq, latest.get(&row.id)) {
                (_, None) => Some(RowFault::Unrecorded),
                (None, Some((_, None))) => {
                    unbound += 1;
                    None
                }
                (None, Some((_, Some(_)))) => Some(RowFault::Tampered),
                (Some(seq), Some((newest, rh))) => (seq != *newest
                    || *rh != Some(store::registration_hash(&row.data)))
                .then_some(RowFault::Tampered),
            };
            match serde_json::from_str::<Registration>(&row.data) {
                Ok(reg) => {
                    if let Some(v) = view::view_of(&reg) {
                        expected_views.insert(
                            reg.id.clone(),
                            <sha2::Sha256 as sha2::Digest>::digest(&v).into(),
                        );
                    }
                    for n in store::indexed_numbers(&reg) {
                        holders.insert(n, reg.id.clone());
                    }
                    // The summary's stage depends on the instant it was written at; every other
                    // column follows from the registration alone. Rows written before binding
                    // keep the summary an older release computed, and are not compared.
                    let stored = summaries
                        .remove(&reg.id)
                        .filter(|_| row.audit_seq.is_some());
                    if let Some(stored) = stored {
                        let mut expected = Summary::of(&reg, reg.updated_at.unwrap_or_default());
                        expected.stage = stored.stage;
                        if fault.is_none() && to_millis(expected) != to_millis(stored) {
                            fault = Some(RowFault::SummaryMismatch);
                        }
                    }
                }
                Err(_) => fault = Some(RowFault::Tampered),
            }
            if let Some(fault) = fault {
                rows.push(RowProblem {
                    registration_id: row.id.clone(),
                    fault,
                    number: None,
                });
            }
            seen.insert(row.id);
            Ok(())
        })?;
        // Every verification view: bound to its registration's newest record, its MAC right,
        // and equal to the view of the stored registration (so that a view edited together with
        // a recomputed MAC of an unkeyed chain is still found); every registration with an
        // authorization has one.
        let mut view_faults = std::collections::BTreeSet::new();
        let keeps_views = self.store.stored_views(&mut |v| {
            let newest = latest.get(&v.id).map(|(seq, _)| *seq);
            let bound = newest == Some(v.audit_seq)
                && latest_hash
                    .get(&v.id)
                    .is_some_and(|h| view::view_mac(key.as_ref(), h, &v.view)[..] == v.mac[..]);
            let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&v.view).into();
            let same = expected_views.remove(&v.id) == Some(digest);
            if !(bound && same) {
                view_faults.insert(v.id);
            }
            Ok(())
        })?;
        if keeps_views {
            view_faults.extend(expected_views.into_keys());
        }
        for id in view_faults {
            if !rows.iter().any(|p: &RowProblem| p.registration_id == id) {
                rows.push(RowProblem {
                    registration_id: id,
                    fault: RowFault::Tampered,
                    number: None,
                });
            }
        }
        let mut missing: Vec<&String> = latest.keys().filter(|id| !seen.contains(*id)).collect();
        missing.sort();
        for id in missing {
            rows.push(RowProblem {
                registration_id: id.clone(),
                fault: RowFault::Missing,
                number: None,
            });
        }
        let index: std::collections::BTreeMap<String, String> =
            self.store.number_index()?.into_iter().collect();
        for (n, id) in &holders {
            if index.get(n) != Some(id) {
                rows.push(RowProblem {
                    registration_id: id.clone(),
                    fault: RowFault::NumberMissing,
                    number: Some(n.clone()),
                });
            }
        }
        for (n, id) in &index {
            if !holders.contains_key(n) {
                rows.push(RowProblem {
                    registration_id: id.clone(),
                    fault: RowFault::NumberStray,
                    number: Some(n.clone()),
                });
            }
        }
        report.row_faults = rows;
        report.unbound = unbound;
        if !report.intact() {
            self.store.mark_damaged();
        }
        Ok(report)
    }

    /// The head of the audit chain (its last record's sequence number and hash), to keep outside
    /// the registry file — in another system, a log, on paper — as `head.to_string()`, and to
    /// check the registry against later with [`Registry::check_audit_against`].
    pub fn audit_head(&self) -> Result<ChainHead> {
        self.store.audit_head()
    }

    /// [`Registry::check_audit`], and the log against a head the host kept
    /// ([`Registry::audit_head`]): a log shorter than the head is
    /// [`ChainFault::Truncated`]; a record at the head's position with another hash is
    /// [`ChainFault::Diverged`] (the log was rewritten and its chain recomputed, or the stored
    /// head moved back). A head from another registry diverges too.
    pub fn check_audit_against(&self, expected: &ChainHead) -> Result<ChainReport> {
        let mut report = self.check_audit()?;
        if expected.seq == 0 {
            return Ok(report);
        }
        let records = self.store.audit(None)?;
        let last = records.last().map_or(0, |r| r.seq);
        let anchor = match records.iter().find(|r| r.seq == expected.seq) {
            None => Some((last.min(expected.seq - 1) + 1, ChainFault::Truncated)),
            Some(r) if r.hash != expected.hash => Some((expected.seq, ChainFault::Diverged)),
            Some(_) => None,
        };
        if let Some((seq, fault)) = anchor {
            if report.first_fault.is_none_or(|(s, _)| seq < s) {
                report.first_fault = Some((seq, fault));
            }
            self.store.mark_damaged();
        }
        Ok(report)
    }

    /// Events (the notification outbox) after sequence number `after`. For consumers that keep
    /// their place in the registry, see [`Registry::pending_events`].
    pub fn events_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Event)>> {
        Ok(self
            .store
            .events_after(after, limit)?
            .into_iter()
            .map(notify::with_legacy_id)
            .collect())
    }
}

/// A store URL, parsed ([`Registry::open_url`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreUrl {
    /// `memory:`.
    Memory,
    /// `sqlite:PATH`, `sqlite://PATH` or a plain path: the path.
    Sqlite(std::path::PathBuf),
    /// `postgres://…` or `postgresql://…`: the whole URL, as libpq reads it.
    Postgres(String),
}

impl StoreUrl {
    /// Parses a store URL. A string without a scheme is a path to a SQLite file or folder; an
    /// empty string, a NUL, or an unknown scheme (`mysql://…`) is [`Error::InvalidArgument`].
    pub fn parse(url: &str) -> Result<StoreUrl> {
        if url.is_empty() {
            return Err(Error::InvalidArgument("store URL: empty".into()));
        }
        if url.contains('\0') {
            return Err(Error::InvalidArgument("store URL: contains NUL".into()));
        }
        if url == "memory:" || url == "memory://" {
            return Ok(StoreUrl::Memory);
        }
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err(Error::InvalidArgument(
                    "store URL: sqlite: without a path".into(),
                ));
            }
            return Ok(StoreUrl::Sqlite(rest.into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(StoreUrl::Postgres(url.to_string()));
        }
        // A scheme is letters, digits, `+`, `-`, `.` before `://`; a path may hold a colon.
        if let Some((scheme, _)) = url.split_once("://") {
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            {
                return Err(Error::InvalidArgument(format!(
                    "store URL: unknown scheme {scheme:?} (memory:, sqlite:PATH, postgres://…)"
                )));
            }
        }
        Ok(StoreUrl::Sqlite(url.into()))
    }
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn store_urls_parse_by_scheme() {
        assert_eq!(StoreUrl::parse("memory:").unwrap(), StoreUrl::Memory);
        assert_eq!(
            StoreUrl::parse("sqlite:/tmp/a.db").unwrap(),
            StoreUrl::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            StoreUrl::parse("sqlite:///tmp/a.db").unwrap(),
            StoreUrl::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            StoreUrl::parse("registry").unwrap(),
            StoreUrl::Sqlite("registry".into())
        );
        assert_eq!(
            StoreUrl::parse("C:/data/a.db").unwrap(),
            StoreUrl::Sqlite("C:/data/a.db".into())
        );
        assert_eq!(
            StoreUrl::parse("postgresql://u@h/db").unwrap(),
            StoreUrl::Postgres("postgresql://u@h/db".into())
        );
        for bad in ["", "mysql://h/db", "sqlite:", "a\0b"] {
            let err = StoreUrl::parse(bad).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidArgument, "{bad:?}");
        }
    }

    #[test]
    fn open_url_opens_memory_and_sqlite() {
        let policy = Policy::national();
        let reg = Registry::open_url("memory:", policy.clone(), &OpenOptions::new()).unwrap();
        assert_eq!(reg.store().count().unwrap(), 0);
        let keys = DataKeyRing::new(vec![DataKey::new(1, [7; 32]).unwrap()]).unwrap();
        let err = Registry::open_url(
            "memory:",
            policy.clone(),
            &OpenOptions::new().data_keys(keys),
        )
        .err()
        .unwrap();
        assert_eq!(err.code(), crate::ErrorCode::InvalidArgument);
        #[cfg(feature = "sqlite")]
        {
            let dir = std::env::temp_dir().join(format!("gradreg-url-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite:{}", dir.join("r.db").display());
            let reg = Registry::open_url(&url, policy, &OpenOptions::new()).unwrap();
            assert_eq!(reg.store().count().unwrap(), 0);
            assert!(dir.join("r.db").exists());
            drop(reg);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
