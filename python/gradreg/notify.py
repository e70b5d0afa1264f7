"""Notifications a host delivers: consumer cursors over the registry's event outbox, reminders
sent once, and delivery to an HTTP webhook (see docs/notifications.md for the request format and
how a receiver verifies its signature).

These are methods of :class:`gradreg.Registry` (it inherits them from :class:`NotifyMixin`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from . import _native
from ._convert import instant, parse_instant
from ._errors import ArgumentError, ArgumentTypeError, error_code
from .lifecycle import Event


def _str(name: str, v: Any) -> str:
    if not isinstance(v, str):
        raise ArgumentTypeError(f"{name} must be str, got {type(v).__name__}")
    return v


def _count(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ArgumentTypeError(f"{name} must be int, got {type(v).__name__}")
    if v < 0:
        raise ArgumentError(f"{name} must not be negative", error_code("invalid_argument"))
    return v


@dataclass(frozen=True)
class PendingEvent:
    """An event a consumer has not acknowledged: its place in the outbox, its recipient's
    address (``graduate:<registration id>`` …) and the event (``event.id`` is the idempotency
    key to pass on)."""

    seq: int
    address: str
    event: Event


@dataclass(frozen=True)
class Delivered:
    """A notification the receiver accepted."""

    id: str
    seq: Optional[int]
    status: int
    attempts: int


@dataclass(frozen=True)
class Failed:
    """A notification that was not delivered: ``permanent`` when the receiver refused it (a 4xx
    other than 408 and 429), else the retries ran out and the next run tries again."""

    id: str
    seq: Optional[int]
    permanent: bool
    status: Optional[int]
    error: str
    attempts: int


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did, and where the consumer's cursor stands after it."""

    consumer: str
    cursor: int
    delivered: List[Delivered] = field(default_factory=list)
    failed: List[Failed] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether everything attempted was delivered."""
        return not self.failed

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "DeliveryReport":
        """The report from the core's JSON form."""
        return cls(
            consumer=str(d["consumer"]),
            cursor=int(d["cursor"]),
            delivered=[Delivered(**x) for x in d["delivered"]],
            failed=[Failed(**x) for x in d["failed"]],
            skipped=[str(x) for x in d["skipped"]],
        )


class NotifyMixin:
    """The notification methods of :class:`gradreg.Registry`."""

    @property
    def _n(self) -> Any:  # pragma: no cover - the registry defines it
        raise NotImplementedError

    def consumer_cursor(self, consumer: str) -> int:
        """Where ``consumer`` stands in the outbox: the ``seq`` of the last event it
        acknowledged (0 before any)."""
        return int(_native.consumer_cursor(self._n, _str("consumer", consumer)))

    def pending_events(self, consumer: str, limit: int = 100) -> List[PendingEvent]:
        """The events ``consumer`` has not acknowledged, oldest first, at most ``limit``. Reading
        moves nothing: they come back until acknowledged with :meth:`ack_events`."""
        raw = _native.pending_events(self._n, _str("consumer", consumer), _count("limit", limit))
        return [PendingEvent(seq, address, Event._from_core(e)) for seq, address, e in json.loads(raw)]

    def ack_events(self, consumer: str, seq: int) -> int:
        """Acknowledges ``consumer``'s events up to and including ``seq`` (after delivering them)
        and returns its cursor. At or behind the cursor it changes nothing; past the newest event
        it raises ``StorageError`` with code 513 (``ack_beyond_outbox``)."""
        return int(_native.ack_events(self._n, _str("consumer", consumer), _count("seq", seq)))

    def mark_sent(self, consumer: str, id: str, at: Optional[datetime] = None) -> bool:
        """Records that ``consumer`` sent the notification ``id`` (a reminder's id) at ``at``
        (now when ``None``): ``True`` the first time, ``False`` ever after."""
        return bool(
            _native.mark_sent(self._n, _str("consumer", consumer), _str("id", id), instant(at))
        )

    def sent_at(self, consumer: str, id: str) -> Optional[datetime]:
        """When ``consumer`` recorded ``id`` as sent, or ``None``."""
        t = _native.sent_at(self._n, _str("consumer", consumer), _str("id", id))
        return None if t is None else parse_instant(t)

    def deliver_webhook(
        self,
        url: str,
        secret: bytes,
        consumer: str,
        limit: int = 100,
        timeout_ms: int = 10_000,
        max_attempts: int = 5,
        initial_backoff_ms: int = 500,
        max_backoff_ms: int = 60_000,
    ) -> DeliveryReport:
        """POSTs up to ``limit`` of ``consumer``'s pending events to ``url``, one signed request
        each, retrying connection errors, timeouts, 408, 429 and 5xx with capped exponential
        backoff, and acknowledging each event once the receiver accepts it. The run stops at the
        first event not delivered (it stays pending); the receiver's refusals are in the report's
        ``failed``. A bad URL or an empty secret raises ``ArgumentError`` (130). Blocks, without
        the GIL, while it retries."""
        if not isinstance(secret, (bytes, bytearray)):
            raise ArgumentTypeError(f"secret must be bytes, got {type(secret).__name__}")
        raw = _native.deliver_webhook(
            self._n,
            _str("url", url),
            bytes(secret),
            _str("consumer", consumer),
            _count("limit", limit),
            _count("timeout_ms", timeout_ms),
            _count("max_attempts", max_attempts),
            _count("initial_backoff_ms", initial_backoff_ms),
            _count("max_backoff_ms", max_backoff_ms),
        )
        return DeliveryReport.from_dict(json.loads(raw))


__all__ = ["Delivered", "DeliveryReport", "Failed", "NotifyMixin", "PendingEvent"]
