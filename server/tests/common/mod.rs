//! A registry made through the library, a key store, tokens, and the service started on
//! 127.0.0.1:0 in the test.
#![allow(dead_code)]

/// The core tests' harness, in part: days, actors, a graduate walked to an authorization.
#[path = "../../../core/tests/common/shared.rs"]
mod shared;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use gradreg::codes::{Algorithm, KeyStore};
use gradreg::{
    sample, Actor, Command, IssueOptions, KeyRing, Policy, Registry, Section, VerificationNumber,
};
use gradreg_server::auth::{ApiKeys, Department};
use gradreg_server::{AppState, Config, FileConfig};
use sha2::{Digest, Sha256};
pub use shared::day;
use shared::{authorize_for, change_after_void};

/// The deployment prefix printed in the test tokens.
pub const PREFIX: &str = "HTTPS://VERIFY.EXAMPLE.CN/V/";

/// The service's clock in the tests.
pub fn now() -> DateTime<Utc> {
    day(5, 10)
}

/// One graduate of the fixture.
#[derive(Debug, Clone)]
pub struct Grad {
    /// Registration id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The verification number.
    pub number: VerificationNumber,
    /// The archive form's token (with [`PREFIX`]).
    pub archive_token: String,
    /// The hukou form's token.
    pub hukou_token: String,
}

/// The fixture: a SQLite registry, a key store, and graduates in every state.
pub struct Fixture {
    /// Holds the files.
    pub dir: tempfile::TempDir,
    /// The registry's store URL.
    pub store: String,
    /// The key store file.
    pub keys: std::path::PathBuf,
    /// Authorized, in force.
    pub valid: Grad,
    /// Revoked by the graduate after the tokens were issued.
    pub revoked: Grad,
    /// Changed (void, approval, new report) after the tokens were issued.
    pub superseded: Grad,
    /// Authorized for one day on 1 May: expired on 10 May.
    pub expired: Grad,
    /// In force, used by the guessing tests.
    pub target: Grad,
}

fn basic(i: u32) -> gradreg::BasicInfo {
    let mut b = sample::basic_info();
    b.id_number = sample::id_number("320102", "20030412", i, true).expect("id number");
    b.student_number = format!("2022{i:07}");
    b.name = ["张三", "李四", "王五", "赵六", "孙七", "周八"][i as usize % 6].into();
    b
}

fn tokens(r: &Registry, ring: &KeyRing, number: &VerificationNumber) -> (String, String) {
    let opts = IssueOptions {
        prefix: PREFIX.into(),
        ..IssueOptions::v2_embedded()
    };
    let t = |s| {
        r.issue_token(ring, number, s, &opts, day(5, 1))
            .expect("token")
    };
    (t(Section::Archive), t(Section::Hukou))
}

fn grad(r: &Registry, ring: &KeyRing, i: u32, validity_days: u32) -> Grad {
    let b = basic(i);
    let (id, number) = authorize_for(r, &b, validity_days);
    let name = b.name;
    let (archive_token, hukou_token) = tokens(r, ring, &number);
    Grad {
        id,
        name,
        number,
        archive_token,
        hukou_token,
    }
}

impl Fixture {
    /// Makes the registry and the keys.
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("registry.db");
        let keys = dir.path().join("keys.json");
        let store =
            KeyStore::create(&keys, "示例大学", Algorithm::Ed25519, day(4, 1)).expect("keys");
        let ring = store.ring().expect("ring");
        let r = Registry::open(&db, Policy::jiangsu()).expect("registry");
        let valid = grad(&r, &ring, 0, 30);
        let revoked = grad(&r, &ring, 1, 30);
        let superseded = grad(&r, &ring, 2, 30);
        let expired = grad(&r, &ring, 3, 1);
        let target = grad(&r, &ring, 4, 30);
        // Revoked by the graduate.
        let g1 = Actor::Graduate {
            id_number: basic(1).id_number,
        };
        r.apply(
            &revoked.id,
            &g1,
            &Command::RevokeAuthorization {
                number: revoked.number,
            },
            day(5, 5),
        )
        .expect("revoke");
        // Changed after confirmation: void request, approvals, a new report.
        let g2 = Actor::Graduate {
            id_number: basic(2).id_number,
        };
        change_after_void(&r, &superseded.id, &g2, day(5, 5));
        drop(r);
        Fixture {
            store: format!("sqlite:{}", db.display()),
            keys,
            dir,
            valid,
            revoked,
            superseded,
            expired,
            target,
        }
    }

    /// The service's configuration over this fixture, with the test offices' keys.
    pub fn config(&self, failure_limit: u32) -> Config {
        let file = FileConfig {
            store: Some(self.store.clone()),
            keys: Some(self.keys.clone()),
            token_prefix: Some(PREFIX.into()),
            clock: Some(now()),
            failure_limit: Some(failure_limit),
            body_limit_bytes: Some(4096),
            ..FileConfig::default()
        };
        let mut c = file.resolve().expect("config");
        let mut keys = ApiKeys::default();
        for (key, principal, dept, name) in OFFICES {
            keys.add(
                Sha256::digest(key.as_bytes()).into(),
                principal,
                *dept,
                name,
            )
            .expect("office");
        }
        c.api_keys = keys;
        c
    }
}

/// The test offices: key, principal, department, name.
pub const OFFICES: &[(&str, &str, Department, &str)] = &[
    (
        "archive-key-1",
        "archive:nj-rc",
        Department::Archive,
        "南京市人才服务中心",
    ),
    (
        "archive-key-2",
        "archive:sz-rc",
        Department::Archive,
        "苏州市人才服务中心",
    ),
    (
        "archive-key-3",
        "archive:wx-rc",
        Department::Archive,
        "无锡市人才服务中心",
    ),
    (
        "hukou-key-1",
        "hukou:nj-gl",
        Department::Hukou,
        "宁海路派出所",
    ),
];

/// A running service.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its state (the registry it serves).
    pub state: Arc<AppState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    /// Starts the service for `config` on 127.0.0.1:0.
    pub async fn start(config: Config) -> Server {
        let state = tokio::task::spawn_blocking(move || AppState::open(config).expect("state"))
            .await
            .expect("open");
        let state = Arc::new(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let st = Arc::clone(&state);
        tokio::spawn(async move {
            gradreg_server::serve(listener, st, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        Server {
            base,
            state,
            stop: Some(tx),
        }
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// The token without its URL prefix (the last path segment of its URL).
pub fn body(token: &str) -> &str {
    &token[PREFIX.len()..]
}

/// The verdict a token page shows (its `data-verdict` attribute), or `(none)`.
pub fn verdict_of(html: &str) -> &str {
    html.split("data-verdict=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("(none)")
}

/// An HTTP client that does not follow redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}
