"""Tampering with the registry file and storage damage: a registration edited in the file is
never served, the audit chain can be anchored outside the file (an exported head, a keyed
chain), damage gives storage codes and stops writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import gradreg
from gradreg import Actor, Command, Registry, StorageError

from conftest import NOW

ARCHIVE = Actor.archive_dept("a001", "南京市人才服务中心")
OFFICE = Actor.school_office("s", "10327")
KEY = "10327:2022010123"
EMPLOYER = "江苏紫金数据科技有限公司"


def authorized(reg: Registry) -> str:
    """One graduate walked to an authorization; returns the verification number."""
    b = gradreg.sample.basic_info()
    grad = Actor.graduate(b.id_number)
    reg.upload({KEY: b}, OFFICE, NOW)
    for actor, command in [
        (Actor.chsi(), Command.update_chsi_account(gradreg.sample.chsi_account())),
        (grad, Command.login()),
        (grad, Command.confirm_basic_info()),
        (Actor.provincial_platform("p"), Command.report_destination(gradreg.sample.destination_data())),
        (grad, Command.confirm_destination()),
        (grad, Command.authorize()),
    ]:
        reg.apply(KEY, actor, command, NOW)
    return str(reg.get(KEY).authorizations[0].number)


def forge(path: Path, registration_json: str) -> None:
    """Someone with the file swaps the employer in the stored registration. The store keeps it
    packed (a zstd frame), so the forger writes the edited document as clear JSON text, a form
    the store still reads (files written before packing hold it)."""
    assert EMPLOYER in registration_json
    con = sqlite3.connect(path)
    con.execute(
        "update registrations set data = ? where id = ?",
        (registration_json.replace(EMPLOYER, "伪造科技有限公司"), KEY),
    )
    con.commit()
    con.close()


def new_upload(reg: Registry) -> None:
    b = gradreg.sample.basic_info()
    b.student_number = "2022010999"
    b.id_number = gradreg.sample.id_number("320102", "20040315", 9, True)
    reg.upload({"10327:2022010999": b}, OFFICE, NOW)


def test_an_edited_destination_is_found_and_never_served(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    reg = Registry.open(path)
    number = authorized(reg)
    assert reg.verify_online(ARCHIVE, "张明", number, NOW, principal="archive-office-17").valid
    assert reg.check_audit().intact
    stored = reg.get(KEY).to_json()
    reg.close()
    forge(path, stored)
    reg = Registry.open(path)
    report = reg.check_audit()
    assert not report.intact
    assert report.fault is None
    assert [(p.registration_id, p.fault) for p in report.row_faults] == [(KEY, "tampered")]
    # The handle that found it refuses writes.
    with pytest.raises(StorageError) as refused:
        new_upload(reg)
    assert refused.value.code == 516
    reg = Registry.open(path)
    assert not reg.verify_online(ARCHIVE, "张明", number, NOW, principal="archive-office-17").valid
    with pytest.raises(StorageError) as info:
        reg.get(KEY)
    assert info.value.code == 514


def test_the_exported_head_finds_a_rewritten_chain(tmp_path: Path) -> None:
    reg = Registry.open(tmp_path / "r.db")
    authorized(reg)
    head = reg.audit_head()
    assert head.startswith("gradreg-audit-head:1:")
    assert reg.check_audit(expected_head=head).intact
    seq = int(head.split(":")[2])
    foreign = f"gradreg-audit-head:1:{seq}:" + "0" * 64
    report = reg.check_audit(expected_head=foreign)
    assert (report.fault, report.fault_seq) == ("diverged", seq)
    ahead = f"gradreg-audit-head:1:{seq + 5}:" + "0" * 64
    assert Registry.open(tmp_path / "r.db").check_audit(ahead).fault == "truncated"
    with pytest.raises(gradreg.ArgumentError):
        reg.check_audit(expected_head="not a head")


def test_a_keyed_registry_opens_only_with_its_key(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    key = bytes(range(32))
    reg = Registry.open(path, audit_key=key)
    number = authorized(reg)
    assert reg.check_audit().intact
    reg.close()
    for wrong in [None, bytes(32), "ff" * 32]:
        with pytest.raises(StorageError) as info:
            Registry.open(path, audit_key=wrong)
        assert info.value.code == 515
    reg = Registry.open(path, audit_key=key.hex())
    assert reg.verify_online(ARCHIVE, "张明", number, NOW, principal="archive-office-17").valid
    with pytest.raises(gradreg.ArgumentError):
        Registry.open(tmp_path / "short.db", audit_key=b"short")
    mem = Registry.in_memory(audit_key=key)
    authorized(mem)
    assert mem.check_audit().intact


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with pytest.raises(StorageError) as info:
        Registry.open(path)
    assert info.value.code == 505
    assert path.stat().st_size == 0


def test_flipped_bytes_are_storage_damage(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    reg = Registry.open(path)
    authorized(reg)
    reg.close()
    con = sqlite3.connect(path)
    con.execute("update registrations set data = x'00ff10' where id = ?", (KEY,))
    con.commit()
    con.close()
    reg = Registry.open(path)
    with pytest.raises(StorageError) as info:
        reg.get(KEY)
    assert info.value.code == 505
