"""The package's boundary: every public function and method raises only ``GradregError``.

The typed checks of each entry point come first (``ArgumentTypeError`` for a value of the wrong
type, ``ArgumentError`` for a bad value, the core's own codes for everything it refuses). What
slips past them — a built-in exception raised by the interpreter while an argument is converted
for the core, or anywhere in the package — is turned here into the package's exception, with the
original kept as ``__cause__``:

================================================ =====================================================
raised inside the package                         becomes
================================================ =====================================================
``UnicodeError`` (a lone surrogate in a ``str``)  ``ArgumentError`` ``invalid_argument``
``OverflowError`` (an int out of range)           ``ArgumentError`` ``invalid_argument``
``RecursionError`` (nesting too deep)             ``ArgumentError`` ``invalid_argument``
``MemoryError`` (a value too large)               ``ArgumentError`` ``invalid_argument``
``ValueError`` (a NUL in a path, ...)             ``ArgumentError`` ``invalid_argument``
``KeyError``, ``IndexError``                      ``ArgumentError`` ``invalid_argument``
``TypeError``, ``AttributeError``                 ``ArgumentTypeError`` (also a ``TypeError``)
``OSError`` (a file the package reads or writes)  ``StorageOSError`` ``io`` (and that ``OSError``)
a panic of the native module                      ``InternalError`` ``panic`` (990)
anything else                                     ``InternalError`` ``internal`` (991)
================================================ =====================================================

An exception raised by the caller's own code that the package calls back (a status source)
passes through unchanged. ``KeyboardInterrupt``, ``SystemExit`` and other ``BaseException``\\ s
that are not panics pass through too.

``install`` wraps every public function of the given modules and every method, class method,
static method, property and constructor of the package's classes (exception classes excepted)
once, in place; ``gradreg/__init__.py`` calls it after importing its modules.
"""

from __future__ import annotations

import functools
import inspect
from types import ModuleType
from typing import Any, Callable, Dict, Iterable, Optional, Set, Type, TypeVar

from . import _errors
from ._errors import (
    ArgumentError,
    ArgumentTypeError,
    GradregError,
    InternalError,
    StorageOSError,
    error_code,
)

F = TypeVar("F", bound=Callable[..., Any])

#: Marks a function already wrapped.
_MARK = "__gradreg_guarded__"
#: Marks an exception raised by the caller's own callback.
_CALLER = "__gradreg_caller__"


def caller_raised(e: BaseException) -> BaseException:
    """Marks ``e`` as raised by the caller's own code (a callback), so the boundary lets it
    through unchanged; returns it."""
    try:
        setattr(e, _CALLER, True)
    except (AttributeError, TypeError):  # pragma: no cover - exceptions without a __dict__
        pass
    return e


def _is_panic(e: BaseException) -> bool:
    """A pyo3 ``PanicException`` (a ``BaseException`` from a panic outside the core's guard)."""
    return type(e).__name__ == "PanicException"


def _what(e: BaseException) -> str:
    text = str(e)
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def translate(where: str, e: BaseException) -> Optional[GradregError]:
    """The package's exception for a foreign exception ``e`` raised inside ``where``, or
    ``None`` when ``e`` passes through as it is (a ``GradregError``, the caller's own, an
    interrupt)."""
    if isinstance(e, GradregError) or getattr(e, _CALLER, False):
        return None
    if _is_panic(e):
        return InternalError(
            f"{where}: 内部错误 / internal error: {e}", error_code("panic"), None
        )
    if not isinstance(e, Exception):
        return None
    bad = error_code("invalid_argument")
    if isinstance(e, UnicodeError):
        return ArgumentError(
            f"{where}: 文本不是有效的 Unicode / text is not valid Unicode "
            f"(a lone surrogate?): {_what(e)}",
            bad,
        )
    if isinstance(e, OverflowError):
        return ArgumentError(f"{where}: 数值超出范围 / number out of range: {_what(e)}", bad)
    if isinstance(e, MemoryError):
        return ArgumentError(f"{where}: 内存不足 / value too large for memory: {_what(e)}", bad)
    if isinstance(e, RecursionError):
        return ArgumentError(
            f"{where}: 嵌套过深 / value nested too deeply: {_what(e)}",
            bad,
        )
    if isinstance(e, (ValueError, LookupError)):
        return ArgumentError(f"{where}: 参数无效 / invalid argument: {_what(e)}", bad)
    if isinstance(e, (TypeError, AttributeError)):
        return ArgumentTypeError(f"{where}: 参数类型错误 / wrong type: {_what(e)}")
    if isinstance(e, OSError):
        return _storage_os_error(e)
    return InternalError(
        f"{where}: 内部错误 / internal error: {_what(e)}", error_code("internal")
    )


_OS_CLASSES: Dict[type, Type[GradregError]] = {}


def _os_class(kind: type) -> Type[GradregError]:
    """``StorageOSError`` joined with the built-in ``OSError`` subclass ``kind``, so that
    ``except FileNotFoundError`` still catches a missing file."""
    if kind is OSError:
        return StorageOSError
    cls = _OS_CLASSES.get(kind)
    if cls is None:
        cls = type(
            f"Storage{kind.__name__}",
            (StorageOSError, kind),
            {
                "__module__": "gradreg._errors",
                "__doc__": f"``StorageOSError`` and ``{kind.__name__}``.",
            },
        )
        _OS_CLASSES[kind] = cls
        # Reachable by name (pickle, repr), as the other exception classes are.
        setattr(_errors, cls.__name__, cls)
    return cls


def _storage_os_error(e: OSError) -> GradregError:
    """The ``StorageOSError`` of a built-in ``OSError``: the same ``errno``, ``strerror`` and
    file names, the code it carried (``io``, or ``roster_io`` for a roster that cannot be read)
    or ``io``."""
    code = getattr(e, "code", None)
    if not isinstance(code, int) or isinstance(code, bool):
        code = error_code("io")
    out: GradregError = _os_class(type(e))(str(e), code, None)
    for attr in ("errno", "strerror", "filename", "filename2"):
        try:
            setattr(out, attr, getattr(e, attr, None))
        except (AttributeError, TypeError):  # pragma: no cover - OSError attributes are writable
            pass
    return out


def guard(fn: F, where: Optional[str] = None) -> F:
    """``fn`` wrapped so that a foreign exception leaves it as the package's exception."""
    if getattr(fn, _MARK, False):
        return fn
    name = where or str(getattr(fn, "__qualname__", getattr(fn, "__name__", "gradreg")))

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BaseException as e:
            mapped = translate(name, e)
            if mapped is None:
                raise
            raise mapped from e

    setattr(guarded, _MARK, True)
    return guarded  # type: ignore[return-value]


def _ours(obj: Any) -> bool:
    return str(getattr(obj, "__module__", "")).startswith("gradreg")


def _guard_class(cls: type, done: Set[int]) -> None:
    """Wraps the callables that ``cls`` itself defines, and those of its package bases."""
    if id(cls) in done:
        return
    done.add(id(cls))
    for base in cls.__mro__[1:]:
        if _ours(base) and not issubclass(base, BaseException):
            _guard_class(base, done)
    own: Dict[str, Any] = dict(vars(cls))
    for name, attr in own.items():
        if name.startswith("__") and name not in ("__init__", "__post_init__", "__call__"):
            continue
        if name.startswith("_") and not name.startswith("__"):
            continue
        where = f"{cls.__name__}.{name}"
        if isinstance(attr, staticmethod):
            setattr(cls, name, staticmethod(guard(attr.__func__, where)))
        elif isinstance(attr, classmethod):
            setattr(cls, name, classmethod(guard(attr.__func__, where)))
        elif isinstance(attr, property):
            setattr(
                cls,
                name,
                property(
                    guard(attr.fget, where) if attr.fget else None,
                    guard(attr.fset, where) if attr.fset else None,
                    guard(attr.fdel, where) if attr.fdel else None,
                    attr.__doc__,
                ),
            )
        elif inspect.isfunction(attr):
            setattr(cls, name, guard(attr, where))


def install(modules: Iterable[ModuleType]) -> None:
    """Guards every public function and class named in each module's ``__all__`` (the
    functions rebound in every given module that holds them)."""
    mods = list(modules)
    done: Set[int] = set()
    for m in mods:
        for name in getattr(m, "__all__", ()):
            obj = getattr(m, name, None)
            if inspect.isclass(obj):
                if _ours(obj) and not issubclass(obj, BaseException):
                    _guard_class(obj, done)
            elif inspect.isfunction(obj) and _ours(obj):
                wrapped = guard(obj)
                for other in mods:
                    for k, v in list(vars(other).items()):
                        if v is obj:
                            setattr(other, k, wrapped)
