"""The ``gradreg`` command, run as ``python -m gradreg`` on small rosters written here."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

import gradreg
from gradreg import Registry


def run(*args: str, cwd: Optional[Path] = None) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "gradreg", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=120,
    )


def rows_of(n: int = 3) -> List[Dict[str, str]]:
    text = gradreg.roster_csv(gradreg.generate_cohort(n, seed=5))
    return list(csv.DictReader(io.StringIO(text)))


def write(path: Path, rows: List[Dict[str, str]], encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(list(rows[0]))
    for r in rows:
        w.writerow(list(r.values()))
    path.write_bytes(out.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_check_a_good_roster_exits_0_and_prints_the_mapping(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "名单.csv", rows_of(), encoding)
    done = run("check", str(path))
    assert done.returncode == 0, done.stderr
    assert "列映射" in done.stdout and "「身份证号」→ id_number" in done.stdout
    assert "全部 3 行无问题" in done.stdout
    assert ("gb18030" if encoding == "gbk" else "utf-8") in done.stdout


def test_check_names_the_bad_cell_and_exits_1(tmp_path: Path) -> None:
    rows = rows_of()
    rows[1]["身份证号"] = "3.20102E+17"
    path = write(tmp_path / "bad.csv", rows, "gbk")
    done = run("check", str(path))
    assert done.returncode == 1
    line = next(l for l in done.stdout.splitlines() if "scientific_notation" in l)
    assert "第 3 行" in line and "「身份证号」" in line and "id_number" in line


def test_check_json_parses(tmp_path: Path) -> None:
    rows = rows_of()
    rows[0]["身份证号"] = "1"
    path = write(tmp_path / "bad.csv", rows)
    done = run("check", str(path), "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["rows"] == 3 and report["good_rows"] == 2
    assert report["problems"][0]["row"] == 2 and report["problems"][0]["column"] == "身份证号"
    assert any(c["field"] == "id_number" for c in report["columns"])


def test_check_prints_notices(tmp_path: Path) -> None:
    rows = rows_of()
    names = {"1": "男", "2": "女"}
    renamed = []
    for r in rows:
        renamed.append({("性别" if k == "性别代码" else k): (names[v] if k == "性别代码" else v) for k, v in r.items()})
    path = write(tmp_path / "names.csv", renamed)
    done = run("check", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "提示" in done.stdout
    assert any("男 → 1" in l or "女 → 2" in l for l in done.stdout.splitlines())


def test_check_unreadable_and_usage_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    done = run("check", str(empty))
    assert done.returncode == 2
    assert str(gradreg.error_code("roster_empty")) in done.stderr and "roster_empty" in done.stderr
    as_json = run("check", str(empty), "--json")
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["error"]["name"] == "roster_empty"
    rows = rows_of(1)
    for r in rows:
        del r["身份证号"]
    missing = run("check", str(write(tmp_path / "missing.csv", rows)))
    assert missing.returncode == 2 and "id_number" in missing.stderr
    assert run("check", str(tmp_path / "none.csv")).returncode == 2
    assert run("check").returncode == 64
    assert run("frobnicate").returncode == 64
    assert run("check", str(empty), "--encoding", "latin-1").returncode == 64
    assert run().returncode == 64
    assert run("--help").returncode == 0


def test_check_with_an_aliases_file(tmp_path: Path) -> None:
    rows = [{("学生证件编号甲" if k == "身份证号" else k): v for k, v in r.items()} for r in rows_of()]
    path = write(tmp_path / "own.csv", rows)
    assert run("check", str(path)).returncode == 2
    aliases = tmp_path / "headers.tsv"
    aliases.write_text("学生证件编号甲\tid_number\n", encoding="utf-8")
    done = run("check", str(path), "--aliases", str(aliases))
    assert done.returncode == 0, done.stderr


def test_import_dry_run_then_import_then_export(tmp_path: Path) -> None:
    path = write(tmp_path / "名单.csv", rows_of())
    db = tmp_path / "registry.sqlite3"
    dry = run("import", str(path), "--registry", str(db), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stdout and "新建 (created) 3" in dry.stdout
    with Registry.open(db) as reg:
        assert reg.query() == []
    done = run("import", str(path), "--registry", str(db), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["created"] == 3 and report["dry_run"] is False
    with Registry.open(db) as reg:
        assert len(reg.query()) == 3
    out = tmp_path / "export.csv"
    exported = run("export", "--registry", str(db), "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and len(out.read_text("utf-8-sig").splitlines()) == 4


def test_import_rejects_a_bad_roster_and_imports_good_rows(tmp_path: Path) -> None:
    rows = rows_of()
    rows[2]["身份证号"] = "3.20102E+17"
    path = write(tmp_path / "bad.csv", rows)
    db = tmp_path / "r.sqlite3"
    done = run("import", str(path), "--registry", str(db))
    assert done.returncode == 1 and "第 4 行" in done.stdout
    good = run("import", str(path), "--registry", str(db), "--good-rows")
    assert good.returncode == 1 and "新建 (created) 2" in good.stdout
    assert run("import", str(path)).returncode == 64  # --registry is required


def test_no_carriage_returns_when_piped(tmp_path: Path) -> None:
    path = write(tmp_path / "名单.csv", rows_of(30))
    done = run("import", str(path), "--registry", str(tmp_path / "r.sqlite3"))
    assert done.returncode == 0
    assert "\r" not in done.stdout and "\r" not in done.stderr


def test_verify_and_render_need_what_they_need(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    Registry.open(db).close()
    done = run("verify", "ABCD-EFGH-JKLM-NPQR", "--name", "张明", "--registry", str(db), "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["verdict"] != "valid"
    no_key = run("render", "--registry", str(db), "--id", "x", "-o", str(tmp_path / "f.pdf"))
    assert no_key.returncode == 64 and "--key" in no_key.stderr
    key = tmp_path / "key.bin"
    key.write_bytes(b"k" * 32)
    unknown = run("render", "--registry", str(db), "--id", "x", "--key", str(key), "-o", str(tmp_path / "f.pdf"))
    assert unknown.returncode == 2


def test_render_and_verify_a_graduate(tmp_path: Path) -> None:
    from conftest import NOW

    from gradreg import Actor, Command

    db = tmp_path / "r.sqlite3"
    basic = gradreg.sample.basic_info()
    grad = Actor.graduate(basic.id_number)
    steps = [
        (Actor.school_office("s001", "10327"), Command.upload_basic_info(basic)),
        (Actor.chsi(), Command.update_chsi_account(gradreg.sample.chsi_account())),
        (grad, Command.login()),
        (grad, Command.confirm_basic_info()),
        (Actor.provincial_platform("js24365"), Command.report_destination(gradreg.sample.destination_data())),
        (grad, Command.confirm_destination()),
        (grad, Command.authorize(30)),
    ]
    with Registry.open(db) as reg:
        for actor, command in steps:
            reg.apply("g1", actor, command, NOW)
        registration = reg.get("g1")
    number = registration.authorizations[-1].number
    key = tmp_path / "key.bin"
    key.write_bytes(bytes(range(32)))
    ring = gradreg.KeyRing()
    ring.add_hmac(1, bytes(range(32)))
    token = gradreg.issue_token(ring, registration, number, "archive")
    now = NOW.isoformat()
    form = tmp_path / "form.svg"
    done = run("render", "--registry", str(db), "--id", "g1", "--format", "svg", "--key", str(key), "--now", now, "-o", str(form))
    assert done.returncode == 0, done.stderr
    assert form.read_bytes().lstrip().startswith(b"<")
    ok = run("verify", number, "--name", basic.name, "--registry", str(db), "--now", now)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "valid" in ok.stdout
    wrong = run("verify", number, "--name", basic.name + "甲", "--registry", str(db), "--now", now)
    assert wrong.returncode == 1
    assert run("verify", number, "--name", "x", "--registry", str(db), "--now", "yesterday").returncode == 64
    scanned = run("verify", token, "--registry", str(db), "--key", str(key), "--now", now)
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    other_key = tmp_path / "other.bin"
    other_key.write_bytes(bytes(range(1, 33)))
    forged = run("verify", token, "--registry", str(db), "--key", str(other_key), "--now", now)
    assert forged.returncode == 1


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False])
def test_progress_line_only_on_a_terminal(tty: bool) -> None:
    import time

    from gradreg.cli import _Progress

    stream = _Stream(tty)
    with _Progress("导入 (importing) x.csv", stream):
        time.sleep(0.7)
    text = stream.getvalue()
    if tty:
        assert text.startswith("\r导入") and text.count("\r") >= 2
    else:
        assert text == ""


def test_a_reader_that_goes_away_is_not_an_error(tmp_path: Path) -> None:
    # 1,500 rows, each with a bad phone: far more output than a pipe holds.
    lines = gradreg.roster_csv(gradreg.generate_cohort(1500, seed=3)).split("\r\n")
    phone = lines[0].split(",").index("手机号码")
    rows = [lines[0]]
    for line in lines[1:]:
        if line:
            cells = line.split(",")
            cells[phone] = "123"
            rows.append(",".join(cells))
    roster = tmp_path / "big.csv"
    roster.write_text("\r\n".join(rows), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradreg", "check", str(roster)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait() == 141
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def registry_with_destinations(db: Path, n: int = 6) -> List[gradreg.Graduate]:
    """A registry file holding ``n`` graduates, each with the destination the platform reported."""
    grads = gradreg.generate_cohort(n, seed=11)
    platform = gradreg.Actor.provincial_platform("js24365")
    with Registry.open(db) as reg:
        assert reg.import_roster(gradreg.roster_csv(grads).encode("utf-8")).created == n
        keys = [f"{g.basic.school_code}:{g.basic.student_number}" for g in grads]
        out = reg.apply_batch(
            [(k, platform, gradreg.Command.report_destination(g.destination)) for k, g in zip(keys, grads)]
        )
        assert not [o for o in out if isinstance(o, gradreg.GradregError)]
    return grads


def test_export_xlsx_imports_into_a_new_registry_with_the_same_counts(tmp_path: Path) -> None:
    grads = registry_with_destinations(tmp_path / "a.sqlite3")
    out = tmp_path / "全部.xlsx"
    done = run("export", "--registry", str(tmp_path / "a.sqlite3"), "--format", "xlsx", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"PK\x03\x04") and "已导出 6 条" in done.stderr
    b = tmp_path / "b.sqlite3"
    roster = run("import", str(out), "--registry", str(b), "--json")
    assert roster.returncode == 0, roster.stdout
    assert json.loads(roster.stdout)["created"] == len(grads)
    dest = run("import-destinations", str(out), "--registry", str(b), "--json")
    assert dest.returncode == 0, dest.stdout
    assert json.loads(dest.stdout)["reported"] == len(grads)
    with Registry.open(tmp_path / "a.sqlite3") as ra, Registry.open(b) as rb:
        assert [s.id for s in rb.query()] == [s.id for s in ra.query()]
        assert rb.statistics().to_dict() == ra.statistics().to_dict()
        for s in ra.query():
            assert rb.get(s.id).destination == ra.get(s.id).destination
    # The masked summary is still there.
    summary = run("export", "--registry", str(b), "--summary")
    assert summary.returncode == 0 and grads[0].basic.id_number not in summary.stdout
    assert run("export", "--registry", str(b), "--summary", "--format", "xlsx").returncode == 64


def test_import_destinations_exit_codes(tmp_path: Path) -> None:
    grads = registry_with_destinations(tmp_path / "a.sqlite3", 3)
    csv_path = tmp_path / "全部.csv"
    assert run("export", "--registry", str(tmp_path / "a.sqlite3"), "-o", str(csv_path)).returncode == 0
    db = tmp_path / "b.sqlite3"
    assert run("import", str(csv_path), "--registry", str(db)).returncode == 0
    good = run("import-destinations", str(csv_path), "--registry", str(db))
    assert good.returncode == 0, good.stdout
    assert "报送 (reported) 3" in good.stdout
    # A bad cell: exit 1, the row and column named, nothing stored.
    rows = list(csv.reader(io.StringIO(csv_path.read_text("utf-8-sig"))))
    column = rows[0].index("毕业去向代码")
    rows[2][column] = "99"
    bad_path = tmp_path / "bad.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    bad_path.write_text(buf.getvalue(), "gbk")
    fresh = tmp_path / "c.sqlite3"
    assert run("import", str(csv_path), "--registry", str(fresh)).returncode == 0
    bad = run("import-destinations", str(bad_path), "--registry", str(fresh))
    assert bad.returncode == 1 and "第 3 行「毕业去向代码」" in bad.stdout
    with Registry.open(fresh) as reg:
        assert all(reg.get(s.id).destination is None for s in reg.query())
    some = run("import-destinations", str(bad_path), "--registry", str(fresh), "--good-rows", "--json")
    assert some.returncode == 1 and json.loads(some.stdout)["reported"] == len(grads) - 1
    # Not a destination file, or no such file: exit 2.
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n", "utf-8")
    assert run("import-destinations", str(junk), "--registry", str(fresh)).returncode == 2
    missing = run("import-destinations", str(tmp_path / "none.csv"), "--registry", str(fresh), "--json")
    assert missing.returncode == 2 and "error" in json.loads(missing.stdout)
    assert run("import-destinations", str(csv_path)).returncode == 64


def test_check_reads_a_large_file_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gradreg import cli

    rows = rows_of(5)
    rows[1]["身份证号"] = "3.20102E+17"
    path = write(tmp_path / "big.csv", rows)
    whole = run("check", str(path), "--json")
    monkeypatch.setattr(cli, "SCAN_BYTES", 0)
    assert cli.main(["check", str(path), "--json"]) == 1
    scanned = json.loads(capsys.readouterr().out)
    expected = json.loads(whole.stdout)
    for k in ("rows", "good_rows", "problems", "notices", "columns", "encoding"):
        assert scanned[k] == expected[k], k
    assert cli.main(["check", str(path)]) == 1
    assert "第 3 行「身份证号」" in capsys.readouterr().out
