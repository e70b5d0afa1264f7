//! `gradreg-server`: the verification service (see `gradreg-server --help`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use gradreg_server::{AppState, FileConfig};

/// The gradreg verification service: online checks by name and 核验编号 for archive and hukou
/// offices, the page a form's QR code opens, and the published key set and status lists.
///
/// Every option can be given in the configuration file (TOML, the key is the option's name with
/// `_` for `-`, e.g. `store = "sqlite:out/season/registry.db"`), as an environment variable
/// (shown beside each option), or on the command line; the command line wins over the
/// environment, which wins over the file.
///
/// Offices authenticate with an API key: `gradreg-server new-key` prints a key and the entry to
/// put into the API keys file (which holds only its SHA-256). Programs send it as
/// `Authorization: Bearer KEY` (or `X-Api-Key: KEY`) to `POST /api/v1/verify`; people log in at
/// `/login` with it and get a session cookie (HttpOnly, Secure, SameSite=Strict) for the form at
/// `/check`.
///
/// Plain HTTP listens on 127.0.0.1:8080 by default: put it behind a TLS proxy, or give
/// --tls-cert and --tls-key to serve HTTPS itself. Logs are JSON lines on standard error without
/// personal data (set RUST_LOG=debug for more).
#[derive(Debug, Parser)]
#[command(name = "gradreg-server", version, verbatim_doc_comment)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Configuration file (TOML).
    #[arg(long, env = "GRADREG_SERVER_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "GRADREG_SERVER_LISTEN", value_name = "ADDR:PORT")]
    listen: Option<std::net::SocketAddr>,
    /// The registry: sqlite:PATH (or a plain path), postgres://user:password@host:port/db, or
    /// memory: (empty, for trials).
    #[arg(long, env = "GRADREG_SERVER_STORE", value_name = "URL")]
    store: Option<String>,
    /// The policy the registry was kept under: jiangsu or national [default: jiangsu].
    #[arg(long, env = "GRADREG_SERVER_POLICY", value_name = "NAME")]
    policy: Option<String>,
    /// The key store (JSON, owner-only) with the signing keys, as the issuer keeps it (the season
    /// example's out/season/keys.json).
    #[arg(long, env = "GRADREG_SERVER_KEYS", value_name = "FILE")]
    keys: Option<PathBuf>,
    /// The URL prefix printed in the forms' tokens, such as HTTPS://VERIFY.EXAMPLE.CN/V/: the
    /// page a QR code opens is served at its path (/V/TOKEN) [default path: /v/].
    #[arg(long, env = "GRADREG_SERVER_TOKEN_PREFIX", value_name = "URL")]
    token_prefix: Option<String>,
    /// The API keys file (TOML): [[key]] entries with sha256, principal, department (archive or
    /// hukou) and name. Without it nobody can check online (the token page and the published
    /// files still work).
    #[arg(long, env = "GRADREG_SERVER_API_KEYS", value_name = "FILE")]
    api_keys: Option<PathBuf>,
    /// Largest request body in bytes; larger ones get 413 [default: 16384].
    #[arg(long, env = "GRADREG_SERVER_BODY_LIMIT_BYTES", value_name = "BYTES")]
    body_limit_bytes: Option<usize>,
    /// Longest time a request may take, in seconds; then 408 [default: 10].
    #[arg(
        long,
        env = "GRADREG_SERVER_REQUEST_TIMEOUT_SECONDS",
        value_name = "SECONDS"
    )]
    request_timeout_seconds: Option<u64>,
    /// An origin allowed to call the JSON API from a browser page (CORS), such as
    /// https://oa.example.cn; repeat for more (comma-separated in the environment, a list
    /// `cors_origins = [...]` in the file). None: closed.
    #[arg(
        long = "cors-origin",
        env = "GRADREG_SERVER_CORS_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    cors_origins: Vec<String>,
    /// TLS certificate chain (PEM): serve HTTPS with rustls (needs --tls-key).
    #[arg(long, env = "GRADREG_SERVER_TLS_CERT", value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "GRADREG_SERVER_TLS_KEY", value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// How often the published status lists are rebuilt from the registry, in seconds; each is
    /// valid for twice that [default: 300].
    #[arg(
        long,
        env = "GRADREG_SERVER_STATUS_REFRESH_SECONDS",
        value_name = "SECONDS"
    )]
    status_refresh_seconds: Option<u64>,
    /// Cache-Control max-age of the key set and status lists, in seconds [default: 300].
    #[arg(
        long,
        env = "GRADREG_SERVER_CACHE_MAX_AGE_SECONDS",
        value_name = "SECONDS"
    )]
    cache_max_age_seconds: Option<u64>,
    /// Folder of the static offline verifier page (web/page after web/build.sh), served at
    /// /offline/ and linked from the token page.
    #[arg(long, env = "GRADREG_SERVER_OFFLINE_PAGE", value_name = "DIR")]
    offline_page: Option<PathBuf>,
    /// Registry calls run at once on the blocking pool; more wait [default: 16].
    #[arg(long, env = "GRADREG_SERVER_MAX_CONCURRENT_CHECKS", value_name = "N")]
    max_concurrent_checks: Option<usize>,
    /// Failed online checks allowed per office per window, then rate_limited [default: 10].
    #[arg(long, env = "GRADREG_SERVER_FAILURE_LIMIT", value_name = "N")]
    failure_limit: Option<u32>,
    /// The window failures are counted over, in seconds [default: 3600].
    #[arg(
        long,
        env = "GRADREG_SERVER_FAILURE_WINDOW_SECONDS",
        value_name = "SECONDS"
    )]
    failure_window_seconds: Option<i64>,
    /// How long a browser login lasts, in seconds [default: 28800].
    #[arg(long, env = "GRADREG_SERVER_SESSION_SECONDS", value_name = "SECONDS")]
    session_seconds: Option<i64>,
    /// DEMONSTRATIONS ONLY: answer as if it were this instant (RFC 3339, such as
    /// 2026-06-20T02:00:00Z), to show a past season's forms as they verified then.
    #[arg(long, env = "GRADREG_SERVER_CLOCK", value_name = "INSTANT")]
    clock: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Print a new random API key and its entry for the API keys file.
    NewKey {
        /// The office's principal id, such as archive:nj-rc.
        #[arg(long)]
        principal: String,
        /// archive or hukou.
        #[arg(long)]
        department: String,
        /// The office's name, shown to graduates.
        #[arg(long)]
        name: String,
    },
    /// Print the SHA-256 of the API key read from standard input.
    HashKey,
    /// Check the configuration and exit.
    Check,
}

impl Cli {
    fn file_config(&self) -> FileConfig {
        FileConfig {
            listen: self.listen,
            store: self.store.clone(),
            policy: self.policy.clone(),
            keys: self.keys.clone(),
            token_prefix: self.token_prefix.clone(),
            api_keys: self.api_keys.clone(),
            body_limit_bytes: self.body_limit_bytes,
            request_timeout_seconds: self.request_timeout_seconds,
            cors_origins: (!self.cors_origins.is_empty()).then(|| self.cors_origins.clone()),
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            status_refresh_seconds: self.status_refresh_seconds,
            cache_max_age_seconds: self.cache_max_age_seconds,
            offline_page: self.offline_page.clone(),
            max_concurrent_checks: self.max_concurrent_checks,
            failure_limit: self.failure_limit,
            failure_window_seconds: self.failure_window_seconds,
            session_seconds: self.session_seconds,
            clock: self.clock,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let done = match &cli.command {
        Some(Cmd::NewKey {
            principal,
            department,
            name,
        }) => new_key_entry(principal, department, name),
        Some(Cmd::HashKey) => hash_key_of_stdin(),
        Some(Cmd::Check) | None => run(&cli).map_err(|e| format!("gradreg-server: {e}")),
    };
    match done {
        Ok(said) => {
            if let Some(text) = said {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// `new-key`: a new key and its entry for the API keys file.
fn new_key_entry(principal: &str, department: &str, name: &str) -> Result<Option<String>, String> {
    let key = gradreg_server::auth::new_key().map_err(|e| format!("no random source: {e}"))?;
    Ok(Some(format!(
        "# the key (give it to the office, keep it nowhere else):\n# {key}\n\
         [[key]]\nsha256 = \"{}\"\nprincipal = {principal:?}\ndepartment = {department:?}\nname = {name:?}",
        gradreg_server::auth::hash_key(&key)
    )))
}

/// `hash-key`: the SHA-256 of the key on standard input's first line.
fn hash_key_of_stdin() -> Result<Option<String>, String> {
    let mut key = String::new();
    std::io::stdin()
        .read_line(&mut key)
        .map_err(|_| "cannot read the key from standard input".to_string())?;
    Ok(Some(gradreg_server::auth::hash_key(&key)))
}

/// The service (or with `check`, the configuration checked): what to print when it ends.
fn run(cli: &Cli) -> Result<Option<String>, Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let file = match &cli.config {
        Some(path) => FileConfig::read(path)?,
        None => FileConfig::default(),
    };
    let config = file.overlay(cli.file_config()).resolve()?;
    let listen = config.listen;
    let tls = config.tls.clone();
    let token_path = config.token_path();
    let state = Arc::new(AppState::open(config)?);
    if matches!(cli.command, Some(Cmd::Check)) {
        return Ok(Some("configuration ok".into()));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // The last handle on the registry is dropped after the runtime, on this thread: the
    // synchronous PostgreSQL client may not be dropped on an async thread.
    let keep = Arc::clone(&state);
    let result = rt.block_on(async move {
        tracing::info!(%listen, tls = tls.is_some(), token_path, "listening");
        match tls {
            Some((cert, key)) => gradreg_server::serve_tls(listen, &cert, &key, state).await,
            None => {
                let listener = tokio::net::TcpListener::bind(listen).await?;
                gradreg_server::serve(listener, state, async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
            }
        }
    });
    drop(rt);
    drop(keep);
    result?;
    Ok(None)
}
