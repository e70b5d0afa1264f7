"""Records: basic info (生源信息), destination (毕业去向), archive transfer (档案转递), hukou
migration (户口迁移) and the CHSI account, with their validation.

Every record is a dataclass whose fields are the core's: they are read from the core's schema when
the class is created (see ``_schema``), so a field added to a Rust record is a field here with no
edit. Codes are strings exactly as in the code tables (zero-padded), dates are ``YYYY-MM-DD``
strings. Values are kept as the school supplied them so that validation can report every problem
at once.
"""

from __future__ import annotations

import json
from typing import ClassVar, List

from . import _fields, _native
from ._errors import ValidationError, error_code
from ._schema import Record

__all__ = [
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
]


class Problem(_fields.Problem, frozen=True):
    """One problem with one field: the field path, a stable snake_case code and messages."""

    @property
    def is_spreadsheet_damage(self) -> bool:
        """Whether a spreadsheet mangled the value (scientific notation, ``.0``, lost zeros)."""
        return self.code in ("scientific_notation", "trailing_decimal", "lost_leading_zero")

    def __str__(self) -> str:
        return f"{self.field}: {self.message_zh} / {self.message_en}"


class _Validated(Record):
    """A record the core can validate."""

    _KIND: ClassVar[str] = ""

    def problems(self) -> List[Problem]:
        """Every problem of the record (empty when valid), each with field, code and messages."""
        raw = json.loads(_native.problems(self._KIND, self._wire()))
        return [Problem.from_dict(p) for p in raw]

    def is_valid(self) -> bool:
        """Whether the record has no problem."""
        return not self.problems()

    def validate(self) -> None:
        """Raises ``ValidationError`` (code ``invalid_record``, 101; also a ``ValueError``)
        listing every problem."""
        found = self.problems()
        if found:
            summary = ", ".join(f"{p.field}: {p.code}" for p in found)
            raise ValidationError(
                f"记录有 {len(found)} 处错误 / record has {len(found)} problem(s): {summary}",
                error_code("invalid_record"),
                {"problems": [p.to_dict() for p in found]},
            )


class BasicInfo(_fields.BasicInfo, _Validated):
    """A graduate's basic information (生源信息), uploaded by the school."""

    _KIND: ClassVar[str] = "basic_info"


class Employer(_fields.Employer):
    """The employer of a graduate who is employed."""


class Study(_fields.Study):
    """Further study in China (境内升学)."""


class Abroad(_fields.Abroad):
    """Study abroad (境外留学)."""


class Destination(_fields.Destination):
    """A graduate's destination (毕业去向): a two-digit code with its details."""

    @property
    def effective_code(self) -> str:
        """The sub-code when present, else the two-digit code."""
        return self.sub_code or self.code


class ArchiveTransfer(_fields.ArchiveTransfer):
    """Archive transfer (档案转递). ``method`` is ``confidential_mail`` (机要通信, the default),
    ``ems`` or ``collected_by_unit``; the archive is never carried by the graduate."""


class HukouMigration(_fields.HukouMigration):
    """Hukou migration (户口迁移). ``reason`` is ``graduation`` (毕业) or ``further_study``."""


class DestinationData(_fields.DestinationData, _Validated):
    """Everything the provincial platform reports: destination, archive and hukou data."""

    _KIND: ClassVar[str] = "destination_data"


class ChsiAccount(_fields.ChsiAccount, _Validated):
    """The graduate's CHSI (学信网) account, as CHSI reports it."""

    _KIND: ClassVar[str] = "chsi_account"
