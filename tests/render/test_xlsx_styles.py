"""`set_style` (a style's index looked up once per workbook, not hashed on every cell) writes the
same workbook as openpyxl's own assignment, also when workbooks list their styles in other
orders."""

from __future__ import annotations

from datetime import datetime

from openpyxl import Workbook

from compensation.render.save import workbook_bytes
from compensation.render.xlsx import BOLD, BORDER, CENTER, HEADER_FILL, WRAP, set_style

MOMENT = datetime(2024, 3, 1, 9, 0)
STYLES = (("border", BORDER), ("font", BOLD), ("fill", HEADER_FILL), ("alignment", CENTER),
          ("alignment", WRAP))


def _book(order: tuple[int, ...], fast: bool) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in range(1, 30):
        for column, k in enumerate(order, start=1):
            cell = ws.cell(row, column, f"{row}-{column}")
            name, value = STYLES[(k + row) % len(STYLES)]
            if fast:
                set_style(cell, name, value)
            else:
                setattr(cell, name, value)
    return workbook_bytes(wb, MOMENT)


def test_the_same_bytes_as_openpyxls_own_assignment() -> None:
    for order in ((0, 1, 2, 3, 4), (4, 3, 2, 1, 0), (2, 2, 0)):
        assert _book(order, fast=True) == _book(order, fast=False)
    # two workbooks alive at once keep their own indices
    wb1, wb2 = Workbook(), Workbook()
    set_style(wb1.active.cell(1, 1), "font", BOLD)
    set_style(wb2.active.cell(1, 1), "fill", HEADER_FILL)
    set_style(wb2.active.cell(1, 2), "font", BOLD)
    set_style(wb1.active.cell(1, 2), "fill", HEADER_FILL)
    assert wb1.active.cell(1, 1).font == BOLD and wb1.active.cell(1, 2).fill == HEADER_FILL
    assert wb2.active.cell(1, 2).font == BOLD and wb2.active.cell(1, 1).fill == HEADER_FILL
