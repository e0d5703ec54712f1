"""`ecocomp scenario compare`: net transfers per year and month under each scenario, side by side.

All scenarios are evaluated by one query (every rule's SQL joined by UNION ALL), with the month by
month reasons (`outcomes.monthly_outcomes`). Nothing is written to the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from compensation.lang import BASE_SCENARIO, CompiledScheme
from compensation.months import agreement_year, month_label
from compensation.scenario.evaluate import (
    Direction,
    choose_years,
    direction_of,
    load_compiled,
    years_window,
)
from compensation.scenario.files import Scenario, load_scenarios, overlays
from compensation.scenario.outcomes import monthly_outcomes, yearly_sums
from compensation.scenario.reasons import failed_indicators

ZERO = Decimal("0.00")


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
    year_begins: int = 1  # the scheme's first month of the (agreement) year

    def year_label(self, year: int) -> str:
        """'2023' for a calendar year; '2022 协议年（2022-06～2023-05）' for an agreement year, so
        that a reader does not take the agreement year beginning in 2022 for the calendar year."""
        if self.year_begins == 1:
            return str(year)
        first, last = agreement_year(year, self.year_begins)
        return f"{year} 协议年（{month_label(first)}～{month_label(last)}）"

    def diff(self, name: str, year: int | None = None) -> Decimal:
        """Net under `name` minus net under the base (over all years when `year` is None)."""
        if year is None:
            return self.totals[name] - self.totals[self.base]
        return self.yearly[year][name] - self.yearly[year][self.base]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]


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
    direction = direction_of(con, compiled)
    months, outcomes = monthly_outcomes(con, compiled, direction, start, end, overlays(loaded),
                                        as_of)
    names = [s.name for s in loaded]
    monthly = []
    for m in months:
        found = {n: outcomes.get(n, {}).get(m) for n in names}
        monthly.append(MonthRow(
            m,
            {n: o.net if o else ZERO for n, o in found.items()},
            {n: o.reason if o else "" for n, o in found.items()},
        ))
    sums = {n: yearly_sums(compiled, year_list, months, [r.nets[n] for r in monthly])
            for n in names}
    yearly = {y: {n: sums[n][y] for n in names} for y in year_list}
    totals = {n: sum((yearly[y][n] for y in year_list), ZERO) for n in names}
    return Comparison(
        compiled.id, compiled.title, direction, year_list, base_name, loaded, yearly, monthly,
        totals, compiled.year_begins,
    )


__all__ = ["BASE_SCENARIO", "Comparison", "MonthRow", "compare", "failed_indicators"]
