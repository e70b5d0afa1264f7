"""gradreg: China's graduate destination registration (高校毕业生毕业去向登记) for Python.

Records with validation that reports every problem, the registration state machine, reminders,
verification numbers and the registry (SQLite), on top of the Rust core. The record classes are
built from the core's schema; every exception derives from ``GradregError`` and carries ``.code``,
the core's stable numeric code (``ERROR_CODES`` is the core's table).
"""

from __future__ import annotations

from . import sample
from ._errors import (
    ERROR_CODES,
    ArgumentError,
    ArgumentTypeError,
    ConflictError,
    ErrorCode,
    GradregError,
    InternalError,
    LoginRefusedError,
    RenderError,
    StateError,
    StorageError,
    StorageOSError,
    ValidationError,
    VerificationError,
    error_class,
    error_code,
)
from ._native import __version__
from .codes import VERDICTS, KeyRing, Verdict, issue_token, parse_number, random_number, verify_token
from .forms import FORMATS, SECTIONS, Renderer
from .lifecycle import (
    STAGES,
    Actor,
    AuditEntry,
    Authorization,
    ChangeOverride,
    Command,
    Event,
    MonthDay,
    Outcome,
    Policy,
    Registration,
    Reminder,
    ReminderOptions,
    Sections,
    ValidityBounds,
    VoidRequest,
    apply,
    reminders,
)
from .records import (
    Abroad,
    ArchiveTransfer,
    BasicInfo,
    ChsiAccount,
    Destination,
    DestinationData,
    Employer,
    HukouMigration,
    Problem,
    Study,
)
from .registry import (
    AuditRecord,
    AuditReport,
    Placement,
    Registry,
    Statistics,
    Summary,
    UploadResult,
)
from .roster import (
    CellProblem,
    Graduate,
    ImportReport,
    Roster,
    RosterRow,
    generate_cohort,
    parse_roster,
    roster_csv,
)
from .tables import TABLES, code_name, is_placed

__all__ = [
    "__version__",
    "sample",
    # errors
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
    "ErrorCode",
    "ERROR_CODES",
    "error_code",
    "error_class",
    # records
    "Problem",
    "BasicInfo",
    "Employer",
    "Study",
    "Abroad",
    "Destination",
    "ArchiveTransfer",
    "HukouMigration",
    "DestinationData",
    "ChsiAccount",
    # lifecycle
    "STAGES",
    "MonthDay",
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
    "apply",
    "reminders",
    # registry
    "Registry",
    "Summary",
    "Placement",
    "Statistics",
    "UploadResult",
    "AuditRecord",
    "AuditReport",
    # rosters
    "CellProblem",
    "RosterRow",
    "Roster",
    "ImportReport",
    "Graduate",
    "parse_roster",
    "generate_cohort",
    "roster_csv",
    # codes and tables
    "parse_number",
    "random_number",
    "KeyRing",
    "Verdict",
    "VERDICTS",
    "issue_token",
    "verify_token",
    # forms
    "Renderer",
    "FORMATS",
    "SECTIONS",
    "TABLES",
    "code_name",
    "is_placed",
]
