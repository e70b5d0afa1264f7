"""The registry: registrations, authorizations and the hash-chained audit log in an SQLite file (or
in memory), with queries, statistics, reminders and CSV export.

Every method releases the GIL while the core works, so one ``Registry`` can serve many threads.
"""

from __future__ import annotations

import errno
import json
import os
from datetime import datetime
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from . import _fields, _native
from ._convert import dumps, instant, path_text
from ._errors import (
    ArgumentError,
    ArgumentTypeError,
    GradregError,
    StorageOSError,
    _from_json,
    error_code,
)
from .limits import Limits
from .limits import _json as limits_json
from .lifecycle import (
    Actor,
    Command,
    Event,
    Outcome,
    Policy,
    Registration,
    Reminder,
    ReminderOptions,
    _actor_json,
    _command_json,
    _need,
    _policy_json,
)
from .notify import NotifyMixin
from .records import BasicInfo
from .roster import (
    AliasesSource,
    HeaderAliases,
    ImportReport,
    RosterSource,
    _aliases,
    read_source,
    read_text,
)

if TYPE_CHECKING:
    from .codes import KeyRing, Verdict

__all__ = [
    "Registry",
    "DataKeys",
    "CohortKey",
    "CohortRegistration",
    "Summary",
    "Placement",
    "Statistics",
    "PendingVoidRequest",
    "LoginReasonNote",
    "CannotLogIn",
    "VoidApproval",
    "UploadResult",
    "AuditRecord",
    "AuditReport",
    "RowProblem",
    "RefusedRow",
    "DestinationImportReport",
    "PublishedStatusList",
    "DEFAULT_FILE_NAME",
]

#: The database file created inside a folder given to ``Registry.open`` (the core's rule).
DEFAULT_FILE_NAME: str = _native.DEFAULT_FILE_NAME

PathLike = Union[str, "os.PathLike[str]"]



def _office_of(schools: "set[str]") -> Actor:
    """The default uploader: the employment office of the one school the records name."""
    named = sorted(x for x in schools if x)
    if len(named) > 1:
        raise ArgumentError(
            f"records of {len(named)} schools ({', '.join(named)}): pass the uploading actor",
            error_code("invalid_argument"),
        )
    return Actor.school_office("gradreg-python", named[0] if named else "")

class Summary(_fields.Summary):
    """The query columns of one registration."""


class Placement(_fields.Placement):
    """Placement (落实率) of one group: ``rate = placed / graduates``."""


class Statistics(_fields.Statistics):
    """Counts by stage and destination code, and placement by college and major."""


class PendingVoidRequest(_fields.PendingVoidRequest):
    """A void request awaiting a counselor's (``awaiting_college``) or a school office's
    (``awaiting_school``) decision."""


class LoginReasonNote(_fields.LoginReasonNote):
    """One reason a graduate cannot log in (``reason``), with its remedy in Chinese and English."""


class CannotLogIn(_fields.CannotLogIn):
    """A graduate who cannot log in now, whatever the stage, with every reason."""


class VoidApproval(_fields.VoidApprovalJson):
    """One id's result of ``Registry.approve_void_requests``: the request's ``void_stage`` after
    the approval, or the ``error`` that refused it."""

    @property
    def ok(self) -> bool:
        """Whether the approval was accepted."""
        return self.error is None


class UploadResult(_fields.UploadResultJson):
    """What happened to one record of an upload: ``created``, ``corrected``, ``unchanged`` or
    ``refused`` (then ``error`` says why)."""

    @property
    def ok(self) -> bool:
        """Whether the record was accepted."""
        return self.result != "refused"


class AuditRecord(_fields.AuditRecordJson):
    """A stored audit entry with its place in the hash chain (hashes in hex)."""


class RowProblem(_fields.RowProblem):
    """A stored registration or number-index entry that does not match the audit log:
    ``registration_id``, ``fault`` (``tampered``: edited or rolled back; ``missing``: its row
    was deleted; ``unrecorded``: a row without an audit record; ``number_missing`` /
    ``number_stray``: the number index lost or gained ``number``; ``summary_mismatch``: the
    query columns kept beside it were edited)."""


class AuditReport(_fields.AuditReportJson):
    """The result of checking the audit chain. ``fault`` is ``edited``, ``removed``,
    ``reordered``, ``truncated`` or (against a kept head) ``diverged`` at record ``fault_seq``;
    ``row_faults`` lists the stored registrations and number-index entries that do not match the
    log (each with ``registration_id``, ``fault`` — ``tampered``, ``missing``, ``unrecorded``,
    ``number_missing``, ``number_stray`` — and ``number`` for the index faults); ``unbound``
    counts registrations last written before registrations were bound to the log."""

    @property
    def intact(self) -> bool:
        """Whether the chain, and every stored registration checked against it, is intact."""
        return self.fault is None and not self.row_faults


class PublishedStatusList(_fields.PublishedListJson):
    """A signed status list as the registry publishes it: its id (``list``, format-2 tokens
    point at it), the signed ``text`` (``GS1.…``) and how many entries are ``not_in_force``."""


class RefusedRow(_fields.RefusedRow):
    """A destination row the registry refused: no such registration, an identity that
    disagrees with it, or a refusal by the state machine; ``code`` is the error's code."""


class DestinationImportReport(_fields.DestinationImportReport):
    """What a destination import did: rows ``reported`` (first reports or updates),
    ``unchanged`` and ``rejected``; ``problems`` names every bad cell and every refused row,
    ``refused`` the registry's refusals with their error, ``notices`` every value read in
    canonical form, ``columns`` which column became which field."""

    def ok(self) -> bool:
        """Whether nothing was rejected."""
        return self.rejected == 0


def _path(path: Any) -> str:
    return path_text(path, "path")


def _store_url(given: Any, text: str) -> Optional[Tuple[str, str]]:
    """The kind of store a ``str`` names by URL (``memory``, ``sqlite`` with the path after
    the scheme, ``postgres`` or ``other`` for another ``scheme://``), or ``None`` for a plain
    path (a ``PathLike`` is always a path)."""
    if not isinstance(given, str):
        return None
    if text in ("memory:", "memory://"):
        return ("memory", "")
    for prefix in ("sqlite://", "sqlite:"):
        if text.startswith(prefix):
            rest = text[len(prefix) :]
            if not rest:
                return ("other", "")
            return ("sqlite", rest)
    if text.startswith(("postgres://", "postgresql://")):
        return ("postgres", text)
    scheme, sep, _ = text.partition("://")
    if sep and scheme and all(c.isascii() and (c.isalnum() or c in "+-.") for c in scheme):
        return ("other", "")
    return None


#: Data keys for ``Registry.open``: key id → 32 bytes (``bytes``, or text as 64 hexadecimal
#: digits or base64), as a mapping or as pairs.
DataKeys = Union[Mapping[int, Union[bytes, str]], Sequence[Tuple[int, Union[bytes, str]]]]


def _data_keys(keys: Optional[DataKeys]) -> Optional[List[Tuple[int, str]]]:
    """The data keys as the native module takes them: ``(id, text)`` pairs."""
    if keys is None:
        return None
    pairs: Iterable[Any] = keys.items() if isinstance(keys, Mapping) else keys
    if isinstance(pairs, (str, bytes)):
        raise ArgumentTypeError("data_keys must be a mapping of key id to key, or pairs")
    out: List[Tuple[int, str]] = []
    bad = error_code("data_key_invalid")
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise ArgumentTypeError("data_keys must hold (id, key) pairs")
        kid, key = pair
        if isinstance(kid, bool) or not isinstance(kid, int) or not 1 <= kid <= 0xFFFFFFFF:
            raise ArgumentError(f"a data key id is an int from 1 to 2**32-1, got {kid!r}", bad)
        if isinstance(key, (bytes, bytearray)):
            if len(key) != 32:
                raise ArgumentError(f"data key {kid} has {len(key)} bytes; a data key has 32", bad)
            out.append((kid, bytes(key).hex()))
        elif isinstance(key, str):
            try:
                key.encode("utf-8")
            except UnicodeEncodeError:
                raise ArgumentError(f"data key {kid} is not valid text", bad) from None
            out.append((kid, key))
        else:
            raise ArgumentTypeError(f"data key {kid} must be bytes or str, got {type(key).__name__}")
    return out


def _os_error(e: OSError) -> OSError:
    """Marks a built-in ``OSError`` with the storage I/O code (``io``)."""
    try:
        e.code = error_code("io")  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - OSError instances accept attributes
        pass
    return e


def _write(dest: Any, data: bytes) -> None:
    """Writes bytes to a binary file object or to a path; file errors carry ``.code`` 507."""
    if hasattr(dest, "write"):
        try:
            dest.write(data)
        except OSError as e:
            raise _os_error(e)
    else:
        try:
            with open(_path(dest), "wb") as f:
                f.write(data)
        except OSError as e:
            raise _os_error(e)


def _version(v: Any) -> Optional[int]:
    """An expected version: None, or an int from 0 to 2**64 - 1."""
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise ArgumentTypeError(f"expected_version must be int or None, got {type(v).__name__}")
    if not 0 <= v < 2**64:
        raise ArgumentError(
            f"expected_version {v} is outside 0 to 2**64 - 1 / 版本号超出范围",
            error_code("invalid_argument"),
        )
    return v
def _audit_key(key: Any) -> Optional[str]:
    """An audit key as the native module takes it: hex text (bytes are turned into hex)."""
    if key is None:
        return None
    if isinstance(key, (bytes, bytearray)):
        return bytes(key).hex()
    return str(_need(str, "audit_key", key))


def _opt_str(name: str, v: Any) -> Optional[str]:
    if v is not None and not isinstance(v, str):
        raise ArgumentTypeError(f"{name} must be str or None, got {type(v).__name__}")
    return v


class CohortKey(NamedTuple):
    """The cohort of a registration: one ID number holds one registration per cohort."""

    #: Graduation year (the year of 毕业日期).
    graduation_year: int
    #: 学历代码 (``"31"`` 本科生毕业, ``"11"`` 硕士生毕业 …).
    education_level: str


class CohortRegistration(NamedTuple):
    """One registration of an ID number with the cohort it belongs to."""

    #: Its cohort (``None`` only without basic information).
    cohort: Optional[CohortKey]
    #: The registration.
    registration: Registration




def _with_subset(
    query: str,
    school: Optional[str],
    education_level: Optional[str],
    graduation_year: Optional[int],
    logged_in: Optional[bool],
    can_log_in: Optional[bool],
    destination_category: Optional[str],
) -> str:
    """``query`` (JSON) with the filters of a school, a cohort, the login state and a
    destination added."""
    q: Dict[str, Any] = json.loads(query)
    if school is not None:
        q["school"] = _need(str, "school", school)
    if education_level is not None:
        q["education_level"] = _need(str, "education_level", education_level)
    if graduation_year is not None:
        q["graduation_year"] = _need(int, "graduation_year", graduation_year)
    if logged_in is not None:
        q["logged_in"] = _need(bool, "logged_in", logged_in)
    if can_log_in is not None:
        q["can_log_in"] = _need(bool, "can_log_in", can_log_in)
    if destination_category is not None:
        q["destination_category"] = _need(str, "destination_category", destination_category)
    return dumps(q)


class Registry(NotifyMixin):
    """The registry. ``Registry.open(folder_or_file)`` keeps it in SQLite;
    ``Registry.in_memory()`` for tests. Usable as a context manager. The notification methods
    (consumer cursors, ``mark_sent``, ``deliver_webhook``) come from ``gradreg.notify``."""

    def __init__(self, native: Any, path: Optional[str] = None) -> None:
        self._native = native
        #: The database file, or ``None`` in memory.
        self.path = path

    @classmethod
    def open(
        cls,
        path: PathLike,
        policy: Optional[Policy] = None,
        audit_key: Optional[Union[bytes, str]] = None,
        data_keys: Optional[DataKeys] = None,
    ) -> "Registry":
        """Opens (creating when absent) the registry at ``path``: a database file, or a folder
        that gets ``gradreg.sqlite3`` (the core's rule, the same in every face). ``path`` may
        also be a store URL (a ``str``): ``memory:`` (a registry in memory), ``sqlite:PATH``
        (the same as ``PATH``) or ``postgres://user:password@host:port/database`` (a
        PostgreSQL server, in a build of the native module with the core's ``postgres``
        feature; without it ``ArgumentError`` 103). Another ``scheme://`` is refused
        (``ArgumentError``, 103). A missing
        parent folder raises ``FileNotFoundError`` (``.code`` 507); a file that is not a
        registry, or an existing file of 0 bytes, raises ``StorageError`` (505).

        ``audit_key`` (at least 16 bytes, or their hex) keys the audit chain with HMAC-SHA256, so
        that nobody without the key can edit the file and recompute the chain: a new registry is
        keyed for good, and a keyed registry opens only with its key (``StorageError``, 515 —
        also for a key given to a registry started without one). Keep the key outside the file,
        as safely as the signing keys.

        ``data_keys`` encrypts personal data at rest: a mapping (or pairs) of key id (1 or
        more) to a 32-byte key, as ``bytes`` or as text (64 hexadecimal digits or base64). The
        host keeps the keys (a secrets manager, an HSM-wrapped file); the library never writes
        them. The key with the highest id seals new values and every key opens what it sealed.
        With keys, each record, audit entry, event and ID number is sealed in the file
        (XChaCha20-Poly1305) and ID numbers are found through a keyed hash; names, schools,
        colleges, majors and codes stay clear for queries. A file written without keys is
        encrypted in place when first opened with them. A file written with keys raises
        ``StorageError`` with ``.code`` 518 (``data_key_missing``) when opened without them and
        519 (``data_key_wrong``) when no given key opens it; a tampered value raises 520
        (``undecryptable``) when read. A malformed key raises ``ArgumentError`` 131
        (``data_key_invalid``), an empty ring or a repeated id 132 (``data_key_ring_invalid``)."""
        p = _path(path)
        keys = _data_keys(data_keys)
        url = _store_url(path, p)
        if url is not None:
            kind, rest = url
            if kind == "sqlite":
                p = rest
            else:
                native = _native.NativeRegistry.open_url(
                    p, _policy_json(policy), _audit_key(audit_key), keys
                )
                return cls(native, None)
        try:
            db = os.fspath(_native.database_path(p))
        except StorageOSError as e:
            raise _os_error(FileNotFoundError(errno.ENOENT, e.message, p)) from None
        return cls(
            _native.NativeRegistry.open(db, _policy_json(policy), _audit_key(audit_key), keys), db
        )

    def rotate_data_key(self, batch_size: int = 1000) -> int:
        """Re-seals every value not yet sealed by the newest data key (open the registry with
        the new key, the highest id, beside the old ones), in transactions of at most
        ``batch_size`` rows per table, and returns how many values were re-sealed. An
        interruption loses nothing: each batch commits whole and the old keys still open the
        rest; call again to finish, then the old keys may be dropped. Without data keys: 0."""
        if isinstance(batch_size, bool) or _need(int, "batch_size", batch_size) < 1:
            raise ArgumentError("batch_size must be at least 1", error_code("invalid_argument"))
        return int(self._n.rotate_data_key(min(batch_size, 2**31)))

    @classmethod
    def in_memory(
        cls, policy: Optional[Policy] = None, audit_key: Optional[Union[bytes, str]] = None
    ) -> "Registry":
        """A registry in memory (its audit chain keyed with ``audit_key`` when given)."""
        return cls(_native.NativeRegistry.in_memory(_policy_json(policy), _audit_key(audit_key)))

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Releases the database (also done when the object is collected)."""
        self._native = None

    @property
    def _n(self) -> Any:
        if self._native is None:
            raise GradregError("registry is closed / 登记库已关闭", error_code("invalid_argument"))
        return self._native

    @property
    def policy(self) -> Policy:
        """The policy in use."""
        return Policy.from_dict(json.loads(self._n.policy()))

    def apply(
        self,
        id: str,
        actor: Actor,
        command: Command,
        now: Optional[datetime] = None,
        *,
        expected_version: Optional[int] = None,
    ) -> Outcome:
        """Applies a command to registration ``id`` and commits it (retrying on a concurrent
        change); raises ``StateError`` when the state machine refuses.

        With ``expected_version`` (the ``version`` of the registration your user saw), the
        command commits only if the registration is still at that version: otherwise
        ``ConflictError`` and nothing changes, so that two offices correcting the same record
        from one version never both succeed (read it again and decide afresh)."""
        out = self._n.apply(
            _need(str, "id", id),
            _actor_json(actor),
            _command_json(command),
            instant(now),
            _version(expected_version),
        )
        return Outcome._from_core(json.loads(out))

    def apply_batch(
        self,
        commands: Iterable[
            Union[Tuple[str, Actor, Command], Tuple[str, Actor, Command, Optional[int]]]
        ],
        now: Optional[datetime] = None,
    ) -> List[Union[Outcome, GradregError]]:
        """Applies many ``(id, actor, command)`` in one transaction, in order; each result is
        the outcome or the exception (not raised) of a refused command. A fourth member,
        ``expected_version``, refuses that command with ``ConflictError`` unless the
        registration is at that version when its turn comes (earlier commands of the batch
        count)."""
        items = []
        for item in commands:
            if not isinstance(item, tuple) or len(item) not in (3, 4):
                raise ArgumentTypeError(
                    "apply_batch needs (id, actor, command[, expected_version]) tuples"
                )
            rid, actor, command = item[:3]
            entry = [
                _need(str, "id", rid),
                json.loads(_actor_json(actor)),
                json.loads(_command_json(command)),
            ]
            if len(item) == 4:
                entry.append(_version(item[3]))
            items.append(entry)
        out = json.loads(self._n.apply_batch(dumps(items), instant(now)))
        return [
            Outcome._from_core(r["ok"]) if "ok" in r else _from_json(r["error"]) for r in out
        ]

    def upload(
        self,
        records: Union[Mapping[str, BasicInfo], Iterable[Tuple[str, BasicInfo]]],
        actor: Optional[Actor] = None,
        now: Optional[datetime] = None,
        all_or_nothing: bool = False,
    ) -> List[UploadResult]:
        """Uploads basic information, ``{key: BasicInfo}`` or ``(key, BasicInfo)`` pairs, in one
        transaction: new keys are created, changed records corrected, identical ones left.
        Refused records are reported (``result == "refused"``) and left out; with
        ``all_or_nothing`` any refusal leaves the registry untouched. Without ``actor`` the
        uploader is the employment office of the records' school (records of several schools
        need an ``actor``; each is refused unless of the actor's school)."""
        pairs: Sequence[Tuple[str, BasicInfo]]
        if isinstance(records, Mapping):
            pairs = list(records.items())
        else:
            pairs = list(records)
        body = []
        for item in pairs:
            if not isinstance(item, tuple) or len(item) != 2:
                raise ArgumentTypeError("upload needs (key, BasicInfo) pairs")
            key, info = item
            _need(str, "key", key)
            _need(BasicInfo, "info", info)
            info._check_types()
            body.append([key, info.to_dict()])
        who = actor if actor is not None else _office_of({i.school_code for _, i in pairs})
        out = json.loads(
            self._n.upload_batch(
                dumps(body), _actor_json(who), instant(now), bool(all_or_nothing)
            )
        )
        return [UploadResult._from_core(r) for r in out]

    def roster_school(self, source: RosterSource, format: str = "auto", encoding: str = "auto") -> str:
        """The one school (院校代码) the rows of a roster name, ``""`` when none does; a roster of
        several schools raises ``ArgumentError``. An import without ``actor`` is made by this
        school's employment office."""
        for name, v in (("format", format), ("encoding", encoding)):
            _need(str, name, v)
        return str(self._n.roster_school(read_source(source), format, encoding))

    def _default_office(
        self, data: bytes, format: str, encoding: str, limits: Optional[str] = None
    ) -> Actor:
        return Actor.school_office(
            "gradreg-python", self._n.roster_school(data, format, encoding, limits)
        )

    def import_roster(
        self,
        source: RosterSource,
        actor: Optional[Actor] = None,
        now: Optional[datetime] = None,
        mode: str = "all_or_nothing",
        format: str = "auto",
        encoding: str = "auto",
        limits: Optional[Limits] = None,
    ) -> ImportReport:
        """Imports a roster (a CSV or XLSX path, its bytes, or a binary file): every record
        becomes a registration keyed ``school_code:student_number``; re-importing the same file
        changes nothing. ``mode`` ``all_or_nothing`` imports nothing when any cell is bad;
        ``good_rows`` imports the good rows and reports the rest. Without ``actor`` the uploader
        is the employment office of the roster's school (a roster of several schools needs an
        ``actor``). ``limits`` bounds the file (``Limits``; the process's default when
        ``None``): past one, ``LimitError``. Parsing and storing run with the GIL released."""
        data = read_source(source, limits)
        for name, v in (("mode", mode), ("format", format), ("encoding", encoding)):
            _need(str, name, v)
        lim = limits_json(limits)
        who = actor or self._default_office(data, format, encoding, lim)
        raw = self._n.import_roster(
            data, format, encoding, mode, _actor_json(who), instant(now), lim
        )
        return ImportReport._from_core(json.loads(raw))

    def preview_roster(
        self,
        source: RosterSource,
        actor: Optional[Actor] = None,
        now: Optional[datetime] = None,
        mode: str = "all_or_nothing",
        format: str = "auto",
        encoding: str = "auto",
        limits: Optional[Limits] = None,
    ) -> ImportReport:
        """A dry run of ``import_roster`` with the same arguments: the same report — every
        problem and notice, which column became which field, how many registrations would be
        created, corrected or left unchanged, the rows the registry would refuse — with
        ``dry_run`` true and nothing stored."""
        data = read_source(source, limits)
        for name, v in (("mode", mode), ("format", format), ("encoding", encoding)):
            _need(str, name, v)
        lim = limits_json(limits)
        who = actor or self._default_office(data, format, encoding, lim)
        raw = self._n.preview_roster(
            data, format, encoding, mode, _actor_json(who), instant(now), lim
        )
        return ImportReport._from_core(json.loads(raw))

    def import_destinations(
        self,
        source: RosterSource,
        actor: Optional[Actor] = None,
        now: Optional[datetime] = None,
        mode: str = "all_or_nothing",
        format: str = "auto",
        encoding: str = "auto",
        limits: Optional[Limits] = None,
    ) -> DestinationImportReport:
        """Imports a destination export of the provincial platform (a CSV or XLSX path, its
        bytes, or a binary file): each row names a registration — by 学号 + 院校代码 or by
        身份证号 — and reports its destination, archive transfer and hukou migration as
        ``actor`` (by default ``Actor.provincial_platform("gradreg-python")``). ``mode``
        ``all_or_nothing`` stores nothing when any cell is bad or any row is refused;
        ``good_rows`` stores the good rows and reports the rest. Importing the same file again
        changes nothing (``unchanged``). The export of ``export_records`` reads back as it was
        written."""
        data = read_source(source, limits)
        for name, v in (("mode", mode), ("format", format), ("encoding", encoding)):
            _need(str, name, v)
        who = actor if actor is not None else Actor.provincial_platform("gradreg-python")
        raw = self._n.import_destinations(
            data, format, encoding, mode, _actor_json(who), instant(now), limits_json(limits)
        )
        return DestinationImportReport._from_core(json.loads(raw))

    def add_header_aliases(self, tsv: str) -> None:
        """Adds roster headers to this registry's header table (imports and previews read
        with it), from ``header<TAB>field[<TAB>name]`` lines; ``#`` starts a comment. A bad line
        raises ``ArgumentError`` naming it, and the table stays as it was. Other registries,
        and ``parse_roster`` without ``aliases``, are not affected."""
        self._n.add_header_aliases(_need(str, "tsv", tsv))

    def load_header_aliases(self, path: PathLike) -> None:
        """Adds roster headers from a file an office keeps (the lines of
        ``add_header_aliases``, UTF-8). A file that cannot be read raises the built-in
        ``OSError`` (``FileNotFoundError`` …) with ``.code`` ``roster_io`` (113)."""
        self._n.add_header_aliases(read_text(path))

    @property
    def header_aliases(self) -> HeaderAliases:
        """A copy of this registry's roster header table."""
        return HeaderAliases._wrap(self._n.header_aliases())

    def set_header_aliases(self, aliases: AliasesSource) -> None:
        """Replaces this registry's header table: a ``HeaderAliases``, or TSV text or a TSV
        file's path whose lines are added to the built-in table."""
        table = _aliases(aliases)
        if table is None:
            raise ArgumentTypeError("aliases must be HeaderAliases, TSV text or a path, got None")
        self._n.set_header_aliases(table._native)

    def load_table(self, table: str, tsv: str, replace: bool = False) -> None:
        """Adds rows to one of this registry's code tables (``table`` one of ``TABLES``:
        ``ethnicities``, ``destinations`` …) from ``code<TAB>name[<TAB>category]`` lines, or
        with ``replace`` replaces the table. Imports, uploads and verification in this registry
        use the new rows; other registries and the module-level functions keep the built-in
        tables. A bad line raises ``ArgumentError`` and changes nothing."""
        self._n.load_table(_need(str, "table", table), _need(str, "tsv", tsv), bool(replace))

    def code_name(self, table: str, code: str) -> Optional[str]:
        """The name of ``code`` in one of this registry's code tables, or ``None``."""
        name = self._n.code_name(_need(str, "table", table), _need(str, "code", code))
        return None if name is None else str(name)

    def verify_online(
        self,
        verifier: Actor,
        name: str,
        number: str,
        now: Optional[datetime] = None,
        limit: int = 10,
        window_seconds: int = 3600,
        *,
        principal: str,
        number_limit: int = 10,
        number_ceiling: int = 100,
    ) -> "Verdict":
        """Online verification (核验) by a department: the graduate's name with a verification
        number or a transfer number (``ZD-…``).

        ``principal`` is the identity your host authenticated for the caller (its login, client
        certificate subject or API key owner) — never a value taken from the request; ``verifier``
        (the department) gives the section only. An unknown number and a wrong name give the same
        ``no_match`` through the same work. Failures are limited within ``window_seconds`` per
        principal (``limit``, on any number) and per number: past ``number_limit`` failures on a
        number from anyone, a principal that failed on it itself gets ``rate_limited`` while one
        with a clean record is still answered; past ``number_ceiling`` everyone is refused. The
        count, the lookup and the record are one transaction, and a refusal never tells whether
        the name was right. A typed number with a wrong check symbol is a ``typo``. A blank or
        over-long principal, or one with control characters, raises ``ArgumentError``."""
        from .codes import Verdict

        _need(Actor, "verifier", verifier)
        raw = self._n.verify_online(
            verifier._wire(),
            _need(str, "name", name),
            _need(str, "number", number),
            instant(now),
            _need(int, "limit", limit),
            _need(int, "window_seconds", window_seconds),
            principal=_need(str, "principal", principal),
            number_limit=_need(int, "number_limit", number_limit),
            number_ceiling=_need(int, "number_ceiling", number_ceiling),
        )
        return Verdict.from_dict(json.loads(raw))

    def verify_scanned(
        self,
        token: str,
        keyring: "KeyRing",
        verifier: Actor,
        now: Optional[datetime] = None,
        required_prefix: Optional[str] = None,
        leeway_seconds: int = 300,
        printed_number: Optional[str] = None,
        holder_name: Optional[str] = None,
    ) -> "Verdict":
        """Verifies a scanned QR token against the registry (revoked and superseded
        authorizations never verify as valid). ``printed_number`` (the number printed on the
        form) and ``holder_name``, when given, must be the token's, else ``holder_mismatch``."""
        from .codes import KeyRing, Verdict

        _need(KeyRing, "keyring", keyring)
        _need(Actor, "verifier", verifier)
        raw = self._n.verify_scanned(
            _need(str, "token", token),
            keyring._n,
            verifier._wire(),
            instant(now),
            _opt_str("required_prefix", required_prefix),
            _need(int, "leeway_seconds", leeway_seconds),
            _opt_str("printed_number", printed_number),
            _opt_str("holder_name", holder_name),
        )
        return Verdict.from_dict(json.loads(raw))

    def issue_token(
        self,
        key_ring: "KeyRing",
        number: str,
        section: str,
        prefix: str = "",
        embed_disclosure: bool = False,
        version: int = 1,
        now: Optional[datetime] = None,
    ) -> str:
        """The signed QR token of ``section`` (``archive`` or ``hukou``) of authorization
        ``number``, signed with the ring's active key, under the rules of the form itself: a
        revoked, superseded or expired authorization gets none. The key that signed is recorded
        (``signing_keys``). ``version`` 2 makes a format-2 token (``GR2.``) pointing at the
        authorization's entry of the issuer's status lists (``status_lists``), so that a
        verifier holding them checks revocation offline."""
        from .codes import KeyRing, _version

        _need(KeyRing, "key_ring", key_ring)
        return str(
            self._n.issue_token(
                key_ring._n,
                _need(str, "number", number),
                _need(str, "section", section),
                instant(now),
                _need(str, "prefix", prefix),
                _need(bool, "embed_disclosure", embed_disclosure),
                _version(version),
            )
        )

    def signing_keys(self, number: str) -> List[Tuple[int, datetime]]:
        """The keys that signed tokens of authorization ``number``, with the first time each
        did."""
        from ._convert import parse_instant

        raw = json.loads(self._n.signing_keys(_need(str, "number", number)))
        return [(int(k), parse_instant(at)) for k, at in raw]

    def status_lists(
        self,
        key_ring: "KeyRing",
        now: Optional[datetime] = None,
        next_update: Optional[datetime] = None,
    ) -> List[PublishedStatusList]:
        """The issuer's status lists as of ``now``, signed with the ring's active key and
        valid until ``next_update`` (by default one day after ``now``): an entry per
        authorization that got a format-2 token, revoked or superseded as the registry says.
        Publish them with the key set; verifiers pass them to ``StatusLists.add``."""
        from datetime import timedelta, timezone

        from .codes import KeyRing

        _need(KeyRing, "key_ring", key_ring)
        at = now if now is not None else datetime.now(timezone.utc)
        until = next_update if next_update is not None else at + timedelta(days=1)
        raw = json.loads(self._n.status_lists(key_ring._n, instant(at), instant(until)))
        return [PublishedStatusList.from_dict(d) for d in raw]

    def get(self, id: str) -> Registration:
        """One registration; raises ``StorageError`` (503) when absent."""
        found = self.find(id)
        if found is None:
            raise _from_json(
                {
                    "code": error_code("not_found"),
                    "message": f"没有该登记 / no registration {id}",
                    "detail": None,
                }
            )
        return found

    def find(self, id: str) -> Optional[Registration]:
        """One registration, or ``None``."""
        raw = self._n.find(_need(str, "id", id))
        return None if raw is None else Registration._from_core(json.loads(raw))

    def find_by_id_number(self, id_number: str) -> List[CohortRegistration]:
        """Every registration of an ID number (any case), one per cohort, newest cohort first:
        a graduate with a bachelor's degree in 2024 and a master's in 2026 has two. Each item
        says its ``cohort`` (graduation year and education level) beside the ``registration``;
        an unknown number gives an empty list."""
        raw = json.loads(self._n.find_by_id_number(_need(str, "id_number", id_number)))
        return [
            CohortRegistration(
                cohort=None if d["cohort"] is None else CohortKey(**d["cohort"]),
                registration=Registration._from_core(d["registration"]),
            )
            for d in raw
        ]

    def find_by_id_number_in(
        self, id_number: str, graduation_year: int, education_level: str
    ) -> Optional[Registration]:
        """The registration of an ID number in one cohort (graduation year and 学历代码 such as
        ``"31"`` 本科生毕业 or ``"11"`` 硕士生毕业), or ``None``."""
        raw = self._n.find_by_id_number_in(
            _need(str, "id_number", id_number),
            _need(int, "graduation_year", graduation_year),
            _need(str, "education_level", education_level),
        )
        return None if raw is None else Registration._from_core(json.loads(raw))

    def find_by_number(self, number: str) -> Optional[Registration]:
        """The registration holding a verification number, or ``None``; a typo raises
        ``VerificationError`` (302)."""
        raw = self._n.find_by_number(_need(str, "number", number))
        return None if raw is None else Registration._from_core(json.loads(raw))

    def _query(
        self,
        stages: Optional[Iterable[str]],
        college: Optional[str],
        major_code: Optional[str],
        late: Optional[bool],
        awaiting_confirmation_days: Optional[int],
    ) -> str:
        if isinstance(stages, str):
            stages = [stages]
        q: Dict[str, Any] = {
            "stages": [_need(str, "stage", s) for s in (stages or [])],
            "college": _opt_str("college", college),
            "major_code": _opt_str("major_code", major_code),
        }
        if late is not None:
            q["late"] = _need(bool, "late", late)
        if awaiting_confirmation_days is not None:
            q["awaiting_confirmation_days"] = _need(
                int, "awaiting_confirmation_days", awaiting_confirmation_days
            )
        return dumps(q)

    def query(
        self,
        stages: Optional[Iterable[str]] = None,
        college: Optional[str] = None,
        major_code: Optional[str] = None,
        late: Optional[bool] = None,
        awaiting_confirmation_days: Optional[int] = None,
        now: Optional[datetime] = None,
        *,
        school: Optional[str] = None,
        education_level: Optional[str] = None,
        graduation_year: Optional[int] = None,
        logged_in: Optional[bool] = None,
        can_log_in: Optional[bool] = None,
        destination_category: Optional[str] = None,
    ) -> List[Summary]:
        """Summaries by stage (any of ``stages``), school, college, major, cohort (graduation year,
        education level), login state whatever the stage (``logged_in``, ``can_log_in``) and
        destination (``destination_category``: a two-digit code matches its sub-codes too),
        ordered by id."""
        q = self._query(stages, college, major_code, late, awaiting_confirmation_days)
        q = _with_subset(
            q, school, education_level, graduation_year, logged_in, can_log_in,
            destination_category,
        )
        return [Summary._from_core(s) for s in json.loads(self._n.query(q, instant(now)))]

    def late(self, now: Optional[datetime] = None) -> List[Summary]:
        """Registrations reported late, or with nothing reported after the deadline."""
        return [Summary._from_core(s) for s in json.loads(self._n.late(instant(now)))]

    def stuck(self, days: int, now: Optional[datetime] = None) -> List[Summary]:
        """Registrations whose destination has awaited confirmation for at least ``days``."""
        return self.query(awaiting_confirmation_days=days, now=now)

    def statistics(self, now: Optional[datetime] = None) -> Statistics:
        """Counts by stage and destination, and placement rates by college and major."""
        return Statistics._from_core(json.loads(self._n.statistics(instant(now))))

    def statistics_for(
        self,
        school: Optional[str] = None,
        college: Optional[str] = None,
        major_code: Optional[str] = None,
        education_level: Optional[str] = None,
        graduation_year: Optional[int] = None,
        stages: Optional[Iterable[str]] = None,
        logged_in: Optional[bool] = None,
        destination_category: Optional[str] = None,
        now: Optional[datetime] = None,
    ) -> Statistics:
        """The statistics of a subset: one school, one cohort (graduation year, education level)
        and so on. With no filter, the whole registry's."""
        q = self._query(stages, college, major_code, None, None)
        q = _with_subset(
            q, school, education_level, graduation_year, logged_in, None, destination_category
        )
        raw = _native.registry_statistics_for(self._n, q, instant(now))
        return Statistics._from_core(json.loads(raw))

    def pending_void_requests(
        self, actor: Actor, now: Optional[datetime] = None
    ) -> List[PendingVoidRequest]:
        """The void requests awaiting ``actor``'s decision, oldest first: a counselor's at the
        college stage in their college of their school, a school office's at the school stage
        in its school. Other actors raise ``ForbiddenError`` (201)."""
        raw = _native.registry_pending_void_requests(self._n, _actor_json(actor), instant(now))
        return [PendingVoidRequest._from_core(v) for v in json.loads(raw)]

    def approve_void_requests(
        self,
        actor: Actor,
        ids: Iterable[str],
        note: str = "",
        now: Optional[datetime] = None,
    ) -> List[VoidApproval]:
        """Approves the void requests of ``ids`` as ``actor`` with one note, in one transaction:
        one result per id, in order; the accepted ones commit together."""
        if isinstance(ids, str):
            ids = [ids]
        body = dumps([_need(str, "id", i) for i in ids])
        raw = _native.registry_approve_void_requests(
            self._n, _actor_json(actor), body, _need(str, "note", note), instant(now)
        )
        return [VoidApproval._from_core(v) for v in json.loads(raw)]

    def cannot_log_in(self, actor: Actor, now: Optional[datetime] = None) -> List[CannotLogIn]:
        """The graduates in ``actor``'s scope (a counselor's college of their school, a school
        office's school) who cannot log in now, whatever their stage, with every reason and its
        remedy."""
        raw = _native.registry_cannot_log_in(self._n, _actor_json(actor), instant(now))
        return [CannotLogIn._from_core(v) for v in json.loads(raw)]

    def unconfirmed(
        self, actor: Actor, days: int, now: Optional[datetime] = None
    ) -> List[Summary]:
        """The registrations in ``actor``'s scope whose destination has awaited confirmation
        for at least ``days``."""
        raw = _native.registry_unconfirmed(
            self._n, _actor_json(actor), _need(int, "days", days), instant(now)
        )
        return [Summary._from_core(s) for s in json.loads(raw)]

    def reminders(
        self, now: Optional[datetime] = None, options: Optional[ReminderOptions] = None
    ) -> List[Reminder]:
        """The reminders due at ``now`` over the whole registry."""
        opts = options if options is not None else ReminderOptions()
        _need(ReminderOptions, "options", opts)
        out = self._n.reminders(instant(now), opts._wire())
        return [Reminder._from_core(r) for r in json.loads(out)]

    def csv_bytes(
        self,
        stages: Optional[Iterable[str]] = None,
        college: Optional[str] = None,
        major_code: Optional[str] = None,
        late: Optional[bool] = None,
        now: Optional[datetime] = None,
    ) -> bytes:
        """The matching registrations as CSV (UTF-8 with a BOM, ID numbers masked)."""
        q = self._query(stages, college, major_code, late, None)
        _, data = self._n.export_csv(q, instant(now))
        return bytes(data)

    def export_csv(
        self,
        dest: Union[PathLike, IO[bytes]],
        stages: Optional[Iterable[str]] = None,
        college: Optional[str] = None,
        major_code: Optional[str] = None,
        late: Optional[bool] = None,
        now: Optional[datetime] = None,
    ) -> int:
        """Writes the matching registrations as CSV to a path or a binary file; returns the
        number of rows. File errors are the built-in ``OSError``s, with ``.code`` 507."""
        q = self._query(stages, college, major_code, late, None)
        n, data = self._n.export_csv(q, instant(now))
        _write(dest, data)
        return int(n)

    def records_bytes(
        self,
        format: str = "csv",
        stages: Optional[Iterable[str]] = None,
        college: Optional[str] = None,
        major_code: Optional[str] = None,
        late: Optional[bool] = None,
        now: Optional[datetime] = None,
    ) -> bytes:
        """The full export of the matching registrations: 登记号, 阶段 and every field — the
        basic information with the full ID number, the destination, archive transfer and hukou
        migration — under the headers ``import_roster`` and ``import_destinations`` read, as
        ``csv`` (UTF-8 with a BOM) or ``xlsx``."""
        q = self._query(stages, college, major_code, late, None)
        _, data = self._n.export_records(q, instant(now), _need(str, "format", format))
        return bytes(data)

    def export_records(
        self,
        dest: Union[PathLike, IO[bytes]],
        format: str = "csv",
        stages: Optional[Iterable[str]] = None,
        college: Optional[str] = None,
        major_code: Optional[str] = None,
        late: Optional[bool] = None,
        now: Optional[datetime] = None,
    ) -> int:
        """Writes the full export (see ``records_bytes``) to a path or a binary file; returns
        the number of registrations written. File errors are the built-in ``OSError``s, with
        ``.code`` 507."""
        q = self._query(stages, college, major_code, late, None)
        n, data = self._n.export_records(q, instant(now), _need(str, "format", format))
        _write(dest, data)
        return int(n)

    def audit(self, registration_id: Optional[str] = None) -> List[AuditRecord]:
        """The audit records of one registration (or all), oldest first."""
        raw = json.loads(self._n.audit(_opt_str("registration_id", registration_id)))
        return [AuditRecord._from_core(r) for r in raw]

    def check_audit(self, expected_head: Optional[str] = None) -> AuditReport:
        """Checks the whole audit chain and names the first edited, removed or reordered
        record; then every stored registration against the audit record that wrote it, and the
        number index against the registrations (``row_faults``). With ``expected_head`` (the
        text ``audit_head`` gave earlier, kept outside the file) it also finds a log cut short
        (``truncated``) or rewritten with its chain recomputed (``diverged``).

        A report that is not intact marks this registry damaged: its writes raise
        ``StorageError`` (516) until the file is repaired and opened again. Reading a
        registration that does not match its audit record raises ``StorageError`` (514), one
        that does not decode 505."""
        head = None if expected_head is None else _need(str, "expected_head", expected_head)
        return AuditReport.from_dict(json.loads(self._n.check_audit(head)))

    def audit_head(self) -> str:
        """The head of the audit chain as portable text
        (``gradreg-audit-head:1:<seq>:<64 hex digits>``): keep it outside the registry file — in
        another system, a log, a printout — and pass it to ``check_audit`` later."""
        return str(self._n.audit_head())

    def events_after(self, after: int = 0, limit: int = 1000) -> List[Tuple[int, Event]]:
        """The notification outbox: events after sequence number ``after``, at most ``limit``."""
        if _need(int, "after", after) < 0 or _need(int, "limit", limit) < 0:
            raise ArgumentError("after and limit must not be negative", error_code("invalid_argument"))
        raw = json.loads(self._n.events_after(after, limit))
        return [(seq, Event._from_core(e)) for seq, e in raw]
