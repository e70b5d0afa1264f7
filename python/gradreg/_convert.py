"""Conversions between typed records, dicts and the core's JSON form."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta, timezone
from typing import (
    Any,
    ClassVar,
    Dict,
    List,
    Optional,
    Type,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from ._errors import ArgumentError, ArgumentTypeError

R = TypeVar("R", bound="Record")

_INSTANT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$"
)


def parse_instant(text: str) -> datetime:
    """Parses an RFC 3339 instant (as the core writes it) into an aware ``datetime``."""
    m = _INSTANT.match(text)
    if not m:
        raise ArgumentError(f"not an RFC 3339 instant: {text!r}", 103)
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
            "an instant must carry a time zone (datetime(..., tzinfo=timezone.utc))", 103
        )
    return value.isoformat()


def dumps(value: Any) -> str:
    """JSON text of a dict or list. Non-ASCII is escaped, so text that is not valid Unicode (a
    lone surrogate from a badly decoded file) reaches the core as an escape it refuses with
    ``ArgumentError`` 102 instead of failing inside the interpreter."""
    return json.dumps(value, ensure_ascii=True)


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _convert(owner: str, field: str, tp: Any, value: Any) -> Any:
    """Checks and converts one JSON value to the declared type of a field."""
    origin = get_origin(tp)
    if origin is Union:
        args = [a for a in get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(owner, field, args[0], value)
    if origin in (list, List):
        if not isinstance(value, list):
            raise ArgumentTypeError(f"{owner}.{field} must be a list, got {type(value).__name__}")
        (item,) = get_args(tp)
        return [_convert(owner, field, item, v) for v in value]
    if origin in (dict, Dict):
        if not isinstance(value, dict):
            raise ArgumentTypeError(f"{owner}.{field} must be a dict, got {type(value).__name__}")
        _, item = get_args(tp)
        return {str(k): _convert(owner, field, item, v) for k, v in value.items()}
    if tp is Any:
        return value
    if isinstance(tp, type) and issubclass(tp, Record):
        if isinstance(value, tp):
            return value
        return tp.from_dict(value)
    if tp is datetime:
        if isinstance(value, datetime):
            instant(value)
            return value
        if isinstance(value, str):
            return parse_instant(value)
    elif tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    raise ArgumentTypeError(
        f"{owner}.{field} must be {_type_name(tp)}, got {type(value).__name__} ({value!r:.40})"
    )


def _plain(value: Any) -> Any:
    """The JSON form of a field value."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Record:
    """Base of the typed records: dataclasses that convert to and from the core's dicts.

    ``from_dict`` refuses unknown keys (``ArgumentError``, code 102) and values of the wrong type
    (``ArgumentTypeError``, code 103); missing keys take their defaults. ``to_dict`` leaves out
    optional fields that are ``None``, as the core's JSON does.
    """

    _hints: ClassVar[Optional[Dict[str, Any]]] = None

    @classmethod
    def _field_types(cls) -> Dict[str, Any]:
        hints = cls.__dict__.get("_hints")
        if hints is None:
            all_hints = get_type_hints(cls)
            hints = {f.name: all_hints[f.name] for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
            cls._hints = hints
        return hints

    @classmethod
    def from_dict(cls: Type[R], data: Dict[str, Any]) -> R:
        """Builds the record from a dict in the core's JSON form."""
        if not isinstance(data, dict):
            raise ArgumentTypeError(f"{cls.__name__} needs a dict, got {type(data).__name__}")
        types = cls._field_types()
        unknown = sorted(set(data) - set(types))
        if unknown:
            raise ArgumentError(f"{cls.__name__}: unknown field(s) {', '.join(map(str, unknown))}", 102)
        kwargs = {k: _convert(cls.__name__, k, types[k], v) for k, v in data.items()}
        return cls(**kwargs)

    def to_dict(self) -> Dict[str, Any]:
        """The record as a dict in the core's JSON form."""
        out: Dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if v is None:
                continue
            out[f.name] = _plain(v)
        return out

    def to_json(self) -> str:
        """The record as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def _wire(self) -> str:
        """The JSON text sent to the core (type-checked, non-ASCII escaped)."""
        self._check_types()
        return dumps(self.to_dict())

    @classmethod
    def from_json(cls: Type[R], text: str) -> R:
        """Builds the record from JSON text."""
        if not isinstance(text, str):
            raise ArgumentTypeError(f"{cls.__name__}.from_json needs str, got {type(text).__name__}")
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ArgumentError(f"malformed JSON: {e}", 102) from None
        return cls.from_dict(data)

    def _check_types(self) -> None:
        """Checks every field against its declared type (called before crossing to the core)."""
        types = self._field_types()
        for name, tp in types.items():
            _convert(type(self).__name__, name, tp, getattr(self, name))
