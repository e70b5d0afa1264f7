//! The conformance suite's own harness (`common::stores`): store URLs, the CI rule that
//! PostgreSQL is never silently left out, and the raw-SQL helpers of each dialect against the
//! real store (a SQLite file; the PostgreSQL server of `GRADREG_TEST_PG_URL`).

mod common;

use common::*;

#[test]
fn database_names_replace_the_path_of_a_url() {
    assert_eq!(
        with_database("postgres://gradreg@127.0.0.1:5432/gradreg", "t_1_2"),
        "postgres://gradreg@127.0.0.1:5432/t_1_2"
    );
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=disable", "x"),
        "postgresql://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h:1", "x"), "postgres://h:1/x");
}

#[test]
fn placeholders_bind_as_literals_of_each_dialect() {
    let params = [
        Val::Int(-3),
        Val::Text("it's".into()),
        Val::Blob(vec![0, 0xab]),
        Val::Null,
    ];
    let sql = "?1 ?2 ?3 ?4";
    assert_eq!(
        StoreKind::Sqlite.bind(sql, &params),
        "-3 'it''s' X'00ab' NULL"
    );
    assert_eq!(
        StoreKind::Postgres.bind(sql, &params),
        "-3 'it''s' '\\x00ab'::bytea NULL"
    );
    // ?1 never eats the start of ?10.
    let many: Vec<Val> = (1..=10).map(Val::Int).collect();
    assert_eq!(StoreKind::Sqlite.bind("?10 ?1", &many), "10 1");
    assert_eq!(
        StoreKind::Sqlite.doc_replace("data", "'a'", "'b'"),
        "doc_pack(replace(doc_text(data), 'a', 'b'))"
    );
    assert_eq!(
        StoreKind::Postgres.doc_replace("data", "'a'", "'b'"),
        "doc_pack(replace(doc_text(data), 'a', 'b'))"
    );
}

const CHILD: &str = "GRADREG_SUITE_CHILD";

/// Run by `ci_without_a_server_fails_rather_than_skipping` with `CI` set and no server.
#[test]
#[ignore = "child process of ci_without_a_server_fails_rather_than_skipping"]
fn stores_child() {
    if std::env::var_os(CHILD).is_some() {
        let kinds = stores();
        println!("stores: {kinds:?}");
    }
}

#[test]
fn ci_without_a_server_fails_rather_than_skipping() {
    let run = |ci: bool| {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args(["--ignored", "--exact", "stores_child", "--nocapture"])
            .env(CHILD, "1")
            .env_remove(PG_URL_ENV)
            .env_remove("CI");
        if ci {
            cmd.env("CI", "true");
        }
        cmd.output().unwrap()
    };
    let out = run(true);
    assert!(!out.status.success(), "CI without a server must fail");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(PG_URL_ENV),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(false);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("stores: [Memory, Sqlite]"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The raw-SQL helpers round-trip integers, text (with quotes and CJK) and bytes on each store
/// with SQL, in tables of the suite's own (so this holds before any registry opens the store),
/// and a PostgreSQL database lives exactly as long as its handle.
#[test]
fn raw_sql_round_trips_on_every_store_with_sql() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let name = kind.name();
        let store = kind.fresh();
        if let Some(dir) = store.dir() {
            assert!(dir.exists(), "{name}");
        }
        let blob_type = match kind {
            StoreKind::Postgres => "bytea",
            _ => "BLOB",
        };
        kind.sql(
            &store,
            &format!("CREATE TABLE probe(n BIGINT, t TEXT, b {blob_type});"),
        )
        .unwrap();
        let bytes: Vec<u8> = (0..=255).collect();
        let n = kind
            .exec(
                &store,
                "INSERT INTO probe(n, t, b) VALUES(?1, ?2, ?3)",
                &[Val::Int(42), "江苏 'q'".into(), (&bytes[..]).into()],
            )
            .unwrap();
        assert_eq!(n, 1, "{name}");
        let row = kind.row(
            &store,
            "SELECT n, t, b FROM probe WHERE n = ?1",
            &[42.into()],
        );
        assert_eq!(row[0].int(), 42, "{name}");
        assert_eq!(row[1].text(), "江苏 'q'", "{name}");
        assert_eq!(row[2].blob(), Some(bytes), "{name}");
        assert_eq!(
            kind.sql_i64(&store, "SELECT COUNT(*) FROM probe").unwrap(),
            1,
            "{name}"
        );
        assert!(
            kind.sql(&store, "SELECT * FROM no_such_table").is_err(),
            "{name}"
        );
        let url = store.url().to_string();
        let dir = store.dir().map(|d| d.to_path_buf());
        drop(store);
        match kind {
            StoreKind::Postgres => {
                let admin = std::env::var(PG_URL_ENV).unwrap();
                let db = url.rsplit('/').next().unwrap().to_string();
                let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
                let left = c
                    .query_one(
                        "SELECT COUNT(*) FROM pg_database WHERE datname = $1",
                        &[&db],
                    )
                    .unwrap()
                    .get::<_, i64>(0);
                assert_eq!(left, 0, "{name}: {db} outlived its handle");
            }
            _ => assert!(
                !dir.unwrap().exists(),
                "{name}: the folder outlived its handle"
            ),
        }
    }
    assert!(StoreKind::Memory
        .sql(&StoreKind::Memory.fresh(), "SELECT 1")
        .is_err());
}
