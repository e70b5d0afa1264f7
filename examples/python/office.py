#!/usr/bin/env python3
"""What a school's employment office (学校就业部门) runs during the registration season.

1. Import the roster (生源名单, CSV or XLSX) as the school's system wrote it (GBK, template
   headers, 男/女, names for codes, YYYYMMDD dates) and print which column became which field,
   every problem found, row by row, and every value read from the way it was written.
2. List who has not registered or not confirmed, with the days left before the deadline.
3. Print placement statistics (落实率) by college.
4. Export the list of graduates still to act as CSV for the counselors.
5. Render the forms of one graduate (PDF, PNG, SVG) and check one as an archive department would.
6. Print the archive forms of one college's authorized graduates as one class PDF.

Run it with no arguments to use a synthetic cohort in a temporary folder:

    python examples/python/office.py
    python examples/python/office.py --registry /srv/gradreg --now 2026-06-10T09:00:00+08:00
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from datetime import datetime, timezone
from typing import List, Tuple

import gradreg
from gradreg import Actor, Command, Registry

OFFICE = Actor.school_office("jyzx-001", "10327")
PLATFORM = Actor.provincial_platform("js24365")


#: How a provincial template heads the columns gradreg writes (the importer reads both).
TEMPLATE_HEADERS = {
    "姓名": "姓名（必填）",
    "性别代码": "性别",
    "身份证号": "*身份证件号码",
    "学号": "【必填】学号",
    "学历代码": "学历层次",
    "学院": "所在院系",
    "入学日期": "入学时间",
    "毕业日期": "毕业时间(格式:YYYYMMDD)",
    "生源地代码": "生源地区代码",
    "民族代码": "民族",
    "政治面貌代码": "政治面貌",
    "手机号码": "联系电话",
}


def synthetic_roster(folder: str, size: int) -> Tuple[str, List[gradreg.Graduate]]:
    """Writes a roster as a school's information system exports it: GBK, a title row, the
    provincial template's headers with their markers and notes, 性别 as 男/女, 民族 and 政治面貌 by
    name, dates as YYYYMMDD, a 序号 column — and the damage real rosters have. Returns its path
    and the cohort behind it."""
    grads = gradreg.generate_cohort(size, seed=2026)
    lines = gradreg.roster_csv(grads).split("\r\n")
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:] if line]
    col = {h: i for i, h in enumerate(header)}
    for cells in rows:
        cells[col["性别代码"]] = "男" if cells[col["性别代码"]] == "1" else "女"
        for field, table in (("民族代码", "ethnicities"), ("政治面貌代码", "political_statuses")):
            code = cells[col[field]]
            if code:
                cells[col[field]] = gradreg.code_name(table, code) or code
        for field in ("入学日期", "毕业日期"):
            cells[col[field]] = cells[col[field]].replace("-", "")
    damage = {
        (3, "身份证号"): "3.20102E+17",  # Excel turned the ID number into a float
        (5, "手机号码"): rows[3][col["手机号码"]] + ".0",  # trailing .0
        (6, "毕业日期"): "6/7/2026",  # a date with two readings
    }
    for (row, column), value in damage.items():
        if row - 2 < len(rows):
            rows[row - 2][col[column]] = value
    out = ["2026届毕业生生源信息（请勿修改表头）"]
    out.append(",".join(["序号"] + [TEMPLATE_HEADERS.get(h, h) for h in header]))
    out += [",".join([str(i + 1)] + cells) for i, cells in enumerate(rows)]
    path = os.path.join(folder, "生源名单.csv")
    with open(path, "wb") as f:
        f.write("\r\n".join(out).encode("gbk"))
    return path, grads


def walk_some(reg: Registry, grads: List[gradreg.Graduate], now: datetime) -> None:
    """Moves part of the cohort along, as the season would have by `now`."""
    commands = []
    for i, g in enumerate(grads):
        key = f"{g.basic.school_code}:{g.basic.student_number}"
        grad = Actor.graduate(g.basic.id_number)
        steps = [(Actor.chsi(), Command.update_chsi_account(g.chsi))]
        if i % 5 != 0:
            steps += [(grad, Command.login()), (grad, Command.confirm_basic_info())]
        if i % 5 in (2, 3, 4):
            steps.append((PLATFORM, Command.report_destination(g.destination)))
        if i % 5 in (3, 4):
            steps.append((grad, Command.confirm_destination()))
        if i % 5 == 4:
            steps.append((grad, Command.authorize(30)))
        commands += [(key, a, c) for a, c in steps]
    reg.apply_batch(commands, now)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", help="registry folder or file (default: a temporary folder)")
    ap.add_argument("--now", help="the instant, RFC 3339 (default: 2026-06-10T09:00:00+08:00)")
    ap.add_argument("--out", help="folder for the CSV export (default: the registry folder)")
    ap.add_argument("--roster", help="a roster to import (CSV or XLSX; default: a synthetic one)")
    ap.add_argument("--size", type=int, default=60, help="synthetic cohort size")
    args = ap.parse_args()

    now = datetime.fromisoformat(args.now or "2026-06-10T09:00:00+08:00")
    folder = args.registry or tempfile.mkdtemp(prefix="gradreg-office-")
    policy = gradreg.Policy.jiangsu()

    with Registry.open(folder, policy) as reg:
        # Exports go beside the database file, wherever the core's folder rule put it.
        out_dir = args.out or os.path.dirname(os.path.abspath(reg.path or folder))
        os.makedirs(out_dir, exist_ok=True)
        # 1. Import the roster and print every problem found.
        grads: List[gradreg.Graduate] = []
        if args.roster:
            roster_path = args.roster
        else:
            roster_path, grads = synthetic_roster(out_dir, args.size)
        report = reg.import_roster(roster_path, OFFICE, now, mode="good_rows")
        print(f"== 生源名单导入 roster import: {roster_path} ({report.format}, {report.encoding},"
              f" 表头在第 {report.header_row} 行 header on row {report.header_row})")
        print(f"   {report.rows} 行 rows: 新增 created {report.created}, 更正 corrected"
              f" {report.corrected}, 未变 unchanged {report.unchanged}, 退回 rejected {report.rejected}")
        ignored = [c.header for c in report.columns if c.kind == "ignored"]
        print("   列 columns: " + "，".join(
            f"{c.header}→{c.field}" for c in report.columns if c.kind != "ignored")
            + (f"；未读入 ignored: {'，'.join(ignored)}" if ignored else ""))
        for p in report.problems:
            print(f"   第 {p.row} 行 row {p.row}  {p.column or '(整行 row)'}: {p.message_zh}")
        print(f"   按通常写法读入 values read as written the usual way: {len(report.notices)}")
        for note in report.notices:
            rows = [str(r) for r in note.rows]
            where = "、".join(rows[:5]) + (f" 等 {len(rows)} 行" if len(rows) > 5 else " 行")
            print(f"   提示 notice 第 {where}「{note.column}」: {note.message_zh}")

        ok = [g for g in grads if reg.find(f"{g.basic.school_code}:{g.basic.student_number}")]
        walk_some(reg, ok, now)

        # 2. Who still has to act, and how long is left before the registration deadline.
        todo_stages = ["not_logged_in", "basic_info_review", "awaiting_report", "awaiting_confirmation", "disputed"]
        todo = reg.query(stages=todo_stages, now=now)
        md = policy.registration_deadline
        print(f"\n== 未登记或未确认 not registered or not confirmed: {len(todo)}"
              f" (登记截止 deadline {md.month}月{md.day}日)")
        print(f"   {'登记号 id':<18}{'姓名':<6}{'学院':<10}{'阶段 stage':<12}剩余天数 days left")
        for s in todo:
            stage_zh = {
                "not_logged_in": "未登录",
                "basic_info_review": "待核对基本信息",
                "awaiting_report": "待登记去向",
                "awaiting_confirmation": "待确认去向",
                "disputed": "去向有异议",
            }[s.stage]
            left = "?"
            basic = reg.get(s.id).basic
            if basic is not None:
                # The graduate's own deadline: that of their graduation batch.
                end = policy.deadlines(basic.graduation_date).registration_end
                seconds = (end - now).total_seconds()
                left = "已逾期 overdue" if seconds <= 0 else str(math.ceil(seconds / 86400))
            print(f"   {s.id:<18}{s.name:<6}{s.college:<10}{stage_zh:<12}{left}")
        reminders = reg.reminders(now)
        print(f"   提醒 reminders due: {len(reminders)}")

        # 3. Placement by college.
        stats = reg.statistics(now)
        print(f"\n== 毕业去向落实率 placement by college (total {stats.total})")
        print(f"   {'学院 college':<14}{'人数':>6}{'已登记':>8}{'已落实':>8}{'落实率':>9}")
        for pl in stats.by_college + [stats.overall]:
            print(f"   {pl.key:<14}{pl.graduates:>6}{pl.reported:>8}{pl.placed:>8}{pl.rate:>9.1%}")

        # 4. The list for the counselors.
        path = os.path.join(out_dir, "to-act.csv")
        n = reg.export_csv(path, stages=todo_stages, now=now)
        print(f"\n== CSV: {n} rows written to {path}")
        # 5. The forms of one authorized graduate, and an archive department's online check.
        authorized = reg.query(stages=["authorized"], now=now)
        if authorized:
            who = reg.get(authorized[0].id)
            number = who.authorizations[-1].number
            ring = gradreg.KeyRing()
            ring.generate(1, "hmac")  # a deployment loads its own key instead
            renderer = gradreg.Renderer()
            written = renderer.write_forms(
                who, number, ring, os.path.join(out_dir, "forms"), now=now
            )
            print(f"\n== 登记表 forms of {who.id} ({authorized[0].name}), 核验编号 {number}:")
            for name, path in sorted(written.items()):
                print(f"   {name:<12} {os.path.getsize(path):>8} bytes  {path}")
            dept = Actor.archive_dept("da-001", "南京市人才服务中心")
            # The principal is the office's login as this host authenticated it, never a value
            # taken from the request; failures are limited per principal and per number.
            verdict = reg.verify_online(
                dept, authorized[0].name, number, now, principal="da-001-login"
            )
            print(f"   档案部门在线核验 archive department checks online: {verdict.verdict}")

            # 6. One college's authorized graduates, their archive forms in one PDF to print.
            college = authorized[0].college
            items = []
            for s in authorized:
                r = reg.get(s.id)
                if s.college == college and r.authorizations[-1].sections.archive:
                    items.append(gradreg.ClassItem(r, r.authorizations[-1].number, "archive"))
            if items:
                path = os.path.join(out_dir, "forms", "class-archive.pdf")
                pages = renderer.class_pdf(items, ring, now, path=path)
                print(f"\n== 班级打印 class PDF of {college}: {pages} pages,"
                      f" {os.path.getsize(path)} bytes  {path}")

        audit = reg.check_audit()
        print(f"== 审计日志 audit log: {audit.records} records, intact: {audit.intact}")
        if not audit.intact:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
