"""Outputs: the xlsx re-opened, the html self-contained with its plots, the JSON shape."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from scenario_support import AS_OF

from compensation.errors import EcocompError
from compensation.scenario import compare, risk, sweep, write_demo_comparison, write_result
from compensation.scenario.json_view import comparison_json, sweep_json


def test_comparison_workbook(con, tmp_path: Path) -> None:
    c = compare(con, "tongshun", "base", ["target_iii"], "2023", as_of=AS_OF)
    path = write_result(c, tmp_path / "c.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["情景说明", "年度净额", "月度净额与原因"]
    year = book["年度净额"]
    assert [cell.value for cell in year[1]] == [
        "年度", "base 净额（万元）", "base 较基准（万元）",
        "target_iii 净额（万元）", "target_iii 较基准（万元）"]
    assert year["A2"].value == "2023"
    assert Decimal(str(year["B2"].value)) == Decimal("250")  # 2,500,000 yuan
    assert Decimal(str(year["D2"].value)) == Decimal("225")
    assert Decimal(str(year["E2"].value)) == Decimal("-25")
    assert year["B2"].number_format == "#,##0.00"
    months = book["月度净额与原因"]
    march = next(r for r in months.iter_rows(min_row=2, values_only=True) if r[0] == "2023-03")
    assert march[3] == "断面甲：氨氮Ⅴ类（目标Ⅳ类）"
    assert not (tmp_path / "c.xlsx.part").exists()


def test_comparison_html_is_self_contained(con, tmp_path: Path) -> None:
    c = compare(con, "tongshun", "base", ["target_iii"], "2023", as_of=AS_OF)
    html = write_result(c, tmp_path / "c.html").read_text(encoding="utf-8")
    assert "<svg" in html and "断面甲：氨氮Ⅴ类（目标Ⅳ类）" in html
    assert "src=\"http" not in html and "<link" not in html and "<script" not in html
    assert "250.00" in html and "225.00" in html


def test_risk_html_has_the_distribution_plots(two_year_db, tmp_path: Path) -> None:
    from scenario_support import read_only

    con = read_only(two_year_db)
    try:
        r = risk(con, "tongshun", ["base", "target_iii"], draws=200, seed=1, as_of=AS_OF)
    finally:
        con.close()
    html = write_result(r, tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 2  # box plots and histograms
    book = load_workbook(write_result(r, tmp_path / "r.xlsx"))
    assert book.sheetnames == ["风险汇总", "历史年度净额", "模拟结果"]
    assert book["模拟结果"].max_row == 201


def test_sweep_json_and_workbook(con, tmp_path: Path) -> None:
    r = sweep(con, "tongshun", ["annual_amount=0万..300万/100万", "target=IV"], "2023",
              as_of=AS_OF, break_even_param="annual_amount")
    doc = sweep_json(r)
    assert doc["base"]["total"] == "2500000.00"
    assert doc["scenarios"][0]["name"] == "annual_amount=0万,target=Ⅳ"
    assert doc["scenarios"][0]["total"] == "-250000.00"
    assert doc["break_even"][0]["value"] == "272727.28"
    book = load_workbook(write_result(r, tmp_path / "s.xlsx"))
    assert book.sheetnames == ["扫描结果", "平衡点"]
    assert "272727.28 元" in book["平衡点"]["C2"].value


def test_comparison_json_money_as_strings(con) -> None:
    doc = comparison_json(compare(con, "tongshun", "base", ["proration"], "2023", as_of=AS_OF))
    totals = {t["scenario"]: t for t in doc["totals"]}
    assert totals["proration"] == {"scenario": "proration", "net": "2750000.00",
                                   "diff_to_base": "250000.00"}
    assert len(doc["monthly"]) == 24


def test_bad_output_suffix_writes_nothing(con, tmp_path: Path) -> None:
    c = compare(con, "tongshun", "base", ["target_iii"], "2023", as_of=AS_OF)
    with pytest.raises(EcocompError) as err:
        write_result(c, tmp_path / "c.pdf")
    assert "只支持 .xlsx 或 .html" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_demo_comparison_files(demo_2022_db, tmp_path: Path) -> None:
    from scenario_support import read_only

    con = read_only(demo_2022_db)
    try:
        paths = write_demo_comparison(con, tmp_path)
    finally:
        con.close()
    assert [p.name for p in paths] == ["scenario_tongshun.xlsx", "scenario_tongshun.html",
                                       "workbench_tongshun.html", "谈判简报_tongshun.html",
                                       "谈判简报_tongshun.docx"]
    assert "本文件含 <b id=\"wb-count\">462</b> 个参数组合" in paths[2].read_text(encoding="utf-8")
    book = load_workbook(paths[0])
    year = book["年度净额"]
    assert year["A2"].value == "2022"
    assert Decimal(str(year["B2"].value)) == Decimal("300")  # base 300万
    assert Decimal(str(year["F2"].value)) == Decimal("500")  # amount_500
