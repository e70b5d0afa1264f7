//! The service on localhost through a real HTTP client: every verdict of the JSON API, the
//! guessing limits, authentication, the published key set and status lists verified by the
//! library's offline verifier, caching, headers and limits.

mod common;

use common::{body, client, now, Fixture, Server, OFFICES};
use gradreg::codes::{verify_token_offline, KeySet, StatusLists};
use gradreg::{Actor, EventKind, ScanOptions, TransferNumber, VerificationNumber};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn verify(s: &Server, key: &str, name: &str, number: &str) -> (StatusCode, Value) {
    let r = client()
        .post(s.url("/api/v1/verify"))
        .bearer_auth(key)
        .json(&json!({ "name": name, "number": number }))
        .send()
        .await
        .expect("request");
    let status = r.status();
    (status, r.json().await.expect("json"))
}

fn verdict(v: &Value) -> &str {
    v["verdict"].as_str().unwrap_or("(none)")
}

const ARCHIVE: &str = "archive-key-1";
const HUKOU: &str = "hukou-key-1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_verdict_through_the_api() {
    let f = Fixture::new();
    let s = Server::start(f.config(10)).await;
    let n = |g: &common::Grad| g.number.to_string();

    // Valid, with the archive section for an archive office, the hukou one for a hukou office.
    let (st, v) = verify(&s, ARCHIVE, &f.valid.name, &n(&f.valid)).await;
    assert_eq!((st, verdict(&v)), (StatusCode::OK, "valid"), "{v}");
    assert_eq!(v["code"], 0);
    assert_eq!(v["message_zh"], "核验通过，信息有效");
    assert_eq!(v["disclosure"]["identity"]["name"], f.valid.name.as_str());
    assert!(v["disclosure"]["archive"].is_object());
    assert!(v["disclosure"].get("hukou").is_none());
    let (_, v) = verify(&s, HUKOU, &f.valid.name, &n(&f.valid)).await;
    assert_eq!(verdict(&v), "valid");
    assert!(v["disclosure"]["hukou"].is_object());
    assert!(v["disclosure"].get("archive").is_none());

    // The check is recorded: the graduate is told who checked.
    let events = s.state.registry().events_after(0, 10_000).expect("events");
    let verified: Vec<_> = events
        .iter()
        .filter(|(_, e)| e.kind == EventKind::FormVerified && e.registration_id == f.valid.id)
        .collect();
    assert_eq!(verified.len(), 2, "one event per valid check");
    assert!(verified
        .iter()
        .any(|(_, e)| e.message_zh.contains("南京市人才服务中心")));

    let cases = [
        (&f.revoked, "revoked"),
        (&f.superseded, "superseded"),
        (&f.expired, "expired"),
    ];
    for (g, want) in cases {
        let (st, v) = verify(&s, ARCHIVE, &g.name, &n(g)).await;
        assert_eq!((st, verdict(&v)), (StatusCode::OK, want), "{v}");
        assert!(v.get("disclosure").is_none());
    }
    // No match: a wrong name and an unknown number alike.
    let (_, v) = verify(&s, ARCHIVE, "不是他", &n(&f.valid)).await;
    assert_eq!(verdict(&v), "no_match");
    let unknown = VerificationNumber::random().expect("number").to_string();
    let (_, v) = verify(&s, ARCHIVE, &f.valid.name, &unknown).await;
    assert_eq!(verdict(&v), "no_match");
    assert_eq!(v["code"], 5);
    // A typo: the check symbol changed.
    let mut typo = f.valid.number.as_compact().to_string();
    let last = typo.pop().expect("symbol");
    typo.push(if last == '0' { '1' } else { '0' });
    let (_, v) = verify(&s, ARCHIVE, &f.valid.name, &typo).await;
    assert_eq!(verdict(&v), "typo");
    // Malformed.
    let (_, v) = verify(&s, ARCHIVE, &f.valid.name, "not a number").await;
    assert_eq!(verdict(&v), "malformed");
    // Wrong section: a transfer number identifies an archive transfer, never the hukou form.
    let transfer = TransferNumber::random().expect("transfer").to_string();
    let (_, v) = verify(&s, HUKOU, &f.valid.name, &transfer).await;
    assert_eq!(verdict(&v), "wrong_section");

    // X-Api-Key works as well as a bearer token.
    let r = client()
        .post(s.url("/api/v1/verify"))
        .header("X-Api-Key", ARCHIVE)
        .json(&json!({ "name": f.valid.name, "number": n(&f.valid) }))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);

    // The metrics count verdicts and requests by route.
    let m = client()
        .get(s.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        m.contains("gradreg_verdicts_total{channel=\"api\",verdict=\"revoked\"} 1"),
        "{m}"
    );
    assert!(m.contains("gradreg_http_requests_total{route=\"/api/v1/verify\",status=\"200\"}"));
    assert!(m.contains("gradreg_http_request_duration_seconds_bucket"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_is_limited_per_principal() {
    let f = Fixture::new();
    let s = Server::start(f.config(10)).await;
    let key = OFFICES[1].0;
    for i in 0..10 {
        let unknown = VerificationNumber::random().expect("number").to_string();
        let (st, v) = verify(&s, key, "某某", &unknown).await;
        assert_eq!(
            (st, verdict(&v)),
            (StatusCode::OK, "no_match"),
            "attempt {i}"
        );
    }
    // Past the limit even the right name and number are refused for this principal …
    let (st, v) = verify(&s, key, &f.target.name, &f.target.number.to_string()).await;
    assert_eq!(
        (st, verdict(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    // … and not for another office.
    let (_, v) = verify(&s, ARCHIVE, &f.target.name, &f.target.number.to_string()).await;
    assert_eq!(verdict(&v), "valid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_is_limited_per_number() {
    let f = Fixture::new();
    // A principal limit above the number limit, so that the number's limit is what refuses.
    let s = Server::start(f.config(50)).await;
    let number = f.target.number.to_string();
    let guesser = OFFICES[2].0;
    for _ in 0..10 {
        let (_, v) = verify(&s, guesser, "某某", &number).await;
        assert_eq!(verdict(&v), "no_match");
    }
    let (st, v) = verify(&s, guesser, &f.target.name, &number).await;
    assert_eq!(
        (st, verdict(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    // An office with a clean record on the number is still answered.
    let (_, v) = verify(&s, ARCHIVE, &f.target.name, &number).await;
    assert_eq!(verdict(&v), "valid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_need_a_valid_key() {
    let f = Fixture::new();
    let s = Server::start(f.config(10)).await;
    let body = json!({ "name": f.valid.name, "number": f.valid.number.to_string() });
    let none = client()
        .post(s.url("/api/v1/verify"))
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.headers()["www-authenticate"].to_str().expect("ascii"),
        "Bearer"
    );
    let wrong = client()
        .post(s.url("/api/v1/verify"))
        .bearer_auth("archive-key-9")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let v: Value = wrong.json().await.expect("json");
    assert_eq!(v["error"], "unauthorized");
    // Nothing was recorded for the unauthenticated attempts.
    let events = s.state.registry().events_after(0, 10_000).expect("events");
    assert!(!events
        .iter()
        .any(|(_, e)| e.kind == EventKind::FormVerified));
    // A body that is not the request: 400 with a generic message, no parser text.
    let bad = client()
        .post(s.url("/api/v1/verify"))
        .bearer_auth(ARCHIVE)
        .body("{\"nom\": 1}")
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let text = bad.text().await.expect("text");
    assert!(!text.contains("missing field"), "{text}");
    assert!(text.contains("bad_request"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_key_set_and_status_lists_verify_offline() {
    let f = Fixture::new();
    let s = Server::start(f.config(10)).await;
    let c = client();
    let keys = c
        .get(s.url("/.well-known/gradreg/keys.json"))
        .send()
        .await
        .expect("keys");
    assert_eq!(keys.status(), StatusCode::OK);
    let etag = keys.headers()["etag"].to_str().expect("etag").to_string();
    assert!(etag.starts_with('"') && etag.len() == 66, "{etag}");
    let cache = keys.headers()["cache-control"]
        .to_str()
        .expect("cc")
        .to_string();
    assert!(cache.starts_with("public, max-age="), "{cache}");
    let ring = KeySet::from_json(&keys.text().await.expect("text"))
        .expect("key set")
        .ring()
        .expect("ring");
    // 304 with the same ETag; 200 with another.
    let again = c
        .get(s.url("/.well-known/gradreg/keys.json"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("keys");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"].to_str().expect("etag"), etag);
    let other = c
        .get(s.url("/.well-known/gradreg/keys.json"))
        .header("If-None-Match", "\"abc\"")
        .send()
        .await
        .expect("keys");
    assert_eq!(other.status(), StatusCode::OK);

    let index: Value = c
        .get(s.url("/.well-known/gradreg/status/index.json"))
        .send()
        .await
        .expect("index")
        .json()
        .await
        .expect("json");
    let mut lists = StatusLists::new();
    for l in index["lists"].as_array().expect("lists") {
        let r = c
            .get(s.url(l["url"].as_str().expect("url")))
            .send()
            .await
            .expect("list");
        assert_eq!(r.status(), StatusCode::OK);
        let etag = r.headers()["etag"].to_str().expect("etag").to_string();
        lists
            .add_signed(&r.text().await.expect("text"), &ring)
            .expect("signed list");
        let again = c
            .get(s.url(l["url"].as_str().expect("url")))
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("list");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
    assert!(!lists.is_empty());
    let archive = Actor::ArchiveDept {
        id: "offline".into(),
        name: "离线核验".into(),
    };
    let offline = |token: &str| {
        verify_token_offline(
            token,
            &ring,
            &archive,
            now(),
            &lists,
            &ScanOptions::default(),
        )
        .verdict
        .kind()
        .as_str()
    };
    assert_eq!(offline(&f.valid.archive_token), "valid_offline");
    assert_eq!(offline(&f.revoked.archive_token), "revoked");
    assert_eq!(offline(&f.superseded.archive_token), "superseded");
    assert_eq!(offline(&f.expired.archive_token), "expired");
    // all.txt holds the same lists, one a line.
    let all = c
        .get(s.url("/.well-known/gradreg/status/all.txt"))
        .send()
        .await
        .expect("all")
        .text()
        .await
        .expect("text");
    assert_eq!(all.lines().count(), lists.len());
    let missing = c
        .get(s.url("/.well-known/gradreg/status/99.txt"))
        .send()
        .await
        .expect("missing");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let _ = body(&f.valid.archive_token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_by_default() {
    let f = Fixture::new();
    let s = Server::start(f.config(10)).await;
    let c = client();
    let health = c.get(s.url("/healthz")).send().await.expect("health");
    assert_eq!(health.status(), StatusCode::OK);
    for (name, want) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(
            health.headers()[name].to_str().expect("ascii"),
            want,
            "{name}"
        );
    }
    let csp = health.headers()["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    // CORS is closed: no Access-Control-Allow-Origin for the API.
    let pre = c
        .request(reqwest::Method::OPTIONS, s.url("/api/v1/verify"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("preflight");
    assert!(pre.headers().get("access-control-allow-origin").is_none());
    // A body over the limit: 413.
    let big = "x".repeat(8192);
    let r = c
        .post(s.url("/api/v1/verify"))
        .bearer_auth(ARCHIVE)
        .header("content-type", "application/json")
        .body(format!("{{\"name\":\"{big}\",\"number\":\"1\"}}"))
        .send()
        .await
        .expect("big");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Unknown route: 404 with a generic JSON body.
    let r = c
        .get(s.url("/admin/../etc/passwd"))
        .send()
        .await
        .expect("404");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let text = r.text().await.expect("text");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("json")["error"],
        "not_found"
    );
    assert!(
        !text.contains("panicked") && !text.contains("src/"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_opens_only_for_configured_origins() {
    let f = Fixture::new();
    let mut config = f.config(10);
    config.cors_origins = vec!["https://oa.example.cn".into()];
    let s = Server::start(config).await;
    let pre = |origin: &'static str| {
        client()
            .request(reqwest::Method::OPTIONS, s.url("/api/v1/verify"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .send()
    };
    let ok = pre("https://oa.example.cn").await.expect("preflight");
    assert_eq!(
        ok.headers()["access-control-allow-origin"]
            .to_str()
            .expect("ascii"),
        "https://oa.example.cn"
    );
    let no = pre("https://evil.example").await.expect("preflight");
    assert!(no.headers().get("access-control-allow-origin").is_none());
}
