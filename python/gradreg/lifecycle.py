"""The registration state machine: policies, actors, commands, registrations, ``apply`` and
reminders.

``apply`` is a pure function of the registration, the actor, the command, the instant and the
policy; it returns an ``Outcome`` (the new registration, events, audit entry) or raises a
``StateError`` that says why not.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Tuple

from . import _fields, _native
from ._convert import dumps, instant, parse_instant
from ._errors import ArgumentTypeError
from ._schema import Record
from .records import BasicInfo, ChsiAccount, DestinationData

__all__ = [
    "MonthDay",
    "Batch",
    "Deadlines",
    "ValidityBounds",
    "Policy",
    "Actor",
    "Command",
    "Sections",
    "Authorization",
    "VoidRequest",
    "ChangeOverride",
    "Registration",
    "Event",
    "AuditEntry",
    "Outcome",
    "ReminderOptions",
    "Reminder",
    "STAGES",
    "REMINDER_KINDS",
    "apply",
    "reminders",
]

#: Every stage of a registration, in process order (the core's ``Stage::ALL``).
STAGES: Tuple[str, ...] = tuple(json.loads(_native.constants())["stages"])


class MonthDay(_fields.MonthDay, frozen=True):
    """A day of the year, applied to a graduation year."""


class ValidityBounds(_fields.ValidityBounds, frozen=True):
    """Bounds of an authorization's validity period, in days (by default 1, 30 and 180)."""


class Batch(_fields.Batch, frozen=True):
    """A graduation batch: graduates of ``from_month``..``to_month`` register and change by its
    own deadlines, in the graduation year plus ``year_offset``."""


class Deadlines(_fields.Deadlines, frozen=True):
    """The deadlines of one graduate: those of their graduation batch (``batch``, ``None`` for
    the policy's default), as days and as the instants they pass."""


class Policy(_fields.Policy, frozen=True):
    """Deadlines, graduation batches and validity bounds. A deadline is the end of its day in
    UTC+8; a graduate in no batch has the policy's own deadlines of their graduation year."""

    @classmethod
    def jiangsu(cls) -> "Policy":
        """Jiangsu: register by 15 June, change by 15 August."""
        return cls.from_dict(json.loads(_native.policy_preset("jiangsu")))

    @classmethod
    def national(cls) -> "Policy":
        """The national default: register by 30 June, change by 31 August."""
        return cls.from_dict(json.loads(_native.policy_preset("national")))

    def check(self) -> None:
        """Raises ``ArgumentError`` (104) if a date does not exist every year or the bounds are
        out of order."""
        _native.normalize("policy", self._wire())

    def deadlines(self, graduation_date: str) -> Deadlines:
        """The deadlines of a graduate who graduates on ``graduation_date`` (``YYYY-MM-DD``):
        those of their graduation batch (a December graduate's are a year later under the
        presets), which late marking, the change deadline and reminders use."""
        if not isinstance(graduation_date, str):
            raise ArgumentTypeError(
                f"graduation_date must be str, got {type(graduation_date).__name__}"
            )
        raw = _native.policy_deadlines(self._wire(), graduation_date)
        return Deadlines.from_dict(json.loads(raw))

    def registration_deadline_end(self, year: int) -> datetime:
        """The instant the default registration deadline of ``year`` passes (graduates in no
        batch; ``deadlines`` gives a graduate's own)."""
        return parse_instant(_native.deadline_end(self._wire(), "registration", _year(year)))

    def change_deadline_end(self, year: int) -> datetime:
        """The instant the default change deadline of ``year`` passes (graduates in no batch;
        ``deadlines`` gives a graduate's own)."""
        return parse_instant(_native.deadline_end(self._wire(), "change", _year(year)))


def _year(year: Any) -> int:
    if not isinstance(year, int) or isinstance(year, bool):
        raise ArgumentTypeError(f"year must be int, got {type(year).__name__}")
    return year


class Actor(_fields.Actor, frozen=True):
    """Who acts. Build one with the class methods (``Actor.counselor("t001", "10327", "会计学院")``);
    ``role`` names the kind of actor, and each role has the fields the core gives it (checked
    when the actor is built)."""

    @classmethod
    def graduate(cls, id_number: str) -> "Actor":
        """The graduate, by the ID number of the CHSI account they logged in with."""
        return cls("graduate", id_number=id_number)

    @classmethod
    def chsi(cls) -> "Actor":
        """CHSI (学信网), reporting the graduate's own account."""
        return cls("chsi")

    @classmethod
    def counselor(cls, id: str, school: str, college: str) -> "Actor":
        """A counselor (辅导员) of one college of the school with 院校代码 ``school``; they act
        for that college of that school only."""
        return cls("counselor", id=id, school=school, college=college)

    @classmethod
    def school_office(cls, id: str, school: str) -> "Actor":
        """The employment office (学校就业部门) of the school with 院校代码 ``school``; it acts
        for that school's graduates only."""
        return cls("school_office", id=id, school=school)

    @classmethod
    def provincial_platform(cls, id: str) -> "Actor":
        """The provincial platform (such as 江苏24365 / 91job)."""
        return cls("provincial_platform", id=id)

    @classmethod
    def archive_dept(cls, id: str, name: str) -> "Actor":
        """An archive department (档案接收管理部门)."""
        return cls("archive_dept", id=id, name=name)

    @classmethod
    def hukou_dept(cls, id: str, name: str) -> "Actor":
        """A household-registration department (户籍接收管理部门)."""
        return cls("hukou_dept", id=id, name=name)


def _need(kind: type, name: str, value: Any) -> Any:
    if not isinstance(value, kind):
        raise ArgumentTypeError(f"{name} must be {kind.__name__}, got {type(value).__name__}")
    return value


class Command:
    """A command of the state machine. Build one with the class methods
    (``Command.report_destination(data)``); ``name`` is its snake_case name."""

    __slots__ = ("name", "_args")

    def __init__(self, name: str, args: Optional[Dict[str, Any]] = None) -> None:
        self.name = _need(str, "command name", name)
        self._args: Dict[str, Any] = dict(args or {})

    def __repr__(self) -> str:
        return f"Command({self.name!r}, {self._args!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Command) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> Dict[str, Any]:
        """The command in the core's JSON form: ``{"command": name, ...}``."""
        out: Dict[str, Any] = {"command": self.name}
        for k, v in self._args.items():
            if v is None:
                continue
            out[k] = v.to_dict() if isinstance(v, Record) else v
        return out

    def to_json(self) -> str:
        """The command as JSON text (checked by the core)."""
        for v in self._args.values():
            if isinstance(v, Record):
                v._check_types()
        return str(_native.normalize("command", dumps(self.to_dict())))

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Command":
        """A command from its JSON form; checked by the core (``ArgumentError`` 102 if wrong)."""
        if not isinstance(data, dict):
            raise ArgumentTypeError(f"Command needs a dict, got {type(data).__name__}")
        checked = json.loads(_native.normalize("command", dumps(data)))
        name = checked.pop("command")
        return cls(name, checked)

    @classmethod
    def upload_basic_info(cls, info: BasicInfo) -> "Command":
        """First upload of basic information (SchoolOffice, Counselor)."""
        return cls("upload_basic_info", {"info": _need(BasicInfo, "info", info)})

    @classmethod
    def correct_basic_info(cls, info: BasicInfo) -> "Command":
        """Correction of basic information (生源管理); the graduate reviews it again."""
        return cls("correct_basic_info", {"info": _need(BasicInfo, "info", info)})

    @classmethod
    def update_chsi_account(cls, account: ChsiAccount) -> "Command":
        """CHSI reports the graduate's account (identity, binding, phone, e-mail)."""
        return cls("update_chsi_account", {"account": _need(ChsiAccount, "account", account)})

    @classmethod
    def login(cls) -> "Command":
        """The graduate logs in."""
        return cls("login")

    @classmethod
    def confirm_basic_info(cls) -> "Command":
        """The graduate confirms basic information."""
        return cls("confirm_basic_info")

    @classmethod
    def request_basic_info_correction(cls, note: str) -> "Command":
        """The graduate asks for a correction of basic information."""
        return cls("request_basic_info_correction", {"note": _need(str, "note", note)})

    @classmethod
    def report_destination(cls, data: DestinationData) -> "Command":
        """The provincial platform reports or updates destination, archive and hukou data."""
        return cls("report_destination", {"data": _need(DestinationData, "data", data)})

    @classmethod
    def confirm_destination(cls) -> "Command":
        """The graduate confirms the destination."""
        return cls("confirm_destination")

    @classmethod
    def dispute_destination(cls, reason: str) -> "Command":
        """The graduate disputes the destination."""
        return cls("dispute_destination", {"reason": _need(str, "reason", reason)})

    @classmethod
    def file_void_request(cls, reason: str) -> "Command":
        """The graduate files a void request for a confirmed destination."""
        return cls("file_void_request", {"reason": _need(str, "reason", reason)})

    @classmethod
    def withdraw_void_request(cls) -> "Command":
        """The graduate withdraws a void request that awaits a decision; the confirmation stands."""
        return cls("withdraw_void_request")

    @classmethod
    def approve_void_request(cls, note: str = "") -> "Command":
        """The counselor (first) or the school (second) approves the void request."""
        return cls("approve_void_request", {"note": _need(str, "note", note)})

    @classmethod
    def reject_void_request(cls, note: str) -> "Command":
        """The counselor or the school rejects the void request."""
        return cls("reject_void_request", {"note": _need(str, "note", note)})

    @classmethod
    def grant_change_override(cls, reason: str) -> "Command":
        """SchoolOffice lets one change through after the change deadline."""
        return cls("grant_change_override", {"reason": _need(str, "reason", reason)})

    @classmethod
    def authorize(cls, validity_days: Optional[int] = None) -> "Command":
        """The graduate authorizes verification (the policy's default validity when ``None``)."""
        if validity_days is not None:
            _need(int, "validity_days", validity_days)
        return cls("authorize", {"validity_days": validity_days})

    @classmethod
    def extend_authorization(cls, number: str, validity_days: int) -> "Command":
        """The graduate extends an authorization to end ``validity_days`` from now."""
        return cls(
            "extend_authorization",
            {
                "number": _need(str, "number", number),
                "validity_days": _need(int, "validity_days", validity_days),
            },
        )

    @classmethod
    def revoke_authorization(cls, number: str) -> "Command":
        """The graduate revokes an authorization."""
        return cls("revoke_authorization", {"number": _need(str, "number", number)})

    @classmethod
    def record_verification(cls, number: str, section: str) -> "Command":
        """A department verified a form (``section`` is ``archive`` or ``hukou``)."""
        return cls(
            "record_verification",
            {"number": _need(str, "number", number), "section": _need(str, "section", section)},
        )


class Sections(_fields.Sections, frozen=True):
    """Which sections were registered when an authorization was issued."""


class Authorization(_fields.Authorization):
    """An authorization (核验授权): a verification number and a validity period."""

    def status_at(self, now: Optional[datetime] = None) -> str:
        """``valid``, ``not_yet_valid``, ``expired``, ``revoked`` or ``superseded`` at ``now``."""
        at = parse_instant(instant(now))
        if self.state != "active":
            return self.state
        if at < self.issued_at:
            return "not_yet_valid"
        if at >= self.valid_until:
            return "expired"
        return "valid"


class VoidRequest(_fields.VoidRequest):
    """A void request (作废申请)."""


class ChangeOverride(_fields.ChangeOverride):
    """A SchoolOffice override of the change deadline."""


class Registration(_fields.Registration):
    """One graduate's registration. ``Registration("10327:2022010123")`` is a new, empty one."""

    def stage(self, now: Optional[datetime] = None) -> str:
        """The derived stage at ``now`` (one of ``STAGES``)."""
        return str(_native.stage(self._json(), instant(now)))

    def logged_in(self) -> bool:
        """Whether the graduate has ever logged in, whatever the destination's stage."""
        return self.first_login_at is not None

    def login_problems(self) -> List[Dict[str, str]]:
        """Every reason the graduate cannot log in (empty when they can), with remedies."""
        return list(json.loads(_native.login_problems(self._json())))

    def authorization(self, number: str) -> Optional[Authorization]:
        """The authorization with this verification number (any spelling a person types)."""
        wanted = _native.parse_number(_need(str, "number", number))
        for a in self.authorizations:
            if a.number == wanted:
                return a
        return None

    def _json(self) -> str:
        return self._wire()


class Event(_fields.Event):
    """A notification caused by a command (消息提醒); messages are Chinese first. ``recipient``
    is ``{"to": ...}`` (with ``college`` for counselors)."""


class AuditEntry(_fields.AuditEntry):
    """The audit entry of one applied command."""


class Outcome(_fields.Outcome):
    """What a successful command produced."""

    @property
    def changed(self) -> bool:
        """Whether the command changed the registration."""
        return self.audit.version_after != self.audit.version_before


class ReminderOptions(_fields.ReminderOptions, frozen=True):
    """When reminders fire (by default 7, 3 and 3 days)."""


class Reminder(_fields.Reminder):
    """A reminder due for one registration. ``kind`` is ``deadline_approaching`` (with
    ``days_left``), ``deadline_missed``, ``basic_info_unreviewed``, ``unconfirmed`` (with
    ``days_waiting``), ``dispute_open`` or ``authorization_expiring`` (with ``number`` and
    ``valid_until``)."""


#: Every kind of reminder (the core's ``ReminderKind``), in declaration order.
REMINDER_KINDS: Tuple[str, ...] = tuple(Reminder._spec.variants)


def _policy_json(policy: Optional[Policy]) -> str:
    if policy is None:
        policy = Policy.jiangsu()
    _need(Policy, "policy", policy)
    return policy._wire()


def _actor_json(actor: Actor) -> str:
    _need(Actor, "actor", actor)
    return actor._wire()


def _command_json(command: Command) -> str:
    _need(Command, "command", command)
    return command.to_json()


def apply(
    registration: Registration,
    actor: Actor,
    command: Command,
    now: Optional[datetime] = None,
    policy: Optional[Policy] = None,
) -> Outcome:
    """Applies a command for an actor at ``now`` (default: the current time) under ``policy``
    (default: Jiangsu) and returns the outcome; raises ``StateError`` when refused."""
    _need(Registration, "registration", registration)
    out = _native.apply(
        registration._json(),
        _actor_json(actor),
        _command_json(command),
        instant(now),
        _policy_json(policy),
    )
    return Outcome.from_dict(json.loads(out))


def reminders(
    registrations: Iterable[Registration],
    now: Optional[datetime] = None,
    policy: Optional[Policy] = None,
    options: Optional[ReminderOptions] = None,
) -> List[Reminder]:
    """The reminders due at ``now`` for a cohort of registrations."""
    regs = []
    for r in registrations:
        _need(Registration, "registration", r)
        r._check_types()
        regs.append(r.to_dict())
    opts = options if options is not None else ReminderOptions()
    _need(ReminderOptions, "options", opts)
    out = _native.reminders(dumps(regs), _policy_json(policy), instant(now), opts._wire())
    return [Reminder.from_dict(r) for r in json.loads(out)]
