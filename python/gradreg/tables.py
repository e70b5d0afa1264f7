"""The built-in code tables (毕业去向, 学历, 单位性质, 单位行业 …)."""

from __future__ import annotations

import json
from typing import Optional, Tuple

from . import _native
from ._errors import ArgumentTypeError

__all__ = ["TABLES", "code_name", "is_placed"]

#: The names of the code tables (the core's ``Table::ALL``).
TABLES: Tuple[str, ...] = tuple(json.loads(_native.constants())["tables"])


def code_name(table: str, code: str) -> Optional[str]:
    """The Chinese name of ``code`` in ``table`` (one of ``TABLES``), or ``None`` if unknown."""
    if not isinstance(table, str) or not isinstance(code, str):
        raise ArgumentTypeError("code_name needs (table: str, code: str)")
    name = _native.code_name(table, code)
    return None if name is None else str(name)


def is_placed(code: str) -> Optional[bool]:
    """Whether a destination code counts as placed (落实), or ``None`` if the code is unknown."""
    if not isinstance(code, str):
        raise ArgumentTypeError(f"a destination code must be str, got {type(code).__name__}")
    placed = _native.is_placed(code)
    return None if placed is None else bool(placed)
