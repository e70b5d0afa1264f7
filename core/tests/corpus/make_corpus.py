#!/usr/bin/env python3
"""Writes the roster test corpus (files/) and its answer key (answers.tsv).

The corpus imitates rosters (生源信息名单) as campus systems and provincial templates export them:
different headers, encodings, line ends, value spellings and workbook layouts. It is written here
with Python's csv module and openpyxl, independently of the library's own generator, and every
problem planted in it is listed in answers.tsv. See README.md beside this file.

Run with Python 3 and openpyxl (python3 -m venv /tmp/cvenv && /tmp/cvenv/bin/pip install
openpyxl; /tmp/cvenv/bin/python make_corpus.py). The output is the same bytes on every run.
"""

import copy
import csv
import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "data"
OUT = HERE / "files"
SEED = 20260630

# ---- code tables (read from the library's data files: they are the definition of the codes) ----


def read_table(name):
    """code -> name of core/data/<name>.tsv."""
    table = {}
    for line in (DATA / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        table[cols[0]] = cols[1]
    return table


LEVELS = read_table("education_levels")
MODES = read_table("training_modes")
ETHNICITIES = read_table("ethnicities")
POLITICAL = read_table("political_statuses")

# County-level codes (GB/T 2260) that existed under the same name every year from 1990 to now,
# so they are valid both in an ID number of anyone born since 1990 and as an origin region today.
COUNTIES = [
    ("320102", "玄武区"), ("320104", "秦淮区"), ("320105", "建邺区"), ("320106", "鼓楼区"),
    ("320111", "浦口区"), ("320113", "栖霞区"), ("320282", "宜兴市"), ("320583", "昆山市"),
    ("110101", "东城区"), ("110102", "西城区"), ("110105", "朝阳区"), ("110108", "海淀区"),
    ("120101", "和平区"), ("310104", "徐汇区"), ("310110", "杨浦区"), ("330102", "上城区"),
    ("330106", "西湖区"), ("350203", "思明区"), ("370102", "历下区"), ("370202", "市南区"),
    ("410105", "金水区"), ("420106", "武昌区"), ("420111", "洪山区"), ("440104", "越秀区"),
    ("440106", "天河区"), ("510104", "锦江区"), ("510107", "武侯区"), ("610113", "雁塔区"),
    ("210102", "和平区"), ("220102", "南关区"), ("230102", "道里区"), ("360102", "东湖区"),
    ("530102", "五华区"), ("620102", "城关区"), ("650102", "天山区"), ("130102", "长安区"),
]
# Codes that never named any region (their province exists, the county does not).
NEVER_REGIONS = ["329999", "119999", "449999", "330199", "510199"]

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤") + ["欧阳", "司马", "上官"]
GIVEN_M = list("伟强磊军洋勇杰涛明超斌浩鹏宇飞鑫博文俊凯辉健华翔晨昊然轩睿泽宁远航峰志子豪皓辰逸")
GIVEN_F = list("芳娜敏静丽艳娟霞婷雪慧莹颖琳洁佳欣怡悦彤萱琪璐瑶婧晴露玥诗涵梦雨思语可馨月")
UYGHUR_M = ["艾尔肯·吾斯曼", "阿卜杜拉·艾力", "买买提·吐尔逊", "努尔兰·别克", "伊力哈木·热合曼", "艾克拜尔·阿不都"]
UYGHUR_F = ["古丽娜尔·买买提", "迪丽热巴·吐尔逊", "热依拉·阿不都", "阿依古丽·努尔兰", "帕提古丽·艾力", "米热古丽·吾守尔"]

# Catalogue: level -> [(college, major code, major name, schooling years, enrolment year)].
MAJORS = {
    "31": [
        ("计算机科学与技术学院", "080901", "计算机科学与技术", "4", 2022),
        ("商学院", "120203K", "会计学", "4", 2022),
        ("经济学院", "020101", "经济学", "4", 2022),
        ("法学院", "030101K", "法学", "4", 2022),
        ("外国语学院", "050201", "英语", "4", 2022),
        ("数学学院", "070101", "数学与应用数学", "4", 2022),
        ("电子科学与工程学院", "080703", "通信工程", "4", 2022),
        ("新闻传播学院", "050301", "新闻学", "4", 2022),
        ("建筑学院", "082801", "建筑学", "5", 2021),
    ],
    "11": [
        ("计算机科学与技术学院", "081200", "计算机科学与技术", "3", 2023),
        ("电子科学与工程学院", "085400", "电子信息", "3", 2023),
        ("商学院", "125300", "会计", "2", 2024),
        ("经济学院", "025100", "金融", "2", 2024),
        ("法学院", "035101", "法律（非法学）", "3", 2023),
        ("数学学院", "070101", "基础数学", "3", 2023),
    ],
    "01": [
        ("计算机科学与技术学院", "081200", "计算机科学与技术", "4", 2022),
        ("数学学院", "070101", "基础数学", "4", 2022),
        ("化学化工学院", "070303", "有机化学", "4", 2022),
        ("经济学院", "020204", "金融学", "4", 2022),
    ],
}
BIRTH_YEARS = {"31": (2002, 2004), "11": (1997, 2001), "01": (1992, 1997)}
PHONE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                  "152", "155", "157", "158", "159", "166", "177", "180", "181", "182", "186",
                  "187", "188", "189", "191", "198", "199"]


def id_check(first17):
    """The GB 11643 check character of the first 17 digits."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


class Person:
    """One graduate, every field in canonical form (codes, dates as datetime.date)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


class Maker:
    """Draws valid graduates for one school; ID numbers, student numbers and phones unique."""

    def __init__(self, rng, school_code, school_name, domain, student_pattern):
        self.rng = rng
        self.school_code = school_code
        self.school_name = school_name
        self.domain = domain
        self.student_pattern = student_pattern
        self.ids = set()
        self.students = set()
        self.phones = set()
        self.serial = 0

    def name(self, gender, eth):
        r = self.rng
        if eth in ("05", "17"):
            return r.choice(UYGHUR_M if gender == "1" else UYGHUR_F)
        given = GIVEN_M if gender == "1" else GIVEN_F
        n = r.choice([1, 2, 2, 2])
        return r.choice(SURNAMES) + "".join(r.choice(given) for _ in range(n))

    def person(self, level, eth=None, rare_name=None):
        r = self.rng
        gender = r.choice("12")
        if eth is None:
            eth = r.choices(["01", "03", "08", "11", "06", "02"], [88, 3, 3, 2, 2, 2])[0]
        college, major_code, major_name, length, enrol_year = r.choice(MAJORS[level])
        lo, hi = BIRTH_YEARS[level]
        birth = dt.date(r.randint(lo, hi), 1, 1) + dt.timedelta(days=r.randint(0, 364))
        county = r.choice(COUNTIES)[0]
        while True:
            digit = r.choice("13579" if gender == "1" else "02468")
            first17 = f"{county}{birth:%Y%m%d}{r.randint(0, 99):02d}{digit}"
            idn = first17 + id_check(first17)
            if idn not in self.ids:
                self.ids.add(idn)
                break
        self.serial += 1
        while True:
            student = self.student_pattern(r, level, enrol_year, self.serial)
            if student not in self.students:
                self.students.add(student)
                break
        while True:
            phone = r.choice(PHONE_PREFIXES) + f"{r.randint(0, 99999999):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                break
        years = float(length)
        grad = dt.date(enrol_year + int(years + 0.5), 6, r.randint(20, 30))
        enrol = dt.date(enrol_year, 9, r.randint(1, 8))
        origin = county if level == "31" or r.random() < 0.5 else r.choice(COUNTIES)[0]
        pol_weights = {"31": [30, 8, 60, 2], "11": [40, 5, 45, 10], "01": [60, 5, 10, 25]}[level]
        return Person(
            name=rare_name or self.name(gender, eth),
            gender=gender,
            id=idn,
            birth=birth,
            exam=f"{enrol_year % 100:02d}{county[:2]}{r.randint(0, 9999999999):010d}",
            student=student,
            school_code=self.school_code,
            school_name=self.school_name,
            college=college,
            major_code=major_code,
            major_name=major_name,
            level=level,
            mode="1" if level == "31" else r.choices(["1", "2"], [85, 15])[0],
            length=length,
            enrol=enrol,
            grad=grad,
            origin=origin,
            eth=eth,
            pol=r.choices(["01", "02", "03", "13"], pol_weights)[0],
            phone=phone,
            email=f"{student.lower()}@{self.domain}",
        )


# ---- value spellings ----

def ymd(d):
    return f"{d:%Y%m%d}"


def ym(d):
    return f"{d:%Y%m}"


def iso(d):
    return f"{d:%Y-%m-%d}"


def dash_short(d):
    return f"{d.year}-{d.month}-{d.day}"


def slash(d):
    return f"{d:%Y/%m/%d}"


def slash_short(d):
    return f"{d.year}/{d.month}/{d.day}"


def dotted(d):
    return f"{d:%Y.%m.%d}"


def chinese_date(d):
    return f"{d.year}年{d.month}月{d.day}日"


def gender_word(p):
    return "男" if p.gender == "1" else "女"


def gender_word_long(p):
    return "男性" if p.gender == "1" else "女性"


def unpad(code):
    """A code as a spreadsheet leaves it after treating it as a number: `01` -> `1`."""
    return str(int(code))


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def excel_serial(d):
    return (d - dt.date(1899, 12, 30)).days


# ---- the answer key ----

class Key:
    def __init__(self):
        self.lines = []

    def problem(self, file, row, field, code):
        self.lines.append((file, str(row), field or '""', code))

    def notice(self, file, field, code):
        self.lines.append((file, "*", field, f"notice:{code}"))

    def error(self, file, name):
        self.lines.append((file, "-", "-", f"error:{name}"))

    def sheet(self, file, name):
        self.lines.append((file, "sheet", "-", f"sheet:{name}"))

    def encoding(self, file, name):
        self.lines.append((file, "opts", "-", f"encoding:{name}"))

    def rows(self, file, n):
        self.lines.append((file, "rows", "-", f"rows:{n}"))

    def write(self, path):
        order = {"opts": 0, "sheet": 1, "rows": 2, "-": 3, "*": 5}

        def sort_key(line):
            file, row = line[0], line[1]
            if row.isdigit():
                return (file, 4, int(row), line[2], line[3])
            return (file, order[row], 0, line[2], line[3])

        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("# Answer key of the roster corpus (see README.md): file, row, field, expectation.\n")
            f.write("# Written by make_corpus.py; do not edit by hand.\n")
            for line in sorted(self.lines, key=sort_key):
                f.write("\t".join(line) + "\n")


# ---- planting ----

class Sheet:
    """The rows of one roster (people, then cells) with the problems planted into them."""

    def __init__(self, name, rng, columns, people):
        self.name = name
        self.rng = rng
        self.columns = columns  # [(header, renderer(person) -> value)]
        self.people = people
        self.overrides = {}  # index -> {header: value}
        self.planted = {}  # index -> [(field, code)]
        self.sources = set()

    def headers(self):
        return [h for h, _ in self.columns]

    def pick(self, pred=None, min_index=0):
        """A data row index with nothing planted yet (and not a duplicate's source)."""
        candidates = [
            i for i in range(min_index, len(self.people))
            if i not in self.planted and i not in self.sources
            and (pred is None or pred(self.people[i]))
        ]
        return self.rng.choice(candidates)

    def plant(self, field, code, pred=None, person=None, cells=None, min_index=0):
        """Plants one problem on a fresh row: `person(p)` changes the graduate, `cells` (a dict
        header -> value, or a function of the graduate giving one) overrides written cells."""
        i = self.pick(pred, min_index)
        if person is not None:
            q = copy.copy(self.people[i])
            person(q)
            self.people[i] = q
        if cells is not None:
            self.overrides[i] = cells(self.people[i]) if callable(cells) else dict(cells)
        self.planted[i] = [(field, code)]
        return i

    def duplicate(self, field):
        """Plants a repeated ID number (the same graduate entered twice under another student
        number) or a repeated student number (two graduates), on a later row."""
        i = self.pick(min_index=len(self.people) // 3)
        src_choices = [j for j in range(i) if j not in self.planted and j not in self.sources]
        j = self.rng.choice(src_choices)
        self.sources.add(j)
        q = copy.copy(self.people[i])
        s = self.people[j]
        if field == "id_number":
            q.id, q.gender, q.birth = s.id, s.gender, s.birth
            q.name = s.name
        else:
            q.student = s.student
        self.people[i] = q
        self.planted[i] = [(field, "duplicate")]
        return i

    def rows(self):
        out = []
        for i, p in enumerate(self.people):
            cells = {h: render(p) for h, render in self.columns}
            cells.update(self.overrides.get(i, {}))
            out.append([cells[h] for h in self.headers()])
        return out

    def record(self, key, first_row):
        """Writes the planted problems into the key; `first_row` is the sheet row of person 0."""
        for i, problems in sorted(self.planted.items()):
            for field, code in problems:
                key.problem(self.name, first_row + i, field, code)
        key.rows(self.name, len(self.people))


def flip_gender(p):
    p.gender = "2" if p.gender == "1" else "1"


def break_check(p):
    right = p.id[17]
    wrong = "0123456789X".replace(right, "")
    p.id = p.id[:17] + wrong[(int(p.id[14:16]) + 3) % len(wrong)]


def enrol_after_grad(p):
    p.enrol = dt.date(p.grad.year, 9, 1)


def make_people(maker, n, levels):
    r = maker.rng
    return [maker.person(r.choice(levels)) for _ in range(n)]


# ---- writers ----

def write_csv(path, rows, encoding, line_end="\r\n", delimiter=","):
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        w.writerow(["" if v is None else str(v) for v in row])
    data = buf.getvalue()
    if encoding == "utf-8-sig":
        raw = b"\xef\xbb\xbf" + data.encode("utf-8")
    else:
        raw = data.encode(encoding)
    path.write_bytes(raw)
    return raw


FIXED_TIME = dt.datetime(2026, 3, 2, 9, 0, 0)


SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def to_shared_strings(parts):
    """Moves the inline strings openpyxl writes into a shared-string table, as Excel itself
    stores text (exports of web systems often keep inline strings)."""
    strings, index = [], {}

    def shared(m):
        text = m.group(3)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return f'<c{m.group(1)} t="s"{m.group(2)}><v>{index[text]}</v></c>'

    count = 0
    for name in sorted(parts):
        if name.startswith("xl/worksheets/sheet"):
            text = parts[name].decode("utf-8")
            text, n = re.subn(r'<c([^>]*?) t="inlineStr"([^>]*)><is><t[^>]*>(.*?)</t></is></c>',
                              shared, text)
            count += n
            parts[name] = text.encode("utf-8")
    items = "".join(f"<si><t>{t}</t></si>" for t in strings)
    parts["xl/sharedStrings.xml"] = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{count}" uniqueCount="{len(strings)}">{items}</sst>').encode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>",
        f'<Relationship Type="{SST_TYPE}" Target="sharedStrings.xml" Id="rIdSst" /></Relationships>',
    ).encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    parts["[Content_Types].xml"] = types.replace(
        "</Types>",
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_CONTENT}" /></Types>',
    ).encode("utf-8")


def save_workbook(wb, path, shared_strings=False):
    """Saves a workbook with fixed timestamps (in the properties and the zip entries), so that
    the bytes are the same on every run; with `shared_strings`, text as Excel stores it."""
    wb.properties.creator = "教务系统"
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    names = [info.filename for info in src.infolist()]
    parts = {name: src.read(name) for name in names}
    if shared_strings:
        to_shared_strings(parts)
        names.append("xl/sharedStrings.xml")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            data = parts[name]
            if name == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              r"\g<1>2026-03-02T09:00:00Z\g<2>", text)
                data = text.encode("utf-8")
            fixed = zipfile.ZipInfo(name, date_time=(2026, 3, 2, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())


# ---- the files ----

def f01_province_template_gbk(rng, key):
    """A provincial upload template saved by Excel on Chinese Windows (GBK): 序号 and 备注 columns,
    words for gender, ethnicity, political status, level and training mode; YYYYMM dates."""
    name = "01_province_template_gbk.csv"
    m = Maker(rng, "10284", "南京大学", "smail.nju.edu.cn",
              lambda r, lv, y, n: f"{y % 100:02d}{r.randint(1, 39):02d}{n:04d}")
    people = make_people(m, 120, ["31"])
    remarks = ["", "", "", "", "", "", "", "", "转专业", "辅修双学位", "延期一年", "少数民族预科"]
    cols = [
        ("序号", None),
        ("姓名", lambda p: p.name),
        ("性别", gender_word),
        ("身份证件号码", lambda p: p.id),
        ("考生号", lambda p: p.exam),
        ("学号", lambda p: p.student),
        ("院校代码", lambda p: p.school_code),
        ("院校名称", lambda p: p.school_name),
        ("所在院系", lambda p: p.college),
        ("专业代码", lambda p: p.major_code),
        ("专业名称", lambda p: p.major_name),
        ("学历层次", lambda p: LEVELS[p.level]),
        ("培养方式", lambda p: MODES[p.mode]),
        ("学制", lambda p: p.length),
        ("入学时间", lambda p: ym(p.enrol)),
        ("毕业时间", lambda p: ym(p.grad)),
        ("生源所在地", lambda p: p.origin),
        ("民族", lambda p: ETHNICITIES[p.eth]),
        ("政治面貌", lambda p: POLITICAL[p.pol]),
        ("联系电话", lambda p: p.phone),
        ("电子邮箱", lambda p: p.email),
        ("备注", lambda p: rng.choice(remarks)),
    ]
    s = Sheet(name, rng, [(h, f or (lambda p: "")) for h, f in cols], people)
    s.plant("id_number", "bad_check_character", person=break_check)
    s.plant("gender", "gender_mismatch", person=flip_gender)
    s.plant("ethnicity", "unknown_code", cells={"民族": "火星族"})
    s.plant("enrolment_date", "bad_date", cells={"入学时间": "202213"})
    s.plant("graduation_date", "bad_date", person=enrol_after_grad)
    s.plant("name", "required", cells={"姓名": ""})
    s.plant("phone", "bad_format", cells=lambda p: {"联系电话": p.phone[:10]})
    s.plant("id_number", "scientific_notation", cells={"身份证件号码": "4.40106E+17"})
    s.plant("origin_region", "unknown_region", person=lambda p: setattr(p, "origin", "329999"))
    rows = s.rows()
    for i, row in enumerate(rows):
        row[0] = str(i + 1)
    write_csv(OUT / name, [s.headers()] + rows, "gbk")
    s.record(key, 2)
    for field in ("ethnicity", "political_status", "education_level", "training_mode"):
        key.notice(name, field, "code_from_name")
    key.notice(name, "gender", "gender_word")
    key.notice(name, "enrolment_date", "date_form")
    key.notice(name, "graduation_date", "date_form")


def f02_title_row_bom(rng, key):
    """A school's own template saved as "CSV UTF-8" (with a byte-order mark): a title row and a
    filler row above the header, `*` required markers, full-width brackets with notes, a space
    inside a header, a birth-date column, codes without and with leading zeros, YYYY-M-D dates."""
    name = "02_title_row_bom.csv"
    m = Maker(rng, "10286", "东南大学", "seu.edu.cn",
              lambda r, lv, y, n: f"{'21' if lv == '31' else '22'}{y % 100:02d}{n:05d}")
    people = make_people(m, 80, ["31", "31", "11"])
    cols = [
        ("序号", lambda p: ""),
        ("*姓名（必填）", lambda p: p.name),
        ("*性别代码", lambda p: "0" + p.gender),
        ("*身份证 号", lambda p: p.id),
        ("出生日期(格式:YYYYMMDD)", lambda p: ymd(p.birth)),
        ("*学号", lambda p: p.student),
        ("*院校代码", lambda p: p.school_code),
        ("*院校名称", lambda p: p.school_name),
        ("*院系名称", lambda p: p.college),
        ("*专业代码", lambda p: p.major_code),
        ("*专业名称", lambda p: p.major_name),
        ("*学历代码", lambda p: p.level),
        ("入学日期", lambda p: dash_short(p.enrol)),
        ("*毕业日期", lambda p: dash_short(p.grad)),
        ("生源地区代码", lambda p: p.origin),
        ("民族代码", lambda p: unpad(p.eth)),
        ("政治面貌代码", lambda p: unpad(p.pol)),
        ("手机号码", lambda p: p.phone),
        ("电子邮箱", lambda p: p.email),
        ("备注", lambda p: ""),
    ]
    s = Sheet(name, rng, cols, people)
    s.plant("education_level", "unknown_code", cells={"*学历代码": "21"})
    s.plant("political_status", "unknown_code", cells={"政治面貌代码": "15"})
    s.plant("graduation_date", "bad_date", person=enrol_after_grad)
    s.duplicate("id_number")
    rows = s.rows()
    for i, row in enumerate(rows):
        row[0] = str(i + 1)
    width = len(cols)
    title = ["2026届毕业生生源信息"] + [""] * (width - 1)
    filler = ["填报单位：东南大学（盖章）", "", "", "", "", "填报日期：2026年3月2日"] + [""] * (width - 6)
    write_csv(OUT / name, [title, filler, s.headers()] + rows, "utf-8-sig")
    s.record(key, 4)
    key.notice(name, "gender", "code_padding")
    key.notice(name, "ethnicity", "code_padding")
    key.notice(name, "political_status", "code_padding")
    key.notice(name, "enrolment_date", "date_form")
    key.notice(name, "graduation_date", "date_form")


def f03_pinyin_export(rng, key):
    """A student-information system export: pinyin-initial headers, codes, YYYYMMDD dates,
    UTF-8 without a byte-order mark, LF line ends."""
    name = "03_pinyin_export.csv"
    m = Maker(rng, "10001", "北京大学", "stu.pku.edu.cn",
              lambda r, lv, y, n: f"{'1' if lv == '31' else '2'}{y % 100:02d}{r.randint(0, 9)}{n:06d}")
    people = make_people(m, 150, ["31", "31", "11", "01"])
    cols = [
        ("xh", lambda p: p.student),
        ("xm", lambda p: p.name),
        ("xb", lambda p: p.gender),
        ("sfzh", lambda p: p.id),
        ("ksh", lambda p: p.exam),
        ("yxdm", lambda p: p.school_code),
        ("yxmc", lambda p: p.school_name),
        ("yxsmc", lambda p: p.college),
        ("zydm", lambda p: p.major_code),
        ("zymc", lambda p: p.major_name),
        ("xldm", lambda p: p.level),
        ("pyfs", lambda p: p.mode),
        ("xz", lambda p: p.length),
        ("rxrq", lambda p: ymd(p.enrol)),
        ("byrq", lambda p: ymd(p.grad)),
        ("syszddm", lambda p: p.origin),
        ("mzdm", lambda p: p.eth),
        ("zzmmdm", lambda p: p.pol),
        ("sjhm", lambda p: p.phone),
        ("dzyx", lambda p: p.email),
    ]
    s = Sheet(name, rng, cols, people)
    s.plant("id_number", "bad_check_character", person=break_check)
    s.plant("gender", "gender_mismatch", person=flip_gender)
    s.plant("political_status", "unknown_code", cells={"zzmmdm": "14"})
    s.plant("enrolment_date", "bad_date", cells={"rxrq": "20240231"})
    s.plant("id_number", "scientific_notation", cells={"sfzh": "3.20102E+17"})
    s.plant("origin_region", "unknown_region", person=lambda p: setattr(p, "origin", "119999"))
    s.duplicate("id_number")
    s.duplicate("student_number")
    rows = s.rows()
    write_csv(OUT / name, [s.headers()] + rows, "utf-8", line_end="\n")
    s.record(key, 2)
    key.notice(name, "enrolment_date", "date_form")
    key.notice(name, "graduation_date", "date_form")


def f04_english_headers(rng, key):
    """An export with English headers (a campus system's English interface): codes, ISO dates,
    and a few dates typed day/month/year that read as two different days."""
    name = "04_english_headers.csv"
    m = Maker(rng, "10335", "浙江大学", "zju.edu.cn",
              lambda r, lv, y, n: f"{'3' if lv == '31' else '2'}{y % 100:02d}{r.randint(10, 99)}{n:05d}")
    people = make_people(m, 60, ["31", "11"])
    cols = [
        ("No.", lambda p: ""),
        ("Name", lambda p: p.name),
        ("Gender", lambda p: p.gender),
        ("ID Number", lambda p: p.id),
        ("Student ID", lambda p: p.student),
        ("School Code", lambda p: p.school_code),
        ("School Name", lambda p: p.school_name),
        ("College", lambda p: p.college),
        ("Major Code", lambda p: p.major_code),
        ("Major", lambda p: p.major_name),
        ("Education Level", lambda p: p.level),
        ("Enrollment Date", lambda p: iso(p.enrol)),
        ("Graduation Date", lambda p: iso(p.grad)),
        ("Origin Region", lambda p: p.origin),
        ("Ethnicity", lambda p: p.eth),
        ("Political Status", lambda p: p.pol),
        ("Mobile", lambda p: p.phone),
        ("Email", lambda p: p.email),
    ]
    s = Sheet(name, rng, cols, people)
    for _ in range(3):
        # 1 September written day first: 01/09/2022 is also 9 January.
        s.plant("enrolment_date", "ambiguous",
                cells=lambda p: {"Enrollment Date": f"{p.enrol.day:02d}/09/{p.enrol.year}"})
    # 6 July or 7 June, both after enrolment and both plausible.
    s.plant("graduation_date", "ambiguous", cells={"Graduation Date": "06/07/2026"})
    s.plant("education_level", "unknown_code", cells={"Education Level": "51"})
    s.plant("graduation_date", "bad_date", person=enrol_after_grad)
    s.plant("student_number", "required", cells={"Student ID": ""})
    s.plant("phone", "bad_format", cells=lambda p: {"Mobile": p.phone[:10]})
    rows = s.rows()
    for i, row in enumerate(rows):
        row[0] = str(i + 1)
    write_csv(OUT / name, [s.headers()] + rows, "utf-8")
    s.record(key, 2)


def f05_code_name_pairs(rng, key):
    """A national-system style export with a code column and a name column side by side for
    gender, ethnicity, political status, education level and training mode; YYYY.MM.DD dates."""
    name = "05_code_name_pairs.csv"
    m = Maker(rng, "10558", "中山大学", "mail2.sysu.edu.cn",
              lambda r, lv, y, n: f"{y % 100:02d}{r.randint(31, 39)}{n:04d}")
    people = make_people(m, 70, ["31", "11", "11"])
    cols = [
        ("姓名", lambda p: p.name),
        ("性别代码", lambda p: p.gender),
        ("性别", gender_word),
        ("身份证号码", lambda p: p.id),
        ("学号", lambda p: p.student),
        ("学校代码", lambda p: p.school_code),
        ("学校名称", lambda p: p.school_name),
        ("学院", lambda p: p.college),
        ("专业代码", lambda p: p.major_code),
        ("专业名称", lambda p: p.major_name),
        ("学历代码", lambda p: p.level),
        ("学历", lambda p: LEVELS[p.level]),
        ("培养方式代码", lambda p: p.mode),
        ("培养方式", lambda p: MODES[p.mode]),
        ("入学日期", lambda p: dotted(p.enrol)),
        ("毕业日期", lambda p: dotted(p.grad)),
        ("生源地代码", lambda p: p.origin),
        ("民族代码", lambda p: p.eth),
        ("民族", lambda p: ETHNICITIES[p.eth]),
        ("政治面貌代码", lambda p: p.pol),
        ("政治面貌", lambda p: POLITICAL[p.pol]),
        ("手机号码", lambda p: p.phone),
        ("电子邮箱", lambda p: p.email),
    ]
    s = Sheet(name, rng, cols, people)
    # The code column agrees with the rest of the row (the ID number's gender digit); the name
    # column beside it does not.
    s.plant("gender", "code_name_mismatch", pred=lambda p: p.gender == "1", cells={"性别": "女"})
    s.plant("ethnicity", "code_name_mismatch", pred=lambda p: p.eth == "01", cells={"民族": "回族"})
    s.plant("political_status", "code_name_mismatch", pred=lambda p: p.pol == "03",
            cells={"政治面貌": "中共党员"})
    s.plant("education_level", "code_name_mismatch", pred=lambda p: p.level == "11",
            cells={"学历": "本科生毕业"})
    s.plant("enrolment_date", "bad_date", pred=lambda p: p.level == "11",
            cells={"入学日期": "2023.02.29"})
    s.plant("phone", "bad_format", cells=lambda p: {"手机号码": p.phone[:10]})
    s.duplicate("id_number")
    write_csv(OUT / name, [s.headers()] + s.rows(), "utf-8")
    s.record(key, 2)
    key.notice(name, "enrolment_date", "date_form")
    key.notice(name, "graduation_date", "date_form")


def f06_mac_cr(rng, key):
    """Saved as "CSV (Macintosh)": carriage returns alone end the lines. Words for gender, level
    (培养层次), ethnicity and political status; dates as YYYY年M月D日."""
    name = "06_mac_cr.csv"
    m = Maker(rng, "10610", "四川大学", "stu.scu.edu.cn",
              lambda r, lv, y, n: f"{y}{r.randint(22, 23)}{r.randint(1000, 4999)}{n:02d}")
    people = make_people(m, 50, ["11", "11", "01"])
    cols = [
        ("姓名", lambda p: p.name),
        ("性别", gender_word),
        ("身份证号", lambda p: p.id),
        ("学号", lambda p: p.student),
        ("院校代码", lambda p: p.school_code),
        ("院校名称", lambda p: p.school_name),
        ("学院名称", lambda p: p.college),
        ("专业代码", lambda p: p.major_code),
        ("专业名称", lambda p: p.major_name),
        ("培养层次", lambda p: LEVELS[p.level]),
        ("入学时间", lambda p: chinese_date(p.enrol)),
        ("毕业时间", lambda p: chinese_date(p.grad)),
        ("生源地区代码", lambda p: p.origin),
        ("民族", lambda p: ETHNICITIES[p.eth]),
        ("政治面貌", lambda p: POLITICAL[p.pol]),
        ("联系电话", lambda p: p.phone),
        ("电子邮箱", lambda p: p.email),
    ]
    s = Sheet(name, rng, cols, people)
    s.plant("id_number", "bad_check_character", person=break_check)
    s.plant("gender", "gender_mismatch", person=flip_gender)
    s.plant("ethnicity", "unknown_code", cells={"民族": "穿青人"})
    s.plant("graduation_date", "bad_date", cells={"毕业时间": "2026年6月31日"})
    s.plant("major_code", "required", cells={"专业代码": ""})
    s.plant("origin_region", "unknown_region", person=lambda p: setattr(p, "origin", "449999"))
    s.duplicate("student_number")
    write_csv(OUT / name, [s.headers()] + s.rows(), "utf-8", line_end="\r")
    s.record(key, 2)
    key.notice(name, "gender", "gender_word")
    for field in ("ethnicity", "political_status", "education_level"):
        key.notice(name, field, "code_from_name")
    key.notice(name, "enrolment_date", "date_form")
    key.notice(name, "graduation_date", "date_form")


def f07_tab_separated(rng, key):
    """Tab-separated text copied out of a web page (.txt): 男性/女性, names for codes, YYYY/MM/DD
    dates, full-width digits typed by an input method in some phone and student numbers."""
    name = "07_tab_separated.txt"
    m = Maker(rng, "10486", "武汉大学", "whu.edu.cn",
              lambda r, lv, y, n: f"{y}30{r.randint(1000, 9999)}{n:03d}")
    people = make_people(m, 90, ["31"])
    wide_phone = set(rng.sample(range(90), 10))
    wide_student = set(rng.sample(range(90), 5))
    cols = [
        ("序号", lambda p: ""),
        ("学号", lambda p: p.student),
        ("姓名", lambda p: p.name),
        ("性别", gender_word_long),
        ("身份证号", lambda p: p.id),
        ("院校代码", lambda p: p.school_code),
        ("院校名称", lambda p: p.school_name),
        ("院系", lambda p: p.college),
        ("专业代码", lambda p: p.major_code),
        ("专业", lambda p: p.major_name),
        ("学历", lambda p: LEVELS[p.level]),
        ("培养方式", lambda p: MODES[p.mode]),
        ("学制", lambda p: p.length),
        ("入学日期", lambda p: slash(p.enrol)),
        ("毕业日期", lambda p: slash(p.grad)),
        ("生源地", lambda p: p.origin),
        ("民族", lambda p: ETHNICITIES[p.eth]),
        ("政治面貌", lambda p: POLITICAL[p.pol]),
        ("手机号", lambda p: p.phone),
        ("邮箱", lambda p: p.email),
    ]
    s = Sheet(name, rng, cols, people)
    s.plant("gender", "gender_mismatch", person=flip_gender)
    s.plant("political_status", "unknown_code", cells={"政治面貌": "中共团员"})
    s.plant("enrolment_date", "bad_date", cells={"入学日期": "2022/09/31"})
    s.plant("phone", "bad_format", cells=lambda p: {"手机号": p.phone[:10]})
    s.duplicate("id_number")
    rows = s.rows()
    h = s.headers()
    for i, row in enumerate(rows):
        row[0] = str(i + 1)
        if i in wide_phone and i not in s.planted:
            row[h.index("手机号")] = row[h.index("手机号")].translate(FULL_WIDTH)
        if i in wide_student and i not in s.planted and i not in s.sources:
            row[h.index("学号")] = row[h.index("学号")].translate(FULL_WIDTH)
    write_csv(OUT / name, [h] + rows, "utf-8", line_end="\r\n", delimiter="\t")
    s.record(key, 2)
    key.notice(name, "gender", "gender_word")
    key.notice(name, "phone", "full_width")
    key.notice(name, "student_number", "full_width")
    for field in ("ethnicity", "political_status", "education_level", "training_mode"):
        key.notice(name, field, "code_from_name")
    key.notice(name, "enrolment_date", "date_form")
    key.notice(name, "graduation_date", "date_form")


def f08_instructions_first(rng, key):
    """A downloaded XLSX template: the instructions sheet (填写说明, with a table of the columns)
    comes first and the roster is on the second sheet, under a merged title row. Every cell is
    text, dates YYYYMMDD."""
    name = "08_instructions_first.xlsx"
    m = Maker(rng, "10246", "复旦大学", "m.fudan.edu.cn",
              lambda r, lv, y, n: f"{y % 100:02d}{'3' if lv == '31' else '2'}{r.randint(10, 99)}{n:05d}")
    people = make_people(m, 100, ["31", "31", "11"])
    cols = [
        ("序号", lambda p: ""),
        ("*姓名", lambda p: p.name),
        ("*性别", gender_word),
        ("*身份证号", lambda p: p.id),
        ("*学号", lambda p: p.student),
        ("*院校代码", lambda p: p.school_code),
        ("*院校名称", lambda p: p.school_name),
        ("*学院", lambda p: p.college),
        ("*专业代码", lambda p: p.major_code),
        ("*专业名称", lambda p: p.major_name),
        ("*学历代码", lambda p: p.level),
        ("入学日期", lambda p: ymd(p.enrol)),
        ("*毕业日期", lambda p: ymd(p.grad)),
        ("生源所在地代码", lambda p: p.origin),
        ("民族代码", lambda p: p.eth),
        ("政治面貌代码", lambda p: p.pol),
        ("手机号码", lambda p: p.phone),
        ("电子邮箱", lambda p: p.email),
    ]
    s = Sheet(name, rng, cols, people)
    s.plant("id_number", "bad_check_character", person=break_check)
    s.plant("gender", "gender_mismatch", person=flip_gender)
    s.plant("graduation_date", "bad_date", person=enrol_after_grad)
    s.plant("graduation_date", "required", cells={"*毕业日期": ""})
    s.plant("id_number", "scientific_notation", cells={"*身份证号": "3.10104E+17"})
    rows = s.rows()
    for i, row in enumerate(rows):
        row[0] = str(i + 1)

    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "填写说明"
    info["A1"] = "2026届毕业生生源信息填写说明"
    info["A1"].font = Font(bold=True, size=14)
    notes = [
        "1. 带*号的列为必填项，请勿修改表头、增删列或调整列的顺序。",
        "2. 请在“生源信息”工作表中填写，一人一行，不要合并单元格。",
        "3. 身份证号、学号、手机号码等列请先将单元格格式设置为“文本”，以免变成科学计数法。",
        "4. 代码类字段请按代码表填写代码。",
    ]
    for i, note in enumerate(notes, start=3):
        info.cell(row=i, column=1, value=note)
    info.cell(row=8, column=1, value="字段")
    info.cell(row=8, column=2, value="填写要求")
    for i, (field, rule) in enumerate([
        ("姓名", "与身份证件一致"),
        ("性别", "男 / 女"),
        ("身份证号", "18位，末位X大写"),
        ("学历代码", "01 博士生毕业；11 硕士生毕业；31 本科生毕业"),
        ("毕业日期", "YYYYMMDD，如20260630"),
        ("生源所在地代码", "6位行政区划代码"),
    ], start=9):
        info.cell(row=i, column=1, value=field)
        info.cell(row=i, column=2, value=rule)

    ws = wb.create_sheet("生源信息")
    width = len(cols)
    ws.cell(row=1, column=1, value="复旦大学2026届毕业生生源信息").font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for c, h in enumerate(s.headers(), start=1):
        ws.cell(row=2, column=c, value=h).font = Font(bold=True)
    for r, row in enumerate(rows, start=3):
        for c, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=v if v != "" else None)
            cell.number_format = "@"
    save_workbook(wb, OUT / name, shared_strings=True)
    s.record(key, 3)
    key.sheet(name, "生源信息")
    key.notice(name, "gender", "gender_word")
    key.notice(name, "enrolment_date", "date_form")
    key.notice(name, "graduation_date", "date_form")


def f09_excel_native(rng, key):
    """A workbook typed into Excel by hand: student numbers, codes and phones are number cells,
    dates are date cells (a few enrolment dates lost their format and show the serial number),
    two ID numbers were typed into number cells; a code column beside a name column for gender."""
    name = "09_excel_native.xlsx"
    m = Maker(rng, "10248", "上海交通大学", "sjtu.edu.cn",
              lambda r, lv, y, n: f"{'5' if lv == '31' else '1'}{y % 100:02d}{r.randint(10, 99)}{r.randint(0, 9)}{n:06d}")
    people = make_people(m, 80, ["31", "11"])
    cols = [
        ("学号", lambda p: int(p.student)),
        ("姓名", lambda p: p.name),
        ("性别代码", lambda p: int(p.gender)),
        ("性别", gender_word),
        ("身份证号", lambda p: p.id),
        ("院校代码", lambda p: int(p.school_code)),
        ("院校名称", lambda p: p.school_name),
        ("学院", lambda p: p.college),
        ("专业代码", lambda p: p.major_code),
        ("专业名称", lambda p: p.major_name),
        ("学历代码", lambda p: int(p.level)),
        ("学制", lambda p: int(p.length)),
        ("入学日期", lambda p: p.enrol),
        ("毕业日期", lambda p: p.grad),
        ("生源地代码", lambda p: int(p.origin)),
        ("民族代码", lambda p: int(p.eth)),
        ("政治面貌代码", lambda p: int(p.pol)),
        ("手机号码", lambda p: int(p.phone)),
        ("电子邮箱", lambda p: p.email),
    ]
    s = Sheet(name, rng, cols, people)
    # An 18-digit number keeps 15 significant digits in Excel.
    for prefix in ("32", "11"):
        s.plant("id_number", "scientific_notation", pred=lambda p, pre=prefix: p.id.startswith(pre),
                cells=lambda p: {"身份证号": float(f"{int(p.id[:17] + '0'):.14e}")})
    s.plant("ethnicity", "unknown_code", cells={"民族代码": 60})
    s.plant("graduation_date", "bad_date", cells={"毕业日期": "2026-02-30"})
    s.plant("graduation_date", "bad_date", person=enrol_after_grad)
    s.plant("phone", "bad_format", cells=lambda p: {"手机号码": int(p.phone[:10])})
    s.plant("gender", "code_name_mismatch", pred=lambda p: p.gender == "2", cells={"性别": "男"})
    s.duplicate("student_number")
    rows = s.rows()
    h = s.headers()
    serial_rows = [i for i in range(len(rows)) if i % 9 == 4 and i not in s.planted]
    for i in serial_rows:
        rows[i][h.index("入学日期")] = excel_serial(s.people[i].enrol)

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for c, head in enumerate(h, start=1):
        ws.cell(row=1, column=c, value=head)
    for r, row in enumerate(rows, start=2):
        for c, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            if isinstance(v, dt.date):
                cell.number_format = "yyyy-mm-dd"
    save_workbook(wb, OUT / name, shared_strings=True)
    s.record(key, 2)
    key.notice(name, "ethnicity", "code_padding")
    key.notice(name, "political_status", "code_padding")
    key.notice(name, "enrolment_date", "date_serial")


def f10_multi_sheet(rng, key):
    """A workbook with a summary sheet first (学院 / 人数), the roster second and a code table
    third. Ethnicity as code and name side by side; words for gender, level and political
    status; ISO dates as text."""
    name = "10_multi_sheet.xlsx"
    m = Maker(rng, "10422", "山东大学", "mail.sdu.edu.cn",
              lambda r, lv, y, n: f"{y}{'1' if lv == '01' else '2'}{r.randint(10, 99)}{n:03d}")
    people = make_people(m, 60, ["11", "11", "01"])
    cols = [
        ("姓名", lambda p: p.name),
        ("性别", gender_word),
        ("身份证件号", lambda p: p.id),
        ("学号", lambda p: p.student),
        ("学校代码", lambda p: p.school_code),
        ("学校名称", lambda p: p.school_name),
        ("院系", lambda p: p.college),
        ("专业代码", lambda p: p.major_code),
        ("专业名称", lambda p: p.major_name),
        ("学历", lambda p: LEVELS[p.level]),
        ("入学时间", lambda p: iso(p.enrol)),
        ("毕业时间", lambda p: iso(p.grad)),
        ("生源所在地", lambda p: p.origin),
        ("民族代码", lambda p: p.eth),
        ("民族", lambda p: ETHNICITIES[p.eth]),
        ("政治面貌", lambda p: POLITICAL[p.pol]),
        ("手机号码", lambda p: p.phone),
        ("电子邮箱", lambda p: p.email),
    ]
    s = Sheet(name, rng, cols, people)
    s.plant("gender", "required", cells={"性别": ""})
    s.plant("phone", "bad_format", cells=lambda p: {"手机号码": p.phone[:10]})
    s.plant("ethnicity", "code_name_mismatch", pred=lambda p: p.eth == "01", cells={"民族": "满族"})
    s.plant("origin_region", "unknown_region", person=lambda p: setattr(p, "origin", "330199"))
    s.plant("graduation_date", "bad_date", person=enrol_after_grad)
    s.plant("education_level", "unknown_code", cells={"学历": "硕士生肄业"})
    s.duplicate("id_number")
    rows = s.rows()

    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "汇总"
    summary.append(["学院", "人数", "备注"])
    counts = {}
    for p in s.people:
        counts[p.college] = counts.get(p.college, 0) + 1
    for college in sorted(counts):
        summary.append([college, counts[college], None])
    summary.append(["合计", len(s.people), None])
    ws = wb.create_sheet("2026届名单")
    ws.append(s.headers())
    for row in rows:
        ws.append([v if v != "" else None for v in row])
    codes = wb.create_sheet("代码表")
    codes.append(["类别", "代码", "名称"])
    for code, label in LEVELS.items():
        codes.append(["学历", code, label])
    for code, label in POLITICAL.items():
        codes.append(["政治面貌", code, label])
    save_workbook(wb, OUT / name)
    s.record(key, 2)
    key.sheet(name, "2026届名单")
    key.notice(name, "gender", "gender_word")
    key.notice(name, "education_level", "code_from_name")
    key.notice(name, "political_status", "code_from_name")


def f11_header_only(rng, key):
    """A blank template: the header line and nothing else (GBK, as Excel saves it)."""
    name = "11_header_only.csv"
    header = ["序号", "姓名", "性别", "身份证号", "学号", "院校代码", "院校名称", "学院", "专业代码",
              "专业名称", "学历代码", "毕业日期", "生源地", "民族", "政治面貌", "手机号码", "电子邮箱"]
    write_csv(OUT / name, [header], "gbk")
    key.error(name, "roster_no_rows")


def f12_utf8_forced_gb18030(rng, key):
    """A UTF-8 roster (no byte-order mark) whose uploader told the importer it is GB18030: the
    file is refused as text that does not read as the declared encoding, instead of being read as
    mojibake (its bytes are not even valid GB18030)."""
    name = "12_utf8_forced_gb18030.csv"
    m = Maker(rng, "10327", "南京财经大学", "stu.nufe.edu.cn",
              lambda r, lv, y, n: f"{y}{r.randint(1000, 9999)}{n:03d}")
    people = make_people(m, 30, ["31"])
    cols = [
        ("姓名", lambda p: p.name),
        ("性别", lambda p: p.gender),
        ("身份证号", lambda p: p.id),
        ("学号", lambda p: p.student),
        ("院校代码", lambda p: p.school_code),
        ("院校名称", lambda p: p.school_name),
        ("学院", lambda p: p.college),
        ("专业代码", lambda p: p.major_code),
        ("专业名称", lambda p: p.major_name),
        ("学历代码", lambda p: p.level),
        ("毕业日期", lambda p: iso(p.grad)),
        ("民族代码", lambda p: p.eth),
        ("手机号码", lambda p: p.phone),
    ]
    s = Sheet(name, rng, cols, people)
    raw = write_csv(OUT / name, [s.headers()] + s.rows(), "utf-8")
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        raise SystemExit(f"{name}: the UTF-8 bytes happen to decode as GB18030")
    key.encoding(name, "gb18030")
    key.error(name, "roster_implausible_text")


def f13_gb18030_rare(rng, key):
    """A GB18030 roster (declared by the caller) with names that GBK cannot hold (CJK extension
    A and B characters, four bytes in GB18030) and Uyghur names with the middle dot; YYYY/M/D
    dates."""
    name = "13_gb18030_rare_chars.csv"
    m = Maker(rng, "10755", "新疆大学", "stu.xju.edu.cn",
              lambda r, lv, y, n: f"{y}{r.randint(100, 999)}{n:04d}")
    people = []
    rare = ["张䶮", "刘㛃", "赵𠮷", "王䶮晨", "李㵘"]
    for i in range(40):
        if i % 8 == 3:
            p = m.person("31", eth="01", rare_name=rare[i // 8])
        else:
            p = m.person("31", eth=rng.choice(["05", "05", "17", "01", "01", "03"]))
        people.append(p)
    cols = [
        ("姓名", lambda p: p.name),
        ("性别", gender_word),
        ("身份证号码", lambda p: p.id),
        ("学号", lambda p: p.student),
        ("院校代码", lambda p: p.school_code),
        ("院校名称", lambda p: p.school_name),
        ("院系", lambda p: p.college),
        ("专业代码", lambda p: p.major_code),
        ("专业名称", lambda p: p.major_name),
        ("学历代码", lambda p: p.level),
        ("毕业时间", lambda p: slash_short(p.grad)),
        ("生源地", lambda p: p.origin),
        ("民族", lambda p: ETHNICITIES[p.eth]),
        ("政治面貌", lambda p: POLITICAL[p.pol]),
        ("手机号码", lambda p: p.phone),
    ]
    s = Sheet(name, rng, cols, people)
    s.plant("id_number", "bad_check_character", person=break_check)
    s.plant("ethnicity", "unknown_code", cells={"民族": "火星族"})
    s.plant("student_number", "required", cells={"学号": ""})
    s.plant("origin_region", "unknown_region", person=lambda p: setattr(p, "origin", "510199"))
    s.duplicate("student_number")
    raw = write_csv(OUT / name, [s.headers()] + s.rows(), "gb18030")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise SystemExit(f"{name}: the GB18030 bytes happen to be UTF-8")
    s.record(key, 2)
    key.encoding(name, "gb18030")
    key.notice(name, "gender", "gender_word")
    key.notice(name, "ethnicity", "code_from_name")
    key.notice(name, "political_status", "code_from_name")
    key.notice(name, "graduation_date", "date_form")


FILES = [
    f01_province_template_gbk, f02_title_row_bom, f03_pinyin_export, f04_english_headers,
    f05_code_name_pairs, f06_mac_cr, f07_tab_separated, f08_instructions_first,
    f09_excel_native, f10_multi_sheet, f11_header_only, f12_utf8_forced_gb18030,
    f13_gb18030_rare,
]


def main():
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    key = Key()
    for i, make in enumerate(FILES):
        # Each file draws from its own generator, so that changing one leaves the others alone.
        make(random.Random(SEED * 100 + i), key)
    key.write(HERE / "answers.tsv")


if __name__ == "__main__":
    main()
