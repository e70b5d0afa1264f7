#!/usr/bin/env python3
"""Checks the answer key against the corpus files, independently of make_corpus.py.

Reads every file in files/ the way a careful person would (its own header table, its own value
readings and rules, nothing shared with the generator or the library), lists every problem and
notice it finds, and compares them with answers.tsv: each planted problem must really be in its
cell, and no other row may have any problem. Exits non-zero on a difference.

Usage: python3 check_key.py --regions PATH
PATH is a county list: the library's core/data/regions.tsv (code, name, from, to) when it exists,
or python-stdnum's stdnum/cn/loc.dat. Needs openpyxl.
"""

import argparse
import csv
import datetime as dt
import io
import re
import sys
import unicodedata
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "data"

# ---- header table: normalised header -> (field, kind); kind "code" or "name" for a column that
# holds only one of the two spellings when a pair of columns shares a field ----
HEADERS = {}
for field, names in {
    "name": ["姓名", "xm", "name"],
    "gender": ["性别", "xb", "gender", "性别代码:code", "xbdm:code"],
    "id_number": ["身份证号", "身份证号码", "身份证件号", "身份证件号码", "sfzh", "idnumber"],
    "exam_number": ["考生号", "ksh"],
    "student_number": ["学号", "xh", "studentid"],
    "school_code": ["院校代码", "学校代码", "yxdm", "schoolcode"],
    "school_name": ["院校名称", "学校名称", "yxmc", "schoolname"],
    "college": ["学院", "院系", "所在院系", "院系名称", "学院名称", "yxsmc", "college"],
    "major_code": ["专业代码", "zydm", "majorcode"],
    "major_name": ["专业名称", "专业", "zymc", "major"],
    "education_level": ["学历", "学历层次", "培养层次", "学历代码:code", "xldm", "educationlevel"],
    "training_mode": ["培养方式", "培养方式代码:code", "pyfs"],
    "schooling_length": ["学制", "xz"],
    "enrolment_date": ["入学日期", "入学时间", "rxrq", "enrollmentdate"],
    "graduation_date": ["毕业日期", "毕业时间", "byrq", "graduationdate"],
    "origin_region": ["生源地", "生源所在地", "生源地代码", "生源所在地代码", "生源地区代码",
                      "syszddm", "originregion"],
    "ethnicity": ["民族", "民族代码:code", "mzdm", "ethnicity"],
    "political_status": ["政治面貌", "政治面貌代码:code", "zzmmdm", "politicalstatus"],
    "phone": ["联系电话", "手机号码", "手机号", "sjhm", "mobile"],
    "email": ["电子邮箱", "邮箱", "dzyx", "email"],
}.items():
    for n in names:
        head, _, kind = n.partition(":")
        HEADERS[head] = (field, kind or "any")

REQUIRED = ["name", "gender", "id_number", "student_number", "school_code", "school_name",
            "college", "major_code", "major_name", "education_level", "graduation_date"]
CODE_FIELDS = {"gender": "genders", "education_level": "education_levels",
               "training_mode": "training_modes", "ethnicity": "ethnicities",
               "political_status": "political_statuses"}


def norm_header(h):
    h = re.sub(r"[（(][^）)]*[）)]", "", str(h or ""))
    return re.sub(r"[\s*＊\ufeff]", "", h).lower()


def table(name):
    out = {}
    for line in (DATA / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, label = line.split("\t")[:2]
            out[code] = label
    return out


TABLES = {f: table(t) for f, t in CODE_FIELDS.items()}
PROVINCES = table("provinces")


def load_regions(path):
    """code -> list of (from, to) years; None for an open end."""
    regions = {}
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith(".tsv"):
        for line in text.splitlines():
            if line.strip() and not line.startswith("#"):
                cols = line.split("\t") + ["", "", ""]
                regions.setdefault(cols[0], []).append(
                    (int(cols[2]) if cols[2] else None, int(cols[3]) if cols[3] else None))
        return regions
    prov = None
    for line in text.splitlines():
        m = re.match(r"^(\d\d) province=", line)
        if m:
            prov = m.group(1)
            continue
        m = re.match(r'^\s+(\d{4}) county="(.*)"', line)
        if m:
            for part in m.group(2).split(","):
                pm = re.match(r"^\[(\d*)-(\d*)\]", part)
                span = (int(pm.group(1)) if pm and pm.group(1) else None,
                        int(pm.group(2)) if pm and pm.group(2) else None)
                regions.setdefault(prov + m.group(1), []).append(span)
    return regions


# ---- reading files ----

def excel_text(v):
    """A cell as the text Excel shows in General format."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return ("date", v.date())
    if isinstance(v, dt.date):
        return ("date", v)
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        if abs(v) >= 1e15:
            mant, exp = f"{v:.5E}".split("E")
            mant = mant.rstrip("0").rstrip(".")
            return f"{mant}E{exp[0]}{int(exp[1:]):02d}"
        if float(v).is_integer():
            return ("number", str(int(v)))
        return ("number", repr(float(v)))
    return str(v)


class Implausible(Exception):
    """Text that is valid UTF-8 (not ASCII) declared to be GB18030."""


def read_csv(raw, forced):
    if raw.startswith(b"\xef\xbb\xbf"):
        text = raw[3:].decode("utf-8")
    elif forced == "gb18030":
        if not raw.isascii():
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                raise Implausible()
        text = raw.decode("gb18030")  # strict: raises on bytes that are not GB18030
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
    first = next((ln for ln in re.split(r"\r\n|\r|\n", text) if ln.strip()), "")
    delim = "\t" if first.count("\t") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    return [(i + 1, row) for i, row in enumerate(rows)]


def header_of(rows):
    """(index into rows, {field: [(column, kind)]}) of the first row naming five fields."""
    for k, (_, cells) in enumerate(rows[:10]):
        cols = {}
        for c, h in enumerate(cells):
            hit = HEADERS.get(norm_header(h)) if isinstance(h, str) else None
            if hit:
                cols.setdefault(hit[0], []).append((c, hit[1]))
        if len(cols) >= 5:
            return k, cols
    return None, None


def read_xlsx(raw):
    """[(sheet name, rows)] in workbook order."""
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    out = []
    for ws in wb.worksheets:
        rows = []
        for r in ws.iter_rows():
            rows.append((r[0].row, [excel_text(c.value) for c in r]))
        out.append((ws.title, rows))
    return out


# ---- reading values ----

def ascii_digits(s):
    if re.search(r"[０-９Ａ-Ｚａ-ｚ]", s):
        return unicodedata.normalize("NFKC", s), True
    return s, False


def read_date(v):
    """(date or None, code): code is '' (as is), a notice code, 'bad_date' or 'ambiguous'."""
    if isinstance(v, tuple) and v[0] == "date":
        return v[1], ""
    if isinstance(v, tuple):
        n = int(v[1])
        if 20000 <= n <= 60000:
            return dt.date(1899, 12, 30) + dt.timedelta(days=n), "date_serial"
        return None, "bad_date"

    def make(y, m, d, code):
        try:
            return dt.date(int(y), int(m), int(d)), code
        except ValueError:
            return None, "bad_date"

    if re.fullmatch(r"\d{4}-\d\d-\d\d", v):
        return make(v[:4], v[5:7], v[8:], "")
    for pattern in (r"(\d{4})(\d\d)(\d\d)", r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})",
                    r"(\d{4})年(\d{1,2})月(\d{1,2})日"):
        m = re.fullmatch(pattern, v)
        if m:
            return make(*m.groups(), "date_form")
    m = re.fullmatch(r"(\d{4})(\d\d)", v)
    if m:
        return make(m.group(1), m.group(2), 1, "date_form")
    m = re.fullmatch(r"(\d\d)/(\d\d)/(\d{4})", v)
    if m:
        a, b, y = (int(x) for x in m.groups())
        if a <= 12 and b <= 12 and a != b:
            return None, "ambiguous"
    return None, "bad_date"


def read_code(field, v):
    """(code or None, notice or problem code or '')."""
    t = TABLES[field]
    if v in t:
        return v, ""
    if field == "gender" and v in ("男", "女", "男性", "女性"):
        return ("1" if v.startswith("男") else "2"), "gender_word"
    if v.isdigit():
        width = max(len(c) for c in t)
        padded = v.lstrip("0").rjust(width, "0") or "0" * width
        if padded in t:
            return padded, "code_padding"
        return None, "unknown_code"
    by_name = [c for c, n in t.items() if n == v]
    if len(by_name) == 1:
        return by_name[0], "code_from_name"
    return None, "unknown_code"


def id_check(first17):
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def existed(regions, code, year):
    return any((a is None or a <= year) and (b is None or year <= b)
               for a, b in regions.get(code, []))


# ---- one roster ----

def check_rows(rows, cols, regions):
    """(problems {(row, field, code)}, notices {(field, code)}, number of data rows)."""
    problems, notices = set(), set()
    seen = {"id_number": {}, "student_number": {}}
    count = 0
    for rownum, cells in rows:
        def cell(c):
            v = cells[c] if c < len(cells) else ""
            if isinstance(v, str):
                return v.strip()
            return v

        values = {}
        for field, cs in cols.items():
            values[field] = [(cell(c), kind) for c, kind in cs]
        if all((v == "" or v is None) for vs in values.values() for v, _ in vs):
            continue
        count += 1
        out = set()

        def flag(field, code):
            out.add((rownum, field, code))

        def text(field):
            """The one text value of a field (number cells as their digits)."""
            vs = values.get(field, [("", "any")])
            v = vs[0][0]
            if isinstance(v, tuple):
                return v[1] if v[0] == "number" else v
            return v

        for f in REQUIRED:
            if all((v == "" or v is None) for v, _ in values.get(f, [("", "")])):
                flag(f, "required")

        # codes, with a code column and a name column compared
        codes = {}
        for f in CODE_FIELDS:
            if f not in values:
                continue
            read = []
            for v, kind in values[f]:
                v = v[1] if isinstance(v, tuple) else v
                if v == "":
                    continue
                read.append(read_code(f, v))
            for code, what in read:
                if code is None:
                    flag(f, what)
                elif what:
                    notices.add((f, what))
            good = [c for c, _ in read if c is not None]
            if len(set(good)) > 1:
                flag(f, "code_name_mismatch")
            if good:
                codes[f] = good[0]  # the code column comes first in every pair

        # ID number, against the gender
        idn = text("id_number")
        if isinstance(idn, str) and idn:
            idn, wide = ascii_digits(idn)
            if wide:
                notices.add(("id_number", "full_width"))
            if re.fullmatch(r"\d(\.\d+)?[eE][+-]?\d+", idn):
                flag("id_number", "scientific_notation")
            elif not re.fullmatch(r"\d{17}[\dXx]", idn):
                flag("id_number", "bad_format")
            else:
                if PROVINCES.get(idn[:2]) is None:
                    flag("id_number", "unknown_province")
                try:
                    birth = dt.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))
                except ValueError:
                    birth = None
                    flag("id_number", "bad_birth_date")
                if id_check(idn[:17]) != idn[17].upper():
                    flag("id_number", "bad_check_character")
                if birth and not existed(regions, idn[:6], birth.year):
                    notices.add(("id_number", "id_region_year"))
                g = codes.get("gender")
                if g and g != ("1" if int(idn[16]) % 2 else "2"):
                    flag("gender", "gender_mismatch")
                prev = seen["id_number"].get(idn)
                if prev:
                    flag("id_number", "duplicate")
                else:
                    seen["id_number"][idn] = rownum

        student = text("student_number")
        if student:
            student, wide = ascii_digits(student)
            if wide:
                notices.add(("student_number", "full_width"))
            if not re.fullmatch(r"[A-Za-z0-9_-]+", student):
                flag("student_number", "bad_format")
            key = student.upper()
            if key in seen["student_number"]:
                flag("student_number", "duplicate")
            else:
                seen["student_number"][key] = rownum

        exam = text("exam_number")
        if exam and not re.fullmatch(r"\d{14}", exam):
            flag("exam_number", "bad_format")
        sc = text("school_code")
        if sc and not re.fullmatch(r"\d{5}", sc):
            flag("school_code", "bad_format")
        mc = text("major_code")
        if mc and not re.fullmatch(r"[0-9A-Z]{4,10}", mc):
            flag("major_code", "bad_format")
        length = text("schooling_length")
        if length and not (1.5 <= float(length) <= 9.5 and (float(length) * 2).is_integer()):
            flag("schooling_length", "out_of_range")

        dates = {}
        for f in ("enrolment_date", "graduation_date"):
            v = values.get(f, [("", "")])[0][0]
            if v == "" or v is None:
                continue
            d, code = read_date(v)
            if d is None:
                flag(f, code)
            else:
                dates[f] = d
                if code:
                    notices.add((f, code))
        if len(dates) == 2 and dates["enrolment_date"] >= dates["graduation_date"]:
            flag("graduation_date", "bad_date")

        region = text("origin_region")
        if region:
            if not re.fullmatch(r"\d{6}", region):
                flag("origin_region", "bad_format")
            elif region not in regions:
                flag("origin_region", "unknown_region")
            elif not existed(regions, region, 2026):
                notices.add(("origin_region", "region_retired"))

        phone = text("phone")
        if phone:
            phone, wide = ascii_digits(phone)
            if wide:
                notices.add(("phone", "full_width"))
            if not re.fullmatch(r"1[3-9]\d{9}", phone):
                flag("phone", "bad_format")
        email = text("email")
        if email and not re.fullmatch(r"[A-Za-z0-9._-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", email):
            flag("email", "bad_format")
        name = text("name")
        if name and not all(ch.isalpha() or ch in "·•" for ch in name):
            flag("name", "bad_format")
        problems |= out
    return problems, notices, count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--regions", required=True)
    args = ap.parse_args()
    regions = load_regions(args.regions)

    key = {}
    for line in (HERE / "answers.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        file, row, field, what = line.split("\t")
        key.setdefault(file, []).append((row, field, what))

    failures = 0
    planted = 0
    for path in sorted((HERE / "files").iterdir()):
        lines = key.get(path.name, [])
        want_problems = {(int(r), "" if f == '""' else f, w) for r, f, w in lines if r.isdigit()}
        planted += len(want_problems)
        want_notices = {(f, w.split(":", 1)[1]) for r, f, w in lines if r == "*"}
        opts = {w.split(":", 1)[0]: w.split(":", 1)[1] for r, f, w in lines if r in ("opts", "sheet", "rows")}
        want_error = next((w.split(":", 1)[1] for r, f, w in lines if r == "-"), None)
        raw = path.read_bytes()
        errors = []
        got_error, sheet = None, None
        rows = cols = None
        try:
            if raw.startswith(b"PK\x03\x04"):
                sheets = read_xlsx(raw)
                for name, srows in sheets:
                    k, c = header_of(srows)
                    if c is not None:
                        sheet, rows, cols = name, srows[k + 1:], c
                        break
                if sheet != sheets[0][0] and opts.get("sheet") != sheet:
                    errors.append(f"roster on sheet {sheet!r}, key says {opts.get('sheet')!r}")
                if sheet == sheets[0][0] and "sheet" in opts:
                    errors.append("key names a sheet but the roster is the first one")
            else:
                all_rows = read_csv(raw, opts.get("encoding"))
                k, cols = header_of(all_rows)
                rows = all_rows[k + 1:]
        except UnicodeDecodeError:
            got_error = "roster_encoding"
        except Implausible:
            got_error = "roster_implausible_text"
        if got_error is None and rows is not None:
            problems, notices, count = check_rows(rows, cols, regions)
            if count == 0:
                got_error = "roster_no_rows"
        if got_error or want_error:
            if got_error != want_error:
                errors.append(f"error {got_error!r}, key says {want_error!r}")
        else:
            for p in sorted(want_problems - problems):
                errors.append(f"key line not found in the file: {p}")
            for p in sorted(problems - want_problems):
                errors.append(f"problem not in the key: {p}")
            for n in sorted(want_notices - notices):
                errors.append(f"expected notice not found: {n}")
            for n in sorted(n for n in notices - want_notices if n[1] in ("id_region_year", "region_retired")):
                errors.append(f"region notice in a file meant to have none: {n}")
            if int(opts.get("rows", -1)) != count:
                errors.append(f"{count} data rows, key says {opts.get('rows')}")
            planted_rows = {p[0] for p in want_problems}
            if len(planted_rows) != len(want_problems):
                errors.append("a row carries more than one planted problem")
        status = "ok" if not errors else "FAIL"
        print(f"{path.name}: {status} ({len(want_problems)} planted)")
        for e in errors:
            print(f"  {e}")
        failures += len(errors)
    print(f"planted problems: {planted}; differences: {failures}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
