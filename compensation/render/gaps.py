"""The months a year-to-date figure does not (fully) stand on: never run, or run without all data.

A month that was never run adds 0.00 to 本年累计 like a quiet month would; every document that
shows a year-to-date figure names these months beside it (decision: docs/decisions.md, Outputs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb

from compensation.engine.coverage import SHOWN, sections_without_data
from compensation.months import MONTHS_PER_KIND, add_months, month_range, period_start
from compensation.render.data import chosen_runs
from compensation.render.labels import scheme_title
from compensation.render.profile import PublicationOrder, publication_order


@dataclass(frozen=True)
class MonthGap:
    """One scheme's month behind a year-to-date figure that is not complete."""

    scheme: str
    month: date
    not_run: bool  # True: no run covers the month; False: run, but sections had no data
    sections: tuple[str, ...] = ()  # names of the sections without data (when run)

    @property
    def state(self) -> str:
        """'未核算' or '有 2 个断面无监测数据（A、B）'."""
        if self.not_run:
            return "未核算"
        names = "、".join(self.sections[:SHOWN]) + ("等" if len(self.sections) > SHOWN else "")
        return f"有 {len(self.sections)} 个断面无监测数据（{names}）"


def _scheme_starts(
    con: duckdb.DuckDBPyConnection,
) -> dict[str, tuple[date | None, str | None, int]]:
    """Every scheme ever run (base): the first month it applies, its period kind and the first
    month of its (agreement) year."""
    rows = con.execute(
        "SELECT scheme, arg_max(span_start, run_id), arg_max(period_kind, run_id),"
        " arg_max(year_begins, run_id) FROM runs"
        " WHERE scenario = 'base' GROUP BY scheme ORDER BY scheme"
    ).fetchall()
    return {scheme: (start, kind, int(begins or 1)) for scheme, start, kind, begins in rows}


def _booked(month: date, kind: str | None, begins: int, last: date) -> date:
    """The month whose run stands for `month`: the month itself for a monthly scheme; for a longer
    period the month it ends in, or `last` while it is still running (its to-date status)."""
    if kind not in ("bimonth", "quarter", "year"):
        return month
    start = period_start(month, kind, begins)
    return min(add_months(start, MONTHS_PER_KIND[kind] - 1), last)


def year_to_date_gaps(
    con: duckdb.DuckDBPyConnection, last: date, schemes: Iterable[str] | None = None,
    order: PublicationOrder | None = None,
) -> list[MonthGap]:
    """Months January..`last` of each scheme (None: every scheme ever run) not run, or run while
    sections had no data. A longer period's figure (quarter, year, agreement year) is its status at
    the month it ends, or at `last` while it is running, so only that run counts for its months."""
    first = date(last.year, 1, 1)
    picks = chosen_runs(con, first, last)
    known = _scheme_starts(con)
    order = order or publication_order()
    wanted = sorted(
        (s for s in (known if schemes is None else schemes) if s in known),
        key=lambda s: (order.scheme_rank(s), s),
    )
    as_of = dict(con.execute("SELECT run_id, as_of FROM runs").fetchall()) if picks else {}
    gaps: list[MonthGap] = []
    for scheme in wanted:
        start, kind, begins = known[scheme]
        months = [m for m in month_range(first, last) if start is None or m >= start]
        runs: dict[date, int | None] = {
            m: picks.get((scheme, _booked(m, kind, begins, last))) for m in months
        }
        missing: dict[date, list[str]] = {}
        for run in sorted({r for r in runs.values() if r is not None}):
            covered = [m for m, r in runs.items() if r == run]
            for item in sections_without_data(con, scheme, covered[0], covered[-1], as_of[run]):
                if item.month in covered:
                    missing.setdefault(item.month, []).append(item.name)
        for month, run in runs.items():
            if run is None:
                gaps.append(MonthGap(scheme, month, True))
            elif month in missing:
                gaps.append(MonthGap(scheme, month, False, tuple(missing[month])))
    return gaps


def gaps_sentence(gaps: list[MonthGap]) -> str:
    """'本年累计未含：长江、汉江 2月未核算；…。' — empty when every month is complete."""
    if not gaps:
        return ""
    parts = []
    for scheme in dict.fromkeys(g.scheme for g in gaps):
        mine = [g for g in gaps if g.scheme == scheme]
        not_run = [g for g in mine if g.not_run]
        words = []
        if not_run:
            words.append("、".join(f"{g.month.month}月" for g in not_run) + "未核算")
        words.extend(f"{g.month.month}月{g.state}" for g in mine if not g.not_run)
        parts.append(f"{scheme_title(scheme)} " + "，".join(words))
    return "本年累计尚不完整，以下月份未核算或缺少监测数据，按 0 计入：" + "；".join(parts) + "。"


def month_note(gaps: list[MonthGap], month: date) -> str:
    """The gaps of one month, scheme by scheme: '通顺河…：未核算'; '' when the month is complete."""
    return "；".join(f"{scheme_title(g.scheme)}：{g.state}" for g in gaps if g.month == month)
