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
