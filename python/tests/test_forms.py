"""Forms: the archive and hukou forms as SVG, PDF and PNG, the QR read back by an independent
decoder, refusals, and fonts."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

import gradreg
from gradreg import Actor, Command, KeyRing, Registration, RenderError, Renderer, StateError

from conftest import NOW, walk, ALL_STEPS

ARCHIVE = Actor.archive_dept("a001", "南京市人才服务中心")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="module")
def ring() -> KeyRing:
    r = KeyRing()
    r.add_hmac(1, hashlib.sha256(b"gradreg forms tests").digest())
    return r


def test_every_format(renderer: Renderer, ring: KeyRing, authorized: Registration) -> None:
    number = authorized.authorizations[0].number
    svg = renderer.render(authorized, number, "archive", ring, "svg", NOW)
    pdf = renderer.render(authorized, number, "archive", ring, "pdf", NOW)
    png = renderer.render(authorized, number, "hukou", ring, "png", NOW, dpi=72)
    assert svg.startswith(b"<svg") or b"<svg" in svg[:200]
    assert "毕业生去向登记信息表".encode() in svg
    assert number.encode() in svg
    assert pdf.startswith(b"%PDF")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # The same input gives the same bytes.
    assert renderer.render(authorized, number, "archive", ring, "pdf", NOW) == pdf
    hi = renderer.render(authorized, number, "hukou", ring, "png", NOW, dpi=150)
    assert len(hi) > len(png)
    assert "(" in renderer.font


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_text_is_real_text(
    renderer: Renderer, ring: KeyRing, authorized: Registration, tmp_path: Path
) -> None:
    number = authorized.authorizations[0].number
    path = tmp_path / "form.pdf"
    path.write_bytes(renderer.render(authorized, number, "archive", ring, "pdf", NOW))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    assert "档案" in text.decode() and number in text.decode()


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools not installed")
def test_qr_decodes_to_a_token_that_verifies(
    renderer: Renderer, ring: KeyRing, authorized: Registration, tmp_path: Path
) -> None:
    number = authorized.authorizations[0].number
    path = tmp_path / "form.png"
    path.write_bytes(renderer.render(authorized, number, "archive", ring, "png", NOW))
    out = subprocess.run(
        ["zbarimg", "--nodbus", "-q", "--raw", "-Sbinary", str(path)], capture_output=True
    )
    assert out.returncode == 0, out.stderr
    token = out.stdout.decode().strip()
    assert token == gradreg.issue_token(ring, authorized, number, "archive")
    assert gradreg.verify_token(token, ring, ARCHIVE, [authorized], NOW).valid


def test_write_forms(
    renderer: Renderer, ring: KeyRing, authorized: Registration, tmp_path: Path
) -> None:
    number = authorized.authorizations[0].number
    written = renderer.write_forms(authorized, number, ring, tmp_path / "out", ["pdf", "svg"], NOW)
    assert sorted(written) == ["archive.pdf", "archive.svg", "hukou.pdf", "hukou.svg"]
    assert all(Path(p).stat().st_size > 1000 for p in written.values())


def test_refusals(renderer: Renderer, ring: KeyRing, authorized: Registration) -> None:
    number = authorized.authorizations[0].number
    grad = Actor.graduate(gradreg.sample.basic_info().id_number)
    revoked = gradreg.apply(authorized, grad, Command.revoke_authorization(number), NOW).registration
    with pytest.raises(StateError) as info:
        renderer.render(revoked, number, "archive", ring, "pdf", NOW)
    assert info.value.code == 218
    with pytest.raises(StateError) as info:
        renderer.render(authorized, number, "archive", ring, "pdf", NOW.replace(year=2027))
    assert info.value.code == 219
    # No archive data registered at authorization time: no archive form.
    data = gradreg.sample.destination_data()
    data.archive = None
    reg = walk(Registration("r2"), ALL_STEPS[:4])
    reg = gradreg.apply(reg, Actor.provincial_platform("p"), Command.report_destination(data), NOW).registration
    reg = walk(reg, ["confirm", "authorize"])
    n2 = reg.authorizations[0].number
    with pytest.raises(StateError) as info:
        renderer.render(reg, n2, "archive", ring, "svg", NOW)
    assert info.value.code == 221
    assert renderer.render(reg, n2, "hukou", ring, "svg", NOW)
    with pytest.raises(RenderError) as bad_dpi:
        renderer.render(authorized, number, "archive", ring, "png", NOW, dpi=5)
    assert bad_dpi.value.code == 405
    with pytest.raises(gradreg.ArgumentError):
        renderer.render(authorized, number, "archive", ring, "gif", NOW)
    with pytest.raises(gradreg.ArgumentError):
        renderer.render(authorized, number, "front", ring, "svg", NOW)
    with pytest.raises(StateError):
        renderer.render(authorized, gradreg.random_number(), "archive", ring, "svg", NOW)
    with pytest.raises(TypeError):
        renderer.render(authorized.to_dict(), number, "archive", ring, "svg", NOW)  # type: ignore[arg-type]
    with pytest.raises(gradreg.VerificationError) as no_key:
        renderer.render(authorized, number, "archive", KeyRing(), "svg", NOW)
    assert no_key.value.code == 308  # no active key


def test_fonts(tmp_path: Path) -> None:
    with pytest.raises(RenderError) as info:
        Renderer(tmp_path / "missing.ttf")
    assert 400 <= info.value.code < 500
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font at all" * 10)
    with pytest.raises(RenderError):
        Renderer(junk)
    with pytest.raises(RenderError):
        Renderer(b"\x00\x01\x00\x00 broken")
    with pytest.raises(TypeError):
        Renderer(42)  # type: ignore[arg-type]
