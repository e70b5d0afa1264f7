//! The registry's side of notifications: consumers reading the event outbox at their own pace
//! (a cursor each, moved by acknowledgements) and a record of the reminders each consumer sent.
//!
//! Delivery is at least once: a consumer reads [`Registry::pending_events`], delivers them, and
//! only then acknowledges with [`Registry::ack_events`]. An event that was read but not
//! acknowledged (the host crashed, the receiver was down) is pending again on the next read.
//! Reminders are computed, not stored, so they have no cursor: [`Registry::mark_sent`] records
//! each reminder id a consumer sent, and refuses to record it twice.

use chrono::{DateTime, Utc};

use super::Registry;
use crate::error::{Error, Result};
use crate::lifecycle::Event;

/// The longest consumer name accepted, in bytes.
const MAX_CONSUMER_LEN: usize = 200;

/// Checks a consumer name: 1 to 200 bytes, no control characters.
pub(crate) fn check_consumer(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > MAX_CONSUMER_LEN || name.chars().any(char::is_control) {
        return Err(Error::InvalidArgument(format!(
            "consumer name must be 1 to {MAX_CONSUMER_LEN} bytes without control characters: {name:?}"
        )));
    }
    Ok(())
}

/// Gives an event stored before events had ids the id `<registration id>#outbox.<seq>`: stable,
/// since an outbox entry never moves.
pub(crate) fn with_legacy_id((seq, mut e): (u64, Event)) -> (u64, Event) {
    if e.id.is_empty() {
        e.id = format!("{}#outbox.{seq}", e.registration_id);
    }
    (seq, e)
}

impl Registry {
    /// Where consumer `consumer` stands in the outbox: the sequence number of the last event it
    /// acknowledged (0 before its first acknowledgement).
    pub fn consumer_cursor(&self, consumer: &str) -> Result<u64> {
        check_consumer(consumer)?;
        self.store.consumer_cursor(consumer)
    }

    /// The events consumer `consumer` has not acknowledged yet, oldest first, at most `limit`,
    /// each with its sequence number in the outbox. Reading moves nothing: until they are
    /// acknowledged, the same events are returned again.
    pub fn pending_events(&self, consumer: &str, limit: usize) -> Result<Vec<(u64, Event)>> {
        check_consumer(consumer)?;
        let after = self.store.consumer_cursor(consumer)?;
        Ok(self
            .store
            .events_after(after, limit)?
            .into_iter()
            .map(with_legacy_id)
            .collect())
    }

    /// Acknowledges consumer `consumer`'s events up to and including sequence number `seq` and
    /// returns its cursor afterwards. Acknowledging at or behind the cursor is not an error and
    /// changes nothing (so a repeated acknowledgement is harmless); acknowledging past the
    /// newest event is [`Error::AckBeyondOutbox`].
    pub fn ack_events(&self, consumer: &str, seq: u64) -> Result<u64> {
        check_consumer(consumer)?;
        self.store.ack(consumer, seq)
    }

    /// The sequence number of the newest event in the outbox (0 when empty).
    pub fn last_event_seq(&self) -> Result<u64> {
        self.store.last_event_seq()
    }

    /// Records that consumer `consumer` sent notification `id` (a reminder's id, or an event's)
    /// at `at`. Returns `true` when recorded now and `false` when it was recorded before: a
    /// sender that sends only on `true`, or checks [`Registry::sent_at`] first and marks after
    /// delivery, never sends the same reminder twice.
    pub fn mark_sent(&self, consumer: &str, id: &str, at: DateTime<Utc>) -> Result<bool> {
        check_consumer(consumer)?;
        if id.is_empty() {
            return Err(Error::InvalidArgument("notification id is empty".into()));
        }
        self.store.mark_sent(consumer, id, at)
    }

    /// When consumer `consumer` recorded notification `id` as sent, if it did.
    pub fn sent_at(&self, consumer: &str, id: &str) -> Result<Option<DateTime<Utc>>> {
        check_consumer(consumer)?;
        self.store.sent_at(consumer, id)
    }
}
