"""One ID number in several cohorts, unique transfer numbers, and transfer numbers issued from
Python."""

from __future__ import annotations

import pytest

import gradreg
from gradreg import Actor, CohortKey, Command, Registry, StorageError

from conftest import NOW

# The school-scoped office (id and school code).
OFFICE = Actor("school_office", id="jyc01", school="10327")
PLATFORM = Actor.provincial_platform("js24365")


def graduate(student: str, level: str) -> gradreg.BasicInfo:
    b = gradreg.sample.basic_info()
    b.student_number = student
    b.education_level = level
    return b


def test_cohort_lookups_name_each_registration_s_cohort() -> None:
    reg = Registry.in_memory()
    bachelor = graduate("b1", "31")
    master = graduate("m1", "11")
    reg.apply("10327:b1", OFFICE, Command.upload_basic_info(bachelor), NOW)
    reg.apply("10327:m1", OFFICE, Command.upload_basic_info(master), NOW)
    found = reg.find_by_id_number(bachelor.id_number.lower())
    assert [(f.registration.id, f.cohort) for f in found] == [
        ("10327:b1", CohortKey(2026, "31")),
        ("10327:m1", CohortKey(2026, "11")),
    ]
    one = reg.find_by_id_number_in(bachelor.id_number, 2026, "11")
    assert one is not None and one.id == "10327:m1"
    assert reg.find_by_id_number_in(bachelor.id_number, 2025, "11") is None
    assert reg.find_by_id_number("110101199001011237") == []
    # The same cohort under another key is refused, naming the holder.
    with pytest.raises(StorageError) as e:
        reg.apply("10327:m2", OFFICE, Command.upload_basic_info(master), NOW)
    assert e.value.code == 508 and e.value.detail == {"other": "10327:m1"}


def test_transfer_numbers_are_issued_parsed_and_unique() -> None:
    number = gradreg.transfer_number_from_entropy(bytes([3] * 16))
    assert number == "ZD-0R30-C1G6-0R3D"  # as Rust's TransferNumber::from_entropy
    assert gradreg.parse_transfer_number("zd 0r30 c1g6 0r3d") == number
    with pytest.raises(gradreg.ArgumentError):
        gradreg.transfer_number_from_entropy(bytes(15))
    fresh = gradreg.random_transfer_number()
    assert fresh.startswith("ZD-") and gradreg.parse_transfer_number(fresh) == fresh
    assert fresh != gradreg.random_transfer_number()

    reg = Registry.in_memory()
    for seq, student in ((1, "a"), (2, "b")):
        b = graduate(student, "31")
        b.id_number = gradreg.sample.id_number("320102", "20040315", seq, True)
        reg.apply(f"10327:{student}", OFFICE, Command.upload_basic_info(b), NOW)
    data = gradreg.sample.destination_data()
    assert data.archive is not None
    data.archive.transfer_number = number
    reg.apply("10327:a", PLATFORM, Command.report_destination(data), NOW)
    with pytest.raises(StorageError) as e:
        reg.apply("10327:b", PLATFORM, Command.report_destination(data), NOW)
    assert e.value.code == 509
    assert e.value.detail == {"number": number, "holder": "10327:a"}
    assert reg.get("10327:b").destination is None
