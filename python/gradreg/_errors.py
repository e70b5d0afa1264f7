"""The exceptions of gradreg.

Every exception carries ``.code``, the stable numeric code of the core (the C library's result
code). The codes, their names, groups and texts are the core's table, read from the native module
(``ERROR_CODES``); the class of a code follows its group, except a few codes with a class of their
own (looked up by name):

=========================== ===================== ===============================================
code                        class                 also
=========================== ===================== ===============================================
group ``arguments`` (1xx)   ``ArgumentError``     ``ValueError``
``invalid_record`` (101)    ``ValidationError``   ``ArgumentError``, ``ValueError``; ``.problems``
(a Python type mismatch)    ``ArgumentTypeError`` ``TypeError``, code ``invalid_argument`` (103)
117, 118, 119 (limits)      ``LimitError``        ``ArgumentError``, ``ValueError``
group ``state`` (2xx)       ``StateError``
``login_refused`` (202)     ``LoginRefusedError`` ``StateError``; ``.reasons`` with remedies
group ``verification``      ``VerificationError``
group ``render`` (4xx)      ``RenderError``
group ``storage`` (5xx)     ``StorageError``
``conflict`` (502)          ``ConflictError``     ``StorageError``
``disk_full``, ``io``       ``StorageOSError``    ``StorageError``, ``OSError``
group ``internal`` (9xx)    ``InternalError``     a caught panic is ``panic`` (990)
=========================== ===================== ===============================================
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, NamedTuple, Optional, Tuple, Type

from . import _native

__all__ = [
    "GradregError",
    "ArgumentError",
    "ArgumentTypeError",
    "ValidationError",
    "LimitError",
    "StateError",
    "LoginRefusedError",
    "VerificationError",
    "RenderError",
    "StorageError",
    "ConflictError",
    "StorageOSError",
    "InternalError",
    "ErrorCode",
    "ERROR_CODES",
    "error_code",
    "error_class",
]


class ErrorCode(NamedTuple):
    """One row of the core's code table: the number, its stable snake_case name, its group
    (``arguments``, ``state``, ``verification``, ``render``, ``storage``, ``internal``) and short
    Chinese and English descriptions."""

    code: int
    name: str
    group: str
    zh: str
    en: str


#: Every error code of the core, in numeric order (read from the native module).
ERROR_CODES: Tuple[ErrorCode, ...] = tuple(
    ErrorCode(int(r["code"]), str(r["name"]), str(r["group"]), str(r["zh"]), str(r["en"]))
    for r in json.loads(_native.error_codes())
)

_BY_NAME: Dict[str, ErrorCode] = {c.name: c for c in ERROR_CODES}


def error_code(name: str) -> int:
    """The number of the code named ``name`` (``"malformed_json"`` is 102); ``KeyError`` for a
    name the core does not have."""
    return _BY_NAME[name].code


class GradregError(Exception):
    """Root of every gradreg exception. ``code`` is the core's stable numeric code."""

    code: int
    message: str
    detail: Optional[Dict[str, Any]]

    def __init__(
        self, message: str, code: Optional[int] = None, detail: Optional[Dict[str, Any]] = None
    ):
        super().__init__(message)
        self.code = error_code("internal") if code is None else code
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ArgumentError(GradregError, ValueError):
    """1xx: a malformed record, JSON or parameter."""


class ArgumentTypeError(GradregError, TypeError):
    """A Python value of the wrong type (code ``invalid_argument``, 103)."""

    def __init__(
        self, message: str, code: Optional[int] = None, detail: Optional[Dict[str, Any]] = None
    ):
        super().__init__(message, error_code("invalid_argument") if code is None else code, detail)


class ValidationError(ArgumentError):
    """101: a record failed validation. ``problems`` holds every problem, not just the first."""

    @property
    def problems(self) -> List[Any]:
        from .records import Problem

        raw = (self.detail or {}).get("problems", [])
        return [Problem.from_dict(p) for p in raw]


class LimitError(ArgumentError):
    """117–119: an input past a size limit (``input_too_large``, ``archive_limit``,
    ``content_limit``); the message names the ``Limits`` field that raises it."""


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
    """``disk_full`` (506) and ``io`` (507, a file could not be read or written): also an
    ``OSError``."""

    def __init__(
        self, message: str, code: Optional[int] = None, detail: Optional[Dict[str, Any]] = None
    ):
        StorageError.__init__(self, message, error_code("io") if code is None else code, detail)

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class InternalError(GradregError):
    """9xx: a bug in gradreg (a panic caught in the core is ``panic``, 990)."""


#: The class of each group of codes.
_GROUPS: Dict[str, Type[GradregError]] = {
    "arguments": ArgumentError,
    "state": StateError,
    "verification": VerificationError,
    "render": RenderError,
    "storage": StorageError,
    "internal": InternalError,
}

#: The codes with a class of their own, by name.
_SPECIAL: Dict[str, Type[GradregError]] = {
    "invalid_record": ValidationError,
    "input_too_large": LimitError,
    "archive_limit": LimitError,
    "content_limit": LimitError,
    "login_refused": LoginRefusedError,
    "conflict": ConflictError,
    "disk_full": StorageOSError,
    "io": StorageOSError,
}

_CLASSES: Dict[int, Type[GradregError]] = {
    c.code: _SPECIAL.get(c.name) or _GROUPS.get(c.group, InternalError) for c in ERROR_CODES
}


def error_class(code: int) -> Type[GradregError]:
    """The exception class raised for a numeric code (``InternalError`` for a number that is not
    a code, such as a retired one)."""
    return _CLASSES.get(code, InternalError)


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
