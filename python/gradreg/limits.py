"""Size limits on what gradreg reads: roster and destination files, the workbooks inside them,
and every JSON document the package hands to the core.

A reader stops at the first limit passed and raises ``LimitError`` (an ``ArgumentError``) with
code ``input_too_large`` (117: a file or document over its byte limit), ``archive_limit`` (118:
an XLSX archive with too many entries, or an entry inflating too far or at too high a ratio) or
``content_limit`` (119: too many rows, cells, columns or shared strings, a CSV line or a piece of
workbook XML too long). The message names the setting that raises the limit.

The defaults read a 200,000-row roster and refuse a zip bomb after inflating about 2 MiB
of it. Pass ``limits=Limits(...)`` to one call, or ``set_limits`` once for the process."""

from __future__ import annotations

import json
from typing import Optional

from . import _fields, _native
from ._errors import ArgumentTypeError

__all__ = ["Limits", "set_limits", "get_limits"]


class Limits(_fields.Limits, frozen=True):
    """Caller-settable size limits (every field a count or a number of bytes; ``0`` refuses any
    input of that kind). Fields left out keep their defaults: ``Limits(max_cells=10**8)``.

    ``max_input_bytes`` (a roster or destination file, 256 MiB), ``max_json_bytes`` (a JSON
    document, 64 MiB), ``max_entry_bytes`` (one inflated zip entry, 1 GiB), ``max_total_bytes``
    (all entries, 2 GiB), ``max_ratio`` (inflated per compressed byte, 200), ``max_entries``
    (10,000), ``max_cells`` (rows × columns of a sheet's used range, 16,777,216), ``max_rows``
    (1,048,576), ``max_columns`` (16,384), ``max_shared_strings`` (8,388,608),
    ``max_shared_string_bytes`` (256 MiB), ``max_xml_token_bytes`` (1 MiB),
    ``max_line_bytes`` (one CSV record, 1 MiB)."""


def _json(limits: Optional[Limits]) -> Optional[str]:
    """The JSON of ``limits`` for the native module (``None``: the process's default)."""
    if limits is None:
        return None
    if not isinstance(limits, Limits):
        raise ArgumentTypeError(f"limits must be gradreg.Limits, got {type(limits).__name__}")
    return json.dumps(limits.to_dict())


def set_limits(limits: Optional[Limits]) -> None:
    """Sets the process's default limits: what every call without ``limits`` reads files with,
    and what every JSON document given to the core is checked against (``max_json_bytes``).
    ``None`` restores the built-in defaults."""
    _native.set_limits(_json(limits))


def get_limits() -> Limits:
    """The process's default limits."""
    return Limits.from_dict(json.loads(_native.get_limits()))


def effective(limits: Optional[Limits]) -> Limits:
    """``limits``, or the process's default when ``None``."""
    return get_limits() if limits is None else limits
