"""`ecocomp scenario sweep`: a grid of overlays evaluated in ONE query, and break-even values.

The scenario is a column of the parameter table, so 10,000 scenarios are one `prepare_run` and
one query (the rules' SQL joined by UNION ALL), not a loop. When the swept parameters fall in
groups that act on the nets apart (Tongshun's annual and penalty amounts), the query evaluates
only each group's variations of one grid point and the grid's nets are added up from them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

from compensation.errors import EcocompError
from compensation.lang import BASE_SCENARIO, CompiledScheme
from compensation.lang.units import MONEY
from compensation.scenario.evaluate import (
    Direction,
    choose_years,
    direction_of,
    load_compiled,
    yearly_nets,
    years_window,
)
from compensation.scenario.files import Scenario, load_scenario
from compensation.scenario.grid import GridAxis, GridPoint, axes_from, grid_points, number_text
from compensation.scenario.grouped import compose, variation_points
from compensation.scenario.separable import param_groups

ZERO = Decimal("0.00")
BISECT_POINTS = 16
BISECT_ROUNDS = 12


@dataclass
class SweepRow:
    name: str
    labels: dict[str, str]
    yearly: dict[int, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.yearly.values(), ZERO)


@dataclass
class SweepResult:
    scheme: str
    scheme_title: str
    direction: Direction
    years: list[int]
    axes: list[GridAxis]
    on: Scenario | None
    base: SweepRow
    rows: list[SweepRow]
    seconds: float = 0.0  # prepare_run + the one query
    break_even: list[BreakEven] = field(default_factory=list)


@dataclass
class BreakEven:
    """Where the net over the years crosses zero for one combination of the other parameters."""

    param: str
    fixed: dict[str, str]
    value: Decimal | None  # in base units (yuan for money)
    value_text: str
    net_at_value: Decimal | None
    bracket: tuple[Decimal, Decimal] | None
    message: str


def _evaluate(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledScheme,
    direction: Direction,
    year_list: list[int],
    points: list[GridPoint],
    as_of: datetime | None,
) -> dict[str, dict[int, Decimal]]:
    start, end = years_window(compiled, year_list)
    nets = yearly_nets(
        con, compiled, direction, start, end, [(p.name, p.overlay) for p in points], as_of
    )
    return {name: {y: by_year.get(y, ZERO) for y in year_list} for name, by_year in nets.items()}


def _evaluate_grid(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledScheme,
    direction: Direction,
    year_list: list[int],
    axes: list[GridAxis],
    points: list[GridPoint],
    on: Scenario | None,
    as_of: datetime | None,
) -> dict[str, dict[int, Decimal]]:
    """Every grid point's nets: from the groups' variations when the axes separate (far fewer
    scenarios in the query), else every point in the query."""
    groups = param_groups(compiled, [a.name for a in axes]) if len(axes) > 1 else [[]]
    if len(groups) < 2:
        return _evaluate(con, compiled, direction, year_list, points, as_of)
    variations = variation_points(axes, groups, on.overrides if on else None)
    nets = _evaluate(con, compiled, direction, year_list, variations, as_of)
    return compose(axes, groups, points, nets)


def sweep(
    con: duckdb.DuckDBPyConnection,
    scheme: str | CompiledScheme,
    grid: Sequence[str] | Mapping[str, Sequence[str] | str],
    years: str | Sequence[int] | None = None,
    *,
    on: str | None = None,
    break_even_param: str | None = None,
    as_of: datetime | None = None,
    rules_dir: Path | None = None,
    scenarios_dir: Path | None = None,
) -> SweepResult:
    """Evaluate every grid point (and the base) in one query; nets per year from party 1's view.

    `grid`: specs like `["annual_amount=100万..600万/50万", "target=III,IV"]` or a mapping
    `{"annual_amount": "100万..600万/50万", "target": ["III", "IV"]}`. `on`: a scenario (stack)
    the grid is laid over. `break_even_param`: also find where the net over the years is zero.
    """
    compiled = load_compiled(scheme, rules_dir)
    year_list = choose_years(con, compiled, years, as_of)
    axes = axes_from(compiled, grid)
    base_scenario = load_scenario(on, compiled, scenarios_dir) if on else None
    points = grid_points(axes, base_scenario.overrides if base_scenario else None)
    direction = direction_of(con, compiled)
    started = time.perf_counter()
    nets = _evaluate_grid(con, compiled, direction, year_list, axes, points, base_scenario,
                          as_of)
    seconds = time.perf_counter() - started
    rows = [SweepRow(p.name, p.labels, nets[p.name]) for p in points]
    base = SweepRow(BASE_SCENARIO, {}, nets[BASE_SCENARIO])
    result = SweepResult(
        compiled.id, compiled.title, direction, year_list, axes,
        base_scenario, base, rows, seconds,
    )
    if break_even_param:
        result.break_even = break_even(con, compiled, result, break_even_param, as_of=as_of)
    return result


def _value_text(axis: GridAxis, value: Decimal) -> str:
    if axis.unit.dims == MONEY.dims:
        wan = (value / Decimal(10000)).quantize(Decimal("0.000001"))
        return f"{value:.2f} 元（{wan.normalize():f} 万元）"
    return number_text(axis.unit, value)


def _resolution(axis: GridAxis) -> Decimal:
    """The finest step worth reporting: a fen for money, 1e-6 otherwise."""
    return Decimal("0.01") if axis.unit.dims == MONEY.dims else Decimal("0.000001")


def _snap(value: Decimal, resolution: Decimal) -> Decimal:
    return value.quantize(resolution, rounding=ROUND_HALF_UP)


def _crossing(series: list[tuple[Decimal, Decimal]]) -> tuple[int, bool] | None:
    """Index i where the net changes sign between points i and i+1 (or is 0 at i)."""
    for i, (_, net) in enumerate(series):
        if net == 0:
            return i, True
        if i + 1 < len(series) and (net > 0) != (series[i + 1][1] > 0) and series[i + 1][1] != 0:
            return i, False
    return None


def break_even(
    con: duckdb.DuckDBPyConnection,
    scheme: str | CompiledScheme,
    result: SweepResult,
    param: str,
    *,
    as_of: datetime | None = None,
    rules_dir: Path | None = None,
) -> list[BreakEven]:
    """For each combination of the other axes: the value of `param` where the net becomes zero.

    Between the two grid values that bracket the sign change, the net is evaluated at the exact
    linear interpolation (snapped to a fen) and at evenly spaced points, all in one query per
    round, narrowing the bracket until it is one fen (or one millionth) wide or the net is zero.
    """
    compiled = load_compiled(scheme, rules_dir)
    axis = next((a for a in result.axes if a.name == param), None)
    if axis is None or any(n is None for n in axis.numbers) or len(axis.texts) < 2:
        raise EcocompError(
            f"--break-even {param}：该参数须是 --param 中给出范围（至少两个数值）的数值参数。"
            "(break-even needs a swept numeric parameter)"
        )
    others = [a for a in result.axes if a.name != param]
    on = dict(result.on.overrides) if result.on else {}
    groups: dict[tuple[str, ...], list[tuple[Decimal, Decimal]]] = {}
    for row in result.rows:
        key = tuple(row.labels[a.name] for a in others)
        index = axis.labels.index(row.labels[param])
        groups.setdefault(key, []).append((axis.numbers[index], row.total))  # type: ignore[arg-type]
    resolution = _resolution(axis)
    out: list[BreakEven | None] = []
    pending: list[Bracket] = []
    for key, series in groups.items():
        series.sort()
        fixed = dict(zip([a.name for a in others], key, strict=True))
        fixed_texts = {
            a.name: a.texts[a.labels.index(label)] for a, label in zip(others, key, strict=True)
        }
        found = _crossing(series)
        if found is None:
            out.append(BreakEven(
                param, fixed, None, "", None, None,
                f"在 {axis.labels[0]}～{axis.labels[-1]} 范围内净额不变号"
                f"（两端净额 {series[0][1]} 元、{series[-1][1]} 元），没有平衡点。",
            ))
            continue
        i, exact = found
        if exact:
            value, net = series[i]
            out.append(BreakEven(param, fixed, value, _value_text(axis, value), net,
                                 (value, value), "网格点上净额恰为 0。"))
            continue
        pending.append(Bracket(len(out), fixed, {**on, **fixed_texts}, series[i], series[i + 1]))
        out.append(None)
    for bracket, found_even in zip(
        pending, _refine_all(con, compiled, result, axis, pending, resolution, as_of), strict=True
    ):
        out[bracket.index] = found_even
    return [b for b in out if b is not None]


@dataclass
class Bracket:
    """One combination of the other parameters whose net changes sign between `low` and `high`."""

    index: int
    fixed: dict[str, str]
    overlay: dict[str, str]  # the other parameters (and the `on` scenario) as overlay texts
    low: tuple[Decimal, Decimal]  # (value, net)
    high: tuple[Decimal, Decimal]
    done: BreakEven | None = None


def _candidates(axis: GridAxis, b: Bracket, resolution: Decimal) -> list[Decimal]:
    """The interpolated zero (± one step) and evenly spaced points strictly inside the bracket."""
    (lo, lo_net), (hi, hi_net) = b.low, b.high
    if hi - lo <= resolution:
        return []
    guess = _snap(lo + (0 - lo_net) * (hi - lo) / (hi_net - lo_net), resolution)
    found = {guess, guess - resolution, guess + resolution}
    width = (hi - lo) / (BISECT_POINTS + 1)
    found |= {_snap(lo + width * k, resolution) for k in range(1, BISECT_POINTS + 1)}
    return sorted(c for c in found if lo < c < hi)


def _refine_all(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledScheme,
    result: SweepResult,
    axis: GridAxis,
    brackets: list[Bracket],
    resolution: Decimal,
    as_of: datetime | None,
) -> list[BreakEven]:
    """Narrow every bracket at once: each round is ONE query over the candidates of all of them,
    so a grid with hundreds of sign changes costs a handful of queries, not hundreds."""
    for _ in range(BISECT_ROUNDS):
        active = [(b, _candidates(axis, b, resolution)) for b in brackets if b.done is None]
        active = [(b, cs) for b, cs in active if cs]
        if not active:
            break
        points = [
            GridPoint(f"{axis.name}={c}|{k}", {},
                      {**b.overlay, axis.name: number_text(axis.unit, c)})
            for k, (b, cs) in enumerate(active) for c in cs
        ]
        nets = _evaluate(con, compiled, result.direction, result.years, points, as_of)
        for k, (b, cs) in enumerate(active):
            series = [b.low] + [
                (c, sum(nets[f"{axis.name}={c}|{k}"].values(), ZERO)) for c in cs
            ] + [b.high]
            found = _crossing(series)
            if found is None:  # cannot happen: the ends differ in sign
                b.done = _closest(axis, b)
                continue
            i, exact = found
            if exact:
                value, net = series[i]
                b.done = BreakEven(axis.name, b.fixed, value, _value_text(axis, value), net,
                                   (value, value), "净额恰为 0。")
            else:
                b.low, b.high = series[i], series[i + 1]
    return [b.done or _closest(axis, b) for b in brackets]


def _closest(axis: GridAxis, b: Bracket) -> BreakEven:
    (lo, lo_net), (hi, hi_net) = b.low, b.high
    value, net = (lo, lo_net) if abs(lo_net) <= abs(hi_net) else (hi, hi_net)
    return BreakEven(
        axis.name, b.fixed, value, _value_text(axis, value), net, (lo, hi),
        f"净额在 {_value_text(axis, lo)}（{lo_net} 元）与 {_value_text(axis, hi)}"
        f"（{hi_net} 元）之间变号；取净额绝对值较小的一端。",
    )
