"""Records: dict round trips, every problem as an object, and bad inputs."""

from __future__ import annotations

import json

import pytest

import gradreg
from gradreg import (
    ArchiveTransfer,
    ArgumentError,
    ArgumentTypeError,
    BasicInfo,
    ChsiAccount,
    DestinationData,
    GradregError,
    Problem,
    ValidationError,
)


def test_samples_are_valid_and_round_trip() -> None:
    for rec in (
        gradreg.sample.basic_info(),
        gradreg.sample.chsi_account(),
        gradreg.sample.destination_data(),
    ):
        assert rec.problems() == []
        assert rec.is_valid()
        rec.validate()
        again = type(rec).from_dict(rec.to_dict())
        assert again == rec
        assert type(rec).from_json(rec.to_json()) == rec


def test_nested_records_are_typed() -> None:
    d = gradreg.sample.destination_data()
    assert isinstance(d.archive, ArchiveTransfer)
    assert d.destination.employer is not None and d.destination.employer.name
    assert d.destination.effective_code == "10"
    raw = d.to_dict()
    assert "sub_code" not in raw["destination"]  # None is left out, as in the core's JSON


def test_every_problem_is_reported_with_field_code_and_messages() -> None:
    b = gradreg.sample.basic_info()
    b.id_number = "3.20102E+17"
    b.phone = "1.38123E+10"
    b.ethnicity = "1"
    b.graduation_date = "2026-02-30"
    found = b.problems()
    assert all(isinstance(p, Problem) for p in found)
    by_field = {p.field: p for p in found}
    assert by_field["id_number"].code == "scientific_notation"
    assert by_field["id_number"].is_spreadsheet_damage
    assert "phone" in by_field
    assert by_field["ethnicity"].code == "lost_leading_zero"
    assert "graduation_date" in by_field
    assert all(p.message_zh and p.message_en for p in found)
    assert not b.is_valid()


def test_validate_raises_validation_error_that_is_a_value_error() -> None:
    b = gradreg.sample.basic_info()
    b.id_number = b.id_number[:-1] + ("0" if b.id_number[-1] != "0" else "1")
    b.email = "not-an-email"
    with pytest.raises(ValueError) as info:
        b.validate()
    err = info.value
    assert isinstance(err, ValidationError)
    assert isinstance(err, GradregError)
    assert err.code == 101
    fields = {p.field for p in err.problems}
    assert {"id_number", "email"} <= fields


def test_destination_problems() -> None:
    d = gradreg.sample.destination_data()
    assert d.destination.employer is not None
    d.destination.employer.credit_code = "91320106MA1XK2P3Q0"
    d.destination.code = "99"
    codes = {(p.field, p.code) for p in d.problems()}
    assert ("destination.code", "unknown_code") in codes


def test_chsi_account_problems() -> None:
    c = ChsiAccount(name="", id_number="123", student_record_bound=True)
    assert {p.field for p in c.problems()} >= {"name", "id_number"}


def test_wrong_types_are_type_errors_with_a_code() -> None:
    with pytest.raises(TypeError) as info:
        BasicInfo.from_dict({"id_number": 320102200403151234})
    assert isinstance(info.value, ArgumentTypeError)
    assert info.value.code == 103
    with pytest.raises(TypeError):
        BasicInfo.from_dict({"name": None})
    with pytest.raises(TypeError):
        BasicInfo.from_dict(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        BasicInfo.from_dict([("name", "x")])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ChsiAccount.from_dict({"student_record_bound": "yes"})
    with pytest.raises(TypeError):
        DestinationData.from_dict({"destination": "10"})
    # A record built directly with a wrong type is caught before it reaches the core.
    b = BasicInfo(name=123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        b.problems()
    with pytest.raises(TypeError):
        BasicInfo.from_json(b"{}")  # type: ignore[arg-type]


def test_unknown_fields_and_malformed_json_are_argument_errors() -> None:
    with pytest.raises(ArgumentError) as info:
        BasicInfo.from_dict({"nmae": "张明"})
    assert info.value.code == 102
    assert isinstance(info.value, ValueError)
    with pytest.raises(ArgumentError) as info:
        BasicInfo.from_json("{not json")
    assert info.value.code == 102


def test_bad_encodings_are_refused_cleanly() -> None:
    # A lone surrogate is what a file decoded with errors="surrogateescape" leaves behind.
    b = gradreg.sample.basic_info()
    b.name = "张\udcff明"
    with pytest.raises(ArgumentError) as info:
        b.problems()
    assert info.value.code == 102
    # Mojibake is still text: the record is checked as text and its problems reported.
    b = gradreg.sample.basic_info()
    b.name = "å¼ æ˜Ž"
    b.id_number = "ï»¿" + b.id_number
    assert any(p.field == "id_number" for p in b.problems())


def test_problem_round_trip() -> None:
    p = Problem("id_number", "bad_format", "格式错误", "bad format")
    assert Problem.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    assert "id_number" in str(p)
