"""Key stores, published key sets, signed status lists, format-2 tokens and offline verification:
a verifier that holds only the issuer's key set and status lists tells a genuine form in force
from a revoked one, and says so when it cannot tell."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import List, Tuple

import pytest

import gradreg
from gradreg import (
    Actor,
    ArgumentError,
    Command,
    KeyRing,
    KeySet,
    KeyStore,
    Registration,
    Registry,
    StatusAnswer,
    StatusLists,
    VerificationError,
    error_code,
)

from conftest import NOW

ARCHIVE = Actor.archive_dept("a001", "南京市人才服务中心")
HUKOU = Actor.hukou_dept("h001", "宁海路派出所")
KEY = "10327:2022010123"
#: The keys are made a day before the first token.
BEFORE = NOW - timedelta(days=1)
#: The Ed25519 encoding of the identity point (y = 1): a point of small order, which every
#: message "verifies" under.
SMALL_ORDER = "01" + "00" * 31
#: The public key of RFC 8032, section 7.1, test 1: a sound key.
RFC8032_TEST_1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---- key store ----


def test_key_store_create_rotate_retire_reopen(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    store = KeyStore.create(path, "南京财经大学", now=BEFORE)
    assert _mode(path) == 0o600
    info = store.info()
    assert (info.issuer, info.active, [k.kid for k in info.keys]) == ("南京财经大学", 1, [1])
    assert info.keys[0].alg == "ed25519" and info.keys[0].valid_from == BEFORE
    # The file holds a PKCS#8 key; the info never shows it.
    assert "PRIVATE KEY" in path.read_text()
    assert "PRIVATE" not in json.dumps(info.to_dict(), default=str)
    with pytest.raises(VerificationError) as exists:
        KeyStore.create(path, "again", now=BEFORE)
    assert exists.value.code == error_code("key_store") == 310

    assert store.rotate(now=NOW) == 2
    assert store.active == 2
    ring = store.key_ring()
    assert ring.active == 2 and sorted(ring.ids) == [1, 2] and not ring.test_mode
    keys = {k.kid: k for k in store.info().keys}
    assert keys[1].valid_to == NOW and keys[2].valid_from == NOW

    # The active key cannot be retired; the old one can, and leaves ring and key set.
    with pytest.raises(VerificationError) as active:
        store.retire(2, now=NOW)
    assert active.value.code == error_code("key_refused")
    store.retire(1, now=NOW + timedelta(days=1))
    assert store.key_ring().ids == [2]
    assert store.key_set().key_ids == [2]
    with pytest.raises(VerificationError):
        store.retire(7, now=NOW)

    again = KeyStore.open(path)
    assert again.info() == store.info()
    assert _mode(path) == 0o600
    assert KeyStore.open_or_create(path, "ignored", now=NOW).issuer == "南京财经大学"
    made = KeyStore.open_or_create(tmp_path / "new.json", "新", algorithm="hmac", now=NOW)
    assert made.info().keys[0].alg == "hmac-sha256"
    # HMAC keys are secret: never in a key set.
    assert made.key_set().key_ids == []


def test_a_key_store_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    KeyStore.create(str(path), "issuer", now=BEFORE)
    os.chmod(path, 0o644)
    with pytest.raises(VerificationError) as info:
        KeyStore.open(path)
    assert info.value.code == 310 and "chmod 600" in str(info.value)
    os.chmod(path, 0o600)
    KeyStore.open(path)
    with pytest.raises(VerificationError):
        KeyStore.open(tmp_path / "missing.json")
    with pytest.raises(ArgumentError):
        KeyStore.create(tmp_path / "x.json", "issuer", algorithm="rsa", now=NOW)
    with pytest.raises(TypeError):
        KeyStore.open(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        KeyStore()


# ---- key set ----


def test_key_set_round_trip(tmp_path: Path) -> None:
    store = KeyStore.create(tmp_path / "k.json", "南京财经大学", now=BEFORE)
    store.rotate(now=NOW)
    ks = store.key_set()
    text = ks.to_json()
    doc = json.loads(text)
    assert doc["format"] == "gradreg-key-set" and doc["issuer"] == "南京财经大学"
    assert [k["kid"] for k in doc["keys"]] == [1, 2]
    assert all(len(k["public_key"]) == 64 for k in doc["keys"])
    back = KeySet.from_json(text)
    assert back.to_json() == text and back.issuer == "南京财经大学" and back.key_ids == [1, 2]
    assert KeySet.from_json(text.encode()).key_ids == [1, 2]
    ring = back.key_ring()
    assert sorted(ring.ids) == [1, 2] and ring.active is None
    assert ring.public_key(2) == store.key_ring().public_key(2)
    # The same set from the signing ring.
    assert store.key_ring().key_set("南京财经大学").to_json() == text
    path = tmp_path / "keyset.json"
    path.write_text(text, encoding="utf-8")
    assert KeySet.from_file(path).key_ids == [1, 2]


def _key_set(public_key: str, test: bool = False, kid: int = 1) -> str:
    return json.dumps(
        {
            "format": "gradreg-key-set",
            "version": 1,
            "issuer": "测试",
            "keys": [
                {
                    "kid": kid,
                    "alg": "ed25519",
                    "public_key": public_key,
                    "valid_from": "2026-01-01T00:00:00Z",
                    "valid_to": None,
                    "test": test,
                }
            ],
        }
    )


def test_a_small_order_key_is_refused_in_production_accepted_in_test_mode() -> None:
    ks = KeySet.from_json(_key_set(SMALL_ORDER))
    with pytest.raises(VerificationError) as info:
        ks.key_ring()
    assert info.value.code == error_code("key_refused") == 305
    assert ks.key_ring(test_mode=True).ids == [1]
    # A key marked as a test key likewise (the public key of RFC 8032, test 1).
    marked = KeySet.from_json(_key_set(RFC8032_TEST_1, test=True))
    with pytest.raises(VerificationError):
        marked.key_ring()
    assert marked.key_ring(test_mode=True).ids == [1]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"format": "jwks", "version": 1, "issuer": "x", "keys": []}),
        _key_set("ABCD"),
        _key_set(RFC8032_TEST_1.upper()),
        json.dumps(
            {
                "format": "gradreg-key-set",
                "version": 1,
                "issuer": "x",
                "keys": [json.loads(_key_set(SMALL_ORDER))["keys"][0]] * 2,
            }
        ),
    ],
)
def test_what_is_not_a_key_set_is_refused(text: str) -> None:
    with pytest.raises(VerificationError) as info:
        KeySet.from_json(text)
    assert info.value.code == error_code("key_set_invalid") == 311


# ---- the whole chain: registry → format-2 token → publish → offline verifier ----


def _registry(tmp_path: Path) -> Tuple[Registry, str, Actor]:
    reg = Registry.open(str(tmp_path / "registry"))
    b = gradreg.sample.basic_info()
    grad = Actor.graduate(b.id_number)
    reg.upload({KEY: b}, Actor.school_office("s", "10327"), NOW)
    for actor, command in [
        (Actor.chsi(), Command.update_chsi_account(gradreg.sample.chsi_account())),
        (grad, Command.login()),
        (grad, Command.confirm_basic_info()),
        (Actor.provincial_platform("p"), Command.report_destination(gradreg.sample.destination_data())),
        (grad, Command.confirm_destination()),
        (grad, Command.authorize(30)),
    ]:
        reg.apply(KEY, actor, command, NOW)
    return reg, reg.get(KEY).authorizations[0].number, grad


class Published:
    """What the issuer publishes: the key set JSON and the status list texts."""

    def __init__(self, key_set: str, lists: List[str]) -> None:
        self.key_set = key_set
        self.lists = lists

    def verifier(self) -> Tuple[KeyRing, StatusLists]:
        """A verifier's ring and lists, built from the published texts only."""
        ring = KeySet.from_json(self.key_set).key_ring()
        lists = StatusLists()
        for t in self.lists:
            lists.add(t, ring)
        return ring, lists


def _publish(store: KeyStore, reg: Registry, at: "object", days: int = 1) -> Published:
    from datetime import datetime

    assert isinstance(at, datetime)
    lists = reg.status_lists(store.key_ring(), now=at, next_update=at + timedelta(days=days))
    return Published(store.key_set().to_json(), [p.text for p in lists])


@pytest.fixture
def chain(tmp_path: Path) -> Tuple[Registry, str, Actor, KeyStore, str]:
    reg, number, grad = _registry(tmp_path)
    store = KeyStore.create(tmp_path / "keys.json", "南京财经大学", now=BEFORE)
    token = reg.issue_token(
        store.key_ring(), number, "archive", embed_disclosure=True, version=2, now=NOW
    )
    return reg, number, grad, store, token


def test_offline_verification_from_the_published_texts_only(
    chain: Tuple[Registry, str, Actor, KeyStore, str],
) -> None:
    reg, number, _, store, token = chain
    assert token.startswith("GR2.")
    assert [k for k, _ in reg.signing_keys(number)] == [1]
    published = _publish(store, reg, NOW)
    assert len(published.lists) == 1 and published.lists[0].startswith("GS1.")
    ring, lists = published.verifier()
    assert [(l.list, l.not_in_force, l.key_id) for l in lists.lists()] == [(0, 0, 1)]

    at = NOW + timedelta(hours=2)
    v = gradreg.verify_offline(token, ring, ARCHIVE, at, lists)
    assert (v.verdict, v.code, v.failed_at) == ("valid_offline", 13, None)
    assert v.accepted and not v.valid
    assert v.number == number and v.status_as_of == NOW
    assert v.status_next_update == NOW + timedelta(days=1) and v.reason is None
    b = gradreg.sample.basic_info()
    assert v.disclosure is not None and v.disclosure["identity"]["name"] == b.name
    assert b.id_number not in json.dumps(v.disclosure, ensure_ascii=False)
    # The same verdict through verify_token with nothing to ask online is only "unchecked".
    u = gradreg.verify_token(token, ring, ARCHIVE, now=at)
    assert (u.verdict, u.reason, u.failed_at) == ("unchecked", "no_status_list", "status")
    assert u.disclosure == v.disclosure and not u.accepted
    # The wrong department, a tampered token.
    assert gradreg.verify_offline(token, ring, HUKOU, at, lists).verdict == "wrong_section"
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert gradreg.verify_offline(flipped, ring, ARCHIVE, at, lists).verdict == "bad_signature"


def test_revoked_and_republished_is_revoked_offline(
    chain: Tuple[Registry, str, Actor, KeyStore, str],
) -> None:
    reg, number, grad, store, token = chain
    old = _publish(store, reg, NOW)
    reg.apply(KEY, grad, Command.revoke_authorization(number), NOW + timedelta(hours=1))
    new = _publish(store, reg, NOW + timedelta(hours=2))
    at = NOW + timedelta(hours=3)
    ring, lists = new.verifier()
    assert lists.lists()[0].not_in_force == 1
    v = gradreg.verify_offline(token, ring, ARCHIVE, at, lists)
    assert (v.verdict, v.failed_at, v.disclosure) == ("revoked", "status", None)
    # The list from before the revocation still says in force, as of its time; adding it to
    # the verifier's lists keeps the newer one.
    ring_old, lists_old = old.verifier()
    assert gradreg.verify_offline(token, ring_old, ARCHIVE, at, lists_old).verdict == "valid_offline"
    lists.add(old.lists[0], ring)
    assert gradreg.verify_offline(token, ring, ARCHIVE, at, lists).verdict == "revoked"
    # Online, against the registry, the same.
    assert reg.verify_scanned(token, store.key_ring(), ARCHIVE, at).verdict == "revoked"


def test_no_list_and_a_stale_list_are_unchecked(
    chain: Tuple[Registry, str, Actor, KeyStore, str],
) -> None:
    reg, _, _, store, token = chain
    ring, lists = _publish(store, reg, NOW, days=1).verifier()
    none = gradreg.verify_offline(token, ring, ARCHIVE, NOW + timedelta(hours=1))
    assert (none.verdict, none.code, none.reason) == ("unchecked", 14, "no_status_list")
    assert none.disclosure is not None and none.status_as_of is None
    stale = gradreg.verify_offline(token, ring, ARCHIVE, NOW + timedelta(days=1), lists)
    assert (stale.verdict, stale.reason) == ("unchecked", "stale_status_list")
    assert stale.status_as_of == NOW and not stale.accepted
    # A format-1 token has no status pointer.
    v1 = reg.issue_token(store.key_ring(), chain[1], "archive", embed_disclosure=True, now=NOW)
    assert v1.startswith("GR1.")
    got = gradreg.verify_offline(v1, ring, ARCHIVE, NOW + timedelta(hours=1), lists)
    assert (got.verdict, got.reason) == ("unchecked", "no_status_pointer")


def test_holder_mismatch(chain: Tuple[Registry, str, Actor, KeyStore, str]) -> None:
    reg, number, _, store, token = chain
    ring, lists = _publish(store, reg, NOW).verifier()
    at = NOW + timedelta(hours=1)
    name = gradreg.sample.basic_info().name
    ok = gradreg.verify_offline(
        token, ring, ARCHIVE, at, lists, printed_number=number.lower(), holder_name=name
    )
    assert ok.verdict == "valid_offline"
    other = gradreg.random_number()
    while other == number:
        other = gradreg.random_number()
    for kw in ({"printed_number": other}, {"holder_name": "李四"}):
        v = gradreg.verify_offline(token, ring, ARCHIVE, at, lists, **kw)  # type: ignore[arg-type]
        assert (v.verdict, v.code, v.failed_at) == ("holder_mismatch", 15, "holder")
        assert v.disclosure is None
    online = reg.verify_scanned(token, store.key_ring(), ARCHIVE, at, holder_name="李四")
    assert online.verdict == "holder_mismatch"
    assert reg.verify_scanned(token, store.key_ring(), ARCHIVE, at, holder_name=name).valid
    # A printed number with a wrong check symbol is a typo of the verifier, refused.
    typo = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(VerificationError) as info:
        gradreg.verify_offline(token, ring, ARCHIVE, at, lists, printed_number=typo)
    assert info.value.code == error_code("number_typo")


def test_a_status_list_that_does_not_check_is_refused(
    chain: Tuple[Registry, str, Actor, KeyStore, str], tmp_path: Path
) -> None:
    reg, _, _, store, _ = chain
    published = _publish(store, reg, NOW)
    ring = KeySet.from_json(published.key_set).key_ring()
    lists = StatusLists()
    text = published.lists[0]
    for bad in ("hello", text[:-8], text[:10] + ("A" if text[10] != "A" else "B") + text[11:]):
        with pytest.raises(VerificationError) as info:
            lists.add(bad, ring)
        assert info.value.code == error_code("status_list_invalid") == 312
    # Signed by another issuer's key.
    other = KeyStore.create(tmp_path / "other.json", "另一所", now=BEFORE)
    with pytest.raises(VerificationError):
        lists.add(text, other.key_ring().public_only())
    assert len(lists) == 0 and lists.status(0, 0) is None
    info0 = lists.add(text + "\n", ring)
    assert info0.entries >= 131072 and len(lists) == 1
    assert lists.status(0, 0) == "in_force" and lists.status(0, info0.entries) is None


def test_format_2_tokens_without_a_registry(authorized: Registration) -> None:
    ring = KeyRing()
    ring.generate(1, "ed25519")
    number = authorized.authorizations[0].number
    token = gradreg.issue_token(ring, authorized, number, "archive", embed=True, version=2, status=(0, 5))
    assert token.startswith("GR2.")
    verifier = ring.key_set("测试").key_ring()
    v = gradreg.verify_offline(token, verifier, ARCHIVE, NOW)
    assert (v.verdict, v.reason) == ("unchecked", "no_status_list")
    with pytest.raises(ArgumentError):
        gradreg.issue_token(ring, authorized, number, "archive", version=3)
    with pytest.raises(ArgumentError):
        gradreg.issue_token(ring, authorized, number, "archive", status=(0, 5))
    # Online, against the registrations given: valid, as before.
    assert gradreg.verify_token(token, ring, ARCHIVE, [authorized], NOW).valid


def test_a_status_callable_answers_for_the_number(authorized: Registration) -> None:
    ring = KeyRing()
    ring.generate(1, "ed25519")
    number = authorized.authorizations[0].number
    token = gradreg.issue_token(ring, authorized, number, "hukou", embed=True)
    asked: List[Tuple[str, str]] = []

    def answer(status: str) -> "gradreg.codes.StatusSource":
        def source(n: str, section: str, now: "object") -> StatusAnswer:
            asked.append((n, section))
            return StatusAnswer(status)

        return source

    for status, verdict in [
        ("valid", "valid"),
        ("revoked", "revoked"),
        ("superseded", "superseded"),
        ("expired", "expired"),
        ("not_yet_valid", "not_yet_valid"),
        ("unknown", "no_match"),
        ("unreachable", "indeterminate"),
    ]:
        got = gradreg.verify_token(token, ring, HUKOU, now=NOW, status=answer(status))
        assert got.verdict == verdict, status
    assert set(asked) == {(number, "hukou")}

    def broken(n: str, section: str, now: "object") -> StatusAnswer:
        raise RuntimeError("status service down")

    with pytest.raises(RuntimeError, match="status service down"):
        gradreg.verify_token(token, ring, HUKOU, now=NOW, status=broken)
    with pytest.raises(TypeError):
        gradreg.verify_token(token, ring, HUKOU, now=NOW, status=lambda *a: "valid")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError):
        StatusAnswer("fine")
    with pytest.raises(ArgumentError):
        gradreg.verify_token(token, ring, HUKOU, [authorized], NOW, status=answer("valid"))


# ---- the command: gradreg keys …, gradreg verify --key-set … --status-list … ----


def _run(*args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "gradreg", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_the_command_keeps_keys_publishes_and_verifies_offline(tmp_path: Path) -> None:
    reg, number, grad = _registry(tmp_path)
    reg.close()
    db = str(tmp_path / "registry")
    store = str(tmp_path / "keys.json")
    before, now = BEFORE.isoformat(), NOW.isoformat()

    init = _run("keys", "init", "--store", store, "--issuer", "南京财经大学", "--now", before)
    assert init.returncode == 0, init.stderr
    assert "已创建密钥库" in init.stderr and "当前签名密钥 (active): 1" in init.stdout
    assert _mode(Path(store)) == 0o600
    again = _run("keys", "init", "--store", store, "--issuer", "x", "--now", before)
    assert again.returncode == 2 and "310" in again.stderr

    with Registry.open(db) as r:
        token = r.issue_token(
            KeyStore.open(store).key_ring(), number, "archive", embed_disclosure=True, version=2, now=NOW
        )
    out = tmp_path / "发布"
    pub = _run("keys", "publish", "--store", store, "--registry", db, "-o", str(out), "--now", now)
    assert pub.returncode == 0, pub.stderr
    assert "公钥集" in pub.stdout and "状态列表" in pub.stdout
    assert sorted(p.name for p in out.iterdir()) == ["keyset.json", "status-list-0.txt"]
    key_set = str(out / "keyset.json")
    status_list = str(out / "status-list-0.txt")
    assert KeySet.from_file(key_set).key_ids == [1]

    at = (NOW + timedelta(hours=1)).isoformat()
    ok = _run("verify", token, "--key-set", key_set, "--status-list", status_list, "--now", at)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "valid_offline" in ok.stdout and "状态截至" in ok.stdout
    as_json = _run(
        "verify", token, "--key-set", key_set, "--status-list", status_list, "--now", at, "--json"
    )
    assert json.loads(as_json.stdout)["verdict"] == "valid_offline"
    unchecked = _run("verify", token, "--key-set", key_set, "--now", at)
    assert unchecked.returncode == 1 and "unchecked" in unchecked.stdout and "no_status_list" in unchecked.stdout
    other = _run(
        "verify", token, "--key-set", key_set, "--status-list", status_list, "--now", at,
        "--holder-name", "李四",
    )
    assert other.returncode == 1 and "holder_mismatch" in other.stdout
    # Online, against the registry, with the key set's ring.
    online = _run("verify", token, "--registry", db, "--key-set", key_set, "--now", at)
    assert online.returncode == 0 and "valid" in online.stdout

    # Revoked, republished: revoked offline.
    with Registry.open(db) as r:
        r.apply(KEY, grad, Command.revoke_authorization(number), NOW + timedelta(hours=2))
    later = (NOW + timedelta(hours=3)).isoformat()
    assert _run("keys", "publish", "--store", store, "--registry", db, "-o", str(out), "--now", later).returncode == 0
    revoked = _run("verify", token, "--key-set", key_set, "--status-list", status_list, "--now", later)
    assert revoked.returncode == 1 and "revoked" in revoked.stdout

    # Rotate, retire, show.
    rot = _run("keys", "rotate", "--store", store, "--now", later, "--json")
    assert rot.returncode == 0 and json.loads(rot.stdout)["active"] == 2
    refused = _run("keys", "retire", "2", "--store", store, "--now", later)
    assert refused.returncode == 2 and "305" in refused.stderr
    assert _run("keys", "retire", "1", "--store", store, "--now", later).returncode == 0
    show = _run("keys", "show", "--store", store)
    assert "已停用" in show.stdout and "签名中" in show.stdout and "PRIVATE" not in show.stdout
    # The old key is retired: the token it signed no longer verifies with the new key set.
    assert _run("keys", "publish", "--store", store, "--registry", db, "-o", str(out), "--now", later).returncode == 0
    gone = _run("verify", token, "--key-set", key_set, "--status-list", status_list, "--now", later)
    assert gone.returncode == 1 and "unknown_key" in gone.stdout


def test_the_command_refuses_what_it_cannot_use(tmp_path: Path) -> None:
    store = tmp_path / "keys.json"
    assert _run("keys", "init", "--store", str(store), "--issuer", "x").returncode == 0
    os.chmod(store, 0o644)
    open_ = _run("keys", "show", "--store", str(store))
    assert open_.returncode == 2 and "chmod 600" in open_.stderr
    assert _run("keys").returncode == 64
    assert _run("keys", "init", "--store", str(tmp_path / "k2.json")).returncode == 64
    neither = _run("verify", "GR2.AAAA")
    assert neither.returncode == 64 and "--key-set" in neither.stderr
    bad = tmp_path / "keyset.json"
    bad.write_text("{}", encoding="utf-8")
    invalid = _run("verify", "GR2.AAAA", "--key-set", str(bad))
    assert invalid.returncode == 2 and "311" in invalid.stderr
    lists_alone = _run("verify", "GR2.AAAA", "--registry", str(tmp_path / "r"), "--status-list", "x")
    assert lists_alone.returncode == 64
    # An HMAC store has nothing a verifier could check lists with: nothing is published.
    hmac = tmp_path / "hmac.json"
    assert _run("keys", "init", "--store", str(hmac), "--issuer", "x", "--algorithm", "hmac").returncode == 0
    out = tmp_path / "out"
    refused = _run("keys", "publish", "--store", str(hmac), "--registry", str(tmp_path / "r"), "-o", str(out))
    assert refused.returncode == 2 and "Ed25519" in refused.stderr and not out.exists()
