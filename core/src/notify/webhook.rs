//! The HTTP webhook sender.
//!
//! Each notification is one `POST` of a JSON object to the configured URL:
//!
//! ```json
//! {"type":"event","id":"R-1#3.0","seq":12,"address":"graduate:R-1","event":{…}}
//! {"type":"reminder","id":"…","address":"counselor::会计学院","reminder":{…}}
//! ```
//!
//! with these headers:
//!
//! | header | value |
//! |---|---|
//! | `Content-Type` | `application/json` |
//! | `Idempotency-Key`, `Gradreg-Id` | the notification's id: a receiver that has seen it drops the request |
//! | `Gradreg-Timestamp` | seconds since the Unix epoch when the request was signed |
//! | `Gradreg-Signature` | `v1=` and the lower-case hex HMAC-SHA256, keyed with the shared secret, of the timestamp, a `.`, and the body bytes |
//!
//! A 2xx answer is delivery. Connection errors, timeouts, 408, 429 and 5xx are retried with
//! exponential backoff (`initial_backoff`, doubled each time, at most `max_backoff`; a 429's
//! `Retry-After` in seconds lengthens the wait, within the same cap) up to `max_attempts`
//! requests. Any other status (a 3xx, a 4xx) is a permanent failure of that notification.
//!
//! For events the consumer's cursor moves past each event as soon as it is delivered and the run
//! stops at the first event not delivered: nothing is lost (an undelivered event is pending on
//! the next run) and, short of a crash between the receiver's answer and the acknowledgement,
//! nothing is sent twice; the receiver deduplicates the rest by the idempotency key. A
//! permanently refused event stays pending until the receiver is fixed or the host acknowledges
//! it deliberately with [`Registry::ack_events`].

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{KeyInit, Mac};
use serde::Serialize;

use super::{Delivered, DeliveryReport, Failed};
use crate::error::{Error, Result};
use crate::lifecycle::Event;
use crate::registry::Registry;
use crate::reminders::Reminder;

/// How a webhook retries and waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOptions {
    /// The whole time one request may take (connect, send, answer).
    pub timeout: Duration,
    /// Requests per notification at most, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait before the first retry; each later wait doubles it.
    pub initial_backoff: Duration,
    /// The longest wait between two requests.
    pub max_backoff: Duration,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        WebhookOptions {
            timeout: Duration::from_secs(10),
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// Waits between attempts (a test passes one that records and returns at once).
pub type Sleeper = Arc<dyn Fn(Duration) + Send + Sync>;

/// The clock that stamps requests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// An HTTP webhook: where to POST, the shared secret, how to retry.
pub struct Webhook {
    url: String,
    secret: Vec<u8>,
    options: WebhookOptions,
    agent: ureq::Agent,
    sleeper: Sleeper,
    clock: Clock,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .field("secret", &"<hidden>")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The result of one request.
enum Attempt {
    /// 2xx.
    Delivered(u16),
    /// Worth retrying; with the status when there was one and the server's `Retry-After`.
    Transient {
        status: Option<u16>,
        error: String,
        retry_after: Option<Duration>,
    },
    /// Retrying cannot help.
    Permanent { status: Option<u16>, error: String },
}

/// The body of one event's request.
#[derive(Serialize)]
struct EventBody<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    seq: u64,
    address: String,
    event: &'a Event,
}

/// The body of one reminder's request.
#[derive(Serialize)]
struct ReminderBody<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    address: String,
    reminder: &'a Reminder,
}

/// The signature header's value for `body` signed at `timestamp` (seconds since the epoch):
/// `v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1={}",
        crate::codes::token::hex(&mac.finalize().into_bytes())
    )
}

impl Webhook {
    /// A webhook posting to `url` (`http://` or `https://`) and signing with `secret` (not
    /// empty), with the system clock and real sleeping.
    pub fn new(url: &str, secret: &[u8], options: WebhookOptions) -> Result<Self> {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(Error::InvalidWebhook(format!(
                "the URL must start with http:// or https://: {url:?}"
            )));
        }
        if url.parse::<ureq::http::Uri>().is_err() {
            return Err(Error::InvalidWebhook(format!("not a URL: {url:?}")));
        }
        if secret.is_empty() {
            return Err(Error::InvalidWebhook("the secret is empty".into()));
        }
        if options.max_attempts == 0 || options.timeout.is_zero() {
            return Err(Error::InvalidWebhook(
                "max_attempts and timeout must be above zero".into(),
            ));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_global(Some(options.timeout))
            .user_agent(concat!("gradreg/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Webhook {
            url: url.to_string(),
            secret: secret.to_vec(),
            options,
            agent: ureq::Agent::new_with_config(config),
            sleeper: Arc::new(std::thread::sleep),
            clock: Arc::new(Utc::now),
        })
    }

    /// Replaces how the webhook waits between attempts.
    pub fn with_sleeper(mut self, sleeper: Sleeper) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Replaces the clock that stamps requests (and records reminders as sent).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The options in use.
    pub fn options(&self) -> &WebhookOptions {
        &self.options
    }

    /// Delivers up to `limit` of consumer `consumer`'s pending events, oldest first, one request
    /// each, acknowledging each as soon as it is delivered. Stops at the first event that is not
    /// delivered (reported in `failed`; it stays pending). Errors of the registry (an invalid
    /// consumer name, a storage failure) are returned as errors; failures of the receiver are in
    /// the report.
    pub fn deliver_events(
        &self,
        registry: &Registry,
        consumer: &str,
        limit: usize,
    ) -> Result<DeliveryReport> {
        let mut report = DeliveryReport {
            consumer: consumer.to_string(),
            cursor: registry.consumer_cursor(consumer)?,
            ..DeliveryReport::default()
        };
        for (seq, event) in registry.pending_events(consumer, limit)? {
            let body = serde_json::to_vec(&EventBody {
                kind: "event",
                id: &event.id,
                seq,
                address: event.address(),
                event: &event,
            })?;
            match self.send_with_retries(&event.id, &body) {
                Ok((status, attempts)) => {
                    report.cursor = registry.ack_events(consumer, seq)?;
                    report.delivered.push(Delivered {
                        id: event.id,
                        seq: Some(seq),
                        status,
                        attempts,
                    });
                }
                Err(mut failed) => {
                    failed.id = event.id;
                    failed.seq = Some(seq);
                    report.failed.push(failed);
                    break;
                }
            }
        }
        Ok(report)
    }

    /// Delivers reminders, each given with its stable id, one request each, skipping those
    /// consumer `consumer` already sent and recording each delivered one as sent (at the
    /// webhook's clock). A failed reminder is reported and the others are still tried; it is
    /// not recorded, so the next run sends it again.
    pub fn deliver_reminders(
        &self,
        registry: &Registry,
        consumer: &str,
        reminders: &[Reminder],
    ) -> Result<DeliveryReport> {
        let mut report = DeliveryReport {
            consumer: consumer.to_string(),
            cursor: registry.consumer_cursor(consumer)?,
            ..DeliveryReport::default()
        };
        for reminder in reminders {
            let id = &reminder.id;
            if registry.sent_at(consumer, id)?.is_some() {
                report.skipped.push(id.clone());
                continue;
            }
            let body = serde_json::to_vec(&ReminderBody {
                kind: "reminder",
                id,
                address: reminder.recipient.address(&reminder.registration_id),
                reminder,
            })?;
            match self.send_with_retries(id, &body) {
                Ok((status, attempts)) => {
                    registry.mark_sent(consumer, id, (self.clock)())?;
                    report.delivered.push(Delivered {
                        id: id.clone(),
                        seq: None,
                        status,
                        attempts,
                    });
                }
                Err(mut failed) => {
                    failed.id = id.clone();
                    report.failed.push(failed);
                }
            }
        }
        Ok(report)
    }

    /// Sends one body until it is delivered, refused, or the attempts run out: the accepting
    /// status and the number of requests, or the failure (without id and seq).
    fn send_with_retries(&self, id: &str, body: &[u8]) -> std::result::Result<(u16, u32), Failed> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.send_once(id, body) {
                Attempt::Delivered(status) => return Ok((status, attempts)),
                Attempt::Permanent { status, error } => {
                    return Err(Failed {
                        id: String::new(),
                        seq: None,
                        permanent: true,
                        status,
                        error,
                        attempts,
                    })
                }
                Attempt::Transient {
                    status,
                    error,
                    retry_after,
                } => {
                    if attempts >= self.options.max_attempts {
                        return Err(Failed {
                            id: String::new(),
                            seq: None,
                            permanent: false,
                            status,
                            error,
                            attempts,
                        });
                    }
                    (self.sleeper)(self.backoff(attempts, retry_after));
                }
            }
        }
    }

    /// The wait after failed attempt number `attempt` (from 1): `initial_backoff` doubled
    /// `attempt - 1` times, at least the server's `Retry-After`, at most `max_backoff`.
    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let exp = self
            .options
            .initial_backoff
            .checked_mul(factor)
            .unwrap_or(self.options.max_backoff);
        exp.max(retry_after.unwrap_or_default())
            .min(self.options.max_backoff)
    }

    /// One signed request.
    fn send_once(&self, id: &str, body: &[u8]) -> Attempt {
        let timestamp = (self.clock)().timestamp();
        let sig = signature(&self.secret, timestamp, body);
        let sent = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", id)
            .header("Gradreg-Id", id)
            .header("Gradreg-Timestamp", timestamp.to_string())
            .header("Gradreg-Signature", sig)
            .send(body);
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                // Read the (short) answer so the connection can be reused; its content is
                // not needed.
                let _ = response.into_body().read_to_string();
                match status {
                    200..=299 => Attempt::Delivered(status),
                    408 | 429 | 500..=599 => Attempt::Transient {
                        status: Some(status),
                        error: format!("HTTP {status}"),
                        retry_after,
                    },
                    _ => Attempt::Permanent {
                        status: Some(status),
                        error: format!("HTTP {status}"),
                    },
                }
            }
            Err(e @ (ureq::Error::BadUri(_) | ureq::Error::Http(_))) => Attempt::Permanent {
                status: None,
                error: e.to_string(),
            },
            Err(e) => Attempt::Transient {
                status: None,
                error: e.to_string(),
                retry_after: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        // The worked example of docs/notifications.md (computed there with Python's hmac).
        let body = br#"{"type":"event","id":"10284:2022001#3.0","seq":12,"address":"graduate:10284:2022001","event":{"id":"10284:2022001#3.0"}}"#;
        let sig = signature(b"whsec-demo-0001", 1_780_279_200, body);
        assert_eq!(
            sig,
            "v1=d08db853487fc9b736671ba707bec3af3acd8e0d27a59c85e6568d1ae50ef090"
        );
        assert_ne!(sig, signature(b"whsec-demo-0001", 1_780_279_201, body));
        assert_ne!(sig, signature(b"other", 1_780_279_200, body));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_honours_retry_after() {
        let w = Webhook::new(
            "http://127.0.0.1:9/hook",
            b"k",
            WebhookOptions {
                initial_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_millis(700),
                ..WebhookOptions::default()
            },
        )
        .unwrap();
        let ms = |a, r| w.backoff(a, r).as_millis();
        assert_eq!(ms(1, None), 100);
        assert_eq!(ms(2, None), 200);
        assert_eq!(ms(3, None), 400);
        assert_eq!(ms(4, None), 700);
        assert_eq!(ms(40, None), 700);
        assert_eq!(ms(1, Some(Duration::from_millis(300))), 300);
        assert_eq!(ms(1, Some(Duration::from_secs(3600))), 700);
    }

    #[test]
    fn bad_setups_are_refused() {
        let o = WebhookOptions::default;
        for (url, secret) in [
            ("ftp://x/", &b"k"[..]),
            ("127.0.0.1:80", b"k"),
            ("http://x/", b""),
            ("http://exa mple/", b"k"),
        ] {
            let e = Webhook::new(url, secret, o()).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::InvalidWebhook, "{url}");
        }
        let zero = WebhookOptions {
            max_attempts: 0,
            ..o()
        };
        assert!(Webhook::new("http://x/", b"k", zero).is_err());
    }
}
