"""The registration forms (去向登记信息表): the archive form (档案) and the hukou form (户口),
rendered as SVG, PDF (A4, text searchable, fonts embedded; PDF/A-2b for archives) or grayscale PNG,
each with its verification number and signed QR code — one form at a time, or a whole class at
once as one PDF or a ZIP of PNG pages, in memory or streamed to a file."""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union, overload

from . import _native
from ._convert import instant, path_text
from ._errors import ArgumentTypeError, StateError, error_code
from .codes import KeyRing
from .lifecycle import Registration, _need

__all__ = ["Renderer", "ClassItem", "FORMATS", "SECTIONS", "DEFAULT_DPI"]

_CONSTANTS = json.loads(_native.constants())
#: The file formats of one form (``render``, ``write_forms``).
FORMATS: Tuple[str, ...] = tuple(_CONSTANTS["formats"])
#: The two forms (the core's sections).
SECTIONS: Tuple[str, ...] = tuple(_CONSTANTS["sections"])
#: The PNG resolution when none is given: 240 dpi, where the QR code's modules are whole pixels
#: and the code still decodes from a phone photo of the printed page (300 for print).
DEFAULT_DPI: int = int(_CONSTANTS["default_dpi"])

_PathLike = Union[str, "os.PathLike[str]"]


class ClassItem(NamedTuple):
    """One form of a class: a registration, the verification number of one of its
    authorizations, and the section (``archive`` or ``hukou``). A plain 3-tuple works too."""

    registration: Registration
    number: str
    section: str


def _class_items(items: Iterable[Tuple[Registration, str, str]]) -> List[Tuple[str, str, str]]:
    """The items as the native module takes them; a wrong item is an ``ArgumentTypeError``
    naming its index."""
    try:
        it = iter(items)
    except TypeError:
        raise ArgumentTypeError(
            f"items must be an iterable of (registration, number, section), got {type(items).__name__}"
        ) from None
    out: List[Tuple[str, str, str]] = []
    for i, item in enumerate(it):
        if not isinstance(item, tuple) or len(item) != 3:
            raise ArgumentTypeError(
                f"items[{i}] must be a (registration, number, section) tuple, got {type(item).__name__}",
                detail={"index": i},
            )
        reg, number, section = item
        if not isinstance(reg, Registration):
            raise ArgumentTypeError(
                f"items[{i}]: registration must be Registration, got {type(reg).__name__}",
                detail={"index": i},
            )
        for name, v in (("number", number), ("section", section)):
            if not isinstance(v, str):
                raise ArgumentTypeError(
                    f"items[{i}]: {name} must be str, got {type(v).__name__}", detail={"index": i}
                )
        out.append((reg._wire(), number, section))
    return out


def _class_path(path: Any) -> str:
    return path_text(path, "path")


class Renderer:
    """Renders forms with a CJK font, read once into memory. No font needs to be installed:
    ``Renderer()`` takes ``GRADREG_FONT``, else the system's Noto Sans CJK, Source Han,
    WenQuanYi …, else the font bundled with the package (Gradreg Sans SC), which also draws what
    the chosen font lacks; pass ``font=path`` or ``font=bytes`` to choose one, used alone. A
    character no font has is a ``RenderError`` naming it, never a blank. A renderer is safe to
    share between threads, and rendering releases the GIL."""

    def __init__(self, font: Union[None, str, "os.PathLike[str]", bytes] = None) -> None:
        if font is None:
            self._n = _native.NativeRenderer()
        elif isinstance(font, (bytes, bytearray)):
            self._n = _native.NativeRenderer(None, bytes(font))
        elif isinstance(font, (str, os.PathLike)):
            self._n = _native.NativeRenderer(os.fspath(font), None)
        else:
            raise ArgumentTypeError(f"font must be a path or bytes, got {type(font).__name__}")

    @property
    def font(self) -> str:
        """The font's family name and where it was loaded from."""
        family, origin = self._n.font()
        return f"{family} ({origin})"

    def render(
        self,
        registration: Registration,
        number: str,
        section: str,
        keyring: KeyRing,
        format: str = "pdf",
        now: Optional[datetime] = None,
        dpi: int = DEFAULT_DPI,
        prefix: str = "",
    ) -> bytes:
        """The form of ``section`` (``archive`` or ``hukou``) of authorization ``number``, its
        token signed with ``keyring``'s active key, as ``svg``, ``pdf``, ``pdf/a`` (PDF/A-2b) or
        ``png`` bytes (at ``dpi``, 72–600). Refused (``StateError``) for an authorization that is
        expired, revoked or superseded at ``now``, or a section not registered at authorization
        time."""
        _need(Registration, "registration", registration)
        _need(KeyRing, "keyring", keyring)
        for name, v in (("number", number), ("section", section), ("format", format), ("prefix", prefix)):
            _need(str, name, v)
        _need(int, "dpi", dpi)
        return bytes(
            self._n.render(
                keyring._n, registration._wire(), number, section, instant(now), format, dpi, prefix
            )
        )

    def pdf(
        self,
        registration: Registration,
        number: str,
        section: str,
        keyring: KeyRing,
        now: Optional[datetime] = None,
        *,
        archival: bool = False,
        prefix: str = "",
    ) -> bytes:
        """The form as a one-page A4 PDF, as ``render(..., "pdf")``; with ``archival=True``
        PDF/A-2b, for archives (XMP metadata naming the part and level, an sRGB output intent,
        every font embedded, no transparency)."""
        _need(bool, "archival", archival)
        fmt = "pdf/a" if archival else "pdf"
        return self.render(registration, number, section, keyring, fmt, now, DEFAULT_DPI, prefix)

    @overload
    def class_pdf(
        self,
        items: Iterable[Tuple[Registration, str, str]],
        keyring: KeyRing,
        now: Optional[datetime] = None,
        *,
        archival: bool = False,
        path: None = None,
        prefix: str = "",
    ) -> bytes: ...

    @overload
    def class_pdf(
        self,
        items: Iterable[Tuple[Registration, str, str]],
        keyring: KeyRing,
        now: Optional[datetime] = None,
        *,
        archival: bool = False,
        path: _PathLike,
        prefix: str = "",
    ) -> int: ...

    def class_pdf(
        self,
        items: Iterable[Tuple[Registration, str, str]],
        keyring: KeyRing,
        now: Optional[datetime] = None,
        *,
        archival: bool = False,
        path: Optional[_PathLike] = None,
        prefix: str = "",
    ) -> Union[bytes, int]:
        """A whole class in one PDF: the form of each ``(registration, number, section)`` of
        ``items`` (``ClassItem`` or a plain tuple), a page each, in order, every token signed
        with ``keyring``'s active key; each font is subset once and shared by all pages. With
        ``archival=True`` the document is PDF/A-2b.

        Returns the PDF's bytes; with ``path``, streams the pages to that file instead — memory
        stays flat however large the class — and returns the number of pages. The file is
        written beside ``path`` under a temporary name and renamed into place when complete; on
        any error it is removed and ``path`` is left as it was. A folder that does not exist
        raises ``FileNotFoundError`` (other ``OSError`` subclasses as the system reports them),
        with ``.code`` 507.

        The first item that cannot be rendered stops the class: its exception is the one
        ``render`` raises for it (``StateError`` for an expired authorization …), with the
        message starting ``items[i]:`` and ``.detail["index"]`` set to ``i``. An empty class is
        an ``ArgumentError``."""
        _need(bool, "archival", archival)
        return self._class(items, keyring, now, "pdf/a" if archival else "pdf", DEFAULT_DPI, path, prefix)

    @overload
    def class_png_zip(
        self,
        items: Iterable[Tuple[Registration, str, str]],
        keyring: KeyRing,
        now: Optional[datetime] = None,
        *,
        dpi: Optional[int] = None,
        path: None = None,
        prefix: str = "",
    ) -> bytes: ...

    @overload
    def class_png_zip(
        self,
        items: Iterable[Tuple[Registration, str, str]],
        keyring: KeyRing,
        now: Optional[datetime] = None,
        *,
        dpi: Optional[int] = None,
        path: _PathLike,
        prefix: str = "",
    ) -> int: ...

    def class_png_zip(
        self,
        items: Iterable[Tuple[Registration, str, str]],
        keyring: KeyRing,
        now: Optional[datetime] = None,
        *,
        dpi: Optional[int] = None,
        path: Optional[_PathLike] = None,
        prefix: str = "",
    ) -> Union[bytes, int]:
        """A whole class as a ZIP archive of grayscale PNG pages at ``dpi`` (``DEFAULT_DPI``,
        240, when ``None``; 72–600), named ``001-archive-<number>.png``, ``002-hukou-…`` in
        order. Returns the archive's bytes, or with ``path`` streams it to that file and returns
        the number of pages; items, files and errors as ``class_pdf``."""
        if dpi is None:
            dpi = DEFAULT_DPI
        _need(int, "dpi", dpi)
        return self._class(items, keyring, now, "png-zip", dpi, path, prefix)

    def _class(
        self,
        items: Iterable[Tuple[Registration, str, str]],
        keyring: KeyRing,
        now: Optional[datetime],
        fmt: str,
        dpi: int,
        path: Optional[_PathLike],
        prefix: str,
    ) -> Union[bytes, int]:
        _need(KeyRing, "keyring", keyring)
        _need(str, "prefix", prefix)
        wire = _class_items(items)
        when = instant(now)
        target = None if path is None else _class_path(path)
        pages, data = self._n.render_class(keyring._n, wire, when, fmt, dpi, prefix, target)
        if data is None:
            return int(pages)
        return bytes(data)

    def write_forms(
        self,
        registration: Registration,
        number: str,
        keyring: KeyRing,
        folder: Union[str, "os.PathLike[str]"],
        formats: Sequence[str] = FORMATS,
        now: Optional[datetime] = None,
        dpi: int = DEFAULT_DPI,
    ) -> Dict[str, str]:
        """Writes every registered form of authorization ``number`` in each format into
        ``folder`` (created when absent) as ``<number>-<section>.<format>``; returns
        ``{"archive.pdf": path, ...}``."""
        auth = registration.authorization(number)
        if auth is None:
            raise StateError(
                f"没有该核验编号的授权 / no authorization with number {number}",
                error_code("authorization_not_found"),
            )
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as e:
            e.code = error_code("io")  # type: ignore[attr-defined]
            raise
        out: Dict[str, str] = {}
        for section in SECTIONS:
            if not getattr(auth.sections, section):
                continue
            for fmt in formats:
                data = self.render(registration, auth.number, section, keyring, fmt, now, dpi)
                path = os.path.join(os.fspath(folder), f"{auth.number}-{section}.{fmt}")
                try:
                    with open(path, "wb") as f:
                        f.write(data)
                except OSError as e:
                    e.code = error_code("io")  # type: ignore[attr-defined]
                    raise
                out[f"{section}.{fmt}"] = path
        return out
