"""Verification numbers (核验编号), key rings, the signed QR tokens printed on the forms, and
verification of a scanned token — online, or offline with the issuer's key set and signed status
lists.

A verification number is 16 Crockford base32 symbols, the last a Damm check symbol. A token signs
the section, the number, the validity and a digest of what the department may see; HMAC-SHA256 by
default, Ed25519 so that third parties verify with a public key. A format-2 token (``GR2.``) also
points at its entry in the issuer's status list, so that a verifier holding the issuer's key set
(``KeySet``) and its signed status lists (``StatusLists``) can tell offline whether the form was
revoked.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _fields, _native
from ._convert import dumps, instant, parse_instant, path_text
from ._errors import ArgumentError, ArgumentTypeError, error_code
from ._guard import caller_raised
from .lifecycle import Actor, Registration, _need

__all__ = [
    "parse_number",
    "parse_transfer_number",
    "random_number",
    "KeyRing",
    "KeyStore",
    "KeyStoreInfo",
    "StoredKey",
    "KeySet",
    "StatusLists",
    "StatusListInfo",
    "StatusAnswer",
    "STATUS_ANSWERS",
    "Verdict",
    "VERDICTS",
    "issue_token",
    "random_transfer_number",
    "transfer_number_from_entropy",
    "verify_token",
    "verify_offline",
]

PathLike = Union[str, "os.PathLike[str]"]

#: Every verdict, by its stable code (0 to 15): the core's ``VerdictKind::ALL``.
VERDICTS: Tuple[str, ...] = tuple(json.loads(_native.constants())["verdicts"])


def parse_number(text: str) -> str:
    """Parses a verification number as a person types it (case, spaces and hyphens ignored, I/L
    read as 1 and O as 0) and returns it as ``XXXX-XXXX-XXXX-XXXX``. A wrong check symbol raises
    ``VerificationError`` 302 (a typo, caught before any lookup); anything else malformed 301."""
    if not isinstance(text, str):
        raise ArgumentTypeError(f"a verification number must be str, got {type(text).__name__}")
    return str(_native.parse_number(text))


def parse_transfer_number(text: str) -> str:
    """Parses a transfer number (转递编号, the number of an archive transfer) as a person types
    it and returns it as ``ZD-XXXX-XXXX-XXXX``. A wrong check symbol raises
    ``VerificationError`` ``transfer_number_typo``; anything else malformed
    ``transfer_number_malformed``."""
    if not isinstance(text, str):
        raise ArgumentTypeError(f"a transfer number must be str, got {type(text).__name__}")
    return str(_native.parse_transfer_number(text))


def random_transfer_number() -> str:
    """A new transfer number (转递编号) from the operating system's random source, as
    ``ZD-XXXX-XXXX-XXXX``."""
    return str(_native.random_transfer_number())


def transfer_number_from_entropy(entropy: bytes) -> str:
    """A transfer number from exactly 16 bytes of entropy (for tests and reproducible examples),
    as ``ZD-XXXX-XXXX-XXXX``: the same number Rust's ``TransferNumber::from_entropy`` gives.
    Another length raises ``ArgumentError`` (``invalid_argument``)."""
    if not isinstance(entropy, (bytes, bytearray)):
        raise ArgumentTypeError(f"entropy must be bytes, got {type(entropy).__name__}")
    return str(_native.transfer_number_from_entropy(bytes(entropy)))


def random_number() -> str:
    """A new verification number from the operating system's random source."""
    return str(_native.random_number())


class Verdict(_fields.VerdictJson):
    """The answer of a verification. ``verdict`` is one of ``VERDICTS`` (``valid``,
    ``expired``, ``not_yet_valid``, ``revoked``, ``superseded``, ``no_match``, ``malformed``,
    ``bad_signature``, ``unknown_key``, ``wrong_section``, ``typo``, ``rate_limited``,
    ``indeterminate``, ``valid_offline``, ``unchecked`` or ``holder_mismatch``); ``code`` is its
    stable number (0 for valid). A valid verdict carries the number, the end of validity and the
    ``disclosure``: only what the verifier's department may see, the ID number masked.
    ``valid_offline`` (in force by the issuer's signed status list as of ``status_as_of``) and
    ``unchecked`` (authentic, status not checked: ``reason`` says why) carry what the token
    embeds. ``failed_at`` names the step that decided a scanned token that is not valid."""

    @property
    def valid(self) -> bool:
        """Whether the form is in force according to the issuer, asked online."""
        return self.verdict == "valid"

    @property
    def accepted(self) -> bool:
        """Whether the form may be accepted: ``valid``, or ``valid_offline`` (the issuer's
        signed status list says it is in force as of ``status_as_of``)."""
        return self.verdict in ("valid", "valid_offline")


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

    def key_set(self, issuer: str) -> "KeySet":
        """The key set to publish under ``issuer``: the public halves of the ring's Ed25519
        keys with their signing periods (HMAC keys are never published)."""
        return KeySet._wrap(self._n.key_set(_need(str, "issuer", issuer)))


class StoredKey(_fields.StoredKeyJson):
    """One key of a key store: its id, algorithm and dates (``created_at``, ``valid_from``,
    ``valid_to``, ``retired_at``), never its secret."""


class KeyStoreInfo(_fields.KeyStoreInfo):
    """What a key store holds: its ``issuer``, its file (``path``), the ``active`` key's id
    and every key with its dates (``keys``), never a secret."""


class KeyStore:
    """A deployment's signing keys in one JSON file readable by its owner only (mode 0600;
    Ed25519 keys as PKCS#8 PEM). A file others may read or write is refused
    (``VerificationError`` ``key_store``, 310). Every change is written to the file before it
    takes effect."""

    _n: "_native.NativeKeyStore"

    def __init__(self) -> None:
        raise TypeError("use KeyStore.create, KeyStore.open or KeyStore.open_or_create")

    @classmethod
    def _wrap(cls, native: Any) -> "KeyStore":
        store = cls.__new__(cls)
        store._n = native
        return store

    @classmethod
    def create(
        cls,
        path: PathLike,
        issuer: str,
        algorithm: str = "ed25519",
        now: Optional[datetime] = None,
    ) -> "KeyStore":
        """Makes a new store at ``path`` (which must not exist) for ``issuer`` with one active
        key of ``algorithm`` (``ed25519`` or ``hmac``)."""
        return cls._wrap(
            _native.NativeKeyStore.create(
                _path(path), _need(str, "issuer", issuer), _alg(algorithm), instant(now)
            )
        )

    @classmethod
    def open(cls, path: PathLike) -> "KeyStore":
        """Opens the store at ``path``. Refused (310): a missing file, a file others may read
        or write, another format, a key that does not read, an unusable active key."""
        return cls._wrap(_native.NativeKeyStore.open(_path(path)))

    @classmethod
    def open_or_create(
        cls,
        path: PathLike,
        issuer: str,
        algorithm: str = "ed25519",
        now: Optional[datetime] = None,
    ) -> "KeyStore":
        """Opens the store at ``path``, or makes it as ``create`` does when there is none."""
        return cls._wrap(
            _native.NativeKeyStore.open_or_create(
                _path(path), _need(str, "issuer", issuer), _alg(algorithm), instant(now)
            )
        )

    def rotate(self, algorithm: str = "ed25519", now: Optional[datetime] = None) -> int:
        """Makes a new key of ``algorithm`` the active one at ``now``; the previous one stops
        signing and keeps verifying. Returns the new key's id."""
        return int(self._n.rotate(_alg(algorithm), instant(now)))

    def retire(self, kid: int, now: Optional[datetime] = None) -> None:
        """Retires key ``kid``: it verifies nothing from then on and leaves the key set. The
        active key cannot be retired (``key_refused``, 305): rotate first."""
        self._n.retire(_key_id(kid), instant(now))

    def key_ring(self) -> KeyRing:
        """A production ring of the keys not retired, the active one signing."""
        return KeyRing._wrap(self._n.ring())

    def key_set(self) -> "KeySet":
        """The key set to publish: the public halves of the Ed25519 keys not retired."""
        return KeySet._wrap(self._n.key_set())

    def info(self) -> KeyStoreInfo:
        """The issuer, the file, the active key and every key with its dates (no secret)."""
        return KeyStoreInfo.from_dict(json.loads(self._n.info()))

    @property
    def issuer(self) -> str:
        """Who issues the tokens."""
        return self.info().issuer

    @property
    def active(self) -> Optional[int]:
        """The active key's id."""
        return self.info().active


class KeySet:
    """An issuer's published key set (JSON, ``"format": "gradreg-key-set"``): the Ed25519
    public keys with their signing periods. A verifier builds its ring from it with
    ``key_ring()``; in production small-order, non-canonical and test keys are refused."""

    _n: "_native.NativeKeySet"

    def __init__(self) -> None:
        raise TypeError("use KeySet.from_json, KeyStore.key_set or KeyRing.key_set")

    @classmethod
    def _wrap(cls, native: Any) -> "KeySet":
        ks = cls.__new__(cls)
        ks._n = native
        return ks

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> "KeySet":
        """Reads a key set; ``VerificationError`` ``key_set_invalid`` (311) when it is not one
        (another format or version, a repeated key id, a public key that is not 64 lower-case
        hex digits …). Members this version does not know are ignored."""
        if isinstance(text, (bytes, bytearray)):
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError as e:
                raise ArgumentError(
                    f"a key set is UTF-8 JSON: {e}", error_code("key_set_invalid")
                ) from None
        return cls._wrap(_native.NativeKeySet.from_json(_need(str, "text", text)))

    @classmethod
    def from_file(cls, path: PathLike) -> "KeySet":
        """Reads a key set from a file (UTF-8 JSON)."""
        with open(_path(path), "rb") as f:
            return cls.from_json(f.read())

    def to_json(self) -> str:
        """The JSON text to publish."""
        return str(self._n.to_json())

    @property
    def issuer(self) -> str:
        """Who publishes it."""
        return str(self._n.issuer())

    @property
    def key_ids(self) -> List[int]:
        """The ids of its keys, in its order."""
        return [int(k["kid"]) for k in json.loads(self.to_json())["keys"]]

    def key_ring(self, test_mode: bool = False) -> KeyRing:
        """A verify-only ring of the set's keys. In production (the default) small-order or
        non-canonical public keys and keys marked as test keys are refused
        (``VerificationError`` ``key_refused``, 305); ``test_mode`` accepts them, for test
        vectors only."""
        return KeyRing._wrap(self._n.ring(_need_bool("test_mode", test_mode)))


class StatusListInfo(_fields.StatusListInfo):
    """One status list a verifier holds: its id (``list``), ``issued_at`` (statuses are known
    as of this instant), ``next_update`` (stale from then on), ``entries``, how many are
    ``not_in_force`` and the ``key_id`` that signed it."""


class StatusLists:
    """The issuer's signed status lists (``GS1.…``) a verifier holds, by list id; the newest
    of each id is kept. Each list is checked with the issuer's key ring when it is added."""

    def __init__(self) -> None:
        self._n = _native.NativeStatusLists()

    def add(self, text: str, key_ring: KeyRing) -> StatusListInfo:
        """Checks a signed list with ``key_ring`` (from the issuer's key set) and adds it. A
        list that is not one, or whose signature or signing key does not check, raises
        ``VerificationError`` ``status_list_invalid`` (312)."""
        _need(KeyRing, "key_ring", key_ring)
        return StatusListInfo.from_dict(json.loads(self._n.add(_need(str, "text", text), key_ring._n)))

    def add_file(self, path: PathLike, key_ring: KeyRing) -> StatusListInfo:
        """Adds the signed list kept in a file (its text, UTF-8)."""
        with open(_path(path), "r", encoding="utf-8") as f:
            return self.add(f.read(), key_ring)

    def lists(self) -> List[StatusListInfo]:
        """Every list held, by id."""
        return [StatusListInfo.from_dict(d) for d in json.loads(self._n.lists())]

    def status(self, list: int, index: int) -> Optional[str]:
        """The status of entry ``index`` of list ``list`` (``in_force``, ``revoked`` or
        ``superseded``), or ``None`` when there is no such list or entry."""
        got = self._n.status(_u32("list", list), _u32("index", index))
        return None if got is None else str(got)

    def __len__(self) -> int:
        return len(self.lists())


#: What a status source may answer (``StatusAnswer.status``).
STATUS_ANSWERS: Tuple[str, ...] = (
    "valid",
    "not_yet_valid",
    "expired",
    "revoked",
    "superseded",
    "unknown",
    "unreachable",
)


class StatusAnswer:
    """What a status source (a callable given to ``verify_token``) answers for a number:
    ``status`` is one of ``STATUS_ANSWERS`` — the authorization's status, ``unknown`` (no such
    authorization) or ``unreachable`` (the source could not be asked: the verdict is
    ``indeterminate``, never valid) — and ``disclosure`` what the department may see when it is
    valid (leave it out when the token embeds it)."""

    __slots__ = ("status", "disclosure")

    def __init__(self, status: str, disclosure: Optional[Mapping[str, Any]] = None) -> None:
        if _need(str, "status", status) not in STATUS_ANSWERS:
            raise ArgumentError(
                f"status must be one of {', '.join(STATUS_ANSWERS)}, got {status!r}",
                error_code("invalid_argument"),
            )
        if disclosure is not None and not isinstance(disclosure, Mapping):
            raise ArgumentTypeError(
                f"disclosure must be a mapping, got {type(disclosure).__name__}"
            )
        self.status = status
        self.disclosure = None if disclosure is None else dict(disclosure)

    def __repr__(self) -> str:
        return f"StatusAnswer({self.status!r}, disclosure={self.disclosure!r})"

    def _wire(self) -> Optional[str]:
        if self.status == "unreachable":
            return None
        d: Dict[str, Any] = {"status": self.status}
        if self.disclosure is not None:
            d["disclosure"] = self.disclosure
        return dumps(d)


#: A status source: called with the token's number, its section (``archive`` or ``hukou``)
#: and the verifier's instant; answers with a ``StatusAnswer``.
StatusSource = Callable[[str, str, datetime], StatusAnswer]


def _status_callable(source: StatusSource) -> Callable[[str, str, str], Optional[str]]:
    if not callable(source):
        raise ArgumentTypeError(f"status must be callable, got {type(source).__name__}")

    def ask(number: str, section: str, now: str) -> Optional[str]:
        try:
            answer = source(number, section, parse_instant(now))
        except BaseException as e:
            # The caller's own exception: it leaves verify_token as it is.
            caller_raised(e)
            raise
        if not isinstance(answer, StatusAnswer):
            raise ArgumentTypeError(
                f"a status source must return a StatusAnswer, got {type(answer).__name__}"
            )
        return answer._wire()

    return ask


def _path(path: Any) -> str:
    return path_text(path, "a path")


def _alg(algorithm: Any) -> str:
    return str(_need(str, "algorithm", algorithm))


def _u32(name: str, v: Any) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise ArgumentTypeError(f"{name} must be int, got {type(v).__name__}")
    if not 0 <= v <= 0xFFFFFFFF:
        raise ArgumentError(f"{name} must fit in 32 bits, got {v}", error_code("invalid_argument"))
    return v


def _key_id(id: Any) -> int:
    if not isinstance(id, int) or isinstance(id, bool):
        raise ArgumentTypeError(f"a key id must be int, got {type(id).__name__}")
    if not 0 <= id <= 0xFFFFFFFF:
        raise ArgumentError(
            f"a key id must fit in 32 bits, got {id}", error_code("invalid_argument")
        )
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
    version: int = 1,
    status: Optional[Tuple[int, int]] = None,
) -> str:
    """The signed QR token of ``section`` (``archive`` or ``hukou``) of authorization ``number``,
    signed with the ring's active key. ``prefix`` is the deployment's URL prefix (upper-case,
    ending in ``/``); ``embed`` carries the disclosure for offline display (a larger code).
    ``version`` 2 makes a format-2 token (``GR2.``, a compact disclosure), pointing at entry
    ``status`` = ``(list, index)`` of the issuer's status list when given (``Registry.issue_token``
    assigns the entry itself)."""
    _need(KeyRing, "keyring", keyring)
    _need(Registration, "registration", registration)
    for name, v in (("number", number), ("section", section), ("prefix", prefix)):
        _need(str, name, v)
    pointer = None
    if status is not None:
        if not isinstance(status, tuple) or len(status) != 2:
            raise ArgumentTypeError("status must be a (list, index) tuple")
        pointer = (_u32("status list", status[0]), _u32("status index", status[1]))
    return str(
        _native.issue_token(
            keyring._n,
            registration._wire(),
            number,
            section,
            prefix,
            _need_bool("embed", embed),
            _version(version),
            pointer,
        )
    )


def _version(version: Any) -> int:
    if not isinstance(version, int) or isinstance(version, bool) or version not in (1, 2):
        raise ArgumentError(f"a token format is 1 or 2, got {version!r}", error_code("invalid_argument"))
    return version


def _opt(kind: type, name: str, v: Any) -> Any:
    return None if v is None else _need(kind, name, v)


def verify_token(
    token: str,
    keyring: KeyRing,
    verifier: Actor,
    registrations: Optional[Iterable[Registration]] = None,
    now: Optional[datetime] = None,
    required_prefix: Optional[str] = None,
    leeway_seconds: int = 300,
    printed_number: Optional[str] = None,
    holder_name: Optional[str] = None,
    status: Optional[StatusSource] = None,
) -> Verdict:
    """Verifies a scanned token for a department (``Actor.archive_dept`` or
    ``Actor.hukou_dept``). The signature is checked before any field is trusted. The status
    comes from ``status`` (a callable answering ``StatusAnswer`` for the token's number) or
    from the ``registrations`` given (their current state decides revoked and
    superseded; a number none of them holds is ``no_match``); with neither, the token is
    checked offline with no status list: an authentic one is ``unchecked``, carrying what it
    embeds (see ``verify_offline``). ``printed_number`` (the number printed on the form) and
    ``holder_name``, when given, must be the token's (else ``holder_mismatch``). An exception
    raised by ``status`` is raised here. For a registry, use ``Registry.verify_scanned``."""
    _need(str, "token", token)
    _need(KeyRing, "keyring", keyring)
    _need(Actor, "verifier", verifier)
    if status is not None and registrations is not None:
        raise ArgumentError(
            "give registrations or a status source, not both", error_code("invalid_argument")
        )
    regs_json = None
    if registrations is not None:
        regs = []
        for r in registrations:
            _need(Registration, "registration", r)
            regs.append(json.loads(r._wire()))
        regs_json = dumps(regs)
    raw = _native.verify_scanned(
        token,
        keyring._n,
        verifier._wire(),
        instant(now),
        regs_json,
        _opt(str, "required_prefix", required_prefix),
        _need(int, "leeway_seconds", leeway_seconds),
        _opt(str, "printed_number", printed_number),
        _opt(str, "holder_name", holder_name),
        None if status is None else _status_callable(status),
    )
    return Verdict.from_dict(json.loads(raw))


def verify_offline(
    token: str,
    key_ring: KeyRing,
    verifier: Actor,
    now: Optional[datetime] = None,
    status_lists: Optional[StatusLists] = None,
    required_prefix: Optional[str] = None,
    leeway_seconds: int = 300,
    printed_number: Optional[str] = None,
    holder_name: Optional[str] = None,
) -> Verdict:
    """Verifies a scanned token offline, with the issuer's key ring (from its key set) and
    the signed status lists the verifier holds: ``valid_offline`` when the token's entry is in
    force (as of ``status_as_of``, the list's issue time), ``revoked`` or ``superseded`` when it
    is not, ``unchecked`` (with what the token embeds, ``reason`` saying why) when no fresh list
    covers the token — no list held, a stale list, a token without a status pointer. Never
    ``valid``: only the issuer, asked online, says that. ``printed_number`` and ``holder_name``
    as in ``verify_token``."""
    _need(str, "token", token)
    _need(KeyRing, "key_ring", key_ring)
    _need(Actor, "verifier", verifier)
    if status_lists is not None:
        _need(StatusLists, "status_lists", status_lists)
    raw = _native.verify_offline(
        token,
        key_ring._n,
        verifier._wire(),
        instant(now),
        None if status_lists is None else status_lists._n,
        _opt(str, "required_prefix", required_prefix),
        _need(int, "leeway_seconds", leeway_seconds),
        _opt(str, "printed_number", printed_number),
        _opt(str, "holder_name", holder_name),
    )
    return Verdict.from_dict(json.loads(raw))
