"""The calendar of the schemes: months, (agreement) years and the periods inside them.

One place for month arithmetic (the engine's windows, the rule runtime's periods and the outputs'
month lists all use it). Periods longer than a month are counted from the first month of the
(agreement) year: with `year begins month 6` the quarters are Jun–Aug, Sep–Nov, Dec–Feb, Mar–May.
The SQL macro `period_of` in quality.sql does the same arithmetic inside the database.
"""

from __future__ import annotations

import calendar
from datetime import date

MONTHS_PER_KIND = {"month": 1, "odd-month": 1, "bimonth": 2, "quarter": 3, "year": 12}


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(day: date, n: int) -> date:
    """The first day of the month n months after day's month."""
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def last_day(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def month_range(first: date, last: date) -> list[date]:
    """First days of the months first..last, both inclusive."""
    out: list[date] = []
    current = month_start(first)
    while current <= last:
        out.append(current)
        current = add_months(current, 1)
    return out


def month_label(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def year_start(day: date, begins: int = 1) -> date:
    """First day of the (agreement) year containing day, for years beginning in month `begins`."""
    return date(day.year if day.month >= begins else day.year - 1, begins, 1)


def agreement_year(year: int, begins: int = 1) -> tuple[date, date]:
    """(first month, last month) of the (agreement) year that begins in `year`."""
    first = date(year, begins, 1)
    return first, add_months(first, 11)


def period_start(day: date, kind: str, begins: int = 1) -> date:
    """First day of the period of `kind` (month, bimonth, quarter, year) that holds day."""
    step = MONTHS_PER_KIND[kind]
    index = day.year * 12 + day.month - 1
    return add_months(date(1, 1, 1), index - (index - (begins - 1)) % step - 12)


def period_text(start: date, end: date) -> str:
    """'2018-01' for a month, '2020' for a calendar year, 'YYYY-MM~YYYY-MM' otherwise."""
    if (start.year, start.month) == (end.year, end.month):
        return month_label(start)
    if start == date(start.year, 1, 1) and end == date(start.year, 12, 31):
        return str(start.year)
    return f"{month_label(start)}~{month_label(end)}"


GRAIN_OF_LENGTH = {1: "month", 2: "bimonth", 3: "quarter", 12: "year"}


def grain_of(start: date, end: date) -> tuple[str, int] | None:
    """(grain, begins) of a ledger line's period [start, end]: its length in months names the grain
    (month, bimonth, quarter, year), its first month the (agreement) year's alignment, as the SQL
    macro `period_of` takes them; None for a period of another length."""
    months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
    grain = GRAIN_OF_LENGTH.get(months)
    return None if grain is None else (grain, start.month)
