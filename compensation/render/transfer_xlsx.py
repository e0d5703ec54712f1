"""The transfer list as an Excel sheet finance can sign: amounts as numbers, the total a SUM.

The 元 column holds the exact amounts (Decimal written as numbers with two decimals); the 万元
column is a formula over it, rounded for reading. A provisional list says 预核算 in the title and
in the page header of every printed page.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from compensation.render.transfer_list import AMOUNT_NOTE, TransferList
from compensation.render.workbook import _save_atomically
from compensation.render.xlsx import (
    BOLD,
    HEADER_FILL,
    MONEY_FORMAT,
    TITLE_FONT,
    WRAP,
    put,
    put_formula,
    set_widths,
)

SHEET = "划拨清单"
HEADER = ["序号", "付款方", "收款方", "金额（元）", "金额（万元）"]


def transfer_list_xlsx(tl: TransferList, out: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.cell(1, 1).value = f"{tl.head.title}{'' if tl.final else '（预核算）'}"
    ws.cell(1, 1).font = TITLE_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.cell(2, 1).value = f"{tl.head.issuer}　{tl.status}"
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADER))
    for column, title in enumerate(HEADER, start=1):
        cell = put(ws, 4, column, title)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    row = 4
    for item in tl.rows:
        row += 1
        put(ws, row, 1, item.number)
        put(ws, row, 2, item.payer)
        put(ws, row, 3, item.payee)
        put(ws, row, 4, item.yuan, MONEY_FORMAT)
        put_formula(ws, row, 5, f"=ROUND(D{row}/10000,2)", MONEY_FORMAT)
    total = row + 1
    put(ws, total, 1, "合计").font = BOLD
    put(ws, total, 2, "")
    put(ws, total, 3, "")
    first = 5 if tl.rows else total
    put_formula(ws, total, 4, f"=SUM(D{first}:D{max(row, first)})" if tl.rows else "=0",
                MONEY_FORMAT).font = BOLD
    put_formula(ws, total, 5, f"=ROUND(D{total}/10000,2)", MONEY_FORMAT).font = BOLD
    line = total + 2
    ws.cell(line, 1).value = AMOUNT_NOTE
    for label, text in tl.facts:
        line += 1
        ws.cell(line, 1).value = label
        ws.cell(line, 1).font = BOLD
        ws.cell(line, 2).value = text
        ws.cell(line, 2).alignment = WRAP
        ws.merge_cells(start_row=line, start_column=2, end_row=line, end_column=len(HEADER))
    if tl.carry_forward:
        line += 2
        ws.cell(line, 1).value = "按现有数据重算的差额（结转下一年度）："
        for item in tl.carry_forward:
            line += 1
            put(ws, line, 2, item.payer)
            put(ws, line, 3, item.payee)
            put(ws, line, 4, item.yuan, MONEY_FORMAT)
    line += 2
    for text in tl.sign_lines:
        ws.cell(line, 1).value = text
        ws.cell(line, 1).font = Font(bold=True)
        line += 2
    set_widths(ws, [6, 26, 20, 16, 13])
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # one page wide, as many long as needed
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "4:4"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.oddHeader.center.text = tl.status
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    _save_atomically(wb, out)
    return out
