"""The CPI band rule evaluated row by row in plain Python, the way a spreadsheet macro does it.

It reads the sample rows once, in section order, and loops: mean per section-month-indicator in
exact Decimal, half-even rounding, CPI, the ratio against the control, the band. No SQL computes
anything here (the database only sorts the rows by section, as a sheet would be sorted).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

import duckdb

from bench.limits import CPI_CLASS_III
from compensation.quality.indicators import load_indicators

HOLD, IMPROVE = Decimal("500000.00"), Decimal("1000000.00")
SMALL, LARGE = Decimal("-1000000.00"), Decimal("-2000000.00")
TENTH = Decimal("0.1")


def round_mean(total: Decimal, n: int, decimals: int) -> Decimal:
    """Mean rounded half-even; one significant figure is kept when it would round to 0."""
    mean = total / n  # 28 significant digits: far beyond any tie of these data
    for places in range(decimals, 7):
        rounded = mean.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        if rounded != 0 or mean == 0:
            return rounded
    return Decimal(0)


def band_amount(cpi_section: Decimal, cpi_control: Decimal) -> Decimal:
    """r = (s − c)/c: [−10%, 0] → +50万, < −10% → +100万, (0, 10%] → −100万, > 10% → −200万."""
    r = (cpi_section - cpi_control) / cpi_control  # correctly rounded: exact at −0.1, 0, 0.1
    if -TENTH <= r <= 0:
        return HOLD
    if r < -TENTH:
        return IMPROVE
    return SMALL if r <= TENTH else LARGE


def scaled_cpi(values: dict[str, Decimal]) -> Decimal:
    """240 × CPI = Σ C_i × (60 / S_i): the weights 3, 10, 60, 300 are integers, so this is exact
    (CPI itself has thirds); r = (s − c)/c is the same for CPI and for 240 × CPI."""
    return sum(values[c] * (60 / s) for c, s in CPI_CLASS_III.items())


def evaluate(con: duckdb.DuckDBPyConnection, as_of: datetime, start: date,
             stop: date) -> dict[tuple[str, date], Decimal]:
    """Signed amount (district's view) per (assessed section, month) with a complete CPI."""
    decimals = {i.code: i.decimals for i in load_indicators()}
    sections = con.execute(
        """SELECT section_id, role, control_id, valid_from, valid_to FROM sections
           WHERE list_contains(schemes, 'yangtze_han')"""
    ).fetchall()
    # the rows in section order, as a sheet sorted by section: one section's samples are held
    # at a time (all 10 million at once took 4.9 GB of Python objects)
    con.execute(
        """SELECT s.section_id, s.sampled_at, s.indicator, s.value, s.below_dl,
                  s.detection_limit, s.flag, s.batch_id
           FROM samples AS s JOIN batches AS b ON b.batch_id = s.batch_id
           WHERE b.loaded_at <= $as_of AND s.indicator IN ('COD', 'CODMn', 'NH3N', 'TP')
             AND s.sampled_at >= $start AND s.sampled_at < $stop
           ORDER BY s.section_id""",
        {"as_of": as_of, "start": start, "stop": stop},
    )
    cpi: dict[tuple[str, date], Decimal] = {}
    # Row by row, as a macro walks a sheet; a later batch replaces the value of the same key.
    newest: dict[tuple[str, datetime, str], tuple] = {}
    current = None
    while chunk := con.fetchmany(100_000):
        for section, sampled_at, indicator, value, below_dl, limit, flag, batch in chunk:
            if section != current:
                cpi.update(_section_cpis(newest, decimals))
                newest, current = {}, section
            key = (section, sampled_at, indicator)
            if key not in newest or batch > newest[key][0]:
                usable = flag is None and (value is not None or below_dl)
                newest[key] = (batch, (limit / 2 if below_dl else value) if usable else None)
    cpi.update(_section_cpis(newest, decimals))

    months = sorted({month for _, month in cpi})
    amounts: dict[tuple[str, date], Decimal] = {}
    for section, role, control, valid_from, valid_to in sections:
        if role != "assessed":
            continue
        for month in months:
            if month < valid_from or (valid_to is not None and month > valid_to):
                continue
            own, other = cpi.get((section, month)), cpi.get((control, month))
            if own is not None and other is not None:
                amounts[(section, month)] = band_amount(own, other)
    return amounts


def _section_cpis(newest: dict[tuple[str, datetime, str], tuple], decimals: dict[str, int]
                  ) -> dict[tuple[str, date], Decimal]:
    """240 × CPI per (section, month) with all four indicators, from one section's samples."""
    totals: dict[tuple[str, date, str], list] = defaultdict(lambda: [Decimal(0), 0])
    for (section, sampled_at, indicator), (_, value) in newest.items():
        if value is None:
            continue
        cell = totals[(section, sampled_at.date().replace(day=1), indicator)]
        cell[0] += value
        cell[1] += 1

    month_values: dict[tuple[str, date], dict[str, Decimal]] = defaultdict(dict)
    for (section, month, indicator), (total, n) in totals.items():
        month_values[(section, month)][indicator] = round_mean(total, n, decimals[indicator])
    return {key: scaled_cpi(v) for key, v in month_values.items() if len(v) == len(CPI_CLASS_III)}
