"""Exchange with the provincial platform and with spreadsheets: destination exports imported as the
platform's reports, and the full export read back into a fresh registry by both importers."""

from __future__ import annotations

import csv
import io
from typing import Any, Dict, List, Tuple

import pytest

import gradreg
from gradreg import (
    Actor,
    Command,
    DestinationImportReport,
    Graduate,
    Registry,
    generate_cohort,
    parse_destinations,
    parse_roster,
    roster_csv,
    scan_roster,
)

from conftest import NOW

HEADER = [
    "序号",
    "学号",
    "院校代码",
    "身份证号",
    "姓名",
    "毕业去向",
    "单位名称",
    "统一社会信用代码",
    "单位性质",
    "单位行业",
    "单位所在地",
    "工作职位类别",
    "签约日期",
    "档案转递单位",
    "档案转递地址",
    "邮编",
    "档案接收联系人",
    "档案联系电话",
    "转递方式",
    "是否迁移户口",
    "户口迁移原因",
]


def key(g: Graduate) -> str:
    return f"{g.basic.school_code}:{g.basic.student_number}"


def registry_with(grads: List[Graduate]) -> Registry:
    reg = Registry.in_memory()
    report = reg.import_roster(roster_csv(grads).encode("utf-8"), now=NOW)
    assert report.created == len(grads), report.problems
    return reg


def platform_export(grads: List[Graduate], nature: str = "其他企业") -> bytes:
    """The platform's export as an office downloads it: GBK, a title row, names instead of
    codes, a YYYYMMDD date; the first graduate by 学号 + 院校代码, the second by 身份证号."""
    employer = gradreg.sample.destination_data().destination.employer
    assert employer is not None
    a, b = grads[0].basic, grads[1].basic
    first = [
        "1", a.student_number, a.school_code, "", a.name, "签就业协议形式就业", employer.name,
        employer.credit_code, nature, "信息传输、软件和信息技术服务业", employer.region,
        "工程技术人员", "20260420", "南京市人才服务中心", "江苏省南京市玄武区北京东路 63 号",
        "210008", "王老师", "025-83592000", "机要通信", "否", "",
    ]
    second = [""] * len(HEADER)
    second[0], second[3], second[4], second[5] = "2", b.id_number, b.name, "待就业"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["2026届毕业生毕业去向登记导出"] + [""] * (len(HEADER) - 1))
    w.writerow(HEADER)
    w.writerow(first)
    w.writerow(second)
    return buf.getvalue().encode("gbk")


def snapshot(reg: Registry) -> Tuple[List[Dict[str, Any]], int]:
    """Every registration as a dict, and the length of the audit log."""
    regs = [reg.get(s.id).to_dict() for s in reg.query(now=NOW)]
    return regs, len(reg.audit())


def test_a_platform_csv_in_gbk_with_names_imports_as_the_platform() -> None:
    grads = generate_cohort(3, seed=7)
    reg = registry_with(grads)
    report = reg.import_destinations(platform_export(grads), now=NOW)
    assert isinstance(report, DestinationImportReport)
    assert report.problems == [], report.problems
    assert (report.rows, report.reported, report.unchanged, report.rejected) == (2, 2, 0, 0)
    assert report.ok() and report.encoding == "gb18030" and report.header_row == 2
    codes = {n.before: (n.after, n.rows) for n in report.notices if n.field == "destination.code"}
    assert codes == {"签就业协议形式就业": ("10", [3]), "待就业": ("70", [4])}
    nature = [n for n in report.notices if n.field == "destination.employer.nature"]
    assert [(n.before, n.after) for n in nature] == [("其他企业", "39")]
    assert any(c.header == "序号" and c.kind == "ignored" for c in report.columns)
    first = reg.get(key(grads[0])).destination
    assert first is not None and first.destination.code == "10"
    assert first.destination.signing_date == "2026-04-20"
    second = reg.get(key(grads[1])).destination
    assert second is not None and second.destination.code == "70"
    last = reg.audit(key(grads[0]))[-1].entry
    assert last.action == "report_destination" and last.actor.role == "provincial_platform"
    # The same file again changes nothing.
    again = reg.import_destinations(platform_export(grads), now=NOW)
    assert (again.reported, again.unchanged) == (0, 2)


def test_a_bad_cell_is_reported_with_row_and_column_and_all_or_nothing_stores_nothing() -> None:
    grads = generate_cohort(3, seed=7)
    reg = registry_with(grads)
    before = snapshot(reg)
    data = platform_export(grads, nature="不存在的单位性质")
    report = reg.import_destinations(data, now=NOW)
    assert [(p.row, p.column, p.field) for p in report.problems] == [
        (3, "单位性质", "destination.employer.nature")
    ]
    assert "第 3 行「单位性质」" in str(report.problems[0])
    assert (report.reported, report.rejected) == (0, 2) and not report.ok()
    assert snapshot(reg) == before
    # The good rows alone.
    good = reg.import_destinations(data, now=NOW, mode="good_rows")
    assert (good.reported, good.rejected) == (1, 1)
    assert reg.get(key(grads[0])).destination is None
    d = reg.get(key(grads[1])).destination
    assert d is not None and d.destination.code == "70"


def test_a_refused_row_undoes_the_whole_file_under_all_or_nothing() -> None:
    grads = generate_cohort(3, seed=7)
    reg = registry_with(grads[:2])
    # The third graduate has no registration here.
    text = platform_export(grads).decode("gbk").replace(grads[0].basic.student_number, grads[2].basic.student_number)
    before = snapshot(reg)
    report = reg.import_destinations(text.encode("gbk"), now=NOW)
    assert [r.row for r in report.refused] == [3]
    assert report.refused[0].code == str(gradreg.error_code("not_found"))
    assert [p.code for p in report.problems] == ["refused"]
    assert (report.reported, report.rejected) == (0, 2)
    assert snapshot(reg) == before
    good = reg.import_destinations(text.encode("gbk"), now=NOW, mode="good_rows")
    assert (good.reported, good.rejected) == (1, 1)


def reported_registry(grads: List[Graduate]) -> Registry:
    reg = registry_with(grads)
    platform = Actor.provincial_platform("js24365")
    out = reg.apply_batch([(key(g), platform, Command.report_destination(g.destination)) for g in grads], NOW)
    assert not [o for o in out if isinstance(o, gradreg.GradregError)]
    return reg


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_full_export_reads_back_into_a_fresh_registry(fmt: str, tmp_path: Any) -> None:
    grads = generate_cohort(40, seed=3)
    a = reported_registry(grads)
    path = tmp_path / f"records.{fmt}"
    assert a.export_records(path, format=fmt, now=NOW) == 40
    data = path.read_bytes()
    assert data == a.records_bytes(fmt, now=NOW)
    assert data.startswith(b"PK\x03\x04" if fmt == "xlsx" else b"\xef\xbb\xbf")
    b = Registry.in_memory()
    roster = b.import_roster(path, now=NOW, format=fmt)
    assert roster.created == 40, roster.problems
    dest = b.import_destinations(path, now=NOW, format=fmt)
    assert dest.problems == [] and dest.reported == 40
    for g in grads:
        ra, rb = a.get(key(g)), b.get(key(g))
        assert rb.basic == ra.basic
        assert rb.destination == ra.destination
    # The second registry writes the same file; the summary stays masked.
    assert b.records_bytes(fmt, now=NOW) == data
    assert grads[0].basic.id_number.encode() not in a.csv_bytes(now=NOW)
    if fmt == "csv":
        assert grads[0].basic.id_number in data.decode("utf-8-sig")


def test_export_records_checks_its_format() -> None:
    with pytest.raises(gradreg.ArgumentError):
        Registry.in_memory().records_bytes("ods")


def test_parse_destinations_reads_without_storing() -> None:
    grads = generate_cohort(3, seed=7)
    parsed = parse_destinations(platform_export(grads, nature="不存在的单位性质"))
    assert [r.row for r in parsed.rows] == [3, 4]
    assert [r.row for r in parsed.ok_rows()] == [4]
    assert parsed.rows[0].ident.key() == key(grads[0])
    assert parsed.rows[1].ident.key() is None and parsed.rows[1].ident.id_number == grads[1].basic.id_number
    assert [p.field for p in parsed.problems_of(3)] == ["destination.employer.nature"]
    assert parsed.encoding == "gb18030" and parsed.format == "csv"


def test_scan_roster_counts_what_parse_roster_finds() -> None:
    grads = generate_cohort(30, seed=5)
    text = roster_csv(grads)
    lines = text.splitlines()
    lines[3] = lines[3].replace(grads[2].basic.id_number, "3.20102E+17")
    lines[7] = lines[7].replace(grads[6].basic.id_number, "123")
    data = "\n".join(lines).encode("utf-8")
    full = parse_roster(data)
    scan, problems = scan_roster(data)
    assert scan.rows == len(full.rows) == 30
    assert scan.bad_rows == sum(1 for r in full.rows if not r.ok) == 2
    assert scan.problems == len(full.problems) and problems == full.problems
    assert not scan.ok()
    _, first = scan_roster(data, keep=1)
    assert first == full.problems[:1]
