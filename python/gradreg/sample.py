"""Synthetic sample records for examples and tests; ID numbers and credit codes carry correct
check characters."""

from __future__ import annotations

import json

from . import _native
from .records import BasicInfo, ChsiAccount, DestinationData

__all__ = ["basic_info", "chsi_account", "destination_data", "id_number"]


def basic_info() -> BasicInfo:
    """张明, male, undergraduate of 会计学院 at 南京财经大学, graduating 2026."""
    return BasicInfo.from_dict(json.loads(_native.sample("basic_info")))


def chsi_account() -> ChsiAccount:
    """The CHSI account matching ``basic_info()``, with the student record bound."""
    return ChsiAccount.from_dict(json.loads(_native.sample("chsi_account")))


def destination_data() -> DestinationData:
    """An employment destination (签就业协议形式就业) with archive and hukou data."""
    return DestinationData.from_dict(json.loads(_native.sample("destination_data")))


def id_number(region: str, birth: str, seq: int, male: bool) -> str:
    """A valid ID number from a 6-digit region, a birth date ``YYYYMMDD``, a sequence 0–99 and the
    gender."""
    return str(_native.sample_id_number(region, birth, seq, male))
