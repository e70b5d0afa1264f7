"""Records: basic info (生源信息), destination (毕业去向), archive transfer (档案转递), hukou
migration (户口迁移) and the CHSI account, with their validation.

Every record is a dataclass whose fields are the core's JSON names; codes are strings exactly as in
the code tables (zero-padded), dates are ``YYYY-MM-DD`` strings. Values are kept as the school
supplied them so that validation can report every problem at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import ClassVar, List, Optional

from . import _native
from ._convert import Record
from ._errors import ValidationError

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


@dataclass(frozen=True)
class Problem(Record):
    """One problem with one field: the field path, a stable snake_case code and messages."""

    field: str
    code: str
    message_zh: str
    message_en: str

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
        """Raises ``ValidationError`` (code 101, also a ``ValueError``) listing every problem."""
        found = self.problems()
        if found:
            summary = ", ".join(f"{p.field}: {p.code}" for p in found)
            raise ValidationError(
                f"记录有 {len(found)} 处错误 / record has {len(found)} problem(s): {summary}",
                101,
                {"problems": [p.to_dict() for p in found]},
            )


@dataclass
class BasicInfo(_Validated):
    """A graduate's basic information (生源信息), uploaded by the school."""

    _KIND: ClassVar[str] = "basic_info"

    name: str = ""
    gender: str = ""
    id_number: str = ""
    exam_number: str = ""
    student_number: str = ""
    school_code: str = ""
    school_name: str = ""
    college: str = ""
    major_code: str = ""
    major_name: str = ""
    education_level: str = ""
    training_mode: str = ""
    schooling_length: str = ""
    enrolment_date: str = ""
    graduation_date: str = ""
    origin_region: str = ""
    ethnicity: str = ""
    political_status: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class Employer(Record):
    """The employer of a graduate who is employed."""

    name: str = ""
    credit_code: str = ""
    nature: str = ""
    industry: str = ""
    region: str = ""
    address: str = ""


@dataclass
class Study(Record):
    """Further study in China (境内升学)."""

    school: str = ""
    major: str = ""


@dataclass
class Abroad(Record):
    """Study abroad (境外留学)."""

    country_region: str = ""
    school: str = ""
    major: str = ""


@dataclass
class Destination(Record):
    """A graduate's destination (毕业去向): a two-digit code with its details."""

    code: str = ""
    sub_code: Optional[str] = None
    employer: Optional[Employer] = None
    job_category: Optional[str] = None
    signing_date: Optional[str] = None
    further_study: Optional[Study] = None
    abroad: Optional[Abroad] = None

    @property
    def effective_code(self) -> str:
        """The sub-code when present, else the two-digit code."""
        return self.sub_code or self.code


@dataclass
class ArchiveTransfer(Record):
    """Archive transfer (档案转递). ``method`` is ``confidential_mail`` (机要通信), ``ems`` or
    ``collected_by_unit``; the archive is never carried by the graduate."""

    receiving_unit: str = ""
    address: str = ""
    postal_code: str = ""
    contact: str = ""
    phone: str = ""
    method: str = "confidential_mail"
    transfer_number: Optional[str] = None
    tracking_number: Optional[str] = None


@dataclass
class HukouMigration(Record):
    """Hukou migration (户口迁移). ``reason`` is ``graduation`` (毕业) or ``further_study``."""

    migrate: bool = False
    reason: Optional[str] = None
    address: str = ""
    police_station: str = ""
    region: str = ""


@dataclass
class DestinationData(_Validated):
    """Everything the provincial platform reports: destination, archive and hukou data."""

    _KIND: ClassVar[str] = "destination_data"

    destination: Destination = field(default_factory=Destination)
    archive: Optional[ArchiveTransfer] = None
    hukou: Optional[HukouMigration] = None


@dataclass
class ChsiAccount(_Validated):
    """The graduate's CHSI (学信网) account, as CHSI reports it."""

    _KIND: ClassVar[str] = "chsi_account"

    name: str = ""
    id_number: str = ""
    student_record_bound: bool = False
    phone: str = ""
    email: str = ""
