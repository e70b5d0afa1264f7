"""Shared fixtures: fixed instants and a graduate walked to any stage."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import List

import pytest

import gradreg
from gradreg import Actor, Command, Registration

#: 1 May 2026, 10:00 in Nanjing: before the Jiangsu deadlines.
NOW = datetime(2026, 5, 1, 2, 0, tzinfo=timezone.utc)


def walk(reg: Registration, steps: List[str], now: datetime = NOW) -> Registration:
    """Applies the named steps of the guide to ``reg``."""
    basic = gradreg.sample.basic_info()
    grad = Actor.graduate(basic.id_number)
    table = {
        "upload": (Actor.school_office("s001", "10327"), Command.upload_basic_info(basic)),
        "chsi": (Actor.chsi(), Command.update_chsi_account(gradreg.sample.chsi_account())),
        "login": (grad, Command.login()),
        "confirm_basic": (grad, Command.confirm_basic_info()),
        "report": (
            Actor.provincial_platform("js24365"),
            Command.report_destination(gradreg.sample.destination_data()),
        ),
        "confirm": (grad, Command.confirm_destination()),
        "authorize": (grad, Command.authorize(30)),
    }
    for step in steps:
        actor, command = table[step]
        reg = gradreg.apply(reg, actor, command, now).registration
    return reg


ALL_STEPS = ["upload", "chsi", "login", "confirm_basic", "report", "confirm", "authorize"]


@pytest.fixture
def authorized() -> Registration:
    return walk(Registration("10327:2022010123"), ALL_STEPS)
