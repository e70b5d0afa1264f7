//! The SQLite store (bundled SQLite, WAL journal): the registry's embedded default.
//!
//! One file holds everything. Writers commit in `IMMEDIATE` transactions with a version check,
//! so two threads or two processes on the same file never lose an update; the audit table
//! refuses updates and deletes through triggers, and its hash chain exposes any edit made
//! behind them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::at_rest::{
    audit_place, row_place, seal_id_number, AtRest, DataKeyRing, EVENT_PLACE, ID_NUMBER_PLACE,
    SEALED_DOCUMENTS,
};

use super::store::{
    self, cohort_index_key, record_hash, registration_hash, transfer_number_of, AuditKey,
    AuditRecord, ChainHead, Commit, Filter, Store, StoredRow, StoredView, Summary,
};
use super::stored;
use super::view::{view_mac, view_of};
use crate::codes::{AttemptKey, Candidate, Failures};
use crate::error::{Cause, Error, Result};
use crate::lifecycle::{Event, LoginReason, Registration, Stage, VoidStage};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registrations (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    id_number TEXT NOT NULL,
    name TEXT NOT NULL,
    college TEXT NOT NULL,
    major_code TEXT NOT NULL,
    major_name TEXT NOT NULL,
    stage TEXT NOT NULL,
    active_until INTEGER,
    destination_code TEXT,
    late INTEGER NOT NULL,
    awaiting_since INTEGER,
    graduation_year INTEGER,
    data TEXT NOT NULL,
    school_code TEXT NOT NULL DEFAULT '',
    school_name TEXT NOT NULL DEFAULT '',
    education_level TEXT NOT NULL DEFAULT '',
    gender TEXT NOT NULL DEFAULT '',
    origin_region TEXT NOT NULL DEFAULT '',
    destination_category TEXT,
    destination_region TEXT,
    logged_in INTEGER NOT NULL DEFAULT 0,
    login_problems TEXT NOT NULL DEFAULT '[]',
    void_stage TEXT,
    void_filed_at INTEGER,
    audit_seq INTEGER
);
CREATE INDEX IF NOT EXISTS registrations_id_number ON registrations(id_number) WHERE id_number <> '';
CREATE TABLE IF NOT EXISTS cohorts (
    id_number TEXT NOT NULL,
    graduation_year INTEGER NOT NULL,
    education_level TEXT NOT NULL,
    registration_id TEXT NOT NULL UNIQUE,
    PRIMARY KEY (id_number, graduation_year, education_level)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS numbers (number TEXT PRIMARY KEY, registration_id TEXT NOT NULL, registration INTEGER) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS numbers_registration ON numbers(registration_id);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    registration_id TEXT NOT NULL,
    entry TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL,
    registration_hash BLOB
);
CREATE INDEX IF NOT EXISTS audit_registration ON audit(registration_id);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, registration_id TEXT NOT NULL, event TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (verifier TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_verifier ON attempts(verifier, at);
CREATE TABLE IF NOT EXISTS status_slots (slot INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signing_keys (
    number TEXT NOT NULL,
    key_id INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    PRIMARY KEY (number, key_id)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS audit_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"#;

/// The tables of notification consumers: each consumer's place in the outbox, and the
/// notifications (reminders, events) each consumer has sent. Created on every open, so a file
/// written before they existed gains them.
const NOTIFY_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS consumer_cursors (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sent_notifications (
    consumer TEXT NOT NULL,
    id TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (consumer, id)
) WITHOUT ROWID;
"#;

/// The failed online attempts, by authenticated principal and by number (compact form), each
/// with an index for its count in the window. Created on every open, so a file written before
/// it gains it (the earlier `attempts` table, keyed by the caller-given verifier id, is no
/// longer read).
const ATTEMPTS_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS online_failures (principal TEXT NOT NULL, number TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS online_failures_principal ON online_failures(principal, at);
CREATE INDEX IF NOT EXISTS online_failures_number ON online_failures(number, at);
"#;

/// The version of the file's layout (`meta` key `schema`). "2" keeps each number's
/// registration rowid and each view under its registration's rowid ([`NUMBERS_VERSION`]): a
/// release that knows only "1" would write numbers and views that online verification no
/// longer finds, so it must refuse the file, and does ("unsupported schema version"). A file at
/// "1" is migrated on open and then marked "2".
const SCHEMA_VERSION: &str = "2";

/// The layout version of files written before [`SCHEMA_VERSION`], migrated on open.
const SCHEMA_VERSION_BEFORE: &str = "1";

/// Indexes of `registrations` that no statement uses (the listing's optional filters scan in
/// key order), dropped from files made when they were written: each cost a B-tree insert per
/// new registration.
const DROP_UNUSED_INDEXES: &str = "DROP INDEX IF EXISTS registrations_college_major; \
     DROP INDEX IF EXISTS registrations_school;";

/// The verification views (see [`super::view`]): per registration with an authorization, the
/// part online verification reads, the audit record it is bound to and its MAC. Created on
/// every open, so a file written before it gains it (filled by [`migrate_views`]). A rowid
/// table, not `WITHOUT ROWID`: a view (about 1 KB, more with several authorizations) is past
/// what a `WITHOUT ROWID` row keeps inside its 4 KB B-tree page (about 1,000 bytes), and its
/// overflow pages made a lookup three times slower than the rowid table's second B-tree probe.
const VIEWS_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS verification_views (\
     registration_id TEXT PRIMARY KEY, audit_seq INTEGER NOT NULL, view BLOB NOT NULL, \
     mac BLOB NOT NULL);";

/// The `meta` value of a file whose views are complete and of the current format (see
/// [`migrate_views`]; "1" held JSON views, "2" views under rowids of their own). Each view's
/// rowid is its registration's, which the number index keeps beside each number.
const VIEWS_VERSION: &str = "3";

/// The `meta` value (key `numbers`) of a file whose number index keeps, beside each number, the
/// rowid of the registration holding it (`registration`, filled by [`migrate_numbers`]): online
/// verification goes from the number straight to the view under that rowid, one B-tree probe
/// instead of two (the views' key index, then the table).
const NUMBERS_VERSION: &str = "2";

/// The reads of an online attempt in one statement (so in one read transaction of its own):
/// whether principal ?1 or number ?2 has a failure at or after ?3 (two index probes), whether a
/// registration with a view holds number ?2, and that view — or, when none does, the decoy: the
/// first view stored, one index probe whatever the table's size, so that a found number and an
/// unknown one both read and check one view through the same probes. The view comes with the
/// audit record it names and the registration's newest record (one probe each), for
/// [`store::checked_view`]. The decoy is looked up on every attempt (in `d`, which always
/// gives its one row, so that the failure flag comes even from an empty table), found or not;
/// the holder's view is reached by the rowid the number index keeps (and must be of the
/// registration the index names), the view read by rowid.
const ATTEMPT_READ: &str = "SELECT \
     EXISTS(SELECT 1 FROM online_failures WHERE principal = ?1 AND at >= ?3) \
         OR EXISTS(SELECT 1 FROM online_failures WHERE number = ?2 AND at >= ?3), \
     h.rowid IS NOT NULL, v.registration_id, v.audit_seq, v.view, v.mac, a.registration_id, \
     a.hash, \
     (SELECT seq FROM audit WHERE registration_id = v.registration_id ORDER BY seq DESC LIMIT 1) \
     FROM (SELECT (SELECT rowid FROM verification_views ORDER BY registration_id LIMIT 1) \
         AS first) AS d \
     LEFT JOIN numbers n ON n.number = ?2 \
     LEFT JOIN verification_views h ON h.rowid = n.registration \
         AND h.registration_id = n.registration_id \
     LEFT JOIN verification_views v ON v.rowid = COALESCE(h.rowid, d.first) \
     LEFT JOIN audit a ON a.seq = v.audit_seq";

/// The summary columns added after the first schema, with their definitions. A file made before
/// them gets them on open ([`migrate_summaries`]), filled from the stored registrations.
const SUMMARY_COLUMNS: [(&str, &str); 11] = [
    ("school_code", "TEXT NOT NULL DEFAULT ''"),
    ("school_name", "TEXT NOT NULL DEFAULT ''"),
    ("education_level", "TEXT NOT NULL DEFAULT ''"),
    ("gender", "TEXT NOT NULL DEFAULT ''"),
    ("origin_region", "TEXT NOT NULL DEFAULT ''"),
    ("destination_category", "TEXT"),
    ("destination_region", "TEXT"),
    ("logged_in", "INTEGER NOT NULL DEFAULT 0"),
    ("login_problems", "TEXT NOT NULL DEFAULT '[]'"),
    ("void_stage", "TEXT"),
    ("void_filed_at", "INTEGER"),
];

/// The version of the summary columns (`meta` key `summaries`); a file below it is migrated on
/// open.
const SUMMARIES_VERSION: &str = "2";

/// Every summary column the queries read, in [`summary_from_row`]'s order, then the sealed ID
/// number (column 24) that replaces the blind index when data keys are in use.
const SUMMARY_SELECT: &str = "SELECT id, version, name, id_number, college, major_code, \
     major_name, stage, active_until, destination_code, late, awaiting_since, graduation_year, \
     school_code, school_name, education_level, gender, origin_region, destination_category, \
     destination_region, logged_in, login_problems, void_stage, void_filed_at, id_number_sealed \
     FROM registrations";

/// Finds the registrations of an ID number. The condition `id_number <> ''` lets SQLite use the
/// partial index; without it every lookup scans the table.
const FIND_BY_ID_NUMBER: &str =
    "SELECT id FROM registrations WHERE id_number = ?1 AND id_number <> '' ORDER BY id";

/// Files written before one ID number could hold several cohorts kept a unique index on the ID
/// number alone: replace it by a plain one and fill the cohort index from the stored rows, in one
/// transaction. A file already migrated is left alone.
const MIGRATE_COHORTS: &str = r#"
DROP INDEX registrations_id_number;
CREATE INDEX registrations_id_number ON registrations(id_number) WHERE id_number <> '';
"#;

/// The education level of a stored registration document (clear or packed; empty when it
/// cannot be read, as json_extract gave before).
fn stored_education_level(data: Value) -> String {
    stored_text(None, data, Vec::new)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["basic"]["education_level"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Replaces the unique ID-number index of an older file (see [`MIGRATE_COHORTS`]).
fn migrate_cohorts(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err)?;
    let sql: Option<String> = tx
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'registrations_id_number'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    if sql.is_some_and(|s| s.to_ascii_uppercase().contains("UNIQUE")) {
        tx.execute_batch(MIGRATE_COHORTS).map_err(db_err)?;
        let rows: Vec<(String, i64, Value, String)> = {
            let mut stmt = tx
                .prepare(
                    "SELECT id_number, COALESCE(graduation_year, 0), data, id FROM registrations \
                     WHERE id_number <> ''",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(db_err)?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(db_err)?
        };
        let mut insert = tx
            .prepare(
                "INSERT OR IGNORE INTO cohorts(id_number, graduation_year, education_level, \
                 registration_id) VALUES(?1, ?2, ?3, ?4)",
            )
            .map_err(db_err)?;
        for (idn, year, data, id) in rows {
            insert
                .execute(params![idn, year, stored_education_level(data), id])
                .map_err(db_err)?;
        }
    }
    tx.commit().map_err(db_err)
}

/// Maps an SQLite error to the crate's storage codes, keeping it as the error's source.
fn db_err(e: rusqlite::Error) -> Error {
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        // A stored value of the wrong type or not valid UTF-8: the file was damaged.
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::Utf8Error(..) => Some(ErrorCode::DatabaseCorrupt),
        _ => None,
    };
    let cause = Cause::from_error(e);
    match code {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy(cause),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Error::Corrupt(cause),
        Some(ErrorCode::DiskFull) => Error::DiskFull(cause),
        Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
            Error::Io(cause)
        }
        _ => Error::Storage(cause),
    }
}

fn millis(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

fn from_millis(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.and_then(|m| Utc.timestamp_millis_opt(m).single())
}

fn hash_from(v: Vec<u8>) -> [u8; 32] {
    let mut h = [0u8; 32];
    if v.len() == 32 {
        h.copy_from_slice(&v);
    }
    h
}

/// The busy timeout of [`SqliteStore::open`].
pub const DEFAULT_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads and decodes registration `id` on connection `c` (inside or outside a transaction).
fn load_row(
    c: &Connection,
    id: &str,
    key: Option<&AuditKey>,
    at: Option<&AtRest>,
) -> Result<Option<Registration>> {
    let row = c
        .prepare_cached(&format!("{ROW_SELECT} WHERE r.id = ?1"))
        .map_err(db_err)?
        .query_row([id], bound_row)
        .optional()
        .map_err(db_err)?;
    match row {
        None => Ok(None),
        Some(row) => row.registration(key, at).map(Some),
    }
}

/// The most idle reader connections a store keeps (more may be open while busy).
const MAX_IDLE_READERS: usize = 8;

/// Reader connections to a registry file: in WAL mode each reads its own snapshot beside the
/// writer and the other readers, so reads on several threads run in parallel.
///
/// Readers do not map the file into memory (`mmap_size` stays 0): mapped, a verification at
/// 200,000 authorized graduates took 15 µs instead of 18.5–25 µs, but a file truncated or
/// damaged by another process, or an I/O error under a mapped page, kills the host process with
/// SIGBUS instead of returning an error. A library embedded in other systems' processes keeps
/// its errors to itself.
struct ReaderPool {
    path: PathBuf,
    busy_timeout: std::time::Duration,
    idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    /// An idle reader, or a new one.
    fn get(&self) -> Result<Reader<'_>> {
        let idle = self
            .idle
            .lock()
            .map_err(|_| Error::Storage("reader pool poisoned by a panic".into()))?
            .pop();
        let conn = match idle {
            Some(c) => c,
            None => {
                let c = Connection::open(&self.path).map_err(db_err)?;
                stable_plans(&c)?;
                c.busy_timeout(self.busy_timeout).map_err(db_err)?;
                c.execute_batch("PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY")
                    .map_err(db_err)?;
                c
            }
        };
        Ok(Reader::Pooled(self, Some(conn)))
    }
}

/// A connection to read on: a pooled reader, or the one connection of a store in memory.
enum Reader<'a> {
    Pooled(&'a ReaderPool, Option<Connection>),
    Writer(MutexGuard<'a, Connection>),
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Reader::Pooled(_, Some(c)) => c,
            Reader::Pooled(_, None) => unreachable!("a pooled reader is taken only on drop"),
            Reader::Writer(g) => g,
        }
    }
}

impl std::ops::DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        match self {
            Reader::Pooled(_, Some(c)) => c,
            Reader::Pooled(_, None) => unreachable!("a pooled reader is taken only on drop"),
            Reader::Writer(g) => g,
        }
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Reader::Pooled(pool, conn) = self {
            if let (Some(c), Ok(mut idle)) = (conn.take(), pool.idle.lock()) {
                // A connection left inside a transaction (an error midway) is not reused.
                if c.is_autocommit() && idle.len() < MAX_IDLE_READERS {
                    idle.push(c);
                }
            }
        }
    }
}

/// Plans that do not depend on the values bound (SQLite's query planner stability guarantee).
///
/// Without it, SQLite marks a statement whose plan looked at a bound value — any join, or an
/// `ORDER BY … LIMIT` on an index — as needing a new plan when its parameters are cleared, and
/// the statement cache clears them each time it takes a statement back: every cached statement
/// of that kind was compiled again on every use, about half the time of an online verification.
/// The store keeps no statistics tables, so the planner has no use for bound values anyway.
fn stable_plans(c: &Connection) -> Result<()> {
    c.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map(|_| ())
    .map_err(db_err)
}

/// The SQLite store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// Reader connections (a file's store; `None` in memory, where the writer reads too).
    readers: Option<ReaderPool>,
    key: Option<AuditKey>,
    damaged: std::sync::atomic::AtomicBool,
    /// The data keys and blind-index key, when personal data is sealed (see [`super::at_rest`]).
    at_rest: Option<AtRest>,
}

/// Adds the columns that bind registrations to the audit log to a file made before them: the
/// audit record's registration hash and the registration's audit record. Rows written before
/// stay unbound (served, reported by the audit check) until their next change binds them. Also
/// adds the number index's row column (see [`NUMBERS_VERSION`]).
fn migrate_binding(conn: &Connection) -> Result<()> {
    for (table, column, def) in [
        ("audit", "registration_hash", "BLOB"),
        ("registrations", "audit_seq", "INTEGER"),
        ("numbers", "registration", "INTEGER"),
    ] {
        let present: i64 = conn
            .query_row(
                &format!("SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = ?1"),
                [column],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        if present == 0 {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {def}"))
                .map_err(db_err)?;
        }
    }
    Ok(())
}

/// Checks the audit key against the file: a keyed file needs its key, and a key is recorded only
/// in a file whose audit log is still empty.
fn check_audit_key(conn: &Connection, key: Option<&AuditKey>) -> Result<()> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'audit_key_check'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    match (key, stored) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(Error::AuditKey(
            "this registry's audit log is keyed: open it with its audit key".into(),
        )),
        (Some(k), Some(c)) if k.check_value() == c => Ok(()),
        (Some(_), Some(_)) => Err(Error::AuditKey(
            "this is not the audit key of this registry".into(),
        )),
        (Some(k), None) => {
            let started: bool = conn
                .query_row("SELECT EXISTS(SELECT 1 FROM audit)", [], |r| r.get(0))
                .map_err(db_err)?;
            if started {
                return Err(Error::AuditKey(
                    "this registry's audit log was started without a key (or its key record was \
                     removed); a key can only be given to a new registry"
                        .into(),
                ));
            }
            conn.execute(
                "INSERT INTO meta(key, value) VALUES('audit_key_check', ?1)",
                [k.check_value()],
            )
            .map_err(db_err)?;
            Ok(())
        }
    }
}

/// Refuses to open an existing file of 0 bytes: only a missing path makes a new registry, so a
/// file truncated to nothing is not silently taken for an empty registry. A file another
/// process has just created is 0 bytes for the moment it takes to write its first page, so an
/// empty file is given up to half a second to grow before it is refused.
fn refuse_empty_file(path: &Path) -> Result<()> {
    let empty = || {
        std::fs::metadata(path)
            .map(|m| m.is_file() && m.len() == 0)
            .unwrap_or(false)
    };
    for _ in 0..10 {
        if !empty() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if !empty() {
        return Ok(());
    }
    Err(Error::Corrupt(
        format!(
            "{} is empty (0 bytes), not a registry: only a missing path makes a new one",
            path.display()
        )
        .into(),
    ))
}

/// A stored registration with what the audit log says of it, read by [`ROW_SELECT`].
struct BoundRow {
    id: String,
    data: Value,
    audit_seq: Option<i64>,
    record_registration: Option<String>,
    entry: Option<Value>,
    prev_hash: Option<Vec<u8>>,
    hash: Option<Vec<u8>>,
    registration_hash: Option<Vec<u8>>,
    latest_seq: Option<i64>,
    latest_bound: Option<bool>,
}

/// Selects registrations with the audit record that wrote them and the newest record of each.
const ROW_SELECT: &str = "SELECT r.id, r.data, r.audit_seq, a.registration_id, a.entry, \
     a.prev_hash, a.hash, a.registration_hash, \
     (SELECT seq FROM audit WHERE registration_id = r.id ORDER BY seq DESC LIMIT 1), \
     CASE WHEN r.audit_seq IS NULL THEN (SELECT registration_hash IS NOT NULL FROM audit \
      WHERE registration_id = r.id ORDER BY seq DESC LIMIT 1) END \
     FROM registrations r LEFT JOIN audit a ON a.seq = r.audit_seq";

fn bound_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BoundRow> {
    Ok(BoundRow {
        id: r.get(0)?,
        data: r.get(1)?,
        audit_seq: r.get(2)?,
        record_registration: r.get(3)?,
        entry: r.get(4)?,
        prev_hash: r.get(5)?,
        hash: r.get(6)?,
        registration_hash: r.get(7)?,
        latest_seq: r.get(8)?,
        latest_bound: r.get(9)?,
    })
}

impl BoundRow {
    /// Checks the row against its audit record and parses it: [`Error::Tampered`] when it does
    /// not match, [`Error::Corrupt`] when it does not parse.
    fn registration(self, key: Option<&AuditKey>, at: Option<&AtRest>) -> Result<Registration> {
        let id = &self.id;
        let data = stored_text(at, self.data, || row_place(DATA_PLACE, id))?;
        let entry = match (self.entry, self.audit_seq) {
            (Some(e), Some(seq)) => Some(stored_text(at, e, || {
                audit_place(id, u64::try_from(seq).unwrap_or(0))
            })?),
            _ => None,
        };
        super::store::checked_registration(
            &super::store::RowBinding {
                id,
                data: &data,
                audit_seq: self.audit_seq,
                record_registration: self.record_registration.as_deref(),
                entry: entry.as_deref(),
                prev_hash: self.prev_hash.as_deref(),
                hash: self.hash.as_deref(),
                registration_hash: self.registration_hash.as_deref(),
                latest_seq: self.latest_seq,
                latest_bound: self.latest_bound,
            },
            key,
        )
    }
}

impl SqliteStore {
    /// The audit records, all or of one registration, in sequence order, each entry read by
    /// [`stored_text`], or by [`checked_text`] for the audit check (`for_check`).
    fn read_audit(
        &self,
        registration_id: Option<&str>,
        for_check: bool,
    ) -> Result<Vec<AuditRecord>> {
        let c = self.lock()?;
        let records = c
            .prepare_cached(
                "SELECT seq, entry, prev_hash, hash, registration_hash, registration_id FROM audit \
                 WHERE (?1 IS NULL OR registration_id = ?1) ORDER BY seq",
            )
            .and_then(|mut stmt| {
                stmt.query_map([registration_id], |r| {
                    Ok((
                        AuditRecord {
                            seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                            entry_json: String::new(),
                            prev_hash: hash_from(r.get(2)?),
                            hash: hash_from(r.get(3)?),
                            registration_hash: r.get::<_, Option<Vec<u8>>>(4)?.map(hash_from),
                        },
                        r.get::<_, CheckedValue>(1)?,
                        r.get::<_, String>(5)?,
                    ))
                })
                .and_then(|rows| rows.collect::<std::result::Result<Vec<_>, _>>())
            })
            .map_err(db_err);
        let mut out = Vec::new();
        for (mut rec, entry, id) in self.noted(records)? {
            let place = || audit_place(&id, rec.seq);
            let text = if for_check {
                checked_text(self.at_rest.as_ref(), entry, place)
            } else {
                stored_text(self.at_rest.as_ref(), entry.into_value(), place)
            };
            rec.entry_json = self.noted(text)?;
            out.push(rec);
        }
        Ok(out)
    }

    /// Opens (creating when absent) the database at `path`, in WAL mode, waiting up to 5 s for
    /// another writer's lock.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with_timeout(path, DEFAULT_BUSY_TIMEOUT)
    }

    /// Like [`SqliteStore::open`] with a chosen busy timeout: how long a writer waits for another
    /// process's lock before [`Error::Busy`].
    pub fn open_with_timeout(
        path: impl AsRef<Path>,
        busy_timeout: std::time::Duration,
    ) -> Result<Self> {
        Self::open_with(path, busy_timeout, None)
    }

    /// Like [`SqliteStore::open_with_timeout`], with the registry's audit key when its audit
    /// chain is keyed (HMAC-SHA256): a keyed file opens only with its key
    /// ([`Error::AuditKey`]), and a key given to a new file keys it for good.
    pub fn open_with(
        path: impl AsRef<Path>,
        busy_timeout: std::time::Duration,
        audit_key: Option<AuditKey>,
    ) -> Result<Self> {
        Self::open_with_options(path, busy_timeout, audit_key, None)
    }

    /// Like [`SqliteStore::open_with_timeout`], with the data keys that seal personal data at
    /// rest (see [`super::at_rest`]). `None` opens a file written without keys, and refuses an
    /// encrypted one ([`Error::DataKeyMissing`]). A ring opens a file it encrypted (or refuses
    /// it: [`Error::DataKeyWrong`]); a file written without keys is encrypted in place, in one
    /// transaction, as it opens.
    pub fn open_with_keys(
        path: impl AsRef<Path>,
        busy_timeout: std::time::Duration,
        data_keys: Option<DataKeyRing>,
    ) -> Result<Self> {
        Self::open_with_options(path, busy_timeout, None, data_keys)
    }

    /// Opens with both the audit key ([`SqliteStore::open_with`]) and the data keys
    /// ([`SqliteStore::open_with_keys`]).
    pub fn open_with_options(
        path: impl AsRef<Path>,
        busy_timeout: std::time::Duration,
        audit_key: Option<AuditKey>,
        data_keys: Option<DataKeyRing>,
    ) -> Result<Self> {
        refuse_empty_file(path.as_ref())?;
        let conn = Connection::open(path.as_ref()).map_err(db_err)?;
        let mut store = Self::init(conn, true, busy_timeout, audit_key, data_keys)?;
        store.readers = Some(ReaderPool {
            path: path.as_ref().to_path_buf(),
            busy_timeout,
            idle: Mutex::new(Vec::new()),
        });
        Ok(store)
    }

    /// A private database in memory (for tests).
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(db_err)?;
        Self::init(conn, false, DEFAULT_BUSY_TIMEOUT, None, None)
    }

    fn init(
        mut conn: Connection,
        wal: bool,
        busy_timeout: std::time::Duration,
        key: Option<AuditKey>,
        data_keys: Option<DataKeyRing>,
    ) -> Result<Self> {
        stable_plans(&conn)?;
        conn.busy_timeout(busy_timeout).map_err(db_err)?;
        if wal {
            let mode: String = conn
                .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                .map_err(db_err)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(Error::Storage(
                    format!("could not enable WAL (journal mode {mode})").into(),
                ));
            }
            conn.execute_batch("PRAGMA synchronous=NORMAL")
                .map_err(db_err)?;
        }
        conn.execute_batch("PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY")
            .map_err(db_err)?;
        conn.execute_batch(SCHEMA).map_err(db_err)?;
        conn.execute_batch(NOTIFY_SCHEMA).map_err(db_err)?;
        conn.execute_batch(ATTEMPTS_SCHEMA).map_err(db_err)?;
        conn.execute_batch(VIEWS_SCHEMA).map_err(db_err)?;
        migrate_cohorts(&mut conn)?;
        let version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_err)?;
        match version.as_deref() {
            None => {
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES('schema', ?1)",
                    [SCHEMA_VERSION],
                )
                .map_err(db_err)?;
            }
            Some(SCHEMA_VERSION | SCHEMA_VERSION_BEFORE) => {}
            Some(v) => {
                return Err(Error::Storage(
                    format!("unsupported schema version {v}").into(),
                ))
            }
        }
        let mut conn = conn;
        migrate_summaries(&mut conn)?;
        conn.execute_batch(DROP_UNUSED_INDEXES).map_err(db_err)?;
        migrate_binding(&conn)?;
        check_audit_key(&conn, key.as_ref())?;
        let at_rest = setup_at_rest(&mut conn, data_keys)?;
        migrate_numbers(&mut conn)?;
        migrate_views(&mut conn, key.as_ref(), at_rest.as_ref())?;
        if version.as_deref() == Some(SCHEMA_VERSION_BEFORE) {
            conn.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'schema'",
                [SCHEMA_VERSION],
            )
            .map_err(db_err)?;
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            readers: None,
            key,
            damaged: std::sync::atomic::AtomicBool::new(false),
            at_rest,
        })
    }

    /// Passes `r` on, first recording damage when it is [`Error::Corrupt`] or
    /// [`Error::Tampered`] (writes are refused from then on).
    fn noted<T>(&self, r: Result<T>) -> Result<T> {
        if matches!(r, Err(Error::Corrupt(_) | Error::Tampered(_))) {
            self.mark_damaged();
        }
        r
    }

    /// [`Error::WritesRefused`] once damage was found through this store.
    fn refuse_if_damaged(&self) -> Result<()> {
        if self.damaged() {
            Err(Error::WritesRefused)
        } else {
            Ok(())
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| Error::Storage("connection poisoned by a panic".into()))
    }

    /// A connection for reads outside a write: a pooled reader for a file, the writer in
    /// memory.
    fn reader(&self) -> Result<Reader<'_>> {
        match &self.readers {
            Some(pool) => pool.get(),
            None => self.lock().map(Reader::Writer),
        }
    }

    /// Whether principal `principal` or number `number` (compact form) has a failure at or
    /// after `since` (ms), and the holder of `number` as its verification view, or the decoy
    /// (the first view stored) when no registration with a view holds it, read on `c` in one
    /// statement ([`ATTEMPT_READ`]) and checked against the audit log
    /// ([`store::checked_view`]); see [`Store::online_attempt`]. A registration without a view
    /// has no authorization, so no number it holds can verify: it is answered through the
    /// decoy, like an unknown number.
    fn attempt_read(
        &self,
        c: &Connection,
        principal: &str,
        number: &str,
        since: i64,
    ) -> Result<(bool, Candidate)> {
        let mut stmt = c.prepare_cached(ATTEMPT_READ).map_err(db_err)?;
        let mut rows = stmt
            .query(params![principal, number, since])
            .map_err(db_err)?;
        let r = rows
            .next()
            .map_err(db_err)?
            .ok_or_else(|| Error::Storage("online attempt: no row".into()))?;
        let any: bool = r.get(0).map_err(db_err)?;
        let found: bool = r.get(1).map_err(db_err)?;
        let Some(id) = r.get::<_, Option<String>>(2).map_err(db_err)? else {
            // No view at all.
            return Ok((
                any,
                Candidate {
                    found: false,
                    registration: None,
                },
            ));
        };
        let audit_seq: i64 = r.get(3).map_err(db_err)?;
        // A clear view's bytes go to the check as they are: decoding it checks that they are
        // UTF-8 (once, not also here).
        let view: Vec<u8> = match (self.at_rest.as_ref(), r.get_ref(4).map_err(db_err)?) {
            (None, rusqlite::types::ValueRef::Text(t)) => t.to_vec(),
            (at, v) => {
                let v = Value::try_from(v).map_err(|e| db_err(e.into()))?;
                self.noted(stored_text(at, v, || row_place(VIEW_PLACE, &id)))?
                    .into_bytes()
            }
        };
        let mac: Vec<u8> = r.get(5).map_err(db_err)?;
        let rec_id: Option<String> = r.get(6).map_err(db_err)?;
        let rec_hash: Option<Vec<u8>> = r.get(7).map_err(db_err)?;
        let latest: Option<i64> = r.get(8).map_err(db_err)?;
        let registration = self.noted(store::checked_view(
            &store::ViewBinding {
                id: &id,
                view: &view,
                mac: &mac,
                audit_seq,
                record_registration: rec_id.as_deref(),
                record_hash: rec_hash.as_deref(),
                latest_seq: latest,
            },
            self.key.as_ref(),
        ))?;
        Ok((
            any,
            Candidate {
                found,
                registration: Some(registration),
            },
        ))
    }

    /// Runs SQLite's own integrity check; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> Result<()> {
        let c = self.lock()?;
        let r: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(db_err)?;
        if r == "ok" {
            Ok(())
        } else {
            Err(Error::Corrupt(r.into()))
        }
    }

    /// Runs raw SQL. For maintenance and for tests that simulate tampering; bypasses every rule.
    #[doc(hidden)]
    pub fn execute_raw(&self, sql: &str) -> Result<()> {
        self.lock()?.execute_batch(sql).map_err(db_err)
    }
}

/// The text of a void request's stage (its snake_case name).
fn void_stage_text(stage: Option<VoidStage>) -> Option<String> {
    stage.and_then(|v| match serde_json::to_value(v) {
        Ok(serde_json::Value::String(t)) => Some(t),
        _ => None,
    })
}

/// A void request's stage from its text; `None` for none or an unknown name.
fn void_stage_parse(text: Option<String>) -> Option<VoidStage> {
    text.and_then(|t| serde_json::from_value(serde_json::Value::String(t)).ok())
}

/// The login reasons as stored (a JSON array of their snake_case names).
fn login_problems_text(reasons: &[LoginReason]) -> Result<String> {
    Ok(serde_json::to_string(reasons)?)
}

/// The login reasons from their stored text; reasons this build does not know are left out.
fn login_problems_parse(text: &str) -> Vec<LoginReason> {
    let names: Vec<serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
    names
        .into_iter()
        .filter_map(|n| serde_json::from_value(n).ok())
        .collect()
}

/// A summary from a row selected by [`SUMMARY_SELECT`].
fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Summary> {
    let stage: String = r.get(7)?;
    let problems: String = r.get(21)?;
    Ok(Summary {
        id: r.get(0)?,
        version: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
        name: r.get(2)?,
        id_number: r.get(3)?,
        college: r.get(4)?,
        major_code: r.get(5)?,
        major_name: r.get(6)?,
        stage: Stage::parse(&stage).unwrap_or(Stage::NotUploaded),
        active_until: from_millis(r.get(8)?),
        destination_code: r.get(9)?,
        late: r.get(10)?,
        awaiting_since: from_millis(r.get(11)?),
        graduation_year: r.get(12)?,
        school_code: r.get(13)?,
        school_name: r.get(14)?,
        education_level: r.get(15)?,
        gender: r.get(16)?,
        origin_region: r.get(17)?,
        destination_category: r.get(18)?,
        destination_region: r.get(19)?,
        logged_in: r.get(20)?,
        login_problems: login_problems_parse(&problems),
        void_stage: void_stage_parse(r.get(22)?),
        void_filed_at: from_millis(r.get(23)?),
    })
}

/// Brings the summary columns of a file up to [`SUMMARIES_VERSION`], once, in one transaction:
/// adds the columns a file made before them lacks, fills every row's from its stored
/// registration. A file already there is left alone; on any failure
/// nothing changes.
fn migrate_summaries(conn: &mut Connection) -> Result<()> {
    migrate_once(conn, "summaries", SUMMARIES_VERSION, |tx| {
        let existing: Vec<String> = {
            let mut stmt = tx
                .prepare("SELECT name FROM pragma_table_info('registrations')")
                .map_err(db_err)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(db_err)?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(db_err)?
        };
        for (name, def) in SUMMARY_COLUMNS {
            if !existing.iter().any(|e| e == name) {
                tx.execute_batch(&format!(
                    "ALTER TABLE registrations ADD COLUMN {name} {def}"
                ))
                .map_err(db_err)?;
            }
        }
        let rows: Vec<(String, String)> = {
            let mut stmt = tx
                .prepare("SELECT id, data FROM registrations ORDER BY id")
                .map_err(db_err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db_err)?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(db_err)?
        };
        {
            let mut update = tx
            .prepare(
                "UPDATE registrations SET school_code = ?2, school_name = ?3, education_level = ?4, \
                 gender = ?5, origin_region = ?6, destination_category = ?7, destination_region = ?8, \
                 logged_in = ?9, login_problems = ?10, void_stage = ?11, void_filed_at = ?12 WHERE id = ?1",
            )
            .map_err(db_err)?;
            for (id, data) in rows {
                let reg: Registration = serde_json::from_str(&data).map_err(|e| {
                    Error::Corrupt(Cause::with_error(format!("registration {id}: {e}"), e))
                })?;
                // Only the columns that do not depend on the instant are written here.
                let s = Summary::of(&reg, Utc::now());
                update
                    .execute(params![
                        id,
                        s.school_code,
                        s.school_name,
                        s.education_level,
                        s.gender,
                        s.origin_region,
                        s.destination_category,
                        s.destination_region,
                        s.logged_in,
                        login_problems_text(&s.login_problems)?,
                        void_stage_text(s.void_stage),
                        millis(s.void_filed_at)
                    ])
                    .map_err(db_err)?;
            }
        }
        Ok(())
    })
}

/// Runs `step` in one transaction unless the file's `meta` value `key` is already `version`,
/// then records `version` in the same transaction: a migration runs once, and on any failure
/// nothing changes.
fn migrate_once(
    conn: &mut Connection,
    key: &str,
    version: &str,
    step: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err)?;
    let done: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    if done.as_deref() == Some(version) {
        return Ok(());
    }
    step(&tx)?;
    tx.execute(
        "INSERT INTO meta(key, value) VALUES(?1, ?2) \
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, version],
    )
    .map_err(db_err)?;
    tx.commit().map_err(db_err)
}

fn is_unique_violation(e: &rusqlite::Error, column: &str) -> bool {
    match e {
        rusqlite::Error::SqliteFailure(f, Some(msg)) => {
            f.code == ErrorCode::ConstraintViolation
                && msg.contains("UNIQUE")
                && msg.trim_end().ends_with(column)
        }
        _ => false,
    }
}

/// The conflict error for a write that found another version.
fn conflict(tx: &Connection, id: &str, expected: u64) -> Error {
    let found = tx
        .query_row(
            "SELECT version FROM registrations WHERE id = ?1",
            [id],
            |r| r.get::<_, i64>(0),
        )
        .optional()
        .ok()
        .flatten()
        .map_or(0, |v| u64::try_from(v).unwrap_or(0));
    Error::Conflict {
        id: id.to_string(),
        expected,
        found,
    }
}

fn read_head(tx: &Connection) -> Result<ChainHead> {
    let row: Option<(i64, Vec<u8>)> = tx
        .query_row("SELECT value, (SELECT hash FROM audit WHERE seq = CAST(value AS INTEGER)) FROM meta WHERE key = 'audit_head'", [], |r| {
            Ok((r.get::<_, String>(0)?.parse::<i64>().unwrap_or(0), r.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default()))
        })
        .optional()
        .map_err(db_err)?;
    Ok(match row {
        Some((seq, hash)) => ChainHead {
            seq: u64::try_from(seq).unwrap_or(0),
            hash: hash_from(hash),
        },
        None => ChainHead::default(),
    })
}

// ---- personal data at rest: the column read and write points ----

/// The `meta` key of the sealed blind-index key; its presence marks an encrypted file.
const AT_REST_MARKER: &str = "at_rest_index_key";
/// The places (see [`row_place`]) of the sealed registration columns and events.
const DATA_PLACE: &str = "registrations.data";
const VIEW_PLACE: &str = "verification_views.view";

/// A text column's stored form: without data keys the text itself, or its packed form (a BLOB)
/// when it is a document (see [`super::stored`]); sealed for `place` with data keys.
fn put_text(at: Option<&AtRest>, text: String, place: impl FnOnce() -> Vec<u8>) -> Result<Value> {
    match at {
        None if stored::packs(&text) => Ok(Value::Blob(stored::pack(&text)?)),
        None => Ok(Value::Text(text)),
        Some(a) => Ok(Value::Blob(a.seal_text(&place(), &text)?)),
    }
}

/// A text column as read: clear (or packed) text without data keys, a sealed value opened with. A clear
/// value where a sealed one belongs is [`Error::Undecryptable`] (a row replaced behind the
/// library's back).
fn stored_text(at: Option<&AtRest>, v: Value, place: impl FnOnce() -> Vec<u8>) -> Result<String> {
    match (at, v) {
        (None, Value::Text(t)) => Ok(t),
        (None, Value::Blob(b)) if stored::is_packed(&b) => stored::unpack(&b),
        (Some(a), Value::Blob(b)) => a.open_text(&place(), &b),
        (Some(_), _) => Err(Error::Undecryptable(
            "a clear value where a sealed one belongs".into(),
        )),
        // A file without the key check holds no sealed values: a BLOB here is damage (or a key
        // check removed from the file), not a missing key.
        (None, _) => Err(Error::Corrupt("a stored value is not text".into())),
    }
}

/// A document column as the checks read it: any stored value, text that is not UTF-8 included
/// (which `Value` refuses), so that one damaged row is reported rather than failing the check.
enum CheckedValue {
    /// A value SQLite's types hold as such.
    Value(Value),
    /// Text that is not UTF-8: damage whatever its bytes (it is never read as a packed document,
    /// which the store writes as a BLOB).
    NotUtf8(Vec<u8>),
}

impl rusqlite::types::FromSql for CheckedValue {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        Ok(match v {
            rusqlite::types::ValueRef::Text(t) => match std::str::from_utf8(t) {
                Ok(t) => CheckedValue::Value(Value::Text(t.to_owned())),
                Err(_) => CheckedValue::NotUtf8(t.to_vec()),
            },
            other => CheckedValue::Value(Value::try_from(other)?),
        })
    }
}

impl CheckedValue {
    /// The value for [`stored_text`]: text that is not UTF-8 becomes a BLOB that is not a
    /// packed document, which it reads as damage ([`Error::Corrupt`]).
    fn into_value(self) -> Value {
        match self {
            CheckedValue::Value(v) => v,
            CheckedValue::NotUtf8(mut b) => {
                if stored::is_packed(&b) {
                    b.insert(0, b'?');
                }
                Value::Blob(b)
            }
        }
    }
}

/// [`stored_text`] for the checks ([`Store::audit_for_check`], [`Store::stored_rows`],
/// [`Store::stored_views`]) of a store without data keys: a value that does not decode (text
/// that is not UTF-8, a packed frame that does not unpack, a stray BLOB, a number) reads as
/// [`store::undecodable_text`] of its bytes. That text is not the document written: it neither
/// parses nor hashes as it, so the audit check names the record or row as edited instead of
/// stopping at it. With data keys the value must open ([`stored_text`]).
fn checked_text(
    at: Option<&AtRest>,
    v: CheckedValue,
    place: impl FnOnce() -> Vec<u8>,
) -> Result<String> {
    let v = match (at, v) {
        (None, CheckedValue::NotUtf8(b)) => return Ok(store::undecodable_text(&b)),
        (_, v) => v.into_value(),
    };
    if at.is_some() {
        return stored_text(at, v, place);
    }
    let raw = match &v {
        Value::Text(_) => return stored_text(None, v, place),
        Value::Blob(b) => b.clone(),
        Value::Null => Vec::new(),
        Value::Integer(i) => i.to_string().into_bytes(),
        Value::Real(r) => r.to_string().into_bytes(),
    };
    match stored_text(None, v, place) {
        Ok(t) => Ok(t),
        Err(Error::Corrupt(_)) => Ok(store::undecodable_text(&raw)),
        Err(e) => Err(e),
    }
}

/// Adds the column of sealed ID numbers to a file that lacks it.
fn ensure_sealed_column(tx: &Connection) -> Result<()> {
    let has: i64 = tx
        .query_row(
            "SELECT COUNT(*) FROM pragma_table_info('registrations') WHERE name = 'id_number_sealed'",
            [],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if has == 0 {
        tx.execute_batch("ALTER TABLE registrations ADD COLUMN id_number_sealed BLOB")
            .map_err(db_err)?;
    }
    Ok(())
}

/// Checks the data keys against the file, in one transaction: a file without the marker and no
/// keys stays clear; a file with it needs a ring holding its key; a clear file opened with a
/// ring is encrypted in place (every row, then the marker) or not at all.
fn setup_at_rest(conn: &mut Connection, keys: Option<DataKeyRing>) -> Result<Option<AtRest>> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err)?;
    ensure_sealed_column(&tx)?;
    let marker: Option<Value> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [AT_REST_MARKER],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    let at = match (marker, keys) {
        (None, None) => None,
        (Some(_), None) => return Err(Error::DataKeyMissing),
        (Some(Value::Blob(m)), Some(ring)) => {
            let k = AtRest::open_index_key(&ring, &m)?;
            Some(AtRest::new(ring, k))
        }
        (Some(_), Some(_)) => {
            return Err(Error::Corrupt("the data key check is damaged".into()));
        }
        (None, Some(ring)) => {
            let at = AtRest::new(ring, AtRest::fresh_index_key()?);
            reseal(&tx, &at, -1, true)?;
            tx.execute(
                "INSERT INTO meta(key, value) VALUES(?1, ?2)",
                params![AT_REST_MARKER, at.sealed_index_key()?],
            )
            .map_err(db_err)?;
            tx.commit().map_err(db_err)?;
            // The clear values must not survive in freed pages or the journal: rebuild the
            // file and empty the WAL.
            conn.execute_batch("PRAGMA secure_delete = ON; VACUUM")
                .map_err(db_err)?;
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .map_err(db_err)?;
            return Ok(Some(at));
        }
    };
    tx.commit().map_err(db_err)?;
    if at.is_some() {
        // Freed space is zeroed, so no older sealed value or clear remnant lingers in it.
        conn.execute_batch("PRAGMA secure_delete = ON")
            .map_err(db_err)?;
    }
    Ok(at)
}

/// Seals (`clear`: from clear text, every row) or re-seals (rows not sealed by the newest key,
/// at most `limit` per table; -1 for all) the personal data of the file, within the caller's
/// transaction. Returns how many rows it wrote. The audit table refuses updates by a trigger:
/// it is dropped and made again from its own stored text within the same transaction, and only
/// the `entry` column changes (the chain hashes the clear entries, so it stays valid).
fn reseal(tx: &Connection, at: &AtRest, limit: i64, clear: bool) -> Result<u64> {
    let header = at.newest_header().to_vec();
    let read = |v: Value, place: &dyn Fn() -> Vec<u8>| -> Result<String> {
        if clear {
            stored_text(None, v, place)
        } else {
            stored_text(Some(at), v, place)
        }
    };
    let mut written = 0u64;
    let regs: Vec<(String, Value, Option<Value>, String)> = {
        let mut stmt = tx
            .prepare(
                "SELECT id, data, id_number_sealed, id_number FROM registrations \
                 WHERE substr(data, 1, 5) IS NOT ?1 \
                 OR (id_number_sealed IS NOT NULL AND substr(id_number_sealed, 1, 5) IS NOT ?1) \
                 ORDER BY rowid LIMIT ?2",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![header, limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(db_err)?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(db_err)?
    };
    for (id, data, sealed_idn, idn) in regs {
        let data = read(data, &|| row_place(DATA_PLACE, &id))?;
        let idn = match (clear, sealed_idn) {
            (true, _) => idn,
            (false, Some(v)) => read(v, &|| row_place(ID_NUMBER_PLACE, &id))?,
            (false, None) => String::new(),
        };
        let sealed_idn = if idn.is_empty() {
            None
        } else {
            Some(at.seal_text(&row_place(ID_NUMBER_PLACE, &id), &idn)?)
        };
        tx.prepare_cached(
            "UPDATE registrations SET data = ?2, id_number = ?3, id_number_sealed = ?4 WHERE id = ?1",
        )
        .map_err(db_err)?
        .execute(params![
            id,
            at.seal_text(&row_place(DATA_PLACE, &id), &data)?,
            at.blind_index(&idn),
            sealed_idn
        ])
        .map_err(db_err)?;
        written += 1;
    }
    if clear {
        let cohorts: Vec<(String, String)> = {
            let mut stmt = tx
                .prepare("SELECT registration_id, id_number FROM cohorts")
                .map_err(db_err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db_err)?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(db_err)?
        };
        for (id, idn) in cohorts {
            tx.execute(
                "UPDATE cohorts SET id_number = ?2 WHERE registration_id = ?1",
                params![id, at.blind_index(&idn)],
            )
            .map_err(db_err)?;
        }
    }
    for doc in &SEALED_DOCUMENTS {
        let (table, column, key) = (doc.table, doc.column, doc.key.column());
        let rows: Vec<(String, Value, Value)> = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT registration_id, {column}, {key} FROM {table} \
                     WHERE substr({column}, 1, 5) IS NOT ?1 ORDER BY {key} LIMIT ?2"
                ))
                .map_err(db_err)?;
            let rows = stmt
                .query_map(params![header, limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .map_err(db_err)?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(db_err)?
        };
        // The trigger that refuses the updates: dropped for them, then made again as it was.
        let trigger: Option<String> = if doc.append_only && !rows.is_empty() {
            let name = format!("{table}_append_only_update");
            let sql = tx
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1",
                    [&name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db_err)?;
            tx.execute_batch(&format!("DROP TRIGGER IF EXISTS {name}"))
                .map_err(db_err)?;
            sql
        } else {
            None
        };
        let update = format!("UPDATE {table} SET {column} = ?2 WHERE {key} = ?1");
        for (id, value, row) in rows {
            let seq = match row {
                Value::Integer(seq) => u64::try_from(seq).unwrap_or(0),
                _ => 0,
            };
            let place = || (doc.place)(&id, seq);
            let sealed = at.seal_text(&place(), &read(value, &place)?)?;
            tx.prepare_cached(&update)
                .map_err(db_err)?
                .execute(params![row, sealed])
                .map_err(db_err)?;
            written += 1;
        }
        if let Some(sql) = trigger {
            tx.execute_batch(&sql).map_err(db_err)?;
        }
    }
    Ok(written)
}

/// The verification view of `reg` (see [`super::view`]) and its stored form, or `None` when it
/// has none (no authorization).
fn view_values(at: Option<&AtRest>, reg: &Registration) -> Result<Option<(Vec<u8>, Value)>> {
    let Some(view) = view_of(reg) else {
        return Ok(None);
    };
    let text = String::from_utf8(view.clone())
        .map_err(|e| Error::Storage(Cause::with_error("verification view", e)))?;
    // Without data keys a view stays text: unpacking it would add about 1.3 µs to every online
    // verification (19.2 against 17.9 µs at 200,000 graduates) to save about 200 bytes per
    // authorized graduate.
    let stored = match at {
        None => Value::Text(text),
        Some(_) => put_text(at, text, || row_place(VIEW_PLACE, &reg.id))?,
    };
    Ok(Some((view, stored)))
}

/// Writes the verification view of registration `id` (`view`, from [`view_values`]; stored
/// under rowid `row`, its registration's), bound to the audit record `seq` with hash
/// `record_hash` that the same transaction writes; a registration without authorizations has
/// none (an older one is removed; a `fresh` registration had none).
#[allow(clippy::too_many_arguments)]
fn put_view(
    tx: &Connection,
    key: Option<&AuditKey>,
    id: &str,
    view: Option<(Vec<u8>, Value)>,
    row: i64,
    seq: i64,
    record_hash: &[u8; 32],
    fresh: bool,
) -> Result<()> {
    match view {
        Some((view, stored)) => {
            let mac = view_mac(key, record_hash, &view);
            tx.prepare_cached(
                "INSERT OR REPLACE INTO verification_views(rowid, registration_id, audit_seq, \
                 view, mac) VALUES(?5, ?1, ?2, ?3, ?4)",
            )
            .map_err(db_err)?
            .execute(params![id, seq, stored, &mac[..], row])
            .map_err(db_err)?;
        }
        None if !fresh => {
            tx.prepare_cached("DELETE FROM verification_views WHERE registration_id = ?1")
                .map_err(db_err)?
                .execute([id])
                .map_err(db_err)?;
        }
        None => {}
    }
    Ok(())
}

/// What a commit writes for one registration that does not depend on the rows before it in
/// the batch, prepared ahead of the writes ([`store::prepare_all`]).
struct Prepared {
    /// The summary columns (the ID number replaced by its blind index under data keys).
    summary: Summary,
    /// The sealed ID number, under data keys.
    sealed_id_number: Option<Vec<u8>>,
    /// The hash of the registration's plaintext JSON, which its audit record binds.
    rh: [u8; 32],
    /// The registration's stored document (packed, or sealed).
    data: Value,
    /// The login problems as stored.
    login_problems: String,
    /// The audit entry's canonical JSON, which the chain hashes.
    entry_json: String,
    /// The audit entry's stored form.
    entry: Value,
    /// The events' stored forms.
    events: Vec<Value>,
    /// The verification view and its stored form ([`view_values`]).
    view: Option<(Vec<u8>, Value)>,
}

impl Prepared {
    /// Prepares `cm`, whose audit record will be `record_seq`.
    fn of(at: Option<&AtRest>, cm: &Commit<'_>, record_seq: u64) -> Result<Prepared> {
        let reg = &cm.outcome.registration;
        let mut summary = Summary::of(reg, cm.outcome.audit.at);
        // With data keys: the ID number column holds the blind index, the number itself is
        // sealed beside it, and the registration's JSON is sealed.
        let sealed_id_number = seal_id_number(at, &reg.id, &mut summary.id_number)?;
        // The plaintext JSON is what the audit record binds; the column may hold it sealed.
        let plain = serde_json::to_string(reg)?;
        let rh = registration_hash(&plain);
        let data = put_text(at, plain, || row_place(DATA_PLACE, &reg.id))?;
        let login_problems = login_problems_text(&summary.login_problems)?;
        let (entry_json, entry, events) =
            store::entry_and_events(cm, record_seq, |text, place| put_text(at, text, place))?;
        Ok(Prepared {
            summary,
            sealed_id_number,
            rh,
            data,
            login_problems,
            entry_json,
            entry,
            events,
            view: view_values(at, reg)?,
        })
    }
}

/// Fills the registration rowids of the number index of a file written before it kept them
/// (see [`NUMBERS_VERSION`]), once, in one transaction. A file already filled is left alone.
fn migrate_numbers(conn: &mut Connection) -> Result<()> {
    migrate_once(conn, "numbers", NUMBERS_VERSION, |tx| {
        tx.execute_batch(
            "UPDATE numbers SET registration = \
             (SELECT rowid FROM registrations WHERE id = numbers.registration_id)",
        )
        .map_err(db_err)
    })
}

/// Fills the verification views of a file written before them (or rebuilds those of an older
/// format), once, in one transaction: each stored registration is read through the audit check,
/// and one that passes gets its view, bound to its newest audit record. A registration that fails the check gets none (it never
/// verifies, and the full check reports it). A file already filled is left alone.
fn migrate_views(conn: &mut Connection, key: Option<&AuditKey>, at: Option<&AtRest>) -> Result<()> {
    migrate_once(conn, "views", VIEWS_VERSION, |tx| {
        // Views of an older format are all rebuilt.
        tx.execute("DELETE FROM verification_views", [])
            .map_err(db_err)?;
        let ids: Vec<(i64, String)> = {
            let mut stmt = tx
                .prepare("SELECT rowid, id FROM registrations ORDER BY id")
                .map_err(db_err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db_err)?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(db_err)?
        };
        for (row, id) in ids {
            let Ok(Some(reg)) = load_row(tx, &id, key, at) else {
                continue;
            };
            if reg.authorizations.is_empty() {
                continue;
            }
            let newest: Option<(i64, Vec<u8>)> = tx
            .query_row(
                "SELECT seq, hash FROM audit WHERE registration_id = ?1 ORDER BY seq DESC LIMIT 1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err)?;
            if let Some((seq, hash)) = newest {
                let view = view_values(at, &reg)?;
                put_view(tx, key, &reg.id, view, row, seq, &hash_from(hash), false)?;
            }
        }
        Ok(())
    })
}

impl Store for SqliteStore {
    fn load(&self, id: &str) -> Result<Option<Registration>> {
        let r = {
            let c = self.reader()?;
            load_row(&c, id, self.key.as_ref(), self.at_rest.as_ref())
        };
        self.noted(r)
    }

    fn commit(&self, batch: &[Commit<'_>]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        self.refuse_if_damaged()?;
        let at = self.at_rest.as_ref();
        let mut c = self.lock()?;
        let tx = c
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        // The stored head: the last record's seq and hash.
        let (mut seq, mut prev) = {
            let r: Option<(i64, Vec<u8>)> = tx
                .query_row(
                    "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db_err)?;
            r.map(|(s, h)| (u64::try_from(s).unwrap_or(0), hash_from(h)))
                .unwrap_or((0, [0; 32]))
        };
        {
            const COLUMNS: &str =
                "id, version, id_number, name, college, major_code, major_name, stage, \
                active_until, destination_code, late, awaiting_since, graduation_year, data, \
                school_code, school_name, education_level, gender, origin_region, \
                destination_category, destination_region, logged_in, login_problems, void_stage, \
                void_filed_at, audit_seq";
            // The registration is written with the seq of the audit record that binds it, so
            // no second write of the row is needed.
            let mut insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO registrations({COLUMNS}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
                     ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)"
                ))
                .map_err(db_err)?;
            let mut update = tx
                .prepare_cached(
                    "UPDATE registrations SET version = ?2, id_number = ?3, name = ?4, college = ?5, \
                     major_code = ?6, major_name = ?7, stage = ?8, active_until = ?9, destination_code = ?10, \
                     late = ?11, awaiting_since = ?12, graduation_year = ?13, data = ?14, \
                     school_code = ?15, school_name = ?16, education_level = ?17, gender = ?18, \
                     origin_region = ?19, destination_category = ?20, destination_region = ?21, \
                     logged_in = ?22, login_problems = ?23, void_stage = ?24, void_filed_at = ?25, \
                     audit_seq = ?26 WHERE id = ?1 AND version = ?27 RETURNING rowid",
                )
                .map_err(db_err)?;
            let mut number = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO numbers(number, registration_id, registration) \
                     VALUES(?1, ?2, ?3)",
                )
                .map_err(db_err)?;
            let mut number_holder = tx
                .prepare_cached("SELECT registration_id FROM numbers WHERE number = ?1")
                .map_err(db_err)?;
            // Transfer numbers have 14 symbols, verification numbers 16: this frees the
            // registration's transfer numbers other than its current one.
            let mut free_transfers = tx
                .prepare_cached(
                    "DELETE FROM numbers WHERE registration_id = ?1 AND length(number) = 14 \
                     AND number IS NOT ?2",
                )
                .map_err(db_err)?;
            let mut cohort_holder = tx
                .prepare_cached(
                    "SELECT registration_id FROM cohorts WHERE id_number = ?1 \
                     AND graduation_year = ?2 AND education_level = ?3",
                )
                .map_err(db_err)?;
            let mut drop_cohort = tx
                .prepare_cached("DELETE FROM cohorts WHERE registration_id = ?1")
                .map_err(db_err)?;
            let mut add_cohort = tx
                .prepare_cached(
                    "INSERT INTO cohorts(id_number, graduation_year, education_level, registration_id) \
                     VALUES(?1, ?2, ?3, ?4)",
                )
                .map_err(db_err)?;

            let mut audit = tx
                .prepare_cached("INSERT INTO audit(seq, registration_id, entry, prev_hash, hash, registration_hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6)")
                .map_err(db_err)?;
            let mut event = tx
                .prepare_cached("INSERT INTO events(registration_id, event) VALUES(?1, ?2)")
                .map_err(db_err)?;
            let mut seal_id_number = tx
                .prepare_cached("UPDATE registrations SET id_number_sealed = ?2 WHERE id = ?1")
                .map_err(db_err)?;
            // Each row's documents, hashes and summary, prepared ahead (on several threads for
            // a large batch); the rows are then written in order.
            let head = seq;
            let prepared =
                store::prepare_all(batch, |i, cm| Prepared::of(at, cm, head + 1 + i as u64))?;
            for (cm, p) in batch.iter().zip(prepared) {
                let reg = &cm.outcome.registration;
                let Prepared {
                    summary: s,
                    sealed_id_number,
                    rh,
                    data,
                    login_problems,
                    entry_json: json,
                    entry,
                    events,
                    view,
                } = p;
                let version = i64::try_from(reg.version).unwrap_or(i64::MAX);
                let active_until = millis(s.active_until);
                let awaiting_since = millis(s.awaiting_since);
                let void_stage = void_stage_text(s.void_stage);
                let void_filed_at = millis(s.void_filed_at);
                // The audit record this write appends.
                let record_seq = seq + 1;
                let record_seq_value = i64::try_from(record_seq).unwrap_or(i64::MAX);
                let fresh = cm.expected_version == 0;
                // The row's columns in the order of both statements (the update's ?27 is the
                // version it expects).
                let columns = params![
                    reg.id,
                    version,
                    s.id_number,
                    s.name,
                    s.college,
                    s.major_code,
                    s.major_name,
                    s.stage.as_str(),
                    active_until,
                    s.destination_code,
                    s.late,
                    awaiting_since,
                    s.graduation_year,
                    data,
                    s.school_code,
                    s.school_name,
                    s.education_level,
                    s.gender,
                    s.origin_region,
                    s.destination_category,
                    s.destination_region,
                    s.logged_in,
                    login_problems,
                    void_stage,
                    void_filed_at,
                    record_seq_value
                ];
                let written = if fresh {
                    insert
                        .execute(columns)
                        .map(|n| (n == 1).then(|| tx.last_insert_rowid()))
                } else {
                    let expected = i64::try_from(cm.expected_version).unwrap_or(i64::MAX);
                    let mut values = columns.to_vec();
                    values.push(&expected);
                    update
                        .query_row(&*values, |r| r.get::<_, i64>(0))
                        .optional()
                };
                // The registration's rowid, which its numbers and its view are kept under.
                let row = match written {
                    Ok(Some(row)) => row,
                    Ok(None) => return Err(conflict(&tx, &reg.id, cm.expected_version)),
                    Err(e) if is_unique_violation(&e, "registrations.id") => {
                        return Err(conflict(&tx, &reg.id, cm.expected_version))
                    }
                    Err(e) => return Err(db_err(e)),
                };
                if at.is_some() {
                    seal_id_number
                        .execute(params![reg.id, sealed_id_number])
                        .map_err(db_err)?;
                }
                // A registration just inserted has no cohort or numbers to drop yet.
                if !fresh {
                    drop_cohort.execute([&reg.id]).map_err(db_err)?;
                }
                if let Some((idn, year, level)) = cohort_index_key(reg) {
                    let idn = at.map_or(idn.clone(), |a| a.blind_index(&idn));
                    // The cohort is claimed by its insert; only a claim the primary key refuses
                    // reads who holds it (one B-tree probe per row instead of two).
                    if let Err(e) = add_cohort.execute(params![idn, year, level, reg.id]) {
                        if is_unique_violation(&e, "cohorts.education_level") {
                            let other: Option<String> = cohort_holder
                                .query_row(params![idn, year, level], |r| r.get(0))
                                .optional()
                                .map_err(db_err)?;
                            if let Some(other) = other.filter(|o| o != &reg.id) {
                                return Err(Error::DuplicateIdNumber { other });
                            }
                        }
                        return Err(db_err(e));
                    }
                }
                let transfer = transfer_number_of(reg);
                if let Some(t) = transfer {
                    let holder: Option<String> = number_holder
                        .query_row([t.as_compact()], |r| r.get(0))
                        .optional()
                        .map_err(db_err)?;
                    if let Some(holder) = holder.filter(|o| o != &reg.id) {
                        return Err(Error::DuplicateTransferNumber {
                            number: t.to_string(),
                            holder,
                        });
                    }
                }
                if !fresh {
                    free_transfers
                        .execute(params![
                            reg.id,
                            transfer.map(|t| t.as_compact().to_string())
                        ])
                        .map_err(db_err)?;
                }
                for n in super::store::indexed_numbers(reg) {
                    number.execute(params![n, reg.id, row]).map_err(db_err)?;
                }
                // The record binds the registration it wrote (`rh`, of its plaintext JSON).
                let hash = record_hash(self.key.as_ref(), &prev, &json, Some(&rh));
                seq = record_seq;
                audit
                    .execute(params![
                        record_seq_value,
                        reg.id,
                        entry,
                        &prev[..],
                        &hash[..],
                        &rh[..]
                    ])
                    .map_err(db_err)?;
                put_view(
                    &tx,
                    self.key.as_ref(),
                    &reg.id,
                    view,
                    row,
                    record_seq_value,
                    &hash,
                    fresh,
                )?;
                prev = hash;
                for e in events {
                    event.execute(params![reg.id, e]).map_err(db_err)?;
                }
            }
        }
        tx.execute(
            "INSERT INTO meta(key, value) VALUES('audit_head', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [seq.to_string()],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    fn find_by_number(&self, number: &str) -> Result<Option<String>> {
        let c = self.reader()?;
        let r = c
            .prepare_cached("SELECT registration_id FROM numbers WHERE number = ?1")
            .map_err(db_err)?
            .query_row([number], |r| r.get(0))
            .optional()
            .map_err(db_err)?;
        Ok(r)
    }

    fn find_by_id_number(&self, id_number: &str) -> Result<Vec<String>> {
        let c = self.lock()?;
        let mut stmt = c.prepare_cached(FIND_BY_ID_NUMBER).map_err(db_err)?;
        let key = match &self.at_rest {
            Some(a) => a.blind_index(id_number),
            None => id_number.to_ascii_uppercase(),
        };
        let rows = stmt.query_map([key], |r| r.get(0)).map_err(db_err)?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(db_err)
    }

    fn present(
        &self,
        ids: &[&str],
        id_numbers: &[&str],
    ) -> Result<(HashSet<String>, HashSet<String>)> {
        let c = self.reader()?;
        // An empty registry (a first import) holds none of them: one probe instead of a join
        // per key.
        let any: bool = c
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM registrations)")
            .map_err(db_err)?
            .query_row([], |r| r.get(0))
            .map_err(db_err)?;
        if !any {
            return Ok((HashSet::new(), HashSet::new()));
        }
        // The batch goes in as one JSON array, joined against the unique index on `id` and the
        // partial index on `id_number` (hence `id_number <> ''` in the condition).
        let mut stored = HashSet::new();
        {
            let mut stmt = c
                .prepare_cached(
                    "SELECT r.id FROM json_each(?1) j JOIN registrations r ON r.id = j.value",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map([serde_json::to_string(ids)?], |r| r.get::<_, String>(0))
                .map_err(db_err)?;
            for id in rows {
                stored.insert(id.map_err(db_err)?);
            }
        }
        // The stored form of each ID number (its blind index with data keys) → the number.
        let keys: HashMap<String, &str> = id_numbers
            .iter()
            .filter(|n| !n.is_empty())
            .map(|n| {
                let key = match &self.at_rest {
                    Some(a) => a.blind_index(n),
                    None => n.to_ascii_uppercase(),
                };
                (key, *n)
            })
            .collect();
        let mut held = HashSet::new();
        {
            let list: Vec<&String> = keys.keys().collect();
            let mut stmt = c
                .prepare_cached(
                    "SELECT DISTINCT r.id_number FROM json_each(?1) j JOIN registrations r \
                     ON r.id_number = j.value AND r.id_number <> ''",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map([serde_json::to_string(&list)?], |r| r.get::<_, String>(0))
                .map_err(db_err)?;
            for key in rows {
                if let Some(n) = keys.get(&key.map_err(db_err)?) {
                    held.insert((*n).to_string());
                }
            }
        }
        Ok((stored, held))
    }

    fn summaries(&self, filter: &Filter) -> Result<Vec<Summary>> {
        let c = self.lock()?;
        let mut stmt = c
            .prepare_cached(&format!(
                "{SUMMARY_SELECT} WHERE (?1 IS NULL OR college = ?1) AND (?2 IS NULL OR major_code = ?2) \
                 AND (?3 IS NULL OR school_code = ?3) ORDER BY id"
            ))
            .map_err(db_err)?;
        let rows = stmt
            .query_map(
                params![filter.college, filter.major_code, filter.school],
                |r| Ok((summary_from_row(r)?, r.get::<_, Option<Value>>(24)?)),
            )
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (mut s, sealed) = row.map_err(db_err)?;
            if let Some(a) = &self.at_rest {
                s.id_number = match sealed {
                    Some(v) => stored_text(Some(a), v, || row_place(ID_NUMBER_PLACE, &s.id))?,
                    None => String::new(),
                };
            }
            out.push(s);
        }
        Ok(out)
    }

    fn for_each(&self, f: &mut dyn FnMut(Registration) -> Result<()>) -> Result<()> {
        // Read in pages so that `f` may use the store meanwhile.
        let mut after = String::new();
        loop {
            let page: Result<Vec<BoundRow>> = {
                let c = self.lock()?;
                c.prepare_cached(&format!(
                    "{ROW_SELECT} WHERE r.id > ?1 ORDER BY r.id LIMIT 1000"
                ))
                .map_err(db_err)
                .and_then(|mut stmt| {
                    stmt.query_map([&after], bound_row)
                        .and_then(|rows| rows.collect::<std::result::Result<Vec<_>, _>>())
                        .map_err(db_err)
                })
            };
            let page = self.noted(page)?;
            if page.is_empty() {
                return Ok(());
            }
            for row in page {
                let id = row.id.clone();
                let reg = self.noted(row.registration(self.key.as_ref(), self.at_rest.as_ref()))?;
                f(reg)?;
                after = id;
            }
        }
    }

    fn count(&self) -> Result<u64> {
        let c = self.lock()?;
        let n: i64 = c
            .query_row("SELECT COUNT(*) FROM registrations", [], |r| r.get(0))
            .map_err(db_err)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn audit(&self, registration_id: Option<&str>) -> Result<Vec<AuditRecord>> {
        self.read_audit(registration_id, false)
    }

    fn audit_for_check(&self) -> Result<Vec<AuditRecord>> {
        self.read_audit(None, true)
    }

    fn audit_head(&self) -> Result<ChainHead> {
        let c = self.lock()?;
        read_head(&c)
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Event)>> {
        let c = self.lock()?;
        let mut stmt = c
            .prepare_cached(
                "SELECT seq, event, registration_id FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(
                params![
                    i64::try_from(after).unwrap_or(i64::MAX),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Value>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, json, id) = self.noted(row.map_err(db_err))?;
            let json = self.noted(stored_text(self.at_rest.as_ref(), json, || {
                row_place(EVENT_PLACE, &id)
            }))?;
            let event = serde_json::from_str(&json)
                .map_err(|e| Error::Corrupt(Cause::with_error(format!("event {seq}: {e}"), e)));
            out.push((u64::try_from(seq).unwrap_or(0), self.noted(event)?));
        }
        Ok(out)
    }

    fn online_attempt(
        &self,
        key: &AttemptKey<'_>,
        judge: &mut dyn FnMut(&Failures, Candidate) -> bool,
    ) -> Result<()> {
        let principal = key.principal.as_str();
        let number = key.number.as_compact();
        let since = key.since.timestamp_millis();
        // First in one read transaction on a reader: when neither the principal nor the number
        // has a failure in the window, the counts are all zero, and an attempt that records
        // nothing (an answer, or a refusal) is exactly what it would be under the write lock.
        // Only an attempt that records a failure, or one with failures to count, runs again
        // below, under the write lock, from the start.
        if self.readers.is_some() {
            let c = self.reader()?;
            // One statement: a read transaction of its own, without BEGIN and COMMIT.
            let (any, candidate) = self.attempt_read(&c, principal, number, since)?;
            drop(c);
            if !any && !judge(&Failures::default(), candidate) {
                return Ok(());
            }
        }
        let mut c = self.lock()?;
        // IMMEDIATE: the write lock is taken before the count, so no other handle or process
        // counts or records between this attempt's count and its record.
        let tx = c
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let (by_principal, on_number, by_principal_on_number): (i64, i64, i64) = tx
            .prepare_cached(
                "SELECT (SELECT COUNT(*) FROM online_failures WHERE principal = ?1 AND at >= ?3), \
                        (SELECT COUNT(*) FROM online_failures WHERE number = ?2 AND at >= ?3), \
                        (SELECT COUNT(*) FROM online_failures WHERE number = ?2 AND at >= ?3 \
                             AND principal = ?1)",
            )
            .map_err(db_err)?
            .query_row(params![principal, number, since], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(db_err)?;
        let failures = Failures {
            by_principal: u32::try_from(by_principal).unwrap_or(u32::MAX),
            on_number: u32::try_from(on_number).unwrap_or(u32::MAX),
            by_principal_on_number: u32::try_from(by_principal_on_number).unwrap_or(u32::MAX),
        };
        let (_, candidate) = self.attempt_read(&tx, principal, number, since)?;
        if judge(&failures, candidate) {
            tx.prepare_cached(
                "INSERT INTO online_failures(principal, number, at) VALUES(?1, ?2, ?3)",
            )
            .map_err(db_err)?
            .execute(params![principal, number, key.at.timestamp_millis()])
            .map_err(db_err)?;
        }
        tx.commit().map_err(db_err)
    }

    fn record_token(&self, number: &str, key_id: u32, at: DateTime<Utc>) -> Result<u64> {
        self.refuse_if_damaged()?;
        let mut c = self.lock()?;
        let tx = c
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let ms = at.timestamp_millis();
        tx.prepare_cached(
            "INSERT OR IGNORE INTO signing_keys(number, key_id, first_at) VALUES(?1, ?2, ?3)",
        )
        .map_err(db_err)?
        .execute(params![number, key_id, ms])
        .map_err(db_err)?;
        // Slots are rowids from 1; the published slot is one less.
        tx.prepare_cached("INSERT OR IGNORE INTO status_slots(number, at) VALUES(?1, ?2)")
            .map_err(db_err)?
            .execute(params![number, ms])
            .map_err(db_err)?;
        let slot: i64 = tx
            .prepare_cached("SELECT slot FROM status_slots WHERE number = ?1")
            .map_err(db_err)?
            .query_row(params![number], |r| r.get(0))
            .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        u64::try_from(slot - 1).map_err(|_| Error::Corrupt("status slot below 1".into()))
    }

    fn signing_keys(&self, number: &str) -> Result<Vec<(u32, DateTime<Utc>)>> {
        let c = self.lock()?;
        let mut stmt = c
            .prepare_cached(
                "SELECT key_id, first_at FROM signing_keys WHERE number = ?1 ORDER BY key_id",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![number], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (k, ms) = row.map_err(db_err)?;
            let at = DateTime::from_timestamp_millis(ms)
                .ok_or_else(|| Error::Corrupt("signing time out of range".into()))?;
            out.push((u32::try_from(k).unwrap_or(u32::MAX), at));
        }
        Ok(out)
    }

    fn status_slots(&self) -> Result<Vec<(u64, String)>> {
        let c = self.lock()?;
        let mut stmt = c
            .prepare_cached("SELECT slot, number FROM status_slots ORDER BY slot")
            .map_err(db_err)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (slot, number) = row.map_err(db_err)?;
            out.push((u64::try_from(slot - 1).unwrap_or(0), number));
        }
        Ok(out)
    }

    fn last_event_seq(&self) -> Result<u64> {
        let c = self.lock()?;
        last_event_seq(&c)
    }

    fn consumer_cursor(&self, name: &str) -> Result<u64> {
        let c = self.lock()?;
        consumer_cursor(&c, name)
    }

    fn ack(&self, name: &str, seq: u64) -> Result<u64> {
        self.refuse_if_damaged()?;
        let mut c = self.lock()?;
        let tx = c
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let last = last_event_seq(&tx)?;
        let cursor = consumer_cursor(&tx, name)?;
        let next = super::store::advance_cursor(name, cursor, seq, last)?;
        if next != cursor {
            tx.prepare_cached(
                "INSERT INTO consumer_cursors(consumer, seq) VALUES(?1, ?2) \
                 ON CONFLICT(consumer) DO UPDATE SET seq = excluded.seq",
            )
            .map_err(db_err)?
            .execute(params![name, i64::try_from(next).unwrap_or(i64::MAX)])
            .map_err(db_err)?;
        }
        tx.commit().map_err(db_err)?;
        Ok(next)
    }

    fn mark_sent(&self, consumer: &str, id: &str, at: DateTime<Utc>) -> Result<bool> {
        self.refuse_if_damaged()?;
        let c = self.lock()?;
        let n = c
            .prepare_cached(
                "INSERT OR IGNORE INTO sent_notifications(consumer, id, at) VALUES(?1, ?2, ?3)",
            )
            .map_err(db_err)?
            .execute(params![consumer, id, at.timestamp_millis()])
            .map_err(db_err)?;
        Ok(n == 1)
    }

    fn reseal_step(&self, batch: usize) -> Result<u64> {
        let Some(at) = &self.at_rest else {
            return Ok(0);
        };
        let mut c = self.lock()?;
        let tx = c
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        // The key check first: once it is sealed by the newest key, a file whose rows are all
        // re-sealed opens with the newest key alone.
        let marker: Option<Value> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [AT_REST_MARKER],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        let current = matches!(&marker, Some(Value::Blob(m)) if m.starts_with(&at.newest_header()));
        if !current {
            tx.execute(
                "UPDATE meta SET value = ?2 WHERE key = ?1",
                params![AT_REST_MARKER, at.sealed_index_key()?],
            )
            .map_err(db_err)?;
        }
        let n = reseal(&tx, at, i64::try_from(batch).unwrap_or(i64::MAX), false)?;
        tx.commit().map_err(db_err)?;
        Ok(n)
    }

    fn sent_at(&self, consumer: &str, id: &str) -> Result<Option<DateTime<Utc>>> {
        let c = self.lock()?;
        let ms: Option<i64> = c
            .prepare_cached("SELECT at FROM sent_notifications WHERE consumer = ?1 AND id = ?2")
            .map_err(db_err)?
            .query_row(params![consumer, id], |r| r.get(0))
            .optional()
            .map_err(db_err)?;
        Ok(from_millis(ms))
    }

    fn stored_rows(&self, f: &mut dyn FnMut(StoredRow) -> Result<()>) -> Result<()> {
        let mut after = String::new();
        loop {
            let page: Vec<(String, Option<i64>, CheckedValue)> = {
                let c = self.lock()?;
                let mut stmt = c
                    .prepare_cached(
                        "SELECT id, audit_seq, data FROM registrations WHERE id > ?1 \
                         ORDER BY id LIMIT 1000",
                    )
                    .map_err(db_err)?;
                let rows = stmt
                    .query_map([&after], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .map_err(db_err)?;
                self.noted(
                    rows.collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(db_err),
                )?
            };
            if page.is_empty() {
                return Ok(());
            }
            for (id, seq, data) in page {
                after.clone_from(&id);
                let data = self.noted(checked_text(self.at_rest.as_ref(), data, || {
                    row_place(DATA_PLACE, &id)
                }))?;
                f(StoredRow {
                    id,
                    audit_seq: seq.map(|s| u64::try_from(s).unwrap_or(0)),
                    data,
                })?;
            }
        }
    }

    fn stored_views(&self, f: &mut dyn FnMut(StoredView) -> Result<()>) -> Result<bool> {
        let mut after = String::new();
        loop {
            let page: Vec<(String, i64, CheckedValue, Vec<u8>)> = {
                let c = self.lock()?;
                let mut stmt = c
                    .prepare_cached(
                        "SELECT registration_id, audit_seq, view, mac FROM verification_views \
                         WHERE registration_id > ?1 ORDER BY registration_id LIMIT 1000",
                    )
                    .map_err(db_err)?;
                let rows = stmt
                    .query_map([&after], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })
                    .map_err(db_err)?;
                self.noted(
                    rows.collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(db_err),
                )?
            };
            if page.is_empty() {
                return Ok(true);
            }
            for (id, seq, view, mac) in page {
                after.clone_from(&id);
                let view = self.noted(checked_text(self.at_rest.as_ref(), view, || {
                    row_place(VIEW_PLACE, &id)
                }))?;
                f(StoredView {
                    id,
                    audit_seq: u64::try_from(seq).unwrap_or(0),
                    view: view.into_bytes(),
                    mac,
                })?;
            }
        }
    }

    fn number_index(&self) -> Result<Vec<(String, String)>> {
        let c = self.lock()?;
        // A number whose rowid does not lead to the registration it names reads with no
        // holder: verification does not find it, so the check reports it missing from its
        // holder (or stray).
        let mut stmt = c
            .prepare_cached(
                "SELECT n.number, CASE WHEN r.id IS NULL THEN '' ELSE n.registration_id END \
                 FROM numbers n LEFT JOIN registrations r ON r.rowid = n.registration \
                 AND r.id = n.registration_id ORDER BY n.number",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db_err)?;
        self.noted(
            rows.collect::<std::result::Result<Vec<_>, _>>()
                .map_err(db_err),
        )
    }

    fn audit_key(&self) -> Option<AuditKey> {
        self.key.clone()
    }

    fn mark_damaged(&self) {
        self.damaged
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn damaged(&self) -> bool {
        self.damaged.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The newest event's sequence number (0 when the outbox is empty).
fn last_event_seq(c: &Connection) -> Result<u64> {
    let n: Option<i64> = c
        .query_row("SELECT MAX(seq) FROM events", [], |r| r.get(0))
        .map_err(db_err)?;
    Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
}

/// A consumer's cursor (0 when it has none).
fn consumer_cursor(c: &Connection, name: &str) -> Result<u64> {
    let n: Option<i64> = c
        .prepare_cached("SELECT seq FROM consumer_cursors WHERE consumer = ?1")
        .map_err(db_err)?
        .query_row([name], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ID-number index is partial (`id_number <> ''`): a lookup must say so or SQLite scans
    /// the table, which made imports quadratic.
    #[test]
    fn id_number_lookups_use_the_partial_index() {
        let s = SqliteStore::open_in_memory().unwrap();
        let c = s.lock().unwrap();
        let plan: String = c
            .query_row(
                &format!("EXPLAIN QUERY PLAN {FIND_BY_ID_NUMBER}"),
                ["X"],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("registrations_id_number"), "{plan}");
    }

    /// A file registry with the sample graduate uploaded under `10327:2022010123`.
    fn file_with_sample(tag: &str) -> (std::path::PathBuf, crate::registry::Registry) {
        let dir = std::env::temp_dir().join(format!("gradreg-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let r =
            crate::registry::Registry::open(dir.join("r.db"), crate::Policy::jiangsu()).unwrap();
        let info = std::sync::Arc::new(crate::sample::basic_info());
        let school = crate::Actor::SchoolOffice {
            id: "s".into(),
            school: "10327".into(),
        };
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 1, 2, 0, 0).unwrap();
        let key = format!("{}:{}", info.school_code, info.student_number);
        r.upload_batch(&[(key, info)], &school, at, true).unwrap();
        (dir, r)
    }

    /// The batch existence check finds exactly the stored keys and held ID numbers, and leaves
    /// out the empty ID number.
    #[test]
    fn present_answers_for_a_whole_batch() {
        let (dir, r) = file_with_sample("present");
        let info = crate::sample::basic_info();
        let key = format!("{}:{}", info.school_code, info.student_number);
        let (ids, held) = r
            .store
            .present(
                &[key.as_str(), "10327:nobody"],
                &[info.id_number.as_str(), "110101200001010000", ""],
            )
            .unwrap();
        assert_eq!(ids, HashSet::from([key.clone()]));
        assert!(held.contains(info.id_number.as_str()));
        assert_eq!(held.len(), 1, "{held:?}");
        // The trait's default (one lookup at a time) gives the same answer.
        let mem = crate::registry::MemoryStore::new();
        let (none, nothing) = mem
            .present(&[key.as_str()], &[info.id_number.as_str()])
            .unwrap();
        assert!(none.is_empty() && nothing.is_empty());
        // An empty SQLite store answers from its emptiness alone, alike.
        let empty = SqliteStore::open_in_memory().unwrap();
        let (none, nothing) = empty
            .present(&[key.as_str()], &[info.id_number.as_str()])
            .unwrap();
        assert!(none.is_empty() && nothing.is_empty());
        drop(r);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A cohort another registration holds is refused by the store itself (its insert fails
    /// and only then is the holder read), naming the holder and writing nothing of the batch.
    #[test]
    fn a_held_cohort_is_refused_by_the_store() {
        let (dir, r) = file_with_sample("held-cohort");
        let mut info = crate::sample::basic_info();
        let holder = format!("{}:{}", info.school_code, info.student_number);
        info.student_number = "2022999999".into();
        let other = format!("{}:{}", info.school_code, info.student_number);
        let school = crate::Actor::SchoolOffice {
            id: "s".into(),
            school: "10327".into(),
        };
        let policy = crate::Policy::jiangsu();
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 2, 2, 0, 0).unwrap();
        let ctx = crate::lifecycle::Context::new(at, &policy);
        let out = crate::lifecycle::apply(
            &Registration::new(other.as_str()),
            &school,
            &crate::Command::UploadBasicInfo {
                info: std::sync::Arc::new(info),
            },
            &ctx,
        )
        .unwrap();
        let head = r.store.audit_head().unwrap();
        let got = r.store.commit(&[Commit {
            expected_version: 0,
            outcome: &out,
        }]);
        assert_eq!(got, Err(Error::DuplicateIdNumber { other: holder }));
        assert_eq!(r.store.count().unwrap(), 1);
        assert!(r.store.load(&other).unwrap().is_none());
        assert_eq!(r.store.audit_head().unwrap(), head);
        drop(r);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The batch query of ID numbers joins on the partial index, not a scan of the table.
    #[test]
    fn present_uses_the_indexes() {
        let s = SqliteStore::open_in_memory().unwrap();
        let c = s.lock().unwrap();
        let plan = |sql: &str| -> String {
            let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = stmt.query_map(["[]"], |r| r.get::<_, String>(3)).unwrap();
            rows.map(|r| r.unwrap()).collect::<Vec<_>>().join("; ")
        };
        let idn = plan(
            "SELECT DISTINCT r.id_number FROM json_each(?1) j JOIN registrations r \
             ON r.id_number = j.value AND r.id_number <> ''",
        );
        assert!(idn.contains("registrations_id_number"), "{idn}");
        let ids = plan("SELECT r.id FROM json_each(?1) j JOIN registrations r ON r.id = j.value");
        assert!(ids.contains("INDEX"), "{ids}");
    }

    /// A file of a layout this release does not know (written by a newer one) is refused, not
    /// written to; a new file is of the current layout.
    #[test]
    fn a_file_of_an_unknown_layout_is_refused() {
        let dir = std::env::temp_dir().join(format!("gradreg-layout-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("r.db");
        drop(SqliteStore::open(&file).unwrap());
        let c = Connection::open(&file).unwrap();
        let v: String = c
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        c.execute("UPDATE meta SET value = '3' WHERE key = 'schema'", [])
            .unwrap();
        drop(c);
        match SqliteStore::open(&file) {
            Err(Error::Storage(e)) => assert!(e.to_string().contains("schema version 3"), "{e}"),
            other => panic!("{:?}", other.map(|_| ())),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// An online attempt reaches the holder's view by the rowid the number index keeps (one
    /// probe of the views' table, not their key index and then the table).
    #[test]
    fn an_attempt_reads_the_view_by_rowid() {
        let s = SqliteStore::open_in_memory().unwrap();
        let c = s.lock().unwrap();
        let mut stmt = c
            .prepare(&format!("EXPLAIN QUERY PLAN {ATTEMPT_READ}"))
            .unwrap();
        let rows = stmt
            .query_map(params!["p", "n", 0], |r| r.get::<_, String>(3))
            .unwrap();
        let plan: Vec<String> = rows.map(|r| r.unwrap()).collect();
        for alias in ["h", "v"] {
            assert!(
                plan.iter()
                    .any(|l| l.starts_with(&format!("SEARCH {alias} "))
                        && l.contains("INTEGER PRIMARY KEY (rowid=?)")),
                "{plan:?}"
            );
        }
    }

    /// A file store reads on pooled connections: a write on the writer is seen by the next read,
    /// and readers on two threads at once each see it.
    #[test]
    fn pooled_readers_see_every_commit() {
        let (dir, r) = file_with_sample("readers");
        let info = crate::sample::basic_info();
        let key = format!("{}:{}", info.school_code, info.student_number);
        assert_eq!(r.store.load(&key).unwrap().unwrap().version, 1);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..20 {
                        assert!(r.store.load(&key).unwrap().is_some());
                    }
                });
            }
        });
        let mut changed = info.clone();
        changed.name = "李四".into();
        let school = crate::Actor::SchoolOffice {
            id: "s".into(),
            school: "10327".into(),
        };
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 2, 2, 0, 0).unwrap();
        r.upload_batch(
            &[(key.clone(), std::sync::Arc::new(changed))],
            &school,
            at,
            true,
        )
        .unwrap();
        let now = r.store.load(&key).unwrap().unwrap();
        assert_eq!(now.version, 2);
        assert_eq!(now.basic.as_ref().unwrap().name, "李四");
        drop(r);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The registrations table as the first schema made it, before the summary columns of
    /// schools, cohorts, login state and void requests.
    const FIRST_SCHEMA: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta(key, value) VALUES('schema', '1');
CREATE TABLE registrations (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    id_number TEXT NOT NULL,
    name TEXT NOT NULL,
    college TEXT NOT NULL,
    major_code TEXT NOT NULL,
    major_name TEXT NOT NULL,
    stage TEXT NOT NULL,
    active_until INTEGER,
    destination_code TEXT,
    late INTEGER NOT NULL,
    awaiting_since INTEGER,
    graduation_year INTEGER,
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX registrations_id_number ON registrations(id_number) WHERE id_number <> '';
CREATE INDEX registrations_college_major ON registrations(college, major_code);
"#;

    /// No connection maps the file (see [`ReaderPool`]): a truncated file must
    /// give an error, not SIGBUS.
    #[test]
    fn no_connection_maps_the_file() {
        let dir = std::env::temp_dir().join(format!("gradreg-mmap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("mmap.sqlite3");
        let _ = std::fs::remove_file(&file);
        let store = SqliteStore::open(&file).unwrap();
        let size =
            |c: &Connection| -> i64 { c.query_row("PRAGMA mmap_size", [], |r| r.get(0)).unwrap() };
        assert_eq!(size(&store.reader().unwrap()), 0);
        assert_eq!(size(&store.lock().unwrap()), 0);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The statements of an online verification keep their compiled plans from one use to the
    /// next: a join or an indexed `ORDER BY … LIMIT` would otherwise be compiled again every
    /// time the statement cache hands it out (see [`stable_plans`]).
    #[test]
    fn cached_statements_are_not_compiled_again() {
        let dir = std::env::temp_dir().join(format!("gradreg-plans-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("plans.sqlite3");
        let _ = std::fs::remove_file(&file);
        let store = SqliteStore::open(&file).unwrap();
        for reader in [
            store.reader().unwrap(),
            Reader::Writer(store.lock().unwrap()),
        ] {
            for number in ["A", "B", "C"] {
                let mut st = reader.prepare_cached(ATTEMPT_READ).unwrap();
                st.query_row(params!["p", number, 0], |_| Ok(()))
                    .optional()
                    .unwrap();
            }
            let st = reader.prepare_cached(ATTEMPT_READ).unwrap();
            assert_eq!(st.get_status(rusqlite::StatementStatus::RePrepare), 0);
        }
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A file written before the summary columns existed gets them on open, filled from the
    /// stored registrations, once; the rows' other columns are left as they were.
    #[test]
    fn an_older_file_gets_the_summary_columns_on_open() {
        let dir = std::env::temp_dir().join(format!("gradreg-migrate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("old.sqlite3");
        let _ = std::fs::remove_file(&file);
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 5, 1, 2, 0, 0).unwrap();
        let reg = crate::sample::authorized_registration("10327:2022010123", at, 30, [7; 16], None)
            .unwrap();
        let mut pending = reg.clone();
        pending.id = "10327:2022010999".into();
        pending.void_request = Some(crate::lifecycle::VoidRequest {
            reason: "换单位".into(),
            filed_at: at,
            stage: VoidStage::AwaitingCollege,
            notes: Vec::new(),
        });
        if let Some(b) = pending.basic.as_mut() {
            std::sync::Arc::make_mut(b).id_number = String::new();
        }
        pending.chsi = None;
        {
            let c = Connection::open(&file).unwrap();
            c.execute_batch(FIRST_SCHEMA).unwrap();
            for r in [&reg, &pending] {
                c.execute(
                    "INSERT INTO registrations(id, version, id_number, name, college, major_code, \
                     major_name, stage, late, graduation_year, data) \
                     VALUES(?1, ?2, '', 'old', 'old', 'old', 'old', 'confirmed', 0, 2026, ?3)",
                    params![r.id, r.version as i64, serde_json::to_string(r).unwrap()],
                )
                .unwrap();
            }
        }
        let store = SqliteStore::open(&file).unwrap();
        let all = store.summaries(&Filter::default()).unwrap();
        assert_eq!(all.len(), 2);
        let s = &all[0];
        assert_eq!(s.id, reg.id);
        assert_eq!(s.school_code, "10327");
        assert_eq!(s.school_name, "南京财经大学");
        assert_eq!(s.education_level, "31");
        assert_eq!(s.gender, "1");
        assert_eq!(s.origin_region, "320102");
        assert_eq!(s.destination_category.as_deref(), Some("10"));
        assert_eq!(s.destination_region.as_deref(), Some("320106"));
        assert!(s.logged_in);
        assert!(s.login_problems.is_empty());
        assert_eq!(s.void_stage, None);
        // The columns the first schema had are not rewritten.
        assert_eq!(s.name, "old");
        let p = &all[1];
        assert_eq!(p.void_stage, Some(VoidStage::AwaitingCollege));
        assert_eq!(p.void_filed_at, Some(at));
        assert_eq!(p.login_problems, vec![LoginReason::NoChsiAccount]);
        // Filters on the new columns work on the migrated file.
        let school = Filter {
            school: Some("10327".into()),
            ..Filter::default()
        };
        assert_eq!(store.summaries(&school).unwrap().len(), 2);
        let other = Filter {
            school: Some("10284".into()),
            ..Filter::default()
        };
        assert!(store.summaries(&other).unwrap().is_empty());
        drop(store);
        // Once: a second open leaves the columns alone (a raw edit survives it).
        let store = SqliteStore::open(&file).unwrap();
        store
            .execute_raw("UPDATE registrations SET school_name = 'edited'")
            .unwrap();
        drop(store);
        let store = SqliteStore::open(&file).unwrap();
        assert_eq!(
            store.summaries(&Filter::default()).unwrap()[0].school_name,
            "edited"
        );
        let version: String = store
            .lock()
            .unwrap()
            .query_row("SELECT value FROM meta WHERE key = 'summaries'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(version, SUMMARIES_VERSION);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The migration is one transaction: a stored registration it cannot read fails the open
    /// and leaves the file as it was, without the new columns.
    #[test]
    fn a_failed_migration_changes_nothing() {
        let dir = std::env::temp_dir().join(format!("gradreg-migrate-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("old.sqlite3");
        let _ = std::fs::remove_file(&file);
        {
            let c = Connection::open(&file).unwrap();
            c.execute_batch(FIRST_SCHEMA).unwrap();
            c.execute(
                "INSERT INTO registrations(id, version, id_number, name, college, major_code, \
                 major_name, stage, late, data) VALUES('x', 1, '', '', '', '', '', 'confirmed', 0, 'not json')",
                [],
            )
            .unwrap();
        }
        assert!(matches!(SqliteStore::open(&file), Err(Error::Corrupt(_))));
        let c = Connection::open(&file).unwrap();
        let columns: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('registrations') WHERE name = 'school_code'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(columns, 0);
        drop(c);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
