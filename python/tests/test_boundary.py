"""The boundary of the arguments: versions that must match, instants every face can carry,
registration keys without control characters, options in range."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

import gradreg
from gradreg import (
    Actor,
    ArgumentError,
    Command,
    ConflictError,
    GradregError,
    Registration,
    Registry,
    ReminderOptions,
)

from conftest import ALL_STEPS, NOW, walk

OFFICE = Actor.school_office("s001", "10327")
KEY = "10327:2022010123"


def _registry_with_graduate() -> Registry:
    reg = Registry.in_memory()
    basic = gradreg.sample.basic_info()
    reg.apply(KEY, OFFICE, Command.upload_basic_info(basic), NOW)
    return reg


def _fixed(class_name: str) -> Command:
    basic = dataclasses.replace(gradreg.sample.basic_info(), class_name=class_name)
    return Command.correct_basic_info(basic)


def test_two_offices_correcting_one_version_do_not_both_succeed() -> None:
    reg = _registry_with_graduate()
    seen = reg.get(KEY).version
    reg.apply(KEY, OFFICE, _fixed("会计2201"), NOW, expected_version=seen)
    with pytest.raises(ConflictError) as e:
        reg.apply(KEY, OFFICE, _fixed("会计2202"), NOW, expected_version=seen)
    assert e.value.code == 502
    assert isinstance(e.value, GradregError)
    basic = reg.get(KEY).basic
    assert basic is not None and basic.class_name == "会计2201"


def test_batches_carry_expected_versions() -> None:
    reg = _registry_with_graduate()
    seen = reg.get(KEY).version
    out = reg.apply_batch(
        [
            (KEY, OFFICE, _fixed("会计2203"), seen),
            (KEY, OFFICE, _fixed("会计2204"), seen),
            (KEY, OFFICE, _fixed("会计2205")),
        ],
        NOW,
    )
    assert not isinstance(out[0], GradregError)
    assert isinstance(out[1], ConflictError)
    assert not isinstance(out[2], GradregError)
    basic = reg.get(KEY).basic
    assert basic is not None and basic.class_name == "会计2205"


@pytest.mark.parametrize("bad", [-1, 2**64, "3", True])
def test_expected_version_is_checked(bad: object) -> None:
    reg = _registry_with_graduate()
    with pytest.raises(GradregError):
        reg.apply(KEY, OFFICE, _fixed("x"), NOW, expected_version=bad)  # type: ignore[arg-type]


def test_no_authorization_ends_after_the_year_9999() -> None:
    reg = Registry.in_memory()
    steps = ALL_STEPS[:-1]
    late = datetime(9999, 12, 1, tzinfo=timezone.utc)
    basic = gradreg.sample.basic_info()
    grad = Actor.graduate(basic.id_number)
    confirmed = walk(Registration(KEY), steps)
    for actor, command in [
        (OFFICE, Command.upload_basic_info(basic)),
        (Actor.chsi(), Command.update_chsi_account(gradreg.sample.chsi_account())),
        (grad, Command.login()),
        (grad, Command.confirm_basic_info()),
        (
            Actor.provincial_platform("js24365"),
            Command.report_destination(gradreg.sample.destination_data()),
        ),
        (grad, Command.confirm_destination()),
    ]:
        reg.apply(KEY, actor, command, NOW)
    with pytest.raises(ArgumentError) as e:
        reg.apply(KEY, grad, Command.authorize(60), late)
    assert e.value.code == 103
    with pytest.raises(ArgumentError):
        gradreg.apply(confirmed, grad, Command.authorize(60), late)
    # The registry stays readable and queryable.
    assert reg.get(KEY).authorizations == []
    assert len(reg.query(now=late)) == 1


def test_reminder_windows_beyond_any_duration_are_argument_errors(authorized: Registration) -> None:
    huge = ReminderOptions(
        deadline_within_days=7, unconfirmed_after_days=3, expiring_within_days=10**14
    )
    with pytest.raises(ArgumentError) as e:
        gradreg.reminders([authorized], NOW, options=huge)
    assert e.value.code == 103
    reg = Registry.in_memory()
    with pytest.raises(ArgumentError):
        reg.reminders(NOW, options=huge)


def test_online_window_beyond_any_duration_is_an_argument_error(authorized: Registration) -> None:
    reg = Registry.in_memory()
    archive = Actor.archive_dept("da01", "档案馆")
    with pytest.raises(ArgumentError) as e:
        reg.verify_online(
            archive,
            "张明",
            "XXXX-XXXX-XXXX-XXXX",
            NOW,
            window_seconds=2**62,
            principal="archive-office-17",
        )
    assert e.value.code == 103


@pytest.mark.parametrize("key", ["a\0b", "10327:1\n", "\x1b[2J", "\x7f", ""])
def test_registration_keys_with_control_characters_are_refused(key: str) -> None:
    reg = Registry.in_memory()
    with pytest.raises(ArgumentError):
        reg.apply(key, OFFICE, Command.upload_basic_info(gradreg.sample.basic_info()), NOW)
    assert reg.find(key) is None
