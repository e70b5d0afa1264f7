"""The record classes are built from the core's schema: every field of every class is a property of
its Rust type, a property added to a definition becomes a field with no edit, and the core's fixed
lists reach Python unchanged."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, Iterator, Set

import pytest

import gradreg
from gradreg import _fields, _native, _schema
from gradreg import ArgumentError, ArgumentTypeError


def _properties(node: Dict[str, Any]) -> Set[str]:
    props, _, _ = _schema._object(node)
    out = set(props)
    for variant in node.get("oneOf", []):
        out |= set(_schema._object(variant)[0])
    return out


def test_every_record_class_has_exactly_the_fields_of_its_rust_type() -> None:
    assert len(_schema.CLASSES) == 57
    for name, cls in _schema.CLASSES.items():
        fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        assert fields == _properties(_schema.DEFS[name]), name
        assert getattr(gradreg, cls.__name__) is cls


def test_field_order_is_the_rust_declaration_order() -> None:
    names = [f.name for f in dataclasses.fields(gradreg.BasicInfo)]
    assert names == _schema.DEFS["BasicInfo"]["x-order"]
    # Fields the constructor needs come first; the rest keep their order.
    summary = [f.name for f in dataclasses.fields(gradreg.Summary)]
    assert summary[:2] == ["id", "version"] and summary[-1] == "void_filed_at"
    p = gradreg.Problem("id_number", "bad_format", "格式错误", "bad format")
    assert (p.field, p.code) == ("id_number", "bad_format")


def test_defaults_come_from_the_core() -> None:
    assert gradreg.ValidityBounds() == gradreg.Policy.jiangsu().validity
    assert gradreg.ReminderOptions().deadline_within_days == 7
    reg = gradreg.Registration("r")
    assert (reg.version, reg.basic_status, reg.authorizations) == (0, "not_uploaded", [])
    assert gradreg.ArchiveTransfer().method == "confidential_mail"
    with pytest.raises(TypeError):
        gradreg.Problem("id_number")  # type: ignore[call-arg]


def test_tagged_unions_check_the_variant() -> None:
    for role in ("graduate", "chsi", "counselor", "archive_dept"):
        assert role in _schema.CLASSES["Actor"]._spec.variants
    assert gradreg.Actor("chsi").to_dict() == {"role": "chsi"}
    with pytest.raises(ArgumentTypeError):
        gradreg.Actor("graduate")
    with pytest.raises(ArgumentError):
        gradreg.Actor("school_office", id="s", school="10327", college="x")


@pytest.fixture
def extra_definition() -> Iterator[str]:
    """A definition the core does not have, standing for a Rust type that gained a field."""
    node = json.loads(json.dumps(_schema.DEFS["Study"]))
    node["properties"]["campus"] = {"type": ["string", "null"], "description": "Added in Rust."}
    node["x-order"] = node["x-order"] + ["campus"]
    _schema.DEFS["StudyWithCampus"] = node
    yield "StudyWithCampus"
    del _schema.DEFS["StudyWithCampus"]
    _schema.CLASSES.pop("StudyWithCampus", None)


def test_a_property_added_to_a_definition_is_a_field(extra_definition: str) -> None:
    class Later(getattr(_fields, extra_definition)):  # type: ignore[misc]
        """Study, as the class would read it once the Rust type has a campus."""

    rec = Later.from_dict({"school": "南京大学", "major": "会计学", "campus": "仙林"})
    assert rec.campus == "仙林"
    assert rec.to_dict() == {"school": "南京大学", "major": "会计学", "campus": "仙林"}
    assert Later().campus is None and "campus" not in Later().to_dict()
    with pytest.raises(TypeError):
        Later.from_dict({"campus": 5})


def test_the_core_lists_come_from_the_native_module() -> None:
    constants = json.loads(_native.constants())
    assert gradreg.STAGES == tuple(constants["stages"]) == _schema.enum_values("Stage")
    assert gradreg.VERDICTS == tuple(constants["verdicts"]) == _schema.enum_values("VerdictKind")
    assert gradreg.TABLES == tuple(constants["tables"])
    assert gradreg.SECTIONS == _schema.enum_values("Section")
    assert gradreg.REMINDER_KINDS[0] == "deadline_approaching" and len(gradreg.REMINDER_KINDS) == 9
    assert gradreg.registry.DEFAULT_FILE_NAME == "gradreg.sqlite3"


def test_the_folder_rule_is_the_cores(tmp_path: Any) -> None:
    assert str(_native.database_path(str(tmp_path))) == str(tmp_path / "gradreg.sqlite3")
    assert str(_native.database_path(str(tmp_path / "x.db"))) == str(tmp_path / "x.db")
    with pytest.raises(gradreg.StorageOSError) as info:
        _native.database_path(str(tmp_path / "no" / "x.db"))
    assert info.value.code == gradreg.error_code("io")
    assert "no" in info.value.message
