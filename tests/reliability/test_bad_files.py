"""Bad input files through the CLI: never a traceback, never a partial load, always a place.

`tests/ingest/` already pins the exact message of each known kind of bad file (empty, header only,
binary, neither UTF-8 nor GBK, truncated xlsx, NaN/inf, huge numbers, impossible dates, merged or
empty header cells, ragged rows). Here: random files (hypothesis) and the cases it does not cover.
Every refused command must leave the database fingerprint unchanged.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rel_support import WorkingCopy, fingerprint

from compensation.cli import cli
from compensation.errors import EcocompError

# ECOCOMP_FUZZ_EXAMPLES: files per fuzz test (15 in CI, a few seconds; longer runs for the figures
# in docs/reliability.md)
FUZZ = settings(max_examples=int(os.environ.get("ECOCOMP_FUZZ_EXAMPLES", "15")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def load(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), "load", *args])


def refused_cleanly(db: Path, before: dict, result: Result, path: Path) -> str:
    """The command was refused with a sentence naming the file, and nothing changed."""
    assert isinstance(result.exception, EcocompError), result.exception
    message = str(result.exception)
    assert str(path) in message
    assert "Traceback" not in message
    assert fingerprint(db) == before
    return message


@pytest.fixture
def working(registry_db: Path, tmp_path: Path) -> WorkingCopy:
    """The demo registry store, as it is before every file a fuzzer tries."""
    return WorkingCopy(registry_db, tmp_path)


@FUZZ
@given(content=st.binary(min_size=0, max_size=3000),
       suffix=st.sampled_from([".csv", ".xlsx", ".parquet", ".txt", ""]))
def test_random_bytes_are_refused_with_the_file_named(working: WorkingCopy, tmp_path: Path,
                                                      content: bytes, suffix: str) -> None:
    db, before = working.path(), working.before
    path = tmp_path / f"random{suffix}"
    path.write_bytes(content)
    result = load(db, "samples", str(path))
    refused_cleanly(db, before, result, path)


# Cells a person or an old program might put in a monitoring file.
cell = st.one_of(
    st.sampled_from(["cj_laoguan", "老关村", "cj_sheshui", "ts_inflow_1", "nowhere", "", " ",
                     "2024-01-05", "2024/1/5", "2024年1月5日", "2024-02-30", "1900-01-01", "45296",
                     "COD", "氨氮", "NH3-N", "w21011", "叶绿素", "15", "0.025L", "<0.01", "断流",
                     "-1", "1e308", "NaN", "inf", "-0", "0x1F", "1,5", "=1+1", "+1", "@SUM(A1)",
                     "<script>alert(1)</script>", '"', "\\", "\u0000", "\u200b15", "１５"]),
    st.text(max_size=12),
)


@st.composite
def rows(draw: st.DrawFn) -> list[list[str]]:
    """Good rows (one per day), each with a chance of one cell replaced by a random one."""
    table = []
    for day in range(1, draw(st.integers(min_value=1, max_value=8)) + 1):
        row = ["cj_laoguan", f"2024-01-{day:02d}", draw(st.sampled_from(["COD", "氨氮", "TP"])),
               draw(st.sampled_from(["15", "0.5", "0.025L", "断流", "1.25"]))]
        if draw(st.integers(min_value=0, max_value=3)) == 0:
            row[draw(st.integers(min_value=0, max_value=3))] = draw(cell)
        table.append(row)
    return table


def csv_text(table: list[list[str]]) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'
    return "section,sampled_at,indicator,value\n" + "".join(
        ",".join(quote(c) for c in row) + "\n" for row in table)


@FUZZ
@given(table=rows(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_random_cells_load_whole_or_not_at_all(working: WorkingCopy, tmp_path: Path,
                                               table: list[list[str]], encoding: str) -> None:
    db, before = working.path(), working.before
    path = tmp_path / "cells.csv"
    try:
        path.write_bytes(csv_text(table).encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes(csv_text(table).encode("utf-8"))
    result = load(db, "samples", str(path))
    if result.exception is None:
        event("loaded")
        assert result.exit_code == 0
        con = duckdb.connect(str(db))
        try:
            batches = con.execute("SELECT row_count FROM batches WHERE kind = 'samples'").fetchall()
            stored = con.execute("SELECT count(*) FROM samples").fetchall()[0][0]
        finally:
            con.close()
        working.spoil()
        # one batch whose row count is what is stored, at most one row per data line
        assert len(batches) == 1 and batches[0][0] == stored and 0 < stored <= len(table)
    else:
        event("refused")
        message = refused_cleanly(db, before, result, path)
        assert "第 " in message or "：发现" in message   # a row, or the file as a whole


def test_gbk_file_from_old_windows_software_through_the_cli(registry_copy: Path,
                                                            tmp_path: Path) -> None:
    """GBK is detected; a wrong --encoding is refused with the file and the encoding named."""
    body = "断面名称,采样时间,监测项目,监测值\r\n老关村,2024年1月5日,氨氮,0.31\r\n"
    path = tmp_path / "old.csv"
    path.write_bytes(body.encode("gbk"))
    before = fingerprint(registry_copy)
    wrong = load(registry_copy, "samples", "--encoding", "big5", str(path))
    assert str(wrong.exception).endswith(
        f'{path}：发现 "无法按 big5 解码的字节"，应为 以 big5 编码的文本（请确认文件编码）。')
    assert fingerprint(registry_copy) == before
    unknown = load(registry_copy, "samples", "--encoding", "klingon", str(path))
    assert "klingon" in str(unknown.exception) and str(path) in str(unknown.exception)
    right = load(registry_copy, "samples", str(path))
    assert right.exit_code == 0, right.output
    con = duckdb.connect(str(registry_copy))
    try:
        rows = con.execute("SELECT section_id, sampled_at, indicator, CAST(value AS VARCHAR) "
                           "FROM samples").fetchall()
    finally:
        con.close()
    assert rows == [("cj_laoguan", datetime(2024, 1, 5), "NH3N", "0.310000")]


@pytest.mark.parametrize(("written", "stored"), [
    ("2024.01.05", datetime(2024, 1, 5)),
    ("20240105", datetime(2024, 1, 5)),
    ("2024-1-5", datetime(2024, 1, 5)),
    ("2024/01/05 8:30", datetime(2024, 1, 5, 8, 30)),
    ("2024-01-05T08:30:00", datetime(2024, 1, 5, 8, 30)),
    ("45296", None),          # an Excel serial number typed as text: ambiguous in a CSV
    ("Jan 5 2024", None),
    ("5.1.2024", None),
])
def test_dates_in_several_formats(registry_copy: Path, tmp_path: Path, written: str,
                                  stored: datetime | None) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"section,sampled_at,indicator,value\ncj_laoguan,{written},COD,15\n",
                    encoding="utf-8")
    before = fingerprint(registry_copy)
    result = load(registry_copy, "samples", str(path))
    if stored is None:
        message = refused_cleanly(registry_copy, before, result, path)
        assert f'{path}，第 2 行，列「sampled_at」：发现 "{written}"，应为 日期' in message
        return
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(registry_copy))
    try:
        assert con.execute("SELECT sampled_at FROM samples").fetchall() == [(stored,)]
    finally:
        con.close()


def test_utf16_excel_unicode_text_export(registry_copy: Path, tmp_path: Path) -> None:
    """Excel's "Unicode text" is UTF-16 with tabs: decoded, then refused for its tabs by name."""
    path = tmp_path / "unicode.txt"
    path.write_bytes("断面\t采样日期\t指标\t监测值\r\n老关村\t2024-01-05\t氨氮\t0.31\r\n"
                     .encode("utf-16"))
    before = fingerprint(registry_copy)
    message = refused_cleanly(registry_copy, before, load(registry_copy, "samples", str(path)),
                              path)
    assert f"{path}，第 1 行：发现 \"表头缺少必需的列\"" in message


def test_two_row_header_with_merged_cells(registry_copy: Path, tmp_path: Path) -> None:
    """A header row with "监测项目" merged over the indicator columns, codes in the row below."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["断面", "采样日期", "监测项目", None, None])
    sheet.merge_cells("C1:E1")
    sheet.append([None, None, "COD", "NH3N", "TP"])
    sheet.append(["cj_laoguan", "2024-01-05", 15, 0.5, 0.1])
    path = tmp_path / "merged.xlsx"
    book.save(path)
    before = fingerprint(registry_copy)
    message = refused_cleanly(registry_copy, before, load(registry_copy, "samples", str(path)),
                              path)
    assert (f'{path}，工作表 Sheet，第 1 行，列「第 4 列」：发现 "空表头（可能是合并单元格）"'
            in message)


def test_excel_error_values_and_extreme_floats(registry_copy: Path, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["断面", "采样日期", "COD", "NH3N"])
    sheet.append(["cj_laoguan", "2024-01-05", "#DIV/0!", 0.5])
    sheet.append(["cj_laoguan", "2024-01-06", 1e300, 1e-7])
    path = tmp_path / "errors.xlsx"
    book.save(path)
    before = fingerprint(registry_copy)
    message = refused_cleanly(registry_copy, before, load(registry_copy, "samples", str(path)),
                              path)
    place = f"{path}，工作表 Sheet，"
    assert f'{place}第 2 行，列「COD」：发现 "#DIV/0!"' in message
    assert f'{place}第 3 行，列「COD」：发现 "1e+300"，应为 绝对值小于 10^12 的数值' in message
    assert f'{place}第 3 行，列「NH3N」：发现 "1e-07"，应为 小数不超过 6 位' in message


def test_formula_without_cached_value_is_not_silently_dropped(registry_copy: Path,
                                                              tmp_path: Path) -> None:
    """A program-written workbook keeps formulas without results: the cell is named, not lost."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["断面", "采样日期", "COD", "NH3N"])
    sheet.append(["cj_laoguan", "2024-01-05", 15, "=0.25*2"])
    path = tmp_path / "formula.xlsx"
    book.save(path)
    before = fingerprint(registry_copy)
    message = refused_cleanly(registry_copy, before, load(registry_copy, "samples", str(path)),
                              path)
    assert f'{path}，工作表 Sheet，第 2 行，列「NH3N」：发现 "=0.25*2"，应为 数值' in message


@pytest.mark.parametrize("kind", ["samples", "sections", "parties"])
def test_missing_file_for_every_loader(registry_copy: Path, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "gone.csv"
    before = fingerprint(registry_copy)
    message = refused_cleanly(registry_copy, before, load(registry_copy, kind, str(path)), path)
    assert message.endswith(f'{path}：发现 "文件不存在"，应为 一个存在的数据文件路径。')
