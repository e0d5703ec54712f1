"""The input template: wide form, Chinese headers with units, drop-downs, and it loads back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from compensation.errors import EcocompError
from compensation.ingest import load_samples
from compensation.render import export_template

HEADERS = ["断面名称", "采样日期", "pH值", "溶解氧(mg/L)", "高锰酸盐指数(mg/L)",
           "化学需氧量(mg/L)", "五日生化需氧量(mg/L)", "氨氮(mg/L)", "总磷(mg/L)", "总氮(mg/L)"]


def test_template_has_headers_lists_and_help(store, tmp_path) -> None:
    path = export_template(store, tmp_path / "模板.xlsx", rows=50)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["监测数据", "说明"]
    ws = wb["监测数据"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.freeze_panes == "C2"
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    sections = rules["A2:A51"]
    assert sections.type == "list" and sections.formula1 == "'说明'!$F$2:$F$6"
    names = [wb["说明"][f"F{r}"].value for r in range(2, 7)]
    assert names == ["水洪中心", "老关村", "王家巷码头", "滠水入长江口", "港洲村"]
    assert rules["B2:B51"].type == "date"
    flags = rules["C2:J51"]
    assert flags.formula1 == "'说明'!$G$2:$G$8" and flags.showErrorMessage is False
    assert [wb["说明"][f"G{r}"].value for r in range(2, 9)][:2] == ["断流", "结冰"]
    assert rules["H1"].formula1 == '"氨氮(mg/L),氨氮(μg/L)"'  # the unit drop-down
    assert "ecocomp load samples" in " ".join(
        str(c.value) for c in wb["说明"]["A"] if c.value
    )


def test_a_filled_in_template_loads(store, tmp_path) -> None:
    path = export_template(store, tmp_path / "模板.xlsx", indicators="COD,NH3N,TP", rows=20)
    wb = openpyxl.load_workbook(path)
    ws = wb["监测数据"]
    ws.cell(1, 5).value = "总磷(μg/L)"  # the reporter picked the other unit from the drop-down
    ws.append(["老关村", date(2018, 3, 5), 16.5, "0.025L", 62])
    ws.append(["港洲村", date(2018, 3, 6), "断流", "断流", "断流"])
    # appended rows land after the 20 prepared (empty, formatted) rows
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    report = load_samples(store, [filled])
    (batch,) = report.batch_ids
    rows = store.execute(
        "SELECT section_id, sampled_at, indicator, value, below_dl, detection_limit, flag"
        " FROM samples WHERE batch_id = ? ORDER BY section_id, indicator", [batch]
    ).fetchall()
    assert rows == [
        ("ts01", datetime(2018, 3, 6), "COD", None, False, None, "no_flow"),
        ("ts01", datetime(2018, 3, 6), "NH3N", None, False, None, "no_flow"),
        ("ts01", datetime(2018, 3, 6), "TP", None, False, None, "no_flow"),
        ("ycl02", datetime(2018, 3, 5), "COD", Decimal("16.500000"), False, None, None),
        ("ycl02", datetime(2018, 3, 5), "NH3N", None, True, Decimal("0.025000"), None),
        ("ycl02", datetime(2018, 3, 5), "TP", Decimal("0.062000"), False, None, None),  # 62 µg/L
    ]


def test_unknown_indicator_and_wrong_suffix_are_refused(store, tmp_path) -> None:
    with pytest.raises(EcocompError) as err:
        export_template(store, tmp_path / "t.xlsx", indicators="COD,XYZ")
    assert "未知的指标代码：XYZ" in str(err.value)
    with pytest.raises(EcocompError) as err:
        export_template(store, tmp_path / "t.csv")
    assert "应以 .xlsx 结尾" in str(err.value)
    assert not (tmp_path / "t.xlsx").exists() and not (tmp_path / "t.csv").exists()
