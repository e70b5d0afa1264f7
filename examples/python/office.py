#!/usr/bin/env python3
"""What a school's employment office (学校就业部门) runs during the registration season.

1. Upload the roster (生源信息) and print every problem found, row by row.
2. List who has not registered or not confirmed, with the days left before the deadline.
3. Print placement statistics (落实率) by college.
4. Export the list of graduates still to act as CSV for the counselors.

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
from typing import Dict, List, Tuple

import gradreg
from gradreg import Actor, BasicInfo, Command, Registry

OFFICE = Actor.school_office("jyzx-001")
PLATFORM = Actor.provincial_platform("js24365")
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "明华伟芳娜静丽强磊军洋勇艳杰娟涛超秀霞平"
COLLEGES = [
    ("会计学院", "120203K", "会计学"),
    ("信息工程学院", "080901", "计算机科学与技术"),
    ("经济学院", "020101", "经济学"),
]


def synthetic_roster(n: int) -> List[Tuple[str, BasicInfo]]:
    """A roster as a school exports it, with the spreadsheet damage real rosters have."""
    rows = []
    for i in range(n):
        b = gradreg.sample.basic_info()
        b.name = SURNAMES[i % 10] + GIVEN[(i * 7) % 20] + GIVEN[(i * 3) % 20]
        male = i % 2 == 0
        b.gender = "1" if male else "2"
        b.id_number = gradreg.sample.id_number("320102", f"2004{1 + i // 100:02d}15", i % 100, male)
        b.student_number = f"2022{i:06d}"
        b.college, b.major_code, b.major_name = COLLEGES[i % 3]
        b.phone = f"138{i:08d}"
        b.email = f"s{i:04d}@example.com"
        if i == 7:
            b.id_number = "3.20102E+17"  # a spreadsheet turned the ID number into a float
        if i == 11:
            b.ethnicity = "1"  # lost leading zero
            b.phone = "13812345678.0"  # trailing .0
        rows.append((f"10327:{b.student_number}", b))
    return rows


def walk_some(reg: Registry, keys: List[str], people: Dict[str, BasicInfo], now: datetime) -> None:
    """Moves part of the cohort along, as the season would have by `now`."""
    for i, key in enumerate(keys):
        b = people[key]
        grad = Actor.graduate(b.id_number)
        chsi = gradreg.ChsiAccount(
            name=b.name, id_number=b.id_number, student_record_bound=True, phone=b.phone, email=b.email
        )
        steps = [(Actor.chsi(), Command.update_chsi_account(chsi))]
        if i % 5 != 0:
            steps += [(grad, Command.login()), (grad, Command.confirm_basic_info())]
        if i % 5 in (2, 3, 4):
            data = gradreg.sample.destination_data()
            if i % 7 == 0:
                data = gradreg.DestinationData(destination=gradreg.Destination(code="70"))
            steps.append((PLATFORM, Command.report_destination(data)))
        if i % 5 in (3, 4):
            steps.append((grad, Command.confirm_destination()))
        if i % 5 == 4:
            steps.append((grad, Command.authorize(30)))
        reg.apply_batch([(key, a, c) for a, c in steps], now)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", help="registry folder or file (default: a temporary folder)")
    ap.add_argument("--now", help="the instant, RFC 3339 (default: 2026-06-10T09:00:00+08:00)")
    ap.add_argument("--out", help="folder for the CSV export (default: the registry folder)")
    ap.add_argument("--size", type=int, default=60, help="synthetic cohort size")
    args = ap.parse_args()

    now = datetime.fromisoformat(args.now or "2026-06-10T09:00:00+08:00")
    folder = args.registry or tempfile.mkdtemp(prefix="gradreg-office-")
    out_dir = args.out or (folder if os.path.isdir(folder) else os.path.dirname(folder))
    os.makedirs(out_dir, exist_ok=True)
    policy = gradreg.Policy.jiangsu()

    with Registry.open(folder, policy) as reg:
        # 1. The roster and its problems.
        roster = synthetic_roster(args.size)
        results = reg.upload(roster, OFFICE, now)
        print(f"== 生源信息上传 roster upload: {len(roster)} rows")
        counts: Dict[str, int] = {}
        for r in results:
            counts[r.result] = counts.get(r.result, 0) + 1
        print("   " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        for row, ((key, _), r) in enumerate(zip(roster, results), start=2):
            if r.error is None:
                continue
            print(f"   第 {row} 行 row {row} ({key}): [{r.error.code}]")
            for p in getattr(r.error, "problems", []):
                damage = "  ← 电子表格损坏 spreadsheet damage" if p.is_spreadsheet_damage else ""
                print(f"     - {p.field}: {p.message_zh}{damage}")

        people = {k: b for (k, b), r in zip(roster, results) if r.ok}
        walk_some(reg, sorted(people), people, now)

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
            if s.graduation_year is not None:
                end = policy.registration_deadline_end(s.graduation_year)
                seconds = (end - now).total_seconds()
                left = "已逾期 overdue" if seconds <= 0 else str(math.ceil(seconds / 86400))
            print(f"   {s.id:<18}{s.name:<6}{s.college:<10}{stage_zh:<12}{left}")
        reminders = reg.reminders(now)
        print(f"   提醒 reminders due: {len(reminders)}")

        # 3. Placement by college.
        stats = reg.statistics(now)
        print(f"\n== 毕业去向落实率 placement by college (total {stats.total})")
        print(f"   {'学院 college':<14}{'人数':>6}{'已登记':>8}{'已落实':>8}{'落实率':>9}")
        for p in stats.by_college + [stats.overall]:
            print(f"   {p.key:<14}{p.graduates:>6}{p.reported:>8}{p.placed:>8}{p.rate:>9.1%}")

        # 4. The list for the counselors.
        path = os.path.join(out_dir, "to-act.csv")
        n = reg.export_csv(path, stages=todo_stages, now=now)
        print(f"\n== CSV: {n} rows written to {path}")
        report = reg.check_audit()
        print(f"== 审计日志 audit log: {report.records} records, intact: {report.intact}")
        if not report.intact:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
