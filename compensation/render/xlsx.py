"""Cell writing shared by the workbooks: text stays text, classes get their colour, pages print.

A value from data that starts with `=`, `+`, `-` or `@` would become a formula in Excel (formula
injection); `put` always writes strings as strings with Excel's quote prefix.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from compensation.render.labels import class_fill, class_numeral, class_text_colour

FORMULA_STARTS = ("=", "+", "-", "@")
MONEY_FORMAT = "#,##0.00"
MONTH_FORMAT = '0"月"'
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
THIN = Side(style="thin", color="9AA4AE")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
NO_BORDER = Border()


_STYLE_KEYS = {"font": "fontId", "fill": "fillId", "border": "borderId", "alignment": "alignmentId"}
_STYLE_INDEX: WeakKeyDictionary[Workbook, dict[tuple[str, int], int]] = WeakKeyDictionary()


def set_style(cell: Cell, name: str, value: Any) -> None:
    """`cell.<name> = value` for a style object kept for the whole process (a module constant):
    its index in the workbook's list of styles is looked up once per workbook. openpyxl hashes
    the whole style object on every assignment, two thirds of a district workbook's time."""
    known = _STYLE_INDEX.setdefault(cell.parent.parent, {})
    index = known.get((name, id(value)))
    if index is None:
        setattr(cell, name, value)
        known[(name, id(value))] = getattr(cell._style, _STYLE_KEYS[name])
        return
    if not cell._style:
        cell._style = StyleArray()
    setattr(cell._style, _STYLE_KEYS[name], index)


@cache
def _class_style(klass: int | None) -> tuple[PatternFill, Font]:
    return (PatternFill("solid", fgColor=class_fill(klass).lstrip("#").upper()),
            Font(color=class_text_colour(klass).lstrip("#").upper()))


def put(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> Cell:
    """Write one value; strings are always text (never a formula), numbers keep their value."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    set_style(cell, "border", BORDER)
    return cell


def put_formula(ws: Worksheet, row: int, column: int, formula: str, number_format: str) -> Cell:
    """A formula we wrote ourselves (never text from data)."""
    cell = ws.cell(row=row, column=column)
    cell.value = formula
    cell.number_format = number_format
    cell.border = BORDER
    return cell


def put_class(ws: Worksheet, row: int, column: int, klass: int | None) -> Cell:
    cell = put(ws, row, column, class_numeral(klass))
    fill, font = _class_style(klass)
    set_style(cell, "fill", fill)
    set_style(cell, "font", font)
    set_style(cell, "alignment", CENTER)
    return cell


def header_row(ws: Worksheet, row: int, titles: list[str]) -> None:
    for column, title in enumerate(titles, start=1):
        cell = put(ws, row, column, title)
        set_style(cell, "font", BOLD)
        set_style(cell, "fill", HEADER_FILL)
        set_style(cell, "alignment", HEADER_ALIGNMENT)


def note_row(ws: Worksheet, row: int, text: str) -> Cell:
    """A line of explanation above a table: text, no border."""
    cell = put(ws, row, 1, text)
    set_style(cell, "border", NO_BORDER)
    return cell


def title_row(ws: Worksheet, text: str, width: int) -> None:
    note_row(ws, 1, text).font = TITLE_FONT
    if width > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)


def set_widths(ws: Worksheet, widths: list[float]) -> None:
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width


def print_setup(ws: Worksheet, title_rows: str, landscape: bool = True) -> None:
    """A4, fit to page width, header rows repeated on every printed page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def excel_number(value: Decimal) -> Decimal:
    """Money goes into cells as Decimal (openpyxl writes its exact text, no binary detour)."""
    return Decimal(value)


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_file_part(text: str) -> str:
    """A piece of a file name from data: no path separators or characters Windows refuses."""
    cleaned = _UNSAFE.sub("_", text).strip(" .")
    return cleaned or "_"
