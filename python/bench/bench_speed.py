"""The Python face's speed, side by side: each validator of ``gradreg.checks`` against
python-stdnum where it has one (``stdnum.cn.ric`` for the citizen ID number, ``stdnum.cn.uscc``
for the unified social credit code), per call in ns, and ``parse_roster`` of a generated
roster from Python against the core parsing the same file from Rust (the ``roster_rate``
example of ``benches/``), in rows/s.

Build the extension in release first; the figures of a debug build say nothing::

    maturin build --release -m python/Cargo.toml -o target/wheels-release
    pip install --force-reinstall --no-deps target/wheels-release/gradreg-*.whl
    pip install python-stdnum
    python python/bench/bench_speed.py [--rows 100000] [--rust-bin PATH]

Without ``--rust-bin`` the script runs ``cargo run --release -p gradreg-benches --example
roster_rate`` from the repository, with the core's features of the extension (``schema``,
``webhook``) so that the core is compiled once for both. Every figure is the best of several
rounds, printed, never asserted. Python's figure includes reading the file (``parse_roster``
takes a path); Rust's starts from the bytes in memory. ``parse_roster`` makes the rows' objects
when the rows are first used, so two figures are printed: the call alone (what the Rust figure
measures: the file parsed to typed records) and the call followed by reading one field of every
row (every row's objects made).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, List, Optional, Sequence

import gradreg
from gradreg import _native, checks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_CREDIT = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(rng: random.Random) -> str:
    """A random well-formed credit code with its GB 32100 check character."""
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6))
    body += "".join(rng.choice(_CREDIT) for _ in range(9))
    total = sum(_CREDIT.index(c) * w for c, w in zip(body, _CREDIT_W))
    return body + _CREDIT[(31 - total % 31) % 31]


def spoil(value: str, rng: random.Random) -> str:
    """The value with its last character changed (a wrong check character)."""
    last = value[-1]
    alphabet = _CREDIT if len(value) == 18 and not value[:17].isdigit() else "0123456789X"
    return value[:-1] + rng.choice([c for c in alphabet if c != last])


def per_call(f: Callable[[Any], Any], values: Sequence[Any], rounds: int = 5) -> float:
    """ns per call of ``f`` over ``values``, best of ``rounds``."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for v in values:
            f(v)
        best = min(best, time.perf_counter() - start)
    return best / len(values) * 1e9


def per_item(f: Callable[[Any], Any], values: Sequence[Any], rounds: int = 5) -> float:
    """ns per value of a list call ``f(values)``, best of ``rounds``."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        f(values)
        best = min(best, time.perf_counter() - start)
    return best / len(values) * 1e9


def roster_file(rows: int) -> str:
    """A generated roster of ``rows`` rows (cached in the temporary folder)."""
    path = os.path.join(tempfile.gettempdir(), f"gradreg-bench-roster-{rows}.csv")
    if not os.path.exists(path):
        cohort = gradreg.generate_cohort(rows, seed=7)
        with open(path + ".part", "w", encoding="utf-8") as f:
            # In slices: one JSON document of 100,000 graduates is past the default limits.
            for start in range(0, rows, 10_000):
                text = gradreg.roster.roster_csv(cohort[start : start + 10_000])
                f.write(text if start == 0 else text.split("\n", 1)[1])
        os.replace(path + ".part", path)
    return path


def rust_rate(path: str, rust_bin: Optional[str]) -> str:
    cmd = [rust_bin] if rust_bin else [
        "cargo", "run", "-q", "--release", "-p", "gradreg-benches", "--example", "roster_rate",
        "--features", "gradreg/schema,gradreg/webhook", "--",
    ]
    out = subprocess.run(cmd + [path, "5"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        return f"(not run: {out.stderr.strip()[-300:]})"
    return out.stdout.strip()


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--values", type=int, default=20_000)
    ap.add_argument("--rust-bin", default=None, help="a built roster_rate example")
    ap.add_argument("--no-roster", action="store_true")
    args = ap.parse_args(argv)
    try:
        from stdnum.cn import ric, uscc  # type: ignore[import-untyped]
    except ImportError:
        sys.exit("pip install python-stdnum first")

    rng = random.Random(7)
    cohort = gradreg.generate_cohort(min(args.values, 5000), seed=3)
    ids_ok = [g.basic.id_number for g in cohort]
    ids = [(v if i % 2 == 0 else spoil(v, rng)) for i, v in enumerate(ids_ok * (args.values // len(ids_ok) + 1))][: args.values]
    credits = [credit_code(rng) for _ in range(args.values // 2)]
    credits = [x for c in credits for x in (c, spoil(c, rng))]
    regions = [v[:6] for v in ids]
    numbers = [gradreg.codes.random_number() if i % 2 else "ABCD-EFGH-JKMN-PQR0" for i in range(args.values)]
    transfers = [gradreg.random_transfer_number() if i % 2 else "ZD-ABCD-EFGH-JKM0" for i in range(args.values)]
    degrees = ["1", "2", "3", "9", "31", "99"] * (args.values // 6)

    # The answers agree where both sides judge the same thing. The residence permits of Hong
    # Kong, Macao and Taiwan residents (810000, 820000, 830000) are GB 11643 numbers the core
    # takes and stdnum's region list lacks: they are the only difference.
    differ = [v for v in ids if (checks.check_id_number(v) is None) != ric.is_valid(v)]
    assert all(v[:2] in ("81", "82", "83") for v in differ), differ[:5]
    assert all((checks.check_credit_code(v) is None) == uscc.is_valid(v) for v in credits)
    print(f"answers agree with stdnum but on {len(differ)} residence-permit ID numbers")

    print(f"validators: {args.values} values each, half valid; ns per call (best of 5)")
    print(f"{'check':28} {'gradreg':>9} {'list/item':>10} {'stdnum':>9} {'stdnum/gradreg':>15}")
    rows = [
        ("id_number (ric)", checks.check_id_number, checks.check_id_numbers, ids, ric.is_valid),
        ("credit_code (uscc)", checks.check_credit_code, checks.check_credit_codes, credits, uscc.is_valid),
        ("region_code", checks.check_region_code, checks.check_region_codes, regions, None),
        ("verification_number", checks.check_verification_number, checks.check_verification_numbers, numbers, None),
        ("transfer_number", checks.check_transfer_number, checks.check_transfer_numbers, transfers, None),
        ("code (education_levels)", lambda v: checks.check_code("education_levels", v),
         lambda vs: checks.check_codes("education_levels", vs), degrees, None),
    ]
    for name, one, many, values, peer in rows:
        ours = per_call(one, values)
        listed = per_item(many, values)
        if peer is None:
            print(f"{name:28} {ours:9.0f} {listed:10.0f} {'-':>9} {'-':>15}")
        else:
            theirs = per_call(peer, values)
            print(f"{name:28} {ours:9.0f} {listed:10.0f} {theirs:9.0f} {theirs / ours:14.1f}x")

    if args.no_roster:
        return
    path = roster_file(args.rows)
    size = os.path.getsize(path)
    best = float("inf")
    roster = None
    for _ in range(5):
        # The previous round's result is freed before the clock starts (Rust's is freed after
        # its clock stops). Five rounds, as Rust's.
        roster = None
        start = time.perf_counter()
        roster = gradreg.parse_roster(path)
        best = min(best, time.perf_counter() - start)
    assert roster is not None and len(roster.rows) == args.rows, "every row read"
    # The rows' objects are made when the rows are first used: the honest second figure reads
    # one field of every row, so that every row's objects are made.
    touched = float("inf")
    names: List[str] = []
    for _ in range(3):
        seen = None
        names = []
        start = time.perf_counter()
        seen = gradreg.parse_roster(path)
        names = [r.info.name for r in seen.rows]
        touched = min(touched, time.perf_counter() - start)
    assert len(names) == args.rows
    # The path parse_roster took before: JSON text, json.loads, the checked from_dict.
    with open(path, "rb") as f:
        data = f.read()
    old = float("inf")
    for _ in range(2):
        again = None
        start = time.perf_counter()
        raw = _native.parse_roster(data, "auto", "auto", None, None)
        again = gradreg.roster.Roster.from_dict(json.loads(raw))
        old = min(old, time.perf_counter() - start)
    assert again == roster, "both paths build the same objects"
    print(f"\nroster: {args.rows} rows, {size / 1e6:.1f} MB, {path}")
    print(f"python parse_roster (the call): best of 5: {best:.3f} s, {args.rows / best:.0f} rows/s")
    print(
        f"python parse_roster + one field of every row: best of 3: {touched:.3f} s, "
        f"{args.rows / touched:.0f} rows/s"
    )
    print(f"python via JSON + from_dict (the old path): best of 2: {old:.3f} s, {args.rows / old:.0f} rows/s")
    rust = rust_rate(path, args.rust_bin)
    print(rust)
    found = re.search(r"best of \d+: ([0-9.]+) s", rust)
    if found and float(found.group(1)) > 0:
        base = float(found.group(1))
        print(f"python / rust: the call {best / base:.2f}x, with one field of every row {touched / base:.2f}x")


if __name__ == "__main__":
    main()
