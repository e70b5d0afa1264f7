"""The state machine, policies, actors, commands, reminders and verification numbers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import gradreg
from gradreg import (
    Actor,
    ArgumentError,
    Command,
    LoginRefusedError,
    Policy,
    Registration,
    StateError,
    VerificationError,
)

from conftest import ALL_STEPS, NOW, walk


def test_the_whole_guide(authorized: Registration) -> None:
    assert authorized.stage(NOW) == "authorized"
    assert authorized.basic_status == "confirmed"
    assert authorized.destination_status == "confirmed"
    (auth,) = authorized.authorizations
    assert auth.status_at(NOW) == "valid"
    assert auth.status_at(NOW + timedelta(days=31)) == "expired"
    assert auth.sections.archive and auth.sections.hukou
    assert authorized.authorization(auth.number.lower().replace("-", " ")) == auth


def test_each_stage_in_order() -> None:
    reg = Registration("r1")
    assert reg.stage(NOW) == "not_uploaded"
    expected = [
        "not_logged_in",
        "not_logged_in",
        "basic_info_review",
        "awaiting_report",
        "awaiting_confirmation",
        "confirmed",
        "authorized",
    ]
    for step, stage in zip(ALL_STEPS, expected):
        reg = walk(reg, [step])
        assert reg.stage(NOW) == stage
        assert stage in gradreg.STAGES


def test_outcome_has_events_and_audit() -> None:
    basic = gradreg.sample.basic_info()
    out = gradreg.apply(
        Registration("r1"), Actor.school_office("s001", "10327"), Command.upload_basic_info(basic), NOW
    )
    assert out.changed
    assert out.audit.actor == Actor.school_office("s001", "10327")
    assert out.audit.action == "upload_basic_info"
    assert out.audit.at == NOW
    assert out.events and out.events[0].message_zh
    assert out.registration.basic == basic
    # An identical re-upload changes nothing.
    again = gradreg.apply(
        out.registration, Actor.school_office("s001", "10327"), Command.upload_basic_info(basic), NOW
    )
    assert not again.changed


def test_registration_round_trips_through_dicts(authorized: Registration) -> None:
    d = authorized.to_dict()
    assert Registration.from_dict(d) == authorized
    assert Registration.from_json(authorized.to_json()) == authorized
    assert d["authorizations"][0]["number"].count("-") == 3


def test_refusals_are_state_errors_with_codes() -> None:
    reg = walk(Registration("r1"), ["upload", "chsi", "login", "confirm_basic"])
    grad = Actor.graduate(gradreg.sample.basic_info().id_number)
    with pytest.raises(StateError) as info:
        gradreg.apply(reg, grad, Command.confirm_destination(), NOW)
    assert info.value.code == 208
    with pytest.raises(StateError) as info:
        gradreg.apply(reg, Actor.counselor("t1", "10327", "会计学院"), Command.login(), NOW)
    assert info.value.code == 201
    with pytest.raises(StateError) as info:
        gradreg.apply(reg, grad, Command.authorize(), NOW)
    assert 200 <= info.value.code < 300


def test_login_refusal_lists_every_reason() -> None:
    reg = walk(Registration("r1"), ["upload"])
    chsi = gradreg.sample.chsi_account()
    chsi.name = "张敏"
    chsi.student_record_bound = False
    reg = gradreg.apply(reg, Actor.chsi(), Command.update_chsi_account(chsi), NOW).registration
    with pytest.raises(LoginRefusedError) as info:
        gradreg.apply(reg, Actor.graduate(chsi.id_number), Command.login(), NOW)
    reasons = {r["reason"] for r in info.value.reasons}
    assert reasons == {"name_mismatch", "student_record_not_bound"}
    assert info.value.code == 202
    assert {r["reason"] for r in reg.login_problems()} == reasons


def test_validity_out_of_bounds() -> None:
    reg = walk(Registration("r1"), ALL_STEPS[:-1])
    grad = Actor.graduate(gradreg.sample.basic_info().id_number)
    with pytest.raises(StateError) as info:
        gradreg.apply(reg, grad, Command.authorize(500), NOW)
    assert info.value.code == 216
    assert info.value.detail == {"requested": 500, "min": 1, "max": 180}


def test_change_after_confirmation_supersedes_authorization(authorized: Registration) -> None:
    grad = Actor.graduate(gradreg.sample.basic_info().id_number)
    reg = gradreg.apply(authorized, grad, Command.file_void_request("换单位"), NOW).registration
    assert reg.stage(NOW) == "void_requested"
    reg = gradreg.apply(
        reg, Actor.counselor("t1", "10327", "会计学院"), Command.approve_void_request(), NOW
    ).registration
    reg = gradreg.apply(
        reg, Actor.school_office("s1", "10327"), Command.approve_void_request("同意"), NOW
    ).registration
    data = gradreg.sample.destination_data()
    assert data.destination.employer is not None
    data.destination.employer.name = "南京新单位有限公司"
    reg = gradreg.apply(
        reg, Actor.provincial_platform("p"), Command.report_destination(data), NOW
    ).registration
    assert reg.authorizations[0].state == "superseded"
    assert reg.authorizations[0].status_at(NOW) == "superseded"
    assert reg.stage(NOW) == "awaiting_confirmation"


def test_policies() -> None:
    js = Policy.jiangsu()
    assert js.registration_deadline.month == 6 and js.registration_deadline.day == 15
    end = js.registration_deadline_end(2026)
    assert end == datetime(2026, 6, 15, 16, tzinfo=timezone.utc)
    assert Policy.national().change_deadline_end(2026) == datetime(
        2026, 8, 31, 16, tzinfo=timezone.utc
    )
    assert Policy.from_dict(js.to_dict()) == js
    bad = Policy.from_dict(
        {
            "name": "bad",
            "registration_deadline": {"month": 2, "day": 30},
            "change_deadline": {"month": 8, "day": 15},
        }
    )
    with pytest.raises(ArgumentError) as info:
        bad.check()
    assert info.value.code == 104
    with pytest.raises(ArgumentError):
        gradreg.apply(Registration("r"), Actor.chsi(), Command.login(), NOW, bad)
    with pytest.raises(TypeError):
        js.registration_deadline_end("2026")  # type: ignore[arg-type]


def test_a_late_report_is_marked() -> None:
    after = datetime(2026, 6, 20, 2, tzinfo=timezone.utc)
    reg = walk(Registration("r1"), ["upload", "chsi", "login", "confirm_basic"])
    reg = walk(reg, ["report"], now=after)
    assert reg.late


def test_actor_and_command_checks() -> None:
    with pytest.raises(ArgumentError):
        Actor("dean", id="x")
    with pytest.raises(TypeError):
        Actor.counselor("t1", "10327", None)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError):
        Actor("chsi", id="x")
    assert Actor.from_dict(Actor.archive_dept("a1", "南京市人才服务中心").to_dict()).name
    with pytest.raises(TypeError):
        Command.upload_basic_info({"name": "张明"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Command.authorize("30")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError) as info:
        Command.from_dict({"command": "fly_to_the_moon"})
    assert info.value.code == 102
    c = Command.from_dict(Command.dispute_destination("单位名称错误").to_dict())
    assert c == Command.dispute_destination("单位名称错误")
    assert c.name == "dispute_destination"
    with pytest.raises(TypeError):
        gradreg.apply("r1", Actor.chsi(), Command.login(), NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        gradreg.apply(Registration("r1"), None, Command.login(), NOW)  # type: ignore[arg-type]


def test_instants_need_a_time_zone() -> None:
    with pytest.raises(ArgumentError):
        Registration("r").stage(datetime(2026, 5, 1))
    with pytest.raises(TypeError):
        Registration("r").stage("2026-05-01")  # type: ignore[arg-type]
    east8 = timezone(timedelta(hours=8))
    assert Registration("r").stage(datetime(2026, 5, 1, 10, tzinfo=east8)) == "not_uploaded"


def test_reminders_for_a_cohort() -> None:
    near = datetime(2026, 6, 12, 2, tzinfo=timezone.utc)
    reg = walk(Registration("r1"), ["upload", "chsi", "login", "confirm_basic"], now=near)
    found = gradreg.reminders([reg], near)
    kinds = {r.kind: r for r in found}
    assert "deadline_approaching" in kinds
    assert kinds["deadline_approaching"].days_left == 4
    assert kinds["deadline_approaching"].message_zh
    missed = gradreg.reminders([reg], datetime(2026, 6, 16, tzinfo=timezone.utc))
    assert any(r.kind == "deadline_missed" for r in missed)
    with pytest.raises(TypeError):
        gradreg.reminders([reg.to_dict()], near)  # type: ignore[list-item]


def test_verification_numbers() -> None:
    n = gradreg.random_number()
    assert len(n) == 19 and n.count("-") == 3
    assert gradreg.parse_number(n.lower().replace("-", "")) == n
    typo = n[:-1] + ("0" if n[-1] != "0" else "1")
    with pytest.raises(VerificationError) as info:
        gradreg.parse_number(typo)
    assert info.value.code == 302
    with pytest.raises(VerificationError) as info:
        gradreg.parse_number("123")
    assert info.value.code == 301
    with pytest.raises(TypeError):
        gradreg.parse_number(None)  # type: ignore[arg-type]


def test_code_tables() -> None:
    assert gradreg.code_name("destinations", "10") == "签就业协议形式就业"
    assert gradreg.code_name("destinations", "99") is None
    assert gradreg.is_placed("10") is True
    assert gradreg.is_placed("70") is False
    assert gradreg.is_placed("xx") is None
    with pytest.raises(ArgumentError):
        gradreg.code_name("planets", "10")


def test_withdraw_void_request_keeps_the_confirmation(authorized: Registration) -> None:
    grad = Actor.graduate(gradreg.sample.basic_info().id_number)
    reg = gradreg.apply(authorized, grad, Command.file_void_request("可能换单位"), NOW).registration
    assert reg.stage(NOW) == "void_requested"
    out = gradreg.apply(reg, grad, Command.withdraw_void_request(), NOW)
    assert out.audit.action == "withdraw_void_request"
    assert out.registration.void_request is not None
    assert out.registration.void_request.stage == "withdrawn"
    assert out.registration.stage(NOW) == "authorized"
    assert [e.kind for e in out.events] == ["void_request_withdrawn"]
    assert Command.from_dict({"command": "withdraw_void_request"}) == Command.withdraw_void_request()


def test_graduation_batches_in_policies() -> None:
    js = Policy.jiangsu()
    assert [b.name for b in js.batches] == ["winter"]
    assert js.batches[0].from_month == 9 and js.batches[0].year_offset == 1
    assert Policy.from_dict(js.to_dict()) == js
    old = Policy.from_dict(
        {
            "name": "old",
            "registration_deadline": {"month": 6, "day": 15},
            "change_deadline": {"month": 8, "day": 15},
        }
    )
    assert not old.batches
    old.check()
    early = Policy.from_dict(
        {
            "name": "early",
            "registration_deadline": {"month": 6, "day": 15},
            "change_deadline": {"month": 6, "day": 1},
        }
    )
    with pytest.raises(ArgumentError) as info:
        early.check()
    assert info.value.code == 104
    # A graduate's own deadlines are those of their batch: December graduates a year later.
    summer, winter = js.deadlines("2026-06-30"), js.deadlines("2026-12-20")
    assert summer.batch is None and str(summer.registration_day) == "2026-06-15"
    assert winter.batch == "winter" and str(winter.registration_day) == "2027-06-15"
    assert winter.registration_end > summer.change_end
    with pytest.raises(ArgumentError):
        js.deadlines("2026-13-01")


def test_never_logged_in_is_reminded_whatever_the_stage() -> None:
    basic = gradreg.sample.basic_info()
    reg = Registration("10327:2022010123")
    office = Actor.school_office("jyc01", "10327")
    reg = gradreg.apply(reg, office, Command.upload_basic_info(basic), NOW).registration
    reg = gradreg.apply(
        reg,
        Actor.provincial_platform("js24365"),
        Command.report_destination(gradreg.sample.destination_data()),
        NOW,
    ).registration
    assert reg.stage(NOW) == "awaiting_confirmation"
    assert not reg.logged_in()
    assert [r["reason"] for r in reg.login_problems()] == ["no_chsi_account"]
    later = NOW + timedelta(days=5)
    due = gradreg.reminders([reg], later)
    never = [r for r in due if r.kind == "never_logged_in"]
    assert {r.recipient["to"] for r in never} == {"graduate", "counselor"}
    assert all(r.reasons == ["no_chsi_account"] for r in never)
    again = gradreg.reminders([reg], later + timedelta(days=1))
    assert {r.id for r in due} == {r.id for r in again}
    assert len({r.id for r in due}) == len(due)
