"""The bulletin's charts as inline SVG, written directly (no plotting library).

Why: drawing the three charts with matplotlib cost about 1.5 s of CPU per bulletin (its import
alone half of it), three quarters of the whole command, for charts made of bars, cells, lines,
dots and text. Here each chart is a few dozen lines of SVG text. The browser draws the text with
its own CJK font, so no font is needed to write the charts; label widths are estimated (a CJK
character is one em wide, others about half an em) to size the margins. Word documents cannot
inline SVG: their PNG images are still drawn by matplotlib (`charts.py`), from the same data.

Sizes are in points, 7.2 inches wide as before; charts with many rows are split into pages of
`ROWS_PER_CHART` rows, so a thousand sections still render and print.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from compensation.render.data import Registry
from compensation.render.labels import (
    BANK_LABELS,
    CLASS_TEXT,
    class_fill,
    class_numeral,
    yuan_to_wan,
)
from compensation.render.model import HistoryRow, PartyTotal, section_order

ROWS_PER_CHART = 40
NUMERALS_UP_TO = 120
REWARD_COLOUR = "#2e8b57"
PENALTY_COLOUR = "#c0392b"
INK = "#222222"
WIDTH = 518.4  # 7.2 in
FONT = ('"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", '
        '"PingFang SC", "SimHei", sans-serif')


def _esc(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _n(x: float) -> str:
    """A coordinate with two decimals at most, without trailing zeros (small, stable text)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def text_width(text: str, size: float) -> float:
    """Estimated width in points: CJK characters and full-width forms one em, others half."""
    return size * sum(1.0 if ord(ch) > 0x2E80 else 0.56 for ch in text)


def _text(x: float, y: float, text: str, size: float, anchor: str = "start",
          fill: str = INK, extra: str = "") -> str:
    """One label; `y` is its middle (dominant-baseline central) unless `extra` says otherwise."""
    baseline = "" if "dominant-baseline" in extra else ' dominant-baseline="central"'
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}"'
            f'{baseline} fill="{fill}"{extra}>{_esc(text)}</text>')


def _svg(height: float, body: Iterable[str]) -> str:
    return (f'<svg role="img" xmlns="http://www.w3.org/2000/svg" width="{_n(WIDTH)}pt" '
            f'height="{_n(height)}pt" viewBox="0 0 {_n(WIDTH)} {_n(height)}" '
            f"font-family='{FONT}'>" + "".join(body) + "</svg>")


def chart_pages(items: Sequence, size: int = ROWS_PER_CHART) -> list[Sequence]:
    """Rows in pages of `size`, so that a thousand sections still render and print."""
    return [items[i : i + size] for i in range(0, len(items), size)] or [items]


def nice_ticks(low: float, high: float, most: int = 8) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 × 10^k apart) covering [low, high], at most `most`."""
    span = high - low
    if span <= 0:
        return [low]
    raw = span / (most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


def _tick_label(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", "−")


def district_bars(parties: Sequence[PartyTotal]) -> list[str]:
    """Net amount per party, this month and year to date (万元), one bar pair per party."""
    if not parties:
        return []
    return [_district_page(page) for page in chart_pages(list(parties))]


def _district_page(page: Sequence[PartyTotal]) -> str:
    names = [p.name for p in page]
    month = [float(yuan_to_wan(p.month)) for p in page]
    ytd = [float(yuan_to_wan(p.year_to_date)) for p in page]
    height = (0.9 + 0.42 * len(page)) * 72
    left = max(text_width(n, 9) for n in names) + 12
    right, top, bottom = WIDTH - 10, 10.0, height - 38
    low, high = min([0.0, *month, *ytd]), max([0.0, *month, *ytd])
    pad = (high - low) * 0.18 or 1.0
    low, high = low - pad, high + pad

    def x(v: float) -> float:
        return left + (v - low) / (high - low) * (right - left)

    row = (bottom - top) / len(page)
    bar = row * 0.38

    def y(i: int, shift: float) -> float:  # the middle of row i, shifted by a fraction of it
        return top + row * (i + 0.5 + shift)

    out = [(f'<line x1="{_n(left)}" y1="{_n(top)}" x2="{_n(left)}" y2="{_n(bottom)}" '
           f'stroke="{INK}" stroke-width="0.8"/>'),
           (f'<line x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(right)}" y2="{_n(bottom)}" '
           f'stroke="{INK}" stroke-width="0.8"/>')]
    for tick in nice_ticks(low, high):
        tx = x(tick)
        out.append(f'<line x1="{_n(tx)}" y1="{_n(bottom)}" x2="{_n(tx)}" y2="{_n(bottom + 3.5)}" '
                   f'stroke="{INK}" stroke-width="0.8"/>')
        out.append(_text(tx, bottom + 10, _tick_label(tick), 9, "middle"))
    out.append(_text((left + right) / 2, bottom + 26, "万元（正数为收入/奖励，负数为支出/扣罚）",
                     9, "middle"))
    for i, (name, m, t) in enumerate(zip(names, month, ytd, strict=True)):
        out.append(f'<line x1="{_n(left - 3.5)}" y1="{_n(y(i, 0))}" x2="{_n(left)}" '
                   f'y2="{_n(y(i, 0))}" stroke="{INK}" stroke-width="0.8"/>')
        out.append(_text(left - 6, y(i, 0), name, 9, "end"))
        for value, shift, opacity in ((m, -0.2, ""), (t, 0.2, ' fill-opacity="0.4"')):
            colour = REWARD_COLOUR if value >= 0 else PENALTY_COLOUR
            x0, x1 = sorted((x(0), x(value)))
            out.append(f'<rect x="{_n(x0)}" y="{_n(y(i, shift) - bar / 2)}" '
                       f'width="{_n(x1 - x0)}" height="{_n(bar)}" fill="{colour}"{opacity}/>')
        label = f"{m:+,.2f}" if m else "0.00"
        out.append(_text(x(m) + (3 if m >= 0 else -3), y(i, -0.2), label, 7,
                         "start" if m >= 0 else "end"))
    out.append(f'<line x1="{_n(x(0))}" y1="{_n(top)}" x2="{_n(x(0))}" y2="{_n(bottom)}" '
               f'stroke="#444444" stroke-width="0.8"/>')
    for k, (label, opacity) in enumerate((("本月", ""), ("本年累计", ' fill-opacity="0.4"'))):
        ly = bottom - 22 + 11 * k
        out.append(f'<rect x="{_n(right - 62)}" y="{_n(ly - 3.5)}" width="14" height="7" '
                   f'fill="{REWARD_COLOUR}"{opacity}/>')
        out.append(_text(right - 44, ly, label, 7))
    return _svg(height, out)


def row_label(row: HistoryRow, text: Callable[[str], str] = str) -> str:
    """A section's row in the class strips: name (river and bank); `text` escapes the names from
    the data for the drawing library (matplotlib's `$`)."""
    bank = BANK_LABELS.get(row.bank or "", "")
    return f"{text(row.name)}（{text(row.river)}{bank}）" if bank or row.river else text(row.name)


def class_strips(rows: Sequence[HistoryRow], months: Sequence[date]) -> list[str]:
    """Each section's class over the months: one coloured cell per month, numerals written in the
    cells while the whole chart is small enough to read them (`NUMERALS_UP_TO` rows)."""
    if not rows:
        return []
    with_numerals = len(rows) <= NUMERALS_UP_TO
    return [_strip_page(page, months, with_numerals) for page in chart_pages(list(rows))]


def _strip_page(page: Sequence[HistoryRow], months: Sequence[date], numerals: bool) -> str:
    height = (0.8 + 0.24 * len(page)) * 72
    labels = [row_label(r) for r in page]
    left = max(text_width(label, 7) for label in labels) + 8
    right, top, bottom = WIDTH * 0.98, 0.35 * 72, height - 0.15 * 72
    cell_w = (right - left) / max(len(months), 1)
    cell_h = (bottom - top) / len(page)
    out = []
    for x, month in enumerate(months):
        label = f"{month.year % 100:02d}/{month.month}"
        out.append(_text(left + cell_w * (x + 0.5), top - 7, label, 7, "middle"))
    for y, (row, label) in enumerate(zip(page, labels, strict=True)):
        cy = top + cell_h * (y + 0.5)
        out.append(_text(left - 4, cy, label, 7, "end"))
        for x, klass in enumerate(row.classes):
            out.append(f'<rect x="{_n(left + cell_w * x)}" y="{_n(top + cell_h * y)}" '
                       f'width="{_n(cell_w)}" height="{_n(cell_h)}" fill="{class_fill(klass)}" '
                       'stroke="#ffffff" stroke-width="1.5"/>')
            if numerals and klass is not None:
                out.append(_text(left + cell_w * (x + 0.5), cy, class_numeral(klass), 6.5,
                                 "middle", CLASS_TEXT[klass]))
    return _svg(height, out)


def bank_schematics(
    registry: Registry, classes: dict[str, int], section_ids: set[str] | None = None
) -> list[str]:
    """Per river: its banks as lines, sections in river order as dots coloured by class (a black
    ring marks a control section), upstream on the left."""
    return [_river(river, banks, classes)
            for river, banks in sections_by_river(registry, section_ids).items()]


def sections_by_river(
    registry: Registry, section_ids: set[str] | None
) -> dict[str, dict[str, list]]:
    """river → bank → its sections (those of `section_ids`, all when None), in published order."""
    by_river: dict[str, dict[str, list]] = {}
    for section in sorted(registry.sections.values(), key=section_order):
        if section_ids is not None and section.section_id not in section_ids:
            continue
        bank = section.bank or "—"
        by_river.setdefault(section.river, {}).setdefault(bank, []).append(section)
    return by_river


def _river(river: str, banks: dict[str, list], classes: dict[str, int]) -> str:
    order = sorted(banks, key=lambda b: {"left": 0, "right": 1}.get(b, 2))
    widest = max(len(banks[b]) for b in order)
    labelled = widest <= ROWS_PER_CHART
    height = (0.6 + 1.25 * len(order)) * 72
    names = [BANK_LABELS.get(b, "") or river for b in order]
    left = max(text_width(n, 9) for n in names) + 14
    right, top = WIDTH - 10, 22.0
    row = (height - top - 8) / len(order)
    span = max(widest - 0.5, 0.5) + 0.5

    def x(i: float) -> float:  # the line runs from -0.5 to widest - 0.5, as before
        return left + (i + 0.5) / (span + 0.1) * (right - left)

    out = [_text(left, 9, f"{river}（自上游至下游 →）", 9)]
    radius = 4.75 if labelled else 1.75
    for k, (bank, name) in enumerate(zip(order, names, strict=True)):
        cy = top + row * (k + 0.6)
        sections = sorted(banks[bank], key=lambda s: (s.river_order or 0, s.section_id))
        out.append(_text(left - 10, cy, name, 9, "end"))
        out.append(f'<line x1="{_n(left - 7)}" y1="{_n(cy)}" x2="{_n(left - 3.5)}" y2="{_n(cy)}" '
                   f'stroke="{INK}" stroke-width="0.8"/>')
        out.append(f'<line x1="{_n(x(-0.5))}" y1="{_n(cy)}" x2="{_n(x(span - 0.5))}" '
                   f'y2="{_n(cy)}" stroke="#7fa7c9" stroke-width="3"/>')
        for i, s in enumerate(sections):
            ring = INK if s.role == "control" else "#ffffff"
            out.append(f'<circle cx="{_n(x(i))}" cy="{_n(cy)}" r="{_n(radius)}" '
                       f'fill="{class_fill(classes.get(s.section_id))}" stroke="{ring}" '
                       'stroke-width="1.2"/>')
            if labelled:
                label = s.name + ("（对照）" if s.role == "control" else "")
                out.append(_text(x(i), cy - 9, label, 6.5, "start", INK,
                                 f' dominant-baseline="auto" transform="rotate(-30 {_n(x(i))} '
                                 f'{_n(cy - 9)})"'))
                out.append(_text(x(i), cy + 15, class_numeral(classes.get(s.section_id)), 6.5,
                                 "middle"))
    return _svg(height, out)

