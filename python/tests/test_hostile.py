"""Hostile arguments against every public function and method of the package.

The targets are enumerated from the package itself (every name in the ``__all__`` of ``gradreg``
and of its public modules, and every method, class method, static method and constructor of
their classes and of the package's base classes), so a new function is fuzzed without an edit
here. A method that needs an instance needs a factory in ``FACTORIES``: a class without one fails
``test_every_class_has_a_factory``, naming it.

Each argument is drawn from hostile values (lone surrogates, NUL, huge and negative integers,
floats, ``None``, wrong types, bytes, deeply nested lists and dicts, long text) mixed with valid
values for the parameter's name, so the hostile value also reaches the later arguments. Whatever
is raised must be a ``GradregError``, and never ``panic`` (990) or ``internal`` (991): a panic or
an unexpected exception reaching the boundary is a bug.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import io
import os
import pathlib
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradreg
from gradreg import Actor, Command, GradregError, KeyRing, Registration, Registry

from conftest import NOW

#: The public modules whose ``__all__`` is enumerated (``cli`` speaks exit codes, not
#: exceptions).
MODULES: List[ModuleType] = [gradreg] + [
    importlib.import_module(f"gradreg.{m}")
    for m in (
        "checks",
        "codes",
        "forms",
        "lifecycle",
        "notify",
        "records",
        "registry",
        "roster",
        "tables",
        "sample",
    )
]

#: Codes that must never reach the boundary from an argument.
BUGS = (gradreg.error_code("panic"), gradreg.error_code("internal"))

#: Panics that reach the boundary today, each a bug reported as issue 16 finding 7 and fixed in
#: the core separately: the sweeps tolerate them (code ``panic`` only, in these entry points) and
#: ``test_known_panics`` fails as soon as one is fixed, so that its entry here goes too.
#: Calls skipped, with the reason: each would reach outside the process.
SKIP = {
    "NotifyMixin.deliver_webhook": "posts to the URL given",
    "Registry.deliver_webhook": "posts to the URL given",
}

EXAMPLES = int(os.environ.get("GRADREG_HOSTILE_EXAMPLES", "20"))


def nested_list(depth: int) -> Any:
    v: Any = []
    for _ in range(depth):
        v = [v]
    return v


def nested_dict(depth: int) -> Any:
    v: Any = {}
    for _ in range(depth):
        v = {"a": v}
    return v


def _no_escape(s: str) -> str:
    # Random text stays a relative name inside the test's folder when used as a path.
    return s.replace("/", "_").replace("\\", "_").replace(".", "_")


SPECIAL_TEXT = [
    "",
    "\ud800",
    "a\udfffb",
    "\x00",
    "a\x00b",
    "2026-05-01T10:00:00+08:00\ud800",
    "\ud83d",
    "X" * 100_000,
    "中" * 10_000,
]

HUGE_INTS = [
    -1,
    -(2**63) - 1,
    -(2**62),
    2**31,
    2**32,
    10**14,
    10**15,
    2**53,
    2**62,
    2**63 - 1,
    2**63,
    2**64,
    10**20,
    2**200,
    -(2**200),
]

HOSTILE: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(HUGE_INTS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20).map(_no_escape),
    st.sampled_from(SPECIAL_TEXT),
    st.builds(
        lambda a, s, b: a + s + b,
        st.text(max_size=4).map(_no_escape),
        st.sampled_from(["\ud800", "\udfff", "\x00", "\ud83d"]),
        st.text(max_size=4).map(_no_escape),
    ),
    st.binary(max_size=64),
    st.sampled_from([b"\x00" * 10, b"\xff\xfe" * 20, bytearray(b"PK\x03\x04")]),
    st.sampled_from([nested_list(10_000), nested_dict(10_000), nested_list(50), nested_dict(50)]),
    st.dictionaries(
        st.text(max_size=5),
        st.one_of(st.none(), st.integers(), st.text(max_size=5)),
        max_size=4,
    ),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=4),
    st.sampled_from(
        [
            object(),
            pathlib.PurePosixPath("a\x00b"),
            pathlib.Path("a\x00b"),
            datetime(2026, 5, 1),  # naive
            datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc),
            datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
            datetime(9999, 12, 31, tzinfo=timezone(timedelta(hours=-14))),
            timedelta(days=10**9 // 86400),
            {"\ud800": 1},
            ["\ud800"],
            {1: 2},
            (1, 2),
            frozenset([1]),
            lambda *a, **k: None,
            io.BytesIO(b"\xed\xa0\x80"),
        ]
    ),
)


def _authorized_registry() -> Registry:
    """A registry holding one authorized graduate, walked as ``conftest.walk`` does."""
    reg = Registry.in_memory()
    basic = gradreg.sample.basic_info()
    grad = Actor.graduate(basic.id_number)
    for actor, command in [
        (Actor.school_office("s001", "10327"), Command.upload_basic_info(basic)),
        (Actor.chsi(), Command.update_chsi_account(gradreg.sample.chsi_account())),
        (grad, Command.login()),
        (grad, Command.confirm_basic_info()),
        (
            Actor.provincial_platform("js24365"),
            Command.report_destination(gradreg.sample.destination_data()),
        ),
        (grad, Command.confirm_destination()),
        (grad, Command.authorize(30)),
    ]:
        reg.apply(KEY, actor, command, NOW)
    return reg


_REGISTRY: List[Registry] = []

#: The key of the graduate every call works on.
KEY = "10327:2022010123"


def _registry() -> Registry:
    """The registry the calls work on: one authorized graduate and a small imported roster."""
    if not _REGISTRY:
        reg = _authorized_registry()
        reg.import_roster(_roster_csv())
        _REGISTRY.append(reg)
    return _REGISTRY[0]


def _registration() -> Registration:
    """The authorized registration of the registry."""
    return _registry().get(KEY)


def _number() -> str:
    return str(_registration().authorizations[0].number)


def _keyring() -> KeyRing:
    ring = KeyRing(test_mode=True)
    ring.add_hmac(1, b"k" * 32)
    return ring


def _roster_csv() -> bytes:
    return gradreg.roster_csv(gradreg.generate_cohort(2)).encode("utf-8")


#: Valid values by parameter name, so that hostile values reach the later parameters too.
VALID: Dict[str, Callable[[], List[Any]]] = {
    "now": lambda: [NOW, None],
    "registration": lambda: [_registration()],
    "registrations": lambda: [[_registration()]],
    "actor": lambda: [Actor.school_office("s001", "10327")],
    "verifier": lambda: [Actor.school_office("s001", "10327")],
    "command": lambda: [Command.login()],
    "policy": lambda: [gradreg.Policy.jiangsu(), None],
    "keyring": lambda: [_keyring()],
    "key_ring": lambda: [_keyring()],
    "number": lambda: [_number()],
    "section": lambda: ["archive", "hukou"],
    "source": lambda: [_roster_csv()],
    "id": lambda: [KEY],
    "registration_id": lambda: [KEY, None],
    "id_number": lambda: [gradreg.sample.basic_info().id_number],
    "format": lambda: ["auto", "csv", "png"],
    "encoding": lambda: ["auto", "utf-8"],
    "table": lambda: ["destination_category"],
    "code": lambda: ["10"],
    "name": lambda: [gradreg.sample.basic_info().name],
    "algorithm": lambda: ["hmac-sha256", "ed25519"],
    "path": lambda: ["hostile-file"],
    "dest": lambda: ["hostile-out", io.BytesIO()],
    "folder": lambda: ["hostile-dir"],
    "options": lambda: [gradreg.ReminderOptions()],
    "dpi": lambda: [72],
    "formats": lambda: [["svg"]],
    "status_lists": lambda: [gradreg.StatusLists()],
    "aliases": lambda: [gradreg.HeaderAliases(), None],
}

_VALID_CACHE: Dict[str, List[Any]] = {}


def valid_for(name: str) -> List[Any]:
    if name not in _VALID_CACHE:
        make = VALID.get(name)
        _VALID_CACHE[name] = make() if make else []
    return _VALID_CACHE[name]


def _policy_instance() -> Any:
    return gradreg.Policy.jiangsu()


def _authorization() -> Any:
    return _registration().authorizations[0]


def _roster() -> Any:
    return gradreg.parse_roster(_roster_csv())


def _key_store() -> Any:
    return gradreg.KeyStore.open_or_create("hostile-keys", "hostile-issuer")


def _status_lists() -> Any:
    return gradreg.StatusLists()


#: How to build an instance of each class whose own methods take arguments.
FACTORIES: Dict[str, Callable[[], Any]] = {
    "Registry": _registry,
    "NotifyMixin": _registry,
    "Registration": _registration,
    "Policy": _policy_instance,
    "Authorization": _authorization,
    "Command": Command.login,
    "KeyRing": _keyring,
    "KeyStore": _key_store,
    "KeySet": lambda: _keyring().key_set("hostile-issuer"),
    "StatusLists": _status_lists,
    "Renderer": gradreg.Renderer,
    "HeaderAliases": gradreg.HeaderAliases,
    "Roster": _roster,
    "RosterScan": lambda: gradreg.scan_roster(_roster_csv())[0],
    "ParsedDestinations": lambda: gradreg.ParsedDestinations.from_dict(
        {
            "rows": [],
            "problems": [],
            "notices": [],
            "columns": [],
            "header_row": 0,
            "format": "csv",
            "encoding": "utf-8",
        }
    ),
    "HeaderPreview": lambda: gradreg.preview_header(_roster_csv()),
}


def _ours(obj: Any) -> bool:
    return str(getattr(obj, "__module__", "")).startswith("gradreg")


def _params(fn: Any) -> List[inspect.Parameter]:
    sig = inspect.signature(fn)
    return [
        p
        for p in sig.parameters.values()
        if p.name not in ("self", "cls")
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]


Target = Tuple[str, Optional[str], Callable[..., Any], List[inspect.Parameter]]


def targets() -> Iterator[Target]:
    """(name, class needing an instance or None, callable, parameters) of every entry point
    that takes at least one argument."""
    seen: Set[Any] = set()
    for m in MODULES:
        for name in m.__all__:
            obj = getattr(m, name)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if inspect.isfunction(obj) and _ours(obj):
                ps = _params(obj)
                if ps:
                    yield (name, None, obj, ps)
            elif inspect.isclass(obj) and _ours(obj) and not issubclass(obj, BaseException):
                yield from _class_targets(obj, seen)


def _class_targets(cls: type, seen: Set[Any]) -> Iterator[Target]:
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for attr, raw in vars(klass).items():
            if attr.startswith("_") and attr != "__init__":
                continue
            key = (id(cls) if attr == "__init__" else id(klass), attr)
            if key in seen:
                continue
            seen.add(key)
            if attr == "__init__":
                if klass is not cls or not inspect.isfunction(raw):
                    continue
                ps = _params(raw)
                if ps:
                    yield (f"{cls.__name__}()", None, cls, ps)
            elif isinstance(raw, (classmethod, staticmethod)):
                fn = getattr(cls, attr)
                ps = _params(fn)
                if ps:
                    yield (f"{klass.__name__}.{attr}", None, fn, ps)
            elif inspect.isfunction(raw):
                ps = _params(raw)
                if ps:
                    yield (f"{klass.__name__}.{attr}", klass.__name__, raw, ps)


ALL = sorted(targets(), key=lambda t: t[0])


def test_targets_cover_the_package() -> None:
    names = {t[0] for t in ALL}
    for expected in (
        "parse_number",
        "Registry.verify_online",
        "Registry.get",
        "Registry.audit",
        "Registry.verify_scanned",
        "issue_token",
        "KeyRing.generate",
        "Renderer()",
        "BasicInfo.from_dict",
        "Record.from_dict",
    ):
        assert expected in names or expected.replace("BasicInfo", "Record") in names, expected
    assert len(ALL) > 150


def test_every_class_has_a_factory() -> None:
    missing = sorted({cls for _, cls, _, _ in ALL if cls is not None and cls not in FACTORIES})
    # Record's own methods run on any record: a sample stands in.
    missing = [c for c in missing if c not in ("Record", "_Validated")]
    assert not missing, f"add a factory to FACTORIES for: {', '.join(missing)}"


_INSTANCES: Dict[str, Any] = {}


def instance_of(cls: str) -> Any:
    if cls not in _INSTANCES:
        if cls in ("Record", "_Validated"):
            _INSTANCES[cls] = gradreg.sample.basic_info()
        else:
            _INSTANCES[cls] = FACTORIES[cls]()
    return _INSTANCES[cls]


@pytest.fixture(scope="module", autouse=True)
def in_scratch_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Files the calls create land in a scratch folder."""
    before = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("hostile"))
    try:
        yield
    finally:
        os.chdir(before)


def _mutated(value: Any, field: int, bad: Any) -> Any:
    """A record (or list of records) with one field set to a hostile value, past the
    constructor's checks: the record crosses to the core with it."""
    if isinstance(value, list) and value:
        return [_mutated(value[0], field, bad)] + value[1:]
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    fields = dataclasses.fields(value)
    if not fields:
        return value
    out = copy.copy(value)
    object.__setattr__(out, fields[field % len(fields)].name, bad)
    return out


INTS: st.SearchStrategy[Any] = st.one_of(st.sampled_from(HUGE_INTS), HOSTILE)


def _options(p: inspect.Parameter) -> List[Any]:
    options: List[Any] = list(valid_for(p.name))
    if p.default is not inspect.Parameter.empty:
        options.append(p.default)
    return options


def _hostile(p: inspect.Parameter) -> st.SearchStrategy[Any]:
    """A hostile value for ``p``: integers out of range weigh more where an int belongs, and a
    valid record may come back with one field made hostile."""
    options = _options(p)
    ints = any(isinstance(o, int) and not isinstance(o, bool) for o in options)
    bad = INTS if ints else HOSTILE
    records = [o for o in options if dataclasses.is_dataclass(o) or isinstance(o, list)]
    if records:
        mutated = st.builds(
            _mutated, st.sampled_from(records), st.integers(min_value=0, max_value=63), INTS
        )
        return st.one_of(bad, mutated)
    return bad


def _valid(p: inspect.Parameter) -> st.SearchStrategy[Any]:
    options = _options(p)
    return st.sampled_from(options) if options else _hostile(p)


def _arguments(params: List[inspect.Parameter]) -> st.SearchStrategy[Dict[str, Any]]:
    """Either one hostile argument among valid ones (the hostile value reaches the core), or
    every argument drawn freely."""
    one = st.integers(min_value=0, max_value=max(len(params) - 1, 0)).flatmap(
        lambda k: st.fixed_dictionaries(
            {p.name: (_hostile(p) if i == k else _valid(p)) for i, p in enumerate(params)}
        )
    )
    free = st.fixed_dictionaries(
        {p.name: st.one_of(_valid(p), _hostile(p)) for p in params}
    )
    return st.one_of(one, free)


def _no_bug(name: str, kwargs: Dict[str, Any], e: GradregError) -> None:
    assert e.code not in BUGS, f"{name}({kwargs!r:.300}) reached the boundary as {e}"


def _call(fn: Callable[..., Any], this: Any, kwargs: Dict[str, Any]) -> None:
    if this is not None:
        fn(this, **kwargs)
    else:
        fn(**kwargs)


@pytest.mark.parametrize("target", [t for t in ALL if t[0] not in SKIP], ids=lambda t: t[0])
def test_hostile_arguments(target: Target) -> None:
    name, cls, fn, params = target
    this = instance_of(cls) if cls is not None else None

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(_arguments(params))
    def run(kwargs: Dict[str, Any]) -> None:
        try:
            _call(fn, this, kwargs)
        except GradregError as e:
            _no_bug(name, kwargs, e)
        except BaseException as e:  # noqa: B902 - any other exception is the failure
            raise AssertionError(
                f"{name}({kwargs!r:.300}) raised {type(e).__name__}: {e!s:.300}"
            ) from e

    run()


#: The sweep's hostile values: each one is given to each parameter in turn, the others valid.
SWEEP: List[Any] = (
    [None, True, 0, 1.5, float("nan"), float("inf")]
    + HUGE_INTS
    + SPECIAL_TEXT
    + [b"", b"\xff\xfe\x00", nested_list(10_000), nested_dict(10_000), {}, [], object()]
    + [
        pathlib.Path("a\x00b"),
        datetime(2026, 5, 1),
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
    ]
)

#: The values given to each field of a valid record in turn.
FIELD_SWEEP: List[Any] = [
    None,
    -1,
    2**62,
    10**15,
    -(2**62),
    "\ud800",
    "a\x00b",
    [None],
    {"a": None},
]


def _sweep(params: List[inspect.Parameter]) -> Iterator[Dict[str, Any]]:
    base = {p.name: (_options(p) or [None])[0] for p in params}
    for p in params:
        for bad in SWEEP:
            yield dict(base, **{p.name: bad})
        for o in _options(p):
            if dataclasses.is_dataclass(o) and not isinstance(o, type):
                for i in range(len(dataclasses.fields(o))):
                    for bad in FIELD_SWEEP:
                        yield dict(base, **{p.name: _mutated(o, i, bad)})


@pytest.mark.parametrize("target", [t for t in ALL if t[0] not in SKIP], ids=lambda t: t[0])
def test_hostile_sweep(target: Target) -> None:
    """Every value of ``SWEEP`` in every parameter (and in every field of a record parameter),
    the other arguments valid."""
    name, cls, fn, params = target
    this = instance_of(cls) if cls is not None else None
    for kwargs in _sweep(params):
        try:
            _call(fn, this, kwargs)
        except GradregError as e:
            _no_bug(name, kwargs, e)
        except BaseException as e:  # noqa: B902 - any other exception is the failure
            raise AssertionError(
                f"{name}({kwargs!r:.300}) raised {type(e).__name__}: {e!s:.300}"
            ) from e


def _probe_verify_online() -> Any:
    return _registry().verify_online(
        Actor.school_office("s001", "10327"),
        "张明",
        _number(),
        NOW,
        window_seconds=2**62,
        principal="archive-office-17",
    )


def _probe_reminders() -> Any:
    return gradreg.reminders(
        [_registration()], NOW, options=gradreg.ReminderOptions(expiring_within_days=10**15)
    )


def _probe_registry_reminders() -> Any:
    return _authorized_registry().reminders(
        NOW, options=gradreg.ReminderOptions(expiring_within_days=10**15)
    )


KNOWN_PROBES: Dict[str, Callable[[], Any]] = {
    "Registry.verify_online": _probe_verify_online,
    "reminders": _probe_reminders,
    "Registry.reminders": _probe_registry_reminders,
}


@pytest.mark.parametrize("name", sorted(KNOWN_PROBES))
def test_calls_that_once_panicked_are_argument_errors(name: str) -> None:
    """Windows past the range of an instant once panicked in the core (990); each is now a
    typed argument error."""
    with pytest.raises(gradreg.ArgumentError) as info:
        KNOWN_PROBES[name]()
    assert info.value.code != gradreg.error_code("panic"), str(info.value)


def test_a_caught_panic_prints_nothing() -> None:
    """A panic inside the core becomes ``InternalError`` 990, and the host's stderr stays
    clean (the module's panic hook is silent for the panics it catches)."""
    code = (
        "import gradreg, gradreg._native as n\n"
        "try:\n"
        "    n._test_panic('hostile probe')\n"
        "except gradreg.InternalError as e:\n"
        "    print(e.code)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.stdout.strip() == str(gradreg.error_code("panic")), out
    assert out.stderr == ""


def test_lone_surrogates_are_argument_errors() -> None:
    """The reported cases, one by one."""
    reg = _registry()
    ring = _keyring()
    cases: List[Callable[[], Any]] = [
        lambda: gradreg.parse_number("\ud800"),
        lambda: reg.verify_online(
            Actor.school_office("s", "10327"), "\ud800", "x", principal="p"
        ),
        lambda: reg.get("\ud800"),
        lambda: reg.find_by_id_number("\ud800"),
        lambda: reg.find_by_number("\ud800"),
        lambda: reg.audit("\ud800"),
        lambda: reg.verify_scanned("\ud800", ring, Actor.school_office("s", "10327")),
        lambda: gradreg.issue_token(ring, _registration(), "\ud800", "archive"),
        lambda: ring.generate(2, "\ud800"),
        lambda: gradreg.Renderer("\ud800"),
    ]
    for case in cases:
        with pytest.raises(gradreg.ArgumentError):
            case()


def test_foreign_exceptions_become_typed_ones() -> None:
    with pytest.raises(gradreg.ArgumentError) as e:
        gradreg.generate_cohort(2**70)
    assert isinstance(e.value, ValueError)
    with pytest.raises(gradreg.ArgumentError):
        KeyRing().add_hmac(2**40, b"k" * 32)
    with pytest.raises(gradreg.ArgumentError) as m:
        gradreg.ParsedDestinations.from_dict({})
    assert m.value.code == gradreg.error_code("malformed_json")
    with pytest.raises(gradreg.ArgumentError):
        gradreg.Registry.open("a\x00b")
    with pytest.raises(gradreg.GradregError):
        gradreg.BasicInfo.from_dict(nested_dict(100_000))
    with pytest.raises(gradreg.ArgumentTypeError) as t:
        gradreg.Registration.from_dict({"id": "x", "authorizations": [None]})
    assert isinstance(t.value, TypeError)


def test_the_boundary_maps_each_foreign_exception() -> None:
    """Each built-in exception raised inside the package leaves it as the class the docs name,
    with the original as ``__cause__``."""
    from gradreg import _guard

    def raising(e: BaseException) -> Callable[[], None]:
        def f() -> None:
            raise e

        return _guard.guard(f, "probe")

    bad = gradreg.error_code("invalid_argument")
    cases: List[Tuple[BaseException, type, int]] = [
        (
            UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
            gradreg.ArgumentError,
            bad,
        ),
        (OverflowError("too big"), gradreg.ArgumentError, bad),
        (RecursionError("deep"), gradreg.ArgumentError, bad),
        (MemoryError(), gradreg.ArgumentError, bad),
        (ValueError("embedded null byte"), gradreg.ArgumentError, bad),
        (KeyError("x"), gradreg.ArgumentError, bad),
        (IndexError("i"), gradreg.ArgumentError, bad),
        (TypeError("t"), gradreg.ArgumentTypeError, bad),
        (AttributeError("a"), gradreg.ArgumentTypeError, bad),
        (RuntimeError("r"), gradreg.InternalError, gradreg.error_code("internal")),
    ]
    for original, cls, code in cases:
        with pytest.raises(cls) as info:
            raising(original)()
        got = info.value
        assert type(got) is cls and isinstance(got, GradregError), original
        assert got.code == code
        assert got.__cause__ is original
    with pytest.raises(FileNotFoundError) as nf:
        raising(FileNotFoundError(2, "No such file or directory", "x.txt"))()
    assert isinstance(nf.value, gradreg.StorageOSError)
    assert (nf.value.errno, nf.value.filename) == (2, "x.txt")
    assert nf.value.code == gradreg.error_code("io")
    with pytest.raises(KeyboardInterrupt):
        raising(KeyboardInterrupt())()
    mine = ValueError("the caller's")
    with pytest.raises(ValueError) as own:
        raising(_guard.caller_raised(mine))()
    assert own.value is mine


def test_callback_exceptions_pass_through() -> None:
    """An exception raised by the caller's own status source is the caller's: it is not
    wrapped."""

    class Mine(Exception):
        pass

    def source(number: str, section: str, now: datetime) -> gradreg.StatusAnswer:
        raise Mine("from the caller")

    reg = _registration()
    ring = _keyring()
    token = gradreg.issue_token(ring, reg, _number(), "hukou")
    hukou = Actor.hukou_dept("h001", "宁海路派出所")
    with pytest.raises(Mine):
        gradreg.verify_token(token, ring, hukou, now=NOW, status=source)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
