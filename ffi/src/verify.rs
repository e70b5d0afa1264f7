//! Tokens (the signed QR payload printed on a form) and verification: of a scanned token, and
//! online by name and number.

use std::ffi::c_char;

use chrono::Duration;
use gradreg::{
    Actor, CodeTables, Disclosure, IssueOptions, Masking, OnlineVerifier, Principal, Registration,
    ScanOptions, Section, Verdict, VerificationNumber,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::args::gradreg_str;
use crate::keyring::{self, gradreg_keyring};
use crate::registry::{self as reg_handle, gradreg_registry};
use crate::support::{
    guard, instant_arg, json_object, json_string, opt_str_arg, str_arg, FfiResult, Out,
};

/// `"archive"` or `"hukou"`.
pub(crate) fn section_arg(text: &str) -> FfiResult<Section> {
    match text {
        "archive" => Ok(Section::Archive),
        "hukou" => Ok(Section::Hukou),
        other => Err(gradreg::Error::InvalidArgument(format!(
            "unknown section {other:?} (archive or hukou)"
        ))
        .into()),
    }
}

/// The registration's authorization with this number (parsed leniently: case, spaces and
/// hyphens do not matter).
pub(crate) fn authorization_of<'r>(
    reg: &'r Registration,
    number: &str,
) -> FfiResult<&'r gradreg::Authorization> {
    let n = VerificationNumber::parse(number)?;
    reg.authorization(&n)
        .ok_or_else(|| gradreg::Error::AuthorizationNotFound(n.to_string()).into())
}

/// A verdict as JSON: the core's form (`{"verdict":"valid","number":…,"expires_at":…,
/// "disclosure":{…}}` or `{"verdict":"no_match"}`) plus its `code` and `message_zh`.
pub(crate) fn verdict_json(v: &Verdict) -> Value {
    let mut value = serde_json::to_value(v).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut value {
        map.insert("code".into(), json!(v.code()));
        map.insert("message_zh".into(), json!(v.kind().message_zh()));
        if let Verdict::Unchecked(f) = v {
            if let Some(r) = f.reason {
                map.insert("reason_zh".into(), json!(r.message_zh()));
            }
        }
    }
    value
}

/// The options object of the token-issuing functions.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct TokenOptions {
    prefix: String,
    embed_disclosure: bool,
    version: u8,
}

impl TokenOptions {
    /// Reads the optional `options_json` argument (none: format 1, no prefix, no disclosure).
    pub(crate) fn parse(text: Option<&str>) -> FfiResult<IssueOptions> {
        let options: TokenOptions = match text {
            Some(t) => json_object(t, "options_json")?,
            None => TokenOptions::default(),
        };
        if options.version > 2 {
            return Err(gradreg::Error::InvalidArgument(format!(
                "unknown token format version {} (1 or 2)",
                options.version
            ))
            .into());
        }
        Ok(IssueOptions {
            prefix: options.prefix,
            embed_disclosure: options.embed_disclosure,
            version: options.version,
            ..IssueOptions::default()
        })
    }
}

/// Issues the signed token (the QR payload) of one form of an authorization, signed with the
/// ring's active key. Print it as the form's QR code (`gradreg_renderer_render` does).
///
/// - `keyring`: a ring with an active signing key (`GRADREG_ERR_NO_ACTIVE_KEY` otherwise).
/// - `registration_json`: the registration holding the authorization (from
///   `gradreg_registry_get` or an outcome); its data must be the data the authorization was
///   issued for (`GRADREG_ERR_CONFIRMATION_OUTDATED` otherwise).
/// - `number`: the verification number, `XXXX-XXXX-XXXX-XXXX` (case, spaces and
///   hyphens do not matter).
/// - `section`: `"archive"` or `"hukou"` (`GRADREG_ERR_SECTION_NOT_REGISTERED` when
///   that section was not registered at authorization time).
/// - `options_json`: may be none (`GRADREG_STR_NONE`); else `{"prefix":"HTTPS://VERIFY.EXAMPLE.CN/V/",
///   "embed_disclosure":false,"version":1}`, every member optional (the prefix is the
///   deployment's URL, QR alphanumeric characters ending in `/`, not signed; embedding the
///   disclosure makes a larger QR code; `version` is the token format, 1 (the default, also for
///   0) or 2, the compact format that can point at a status list: issue through
///   `gradreg_registry_issue_token` for that; another version is
///   `GRADREG_ERR_INVALID_ARGUMENT`).
/// - `token_out`: receives the token, ASCII, such as `GR1.…` (`GR2.…` for format 2); free it
///   with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`; `GRADREG_ERR_NUMBER_MALFORMED`, `GRADREG_ERR_NUMBER_TYPO`,
/// `GRADREG_ERR_AUTHORIZATION_NOT_FOUND`, `GRADREG_ERR_TOKEN_ISSUE`, and the JSON, NULL,
/// UTF-8 and handle codes. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; `token_out` must be
/// writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_token_issue(
    keyring: *const gradreg_keyring,
    registration_json: gradreg_str,
    number: gradreg_str,
    section: gradreg_str,
    options_json: gradreg_str,
    token_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(token_out, "token_out")?;
        // SAFETY: forwarded.
        let (reg, number, section, options) = unsafe {
            (
                str_arg(registration_json, "registration_json")?,
                str_arg(number, "number")?,
                str_arg(section, "section")?,
                opt_str_arg(options_json, "options_json")?,
            )
        };
        let reg: Registration = json_object(reg, "registration_json")?;
        let section = section_arg(section)?;
        let opts = TokenOptions::parse(options)?;
        let auth = authorization_of(&reg, number)?;
        let disclosure = Disclosure::build(
            &reg,
            auth,
            section,
            CodeTables::builtin(),
            Masking::default(),
        )?;
        let token = keyring::read(keyring, |ring| {
            Ok(gradreg::issue_token(ring, auth, &disclosure, &opts)?)
        })?;
        out.write(crate::support::owned_c_string(token)?);
        Ok(())
    })
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ScanArgs {
    required_prefix: Option<String>,
    leeway_seconds: Option<i64>,
    printed_number: Option<String>,
    holder_name: Option<String>,
}

/// Reads the optional `options_json` of the scan functions: `required_prefix`,
/// `leeway_seconds`, `printed_number` (parsed as a verification number: a malformed one or a
/// typo is an error, not a verdict) and `holder_name`.
pub(crate) fn scan_options(text: Option<&str>) -> FfiResult<ScanOptions> {
    let args: ScanArgs = match text {
        Some(t) => json_object(t, "options_json")?,
        None => ScanArgs::default(),
    };
    let mut opts = ScanOptions {
        required_prefix: args.required_prefix,
        holder_name: args.holder_name,
        ..ScanOptions::default()
    };
    if let Some(s) = args.leeway_seconds {
        opts.leeway = Duration::try_seconds(s).ok_or_else(|| {
            gradreg::Error::InvalidArgument(format!("leeway_seconds {s} is out of range"))
        })?;
    }
    if let Some(n) = args.printed_number {
        opts.printed_number = Some(VerificationNumber::parse(&n)?);
    }
    Ok(opts)
}

/// A scan's outcome as JSON: the verdict's (see [`verdict_json`]) with `failed_at`, the step
/// that decided it (null when every step passed).
pub(crate) fn outcome_json(outcome: &gradreg::ScanOutcome) -> Value {
    let mut value = verdict_json(&outcome.verdict);
    value["failed_at"] = json!(outcome.failed_at.map(|s| s.as_str()));
    value
}

/// Verifies a scanned token (the QR code of a form) for a department: prefix, decoding, key
/// id, signature (checked before any field is trusted), content, time window, section, then the
/// authorization's status in the registry (revoked, superseded). Every answer is a verdict, never
/// an error: a forged, damaged or foreign token is `bad_signature`, `malformed` or
/// `unknown_key`.
///
/// - `keyring`: the keys to verify with (verify-only keys are enough).
/// - `registry`: where the authorization's current status is looked up.
/// - `token`: the scanned text.
/// - `verifier_json`: the department: `{"role":"archive_dept","id":"nj-rc","name":"南京市人才服务中心"}`
///   (it sees the archive form) or `{"role":"hukou_dept",…}` (the hukou form); anyone else gets
///   `wrong_section`.
/// - `options_json`: may be none (`GRADREG_STR_NONE`); else `{"required_prefix":"HTTPS://VERIFY.EXAMPLE.CN/V/",
///   "leeway_seconds":300,"printed_number":"XXXX-XXXX-XXXX-XXXX","holder_name":"张明"}`, every
///   member optional: the prefix is compared without regard to ASCII case; the leeway is the
///   clock tolerance before the issue time; `printed_number` is the number printed on the form
///   and `holder_name` the name of the graduate presenting it, when the verifier reads them: a
///   token of another number or name gives `holder_mismatch`. A malformed printed number is
///   `GRADREG_ERR_NUMBER_MALFORMED`, one with a wrong check symbol `GRADREG_ERR_NUMBER_TYPO`.
/// - `now_unix`: seconds since 1970-01-01T00:00:00Z.
/// - `verdict_out`: receives the verdict code: `GRADREG_VERDICT_VALID` (0) … (see the
///   `GRADREG_VERDICT_` constants).
/// - `verdict_json_out`: receives `{"verdict":"valid","code":0,"message_zh":"核验通过，信息有效",
///   "number":"…","expires_at":"…","disclosure":{"section":"archive","identity":{…},
///   "destination":{…},"archive":{…}},"failed_at":null}`, or for a refusal
///   `{"verdict":"revoked","code":3,"message_zh":"…","failed_at":"status"}`; free it with
///   `gradreg_string_free`.
///
/// Returns `GRADREG_OK` whatever the verdict; `GRADREG_ERR_NUMBER_MALFORMED` and
/// `GRADREG_ERR_NUMBER_TYPO` for the printed number; the JSON, NULL, UTF-8 and handle codes
/// otherwise. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; the out pointers
/// must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_token_verify(
    keyring: *const gradreg_keyring,
    registry: *const gradreg_registry,
    token: gradreg_str,
    verifier_json: gradreg_str,
    options_json: gradreg_str,
    now_unix: i64,
    verdict_out: *mut u32,
    verdict_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let code_out = Out::new(verdict_out, "verdict_out")?;
        let out = Out::new(verdict_json_out, "verdict_json_out")?;
        let registry = reg_handle::get(registry)?;
        let registry = reg_handle::read(&registry);
        // SAFETY: forwarded.
        let (token, verifier, options) = unsafe {
            (
                str_arg(token, "token")?,
                str_arg(verifier_json, "verifier_json")?,
                opt_str_arg(options_json, "options_json")?,
            )
        };
        let verifier: Actor = json_object(verifier, "verifier_json")?;
        let opts = scan_options(options)?;
        let now = instant_arg(now_unix)?;
        let outcome = keyring::read(keyring, |ring| {
            Ok(registry.verify_token(token, ring, &verifier, now, &opts))
        })?;
        let text = json_string(&outcome_json(&outcome))?;
        code_out.write(outcome.verdict.code());
        out.write(text);
        Ok(())
    })
}

/// Verifies a form online by the graduate's name and its verification number (or the transfer
/// number `ZD-…` printed for the archive), for a department, and records the attempt. An unknown
/// number and a wrong name give the same `no_match` through the same work, so the query cannot
/// be used to learn names or which numbers exist. Failures are limited per principal (10 an
/// hour, on any number) and per number (past 10 failures an hour from anyone, a principal that
/// failed on the number itself gets `rate_limited` while one with a clean record is still
/// answered; past 100, everyone is refused); the count, the lookup and the record are one
/// transaction, so racing calls never get more answers. A refusal is decided before the name is
/// compared and never tells whether it was right. A malformed number or a typo is answered
/// before any lookup and not counted.
///
/// - `registry`: the registry (its attempt log is kept in the same database).
/// - `principal`: the identity your host authenticated for the caller (its login, certificate
///   subject or API key owner) — never a value taken from the request; 1 to 256 bytes, not
///   blank, no control characters (else `GRADREG_ERR_INVALID_ARGUMENT`).
/// - `verifier_json`: the department, as in `gradreg_token_verify`; it gives the section only.
/// - `name`: the graduate's name as typed (spaces and the middle-dot variants do not
///   matter).
/// - `number`: the verification number or transfer number as typed.
/// - `now_unix`, `verdict_out`, `verdict_json_out`: as in `gradreg_token_verify` (without
///   `failed_at`).
///
/// Returns `GRADREG_OK` whatever the verdict; the argument, JSON, NULL, UTF-8 and handle codes
/// otherwise. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; the out pointers
/// must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_registry_verify_online(
    registry: *const gradreg_registry,
    principal: gradreg_str,
    verifier_json: gradreg_str,
    name: gradreg_str,
    number: gradreg_str,
    now_unix: i64,
    verdict_out: *mut u32,
    verdict_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let code_out = Out::new(verdict_out, "verdict_out")?;
        let out = Out::new(verdict_json_out, "verdict_json_out")?;
        let registry = reg_handle::get(registry)?;
        let registry = reg_handle::read(&registry);
        // SAFETY: forwarded.
        let (principal, verifier, name, number) = unsafe {
            (
                str_arg(principal, "principal")?,
                str_arg(verifier_json, "verifier_json")?,
                str_arg(name, "name")?,
                str_arg(number, "number")?,
            )
        };
        let verifier: Actor = json_object(verifier, "verifier_json")?;
        let principal = Principal::new(principal)?;
        let now = instant_arg(now_unix)?;
        let verdict = registry.verify_online(
            &OnlineVerifier::new(registry.tables()),
            &principal,
            &verifier,
            name,
            number,
            now,
        );
        let text = json_string(&verdict_json(&verdict))?;
        code_out.write(verdict.code());
        out.write(text);
        Ok(())
    })
}
