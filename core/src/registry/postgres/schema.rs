//! The PostgreSQL schema: the same tables and columns as the SQLite store, each with the
//! distribution column `school_code`, and `registrations` partitioned by graduation year.

/// The `school_code` of rows that belong to no school (registry-wide rows: `meta`, consumer
/// cursors, sent notifications, status slots, signing keys, online failures). A distributed
/// deployment makes these tables reference tables (copied to every node).
pub const REGISTRY_WIDE: &str = "*";

/// The version of this schema (`meta` key `schema`).
pub const SCHEMA_VERSION: &str = "1";

/// Every table, index, trigger and the default partition, created on first open. Identifiers
/// and numbers sort bytewise (`COLLATE "C"`) like the other stores, whatever the database's
/// collation. Stored documents (`data`, `entry`, `event`) are `BYTEA`: packed JSON (see
/// [`crate::registry::stored`]; clear UTF-8 JSON in a database written before packing, read as
/// it is), or a sealed value when the registry has data keys.
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL,
    school_code TEXT NOT NULL DEFAULT '*'
);
CREATE TABLE IF NOT EXISTS registrations (
    id TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    id_number TEXT NOT NULL,
    name TEXT NOT NULL,
    college TEXT NOT NULL,
    major_code TEXT NOT NULL,
    major_name TEXT NOT NULL,
    stage TEXT NOT NULL,
    active_until BIGINT,
    destination_code TEXT,
    late BOOLEAN NOT NULL,
    awaiting_since BIGINT,
    graduation_year INTEGER,
    data BYTEA NOT NULL,
    school_code TEXT NOT NULL DEFAULT '',
    school_name TEXT NOT NULL DEFAULT '',
    education_level TEXT NOT NULL DEFAULT '',
    gender TEXT NOT NULL DEFAULT '',
    origin_region TEXT NOT NULL DEFAULT '',
    destination_category TEXT,
    destination_region TEXT,
    logged_in BOOLEAN NOT NULL DEFAULT FALSE,
    login_problems TEXT NOT NULL DEFAULT '[]',
    void_stage TEXT,
    void_filed_at BIGINT,
    audit_seq BIGINT,
    id_number_sealed BYTEA
) PARTITION BY LIST (graduation_year);
CREATE TABLE IF NOT EXISTS registrations_default PARTITION OF registrations DEFAULT;
CREATE INDEX IF NOT EXISTS registrations_id ON registrations(id);
CREATE INDEX IF NOT EXISTS registrations_id_number ON registrations(id_number) WHERE id_number <> '';
CREATE INDEX IF NOT EXISTS registrations_school ON registrations(school_code, college, major_code);
CREATE TABLE IF NOT EXISTS cohorts (
    id_number TEXT NOT NULL,
    graduation_year INTEGER NOT NULL,
    education_level TEXT NOT NULL,
    registration_id TEXT COLLATE "C" NOT NULL UNIQUE,
    school_code TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (id_number, graduation_year, education_level)
);
CREATE TABLE IF NOT EXISTS numbers (
    number TEXT COLLATE "C" PRIMARY KEY,
    registration_id TEXT COLLATE "C" NOT NULL,
    school_code TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS numbers_registration ON numbers(registration_id);
CREATE TABLE IF NOT EXISTS audit (
    seq BIGINT PRIMARY KEY,
    registration_id TEXT COLLATE "C" NOT NULL,
    entry BYTEA NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash BYTEA NOT NULL,
    registration_hash BYTEA,
    school_code TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_registration ON audit(registration_id, seq);
CREATE TABLE IF NOT EXISTS events (
    seq BIGINT PRIMARY KEY,
    registration_id TEXT COLLATE "C" NOT NULL,
    event BYTEA NOT NULL,
    school_code TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS online_failures (
    principal TEXT NOT NULL,
    number TEXT NOT NULL,
    at BIGINT NOT NULL,
    school_code TEXT NOT NULL DEFAULT '*'
);
CREATE INDEX IF NOT EXISTS online_failures_principal ON online_failures(principal, at);
CREATE INDEX IF NOT EXISTS online_failures_number ON online_failures(number, at);
CREATE TABLE IF NOT EXISTS status_slots (
    slot BIGINT PRIMARY KEY,
    number TEXT COLLATE "C" NOT NULL UNIQUE,
    at BIGINT NOT NULL,
    school_code TEXT NOT NULL DEFAULT '*'
);
CREATE TABLE IF NOT EXISTS signing_keys (
    number TEXT COLLATE "C" NOT NULL,
    key_id BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    school_code TEXT NOT NULL DEFAULT '*',
    PRIMARY KEY (number, key_id)
);
CREATE TABLE IF NOT EXISTS consumer_cursors (
    consumer TEXT COLLATE "C" PRIMARY KEY,
    seq BIGINT NOT NULL,
    school_code TEXT NOT NULL DEFAULT '*'
);
CREATE TABLE IF NOT EXISTS sent_notifications (
    consumer TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL,
    school_code TEXT NOT NULL DEFAULT '*',
    PRIMARY KEY (consumer, id)
);
CREATE TABLE IF NOT EXISTS verification_views (
    registration_id TEXT COLLATE "C" PRIMARY KEY,
    audit_seq BIGINT NOT NULL,
    view BYTEA NOT NULL,
    mac BYTEA NOT NULL,
    school_code TEXT NOT NULL DEFAULT ''
);
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END
$$;
CREATE OR REPLACE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE OR REPLACE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
"#;

/// The registration columns every write sets, in the order of the statements' parameters.
pub const COLUMNS: &str = "id, version, id_number, name, college, major_code, major_name, \
     stage, active_until, destination_code, late, awaiting_since, graduation_year, data, \
     school_code, school_name, education_level, gender, origin_region, destination_category, \
     destination_region, logged_in, login_problems, void_stage, void_filed_at, audit_seq, \
     id_number_sealed";

/// Every summary column, in `summary_from_row`'s order, then the sealed ID number (24).
pub const SUMMARY_SELECT: &str = "SELECT id, version, name, id_number, college, major_code, \
     major_name, stage, active_until, destination_code, late, awaiting_since, graduation_year, \
     school_code, school_name, education_level, gender, origin_region, destination_category, \
     destination_region, logged_in, login_problems, void_stage, void_filed_at, id_number_sealed \
     FROM registrations";

/// Registrations with the audit record that wrote them and the newest record of each.
pub const ROW_SELECT: &str = "SELECT r.id, r.data, r.audit_seq, a.registration_id, a.entry, \
     a.prev_hash, a.hash, a.registration_hash, \
     (SELECT seq FROM audit WHERE registration_id = r.id ORDER BY seq DESC LIMIT 1), \
     (SELECT registration_hash IS NOT NULL FROM audit WHERE registration_id = r.id \
      ORDER BY seq DESC LIMIT 1) \
     FROM registrations r LEFT JOIN audit a ON a.seq = r.audit_seq";

/// The lowest and highest graduation year given a partition of its own; other years (and
/// registrations without one) live in the default partition.
pub const PARTITION_YEARS: std::ops::RangeInclusive<i32> = 1990..=2999;

/// The name of the partition of `year`.
pub fn partition_name(year: i32) -> String {
    format!("registrations_y{year}")
}
