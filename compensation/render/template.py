"""The blank monitoring workbook (填报模板) in the wide form that `ecocomp load samples` reads.

Sheet 监测数据: header `断面名称, 采样日期, <指标>(单位)...`, then empty rows with drop-downs:
section names from the registry; on every value cell the flag words (断流, 结冰, ...) offered but
not enforced, so numbers and `0.01L` stay allowed; on each indicator header the accepted units.
Sheet 说明 (skipped by the reader): how to fill it in, and the lists the drop-downs use.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from compensation.errors import EcocompError
from compensation.quality.flags import TEMPLATE_FLAG_WORDS
from compensation.quality.indicators import Indicator, load_indicators
from compensation.render.data import read_registry
from compensation.render.model import section_order
from compensation.render.save import NO_MOMENT, save_workbook
from compensation.render.xlsx import BORDER, HEADER_FILL, put, set_widths

DATA_SHEET = "监测数据"
HELP_SHEET = "说明"
DEFAULT_INDICATORS = ("pH", "DO", "CODMn", "COD", "BOD5", "NH3N", "TP", "TN")
FLAG_CHOICES = TEMPLATE_FLAG_WORDS
# Units the reader converts exactly besides the indicator's own (mg/L ↔ µg/L).
ALTERNATIVE_UNITS = {"mg/L": ("μg/L",)}
LIST_COLUMN_SECTIONS = "F"
LIST_COLUMN_FLAGS = "G"

HELP_LINES = [
    "监测数据填报模板（宽表）",
    "",
    ("1. 每行填写一个断面一次采样：「断面名称」从下拉列表中选择（来自数据库中的断面名录），"
    "「采样日期」填写日期，例如 2024-01-05。"),
    ("2. 每个指标一列，表头括号内为单位；如监测结果以其他单位报送，可在表头下拉列表中改选"
    "（例如 总磷(μg/L)），导入时精确换算。"),
    ("3. 数值直接填写数字；低于检出限写作 0.01L 或 <0.01（0.01 为检出限）；断流、结冰等情况在"
    "单元格中选择或填写标记词，不填数字。"),
    "4. 未监测的指标留空。请勿修改表头行和工作表名称；本「说明」工作表在导入时不读取。",
    ("5. 填好后导入：ecocomp load samples 文件名.xlsx（同一文件重复导入不会重复入库；"
    "更正后的文件作为新批次导入，替换相同断面、时间、指标的旧值，旧值保留可查）。"),
]


def _indicators(codes: str | None) -> list[Indicator]:
    table = {ind.code.casefold(): ind for ind in load_indicators()}
    wanted = [c.strip() for c in codes.split(",")] if codes else list(DEFAULT_INDICATORS)
    unknown = [c for c in wanted if c and c.casefold() not in table]
    if unknown:
        known = "、".join(ind.code for ind in load_indicators())
        raise EcocompError(
            f"未知的指标代码：{'、'.join(unknown)}；应为以下之一：{known}。"
        )
    return [table[c.casefold()] for c in wanted if c]


def header_text(indicator: Indicator, unit: str | None = None) -> str:
    """氨氮(mg/L); a dimensionless indicator (pH) has no unit in brackets."""
    unit = unit or indicator.unit
    if unit in ("无量纲", "", None):
        return indicator.name_cn
    return f"{indicator.name_cn}({unit})"


def _section_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Sections still in use, in the order of the bulletin (scheme, river, bank, upstream first)."""
    current = {
        r[0] for r in con.execute(
            "SELECT section_id FROM sections WHERE valid_to IS NULL OR valid_to >= current_date"
        ).fetchall()
    }
    sections = sorted(read_registry(con).sections.values(), key=section_order)
    return list(dict.fromkeys(s.name for s in sections if s.section_id in current))


def export_template(
    con: duckdb.DuckDBPyConnection,
    out: str | Path,
    indicators: str | None = None,
    rows: int = 500,
) -> Path:
    """Write the blank template to `out` (.xlsx) and return its path."""
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise EcocompError(f"模板文件名“{out.name}”应以 .xlsx 结尾。")
    chosen = _indicators(indicators)
    sections = _section_names(con)
    wb = Workbook()
    data = wb.active
    data.title = DATA_SHEET
    help_sheet = wb.create_sheet(HELP_SHEET)
    _write_help(help_sheet, sections)
    headers = ["断面名称", "采样日期", *[header_text(ind) for ind in chosen]]
    for column, title in enumerate(headers, start=1):
        cell = put(data, 1, column, title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    last = rows + 1
    for row in range(2, last + 1):
        data.cell(row, 2).number_format = "yyyy-mm-dd"
        for column in range(1, len(headers) + 1):
            data.cell(row, column).border = BORDER
    _validations(data, chosen, len(sections), last)
    data.freeze_panes = "C2"
    set_widths(data, [18, 13, *([14] * len(chosen))])
    data.row_dimensions[1].height = 32
    data.print_title_rows = "1:1"
    data.page_setup.orientation = "landscape"
    data.page_setup.paperSize = data.PAPERSIZE_A4
    save_workbook(wb, out, NO_MOMENT)  # a blank form shows no data: no moment of its own
    return out


def _write_help(ws, sections: list[str]) -> None:
    for row, text in enumerate(HELP_LINES, start=1):
        ws.cell(row, 1).value = text
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 100
    put(ws, 1, 6, "断面名称（下拉列表）").font = Font(bold=True)
    put(ws, 1, 7, "标记词（下拉列表）").font = Font(bold=True)
    for i, name in enumerate(sections, start=2):
        put(ws, i, 6, name)
    for i, flag in enumerate(FLAG_CHOICES, start=2):
        put(ws, i, 7, flag)
    ws.column_dimensions["F"].width = 22
    ws.column_dimensions["G"].width = 18


def _validations(ws, chosen: list[Indicator], n_sections: int, last: int) -> None:
    if n_sections:
        names = DataValidation(
            type="list",
            formula1=f"'{HELP_SHEET}'!${LIST_COLUMN_SECTIONS}$2:"
                     f"${LIST_COLUMN_SECTIONS}${n_sections + 1}",
            allow_blank=True, showErrorMessage=True, errorTitle="断面名称",
            error="请从下拉列表中选择数据库断面名录中的断面名称。",
        )
        names.add(f"A2:A{last}")
        ws.add_data_validation(names)
    dates = DataValidation(
        type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)",
        allow_blank=True, showErrorMessage=True, errorTitle="采样日期",
        error="请填写 2000-01-01 至 2100-12-31 之间的日期，例如 2024-01-05。",
    )
    dates.add(f"B2:B{last}")
    ws.add_data_validation(dates)
    if chosen:
        flags = DataValidation(
            type="list",
            formula1=f"'{HELP_SHEET}'!${LIST_COLUMN_FLAGS}$2:"
                     f"${LIST_COLUMN_FLAGS}${len(FLAG_CHOICES) + 1}",
            allow_blank=True, showErrorMessage=False,
            prompt="填写数值；低于检出限写 0.01L；断流、结冰等可从下拉列表选择。",
            showInputMessage=True,
        )
        flags.add(f"C2:{get_column_letter(2 + len(chosen))}{last}")
        ws.add_data_validation(flags)
    for i, indicator in enumerate(chosen):
        units = [indicator.unit, *ALTERNATIVE_UNITS.get(indicator.unit, ())]
        if len(units) < 2:
            continue
        choice = ",".join(header_text(indicator, unit) for unit in units)
        header = DataValidation(type="list", formula1=f'"{choice}"', allow_blank=False,
                                showErrorMessage=True, errorTitle="单位",
                                error="请从下拉列表中选择该指标的单位。")
        header.add(f"{get_column_letter(3 + i)}1")
        ws.add_data_validation(header)
