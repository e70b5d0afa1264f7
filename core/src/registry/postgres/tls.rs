//! TLS to the PostgreSQL server, chosen by the store URL the way libpq users write it.
//!
//! The URL's `sslmode`, `sslrootcert`, `sslcert` and `sslkey` parameters are taken out before
//! the rest goes to the driver (`postgres::Config` knows only three of libpq's five modes and
//! none of the file parameters); the handshake runs in rustls (ring) through
//! `tokio-postgres-rustls`, never OpenSSL.
//!
//! | `sslmode` | TLS | the server's certificate |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` | when the server offers it, else plain | not checked (as libpq) |
//! | `require` | always | not checked; checked as `verify-ca` when `sslrootcert=PATH` is given (as libpq) |
//! | `verify-ca` | always | signed by a trusted authority, not expired |
//! | `verify-full` | always | as `verify-ca`, and it names the host the URL connects to |
//!
//! **Default**, when the URL has no `sslmode`: `prefer` for a server on this machine (a
//! loopback address, `localhost` or a Unix socket: nothing crosses a network), and
//! `verify-full` otherwise or whenever `sslrootcert` is given. libpq's default is `prefer`
//! everywhere, which neither checks who answers nor insists on encryption; a registry of
//! personal data should not send it across a network that way unless its URL says so
//! (`sslmode=prefer`, `require` or `disable` keep libpq's behaviour when written out).
//!
//! **Trusted authorities**: `sslrootcert=PATH` (PEM, one or more certificates) or, without it
//! (or with `sslrootcert=system`, as libpq 16), the operating system's store, read through
//! rustls-native-certs (on Linux the OpenSSL-layout files such as `/etc/ssl/certs`).
//! `~/.postgresql/root.crt`, libpq's implicit file, is not read. `sslcert` and `sslkey` (PEM)
//! give a client certificate, for servers that log in by certificate (`cert` in
//! `pg_hba.conf`). rustls checks host names against the certificate's subjectAltName only,
//! never its common name.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use postgres::config::{Host, SslMode as DriverMode};
use postgres::{Client, NoTls};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::pg_err;
use crate::error::{Cause, Error, Result};

/// libpq's `sslmode` values this library supports (all but `allow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    /// Plain connections only.
    Disable,
    /// TLS when the server offers it, the certificate unchecked.
    Prefer,
    /// TLS always, the certificate unchecked (unless a root certificate file is given).
    Require,
    /// TLS always, the certificate signed by a trusted authority.
    VerifyCa,
    /// TLS always, the certificate signed by a trusted authority and naming the host.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            "allow" => {
                return Err(Error::InvalidArgument(
                    "store URL: sslmode=allow is not supported; use prefer or disable".into(),
                ))
            }
            other => {
                return Err(Error::InvalidArgument(format!(
                    "store URL: sslmode={other} is none of disable, prefer, require, verify-ca, \
                     verify-full"
                )))
            }
        })
    }

    fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the trusted authorities come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RootCert {
    /// The operating system's store (`sslrootcert=system`).
    System,
    /// A PEM file.
    File(PathBuf),
}

/// The TLS parameters of a store URL, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TlsParams {
    /// `sslmode`, when given.
    pub(crate) mode: Option<SslMode>,
    /// `sslrootcert`, when given.
    pub(crate) rootcert: Option<RootCert>,
    /// `sslcert`, when given.
    pub(crate) cert: Option<PathBuf>,
    /// `sslkey`, when given.
    pub(crate) key: Option<PathBuf>,
}

/// Splits a `postgres://` URL into the URL the driver reads (every other parameter kept as
/// written, in order) and its TLS parameters.
pub(crate) fn split_url(url: &str) -> Result<(String, TlsParams)> {
    let mut params = TlsParams::default();
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), params));
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key)?;
        let path = |value: &str| -> Result<PathBuf> {
            let v = decode(value)?;
            if v.is_empty() {
                return Err(Error::InvalidArgument(format!(
                    "store URL: {key} names no file"
                )));
            }
            Ok(PathBuf::from(v))
        };
        match key.as_str() {
            "sslmode" => params.mode = Some(SslMode::parse(&decode(value)?)?),
            "sslrootcert" if value == "system" => params.rootcert = Some(RootCert::System),
            "sslrootcert" => params.rootcert = Some(RootCert::File(path(value)?)),
            "sslcert" => params.cert = Some(path(value)?),
            "sslkey" => params.key = Some(path(value)?),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, params))
}

/// `%XX` escapes decoded (the URL form's percent-encoding), as UTF-8.
fn decode(text: &str) -> Result<String> {
    let bad = || Error::InvalidArgument(format!("store URL: bad percent-encoding in {text:?}"));
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or_else(bad)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// Whether every host of `config` is on this machine: a loopback address, `localhost` or a
/// Unix socket.
fn is_local(config: &postgres::Config) -> bool {
    let hosts = config.get_hosts();
    if hosts.is_empty() {
        return config.get_hostaddrs().iter().all(IpAddr::is_loopback);
    }
    hosts.iter().all(|h| match h {
        Host::Tcp(name) => {
            let name = name.trim_start_matches('[').trim_end_matches(']');
            name.eq_ignore_ascii_case("localhost")
                || name.parse::<IpAddr>().is_ok_and(|a| a.is_loopback())
        }
        #[allow(unreachable_patterns)]
        _ => true,
    })
}

/// How a store's connections are made: plain or through rustls, and what to say when the
/// handshake fails.
#[derive(Clone)]
pub(crate) struct Tls {
    connector: Option<MakeRustlsConnect>,
    mode: SslMode,
    /// How the mode was chosen, for error messages (empty when the URL says it plainly).
    why: &'static str,
    /// Who vouches for the server, for error messages.
    roots: String,
    hosts: String,
}

impl Tls {
    /// The TLS of `params` for the server of `config`: sets the driver's own mode on `config`,
    /// reads the root and client certificate files and builds the rustls configuration.
    /// Unreadable or empty files are [`Error::InvalidArgument`] naming the parameter and file.
    pub(crate) fn new(params: &TlsParams, config: &mut postgres::Config) -> Result<Tls> {
        let (mode, why) = match (params.mode, &params.rootcert) {
            (Some(SslMode::Require), Some(RootCert::File(_))) => (
                SslMode::Require,
                "with sslrootcert it checks the authority, as verify-ca",
            ),
            (Some(m), _) => (m, ""),
            (None, Some(_)) => (SslMode::VerifyFull, "the default when sslrootcert is given"),
            (None, None) if is_local(config) => {
                (SslMode::Prefer, "the default for a server on this machine")
            }
            (None, None) => (
                SslMode::VerifyFull,
                "the default for a server across a network",
            ),
        };
        if params.rootcert == Some(RootCert::System) && mode != SslMode::VerifyFull {
            return Err(Error::InvalidArgument(format!(
                "store URL: sslrootcert=system needs sslmode=verify-full, not {}",
                mode.name()
            )));
        }
        if params.cert.is_some() != params.key.is_some() {
            return Err(Error::InvalidArgument(
                "store URL: a client certificate needs both sslcert and sslkey".into(),
            ));
        }
        let hosts = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                Host::Tcp(name) => name.clone(),
                #[allow(unreachable_patterns)]
                _ => "a Unix socket".to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        config.ssl_mode(match mode {
            SslMode::Disable => DriverMode::Disable,
            SslMode::Prefer => DriverMode::Prefer,
            _ => DriverMode::Require,
        });
        let mut tls = Tls {
            connector: None,
            mode,
            why,
            roots: String::new(),
            hosts,
        };
        if mode == SslMode::Disable {
            return Ok(tls);
        }
        // require with a root certificate file checks as verify-ca, as libpq does.
        let check = match (mode, &params.rootcert) {
            (SslMode::VerifyFull, _) => Some(true),
            (SslMode::VerifyCa, _) | (SslMode::Require, Some(RootCert::File(_))) => Some(false),
            _ => None,
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = match check {
            None => None,
            Some(_) => {
                let (store, said) = load_roots(params.rootcert.as_ref())?;
                tls.roots = said;
                Some(Arc::new(store))
            }
        };
        let verifier = ServerCheck {
            roots,
            names: check == Some(true),
            provider: provider.clone(),
        };
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Storage(Cause::with_error("TLS set-up", e)))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier));
        let client_config = match (&params.cert, &params.key) {
            (Some(cert), Some(key)) => {
                let certs = read_certs(cert, "sslcert")?;
                let bytes = read_file(key, "sslkey")?;
                let key_der = PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| {
                    Error::InvalidArgument(format!(
                        "store URL: sslkey={} holds no PEM private key: {e}",
                        key.display()
                    ))
                })?;
                builder.with_client_auth_cert(certs, key_der).map_err(|e| {
                    Error::InvalidArgument(format!(
                        "store URL: sslcert and sslkey do not make a client certificate: {e}"
                    ))
                })?
            }
            _ => builder.with_no_client_auth(),
        };
        tls.connector = Some(MakeRustlsConnect::new(client_config));
        Ok(tls)
    }

    /// A new connection to the server of `config`. A TLS failure is
    /// [`Error::StoreTlsUnavailable`] or [`Error::StoreCertificateRejected`] with a message
    /// naming the cause; anything else maps as every other driver error.
    pub(crate) fn connect(&self, config: &postgres::Config) -> Result<Client> {
        let made = match &self.connector {
            None => config.connect(NoTls),
            Some(c) => config.connect(c.clone()),
        };
        made.map_err(|e| self.error(e))
    }

    fn error(&self, e: postgres::Error) -> Error {
        let mode = if self.why.is_empty() {
            format!("sslmode={}", self.mode.name())
        } else {
            format!("sslmode={}: {}", self.mode.name(), self.why)
        };
        if let Some(tls) = rustls_error(&e) {
            let text = match &tls {
                rustls::Error::InvalidCertificate(c) => match c {
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. } => Some(format!(
                        "the server's certificate does not name the host {} ({mode}); connect \
                         by a name the certificate holds, or check the authority only with \
                         sslmode=verify-ca",
                        self.hosts
                    )),
                    CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                        Some(format!(
                            "the server's certificate is not signed by {} ({mode})",
                            self.roots
                        ))
                    }
                    CertificateError::Expired
                    | CertificateError::ExpiredContext { .. }
                    | CertificateError::NotValidYet
                    | CertificateError::NotValidYetContext { .. } => Some(format!(
                        "the server's certificate has expired or is not valid yet ({mode})"
                    )),
                    other => Some(format!(
                        "the server's certificate was refused: {other} ({mode})"
                    )),
                },
                rustls::Error::AlertReceived(alert) => {
                    use rustls::AlertDescription as A;
                    matches!(
                        alert,
                        A::CertificateRequired
                            | A::BadCertificate
                            | A::UnknownCA
                            | A::CertificateUnknown
                            | A::CertificateExpired
                            | A::CertificateRevoked
                            | A::UnsupportedCertificate
                            | A::AccessDenied
                    )
                    .then(|| {
                        format!(
                            "the server refused the client's certificate ({alert:?}): give \
                             sslcert and sslkey the server trusts"
                        )
                    })
                }
                _ => None,
            };
            return match text {
                Some(t) => Error::StoreCertificateRejected(Cause::with_error(t, e)),
                None => Error::StoreTlsUnavailable(Cause::with_error(
                    format!("the TLS handshake with the server failed: {tls} ({mode})"),
                    e,
                )),
            };
        }
        if e.to_string().starts_with("error performing TLS handshake") {
            let why = std::error::Error::source(&e).map_or_else(String::new, |s| s.to_string());
            let text = if why.contains("does not support TLS") {
                format!("the server does not offer TLS ({mode}); turn on ssl in its configuration")
            } else {
                format!("TLS could not be set up: {why} ({mode})")
            };
            return Error::StoreTlsUnavailable(Cause::with_error(text, e));
        }
        // The server's own words (a refused login, a missing client certificate), which the
        // driver's error text leaves out.
        let said = e
            .as_db_error()
            .map(|db| format!("{} ({})", db.message(), db.code().code()));
        match (pg_err(e), said) {
            (Error::StoreUnreachable(cause), Some(said)) => Error::StoreUnreachable(
                Cause::with_error(format!("the server refused the connection: {said}"), cause),
            ),
            (other, _) => other,
        }
    }
}

/// The rustls error behind a driver error, if the handshake failed in rustls.
fn rustls_error(e: &postgres::Error) -> Option<rustls::Error> {
    let mut next = std::error::Error::source(e);
    while let Some(s) = next {
        if let Some(r) = s.downcast_ref::<rustls::Error>() {
            return Some(r.clone());
        }
        // tokio-rustls reports rustls errors inside an io::Error, whose `source` skips them.
        if let Some(inner) = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(r) = inner.downcast_ref::<rustls::Error>() {
                return Some(r.clone());
            }
        }
        next = s.source();
    }
    None
}

fn read_file(path: &Path, param: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::InvalidArgument(format!(
            "store URL: {param}={} cannot be read: {e}",
            path.display()
        ))
    })
}

/// The certificates of a PEM file; none is an error.
fn read_certs(path: &Path, param: &str) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = read_file(path, param)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::InvalidArgument(format!(
                "store URL: {param}={} is not PEM: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "store URL: {param}={} holds no certificate",
            path.display()
        )));
    }
    Ok(certs)
}

/// The trusted authorities, and how to name them in a message.
fn load_roots(rootcert: Option<&RootCert>) -> Result<(RootCertStore, String)> {
    let mut store = RootCertStore::empty();
    match rootcert {
        Some(RootCert::File(path)) => {
            for cert in read_certs(path, "sslrootcert")? {
                store.add(cert).map_err(|e| {
                    Error::InvalidArgument(format!(
                        "store URL: sslrootcert={} holds a certificate that cannot be a root: {e}",
                        path.display()
                    ))
                })?;
            }
            Ok((
                store,
                format!("the authority of sslrootcert={}", path.display()),
            ))
        }
        Some(RootCert::System) | None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let errors = found
                    .errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(Error::StoreTlsUnavailable(Cause::new(format!(
                    "no root certificates found on this system to check the server's \
                     certificate{}; give its authority with sslrootcert=PATH",
                    if errors.is_empty() {
                        String::new()
                    } else {
                        format!(" ({errors})")
                    }
                ))));
            }
            Ok((store, "an authority the system trusts".to_string()))
        }
    }
}

/// The server check of one mode: none (`prefer`, `require`), the chain (`verify-ca`), or the
/// chain and the host name (`verify-full`). The handshake's signatures are checked in every
/// mode, so the connection is at least bound to the key of the certificate shown.
#[derive(Debug)]
struct ServerCheck {
    roots: Option<Arc<RootCertStore>>,
    names: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ServerCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let Some(roots) = &self.roots else {
            return Ok(ServerCertVerified::assertion());
        };
        let cert = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &cert,
            roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        if self.names {
            verify_server_name(&cert, server_name)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn tls_of(url: &str) -> Result<(Tls, postgres::Config)> {
        let (rest, params) = split_url(url)?;
        let mut config = postgres::Config::from_str(&rest).expect("a driver URL");
        let tls = Tls::new(&params, &mut config)?;
        Ok((tls, config))
    }

    #[test]
    fn split_takes_the_tls_parameters_out_and_keeps_the_rest() {
        let (rest, p) = split_url(
            "postgres://u@h:5/db?application_name=a&sslmode=verify-ca&sslrootcert=%2Ftmp%2Fca%20x.pem&connect_timeout=3",
        )
        .unwrap();
        assert_eq!(
            rest,
            "postgres://u@h:5/db?application_name=a&connect_timeout=3"
        );
        assert_eq!(p.mode, Some(SslMode::VerifyCa));
        assert_eq!(p.rootcert, Some(RootCert::File("/tmp/ca x.pem".into())));
        let (rest, p) = split_url("postgres://u@h/db?sslrootcert=system").unwrap();
        assert_eq!(rest, "postgres://u@h/db");
        assert_eq!(p.rootcert, Some(RootCert::System));
        let (rest, p) = split_url("postgres://u@h/db").unwrap();
        assert_eq!(
            (rest.as_str(), p),
            ("postgres://u@h/db", TlsParams::default())
        );
    }

    #[test]
    fn bad_parameters_are_invalid_arguments_naming_them() {
        for (url, says) in [
            ("postgres://u@h/db?sslmode=on", "sslmode=on"),
            ("postgres://u@h/db?sslmode=allow", "allow"),
            ("postgres://u@h/db?sslrootcert=", "sslrootcert"),
            ("postgres://u@h/db?sslrootcert=%zz", "percent"),
            ("postgres://u@h/db?sslcert=/a.pem", "sslcert and sslkey"),
            (
                "postgres://u@h/db?sslmode=require&sslrootcert=system",
                "verify-full",
            ),
            (
                "postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
                "sslrootcert=/nonexistent/ca.pem cannot be read",
            ),
        ] {
            let err = tls_of(url)
                .err()
                .unwrap_or_else(|| panic!("{url} accepted"));
            assert_eq!(
                err.code(),
                crate::ErrorCode::InvalidArgument,
                "{url}: {err}"
            );
            assert!(err.to_string().contains(says), "{url}: {err}");
        }
    }

    #[test]
    fn a_root_file_without_certificates_is_refused() {
        let path =
            std::env::temp_dir().join(format!("gradreg-tls-empty-{}.pem", std::process::id()));
        std::fs::write(&path, "not a certificate\n").unwrap();
        let url = format!("postgres://u@h/db?sslrootcert={}", path.display());
        let err = tls_of(&url).err().expect("refused");
        std::fs::remove_file(&path).ok();
        assert_eq!(err.code(), crate::ErrorCode::InvalidArgument, "{err}");
        assert!(err.to_string().contains("holds no certificate"), "{err}");
    }

    #[test]
    fn the_default_mode_is_prefer_on_this_machine_and_verify_full_across_a_network() {
        for url in [
            "postgres://u@127.0.0.1:5/db",
            "postgres://u@localhost/db",
            "postgres://u@[::1]:5/db",
            "postgres://u@%2Ftmp%2Fpg/db",
        ] {
            let (tls, config) = tls_of(url).unwrap();
            assert_eq!(tls.mode, SslMode::Prefer, "{url}");
            assert_eq!(config.get_ssl_mode(), DriverMode::Prefer, "{url}");
        }
        let (tls, config) = tls_of("postgres://u@db.example.org/db?sslmode=disable").unwrap();
        assert_eq!(tls.mode, SslMode::Disable);
        assert!(tls.connector.is_none());
        assert_eq!(config.get_ssl_mode(), DriverMode::Disable);
        // Across a network the default checks the server against the system's authorities,
        // which a machine may lack: then the error says so.
        match tls_of("postgres://u@db.example.org/db") {
            Ok((tls, config)) => {
                assert_eq!(tls.mode, SslMode::VerifyFull);
                assert_eq!(config.get_ssl_mode(), DriverMode::Require);
            }
            Err(e) => assert_eq!(e.code(), crate::ErrorCode::StoreTlsUnavailable, "{e}"),
        }
    }
}
