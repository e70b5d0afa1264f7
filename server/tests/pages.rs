//! The pages through a real HTTP client: the page a QR code opens for valid, revoked,
//! superseded, expired and tampered tokens, and an office's login and online-check form.

mod common;

use common::{body, client, verdict_of, Fixture, Server, OFFICES};
use gradreg::EventKind;
use reqwest::StatusCode;

async fn get(s: &Server, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let mut rb = client().get(s.url(path));
    if let Some(c) = cookie {
        rb = rb.header("Cookie", c);
    }
    let r = rb.send().await.expect("request");
    (r.status(), r.text().await.expect("text"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_page_shows_the_verdict_in_chinese() {
    let f = Fixture::new();
    let s = Server::start(f.config(10)).await;
    let (st, html) = get(&s, &format!("/V/{}", body(&f.valid.archive_token)), None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(verdict_of(&html), "valid");
    assert!(html.contains("核验通过，信息有效"));
    assert!(html.contains("档案转递信息") && !html.contains("户口迁移信息"));
    assert!(html.contains(&f.valid.name));
    assert!(html.contains(&f.valid.number.to_string()));
    // The hukou form lays out the hukou section.
    let (_, html) = get(&s, &format!("/V/{}", body(&f.valid.hukou_token)), None).await;
    assert_eq!(verdict_of(&html), "valid");
    assert!(html.contains("户口迁移信息") && !html.contains("档案转递信息"));
    // The lower-case path a phone may send works too.
    let (_, html) = get(&s, &format!("/v/{}", body(&f.valid.archive_token)), None).await;
    assert_eq!(verdict_of(&html), "valid");

    for (token, want, text) in [
        (&f.revoked.archive_token, "revoked", "授权已被毕业生撤销"),
        (
            &f.superseded.archive_token,
            "superseded",
            "登记信息已变更，此表已失效",
        ),
        (&f.expired.archive_token, "expired", "授权已过期"),
    ] {
        let (st, html) = get(&s, &format!("/V/{}", body(token)), None).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(verdict_of(&html), want);
        assert!(html.contains(text), "{want}");
        assert!(!html.contains("基本信息"), "{want}: no disclosure");
    }
    // Tampered: one symbol of the signed body changed.
    let t = body(&f.valid.archive_token);
    let i = t.len() / 2;
    let c = t.as_bytes()[i];
    let swapped = if c == b'A' { 'B' } else { 'A' };
    let tampered = format!("{}{swapped}{}", &t[..i], &t[i + 1..]);
    let (_, html) = get(&s, &format!("/V/{tampered}"), None).await;
    assert_eq!(verdict_of(&html), "bad_signature");
    assert!(html.contains("核验码签名无效，可能被篡改"));
    assert!(!html.contains(&f.valid.name));
    let (st, html) = get(&s, "/V/NOT-A-TOKEN", None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(verdict_of(&html), "malformed");
    // Anonymous scans are recorded nowhere.
    let events = s.state.registry().events_after(0, 10_000).expect("events");
    assert!(!events
        .iter()
        .any(|(_, e)| e.kind == EventKind::FormVerified));
}

async fn login(s: &Server, key: &str) -> String {
    let r = client()
        .post(s.url("/login"))
        .form(&[("key", key)])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{set}");
    }
    set.split(';').next().expect("pair").to_string()
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf field")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_logs_in_and_checks_online() {
    let f = Fixture::new();
    let s = Server::start(f.config(10)).await;
    // Not logged in: to the login page.
    let r = client().get(s.url("/check")).send().await.expect("check");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A wrong key.
    let r = client()
        .post(s.url("/login"))
        .form(&[("key", "wrong")])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.expect("text").contains("核验密钥无效"));

    let cookie = login(&s, OFFICES[0].0).await;
    let (st, html) = get(&s, "/check", Some(&cookie)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("档案转递信息在线核验"));
    let csrf = csrf_of(&html);
    let check = |csrf: String, name: String| {
        client()
            .post(s.url("/check"))
            .header("Cookie", &cookie)
            .form(&[
                ("csrf", csrf),
                ("name", name),
                ("number", f.valid.number.to_string()),
            ])
            .send()
    };
    let r = check(csrf.clone(), f.valid.name.clone())
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.expect("text");
    assert_eq!(verdict_of(&html), "valid");
    assert!(html.contains("档案转递信息"));
    let r = check(csrf.clone(), "不是他".into()).await.expect("post");
    assert_eq!(verdict_of(&r.text().await.expect("text")), "no_match");
    // Without the form token (a forged cross-site post): refused, nothing checked.
    let r = check("forged".into(), f.valid.name.clone())
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // From another site's page: refused.
    let r = client()
        .post(s.url("/check"))
        .header("Cookie", &cookie)
        .header("Origin", "https://evil.example")
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", f.valid.name.as_str()),
            ("number", &f.valid.number.to_string()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let events = s.state.registry().events_after(0, 10_000).expect("events");
    let verified = events
        .iter()
        .filter(|(_, e)| e.kind == EventKind::FormVerified)
        .count();
    assert_eq!(verified, 1, "only the accepted valid check is recorded");

    // A logged-in office opening a QR code checks as itself: recorded, and its section only.
    let (_, html) = get(
        &s,
        &format!("/V/{}", body(&f.target.archive_token)),
        Some(&cookie),
    )
    .await;
    assert_eq!(verdict_of(&html), "valid");
    assert!(html.contains("南京市人才服务中心"));
    let (_, html) = get(
        &s,
        &format!("/V/{}", body(&f.target.hukou_token)),
        Some(&cookie),
    )
    .await;
    assert_eq!(verdict_of(&html), "wrong_section");
    assert!(html.contains("此表不属于本部门核验范围"));
    let events = s.state.registry().events_after(0, 10_000).expect("events");
    assert!(events
        .iter()
        .any(|(_, e)| e.kind == EventKind::FormVerified && e.registration_id == f.target.id));

    // Logging out ends the session.
    let r = client()
        .post(s.url("/logout"))
        .header("Cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = client()
        .get(s.url("/check"))
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("check");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_page_links_the_offline_verifier() {
    let f = Fixture::new();
    let page = f.dir.path().join("page");
    std::fs::create_dir_all(&page).expect("dir");
    std::fs::write(
        page.join("index.html"),
        "<!doctype html><title>离线核验</title>",
    )
    .expect("page");
    let mut config = f.config(10);
    config.offline_page = Some(page);
    let s = Server::start(config).await;
    let token = body(&f.valid.archive_token);
    let (_, html) = get(&s, &format!("/V/{token}"), None).await;
    let link = format!(
        "/offline/index.html?keyset=/.well-known/gradreg/keys.json&amp;status=/.well-known/gradreg/status/all.txt#{token}"
    );
    assert!(html.contains(&link), "{html}");
    let (st, offline) = get(&s, "/offline/index.html", None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(offline.contains("离线核验"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_configured_prefix_the_page_is_at_v_in_either_case() {
    let f = Fixture::new();
    let mut config = f.config(10);
    config.token_prefix = String::new();
    let s = Server::start(config).await;
    for path in ["/v/", "/V/"] {
        let (st, html) = get(&s, &format!("{path}{}", body(&f.valid.archive_token)), None).await;
        assert_eq!(st, StatusCode::OK, "{path}");
        assert_eq!(verdict_of(&html), "valid", "{path}");
    }
}
