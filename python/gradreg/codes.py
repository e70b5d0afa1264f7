"""Verification numbers (核验编号): 16 Crockford base32 symbols, the last a Damm check symbol."""

from __future__ import annotations

from . import _native
from ._errors import ArgumentTypeError

__all__ = ["parse_number", "random_number"]


def parse_number(text: str) -> str:
    """Parses a verification number as a person types it (case, spaces and hyphens ignored, I/L
    read as 1 and O as 0) and returns it as ``XXXX-XXXX-XXXX-XXXX``. A wrong check symbol raises
    ``VerificationError`` 302 (a typo, caught before any lookup); anything else malformed 301."""
    if not isinstance(text, str):
        raise ArgumentTypeError(f"a verification number must be str, got {type(text).__name__}")
    return str(_native.parse_number(text))


def random_number() -> str:
    """A new verification number from the operating system's random source."""
    return str(_native.random_number())
