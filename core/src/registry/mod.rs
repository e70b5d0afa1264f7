//! The registry: registrations, authorizations, the audit log and verification attempts behind a
//! [`Store`], with SQLite as the embedded default ([`Registry::open`]) and an in-memory store
//! for tests ([`Registry::in_memory`]).
//!
//! Commands go through [`Registry::apply`], which loads the registration, applies the pure state
//! machine and commits with a version check, retrying on a concurrent change: two writers never
//! lose an update.

mod path;
pub mod store;

#[cfg(feature = "sqlite")]
pub mod sqlite;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lifecycle::{apply, Actor, Command, Context, Event, Outcome, Registration, Stage};
use crate::policy::Policy;
use crate::reminders::{reminders_for, Reminder, ReminderOptions};
use crate::tables::{CodeTables, Table};

pub use path::{database_path, DEFAULT_FILE_NAME};
pub use store::{
    check_chain, AuditRecord, ChainFault, ChainHead, ChainReport, Commit, Filter, MemoryStore,
    Store, Summary,
};

/// How many times [`Registry::apply`] retries after a concurrent change.
const MAX_RETRIES: usize = 16;

/// A query over registrations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Query {
    /// Only these stages (any when empty).
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// Only this college.
    #[serde(default)]
    pub college: Option<String>,
    /// Only this major code.
    #[serde(default)]
    pub major_code: Option<String>,
    /// Only late (or only not late) registrations.
    #[serde(default)]
    pub late: Option<bool>,
    /// Only registrations whose destination has awaited confirmation for at least this many days
    /// ("stuck").
    #[serde(default)]
    pub awaiting_confirmation_days: Option<i64>,
}

/// Placement (落实率) of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Placement {
    /// College name or major code and name.
    pub key: String,
    /// Graduates with basic information.
    pub graduates: u64,
    /// Graduates with a reported destination.
    pub reported: u64,
    /// Graduates whose reported destination counts as placed.
    pub placed: u64,
    /// `placed / graduates` (0 when there are none).
    pub rate: f64,
}

impl Placement {
    fn new(key: String) -> Self {
        Placement {
            key,
            graduates: 0,
            reported: 0,
            placed: 0,
            rate: 0.0,
        }
    }

    fn add(&mut self, reported: bool, placed: bool) {
        self.graduates += 1;
        self.reported += u64::from(reported);
        self.placed += u64::from(placed);
    }

    fn finish(mut self) -> Self {
        self.rate = if self.graduates == 0 {
            0.0
        } else {
            self.placed as f64 / self.graduates as f64
        };
        self
    }
}

/// What happened to one record of a batch upload.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadResult {
    /// A new registration was created.
    Created,
    /// An existing registration's basic information was corrected.
    Corrected,
    /// The record was already there, identical.
    Unchanged,
    /// The record was refused.
    Refused {
        /// Why.
        error: Error,
    },
}

/// How a roster import treats bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Any problem in the file imports nothing.
    #[default]
    AllOrNothing,
    /// Rows without problems are imported; the others are reported.
    GoodRows,
}

/// What a roster import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ImportReport {
    /// `csv` or `xlsx`.
    pub format: String,
    /// The encoding read (`utf-8`, `utf-8-bom`, `gb18030`, `xlsx`).
    pub encoding: String,
    /// Data rows read.
    pub rows: usize,
    /// New registrations.
    pub created: usize,
    /// Registrations whose basic information changed (a correction).
    pub corrected: usize,
    /// Rows identical to what the registry holds.
    pub unchanged: usize,
    /// Rows not imported (bad, refused, or everything under all-or-nothing with a problem).
    pub rejected: usize,
    /// Every problem, by row and column.
    pub problems: Vec<crate::roster::CellProblem>,
}

/// Rows per transaction of a good-rows import: a crash loses at most the batch in flight.
const IMPORT_BATCH: usize = 20_000;

/// Statistics of the whole registry at an instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Statistics {
    /// Registrations.
    pub total: u64,
    /// Count per stage.
    pub by_stage: BTreeMap<Stage, u64>,
    /// Count per reported destination code (most specific code).
    pub by_destination: BTreeMap<String, u64>,
    /// Reports made after the registration deadline.
    pub late: u64,
    /// Placement over everyone.
    pub overall: Placement,
    /// Placement per college.
    pub by_college: Vec<Placement>,
    /// Placement per major (`code name`).
    pub by_major: Vec<Placement>,
}

/// The registry.
pub struct Registry {
    store: Box<dyn Store>,
    policy: Policy,
    tables: Arc<CodeTables>,
}

impl Registry {
    /// A registry over any store, with a policy and the built-in code tables.
    pub fn with_store(store: Box<dyn Store>, policy: Policy) -> Result<Self> {
        policy.check()?;
        Ok(Registry {
            store,
            policy,
            tables: Arc::new(CodeTables::builtin().clone()),
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

    /// Replaces the code tables (for a deployment's own tables).
    pub fn set_tables(&mut self, tables: CodeTables) {
        self.tables = Arc::new(tables);
    }

    /// The code tables in use.
    pub fn tables(&self) -> &CodeTables {
        &self.tables
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

    /// The registration of an ID number.
    pub fn find_by_id_number(&self, id_number: &str) -> Result<Option<Registration>> {
        match self.store.find_by_id_number(id_number)? {
            Some(id) => self.store.load(&id),
            None => Ok(None),
        }
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
    /// up to 16 times; a refusal by the state machine is returned as it is.
    pub fn apply(
        &self,
        id: &str,
        actor: &Actor,
        command: &Command,
        now: DateTime<Utc>,
    ) -> Result<Outcome> {
        let ctx = self.context(now)?;
        let mut last = None;
        for _ in 0..MAX_RETRIES {
            let current = self
                .store
                .load(id)?
                .unwrap_or_else(|| Registration::new(id));
            let out = apply(&current, actor, command, &ctx)?;
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

    /// Uploads many basic-information records (key, record) at `now` by `actor` in one
    /// transaction: a new key creates a registration, a changed record is a correction, an
    /// identical one changes nothing. Records the state machine refuses (invalid, wrong
    /// college, an ID number already used by another key, a key given twice) are reported and
    /// left out; with `all_or_nothing`, any refusal leaves the store untouched.
    pub fn upload_batch(
        &self,
        records: &[(String, Arc<crate::records::BasicInfo>)],
        actor: &Actor,
        now: DateTime<Utc>,
        all_or_nothing: bool,
    ) -> Result<Vec<UploadResult>> {
        let ctx = self.context(now)?;
        let mut results = Vec::with_capacity(records.len());
        let mut outcomes = Vec::with_capacity(records.len());
        let mut keys = std::collections::HashMap::new();
        let mut id_numbers = std::collections::HashMap::new();
        for (i, (key, info)) in records.iter().enumerate() {
            if let Some(first) = keys.insert(key.as_str(), i) {
                results.push(UploadResult::Refused {
                    error: Error::InvalidArgument(format!(
                        "key {key} appears twice (first at record {})",
                        first + 1
                    )),
                });
                continue;
            }
            let idn = info.id_number.to_ascii_uppercase();
            if let Some(other) = id_numbers.insert(idn.clone(), key.clone()) {
                results.push(UploadResult::Refused {
                    error: Error::DuplicateIdNumber { other },
                });
                continue;
            }
            if let Some(other) = self.store.find_by_id_number(&idn)?.filter(|o| o != key) {
                results.push(UploadResult::Refused {
                    error: Error::DuplicateIdNumber { other },
                });
                continue;
            }
            let current = self
                .store
                .load(key)?
                .unwrap_or_else(|| Registration::new(key.as_str()));
            let existed = current.basic.is_some();
            let command = if existed {
                Command::CorrectBasicInfo {
                    info: Arc::clone(info),
                }
            } else {
                Command::UploadBasicInfo {
                    info: Arc::clone(info),
                }
            };
            match apply(&current, actor, &command, &ctx) {
                Ok(out) if !out.changed() => results.push(UploadResult::Unchanged),
                Ok(out) => {
                    results.push(if existed {
                        UploadResult::Corrected
                    } else {
                        UploadResult::Created
                    });
                    outcomes.push((current.version, out));
                }
                Err(error) => results.push(UploadResult::Refused { error }),
            }
        }
        let refused = results
            .iter()
            .any(|r| matches!(r, UploadResult::Refused { .. }));
        if all_or_nothing && refused {
            return Ok(results);
        }
        self.commit_outcomes(&outcomes)?;
        Ok(results)
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

    /// Imports a roster (CSV in UTF-8, UTF-8 with BOM or GB18030/GBK, or XLSX) uploaded by
    /// `actor`: every record becomes a registration keyed `school_code:student_number`.
    /// Re-importing the same file changes nothing. Under [`ImportMode::AllOrNothing`] a single
    /// problem leaves the store untouched; under [`ImportMode::GoodRows`] good rows are committed
    /// in batches and bad ones reported.
    pub fn import_roster(
        &self,
        bytes: &[u8],
        opts: &crate::roster::RosterOptions,
        mode: ImportMode,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ImportReport> {
        let parsed = crate::roster::parse_roster(bytes, opts, &self.tables)?;
        let mut report = ImportReport {
            format: match parsed.format {
                crate::roster::Format::Xlsx => "xlsx",
                _ => "csv",
            }
            .to_string(),
            encoding: parsed.encoding.to_string(),
            rows: parsed.rows.len(),
            created: 0,
            corrected: 0,
            unchanged: 0,
            rejected: 0,
            problems: parsed.problems.clone(),
        };
        if mode == ImportMode::AllOrNothing && !parsed.problems.is_empty() {
            report.rejected = parsed.rows.len();
            return Ok(report);
        }
        report.rejected = parsed.rows.iter().filter(|r| !r.ok).count();
        let good: Vec<(usize, (String, Arc<crate::records::BasicInfo>))> = parsed
            .rows
            .into_iter()
            .filter(|r| r.ok)
            .map(|r| {
                let key = format!("{}:{}", r.info.school_code, r.info.student_number);
                (r.row, (key, Arc::new(r.info)))
            })
            .collect();
        let chunk = match mode {
            ImportMode::AllOrNothing => good.len().max(1),
            ImportMode::GoodRows => IMPORT_BATCH,
        };
        for part in good.chunks(chunk) {
            let records: Vec<_> = part.iter().map(|(_, r)| r.clone()).collect();
            let results =
                self.upload_batch(&records, actor, now, mode == ImportMode::AllOrNothing)?;
            let mut refused = 0;
            for ((row, _), result) in part.iter().zip(&results) {
                match result {
                    UploadResult::Created => report.created += 1,
                    UploadResult::Corrected => report.corrected += 1,
                    UploadResult::Unchanged => report.unchanged += 1,
                    UploadResult::Refused { error } => {
                        refused += 1;
                        report.problems.push(crate::roster::CellProblem {
                            row: *row,
                            column: String::new(),
                            field: String::new(),
                            code: crate::validate::ProblemCode::Refused,
                            message_zh: format!("登记系统拒绝该行：{error}"),
                            message_en: format!(
                                "the registry refused this row (code {}): {error}",
                                error.code()
                            ),
                        });
                    }
                }
            }
            if mode == ImportMode::AllOrNothing && refused > 0 {
                report.created = 0;
                report.corrected = 0;
                report.unchanged = 0;
                report.rejected = report.rows;
                return Ok(report);
            }
            report.rejected += refused;
        }
        report.problems.sort_by_key(|p| p.row);
        Ok(report)
    }

    /// Applies many commands at `now` in one transaction, in order (later commands on the same
    /// registration see the earlier ones). Each command's result is returned in place; refused
    /// commands are left out and the rest commit together.
    pub fn apply_batch(
        &self,
        commands: &[(String, Actor, Command)],
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Outcome>>> {
        let mut ctx = self.context(now)?;
        let mut working: std::collections::HashMap<&str, (u64, Registration)> =
            std::collections::HashMap::new();
        let mut results = Vec::with_capacity(commands.len());
        let mut outcomes: Vec<(u64, Outcome)> = Vec::new();
        for (id, actor, command) in commands {
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
            ctx.entropy = Context::os_entropy()?;
            match apply(current, actor, command, &ctx) {
                Ok(out) => {
                    if out.changed() {
                        *current = out.registration.clone();
                        outcomes.push((*stored_version, out.clone()));
                        // Later commits of this registration start from this one's version.
                        *stored_version = out.registration.version;
                    }
                    results.push(Ok(out));
                }
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

    /// Summaries matching a query at `now`, ordered by id.
    pub fn query(&self, q: &Query, now: DateTime<Utc>) -> Result<Vec<Summary>> {
        let filter = Filter {
            college: q.college.clone(),
            major_code: q.major_code.clone(),
        };
        let mut out = self.store.summaries(&filter)?;
        out.retain(|s| {
            let stage = s.stage_at(now);
            (q.stages.is_empty() || q.stages.contains(&stage))
                && q.late.is_none_or(|l| l == s.late)
                && q.awaiting_confirmation_days.is_none_or(|d| {
                    stage == Stage::AwaitingConfirmation
                        && s.awaiting_since
                            .is_some_and(|t| now - t >= Duration::days(d))
                })
        });
        Ok(out)
    }

    /// Registrations with nothing reported after the registration deadline, or reported late.
    pub fn late(&self, now: DateTime<Utc>) -> Result<Vec<Summary>> {
        let mut out = Vec::new();
        for s in self.store.summaries(&Filter::default())? {
            let missed = match (s.destination_code.as_ref(), s.graduation_year) {
                (None, Some(y)) => now >= self.policy.registration_deadline_end(y)?,
                _ => false,
            };
            if s.late || missed {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// Registrations whose destination has awaited confirmation for at least `days`.
    pub fn stuck(&self, days: i64, now: DateTime<Utc>) -> Result<Vec<Summary>> {
        self.query(
            &Query {
                awaiting_confirmation_days: Some(days),
                ..Query::default()
            },
            now,
        )
    }

    /// The reminders due at `now` over the whole registry.
    pub fn reminders(&self, now: DateTime<Utc>, opts: &ReminderOptions) -> Result<Vec<Reminder>> {
        let mut out = Vec::new();
        self.store.for_each(&mut |reg| {
            out.extend(reminders_for(&reg, &self.policy, now, opts));
            Ok(())
        })?;
        Ok(out)
    }

    /// Counts by stage and destination, and the placement rate by college and major.
    pub fn statistics(&self, now: DateTime<Utc>) -> Result<Statistics> {
        let mut by_stage = BTreeMap::new();
        let mut by_destination = BTreeMap::new();
        let mut colleges: BTreeMap<String, Placement> = BTreeMap::new();
        let mut majors: BTreeMap<String, Placement> = BTreeMap::new();
        let mut overall = Placement::new("全部".into());
        let mut late = 0;
        let mut total = 0;
        for s in self.store.summaries(&Filter::default())? {
            total += 1;
            *by_stage.entry(s.stage_at(now)).or_insert(0) += 1;
            late += u64::from(s.late);
            if s.stage == Stage::NotUploaded {
                continue;
            }
            let placed = s
                .destination_code
                .as_deref()
                .and_then(|c| self.tables.is_placed(c))
                .unwrap_or(false);
            if let Some(code) = &s.destination_code {
                *by_destination.entry(code.clone()).or_insert(0) += 1;
            }
            let reported = s.destination_code.is_some();
            overall.add(reported, placed);
            colleges
                .entry(s.college.clone())
                .or_insert_with(|| Placement::new(s.college.clone()))
                .add(reported, placed);
            let key = format!("{} {}", s.major_code, s.major_name);
            majors
                .entry(key.clone())
                .or_insert_with(|| Placement::new(key))
                .add(reported, placed);
        }
        Ok(Statistics {
            total,
            by_stage,
            by_destination,
            late,
            overall: overall.finish(),
            by_college: colleges.into_values().map(Placement::finish).collect(),
            by_major: majors.into_values().map(Placement::finish).collect(),
        })
    }

    /// Writes the registrations matching `q` as CSV (UTF-8 with a BOM so spreadsheets read the
    /// Chinese), one row each: id, name, masked ID number, college, major, stage, destination,
    /// late.
    pub fn export_csv<W: Write>(&self, q: &Query, now: DateTime<Utc>, mut w: W) -> Result<u64> {
        let mask = crate::disclosure::Masking::default();
        w.write_all("\u{feff}".as_bytes())?;
        write_csv_row(
            &mut w,
            &[
                "登记号",
                "姓名",
                "身份证号",
                "学院",
                "专业代码",
                "专业名称",
                "阶段",
                "毕业去向代码",
                "毕业去向",
                "逾期",
            ],
        )?;
        let mut n = 0;
        for s in self.query(q, now)? {
            let code = s.destination_code.clone().unwrap_or_default();
            let dest = self
                .tables
                .name(Table::Destinations, &code)
                .unwrap_or("")
                .to_string();
            write_csv_row(
                &mut w,
                &[
                    &s.id,
                    &s.name,
                    &mask.apply(&s.id_number),
                    &s.college,
                    &s.major_code,
                    &s.major_name,
                    s.stage_at(now).name_zh(),
                    &code,
                    &dest,
                    if s.late { "是" } else { "否" },
                ],
            )?;
            n += 1;
        }
        w.flush()?;
        Ok(n)
    }

    /// The audit records of one registration (or all), oldest first.
    pub fn audit(&self, registration_id: Option<&str>) -> Result<Vec<AuditRecord>> {
        self.store.audit(registration_id)
    }

    /// Checks the whole audit chain and names the first edited, removed or reordered record.
    pub fn check_audit(&self) -> Result<ChainReport> {
        let head = self.store.audit_head()?;
        Ok(check_chain(self.store.audit(None)?, head))
    }

    /// Events (the notification outbox) after sequence number `after`.
    pub fn events_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Event)>> {
        self.store.events_after(after, limit)
    }
}

impl crate::codes::RegistryLookup for Registry {
    fn by_verification_number(
        &self,
        number: &crate::codes::VerificationNumber,
    ) -> std::result::Result<Option<Registration>, crate::codes::Unavailable> {
        self.find_by_number(number)
            .map_err(|_| crate::codes::Unavailable)
    }

    fn by_transfer_number(
        &self,
        number: &crate::codes::TransferNumber,
    ) -> std::result::Result<Option<Registration>, crate::codes::Unavailable> {
        let found = self
            .store
            .find_by_number(number.as_compact())
            .map_err(|_| crate::codes::Unavailable)?;
        match found {
            Some(id) => self.store.load(&id).map_err(|_| crate::codes::Unavailable),
            None => Ok(None),
        }
    }
}

impl crate::codes::AttemptLog for Registry {
    fn failures_since(
        &self,
        verifier: &str,
        since: DateTime<Utc>,
    ) -> std::result::Result<u32, crate::codes::Unavailable> {
        self.store
            .failures_since(verifier, since)
            .map_err(|_| crate::codes::Unavailable)
    }

    fn record_failure(
        &self,
        verifier: &str,
        at: DateTime<Utc>,
    ) -> std::result::Result<(), crate::codes::Unavailable> {
        self.store
            .record_attempt(verifier, at, false)
            .map_err(|_| crate::codes::Unavailable)
    }
}

impl Registry {
    /// Online verification (name + verification or transfer number) against the store, with
    /// the store's per-verifier failure count. An unreachable store gives `Indeterminate`.
    pub fn verify_online(
        &self,
        verifier: &crate::codes::OnlineVerifier<'_>,
        department: &Actor,
        name: &str,
        number: &str,
        now: DateTime<Utc>,
    ) -> crate::codes::Verdict {
        verifier.verify(department, name, number, now, self, self)
    }

    /// Verifies a scanned token: signature with `ring`, time window, the department's section,
    /// then the authorization's current status in the store (revoked or superseded forms never
    /// verify as valid).
    pub fn verify_token(
        &self,
        token: &str,
        ring: &crate::codes::KeyRing,
        department: &Actor,
        now: DateTime<Utc>,
        opts: &crate::codes::ScanOptions,
    ) -> crate::codes::ScanOutcome {
        let status = crate::codes::RegistryStatus {
            lookup: self,
            tables: &self.tables,
            masking: crate::disclosure::Masking::default(),
        };
        crate::codes::verify_token(token, ring, department, now, &status, opts)
    }
}

/// Writes one CSV row (RFC 4180 quoting; a leading `=`, `+`, `-` or `@` is prefixed with `'` so
/// that spreadsheets do not run it as a formula).
fn write_csv_row<W: Write>(w: &mut W, cells: &[&str]) -> Result<()> {
    let mut line = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let guarded;
        let c = if c.starts_with(['=', '+', '-', '@']) {
            guarded = format!("'{c}");
            guarded.as_str()
        } else {
            c
        };
        if c.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&c.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(c);
        }
    }
    line.push_str("\r\n");
    w.write_all(line.as_bytes())?;
    Ok(())
}
