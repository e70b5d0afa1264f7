//! The HTTP application: routes, handlers and the layers that keep it safe by default.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use gradreg::codes::KeyStore;
use gradreg::{
    Actor, KeyRing, Masking, OnlineVerifier, OpenOptions, Policy, Registry, RegistryStatus,
    ScanOptions, Section, Verdict,
};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::auth::{cookie, ApiKeys, Office, Sessions, SESSION_COOKIE};
use crate::config::Config;
use crate::html;
use crate::metrics::Metrics;
use crate::published::{Document, Published};

/// Why the service could not start (told to the operator, never to a client).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store or the key store could not be opened, or the status lists not built.
    #[error("{0}")]
    Library(#[from] gradreg::Error),
    /// The metrics registry refused a metric.
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// The service's shared state.
pub struct AppState {
    registry: Arc<Registry>,
    ring: Arc<KeyRing>,
    config: Config,
    keys: ApiKeys,
    sessions: Sessions,
    published: Published,
    metrics: Metrics,
    checks: Semaphore,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("offices", &self.keys.len())
            .finish_non_exhaustive()
    }
}

type S = Arc<AppState>;

impl AppState {
    /// Opens the store and the key store the configuration names and builds the first status
    /// lists (blocking).
    pub fn open(config: Config) -> Result<AppState, StartError> {
        let policy = match config.policy.as_str() {
            "national" => Policy::national(),
            _ => Policy::jiangsu(),
        };
        let registry = Registry::open_url(&config.store, policy, &OpenOptions::new())?;
        let keys = KeyStore::open(&config.keys)?;
        AppState::from_parts(config, registry, &keys)
    }

    /// The state over an open registry and key store (blocking: builds the first status lists).
    pub fn from_parts(
        config: Config,
        registry: Registry,
        keys: &KeyStore,
    ) -> Result<AppState, StartError> {
        let ring = keys.ring()?;
        let published = Published::new(keys.key_set()?.to_json());
        let state = AppState {
            registry: Arc::new(registry),
            ring: Arc::new(ring),
            keys: config.api_keys.clone(),
            sessions: Sessions::default(),
            published,
            metrics: Metrics::new()?,
            checks: Semaphore::new(config.max_concurrent_checks),
            config,
        };
        state.refresh_status()?;
        Ok(state)
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The registry served.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The time now (the configured fixed clock, if any).
    pub fn now(&self) -> DateTime<Utc> {
        self.config.clock.unwrap_or_else(Utc::now)
    }

    /// Rebuilds the published status lists (blocking).
    pub fn refresh_status(&self) -> gradreg::Result<()> {
        let every = Duration::seconds(self.config.status_refresh_seconds as i64);
        self.published
            .refresh(&self.registry, &self.ring, self.now(), every * 2)
    }

    fn verifier(&self) -> OnlineVerifier<'_> {
        let mut v = OnlineVerifier::new(self.registry.tables());
        v.limit = self.config.failure_limit;
        // A window out of range is refused at start (see `resolve`); keep the default then.
        let _ = v.set_window_seconds(self.config.failure_window_seconds);
        v
    }
}

/// Runs `f` on the blocking pool, at most `max_concurrent_checks` at once.
async fn blocking<T: Send + 'static>(
    state: &S,
    f: impl FnOnce(&AppState) -> T + Send + 'static,
) -> Option<T> {
    let _permit = state.checks.acquire().await.ok()?;
    let st = Arc::clone(state);
    tokio::task::spawn_blocking(move || f(&st)).await.ok()
}

/// The routes and layers over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let c = &state.config;
    let token_path = c.token_path();
    let mut app = Router::new()
        .route("/api/v1/verify", post(api_verify))
        .route("/check", get(check_page).post(check_submit))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route(&format!("{token_path}{{token}}"), get(token_page))
        .route("/.well-known/gradreg/keys.json", get(key_set))
        .route("/.well-known/gradreg/status/{file}", get(status_file))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/assets/style.css", get(style))
        .route("/", get(|| async { Redirect::to("/check") }));
    // A token prefix is upper case (QR alphanumeric mode) and some readers lower-case it: the
    // page answers at the path as configured, lower-cased and upper-cased.
    let mut paths = vec![token_path.to_lowercase(), token_path.to_uppercase()];
    paths.retain(|p| *p != token_path);
    paths.dedup();
    for p in paths {
        app = app.route(&format!("{p}{{token}}"), get(token_page));
    }
    if let Some(dir) = &c.offline_page {
        app = app.nest_service("/offline", tower_http::services::ServeDir::new(dir));
    }
    let mut app = app
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), observe));
    if !c.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = c
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    HeaderName::from_static("x-api-key"),
                ]),
        );
    }
    let hsts = c.tls.is_some();
    let mut app = app
        .layer(axum::extract::DefaultBodyLimit::max(c.body_limit_bytes))
        .layer(RequestBodyLimitLayer::new(c.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            StdDuration::from_secs(c.request_timeout_seconds),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            internal_error(gradreg::ErrorCode::Internal as u32)
        }))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                 img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    if hsts {
        app = app.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    app.with_state(state)
}

/// Counts and logs every request by its route template (never its path: a token page's path
/// holds the token).
async fn observe(State(state): State<S>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().clone();
    let t = Instant::now();
    let resp = next.run(req).await;
    let secs = t.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    state.metrics.request(&route, status, secs);
    tracing::info!(%method, route, status, ms = secs * 1e3, "request");
    resp
}

fn error_json(status: StatusCode, error: &str, code: u32) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": error, "code": code })),
    )
        .into_response()
}

fn internal_error(code: u32) -> Response {
    error_json(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", code)
}

async fn not_found() -> Response {
    error_json(
        StatusCode::NOT_FOUND,
        "not_found",
        gradreg::ErrorCode::InvalidArgument as u32,
    )
}

/// The office that presented an API key (`Authorization: Bearer …` or `X-Api-Key`).
fn api_office<'a>(state: &'a AppState, headers: &HeaderMap) -> Option<&'a Office> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()))?;
    state.keys.find(key)
}

#[derive(Deserialize)]
struct VerifyRequest {
    name: String,
    number: String,
}

fn verdict_json(v: &Verdict) -> serde_json::Value {
    let mut value = serde_json::to_value(v).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(map) = value.as_object_mut() {
        map.insert("code".into(), v.code().into());
        map.insert("message_zh".into(), v.kind().message_zh().into());
    }
    value
}

fn verdict_status(v: &Verdict) -> StatusCode {
    match v {
        Verdict::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Verdict::Indeterminate => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::OK,
    }
}

async fn online_check(state: &S, office: Office, name: String, number: String) -> Verdict {
    let principal = office.principal.as_str().to_string();
    let v = blocking(state, move |st| {
        let now = st.now();
        st.registry.verify_online(
            &st.verifier(),
            &office.principal,
            &office.actor,
            &name,
            &number,
            now,
        )
    })
    .await
    .unwrap_or(Verdict::Indeterminate);
    tracing::info!(principal, verdict = v.kind().as_str(), "online check");
    v
}

async fn api_verify(State(state): State<S>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(office) = api_office(&state, &headers).cloned() else {
        let mut r = error_json(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            gradreg::ErrorCode::InvalidArgument as u32,
        );
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return r;
    };
    let Ok(req) = serde_json::from_slice::<VerifyRequest>(&body) else {
        return error_json(
            StatusCode::BAD_REQUEST,
            "bad_request",
            gradreg::ErrorCode::InvalidArgument as u32,
        );
    };
    let v = online_check(&state, office, req.name, req.number).await;
    state.metrics.verdict("api", v.kind().as_str());
    (verdict_status(&v), Json(verdict_json(&v))).into_response()
}

/// The session of a request's cookie, if it is logged in.
fn session_of(state: &AppState, headers: &HeaderMap) -> Option<(String, crate::auth::Session)> {
    let id = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie(h, SESSION_COOKIE))?;
    let s = state.sessions.get(id, state.now())?;
    Some((id.to_string(), s))
}

/// A POST from a page of another site is refused: its `Origin`, when sent, must be this host.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, h)| h.eq_ignore_ascii_case(host))
}

fn html_response(status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}

async fn login_page() -> Response {
    html_response(StatusCode::OK, html::login(None))
}

#[derive(Deserialize)]
struct LoginForm {
    key: String,
}

async fn login_submit(State(state): State<S>, headers: HeaderMap, body: Bytes) -> Response {
    if !same_origin(&headers) {
        return html_response(
            StatusCode::FORBIDDEN,
            html::error("核验单位登录", "请求来源不符"),
        );
    }
    let Ok(form) = serde_urlencoded_form::<LoginForm>(&body) else {
        return html_response(StatusCode::BAD_REQUEST, html::login(Some("请输入核验密钥")));
    };
    let Some(office) = state.keys.find(&form.key).cloned() else {
        tracing::info!("login refused");
        return html_response(StatusCode::UNAUTHORIZED, html::login(Some("核验密钥无效")));
    };
    let length = Duration::seconds(state.config.session_seconds);
    let principal = office.principal.as_str().to_string();
    let Some((id, _)) = state.sessions.start(office, state.now(), length) else {
        return internal_error(gradreg::ErrorCode::Internal as u32);
    };
    tracing::info!(principal, "login");
    let cookie = format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        state.config.session_seconds
    );
    let mut r = Redirect::to("/check").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct LogoutForm {
    csrf: String,
}

async fn logout(State(state): State<S>, headers: HeaderMap, body: Bytes) -> Response {
    if let (Some((id, s)), Ok(form)) = (
        session_of(&state, &headers),
        serde_urlencoded_form::<LogoutForm>(&body),
    ) {
        if bool::from(s.csrf.as_bytes().ct_eq(form.csrf.as_bytes())) {
            state.sessions.end(&id);
        }
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "gradreg_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0",
        ),
    );
    r
}

async fn check_page(State(state): State<S>, headers: HeaderMap) -> Response {
    match session_of(&state, &headers) {
        Some((_, s)) => html_response(
            StatusCode::OK,
            html::check(
                s.office.department.check_title(),
                office_name(&s.office),
                &s.csrf,
                None,
            ),
        ),
        None => Redirect::to("/login").into_response(),
    }
}

fn office_name(o: &Office) -> &str {
    match &o.actor {
        Actor::ArchiveDept { name, .. } | Actor::HukouDept { name, .. } => name,
        _ => o.principal.as_str(),
    }
}

#[derive(Deserialize)]
struct CheckForm {
    csrf: String,
    name: String,
    number: String,
}

async fn check_submit(State(state): State<S>, headers: HeaderMap, body: Bytes) -> Response {
    let Some((_, s)) = session_of(&state, &headers) else {
        return Redirect::to("/login").into_response();
    };
    let title = s.office.department.check_title();
    let Ok(form) = serde_urlencoded_form::<CheckForm>(&body) else {
        return html_response(
            StatusCode::BAD_REQUEST,
            html::error(title, "请求格式不正确"),
        );
    };
    if !same_origin(&headers) || !bool::from(s.csrf.as_bytes().ct_eq(form.csrf.as_bytes())) {
        return html_response(
            StatusCode::FORBIDDEN,
            html::error(title, "请求来源不符，请刷新页面后重试"),
        );
    }
    let v = online_check(&state, s.office.clone(), form.name, form.number).await;
    state.metrics.verdict("form", v.kind().as_str());
    html_response(
        verdict_status(&v),
        html::check(title, office_name(&s.office), &s.csrf, Some(&v)),
    )
}

fn serde_urlencoded_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ()> {
    serde_urlencoded::from_bytes(body).map_err(|_| ())
}

/// A scanned token checked against the store. A logged-in office checks as its department and
/// the check is recorded; anyone else (a phone that opened the QR's URL) sees the status of the
/// token's own section, checked against the store but recorded nowhere, since nobody is known
/// to have checked.
fn scan(st: &AppState, token: &str, office: Option<&Office>) -> Verdict {
    let now = st.now();
    let opts = ScanOptions::default();
    if let Some(o) = office {
        return st
            .registry
            .verify_token(token, &st.ring, &o.actor, now, &opts)
            .verdict;
    }
    let section = match gradreg::decode_token(gradreg::codes::token::trim_scanned(token), &st.ring)
    {
        Ok(d) => d.claims.section,
        Err(rej) => return Verdict::without_data(rej.kind).unwrap_or(Verdict::Malformed),
    };
    let dept = match section {
        Section::Archive => Actor::ArchiveDept {
            id: "anonymous".into(),
            name: "扫码查看".into(),
        },
        Section::Hukou => Actor::HukouDept {
            id: "anonymous".into(),
            name: "扫码查看".into(),
        },
    };
    let status = RegistryStatus {
        lookup: st.registry.as_ref(),
        tables: st.registry.tables(),
        masking: Masking::default(),
    };
    gradreg::verify_token(token, &st.ring, &dept, now, &status, &opts).verdict
}

async fn token_page(
    State(state): State<S>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let office = session_of(&state, &headers).map(|(_, s)| s.office);
    let recorded_by = office.as_ref().map(|o| office_name(o).to_string());
    let principal = office.as_ref().map_or_else(
        || "anonymous".to_string(),
        |o| o.principal.as_str().to_string(),
    );
    let shown = token.clone();
    let v = blocking(&state, move |st| scan(st, &token, office.as_ref()))
        .await
        .unwrap_or(Verdict::Indeterminate);
    tracing::info!(principal, verdict = v.kind().as_str(), "token page");
    state.metrics.verdict("token", v.kind().as_str());
    // The offline page, loaded with the published files and this token (after `#`, which
    // the browser never sends to a server).
    let offline = state.config.offline_page.as_ref().map(|_| {
        let mut link = String::from(
            "/offline/index.html?keyset=/.well-known/gradreg/keys.json&status=/.well-known/gradreg/status/all.txt",
        );
        if !shown.is_empty() && shown.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') {
            link.push('#');
            link.push_str(&shown);
        }
        link
    });
    let status = match &v {
        Verdict::Malformed => StatusCode::BAD_REQUEST,
        Verdict::Indeterminate => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::OK,
    };
    html_response(
        status,
        html::token_page(
            &v,
            if v.is_valid() {
                recorded_by.as_deref()
            } else {
                None
            },
            offline.as_deref(),
        ),
    )
}

/// A published document, with its ETag, `Cache-Control` and 304 on a matching `If-None-Match`.
fn published(
    state: &AppState,
    headers: &HeaderMap,
    doc: &Document,
    content_type: &str,
) -> Response {
    let cache = format!("public, max-age={}", state.config.cache_max_age_seconds);
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t == doc.etag
        });
    let mut r = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Body::from(doc.body.to_string()).into_response();
        if let Ok(v) = HeaderValue::from_str(content_type) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&doc.etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&cache) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

async fn key_set(State(state): State<S>, headers: HeaderMap) -> Response {
    published(
        &state,
        &headers,
        &state.published.key_set,
        "application/json",
    )
}

async fn status_file(
    State(state): State<S>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let docs = state.published.status();
    let doc = match file.as_str() {
        "index.json" => docs.index.clone().map(|d| (d, "application/json")),
        "all.txt" => docs.all.clone().map(|d| (d, "text/plain; charset=utf-8")),
        f => f
            .strip_suffix(".txt")
            .and_then(|n| n.parse::<u32>().ok())
            .and_then(|n| docs.lists.iter().find(|(id, _)| *id == n))
            .map(|(_, d)| (d.clone(), "text/plain; charset=utf-8")),
    };
    match doc {
        Some((d, ct)) => published(&state, &headers, &d, ct),
        None => not_found().await,
    }
}

async fn healthz(State(state): State<S>) -> Response {
    let ok = blocking(&state, |st| st.registry.find("healthz:probe").is_ok())
        .await
        .unwrap_or(false);
    if ok {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "store unreachable\n").into_response()
    }
}

async fn metrics(State(state): State<S>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(),
    )
        .into_response()
}

async fn style() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        html::STYLE,
    )
        .into_response()
}
