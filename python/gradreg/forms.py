"""The registration forms (去向登记信息表): the archive form (档案) and the hukou form (户口),
rendered as SVG, PDF (A4, text searchable, font embedded) or grayscale PNG, each with its
verification number and signed QR code."""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Dict, Optional, Sequence, Tuple, Union

from . import _native
from ._convert import instant
from ._errors import ArgumentTypeError, StateError, error_code
from .codes import KeyRing
from .lifecycle import Registration, _need

__all__ = ["Renderer", "FORMATS", "SECTIONS"]

_CONSTANTS = json.loads(_native.constants())
#: The output formats.
FORMATS: Tuple[str, ...] = tuple(_CONSTANTS["formats"])
#: The two forms (the core's sections).
SECTIONS: Tuple[str, ...] = tuple(_CONSTANTS["sections"])


class Renderer:
    """Renders forms with one CJK font, read once into memory. ``Renderer()`` finds a font
    (``GRADREG_FONT``, else the system's Noto Sans CJK, WenQuanYi, Source Han …); pass
    ``font=path`` or ``font=bytes`` to choose. A font that lacks a character of the form is a
    ``RenderError`` naming the character, never a blank. A renderer is safe to share between
    threads, and rendering releases the GIL."""

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
        dpi: int = 150,
        prefix: str = "",
    ) -> bytes:
        """The form of ``section`` (``archive`` or ``hukou``) of authorization ``number``, its
        token signed with ``keyring``'s active key, as ``svg``, ``pdf`` or ``png`` bytes. Refused
        (``StateError``) for an authorization that is expired, revoked or superseded at ``now``,
        or a section not registered at authorization time."""
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

    def write_forms(
        self,
        registration: Registration,
        number: str,
        keyring: KeyRing,
        folder: Union[str, "os.PathLike[str]"],
        formats: Sequence[str] = FORMATS,
        now: Optional[datetime] = None,
        dpi: int = 150,
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
