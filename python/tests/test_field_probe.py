"""The proof that a field added to a core record reaches Python with no edit here.

The core's test-only feature ``field-probe`` adds ``BasicInfo.probe_note``; ``scripts/field-probe.sh``
builds the extension with it and runs this test with ``GRADREG_FIELD_PROBE=1`` (then the field must
be there). In an ordinary build the test is skipped.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

import gradreg
from gradreg import Actor, BasicInfo, Registry, _native, _schema

from conftest import NOW

DEMANDED = os.environ.get("GRADREG_FIELD_PROBE") == "1"
BUILT = "probe_note" in _schema.DEFS["BasicInfo"]["properties"]


@pytest.mark.skipif(not (DEMANDED or BUILT), reason="needs the field-probe build (scripts/field-probe.sh)")
def test_a_field_added_in_rust_reaches_python(tmp_path: Path) -> None:
    assert BUILT, "this build's core has no BasicInfo.probe_note"
    assert "probe_note" in {f.name for f in dataclasses.fields(BasicInfo)}
    data = {**gradreg.sample.basic_info().to_dict(), "probe_note": "探针 probe"}
    info = BasicInfo.from_dict(data)
    assert getattr(info, "probe_note") == "探针 probe"
    assert info.to_dict() == data
    assert BasicInfo.from_json(info.to_json()) == info
    # The core validates it and writes it back.
    assert info.problems() == []
    assert json.loads(_native.normalize("basic_info", info._wire()))["probe_note"] == "探针 probe"
    # Through the state machine, and stored in a registry file and read back.
    out = gradreg.apply(
        gradreg.Registration("r1"), Actor.school_office("s", "10327"), gradreg.Command.upload_basic_info(info), NOW
    )
    assert out.registration.basic is not None
    assert getattr(out.registration.basic, "probe_note") == "探针 probe"
    with Registry.open(tmp_path) as reg:
        reg.upload({"k": info}, Actor.school_office("s", "10327"), NOW)
    with Registry.open(tmp_path) as reg:
        stored = reg.get("k").basic
        assert stored is not None and getattr(stored, "probe_note") == "探针 probe"
        assert stored == info
