//! TLS to PostgreSQL, chosen by the store URL, against real servers: one speaking TLS
//! (`GRADREG_TEST_PG_TLS_URL`, started by `GRADREG_PG_TLS=1 scripts/pg-cluster.sh start`, its
//! throwaway certificates in `GRADREG_TEST_PG_TLS_CERTS`) and one plain
//! (`GRADREG_TEST_PG_URL`). Without the variables each test prints a note and passes without
//! running — except under CI (`CI` set), where a missing server is a failure.
#![cfg(feature = "postgres")]

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use common::*;
use gradreg::registry::postgres::{PostgresOptions, PostgresStore};
use gradreg::registry::{OpenOptions, Registry};
use gradreg::{sample, Error, ErrorCode, Policy};

const TLS_URL: &str = "GRADREG_TEST_PG_TLS_URL";
const TLS_CERTS: &str = "GRADREG_TEST_PG_TLS_CERTS";
const PLAIN_URL: &str = "GRADREG_TEST_PG_URL";

fn missing(test: &str, what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is not set under CI: the TLS tests must run against a real server");
    }
    eprintln!("{test}: skipped, {what} is not set");
}

/// The TLS server (its URL names `localhost`, the name its certificate holds) and the folder
/// of its certificates.
struct TlsServer {
    url: String,
    certs: PathBuf,
}

impl TlsServer {
    fn get(test: &str) -> Option<TlsServer> {
        match (std::env::var(TLS_URL), std::env::var(TLS_CERTS)) {
            (Ok(url), Ok(certs)) => Some(TlsServer {
                url,
                certs: certs.into(),
            }),
            (Err(_), _) => {
                missing(test, TLS_URL);
                None
            }
            (_, Err(_)) => {
                missing(test, TLS_CERTS);
                None
            }
        }
    }

    fn file(&self, name: &str) -> String {
        self.certs.join(name).display().to_string()
    }

    /// The server's URL for database `db` with `params` appended.
    fn url(&self, db: &str, params: &str) -> String {
        with_params(&with_database(&self.url, db), params)
    }

    /// A fresh, empty database (made over a plain connection, which the server also takes).
    fn fresh(&self) -> String {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "tls_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls).expect("the TLS server");
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        name
    }
}

fn plain_server(test: &str) -> Option<String> {
    let url = std::env::var(PLAIN_URL).ok();
    if url.is_none() {
        missing(test, PLAIN_URL);
    }
    url
}

fn with_params(url: &str, params: &str) -> String {
    if params.is_empty() {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&{params}")
    } else {
        format!("{url}?{params}")
    }
}

fn connect(url: &str) -> gradreg::Result<PostgresStore> {
    PostgresStore::connect(url, PostgresOptions::new())
}

/// Whether the store's connection runs over TLS, as the server sees it.
fn encrypted(store: &PostgresStore) -> bool {
    let check = |want: bool| {
        store
            .execute_raw(&format!(
                "DO $$ BEGIN IF (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) \
                 IS DISTINCT FROM {want} THEN RAISE EXCEPTION 'not {want}'; END IF; END $$"
            ))
            .is_ok()
    };
    match (check(true), check(false)) {
        (true, false) => true,
        (false, true) => false,
        other => panic!("pg_stat_ssl answered neither way: {other:?}"),
    }
}

fn refused(url: &str) -> Error {
    match connect(url) {
        Ok(_) => panic!("{url}: connected, but should have been refused"),
        Err(e) => e,
    }
}

#[test]
fn verify_full_with_the_right_authority_and_host_runs_a_registry_round_trip() {
    let Some(server) = TlsServer::get("verify_full_round_trip") else {
        return;
    };
    let db = server.fresh();
    let url = server.url(
        &db,
        &format!("sslmode=verify-full&sslrootcert={}", server.file("ca.pem")),
    );
    assert!(encrypted(&connect(&url).unwrap()), "{url}");
    let mut b = sample::basic_info();
    b.student_number = "tls1".into();
    let id = format!("{}:{}", b.school_code, b.student_number);
    {
        let r = Registry::open_url(&url, Policy::jiangsu(), &OpenOptions::new()).unwrap();
        upload(&r, &b).unwrap();
    }
    let r = Registry::open_url(&url, Policy::jiangsu(), &OpenOptions::new()).unwrap();
    let reg = r.get(&id).unwrap();
    assert_eq!(reg.basic.as_ref().unwrap().id_number, b.id_number);
    assert_eq!(r.store().count().unwrap(), 1);
}

#[test]
fn a_certificate_from_another_authority_is_refused() {
    let Some(server) = TlsServer::get("another_authority") else {
        return;
    };
    for mode in ["verify-full", "verify-ca", "require"] {
        let url = server.url(
            "gradreg",
            &format!("sslmode={mode}&sslrootcert={}", server.file("other-ca.pem")),
        );
        let e = refused(&url);
        assert_eq!(e.code(), ErrorCode::StoreCertificateRejected, "{mode}: {e}");
        let text = e.to_string();
        assert!(text.contains("not signed by"), "{mode}: {text}");
        assert!(text.contains("other-ca.pem"), "{mode}: {text}");
    }
}

#[test]
fn a_host_the_certificate_does_not_name_is_refused_by_verify_full_only() {
    let Some(server) = TlsServer::get("host_mismatch") else {
        return;
    };
    let by_address = server.url.replace("@localhost:", "@127.0.0.1:");
    assert_ne!(by_address, server.url, "the TLS URL names localhost");
    let ca = server.file("ca.pem");
    let e = refused(&with_params(
        &by_address,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ));
    assert_eq!(e.code(), ErrorCode::StoreCertificateRejected, "{e}");
    assert!(
        e.to_string().contains("does not name the host 127.0.0.1"),
        "{e}"
    );
    // A root file alone means verify-full.
    let e = refused(&with_params(&by_address, &format!("sslrootcert={ca}")));
    assert_eq!(e.code(), ErrorCode::StoreCertificateRejected, "{e}");
    let store = connect(&with_params(
        &by_address,
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    ))
    .unwrap();
    assert!(encrypted(&store));
}

#[test]
fn prefer_and_require_encrypt_without_checking_the_certificate() {
    let Some(server) = TlsServer::get("prefer_require_tls") else {
        return;
    };
    // No sslmode on this machine means prefer: TLS, since the server offers it.
    for params in ["", "sslmode=prefer", "sslmode=require"] {
        let store = connect(&server.url("gradreg", params)).unwrap();
        assert!(encrypted(&store), "{params:?}");
    }
    let store = connect(&server.url("gradreg", "sslmode=disable")).unwrap();
    assert!(!encrypted(&store));
}

#[test]
fn a_plain_server_is_refused_under_require_and_taken_by_disable_and_prefer() {
    let Some(plain) = plain_server("plain_server") else {
        return;
    };
    for mode in ["require", "verify-ca", "verify-full"] {
        let e = refused(&with_params(&plain, &format!("sslmode={mode}")));
        assert_eq!(e.code(), ErrorCode::StoreTlsUnavailable, "{mode}: {e}");
        assert!(e.to_string().contains("does not offer TLS"), "{mode}: {e}");
    }
    for params in ["sslmode=disable", "sslmode=prefer", ""] {
        let store = connect(&with_params(&plain, params)).unwrap();
        assert!(!encrypted(&store), "{params:?}");
    }
}

#[test]
fn a_client_certificate_logs_in_where_the_server_demands_one() {
    let Some(server) = TlsServer::get("client_certificate") else {
        return;
    };
    let ca = server.file("ca.pem");
    let with_cert = server.url(
        "gradreg_cert",
        &format!(
            "sslmode=verify-full&sslrootcert={ca}&sslcert={}&sslkey={}",
            server.file("client.pem"),
            server.file("client.key")
        ),
    );
    assert!(encrypted(&connect(&with_cert).unwrap()));
    let e = refused(&server.url(
        "gradreg_cert",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ));
    assert_eq!(e.code(), ErrorCode::StoreUnreachable, "{e}");
    assert!(e.to_string().contains("client certificate"), "{e}");
}

#[test]
fn an_unreadable_root_file_is_an_invalid_argument_naming_it() {
    let Some(server) = TlsServer::get("unreadable_root") else {
        return;
    };
    let missing = server.file("no-such-ca.pem");
    let e = refused(&server.url(
        "gradreg",
        &format!("sslmode=verify-full&sslrootcert={missing}"),
    ));
    assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
    assert!(e.to_string().contains(&missing), "{e}");
}
