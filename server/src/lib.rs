//! # gradreg-server
//!
//! The verification service of gradreg: what archive and hukou offices open.
//!
//! - `POST /api/v1/verify` — online check by name and 核验编号 or 转递编号 (JSON), for an office
//!   authenticated by API key (`Authorization: Bearer KEY` or `X-Api-Key: KEY`);
//! - `GET/POST /check` — the same check as a form in Chinese, after `/login` with the key;
//! - `GET {token path}{token}` — the page a form's QR code opens: the verdict for that token,
//!   checked against the registry;
//! - `/.well-known/gradreg/keys.json` and `/.well-known/gradreg/status/{index.json,all.txt,N.txt}`
//!   — the published key set and status lists (ETag, Cache-Control, 304);
//! - `/healthz`, `/metrics` — for operators.
//!
//! The registry is synchronous: every call to it runs on tokio's blocking pool, at most
//! `max_concurrent_checks` at once, never on the async threads.
#![deny(missing_docs)]

pub mod app;
pub mod auth;
pub mod config;
pub mod html;
pub mod metrics;
pub mod published;

use std::sync::Arc;
use std::time::Duration;

pub use app::{router, AppState, StartError};
pub use config::{Config, ConfigError, FileConfig};

/// Serves `state` on `listener` (plain HTTP) until `shutdown` completes, rebuilding the status
/// lists every refresh interval.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let refresher = spawn_refresh(Arc::clone(&state));
    let app = router(state);
    let r = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    refresher.abort();
    r
}

/// Serves `state` over TLS (rustls) on `addr` with the certificate chain and key in PEM files.
pub async fn serve_tls(
    addr: std::net::SocketAddr,
    cert: &std::path::Path,
    key: &std::path::Path,
    state: Arc<AppState>,
) -> std::io::Result<()> {
    // One process-wide crypto provider (ring); a second install is refused and harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    let refresher = spawn_refresh(Arc::clone(&state));
    let app = router(state);
    let r = axum_server::bind_rustls(addr, tls)
        .serve(app.into_make_service())
        .await;
    refresher.abort();
    r
}

/// Rebuilds the published status lists every refresh interval, on the blocking pool.
fn spawn_refresh(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    let every = Duration::from_secs(state.config().status_refresh_seconds);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let st = Arc::clone(&state);
            match tokio::task::spawn_blocking(move || st.refresh_status()).await {
                Ok(Ok(())) => tracing::info!("status lists rebuilt"),
                Ok(Err(e)) => tracing::warn!(code = e.code() as u32, "status lists not rebuilt"),
                Err(_) => tracing::warn!("status list rebuild stopped"),
            }
        }
    })
}
