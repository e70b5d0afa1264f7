"""Forms in the field, checked from outside the library (run by scripts/test.sh).

Usage: python forms_field.py DIR...

Every PNG, PDF and ZIP of PNGs under the folders is checked:
- its QR code decodes with two independent decoders, zbar (zbarimg) and ZXing-C++ (the
  zxing-cpp package), at full size, scaled to 50 %, blurred by a 1-pixel Gaussian, and both
  (a phone photo of the page); PDF pages are rasterised with poppler's pdftoppm at 300 dpi;
- a PDF whose name contains "pdfa" is checked against the PDF/A-2b clauses named below (veraPDF,
  the reference validator, is not packaged for Debian or PyPI, so the clauses are checked here
  with pikepdf, fontTools and qpdf).

Prints "forms-field: N passed, N failed" last and exits 1 when anything failed.
"""

import io
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

import pikepdf
import zxingcpp
from fontTools.cffLib import CFFFontSet
from fontTools.pens.basePen import NullPen
from fontTools.ttLib import TTFont
from PIL import Image, ImageFilter

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}", flush=True)


def zbar(img, work):
    path = os.path.join(work, "zbar.png")
    img.save(path)
    out = subprocess.run(
        ["zbarimg", "--nodbus", "-q", "--raw", path], capture_output=True, text=True
    )
    return out.stdout.strip()


def zxing(img):
    found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    return "\n".join(r.text for r in found)


def variants(img):
    half = img.resize((img.width // 2, img.height // 2), Image.Resampling.BICUBIC)
    blur = ImageFilter.GaussianBlur(1)
    return [
        ("full", img),
        ("50%", half),
        ("blur", img.filter(blur)),
        ("50%+blur", half.filter(blur)),
    ]


def check_image(img, label, work):
    img = img.convert("L")
    expected = zbar(img, work)
    tags = expected.count("GR1.") + expected.count("GR2.")
    check(tags == 1, f"{label}: one token in the QR code ({expected[:40]!r})")
    for name, variant in variants(img):
        check(zbar(variant, work) == expected, f"{label}: zbar, {name}")
        check(zxing(variant) == expected, f"{label}: ZXing-C++, {name}")


def check_pdf_pages(path, work):
    out = os.path.join(work, "page")
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", path, out], check=True)
    pages = sorted(f for f in os.listdir(work) if f.startswith("page") and f.endswith(".png"))
    check(len(pages) > 0, f"{path}: pages rasterised")
    for p in pages:
        full = os.path.join(work, p)
        check_image(Image.open(full), f"{path} {p}", work)
        os.remove(full)


def font_program_widths(descriptor):
    """Advance widths of the embedded font program in 1/1000 em, by glyph id (= CID)."""
    if "/FontFile3" in descriptor:
        data = descriptor.FontFile3.read_bytes()
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(data), None)
        top = cff[cff.fontNames[0]]
        scale = 1000 * top.FontMatrix[0]
        strings = top.CharStrings
        widths = {}
        for gid, name in enumerate(top.charset):
            cs = strings[name]
            cs.draw(NullPen())
            widths[gid] = cs.width * scale
        return widths
    data = descriptor.FontFile2.read_bytes()
    font = TTFont(io.BytesIO(data))
    upem = font["head"].unitsPerEm
    order = font.getGlyphOrder()
    return {gid: font["hmtx"][name][0] * 1000 / upem for gid, name in enumerate(order)}


def w_array(cid_font):
    widths = {}
    w = list(cid_font.get("/W", []))
    i = 0
    while i < len(w):
        first = int(w[i])
        if isinstance(w[i + 1], pikepdf.Array):
            for k, v in enumerate(w[i + 1]):
                widths[first + k] = float(v)
            i += 2
        else:
            last, v = int(w[i + 1]), float(w[i + 2])
            for c in range(first, last + 1):
                widths[c] = v
            i += 3
    return widths


def check_pdfa(path):
    label = f"{path} (PDF/A-2b)"
    raw = open(path, "rb").read()
    # 6.1.2: header, then a comment of four bytes above 127.
    check(re.match(rb"%PDF-1\.[4-7]\r?\n%[\x80-\xff]{4}", raw) is not None, f"{label}: 6.1.2 header")
    # qpdf, an independent parser: no syntax or stream errors, no warnings.
    q = subprocess.run(["qpdf", "--check", path], capture_output=True, text=True)
    check(q.returncode == 0 and "warning" not in (q.stdout + q.stderr).lower(),
          f"{label}: qpdf --check: {q.stdout.strip()[-200:]} {q.stderr.strip()[-200:]}")
    pdf = pikepdf.open(path)
    trailer = pdf.trailer
    # 6.1.3: a document ID; no encryption.
    check("/ID" in trailer and len(trailer.ID) == 2, f"{label}: 6.1.3 trailer /ID")
    check("/Encrypt" not in trailer, f"{label}: 6.1.3 no /Encrypt")
    root = pdf.Root
    # 6.6.2.1: the metadata stream, unfiltered; 6.6.4: the PDF/A identification.
    meta = root.get("/Metadata")
    check(meta is not None and "/Filter" not in meta, f"{label}: 6.6.2.1 unfiltered metadata stream")
    info = trailer.get("/Info")
    info_title = str(info.Title) if info is not None and "/Title" in info else None
    info_producer = str(info.Producer) if info is not None and "/Producer" in info else None
    # Read only: pikepdf would otherwise name itself as the editor on leaving the block.
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as m:
        check(m.pdfa_status == "2B", f"{label}: 6.6.4 pdfaid part 2, conformance B ({m.pdfa_status!r})")
        xmp_title = m.get("dc:title")
        xmp_producer = m.get("pdf:Producer")
    try:
        packet = meta.read_bytes().split(b"?>", 1)[1].rsplit(b"<?xpacket", 1)[0]
        well_formed = ET.fromstring(packet) is not None
    except (AttributeError, IndexError, ET.ParseError):
        well_formed = False
    check(well_formed, f"{label}: 6.6.2.1 well-formed XMP")
    # 6.6.3 (document information consistent with the metadata).
    if info_title is not None:
        check(info_title == xmp_title, f"{label}: 6.6.3 /Title = dc:title")
    if info_producer is not None:
        check(info_producer == xmp_producer, f"{label}: 6.6.3 /Producer = pdf:Producer")
    # 6.2.3: an output intent GTS_PDFA1 with an RGB display or output ICC profile.
    intents = root.get("/OutputIntents", [])
    pdfa = [i for i in intents if i.get("/S") == "/GTS_PDFA1"]
    check(len(pdfa) == 1, f"{label}: 6.2.3 one GTS_PDFA1 output intent")
    if pdfa:
        prof = pdfa[0].DestOutputProfile
        icc = prof.read_bytes()
        check(int(prof.N) == 3 and icc[12:20] in (b"mntrRGB ", b"prtrRGB ") and icc[36:40] == b"acsp"
              and icc[8] <= 4 and int.from_bytes(icc[:4], "big") == len(icc),
              f"{label}: 6.2.3 ICC profile (RGB, N 3, version ≤ 4)")
    # 6.2.11: every font embedded, CID fonts complete, widths consistent, ToUnicode present;
    # 6.2.10 and 6.4: no transparency anywhere.
    fonts = {}
    for page in pdf.pages:
        res = page.obj.get("/Resources", {})
        check("/Group" not in page.obj, f"{label}: 6.2.10 no page group")
        for name, font in res.get("/Font", {}).items():
            fonts[font.objgen] = font
        for key in ("/ExtGState", "/XObject", "/Pattern", "/Shading"):
            check(key not in res, f"{label}: only text and paths ({key})")
    check(len(fonts) >= 1, f"{label}: fonts used")
    for font in fonts.values():
        name = str(font.get("/BaseFont"))
        check(font.Subtype == "/Type0", f"{label}: {name} is a composite font")
        check("/ToUnicode" in font, f"{label}: 6.2.11.7 {name} has ToUnicode")
        cid = font.DescendantFonts[0]
        d = cid.FontDescriptor
        check("/FontFile2" in d or "/FontFile3" in d, f"{label}: 6.2.11.4 {name} embedded")
        check("/CIDSystemInfo" in cid, f"{label}: 6.2.11.3.1 {name} CIDSystemInfo")
        if cid.Subtype == "/CIDFontType2":
            check("/CIDToGIDMap" in cid, f"{label}: 6.2.11.3.2 {name} CIDToGIDMap")
        program = font_program_widths(d)
        declared = w_array(cid)
        bad = [c for c, w in declared.items() if c in program and abs(program[c] - w) > 1]
        missing = [c for c in declared if c not in program]
        check(not bad and not missing,
              f"{label}: 6.2.11.5 {name} widths match the font program ({bad[:5]} {missing[:5]})")
    for obj in pdf.objects:
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            d = obj if isinstance(obj, pikepdf.Dictionary) else obj.stream_dict
            check("/SMask" not in d or d.SMask == "/None", f"{label}: 6.2.10 no soft mask")
            check("/JS" not in d and "/JavaScript" not in d, f"{label}: 6.6.1 no JavaScript")
            check(d.get("/S") != "/Transparency", f"{label}: 6.2.10 no transparency group")
            for k in ("/CA", "/ca"):
                check(k not in d or float(d[k]) == 1.0, f"{label}: 6.2.10 opaque")
            check(d.get("/Type") != "/EmbeddedFile", f"{label}: 6.8 no embedded files")


def main(dirs):
    work = tempfile.mkdtemp(prefix="forms-field-")
    for top in dirs:
        for folder, _, files in sorted(os.walk(top)):
            for f in sorted(files):
                path = os.path.join(folder, f)
                if f.endswith("-qr.png") or f.endswith("-qr.svg"):
                    continue  # the QR code alone: the page is what phones see
                if f.endswith(".png"):
                    check_image(Image.open(path), path, work)
                elif f.endswith(".pdf"):
                    check_pdf_pages(path, work)
                    if "pdfa" in f:
                        check_pdfa(path)
                elif f.endswith(".zip"):
                    with zipfile.ZipFile(path) as z:
                        check(z.testzip() is None, f"{path}: CRCs")
                        for name in z.namelist():
                            check_image(Image.open(io.BytesIO(z.read(name))), f"{path}:{name}", work)
    print(f"forms-field: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
