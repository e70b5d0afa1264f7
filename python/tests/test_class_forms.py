"""A class of forms at once: one PDF of many pages, a ZIP of PNG pages, in memory and streamed
to a file; PDF/A-2b; an item's error naming its index; nothing left behind on failure."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import threading
import time
import zipfile
from pathlib import Path
from typing import List, Tuple

import pytest

import gradreg
from gradreg import (
    Actor,
    ArgumentError,
    ArgumentTypeError,
    ClassItem,
    Command,
    KeyRing,
    Registration,
    RenderError,
    Renderer,
    StateError,
)

from conftest import ALL_STEPS, NOW, walk

Items = List[Tuple[Registration, str, str]]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="module")
def ring() -> KeyRing:
    r = KeyRing()
    r.add_hmac(1, hashlib.sha256(b"gradreg class forms tests").digest())
    return r


@pytest.fixture(scope="module")
def authorized() -> Registration:
    return walk(Registration("10327:2022010123"), ALL_STEPS)


@pytest.fixture(scope="module")
def class40(authorized: Registration) -> Items:
    """40 forms, archive and hukou in turn (one graduate's, which is all a page count needs)."""
    number = authorized.authorizations[0].number
    return [ClassItem(authorized, number, "archive" if i % 2 == 0 else "hukou") for i in range(40)]


def pdf_pages(pdf: bytes) -> int:
    """Page objects: ``/Type /Page`` not followed by ``s`` (the page tree is ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_a_class_in_one_pdf(renderer: Renderer, ring: KeyRing, class40: Items, tmp_path: Path) -> None:
    pdf = renderer.class_pdf(class40, ring, NOW)
    assert pdf.startswith(b"%PDF-")
    assert pdf_pages(pdf) == 40
    assert b"pdfaid" not in pdf
    # Each font is subset once for the document: far smaller than 40 one-page PDFs.
    reg, number, section = class40[0]
    one = renderer.render(reg, number, section, ring, "pdf", NOW)
    assert len(pdf) < 40 * len(one) / 4
    # The same class gives the same bytes.
    assert renderer.class_pdf(class40, ring, NOW) == pdf
    if shutil.which("pdfinfo"):
        path = tmp_path / "class.pdf"
        path.write_bytes(pdf)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout
        assert re.search(rb"^Pages:\s+40$", info, re.M), info
    if shutil.which("pdftotext"):
        path = tmp_path / "class.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
        pages = text.stdout.decode().split("\f")
        assert "档案" in pages[0] and "户口" in pages[1] and number in pages[39]


def test_a_class_streamed_to_a_file(
    renderer: Renderer, ring: KeyRing, class40: Items, tmp_path: Path
) -> None:
    path = tmp_path / "class.pdf"
    assert renderer.class_pdf(class40, ring, NOW, path=path) == 40
    assert path.read_bytes() == renderer.class_pdf(class40, ring, NOW)
    zpath = tmp_path / "class.zip"
    assert renderer.class_png_zip(class40[:3], ring, NOW, dpi=72, path=str(zpath)) == 3
    assert zpath.read_bytes() == renderer.class_png_zip(class40[:3], ring, NOW, dpi=72)
    assert sorted(os.listdir(tmp_path)) == ["class.pdf", "class.zip"]


def test_archival_pdf(renderer: Renderer, ring: KeyRing, class40: Items, authorized: Registration) -> None:
    pdf = renderer.class_pdf(class40[:3], ring, NOW, archival=True)
    assert pdf_pages(pdf) == 3
    assert b"<pdfaid:part>2</pdfaid:part>" in pdf
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in pdf
    assert b"/OutputIntents" in pdf
    number = authorized.authorizations[0].number
    one = renderer.pdf(authorized, number, "archive", ring, NOW, archival=True)
    assert one.startswith(b"%PDF-") and pdf_pages(one) == 1
    assert b"<pdfaid:part>2</pdfaid:part>" in one
    assert one == renderer.render(authorized, number, "archive", ring, "pdf/a", NOW)
    plain = renderer.pdf(authorized, number, "archive", ring, NOW)
    assert plain == renderer.render(authorized, number, "archive", ring, "pdf", NOW)
    assert b"pdfaid" not in plain


def test_a_class_as_a_zip_of_pngs(
    renderer: Renderer, ring: KeyRing, class40: Items, tmp_path: Path
) -> None:
    # 8 pages: a PNG page takes a second or two in a debug build (the C tests write 40).
    path = tmp_path / "class.zip"
    assert renderer.class_png_zip(class40[:8], ring, NOW, dpi=72, path=path) == 8
    number = class40[0][1]
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        names = z.namelist()
        assert len(names) == 8
        assert names[0] == f"001-archive-{number}.png"
        assert names[7] == f"008-hukou-{number}.png"
        for name in names:
            data = z.read(name)
            assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
    try:
        from PIL import Image
    except ImportError:
        return
    with zipfile.ZipFile(path) as z:
        with Image.open(io.BytesIO(z.read(names[0]))) as img:
            assert img.size == (595, 842) and img.mode == "L"  # A4 at 72 dpi, grayscale


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools not installed")
def test_a_class_page_decodes_to_its_token(
    renderer: Renderer, ring: KeyRing, class40: Items, authorized: Registration, tmp_path: Path
) -> None:
    data = renderer.class_png_zip(class40[:2], ring, NOW)  # the default resolution, 240 dpi
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        page = z.read(z.namelist()[1])
    assert gradreg.DEFAULT_DPI == 240
    path = tmp_path / "page.png"
    path.write_bytes(page)
    out = subprocess.run(
        ["zbarimg", "--nodbus", "-q", "--raw", "-Sbinary", str(path)], capture_output=True
    )
    assert out.returncode == 0, out.stderr
    number = authorized.authorizations[0].number
    assert out.stdout.decode().strip() == gradreg.issue_token(ring, authorized, number, "hukou")


def test_an_item_error_names_its_index(
    renderer: Renderer, ring: KeyRing, class40: Items, authorized: Registration
) -> None:
    number = authorized.authorizations[0].number
    bad = list(class40[:4])
    bad[2] = (authorized, number, "front")
    with pytest.raises(ArgumentError) as info:
        renderer.class_pdf(bad, ring, NOW)
    assert info.value.code == gradreg.error_code("invalid_argument")
    assert info.value.message.startswith("items[2]: ") and "front" in info.value.message
    assert info.value.detail == {"index": 2}
    # A revoked authorization in the middle of a class: the error render raises, with the index.
    grad = Actor.graduate(gradreg.sample.basic_info().id_number)
    revoked = gradreg.apply(authorized, grad, Command.revoke_authorization(number), NOW).registration
    bad = list(class40[:6])
    bad[5] = (revoked, number, "archive")
    with pytest.raises(StateError) as state:
        renderer.class_png_zip(bad, ring, NOW, dpi=72)
    assert state.value.code == 218 and state.value.message.startswith("items[5]: ")
    assert state.value.detail is not None and state.value.detail["index"] == 5
    # Every form must be in force at `now`.
    with pytest.raises(StateError) as late:
        renderer.class_pdf(class40[:2], ring, NOW.replace(year=2027))
    assert late.value.code == 219 and late.value.detail == {"index": 0}
    # Python values of the wrong type are refused before any rendering, also by index.
    with pytest.raises(ArgumentTypeError) as typed:
        renderer.class_pdf([class40[0], (authorized.to_dict(), number, "archive")], ring, NOW)  # type: ignore[list-item]
    assert "items[1]" in str(typed.value) and typed.value.detail == {"index": 1}
    with pytest.raises(ArgumentTypeError):
        renderer.class_pdf([(authorized, number)], ring, NOW)  # type: ignore[list-item]
    with pytest.raises(ArgumentTypeError):
        renderer.class_pdf(42, ring, NOW)  # type: ignore[call-overload]
    with pytest.raises(ArgumentTypeError):
        renderer.class_pdf(class40[:1], ring, NOW, archival="yes")  # type: ignore[call-overload]


def test_refusals_of_the_whole_class(
    renderer: Renderer, ring: KeyRing, class40: Items, tmp_path: Path
) -> None:
    with pytest.raises(ArgumentError) as empty:
        renderer.class_pdf([], ring, NOW)
    assert empty.value.code == gradreg.error_code("invalid_argument") and "items" in str(empty.value)
    with pytest.raises(ArgumentError):
        renderer.class_png_zip(iter([]), ring, NOW, path=tmp_path / "empty.zip")
    with pytest.raises(RenderError) as dpi:
        renderer.class_png_zip(class40[:1], ring, NOW, dpi=5, path=tmp_path / "low.zip")
    assert dpi.value.code == 405
    with pytest.raises(gradreg.VerificationError) as no_key:
        renderer.class_pdf(class40[:1], KeyRing(), NOW)
    assert no_key.value.code == 308 and no_key.value.detail == {"index": 0}
    assert os.listdir(tmp_path) == []


def test_files_on_error(renderer: Renderer, ring: KeyRing, class40: Items, tmp_path: Path) -> None:
    # A folder that does not exist: FileNotFoundError, with the storage I/O code, nothing made.
    missing = tmp_path / "missing" / "class.pdf"
    with pytest.raises(FileNotFoundError) as nf:
        renderer.class_pdf(class40[:2], ring, NOW, path=missing)
    assert nf.value.code == 507  # type: ignore[attr-defined]
    assert nf.value.filename == str(missing)
    assert not (tmp_path / "missing").exists()
    # A folder is not a file.
    with pytest.raises(ArgumentError):
        renderer.class_pdf(class40[:2], ring, NOW, path=tmp_path)
    with pytest.raises(ArgumentTypeError):
        renderer.class_pdf(class40[:2], ring, NOW, path=b"class.pdf")  # type: ignore[call-overload]
    # The last of 40 items fails: no partial file, and a file already there is kept.
    path = tmp_path / "class.pdf"
    path.write_bytes(b"old")
    number = class40[0][1]
    bad = list(class40)
    bad[39] = (class40[0][0], number, "front")
    with pytest.raises(ArgumentError) as info:
        renderer.class_pdf(bad, ring, NOW, path=path)
    assert info.value.detail == {"index": 39}
    with pytest.raises(ArgumentError):
        renderer.class_png_zip(bad[37:], ring, NOW, dpi=72, path=tmp_path / "class.zip")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["class.pdf"]
    # Success replaces it.
    assert renderer.class_pdf(class40[:2], ring, NOW, path=path) == 2
    assert path.read_bytes().startswith(b"%PDF-")
    assert os.listdir(tmp_path) == ["class.pdf"]


def test_the_gil_is_released_while_a_class_renders(
    renderer: Renderer, ring: KeyRing, class40: Items
) -> None:
    ticks: List[float] = []
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.01)
        start = time.perf_counter()
        pdf = renderer.class_pdf(class40, ring, NOW)
        end = time.perf_counter()
    finally:
        stop.set()
        t.join()
    assert pdf_pages(pdf) == 40
    # Holding the GIL, the render would leave the spinning thread a tick or two.
    assert len([x for x in ticks if start < x < end]) > 1000
