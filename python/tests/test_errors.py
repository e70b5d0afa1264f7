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
