"""The exceptions of gradreg.

Every exception carries ``.code``, the stable numeric code of the core (the C library's result
code), grouped by hundreds:

====== ===================== ===========================================================
code   class                 also
====== ===================== ===========================================================
1xx    ``ArgumentError``     ``ValueError``
101    ``ValidationError``   ``ArgumentError``, ``ValueError``; ``.problems`` lists them all
1xx    ``ArgumentTypeError`` ``TypeError`` (a Python value of the wrong type)
2xx    ``StateError``
202    ``LoginRefusedError`` ``StateError``; ``.reasons`` lists every reason with its remedy
3xx    ``VerificationError``
4xx    ``RenderError``
5xx    ``StorageError``
502    ``ConflictError``     ``StorageError``
506/7  ``StorageOSError``    ``StorageError``, ``OSError``
9xx    ``InternalError``
====== ===================== ===========================================================
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Type

__all__ = [
    "GradregError",
    "ArgumentError",
    "ArgumentTypeError",
    "ValidationError",
    "StateError",
    "LoginRefusedError",
    "VerificationError",
    "RenderError",
    "StorageError",
    "ConflictError",
    "StorageOSError",
    "InternalError",
]


class GradregError(Exception):
    """Root of every gradreg exception. ``code`` is the core's stable numeric code."""

    code: int
    message: str
    detail: Optional[Dict[str, Any]]

    def __init__(self, message: str, code: int = 900, detail: Optional[Dict[str, Any]] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ArgumentError(GradregError, ValueError):
    """1xx: a malformed record, JSON or parameter."""


class ArgumentTypeError(GradregError, TypeError):
    """A Python value of the wrong type (code 103, like an invalid argument)."""

    def __init__(self, message: str, code: int = 103, detail: Optional[Dict[str, Any]] = None):
        super().__init__(message, code, detail)


class ValidationError(ArgumentError):
    """101: a record failed validation. ``problems`` holds every problem, not just the first."""

    @property
    def problems(self) -> List[Any]:
        from .records import Problem

        raw = (self.detail or {}).get("problems", [])
        return [Problem.from_dict(p) for p in raw]


class StateError(GradregError):
    """2xx: the registration state machine refused the command."""


class LoginRefusedError(StateError):
    """202: the graduate cannot log in; ``reasons`` lists every reason with its remedy."""

    @property
    def reasons(self) -> List[Dict[str, str]]:
        return list((self.detail or {}).get("reasons", []))


class VerificationError(GradregError):
    """3xx: numbers, tokens and verification."""


class RenderError(GradregError):
    """4xx: rendering and fonts."""


class StorageError(GradregError):
    """5xx: the store."""


class ConflictError(StorageError):
    """502: another writer changed the registration first; reload and apply again."""


class StorageOSError(StorageError, OSError):
    """506 (disk full) and 507 (a file could not be read or written): also an ``OSError``."""

    def __init__(self, message: str, code: int = 507, detail: Optional[Dict[str, Any]] = None):
        StorageError.__init__(self, message, code, detail)

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class InternalError(GradregError):
    """9xx: a bug in gradreg (a panic in the core is reported as 901)."""


_SPECIAL: Dict[int, Type[GradregError]] = {
    101: ValidationError,
    202: LoginRefusedError,
    502: ConflictError,
    506: StorageOSError,
    507: StorageOSError,
}

_GROUPS: Dict[int, Type[GradregError]] = {
    1: ArgumentError,
    2: StateError,
    3: VerificationError,
    4: RenderError,
    5: StorageError,
}


def error_class(code: int) -> Type[GradregError]:
    """The exception class raised for a numeric code."""
    return _SPECIAL.get(code) or _GROUPS.get(code // 100, InternalError)


def _from_native(code: int, message: str, detail_json: str) -> GradregError:
    """Builds the exception for a code reported by the native module."""
    try:
        detail = json.loads(detail_json) if detail_json else None
    except ValueError:
        detail = None
    if not isinstance(detail, dict):
        detail = None
    return error_class(code)(message, code, detail)


def _from_json(err: Dict[str, Any]) -> GradregError:
    """Builds the exception of an ``{"code", "message", "detail"}`` object."""
    detail = err.get("detail")
    return error_class(int(err["code"]))(
        str(err.get("message", "")), int(err["code"]), detail if isinstance(detail, dict) else None
    )
