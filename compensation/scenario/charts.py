"""Scenario charts as inline SVG (matplotlib, Agg): yearly nets and the risk distributions."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402

from compensation.render.fonts import chart_style  # noqa: E402

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
WAN = Decimal(10000)


def _style() -> dict:
    return chart_style("ecocomp-scenario")


def _svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return _PROLOGUE.sub("", buffer.getvalue(), count=1).replace("<svg ", '<svg role="img" ', 1)


def _wan(values: Sequence[Decimal]) -> list[float]:
    return [float(v / WAN) for v in values]


def yearly_bars(years: Sequence[int], names: Sequence[str],
                nets: dict[int, dict[str, Decimal]]) -> str:
    """Grouped bars: each year, one bar per scenario (万元)."""
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7.5, 3.2))
        width = 0.8 / max(len(names), 1)
        for k, name in enumerate(names):
            xs = [i + (k - (len(names) - 1) / 2) * width for i in range(len(years))]
            ax.bar(xs, _wan([nets[y][name] for y in years]), width, label=name)
        ax.axhline(0, color="#333", linewidth=0.8)
        ax.set_xticks(range(len(years)), [str(y) for y in years])
        ax.set_ylabel("净额（万元）")
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        return _svg(fig)


def risk_histograms(names: Sequence[str], totals: Sequence[Sequence[Decimal]]) -> str:
    """One histogram per scenario of the simulated net (万元), stacked vertically."""
    with plt.rc_context(_style()):
        fig, axes = plt.subplots(len(names), 1, figsize=(7.5, 1.8 * len(names) + 0.4),
                                 sharex=True, squeeze=False)
        for ax, name, values in zip(axes[:, 0], names, totals, strict=True):
            ax.hist(_wan(values), bins=40, color="#4a78a8")
            ax.axvline(0, color="#c0392b", linewidth=0.9)
            ax.set_title(name, fontsize=8, loc="left")
            ax.set_ylabel("次数")
        axes[-1, 0].set_xlabel("模拟期内净额（万元）")
        fig.tight_layout()
        return _svg(fig)


def risk_boxes(names: Sequence[str], totals: Sequence[Sequence[Decimal]]) -> str:
    """Box plots side by side, whiskers at the 5% and 95% quantiles."""
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(names) + 1.2))
        ax.boxplot([_wan(v) for v in totals], orientation="horizontal", whis=(5, 95),
                   showfliers=False)
        ax.set_yticks(range(1, len(names) + 1), list(names))
        ax.axvline(0, color="#c0392b", linewidth=0.9)
        ax.set_xlabel("模拟期内净额（万元；箱为25%–75%，须为5%–95%）")
        fig.tight_layout()
        return _svg(fig)
