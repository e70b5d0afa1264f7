"""The ``gradreg`` command: check a roster before uploading it, import it into a registry,
export the registry, render a graduate's form, verify a number or a scanned code.

    gradreg check 名单.csv                     # 列映射、每个问题、每条提示；退出码 0/1/2
    gradreg import 名单.xlsx --registry data   # 导入（--dry-run 只报告不写入）
    gradreg export --registry data -o 导出.xlsx --format xlsx   # 全部字段，可再导入
    gradreg import-destinations 去向.csv --registry data       # 省级平台的去向数据
    gradreg render --registry data --id 10327:2022010123 --key key.bin -o 表.pdf
    gradreg verify ABCD-EFGH-JKLM-NPQR --name 张明 --registry data
    gradreg keys init --store keys.json --issuer 南京财经大学      # 签名密钥库（仅本人可读）
    gradreg keys publish --store keys.json --registry data -o 发布   # 公钥集与状态列表
    gradreg verify GR2.… --key-set 发布/keyset.json --status-list 发布/status-list-0.txt

Exit codes: 0 done, nothing wrong; 1 the roster has problems, rows were rejected, or a
verification is not valid; 2 an input that cannot be used (a file that cannot be read as a
roster, a registry that cannot be opened, an unknown graduate …), with the error's code and
message; 64 a usage error. Messages are Chinese, with English in parentheses where useful.
Progress is shown only when standard error is a terminal, as one line rewritten in place.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from datetime import datetime
from types import TracebackType
from typing import IO, Any, Dict, List, NoReturn, Optional, Sequence, Type

from . import __version__
from ._errors import ERROR_CODES, GradregError
from .lifecycle import Actor
from .roster import (
    CellProblem,
    ColumnUse,
    HeaderAliases,
    ImportReport,
    Roster,
    RosterNotice,
    RosterScan,
    parse_roster,
    preview_header,
    read_source,
    scan_roster,
)

__all__ = ["main", "EXIT_OK", "EXIT_PROBLEMS", "EXIT_UNUSABLE", "EXIT_USAGE"]

#: Done, nothing wrong.
EXIT_OK = 0
#: Problems in the roster, rejected rows, or a verification that is not valid.
EXIT_PROBLEMS = 1
#: An input that cannot be used (not a roster, no registry, unknown graduate …).
EXIT_UNUSABLE = 2
#: A usage error (BSD ``EX_USAGE``).
EXIT_USAGE = 64

#: ``check`` reads a file larger than this row by row (``scan_roster``), keeping no rows.
SCAN_BYTES = 16 * 1024 * 1024
#: How many problems ``check`` lists for a file read row by row.
SCAN_KEEP = 1000

_ENCODINGS = {"auto": "auto", "utf-8": "utf8", "utf8": "utf8", "gb18030": "gb18030", "gbk": "gb18030"}
_KINDS = {"read": "读取", "checked": "核对", "ignored": "忽略"}
_CODE_NAMES = {c.code: c.name for c in ERROR_CODES}


class _UsageError(Exception):
    """A usage error found after parsing (a bad value the parser cannot see)."""


class _Parser(argparse.ArgumentParser):
    """argparse with exit code 64 for usage errors and Chinese error lines."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: 用法错误 (usage error): {message}\n")


class _Progress:
    """A single status line on standard error, rewritten with ``\\r`` while work runs, shown
    only when standard error is a terminal (never in a pipe or a log)."""

    def __init__(self, label: str, stream: Optional[IO[str]] = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_tty(self.stream)
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._start = 0.0

    def __enter__(self) -> "_Progress":
        if self.enabled:
            self._start = time.monotonic()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            elapsed = time.monotonic() - self._start
            self.stream.write(f"\r{self.label} … {elapsed:.0f} 秒")
            self.stream.flush()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            # Clear the line so the next output starts clean.
            self.stream.write("\r\033[K")
            self.stream.flush()


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _error_dict(e: BaseException) -> Dict[str, Any]:
    if isinstance(e, GradregError):
        return {"code": e.code, "name": _CODE_NAMES.get(e.code, ""), "message": e.message}
    code = getattr(e, "code", None)
    return {
        "code": code if isinstance(code, int) else None,
        "name": _CODE_NAMES.get(code, "") if isinstance(code, int) else "",
        "message": str(e),
    }


def _fail(e: BaseException, as_json: bool = False) -> int:
    """Reports an error that makes the input unusable; returns exit code 2."""
    d = _error_dict(e)
    if as_json:
        _out(json.dumps({"error": d}, ensure_ascii=False, indent=2))
    else:
        code = f"[{d['code']} {d['name']}] " if d["code"] is not None else ""
        _err(f"错误 (error): {code}{d['message']}")
    return EXIT_UNUSABLE


def _encoding(value: str) -> str:
    try:
        return _ENCODINGS[value.lower()]
    except KeyError:
        raise _UsageError(f"未知编码 (unknown encoding) {value!r}: auto、utf-8 或 gb18030") from None


def _aliases(path: Optional[str]) -> Optional[HeaderAliases]:
    return None if path is None else HeaderAliases.from_file(path)


# ---- check ----


def _column_lines(columns: Sequence[ColumnUse]) -> List[str]:
    lines = []
    for c in columns:
        kind = _KINDS.get(c.kind, c.kind)
        target = c.field if c.field else "—"
        lines.append(f"  第 {c.column} 列「{c.header}」→ {target}（{kind}）")
    return lines


def _problem_line(p: CellProblem) -> str:
    where = f"第 {p.row} 行"
    if p.column:
        where += f"「{p.column}」"
    field = f" [{p.field}]" if p.field else ""
    return f"  {where}{field} {p.code}: {p.message_zh}"


def _notice_line(n: RosterNotice) -> str:
    rows = "、".join(str(r) for r in n.rows[:10])
    rows += f" 等 {len(n.rows)} 行" if len(n.rows) > 10 else " 行"
    return f"  第 {rows}「{n.column}」[{n.field}] {n.before} → {n.after}：{n.message_zh}"


def _roster_json(path: str, roster: Roster) -> Dict[str, Any]:
    d = roster.to_dict()
    good = sum(1 for r in roster.rows if r.ok)
    return {
        "file": path,
        "format": d["format"],
        "encoding": d["encoding"],
        "sheet": d.get("sheet"),
        "header_row": d.get("header_row"),
        "rows": len(roster.rows),
        "good_rows": good,
        "columns": d.get("columns", []),
        "problems": d["problems"],
        "notices": d.get("notices", []),
    }


def _print_summary(
    rows: int, header_row: int, sheet: Optional[str], fmt: str, encoding: str
) -> None:
    where = f"工作表「{sheet}」，" if sheet else ""
    _out(f"格式 (format): {fmt}，编码 (encoding): {encoding}，{where}表头在第 {header_row} 行，数据 {rows} 行")


def _check(args: argparse.Namespace) -> int:
    path: str = args.roster
    try:
        encoding = _encoding(args.encoding)
        aliases = _aliases(args.aliases)
        data = read_source(path)
    except _UsageError:
        raise
    except (GradregError, OSError) as e:
        return _fail(e, args.json)
    if len(data) > SCAN_BYTES:
        try:
            scan, problems = scan_roster(data, encoding=encoding, aliases=aliases, keep=SCAN_KEEP)
        except GradregError as e:
            return _fail(e, args.json)
        return _check_scanned(path, scan, problems, args.json)
    try:
        roster = parse_roster(data, encoding=encoding, aliases=aliases)
    except GradregError as e:
        code = _fail(e, args.json)
        if not args.json:
            # The header, when there is one, says what is missing or repeated.
            try:
                preview = preview_header(data, encoding=encoding, aliases=aliases)
            except GradregError:
                return code
            _err("表头的列 (columns of the header):")
            for line in _column_lines(preview.columns):
                _err(line)
            if preview.missing:
                _err("缺少的必填列 (missing): " + "、".join(preview.missing))
            if preview.duplicated:
                _err("重复的列 (repeated): " + "、".join(preview.duplicated))
        return code
    if args.json:
        _out(json.dumps(_roster_json(path, roster), ensure_ascii=False, indent=2))
        return EXIT_PROBLEMS if roster.problems else EXIT_OK
    _print_summary(len(roster.rows), roster.header_row, roster.sheet, roster.format, roster.encoding)
    _out("列映射 (columns):")
    for line in _column_lines(roster.columns):
        _out(line)
    if roster.problems:
        _out(f"问题 (problems): {len(roster.problems)} 个")
        for p in roster.problems:
            _out(_problem_line(p))
    if roster.notices:
        _out(f"提示 (notices): {len(roster.notices)} 条（已按规范读入 / read in canonical form）")
        for n in roster.notices:
            _out(_notice_line(n))
    good = sum(1 for r in roster.rows if r.ok)
    if roster.problems:
        _out(f"结果 (result): {good}/{len(roster.rows)} 行无问题；请改正上面的问题后再导入")
        return EXIT_PROBLEMS
    _out(f"结果 (result): 全部 {len(roster.rows)} 行无问题，可以导入 (ready to import)")
    return EXIT_OK


def _check_scanned(path: str, scan: RosterScan, problems: List[CellProblem], as_json: bool) -> int:
    """The report of ``check`` for a file read row by row: the counts, the first problems."""
    if as_json:
        d = scan.to_dict()
        out = {
            "file": path,
            "format": d["format"],
            "encoding": d["encoding"],
            "sheet": d.get("sheet"),
            "header_row": d.get("header_row"),
            "rows": scan.rows,
            "good_rows": scan.rows - scan.bad_rows,
            "columns": d.get("columns", []),
            "problems": [p.to_dict() for p in problems],
            "problem_count": scan.problems,
            "notices": d.get("notices", []),
        }
        _out(json.dumps(out, ensure_ascii=False, indent=2))
        return EXIT_PROBLEMS if scan.problems else EXIT_OK
    _print_summary(scan.rows, scan.header_row, scan.sheet, scan.format, scan.encoding)
    _out("列映射 (columns):")
    for line in _column_lines(scan.columns):
        _out(line)
    if scan.problems:
        shown = f"，列出前 {len(problems)} 个" if len(problems) < scan.problems else ""
        _out(f"问题 (problems): {scan.problems} 个{shown}")
        for p in problems:
            _out(_problem_line(p))
    if scan.notices:
        _out(f"提示 (notices): {len(scan.notices)} 条（已按规范读入 / read in canonical form）")
        for n in scan.notices:
            _out(_notice_line(n))
    good = scan.rows - scan.bad_rows
    if scan.problems:
        _out(f"结果 (result): {good}/{scan.rows} 行无问题；请改正上面的问题后再导入")
        return EXIT_PROBLEMS
    _out(f"结果 (result): 全部 {scan.rows} 行无问题，可以导入 (ready to import)")
    return EXIT_OK


# ---- registry commands ----


def _open_registry(path: str) -> Any:
    from .registry import Registry

    return Registry.open(path)


def _report_json(report: ImportReport) -> Dict[str, Any]:
    return dict(report.to_dict())


def _import(args: argparse.Namespace) -> int:
    try:
        encoding = _encoding(args.encoding)
        data = read_source(args.roster)
        registry = _open_registry(args.registry)
        if args.aliases is not None:
            registry.load_header_aliases(args.aliases)
        school = args.actor_school or registry.roster_school(data, encoding=encoding)
    except _UsageError:
        raise
    except (GradregError, OSError) as e:
        return _fail(e, args.json)
    actor = (
        Actor.counselor(args.actor_id, school, args.actor_college)
        if args.actor_college
        else Actor.school_office(args.actor_id, school)
    )
    mode = "good_rows" if args.good_rows else "all_or_nothing"
    label = "试导入 (dry run)" if args.dry_run else "导入 (importing)"
    try:
        with registry, _Progress(f"{label} {os.path.basename(args.roster)}"):
            run = registry.preview_roster if args.dry_run else registry.import_roster
            report: ImportReport = run(
                data, actor=actor, now=args.now, mode=mode, encoding=encoding
            )
    except GradregError as e:
        return _fail(e, args.json)
    bad = report.rejected > 0 or bool(report.problems)
    if args.json:
        _out(json.dumps(_report_json(report), ensure_ascii=False, indent=2))
        return EXIT_PROBLEMS if bad else EXIT_OK
    _print_summary(report.rows, report.header_row, report.sheet, report.format, report.encoding)
    if report.problems:
        _out(f"问题 (problems): {len(report.problems)} 个")
    for p in report.problems:
        _out(_problem_line(p))
    if report.notices:
        _out(f"提示 (notices): {len(report.notices)} 条")
        for n in report.notices:
            _out(_notice_line(n))
    head = "试导入，未写入任何数据 (dry run, nothing stored)" if report.dry_run else "导入完成 (imported)"
    _out(
        f"{head}: 新建 (created) {report.created}，更正 (corrected) {report.corrected}，"
        f"未变 (unchanged) {report.unchanged}，拒绝 (rejected) {report.rejected}"
    )
    if bad and mode == "all_or_nothing" and report.created + report.corrected == 0:
        _out("整表导入：有问题时不导入任何行；用 --good-rows 只导入无问题的行")
    return EXIT_PROBLEMS if bad else EXIT_OK


def _export(args: argparse.Namespace) -> int:
    if args.summary and args.format != "csv":
        raise _UsageError("--summary 只有 CSV 格式 (the summary is CSV only)")
    try:
        registry = _open_registry(args.registry)
    except (GradregError, OSError) as e:
        return _fail(e)
    with registry:
        try:
            to_stdout = args.output is None or args.output == "-"
            dest: Any = sys.stdout.buffer if to_stdout else args.output
            if args.summary:
                n = registry.export_csv(dest, now=args.now)
            else:
                n = registry.export_records(dest, format=args.format, now=args.now)
            if to_stdout:
                sys.stdout.buffer.flush()
        except (GradregError, OSError) as e:
            return _fail(e)
    if args.output not in (None, "-"):
        _err(f"已导出 {n} 条 (exported {n} rows) → {args.output}")
    return EXIT_OK


def _import_destinations(args: argparse.Namespace) -> int:
    try:
        encoding = _encoding(args.encoding)
        data = read_source(args.file)
        registry = _open_registry(args.registry)
    except _UsageError:
        raise
    except (GradregError, OSError) as e:
        return _fail(e, args.json)
    actor = Actor.provincial_platform(args.actor_id)
    mode = "good_rows" if args.good_rows else "all_or_nothing"
    try:
        with registry, _Progress(f"导入去向 (importing) {os.path.basename(args.file)}"):
            report = registry.import_destinations(
                data, actor=actor, now=args.now, mode=mode, encoding=encoding
            )
    except GradregError as e:
        return _fail(e, args.json)
    bad = report.rejected > 0 or bool(report.problems)
    if args.json:
        _out(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_PROBLEMS if bad else EXIT_OK
    _print_summary(report.rows, report.header_row, report.sheet, report.format, report.encoding)
    _out("列映射 (columns):")
    for line in _column_lines(report.columns):
        _out(line)
    if report.problems:
        _out(f"问题 (problems): {len(report.problems)} 个")
    for p in report.problems:
        _out(_problem_line(p))
    if report.notices:
        _out(f"提示 (notices): {len(report.notices)} 条")
        for n in report.notices:
            _out(_notice_line(n))
    _out(
        f"导入完成 (imported): 报送 (reported) {report.reported}，未变 (unchanged) "
        f"{report.unchanged}，拒绝 (rejected) {report.rejected}"
    )
    if bad and mode == "all_or_nothing" and report.reported == 0:
        _out("整表导入：有问题时不导入任何行；用 --good-rows 只导入无问题的行")
    return EXIT_PROBLEMS if bad else EXIT_OK


def _keyring(args: argparse.Namespace) -> Any:
    from .codes import KeyRing

    path = args.key or os.environ.get("GRADREG_KEY_FILE")
    if not path:
        raise _UsageError("需要签名密钥文件：--key FILE 或环境变量 GRADREG_KEY_FILE (a key file is needed)")
    with open(path, "rb") as f:
        secret = f.read()
    ring = KeyRing(test_mode=args.test_key)
    ring.add_hmac(args.key_id, secret, True)
    return ring


def _render(args: argparse.Namespace) -> int:
    from .forms import Renderer

    try:
        ring = _keyring(args)
        registry = _open_registry(args.registry)
    except _UsageError:
        raise
    except (GradregError, OSError) as e:
        return _fail(e)
    with registry:
        reg = registry.find(args.id)
    if reg is None:
        _err(f"错误 (error): 没有这名毕业生 (no registration) {args.id!r}")
        return EXIT_UNUSABLE
    number = args.number
    if number is None:
        live = [a for a in reg.authorizations if a.state == "active"] or reg.authorizations
        if not live:
            _err(f"错误 (error): {args.id} 还没有核验授权 (no authorization)")
            return EXIT_UNUSABLE
        number = live[-1].number
    try:
        data = Renderer().render(reg, number, args.section, ring, format=args.format, now=args.now)
        with open(args.output, "wb") as f:
            f.write(data)
    except (GradregError, OSError) as e:
        return _fail(e)
    _err(f"已生成 (written) {args.output}：{args.section} 表，核验编号 {number}")
    return EXIT_OK


def _verifier(args: argparse.Namespace) -> Actor:
    return (
        Actor.hukou_dept(args.verifier_id, args.verifier_name)
        if args.dept == "hukou"
        else Actor.archive_dept(args.verifier_id, args.verifier_name)
    )


def _verify(args: argparse.Namespace) -> int:
    if args.registry is None and args.key_set is None:
        raise _UsageError("需要 --registry（在线核验）或 --key-set（离线核验）(a registry or a key set is needed)")
    if args.name and args.registry is None:
        raise _UsageError("按姓名 + 核验编号核验需要 --registry (online verification needs a registry)")
    if args.status_list and args.key_set is None:
        raise _UsageError("--status-list 需要 --key-set (status lists are checked with the issuer's key set)")
    if args.key_set is not None and args.registry is None:
        return _verify_offline(args)
    try:
        registry = _open_registry(args.registry)
        ring = None if args.name else (_key_set_ring(args) if args.key_set else _keyring(args))
    except _UsageError:
        raise
    except (GradregError, OSError) as e:
        return _fail(e, args.json)
    verifier = _verifier(args)
    try:
        with registry:
            if args.name:
                verdict = registry.verify_online(
                    verifier,
                    args.name,
                    args.token_or_number,
                    now=args.now,
                    principal=args.principal or _login_name(),
                )
            else:
                verdict = registry.verify_scanned(
                    args.token_or_number,
                    ring,
                    verifier,
                    now=args.now,
                    printed_number=args.printed_number,
                    holder_name=args.holder_name,
                )
    except GradregError as e:
        return _fail(e, args.json)
    return _print_verdict(verdict, args.json)


def _login_name() -> str:
    """The operating system's login name: the identity the system authenticated for whoever runs
    the command line (``"cli"`` when it cannot be learned)."""
    import getpass

    try:
        return getpass.getuser() or "cli"
    except Exception:  # no login name in this environment
        return "cli"


def _key_set_ring(args: argparse.Namespace) -> Any:
    from .codes import KeySet

    return KeySet.from_file(args.key_set).key_ring(test_mode=args.test_key)


def _verify_offline(args: argparse.Namespace) -> int:
    from .codes import StatusLists, verify_offline

    try:
        ring = _key_set_ring(args)
        lists = StatusLists()
        for path in args.status_list or []:
            lists.add_file(path, ring)
        verdict = verify_offline(
            args.token_or_number,
            ring,
            _verifier(args),
            now=args.now,
            status_lists=lists,
            printed_number=args.printed_number,
            holder_name=args.holder_name,
        )
    except (GradregError, OSError) as e:
        return _fail(e, args.json)
    return _print_verdict(verdict, args.json)


def _messages() -> Dict[str, Dict[str, str]]:
    """What each verdict and each reason of an ``unchecked`` verdict tells the verifier, in
    Chinese (the core's texts)."""
    from . import _native

    c = json.loads(_native.constants())
    return {"verdict": c["verdict_messages_zh"], "reason": c["unchecked_reasons_zh"]}


def _print_verdict(verdict: Any, as_json: bool) -> int:
    """Prints a verdict; 0 when the form may be accepted (valid, valid_offline), else 1."""
    d = verdict.to_dict()
    if as_json:
        _out(json.dumps(d, ensure_ascii=False, indent=2, default=str))
    else:
        zh = _messages()
        name = str(d.get("verdict"))
        _out(f"核验结果 (verdict): {name} — {zh['verdict'].get(name, '')}")
        if d.get("status_as_of") is not None:
            _out(f"  状态截至 (status as of): {d['status_as_of']}，下次更新 {d.get('status_next_update')}")
        if d.get("reason") is not None:
            reason = str(d["reason"])
            _out(f"  原因 (reason): {reason} — {zh['reason'].get(reason, '')}")
        disclosure = d.get("disclosure")
        if isinstance(disclosure, dict):
            for k, v in disclosure.items():
                if v not in (None, "", [], {}):
                    _out(f"  {k}: {v}")
    return EXIT_OK if verdict.accepted else EXIT_PROBLEMS


# ---- keys ----


def _store(args: argparse.Namespace) -> Any:
    from .codes import KeyStore

    return KeyStore.open(args.store)


def _print_store(store: Any, as_json: bool) -> None:
    info = store.info()
    if as_json:
        _out(json.dumps(info.to_dict(), ensure_ascii=False, indent=2, default=str))
        return
    _out(f"密钥库 (key store): {info.path}，签发方 (issuer): {info.issuer}，当前签名密钥 (active): {info.active}")
    for k in info.keys:
        state = "已停用 (retired)" if k.retired_at is not None else (
            "签名中 (active)" if k.kid == info.active else "仅核验 (verifies)"
        )
        since = k.valid_from.isoformat() if k.valid_from is not None else "—"
        until = k.valid_to.isoformat() if k.valid_to is not None else "—"
        _out(f"  密钥 {k.kid} [{k.alg}] {state}，签名期 {since} 至 {until}")


def _keys_init(args: argparse.Namespace) -> int:
    from .codes import KeyStore

    try:
        store = KeyStore.create(args.store, args.issuer, algorithm=args.algorithm, now=args.now)
    except (GradregError, OSError) as e:
        return _fail(e, args.json)
    if not args.json:
        _err(f"已创建密钥库 (created) {args.store}（仅本人可读写，权限 0600）")
    _print_store(store, args.json)
    return EXIT_OK


def _keys_show(args: argparse.Namespace) -> int:
    try:
        store = _store(args)
    except (GradregError, OSError) as e:
        return _fail(e, args.json)
    _print_store(store, args.json)
    return EXIT_OK


def _keys_rotate(args: argparse.Namespace) -> int:
    try:
        store = _store(args)
        kid = store.rotate(algorithm=args.algorithm, now=args.now)
    except (GradregError, OSError) as e:
        return _fail(e, args.json)
    if not args.json:
        _err(f"已启用新签名密钥 (rotated) {kid}；旧密钥继续用于核验")
    _print_store(store, args.json)
    return EXIT_OK


def _keys_retire(args: argparse.Namespace) -> int:
    try:
        store = _store(args)
        store.retire(args.kid, now=args.now)
    except (GradregError, OSError) as e:
        return _fail(e, args.json)
    if not args.json:
        _err(f"已停用密钥 (retired) {args.kid}：它签的核验码不再能通过核验，公钥集中也不再列出")
    _print_store(store, args.json)
    return EXIT_OK


def _write_published(folder: str, name: str, text: str) -> str:
    """Writes one published file whole (a reader never sees half of it); returns its path."""
    path = os.path.join(folder, name)
    part = path + ".part"
    with open(part, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    os.replace(part, path)
    return path


def _keys_publish(args: argparse.Namespace) -> int:
    from datetime import timedelta, timezone

    if args.valid_hours <= 0:
        raise _UsageError("--valid-hours 须大于 0 (must be positive)")
    now = args.now if args.now is not None else datetime.now(timezone.utc)
    try:
        store = _store(args)
        ring = store.key_ring()
        published = store.key_set()
        if store.active not in published.key_ids:
            _err(
                "错误 (error): 当前签名密钥不是 Ed25519，核验部门无法用公钥集核对状态列表；"
                "请先 gradreg keys rotate --algorithm ed25519 (the active key must be Ed25519)"
            )
            return EXIT_UNUSABLE
        key_set = published.to_json()
        with _open_registry(args.registry) as registry:
            lists = registry.status_lists(
                ring, now=now, next_update=now + timedelta(hours=args.valid_hours)
            )
        os.makedirs(args.output, exist_ok=True)
        written = [_write_published(args.output, "keyset.json", key_set)]
        for pl in lists:
            written.append(_write_published(args.output, f"status-list-{pl.list}.txt", pl.text))
    except (GradregError, OSError) as e:
        return _fail(e, args.json)
    if args.json:
        _out(json.dumps({
            "key_set": written[0],
            "status_lists": [
                {"list": pl.list, "file": path, "not_in_force": pl.not_in_force}
                for pl, path in zip(lists, written[1:])
            ],
        }, ensure_ascii=False, indent=2))
        return EXIT_OK
    _out(f"公钥集 (key set): {written[0]}，{len(json.loads(key_set)['keys'])} 个公钥")
    for pl, path in zip(lists, written[1:]):
        _out(f"状态列表 (status list) {pl.list}: {path}，失效条目 {pl.not_in_force} 个")
    _out(f"有效至 (next update): {(now + timedelta(hours=args.valid_hours)).isoformat()}")
    return EXIT_OK


# ---- the parser ----


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="gradreg",
        description="高校毕业生毕业去向登记：名单检查与导入、导出、表单、核验 "
        "(graduate destination registration: rosters, export, forms, verification)",
        epilog="退出码 (exit codes): 0 无问题；1 名单有问题、有行被拒绝或核验未通过；"
        "2 输入无法使用（不是名单、无法打开登记库 …）；64 用法错误",
    )
    p.add_argument("--version", action="version", version=f"gradreg {__version__}")
    sub = p.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    sub.required = True

    c = sub.add_parser(
        "check",
        help="检查名单，不写入任何数据 (check a roster, store nothing)",
        description="读取名单（CSV 或 XLSX），列出列映射、每个问题（行/列/字段/说明）和每条提示（原值 → 读入值）",
    )
    c.add_argument("roster", metavar="ROSTER", help="名单文件 (.csv 或 .xlsx)")
    c.add_argument("--encoding", default="auto", help="CSV 编码：auto（默认）、utf-8 或 gb18030")
    c.add_argument("--aliases", metavar="FILE", help="本单位的表头对照表（每行：表头<TAB>字段[<TAB>name]）")
    c.add_argument("--json", action="store_true", help="以 JSON 输出 (output JSON)")
    c.set_defaults(run=_check)

    i = sub.add_parser(
        "import",
        help="把名单导入登记库 (import a roster into a registry)",
        description="导入名单。默认整表导入：有任何问题则不导入；--good-rows 只导入无问题的行；--dry-run 只报告将会发生什么",
    )
    i.add_argument("roster", metavar="ROSTER", help="名单文件 (.csv 或 .xlsx)")
    i.add_argument("--registry", required=True, metavar="PATH", help="登记库：文件，或其中放 gradreg.sqlite3 的目录")
    i.add_argument("--good-rows", action="store_true", help="只导入无问题的行 (import the good rows)")
    i.add_argument("--dry-run", action="store_true", help="试导入：报告结果，不写入 (store nothing)")
    i.add_argument("--encoding", default="auto", help="CSV 编码：auto（默认）、utf-8 或 gb18030")
    i.add_argument("--aliases", metavar="FILE", help="本单位的表头对照表")
    i.add_argument("--actor-id", default="gradreg-cli", help="上传者编号（默认 gradreg-cli）")
    i.add_argument(
        "--actor-school",
        metavar="CODE",
        help="上传者所在学校的院校代码（默认取名单中的院校代码）(the uploader's school code)",
    )
    i.add_argument(
        "--actor-college",
        metavar="COLLEGE",
        help="以该学院辅导员身份导入（默认以学校就业部门身份）(upload as a counselor of COLLEGE)",
    )
    i.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")
    _now_arg(i)
    i.set_defaults(run=_import)

    e = sub.add_parser(
        "export",
        help="导出登记记录的全部字段 (export every field of the registrations)",
        description="导出登记号、阶段、基本信息（完整身份证号）、毕业去向、档案转递和户口迁移；"
        "表头即导入时读取的表头，文件可再导入 (import / import-destinations)",
    )
    e.add_argument("--registry", required=True, metavar="PATH", help="登记库")
    e.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="导出格式（默认 csv）")
    e.add_argument(
        "--summary",
        action="store_true",
        help="只导出摘要（登记号、姓名、脱敏身份证号、阶段 …，CSV）(the masked summary)",
    )
    e.add_argument("-o", "--output", metavar="FILE", help="输出文件（默认标准输出）")
    _now_arg(e)
    e.set_defaults(run=_export)

    d = sub.add_parser(
        "import-destinations",
        help="导入省级平台导出的毕业去向数据 (import the provincial platform's destinations)",
        description="按学号 + 院校代码或身份证号把每行的毕业去向、档案转递和户口迁移报送到登记。"
        "默认整表导入：有任何问题或被拒绝的行则不导入；--good-rows 只导入无问题的行",
    )
    d.add_argument("file", metavar="FILE", help="去向数据文件 (.csv 或 .xlsx)")
    d.add_argument("--registry", required=True, metavar="PATH", help="登记库")
    d.add_argument("--good-rows", action="store_true", help="只导入无问题的行 (import the good rows)")
    d.add_argument("--encoding", default="auto", help="CSV 编码：auto（默认）、utf-8 或 gb18030")
    d.add_argument("--actor-id", default="gradreg-cli", help="省级平台编号（默认 gradreg-cli）")
    d.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")
    _now_arg(d)
    d.set_defaults(run=_import_destinations)

    r = sub.add_parser("render", help="生成毕业生的核验表 (render a graduate's form)")
    r.add_argument("--registry", required=True, metavar="PATH", help="登记库")
    r.add_argument("--id", required=True, help="登记编号，如 10327:2022010123")
    r.add_argument("--format", choices=["pdf", "pdf/a", "png", "svg"], default="pdf", help="格式（默认 pdf）")
    r.add_argument("--section", choices=["archive", "hukou"], default="archive", help="档案表或户籍表（默认 archive）")
    r.add_argument("--number", help="核验编号（默认取最新的有效授权）")
    r.add_argument("-o", "--output", required=True, metavar="FILE", help="输出文件")
    _key_args(r)
    _now_arg(r)
    r.set_defaults(run=_render)

    v = sub.add_parser(
        "verify",
        help="核验编号（带 --name）或扫描到的二维码内容 (verify a number or a scanned token)",
        description="在线核验：--registry（核验码另需 --key 或 --key-set）；离线核验核验码：--key-set "
        "加签发方发布的 --status-list（没有状态列表时结果为 unchecked：真实，但未核对是否撤销）",
    )
    v.add_argument("token_or_number", metavar="TOKEN_OR_NUMBER", help="核验编号或二维码内容")
    v.add_argument("--name", help="毕业生姓名：按姓名 + 核验编号在线核验")
    v.add_argument("--registry", metavar="PATH", help="登记库（在线核验）")
    v.add_argument("--key-set", metavar="FILE", help="签发方发布的公钥集 keyset.json（Ed25519 核验码）")
    v.add_argument(
        "--status-list",
        metavar="FILE",
        nargs="+",
        action="extend",
        help="签发方发布的状态列表文件（可多个），离线核对是否撤销",
    )
    v.add_argument("--printed-number", metavar="NUMBER", help="表上印的核验编号：须与核验码一致")
    v.add_argument("--holder-name", metavar="NAME", help="持表人姓名：须与核验码一致")
    v.add_argument("--dept", choices=["archive", "hukou"], default="archive", help="核验部门类型")
    v.add_argument("--verifier-id", default="gradreg-cli", help="核验部门编号")
    v.add_argument("--verifier-name", default="命令行核验", help="核验部门名称")
    v.add_argument(
        "--principal",
        help="在线核验的核验人身份：宿主已认证的身份（默认为当前系统登录名），失败次数按它计 "
        "(the authenticated identity failures are counted by; default: the OS login name)",
    )
    v.add_argument("--json", action="store_true", help="以 JSON 输出")
    _key_args(v)
    _now_arg(v)
    v.set_defaults(run=_verify)

    k = sub.add_parser(
        "keys",
        help="签名密钥库：创建、轮换、停用、发布公钥集与状态列表 (signing keys)",
        description="签名密钥保存在仅本人可读写的 JSON 文件中（权限 0600）。publish 把公钥集和登记库的"
        "状态列表写到一个目录，供核验部门离线核验",
    )
    ksub = k.add_subparsers(dest="keys_command", metavar="操作", parser_class=_Parser)
    ksub.required = True
    ki = ksub.add_parser("init", help="创建密钥库和第一个签名密钥 (create a key store)")
    ki.add_argument("--issuer", required=True, help="签发方名称，如学校名称")
    ki.add_argument("--algorithm", choices=["ed25519", "hmac"], default="ed25519", help="算法（默认 ed25519）")
    ki.set_defaults(run=_keys_init)
    ks = ksub.add_parser("show", help="列出密钥及其签名期，不显示密钥本身 (list the keys)")
    ks.set_defaults(run=_keys_show)
    kr = ksub.add_parser("rotate", help="启用新的签名密钥，旧密钥继续用于核验 (rotate)")
    kr.add_argument("--algorithm", choices=["ed25519", "hmac"], default="ed25519", help="算法（默认 ed25519）")
    kr.set_defaults(run=_keys_rotate)
    kx = ksub.add_parser("retire", help="停用一个非当前的密钥 (retire a key)")
    kx.add_argument("kid", type=int, metavar="KID", help="密钥编号")
    kx.set_defaults(run=_keys_retire)
    kp = ksub.add_parser(
        "publish", help="把公钥集和状态列表写到目录 (publish the key set and the status lists)"
    )
    kp.add_argument("--registry", required=True, metavar="PATH", help="登记库")
    kp.add_argument("-o", "--output", required=True, metavar="DIR", help="输出目录")
    kp.add_argument(
        "--valid-hours", type=int, default=24, metavar="HOURS", help="状态列表的有效时长（默认 24 小时）"
    )
    kp.set_defaults(run=_keys_publish)
    for action in (ki, ks, kr, kx, kp):
        action.add_argument("--store", required=True, metavar="FILE", help="密钥库文件")
        action.add_argument("--json", action="store_true", help="以 JSON 输出")
        _now_arg(action)
    return p


def _now_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--now",
        type=_instant,
        metavar="TIME",
        help="按该时刻处理，RFC 3339，如 2026-05-01T10:00:00+08:00（默认现在）",
    )


def _instant(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是 RFC 3339 时刻 (not an RFC 3339 instant): {text!r}") from None
    if t.tzinfo is None:
        raise argparse.ArgumentTypeError(f"时刻须带时区 (the instant needs a UTC offset): {text!r}")
    return t


def _key_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key", metavar="FILE", help="HMAC 签名密钥文件（或环境变量 GRADREG_KEY_FILE）")
    p.add_argument("--key-id", type=int, default=1, help="密钥编号（默认 1）")
    p.add_argument(
        "--test-key", action="store_true", help="测试模式密钥环（允许短密钥和测试公钥，仅用于测试）"
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the command with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    try:
        code: int = args.run(args)
    except _UsageError as e:
        parser.print_usage(sys.stderr)
        _err(f"gradreg: 用法错误 (usage error): {e}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("已中断 (interrupted)")
        return 130
    except BrokenPipeError:
        # The reader went away (`gradreg check big.csv | head`): stop quietly, as shell tools
        # do, with the status a shell gives a command ended by SIGPIPE.
        _quiet_stdout()
        return 141
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return 141
    return code


def _quiet_stdout() -> None:
    """Points stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
