"""The roster corpus (core/tests/corpus/: rosters shaped like real exports, written by a script
of their own, with an answer key of planted problems) read through the Python package: the same
key the Rust scorer uses, the same score required — every planted problem found, no false alarm,
every expected notice, sheet, row count and file-level error."""

from __future__ import annotations

import collections
import os
from typing import Any, Dict, List, Set, Tuple

import pytest

import gradreg
from gradreg._errors import GradregError, error_code

CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "core", "tests", "corpus")


def read_key() -> Dict[str, Dict[str, Any]]:
    key: Dict[str, Dict[str, Any]] = collections.defaultdict(
        lambda: {"problems": set(), "notices": set(), "error": None, "sheet": None,
                 "rows": None, "encoding": None}
    )
    with open(os.path.join(CORPUS, "answers.tsv"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            file, row, field, expect = line.split("\t")
            kind, _, value = expect.partition(":")
            field = "" if field == '""' else field
            e = key[file]
            if row == "*" and kind == "notice":
                e["notices"].add((field, value))
            elif kind == "error":
                e["error"] = value
            elif kind == "sheet":
                e["sheet"] = value
            elif kind == "rows":
                e["rows"] = int(value)
            elif kind == "encoding":
                e["encoding"] = value
            else:
                e["problems"].add((int(row), field, expect))
    return dict(key)


KEY = read_key()


def test_the_key_covers_every_file() -> None:
    files = sorted(os.listdir(os.path.join(CORPUS, "files")))
    assert files == sorted(KEY), "every corpus file has a line in the key, and no more"


@pytest.mark.parametrize("name", sorted(KEY))
def test_corpus_file_scores_full_recall_and_no_false_alarm(name: str) -> None:
    e = KEY[name]
    path = os.path.join(CORPUS, "files", name)
    encoding = {"gb18030": "gb18030", "utf-8": "utf8", None: "auto"}[e["encoding"]]
    if e["error"]:
        with pytest.raises(GradregError) as info:
            gradreg.parse_roster(path, encoding=encoding)
        assert info.value.code == error_code(e["error"]), info.value
        return
    roster = gradreg.parse_roster(path, encoding=encoding)
    found: Set[Tuple[int, str, str]] = {(p.row, p.field, p.code) for p in roster.problems}
    missed = e["problems"] - found
    false_alarms = found - e["problems"]
    assert not missed, f"{name}: planted problems not found: {sorted(missed)}"
    assert not false_alarms, f"{name}: false alarms: {sorted(false_alarms)}"
    notices = {(n.field, n.code) for n in roster.notices}
    assert e["notices"] <= notices, f"{name}: notices missing: {sorted(e['notices'] - notices)}"
    if e["sheet"]:
        assert roster.sheet == e["sheet"]
    if e["rows"] is not None:
        assert len(roster.rows) == e["rows"]
    bad_rows: List[int] = sorted({p.row for p in roster.problems})
    assert [r.row for r in roster.rows if not r.ok] == bad_rows
