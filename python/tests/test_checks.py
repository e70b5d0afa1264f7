"""The native validators (gradreg.checks) give the core's answers, the fast record path builds the
same objects as the checked one, and a registry opens by store URL."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Callable, Dict, List, Optional

import pytest

import gradreg
from gradreg import ArgumentError, ArgumentTypeError, checks
from gradreg import _native
from gradreg.roster import Roster

from conftest import NOW

NAMES: Dict[int, str] = {e.code: e.name for e in gradreg.ERROR_CODES}

#: Values no check should trip over: empty, blank, control characters, spreadsheet damage,
#: full-width digits, very long text, markup, what test_hostile draws.
HOSTILE: List[str] = [
    "",
    " ",
    "\t",
    "\x00",
    "\x00" * 18,
    "\x7f" * 18,
    "\u0085" * 18,
    "3.20102E+17",
    "320102200403151217.0",
    "32010220040315121７",
    "３２０１０２２００４０３１５１２１７",
    "9" * 400,
    "x" * 100_000,
    "'; DROP TABLE x; --",
    "<script>",
    "\ufeff320102200403151217",
    " 320102200403151217 ",
    "320102200403151217\n",
    "ZD-",
    "-",
    "é" * 18,
    "𝟘" * 18,
]


def basic_problem(field: str, value: str) -> Optional[str]:
    """The first problem code the core reports on ``field`` of the sample basic information
    holding ``value`` there. A residence-permit number (81/82/83…) in a record whose document
    type is the ID card draws ``id_type_mismatch`` there: a rule of the record's two fields,
    which the single number's check (any GB 11643 number, as the core's ``check_id_number``)
    leaves out."""
    record = dataclasses.replace(gradreg.sample.basic_info(), **{field: value})
    found = [p.code for p in record.problems() if p.field == field and p.code != "id_type_mismatch"]
    return found[0] if found else None


def credit_problem(value: str) -> Optional[str]:
    """The first problem code the core reports on an employer's credit code ``value``."""
    d = gradreg.sample.destination_data()
    assert d.destination.employer is not None
    employer = dataclasses.replace(d.destination.employer, credit_code=value)
    d = dataclasses.replace(d, destination=dataclasses.replace(d.destination, employer=employer))
    found = [p.code for p in d.problems() if p.field == "destination.employer.credit_code"]
    return found[0] if found else None


def parse_problem(parse: Callable[[str], str], value: str) -> Optional[str]:
    """The error name of a number parser on ``value``, or ``None`` when it parses."""
    try:
        parse(value)
    except gradreg.GradregError as e:
        return NAMES[e.code]
    return None


def spoil(value: str) -> List[str]:
    """Every other last character: all but one carry a wrong check character."""
    return [value[:-1] + c for c in "0123456789X" if c != value[-1]]


def id_values() -> List[str]:
    ok = [g.basic.id_number for g in gradreg.generate_cohort(40, seed=5)]
    permit = gradreg.sample.id_number("810000", "19900101", 1, True)
    ok += ["11010519491231002X", permit, gradreg.sample.basic_info().id_number]
    odd = ["999999200403151217", "320102200402301217", "320102210001011217", "32010220040315121"]
    return ok + [s for v in ok[:5] for s in spoil(v)] + odd + HOSTILE


CREDIT_OK = ["91320106MA1XK2P3QH", "91350100M000100Y43", "91110000802100433B"]


def credit_values() -> List[str]:
    bad = ["91320106MA1XK2P3QI", "91320106ma1xk2p3qh", "9132010600000000E0", "91320106MA1XK2P3Q"]
    return CREDIT_OK + [s for v in CREDIT_OK for s in spoil(v)] + bad + HOSTILE


def test_id_numbers_as_the_core_judges_them() -> None:
    values = id_values()
    answers = [checks.check_id_number(v) for v in values]
    assert answers == [basic_problem("id_number", v) for v in values]
    assert checks.check_id_numbers(values) == answers
    assert answers.count(None) >= 43 and "bad_check_character" in answers


def test_credit_codes_as_the_core_judges_them() -> None:
    values = credit_values()
    answers = [checks.check_credit_code(v) for v in values]
    assert answers == [credit_problem(v) for v in values]
    assert checks.check_credit_codes(values) == answers
    assert answers[: len(CREDIT_OK)] == [None] * len(CREDIT_OK)
    assert {"bad_check_character", "bad_format", "required", "too_long"} <= set(answers)


def test_region_codes_as_the_core_judges_them() -> None:
    values = ["320102", "110105", "320106", "999999", "32010", "3201020", "320100"] + HOSTILE
    values += [g.basic.origin_region for g in gradreg.generate_cohort(20, seed=9)]
    answers = [checks.check_region_code(v) for v in values]
    # The record's origin region is optional; the check of one value calls an empty one
    # ``required``, as the record rule does for a required code.
    expected = [basic_problem("origin_region", v) if v.strip() else "required" for v in values]
    assert answers == expected
    assert checks.check_region_codes(values) == answers
    assert answers[0] is None and answers[3] == "unknown_region"


def test_verification_numbers_as_the_parser_judges_them() -> None:
    ok = [gradreg.codes.random_number() for _ in range(20)]
    typo = [n[:-1] + ("0" if n[-1] != "0" else "1") for n in ok]
    values = ok + [n.lower().replace("-", " ") for n in ok] + typo + HOSTILE
    answers = [checks.check_verification_number(v) for v in values]
    assert answers == [parse_problem(gradreg.codes.parse_number, v) for v in values]
    assert checks.check_verification_numbers(values) == answers
    assert answers[:20] == [None] * 20 and "number_typo" in answers and "number_malformed" in answers


def test_transfer_numbers_as_the_parser_judges_them() -> None:
    ok = [gradreg.random_transfer_number() for _ in range(20)]
    typo = [n[:-1] + ("0" if n[-1] != "0" else "1") for n in ok]
    values = ok + typo + [n[3:] for n in ok] + HOSTILE
    answers = [checks.check_transfer_number(v) for v in values]
    assert answers == [parse_problem(gradreg.parse_transfer_number, v) for v in values]
    assert checks.check_transfer_numbers(values) == answers
    assert answers[:20] == [None] * 20
    assert {"transfer_number_typo", "transfer_number_malformed"} <= set(answers)


def test_table_codes_as_the_tables_hold_them() -> None:
    for table in gradreg.TABLES:
        values = ["1", "01", "10", "31", "99", "320102", "CHN", "156", "ZZ"] + HOSTILE
        answers = checks.check_codes(table, values)
        assert answers == [checks.check_code(table, v) for v in values]
        for v, a in zip(values, answers):
            if table == "regions":
                assert a == checks.check_region_code(v)
            elif a is None:
                assert gradreg.code_name(table, v) is not None, (table, v)
            elif v.strip() and len(v) <= 16 and v.isprintable() and "." not in v:
                assert a == "unknown_code" and gradreg.code_name(table, v) is None, (table, v)
    assert checks.check_code("education_levels", "31") is None
    with pytest.raises(ArgumentError):
        checks.check_code("no_such_table", "1")


@pytest.mark.parametrize(
    "check",
    [
        checks.check_id_number,
        checks.check_credit_code,
        checks.check_region_code,
        checks.check_verification_number,
        checks.check_transfer_number,
    ],
)
def test_wrong_arguments_are_typed_errors(check: Callable[[str], Optional[str]]) -> None:
    for bad in (None, 1, b"320102", ["x"], 1.5):
        with pytest.raises(ArgumentTypeError):
            check(bad)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError):
        check("\ud800" + "1" * 17)


def test_list_forms_refuse_what_is_not_a_list_of_str() -> None:
    for bad in (None, "320102", [None], ["ok", 1], [b"x"]):
        with pytest.raises(ArgumentTypeError):
            checks.check_id_numbers(bad)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError):
        checks.check_credit_codes(["91350100M000100Y43", "\udfff"])
    assert checks.check_id_numbers([]) == []


# ---- the fast record path ----


def roster_bytes() -> bytes:
    """A roster with good rows, bad cells, rewritten values and an ignored column."""
    cohort = gradreg.generate_cohort(60, seed=11)
    text = gradreg.roster.roster_csv(cohort)
    lines = text.splitlines()
    lines[0] += ",备注"
    for i in range(1, len(lines)):
        lines[i] += f",第{i}行"
    lines[3] = lines[3].replace(cohort[2].basic.id_number, "3.20102E+17")
    lines[5] = lines[5].replace(cohort[4].basic.id_number, cohort[4].basic.id_number[:-1] + "0")
    lines[7] = lines[7].replace(",1,", ",男,", 1)
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_the_fast_record_path_builds_what_the_checked_one_builds() -> None:
    data = roster_bytes()
    fast = gradreg.parse_roster(data)
    raw = json.loads(_native.parse_roster(data, "auto", "auto", None, None))
    slow = Roster.from_dict(raw)
    assert fast == slow
    assert fast.to_dict() == slow.to_dict()
    assert not all(r.ok for r in fast.rows) and fast.problems and fast.ignored_columns()
    for a, b in zip(fast.rows, slow.rows):
        assert type(a) is type(b) and type(a.info) is type(b.info)
        assert dataclasses.asdict(a) == dataclasses.asdict(b)
    # Frozen classes stay frozen; mutable ones mutable.
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.problems[0].row = 1  # type: ignore[misc]
    fast.rows[0].ok = False
    # Defaults the core left out are filled as the constructor fills them, not shared.
    scan, first = gradreg.scan_roster(data)
    assert scan.problems == len(fast.problems) and first == fast.problems


def test_the_fast_record_path_on_registry_results() -> None:
    reg = gradreg.Registry.in_memory()
    cohort = gradreg.generate_cohort(5, seed=2)
    report = reg.import_roster(gradreg.roster.roster_csv(cohort).encode(), now=NOW)
    assert report.created == 5
    key = f"{cohort[0].basic.school_code}:{cohort[0].basic.student_number}"
    got = reg.find(key)
    raw = json.loads(reg._n.find(key))
    assert got is not None and got == gradreg.Registration.from_dict(raw)
    assert got.to_dict() == raw


# ---- store URLs ----


def test_open_by_store_url(tmp_path: "os.PathLike[str]") -> None:
    mem = gradreg.Registry.open("memory:")
    assert mem.path is None and mem.find("10327:1") is None
    mem.close()
    folder = os.fspath(tmp_path)
    cohort = gradreg.generate_cohort(3, seed=4)
    with gradreg.Registry.open("sqlite:" + folder) as reg:
        assert reg.path == os.path.join(folder, "gradreg.sqlite3")
        assert reg.import_roster(gradreg.roster.roster_csv(cohort).encode(), now=NOW).created == 3
    with gradreg.Registry.open(folder) as again:
        key = f"{cohort[1].basic.school_code}:{cohort[1].basic.student_number}"
        assert again.find(key) is not None
    with gradreg.Registry.open("sqlite://" + os.path.join(folder, "gradreg.sqlite3")) as third:
        assert third.find(key) is not None
    for bad in ("ftp://host/x", "sqlite:"):
        with pytest.raises(ArgumentError) as e:
            gradreg.Registry.open(bad)
        assert e.value.code == gradreg.error_code("invalid_argument")
    with pytest.raises(ArgumentError):
        gradreg.Registry.open("memory:", data_keys={1: b"k" * 32})
    # A PostgreSQL URL reaches the core's PostgreSQL store: nobody listens on port 1.
    with pytest.raises(gradreg.StorageError) as pg:
        gradreg.Registry.open("postgres://gradreg@127.0.0.1:1/gradreg")
    assert pg.value.code == gradreg.error_code("store_unreachable")


def test_open_a_postgresql_server() -> None:
    """The server the test command starts (``GRADREG_TEST_PG_URL``): a roster imported through
    one handle is read through another. A second run on the same database finds the rows there."""
    url = os.environ.get("GRADREG_TEST_PG_URL", "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must run this test against a PostgreSQL server (GRADREG_TEST_PG_URL)")
        pytest.skip("GRADREG_TEST_PG_URL is not set (scripts/test.sh sets it)")
    cohort = gradreg.generate_cohort(3, seed=17)
    keys = [f"{g.basic.school_code}:{g.basic.student_number}" for g in cohort]
    with gradreg.Registry.open(url) as reg:
        reg.import_roster(gradreg.roster.roster_csv(cohort).encode(), now=NOW)
        assert all(reg.find(k) is not None for k in keys)
    with gradreg.Registry.open(url) as again:
        found = [again.find(k) for k in keys]
        assert all(r is not None and r.basic is not None for r in found)
        assert [r.basic.name for r in found if r is not None and r.basic is not None] == [
            g.basic.name for g in cohort
        ]


def test_open_a_postgresql_server_over_tls() -> None:
    """The TLS server the test command starts (``GRADREG_TEST_PG_TLS_URL``, its throwaway
    authority in ``GRADREG_TEST_PG_TLS_CERTS``), opened as a libpq user writes it: the server's
    certificate checked against the authority and the host name. Another authority is refused."""
    url = os.environ.get("GRADREG_TEST_PG_TLS_URL", "")
    certs = os.environ.get("GRADREG_TEST_PG_TLS_CERTS", "")
    if not url or not certs:
        if os.environ.get("CI"):
            pytest.fail("CI must run this test against a TLS server (GRADREG_TEST_PG_TLS_URL)")
        pytest.skip("GRADREG_TEST_PG_TLS_URL is not set (scripts/test.sh sets it)")
    verified = f"{url}?sslmode=verify-full&sslrootcert={os.path.join(certs, 'ca.pem')}"
    cohort = gradreg.generate_cohort(2, seed=23)
    keys = [f"{g.basic.school_code}:{g.basic.student_number}" for g in cohort]
    with gradreg.Registry.open(verified) as reg:
        reg.import_roster(gradreg.roster.roster_csv(cohort).encode(), now=NOW)
    with gradreg.Registry.open(verified) as again:
        assert all(again.find(k) is not None for k in keys)
    with pytest.raises(gradreg.StorageError) as refused:
        gradreg.Registry.open(
            f"{url}?sslmode=verify-full&sslrootcert={os.path.join(certs, 'other-ca.pem')}"
        )
    assert refused.value.code == gradreg.error_code("store_certificate_rejected")
    assert "not signed by" in str(refused.value)
