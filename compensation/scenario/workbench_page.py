"""The workbench as one HTML file: the engine's figures, compactly encoded, and a small script.

Every figure the page shows is a text written here (yuan to the fen, 万元 to two places, the
difference from the current agreement, each side's view); the script only picks them by index.
Distinct texts are stored once in dictionaries, each grid point refers to them by number, column
by column (a month's or a year's numbers for all points in a row, which repeat a lot), and the
whole is deflated and base64-encoded: 10,000 points × 3 years stay well under 2 MB. The browser
inflates it with its own `DecompressionStream`; nothing is fetched (the page's security policy
forbids it).
"""

from __future__ import annotations

import base64
import itertools
import json
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from compensation.engine.money import yuan_text
from compensation.render.labels import format_wan
from compensation.render.templates import environment, reports_dir
from compensation.scenario.outcomes import MonthOutcome
from compensation.scenario.workbench import Workbench

TEMPLATE = "scenario_workbench.html.j2"
SCRIPT = "workbench.js"


class Texts:
    """A dictionary of distinct entries, each stored once and referred to by its number."""

    def __init__(self) -> None:
        self.entries: list[Any] = []
        self._index: dict[Any, int] = {}

    def __call__(self, entry: Any) -> int:
        key = json.dumps(entry, ensure_ascii=False)
        if key not in self._index:
            self._index[key] = len(self.entries)
            self.entries.append(entry)
        return self._index[key]


def _money_entry(net: Decimal) -> list[str]:
    """[yuan, 万元, the other side's yuan, the other side's 万元] of a net (万元 to two places as
    in the comparison report, yuan exact to the fen)."""
    return [yuan_text(net), format_wan(net), yuan_text(-net), format_wan(-net)]


def payload(w: Workbench) -> dict[str, Any]:
    """The page's data: dictionaries and, per year / month, one number per grid point."""
    money, reasons, outcomes, texts = Texts(), Texts(), Texts(), Texts()

    def outcome(o: MonthOutcome) -> int:
        return outcomes([money(_money_entry(o.net)), reasons(o.reason)])

    yearly = [[money(_money_entry(f.yearly[y])) for f in w.figures] for y in w.years]
    versus = [[money(_money_entry(f.yearly[y] - w.base.yearly[y])) for f in w.figures]
              for y in w.years]
    evens: dict[str, Any] = {}
    for name, found in w.break_even.items():
        others = [a for a in w.axes if a.name != name]
        items = []
        for combo in itertools.product(*(a.labels for a in others)):
            b = found.get(tuple(combo))
            items.append(texts(["", "没有求得平衡点"] if b is None else [b.value_text, b.message]))
        evens[name] = {"others": [w.axes.index(a) for a in others], "items": items}
    return {
        "scheme": w.scheme, "title": w.scheme_title, "years": w.years,
        "months": [f"{m:%Y-%m}" for m in w.months],
        "first": w.direction.first_name, "second": w.direction.second_name,
        "axes": [{"name": a.name, "labels": list(a.labels), "texts": list(a.texts),
                  "numeric": all(n is not None for n in a.numbers)} for a in w.axes],
        "points": len(w.points),
        "yearly": yearly, "versus": versus,
        "total": [money(_money_entry(f.total)) for f in w.figures],
        "versusTotal": [money(_money_entry(f.total - w.base.total)) for f in w.figures],
        "monthly": [[outcome(f.monthly[i]) for f in w.figures] for i in range(len(w.months))],
        "base": {"yearly": [money(_money_entry(w.base.yearly[y])) for y in w.years],
                 "total": money(_money_entry(w.base.total)),
                 "monthly": [outcome(o) for o in w.base.monthly]},
        "breakEven": evens,
        "money": money.entries, "reasons": reasons.entries, "outcomes": outcomes.entries,
        "texts": texts.entries,
    }


def encode(data: dict[str, Any]) -> str:
    """JSON, deflated (zlib) and base64: what the page's script inflates."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def grid_words(w: Workbench) -> str:
    """"annual_amount 51 个取值 × target 3 个取值"."""
    return " × ".join(f"{a.name} {len(a.texts)} 个取值" for a in w.axes)


def write_workbench(w: Workbench, path: Path) -> Path:
    """Write the page (via a .part file, so a failure leaves no half-written page)."""
    if path.suffix.lower() not in (".html", ".htm"):
        from compensation.errors import EcocompError

        raise EcocompError(
            f"--out {path}：工作台只能写成 .html 文件，而不是“{path.suffix or '无后缀'}”。"
            "(the workbench is an .html file)"
        )
    script = (reports_dir() / SCRIPT).read_text(encoding="utf-8")
    html = environment("html").get_template(TEMPLATE).render(
        w=w, data=encode(payload(w)), script=script, grid=grid_words(w),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_text(html, encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
