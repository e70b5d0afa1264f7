"""Bounded inputs from Python: zip bombs, huge declared sizes and oversized JSON raise
``LimitError`` (117–119) quickly and without the memory, and ``Limits`` raised by the caller let
a bigger legitimate file through."""

from __future__ import annotations

import resource
import struct
import zlib
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

import gradreg
from gradreg import ArgumentError, ArgumentTypeError, LimitError, Limits, Registry

from conftest import NOW

MIB = 1 << 20


def zip_entries(entries: List[Tuple[str, int, bytes, int, int]]) -> bytes:
    """A zip archive of (name, method, stored data, crc, declared size) entries."""
    out = bytearray()
    central = bytearray()
    for name, method, data, crc, size in entries:
        raw = name.encode("utf-8")
        fields = struct.pack(
            "<HHHIIIIHH", 20, 0x0800, method, 0, crc, len(data), size, len(raw), 0
        )
        offset = len(out)
        out += b"PK\x03\x04" + fields + raw + data
        central += b"PK\x01\x02" + struct.pack("<H", 20) + fields
        central += struct.pack("<HHHII", 0, 0, 0, 0, offset) + raw
    start = len(out)
    out += central
    out += b"PK\x05\x06" + struct.pack(
        "<HHHHIIH", 0, 0, len(entries), len(entries), len(central), start, 0
    )
    return bytes(out)


def stored(name: str, data: bytes) -> Tuple[str, int, bytes, int, int]:
    return (name, 0, data, zlib.crc32(data), len(data))


def repeat_stream(unit: bytes, mib: int) -> bytes:
    """Raw deflate of ``mib`` mebibytes of ``unit`` repeated, made without them: the block for
    the second mebibyte refers only to copies before it, so it is repeated."""
    chunk = unit * (MIB // len(unit))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(chunk) + c.flush(zlib.Z_SYNC_FLUSH)
    again = c.compress(chunk) + c.flush(zlib.Z_SYNC_FLUSH)
    return first + again * (mib - 1) + c.flush()


def bomb(mib: int) -> bytes:
    """A workbook whose sheet inflates to ``mib`` mebibytes."""
    data = repeat_stream(b"<x/>", mib)
    return zip_entries([("xl/worksheets/sheet1.xml", 8, data, 0, min(mib * MIB, 0xFFFFFFFE))])


def sheet(rows: str) -> bytes:
    return f"<worksheet><sheetData>{rows}</sheetData></worksheet>".encode("utf-8")


def peak_growth() -> Iterator[int]:
    """The growth of the process's peak memory, in bytes (Linux reports kibibytes)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield 0
    yield (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024


def csv_roster(n: int) -> bytes:
    return gradreg.roster_csv(gradreg.generate_cohort(n, seed=3)).encode("utf-8")


def test_a_4_gib_zip_bomb_is_refused_in_little_memory() -> None:
    data = bomb(4096)
    assert len(data) < 8 * MIB
    growth = peak_growth()
    next(growth)
    with pytest.raises(LimitError) as e:
        gradreg.parse_roster(data)
    assert next(growth) < 64 * MIB
    assert e.value.code == 118 and isinstance(e.value, ArgumentError)
    assert "limits.max_ratio" in str(e.value)
    for call in (gradreg.preview_header, gradreg.parse_destinations, gradreg.scan_roster):
        with pytest.raises(LimitError):
            call(data)


def test_an_entry_past_its_size_is_refused() -> None:
    data = bomb(32)
    with pytest.raises(LimitError) as e:
        gradreg.parse_roster(data, limits=Limits(max_ratio=10**12, max_entry_bytes=4 * MIB))
    assert e.value.code == 118 and "max_entry_bytes" in str(e.value)


def test_a_huge_used_range_and_a_huge_declared_string_count_are_refused() -> None:
    wide = sheet(
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    data = zip_entries([stored("xl/worksheets/sheet1.xml", wide)])
    with pytest.raises(LimitError) as e:
        gradreg.parse_roster(data)
    assert e.value.code == 119 and "max_cells" in str(e.value)
    sst = b'<sst uniqueCount="1000000000000"><si><t>x</t></si></sst>'
    data = zip_entries([stored("xl/sharedStrings.xml", sst)])
    with pytest.raises(LimitError) as e:
        gradreg.parse_roster(data)
    assert e.value.code == 119 and "max_shared_strings" in str(e.value)


def test_limits_raised_let_a_bigger_file_through() -> None:
    data = csv_roster(30)
    with pytest.raises(LimitError) as e:
        gradreg.parse_roster(data, limits=Limits(max_rows=10))
    assert e.value.code == 119 and "max_rows" in str(e.value)
    roster = gradreg.parse_roster(data, limits=Limits(max_rows=100))
    assert len(roster.rows) == 30
    with pytest.raises(LimitError) as e:
        gradreg.parse_roster(data, limits=Limits(max_input_bytes=100))
    assert e.value.code == 117
    reg = Registry.in_memory()
    with pytest.raises(LimitError):
        reg.import_roster(data, now=NOW, limits=Limits(max_rows=10))
    report = reg.preview_roster(data, now=NOW, limits=Limits(max_rows=100))
    assert report.created == 30


def test_a_file_is_read_no_further_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_roster(30))
    with pytest.raises(LimitError) as e:
        gradreg.parse_roster(path, limits=Limits(max_input_bytes=1000))
    assert e.value.code == 117 and "max_input_bytes" in str(e.value)
    with path.open("rb") as f:
        with pytest.raises(LimitError):
            gradreg.parse_roster(f, limits=Limits(max_input_bytes=1000))


def test_the_process_default_bounds_json_documents() -> None:
    grads = gradreg.generate_cohort(5, seed=3)
    assert gradreg.get_limits() == Limits()
    try:
        gradreg.set_limits(Limits(max_json_bytes=256, max_rows=3))
        assert gradreg.get_limits().max_json_bytes == 256
        with pytest.raises(LimitError) as e:
            gradreg.roster_csv(grads)
        assert e.value.code == 117 and "max_json_bytes" in str(e.value)
        with pytest.raises(LimitError):
            gradreg.parse_roster(b"\xe5\xa7\x93\xe5\x90\x8d\n1\n2\n3\n4\n")
        # A small limit can be raised again.
        gradreg.set_limits(Limits(max_json_bytes=10**9))
        assert gradreg.roster_csv(grads)
    finally:
        gradreg.set_limits(None)
    assert gradreg.get_limits() == Limits()


def test_limits_are_typed() -> None:
    with pytest.raises(ArgumentTypeError):
        gradreg.parse_roster(b"a,b\n", limits={"max_rows": 1})  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError):
        gradreg.set_limits("x")  # type: ignore[arg-type]
    assert Limits(max_cells=5).to_dict()["max_cells"] == 5
    assert Limits.from_dict({"max_rows": 9}).max_rows == 9
    with pytest.raises(ArgumentError):
        Limits.from_dict({"max_rowz": 9})


def test_a_roster_file_is_read_whole_by_its_size_and_past_it_when_it_grew(tmp_path: Path) -> None:
    import io

    from gradreg.roster import _read_file

    small = tmp_path / "small"
    small.write_bytes(b"abc")

    class Grown(io.BytesIO):
        """A file whose size (that of ``small``) was taken before it grew."""

        def fileno(self) -> int:
            return fd

    with open(small, "rb") as real:
        fd = real.fileno()
        assert _read_file(real, 100) == b"abc"
        assert _read_file(Grown(b"abcdefgh"), 100) == b"abcdefgh"
        assert _read_file(Grown(b"abcdefgh"), 6) == b"abcdef"
        assert _read_file(Grown(b"ab"), 100) == b"ab"
    assert _read_file(io.BytesIO(b"x" * 10), 4) == b"xxxx"
