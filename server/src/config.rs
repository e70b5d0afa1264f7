//! The service's configuration: a TOML file, then environment variables (`GRADREG_SERVER_*`)
//! and command-line options over it (see `gradreg-server --help`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::ApiKeys;

/// Why the configuration cannot be used (printed to the operator at start, never to clients).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid TOML of the expected shape.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A value is missing or out of range.
    #[error("{0}")]
    Invalid(String),
}

/// The configuration file, every field optional (a missing one takes its default).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address and port to listen on.
    pub listen: Option<SocketAddr>,
    /// The registry's store URL (`sqlite:PATH`, a plain path, `postgres://…`, `memory:`).
    pub store: Option<String>,
    /// The policy: `jiangsu` or `national`.
    pub policy: Option<String>,
    /// The key store file (JSON, owner-only) holding the signing keys.
    pub keys: Option<PathBuf>,
    /// The deployment URL prefix printed in tokens, such as `HTTPS://VERIFY.EXAMPLE.CN/V/`.
    pub token_prefix: Option<String>,
    /// The API keys file (TOML, `[[key]]` entries with `sha256`, `principal`, `department`, `name`).
    pub api_keys: Option<PathBuf>,
    /// Largest request body, in bytes.
    pub body_limit_bytes: Option<usize>,
    /// Longest time a request may take, in seconds.
    pub request_timeout_seconds: Option<u64>,
    /// Origins allowed to call the JSON API from a browser (CORS); empty: closed.
    pub cors_origins: Option<Vec<String>>,
    /// TLS certificate chain (PEM).
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// How often the published status lists are rebuilt, in seconds.
    pub status_refresh_seconds: Option<u64>,
    /// `Cache-Control: max-age` of the published key set and status lists, in seconds.
    pub cache_max_age_seconds: Option<u64>,
    /// Folder of the static offline verifier page (web/page after web/build.sh).
    pub offline_page: Option<PathBuf>,
    /// Online checks run at once on the blocking pool (the others wait).
    pub max_concurrent_checks: Option<usize>,
    /// Failed online checks allowed per principal per window.
    pub failure_limit: Option<u32>,
    /// The failure window, in seconds.
    pub failure_window_seconds: Option<i64>,
    /// How long a browser login lasts, in seconds.
    pub session_seconds: Option<i64>,
    /// A fixed clock (RFC 3339), for demonstrations of a past season only.
    pub clock: Option<DateTime<Utc>>,
}

/// The configuration in force, every value set.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// The registry's store URL.
    pub store: String,
    /// The policy's name (`jiangsu` or `national`).
    pub policy: String,
    /// The key store file.
    pub keys: PathBuf,
    /// The deployment URL prefix of tokens (may be empty).
    pub token_prefix: String,
    /// The offices allowed to check.
    pub api_keys: ApiKeys,
    /// Largest request body, in bytes.
    pub body_limit_bytes: usize,
    /// Longest time a request may take, in seconds.
    pub request_timeout_seconds: u64,
    /// CORS origins allowed (empty: closed).
    pub cors_origins: Vec<String>,
    /// TLS certificate and key, when TLS is on.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// How often the status lists are rebuilt, in seconds.
    pub status_refresh_seconds: u64,
    /// `Cache-Control: max-age` of published material, in seconds.
    pub cache_max_age_seconds: u64,
    /// Folder of the static offline verifier page, if served.
    pub offline_page: Option<PathBuf>,
    /// Online checks run at once.
    pub max_concurrent_checks: usize,
    /// Failed online checks allowed per principal per window.
    pub failure_limit: u32,
    /// The failure window, in seconds.
    pub failure_window_seconds: i64,
    /// How long a browser login lasts, in seconds.
    pub session_seconds: i64,
    /// A fixed clock, for demonstrations only.
    pub clock: Option<DateTime<Utc>>,
}

/// Reads the file at `path` and parses its text with `parse`, whose error is the message of a
/// [`ConfigError::Parse`].
pub(crate) fn read_file<T>(
    path: &Path,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|message| ConfigError::Parse {
        path: path.to_path_buf(),
        message,
    })
}

impl FileConfig {
    /// Reads a configuration file.
    pub fn read(path: &Path) -> Result<FileConfig, ConfigError> {
        read_file(path, |text| {
            toml::from_str(text).map_err(|e: toml::de::Error| e.message().to_string())
        })
    }

    /// Takes every value set in `over` in place of this one's.
    pub fn overlay(self, over: FileConfig) -> FileConfig {
        macro_rules! pick {
            ($($f:ident),*) => { FileConfig { $($f: over.$f.or(self.$f)),* } };
        }
        pick!(
            listen,
            store,
            policy,
            keys,
            token_prefix,
            api_keys,
            body_limit_bytes,
            request_timeout_seconds,
            cors_origins,
            tls_cert,
            tls_key,
            status_refresh_seconds,
            cache_max_age_seconds,
            offline_page,
            max_concurrent_checks,
            failure_limit,
            failure_window_seconds,
            session_seconds,
            clock
        )
    }

    /// The configuration in force: defaults for what is not set, the API keys file read, and
    /// every value checked.
    pub fn resolve(self) -> Result<Config, ConfigError> {
        let store = self.store.ok_or_else(|| {
            ConfigError::Invalid("no store: give --store URL (or GRADREG_SERVER_STORE)".into())
        })?;
        let keys = self.keys.ok_or_else(|| {
            ConfigError::Invalid("no key store: give --keys FILE (or GRADREG_SERVER_KEYS)".into())
        })?;
        let policy = self.policy.unwrap_or_else(|| "jiangsu".into());
        if !matches!(policy.as_str(), "jiangsu" | "national") {
            return Err(ConfigError::Invalid(format!(
                "policy {policy:?}: use jiangsu or national"
            )));
        }
        let api_keys = match &self.api_keys {
            Some(path) => ApiKeys::read(path)?,
            None => ApiKeys::default(),
        };
        let token_prefix = self.token_prefix.unwrap_or_default();
        if !token_prefix.is_empty() && !token_prefix.ends_with('/') {
            return Err(ConfigError::Invalid(format!(
                "token prefix {token_prefix:?} must end in /"
            )));
        }
        let tls = match (self.tls_cert, self.tls_key) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => {
                return Err(ConfigError::Invalid(
                    "TLS needs both --tls-cert and --tls-key".into(),
                ))
            }
        };
        let positive = |name: &str, v: u64| {
            if v == 0 {
                Err(ConfigError::Invalid(format!("{name} must be above 0")))
            } else {
                Ok(v)
            }
        };
        let config = Config {
            listen: self
                .listen
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            store,
            policy,
            keys,
            token_prefix,
            api_keys,
            body_limit_bytes: positive(
                "body_limit_bytes",
                self.body_limit_bytes.unwrap_or(16 * 1024) as u64,
            )? as usize,
            request_timeout_seconds: positive(
                "request_timeout_seconds",
                self.request_timeout_seconds.unwrap_or(10),
            )?,
            cors_origins: self.cors_origins.unwrap_or_default(),
            tls,
            status_refresh_seconds: positive(
                "status_refresh_seconds",
                self.status_refresh_seconds.unwrap_or(300),
            )?,
            cache_max_age_seconds: self.cache_max_age_seconds.unwrap_or(300),
            offline_page: self.offline_page,
            max_concurrent_checks: positive(
                "max_concurrent_checks",
                self.max_concurrent_checks.unwrap_or(16) as u64,
            )? as usize,
            failure_limit: self.failure_limit.unwrap_or(10),
            failure_window_seconds: self.failure_window_seconds.unwrap_or(3600),
            session_seconds: self.session_seconds.unwrap_or(8 * 3600).max(60),
            clock: self.clock,
        };
        Ok(config)
    }
}

impl Config {
    /// The path part of the token prefix (`/V/` of `HTTPS://VERIFY.EXAMPLE.CN/V/`), where the
    /// token page is served; `/v/` when no prefix is set.
    pub fn token_path(&self) -> String {
        token_path(&self.token_prefix)
    }
}

/// The path part of a token URL prefix (see [`Config::token_path`]).
pub fn token_path(prefix: &str) -> String {
    let rest = prefix
        .split_once("://")
        .map_or(prefix, |(_, rest)| rest)
        .trim_start_matches('/');
    let path = match (prefix.contains("://"), rest.find('/')) {
        (true, Some(i)) => &rest[i..],
        (true, None) => "/",
        (false, _) if prefix.is_empty() => "/v/",
        (false, _) => prefix,
    };
    let mut p = path.to_string();
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    if !p.ends_with('/') {
        p.push('/');
    }
    if p == "/" {
        "/v/".into()
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_paths() {
        assert_eq!(token_path("HTTPS://VERIFY.EXAMPLE.CN/V/"), "/V/");
        assert_eq!(token_path("http://127.0.0.1:8080/v/"), "/v/");
        assert_eq!(token_path(""), "/v/");
        assert_eq!(token_path("HTTPS://A.CN/"), "/v/");
        assert_eq!(token_path("HTTPS://A.CN/CHECK/QR/"), "/CHECK/QR/");
    }

    #[test]
    fn overlay_prefers_the_later_source() {
        let file: FileConfig = toml::from_str("store = \"memory:\"\nfailure_limit = 3").unwrap();
        let env = FileConfig {
            failure_limit: Some(5),
            ..FileConfig::default()
        };
        let c = file.overlay(env);
        assert_eq!(c.store.as_deref(), Some("memory:"));
        assert_eq!(c.failure_limit, Some(5));
        assert!(toml::from_str::<FileConfig>("unknown = 1").is_err());
    }
}
