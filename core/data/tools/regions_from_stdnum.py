#!/usr/bin/env python3
"""Writes core/data/regions.tsv from python-stdnum's ``stdnum/cn/loc.dat``.

Usage::

    python3 core/data/tools/regions_from_stdnum.py SOURCE > core/data/regions.tsv

SOURCE is a python-stdnum wheel (``python_stdnum-2.2-py3-none-any.whl``, a zip file) or the
``loc.dat`` file taken out of one. Standard library only.

loc.dat lists, under each province line ``11 province="北京市"``, the last four digits of every
code with its name, the years it was in use and, when a code was reused, several comma-separated
periods: ``  0103 county="[-2010]崇文区"``, ``  0110 county="[-1991]东郊区,[1992-]东丽区"``.
A missing first year means "in use since the code list began"; a missing last year means "still
in use"; both years are inclusive. The few names written in traditional characters are written
in simplified ones, as in the standard. A period that ends the year before it starts (a handful
of ``[1983-1982]`` names, replaced within the first list) covers no year and is left out.

The output has one line per code and period, ordered by code and then by period as listed:
``code<TAB>name<TAB>from<TAB>to``, with the trailing empty columns left out (a code in use for
its whole history is just ``code<TAB>name``).
"""

import io
import re
import sys
import zipfile

HEADER = """\
# GB/T 2260 administrative division codes (中华人民共和国行政区划代码): every province-,
# prefecture- and county-level code with its name and the years it was in use, including codes
# that no longer exist. Columns: code, name, first year, last year (both inclusive; empty or left
# out when open: in use since the list began, or still in use). A code that was reused has one
# line per period. The codes and their years are facts of the national standard and its yearly
# revisions. Converted by core/data/tools/regions_from_stdnum.py from python-stdnum 2.2
# (stdnum/cn/loc.dat; python-stdnum is LGPL-2.1-or-later), whose list comes from the Chinese
# Wikipedia pages 中华人民共和国行政区划代码 (1区 to 8区). Regenerate with that script rather
# than editing by hand.
"""

PROVINCE = re.compile(r'^(\d{2}) province="([^"]*)"$')
COUNTY = re.compile(r'^  (\d{4}) county="([^"]*)"$')
PERIOD = re.compile(r"^(?:\[(\d{4})?-(\d{4})?\])?([^\[\],]+)$")

# A few names of loc.dat are written in traditional characters (加格達奇區, 冷湖行政委員會, 丹稜县);
# the standard writes them in simplified ones, which the renderer's bundled font also has.
SIMPLIFIED = str.maketrans("區員嶺會稜達", "区员岭会棱达")


def read_source(path):
    """The text of loc.dat, from a wheel or from the file itself."""
    if path.endswith(".whl") or zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return z.read("stdnum/cn/loc.dat").decode("utf-8")
    with io.open(path, encoding="utf-8") as f:
        return f.read()


def convert(text):
    """The lines of regions.tsv (without the header) for the text of loc.dat."""
    rows = []
    province = None
    seen = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        m = PROVINCE.match(line)
        if m:
            province = m.group(1)
            continue
        m = COUNTY.match(line)
        if not m or province is None:
            raise SystemExit("loc.dat line %d: unexpected %r" % (number, line))
        code = province + m.group(1)
        if code in seen:
            raise SystemExit("loc.dat line %d: code %s twice" % (number, code))
        seen.add(code)
        for part in m.group(2).split(","):
            p = PERIOD.match(part.strip())
            if not p:
                raise SystemExit("loc.dat line %d: unexpected period %r" % (number, part))
            start, end = p.group(1) or "", p.group(2) or ""
            name = p.group(3).strip().translate(SIMPLIFIED)
            if start and end and int(start) > int(end):
                # A name that the same year's list already replaced ("[1983-1982]郊区"):
                # the period covers no year, so it tells nothing about validity.
                continue
            cols = [code, name, start, end]
            while cols[-1] == "" and len(cols) > 2:
                cols.pop()
            rows.append((code, "\t".join(cols)))
    # Stable sort: the periods of one code keep their order.
    rows.sort(key=lambda r: r[0])
    return [r[1] for r in rows]


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    out = io.open(sys.stdout.fileno(), "w", encoding="utf-8", newline="\n", closefd=False)
    out.write(HEADER)
    for row in convert(read_source(argv[1])):
        out.write(row + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
