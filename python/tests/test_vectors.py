"""The published test vectors (``docs/vectors/*.json``) through the Python package.

Every token case — ``kind`` absent or ``"token"`` — is verified as the vector says: online with a
status source answering as its ``status`` names (``status_mode`` ``"online"`` or absent), or
offline with the key set and the status lists it carries (``"offline"``); the verdict, its code,
the step that decided it, the disclosure and, offline, the status times and the reason must be
the vector's. Typed numbers, key sets and status lists (``kind`` ``"number"``, ``"key_set"``,
``"status_list"``) are checked through ``parse_number``, ``KeySet`` and ``StatusLists``.

The runner reads whatever files are there; ``test_the_runner_reads_every_kind`` feeds it cases of
every kind made here, so that it is known to work before such files are published.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

import gradreg
from gradreg import (
    Actor,
    GradregError,
    KeyRing,
    KeySet,
    KeyStore,
    Registration,
    StatusAnswer,
    StatusLists,
    Verdict,
    error_code,
)

from conftest import NOW

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "vectors"

Vector = Dict[str, Any]


def _load(path: Path) -> Vector:
    v: Vector = json.loads(path.read_text(encoding="utf-8"))
    assert v["name"] == path.stem, "the file is named after its vector"
    return v


def _files() -> List[Path]:
    return sorted(VECTORS.glob("*.json"))


def _instant(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=timezone.utc)


def _rfc3339(t: Optional[datetime]) -> Optional[str]:
    """An instant as the vectors write it (``2026-05-28T21:26:40Z``)."""
    if t is None:
        return None
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _department(name: str) -> Actor:
    """The verifier a vector names (as the Rust runner builds it)."""
    if name == "hukou_dept":
        return Actor.hukou_dept("vector-hukou", "测试户籍部门")
    if name == "archive_dept":
        return Actor.archive_dept("vector-archive", "测试档案部门")
    if name == "school_office":
        return Actor.school_office("vector-school", "10327")
    raise AssertionError(f"unknown verifier_department {name!r}")


def _ring_from_keys(keys: List[Dict[str, Any]]) -> KeyRing:
    """The test-mode ring a vector's ``keys`` describe; Ed25519 from the public key alone."""
    ring = KeyRing(test_mode=True)
    for k in keys:
        if k["algorithm"] == "ed25519":
            ring.add_ed25519_public(int(k["kid"]), bytes.fromhex(k["public_hex"]))
        else:
            ring.add_hmac(int(k["kid"]), bytes.fromhex(k["secret_hex"]), active=False)
    return ring


def _ring_from_key_set(key_set: Any) -> KeyRing:
    """The test-mode ring of a vector's key set (``KeySet::from_json(..).ring_test_mode()``)."""
    text = key_set if isinstance(key_set, str) else json.dumps(key_set)
    return KeySet.from_json(text).key_ring(test_mode=True)


def _status_disclosure(v: Vector) -> Optional[Dict[str, Any]]:
    canonical = v.get("status_disclosure_canonical")
    if isinstance(canonical, str):
        d: Dict[str, Any] = json.loads(canonical)
        return d
    got = v.get("status_disclosure")
    return got if isinstance(got, dict) else None


#: What the status source answers for each ``status`` of an online vector: the status, and
#: whether it supplies the vector's ``status_disclosure``.
ONLINE_ANSWERS: Dict[str, Tuple[str, bool]] = {
    "active": ("valid", True),
    # The vector's status disclosure is one whose digest is not the token's.
    "active_other_disclosure": ("valid", True),
    "active_no_disclosure": ("valid", False),
    "revoked": ("revoked", False),
    "superseded": ("superseded", False),
    "expired": ("expired", False),
    "not_yet_valid": ("not_yet_valid", False),
    "unknown": ("unknown", False),
    "unreachable": ("unreachable", False),
}


def _status_source(v: Vector) -> Callable[[str, str, datetime], StatusAnswer]:
    status = v["status"]
    assert status in ONLINE_ANSWERS, f"{v['name']}: unknown status answer {status!r}"
    answer, supplies = ONLINE_ANSWERS[status]
    disclosure = _status_disclosure(v) if supplies else None

    def source(number: str, section: str, now: datetime) -> StatusAnswer:
        return StatusAnswer(answer, disclosure)

    return source


def _expected_step(steps: Dict[str, str]) -> Optional[str]:
    """The step that decided the verdict: the one whose result is neither pass nor not
    reached (an ``unchecked`` verdict is reported at the status step)."""
    failed = [s for s, r in steps.items() if r not in ("pass", "not_reached")]
    assert len(failed) <= 1, steps
    return failed[0] if failed else None


def run_token(v: Vector) -> Verdict:
    """Verifies a token vector through the package and checks what it says."""
    name = v["name"]
    mode = v.get("status_mode") or "online"
    now = _instant(int(v["now_unix"]))
    if "now" in v:
        assert v["now"] == _rfc3339(now), name
    verifier = _department(v["verifier_department"])
    common: Dict[str, Any] = {
        "required_prefix": v.get("required_prefix"),
        "leeway_seconds": int(v["leeway_seconds"]),
        "printed_number": v.get("printed_number"),
        "holder_name": v.get("holder_name"),
    }
    if mode == "offline":
        ring = _ring_from_key_set(v["key_set"])
        lists = StatusLists()
        for text in v.get("status_lists") or []:
            lists.add(text, ring)
        got = gradreg.verify_offline(v["token"], ring, verifier, now, lists, **common)
    else:
        assert mode == "online", f"{name}: unknown status_mode {mode!r}"
        ring = _ring_from_keys(v["keys"])
        got = gradreg.verify_token(
            v["token"], ring, verifier, now=now, status=_status_source(v), **common
        )
    assert got.verdict == v["verdict"], name
    assert got.code == v["verdict_code"], name
    if isinstance(v.get("steps"), dict):
        assert got.failed_at == _expected_step(v["steps"]), name
    assert got.disclosure == v["disclosure"], name
    if got.verdict in ("valid", "valid_offline") or v.get("claims"):
        claims = v.get("claims") or {}
        if "number" in claims and got.number is not None:
            assert got.number == claims["number"], name
    for field, attr in (
        ("status_as_of", "status_as_of"),
        ("status_next_update", "status_next_update"),
        ("unchecked_reason", "reason"),
    ):
        if field in v:
            value = getattr(got, attr)
            shown = _rfc3339(value) if isinstance(value, datetime) else value
            assert shown == v[field], f"{name}: {field}"
    return got


def run_number(v: Vector) -> None:
    """A typed number: ``ok`` with its displayed form, ``typo`` or ``malformed``."""
    name = v["name"]
    kind = v.get("number_kind", "verification")
    assert kind in ("verification", "transfer"), f"{name}: unknown number_kind {kind!r}"
    parse = gradreg.parse_number if kind == "verification" else gradreg.parse_transfer_number
    prefix = "number" if kind == "verification" else "transfer_number"
    try:
        parsed = parse(v["input"])
    except GradregError as e:
        result = {
            error_code(f"{prefix}_typo"): "typo",
            error_code(f"{prefix}_malformed"): "malformed",
        }.get(e.code, f"error {e.code}")
        assert (result, None) == (v["result"], v.get("parsed")), name
        return
    assert ("ok", parsed) == (v["result"], v["parsed"]), name


def run_key_set(v: Vector) -> None:
    """A key set: read, its ring built in the vector's mode, or the error it gives."""
    name = v["name"]
    try:
        ks = KeySet.from_json(v["key_set_text"])
        ring = ks.key_ring(test_mode=v["mode"] == "test")
    except GradregError as e:
        assert v["result"] != "ok", f"{name}: {e}"
        assert e.code == v["error_code"], name
        assert e.code == error_code(v["result"]), name
        return
    assert v["result"] == "ok", name
    assert v.get("error_code") is None, name
    assert ks.key_ids == v["key_ids"], name
    assert sorted(ring.ids) == sorted(v["key_ids"]), name


def run_status_list(v: Vector) -> None:
    """A signed status list checked with the vector's key set: its header and entries, or the
    error it gives."""
    name = v["name"]
    ring = _ring_from_key_set(v["key_set"])
    lists = StatusLists()
    try:
        info = lists.add(v["status_list_text"], ring)
    except GradregError as e:
        assert v["result"] == "status_list_invalid", f"{name}: {e}"
        assert e.code == v["error_code"] == error_code("status_list_invalid"), name
        return
    assert v["result"] == "ok" and v.get("error_code") is None, name
    assert (info.list, info.entries) == (v["list"], v["entries"]), name
    assert (_rfc3339(info.issued_at), _rfc3339(info.next_update)) == (
        v["issued_at"],
        v["next_update"],
    ), name
    for index, status in v["probe"]:
        assert lists.status(info.list, index) == status, f"{name}: entry {index}"


RUNNERS: Dict[str, Callable[[Vector], Any]] = {
    "token": run_token,
    "number": run_number,
    "key_set": run_key_set,
    "status_list": run_status_list,
}


def run(v: Vector) -> None:
    kind = v.get("kind") or "token"
    assert kind in RUNNERS, f"{v['name']}: unknown kind {kind!r}"
    RUNNERS[kind](v)


def test_the_vectors_are_there() -> None:
    files = _files()
    assert len(files) >= 40
    kinds = {_load(p)["kind"] for p in files}
    assert kinds == {"token", "number", "key_set", "status_list"}


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.stem)
def test_vector(path: Path) -> None:
    run(_load(path))


# ---- the runner itself, on cases of every kind made here ----


_SYMBOLS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _check_symbol(symbols: str) -> str:
    """The Damm check symbol over GF(32) of a number's symbols (docs/token-format.md, §1)."""

    def double(x: int) -> int:
        x = (x << 1) & 0x3F
        return x ^ 0x25 if x & 0x20 else x

    interim = 0
    for c in symbols:
        interim = double(interim) ^ _SYMBOLS.index(c)
    return _SYMBOLS[double(interim)]


def test_the_check_symbol_is_the_published_one() -> None:
    n = gradreg.random_number().replace("-", "")
    assert _check_symbol(n[:-1]) == n[-1]


def _made_cases(tmp_path: Path, authorized: Registration) -> List[Vector]:
    store = KeyStore.create(tmp_path / "k.json", "测试", now=NOW)
    key_set = json.loads(store.key_set().to_json())
    signer = store.key_ring()
    number = authorized.authorizations[0].number
    token = gradreg.issue_token(
        signer, authorized, number, "archive", embed=True, version=2, status=(0, 5)
    )
    registry_free = gradreg.verify_offline(token, store.key_set().key_ring(), _department("archive_dept"), NOW)
    assert registry_free.verdict == "unchecked"
    base: Vector = {
        "kind": "token",
        "token": token,
        "now_unix": int(NOW.timestamp()),
        "verifier_department": "archive_dept",
        "leeway_seconds": 300,
        "required_prefix": None,
        "printed_number": None,
        "holder_name": None,
    }
    steps = {
        s: "pass"
        for s in ("prefix", "decoding", "key_id", "signature", "content", "time_window", "section")
    }
    offline = dict(
        base,
        name="made-offline",
        status_mode="offline",
        key_set=key_set,
        status_lists=[],
        verdict="unchecked",
        verdict_code=14,
        steps=dict(steps, status="unchecked", holder="not_reached"),
        disclosure=registry_free.disclosure,
        status_as_of=None,
        status_next_update=None,
        unchecked_reason="no_status_list",
    )
    online = dict(
        base,
        name="made-online",
        status_mode="online",
        keys=[],  # the test gives the public key
        status="revoked",
        verdict="revoked",
        verdict_code=3,
        steps=dict(steps, status="revoked", holder="not_reached"),
        disclosure=None,
    )
    return [offline, online]


def test_the_runner_reads_every_kind(tmp_path: Path, authorized: Registration) -> None:
    offline, online = _made_cases(tmp_path, authorized)
    run(offline)
    # Online cases build the ring from `keys`: give the Ed25519 public key.
    store = KeyStore.open(tmp_path / "k.json")
    pub = store.key_ring().public_key(1)
    assert pub is not None
    online["keys"] = [{"algorithm": "ed25519", "kid": 1, "public_hex": pub.hex(), "test": True}]
    run(online)
    # A wrong expectation fails.
    with pytest.raises(AssertionError):
        run(dict(online, verdict="valid", verdict_code=0))
    with pytest.raises(AssertionError):
        run(dict(offline, unchecked_reason="stale_status_list"))

    # Key sets.
    text = store.key_set().to_json()
    run({"name": "ks", "kind": "key_set", "key_set_text": text, "mode": "production",
         "result": "ok", "error_code": None, "key_ids": [1]})
    run({"name": "ks-bad", "kind": "key_set", "key_set_text": text.replace("gradreg-key-set", "x"),
         "mode": "production", "result": "key_set_invalid", "error_code": 311, "key_ids": None})
    small = json.loads(text)
    small["keys"][0]["public_key"] = "01" + "00" * 31
    run({"name": "ks-small", "kind": "key_set", "key_set_text": json.dumps(small),
         "mode": "production", "result": "key_refused", "error_code": 305, "key_ids": None})
    with pytest.raises(AssertionError):
        run({"name": "ks-small", "kind": "key_set", "key_set_text": json.dumps(small),
             "mode": "test", "result": "key_refused", "error_code": 305, "key_ids": None})

    # Status lists (a registry's list, every entry in force).
    reg = gradreg.Registry.in_memory()
    lists = reg.status_lists(store.key_ring(), now=NOW)
    sl: Vector = {
        "name": "sl", "kind": "status_list", "status_list_text": lists[0].text,
        "key_set": json.loads(text), "now_unix": int(NOW.timestamp()), "result": "ok",
        "error_code": None, "list": 0, "entries": 131072, "issued_at": _rfc3339(NOW),
        "next_update": _rfc3339(NOW + timedelta(days=1)),
        "probe": [[0, "in_force"], [131071, "in_force"]],
    }
    run(sl)
    with pytest.raises(AssertionError):
        run(dict(sl, probe=[[0, "revoked"]]))
    run(dict(sl, status_list_text=lists[0].text[:-4], result="status_list_invalid", error_code=312))

    # Numbers (a transfer number made here with the check of the published format).
    t = "ZD" + "4K7Q9M2XPRT"
    t += _check_symbol(t)
    shown = f"ZD-{t[2:6]}-{t[6:10]}-{t[10:]}"
    run({"name": "t", "kind": "number", "input": " " + t.lower(), "number_kind": "transfer",
         "result": "ok", "parsed": shown})
    t_typo = t[:-1] + ("0" if t[-1] != "0" else "1")
    run({"name": "t-typo", "kind": "number", "input": t_typo, "number_kind": "transfer",
         "result": "typo", "parsed": None})
    run({"name": "t-short", "kind": "number", "input": t[:-1], "number_kind": "transfer",
         "result": "malformed", "parsed": None})
    with pytest.raises(AssertionError):
        run({"name": "t-typo", "kind": "number", "input": t_typo, "number_kind": "transfer",
             "result": "malformed", "parsed": None})
    n = authorized.authorizations[0].number
    run({"name": "n", "kind": "number", "input": n.lower().replace("-", " "),
         "number_kind": "verification", "result": "ok", "parsed": n})
    typo = n[:-1] + ("0" if n[-1] != "0" else "1")
    run({"name": "n-typo", "kind": "number", "input": typo, "number_kind": "verification",
         "result": "typo", "parsed": None})
    run({"name": "n-short", "kind": "number", "input": n[:-2], "number_kind": "verification",
         "result": "malformed", "parsed": None})
