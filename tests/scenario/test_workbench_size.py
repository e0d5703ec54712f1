"""The workbench page stays small enough to email: 10,000 points × 3 years under 2 MB.

The figures are made up here in the shape of a Tongshun grid (the real engine computes the same
grid in about a minute, too slow for the suite; `ecocomp scenario workbench` on the demo's
10,098-point grid wrote 0.8 MB). Every year's and total net is distinct for every point — the
worst case for the dictionaries — and each month's net follows the rule's form: so many of three
sections met the target, each paid a share of the annual amount, the others a share of the penalty.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal

from compensation.lang.units import MONEY, Unit
from compensation.scenario.evaluate import Direction
from compensation.scenario.grid import GridAxis, GridPoint
from compensation.scenario.outcomes import MonthOutcome
from compensation.scenario.sweep import BreakEven
from compensation.scenario.workbench import PointFigures, Workbench
from compensation.scenario.workbench_page import encode, payload, write_workbench

YEARS = [2022, 2023, 2024]
MONTHS = [date(y, m, 1) for y in YEARS for m in range(1, 13)]


def _axis(name: str, values: list[int]) -> GridAxis:
    return GridAxis(name, tuple(f"{v}元" for v in values),
                    tuple(f"{v / 10000:g}万" for v in values),
                    tuple(Decimal(v) for v in values), Unit("number", MONEY.dims))


def test_ten_thousand_points_three_years_under_two_megabytes(tmp_path) -> None:
    annual = _axis("annual_amount", [1_000_000 + 100_000 * k for k in range(50)])
    penalty = _axis("penalty_amount", [100_000 * k for k in range(50)])
    target = GridAxis("target", ("II", "III", "IV", "V"), ("Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ"),
                      (None,) * 4, Unit("class", ()))
    axes = [annual, penalty, target]
    points, figures = [], []
    for n, (a, p, t) in enumerate(itertools.product(range(50), range(50), range(4))):
        labels = {"annual_amount": annual.labels[a], "penalty_amount": penalty.labels[p],
                  "target": target.labels[t]}
        points.append(GridPoint(",".join(labels.values()), labels, {}))
        monthly = []
        for i in range(len(MONTHS)):
            met = (i * 7 + t * 5) % 4  # 0..3 sections met the target this month
            net = (annual.numbers[a] * met - penalty.numbers[p] * (3 - met)) / 36
            reason = ("各断面均达标" if met == 3
                      else f"断面{met + 1}：氨氮Ⅴ类（目标{target.labels[t]}类）")
            monthly.append(MonthOutcome(net.quantize(Decimal("0.01")), reason))
        yearly = {y: Decimal(n * 3 + k) + Decimal("0.37") for k, y in enumerate(YEARS)}
        figures.append(PointFigures(yearly, sum(yearly.values()), monthly))
    base = figures[0]
    evens = {
        name: {tuple(combo): BreakEven(name, {}, Decimal(k), f"{k}.00 元", Decimal(0), None,
                                       "净额恰为 0。")
               for k, combo in enumerate(itertools.product(*(a.labels for a in axes
                                                             if a.name != name)))}
        for name in ("annual_amount", "penalty_amount")
    }
    w = Workbench("tongshun", "通顺河", Direction("a", "b", "甲", "乙"), YEARS, MONTHS, axes, None,
                  [("indicators", "[COD, NH3N, TP]（规则文件现行值）")], points, figures, base,
                  evens, datetime(2025, 1, 1))
    data = payload(w)
    assert data["points"] == 10_000
    assert len(data["money"]) > 40_000  # every yearly and total net is its own entry
    path = write_workbench(w, tmp_path / "wb.html")
    size = path.stat().st_size
    assert size < 2 * 1024 * 1024, size
    html = path.read_text(encoding="utf-8")  # the page says what it holds and what was fixed
    assert '本文件含 <b id="wb-count">10000</b> 个参数组合' in html
    assert "固定不变的可协商参数：indicators = [COD, NH3N, TP]（规则文件现行值）" in html
    assert len(encode(data)) < size
