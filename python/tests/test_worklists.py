"""Two schools in one registry: statistics split by school, queries by school and cohort, and the
staff work lists (pending void requests, batch approval, cannot log in, unconfirmed) scoped to
the actor's school and college."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Optional

import pytest

import gradreg
from gradreg import Actor, BasicInfo, Command, Policy, Registry, StateError

from conftest import NOW

A, B = "10327", "10284"
PLATFORM = Actor.provincial_platform("js24365")


def office(school: str) -> Actor:
    return Actor.school_office("jyc01", school)


def counselor(school: str, college: str = "会计学院") -> Actor:
    return Actor.counselor("fdy01", school, college)


def graduate(
    school: str, name: str, student: str, seq: int, level: str = "31", year: int = 2026
) -> BasicInfo:
    b = gradreg.sample.basic_info()
    b.school_code = school
    b.school_name = name
    b.student_number = student
    b.id_number = gradreg.sample.id_number("320102", "20030315", seq, True)
    b.education_level = level
    if level == "11":
        b.schooling_length = "3"
        b.enrolment_date = f"{year - 3}-09-01"
    b.graduation_date = f"{year}-06-30"
    return b


def walk(reg: Registry, b: BasicInfo, chsi: bool, void: bool, code: Optional[str] = None) -> str:
    """Uploads ``b``; with ``chsi``, logs in and confirms basic info; reports a destination (the
    sample, or ``code`` with its two-digit parent); with ``void``, confirms and files a void
    request."""
    key = f"{b.school_code}:{b.student_number}"
    grad = Actor.graduate(b.id_number)
    reg.apply(key, office(b.school_code), Command.upload_basic_info(b), NOW)
    if chsi:
        acct = gradreg.sample.chsi_account()
        acct.id_number = b.id_number
        reg.apply(key, Actor.chsi(), Command.update_chsi_account(acct), NOW)
        reg.apply(key, grad, Command.login(), NOW)
        reg.apply(key, grad, Command.confirm_basic_info(), NOW)
    data = gradreg.sample.destination_data()
    if code is not None:
        data.destination.code = code[:2]
        data.destination.sub_code = code
    reg.apply(key, PLATFORM, Command.report_destination(data), NOW)
    if void:
        reg.apply(key, grad, Command.confirm_destination(), NOW)
        reg.apply(key, grad, Command.file_void_request("更换单位"), NOW)
    return key


@pytest.fixture(params=["memory", "sqlite"])
def province(request: pytest.FixtureRequest, tmp_path: Path) -> "tuple[Registry, dict[str, str]]":
    if request.param == "memory":
        reg = Registry.in_memory(Policy.jiangsu())
    else:
        reg = Registry.open(tmp_path, Policy.jiangsu())
    keys = {
        "a1": walk(reg, graduate(A, "南京财经大学", "a1", 1), chsi=True, void=True),
        "a2": walk(reg, graduate(A, "南京财经大学", "a2", 2), chsi=False, void=False),
        "b1": walk(
            reg, graduate(B, "南京大学", "b1", 3, "11", 2027), chsi=True, void=True, code="502"
        ),
    }
    return reg, keys


def test_statistics_by_school_add_up(province: "tuple[Registry, dict[str, str]]") -> None:
    reg, _ = province
    whole = reg.statistics(NOW)
    a = reg.statistics_for(school=A, now=NOW)
    b = reg.statistics_for(school=B, now=NOW)
    assert (a.total, b.total, whole.total) == (2, 1, 3)
    assert a.overall.graduates + b.overall.graduates == whole.overall.graduates
    assert [p.school for p in whole.by_school] == [B, A]
    assert {p.key for p in whole.by_school} == {"10327 南京财经大学", "10284 南京大学"}
    # 502 rolls up to 50; the specific code stays.
    assert whole.by_destination_category == {"10": 2, "50": 1}
    assert whole.by_destination["502"] == 1
    assert whole.by_graduation_year == {"2026": 2, "2027": 1}
    assert whole.by_education_level == {"31": 2, "11": 1}
    assert whole.by_destination_province == {"320000": 3}
    assert reg.statistics_for(graduation_year=2027, now=NOW).total == 1


def test_queries_by_school_cohort_and_login(province: "tuple[Registry, dict[str, str]]") -> None:
    reg, keys = province
    assert [s.id for s in reg.query(school=A, now=NOW)] == [keys["a1"], keys["a2"]]
    assert [s.id for s in reg.query(education_level="11", now=NOW)] == [keys["b1"]]
    assert [s.id for s in reg.query(destination_category="50", now=NOW)] == [keys["b1"]]
    # Never logged in although a destination is reported: found by the login state.
    never = reg.query(logged_in=False, now=NOW)
    assert [s.id for s in never] == [keys["a2"]]
    assert never[0].login_problems == ["no_chsi_account"]
    assert reg.query(stages=["not_logged_in"], now=NOW) == []


def test_work_lists_are_scoped(province: "tuple[Registry, dict[str, str]]") -> None:
    reg, keys = province
    mine = reg.pending_void_requests(counselor(A), NOW)
    assert [(v.id, v.stage, v.reason) for v in mine] == [
        (keys["a1"], "awaiting_college", "更换单位")
    ]
    assert [v.id for v in reg.pending_void_requests(counselor(B), NOW)] == [keys["b1"]]
    assert reg.pending_void_requests(counselor(A, "法学院"), NOW) == []
    with pytest.raises(StateError) as refused:
        reg.pending_void_requests(PLATFORM, NOW)
    assert refused.value.code == 201

    blocked = reg.cannot_log_in(office(A), NOW)
    assert [c.id for c in blocked] == [keys["a2"]]
    assert blocked[0].stage == "awaiting_confirmation"
    assert blocked[0].reasons[0].reason == "no_chsi_account"
    assert "学信网" in blocked[0].reasons[0].message_zh
    assert reg.cannot_log_in(office(B), NOW) == []

    later = NOW + timedelta(days=10)
    assert [s.id for s in reg.unconfirmed(office(A), 7, later)] == [keys["a2"]]
    assert reg.unconfirmed(office(B), 7, later) == []
    assert reg.unconfirmed(office(A), 30, later) == []


def test_batch_approval_refuses_another_schools(
    province: "tuple[Registry, dict[str, str]]",
) -> None:
    reg, keys = province
    results = reg.approve_void_requests(counselor(A), [keys["a1"], keys["b1"], "x"], "同意", NOW)
    assert [r.id for r in results] == [keys["a1"], keys["b1"], "x"]
    assert results[0].ok and results[0].void_stage == "awaiting_school"
    assert not results[1].ok and results[1].error is not None
    assert results[1].error.code == 201
    assert results[2].error is not None and results[2].error.code == 503  # not found
    # The refused one is untouched; the accepted one waits for the school.
    assert [v.id for v in reg.pending_void_requests(counselor(B), NOW)] == [keys["b1"]]
    at_school = reg.pending_void_requests(office(A), NOW)
    assert [v.id for v in at_school] == [keys["a1"]]
    done = reg.approve_void_requests(office(A), [keys["a1"]], now=NOW)
    assert done[0].void_stage == "approved"
    assert reg.get(keys["a1"]).stage(NOW) == "change_open"
