"""Rosters (生源名单): CSV (UTF-8, UTF-8 with a BOM, GB18030/GBK) or XLSX files with Chinese
headers (身份证号, 姓名 …) or the pinyin abbreviations of exports (sfzh, xm …), read with a report
of every bad cell; and synthetic cohorts for trials and tests."""

from __future__ import annotations

import json
import os
from typing import IO, Any, Iterator, List, Optional, Tuple, Union

from . import _fields, _native
from ._convert import dumps, path_text
from ._errors import ArgumentError, ArgumentTypeError, error_code
from ._schema import native_plans
from .limits import Limits, _json, effective

__all__ = [
    "CellProblem",
    "RosterNotice",
    "ColumnUse",
    "HeaderPreview",
    "HeaderAliases",
    "AliasesSource",
    "preview_header",
    "RosterRow",
    "Roster",
    "ImportReport",
    "Graduate",
    "RosterSource",
    "parse_roster",
    "RosterScan",
    "scan_roster",
    "RowIdentity",
    "DestinationRow",
    "ParsedDestinations",
    "parse_destinations",
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


class RosterNotice(_fields.RosterNotice, frozen=True):
    """A value read after rewriting it into its canonical form (男 → ``1``, 汉族 → ``01``,
    ``20240701`` → ``2024-07-01`` …), or a valid value worth a look: ``before`` as written,
    ``after`` as read, ``rows`` every row of the sheet where the cell was written so (one notice
    per column and value). Never an error: the rows stay good."""

    def sheet_rows(self) -> List[int]:
        """The 1-based rows of the sheet this notice is about."""
        return list(self.rows)

    def __str__(self) -> str:
        shown = "、".join(str(r) for r in self.rows[:10])
        more = f" 等 {len(self.rows)} 行" if len(self.rows) > 10 else " 行"
        return f"第 {shown}{more}「{self.column}」: {self.before} → {self.after}（{self.message_zh}）"


class ColumnUse(_fields.ColumnUse, frozen=True):
    """One column of a roster's header (1-based ``column``) and what became of it: ``kind``
    ``read`` (the field's value), ``checked`` (a name column checked against its code column)
    or ``ignored`` (``field`` empty)."""


class HeaderPreview(_fields.HeaderPreview):
    """What a roster's header says before any row is read: each column's field, the required
    columns ``missing`` and the ``duplicated`` ones."""

    def usable(self) -> bool:
        """Whether the header can be imported (nothing missing, nothing repeated)."""
        return not self.missing and not self.duplicated


class RosterRow(_fields.RosterRow):
    """One data row: the record as read (every field the text of its cell) and whether the row
    has no problem at all."""


class _LazyRows(list):  # type: ignore[type-arg]
    """The ``rows`` of a ``Roster`` that ``parse_roster`` returned: a ``list`` whose items (the
    ``RosterRow`` objects) are made natively the first time the list is used in any way —
    length, index, iteration, comparison, ``repr``, a change — and are from then on a plain
    list's. ``parse_roster`` itself therefore costs about what the core's parse costs; the
    rows' objects are paid for once, by the first caller that looks at them. A copy or a pickle
    is a plain ``list``."""

    __slots__ = ("_pending",)

    def __init__(self, *args: Any) -> None:
        list.__init__(self, *args)
        self._pending: Any = None

    def _fill(self) -> None:
        pending = self._pending
        if pending is not None:
            pending.fill(self)
            self._pending = None

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (list, (list(self),))


def _filled(name: str) -> Any:
    """The ``list`` method ``name``, after the rows are made."""
    base = getattr(list, name)

    def method(self: _LazyRows, *args: Any, **kwargs: Any) -> Any:
        if self._pending is not None:
            self._fill()
        return base(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"_LazyRows.{name}"
    method.__doc__ = base.__doc__
    return method


# Every method of list that reads or changes the items (the C slots of the ones in dunder form
# follow the Python methods). ``__radd__`` and ``__rmul__`` make ``[x] + rows`` and
# ``2 * rows`` ask this class first, not read the storage directly.
for _name in (
    "__len__", "__getitem__", "__setitem__", "__delitem__", "__iter__", "__reversed__",
    "__contains__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__add__",
    "__iadd__", "__mul__", "__rmul__", "__imul__", "__repr__", "__sizeof__", "append",
    "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "index", "count", "copy",
):
    setattr(_LazyRows, _name, _filled(_name))


def _lazy_radd(self: _LazyRows, other: Any) -> Any:
    if self._pending is not None:
        self._fill()
    if not isinstance(other, list):
        return NotImplemented
    return list.__add__(other, self)


_LazyRows.__radd__ = _lazy_radd  # type: ignore[attr-defined]
_LazyRows.__hash__ = None


class Roster(_fields.ParsedRoster):
    """A parsed roster: every data row, good and bad, and every problem found."""

    def ok_rows(self) -> Iterator[RosterRow]:
        """The rows without any problem."""
        return (r for r in self.rows if r.ok)

    def problems_of(self, row: int) -> List[CellProblem]:
        """The problems of one row."""
        return [p for p in self.problems if p.row == row]

    def notices_of(self, row: int) -> List[RosterNotice]:
        """The notices of one row."""
        return [n for n in self.notices if row in n.rows]

    def ignored_columns(self) -> List[ColumnUse]:
        """The columns that were not read (no field of the roster)."""
        return [c for c in self.columns if c.kind == "ignored"]


class ImportReport(_fields.ImportReport):
    """What a roster import did (or, with ``dry_run`` true, would do); ``problems`` names every
    bad cell and every refused row, ``notices`` every value read in canonical form, ``columns``
    which column became which field."""


class RosterScan(_fields.RosterScan):
    """What ``scan_roster`` found: the counts of rows, bad rows and problems, every notice and
    what each column became — without the rows."""

    def ok(self) -> bool:
        """Whether no row has a problem."""
        return self.problems == 0


class RowIdentity(_fields.RowIdentity, frozen=True):
    """Who a destination row is about: ``school_code`` + ``student_number`` (the registration
    key ``school_code:student_number``) or ``id_number``; ``name`` is checked when given."""

    def key(self) -> Optional[str]:
        """The registration key, when both school code and student number are given."""
        if self.school_code and self.student_number:
            return f"{self.school_code}:{self.student_number}"
        return None


class DestinationRow(_fields.DestinationRow):
    """One data row of a destination export: the registration it names (``ident``), the
    destination, archive and hukou data read (``data``) and whether the row has no problem."""


class ParsedDestinations(_fields.ParsedDestinations):
    """A parsed destination export: every data row, good and bad, and every problem found
    (``field`` the dotted path, such as ``destination.employer.nature``)."""

    def ok_rows(self) -> Iterator[DestinationRow]:
        """The rows without any problem."""
        return (r for r in self.rows if r.ok)

    def problems_of(self, row: int) -> List[CellProblem]:
        """The problems of one row."""
        return [p for p in self.problems if p.row == row]


class HeaderAliases:
    """The table of roster headers and the fields they fill: the built-in one (姓名, 身份证号,
    xm, sfzh …), extended with an office's own headers. Lines are ``header<TAB>field`` or
    ``header<TAB>field<TAB>name`` (a column holding names from the field's code table, such as
    男/女 for ``gender``); ``#`` starts a comment. A bad line raises ``ArgumentError``
    (``invalid_argument``) naming it and changes nothing."""

    def __init__(self, tsv: Optional[str] = None) -> None:
        self._native = _native.NativeHeaderAliases()
        if tsv is not None:
            self.load_tsv(tsv)

    @classmethod
    def _wrap(cls, native: Any) -> "HeaderAliases":
        out = cls.__new__(cls)
        out._native = native
        return out

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "HeaderAliases":
        """The built-in table plus the lines of a file."""
        out = cls()
        out.load_file(path)
        return out

    def load_tsv(self, tsv: str) -> None:
        """Adds ``header<TAB>field[<TAB>name]`` lines."""
        self._native.load_tsv(_choice("tsv", tsv))

    def load_file(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Adds the lines of a file (UTF-8). A file that cannot be read raises the built-in
        ``OSError`` (``FileNotFoundError`` …) with ``.code`` ``roster_io`` (113)."""
        self.load_tsv(read_text(path))

    def add(self, header: str, field: str, role: str = "value") -> None:
        """Adds one header for a ``BasicInfo`` field; ``role`` ``value`` (the value or code) or
        ``name`` (names from the field's code table)."""
        self._native.insert(_choice("header", header), _choice("field", field), _choice("role", role))

    def field(self, header: str) -> Optional[str]:
        """The field a header names, or ``None``."""
        found = self._native.field_role(_choice("header", header))
        return None if found is None else str(found[0])

    def role(self, header: str) -> Optional[str]:
        """What a header's column holds (``value`` or ``name``), or ``None``."""
        found = self._native.field_role(_choice("header", header))
        return None if found is None else str(found[1])

    def entries(self) -> List[Tuple[str, str, str]]:
        """Every header as folded (lower case, no spaces or marks), with its field and role."""
        return [(str(h), str(f), str(r)) for h, f, r in json.loads(self._native.entries())]

    def copy(self) -> "HeaderAliases":
        """An independent copy."""
        return HeaderAliases._wrap(self._native.copy())

    def __contains__(self, header: object) -> bool:
        return isinstance(header, str) and self._native.field_role(header) is not None

    def __len__(self) -> int:
        return len(self.entries())


#: Header aliases: a ``HeaderAliases``, TSV text (it holds a tab or a line break), or a path.
AliasesSource = Union[HeaderAliases, str, "os.PathLike[str]"]


def read_text(path: Any) -> str:
    """The UTF-8 text of a table file an office keeps; errors as in ``read_source``."""
    p = _text_path(path)
    try:
        with open(p, "rb") as f:
            data = f.read()
    except OSError as e:
        raise _os_error(e, error_code("roster_io"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ArgumentError(
            f"{p} 不是 UTF-8 文本 / is not UTF-8 text: {e}", error_code("roster_io")
        ) from None


def _text_path(path: Any) -> str:
    return path_text(path, "a path")


def _aliases(aliases: Optional[AliasesSource]) -> Optional[HeaderAliases]:
    """A ``HeaderAliases`` from what the caller gave: the object itself, TSV text, or a path."""
    if aliases is None or isinstance(aliases, HeaderAliases):
        return aliases
    if isinstance(aliases, str) and ("\t" in aliases or "\n" in aliases):
        return HeaderAliases(aliases)
    if isinstance(aliases, (str, os.PathLike)):
        return HeaderAliases.from_file(aliases)
    raise ArgumentTypeError(
        f"aliases must be HeaderAliases, TSV text or a path, got {type(aliases).__name__}"
    )


class Graduate(_fields.Graduate):
    """A synthetic graduate: basic information, CHSI account and reported destination."""


def _os_error(e: OSError, code: int) -> OSError:
    e.code = code  # type: ignore[attr-defined]
    return e


def _read_file(f: Any, most: int) -> bytes:
    """At most ``most`` bytes of an open file. A buffer of ``most`` bytes is not made up front
    (``read(n)`` allocates ``n``): a regular file is read by its size, and a file that grew
    meanwhile (or whose size is unknown) is read on up to ``most``."""
    try:
        size = os.fstat(f.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        size = -1
    if size < 0 or size + 1 >= most:
        return bytes(f.read(most))
    data = f.read(size + 1)
    if len(data) <= size:
        return bytes(data)
    return bytes(data + f.read(most - len(data)))


def read_source(source: Any, limits: Optional[Limits] = None) -> bytes:
    """The bytes of a roster given as a path, bytes or a binary file. A file that cannot be
    read raises the built-in ``OSError`` (``FileNotFoundError`` …) with ``.code`` ``roster_io``
    (113). A path or file is read no further than one byte past ``max_input_bytes`` of
    ``limits`` (the process's default when ``None``); the core refuses what is larger."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    most = effective(limits).max_input_bytes + 1
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not isinstance(path, str):
            raise ArgumentTypeError("a roster path must be text, not bytes")
        try:
            with open(path, "rb") as f:
                return _read_file(f, most)
        except OSError as e:
            raise _os_error(e, error_code("roster_io"))
    if hasattr(source, "read"):
        try:
            data = source.read(most)
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


def parse_roster(
    source: RosterSource,
    format: str = "auto",
    encoding: str = "auto",
    aliases: Optional[AliasesSource] = None,
    limits: Optional[Limits] = None,
) -> Roster:
    """Reads a roster and reports every bad cell (row, column, code, message) and every notice
    (a value read in canonical form, ``before`` → ``after``), without storing anything.
    ``format`` is ``auto``, ``csv`` or ``xlsx``; ``encoding`` (CSV) ``auto``, ``utf8`` or
    ``gb18030``; ``aliases`` the header table (a ``HeaderAliases``, TSV text or a TSV file's
    path; the built-in table when ``None``); ``limits`` the size limits (``Limits``; the
    process's default when ``None``). A file that is not a roster at all raises
    ``ArgumentError`` (106–116); one past a limit ``LimitError`` (117–119)."""
    table = _aliases(aliases)
    data = read_source(source, limits)
    # The result comes back as objects, built natively: no JSON text between. The rows stay
    # the core's until they are first used (``_LazyRows``).
    out, rows = _native.parse_roster_parts(
        data,
        _choice("format", format),
        _choice("encoding", encoding),
        native_plans(),
        None if table is None else table._native,
        _json(limits),
    )
    roster = out if isinstance(out, Roster) else Roster._from_core(out)
    lazy = _LazyRows()
    lazy._pending = rows
    roster.rows = lazy
    return roster


def scan_roster(
    source: RosterSource,
    format: str = "auto",
    encoding: str = "auto",
    aliases: Optional[AliasesSource] = None,
    keep: int = 1000,
    limits: Optional[Limits] = None,
) -> Tuple[RosterScan, List[CellProblem]]:
    """Checks a roster row by row without keeping its rows, for files too large for
    ``parse_roster``: the counts, notices and columns (``RosterScan``) and the first ``keep``
    problems in file order. Arguments and errors as in ``parse_roster``."""
    table = _aliases(aliases)
    if not isinstance(keep, int) or isinstance(keep, bool):
        raise ArgumentTypeError(f"keep must be int, got {type(keep).__name__}")
    if keep < 0:
        raise ArgumentError("keep must not be negative", error_code("invalid_argument"))
    data = read_source(source, limits)
    raw = json.loads(
        _native.scan_roster(
            data,
            _choice("format", format),
            _choice("encoding", encoding),
            None if table is None else table._native,
            keep,
            _json(limits),
        )
    )
    return RosterScan._from_core(raw["scan"]), [CellProblem._from_core(p) for p in raw["problems"]]


def parse_destinations(
    source: RosterSource,
    format: str = "auto",
    encoding: str = "auto",
    limits: Optional[Limits] = None,
) -> ParsedDestinations:
    """Reads a destination export of the provincial platform (毕业去向, 档案转递, 户口迁移 by
    学号 + 院校代码 or 身份证号; CSV in UTF-8 or GB18030/GBK, or XLSX; codes or their names)
    and reports every bad cell and every notice, without storing anything. A file that is not
    such an export at all raises ``ArgumentError``; ``limits`` as in ``parse_roster``."""
    data = read_source(source, limits)
    raw = _native.parse_destinations(
        data, _choice("format", format), _choice("encoding", encoding), _json(limits)
    )
    return ParsedDestinations._from_core(json.loads(raw))


def preview_header(
    source: RosterSource,
    format: str = "auto",
    encoding: str = "auto",
    aliases: Optional[AliasesSource] = None,
    limits: Optional[Limits] = None,
) -> HeaderPreview:
    """Reads only a roster's header: which column becomes which field, which are ignored, and
    the required columns missing and the repeated ones (listed, not raised). A file with no
    header at all raises ``ArgumentError``; ``limits`` as in ``parse_roster``."""
    table = _aliases(aliases)
    data = read_source(source, limits)
    raw = _native.preview_header(
        data,
        _choice("format", format),
        _choice("encoding", encoding),
        None if table is None else table._native,
        _json(limits),
    )
    return HeaderPreview._from_core(json.loads(raw))


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
    return [Graduate._from_core(g) for g in json.loads(_native.generate_cohort(dumps(spec)))]


def roster_csv(graduates: List[Graduate], headers: str = "chinese") -> str:
    """The basic information of ``graduates`` as a UTF-8 CSV roster with Chinese (``chinese``)
    or pinyin (``pinyin``) headers; ``parse_roster`` reads it back to the same records."""
    body = []
    for g in graduates:
        if not isinstance(g, Graduate):
            raise ArgumentTypeError(f"roster_csv needs Graduate objects, got {type(g).__name__}")
        body.append(json.loads(g._wire()))
    return str(_native.roster_csv(dumps(body), _choice("headers", headers)))
