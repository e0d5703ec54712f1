"""`ecocomp scenario risk`: plausible futures by resampling the history's section-months (seeded).

The history is the agreement's own period (Tongshun from 2022-06, never before the scheme's start),
so risk shows the same history as `compare`. Each scenario's net for every historical
section-month is computed once, in one query over all scenarios, with every parameter at its
current value. A future year takes, for each section, as many periods as a year has (12 months,
4 quarters, 1 year) drawn at random from that section's own history, the same picks for every
scenario; its net is the sum, exactly, in Decimal. Whole years would give few distinct outcomes
(three years: at most 27 three-year totals) and spiky histograms.
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
from compensation.months import MONTHS_PER_KIND
from compensation.scenario.evaluate import (
    Direction,
    direction_of,
    load_compiled,
    parse_years,
    prepare,
    run_rule_query,
    signed_lines_sql,
    year_of,
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
    months: list[date] = dataclasses.field(default_factory=list)  # the history's periods
    section_months: int = 0  # how many (section, period) outcomes the draws resample
    pool_from: date | None = None  # the first period the draws take from
    @property
    def resampling_note(self) -> str:
        """What is resampled and why, and which months the history covers, for every report."""
        if not self.months:
            return "历史期间没有核算结果。"
        first, last = self.months[0], self.months[-1]
        return (
            f"历史期间：{first.year}年{first.month}月至{last.year}年{last.month}月（协议自身的执行期，"
            f"与情景比较所用相同），共 {len(self.months)} 个期间。"
            f"重抽样取自{self.pool_from.year}年{self.pool_from.month}月起完整协议年度的 "
            f"{self.section_months} 个断面·期间（不完整的首年金额分摊在较少的期间上，不参与抽样）。"
            "重抽样方法：每个模拟年份中，每个断面的每个期间随机取该断面历史上的一个期间的结果"
            "（各情景取相同的期间），参数取现行值或情景值。按断面·期间而不按整年重抽样，"
            "因为历史只有几年：整年重抽样只有很少几种结果，分布呈尖峰。"
        )

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
    """The scheme from the history's first year (never before its own start) with every parameter
    at its last value.

    The future is judged under today's terms (or a scenario's), so the history is re-run under
    the parameters in force at the latest date, not the ones of its own time.
    """
    start = max(date(first_year, compiled.year_begins, 1), compiled.span_start)
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


Key = tuple[str, date]  # (section, period start); '' for a line of no section


def section_period_nets(
    con: duckdb.DuckDBPyConnection, compiled: CompiledScheme, direction: Direction, start: date,
    end: date, scenarios: list[tuple[str, object]], as_of: datetime,
) -> dict[str, dict[Key, Decimal]]:
    """Net per scenario and (section, period): one query for every scenario."""
    prepare(con, compiled, start, end, scenarios, as_of)  # type: ignore[arg-type]
    sql, params = signed_lines_sql(compiled, direction, "scenario, section_id, period_start")
    rows = run_rule_query(
        con, compiled,
        f"SELECT scenario, COALESCE(section_id, ''), CAST(period_start AS DATE), sum(signed)"
        f" FROM ({sql}) AS lines GROUP BY ALL",
        params,
    )
    out: dict[str, dict[Key, Decimal]] = {}
    for scenario, section, period, net in rows:
        out.setdefault(scenario, {})[(section, period)] = Decimal(net)
    return out


def draw_section_periods(
    keys: list[Key], per_year: int, years_ahead: int, draws: int, seed: int
) -> list[list[Key]]:
    """For each draw, the historical (section, period)s the simulated years take: for each
    section, `per_year × years_ahead` picks among its own periods (random.Random(seed))."""
    by_section: dict[str, list[Key]] = {}
    for key in sorted(keys):
        by_section.setdefault(key[0], []).append(key)
    rng = random.Random(seed)
    picks = []
    for _ in range(draws):
        drawn = []
        for section in sorted(by_section):
            pool = by_section[section]
            drawn += [pool[rng.randrange(len(pool))] for _ in range(per_year * years_ahead)]
        picks.append(drawn)
    return picks


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
    own = [y for y in hist if y >= year_of(compiled, compiled.span_start)]
    if not own:
        raise EcocompError(
            f"方案 {compiled.id} 自 {compiled.span_start:%Y-%m} 起执行，历史年份 "
            f"{hist[0]}–{hist[-1]} 都在其之前，无法重抽样。(history before the scheme starts)"
        )
    hist = own
    shifted = history_scheme(compiled, hist[0])
    start, end = years_window(shifted, hist)
    start = max(start, shifted.span_start)
    direction = direction_of(con, compiled)
    nets = section_period_nets(con, shifted, direction, start, end, overlays(loaded), stamp)
    keys = sorted({k for per_key in nets.values() for k in per_key})
    if not keys:
        raise EcocompError(
            f"方案 {compiled.id} 在 {start:%Y-%m} 至 {end:%Y-%m} 没有任何核算结果，无法重抽样。"
            "(no history)"
        )
    per_year = 12 // MONTHS_PER_KIND.get(compiled.period, 1)
    # a partial first year (Tongshun June–December 2022) spreads a year's amount over fewer
    # periods; the draws take whole agreement years' periods, where there are any
    whole = [k for k in keys if date(year_of(compiled, k[1]), compiled.year_begins, 1)
             >= compiled.span_start]
    pool = whole or keys
    picks = draw_section_periods(pool, per_year, years_ahead, draws, seed)
    rows = []
    for scenario in loaded:
        mine = nets.get(scenario.name, {})
        history_nets = {y: ZERO for y in hist}
        for (_, period), net in mine.items():
            history_nets[year_of(compiled, period)] = history_nets.get(
                year_of(compiled, period), ZERO) + net
        totals = [sum((mine.get(k, ZERO) for k in pick), ZERO) for pick in picks]
        ordered = sorted(totals)
        rows.append(RiskRow(
            scenario,
            history_nets,
            totals,
            (sum(totals, ZERO) / len(totals)).quantize(CENT, rounding=ROUND_HALF_UP),
            quantile(ordered, Decimal("0.05")).quantize(CENT, rounding=ROUND_HALF_UP),
            quantile(ordered, Decimal("0.95")).quantize(CENT, rounding=ROUND_HALF_UP),
            Decimal(sum(1 for t in totals if t > 0)) / len(totals),
            Decimal(sum(1 for t in totals if t < 0)) / len(totals),
        ))
    return RiskResult(
        compiled.id, compiled.title, direction, hist, years_ahead, draws, seed, rows,
        months=sorted({period for _, period in keys}), section_months=len(pool),
        pool_from=min(period for _, period in pool),
    )
