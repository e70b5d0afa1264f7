"""A registry's own roster headers and code tables, notices, header previews and dry runs."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Dict, List

import pytest

import gradreg
from gradreg import ArgumentError, HeaderAliases, Registry

from conftest import NOW

#: A header no built-in table knows, for the ID number column.
OWN_HEADER = "学生证件编号甲"
#: An ethnicity code the built-in table (GB/T 3304) does not have.
NEW_CODE = "60"


def rows_of(n: int = 4) -> List[Dict[str, str]]:
    text = gradreg.roster_csv(gradreg.generate_cohort(n, seed=11))
    return list(csv.DictReader(io.StringIO(text)))


def to_csv(rows: List[Dict[str, str]], rename: Dict[str, str] = {}) -> bytes:
    out = io.StringIO()
    headers = [rename.get(h, h) for h in rows[0]]
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(headers)
    for r in rows:
        w.writerow(list(r.values()))
    return out.getvalue().encode("utf-8")


def test_an_alias_added_to_a_registry_makes_its_import_succeed() -> None:
    data = to_csv(rows_of(), {"身份证号": OWN_HEADER})
    with pytest.raises(ArgumentError) as missing:
        gradreg.parse_roster(data)
    assert missing.value.code == gradreg.error_code("roster_missing_columns")
    reg = Registry.in_memory()
    with pytest.raises(ArgumentError):
        reg.import_roster(data, now=NOW)
    reg.add_header_aliases(f"# our own export\n{OWN_HEADER}\tid_number\n")
    report = reg.import_roster(data, now=NOW)
    assert (report.created, report.rejected, report.problems) == (4, 0, [])
    assert any(c.header == OWN_HEADER and c.field == "id_number" for c in report.columns)
    assert reg.header_aliases.field(OWN_HEADER) == "id_number"
    # Another registry, and parsing without aliases, still use the built-in table.
    with pytest.raises(ArgumentError):
        Registry.in_memory().import_roster(data, now=NOW)
    assert HeaderAliases().field(OWN_HEADER) is None


def test_a_bad_alias_line_is_named_and_changes_nothing() -> None:
    reg = Registry.in_memory()
    with pytest.raises(ArgumentError) as bad:
        reg.add_header_aliases(f"{OWN_HEADER}\tid_number\n证件\tnot_a_field\n")
    assert "line 2" in bad.value.message
    assert reg.header_aliases.field(OWN_HEADER) is None  # the good first line was not kept
    report = reg.import_roster(to_csv(rows_of()), now=NOW)  # the registry still works
    assert report.created == 4
    with pytest.raises(ArgumentError):
        HeaderAliases("x\tid_number\tkind-of\n")


def test_parse_roster_takes_aliases_as_an_object_text_or_a_path(tmp_path: Path) -> None:
    data = to_csv(rows_of(2), {"身份证号": OWN_HEADER})
    tsv = f"{OWN_HEADER}\tid_number\n"
    table = HeaderAliases()
    table.add(OWN_HEADER, "id_number")
    assert OWN_HEADER in table and table.role(OWN_HEADER) == "value"
    path = tmp_path / "headers.tsv"
    path.write_text(tsv, encoding="utf-8")
    for aliases in (table, tsv, path, str(path)):
        roster = gradreg.parse_roster(data, aliases=aliases)
        assert len(roster.rows) == 2 and roster.problems == []
    reg = Registry.in_memory()
    reg.load_header_aliases(path)
    assert reg.import_roster(data, now=NOW).created == 2
    other = Registry.in_memory()
    other.set_header_aliases(table)
    assert other.preview_roster(data, now=NOW).created == 2
    with pytest.raises(FileNotFoundError):
        gradreg.parse_roster(data, aliases=tmp_path / "none.tsv")


def test_a_table_row_added_to_a_registry_passes_there_only() -> None:
    rows = rows_of(3)
    rows[0]["民族代码" if "民族代码" in rows[0] else "民族"] = NEW_CODE
    data = to_csv(rows)
    roster = gradreg.parse_roster(data)
    assert any(p.field == "ethnicity" for p in roster.problems_of(2))
    reg = Registry.in_memory()
    assert reg.import_roster(data, now=NOW).created == 0  # all or nothing: refused
    reg.load_table("ethnicities", f"{NEW_CODE}\t测试族\n")
    assert reg.code_name("ethnicities", NEW_CODE) == "测试族"
    assert gradreg.code_name("ethnicities", NEW_CODE) is None
    report = reg.import_roster(data, now=NOW)
    assert (report.created, report.problems) == (3, [])
    assert Registry.in_memory().import_roster(data, now=NOW).created == 0
    with pytest.raises(ArgumentError):
        reg.load_table("no_such_table", f"{NEW_CODE}\tx\n")
    with pytest.raises(ArgumentError):
        reg.load_table("ethnicities", "just one column\n")
    assert reg.code_name("ethnicities", NEW_CODE) == "测试族"


def test_a_dry_run_reports_and_stores_nothing() -> None:
    data = to_csv(rows_of(5))
    reg = Registry.in_memory()
    preview = reg.preview_roster(data, now=NOW)
    assert preview.dry_run and preview.created == 5 and preview.header_row == 1
    assert reg.query(now=NOW) == [] and reg.audit() == []
    report = reg.import_roster(data, now=NOW)
    assert not report.dry_run and report.created == 5
    again = reg.preview_roster(data, now=NOW)
    assert (again.created, again.unchanged) == (0, 5)


def test_gender_names_are_read_with_a_notice() -> None:
    rows = rows_of(2)
    code_header = "性别代码"
    assert code_header in rows[0]
    names = {"1": "男", "2": "女"}
    for r in rows:
        r[code_header] = names[r[code_header]]
    data = to_csv(rows, {code_header: "性别"})
    roster = gradreg.parse_roster(data)
    assert roster.problems == []
    notices = [n for n in roster.notices if n.field == "gender"]
    read = {(row, n.before, n.after) for n in notices for row in n.sheet_rows()}
    expect = {(r.row, names[r.info.gender], r.info.gender) for r in roster.rows}
    assert read == expect and len(expect) == 2
    for n in notices:
        assert "→" in str(n) and all(n in roster.notices_of(row) for row in n.sheet_rows())
    report = Registry.in_memory().preview_roster(data, now=NOW)
    assert [n.to_dict() for n in report.notices] == [n.to_dict() for n in roster.notices]


def test_preview_header_lists_columns_missing_and_ignored() -> None:
    rows = rows_of(1)
    for r in rows:
        del r["身份证号"]
        r["备注"] = "x"
    preview = gradreg.preview_header(to_csv(rows))
    assert not preview.usable()
    assert any("id_number" in m for m in preview.missing)
    kinds = {c.header: c.kind for c in preview.columns}
    assert kinds["备注"] == "ignored" and kinds["姓名"] == "read"
    full = gradreg.preview_header(to_csv(rows_of(1)))
    assert full.usable() and full.header_row == 1 and full.format == "csv"
    with pytest.raises(ArgumentError):
        gradreg.preview_header(b"")
