"""Personal data at rest: ``Registry.open(path, data_keys=...)`` seals ID numbers, phones,
e-mails and addresses in the file; lookups still work; missing or wrong keys are refused;
rotation re-seals every value."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import gradreg
from gradreg import (
    Actor,
    ArgumentError,
    Command,
    GradregError,
    Registry,
    StorageError,
)

from conftest import NOW

KEY1 = bytes(range(32))
KEY2 = "22" * 32
OFFICE = Actor.school_office("s001", "10327")


def file_bytes(path: str) -> bytes:
    data = Path(path).read_bytes()
    if os.path.exists(path + "-wal"):
        data += Path(path + "-wal").read_bytes()
    return data


def populate(reg: Registry) -> "gradreg.BasicInfo":
    basic = gradreg.sample.basic_info()
    grad = Actor.graduate(basic.id_number)
    key = f"10327:{basic.student_number}"
    reg.apply(key, OFFICE, Command.upload_basic_info(basic), NOW)
    reg.apply(key, Actor.chsi(), Command.update_chsi_account(gradreg.sample.chsi_account()), NOW)
    reg.apply(key, grad, Command.login(), NOW)
    reg.apply(key, grad, Command.confirm_basic_info(), NOW)
    reg.apply(
        key,
        Actor.provincial_platform("p"),
        Command.report_destination(gradreg.sample.destination_data()),
        NOW,
    )
    return basic


def test_data_keys_seal_personal_data_in_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "sealed.db")
    with Registry.open(path, data_keys={1: KEY1}) as reg:
        basic = populate(reg)
        assert reg.find_by_id_number(basic.id_number.lower())[0].registration.basic is not None
        assert reg.check_audit().intact
    raw = file_bytes(path)
    for secret in (basic.id_number, basic.phone, basic.email):
        assert secret.encode() not in raw, secret
    # The same data without keys is readable in the file (what the keys protect against).
    clear = str(tmp_path / "clear.db")
    with Registry.open(clear) as reg:
        populate(reg)
    assert basic.id_number.encode() in file_bytes(clear)


def test_missing_and_wrong_keys_are_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "refuse.db")
    with Registry.open(path, data_keys={1: KEY1}) as reg:
        populate(reg)
    with pytest.raises(StorageError) as e:
        Registry.open(path)
    assert e.value.code == 518
    with pytest.raises(StorageError) as e:
        Registry.open(path, data_keys={1: bytes(32)})
    assert e.value.code == 519
    for bad in ({1: b"short"}, {0: KEY1}, {1: "not a key"}, {1: "\udc80"}):
        with pytest.raises(ArgumentError) as a:
            Registry.open(path, data_keys=bad)
        assert a.value.code == 131, bad
    with pytest.raises(ArgumentError) as a:
        Registry.open(path, data_keys=[])
    assert a.value.code == 132
    with pytest.raises(GradregError):
        Registry.open(path, data_keys=[(1, KEY1), (1, KEY2)])
    with pytest.raises(GradregError):
        Registry.open(path, data_keys={1: 5})  # type: ignore[dict-item]


def test_rotation_then_the_new_key_alone(tmp_path: Path) -> None:
    path = str(tmp_path / "rotate.db")
    with Registry.open(path, data_keys={1: KEY1}) as reg:
        basic = populate(reg)
    with Registry.open(path, data_keys=[(1, KEY1), (2, KEY2)]) as reg:
        assert reg.rotate_data_key(batch_size=2) > 0
        assert reg.rotate_data_key() == 0
        with pytest.raises(ArgumentError):
            reg.rotate_data_key(0)
    with Registry.open(path, data_keys={2: KEY2}) as reg:
        assert reg.get(f"10327:{basic.student_number}").basic is not None
        assert reg.check_audit().intact
    with pytest.raises(StorageError) as e:
        Registry.open(path, data_keys={1: KEY1})
    assert e.value.code == 519
