"""`ecocomp scenario workbench`: every point of a negotiation grid, with its months and reasons,
and the break-even of each numeric parameter, computed for one self-contained HTML page.

The grid is evaluated like `sweep`: ONE `prepare_run` with the scenario as a column and ONE query
over every rule (here with the traces, for the month-by-month reasons, see `outcomes`). The
break-even values come from `sweep.break_even`, which refines every bracket in one query a round.
The page only looks figures up; it computes none (`workbench_page`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from compensation.lang import BASE_SCENARIO, CompiledScheme
from compensation.scenario.evaluate import (
    Direction,
    direction_of,
    load_compiled,
    parse_years,
    years_window,
)
from compensation.scenario.files import Scenario, load_scenario
from compensation.scenario.grid import GridAxis, GridPoint, axes_from, display, grid_points
from compensation.scenario.outcomes import MonthOutcome, monthly_outcomes, yearly_sums
from compensation.scenario.sweep import BreakEven, SweepResult, SweepRow, break_even

ZERO = Decimal("0.00")
NO_LINES = MonthOutcome(ZERO, "")


@dataclass(frozen=True)
class PointFigures:
    """One grid point (or the current agreement): nets per year, in total and per month."""

    yearly: dict[int, Decimal]
    total: Decimal
    monthly: list[MonthOutcome]


@dataclass(frozen=True)
class Workbench:
    """Everything the page shows; `points` and `figures` are in the grid's order (the last
    parameter varies fastest), `break_even[param]` maps the other parameters' labels to the
    break-even of `param` with them held."""

    scheme: str
    scheme_title: str
    direction: Direction
    years: list[int]
    months: list[date]
    axes: list[GridAxis]
    on: Scenario | None
    fixed: list[tuple[str, str]]
    points: list[GridPoint]
    figures: list[PointFigures]
    base: PointFigures
    break_even: dict[str, dict[tuple[str, ...], BreakEven]]
    as_of: datetime


def _figures(outcomes: dict[date, MonthOutcome], months: list[date], years: list[int],
             compiled: CompiledScheme) -> PointFigures:
    monthly = [outcomes.get(m, NO_LINES) for m in months]
    yearly = yearly_sums(compiled, years, months, [o.net for o in monthly])
    return PointFigures(yearly, sum(yearly.values(), ZERO), monthly)


def _fixed(compiled: CompiledScheme, axes: list[GridAxis], on: Scenario | None
           ) -> list[tuple[str, str]]:
    """Negotiable parameters not on the grid, with the value they keep (the `on` scenario's,
    else the rule file's, each dated version shown)."""
    swept = {a.name for a in axes}
    out = []
    for param in compiled.parameters:
        if not param.negotiable or param.name in swept:
            continue
        if on is not None and param.name in on.overrides:
            out.append((param.name, f"{on.overrides[param.name]}（情景 {on.name}）"))
            continue
        versions = param.versions
        text = "；".join(
            display(v.value) if len(versions) == 1 else f"{display(v.value)}（自 {v.start:%Y-%m}）"
            for v in versions
        )
        out.append((param.name, f"{text}（规则文件现行值）"))
    return out


def workbench(
    con: duckdb.DuckDBPyConnection,
    scheme: str | CompiledScheme,
    grid: Sequence[str] | Mapping[str, Sequence[str] | str],
    years: str | Sequence[int],
    *,
    on: str | None = None,
    as_of: datetime | None = None,
    rules_dir: Path | None = None,
    scenarios_dir: Path | None = None,
) -> Workbench:
    """Evaluate the grid (and the current agreement, the rule file itself) for the page."""
    compiled = load_compiled(scheme, rules_dir)
    year_list = parse_years(years) if isinstance(years, str) else list(years)
    axes = axes_from(compiled, grid)
    on_scenario = load_scenario(on, compiled, scenarios_dir) if on else None
    points = grid_points(axes, on_scenario.overrides if on_scenario else None)
    direction = direction_of(con, compiled)
    start, end = years_window(compiled, year_list)
    stamp = as_of or datetime.now()
    months, outcomes = monthly_outcomes(
        con, compiled, direction, start, end, [(p.name, p.overlay) for p in points], stamp
    )
    figures = [_figures(outcomes.get(p.name, {}), months, year_list, compiled) for p in points]
    base = _figures(outcomes.get(BASE_SCENARIO, {}), months, year_list, compiled)
    as_sweep = SweepResult(
        compiled.id, compiled.title, direction, year_list, axes, on_scenario,
        SweepRow(BASE_SCENARIO, {}, base.yearly),
        [SweepRow(p.name, p.labels, f.yearly) for p, f in zip(points, figures, strict=True)],
    )
    evens: dict[str, dict[tuple[str, ...], BreakEven]] = {}
    for axis in axes:
        if len(axis.texts) >= 2 and all(n is not None for n in axis.numbers):
            others = [a.name for a in axes if a.name != axis.name]
            evens[axis.name] = {
                tuple(b.fixed[n] for n in others): b
                for b in break_even(con, compiled, as_sweep, axis.name, as_of=stamp)
            }
    return Workbench(
        compiled.id, compiled.title, direction, year_list, months, axes, on_scenario,
        _fixed(compiled, axes, on_scenario), points, figures, base, evens, stamp,
    )
