"""Good sample files in every supported form load with exactly the values they say."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl

from compensation.ingest import load_samples, read_batch_file
from tests.ingest.conftest import counts, sample_rows, write

D = Decimal


def test_long_csv_with_comments_nondetects_flags_and_units(con, tmp_path: Path) -> None:
    path = write(tmp_path / "long.csv", (
        "# 合成数据 synthetic\n"
        "# second comment\n"
        "section,sampled_at,indicator,value,unit,flag\n"
        "s1,2024-01-05,化学需氧量,15.5,mg/L,\n"       # line 4
        "滠水入长江口,2024/1/5,NH3-N,0.025L,,\n"       # line 5: by Chinese name, non-detect
        "s1,2024年1月5日,w21011,<0.01,mg/L,\n"         # line 6: HJ 525 code of TP
        "s1,2024-01-05 08:30,TP,25,µg/L,\n"           # line 7: µg/L converted exactly
        "ctl,2024-01-05,COD,断流,,\n"                   # line 8: flag word in the value cell
        "ctl,2024-01-05,NH3N,,,结冰\n"                  # line 9: empty value with a flag
    ))
    report = load_samples(con, [path])
    assert report.rows == 6 and len(report.batch_ids) == 1
    assert sample_rows(con) == [
        ("s1", "2024-01-05 00:00", "COD", D("15.500000"), False, None, None, 4),
        ("s1", "2024-01-05 00:00", "NH3N", None, True, D("0.025000"), None, 5),
        ("s1", "2024-01-05 00:00", "TP", None, True, D("0.010000"), None, 6),
        ("s1", "2024-01-05 08:30", "TP", D("0.025000"), False, None, None, 7),
        ("ctl", "2024-01-05 00:00", "COD", None, False, None, "no_flow", 8),
        ("ctl", "2024-01-05 00:00", "NH3N", None, False, None, "ice", 9),
    ]
    batch = con.execute("SELECT kind, file_name, row_count, superseded_by FROM batches "
                        "WHERE batch_id = ?", report.batch_ids).fetchall()
    assert batch == [("samples", str(path), 6, None)]
    assert read_batch_file(con, report.batch_ids[0]) == path.read_bytes()


def test_gbk_csv_is_detected_and_bom_is_ignored(con, tmp_path: Path) -> None:
    body = "断面,采样日期,指标,监测值\n水洪中心,2024-02-01,氨氮,0.31\n"
    gbk = write(tmp_path / "gbk.csv", body, encoding="gbk")
    bom = write(tmp_path / "bom.csv", body.replace("0.31", "0.32").replace("02-01", "02-02"),
                encoding="utf-8-sig")
    report = load_samples(con, [gbk, bom])
    assert "gb18030" in " ".join(report.notes)
    assert [r[:4] for r in sample_rows(con)] == [
        ("ctl", "2024-02-01 00:00", "NH3N", D("0.310000")),
        ("ctl", "2024-02-02 00:00", "NH3N", D("0.320000")),
    ]


def test_wide_xlsx_with_title_row_readme_sheet_and_excel_dates(con, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    readme = book.active
    readme.title = "说明"
    readme["A1"] = "合成数据"
    sheet = book.create_sheet("2024年")
    sheet.append(["汉江断面监测结果"])                                    # row 1: title
    sheet.append(["断面名称", "采样日期", "化学需氧量(mg/L)", "氨氮（mg/L）", "总磷(µg/L)", "pH"])
    sheet.append(["s1", dt.datetime(2024, 3, 4), 18.2, "0.025L", 40, 7.6])   # row 3
    sheet.append(["ctl", 45355, 12, None, "断流", 8])                       # row 4: serial date
    path = tmp_path / "wide.xlsx"
    book.save(path)
    load_samples(con, [path])
    assert [r[:8] for r in sample_rows(con)] == [
        ("s1", "2024-03-04 00:00", "COD", D("18.2"), False, None, None, 3),
        ("s1", "2024-03-04 00:00", "NH3N", None, True, D("0.025"), None, 3),
        ("s1", "2024-03-04 00:00", "TP", D("0.040"), False, None, None, 3),
        ("s1", "2024-03-04 00:00", "pH", D("7.6"), False, None, None, 3),
        # Excel serial 45292 is 2024-01-01; + 31 (Jan) + 29 (Feb) + 3 = 45355 is 2024-03-04
        ("ctl", "2024-03-04 00:00", "COD", D("12"), False, None, None, 4),
        ("ctl", "2024-03-04 00:00", "TP", None, False, None, "no_flow", 4),
        ("ctl", "2024-03-04 00:00", "pH", D("8"), False, None, None, 4),
    ]


def test_parquet_long_form_with_typed_columns(con, tmp_path: Path) -> None:
    frame = pl.DataFrame({
        "section": ["s1", "s1"],
        "sampled_at": [dt.datetime(2024, 5, 1, 10), dt.datetime(2024, 5, 1, 14)],
        "indicator": ["TP", "TEMP"],
        "value": [0.00001, -1.5],                 # 1e-05 as a double; negative water temperature
    })
    path = tmp_path / "p.parquet"
    frame.write_parquet(path)
    load_samples(con, [path])
    assert [r[:4] + (r[7],) for r in sample_rows(con)] == [
        ("s1", "2024-05-01 10:00", "TP", D("0.000010"), 2),
        ("s1", "2024-05-01 14:00", "TEMP", D("-1.500000"), 3),
    ]


def test_same_file_twice_is_a_noop_and_agreeing_duplicates_collapse(con, tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "section,sampled_at,indicator,value\n"
                                     "s1,2024-01-05,COD,15\ns1,2024-01-05,COD,15.0\n")
    first = load_samples(con, [path])
    assert counts(con) == (1, 1)
    again = load_samples(con, [path])
    assert again.batches[0].skipped and again.batches[0].batch_id == first.batch_ids[0]
    assert f"与已导入的批次 {first.batch_ids[0]} 内容相同" in again.lines()[0]
    assert counts(con) == (1, 1)


def test_correction_supersedes_older_values_which_stay(con, tmp_path: Path) -> None:
    old = write(tmp_path / "old.csv", "section,sampled_at,indicator,value\n"
                                      "s1,2024-03-05,COD,15\ns1,2024-03-05,TP,0.1\n"
                                      "ctl,2024-03-05,COD,12\n")
    fix = write(tmp_path / "fix.csv", "section,sampled_at,indicator,value\n"
                                      "s1,2024-03-05,COD,25\ns1,2024-03-05,TP,0.2\n")
    first = load_samples(con, [old]).batch_ids[0]
    report = load_samples(con, [fix])
    second = report.batch_ids[0]
    assert report.batches[0].superseded == {first: 2} and report.superseded_rows == 2
    assert con.execute("SELECT batch_id, superseded_by FROM batches WHERE kind = 'samples' "
                       "ORDER BY batch_id").fetchall() == [(first, second), (second, None)]
    assert con.execute("SELECT batch_id, indicator, value FROM samples WHERE section_id = 's1' "
                       "ORDER BY batch_id, indicator").fetchall() == [
        (first, "COD", D("15")), (first, "TP", D("0.1")),
        (second, "COD", D("25")), (second, "TP", D("0.2")),
    ]
