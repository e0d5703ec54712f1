"""Windows of a run: which months a command covers, for month and year schemes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from compensation.errors import EcocompError
from compensation.months import agreement_year, month_label, month_range, year_start

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Window:
    """The months a run covers: `start` and `end` are first days of months, both inclusive.

    `label` is what the user typed ('2018-01' or '2018'); `through` is the last month whose data the
    run stands on (for a year scheme run monthly, the year-to-date month).
    """

    label: str
    start: date
    end: date

    @property
    def months(self) -> list[date]:
        return month_range(self.start, self.end)


def parse_month(text: str) -> date:
    """'2018-01' → date(2018, 1, 1), or a sentence saying what was expected."""
    match = _PERIOD.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise EcocompError(
            f"期间“{text}”的格式不对：应为 年-月，例如 2018-01。(period must look like YYYY-MM)"
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_year(text: str | int) -> int:
    value = str(text).strip()
    if not _YEAR.match(value):
        raise EcocompError(f"年份“{text}”的格式不对：应为四位年份，例如 2022。(year must be YYYY)")
    return int(value)


def parse_years(text: str) -> list[int]:
    """`2022-2024`, `2022..2024` or `2022`: consecutive (agreement) years."""
    match = re.fullmatch(r"\s*(\d{4})\s*(?:(?:-|\.\.|–|～|~)\s*(\d{4}))?\s*", text or "")
    if not match:
        raise EcocompError(
            f"--years 写法“{text}”不对：应为年份或年份区间，如 2022 或 2022-2024。(bad years)"
        )
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if last < first:
        raise EcocompError(f"--years“{text}”：结束年 {last} 早于开始年 {first}。(bad years)")
    return list(range(first, last + 1))


def parse_as_of(text: str | None) -> datetime:
    """`--as-of 2024-05-01` means the end of that day: batches loaded that day count."""
    if text is None:
        return datetime.now()
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(23, 59, 59, 999999))
        return datetime.fromisoformat(value)
    except ValueError:
        raise EcocompError(
            f"截止时间“{text}”的格式不对：应为日期 2024-05-01 或时间 2024-05-01T12:00。"
            "(as-of must be an ISO date or datetime)"
        ) from None


def window_for(
    kind: str,
    span_start: date | None,
    period: str | None = None,
    year: str | int | None = None,
    begins: int = 1,
    years: str | None = None,
) -> Window | None:
    """The window of one command: a month, a year-to-date, or a whole year; None before the span.

    A month scheme runs the month (or every month of `--year`). A longer period's window runs from
    the first month of its (agreement) year: a monthly run is its to-date provisional status, so
    the window runs from that month (or the span start) to the month asked for. `--year Y` of a
    scheme whose agreement year begins in month N (`year begins month N`) is the agreement year
    that begins in Y: N/Y to (N-1)/(Y+1). `--years A-B` (run only) is one window over the
    (agreement) years A to B, labelled "A-B".
    """
    if sum(x is not None for x in (period, year, years)) != 1:
        raise EcocompError(
            "请给出 --period YYYY-MM 或 --year YYYY 之一（不能都给，也不能都不给）。"
            if years is None else
            "请给出 --period、--year 或 --years 中的一个（不能同时给出）。"
            "(give one of --period, --year, --years)"
        )
    if years is not None:
        every = parse_years(years)
        start, end = agreement_year(every[0], begins)[0], agreement_year(every[-1], begins)[1]
        label = str(every[0]) if len(every) == 1 else f"{every[0]}-{every[-1]}"
    elif period is not None:
        month = parse_month(period)
        label = month_label(month)
        start = month if kind == "month" else year_start(month, begins)
        end = month
    else:
        y = parse_year(year)  # type: ignore[arg-type]
        start, end = agreement_year(y, begins)
        label = str(y)
    if span_start is not None:
        first = date(span_start.year, span_start.month, 1)
        if end < first:
            return None
        start = max(start, first)
    return Window(label, start, end)
