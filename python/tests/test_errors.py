"""The exception hierarchy: one root, a class per code group, built-in bases where they fit."""

from __future__ import annotations

import pytest

import gradreg
from gradreg import (
    ArgumentError,
    ConflictError,
    GradregError,
    InternalError,
    LoginRefusedError,
    RenderError,
    StateError,
    StorageError,
    StorageOSError,
    ValidationError,
    VerificationError,
)


@pytest.mark.parametrize(
    "code, cls",
    [
        (101, ValidationError),
        (102, ArgumentError),
        (104, ArgumentError),
        (201, StateError),
        (202, LoginRefusedError),
        (219, StateError),
        (302, VerificationError),
        (401, RenderError),
        (501, StorageError),
        (502, ConflictError),
        (505, StorageError),
        (507, StorageOSError),
        (901, InternalError),
        (999, InternalError),
    ],
)
def test_code_to_class(code: int, cls: type) -> None:
    assert gradreg.error_class(code) is cls
    err = cls("message", code)
    assert isinstance(err, GradregError)
    assert err.code == code
    assert str(code) in str(err)


def test_builtin_bases() -> None:
    assert issubclass(ValidationError, ValueError)
    assert issubclass(ArgumentError, ValueError)
    assert issubclass(gradreg.ArgumentTypeError, TypeError)
    assert issubclass(StorageOSError, OSError)
    assert not issubclass(StateError, ValueError)


def test_exceptions_pickle_with_their_code() -> None:
    """Scripts that fan out with multiprocessing get the same exception back."""
    import pickle

    b = gradreg.sample.basic_info()
    b.id_number = "3.20102E+17"
    with pytest.raises(ValidationError) as info:
        b.validate()
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is ValidationError
    assert again.code == 101
    assert again.problems == info.value.problems
    err = StorageOSError("disk full", 506)
    assert pickle.loads(pickle.dumps(err)).code == 506


def test_all_errors_covered(tmp_path: "object") -> None:
    """Every code of the core's table maps to the class of its group (or its own class), has
    Chinese and English text, and every code the package raises itself is in the table; errors
    raised through the native module carry codes of the table."""
    import re
    from pathlib import Path

    from gradreg import _errors

    codes = gradreg.ERROR_CODES
    assert [c.code for c in codes] == sorted({c.code for c in codes}), "numeric order, no repeat"
    assert len({c.name for c in codes}) == len(codes)
    groups = {
        "arguments": ArgumentError,
        "state": StateError,
        "verification": VerificationError,
        "render": RenderError,
        "storage": StorageError,
        "internal": InternalError,
    }
    own = {
        "invalid_record": ValidationError,
        "input_too_large": gradreg.LimitError,
        "archive_limit": gradreg.LimitError,
        "content_limit": gradreg.LimitError,
        "login_refused": LoginRefusedError,
        "conflict": ConflictError,
        "disk_full": StorageOSError,
        "io": StorageOSError,
    }
    for c in codes:
        assert c.zh and c.en, c
        assert c.group in groups, c
        cls = gradreg.error_class(c.code)
        assert cls is own.get(c.name, groups[c.group]), c
        assert issubclass(cls, groups[c.group])
        assert gradreg.error_code(c.name) == c.code
    assert set(own) <= {c.name for c in codes}
    assert gradreg.error_code("panic") == 990 and gradreg.error_class(990) is InternalError
    assert gradreg.error_code("internal") == 991 and GradregError("x").code == 991

    # Every code the package names in its own source is one of the core's.
    source = Path(_errors.__file__).parent
    named = set()
    for path in source.glob("*.py"):
        named |= set(re.findall(r'error_code\("([a-z_0-9]+)"\)', path.read_text(encoding="utf-8")))
    assert named and named <= {c.name for c in codes}, named - {c.name for c in codes}

    # Errors raised through the native module carry codes of the table, as their class says.
    table = {c.code for c in codes}
    raised = []
    for call in (
        lambda: gradreg.BasicInfo.from_json("{"),
        lambda: gradreg.code_name("planets", "10"),
        lambda: gradreg.parse_number("123"),
        lambda: gradreg.parse_roster(b""),
        lambda: gradreg.Registry.in_memory().get("nobody"),
        lambda: gradreg.KeyRing().add_hmac(1, b"short"),
        lambda: gradreg.apply(
            gradreg.Registration("r"), gradreg.Actor.graduate("x"), gradreg.Command.login()
        ),
        lambda: gradreg.Policy.from_dict(
            {"name": "x", "registration_deadline": {"month": 2, "day": 30},
             "change_deadline": {"month": 8, "day": 15}}
        ).check(),
    ):
        with pytest.raises(GradregError) as info:
            call()
        raised.append(info.value.code)
        assert info.value.code in table
        assert type(info.value) is gradreg.error_class(info.value.code)
    assert len(set(raised)) == len(raised)
