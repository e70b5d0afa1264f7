"""The registry: a round trip through an SQLite file in a temporary folder, queries, statistics,
CSV export, the audit chain, and broken files."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import gradreg
from gradreg import (
    Actor,
    BasicInfo,
    Command,
    ConflictError,
    GradregError,
    Registry,
    StateError,
    StorageError,
)

from conftest import NOW

OFFICE = Actor.school_office("s001", "10327")
GIVEN = "明华伟芳娜静丽强磊军洋勇艳杰娟涛超秀霞平刚桂"


def cohort(n: int) -> "dict[str, BasicInfo]":
    """``n`` valid graduates in two colleges."""
    out = {}
    for i in range(n):
        b = gradreg.sample.basic_info()
        b.name = "王" + GIVEN[i % len(GIVEN)] + GIVEN[(i // len(GIVEN)) % len(GIVEN)]
        b.id_number = gradreg.sample.id_number(
            "320102", f"2004{1 + i // 100:02d}15", i % 100, i % 2 == 0
        )
        b.gender = "1" if i % 2 == 0 else "2"
        b.student_number = f"2022{i:06d}"
        if i % 3 == 0:
            b.college, b.major_code, b.major_name = "信息工程学院", "080901", "计算机科学与技术"
        out[f"10327:{b.student_number}"] = b
    return out


def report_all(reg: Registry, keys: "list[str]", code: str = "10") -> None:
    data = gradreg.sample.destination_data()
    data.destination.code = code
    if code != "10":
        data.destination.employer = None
        data.destination.job_category = None
        data.destination.signing_date = None
        data.archive = None
        data.hukou = None
    reg.apply_batch(
        [(k, Actor.provincial_platform("p"), Command.report_destination(data)) for k in keys], NOW
    )


def test_round_trip_in_a_folder(tmp_path: Path) -> None:
    people = cohort(12)
    with Registry.open(tmp_path) as reg:
        assert reg.path == str(tmp_path / gradreg.registry.DEFAULT_FILE_NAME)
        results = reg.upload(people, OFFICE, NOW)
        assert [r.result for r in results] == ["created"] * 12
        keys = sorted(people)
        report_all(reg, keys[:6])
        assert reg.policy == gradreg.Policy.jiangsu()
    assert os.path.exists(tmp_path / gradreg.registry.DEFAULT_FILE_NAME)

    with Registry.open(tmp_path) as reg:
        got = reg.get(keys[0])
        assert got.basic == people[keys[0]]
        assert got.destination is not None
        assert reg.find("nobody") is None
        found = reg.find_by_id_number(people[keys[1]].id_number)
        assert [f.registration.id for f in found] == [keys[1]]
        # Re-upload: identical records change nothing, a changed one is a correction.
        people[keys[11]].phone = people[keys[11]].phone  # unchanged
        changed = dict(people)
        changed[keys[10]] = BasicInfo.from_dict({**people[keys[10]].to_dict(), "major_name": "审计学"})
        results = reg.upload(changed, OFFICE, NOW)
        assert [r.result for r in results].count("unchanged") == 11
        assert [r.key for r in results if r.result == "corrected"] == [keys[10]]
        assert reg.check_audit().intact
        assert reg.check_audit().records == 12 + 6 + 1


def test_queries_statistics_and_export(tmp_path: Path) -> None:
    people = cohort(9)
    reg = Registry.open(tmp_path / "office.db")
    reg.upload(people, OFFICE, NOW)
    keys = sorted(people)
    report_all(reg, keys[:4], "10")
    report_all(reg, keys[4:6], "70")
    info = [k for k, b in people.items() if b.college == "信息工程学院"]
    assert len(reg.query(college="信息工程学院")) == len(info)
    assert len(reg.query(major_code="080901")) == len(info)
    awaiting = reg.query(stages=["awaiting_confirmation"])
    assert {s.id for s in awaiting} == set(keys[:6])
    assert len(reg.query(stages="not_logged_in")) == 3
    assert reg.query(college="没有这个学院") == []

    stats = reg.statistics(NOW)
    assert stats.total == 9
    assert stats.by_stage == {"awaiting_confirmation": 6, "not_logged_in": 3}
    assert stats.by_destination == {"10": 4, "70": 2}
    assert stats.overall.placed == 4 and stats.overall.graduates == 9
    assert stats.overall.rate == pytest.approx(4 / 9)
    assert sum(p.graduates for p in stats.by_college) == 9
    assert {p.key for p in stats.by_college} == {"会计学院", "信息工程学院"}

    out = tmp_path / "export.csv"
    n = reg.export_csv(out, stages=["awaiting_confirmation"], now=NOW)
    assert n == 6
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0][0] == "登记号" and len(rows) == 7
    assert all("*" in r[2] for r in rows[1:])  # ID numbers masked
    buf = io.BytesIO()
    assert reg.export_csv(buf) == 9
    assert buf.getvalue() == reg.csv_bytes()
    assert reg.stuck(0, NOW + timedelta(days=1))
    reminders = reg.reminders(datetime(2026, 6, 12, tzinfo=timezone.utc))
    assert {r.registration_id for r in reminders} >= set(keys[6:])


def test_apply_batch_and_refusals() -> None:
    reg = Registry.in_memory()
    people = cohort(3)
    reg.upload(people, OFFICE, NOW)
    keys = sorted(people)
    grad = Actor.graduate(people[keys[0]].id_number)
    results = reg.apply_batch(
        [
            (keys[0], Actor.chsi(), Command.update_chsi_account(gradreg.ChsiAccount(
                name=people[keys[0]].name,
                id_number=people[keys[0]].id_number,
                student_record_bound=True,
                phone=people[keys[0]].phone,
                email=people[keys[0]].email,
            ))),
            (keys[0], grad, Command.login()),
            (keys[1], grad, Command.confirm_destination()),
        ],
        NOW,
    )
    assert isinstance(results[0], gradreg.Outcome)
    assert isinstance(results[1], gradreg.Outcome)
    assert isinstance(results[2], StateError)
    assert reg.get(keys[0]).stage(NOW) == "basic_info_review"
    with pytest.raises(StateError):
        reg.apply(keys[1], Actor.graduate("x"), Command.confirm_destination(), NOW)
    events = reg.events_after(0)
    assert events and events[0][0] >= 1
    assert all(isinstance(e, gradreg.Event) for _, e in events)
    assert reg.audit(keys[0])[-1].entry.action == "login"


def test_upload_refusals_are_reported() -> None:
    reg = Registry.in_memory()
    good = gradreg.sample.basic_info()
    bad = gradreg.sample.basic_info()
    bad.id_number = "3.20102E+17"
    twin = BasicInfo.from_dict(good.to_dict())
    results = reg.upload([("a", good), ("b", bad), ("c", twin)], OFFICE, NOW)
    assert [r.result for r in results] == ["created", "refused", "refused"]
    assert results[1].error is not None and results[1].error.code == 101
    assert isinstance(results[1].error, gradreg.ValidationError)
    assert results[1].error.problems[0].code == "scientific_notation"
    assert results[2].error is not None and results[2].error.code == 508
    assert not results[1].ok
    # All or nothing: one refusal leaves the registry untouched.
    reg2 = Registry.in_memory()
    reg2.upload([("a", good), ("b", bad)], OFFICE, NOW, all_or_nothing=True)
    assert reg2.find("a") is None
    with pytest.raises(TypeError):
        reg.upload([("a", good.to_dict())], OFFICE, NOW)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        reg.upload([good], OFFICE, NOW)  # type: ignore[list-item]


def test_find_by_number(tmp_path: Path) -> None:
    reg = Registry.open(tmp_path)
    b = gradreg.sample.basic_info()
    grad = Actor.graduate(b.id_number)
    key = "10327:2022010123"
    reg.upload({key: b}, OFFICE, NOW)
    for actor, command in [
        (Actor.chsi(), Command.update_chsi_account(gradreg.sample.chsi_account())),
        (grad, Command.login()),
        (grad, Command.confirm_basic_info()),
        (Actor.provincial_platform("p"), Command.report_destination(gradreg.sample.destination_data())),
        (grad, Command.confirm_destination()),
        (grad, Command.authorize()),
    ]:
        reg.apply(key, actor, command, NOW)
    number = reg.get(key).authorizations[0].number
    found = reg.find_by_number(number.replace("-", "").lower())
    assert found is not None and found.id == key
    with pytest.raises(gradreg.VerificationError):
        reg.find_by_number(number[:-1] + ("0" if number[-1] != "0" else "1"))


def test_missing_folder_is_file_not_found_with_a_code(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        Registry.open(tmp_path / "no" / "such" / "gradreg.db")
    assert info.value.code == 507  # type: ignore[attr-defined]
    reg = Registry.in_memory()
    with pytest.raises(FileNotFoundError) as info2:
        reg.export_csv(tmp_path / "missing" / "out.csv")
    assert info2.value.code == 507  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        Registry.open(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Registry.open(b"/tmp/x.db")  # type: ignore[arg-type]


def test_broken_files_are_storage_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database, just text\n" * 200)
    with pytest.raises(StorageError) as info:
        Registry.open(junk)
    assert 500 <= info.value.code < 600
    # A database of something else is not a registry either, or becomes one without harm.
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("create table registrations (x)")
    con.commit()
    con.close()
    try:
        Registry.open(other).statistics(NOW)
    except GradregError as e:
        assert 500 <= e.code < 600


def test_tampered_audit_log_is_found(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    reg = Registry.open(path)
    reg.upload(cohort(3), OFFICE, NOW)
    entry = reg.audit()[1].entry.to_json()
    reg.close()
    # Someone with the file edits an entry behind the registry's back (dropping the trigger
    # that keeps the log append-only first). Entries are stored packed (zstd frames), so the
    # edited entry is written as clear JSON text, a form the store still reads.
    assert "s001" in entry
    con = sqlite3.connect(path)
    con.execute("drop trigger audit_append_only_update")
    con.execute("update audit set entry = ? where seq = 2", (entry.replace("s001", "s999"),))
    con.commit()
    con.close()
    report = Registry.open(path).check_audit()
    assert not report.intact
    assert report.fault == "edited" and report.fault_seq == 2


def test_closed_registry_and_bad_arguments() -> None:
    reg = Registry.in_memory()
    reg.close()
    with pytest.raises(GradregError):
        reg.statistics(NOW)
    reg = Registry.in_memory()
    with pytest.raises(TypeError):
        reg.query(college=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        reg.apply(5, OFFICE, Command.login(), NOW)  # type: ignore[arg-type]
    with pytest.raises(StorageError) as info:
        reg.get("nobody")
    assert info.value.code == 503
    assert issubclass(ConflictError, StorageError)


def test_a_folder_name_that_is_not_utf8(tmp_path: Path) -> None:
    """File names are bytes on Linux; one that is not UTF-8 still opens (as os.fsdecode gives it)."""
    folder = tmp_path / os.fsdecode(b"\xc9\xfa\xd4\xb4-gbk")  # 生源 in GBK
    folder.mkdir()
    with Registry.open(folder) as reg:
        reg.upload({"a": gradreg.sample.basic_info()}, OFFICE, NOW)
    with Registry.open(folder) as reg:
        assert reg.get("a").basic == gradreg.sample.basic_info()


def test_staff_act_for_their_own_school_only() -> None:
    reg = Registry.in_memory()
    grads = cohort(3)
    key, b = next(iter(grads.items()))
    b2 = BasicInfo.from_dict({**b.to_dict(), "school_code": "10284", "school_name": "南京大学"})
    # Without an actor the uploader is the office of the records' one school.
    assert [r.result for r in reg.upload(grads, now=NOW)] == ["created"] * 3
    other = {"10284:" + b.student_number: b2}
    with pytest.raises(gradreg.ArgumentError):
        reg.upload({**grads, **other}, now=NOW)
    # Another school's office and the same-named college's counselor of another school are
    # refused; their own school's are not.
    fixed = BasicInfo.from_dict({**b.to_dict(), "major_name": "会计学（ACCA）"})
    for stranger in (
        Actor.school_office("x", "10284"),
        Actor.counselor("x", "10284", b.college),
    ):
        with pytest.raises(StateError, match="own school"):
            reg.apply(key, stranger, Command.correct_basic_info(fixed), NOW)
    reg.apply(key, Actor.counselor("c", "10327", b.college), Command.correct_basic_info(fixed), NOW)
    corrected = reg.get(key).basic
    assert corrected is not None and corrected.major_name == "会计学（ACCA）"
    # A roster names its school; one of two schools needs an actor.
    g1, g2 = gradreg.generate_cohort(2, seed=5)
    assert reg.roster_school(gradreg.roster_csv([g1]).encode("utf-8")) == g1.basic.school_code
    g2.basic.school_code = "10284" if g1.basic.school_code != "10284" else "10327"
    two = gradreg.roster_csv([g1, g2]).encode("utf-8")
    with pytest.raises(gradreg.ArgumentError):
        reg.roster_school(two)
    with pytest.raises(gradreg.ArgumentError):
        reg.import_roster(two, now=NOW)
