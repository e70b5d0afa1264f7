"""Key rings, signed tokens, and verification of scanned tokens and online by name and number."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

import gradreg
from gradreg import (
    Actor,
    ArgumentError,
    Command,
    KeyRing,
    Registration,
    Registry,
    VerificationError,
)

from conftest import NOW

ARCHIVE = Actor.archive_dept("a001", "南京市人才服务中心")
HUKOU = Actor.hukou_dept("h001", "宁海路派出所")


SECRET = hashlib.sha256(b"gradreg python tests").digest()


def ring() -> KeyRing:
    r = KeyRing()
    r.add_hmac(1, SECRET)
    return r


def test_key_ring_management() -> None:
    r = ring()
    assert r.active == 1 and r.ids == [1] and not r.test_mode
    r.generate(2, "ed25519", active=True)
    assert r.active == 2
    pub = r.public_key(2)
    assert pub is not None and len(pub) == 32
    assert r.public_key(1) is None
    verifier = r.public_only()
    assert verifier.ids == [2]
    with pytest.raises(VerificationError) as info:
        KeyRing().add_hmac(3, b"short")  # refused in production
    assert info.value.code == 305
    KeyRing(test_mode=True).add_hmac(3, b"short")
    with pytest.raises(TypeError):
        r.add_hmac(4, "text secret")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        r.add_hmac(None, SECRET)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError):
        r.add_ed25519_seed(5, b"too short")
    with pytest.raises(VerificationError):
        r.activate(99)


def test_issue_and_verify_a_scanned_token(authorized: Registration) -> None:
    r = ring()
    number = authorized.authorizations[0].number
    token = gradreg.issue_token(r, authorized, number, "archive")
    assert token.isascii() and token == token.upper()
    v = gradreg.verify_token(token, r, ARCHIVE, [authorized], NOW)
    assert v.valid and v.code == 0 and v.number == number
    assert v.disclosure is not None and v.disclosure["section"] == "archive"
    assert authorized.basic is not None
    # Minimal disclosure: never the graduate's phone or e-mail, the ID number masked.
    assert authorized.basic.phone not in str(v.disclosure)
    assert authorized.basic.email not in str(v.disclosure)
    assert authorized.basic.id_number not in str(v.disclosure)
    assert v.disclosure["identity"]["id_number_masked"].startswith(authorized.basic.id_number[:6])
    # The hukou department may not read the archive form.
    assert gradreg.verify_token(token, r, HUKOU, [authorized], NOW).verdict == "wrong_section"
    # Past its validity.
    late = gradreg.verify_token(token, r, ARCHIVE, [authorized], NOW + timedelta(days=40))
    assert late.verdict == "expired"
    # A tampered token, another ring, an unknown registration.
    bad = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert not gradreg.verify_token(bad, r, ARCHIVE, [authorized], NOW).valid
    other = KeyRing()
    other.add_hmac(1, hashlib.sha256(b"another deployment").digest())
    assert gradreg.verify_token(token, other, ARCHIVE, [authorized], NOW).verdict == "bad_signature"
    assert gradreg.verify_token(token, r, ARCHIVE, [], NOW).verdict == "no_match"
    assert gradreg.verify_token("hello", r, ARCHIVE, [], NOW).verdict == "malformed"


def test_revoked_and_superseded_never_verify(authorized: Registration) -> None:
    r = ring()
    number = authorized.authorizations[0].number
    token = gradreg.issue_token(r, authorized, number, "hukou")
    grad = Actor.graduate(authorized.basic.id_number if authorized.basic else "")
    revoked = gradreg.apply(authorized, grad, Command.revoke_authorization(number), NOW).registration
    assert gradreg.verify_token(token, r, HUKOU, [revoked], NOW).verdict == "revoked"


def test_online_verification_through_the_registry(tmp_path: "object") -> None:
    reg = Registry.open(str(tmp_path))
    b = gradreg.sample.basic_info()
    grad = Actor.graduate(b.id_number)
    key = "10327:2022010123"
    reg.upload({key: b}, Actor.school_office("s", "10327"), NOW)
    for actor, command in [
        (Actor.chsi(), Command.update_chsi_account(gradreg.sample.chsi_account())),
        (grad, Command.login()),
        (grad, Command.confirm_basic_info()),
        (Actor.provincial_platform("p"), Command.report_destination(gradreg.sample.destination_data())),
        (grad, Command.confirm_destination()),
        (grad, Command.authorize()),
    ]:
        reg.apply(key, actor, command, NOW)
    number = reg.get(key).authorizations[0].number
    ok = reg.verify_online(ARCHIVE, b.name, number, NOW, principal="archive-office")
    assert ok.valid and ok.disclosure is not None
    # A wrong name and an unknown number look alike.
    assert reg.verify_online(ARCHIVE, "李四", number, NOW, principal="archive-office").verdict == "no_match"
    typo = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert reg.verify_online(ARCHIVE, b.name, typo, NOW, principal="archive-office").verdict == "typo"
    # Scanned, against the registry.
    r = ring()
    token = gradreg.issue_token(r, reg.get(key), number, "archive")
    assert reg.verify_scanned(token, r, ARCHIVE, NOW).valid
    # Too many failures: rate limited.
    for _ in range(12):
        reg.verify_online(HUKOU, "李四", number, NOW, principal="hukou-office")
    assert reg.verify_online(HUKOU, b.name, number, NOW, principal="hukou-office").verdict == "rate_limited"


def test_online_guessing_is_limited_per_principal_and_per_number(tmp_path: "object") -> None:
    reg = Registry.open(str(tmp_path))
    b = gradreg.sample.basic_info()
    grad = Actor.graduate(b.id_number)
    key = "10327:2022010123"
    reg.upload({key: b}, Actor.school_office("s", "10327"), NOW)
    for actor, command in [
        (Actor.chsi(), Command.update_chsi_account(gradreg.sample.chsi_account())),
        (grad, Command.login()),
        (grad, Command.confirm_basic_info()),
        (Actor.provincial_platform("p"), Command.report_destination(gradreg.sample.destination_data())),
        (grad, Command.confirm_destination()),
        (grad, Command.authorize()),
    ]:
        reg.apply(key, actor, command, NOW)
    number = reg.get(key).authorizations[0].number
    # A new department id in every request does not escape the principal's limit.
    answered = [
        reg.verify_online(
            Actor.archive_dept(f"fresh-{i}", "x"), f"猜{i}", number, NOW, principal="guesser"
        ).verdict
        for i in range(15)
    ]
    assert answered.count("no_match") == 10 and answered[10:] == ["rate_limited"] * 5
    # Others' failures do not lock out an office with a clean record.
    assert reg.verify_online(ARCHIVE, b.name, number, NOW, principal="archive-office").valid
    # The principal must be an authenticated identity, not a blank.
    with pytest.raises(gradreg.ArgumentError):
        reg.verify_online(ARCHIVE, b.name, number, NOW, principal=" ")
    with pytest.raises(TypeError):
        reg.verify_online(ARCHIVE, b.name, number, NOW)  # type: ignore[call-arg]
