"""`ecocomp scenario compare`: net transfers per year and month under each scenario, side by side.

All scenarios are evaluated by one query per rule (UNION ALL: one query in all); the lines stay in a
TEMP table of the session for the month-by-month reasons. Nothing is written to the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from compensation.lang import BASE_SCENARIO, CompiledScheme
from compensation.scenario.evaluate import (
    Direction,
    choose_years,
    direction_of,
    load_compiled,
    prepare,
    run_rule_query,
    signed_lines_sql,
    year_of,
    years_window,
)
from compensation.scenario.files import Scenario, load_scenarios, overlays
from compensation.scenario.reasons import failed_indicators, line_reason, month_reason

ZERO = Decimal("0.00")
LINES_TABLE = "scenario_lines"


@dataclass
class MonthRow:
    """One period: each scenario's net and the reason (which section failed which indicator)."""

    month: date
    nets: dict[str, Decimal]
    reasons: dict[str, str]


@dataclass
class Comparison:
    scheme: str
    scheme_title: str
    direction: Direction
    years: list[int]
    base: str
    scenarios: list[Scenario]
    yearly: dict[int, dict[str, Decimal]]
    monthly: list[MonthRow]
    totals: dict[str, Decimal] = field(default_factory=dict)

    def diff(self, name: str, year: int | None = None) -> Decimal:
        """Net under `name` minus net under the base (over all years when `year` is None)."""
        if year is None:
            return self.totals[name] - self.totals[self.base]
        return self.yearly[year][name] - self.yearly[year][self.base]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]


def _scheme_judges_target(compiled: CompiledScheme) -> bool:
    return any(p.name == "target" and p.kind == "class" for p in compiled.parameters)


def _section_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {sid: name for sid, name in con.execute(
        "SELECT section_id, name FROM ev_sections").fetchall()}


def compare(
    con: duckdb.DuckDBPyConnection,
    scheme: str | CompiledScheme,
    base: str,
    scenarios: list[str],
    years: str | list[int] | None = None,
    *,
    as_of: datetime | None = None,
    rules_dir: Path | None = None,
    scenarios_dir: Path | None = None,
) -> Comparison:
    """Evaluate BASE and each SCENARIO over the years; nets from the scheme's first party's view."""
    compiled = load_compiled(scheme, rules_dir)
    year_list = choose_years(con, compiled, years, as_of)
    loaded = load_scenarios([base, *scenarios], compiled, scenarios_dir)
    base_name = loaded[0].name
    start, end = years_window(compiled, year_list)
    prepare(con, compiled, start, end, overlays(loaded), as_of)
    direction = direction_of(con, compiled)
    sql, params = signed_lines_sql(
        compiled, direction,
        "scenario, period_start, section_id, amount, exception, reason, "
        "CAST(trace AS VARCHAR) AS trace",
        trace=True,
    )
    con.execute(f"DROP TABLE IF EXISTS {LINES_TABLE}")
    run_rule_query(con, compiled, f"CREATE TEMP TABLE {LINES_TABLE} AS {sql}", params)
    names = [s.name for s in loaded]
    wanted = set(names)
    rows = con.execute(
        "SELECT scenario, CAST(period_start AS DATE), section_id, signed, exception, reason, "
        f"trace FROM {LINES_TABLE} ORDER BY scenario, period_start, section_id"
    ).fetchall()
    con.execute(f"DROP TABLE {LINES_TABLE}")
    sections = _section_names(con)
    by_target = _scheme_judges_target(compiled)
    nets: dict[tuple[str, date], Decimal] = {}
    parts: dict[tuple[str, date], list[str | None]] = {}
    months: set[date] = set()
    for scenario, month, section, signed, exception, reason, trace in rows:
        if scenario not in wanted:
            continue
        months.add(month)
        key = (scenario, month)
        nets[key] = nets.get(key, ZERO) + Decimal(signed)
        name = sections.get(section, section or "方案级")
        parts.setdefault(key, []).append(line_reason(name, exception, reason, trace, signed))
    monthly = [
        MonthRow(
            m,
            {n: nets.get((n, m), ZERO) for n in names},
            {n: month_reason(parts.get((n, m), []), by_target and (n, m) in parts)
             for n in names},
        )
        for m in sorted(months)
    ]
    yearly: dict[int, dict[str, Decimal]] = {y: dict.fromkeys(names, ZERO) for y in year_list}
    for row in monthly:
        year = year_of(compiled, row.month)
        if year in yearly:
            for n in names:
                yearly[year][n] += row.nets[n]
    totals = {n: sum((yearly[y][n] for y in year_list), ZERO) for n in names}
    return Comparison(
        compiled.id, compiled.title, direction, year_list, base_name, loaded, yearly, monthly,
        totals,
    )


__all__ = ["BASE_SCENARIO", "Comparison", "MonthRow", "compare", "failed_indicators"]
