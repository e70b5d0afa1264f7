"""Instants and JSON text as they cross to the core."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from ._errors import ArgumentError, ArgumentTypeError, error_code

_INSTANT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$"
)


def parse_instant(text: str) -> datetime:
    """Parses an RFC 3339 instant (as the core writes it) into an aware ``datetime``."""
    m = _INSTANT.match(text)
    if not m:
        raise ArgumentError(f"not an RFC 3339 instant: {text!r}", error_code("invalid_argument"))
    y, mo, d, h, mi, s, frac, off = m.groups()
    micro = int((frac or "0").ljust(6, "0")[:6])
    if off in ("Z", "z"):
        tz = timezone.utc
    else:
        sign = 1 if off[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(off[1:3]), minutes=int(off[4:6])))
    return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=tz)


def instant(value: Optional[datetime]) -> str:
    """The RFC 3339 text of an aware ``datetime`` (now, when ``None``)."""
    if value is None:
        value = datetime.now(timezone.utc)
    if not isinstance(value, datetime):
        raise ArgumentTypeError(f"an instant must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ArgumentError(
            "an instant must carry a time zone (datetime(..., tzinfo=timezone.utc))",
            error_code("invalid_argument"),
        )
    return value.isoformat()


def dumps(value: Any) -> str:
    """JSON text of a dict or list. Non-ASCII is escaped, so text that is not valid Unicode (a
    lone surrogate from a badly decoded file) reaches the core as an escape it refuses with
    ``ArgumentError`` (``malformed_json``) instead of failing inside the interpreter."""
    return json.dumps(value, ensure_ascii=True)


def path_text(path: Any, what: str = "path") -> str:
    """The text of a path argument: ``str`` or ``os.PathLike`` of text
    (``ArgumentTypeError`` otherwise), without NUL (``ArgumentError`` ``invalid_argument``: no
    file system takes one)."""
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"{what} must be str or os.PathLike, got {type(path).__name__}")
    p = os.fspath(path)
    if not isinstance(p, str):
        raise ArgumentTypeError(f"{what} must be text, not bytes")
    if "\x00" in p:
        raise ArgumentError(f"{what} holds a NUL character: {p!r}", error_code("invalid_argument"))
    return p
