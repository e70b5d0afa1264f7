//! The SQLite store (bundled SQLite, WAL journal): the registry's embedded default.
//!
//! One file holds everything. Writers commit in `IMMEDIATE` transactions with a version check,
//! so two threads or two processes on the same file never lose an update; the audit table
//! refuses updates and deletes through triggers, and its hash chain exposes any edit made
//! behind them.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::store::{
    chain_hash, cohort_index_key, entry_json, transfer_number_of, AuditRecord, ChainHead, Commit,
    Filter, Store, Summary,
};
use crate::error::{Cause, Error, Result};
use crate::lifecycle::{Event, Registration, Stage};

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
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS registrations_id_number ON registrations(id_number) WHERE id_number <> '';
CREATE TABLE IF NOT EXISTS cohorts (
    id_number TEXT NOT NULL,
    graduation_year INTEGER NOT NULL,
    education_level TEXT NOT NULL,
    registration_id TEXT NOT NULL UNIQUE,
    PRIMARY KEY (id_number, graduation_year, education_level)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS registrations_college_major ON registrations(college, major_code);
CREATE TABLE IF NOT EXISTS numbers (number TEXT PRIMARY KEY, registration_id TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS numbers_registration ON numbers(registration_id);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    registration_id TEXT NOT NULL,
    entry TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
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

const SCHEMA_VERSION: &str = "1";

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
INSERT OR IGNORE INTO cohorts(id_number, graduation_year, education_level, registration_id)
    SELECT id_number, COALESCE(graduation_year, 0),
           COALESCE(json_extract(data, '$.basic.education_level'), ''), id
    FROM registrations WHERE id_number <> '';
"#;

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
    }
    tx.commit().map_err(db_err)
}

/// Maps an SQLite error to the crate's storage codes, keeping it as the error's source.
fn db_err(e: rusqlite::Error) -> Error {
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
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

/// The SQLite store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating when absent) the database at `path`, in WAL mode, waiting up to 5 s for
    /// another writer's lock.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with_timeout(path, std::time::Duration::from_secs(5))
    }

    /// Like [`SqliteStore::open`] with a chosen busy timeout: how long a writer waits for another
    /// process's lock before [`Error::Busy`].
    pub fn open_with_timeout(
        path: impl AsRef<Path>,
        busy_timeout: std::time::Duration,
    ) -> Result<Self> {
        let conn = Connection::open(path.as_ref()).map_err(db_err)?;
        Self::init(conn, true, busy_timeout)
    }

    /// A private database in memory (for tests).
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(db_err)?;
        Self::init(conn, false, std::time::Duration::from_secs(5))
    }

    fn init(mut conn: Connection, wal: bool, busy_timeout: std::time::Duration) -> Result<Self> {
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
            Some(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(Error::Storage(
                    format!("unsupported schema version {v}").into(),
                ))
            }
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| Error::Storage("connection poisoned by a panic".into()))
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

impl Store for SqliteStore {
    fn load(&self, id: &str) -> Result<Option<Registration>> {
        let c = self.lock()?;
        let data: Option<String> = c
            .prepare_cached("SELECT data FROM registrations WHERE id = ?1")
            .map_err(db_err)?
            .query_row([id], |r| r.get(0))
            .optional()
            .map_err(db_err)?;
        match data {
            None => Ok(None),
            Some(d) => serde_json::from_str(&d).map(Some).map_err(|e| {
                Error::Corrupt(Cause::with_error(format!("registration {id}: {e}"), e))
            }),
        }
    }

    fn commit(&self, batch: &[Commit<'_>]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
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
                active_until, destination_code, late, awaiting_since, graduation_year, data";
            let mut insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO registrations({COLUMNS}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                ))
                .map_err(db_err)?;
            let mut update = tx
                .prepare_cached(
                    "UPDATE registrations SET version = ?2, id_number = ?3, name = ?4, college = ?5, \
                     major_code = ?6, major_name = ?7, stage = ?8, active_until = ?9, destination_code = ?10, \
                     late = ?11, awaiting_since = ?12, graduation_year = ?13, data = ?14 \
                     WHERE id = ?1 AND version = ?15",
                )
                .map_err(db_err)?;
            let mut number = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO numbers(number, registration_id) VALUES(?1, ?2)",
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
                .prepare_cached("INSERT INTO audit(seq, registration_id, entry, prev_hash, hash) VALUES(?1, ?2, ?3, ?4, ?5)")
                .map_err(db_err)?;
            let mut event = tx
                .prepare_cached("INSERT INTO events(registration_id, event) VALUES(?1, ?2)")
                .map_err(db_err)?;
            for cm in batch {
                let reg = &cm.outcome.registration;
                let s = Summary::of(reg, cm.outcome.audit.at);
                let data = serde_json::to_string(reg)?;
                let version = i64::try_from(reg.version).unwrap_or(i64::MAX);
                let active_until = millis(s.active_until);
                let awaiting_since = millis(s.awaiting_since);

                let written = if cm.expected_version == 0 {
                    insert.execute(params![
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
                        data
                    ])
                } else {
                    update.execute(params![
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
                        i64::try_from(cm.expected_version).unwrap_or(i64::MAX)
                    ])
                };
                match written {
                    Ok(1) => {}
                    Ok(_) => return Err(conflict(&tx, &reg.id, cm.expected_version)),
                    Err(e) if is_unique_violation(&e, "registrations.id") => {
                        return Err(conflict(&tx, &reg.id, cm.expected_version))
                    }
                    Err(e) => return Err(db_err(e)),
                }
                drop_cohort.execute([&reg.id]).map_err(db_err)?;
                if let Some((idn, year, level)) = cohort_index_key(reg) {
                    let other: Option<String> = cohort_holder
                        .query_row(params![idn, year, level], |r| r.get(0))
                        .optional()
                        .map_err(db_err)?;
                    if let Some(other) = other.filter(|o| o != &reg.id) {
                        return Err(Error::DuplicateIdNumber { other });
                    }
                    add_cohort
                        .execute(params![idn, year, level, reg.id])
                        .map_err(db_err)?;
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
                free_transfers
                    .execute(params![
                        reg.id,
                        transfer.map(|t| t.as_compact().to_string())
                    ])
                    .map_err(db_err)?;
                for n in super::store::indexed_numbers(reg) {
                    number.execute(params![n, reg.id]).map_err(db_err)?;
                }
                let json = entry_json(&cm.outcome.audit)?;
                let hash = chain_hash(&prev, &json);
                seq += 1;
                audit
                    .execute(params![
                        i64::try_from(seq).unwrap_or(i64::MAX),
                        reg.id,
                        json,
                        &prev[..],
                        &hash[..]
                    ])
                    .map_err(db_err)?;
                prev = hash;
                for e in &cm.outcome.events {
                    event
                        .execute(params![reg.id, serde_json::to_string(e)?])
                        .map_err(db_err)?;
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
        let c = self.lock()?;
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
        let rows = stmt
            .query_map([id_number.to_ascii_uppercase()], |r| r.get(0))
            .map_err(db_err)?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(db_err)
    }

    fn summaries(&self, filter: &Filter) -> Result<Vec<Summary>> {
        let c = self.lock()?;
        let mut stmt = c
            .prepare_cached(
                "SELECT id, version, name, id_number, college, major_code, major_name, stage, active_until, \
                 destination_code, late, awaiting_since, graduation_year FROM registrations \
                 WHERE (?1 IS NULL OR college = ?1) AND (?2 IS NULL OR major_code = ?2) ORDER BY id",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![filter.college, filter.major_code], |r| {
                let stage: String = r.get(7)?;
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
                })
            })
            .map_err(db_err)?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(db_err)
    }

    fn for_each(&self, f: &mut dyn FnMut(Registration) -> Result<()>) -> Result<()> {
        // Read in pages so that `f` may use the store meanwhile.
        let mut after = String::new();
        loop {
            let page: Vec<(String, String)> = {
                let c = self.lock()?;
                let mut stmt = c
                    .prepare_cached(
                        "SELECT id, data FROM registrations WHERE id > ?1 ORDER BY id LIMIT 1000",
                    )
                    .map_err(db_err)?;
                let rows = stmt
                    .query_map([&after], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(db_err)?;
                rows.collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(db_err)?
            };
            if page.is_empty() {
                return Ok(());
            }
            for (id, data) in page {
                let reg: Registration = serde_json::from_str(&data).map_err(|e| {
                    Error::Corrupt(Cause::with_error(format!("registration {id}: {e}"), e))
                })?;
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
        let c = self.lock()?;
        let mut stmt = c
            .prepare_cached(
                "SELECT seq, entry, prev_hash, hash FROM audit WHERE (?1 IS NULL OR registration_id = ?1) ORDER BY seq",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map([registration_id], |r| {
                Ok(AuditRecord {
                    seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    entry_json: r.get(1)?,
                    prev_hash: hash_from(r.get(2)?),
                    hash: hash_from(r.get(3)?),
                })
            })
            .map_err(db_err)?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(db_err)
    }

    fn audit_head(&self) -> Result<ChainHead> {
        let c = self.lock()?;
        read_head(&c)
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Event)>> {
        let c = self.lock()?;
        let mut stmt = c
            .prepare_cached("SELECT seq, event FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(db_err)?;
        let rows = stmt
            .query_map(
                params![
                    i64::try_from(after).unwrap_or(i64::MAX),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, json) = row.map_err(db_err)?;
            out.push((
                u64::try_from(seq).unwrap_or(0),
                serde_json::from_str(&json)?,
            ));
        }
        Ok(out)
    }

    fn record_attempt(&self, verifier: &str, at: DateTime<Utc>, ok: bool) -> Result<()> {
        let c = self.lock()?;
        c.prepare_cached("INSERT INTO attempts(verifier, at, ok) VALUES(?1, ?2, ?3)")
            .map_err(db_err)?
            .execute(params![verifier, at.timestamp_millis(), ok])
            .map_err(db_err)?;
        Ok(())
    }

    fn failures_since(&self, verifier: &str, since: DateTime<Utc>) -> Result<u32> {
        let c = self.lock()?;
        let n: i64 = c
            .prepare_cached(
                "SELECT COUNT(*) FROM attempts WHERE verifier = ?1 AND at >= ?2 AND ok = 0",
            )
            .map_err(db_err)?
            .query_row(params![verifier, since.timestamp_millis()], |r| r.get(0))
            .map_err(db_err)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    fn record_token(&self, number: &str, key_id: u32, at: DateTime<Utc>) -> Result<u64> {
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
}
