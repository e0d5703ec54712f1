"""GB 3838-2002 Table 1 limits, read from the packaged copy of the table (the single source).

Limits are inclusive. `direction` says how a value meets a class: `le` (value <= limit), `ge`
(dissolved oxygen, value >= limit), `range` (pH, low <= value <= high), `none` (water temperature,
no classes). TP has separate river and lake rows; TN applies to lakes and reservoirs only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

from compensation.quality.indicators import Indicator, indicator_by_code, resolve_indicator

TABLE_FILE = "gb3838_table1.csv"
DECIMALS_FILE = "assessment_decimals.csv"
WATER_BODIES = ("river", "lake")
CLASSES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Standard:
    """One row of Table 1 for one water body (river or lake)."""

    code: str
    water_body: str
    direction: str  # le | ge | range | none
    eval21: bool  # one of the 21 items of the single-factor section class
    limits: tuple[Decimal, ...]  # classes I..V; empty for `none` and `range`
    low: Decimal | None = None  # range only (pH 6)
    high: Decimal | None = None  # range only (pH 9)


def _data_text(name: str) -> str:
    return (
        resources.files("compensation.quality")
        .joinpath("data")
        .joinpath(name)
        .read_text(encoding="utf-8")
    )


@cache
def load_standards() -> dict[tuple[str, str], Standard]:
    """(code, water_body) -> Standard, with `both` rows expanded to river and lake."""
    table: dict[tuple[str, str], Standard] = {}
    for row in csv.DictReader(_data_text(TABLE_FILE).splitlines()):
        ind = resolve_indicator(row["code"])
        if ind is None:
            raise ValueError(f"{TABLE_FILE}: HJ 525 code {row['code']} is not in indicators.csv")
        direction = row["direction"]
        cells = [row[c] for c in ("I", "II", "III", "IV", "V")]
        low = high = None
        limits: tuple[Decimal, ...] = ()
        if direction == "range":
            low, high = (Decimal(x) for x in cells[0].split(";"))
        elif direction in ("le", "ge"):
            limits = tuple(Decimal(x) for x in cells)
        bodies = WATER_BODIES if row["water_body"] == "both" else (row["water_body"],)
        for body in bodies:
            table[(ind.code, body)] = Standard(
                ind.code, body, direction, row["eval21"] == "1", limits, low, high
            )
    return table


@cache
def assessment_decimals() -> dict[str, int]:
    """Canonical code -> decimals to which a period mean is rounded before classification."""
    by_name: dict[str, int] = {}
    for row in csv.DictReader(_data_text(DECIMALS_FILE).splitlines()):
        ind = resolve_indicator(row["item"])
        if ind is not None:
            by_name[ind.code] = int(row["assessment_decimals"])
    return by_name


def as_indicator(indicator: str | Indicator) -> Indicator:
    """Accept a canonical code, any known alias, or an Indicator."""
    if isinstance(indicator, Indicator):
        return indicator
    try:
        return indicator_by_code(indicator)
    except KeyError:
        found = resolve_indicator(indicator)
        if found is None:
            raise KeyError(indicator) from None
        return found


def decimals_of(indicator: str | Indicator) -> int:
    """Assessment decimals (assessment_decimals.csv, else the alias table's column)."""
    ind = as_indicator(indicator)
    return assessment_decimals().get(ind.code, ind.decimals)


def shown_decimals(indicator: str, value: Decimal) -> int:
    """How many decimals to show a value with: its item's assessment decimals, or more when the
    value carries more (a sample measured as pH 8.07 stays 8.07; a monthly pH, rounded to the
    assessment's 0 decimals, shows as 8, not 8.000000). Unknown items show what they carry."""
    exponent = Decimal(value).normalize().as_tuple().exponent
    carried = max(-exponent, 0) if isinstance(exponent, int) else 0
    try:
        return max(decimals_of(indicator), carried)
    except KeyError:
        return carried


def display_value(indicator: str, value: Decimal | None) -> str:
    """A measured or period value as text at `shown_decimals` ('8', '8.07', '0.30')."""
    if value is None:
        return "—"
    places = shown_decimals(indicator, Decimal(value))
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places)):f}"


def standard(indicator: str | Indicator, water_body: str = "river") -> Standard | None:
    """The Table 1 row that applies, or None (no classes: TN in rivers, FLOW, COND, ...)."""
    if water_body not in WATER_BODIES:
        raise ValueError(f"water_body must be river or lake, got {water_body!r}")
    found = load_standards().get((as_indicator(indicator).code, water_body))
    if found is None or found.direction == "none":
        return None
    return found


def limit(indicator: str | Indicator, class_: int, water_body: str = "river") -> Decimal | None:
    """The limit of class 1..5 for `le`/`ge` items; None for pH, temperature, no-class items."""
    if class_ not in CLASSES:
        raise ValueError(f"class must be 1..5, got {class_!r}")
    row = standard(indicator, water_body)
    if row is None or not row.limits:
        return None
    return row.limits[class_ - 1]


def class_bounds(
    indicator: str | Indicator, class_: int, water_body: str = "river"
) -> tuple[Decimal | None, Decimal | None] | None:
    """(lowest, highest) value meeting the class, None for an open side; None if no class."""
    row = standard(indicator, water_body)
    if row is None or class_ not in CLASSES:
        return None
    if row.direction == "range":
        return (row.low, row.high)
    value = row.limits[class_ - 1]
    return (None, value) if row.direction == "le" else (value, None)
