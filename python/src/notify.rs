//! Notifications from a registry: consumer cursors over the event outbox, the sent-once record
//! of reminders, and delivery to an HTTP webhook. Functions of the module taking the native
//! registry first; `gradreg.notify` wraps them as methods of `Registry`.

use std::time::Duration;

use gradreg::notify::webhook::{Webhook, WebhookOptions};
use pyo3::prelude::*;
use serde_json::{json, Value};

use crate::errors::{parse_time, to_json};
use crate::registry::NativeRegistry;

/// Consumer `consumer`'s cursor: the `seq` of the last event it acknowledged (0 before any).
#[pyfunction]
fn consumer_cursor(
    py: Python<'_>,
    registry: &Bound<'_, NativeRegistry>,
    consumer: String,
) -> PyResult<u64> {
    registry
        .get()
        .with(py, move |r| r.consumer_cursor(&consumer))
}

/// Consumer `consumer`'s events not acknowledged, oldest first, at most `limit`, as JSON
/// `[[seq, address, event], ...]`.
#[pyfunction]
fn pending_events(
    py: Python<'_>,
    registry: &Bound<'_, NativeRegistry>,
    consumer: String,
    limit: usize,
) -> PyResult<String> {
    registry.get().with(py, move |r| {
        let rows: Vec<Value> = r
            .pending_events(&consumer, limit)?
            .into_iter()
            .map(|(seq, e)| json!([seq, e.address(), e]))
            .collect();
        to_json(&rows)
    })
}

/// Acknowledges consumer `consumer`'s events up to `seq`; returns the cursor afterwards.
#[pyfunction]
fn ack_events(
    py: Python<'_>,
    registry: &Bound<'_, NativeRegistry>,
    consumer: String,
    seq: u64,
) -> PyResult<u64> {
    registry
        .get()
        .with(py, move |r| r.ack_events(&consumer, seq))
}

/// Records that `consumer` sent notification `id` at `at` (RFC 3339); `True` the first time.
#[pyfunction]
fn mark_sent(
    py: Python<'_>,
    registry: &Bound<'_, NativeRegistry>,
    consumer: String,
    id: String,
    at: String,
) -> PyResult<bool> {
    registry
        .get()
        .with(py, move |r| r.mark_sent(&consumer, &id, parse_time(&at)?))
}

/// When `consumer` recorded notification `id` as sent (RFC 3339), or `None`.
#[pyfunction]
fn sent_at(
    py: Python<'_>,
    registry: &Bound<'_, NativeRegistry>,
    consumer: String,
    id: String,
) -> PyResult<Option<String>> {
    registry.get().with(py, move |r| {
        Ok(r.sent_at(&consumer, &id)?
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)))
    })
}

/// Delivers up to `limit` pending events of `consumer` to the webhook at `url`, signed with
/// `secret`; returns the delivery report as JSON. The GIL is released while it works.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (registry, url, secret, consumer, limit, timeout_ms, max_attempts, initial_backoff_ms, max_backoff_ms))]
fn deliver_webhook(
    py: Python<'_>,
    registry: &Bound<'_, NativeRegistry>,
    url: String,
    secret: Vec<u8>,
    consumer: String,
    limit: usize,
    timeout_ms: u64,
    max_attempts: u32,
    initial_backoff_ms: u64,
    max_backoff_ms: u64,
) -> PyResult<String> {
    registry.get().with(py, move |r| {
        let hook = Webhook::new(
            &url,
            &secret,
            WebhookOptions {
                timeout: Duration::from_millis(timeout_ms),
                max_attempts,
                initial_backoff: Duration::from_millis(initial_backoff_ms),
                max_backoff: Duration::from_millis(max_backoff_ms),
            },
        )?;
        to_json(&hook.deliver_events(r, &consumer, limit)?)
    })
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(consumer_cursor, m)?)?;
    m.add_function(wrap_pyfunction!(pending_events, m)?)?;
    m.add_function(wrap_pyfunction!(ack_events, m)?)?;
    m.add_function(wrap_pyfunction!(mark_sent, m)?)?;
    m.add_function(wrap_pyfunction!(sent_at, m)?)?;
    m.add_function(wrap_pyfunction!(deliver_webhook, m)?)
}
