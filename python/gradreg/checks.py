"""Checks of single values at native speed: an ID number, a credit code, a region or table code,
a verification or transfer number, one at a time or a list at once.

Each check returns ``None`` when the value is valid, else the code of its problem as the core
names it: a ``ProblemCode`` name for the values of a record (``required``, ``too_long``,
``bad_format``, ``bad_check_character``, ``bad_date``, ``scientific_notation``,
``trailing_decimal``, ``unknown_region``, ``unknown_code`` …, the same code a record with that
value reports first on the field) and an error code name for the numbers
(``number_malformed``, ``number_typo``, ``transfer_number_malformed``,
``transfer_number_typo``). The list forms (``check_id_numbers`` …) return one answer per
value, in order, and release the GIL for the whole list.

Nothing crosses as JSON: the string goes to the core as it is, and the answer comes back as a
string or ``None``. A value that is not a ``str`` raises ``ArgumentTypeError``; a ``str`` the
core cannot read (a lone surrogate) raises ``ArgumentError``.
"""

from __future__ import annotations

from typing import List, Optional

from . import _native

__all__ = [
    "check_id_number",
    "check_id_numbers",
    "check_credit_code",
    "check_credit_codes",
    "check_region_code",
    "check_region_codes",
    "check_code",
    "check_codes",
    "check_verification_number",
    "check_verification_numbers",
    "check_transfer_number",
    "check_transfer_numbers",
]


def check_id_number(value: str) -> Optional[str]:
    """The first problem of a citizen ID number (居民身份证号, GB 11643: layout, region, birth
    date, check character), or ``None`` when valid."""
    return _native.check_id_number(value)


def check_id_numbers(values: List[str]) -> List[Optional[str]]:
    """``check_id_number`` of every value, in order."""
    return _native.check_id_numbers(values)


def check_credit_code(value: str) -> Optional[str]:
    """The problem of a unified social credit code (统一社会信用代码, GB 32100: 18 characters
    of the code's alphabet, check character), or ``None`` when valid."""
    return _native.check_credit_code(value)


def check_credit_codes(values: List[str]) -> List[Optional[str]]:
    """``check_credit_code`` of every value, in order."""
    return _native.check_credit_codes(values)


def check_region_code(value: str) -> Optional[str]:
    """The problem of a 6-digit region code (行政区划代码, GB/T 2260) against the built-in
    list (a code no longer in use is still valid), or ``None``."""
    return _native.check_region_code(value)


def check_region_codes(values: List[str]) -> List[Optional[str]]:
    """``check_region_code`` of every value, in order."""
    return _native.check_region_codes(values)


def check_code(table: str, value: str) -> Optional[str]:
    """The problem of a code of the built-in table ``table`` (one of ``TABLES``:
    ``destinations``, ``education_levels``, ``industries`` …; ``regions`` checks as
    ``check_region_code``), or ``None`` when the table has it. An unknown table raises
    ``ArgumentError`` (``invalid_argument``)."""
    return _native.check_code(table, value)


def check_codes(table: str, values: List[str]) -> List[Optional[str]]:
    """``check_code`` of every value, in order."""
    return _native.check_codes(table, values)


def check_verification_number(value: str) -> Optional[str]:
    """Why a verification number (在线验证码, ``XXXX-XXXX-XXXX-XXXX`` as a person types it)
    does not parse — ``number_typo`` (a wrong check symbol) or ``number_malformed`` — or
    ``None``. Whether a graduate holds the number is the registry's question."""
    return _native.check_verification_number(value)


def check_verification_numbers(values: List[str]) -> List[Optional[str]]:
    """``check_verification_number`` of every value, in order."""
    return _native.check_verification_numbers(values)


def check_transfer_number(value: str) -> Optional[str]:
    """Why a transfer number (转递编号, ``ZD-XXXX-XXXX-XXXX``) does not parse —
    ``transfer_number_typo`` or ``transfer_number_malformed`` — or ``None``."""
    return _native.check_transfer_number(value)


def check_transfer_numbers(values: List[str]) -> List[Optional[str]]:
    """``check_transfer_number`` of every value, in order."""
    return _native.check_transfer_numbers(values)
