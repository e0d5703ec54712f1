"""District workbooks (openpyxl): summary with live formulas, water quality, ledger, rules.

The summary's cells are SUMIFS formulas over the ledger sheet, so a district can check every total
in Excel; the ledger sheet holds the amounts in yuan exactly as the store has them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from compensation.quality.indicators import load_indicators
from compensation.quality.standards import shown_decimals
from compensation.render.district import DistrictBook, build_district_books
from compensation.render.gaps import gaps_sentence, month_note
from compensation.render.labels import FLAG_WORDS, ROLE_LABELS, month_label, scheme_title
from compensation.render.save import NO_MOMENT, save_workbook
from compensation.render.words import explain
from compensation.render.xlsx import (
    BOLD,
    MONEY_FORMAT,
    MONTH_FORMAT,
    WRAP,
    header_row,
    note_row,
    print_setup,
    put,
    put_class,
    put_formula,
    safe_file_part,
    set_style,
    set_widths,
    title_row,
)

SUMMARY = "汇总"
QUALITY = "断面水质"
LEDGER = "台账明细"
RULES = "规则与参数"
LEDGER_HEADER_ROW = 3
LEDGER_TITLES = [
    "台账行号", "月份", "方案", "规则", "断面", "付款方", "收款方", "本方收支", "金额（元）",
    "本方金额（元）", "本方金额（万元）", "适用档次", "例外/原因", "说明",
]
# Columns the summary formulas read (1-based letters of LEDGER_TITLES).
COL_MONTH, COL_SCHEME, COL_SIGNED_YUAN = "B", "C", "J"


def _ledger_sheet(ws: Worksheet, book: DistrictBook) -> int:
    """Write the ledger lines; return the last data row (header row when there are none)."""
    title_row(ws, f"{book.name} {book.year}年 生态补偿台账明细（截至{month_label(book.through)}）",
              len(LEDGER_TITLES))
    note_row(ws, 2, "说明：本方金额为正表示收入（奖励），为负表示支出（扣罚）；"
                  "金额以元计，精确到分。")
    header_row(ws, LEDGER_HEADER_ROW, LEDGER_TITLES)
    row = LEDGER_HEADER_ROW
    for entry in book.lines:
        row += 1
        line, view = entry.view.line, entry.view
        put(ws, row, 1, line.line_id)
        put(ws, row, 2, entry.month.month, MONTH_FORMAT)
        put(ws, row, 3, scheme_title(line.scheme))
        put(ws, row, 4, line.rule)
        put(ws, row, 5, view.section_name)
        put(ws, row, 6, view.payer_name)
        put(ws, row, 7, view.payee_name)
        put(ws, row, 8, "收入" if entry.signed > 0 else ("支出" if entry.signed < 0 else "—"))
        put(ws, row, 9, line.amount, MONEY_FORMAT)
        put(ws, row, 10, entry.signed, MONEY_FORMAT)
        put_formula(ws, row, 11, f"={COL_SIGNED_YUAN}{row}/10000", MONEY_FORMAT)
        put(ws, row, 12, line.branch or "")
        put(ws, row, 13, view.note)
        set_style(put(ws, row, 14, explain(view)), "alignment", WRAP)
    set_widths(ws, [9, 7, 30, 14, 16, 22, 22, 9, 16, 16, 14, 14, 18, 70])
    ws.freeze_panes = ws.cell(LEDGER_HEADER_ROW + 1, 3)
    ws.auto_filter.ref = f"A{LEDGER_HEADER_ROW}:N{max(row, LEDGER_HEADER_ROW)}"
    print_setup(ws, f"{LEDGER_HEADER_ROW}:{LEDGER_HEADER_ROW}")
    return row


def _summary_sheet(ws: Worksheet, book: DistrictBook, last_ledger_row: int) -> None:
    titles = book.scheme_titles()
    width = len(titles) + 2  # the 合计 column; 备注 follows it
    title_row(ws, f"{book.name} {book.year}年 生态补偿预核算汇总（万元）", width)
    note_row(ws, 2, f"截至{month_label(book.through)}；正数为收入（奖励），负数为支出（扣罚）；"
                  f"各数为「{LEDGER}」工作表的公式合计。")
    header_row(ws, 3, ["月份", *titles, "合计", "备注"])
    first_data = LEDGER_HEADER_ROW + 1
    last_data = max(last_ledger_row, first_data)
    ledger = f"'{LEDGER}'!"
    amounts = f"{ledger}${COL_SIGNED_YUAN}${first_data}:${COL_SIGNED_YUAN}${last_data}"
    months = f"{ledger}${COL_MONTH}${first_data}:${COL_MONTH}${last_data}"
    schemes = f"{ledger}${COL_SCHEME}${first_data}:${COL_SCHEME}${last_data}"
    row = 3
    for month in book.months:
        row += 1
        set_style(put(ws, row, 1, month.month, MONTH_FORMAT), "font", BOLD)
        for i in range(len(titles)):
            column = get_column_letter(2 + i)
            put_formula(ws, row, 2 + i,
                        f"=SUMIFS({amounts},{months},$A{row},{schemes},{column}$3)/10000",
                        MONEY_FORMAT)
        last_scheme = get_column_letter(1 + len(titles))
        put_formula(ws, row, width, f"=SUM(B{row}:{last_scheme}{row})" if titles else "=0",
                    MONEY_FORMAT)
        set_style(put(ws, row, width + 1, month_note(book.gaps, month)), "alignment", WRAP)
    total = row + 1
    set_style(put(ws, total, 1, "本年累计"), "font", BOLD)
    for column in range(2, width + 1):
        letter = get_column_letter(column)
        cell = put_formula(ws, total, column, f"=SUM({letter}4:{letter}{row})", MONEY_FORMAT)
        set_style(cell, "font", BOLD)
    set_style(put(ws, total, width + 1, gaps_sentence(book.gaps)), "alignment", WRAP)
    set_widths(ws, [10, *([24] * len(titles)), 14, 60])
    for column in range(2, width):
        ws.cell(3, column).alignment = Alignment(wrap_text=True, horizontal="center")
    ws.row_dimensions[3].height = 45
    ws.freeze_panes = "B4"
    print_setup(ws, "3:3", landscape=False)


def _quality_sheet(ws: Worksheet, book: DistrictBook) -> None:
    order = {ind.code: i for i, ind in enumerate(load_indicators())}
    names = {ind.code: (ind.name_cn, ind.unit) for ind in load_indicators()}
    indicators = sorted({v.indicator for v in book.values}, key=lambda c: order.get(c, 999))
    titles = ["断面", "河流", "角色", "月份", "水质类别",
              *[f"{names.get(c, (c, ''))[0]}({names.get(c, (c, ''))[1]})" for c in indicators],
              "标记"]
    title_row(ws, f"{book.name} {book.year}年 相关断面月均值与水质类别", len(titles))
    note_row(ws, 2, "水质类别按 GB 3838-2002 单因子评价；月均值已按评价位数修约（四舍六入五成双）。"
                  "颜色为惯用配色（约定）。")
    header_row(ws, 3, titles)
    by_key = {(v.section_id, v.period, v.indicator): v for v in book.values}
    row = 3
    for section in book.sections:
        for month in book.months:
            row += 1
            put(ws, row, 1, section.name)
            put(ws, row, 2, section.river)
            put(ws, row, 3, ROLE_LABELS.get(section.role, section.role))
            put(ws, row, 4, month.month, MONTH_FORMAT)
            put_class(ws, row, 5, book.classes.get((section.section_id, month)))
            flags: list[str] = []
            for i, code in enumerate(indicators):
                value = by_key.get((section.section_id, month, code))
                cell = put(ws, row, 6 + i, value.value if value and value.value is not None
                           else "—")
                if value is not None:
                    flags.extend(f for f in value.flags if f not in flags)
                    if value.value is not None:
                        decimals = shown_decimals(code, value.value)
                        cell.number_format = "0" if decimals == 0 else "0." + "0" * decimals
            put(ws, row, 6 + len(indicators), "、".join(FLAG_WORDS.get(f, f) for f in flags))
    set_widths(ws, [16, 8, 6, 7, 9, *([13] * len(indicators)), 12])
    ws.freeze_panes = "E4"
    print_setup(ws, "3:3")


def _rules_sheet(ws: Worksheet, book: DistrictBook) -> None:
    title_row(ws, f"{book.name} {book.year}年 适用的规则与参数", 5)
    header_row(ws, 3, ["方案", "规则", "名称", "依据", "规则文件"])
    row = 3
    for rule in book.rules:
        row += 1
        for column, value in enumerate(
            [scheme_title(rule.scheme), rule.rule, rule.title or "—", rule.basis or "—",
             rule.where or "—"], start=1
        ):
            set_style(put(ws, row, column, value), "alignment", WRAP)
    row += 2
    header_row(ws, row, ["方案", "参数", "取值", "起始", "依据"])
    for parameter in book.parameters:
        row += 1
        for column, value in enumerate(
            [scheme_title(parameter.scheme), parameter.name, parameter.value, parameter.since,
             parameter.basis or "—"], start=1
        ):
            set_style(put(ws, row, column, value), "alignment", WRAP)
    set_widths(ws, [30, 18, 28, 50, 30])
    ws.freeze_panes = "A4"
    print_setup(ws, "3:3")


def write_district_book(book: DistrictBook, path: Path) -> Path:
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY
    ledger = wb.create_sheet(LEDGER)
    last_row = _ledger_sheet(ledger, book)
    _summary_sheet(summary, book, last_row)
    _quality_sheet(wb.create_sheet(QUALITY), book)
    _rules_sheet(wb.create_sheet(RULES), book)
    wb.move_sheet(QUALITY, offset=-1)
    wb.calculation.fullCalcOnLoad = True
    for ws in wb.worksheets:
        ws.sheet_view.zoomScale = 100
        ws.cell(1, 1).font = Font(bold=True, size=14)
    save_workbook(wb, path, book.as_of)
    return path


def _save_atomically(wb: Workbook, path: Path, moment: datetime = NO_MOMENT) -> None:
    """Kept for callers written before `render.save`: use `save.save_workbook` with a moment."""
    save_workbook(wb, path, moment)


def book_file_name(book: DistrictBook) -> str:
    return f"{book.year}_{safe_file_part(book.party_id)}_{safe_file_part(book.name)}.xlsx"


def export_districts(
    con: duckdb.DuckDBPyConnection, year: int, out_dir: str | Path, through: str | None = None
) -> list[Path]:
    """One workbook per district or party for `year` (through `through`, 'YYYY-MM'); the paths."""
    books = build_district_books(con, year, through)
    out = Path(out_dir)
    return [write_district_book(book, out / book_file_name(book)) for book in books]

