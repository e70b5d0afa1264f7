//! The PostgreSQL store: the registry on a database server, for deployments that outgrow one
//! file (`postgres://` store URLs, feature `postgres`).
//!
//! It keeps the same tables and columns as the SQLite store and gives the same guarantees:
//! commits are one transaction with the version check; the audit table refuses updates,
//! deletes and truncation through a trigger and its hash chain (keyed or not) binds every
//! stored registration; the number and cohort indexes keep their uniqueness; the outbox has
//! consumer cursors; online attempts are counted and recorded atomically across processes.
//!
//! Every table carries `school_code`, the distribution column of a sharded deployment, and
//! `registrations` is partitioned by graduation year (a partition per year, created on demand,
//! and a default one). The audit chain has one global order, so every commit takes one
//! transaction-level advisory lock (the chain tail) before it reads the head: that lock is
//! the store's one serialization point for writers. Large batches (imports) are written with
//! binary `COPY` after one batched check.
//!
//! Connections come from a small pool of our own; each keeps its prepared statements. The
//! connection is plain TCP or a Unix socket (no TLS in this build).

mod pool;
mod schema;
mod tls;

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{GenericClient, Transaction};
use sha2::{Digest, Sha256};

use super::at_rest::{
    audit_place, row_place, seal_id_number, AtRest, DataKeyRing, DocumentKey, EVENT_PLACE,
    ID_NUMBER_PLACE, SEALED_DOCUMENTS,
};
use super::store::{
    cohort_index_key, indexed_numbers, record_hash, registration_hash, transfer_number_of,
    AuditKey, AuditRecord, ChainHead, Commit, Filter, Store, StoredRow, StoredView, Summary,
};
use super::stored;
use super::view::{view_mac, view_of};
use crate::codes::{AttemptKey, Candidate, Failures};
use crate::error::{Cause, Error, Result};
use crate::lifecycle::{Event, LoginReason, Registration, Stage, VoidStage};
use pool::{prep, Pool};
pub use schema::REGISTRY_WIDE;
use schema::{COLUMNS, ROW_SELECT, SCHEMA, SCHEMA_VERSION, SUMMARY_SELECT};

/// The batch size from which a commit writes with `COPY` (after one batched check) instead of
/// a statement per row.
pub const COPY_THRESHOLD: usize = 256;

/// The pool size of [`PostgresOptions::new`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 8;

/// How many times a commit is tried when the server reports a serialization failure or a
/// deadlock before it gives up with [`Error::Busy`].
const COMMIT_TRIES: usize = 4;

/// Advisory-lock keys (64-bit, in the space of `pg_advisory_xact_lock(bigint)`).
const LOCK_SCHEMA: i64 = 0x6772_6164_7265_6701; // "gradreg" 1
const LOCK_CHAIN: i64 = 0x6772_6164_7265_6702;
const LOCK_SLOTS: i64 = 0x6772_6164_7265_6703;

/// The `meta` key of the sealed blind-index key (hex); its presence marks an encrypted store.
const AT_REST_MARKER: &str = "at_rest_index_key";
/// The places (see [`row_place`]) of the sealed registration columns and events.
const DATA_PLACE: &str = "registrations.data";
const VIEW_PLACE: &str = "verification_views.view";
/// The `meta` value of a store whose verification views are complete and of the current format
/// (see [`migrate_views`]; "1" held JSON views).
const VIEWS_VERSION: &str = "2";

/// How a [`PostgresStore`] is opened.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PostgresOptions {
    /// The most connections the store opens at once.
    pub max_connections: usize,
    /// The key of a keyed audit chain (see [`AuditKey`]).
    pub audit_key: Option<AuditKey>,
    /// The data keys that seal personal data (see [`super::at_rest`]).
    pub data_keys: Option<DataKeyRing>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl PostgresOptions {
    /// The defaults: [`DEFAULT_MAX_CONNECTIONS`], no audit key, no data keys.
    pub fn new() -> Self {
        PostgresOptions {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            audit_key: None,
            data_keys: None,
        }
    }

    /// At most `n` connections (at least 1).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Opens with this audit key.
    pub fn audit_key(mut self, key: Option<AuditKey>) -> Self {
        self.audit_key = key;
        self
    }

    /// Opens with these data keys.
    pub fn data_keys(mut self, ring: Option<DataKeyRing>) -> Self {
        self.data_keys = ring;
        self
    }
}

/// The registry kept in a PostgreSQL database.
pub struct PostgresStore {
    pool: Pool,
    /// Connections that hold writers' turns ([`Store::write_turn`]): apart from `pool`, so a
    /// writer holding a turn always finds a connection for its reads and its commit.
    turns: Pool,
    key: Option<AuditKey>,
    at_rest: Option<AtRest>,
    damaged: std::sync::atomic::AtomicBool,
    /// Graduation years known to have a partition of their own.
    partitions: Mutex<HashSet<i32>>,
}

/// After a `COPY` batch: the tables it may have written that have never been analyzed (no
/// planner statistics yet: `reltuples` < 0) — the bulk-loaded tables and the partitions of
/// `registrations`.
const NEVER_ANALYZED: &str = "SELECT c.relname::TEXT FROM pg_class c \
     WHERE c.reltuples < 0 AND c.relkind = 'r' \
     AND (c.relname IN ('cohorts', 'numbers', 'audit', 'events') \
          OR c.oid IN (SELECT inhrelid FROM pg_inherits \
                       WHERE inhparent = 'registrations'::regclass)) \
     AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())";

/// Maps a driver error to the crate's storage codes, keeping it as the source.
pub(crate) fn pg_err(e: postgres::Error) -> Error {
    let state = e.code().cloned();
    let closed = e.is_closed();
    let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
    let cause = Cause::from_error(e);
    match state {
        Some(s)
            if s == SqlState::T_R_SERIALIZATION_FAILURE
                || s == SqlState::T_R_DEADLOCK_DETECTED
                || s == SqlState::LOCK_NOT_AVAILABLE =>
        {
            Error::Busy(cause)
        }
        Some(s) if s == SqlState::DISK_FULL => Error::DiskFull(cause),
        Some(s) if s == SqlState::DATA_CORRUPTED || s == SqlState::INDEX_CORRUPTED => {
            Error::Corrupt(cause)
        }
        Some(s)
            if s == SqlState::INVALID_PASSWORD
                || s == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
                || s == SqlState::INVALID_CATALOG_NAME
                || s == SqlState::TOO_MANY_CONNECTIONS
                || s == SqlState::CANNOT_CONNECT_NOW
                || s.code().starts_with("08") =>
        {
            Error::StoreUnreachable(cause)
        }
        None if closed || io => Error::StoreUnreachable(cause),
        _ => Error::Storage(cause),
    }
}

fn millis(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

fn from_millis(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.and_then(|m| Utc.timestamp_millis_opt(m).single())
}

fn hash_from(v: &[u8]) -> [u8; 32] {
    let mut h = [0u8; 32];
    if v.len() == 32 {
        h.copy_from_slice(v);
    }
    h
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// An advisory-lock key for a name in a namespace (the first 8 bytes of SHA-256).
fn lock_key(namespace: &str, name: &str) -> i64 {
    let mut h = Sha256::new();
    h.update(namespace.as_bytes());
    h.update([0]);
    h.update(name.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_be_bytes(b)
}

/// A document column's stored form: packed ([`super::stored::pack`]) without data keys, sealed
/// for `place` (packed first) with.
fn put_text(at: Option<&AtRest>, text: String, place: impl FnOnce() -> Vec<u8>) -> Result<Vec<u8>> {
    match at {
        None if stored::packs(&text) => stored::pack(&text),
        None => Ok(text.into_bytes()),
        Some(a) => a.seal_text(&place(), &text),
    }
}

/// The first byte of a sealed value (its format version); JSON text never starts with it.
const SEALED_FORMAT: u8 = 1;

/// A document column as read: packed or clear text without data keys (a value written before
/// documents were packed is clear UTF-8), a sealed value opened with. A clear value where a
/// sealed one belongs is [`Error::Undecryptable`]; a sealed (or non-UTF-8, or broken packed)
/// value in a store without data keys is damage ([`Error::Corrupt`]).
fn stored_text(at: Option<&AtRest>, v: Vec<u8>, place: impl FnOnce() -> Vec<u8>) -> Result<String> {
    let sealed = v.first() == Some(&SEALED_FORMAT);
    match (at, sealed) {
        (Some(a), true) => a.open_text(&place(), &v),
        (Some(_), false) => Err(Error::Undecryptable(
            "a clear value where a sealed one belongs".into(),
        )),
        (None, false) => stored::text_of(v),
        (None, true) => Err(Error::Corrupt("a stored value is not text".into())),
    }
}

/// [`stored_text`] for the checks ([`Store::audit`], [`Store::stored_rows`],
/// [`Store::stored_views`]) of a store without data keys: a value that is neither a packed
/// document that unpacks nor UTF-8 text reads
/// as [`super::store::undecodable_text`], which neither parses nor hashes as the document written, so
/// the audit check names the record or row as edited instead of stopping at it. With data keys
/// the value must open ([`stored_text`]).
fn checked_text(
    at: Option<&AtRest>,
    v: Vec<u8>,
    place: impl FnOnce() -> Vec<u8>,
) -> Result<String> {
    match at {
        Some(_) => stored_text(at, v, place),
        None if stored::is_packed(&v) => {
            Ok(stored::unpack(&v).unwrap_or_else(|_| super::store::undecodable_text(&v)))
        }
        None => {
            Ok(String::from_utf8(v)
                .unwrap_or_else(|e| super::store::undecodable_text(e.as_bytes())))
        }
    }
}

/// The text of a void request's stage (its snake_case name).
fn void_stage_text(stage: Option<VoidStage>) -> Option<String> {
    stage.and_then(|v| match serde_json::to_value(v) {
        Ok(serde_json::Value::String(t)) => Some(t),
        _ => None,
    })
}

fn void_stage_parse(text: Option<String>) -> Option<VoidStage> {
    text.and_then(|t| serde_json::from_value(serde_json::Value::String(t)).ok())
}

fn login_problems_parse(text: &str) -> Vec<LoginReason> {
    let names: Vec<serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
    names
        .into_iter()
        .filter_map(|n| serde_json::from_value(n).ok())
        .collect()
}

/// A summary from a row selected by [`SUMMARY_SELECT`].
fn summary_from_row(r: &postgres::Row) -> std::result::Result<Summary, postgres::Error> {
    let stage: String = r.try_get(7)?;
    let problems: String = r.try_get(21)?;
    Ok(Summary {
        id: r.try_get(0)?,
        version: to_u64(r.try_get(1)?),
        name: r.try_get(2)?,
        id_number: r.try_get(3)?,
        college: r.try_get(4)?,
        major_code: r.try_get(5)?,
        major_name: r.try_get(6)?,
        stage: Stage::parse(&stage).unwrap_or(Stage::NotUploaded),
        active_until: from_millis(r.try_get(8)?),
        destination_code: r.try_get(9)?,
        late: r.try_get(10)?,
        awaiting_since: from_millis(r.try_get(11)?),
        graduation_year: r.try_get(12)?,
        school_code: r.try_get(13)?,
        school_name: r.try_get(14)?,
        education_level: r.try_get(15)?,
        gender: r.try_get(16)?,
        origin_region: r.try_get(17)?,
        destination_category: r.try_get(18)?,
        destination_region: r.try_get(19)?,
        logged_in: r.try_get(20)?,
        login_problems: login_problems_parse(&problems),
        void_stage: void_stage_parse(r.try_get(22)?),
        void_filed_at: from_millis(r.try_get(23)?),
    })
}

/// One registration as written: its summary columns, stored document and bindings.
struct RowValues {
    id: String,
    version: i64,
    id_number: String,
    name: String,
    college: String,
    major_code: String,
    major_name: String,
    stage: &'static str,
    active_until: Option<i64>,
    destination_code: Option<String>,
    late: bool,
    awaiting_since: Option<i64>,
    graduation_year: Option<i32>,
    data: Vec<u8>,
    school_code: String,
    school_name: String,
    education_level: String,
    gender: String,
    origin_region: String,
    destination_category: Option<String>,
    destination_region: Option<String>,
    logged_in: bool,
    login_problems: String,
    void_stage: Option<String>,
    void_filed_at: Option<i64>,
    audit_seq: i64,
    id_number_sealed: Option<Vec<u8>>,
    /// SHA-256 of the plaintext JSON (what the audit record binds).
    rh: [u8; 32],
}

impl RowValues {
    /// The values of `reg` written at `at` by audit record `seq`, sealed with `ring`.
    fn of(reg: &Registration, at: DateTime<Utc>, seq: u64, ring: Option<&AtRest>) -> Result<Self> {
        let mut s = Summary::of(reg, at);
        let id_number_sealed = seal_id_number(ring, &reg.id, &mut s.id_number)?;
        let plain = serde_json::to_string(reg)?;
        let rh = registration_hash(&plain);
        let data = put_text(ring, plain, || row_place(DATA_PLACE, &reg.id))?;
        Ok(RowValues {
            id: reg.id.clone(),
            version: to_i64(reg.version),
            id_number: s.id_number,
            name: s.name,
            college: s.college,
            major_code: s.major_code,
            major_name: s.major_name,
            stage: s.stage.as_str(),
            active_until: millis(s.active_until),
            destination_code: s.destination_code,
            late: s.late,
            awaiting_since: millis(s.awaiting_since),
            graduation_year: s.graduation_year,
            data,
            school_code: s.school_code,
            school_name: s.school_name,
            education_level: s.education_level,
            gender: s.gender,
            origin_region: s.origin_region,
            destination_category: s.destination_category,
            destination_region: s.destination_region,
            logged_in: s.logged_in,
            login_problems: serde_json::to_string(&s.login_problems)?,
            void_stage: void_stage_text(s.void_stage),
            void_filed_at: millis(s.void_filed_at),
            audit_seq: to_i64(seq),
            id_number_sealed,
            rh,
        })
    }

    /// The values in [`COLUMNS`] order.
    fn params(&self) -> [&(dyn ToSql + Sync); 27] {
        [
            &self.id,
            &self.version,
            &self.id_number,
            &self.name,
            &self.college,
            &self.major_code,
            &self.major_name,
            &self.stage,
            &self.active_until,
            &self.destination_code,
            &self.late,
            &self.awaiting_since,
            &self.graduation_year,
            &self.data,
            &self.school_code,
            &self.school_name,
            &self.education_level,
            &self.gender,
            &self.origin_region,
            &self.destination_category,
            &self.destination_region,
            &self.logged_in,
            &self.login_problems,
            &self.void_stage,
            &self.void_filed_at,
            &self.audit_seq,
            &self.id_number_sealed,
        ]
    }
}

/// The column types of [`COLUMNS`], for binary `COPY`.
const COLUMN_TYPES: [Type; 27] = [
    Type::TEXT,
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::INT8,
    Type::TEXT,
    Type::BOOL,
    Type::INT8,
    Type::INT4,
    Type::BYTEA,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::BOOL,
    Type::TEXT,
    Type::TEXT,
    Type::INT8,
    Type::INT8,
    Type::BYTEA,
];

const INSERT_REGISTRATION: &str = "INSERT INTO registrations(id, version, id_number, name, \
     college, major_code, major_name, stage, active_until, destination_code, late, \
     awaiting_since, graduation_year, data, school_code, school_name, education_level, gender, \
     origin_region, destination_category, destination_region, logged_in, login_problems, \
     void_stage, void_filed_at, audit_seq, id_number_sealed) VALUES($1, $2, $3, $4, $5, $6, $7, \
     $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, \
     $26, $27)";
const UPDATE_REGISTRATION: &str = "UPDATE registrations SET version = $2, id_number = $3, \
     name = $4, college = $5, major_code = $6, major_name = $7, stage = $8, active_until = $9, \
     destination_code = $10, late = $11, awaiting_since = $12, graduation_year = $13, \
     data = $14, school_code = $15, school_name = $16, education_level = $17, gender = $18, \
     origin_region = $19, destination_category = $20, destination_region = $21, \
     logged_in = $22, login_problems = $23, void_stage = $24, void_filed_at = $25, \
     audit_seq = $26, id_number_sealed = $27 WHERE id = $1 AND version = $28";
const SELECT_VERSION: &str = "SELECT version FROM registrations WHERE id = $1";
const NUMBER_HOLDER: &str = "SELECT registration_id FROM numbers WHERE number = $1";
/// Puts every number of a registration in the index, in one statement; a number already
/// pointing at it is left alone.
const PUT_NUMBERS: &str = "INSERT INTO numbers(number, registration_id, school_code) \
     SELECT n, $2, $3 FROM unnest($1::text[]) AS t(n) ON CONFLICT (number) DO UPDATE SET \
     registration_id = excluded.registration_id, school_code = excluded.school_code \
     WHERE numbers.registration_id IS DISTINCT FROM excluded.registration_id \
     OR numbers.school_code IS DISTINCT FROM excluded.school_code";
/// Transfer numbers have 14 symbols, verification numbers 16: frees the registration's
/// transfer numbers other than its current one.
const FREE_TRANSFERS: &str = "DELETE FROM numbers WHERE registration_id = $1 \
     AND length(number) = 14 AND number IS DISTINCT FROM $2";
const COHORT_HOLDER: &str = "SELECT registration_id FROM cohorts WHERE id_number = $1 \
     AND graduation_year = $2 AND education_level = $3";
const DROP_COHORT: &str = "DELETE FROM cohorts WHERE registration_id = $1";
const ADD_COHORT: &str = "INSERT INTO cohorts(id_number, graduation_year, education_level, \
     registration_id, school_code) VALUES($1, $2, $3, $4, $5)";
const ADD_AUDIT: &str = "INSERT INTO audit(seq, registration_id, entry, prev_hash, hash, \
     registration_hash, school_code) VALUES($1, $2, $3, $4, $5, $6, $7)";
/// Appends a registration's events, in one statement.
const ADD_EVENTS: &str = "INSERT INTO events(seq, registration_id, event, school_code) \
     SELECT s, $3, e, $4 FROM unnest($1::bigint[], $2::bytea[]) AS t(s, e)";
const LOCK: &str = "SELECT pg_advisory_xact_lock($1)";
/// The chain's tail (seq and hash of the last record) and the newest event, read after the
/// chain lock is held.
const CHAIN_TAIL: &str =
    "SELECT a.seq, a.hash, (SELECT COALESCE(MAX(seq), 0)::BIGINT FROM events) \
     FROM (SELECT 1) AS one LEFT JOIN LATERAL \
     (SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1) AS a ON TRUE";
const LAST_EVENT: &str = "SELECT COALESCE(MAX(seq), 0)::BIGINT FROM events";
const SET_HEAD: &str = "INSERT INTO meta(key, value) VALUES('audit_head', $1) \
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/// A stored registration with what the audit log says of it, read by [`ROW_SELECT`].
struct BoundRow {
    id: String,
    data: Vec<u8>,
    audit_seq: Option<i64>,
    record_registration: Option<String>,
    entry: Option<Vec<u8>>,
    prev_hash: Option<Vec<u8>>,
    hash: Option<Vec<u8>>,
    registration_hash: Option<Vec<u8>>,
    latest_seq: Option<i64>,
    latest_bound: Option<bool>,
}

impl BoundRow {
    fn from_row(r: &postgres::Row) -> Result<BoundRow> {
        Self::from_row_at(r, 0)
    }

    /// The row's ten columns from column `at` on.
    fn from_row_at(r: &postgres::Row, at: usize) -> Result<BoundRow> {
        let get = || -> std::result::Result<BoundRow, postgres::Error> {
            Ok(BoundRow {
                id: r.try_get(at)?,
                data: r.try_get(at + 1)?,
                audit_seq: r.try_get(at + 2)?,
                record_registration: r.try_get(at + 3)?,
                entry: r.try_get(at + 4)?,
                prev_hash: r.try_get(at + 5)?,
                hash: r.try_get(at + 6)?,
                registration_hash: r.try_get(at + 7)?,
                latest_seq: r.try_get(at + 8)?,
                latest_bound: r.try_get(at + 9)?,
            })
        };
        get().map_err(pg_err)
    }

    /// Checks the row against its audit record and parses it: [`Error::Tampered`] when it does
    /// not match, [`Error::Corrupt`] when it does not parse.
    fn registration(self, key: Option<&AuditKey>, at: Option<&AtRest>) -> Result<Registration> {
        let id = &self.id;
        let data = stored_text(at, self.data, || row_place(DATA_PLACE, id))?;
        let entry = match (self.entry, self.audit_seq) {
            (Some(e), Some(seq)) => Some(stored_text(at, e, || audit_place(id, to_u64(seq)))?),
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

const LOAD_ROW: &str = "SELECT r.id, r.data, r.audit_seq, a.registration_id, a.entry, \
     a.prev_hash, a.hash, a.registration_hash, \
     (SELECT seq FROM audit WHERE registration_id = r.id ORDER BY seq DESC LIMIT 1), \
     (SELECT registration_hash IS NOT NULL FROM audit WHERE registration_id = r.id \
      ORDER BY seq DESC LIMIT 1) \
     FROM registrations r LEFT JOIN audit a ON a.seq = r.audit_seq WHERE r.id = $1";
const ROW_PAGE: &str = "SELECT r.id, r.data, r.audit_seq, a.registration_id, a.entry, \
     a.prev_hash, a.hash, a.registration_hash, \
     (SELECT seq FROM audit WHERE registration_id = r.id ORDER BY seq DESC LIMIT 1), \
     (SELECT registration_hash IS NOT NULL FROM audit WHERE registration_id = r.id \
      ORDER BY seq DESC LIMIT 1) \
     FROM registrations r LEFT JOIN audit a ON a.seq = r.audit_seq WHERE r.id > $1 \
     ORDER BY r.id LIMIT 1000";

/// The reads of an online attempt in one statement: the three failure counts of the window
/// ($1 principal, $2 number, $3 start of the window in ms; one scan of the two indexes),
/// whether a registration with a verification view holds the number, and that view — or, when
/// none does, the decoy: the first view stored, one index probe whatever the table's size (a
/// found number and an unknown one both read and check one view). The view comes with the
/// audit record it names and the registration's newest record (one probe each), for
/// [`super::store::checked_view`].
const ATTEMPT: &str = "SELECT c.p, c.n, c.pn, \
     k.found, v.registration_id, v.audit_seq, v.view, v.mac, a.registration_id, a.hash, \
     (SELECT seq FROM audit WHERE registration_id = v.registration_id ORDER BY seq DESC LIMIT 1) \
     FROM (SELECT COUNT(*) FILTER (WHERE principal = $1) AS p, \
             COUNT(*) FILTER (WHERE number = $2) AS n, \
             COUNT(*) FILTER (WHERE principal = $1 AND number = $2) AS pn \
         FROM online_failures WHERE (principal = $1 OR number = $2) AND at >= $3) AS c \
     LEFT JOIN LATERAL ((SELECT w.registration_id, TRUE AS found FROM numbers n \
             JOIN verification_views w ON w.registration_id = n.registration_id \
             WHERE n.number = $2) \
         UNION ALL (SELECT registration_id, FALSE FROM verification_views \
             ORDER BY registration_id LIMIT 1) \
         LIMIT 1) AS k ON TRUE \
     LEFT JOIN verification_views v ON v.registration_id = k.registration_id \
     LEFT JOIN audit a ON a.seq = v.audit_seq";

/// Writes a registration's verification view, bound to audit record $2.
const PUT_VIEW: &str = "INSERT INTO verification_views(registration_id, audit_seq, view, mac, \
     school_code) VALUES($1, $2, $3, $4, $5) ON CONFLICT (registration_id) DO UPDATE SET \
     audit_seq = excluded.audit_seq, view = excluded.view, mac = excluded.mac, \
     school_code = excluded.school_code";
const DROP_VIEW: &str = "DELETE FROM verification_views WHERE registration_id = $1";

/// The verification view of `reg` and its stored form (packed, or sealed with data keys);
/// `None` when it has none.
fn view_parts(at: Option<&AtRest>, reg: &Registration) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
    let Some(view) = view_of(reg) else {
        return Ok(None);
    };
    let text = String::from_utf8(view.clone())
        .map_err(|e| Error::Storage(Cause::with_error("verification view", e)))?;
    // Packed like the documents (SQLite keeps its views as text): unpacking costs about 1 µs of
    // a verification that waits about 75 µs for the server's answer anyway, and saves about
    // 200 bytes per authorized graduate.
    let stored = put_text(at, text, || row_place(VIEW_PLACE, &reg.id))?;
    Ok(Some((view, stored)))
}

/// The stored form of the verification view of `reg` bound to the audit record with hash
/// `record_hash`: the view (packed, or sealed with data keys) and its MAC; `None` when it has
/// none.
fn view_values(
    key: Option<&AuditKey>,
    at: Option<&AtRest>,
    reg: &Registration,
    record_hash: &[u8; 32],
) -> Result<Option<(Vec<u8>, [u8; 32])>> {
    Ok(view_parts(at, reg)?.map(|(view, stored)| (stored, view_mac(key, record_hash, &view))))
}

/// What [`PostgresStore::copy_batch`] writes for one registration that does not depend on the
/// rows before it, prepared ahead of the writes ([`super::store::prepare_all`]).
struct CopyRow {
    /// The registration's columns.
    values: RowValues,
    /// The audit entry's canonical JSON, which the chain hashes.
    entry_json: String,
    /// The audit entry's stored form.
    entry: Vec<u8>,
    /// The events' stored forms.
    events: Vec<Vec<u8>>,
    /// The verification view and its stored form ([`view_parts`]).
    view: Option<(Vec<u8>, Vec<u8>)>,
}

impl CopyRow {
    /// Prepares `cm`, whose audit record will be `seq`.
    fn of(at: Option<&AtRest>, cm: &Commit<'_>, seq: u64) -> Result<CopyRow> {
        let reg = &cm.outcome.registration;
        let values = RowValues::of(reg, cm.outcome.audit.at, seq, at)?;
        let (entry_json, entry, events) =
            super::store::entry_and_events(cm, seq, |text, place| put_text(at, text, place))?;
        Ok(CopyRow {
            values,
            entry_json,
            entry,
            events,
            view: view_parts(at, reg)?,
        })
    }
}

/// Writes (or removes, when it has none) the verification view of `reg`, bound to audit record
/// `seq` with hash `record_hash`, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
fn put_view(
    stmts: &mut HashMap<&'static str, postgres::Statement>,
    tx: &mut impl GenericClient,
    key: Option<&AuditKey>,
    at: Option<&AtRest>,
    reg: &Registration,
    seq: i64,
    record_hash: &[u8; 32],
    school_code: &str,
) -> Result<()> {
    match view_values(key, at, reg, record_hash)? {
        Some((view, mac)) => {
            let s = prep(stmts, tx, PUT_VIEW)?;
            tx.execute(&s, &[&reg.id, &seq, &view, &&mac[..], &school_code])
                .map_err(pg_err)?;
        }
        None => {
            let s = prep(stmts, tx, DROP_VIEW)?;
            tx.execute(&s, &[&reg.id]).map_err(pg_err)?;
        }
    }
    Ok(())
}

/// Fills the verification views of a store written before them (or rebuilds those of an older
/// format), once, in one transaction under the schema lock: each stored registration is read through the audit check, and one
/// that passes gets its view, bound to its newest audit record (one that fails gets none: it
/// never verifies, and the full check reports it). A store already filled is left alone.
fn migrate_views(
    client: &mut postgres::Client,
    key: Option<&AuditKey>,
    at: Option<&AtRest>,
) -> Result<()> {
    let mut tx = client.transaction().map_err(pg_err)?;
    tx.execute(LOCK, &[&LOCK_SCHEMA]).map_err(pg_err)?;
    let done: Option<String> = tx
        .query_opt("SELECT value FROM meta WHERE key = 'views'", &[])
        .map_err(pg_err)?
        .map(|r| r.get(0));
    if done.as_deref() == Some(VIEWS_VERSION) {
        return Ok(());
    }
    // Views of an older format are all rebuilt.
    tx.execute("DELETE FROM verification_views", &[])
        .map_err(pg_err)?;
    let mut stmts = HashMap::new();
    let ids: Vec<(String, String)> = tx
        .query("SELECT id, school_code FROM registrations ORDER BY id", &[])
        .map_err(pg_err)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (id, school) in ids {
        let Ok(Some(reg)) = load_row(&mut stmts, &mut tx, &id, key, at) else {
            continue;
        };
        if reg.authorizations.is_empty() {
            continue;
        }
        let newest = tx
            .query_opt(
                "SELECT seq, hash FROM audit WHERE registration_id = $1 ORDER BY seq DESC LIMIT 1",
                &[&id],
            )
            .map_err(pg_err)?;
        if let Some(r) = newest {
            let seq: i64 = r.get(0);
            let hash = hash_from(r.get::<_, &[u8]>(1));
            put_view(&mut stmts, &mut tx, key, at, &reg, seq, &hash, &school)?;
        }
    }
    tx.execute(
        "INSERT INTO meta(key, value) VALUES('views', $1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&VIEWS_VERSION],
    )
    .map_err(pg_err)?;
    tx.commit().map_err(pg_err)
}

/// Analyzes the tables a bulk load has just filled while they had no planner statistics yet
/// ([`NEVER_ANALYZED`]), so that the first plans made on them do not assume they are empty.
/// Later growth is left to autovacuum: analyzing `registrations` again on every doubling cost
/// more than half the store's COPY time in the import benchmark and changed no plan (every
/// hot lookup is an index equality). Best effort: the commit has happened, and a failure
/// only leaves the statistics to autovacuum.
fn analyze_new(stmts: &mut HashMap<&'static str, postgres::Statement>, c: &mut postgres::Client) {
    let Ok(s) = prep(stmts, c, NEVER_ANALYZED) else {
        return;
    };
    let Ok(rows) = c.query(&s, &[]) else {
        return;
    };
    let tables: Vec<String> = rows
        .iter()
        .map(|r| format!("\"{}\"", r.get::<_, &str>(0).replace('"', "\"\"")))
        .collect();
    if !tables.is_empty() {
        let _ = c.batch_execute(&format!("ANALYZE {}", tables.join(", ")));
    }
}

/// Reads and checks registration `id` on `c` (inside or outside a transaction).
fn load_row(
    stmts: &mut HashMap<&'static str, postgres::Statement>,
    c: &mut impl GenericClient,
    id: &str,
    key: Option<&AuditKey>,
    at: Option<&AtRest>,
) -> Result<Option<Registration>> {
    let s = prep(stmts, c, LOAD_ROW)?;
    match c.query_opt(&s, &[&id]).map_err(pg_err)? {
        None => Ok(None),
        Some(row) => BoundRow::from_row(&row)?.registration(key, at).map(Some),
    }
}

/// Creates the schema (once, under a lock, so that racing first opens do not collide) and
/// checks its version.
fn create_schema(client: &mut postgres::Client) -> Result<()> {
    let mut tx = client.transaction().map_err(pg_err)?;
    tx.execute(LOCK, &[&LOCK_SCHEMA]).map_err(pg_err)?;
    tx.batch_execute(SCHEMA).map_err(pg_err)?;
    let version: Option<String> = tx
        .query_opt("SELECT value FROM meta WHERE key = 'schema'", &[])
        .map_err(pg_err)?
        .map(|r| r.get(0));
    match version.as_deref() {
        None => {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES('schema', $1)",
                &[&SCHEMA_VERSION],
            )
            .map_err(pg_err)?;
        }
        Some(SCHEMA_VERSION) => {}
        Some(v) => {
            return Err(Error::Storage(
                format!("unsupported schema version {v}").into(),
            ))
        }
    }
    tx.commit().map_err(pg_err)
}

/// Checks the audit key against the store, as the SQLite store does: a keyed store needs its
/// key, and a key is recorded only in a store whose audit log is still empty.
fn check_audit_key(client: &mut postgres::Client, key: Option<&AuditKey>) -> Result<()> {
    let mut tx = client.transaction().map_err(pg_err)?;
    tx.execute(LOCK, &[&LOCK_CHAIN]).map_err(pg_err)?;
    let stored: Option<String> = tx
        .query_opt("SELECT value FROM meta WHERE key = 'audit_key_check'", &[])
        .map_err(pg_err)?
        .map(|r| r.get(0));
    match (key, stored) {
        (None, None) => {}
        (None, Some(_)) => {
            return Err(Error::AuditKey(
                "this registry's audit log is keyed: open it with its audit key".into(),
            ))
        }
        (Some(k), Some(c)) if k.check_value() == c => {}
        (Some(_), Some(_)) => {
            return Err(Error::AuditKey(
                "this is not the audit key of this registry".into(),
            ))
        }
        (Some(k), None) => {
            let started: bool = tx
                .query_one("SELECT EXISTS(SELECT 1 FROM audit)", &[])
                .map_err(pg_err)?
                .get(0);
            if started {
                return Err(Error::AuditKey(
                    "this registry's audit log was started without a key (or its key record was \
                     removed); a key can only be given to a new registry"
                        .into(),
                ));
            }
            tx.execute(
                "INSERT INTO meta(key, value) VALUES('audit_key_check', $1)",
                &[&k.check_value()],
            )
            .map_err(pg_err)?;
        }
    }
    tx.commit().map_err(pg_err)
}

/// The data key check of the store (the sealed index key, in hex), if it has one.
fn at_rest_marker(tx: &mut Transaction<'_>) -> Result<Option<String>> {
    Ok(tx
        .query_opt("SELECT value FROM meta WHERE key = $1", &[&AT_REST_MARKER])
        .map_err(pg_err)?
        .map(|r| r.get(0)))
}

/// Checks the data keys against the store in one transaction: a store without the marker and
/// no keys stays clear; a store with it needs a ring holding its key; a clear store opened
/// with a ring is sealed in place (every row, then the marker) or not at all.
fn setup_at_rest(
    client: &mut postgres::Client,
    keys: Option<DataKeyRing>,
) -> Result<Option<AtRest>> {
    let mut tx = client.transaction().map_err(pg_err)?;
    tx.execute(LOCK, &[&LOCK_CHAIN]).map_err(pg_err)?;
    let marker = at_rest_marker(&mut tx)?;
    let at = match (marker, keys) {
        (None, None) => None,
        (Some(_), None) => return Err(Error::DataKeyMissing),
        (Some(m), Some(ring)) => {
            let m =
                unhex(&m).ok_or_else(|| Error::Corrupt("the data key check is damaged".into()))?;
            let k = AtRest::open_index_key(&ring, &m)?;
            Some(AtRest::new(ring, k))
        }
        (None, Some(ring)) => {
            let at = AtRest::new(ring, AtRest::fresh_index_key()?);
            reseal(&mut tx, &at, i64::MAX, true)?;
            tx.execute(
                "INSERT INTO meta(key, value) VALUES($1, $2)",
                &[&AT_REST_MARKER, &hex(&at.sealed_index_key()?)],
            )
            .map_err(pg_err)?;
            Some(at)
        }
    };
    tx.commit().map_err(pg_err)?;
    Ok(at)
}

/// Seals (`clear`: from clear text, every row) or re-seals (rows not sealed by the newest key,
/// at most `limit` per table) the personal data, within the caller's transaction, and returns
/// how many values it wrote. The audit trigger is disabled for the transaction's own update of
/// the `entry` column (the chain hashes the clear entries, so it stays valid) and enabled again
/// before it commits.
fn reseal(tx: &mut Transaction<'_>, at: &AtRest, limit: i64, clear: bool) -> Result<u64> {
    let header = at.newest_header().to_vec();
    let read = |v: Vec<u8>, place: &dyn Fn() -> Vec<u8>| -> Result<String> {
        if clear {
            stored_text(None, v, place)
        } else {
            stored_text(Some(at), v, place)
        }
    };
    let mut written = 0u64;
    let regs = tx
        .query(
            "SELECT id, data, id_number_sealed, id_number FROM registrations \
             WHERE substring(data from 1 for 5) <> $1 \
             OR (id_number_sealed IS NOT NULL AND substring(id_number_sealed from 1 for 5) <> $1) \
             ORDER BY id LIMIT $2",
            &[&header, &limit],
        )
        .map_err(pg_err)?;
    for r in regs {
        let id: String = r.get(0);
        let data = read(r.get(1), &|| row_place(DATA_PLACE, &id))?;
        let sealed_idn: Option<Vec<u8>> = r.get(2);
        let idn = match (clear, sealed_idn) {
            (true, _) => r.get(3),
            (false, Some(v)) => read(v, &|| row_place(ID_NUMBER_PLACE, &id))?,
            (false, None) => String::new(),
        };
        let sealed_idn = if idn.is_empty() {
            None
        } else {
            Some(at.seal_text(&row_place(ID_NUMBER_PLACE, &id), &idn)?)
        };
        tx.execute(
            "UPDATE registrations SET data = $2, id_number = $3, id_number_sealed = $4 WHERE id = $1",
            &[
                &id,
                &at.seal_text(&row_place(DATA_PLACE, &id), &data)?,
                &at.blind_index(&idn),
                &sealed_idn,
            ],
        )
        .map_err(pg_err)?;
        written += 1;
    }
    if clear {
        let cohorts = tx
            .query("SELECT registration_id, id_number FROM cohorts", &[])
            .map_err(pg_err)?;
        for r in cohorts {
            let id: String = r.get(0);
            let idn: String = r.get(1);
            tx.execute(
                "UPDATE cohorts SET id_number = $2 WHERE registration_id = $1",
                &[&id, &at.blind_index(&idn)],
            )
            .map_err(pg_err)?;
        }
    }
    for doc in &SEALED_DOCUMENTS {
        let (table, column, key) = (doc.table, doc.column, doc.key.column());
        let rows = tx
            .query(
                &format!(
                    "SELECT registration_id, {column}, {key} FROM {table} \
                     WHERE substring({column} from 1 for 5) <> $1 ORDER BY {key} LIMIT $2"
                ),
                &[&header, &limit],
            )
            .map_err(pg_err)?;
        let lifted = doc.append_only && !rows.is_empty();
        if lifted {
            tx.batch_execute(&format!(
                "ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"
            ))
            .map_err(pg_err)?;
        }
        let update = format!("UPDATE {table} SET {column} = $2 WHERE {key} = $1");
        for r in rows {
            let id: String = r.get(0);
            let seq: i64 = match doc.key {
                DocumentKey::Seq => r.get(2),
                DocumentKey::RegistrationId => 0,
            };
            let place = || (doc.place)(&id, to_u64(seq));
            let sealed = at.seal_text(&place(), &read(r.get(1), &place)?)?;
            let row: &(dyn ToSql + Sync) = match doc.key {
                DocumentKey::Seq => &seq,
                DocumentKey::RegistrationId => &id,
            };
            tx.execute(&update, &[row, &sealed]).map_err(pg_err)?;
            written += 1;
        }
        if lifted {
            tx.batch_execute(&format!(
                "ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"
            ))
            .map_err(pg_err)?;
        }
    }
    Ok(written)
}

/// The graduation years that have a partition of their own.
fn known_partitions(client: &mut postgres::Client) -> Result<HashSet<i32>> {
    let rows = client
        .query(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'registrations'::regclass",
            &[],
        )
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let name: String = r.get(0);
            name.strip_prefix("registrations_y")?.parse().ok()
        })
        .collect())
}

/// The conflict error for a write that found another version.
fn conflict(
    stmts: &mut HashMap<&'static str, postgres::Statement>,
    tx: &mut Transaction<'_>,
    id: &str,
    expected: u64,
) -> Error {
    let found = prep(stmts, tx, SELECT_VERSION)
        .and_then(|s| tx.query_opt(&s, &[&id]).map_err(pg_err))
        .ok()
        .flatten()
        .map_or(0, |r| to_u64(r.get(0)));
    Error::Conflict {
        id: id.to_string(),
        expected,
        found,
    }
}

impl PostgresStore {
    /// The audit records, all or of one registration, in sequence order, each entry read by
    /// [`stored_text`], or by [`checked_text`] for the audit check (`for_check`).
    fn read_audit(
        &self,
        registration_id: Option<&str>,
        for_check: bool,
    ) -> Result<Vec<AuditRecord>> {
        if registration_id.is_some_and(|id| id.contains('\0')) {
            return Ok(Vec::new());
        }
        let rows = self.rows(
            "SELECT seq, entry, prev_hash, hash, registration_hash, registration_id FROM audit \
             WHERE ($1::text IS NULL OR registration_id = $1) ORDER BY seq",
            &[&registration_id],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let seq = to_u64(r.get(0));
            let id: String = r.get(5);
            let place = || audit_place(&id, seq);
            let text = if for_check {
                checked_text(self.at_rest.as_ref(), r.get(1), place)
            } else {
                stored_text(self.at_rest.as_ref(), r.get(1), place)
            };
            out.push(AuditRecord {
                seq,
                entry_json: self.noted(text)?,
                prev_hash: hash_from(r.get::<_, &[u8]>(2)),
                hash: hash_from(r.get::<_, &[u8]>(3)),
                registration_hash: r.get::<_, Option<&[u8]>>(4).map(hash_from),
            });
        }
        Ok(out)
    }

    /// Connects to the database at `url` (libpq's URL form,
    /// `postgres://user:password@host:port/database`), creates the schema on first use and
    /// checks the audit key and data keys against it as the SQLite store does: a keyed store
    /// opens only with its key ([`Error::AuditKey`]); a sealed one needs a ring holding its key
    /// ([`Error::DataKeyMissing`], [`Error::DataKeyWrong`]), and a clear one opened with a ring
    /// is sealed in place, in one transaction. A server that cannot be reached, or refuses the
    /// login, is [`Error::StoreUnreachable`].
    pub fn connect(url: &str, options: PostgresOptions) -> Result<Self> {
        let (url, tls_params) = tls::split_url(url)?;
        let mut config = postgres::Config::from_str(&url).map_err(|e| {
            Error::InvalidArgument(format!(
                "store URL: not a PostgreSQL connection string: {e}"
            ))
        })?;
        let tls = tls::Tls::new(&tls_params, &mut config)?;
        let pool = Pool::new(config.clone(), tls.clone(), options.max_connections);
        let turns = Pool::new(config, tls, options.max_connections);
        let (at_rest, partitions) = {
            let mut c = pool.get()?;
            create_schema(&mut c.client)?;
            check_audit_key(&mut c.client, options.audit_key.as_ref())?;
            let at = setup_at_rest(&mut c.client, options.data_keys)?;
            migrate_views(&mut c.client, options.audit_key.as_ref(), at.as_ref())?;
            (at, known_partitions(&mut c.client)?)
        };
        Ok(PostgresStore {
            pool,
            turns,
            key: options.audit_key,
            at_rest,
            damaged: std::sync::atomic::AtomicBool::new(false),
            partitions: Mutex::new(partitions),
        })
    }

    /// Runs raw SQL. For maintenance and for tests that simulate tampering; bypasses every rule.
    #[doc(hidden)]
    pub fn execute_raw(&self, sql: &str) -> Result<()> {
        self.pool.get()?.client.batch_execute(sql).map_err(pg_err)
    }

    /// Passes `r` on, first recording damage when it is [`Error::Corrupt`] or
    /// [`Error::Tampered`] (writes are refused from then on).
    fn noted<T>(&self, r: Result<T>) -> Result<T> {
        if matches!(r, Err(Error::Corrupt(_) | Error::Tampered(_))) {
            self.mark_damaged();
        }
        r
    }

    fn refuse_if_damaged(&self) -> Result<()> {
        if self.damaged() {
            Err(Error::WritesRefused)
        } else {
            Ok(())
        }
    }

    /// The rows `sql` answers with `params` (the statement prepared once a connection); the
    /// connection goes back to the pool before the rows are read.
    fn rows(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>> {
        let mut c = self.pool.get()?;
        let pool::Conn { client, stmts } = &mut *c;
        let s = prep(stmts, client, sql)?;
        client.query(&s, params).map_err(pg_err)
    }

    /// Walks the rows of `sql`, a page of the rows after the text key `$1` in key order, page
    /// by page from the first (key `''`) until a page is empty: `f` takes each row and answers
    /// its key.
    fn for_each_page(
        &self,
        sql: &'static str,
        f: &mut dyn FnMut(postgres::Row) -> Result<String>,
    ) -> Result<()> {
        let mut after = String::new();
        loop {
            let page = self.rows(sql, &[&after])?;
            if page.is_empty() {
                return Ok(());
            }
            for row in page {
                after = f(row)?;
            }
        }
    }

    /// Makes sure each graduation year of the batch has its partition (outside the commit's
    /// transaction: creating a partition locks the parent table briefly). A year whose rows
    /// already sit in the default partition keeps them there.
    fn ensure_partitions(&self, batch: &[Commit<'_>]) -> Result<()> {
        let wanted: HashSet<i32> = batch
            .iter()
            .filter_map(|c| c.outcome.registration.graduation_year())
            .filter(|y| schema::PARTITION_YEARS.contains(y))
            .collect();
        let missing: Vec<i32> = {
            let known = self
                .partitions
                .lock()
                .map_err(|_| Error::Storage("partition list poisoned by a panic".into()))?;
            wanted.into_iter().filter(|y| !known.contains(y)).collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let mut c = self.pool.get()?;
        for year in missing {
            let mut tx = c.client.transaction().map_err(pg_err)?;
            tx.execute(LOCK, &[&LOCK_SCHEMA]).map_err(pg_err)?;
            let made = tx.batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF registrations FOR VALUES IN ({year})",
                schema::partition_name(year)
            ));
            match made {
                Ok(()) => tx.commit().map_err(pg_err)?,
                // Rows of this year already in the default partition: they stay there.
                Err(e) if e.code() == Some(&SqlState::CHECK_VIOLATION) => drop(tx),
                Err(e) => return Err(pg_err(e)),
            }
            if let Ok(mut known) = self.partitions.lock() {
                known.insert(year);
            }
        }
        Ok(())
    }

    /// The reads of an online attempt, in one statement ([`ATTEMPT`]): the failure counts of
    /// the window, whether a registration holds the number, and that registration — or, when
    /// none does, the decoy — checked against its audit record.
    fn attempt_read(
        &self,
        stmts: &mut HashMap<&'static str, postgres::Statement>,
        c: &mut impl GenericClient,
        principal: &str,
        number: &str,
        since: i64,
    ) -> Result<(Failures, Candidate)> {
        let s = prep(stmts, c, ATTEMPT)?;
        let r = c
            .query_one(&s, &[&principal, &number, &since])
            .map_err(pg_err)?;
        let count = |i: usize| u32::try_from(r.get::<_, i64>(i)).unwrap_or(u32::MAX);
        let failures = Failures {
            by_principal: count(0),
            on_number: count(1),
            by_principal_on_number: count(2),
        };
        let found = r.get::<_, Option<bool>>(3) == Some(true);
        let registration = match r.get::<_, Option<&str>>(4) {
            None => None,
            Some(id) => {
                let view = self.noted(stored_text(self.at_rest.as_ref(), r.get(6), || {
                    row_place(VIEW_PLACE, id)
                }))?;
                Some(self.noted(super::store::checked_view(
                    &super::store::ViewBinding {
                        id,
                        view: view.as_bytes(),
                        mac: r.get::<_, &[u8]>(7),
                        audit_seq: r.get(5),
                        record_registration: r.get(8),
                        record_hash: r.get(9),
                        latest_seq: r.get(10),
                    },
                    self.key.as_ref(),
                ))?)
            }
        };
        Ok((
            failures,
            Candidate {
                found,
                registration,
            },
        ))
    }

    /// One try of a commit.
    fn try_commit(&self, batch: &[Commit<'_>]) -> Result<()> {
        let at = self.at_rest.as_ref();
        let mut c = self.pool.get()?;
        let pool::Conn { client, stmts } = &mut *c;
        let mut tx = client.transaction().map_err(pg_err)?;
        // The chain tail: one writer at a time appends to the audit log.
        let s = prep(stmts, &mut tx, LOCK)?;
        tx.execute(&s, &[&LOCK_CHAIN]).map_err(pg_err)?;
        let s = prep(stmts, &mut tx, CHAIN_TAIL)?;
        let tail = tx.query_one(&s, &[]).map_err(pg_err)?;
        let (mut seq, mut prev) = match tail.get::<_, Option<i64>>(0) {
            Some(n) => (to_u64(n), hash_from(tail.get::<_, &[u8]>(1))),
            None => (0, [0; 32]),
        };
        let mut event_seq: i64 = tail.get(2);
        if batch.len() >= COPY_THRESHOLD {
            if let Some(head) = self.copy_batch(stmts, &mut tx, batch, (seq, prev), event_seq)? {
                let s = prep(stmts, &mut tx, SET_HEAD)?;
                tx.execute(&s, &[&head.to_string()]).map_err(pg_err)?;
                tx.commit().map_err(pg_err)?;
                analyze_new(stmts, client);
                return Ok(());
            }
        }
        for cm in batch {
            let reg = &cm.outcome.registration;
            seq += 1;
            let v = RowValues::of(reg, cm.outcome.audit.at, seq, at)?;
            let p = v.params();
            let written = if cm.expected_version == 0 {
                let s = prep(stmts, &mut tx, SELECT_VERSION)?;
                if tx.query_opt(&s, &[&reg.id]).map_err(pg_err)?.is_some() {
                    return Err(conflict(stmts, &mut tx, &reg.id, 0));
                }
                let s = prep(stmts, &mut tx, INSERT_REGISTRATION)?;
                tx.execute(&s, &p)
            } else {
                let s = prep(stmts, &mut tx, UPDATE_REGISTRATION)?;
                let expected = to_i64(cm.expected_version);
                let mut p28: Vec<&(dyn ToSql + Sync)> = p.to_vec();
                p28.push(&expected);
                tx.execute(&s, &p28)
            };
            match written {
                Ok(1) => {}
                Ok(_) => return Err(conflict(stmts, &mut tx, &reg.id, cm.expected_version)),
                Err(e) => return Err(pg_err(e)),
            }
            // The cohort: unchanged when the registration already holds its key (one lookup);
            // otherwise its old key is freed and the new one claimed.
            let mut cohort_held = false;
            if let Some((idn, year, level)) = cohort_index_key(reg) {
                let idn = at.map_or(idn.clone(), |a| a.blind_index(&idn));
                let s = prep(stmts, &mut tx, COHORT_HOLDER)?;
                let holder: Option<String> = tx
                    .query_opt(&s, &[&idn, &year, &level])
                    .map_err(pg_err)?
                    .map(|r| r.get(0));
                match holder {
                    Some(h) if h == reg.id => cohort_held = true,
                    Some(other) => return Err(Error::DuplicateIdNumber { other }),
                    None => {
                        let s = prep(stmts, &mut tx, DROP_COHORT)?;
                        tx.execute(&s, &[&reg.id]).map_err(pg_err)?;
                        let s = prep(stmts, &mut tx, ADD_COHORT)?;
                        tx.execute(&s, &[&idn, &year, &level, &reg.id, &v.school_code])
                            .map_err(pg_err)?;
                        cohort_held = true;
                    }
                }
            }
            if !cohort_held {
                let s = prep(stmts, &mut tx, DROP_COHORT)?;
                tx.execute(&s, &[&reg.id]).map_err(pg_err)?;
            }
            let transfer = transfer_number_of(reg);
            if let Some(t) = transfer {
                let s = prep(stmts, &mut tx, NUMBER_HOLDER)?;
                let holder: Option<String> = tx
                    .query_opt(&s, &[&t.as_compact()])
                    .map_err(pg_err)?
                    .map(|r| r.get(0));
                if let Some(holder) = holder.filter(|o| o != &reg.id) {
                    return Err(Error::DuplicateTransferNumber {
                        number: t.to_string(),
                        holder,
                    });
                }
            }
            let s = prep(stmts, &mut tx, FREE_TRANSFERS)?;
            let current = transfer.map(|t| t.as_compact().to_string());
            tx.execute(&s, &[&reg.id, &current]).map_err(pg_err)?;
            let numbers = indexed_numbers(reg);
            if !numbers.is_empty() {
                let s = prep(stmts, &mut tx, PUT_NUMBERS)?;
                tx.execute(&s, &[&numbers, &reg.id, &v.school_code])
                    .map_err(pg_err)?;
            }
            let (json, entry, docs) =
                super::store::entry_and_events(cm, seq, |text, place| put_text(at, text, place))?;
            let hash = record_hash(self.key.as_ref(), &prev, &json, Some(&v.rh));
            let s = prep(stmts, &mut tx, ADD_AUDIT)?;
            tx.execute(
                &s,
                &[
                    &v.audit_seq,
                    &reg.id,
                    &entry,
                    &&prev[..],
                    &&hash[..],
                    &&v.rh[..],
                    &v.school_code,
                ],
            )
            .map_err(pg_err)?;
            put_view(
                stmts,
                &mut tx,
                self.key.as_ref(),
                at,
                reg,
                v.audit_seq,
                &hash,
                &v.school_code,
            )?;
            prev = hash;
            if !docs.is_empty() {
                let seqs: Vec<i64> = docs
                    .iter()
                    .map(|_| {
                        event_seq += 1;
                        event_seq
                    })
                    .collect();
                let s = prep(stmts, &mut tx, ADD_EVENTS)?;
                tx.execute(&s, &[&seqs, &docs, &reg.id, &v.school_code])
                    .map_err(pg_err)?;
            }
        }
        let s = prep(stmts, &mut tx, SET_HEAD)?;
        tx.execute(&s, &[&seq.to_string()]).map_err(pg_err)?;
        tx.commit().map_err(pg_err)
    }

    /// Writes a large batch of new registrations with `COPY`, after one batched check of ids,
    /// cohorts and numbers. Returns the new head's sequence number, or `None` (nothing
    /// written) when the batch is not all new registrations with fresh numbers, which the
    /// row-by-row path then writes (or refuses) with its exact errors.
    fn copy_batch(
        &self,
        stmts: &mut HashMap<&'static str, postgres::Statement>,
        tx: &mut Transaction<'_>,
        batch: &[Commit<'_>],
        head: (u64, [u8; 32]),
        mut event_seq: i64,
    ) -> Result<Option<u64>> {
        let at = self.at_rest.as_ref();
        let mut ids = HashSet::with_capacity(batch.len());
        let mut cohort_keys = HashSet::with_capacity(batch.len());
        let mut numbers = HashSet::new();
        for cm in batch {
            let reg = &cm.outcome.registration;
            if cm.expected_version != 0 || !ids.insert(reg.id.as_str()) {
                return Ok(None);
            }
            if let Some((idn, year, level)) = cohort_index_key(reg) {
                let idn = at.map_or(idn.clone(), |a| a.blind_index(&idn));
                if !cohort_keys.insert((idn, year, level)) {
                    return Ok(None);
                }
            }
            for n in indexed_numbers(reg) {
                if !numbers.insert(n) {
                    return Ok(None);
                }
            }
        }
        let id_list: Vec<&str> = ids.iter().copied().collect();
        let taken = tx
            .query_opt(
                "SELECT 1 FROM registrations WHERE id = ANY($1) LIMIT 1",
                &[&id_list],
            )
            .map_err(pg_err)?;
        if taken.is_some() {
            return Ok(None);
        }
        let (mut i, mut y, mut l) = (Vec::new(), Vec::new(), Vec::new());
        for (a, b, c) in &cohort_keys {
            i.push(a.as_str());
            y.push(*b);
            l.push(c.as_str());
        }
        let held = tx
            .query_opt(
                "SELECT 1 FROM cohorts c JOIN unnest($1::text[], $2::int4[], $3::text[]) \
                 AS k(i, y, l) ON c.id_number = k.i AND c.graduation_year = k.y \
                 AND c.education_level = k.l LIMIT 1",
                &[&i, &y, &l],
            )
            .map_err(pg_err)?;
        if held.is_some() {
            return Ok(None);
        }
        if !numbers.is_empty() {
            let list: Vec<&str> = numbers.iter().map(String::as_str).collect();
            let held = tx
                .query_opt(
                    "SELECT 1 FROM numbers WHERE number = ANY($1) LIMIT 1",
                    &[&list],
                )
                .map_err(pg_err)?;
            if held.is_some() {
                return Ok(None);
            }
        }
        let _ = stmts;
        let (mut seq, mut prev) = head;
        // Each row's documents, hashes and columns, prepared ahead on several threads; the
        // chain's hashes then run in order.
        let prepared =
            super::store::prepare_all(batch, |i, cm| CopyRow::of(at, cm, head.0 + 1 + i as u64))?;
        let mut rows = Vec::with_capacity(batch.len());
        let mut audits = Vec::with_capacity(batch.len());
        let mut views = Vec::with_capacity(batch.len());
        let mut events = Vec::new();
        for (cm, p) in batch.iter().zip(prepared) {
            let reg = &cm.outcome.registration;
            seq += 1;
            let v = p.values;
            let hash = record_hash(self.key.as_ref(), &prev, &p.entry_json, Some(&v.rh));
            audits.push((v.audit_seq, p.entry, prev, hash));
            prev = hash;
            for e in p.events {
                event_seq += 1;
                events.push((event_seq, rows.len(), e));
            }
            views.push(p.view);
            rows.push((reg, v));
        }
        {
            let w = tx
                .copy_in(&format!(
                    "COPY registrations({COLUMNS}) FROM STDIN (FORMAT binary)"
                ))
                .map_err(pg_err)?;
            let mut w = BinaryCopyInWriter::new(w, &COLUMN_TYPES);
            for (_, v) in &rows {
                w.write(&v.params()).map_err(pg_err)?;
            }
            w.finish().map_err(pg_err)?;
        }
        {
            let w = tx
                .copy_in("COPY cohorts(id_number, graduation_year, education_level, registration_id, school_code) FROM STDIN (FORMAT binary)")
                .map_err(pg_err)?;
            let mut w = BinaryCopyInWriter::new(
                w,
                &[Type::TEXT, Type::INT4, Type::TEXT, Type::TEXT, Type::TEXT],
            );
            for (reg, v) in &rows {
                if let Some((idn, year, level)) = cohort_index_key(reg) {
                    let idn = at.map_or(idn.clone(), |a| a.blind_index(&idn));
                    w.write(&[&idn, &year, &level, &v.id, &v.school_code])
                        .map_err(pg_err)?;
                }
            }
            w.finish().map_err(pg_err)?;
        }
        if !numbers.is_empty() {
            let w = tx
                .copy_in(
                    "COPY numbers(number, registration_id, school_code) FROM STDIN (FORMAT binary)",
                )
                .map_err(pg_err)?;
            let mut w = BinaryCopyInWriter::new(w, &[Type::TEXT, Type::TEXT, Type::TEXT]);
            for (reg, v) in &rows {
                for n in indexed_numbers(reg) {
                    w.write(&[&n, &v.id, &v.school_code]).map_err(pg_err)?;
                }
            }
            w.finish().map_err(pg_err)?;
        }
        {
            let w = tx
                .copy_in("COPY audit(seq, registration_id, entry, prev_hash, hash, registration_hash, school_code) FROM STDIN (FORMAT binary)")
                .map_err(pg_err)?;
            let mut w = BinaryCopyInWriter::new(
                w,
                &[
                    Type::INT8,
                    Type::TEXT,
                    Type::BYTEA,
                    Type::BYTEA,
                    Type::BYTEA,
                    Type::BYTEA,
                    Type::TEXT,
                ],
            );
            for ((_, v), (s, entry, prev, hash)) in rows.iter().zip(&audits) {
                w.write(&[
                    s,
                    &v.id,
                    entry,
                    &&prev[..],
                    &&hash[..],
                    &&v.rh[..],
                    &v.school_code,
                ])
                .map_err(pg_err)?;
            }
            w.finish().map_err(pg_err)?;
        }
        self.copy_views(tx, &rows, &audits, views)?;
        if !events.is_empty() {
            let w = tx
                .copy_in(
                    "COPY events(seq, registration_id, event, school_code) FROM STDIN (FORMAT binary)",
                )
                .map_err(pg_err)?;
            let mut w =
                BinaryCopyInWriter::new(w, &[Type::INT8, Type::TEXT, Type::BYTEA, Type::TEXT]);
            for (s, row, e) in &events {
                let v = &rows[*row].1;
                w.write(&[s, &v.id, e, &v.school_code]).map_err(pg_err)?;
            }
            w.finish().map_err(pg_err)?;
        }
        Ok(Some(seq))
    }
}

/// An audit record as [`PostgresStore::copy_batch`] writes it: sequence number, stored entry,
/// previous hash, hash.
type CopiedAudit = (i64, Vec<u8>, [u8; 32], [u8; 32]);

impl PostgresStore {
    /// Writes the verification views of a batch of new registrations with `COPY` (see
    /// [`PostgresStore::copy_batch`]): `rows`, `audits` and `views` pair each registration
    /// with the audit record written for it (its sequence number and hash at 0 and 3) and its
    /// view ([`view_parts`]).
    fn copy_views(
        &self,
        tx: &mut Transaction<'_>,
        rows: &[(&Registration, RowValues)],
        audits: &[CopiedAudit],
        views: Vec<Option<(Vec<u8>, Vec<u8>)>>,
    ) -> Result<()> {
        let w = tx
            .copy_in(
                "COPY verification_views(registration_id, audit_seq, view, mac, school_code) \
                 FROM STDIN (FORMAT binary)",
            )
            .map_err(pg_err)?;
        let mut w = BinaryCopyInWriter::new(
            w,
            &[Type::TEXT, Type::INT8, Type::BYTEA, Type::BYTEA, Type::TEXT],
        );
        for (((_, v), (seq, _, _, hash)), view) in rows.iter().zip(audits).zip(views) {
            if let Some((view, stored)) = view {
                let mac = view_mac(self.key.as_ref(), hash, &view);
                w.write(&[&v.id, seq, &stored, &&mac[..], &v.school_code])
                    .map_err(pg_err)?;
            }
        }
        w.finish().map_err(pg_err)?;
        Ok(())
    }
}

impl Store for PostgresStore {
    fn load(&self, id: &str) -> Result<Option<Registration>> {
        // PostgreSQL text holds no NUL, so no stored registration has such an id; answering
        // "none" lets the state machine refuse the key with its own error.
        if id.contains('\0') {
            return Ok(None);
        }
        let r = {
            let mut c = self.pool.get()?;
            let pool::Conn { client, stmts } = &mut *c;
            load_row(stmts, client, id, self.key.as_ref(), self.at_rest.as_ref())
        };
        self.noted(r)
    }

    fn write_turn(&self, id: &str, f: &mut dyn FnMut() -> Result<()>) -> Result<()> {
        if id.contains('\0') {
            return f();
        }
        let key = lock_key("write-turn", id);
        let mut c = self.turns.get()?;
        c.client
            .execute("SELECT pg_advisory_lock($1)", &[&key])
            .map_err(pg_err)?;
        let r = f();
        if c.client
            .execute("SELECT pg_advisory_unlock($1)", &[&key])
            .is_err()
        {
            // A connection in an unknown state is closed rather than returned: closing it
            // ends its session, which releases the lock.
            c.discard();
        }
        r
    }

    fn commit(&self, batch: &[Commit<'_>]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        self.refuse_if_damaged()?;
        self.ensure_partitions(batch)?;
        let mut tries = 0;
        loop {
            tries += 1;
            match self.try_commit(batch) {
                Err(Error::Busy(_)) if tries < COMMIT_TRIES => {
                    std::thread::sleep(std::time::Duration::from_millis(5 << tries));
                }
                r => return r,
            }
        }
    }

    fn find_by_number(&self, number: &str) -> Result<Option<String>> {
        if number.contains('\0') {
            return Ok(None);
        }
        let mut c = self.pool.get()?;
        let pool::Conn { client, stmts } = &mut *c;
        let s = prep(stmts, client, NUMBER_HOLDER)?;
        Ok(client
            .query_opt(&s, &[&number])
            .map_err(pg_err)?
            .map(|r| r.get(0)))
    }

    fn find_by_id_number(&self, id_number: &str) -> Result<Vec<String>> {
        if id_number.contains('\0') {
            return Ok(Vec::new());
        }
        let key = match &self.at_rest {
            Some(a) => a.blind_index(id_number),
            None => id_number.to_ascii_uppercase(),
        };
        Ok(self
            .rows(
                "SELECT id FROM registrations WHERE id_number = $1 AND id_number <> '' ORDER BY id",
                &[&key],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn present(
        &self,
        ids: &[&str],
        id_numbers: &[&str],
    ) -> Result<(HashSet<String>, HashSet<String>)> {
        // Text holding NUL is stored nowhere (see `load`).
        let ids: Vec<&str> = ids.iter().copied().filter(|i| !i.contains('\0')).collect();
        // The stored form of each ID number (its blind index when sealed) → the number asked.
        let mut keys: HashMap<String, Vec<&str>> = HashMap::new();
        for n in id_numbers.iter().filter(|n| !n.contains('\0')) {
            let key = match &self.at_rest {
                Some(a) => a.blind_index(n),
                None => n.to_ascii_uppercase(),
            };
            keys.entry(key).or_default().push(n);
        }
        let key_list: Vec<&str> = keys.keys().map(String::as_str).collect();
        let mut c = self.pool.get()?;
        let pool::Conn { client, stmts } = &mut *c;
        let mut found = HashSet::new();
        if !ids.is_empty() {
            let s = prep(
                stmts,
                client,
                "SELECT id FROM registrations WHERE id = ANY($1)",
            )?;
            for r in client.query(&s, &[&ids]).map_err(pg_err)? {
                found.insert(r.get::<_, String>(0));
            }
        }
        let mut held = HashSet::new();
        if !key_list.is_empty() {
            let s = prep(
                stmts,
                client,
                "SELECT DISTINCT id_number FROM registrations \
                 WHERE id_number = ANY($1) AND id_number <> ''",
            )?;
            for r in client.query(&s, &[&key_list]).map_err(pg_err)? {
                for n in keys.get(r.get::<_, &str>(0)).into_iter().flatten() {
                    held.insert((*n).to_string());
                }
            }
        }
        Ok((found, held))
    }

    fn summaries(&self, filter: &Filter) -> Result<Vec<Summary>> {
        const SQL: &str = "SELECT id, version, name, id_number, college, major_code, \
             major_name, stage, active_until, destination_code, late, awaiting_since, \
             graduation_year, school_code, school_name, education_level, gender, origin_region, \
             destination_category, destination_region, logged_in, login_problems, void_stage, \
             void_filed_at, id_number_sealed FROM registrations \
             WHERE ($1::text IS NULL OR college = $1) AND ($2::text IS NULL OR major_code = $2) \
             AND ($3::text IS NULL OR school_code = $3) ORDER BY id";
        debug_assert!(SQL.starts_with(SUMMARY_SELECT));
        let rows = self.rows(SQL, &[&filter.college, &filter.major_code, &filter.school])?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut s = summary_from_row(&r).map_err(pg_err)?;
            if let Some(a) = &self.at_rest {
                let sealed: Option<Vec<u8>> = r.try_get(24).map_err(pg_err)?;
                s.id_number = match sealed {
                    Some(v) => self.noted(stored_text(Some(a), v, || {
                        row_place(ID_NUMBER_PLACE, &s.id)
                    }))?,
                    None => String::new(),
                };
            }
            out.push(s);
        }
        Ok(out)
    }

    fn for_each(&self, f: &mut dyn FnMut(Registration) -> Result<()>) -> Result<()> {
        debug_assert!(ROW_PAGE.starts_with(ROW_SELECT));
        self.for_each_page(ROW_PAGE, &mut |row| {
            let row = self.noted(BoundRow::from_row(&row))?;
            let id = row.id.clone();
            f(self.noted(row.registration(self.key.as_ref(), self.at_rest.as_ref()))?)?;
            Ok(id)
        })
    }

    fn count(&self) -> Result<u64> {
        let mut c = self.pool.get()?;
        let n: i64 = c
            .client
            .query_one("SELECT COUNT(*) FROM registrations", &[])
            .map_err(pg_err)?
            .get(0);
        Ok(to_u64(n))
    }

    fn audit(&self, registration_id: Option<&str>) -> Result<Vec<AuditRecord>> {
        self.read_audit(registration_id, false)
    }

    fn audit_for_check(&self) -> Result<Vec<AuditRecord>> {
        self.read_audit(None, true)
    }

    fn audit_head(&self) -> Result<ChainHead> {
        let mut c = self.pool.get()?;
        let row = c
            .client
            .query_opt(
                "SELECT m.value, a.hash FROM meta m LEFT JOIN audit a \
                 ON a.seq = CASE WHEN m.value ~ '^[0-9]{1,18}$' THEN m.value::BIGINT END \
                 WHERE m.key = 'audit_head'",
                &[],
            )
            .map_err(pg_err)?;
        Ok(match row {
            Some(r) => ChainHead {
                seq: r.get::<_, String>(0).parse().unwrap_or(0),
                hash: r
                    .get::<_, Option<&[u8]>>(1)
                    .map(hash_from)
                    .unwrap_or_default(),
            },
            None => ChainHead::default(),
        })
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Event)>> {
        let rows = self.rows(
            "SELECT seq, event, registration_id FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&to_i64(after), &i64::try_from(limit).unwrap_or(i64::MAX)],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let seq: i64 = r.get(0);
            let id: String = r.get(2);
            let json = self.noted(stored_text(self.at_rest.as_ref(), r.get(1), || {
                row_place(EVENT_PLACE, &id)
            }))?;
            let event = serde_json::from_str(&json)
                .map_err(|e| Error::Corrupt(Cause::with_error(format!("event {seq}: {e}"), e)));
            out.push((to_u64(seq), self.noted(event)?));
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
        let mut c = self.pool.get()?;
        let pool::Conn { client, stmts } = &mut *c;
        // First the reads alone, in one statement (one snapshot, no transaction, no lock): an
        // attempt that records nothing (a match, or a refusal past the limits) is answered from
        // them. Failure counts only grow within a window, so that answer stands as if the
        // attempt had run at the statement's snapshot.
        let (failures, candidate) = self.attempt_read(stmts, client, principal, number, since)?;
        if !judge(&failures, candidate) {
            return Ok(());
        }
        // A failure to record: again under the locks, so that the counts, the lookup and the
        // record are one step. Attempts of the same principal or on the same number wait for
        // each other: their locks are taken in one order (no deadlock), held to the end of the
        // transaction. `judge`'s answer here is the one that counts.
        let mut tx = client.transaction().map_err(pg_err)?;
        let mut locks = [lock_key("principal", principal), lock_key("number", number)];
        locks.sort_unstable();
        let s = prep(
            stmts,
            &mut tx,
            "SELECT pg_advisory_xact_lock($1), pg_advisory_xact_lock($2)",
        )?;
        tx.execute(&s, &[&locks[0], &locks[1]]).map_err(pg_err)?;
        let (failures, candidate) = self.attempt_read(stmts, &mut tx, principal, number, since)?;
        if judge(&failures, candidate) {
            let s = prep(
                stmts,
                &mut tx,
                "INSERT INTO online_failures(principal, number, at) VALUES($1, $2, $3)",
            )?;
            tx.execute(&s, &[&principal, &number, &key.at.timestamp_millis()])
                .map_err(pg_err)?;
        }
        tx.commit().map_err(pg_err)
    }

    fn record_token(&self, number: &str, key_id: u32, at: DateTime<Utc>) -> Result<u64> {
        self.refuse_if_damaged()?;
        let ms = at.timestamp_millis();
        let mut c = self.pool.get()?;
        let mut tx = c.client.transaction().map_err(pg_err)?;
        tx.execute(LOCK, &[&LOCK_SLOTS]).map_err(pg_err)?;
        tx.execute(
            "INSERT INTO signing_keys(number, key_id, first_at) VALUES($1, $2, $3) \
             ON CONFLICT DO NOTHING",
            &[&number, &i64::from(key_id), &ms],
        )
        .map_err(pg_err)?;
        // Slots are stored from 1 (as in the SQLite store); the published slot is one less.
        tx.execute(
            "INSERT INTO status_slots(slot, number, at) \
             SELECT COALESCE(MAX(slot), 0) + 1, $1, $2 FROM status_slots \
             ON CONFLICT (number) DO NOTHING",
            &[&number, &ms],
        )
        .map_err(pg_err)?;
        let slot: i64 = tx
            .query_one(
                "SELECT slot FROM status_slots WHERE number = $1",
                &[&number],
            )
            .map_err(pg_err)?
            .get(0);
        tx.commit().map_err(pg_err)?;
        u64::try_from(slot - 1).map_err(|_| Error::Corrupt("status slot below 1".into()))
    }

    fn signing_keys(&self, number: &str) -> Result<Vec<(u32, DateTime<Utc>)>> {
        let rows = self.rows(
            "SELECT key_id, first_at FROM signing_keys WHERE number = $1 ORDER BY key_id",
            &[&number],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let at = DateTime::from_timestamp_millis(r.get(1))
                .ok_or_else(|| Error::Corrupt("signing time out of range".into()))?;
            out.push((u32::try_from(r.get::<_, i64>(0)).unwrap_or(u32::MAX), at));
        }
        Ok(out)
    }

    fn status_slots(&self) -> Result<Vec<(u64, String)>> {
        let rows = self.rows("SELECT slot, number FROM status_slots ORDER BY slot", &[])?;
        Ok(rows
            .iter()
            .map(|r| (to_u64(r.get::<_, i64>(0) - 1), r.get(1)))
            .collect())
    }

    fn last_event_seq(&self) -> Result<u64> {
        let mut c = self.pool.get()?;
        let n: i64 = c.client.query_one(LAST_EVENT, &[]).map_err(pg_err)?.get(0);
        Ok(to_u64(n))
    }

    fn consumer_cursor(&self, name: &str) -> Result<u64> {
        let mut c = self.pool.get()?;
        Ok(c.client
            .query_opt(
                "SELECT seq FROM consumer_cursors WHERE consumer = $1",
                &[&name],
            )
            .map_err(pg_err)?
            .map_or(0, |r| to_u64(r.get(0))))
    }

    fn ack(&self, name: &str, seq: u64) -> Result<u64> {
        self.refuse_if_damaged()?;
        let mut c = self.pool.get()?;
        let mut tx = c.client.transaction().map_err(pg_err)?;
        let last: i64 = tx.query_one(LAST_EVENT, &[]).map_err(pg_err)?.get(0);
        let cursor = tx
            .query_opt(
                "SELECT seq FROM consumer_cursors WHERE consumer = $1 FOR UPDATE",
                &[&name],
            )
            .map_err(pg_err)?
            .map_or(0, |r| to_u64(r.get(0)));
        let next = super::store::advance_cursor(name, cursor, seq, to_u64(last))?;
        // GREATEST: a racing acknowledgement further on is never moved back.
        let stored: i64 = tx
            .query_one(
                "INSERT INTO consumer_cursors(consumer, seq) VALUES($1, $2) \
                 ON CONFLICT (consumer) DO UPDATE \
                 SET seq = GREATEST(consumer_cursors.seq, excluded.seq) RETURNING seq",
                &[&name, &to_i64(next)],
            )
            .map_err(pg_err)?
            .get(0);
        tx.commit().map_err(pg_err)?;
        Ok(to_u64(stored))
    }

    fn mark_sent(&self, consumer: &str, id: &str, at: DateTime<Utc>) -> Result<bool> {
        self.refuse_if_damaged()?;
        let mut c = self.pool.get()?;
        let n = c
            .client
            .execute(
                "INSERT INTO sent_notifications(consumer, id, at) VALUES($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
                &[&consumer, &id, &at.timestamp_millis()],
            )
            .map_err(pg_err)?;
        Ok(n == 1)
    }

    fn sent_at(&self, consumer: &str, id: &str) -> Result<Option<DateTime<Utc>>> {
        let mut c = self.pool.get()?;
        Ok(c.client
            .query_opt(
                "SELECT at FROM sent_notifications WHERE consumer = $1 AND id = $2",
                &[&consumer, &id],
            )
            .map_err(pg_err)?
            .and_then(|r| from_millis(Some(r.get(0)))))
    }

    fn stored_rows(&self, f: &mut dyn FnMut(StoredRow) -> Result<()>) -> Result<()> {
        self.for_each_page(
            "SELECT id, audit_seq, data FROM registrations WHERE id > $1 ORDER BY id LIMIT 1000",
            &mut |r| {
                let id: String = r.get(0);
                let data = self.noted(checked_text(self.at_rest.as_ref(), r.get(2), || {
                    row_place(DATA_PLACE, &id)
                }))?;
                f(StoredRow {
                    id: id.clone(),
                    audit_seq: r.get::<_, Option<i64>>(1).map(to_u64),
                    data,
                })?;
                Ok(id)
            },
        )
    }

    fn stored_views(&self, f: &mut dyn FnMut(StoredView) -> Result<()>) -> Result<bool> {
        self.for_each_page(
            "SELECT registration_id, audit_seq, view, mac FROM verification_views \
             WHERE registration_id > $1 ORDER BY registration_id LIMIT 1000",
            &mut |r| {
                let id: String = r.get(0);
                let view = self.noted(checked_text(self.at_rest.as_ref(), r.get(2), || {
                    row_place(VIEW_PLACE, &id)
                }))?;
                f(StoredView {
                    id: id.clone(),
                    audit_seq: to_u64(r.get(1)),
                    view: view.into_bytes(),
                    mac: r.get(3),
                })?;
                Ok(id)
            },
        )?;
        Ok(true)
    }

    fn number_index(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .rows(
                "SELECT number, registration_id FROM numbers ORDER BY number",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
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

    fn reseal_step(&self, batch: usize) -> Result<u64> {
        let Some(at) = &self.at_rest else {
            return Ok(0);
        };
        let mut c = self.pool.get()?;
        let mut tx = c.client.transaction().map_err(pg_err)?;
        tx.execute(LOCK, &[&LOCK_CHAIN]).map_err(pg_err)?;
        let marker = at_rest_marker(&mut tx)?;
        let current = marker
            .as_deref()
            .and_then(unhex)
            .is_some_and(|m| m.starts_with(&at.newest_header()));
        if !current {
            tx.execute(
                "UPDATE meta SET value = $2 WHERE key = $1",
                &[&AT_REST_MARKER, &hex(&at.sealed_index_key()?)],
            )
            .map_err(pg_err)?;
        }
        let n = reseal(&mut tx, at, i64::try_from(batch).unwrap_or(i64::MAX), false)?;
        tx.commit().map_err(pg_err)?;
        Ok(n)
    }
}
