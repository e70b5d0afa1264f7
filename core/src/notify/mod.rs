//! Delivering notifications to a host's channels.
//!
//! The registry keeps an outbox of [`Event`](crate::Event)s, each with a stable id and the instant
//! of its command, and lets several consumers read it independently, each at its own cursor
//! ([`Registry::pending_events`](crate::Registry::pending_events),
//! [`Registry::ack_events`](crate::Registry::ack_events)). Reminders are computed, not stored;
//! [`Registry::mark_sent`](crate::Registry::mark_sent) records each one a consumer sent, so none
//! is sent twice. Each event's [`Recipient::address`](crate::Recipient::address) is the stable
//! string a host maps to a WeChat openid, a phone number or an office mailbox.
//!
//! One sender ships with the crate: an HTTP webhook ([`webhook`], cargo feature `webhook`) that
//! POSTs one notification per request, signed with HMAC-SHA256, retried with capped exponential
//! backoff, and moves the consumer's cursor only past what was delivered. `docs/notifications.md`
//! describes the wire format and how a receiver checks the signature.

use serde::Serialize;

#[cfg(feature = "webhook")]
pub mod webhook;

/// The outcome of one delivery run: what was delivered, what failed, where the cursor stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    /// The consumer whose cursor (or sent record) the run used.
    pub consumer: String,
    /// What the receiver accepted, in order.
    pub delivered: Vec<Delivered>,
    /// What was not delivered, each with why. Delivery of events stops at the first failure (the
    /// cursor cannot move past an undelivered event); reminders are independent, so each
    /// failure is reported and the rest are still tried.
    pub failed: Vec<Failed>,
    /// Ids of reminders skipped because this consumer had already sent them.
    pub skipped: Vec<String>,
    /// The consumer's cursor after the run (for reminder runs, the cursor as it was).
    pub cursor: u64,
}

impl DeliveryReport {
    /// Whether everything attempted was delivered.
    pub fn ok(&self) -> bool {
        self.failed.is_empty()
    }
}

/// One notification the receiver accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivered {
    /// The notification's id (the idempotency key sent with it).
    pub id: String,
    /// The event's sequence number in the outbox (none for a reminder).
    pub seq: Option<u64>,
    /// The HTTP status of the accepting response.
    pub status: u16,
    /// Requests made, the accepted one included.
    pub attempts: u32,
}

/// One notification that was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failed {
    /// The notification's id.
    pub id: String,
    /// The event's sequence number in the outbox (none for a reminder).
    pub seq: Option<u64>,
    /// `true` when retrying cannot help as things stand: the receiver refused the request with
    /// a 4xx status other than 408 and 429. `false` when the retries ran out on connection
    /// errors, timeouts, 408, 429 or 5xx; the next run tries again.
    pub permanent: bool,
    /// The last HTTP status, when the receiver answered.
    pub status: Option<u16>,
    /// What went wrong the last time.
    pub error: String,
    /// Requests made.
    pub attempts: u32,
}
