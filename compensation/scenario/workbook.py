"""Scenario workbooks (openpyxl): one sheet per view, Chinese headers, money in 万元 to the fen.

Money cells hold the exact amount in 万元 (yuan / 10000, a Decimal) shown with two decimals;
text from data (names, reasons) is always written as text, never as a formula.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from compensation.render.save import NO_MOMENT, save_workbook
from compensation.render.xlsx import MONEY_FORMAT, header_row, note_row, put, set_widths
from compensation.scenario.compare import Comparison
from compensation.scenario.evaluate import Direction
from compensation.scenario.risk import RiskResult
from compensation.scenario.sweep import SweepResult

WAN = Decimal(10000)
SHARE_FORMAT = "0.00%"


def wan(yuan: Decimal) -> Decimal:
    """Yuan → 万元, exact (six decimals); the cell format shows two."""
    return Decimal(yuan) / WAN


def _money(ws: Worksheet, row: int, column: int, yuan: Decimal) -> None:
    put(ws, row, column, wan(yuan), MONEY_FORMAT)


def _notes(ws: Worksheet, lines: list[str]) -> int:
    for i, line in enumerate(lines, start=1):
        note_row(ws, i, line)
    return len(lines) + 2


def _direction_lines(title: str, d: Direction) -> list[str]:
    return [title, d.sentence + "。", "金额单位：万元（单元格保留到分，显示两位小数）。"]


def _new_book() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    return book


def comparison_workbook(c: Comparison, path: Path) -> Path:
    book = _new_book()
    ws = book.create_sheet("情景说明")
    row = _notes(ws, _direction_lines(f"方案 {c.scheme} {c.scheme_title}：情景比较 "
                                      f"{c.years[0]}–{c.years[-1]} 年", c.direction))
    header_row(ws, row, ["情景", "说明", "改动的参数", "是否基准"])
    for s in c.scenarios:
        row += 1
        put(ws, row, 1, s.name)
        put(ws, row, 2, s.description)
        put(ws, row, 3, s.overrides_text())
        put(ws, row, 4, "基准" if s.name == c.base else "")
    set_widths(ws, [28, 60, 50, 10])

    ws = book.create_sheet("年度净额")
    header = ["年度"]
    for n in c.names:
        header += [f"{n} 净额（万元）", f"{n} 较基准（万元）"]
    header_row(ws, 1, header)
    for r, year in enumerate([*c.years, None], start=2):
        put(ws, r, 1, c.year_label(year) if year is not None else "合计")
        for k, n in enumerate(c.names):
            net = c.yearly[year][n] if year is not None else c.totals[n]
            _money(ws, r, 2 + 2 * k, net)
            _money(ws, r, 3 + 2 * k, c.diff(n, year))
    set_widths(ws, [10 if c.year_begins == 1 else 32] + [16] * (2 * len(c.names)))

    ws = book.create_sheet("月度净额与原因")
    header = ["月份"]
    for n in c.names:
        header += [f"{n} 净额（万元）", f"{n} 较基准（万元）", f"{n} 原因"]
    header_row(ws, 1, header)
    for r, m in enumerate(c.monthly, start=2):
        put(ws, r, 1, f"{m.month:%Y-%m}")
        for k, n in enumerate(c.names):
            _money(ws, r, 2 + 3 * k, m.nets[n])
            _money(ws, r, 3 + 3 * k, m.nets[n] - m.nets[c.base])
            put(ws, r, 4 + 3 * k, m.reasons[n])
    set_widths(ws, [10] + [14, 14, 50] * len(c.names))
    ws.freeze_panes = "B2"
    save_workbook(book, path, NO_MOMENT)
    return path


def sweep_workbook(r: SweepResult, path: Path) -> Path:
    book = _new_book()
    ws = book.create_sheet("扫描结果")
    lines = _direction_lines(f"方案 {r.scheme} {r.scheme_title}：参数扫描 {r.years[0]}–"
                             f"{r.years[-1]} 年，共 {len(r.rows)} 个情景", r.direction)
    if r.on:
        lines.append(f"在情景 {r.on.name}（{r.on.description}）之上扫描。")
    row = _notes(ws, lines)
    names = [a.name for a in r.axes]
    header_row(ws, row, ["情景", *names, *[f"{y} 年净额（万元）" for y in r.years],
                         "合计（万元）", "较基准（万元）"])
    row += 1
    put(ws, row, 1, "base（基准）")
    for k, y in enumerate(r.years):
        _money(ws, row, 2 + len(names) + k, r.base.yearly[y])
    _money(ws, row, 2 + len(names) + len(r.years), r.base.total)
    _money(ws, row, 3 + len(names) + len(r.years), Decimal(0))
    for point in r.rows:
        row += 1
        put(ws, row, 1, point.name)
        for k, name in enumerate(names):
            put(ws, row, 2 + k, point.labels[name])
        for k, y in enumerate(r.years):
            _money(ws, row, 2 + len(names) + k, point.yearly[y])
        _money(ws, row, 2 + len(names) + len(r.years), point.total)
        _money(ws, row, 3 + len(names) + len(r.years), point.total - r.base.total)
    set_widths(ws, [36] + [12] * len(names) + [16] * (len(r.years) + 2))
    if r.break_even:
        ws = book.create_sheet("平衡点")
        header_row(ws, 1, ["参数", "其他参数", "平衡值", "该值下净额（元）", "说明"])
        for i, b in enumerate(r.break_even, start=2):
            put(ws, i, 1, b.param)
            put(ws, i, 2, "，".join(f"{k}={v}" for k, v in b.fixed.items()) or "—")
            put(ws, i, 3, b.value_text or "无")
            if b.net_at_value is not None:
                put(ws, i, 4, b.net_at_value, MONEY_FORMAT)
            put(ws, i, 5, b.message)
        set_widths(ws, [16, 24, 32, 16, 60])
    save_workbook(book, path, NO_MOMENT)
    return path


def risk_workbook(r: RiskResult, path: Path) -> Path:
    book = _new_book()
    ws = book.create_sheet("风险汇总")
    row = _notes(ws, [
        *_direction_lines(f"方案 {r.scheme} {r.scheme_title}：未来 {r.years_ahead} 年模拟"
                          f"（{r.draws} 次，种子 {r.seed}）", r.direction),
        r.resampling_note,
        r.quantile_rule,
    ])
    d = r.direction
    header_row(ws, row, ["情景", "说明", "期望净额（万元）", "5%分位（万元）", "95%分位（万元）",
                         f"{d.first_name}付款概率", f"{d.second_name}付款概率"])
    for item in r.rows:
        row += 1
        put(ws, row, 1, item.scenario.name)
        put(ws, row, 2, item.scenario.description)
        _money(ws, row, 3, item.mean)
        _money(ws, row, 4, item.q05)
        _money(ws, row, 5, item.q95)
        put(ws, row, 6, item.p_first_pays, SHARE_FORMAT)
        put(ws, row, 7, item.p_second_pays, SHARE_FORMAT)
    set_widths(ws, [28, 50, 16, 16, 16, 20, 20])

    ws = book.create_sheet("历史年度净额")
    header_row(ws, 1, ["历史年份", *[f"{i.scenario.name}（万元）" for i in r.rows]])
    for k, y in enumerate(r.history_years, start=2):
        put(ws, k, 1, str(y))
        for j, item in enumerate(r.rows):
            _money(ws, k, 2 + j, item.history[y])
    ws = book.create_sheet("模拟结果")
    header_row(ws, 1, ["次序", *[f"{i.scenario.name}（万元）" for i in r.rows]])
    for k in range(r.draws):
        put(ws, k + 2, 1, k + 1)
        for j, item in enumerate(r.rows):
            _money(ws, k + 2, 2 + j, item.totals[k])
    save_workbook(book, path, NO_MOMENT)
    return path
