//! The conformance suite's store factory: every registry test runs on each store the machine
//! offers — in memory, SQLite, and PostgreSQL when `GRADREG_TEST_PG_URL` names a server.
//!
//! Every store is opened through [`Registry::open_url`], the one way a host names a store. A
//! [`Handle`] keeps what the store lives in (a temporary folder, or a fresh PostgreSQL database
//! created for the one test) alive until it drops, and reopens the same store for crash and
//! reopen tests. [`StoreKind::sql`], [`StoreKind::exec`] and [`StoreKind::rows`] run raw SQL on
//! the store for the tamper tests. Both stores have the same tables and columns (PostgreSQL adds
//! `school_code` everywhere); the dialect differences are spelled out in one place each: bytes
//! ([`StoreKind::blob`]), the audit log's guard ([`StoreKind::drop_audit_guard`]), documents
//! packed in a BLOB or in BYTEA ([`StoreKind::doc_text`], [`StoreKind::doc_replace`]) and JSON
//! edits ([`StoreKind::json_clear_array`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use gradreg::registry::OpenOptions;
use gradreg::{Policy, Registry};

/// The environment variable naming a PostgreSQL server the suite may create databases on: a
/// libpq URL of a user allowed to `CREATE DATABASE` (`postgres://gradreg@127.0.0.1:5432/gradreg`).
pub const PG_URL_ENV: &str = "GRADREG_TEST_PG_URL";

/// One kind of store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// `memory:`: nothing outlives the registry, and there is no SQL.
    Memory,
    /// `sqlite:PATH`: a file in a temporary folder.
    Sqlite,
    /// `postgres://…`: a fresh database on the server of `GRADREG_TEST_PG_URL`.
    Postgres,
}

/// The stores to run every test on: memory and SQLite always, PostgreSQL when
/// `GRADREG_TEST_PG_URL` is set. Under CI (`CI` set) a missing server is a failure, never a
/// silent skip.
pub fn stores() -> Vec<StoreKind> {
    let mut kinds = vec![StoreKind::Memory, StoreKind::Sqlite];
    match std::env::var(PG_URL_ENV) {
        Ok(url) if !url.is_empty() => kinds.push(StoreKind::Postgres),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "{PG_URL_ENV} is not set under CI: the conformance suite must run on \
                     PostgreSQL too (scripts/test.sh starts a server and sets it)"
                );
            }
        }
    }
    kinds
}

/// The stores that outlive their registry (everything but memory): crash, reopen and
/// multi-process tests run on these.
pub fn persistent_stores() -> Vec<StoreKind> {
    stores()
        .into_iter()
        .filter(|k| *k != StoreKind::Memory)
        .collect()
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn next_serial() -> u32 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

impl StoreKind {
    /// The store's name, for assertion messages.
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Memory => "memory",
            StoreKind::Sqlite => "sqlite",
            StoreKind::Postgres => "postgres",
        }
    }

    /// A new, empty store of this kind (nothing opened on it yet).
    pub fn fresh(self) -> Handle {
        match self {
            StoreKind::Memory => Handle {
                kind: self,
                url: "memory:".into(),
                dir: None,
                pg: None,
            },
            StoreKind::Sqlite => {
                let dir = std::env::temp_dir().join(format!(
                    "gradreg-suite-{}-{}",
                    std::process::id(),
                    next_serial()
                ));
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).expect("a temporary folder");
                let url = format!("sqlite:{}", dir.join("registry.db").display());
                Handle {
                    kind: self,
                    url,
                    dir: Some(dir),
                    pg: None,
                }
            }
            StoreKind::Postgres => {
                let admin = std::env::var(PG_URL_ENV)
                    .unwrap_or_else(|_| panic!("postgres: {PG_URL_ENV} is not set"));
                let name = format!("t_{}_{}", std::process::id(), next_serial());
                let mut client = pg_connect(&admin);
                // Two statements: CREATE DATABASE runs outside any transaction block, and a
                // multi-statement string is one implicit transaction.
                for stmt in [
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    format!("CREATE DATABASE {name}"),
                ] {
                    client
                        .batch_execute(&stmt)
                        .unwrap_or_else(|e| panic!("postgres: {stmt}: {}", pg_error(&e)));
                }
                let url = with_database(&admin, &name);
                add_pg_document_functions(&mut pg_connect(&url));
                Handle {
                    kind: self,
                    url,
                    dir: None,
                    pg: Some(PgDatabase { admin, name }),
                }
            }
        }
    }

    /// Opens a new, empty store of this kind with `policy` and `options`, through
    /// [`Registry::open_url`]. Panics (naming the store) when it cannot be opened.
    pub fn open(self, policy: Policy, options: &OpenOptions) -> (Registry, Handle) {
        let handle = self.fresh();
        let r = handle.reopen(policy, options).unwrap_or_else(|e| {
            panic!(
                "{}: open_url({}) failed: [{}] {e}",
                self.name(),
                handle.url,
                e.code()
            )
        });
        (r, handle)
    }

    /// A new, empty store with the Jiangsu policy and no options.
    pub fn open_default(self) -> (Registry, Handle) {
        self.open(Policy::jiangsu(), &OpenOptions::new())
    }

    /// Runs `sql` (one or more statements) on the store of `handle`, behind the registry's
    /// back: rusqlite for SQLite, a plain client for PostgreSQL. The memory store has no SQL.
    pub fn sql(self, handle: &Handle, sql: &str) -> Result<(), String> {
        match self {
            StoreKind::Memory => Err("memory: has no SQL".into()),
            StoreKind::Sqlite => sqlite_connect(handle)?
                .execute_batch(sql)
                .map_err(|e| format!("sqlite: {e}")),
            StoreKind::Postgres => pg_connect(&handle.url)
                .batch_execute(sql)
                .map_err(|e| format!("postgres: {}", pg_error(&e))),
        }
    }

    /// Runs `sql`, a query of one integer column, and returns the first row's value.
    pub fn sql_i64(self, handle: &Handle, sql: &str) -> Result<i64, String> {
        match self {
            StoreKind::Memory => Err("memory: has no SQL".into()),
            StoreKind::Sqlite => sqlite_connect(handle)?
                .query_row(sql, [], |row| row.get::<_, i64>(0))
                .map_err(|e| format!("sqlite: {e}")),
            StoreKind::Postgres => {
                let row = pg_connect(&handle.url)
                    .query_one(sql, &[])
                    .map_err(|e| format!("postgres: {}", pg_error(&e)))?;
                // COUNT(*) and BIGINT columns are int8; smaller integer columns widen.
                row.try_get::<_, i64>(0)
                    .or_else(|_| row.try_get::<_, i32>(0).map(i64::from))
                    .map_err(|e| format!("postgres: {e}"))
            }
        }
    }

    /// A blob literal in this store's dialect: `X'0a0b'` in SQLite, `'\x0a0b'::bytea` in
    /// PostgreSQL.
    pub fn blob(self, bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        match self {
            StoreKind::Postgres => format!("'\\x{hex}'::bytea"),
            _ => format!("X'{hex}'"),
        }
    }

    /// SQL that drops the audit log's append-only guard against `what` (what someone with the
    /// database would do first). SQLite has one trigger per statement kind
    /// (`audit_append_only_update`, `audit_append_only_delete`); PostgreSQL has one trigger,
    /// `audit_append_only`, for both, so dropping either drops both there (and twice is fine).
    pub fn drop_audit_guard(self, what: AuditGuard) -> String {
        match (self, what) {
            (StoreKind::Postgres, _) => "DROP TRIGGER IF EXISTS audit_append_only ON audit;".into(),
            (_, AuditGuard::Update) => "DROP TRIGGER audit_append_only_update;".into(),
            (_, AuditGuard::Delete) => "DROP TRIGGER audit_append_only_delete;".into(),
        }
    }

    /// A stored document column (`data`, `entry`, `event`, `view`) as text. Both stores keep
    /// documents packed (gradreg::registry::stored): SQLite as a BLOB, PostgreSQL in BYTEA; a
    /// view stays clear. `doc_text` is a function of the test connection on SQLite
    /// ([`add_document_functions`]) and of the test database on PostgreSQL
    /// ([`add_pg_document_functions`]).
    pub fn doc_text(self, column: &str) -> String {
        format!("doc_text({column})")
    }

    /// The text expression `expr` as a stored document value (see [`StoreKind::doc_text`]).
    pub fn doc_from_text(self, expr: &str) -> String {
        format!("doc_pack({expr})")
    }

    /// The document column `column` as the clear UTF-8 text a store wrote before documents were
    /// packed (TEXT in SQLite, BYTEA in PostgreSQL).
    pub fn doc_clear(self, column: &str) -> String {
        match self {
            StoreKind::Postgres => format!("convert_to(doc_text({column}), 'UTF8')"),
            _ => format!("doc_text({column})"),
        }
    }

    /// A condition: the document column `column` holds a packed document.
    pub fn doc_is_packed(self, column: &str) -> String {
        match self {
            StoreKind::Postgres => format!("(get_byte({column}, 0) = 0)"),
            _ => format!("(typeof({column}) = 'blob' AND substr({column}, 1, 1) = x'00')"),
        }
    }

    /// The document column `column` with every `from` replaced by `to` (SQL expressions).
    pub fn doc_replace(self, column: &str, from: &str, to: &str) -> String {
        self.doc_from_text(&format!("replace({}, {from}, {to})", self.doc_text(column)))
    }
}

/// Which statements the audit log's append-only guard refuses ([`StoreKind::drop_audit_guard`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditGuard {
    /// UPDATE of an audit record.
    Update,
    /// DELETE of an audit record.
    Delete,
}

/// A fresh database on the PostgreSQL server, dropped with its [`Handle`].
#[derive(Debug)]
struct PgDatabase {
    admin: String,
    name: String,
}

/// What a store of the suite lives in; dropping it removes the store (the temporary folder, or
/// the PostgreSQL database).
#[derive(Debug)]
pub struct Handle {
    kind: StoreKind,
    url: String,
    dir: Option<PathBuf>,
    pg: Option<PgDatabase>,
}

impl Handle {
    /// The store's URL, as [`Registry::open_url`] takes it (for child processes too).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The kind of store.
    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    /// The SQLite file, for SQLite stores.
    pub fn path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("registry.db"))
    }

    /// The temporary folder of a SQLite store.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Opens the same store again (a second registry on it, or the store after a crash). A
    /// memory store keeps nothing to reopen: a new, empty one opens instead, so tests of
    /// reopening run on [`persistent_stores`].
    pub fn reopen(&self, policy: Policy, options: &OpenOptions) -> gradreg::Result<Registry> {
        Registry::open_url(&self.url, policy, options)
    }

    /// [`Handle::reopen`] with the Jiangsu policy and no options; panics naming the store.
    pub fn reopen_default(&self) -> Registry {
        self.reopen(Policy::jiangsu(), &OpenOptions::new())
            .unwrap_or_else(|e| panic!("{}: reopen: [{}] {e}", self.kind.name(), e.code()))
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(db) = &self.pg {
            // FORCE ends the connections a registry still holds (PostgreSQL 13 and later).
            if let Ok(mut client) = postgres::Client::connect(&db.admin, postgres::NoTls) {
                let _ = client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name));
            }
        }
    }
}

fn pg_connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("postgres: cannot connect to {url}: {}", pg_error(&e)))
}

/// The server's own message (and SQLSTATE) of a PostgreSQL error, which `Display` leaves out.
fn pg_error(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// `url` with its database replaced by `name` (`postgres://u@h:p/db?x` → `…/name?x`).
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, format!("?{q}")),
        None => (rest, String::new()),
    };
    let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
    format!("{scheme}://{authority}/{name}{query}")
}

/// Names the store in every failure of a test body: hold one while testing a store, and a
/// panic (a failed assertion) on the way out says which store it was on.
#[must_use = "hold it for the body of the test"]
pub struct OnStore(pub StoreKind);

impl Drop for OnStore {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("^^^ the failure above is on store {}", self.0.name());
        }
    }
}

impl StoreKind {
    /// A guard naming this store in any failure while it is held ([`OnStore`]).
    pub fn label(self) -> OnStore {
        OnStore(self)
    }
}

/// A value bound into raw SQL ([`StoreKind::exec`], [`StoreKind::rows`]) or read back.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes (a BLOB in SQLite, a `bytea` in PostgreSQL).
    Blob(Vec<u8>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.into())
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Val::Text(v.clone())
    }
}
impl From<&[u8]> for Val {
    fn from(v: &[u8]) -> Self {
        Val::Blob(v.to_vec())
    }
}

impl Val {
    /// The value as an integer (PostgreSQL's text form parsed).
    pub fn int(&self) -> i64 {
        match self {
            Val::Int(v) => *v,
            Val::Text(t) => t
                .parse()
                .unwrap_or_else(|_| panic!("not an integer: {t:?}")),
            other => panic!("not an integer: {other:?}"),
        }
    }

    /// The value as text.
    pub fn text(&self) -> String {
        match self {
            Val::Text(t) => t.clone(),
            other => panic!("not text: {other:?}"),
        }
    }

    /// The value as bytes (PostgreSQL's `\x…` text form decoded); `None` for NULL.
    pub fn blob(&self) -> Option<Vec<u8>> {
        match self {
            Val::Null => None,
            Val::Blob(b) => Some(b.clone()),
            Val::Text(t) => {
                let hex = t
                    .strip_prefix("\\x")
                    .unwrap_or_else(|| panic!("not a bytea: {t:?}"));
                Some(
                    (0..hex.len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                        .collect(),
                )
            }
            other => panic!("not bytes: {other:?}"),
        }
    }
}

impl StoreKind {
    /// `v` as a literal of this store's dialect (bytes differ: see [`StoreKind::blob`]).
    pub fn literal(self, v: &Val) -> String {
        match v {
            Val::Null => "NULL".into(),
            Val::Int(i) => i.to_string(),
            Val::Text(t) => format!("'{}'", t.replace('\'', "''")),
            Val::Blob(b) => self.blob(b),
        }
    }

    /// `sql` with its placeholders `?1`, `?2`, … replaced by the literals of `params` (both
    /// dialects read the same statement text; PostgreSQL's own placeholders are `$1`, and its
    /// parameters must match column types exactly, so the suite inlines literals instead).
    pub fn bind(self, sql: &str, params: &[Val]) -> String {
        let mut out = sql.to_string();
        for (i, p) in params.iter().enumerate().rev() {
            out = out.replace(&format!("?{}", i + 1), &self.literal(p));
        }
        out
    }

    /// Runs one statement with `params` behind the registry's back and returns how many rows it
    /// changed.
    pub fn exec(self, handle: &Handle, sql: &str, params: &[Val]) -> Result<u64, String> {
        let sql = self.bind(sql, params);
        match self {
            StoreKind::Memory => Err("memory: has no SQL".into()),
            StoreKind::Sqlite => sqlite_connect(handle)?
                .execute(&sql, [])
                .map(|n| n as u64)
                .map_err(|e| format!("sqlite: {e}")),
            StoreKind::Postgres => {
                let messages = pg_connect(&handle.url)
                    .simple_query(&sql)
                    .map_err(|e| format!("postgres: {}", pg_error(&e)))?;
                Ok(messages
                    .iter()
                    .map(|m| match m {
                        postgres::SimpleQueryMessage::CommandComplete(n) => *n,
                        _ => 0,
                    })
                    .sum())
            }
        }
    }

    /// Runs one query with `params` and returns its rows (PostgreSQL answers in text: read the
    /// values with [`Val::int`], [`Val::text`], [`Val::blob`]).
    pub fn rows(self, handle: &Handle, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, String> {
        let sql = self.bind(sql, params);
        match self {
            StoreKind::Memory => Err("memory: has no SQL".into()),
            StoreKind::Sqlite => {
                let conn = sqlite_connect(handle)?;
                let mut stmt = conn.prepare(&sql).map_err(|e| format!("sqlite: {e}"))?;
                let n = stmt.column_count();
                let rows = stmt
                    .query_map([], |row| {
                        (0..n)
                            .map(|i| {
                                Ok(match row.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => Val::Null,
                                    rusqlite::types::ValueRef::Integer(v) => Val::Int(v),
                                    rusqlite::types::ValueRef::Real(v) => Val::Text(v.to_string()),
                                    rusqlite::types::ValueRef::Text(t) => {
                                        Val::Text(String::from_utf8_lossy(t).into_owned())
                                    }
                                    rusqlite::types::ValueRef::Blob(b) => Val::Blob(b.to_vec()),
                                })
                            })
                            .collect::<rusqlite::Result<Vec<Val>>>()
                    })
                    .map_err(|e| format!("sqlite: {e}"))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(|e| format!("sqlite: {e}"))
            }
            StoreKind::Postgres => {
                let messages = pg_connect(&handle.url)
                    .simple_query(&sql)
                    .map_err(|e| format!("postgres: {}", pg_error(&e)))?;
                Ok(messages
                    .iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(row) => Some(
                            (0..row.len())
                                .map(|i| row.get(i).map_or(Val::Null, |t| Val::Text(t.into())))
                                .collect(),
                        ),
                        _ => None,
                    })
                    .collect())
            }
        }
    }

    /// The first row of [`StoreKind::rows`]; panics naming the store when there is none.
    pub fn row(self, handle: &Handle, sql: &str, params: &[Val]) -> Vec<Val> {
        self.rows(handle, sql, params)
            .unwrap_or_else(|e| panic!("{e}: {sql}"))
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{}: no row for {sql}", self.name()))
    }

    /// An expression setting the top-level JSON array `key` of the document column `column` to
    /// `[]`: SQLite's `json_set`, PostgreSQL's `jsonb_set` (over the document's text).
    pub fn json_clear_array(self, column: &str, key: &str) -> String {
        match self {
            StoreKind::Postgres => self.doc_from_text(&format!(
                "jsonb_set({}::jsonb, '{{{key}}}', '[]'::jsonb)::text",
                self.doc_text(column)
            )),
            _ => self.doc_from_text(&format!(
                "json_set({}, '$.{key}', json('[]'))",
                self.doc_text(column)
            )),
        }
    }
}

fn sqlite_connect(handle: &Handle) -> Result<rusqlite::Connection, String> {
    let conn = rusqlite::Connection::open(handle.path().expect("a SQLite path"))
        .map_err(|e| format!("sqlite: {e}"))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| format!("sqlite: {e}"))?;
    add_document_functions(&conn).map_err(|e| format!("sqlite: {e}"))?;
    Ok(conn)
}

/// SQL functions over the SQLite store's packed documents (gradreg::registry::stored), so
/// that a test edits a document in SQL as someone with the file and the library could:
/// `doc_text(x)` is a stored value's text (clear or packed), `doc_pack(t)` a text's stored form.
pub fn add_document_functions(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    use gradreg::registry::stored;
    use rusqlite::functions::FunctionFlags;
    use rusqlite::types::ValueRef;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("doc_text", 1, flags, |ctx| {
        let bytes = match ctx.get_raw(0) {
            ValueRef::Text(t) | ValueRef::Blob(t) => t.to_vec(),
            _ => return Ok(None),
        };
        stored::text_of(bytes)
            .map(Some)
            .map_err(|e| rusqlite::Error::UserFunctionError(e.to_string().into()))
    })?;
    conn.create_scalar_function("doc_pack", 1, flags, |ctx| {
        let text: Option<String> = ctx.get(0)?;
        text.map(|t| stored::pack(&t))
            .transpose()
            .map_err(|e| rusqlite::Error::UserFunctionError(e.to_string().into()))
    })
}

/// The SQL functions `doc_text(bytea)` and `doc_pack(text)` on a PostgreSQL test database: the
/// same as [`add_document_functions`] on SQLite, so that a test edits a packed document in SQL
/// as someone with the database and the library's format could. They are PL/Python
/// (`plpython3u`, Debian's `postgresql-plpython3-N`) over the `zstandard` module (Debian's
/// `python3-zstandard`), under the dictionary the library packs with; the test command installs
/// both. A server without them gets a one-line warning here, and the tests that edit documents
/// fail naming the missing function.
pub fn add_pg_document_functions(client: &mut postgres::Client) {
    static DICTIONARY: &[u8] = include_bytes!("../../src/registry/stored-v1.dict");
    let hex: String = DICTIONARY.iter().map(|b| format!("{b:02x}")).collect();
    let sql = format!(
        r#"
CREATE EXTENSION IF NOT EXISTS plpython3u;
CREATE OR REPLACE FUNCTION doc_dictionary() RETURNS bytea LANGUAGE sql IMMUTABLE
    AS $f$ SELECT '\x{hex}'::bytea $f$;
CREATE OR REPLACE FUNCTION doc_text(b bytea) RETURNS text LANGUAGE plpython3u IMMUTABLE AS $f$
if b is None:
    return None
v = bytes(b)
if v[:1] != b'\x00':
    return v.decode('utf-8')
if v[1:2] != b'\x01':
    plpy.error('a packed document names an unknown dictionary')
import zstandard
if 'doc_dictionary' not in GD:
    d = plpy.execute('SELECT doc_dictionary() AS d')[0]['d']
    GD['doc_dictionary'] = zstandard.ZstdCompressionDict(bytes(d))
z = zstandard.ZstdDecompressor(dict_data=GD['doc_dictionary'])
return z.decompress(v[2:]).decode('utf-8')
$f$;
CREATE OR REPLACE FUNCTION doc_pack(t text) RETURNS bytea LANGUAGE plpython3u IMMUTABLE AS $f$
if t is None:
    return None
raw = t.encode('utf-8')
if len(raw) < 64 and raw[:1] != b'\x00':
    return raw
import zstandard
if 'doc_dictionary' not in GD:
    d = plpy.execute('SELECT doc_dictionary() AS d')[0]['d']
    GD['doc_dictionary'] = zstandard.ZstdCompressionDict(bytes(d))
z = zstandard.ZstdCompressor(level=3, dict_data=GD['doc_dictionary'], write_checksum=False,
                             write_content_size=True, write_dict_id=False)
return b'\x00\x01' + z.compress(raw)
$f$;
"#
    );
    if let Err(e) = client.batch_execute(&sql) {
        eprintln!(
            "postgres: no doc_text/doc_pack on this server (PL/Python with zstandard): {}",
            pg_error(&e)
        );
    }
}
