"""Rosters: CSV in every encoding and XLSX, every bad cell reported, imports into the registry,
and broken files."""

from __future__ import annotations

import io
from pathlib import Path
from typing import List

import pytest

import gradreg
from gradreg import ArgumentError, Graduate, Registry

from conftest import NOW


def cohort(n: int = 20) -> List[Graduate]:
    return gradreg.generate_cohort(n, seed=7)


def test_generated_cohort_round_trips_through_a_csv_roster() -> None:
    grads = cohort()
    assert len(grads) == 20 and all(g.basic.is_valid() for g in grads)
    assert gradreg.generate_cohort(20, seed=7) == grads  # same seed, same people
    text = gradreg.roster_csv(grads)
    assert text.splitlines()[0].startswith("姓名") or "身份证号" in text.splitlines()[0]
    roster = gradreg.parse_roster(text.encode("utf-8"))
    assert roster.format == "csv" and roster.encoding == "utf-8"
    assert [r.info for r in roster.rows] == [g.basic for g in grads]
    assert all(r.ok for r in roster.rows) and roster.problems == []
    pinyin = gradreg.roster_csv(grads, headers="pinyin")
    assert "sfzh" in pinyin.splitlines()[0].lower()
    assert [r.info for r in gradreg.parse_roster(pinyin.encode()).rows] == [g.basic for g in grads]


@pytest.mark.parametrize("encoding, expect", [("utf-8-sig", "utf-8-bom"), ("gb18030", "gb18030"), ("gbk", "gb18030")])
def test_encodings(encoding: str, expect: str) -> None:
    grads = cohort(5)
    data = gradreg.roster_csv(grads).encode(encoding)
    roster = gradreg.parse_roster(data)
    assert roster.encoding == expect
    assert [r.info.name for r in roster.rows] == [g.basic.name for g in grads]


def test_every_bad_cell_is_reported_with_row_and_column() -> None:
    grads = cohort(6)
    lines = gradreg.roster_csv(grads).splitlines()
    header = lines[0].split(",")
    id_col = next(i for i, h in enumerate(header) if h == "身份证号")
    row3 = lines[2].split(",")
    row3[id_col] = "3.20102E+17"
    lines[2] = ",".join(row3)
    lines.append(lines[1])  # the first graduate twice
    roster = gradreg.parse_roster("\r\n".join(lines).encode())
    bad = roster.problems_of(3)
    assert any(p.column == "身份证号" and p.code == "scientific_notation" for p in bad)
    assert any(p.code == "duplicate" for p in roster.problems)
    assert not roster.rows[1].ok
    assert len(list(roster.ok_rows())) < len(roster.rows)
    assert "第 3 行" in str(bad[0])


def test_broken_rosters() -> None:
    with pytest.raises(ArgumentError) as info:
        gradreg.parse_roster(b"")
    assert info.value.code == 106
    with pytest.raises(ArgumentError):
        gradreg.parse_roster(b"just,some,columns\r\n1,2,3\r\n")
    with pytest.raises(ArgumentError):
        gradreg.parse_roster(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ArgumentError):
        gradreg.parse_roster(gradreg.roster_csv(cohort(2)).encode("gb18030"), encoding="utf8")
    with pytest.raises(TypeError):
        gradreg.parse_roster(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        gradreg.parse_roster(io.StringIO("姓名"))  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError) as nf:
        gradreg.parse_roster("/no/such/roster.csv")
    assert nf.value.code == 113  # type: ignore[attr-defined]
    with pytest.raises(ArgumentError):
        gradreg.parse_roster(b"x", format="pdf")


def test_xlsx_roster(tmp_path: Path) -> None:
    # A workbook written by the core's own writer is not exposed; build one from the CSV with the
    # standard library's zipfile so the test needs nothing else.
    import zipfile
    from xml.sax.saxutils import escape

    grads = cohort(3)
    rows = [line.split(",") for line in gradreg.roster_csv(grads).splitlines()]
    sheet_rows = []
    for r, cells in enumerate(rows, start=1):
        cs = "".join(
            f'<c r="{chr(65 + c) if c < 26 else "A" + chr(65 + c - 26)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
            for c, v in enumerate(cells)
        )
        sheet_rows.append(f'<row r="{r}">{cs}</row>')
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="生源" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + "".join(sheet_rows)
        + "</sheetData></worksheet>",
    }
    path = tmp_path / "roster.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    roster = gradreg.parse_roster(path)
    assert roster.format == "xlsx"
    assert [r.info for r in roster.rows] == [g.basic for g in grads]


def test_import_into_the_registry(tmp_path: Path) -> None:
    grads = cohort(30)
    path = tmp_path / "roster.csv"
    path.write_bytes(gradreg.roster_csv(grads).encode("gb18030"))
    with Registry.open(tmp_path) as reg:
        report = reg.import_roster(path, now=NOW)
        assert (report.rows, report.created, report.rejected) == (30, 30, 0)
        assert report.encoding == "gb18030"
        again = reg.import_roster(path.read_bytes(), now=NOW)
        assert again.unchanged == 30 and again.created == 0
        key = f"{grads[0].basic.school_code}:{grads[0].basic.student_number}"
        assert reg.get(key).basic == grads[0].basic
        assert reg.statistics(NOW).total == 30

    # A bad cell: all or nothing imports nothing, good rows imports the rest.
    lines = gradreg.roster_csv(cohort(4)).splitlines()
    cells = lines[1].split(",")
    cells[2] = "3.20102E+17"
    lines[1] = ",".join(cells)
    data = "\r\n".join(lines).encode()
    reg2 = Registry.in_memory()
    r1 = reg2.import_roster(io.BytesIO(data), now=NOW)
    assert r1.created == 0 and r1.rejected == 4 and r1.problems
    r2 = reg2.import_roster(data, now=NOW, mode="good_rows")
    assert r2.created == 3 and r2.rejected == 1
    assert all(p.row == 2 for p in r2.problems)
    with pytest.raises(ArgumentError):
        reg2.import_roster(data, now=NOW, mode="some_rows")
    with pytest.raises(FileNotFoundError):
        reg2.import_roster(tmp_path / "missing.xlsx", now=NOW)


def _parsed_both_ways(n: int = 6) -> "tuple[gradreg.Roster, gradreg.Roster, bytes]":
    """A roster read by ``parse_roster`` (rows made on first use) and the same one built from
    the core's JSON (every row made at once)."""
    import json

    from gradreg import _native

    data = gradreg.roster_csv(cohort(n)).encode()
    slow = gradreg.Roster.from_dict(json.loads(_native.parse_roster(data, "auto", "auto", None, None)))
    return gradreg.parse_roster(data), slow, data


@pytest.mark.parametrize(
    "first_use",
    [
        "len", "index", "negative_index", "slice", "iterate", "reversed", "contains", "eq",
        "eq_reflected", "repr", "to_dict", "asdict", "pickle", "deepcopy", "copy", "radd",
        "add", "mul", "rmul", "extend_other", "tuple", "sorted", "bool", "append", "pop",
        "insert", "setitem", "delitem", "clear", "sort", "reverse", "index_of", "count",
        "ok_rows", "roster_eq", "check_types", "iadd",
    ],
)
def test_rows_made_on_first_use_behave_as_a_list(first_use: str) -> None:
    import copy
    import dataclasses
    import pickle

    lazy, slow, _ = _parsed_both_ways()
    rows, expect = lazy.rows, list(slow.rows)
    assert isinstance(rows, list) and type(slow.rows) is list
    n = len(expect)
    if first_use == "len":
        assert len(rows) == n
    elif first_use == "index":
        assert rows[2] == expect[2]
    elif first_use == "negative_index":
        assert rows[-1] == expect[-1]
        with pytest.raises(IndexError):
            rows[n]
    elif first_use == "slice":
        got = rows[1:4]
        assert type(got) is list and got == expect[1:4]
    elif first_use == "iterate":
        assert [r.row for r in rows] == [r.row for r in expect]
    elif first_use == "reversed":
        assert list(reversed(rows)) == expect[::-1]
    elif first_use == "contains":
        assert expect[3] in rows and expect[3] not in rows[:3]
    elif first_use == "eq":
        assert rows == expect and not (rows != expect) and rows != expect[:-1]
    elif first_use == "eq_reflected":
        assert expect == rows and not (expect[:-1] == rows)
    elif first_use == "repr":
        assert repr(rows) == repr(expect) and repr(lazy) == repr(slow) and str(rows) == str(expect)
    elif first_use == "to_dict":
        assert lazy.to_dict() == slow.to_dict() and len(lazy.to_dict()["rows"]) == n
    elif first_use == "asdict":
        assert dataclasses.asdict(lazy) == dataclasses.asdict(slow)
        assert isinstance(dataclasses.asdict(lazy)["rows"][0], dict)
    elif first_use == "pickle":
        back = pickle.loads(pickle.dumps(lazy))
        assert back == slow and type(back.rows) is list
        assert type(pickle.loads(pickle.dumps(rows))) is list
    elif first_use == "deepcopy":
        copied = copy.deepcopy(lazy)
        assert copied == slow and copied.rows[0] is not rows[0]
    elif first_use == "copy":
        assert rows.copy() == expect and type(rows.copy()) is list and copy.copy(rows) == expect
    elif first_use == "radd":
        assert [1] + rows == [1] + expect
    elif first_use == "add":
        assert rows + [1] == expect + [1]
    elif first_use == "mul":
        assert rows * 2 == expect * 2
    elif first_use == "rmul":
        assert 2 * rows == 2 * expect
    elif first_use == "extend_other":
        other: list = []  # type: ignore[type-arg]
        other.extend(rows)
        assert other == expect
    elif first_use == "tuple":
        assert tuple(rows) == tuple(expect)
    elif first_use == "sorted":
        assert sorted(rows, key=lambda r: -r.row) == sorted(expect, key=lambda r: -r.row)
    elif first_use == "bool":
        assert rows and bool(rows)
    elif first_use == "append":
        rows.append(expect[0])
        assert len(rows) == n + 1 and rows[:n] == expect and rows[-1] == expect[0]
    elif first_use == "pop":
        assert rows.pop() == expect[-1] and rows == expect[:-1]
    elif first_use == "insert":
        rows.insert(0, expect[-1])
        assert rows == [expect[-1]] + expect
    elif first_use == "setitem":
        rows[0] = expect[1]
        assert rows == [expect[1]] + expect[1:]
    elif first_use == "delitem":
        del rows[0]
        assert rows == expect[1:]
    elif first_use == "clear":
        rows.clear()
        assert rows == [] and len(rows) == 0
    elif first_use == "sort":
        rows.sort(key=lambda r: -r.row)
        assert [r.row for r in rows] == sorted((r.row for r in expect), reverse=True)
    elif first_use == "reverse":
        rows.reverse()
        assert rows == expect[::-1]
    elif first_use == "index_of":
        assert rows.index(expect[4]) == 4
    elif first_use == "count":
        assert rows.count(expect[0]) == 1
    elif first_use == "ok_rows":
        assert list(lazy.ok_rows()) == [r for r in expect if r.ok]
    elif first_use == "roster_eq":
        assert lazy == slow and slow == lazy
    elif first_use == "check_types":
        lazy._check_types()
        assert rows == expect
    elif first_use == "iadd":
        rows += [expect[0]]
        assert lazy.rows is rows and rows == expect + [expect[0]]
    # Whatever came first, the rows are then the same objects on every use.
    if rows:
        assert rows[0] is rows[0] and next(iter(rows)) is rows[0]


def test_rows_made_on_first_use_are_made_once_and_read_twice() -> None:
    import threading

    lazy, slow, data = _parsed_both_ways(40)
    rows = lazy.rows
    seen: list = []  # type: ignore[type-arg]
    threads = [threading.Thread(target=lambda: seen.append(list(rows))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(rows) == 40 and rows == slow.rows
    assert all(len(s) == 40 and all(a is b for a, b in zip(s, rows)) for s in seen)
    assert [r.info.name for r in rows] == [r.info.name for r in rows]
    # Rows of a roster are objects of their own: a change to one roster's rows is not another's.
    other = gradreg.parse_roster(data)
    rows[0].info.name = "改"
    assert other.rows[0].info.name != "改" and other.rows == slow.rows

