"""Bounded readers (issue 20, item 2) and files that must be refused (item 5), through a real
`ecocomp` process on a real store: each file is refused with one sentence naming the file and the
place, and the database's tables are exactly as before (fingerprint: rows and md5 of every table).

The files are made small to write and cheap to refuse: a header of 2,000,000 columns is 4 MB, the
xlsx bomb is a 1.5 MB zip whose sheet inflates to 1.5 GB (written by repeating one deflate block,
so making it costs a CRC pass, not a compression of 1.5 GB). Before the bounds these took 20 GB of
memory or ended in 内部错误 after 30 s.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font
from rel_support import DATA, assert_no_traceback, fingerprint, measured_ecocomp, run_ecocomp

from compensation.ingest.tables import MAX_SHEET_XML

SHEET = "xl/worksheets/sheet1.xml"


# Refusing reads at most a MiB of a line or the zip's directory: the peak is the process itself
# (Python, DuckDB, polars, openpyxl; about 200 MiB here), far below what the files used to take.
REFUSAL_PEAK_MIB = 512


def refused(db: Path, path: Path, *place_and_text: str, kind: str = "samples") -> str:
    """`ecocomp load` refuses `path` with these texts in its sentence, within REFUSAL_PEAK_MIB of
    resident memory, and every table of the store is as it was."""
    before = fingerprint(db)
    done = measured_ecocomp(db, "load", kind, str(path), timeout=300)
    assert "Traceback" not in done["err"] and "内部错误" not in done["err"], done["err"]
    assert done["code"] == 2, done["err"]
    for text in place_and_text:
        assert text in done["err"], done["err"]
    assert done["peak_mib"] < REFUSAL_PEAK_MIB, done
    assert fingerprint(db) == before
    return done["err"]


def test_a_header_of_many_columns_is_refused_at_once(registry_copy: Path, tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(600)) + "\n" + "1," * 599 + "1\n",
                    encoding="utf-8")
    refused(registry_copy, wide,
            f'{wide}，第 1 行：发现 "表头有 600 列"，'
            f"应为 不超过 500 列的表头（监测和名录文件通常只有几十列）。")
    # 2,000,000 columns (4 MB): only the first MiB of the line is read
    huge = tmp_path / "huge.csv"
    huge.write_bytes(b"a," * 2_000_000 + b"\n")
    refused(registry_copy, huge, f'{huge}，第 1 行：发现 "表头至少有 524,289 列"')
    for kind in ("parties", "sections"):
        refused(registry_copy, wide, f'{wide}，第 1 行：发现 "表头有 600 列"', kind=kind)


def test_a_very_long_line_is_refused_with_its_row(registry_copy: Path, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("section,sampled_at,indicator,value,note\n"
                 "cj_laoguan,2024-01-05,COD,15,\n"
                 "cj_laoguan,2024-01-06,COD,15,\n"
                 f"cj_laoguan,2024-01-07,COD,15,{'x' * (3 << 20)}\n")     # row 4: a 3 MiB note
    # the first 1 MiB block inside row 4 without a line break names row 4
    refused(registry_copy, path,
            f'{path}，第 4 行：发现 "超过 1 MiB 的一行（可能不是逐行的 CSV 文本）"，'
            f"应为 每行不超过 1 MiB 的 CSV。")


@pytest.mark.parametrize(("row", "found"), [("cj_laoguan,2024-01-06,COD", 3),
                                            ("cj_laoguan,2024-01-06", 2),
                                            ("cj_laoguan,2024-01-06,COD,15,mg/L", 5)])
def test_a_row_with_fewer_or_more_fields_than_the_header_is_refused(
        registry_copy: Path, tmp_path: Path, row: str, found: int) -> None:
    """Fewer fields used to be padded with empty cells and loaded (a missing value with a note,
    or a value in the wrong column); blank lines are not rows."""
    path = tmp_path / "short.csv"
    path.write_text("# synthetic\nsection,sampled_at,indicator,value\n"
                    "cj_laoguan,2024-01-05,COD,15\n\n" + row + "\ncj_laoguan,2024-01-07,COD\n",
                    encoding="utf-8")
    refused(registry_copy, path,
            f'{path}，第 5 行：发现 "{found} 个字段"，应为 与表头相同的 4 个字段（逗号分隔）；'
            f"另有 1 行字段数不对。")


def test_a_workbook_with_several_data_sheets_is_refused(registry_copy: Path,
                                                        tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "一月"
    for title in ("一月", "二月"):
        sheet = book[title] if title in book.sheetnames else book.create_sheet(title)
        sheet.append(["断面", "采样日期", "COD"])
        sheet.append(["cj_laoguan", "2024-01-05", 15])
    book.create_sheet("说明").append(["合成数据"])
    path = tmp_path / "two.xlsx"
    book.save(path)
    refused(registry_copy, path,
            f'{path}：发现 "2 个数据工作表（一月、二月）"，应为 只有一个数据工作表的工作簿'
            f"（说明表除外）；请把每个工作表另存为一个文件，一次命令中一并导入。")


def test_a_sheet_wider_than_its_header_is_read_to_its_last_named_column(
        registry_copy: Path, tmp_path: Path) -> None:
    """Formatting or a stray cell far to the right makes every row 2,000 cells wide: the header is
    cut after its last name, and a value beyond it is refused, not dropped."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["断面", "采样日期", "COD"])
    sheet.append(["cj_laoguan", "2024-01-05", 15])
    sheet.cell(row=3, column=2000, value="stray")
    path = tmp_path / "stray.xlsx"
    book.save(path)
    refused(registry_copy, path,
            f'{path}，工作表 Sheet，第 1 行，列「第 2000 列」：发现 "空表头（可能是合并单元格）"，'
            f"应为 每个有数据的列都有列名（该列第 3 行有数据）。")
    stray = sheet.cell(row=3, column=2000)
    stray.value, stray.font = None, Font(bold=True)      # formatted, empty: the rows stay wide
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        # (openpyxl's own XML writer puts a space before "/>", lxml's does not)
        assert re.search(rb'<dimension ref="A1:BXX3" ?/>', archive.read(SHEET))
    done = run_ecocomp(registry_copy, "load", "samples", str(path))
    assert (done.returncode, done.stdout) == (0, f"{path}：批次 3，导入 1 行。\n"), done.stderr


# ------------------------------------------------------------------------------- the xlsx bomb

def _deflate_blocks(prefix: bytes, block: bytes, count: int, suffix: bytes) -> tuple[bytes, int]:
    """Raw deflate of prefix + block×count + suffix, and its CRC-32.

    After a full flush the compressor starts afresh, so compressing `block` again gives the same
    bytes: the stream is written by repetition. zipfile inflates it like any other part.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
    one = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    assert one == again
    tail = packer.compress(suffix) + packer.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    return head + one * count + tail, zlib.crc32(suffix, crc)


def _write_zip(path: Path, parts: list[tuple[str, bytes, int, int]]) -> None:
    """A zip of already-deflated parts (name, deflated bytes, crc, inflated size)."""
    central, offset = [], 0
    with path.open("wb") as out:
        for name, data, crc, size in parts:
            encoded = name.encode()
            local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data),
                                size, len(encoded), 0)
            out.write(local + encoded + data)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21,
                                       crc, len(data), size, len(encoded), 0, 0, 0, 0, 0, offset)
                           + encoded)
            offset += len(local) + len(encoded) + len(data)
        directory = b"".join(central)
        out.write(directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts),
                                          len(directory), offset, 0))


def make_xlsx_bomb(path: Path, template: Path, inflated: int) -> None:
    """A real one-sheet workbook's parts, the sheet replaced by `inflated` bytes of rows."""
    block = b"<row><c><v>1</v></c></row>" + b" " * (8 << 20)     # whitespace between elements
    prefix = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxml'
              b'formats.org/spreadsheetml/2006/main"><sheetData>')
    suffix = b"</sheetData></worksheet>"
    count = -(-(inflated - len(prefix) - len(suffix)) // len(block))
    parts = []
    with zipfile.ZipFile(template) as source:
        for info in source.infolist():
            if info.filename == SHEET:
                data, crc = _deflate_blocks(prefix, block, count, suffix)
                size = len(prefix) + len(block) * count + len(suffix)
            else:
                raw = source.read(info.filename)
                packer = zlib.compressobj(6, zlib.DEFLATED, -15)
                data, crc, size = packer.compress(raw) + packer.flush(), zlib.crc32(raw), len(raw)
            parts.append((info.filename, data, crc, size))
    _write_zip(path, parts)


def test_an_xlsx_bomb_is_refused_before_it_is_inflated(registry_copy: Path,
                                                       tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["断面", "采样日期", "COD"])
    template = tmp_path / "template.xlsx"
    book.save(template)
    bomb = tmp_path / "bomb.xlsx"
    make_xlsx_bomb(bomb, template, 1_500_000_000)
    with zipfile.ZipFile(bomb) as archive:                  # a well-formed zip, as described
        sheet = archive.getinfo(SHEET)
        assert sheet.file_size >= 1_500_000_000 and bomb.stat().st_size < 2_000_000
        with archive.open(SHEET) as stream:                  # and it really inflates so
            assert stream.read(1 << 20).startswith(b'<?xml version="1.0"')
    assert sheet.file_size > MAX_SHEET_XML
    mib = sheet.file_size / 2**20
    refused(registry_copy, bomb,
            f'{bomb}：发现 "解压后 {mib:,.0f} MiB 的部件 {SHEET}（压缩时 '
            f'{sheet.compress_size / 2**20:,.1f} MiB）"，'
            f"应为 每个部件解压后不超过 256 MiB 的 .xlsx 工作簿（更大的数据请另存为 CSV 导入）。")
    refused(registry_copy, bomb, "解压后", kind="sections")


@pytest.mark.parametrize("kind", ["samples", "sections", "parties"])
def test_a_failed_first_load_leaves_no_database_behind(tmp_path: Path, kind: str) -> None:
    """`load samples missing.csv` used to create an empty database at the --db path; now nothing
    is created when a load fails, whether the file is missing or refused."""
    db = tmp_path / "new.duckdb"
    missing = tmp_path / "missing.csv"
    done = run_ecocomp(db, "load", kind, str(missing))
    assert_no_traceback(done)
    assert (done.returncode, done.stderr) == (
        2, f'错误：{missing}：发现 "文件不存在"，应为 一个存在的数据文件路径。\n')
    refused_file = tmp_path / "refused.csv"
    refused_file.write_text("nothing,useful\n1,2\n", encoding="utf-8")
    done = run_ecocomp(db, "load", kind, str(refused_file))
    assert done.returncode == 2 and "表头缺少必需的列" in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refused.csv"]
    if kind == "parties":    # a load that succeeds does create the database
        good = DATA / "registry" / "parties.csv"
        assert run_ecocomp(db, "load", kind, str(good)).returncode == 0
        assert db.is_file()


def _with_sheet(template: Path, target: Path, sheet_xml: bytes) -> Path:
    with zipfile.ZipFile(template) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    parts[SHEET] = sheet_xml
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return target


def test_broken_or_entity_bomb_sheet_xml_is_one_sentence(registry_copy: Path,
                                                        tmp_path: Path) -> None:
    """A sheet cut off mid-XML was 内部错误：ParseError; a billion-laughs DTD (10^9 "lol"s from
    2 KB) must not expand."""
    book = openpyxl.Workbook()
    book.active.append(["断面", "采样日期", "COD"])
    book.active.append(["cj_laoguan", "2024-01-05", 15])
    template = tmp_path / "template.xlsx"
    book.save(template)
    with zipfile.ZipFile(template) as source:
        whole = source.read(SHEET)
    cut = _with_sheet(template, tmp_path / "cut.xlsx", whole[: len(whole) // 2])
    refused(registry_copy, cut, f'{cut}，工作表 Sheet：发现 "读到一半中断的 xlsx（文件不完整或已'
                                f'损坏）"，应为 完整的 .xlsx 工作簿（请重新导出）。')
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{k} "{("&lol;" if k == 2 else f"&lol{k - 1};") * 10}">' for k in range(2, 10))
    laughs = _with_sheet(template, tmp_path / "laughs.xlsx", (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><worksheet xmlns="http://schemas.'
        f'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" '
        f't="inlineStr"><is><t>&lol9;</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c>'
        f"</row></sheetData></worksheet>").encode())
    refused(registry_copy, laughs, f"{laughs}", "xlsx（文件不完整或已损坏）")
