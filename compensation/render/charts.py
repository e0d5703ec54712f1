"""Charts of the Word bulletin as PNG images, drawn by matplotlib (Agg, no display needed).

Word cannot inline SVG, so its charts are bitmaps, and matplotlib needs a CJK font to draw the
Chinese names (`fonts.py`). The HTML bulletin's charts are SVG written directly (`svg_charts.py`,
the same charts without matplotlib's start-up). Charts with many rows are split into pages of
`ROWS_PER_CHART` so 1,000 sections still render and print.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import matplotlib
import numpy as np

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402

from compensation.render.data import Registry  # noqa: E402
from compensation.render.fonts import chart_style  # noqa: E402
from compensation.render.labels import (  # noqa: E402
    BANK_LABELS,
    CLASS_TEXT,
    class_fill,
    class_numeral,
    yuan_to_wan,
)
from compensation.render.model import HistoryRow, PartyTotal  # noqa: E402
from compensation.render.svg_charts import (  # noqa: E402
    NUMERALS_UP_TO,
    PENALTY_COLOUR,
    REWARD_COLOUR,
    ROWS_PER_CHART,
    chart_pages,
    row_label,
    sections_by_river,
)


def _style() -> dict:
    return chart_style("ecocomp")


def _finish(fig: plt.Figure, fmt: str) -> bytes:
    """PNG bytes at 200 dpi (the only format Word takes; `fmt` is kept for the callers)."""
    if fmt != "png":
        raise ValueError(f"charts.py draws PNG only, not {fmt!r} (SVG: svg_charts.py)")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=200, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def _fixed_margins(fig: plt.Figure, labels: Sequence[str], top_inches: float = 0.2,
                   bottom_inches: float = 0.15) -> None:
    """Margins from the label lengths instead of tight_layout, which draws the figure once more
    (it doubled the time of a 1,000-section bulletin). A CJK glyph at 7 pt is about 0.1 inch."""
    width, height = fig.get_size_inches()
    longest = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in label) for label in labels),
                  default=4)
    left = min(0.6, (0.05 * longest + 0.25) / width)
    fig.subplots_adjust(left=left, right=0.98, top=1 - top_inches / height,
                        bottom=bottom_inches / height)


def district_bars(parties: Sequence[PartyTotal], fmt: str = "png") -> list:
    """Net amount per party, this month and year to date (万元), one bar pair per party."""
    if not parties:
        return []
    charts = []
    with plt.rc_context(_style()):
        for page in chart_pages(list(parties)):
            names = [plain(p.name) for p in page]
            month = [float(yuan_to_wan(p.month)) for p in page]
            ytd = [float(yuan_to_wan(p.year_to_date)) for p in page]
            fig, ax = plt.subplots(figsize=(7.2, 0.9 + 0.42 * len(page)))
            ys = range(len(page))
            ax.barh([y - 0.2 for y in ys], month, height=0.38, label="本月",
                    color=[REWARD_COLOUR if v >= 0 else PENALTY_COLOUR for v in month])
            ax.barh([y + 0.2 for y in ys], ytd, height=0.38, label="本年累计",
                    color=[REWARD_COLOUR if v >= 0 else PENALTY_COLOUR for v in ytd], alpha=0.4)
            for y, value in zip(ys, month, strict=True):
                ax.annotate(f"{value:+,.2f}" if value else "0.00", (value, y - 0.2),
                            xytext=(3 if value >= 0 else -3, 0), textcoords="offset points",
                            ha="left" if value >= 0 else "right", va="center", fontsize=7)
            ax.set_yticks(list(ys), names)
            ax.invert_yaxis()
            ax.axvline(0, color="#444444", linewidth=0.8)
            ax.set_xlabel("万元（正数为收入/奖励，负数为支出/扣罚）")
            ax.margins(x=0.18)
            ax.legend(loc="lower right", fontsize=7, frameon=False)
            ax.spines[["top", "right"]].set_visible(False)
            fig.tight_layout()
            charts.append(_finish(fig, fmt))
    return charts


def class_strips(rows: Sequence[HistoryRow], months: Sequence[date], fmt: str = "png") -> list:
    """Each section's class over the months: one coloured cell per month.

    The cells are one image per page (a bitmap inside the SVG), not one shape each, so a thousand
    sections stay quick to draw and light to print; numerals are written in the cells only while
    the whole chart is small enough to read them (`NUMERALS_UP_TO` rows).
    """
    if not rows:
        return []
    charts = []
    with_numerals = len(rows) <= NUMERALS_UP_TO
    with plt.rc_context(_style()):
        for page in chart_pages(list(rows)):
            rgb = np.array([[_rgb(class_fill(k)) for k in row.classes] for row in page])
            fig, ax = plt.subplots(figsize=(7.2, 0.8 + 0.24 * len(page)))
            ax.imshow(rgb, aspect="auto", interpolation="nearest",
                      extent=(0, len(months), len(page), 0))
            ax.hlines(range(1, len(page)), 0, len(months), colors="white", linewidth=1.5)
            ax.vlines(range(1, len(months)), 0, len(page), colors="white", linewidth=1.5)
            if with_numerals:
                for y, row in enumerate(page):
                    for x, klass in enumerate(row.classes):
                        if klass is not None:
                            ax.text(x + 0.5, y + 0.5, class_numeral(klass), ha="center",
                                    va="center", fontsize=6.5, color=CLASS_TEXT[klass])
            ax.set_xlim(0, len(months))
            ax.set_ylim(len(page), 0)
            ax.set_xticks([i + 0.5 for i in range(len(months))],
                          [f"{m.year % 100:02d}/{m.month}" for m in months], fontsize=7)
            ax.set_yticks([i + 0.5 for i in range(len(page))],
                          [row_label(r, plain) for r in page], fontsize=7)
            ax.tick_params(length=0)
            ax.xaxis.tick_top()
            for spine in ax.spines.values():
                spine.set_visible(False)
            _fixed_margins(fig, [row_label(r, plain) for r in page], top_inches=0.35)
            charts.append(_finish(fig, fmt))
    return charts


def _rgb(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def plain(text: str) -> str:
    """Names from data drawn as they are: a `$` would start matplotlib's math mode."""
    return text.replace("$", r"\$")


def bank_schematics(
    registry: Registry, classes: dict[str, int], section_ids: set[str] | None = None,
    fmt: str = "png",
) -> list:
    """Per river: its banks as lines, sections in river order as dots coloured by class."""
    by_river = sections_by_river(registry, section_ids)
    charts = []
    with plt.rc_context(_style()):
        for river, banks in by_river.items():
            order = sorted(banks, key=lambda b: {"left": 0, "right": 1}.get(b, 2))
            widest = max(len(banks[b]) for b in order)
            labelled = widest <= ROWS_PER_CHART
            fig, ax = plt.subplots(figsize=(7.2, 0.6 + 1.25 * len(order)))
            for y, bank in enumerate(order):
                sections = sorted(banks[bank], key=lambda s: (s.river_order or 0, s.section_id))
                xs = list(range(len(sections)))
                ax.plot([-0.5, max(widest - 0.5, 0.5)], [y, y], color="#7fa7c9", linewidth=3,
                        zorder=1)
                ax.scatter(xs, [y] * len(xs), s=90 if labelled else 12, zorder=2,
                           c=[class_fill(classes.get(s.section_id)) for s in sections],
                           edgecolors=["#222222" if s.role == "control" else "#ffffff"
                                       for s in sections], linewidths=1.2)
                if labelled:
                    for x, s in zip(xs, sections, strict=True):
                        label = plain(s.name) + ("（对照）" if s.role == "control" else "")
                        ax.annotate(label, (x, y), xytext=(0, 9), textcoords="offset points",
                                    rotation=30, ha="left", va="bottom", fontsize=6.5)
                        ax.annotate(class_numeral(classes.get(s.section_id)), (x, y),
                                    xytext=(0, -12), textcoords="offset points", ha="center",
                                    va="top", fontsize=6.5)
            ax.set_yticks(range(len(order)),
                          [BANK_LABELS.get(b, "") or plain(river) for b in order])
            ax.set_ylim(len(order) - 0.4, -0.6)
            ax.set_xticks([])
            ax.set_title(f"{plain(river)}（自上游至下游 →）", fontsize=9, loc="left")
            for spine in ax.spines.values():
                spine.set_visible(False)
            fig.tight_layout()
            charts.append(_finish(fig, fmt))
    return charts
