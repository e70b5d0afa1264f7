#!/usr/bin/env bash
# Makes the renderer's bundled font, core/fonts/GradregSansSC-Regular.otf: a subset of the
# Simplified Chinese face of Noto Sans CJK (SIL Open Font License 1.1), renamed as the licence
# requires, with its licence text (core/fonts/OFL.txt) and the list of characters it covers
# (core/fonts/chars.txt). Anyone can re-run it on Debian; the result depends only on the inputs
# named below (same package versions, same bytes).
#
# Inputs, all public:
# - the font: Debian's fonts-noto-cjk, /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc,
#   face 2 (Noto Sans CJK SC);
# - the character lists: Debian's unicode-data, /usr/share/unicode/Unihan_*.txt.bz2 (the Unicode
#   Character Database's Unihan tables) and Python's gb2312 codec;
# - the crate's own code tables, core/data/*.tsv;
# - fontTools from PyPI (pinned below), in a venv under target/.
#
# Usage: scripts/font-subset.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
font=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
unihan=/usr/share/unicode/Unihan_OtherMappings.txt.bz2
missing=()
[[ -f "$font" ]] || missing+=(fonts-noto-cjk)
[[ -f "$unihan" ]] || missing+=(unicode-data)
if ((${#missing[@]})); then
  sudo=""; [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
venv="$root/target/font-venv"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q "fonttools==4.68.0"

"$venv/bin/python" - "$font" "$root/core" <<'PY'
import bz2, glob, hashlib, os, sys
from fontTools.ttLib import TTCollection
from fontTools import subset

font_path, core = sys.argv[1], sys.argv[2]
out_dir = os.path.join(core, "fonts")
FAMILY = "Gradreg Sans SC"
PS_NAME = "GradregSansSC-Regular"

def unihan(path, field):
    """Code points that have `field` in a Unihan file, with the field's value."""
    found = {}
    with bz2.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[1] == field:
                found[int(parts[0][2:], 16)] = parts[2]
    return found

share = "/usr/share/unicode"
groups = {}
# 1. 通用规范汉字表 (2013): the 8,105 characters, kTGH "2013:<index>".
groups["tgh"] = set(unihan(f"{share}/Unihan_OtherMappings.txt.bz2", "kTGH"))
assert len(groups["tgh"]) == 8105, len(groups["tgh"])
# 2. GB 2312, the core of GB 18030: its 6,763 hanzi and its 682 other characters (punctuation,
#    full-width forms, pinyin letters, Greek, Cyrillic, kana, box drawing, numbers).
gb2312 = set()
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            gb2312.add(ord(bytes([hi, lo]).decode("gb2312")))
        except UnicodeDecodeError:
            pass
groups["gb2312"] = gb2312
# 3. GB 18030 characters of personal names beyond those tables: the ideographs that China's
#    household-registration and ID-card systems submitted to Unicode (IRG G-sources GIDC and
#    GPGLG), and those of place names (GDM), for addresses.
gsrc = unihan(f"{share}/Unihan_IRGSources.txt.bz2", "kIRG_GSource")
groups["names"] = {cp for cp, v in gsrc.items() if v.split("-")[0] in ("GIDC", "GPGLG", "GDM")}
# 4. Latin, digits and punctuation: ASCII, Latin-1, general punctuation, letter-like symbols,
#    number forms, enclosed numbers, CJK symbols and punctuation, full-width and half-width forms.
ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x203B), (0x2100, 0x2122), (0x2160, 0x217F),
          (0x2460, 0x24FF), (0x3000, 0x303F), (0x30FB, 0x30FB), (0xFE30, 0xFE4F), (0xFF01, 0xFF65),
          (0xFFE0, 0xFFE6)]
groups["latin+punctuation"] = {cp for a, b in ranges for cp in range(a, b + 1)}
# 5. Every character of the crate's own code tables (provinces, ethnicities, headers ...).
own = set()
for path in sorted(glob.glob(os.path.join(core, "data", "*.tsv"))):
    with open(path, encoding="utf-8") as f:
        own |= {ord(c) for c in f.read() if ord(c) > 0x7F}
groups["own tables"] = own

collection = TTCollection(font_path)
face = collection.fonts[2]
assert face["name"].getDebugName(1) == "Noto Sans CJK SC", face["name"].getDebugName(1)
cmap = face.getBestCmap()
wanted = set().union(*groups.values())
covered = sorted(cp for cp in wanted if cp in cmap)
for name, cps in groups.items():
    have = sum(1 for cp in cps if cp in cmap)
    print(f"{name}: {len(cps)} characters, {have} in the source font")
print(f"all: {len(wanted)} wanted, {len(covered)} covered")
missing_tgh = [cp for cp in groups["tgh"] if cp not in cmap]
assert not missing_tgh, [hex(cp) for cp in missing_tgh]

options = subset.Options()
options.layout_features = []          # no shaping tables: the renderer places glyphs itself
options.drop_tables += ["GSUB", "GPOS", "BASE", "VORG", "vhea", "vmtx", "meta", "DSIG"]
options.hinting = False               # rasterised by resvg and PDF viewers without hints
options.name_IDs = ["*"]
options.name_languages = ["*"]
options.notdef_outline = True
options.recalc_timestamp = False
sub = subset.Subsetter(options)
sub.populate(unicodes=covered)
sub.subset(face)

# Rename (the licence's condition 3: a Modified Version may not use the Reserved Font Names, and
# "Noto" and "Source" appear in the original's names). Copyright (0) and licence (13, 14) stay.
name = face["name"]
version = name.getDebugName(5) or ""
keep = {0, 2, 8, 9, 10, 11, 12, 13, 14}
name.names = [r for r in name.names if r.nameID in keep and r.platformID == 3 and r.langID == 0x409]
for name_id, value in {
    1: FAMILY,
    3: f"{PS_NAME};2.004;subset",
    4: FAMILY,
    5: f"{version.split(';')[0]}; gradreg subset",
    6: PS_NAME,
}.items():
    name.setName(value, name_id, 3, 1, 0x409)
cff = face["CFF "].cff
cff.fontNames = [PS_NAME]
top = cff.topDictIndex[0]
top.FullName = FAMILY
top.FamilyName = FAMILY
# The CFF notice keeps the copyright and drops the trademark sentence that names "Noto".
top.Notice = "Copyright 2014-2021 Adobe (http://www.adobe.com/)."
if hasattr(top, "FDArray"):
    for i, fd in enumerate(top.FDArray):
        if hasattr(fd, "FontName"):
            fd.FontName = f"{PS_NAME}-FD{i}"
os2 = face["OS/2"]
os2.achVendID = "NONE"

path = os.path.join(out_dir, "GradregSansSC-Regular.otf")
face.save(path)
for bad in ("Noto", "Source"):
    data = open(path, "rb").read()
    assert bad.encode() not in data and bad.encode("utf-16-be") not in data, bad
with open(os.path.join(out_dir, "chars.txt"), "w", encoding="utf-8") as f:
    f.write("# The characters of GradregSansSC-Regular.otf, made by scripts/font-subset.sh.\n")
    line = []
    for cp in covered:
        line.append(chr(cp))
        if len(line) == 64:
            f.write("".join(line) + "\n")
            line = []
    if line:
        f.write("".join(line) + "\n")

# The licence text, as the Debian package carries it (the indented block after the second
# "License: SIL-1.1" line; the first one only names the licence of the files).
lines, on = [], False
with open("/usr/share/doc/fonts-noto-cjk/copyright", encoding="utf-8") as f:
    for raw in f:
        if raw.rstrip("\n") == "License: SIL-1.1":
            on, lines = True, []
            continue
        if on:
            if not raw.startswith(" "):
                if lines:
                    break
                on = False
                continue
            text = raw[1:].rstrip("\n")
            lines.append("" if text == "." else text)
assert any("SIL OPEN FONT LICENSE Version 1.1" in l for l in lines), "licence text not found"
copyright_line = face["name"].getDebugName(0)
with open(os.path.join(out_dir, "OFL.txt"), "w", encoding="utf-8") as f:
    f.write(f"{copyright_line}\n")
    f.write("Copyright of the original font: Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.\n")
    f.write("Noto is a trademark of Google Inc. This subset uses neither name.\n\n")
    f.write("\n".join(lines).strip("\n") + "\n")
size = os.path.getsize(path)
digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
print(f"wrote {path}: {size} bytes ({size / 1048576:.2f} MiB), {len(covered)} characters, "
      f"{face['maxp'].numGlyphs} glyphs, sha256 {digest}")
PY
