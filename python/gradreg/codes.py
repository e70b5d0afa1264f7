"""Verification numbers (核验编号), key rings, the signed QR tokens printed on the forms, and
verification of a scanned token.

A verification number is 16 Crockford base32 symbols, the last a Damm check symbol. A token signs
the section, the number, the validity and a digest of what the department may see; HMAC-SHA256 by
default, Ed25519 so that third parties verify with a public key.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable, List, Optional, Tuple

from . import _fields, _native
from ._convert import dumps, instant
from ._errors import ArgumentTypeError
from .lifecycle import Actor, Registration, _need

__all__ = [
    "parse_number",
    "random_number",
    "KeyRing",
    "Verdict",
    "VERDICTS",
    "issue_token",
    "verify_token",
]

#: Every verdict, by its stable code (0 to 12): the core's ``VerdictKind::ALL``.
VERDICTS: Tuple[str, ...] = tuple(json.loads(_native.constants())["verdicts"])


def parse_number(text: str) -> str:
    """Parses a verification number as a person types it (case, spaces and hyphens ignored, I/L
    read as 1 and O as 0) and returns it as ``XXXX-XXXX-XXXX-XXXX``. A wrong check symbol raises
    ``VerificationError`` 302 (a typo, caught before any lookup); anything else malformed 301."""
    if not isinstance(text, str):
        raise ArgumentTypeError(f"a verification number must be str, got {type(text).__name__}")
    return str(_native.parse_number(text))


def random_number() -> str:
    """A new verification number from the operating system's random source."""
    return str(_native.random_number())


class Verdict(_fields.VerdictJson):
    """The answer of a verification. ``verdict`` is one of ``VERDICTS`` (``valid``,
    ``expired``, ``not_yet_valid``, ``revoked``, ``superseded``, ``no_match``, ``malformed``,
    ``bad_signature``, ``unknown_key``, ``wrong_section``, ``typo``, ``rate_limited`` or
    ``indeterminate``); ``code`` is its stable number (0 for valid). A valid verdict carries
    the number, the end of validity and the ``disclosure``: only what the verifier's department
    may see, the ID number masked. ``failed_at`` names the step that decided a scanned token
    that is not valid."""

    @property
    def valid(self) -> bool:
        """Whether the form is in force."""
        return self.verdict == "valid"


class KeyRing:
    """The keys that sign and verify tokens: ids, one active signing key, retired keys kept for
    verification. ``KeyRing()`` is for production (short, empty and test keys are refused);
    ``KeyRing(test_mode=True)`` for tests."""

    def __init__(self, test_mode: bool = False) -> None:
        self._n = _native.NativeKeyRing(_need_bool("test_mode", test_mode))

    @classmethod
    def _wrap(cls, native: Any) -> "KeyRing":
        ring = cls.__new__(cls)
        ring._n = native
        return ring

    def add_hmac(self, id: int, secret: bytes, active: bool = True) -> None:
        """Adds an HMAC-SHA256 key (32 bytes or more in production)."""
        self._n.add_hmac(_key_id(id), _bytes("secret", secret), _need_bool("active", active))

    def add_ed25519_seed(self, id: int, seed: bytes, active: bool = True) -> None:
        """Adds an Ed25519 signing key from its 32-byte seed."""
        self._n.add_ed25519_seed(_key_id(id), _bytes("seed", seed), _need_bool("active", active))

    def add_ed25519_public(self, id: int, public: bytes) -> None:
        """Adds an Ed25519 public key: third parties verify without being able to issue."""
        self._n.add_ed25519_public(_key_id(id), _bytes("public", public))

    def generate(self, id: int, algorithm: str = "hmac", active: bool = True) -> None:
        """Generates a key (``hmac`` or ``ed25519``) from the OS random source."""
        if not isinstance(algorithm, str):
            raise ArgumentTypeError("algorithm must be str")
        self._n.generate(_key_id(id), algorithm, _need_bool("active", active))

    def activate(self, id: int) -> None:
        """Makes a key the active signing key."""
        self._n.activate(_key_id(id))

    def retire_active(self) -> None:
        """Retires the active key; it still verifies what it signed."""
        self._n.retire_active()

    def remove(self, id: int) -> None:
        """Removes a key: tokens it signed no longer verify."""
        self._n.remove(_key_id(id))

    @property
    def active(self) -> Optional[int]:
        """The active key id, if any."""
        a = self._n.active()
        return None if a is None else int(a)

    @property
    def ids(self) -> List[int]:
        """Every key id."""
        return [int(i) for i in self._n.ids()]

    @property
    def test_mode(self) -> bool:
        """Whether the ring accepts test keys."""
        return bool(self._n.is_test_mode())

    def public_key(self, id: int) -> Optional[bytes]:
        """The Ed25519 public key of a key id (``None`` for HMAC keys)."""
        k = self._n.public_key(_key_id(id))
        return None if k is None else bytes(k)

    def public_only(self) -> "KeyRing":
        """A ring with only the Ed25519 public keys, to hand to third-party verifiers."""
        return KeyRing._wrap(self._n.public_only())


def _key_id(id: Any) -> int:
    if not isinstance(id, int) or isinstance(id, bool):
        raise ArgumentTypeError(f"a key id must be int, got {type(id).__name__}")
    if not 0 <= id <= 0xFFFFFFFF:
        raise ArgumentTypeError("a key id must fit in 32 bits")
    return id


def _bytes(name: str, v: Any) -> bytes:
    if not isinstance(v, (bytes, bytearray, memoryview)):
        raise ArgumentTypeError(f"{name} must be bytes, got {type(v).__name__}")
    return bytes(v)


def _need_bool(name: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise ArgumentTypeError(f"{name} must be bool, got {type(v).__name__}")
    return v


def issue_token(
    keyring: KeyRing,
    registration: Registration,
    number: str,
    section: str,
    prefix: str = "",
    embed: bool = False,
) -> str:
    """The signed QR token of ``section`` (``archive`` or ``hukou``) of authorization ``number``,
    signed with the ring's active key. ``prefix`` is the deployment's URL prefix (upper-case,
    ending in ``/``); ``embed`` carries the disclosure for offline display (a larger code)."""
    _need(KeyRing, "keyring", keyring)
    _need(Registration, "registration", registration)
    for name, v in (("number", number), ("section", section), ("prefix", prefix)):
        _need(str, name, v)
    return str(
        _native.issue_token(
            keyring._n, registration._wire(), number, section, prefix, _need_bool("embed", embed)
        )
    )


def verify_token(
    token: str,
    keyring: KeyRing,
    verifier: Actor,
    registrations: Iterable[Registration],
    now: Optional[datetime] = None,
    required_prefix: Optional[str] = None,
    leeway_seconds: int = 300,
) -> Verdict:
    """Verifies a scanned token for a department (``Actor.archive_dept`` or
    ``Actor.hukou_dept``) against the registrations given (their current state decides revoked
    and superseded). The signature is checked before any field is trusted. For a registry, use
    ``Registry.verify_scanned``."""
    _need(str, "token", token)
    _need(KeyRing, "keyring", keyring)
    _need(Actor, "verifier", verifier)
    regs = []
    for r in registrations:
        _need(Registration, "registration", r)
        regs.append(json.loads(r._wire()))
    if required_prefix is not None:
        _need(str, "required_prefix", required_prefix)
    raw = _native.verify_scanned(
        token,
        keyring._n,
        verifier._wire(),
        instant(now),
        dumps(regs),
        required_prefix,
        _need(int, "leeway_seconds", leeway_seconds),
    )
    return Verdict.from_dict(json.loads(raw))
