"""Every kind of bad sample input: its exact message, and that nothing at all was loaded."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest

from compensation.errors import InputError
from compensation.ingest import load_samples
from tests.ingest.conftest import counts, write

HEADER = "section,sampled_at,indicator,value,unit\n"
VALUE_EXPECTED = "数值、低于检出限的写法（如 0.01L 或 <0.01）或标记词（如 断流、结冰）"


def refused(con, paths: list[Path]) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_samples(con, paths)
    assert counts(con) == (0, 0), "a refused load must not leave rows or batches"
    for message in caught.value.problems:
        assert message in str(caught.value)
    return caught.value.problems


def one_row(tmp_path: Path, row: str) -> Path:
    return write(tmp_path / "bad.csv", HEADER + row + "\n")


def located(path: Path, row: int, column: str, found: str, expected: str) -> str:
    return f'{path}，第 {row} 行，列「{column}」：发现 "{found}"，应为 {expected}。'


@pytest.mark.parametrize(("row", "column", "found", "expected"), [
    ("xx,2024-01-05,COD,15,mg/L", "section", "xx",
     "已登记的断面编号或名称（先用 ecocomp load sections 导入断面名录）"),
    ("s1,2024-01-05,COD,abc,mg/L", "value", "abc", VALUE_EXPECTED),
    ("s1,2024-01-05,COD,nan,mg/L", "value", "nan", VALUE_EXPECTED),
    ("s1,2024-01-05,COD,inf,mg/L", "value", "inf", VALUE_EXPECTED),
    ("s1,2024-01-05,COD,-0.5,mg/L", "value", "-0.5", ("指标 COD 物理上可能的值：0 至 1000000 mg/L"
     "（浓度不能为负；1 升水约 10^6 mg，质量浓度不可能超过 10^6 mg/L）")),
    ("s1,2024-01-05,COD,0.1234567,mg/L", "value", "0.1234567",
     "小数不超过 6 位（换算为 mg/L 后）的数值"),
    ("s1,2024-01-05,TP,0.0005,µg/L", "value", "0.0005", "小数不超过 6 位（换算为 mg/L 后）的数值"),
    ("s1,2024-01-05,COD,1234567890123,mg/L", "value", "1234567890123", "绝对值小于 10^12 的数值"),
    ("s1,2024-02-30,COD,15,mg/L", "sampled_at", "2024-02-30",
     "日历上存在的日期（日期，如 2024-01-05、2024/1/5、2024年1月5日（可带时间 08:30））"),
    ("s1,2024-13-01,COD,15,mg/L", "sampled_at", "2024-13-01",
     "日历上存在的日期（日期，如 2024-01-05、2024/1/5、2024年1月5日（可带时间 08:30））"),
    ("s1,05/01/2024,COD,15,mg/L", "sampled_at", "05/01/2024",
     "日期，如 2024-01-05、2024/1/5、2024年1月5日（可带时间 08:30）"),
    ("s1,2025-01-03,COD,15,mg/L", "sampled_at", "2025-01-03",
     "断面 s1 有效期内（2018-01-01 至 2024-12-31）的日期"),
    ("lk,2019-12-31,COD,15,mg/L", "sampled_at", "2019-12-31",
     "断面 lk 有效期内（2020-01-01 至 今）的日期"),
    ("s1,2024-01-05,COD,15,mg/m3", "unit", "mg/m3",
     "指标 COD 的单位 mg/L 或 µg/L（将除以 1000 换算）"),
    ("s1,2024-01-05,pH,7.5,mg/L", "unit", "mg/L", "指标 pH 的单位 无量纲"),
])
def test_bad_cell_in_long_csv(con, tmp_path: Path, row: str, column: str, found: str,
                              expected: str) -> None:
    path = one_row(tmp_path, row)
    assert refused(con, [path]) == [located(path, 2, column, found, expected)]


def test_unknown_indicator_names_the_known_codes(con, tmp_path: Path) -> None:
    path = one_row(tmp_path, "s1,2024-01-05,叶绿素,15,")
    [message] = refused(con, [path])
    assert message.startswith(
        f'{path}，第 2 行，列「indicator」：发现 "叶绿素"，应为 已知的指标名称、代码')
    assert "COD" in message and "NH3N" in message


def test_duplicate_keys_that_disagree(con, tmp_path: Path) -> None:
    path = write(tmp_path / "dup.csv", HEADER + "s1,2024-01-05,COD,15,\n"
                 "s1,2024-01-05,化学需氧量,16,\n")
    assert refused(con, [path]) == [located(
        path, 3, "value", "16", '与第 2 行（同一断面、时间、指标）相同的值 "15"')]


def test_missing_required_column(con, tmp_path: Path) -> None:
    path = write(tmp_path / "nocol.csv", "section,sampled_at,value\ns1,2024-01-05,15\n")
    assert refused(con, [path]) == [
        (f'{path}，第 1 行：发现 "表头缺少必需的列"，应为 含有列「indicator」'
        f"（或 indicator、指标、指标名称、监测项目）。")]


def test_empty_value_without_flag_and_unknown_flag(con, tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "section,sampled_at,indicator,value,flag\n"
                 "s1,2024-01-05,COD,,\ns1,2024-01-06,COD,,停电\n")
    problems = refused(con, [path])
    assert problems == [
        located(path, 2, "value", "", "数值、低于检出限的写法或标记词（空值须在 flag 列说明原因）"),
        located(path, 3, "flag", "停电", "标记词之一：断流、结冰、冰封、顶托、回流、仪器故障、"
                                       "维护、校准、超量程、异常、突发事件"),
    ]


def test_all_errors_are_listed_up_to_fifty(con, tmp_path: Path) -> None:
    rows = "".join(f"s1,2024-01-{day:02d},COD,x{day},\n" for day in range(1, 29))
    rows += "".join(f"s1,2024-02-{day:02d},COD,-{day},\n" for day in range(1, 29))
    path = write(tmp_path / "many.csv", HEADER + rows)
    with pytest.raises(InputError) as caught:
        load_samples(con, [path])
    problems = caught.value.problems
    assert len(problems) == 51 and problems[-1] == "…另有 6 处错误"
    assert problems[0] == located(path, 2, "value", "x1", VALUE_EXPECTED)
    assert problems[49] == located(path, 51, "value", "-22", "指标 COD 物理上可能的值：0 至 "
                                   "1000000 mg/L（浓度不能为负；1 升水约 10^6 mg，"
                                   "质量浓度不可能超过 10^6 mg/L）")
    assert str(caught.value).startswith("样品数据有 56 处错误，未导入任何数据：")
    assert counts(con) == (0, 0)


def test_one_bad_file_stops_every_file_of_the_command(con, tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", HEADER + "s1,2024-01-05,COD,15,\n")
    bad = write(tmp_path / "bad.csv", HEADER + "zz,2024-01-05,COD,15,\n")
    assert len(refused(con, [good, bad])) == 1


@pytest.mark.parametrize(("content", "found", "expected"), [
    (b"", "空文件（0 字节）", "带表头和数据行的 CSV、XLSX 或 Parquet 文件"),
    (HEADER.encode(), "只有表头，没有数据行", "表头之后至少一行数据"),
    (b"# only a comment\n", "没有表头行（文件只有注释或空行）", "第一行非注释内容为列名表头"),
    (bytes(range(256)) * 4, "二进制内容（含 NUL 字节）",
     "CSV 文本文件（UTF-8 或 GBK 编码；其他编码请用 --encoding 指定）"),
    (b"section,value\n\x81\xff\xfe\x80\n", "既不是 UTF-8 也不是 GBK 的字节",
     "UTF-8 或 GBK 编码的 CSV 文本（其他编码请用 --encoding 指定，如 --encoding big5）"),
])
def test_unreadable_csv(con, tmp_path: Path, content: bytes, found: str, expected: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    [message] = refused(con, [path])
    assert message.startswith(f'{path}') and f'发现 "{found}"，应为 {expected}。' in message


def test_random_bytes_and_truncated_xlsx(con, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["断面", "采样日期", "COD"])
    for day in range(1, 28):
        book.active.append(["s1", f"2024-01-{day:02d}", 15])
    whole = tmp_path / "whole.xlsx"
    book.save(whole)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: os.path.getsize(whole) // 2])
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04" + bytes(range(200)))
    for path in (cut, junk):
        assert refused(con, [path]) == [
            (f'{path}：发现 "无法打开的 xlsx（文件不完整或已损坏）"，'
            f"应为 Excel 2007 及以后的 .xlsx 工作簿（请重新导出）。")]


def test_wide_xlsx_problems_name_the_sheet(con, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "一月"
    sheet.append(["断面名称", "采样日期", "总磷(g/L)", "叶绿素a", None])
    sheet.append(["s1", "2024-01-05", 0.1, 3, "多余"])
    path = tmp_path / "wide.xlsx"
    book.save(path)
    assert refused(con, [path]) == [
        (f'{path}，工作表 一月，第 1 行，列「叶绿素a」：发现 "叶绿素a"，'
        f"应为 已知的指标名称、代码或 HJ 525 代码"
        f"（如 氨氮、NH3-N、w21003），或 断面、采样日期 等列。"),
        (f'{path}，工作表 一月，第 1 行，列「第 5 列」：发现 "空表头（可能是合并单元格）"，'
        f"应为 每个有数据的列都有列名（该列第 2 行有数据）。"),
    ]


def test_wide_unit_in_header_that_does_not_fit(con, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["断面名称", "采样日期", "总磷(g/L)"])
    book.active.append(["s1", "2024-01-05", 0.1])
    path = tmp_path / "unit.xlsx"
    book.save(path)
    assert refused(con, [path]) == [
        (f'{path}，工作表 Sheet，第 2 行，列「总磷(g/L)」：发现 "g/L"，'
        f"应为 指标 TP 的单位 mg/L 或 µg/L（将除以 1000 换算）。")]


def test_old_xls_is_refused(con, tmp_path: Path) -> None:
    path = write(tmp_path / "old.xls", "whatever")
    assert refused(con, [path]) == [
        (f'{path}：发现 "旧版 Excel .xls 文件"，'
        f"应为 xlsx、csv 或 parquet 文件（请在 Excel 中另存为 .xlsx）。")]


def test_row_with_more_fields_than_the_header_counts_comment_lines(con, tmp_path: Path) -> None:
    path = write(tmp_path / "rag.csv", "# synthetic\n" + HEADER + "s1,2024-01-05,COD,15,mg/L\n"
                 "s1,2024-01-06,COD,15,mg/L,extra\n")
    assert refused(con, [path]) == [
        f'{path}，第 4 行：发现 "6 个字段"，应为 与表头相同的 5 个字段（逗号分隔）。']


def test_explicit_encoding_that_does_not_fit(con, tmp_path: Path) -> None:
    path = write(tmp_path / "gbk.csv", "断面,采样日期,指标,监测值\n水洪中心,2024-02-01,氨氮,0.31\n",
                 encoding="gbk")
    with pytest.raises(InputError) as caught:
        load_samples(con, [path], encoding="utf-8")
    assert caught.value.problems == [
        f'{path}：发现 "无法按 utf-8 解码的字节"，应为 以 utf-8 编码的文本（请确认文件编码）。']
    assert counts(con) == (0, 0)
    assert load_samples(con, [path], encoding="gbk").rows == 1


def test_nan_and_infinity_in_parquet(con, tmp_path: Path) -> None:
    import polars as pl

    path = tmp_path / "nan.parquet"
    pl.DataFrame({"section": ["s1", "s1"], "sampled_at": ["2024-01-05", "2024-01-06"],
                  "indicator": ["COD", "COD"], "value": [float("nan"), float("inf")]}
                 ).write_parquet(path)
    assert refused(con, [path]) == [located(path, 2, "value", "nan", VALUE_EXPECTED),
                                    located(path, 3, "value", "inf", VALUE_EXPECTED)]


@pytest.mark.parametrize(("column", "row"), [
    ("section", "s1\u202e,2024-01-05,COD,15,mg/L"),
    ("value", "s1,2024-01-05,COD,断流\u202e,"),
    ("value", "s1,2024-01-05,COD,\u200b15,mg/L"),
])
def test_invisible_characters_in_sample_cells_are_refused(con, tmp_path: Path, column: str,
                                                          row: str) -> None:
    """A section name or flag word with a bidi control or zero-width space looks right but is not
    what it seems: refused with the character named, never matched or stored."""
    path = one_row(tmp_path, row)
    found = row.split(",")[HEADER.split(",").index(column)]
    shown = found.replace("\u202e", "<U+202E>").replace("\u200b", "<U+200B>")
    char = "U+202E" if "\u202e" in found else "U+200B"
    assert refused(con, [path]) == [located(
        path, 2, column, shown, "不含不可见字符（双向控制符如 U+202E、零宽字符如 U+200B、"
        f"其他格式或控制字符）的文字（此处有 {char}）")]


PH = "指标 pH 物理上可能的值：0 至 14（pH 标度：GB 6920-86 玻璃电极法的测定范围为 0–14）"
DO = ("指标 DO 物理上可能的值：0 至 25 mg/L（0 ℃ 淡水饱和溶解氧约 14.6 mg/L（HJ 506-2009），"
      "藻类过饱和罕超 20 mg/L）")
TEMP = ("指标 TEMP 物理上可能的值：-2 至 50 ℃（液态淡水不低于约 -2 ℃（过冷），"
        "地表水体不超过 50 ℃；结冰以标记 ice 记录）")


@pytest.mark.parametrize(("row", "found", "expected"), [
    ("s1,2024-01-05,pH,15,", "15", PH),
    ("s1,2024-01-05,pH,-0.1,", "-0.1", PH),
    ("s1,2024-01-05,DO,25.1,mg/L", "25.1", DO),
    ("s1,2024-01-05,DO,25100,µg/L", "25100", DO),          # 25.1 mg/L once converted
    ("s1,2024-01-05,TEMP,-2.1,℃", "-2.1", TEMP),
    ("s1,2024-01-05,TEMP,50.5,℃", "50.5", TEMP),
    ("s1,2024-01-05,NH3N,1000001,mg/L", "1000001",
     ("指标 NH3N 物理上可能的值：0 至 1000000 mg/L（浓度不能为负；1 升水约 10^6 mg，"
     "质量浓度不可能超过 10^6 mg/L）")),
    ("s1,2024-01-05,FLOW,-3,m3/s", "-3",
     "指标 FLOW 物理上可能的值：不小于 0 m³/s（流量不能为负；顶托、回流以标记 backwater 记录）"),
])
def test_values_outside_the_physical_range_are_refused(con, tmp_path: Path, row: str, found: str,
                                                       expected: str) -> None:
    assert refused(con, [one_row(tmp_path, row)]) == [
        located(tmp_path / "bad.csv", 2, "value", found, expected)]


def test_the_bounds_themselves_load(con, tmp_path: Path) -> None:
    path = write(tmp_path / "edge.csv", HEADER + "s1,2024-01-05,pH,14,\ns1,2024-01-05,DO,25,mg/L\n"
                 "s1,2024-01-05,TEMP,-2,℃\ns1,2024-01-06,pH,0,\ns1,2024-01-05,FCOLI,240000,个/L\n")
    assert load_samples(con, [path]).rows == 5


def test_every_indicator_has_a_physical_range_with_a_basis() -> None:
    from compensation.quality.indicators import load_indicators
    from compensation.quality.ranges import physical_ranges

    ranges = physical_ranges()
    assert {i.code for i in load_indicators()} == set(ranges)
    for indicator in load_indicators():
        found = ranges[indicator.code]
        assert found.basis and found.low <= 0 and found.unit == indicator.unit, found


def test_a_sample_dated_after_the_day_it_is_loaded_is_refused(con, tmp_path: Path) -> None:
    """As-of is the moment up to which loaded batches count: a sample dated after the day of its
    own loading would be measured after its as-of."""
    today = dt.date.today()
    tomorrow = today + dt.timedelta(days=1)
    path = write(tmp_path / "future.csv", HEADER + f"ctl,{today},COD,15,mg/L\n"
                 f"ctl,{tomorrow} 08:00,COD,15,mg/L\n")
    assert refused(con, [path]) == [located(path, 3, "sampled_at", f"{tomorrow} 08:00",
                                            f"不晚于导入当天（{today}）的采样日期")]
    today_only = write(tmp_path / "today.csv", HEADER + f"ctl,{today} 23:59,COD,15,mg/L\n")
    assert load_samples(con, [today_only]).rows == 1
