"""`ecocomp scenario risk`: plausible futures by resampling whole historical years (seeded).

A future year takes the monthly values of one historical year for all sections together (a block
bootstrap by year). So each scenario's net for each historical year is computed once, in one query
over all scenarios × years, with the scheme span moved back to cover the history and every
parameter at its current value; a draw is then a sum of per-year nets, exactly, in Decimal.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

from compensation.errors import EcocompError
from compensation.lang import CompiledScheme
from compensation.scenario.evaluate import (
    Direction,
    direction_of,
    load_compiled,
    parse_years,
    yearly_nets,
    years_window,
)
from compensation.scenario.files import Scenario, load_scenarios, overlays

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_DRAWS = 1_000_000


@dataclass
class RiskRow:
    """One scenario's distribution of the net over the simulated years."""

    scenario: Scenario
    history: dict[int, Decimal]  # net for each historical year under this scenario's terms
    totals: list[Decimal]  # one per draw
    mean: Decimal
    q05: Decimal
    q95: Decimal
    p_first_pays: Decimal
    p_second_pays: Decimal


@dataclass
class RiskResult:
    scheme: str
    scheme_title: str
    direction: Direction
    history_years: list[int]
    years_ahead: int
    draws: int
    seed: int
    rows: list[RiskRow]
    quantile_rule: str = (
        "分位数按线性插值（Hyndman–Fan 第7类，与 numpy 默认及 Excel PERCENTILE.INC 相同）："
        "排序后第 (n−1)p+1 个值，非整数位置在相邻两值间线性插值；金额四舍五入到分。"
    )


def quantile(sorted_values: list[Decimal], p: Decimal) -> Decimal:
    """Linear interpolation between order statistics (type 7), exact in Decimal."""
    n = len(sorted_values)
    position = (n - 1) * p
    k = int(position)
    frac = position - k
    if k + 1 >= n:
        return sorted_values[-1]
    return sorted_values[k] + (sorted_values[k + 1] - sorted_values[k]) * frac


def history_scheme(compiled: CompiledScheme, first_year: int) -> CompiledScheme:
    """The scheme with its span starting at the history and every parameter at its last value.

    The future is judged under today's terms (or a scenario's), so the history is re-run under
    the parameters in force at the latest date, not the ones of its own time.
    """
    start = date(first_year, compiled.year_begins, 1)
    params = []
    for p in compiled.parameters:
        last = p.versions[-1]
        params.append(dataclasses.replace(p, versions=[dataclasses.replace(last, start=start,
                                                                            until=None)]))
    return dataclasses.replace(compiled, span_start=start, span_end=None, parameters=params)


def complete_years(con: duckdb.DuckDBPyConnection, compiled: CompiledScheme,
                   as_of: datetime) -> list[int]:
    """Calendar years in which every month has values for at least one of the scheme's sections."""
    rows = con.execute(
        "SELECT year(period) AS y, count(DISTINCT month(period)) FROM monthly_values(?) "
        "WHERE section_id IN (SELECT section_id FROM sections WHERE list_contains(schemes, ?)) "
        "AND value IS NOT NULL GROUP BY y ORDER BY y",
        [as_of, compiled.id],
    ).fetchall()
    return [int(y) for y, months in rows if months == 12]


def draw_years(history: list[int], years_ahead: int, draws: int, seed: int) -> list[list[int]]:
    """For each draw, the historical year each future year takes (random.Random(seed))."""
    rng = random.Random(seed)
    return [[history[rng.randrange(len(history))] for _ in range(years_ahead)]
            for _ in range(draws)]


def risk(
    con: duckdb.DuckDBPyConnection,
    scheme: str | CompiledScheme,
    scenarios: list[str],
    *,
    years_ahead: int = 3,
    draws: int = 2000,
    seed: int = 0,
    history: str | list[int] | None = None,
    as_of: datetime | None = None,
    rules_dir: Path | None = None,
    scenarios_dir: Path | None = None,
) -> RiskResult:
    """Expected net, 5–95% range and who pays, per scenario, over `years_ahead` simulated years."""
    if years_ahead < 1 or draws < 1 or draws > MAX_DRAWS:
        raise EcocompError(
            f"--years-ahead 应至少为 1，--draws 应在 1 到 {MAX_DRAWS} 之间"
            f"（收到 {years_ahead}、{draws}）。(bad simulation size)"
        )
    compiled = load_compiled(scheme, rules_dir)
    stamp = as_of or datetime.now()
    loaded = load_scenarios(scenarios or ["base"], compiled, scenarios_dir)
    if history is None:
        hist = complete_years(con, compiled, stamp)
        if not hist:
            raise EcocompError(
                f"方案 {compiled.id} 的断面没有哪一年 12 个月都有监测数据，无法重抽样；"
                "请用 --history 指定年份。(no complete historical year)"
            )
    else:
        hist = parse_years(history) if isinstance(history, str) else list(history)
    shifted = history_scheme(compiled, hist[0])
    start, end = years_window(shifted, hist)
    direction = direction_of(con, compiled)
    nets = yearly_nets(con, shifted, direction, start, end, overlays(loaded), stamp)
    picks = draw_years(hist, years_ahead, draws, seed)
    rows = []
    for scenario in loaded:
        per_year = {y: nets[scenario.name].get(y, ZERO) for y in hist}
        totals = [sum((per_year[y] for y in pick), ZERO) for pick in picks]
        ordered = sorted(totals)
        rows.append(RiskRow(
            scenario,
            per_year,
            totals,
            (sum(totals, ZERO) / len(totals)).quantize(CENT, rounding=ROUND_HALF_UP),
            quantile(ordered, Decimal("0.05")).quantize(CENT, rounding=ROUND_HALF_UP),
            quantile(ordered, Decimal("0.95")).quantize(CENT, rounding=ROUND_HALF_UP),
            Decimal(sum(1 for t in totals if t > 0)) / len(totals),
            Decimal(sum(1 for t in totals if t < 0)) / len(totals),
        ))
    return RiskResult(
        compiled.id, compiled.title, direction, hist, years_ahead, draws, seed, rows,
    )
