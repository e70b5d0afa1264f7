//! Notifications from a registry handle: consumers reading the event outbox at their own
//! cursor, the sent-once record of reminders, and the HTTP webhook sender (see
//! docs/notifications.md for the request format and its signature).

use std::ffi::{c_char, c_int};
use std::time::Duration;

use gradreg::notify::webhook::{Webhook, WebhookOptions};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::args::{gradreg_bytes, gradreg_str};
use crate::registry::{get, gradreg_registry, read};
use crate::support::{
    bytes_arg, guard, instant_arg, json_object, json_string, opt_str_arg, str_arg, FfiResult, Out,
};

/// Where consumer `consumer` stands in the outbox: the `seq` of the last event it acknowledged
/// (0 before any).
///
/// - `consumer`: 1 to 200 bytes of UTF-8 without control characters (`wechat`, `sms` …).
/// - `cursor_out`: receives the cursor.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_INVALID_ARGUMENT` for a bad name, 5xx, and the handle, NULL
/// and UTF-8 codes. Thread-safe.
///
/// # Safety
/// `consumer` must be `{NULL, 0}` or point to its `len` readable bytes; `cursor_out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_consumer_cursor(
    registry: *const gradreg_registry,
    consumer: gradreg_str,
    cursor_out: *mut u64,
) -> u32 {
    guard(|| {
        let out = Out::new(cursor_out, "cursor_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let consumer = unsafe { str_arg(consumer, "consumer")? };
        out.write(reg.consumer_cursor(consumer)?);
        Ok(())
    })
}

/// The events consumer `consumer` has not acknowledged, oldest first, at most `limit`. Reading
/// moves nothing: the same events come back until acknowledged with
/// `gradreg_registry_ack_events`.
///
/// - `events_json_out`: receives an array of `{"seq":3,"address":"graduate:…","event":{"id":
///   "…#2.0","at":"…","kind":…}}` (the event id is the idempotency key to pass on); free it with
///   `gradreg_string_free`.
///
/// Returns as `gradreg_registry_consumer_cursor`. Thread-safe.
///
/// # Safety
/// As `gradreg_registry_consumer_cursor`; `events_json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_pending_events(
    registry: *const gradreg_registry,
    consumer: gradreg_str,
    limit: usize,
    events_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(events_json_out, "events_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let consumer = unsafe { str_arg(consumer, "consumer")? };
        let events: Vec<Value> = reg
            .pending_events(consumer, limit)?
            .into_iter()
            .map(|(seq, event)| json!({ "seq": seq, "address": event.address(), "event": event }))
            .collect();
        out.write(json_string(&events)?);
        Ok(())
    })
}

/// Acknowledges consumer `consumer`'s events up to and including `seq` and writes its cursor
/// afterwards to `cursor_out`. At or behind the cursor it changes nothing (not an error); past
/// the newest event it is `GRADREG_ERR_ACK_BEYOND_OUTBOX` and changes nothing.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_ACK_BEYOND_OUTBOX`, and as
/// `gradreg_registry_consumer_cursor`. Thread-safe.
///
/// # Safety
/// As `gradreg_registry_consumer_cursor`.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_ack_events(
    registry: *const gradreg_registry,
    consumer: gradreg_str,
    seq: u64,
    cursor_out: *mut u64,
) -> u32 {
    guard(|| {
        let out = Out::new(cursor_out, "cursor_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let consumer = unsafe { str_arg(consumer, "consumer")? };
        out.write(reg.ack_events(consumer, seq)?);
        Ok(())
    })
}

/// Records that consumer `consumer` sent the notification `id` (a reminder's id) at `at_unix`.
/// Writes 1 to `sent_now_out` when recorded now, 0 when it was recorded before: send a reminder
/// only once it is recorded, or record it after delivery and skip those already recorded.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_INVALID_ARGUMENT` (bad name, empty id, instant out of
/// range), 5xx, and the handle, NULL and UTF-8 codes. Thread-safe.
///
/// # Safety
/// Each text argument must be `{NULL, 0}` or point to its `len` readable bytes; `sent_now_out`
/// must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_registry_mark_sent(
    registry: *const gradreg_registry,
    consumer: gradreg_str,
    id: gradreg_str,
    at_unix: i64,
    sent_now_out: *mut c_int,
) -> u32 {
    guard(|| {
        let out = Out::new(sent_now_out, "sent_now_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let (consumer, id) = unsafe { (str_arg(consumer, "consumer")?, str_arg(id, "id")?) };
        let at = instant_arg(at_unix)?;
        out.write(c_int::from(reg.mark_sent(consumer, id, at)?));
        Ok(())
    })
}

/// The webhook options a C caller may give; every one is optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Options {
    timeout_ms: Option<u64>,
    max_attempts: Option<u32>,
    initial_backoff_ms: Option<u64>,
    max_backoff_ms: Option<u64>,
}

fn webhook_options(text: Option<&str>) -> FfiResult<WebhookOptions> {
    let o: Options = match text {
        Some(t) => json_object(t, "options_json")?,
        None => Options::default(),
    };
    let d = WebhookOptions::default();
    Ok(WebhookOptions {
        timeout: o.timeout_ms.map_or(d.timeout, Duration::from_millis),
        max_attempts: o.max_attempts.unwrap_or(d.max_attempts),
        initial_backoff: o
            .initial_backoff_ms
            .map_or(d.initial_backoff, Duration::from_millis),
        max_backoff: o
            .max_backoff_ms
            .map_or(d.max_backoff, Duration::from_millis),
    })
}

/// Delivers up to `limit` of consumer `consumer`'s pending events to an HTTP webhook, one signed
/// POST each, retrying connection errors, timeouts, 408, 429 and 5xx with capped exponential
/// backoff, and acknowledging each event as soon as the receiver accepts it. The run stops at
/// the first event not delivered, which stays pending. Blocks for as long as the retries take.
///
/// - `url`: `http://` or `https://`.
/// - `secret`: the shared HMAC-SHA256 key (not empty).
/// - `options_json`: `{NULL, 0}` for the defaults, or an object with any of `timeout_ms`
///   (10000), `max_attempts` (5), `initial_backoff_ms` (500), `max_backoff_ms` (60000).
/// - `report_json_out`: receives `{"consumer","delivered":[{"id","seq","status","attempts"}],
///   "failed":[{"id","seq","permanent","status","error","attempts"}],"skipped":[],"cursor"}`;
///   free it with `gradreg_string_free`. A receiver's refusal is in the report, not the result.
///
/// Returns `GRADREG_OK` (check `failed`), `GRADREG_ERR_INVALID_WEBHOOK`,
/// `GRADREG_ERR_MALFORMED_JSON`, `GRADREG_ERR_INVALID_ARGUMENT`, 5xx, and the handle, NULL and
/// UTF-8 codes. Thread-safe.
///
/// # Safety
/// Each text or byte argument must be `{NULL, 0}` or point to its `len` readable bytes;
/// `report_json_out` must be writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gradreg_registry_deliver_webhook(
    registry: *const gradreg_registry,
    url: gradreg_str,
    secret: gradreg_bytes,
    consumer: gradreg_str,
    limit: usize,
    options_json: gradreg_str,
    report_json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(report_json_out, "report_json_out")?;
        let reg = get(registry)?;
        let reg = read(&reg);
        // SAFETY: forwarded.
        let (url, secret, consumer, options) = unsafe {
            (
                str_arg(url, "url")?,
                bytes_arg(secret, "secret")?,
                str_arg(consumer, "consumer")?,
                opt_str_arg(options_json, "options_json")?,
            )
        };
        let hook = Webhook::new(url, secret, webhook_options(options)?)?;
        let report = hook.deliver_events(&reg, consumer, limit)?;
        out.write(json_string(&report)?);
        Ok(())
    })
}
