"""Rosters (生源名单): CSV (UTF-8, UTF-8 with a BOM, GB18030/GBK) or XLSX files with Chinese
headers (身份证号, 姓名 …) or the pinyin abbreviations of exports (sfzh, xm …), read with a report
of every bad cell; and synthetic cohorts for trials and tests."""

from __future__ import annotations

import json
import os
from typing import IO, Any, Iterator, List, Union

from . import _fields, _native
from ._convert import dumps
from ._errors import ArgumentTypeError, error_code

__all__ = [
    "CellProblem",
    "RosterRow",
    "Roster",
    "ImportReport",
    "Graduate",
    "RosterSource",
    "parse_roster",
    "generate_cohort",
    "roster_csv",
]

#: A roster: a path, the file's bytes, or a binary file object.
RosterSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]


class CellProblem(_fields.CellProblem, frozen=True):
    """One problem of one cell (or of a whole row when ``column`` is empty). ``row`` is the
    1-based row of the sheet, the header being row 1."""

    def __str__(self) -> str:
        where = f"第 {self.row} 行" + (f"「{self.column}」" if self.column else "")
        return f"{where}: {self.message_zh}"


class RosterRow(_fields.RosterRow):
    """One data row: the record as read (every field the text of its cell) and whether the row
    has no problem at all."""


class Roster(_fields.ParsedRoster):
    """A parsed roster: every data row, good and bad, and every problem found."""

    def ok_rows(self) -> Iterator[RosterRow]:
        """The rows without any problem."""
        return (r for r in self.rows if r.ok)

    def problems_of(self, row: int) -> List[CellProblem]:
        """The problems of one row."""
        return [p for p in self.problems if p.row == row]


class ImportReport(_fields.ImportReport):
    """What a roster import did; ``problems`` names every bad cell and every refused row."""


class Graduate(_fields.Graduate):
    """A synthetic graduate: basic information, CHSI account and reported destination."""


def _os_error(e: OSError, code: int) -> OSError:
    e.code = code  # type: ignore[attr-defined]
    return e


def read_source(source: Any) -> bytes:
    """The bytes of a roster given as a path, bytes or a binary file. A file that cannot be
    read raises the built-in ``OSError`` (``FileNotFoundError`` …) with ``.code`` ``roster_io``
    (113)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not isinstance(path, str):
            raise ArgumentTypeError("a roster path must be text, not bytes")
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as e:
            raise _os_error(e, error_code("roster_io"))
    if hasattr(source, "read"):
        try:
            data = source.read()
        except OSError as e:
            raise _os_error(e, error_code("roster_io"))
        if not isinstance(data, bytes):
            raise ArgumentTypeError("a roster file must be opened in binary mode ('rb')")
        return data
    raise ArgumentTypeError(
        f"a roster must be a path, bytes or a binary file, got {type(source).__name__}"
    )


def _choice(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be str, got {type(value).__name__}")
    return value


def parse_roster(source: RosterSource, format: str = "auto", encoding: str = "auto") -> Roster:
    """Reads a roster and reports every bad cell (row, column, code, message), without storing
    anything. ``format`` is ``auto``, ``csv`` or ``xlsx``; ``encoding`` (CSV) ``auto``, ``utf8``
    or ``gb18030``. A file that is not a roster at all raises ``ArgumentError`` (106–114)."""
    data = read_source(source)
    raw = _native.parse_roster(
        data,
        _choice("format", format),
        _choice("encoding", encoding),
    )
    return Roster.from_dict(json.loads(raw))


def generate_cohort(
    size: int,
    seed: int = 1,
    school_code: str = "10327",
    school_name: str = "南京财经大学",
    graduation_year: int = 2026,
) -> List[Graduate]:
    """A synthetic cohort (valid check characters, realistic colleges and destinations); the same
    seed gives the same graduates."""
    for name, v in (("size", size), ("seed", seed), ("graduation_year", graduation_year)):
        if not isinstance(v, int) or isinstance(v, bool):
            raise ArgumentTypeError(f"{name} must be int, got {type(v).__name__}")
    spec = {
        "seed": seed,
        "size": size,
        "school_code": school_code,
        "school_name": school_name,
        "graduation_year": graduation_year,
    }
    return [Graduate.from_dict(g) for g in json.loads(_native.generate_cohort(dumps(spec)))]


def roster_csv(graduates: List[Graduate], headers: str = "chinese") -> str:
    """The basic information of ``graduates`` as a UTF-8 CSV roster with Chinese (``chinese``)
    or pinyin (``pinyin``) headers; ``parse_roster`` reads it back to the same records."""
    body = []
    for g in graduates:
        if not isinstance(g, Graduate):
            raise ArgumentTypeError(f"roster_csv needs Graduate objects, got {type(g).__name__}")
        body.append(json.loads(g._wire()))
    return str(_native.roster_csv(dumps(body), _choice("headers", headers)))
