"""Period means of readings: non-detects as half the detection limit, pH through [H+], flagged
values left out and the period marked with the flags seen (环办监测函〔2020〕82号)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

from compensation.quality.indicators import Indicator
from compensation.quality.rounding import round_half_even, to_fraction
from compensation.quality.standards import as_indicator, decimals_of

# Flags whose value must not enter a mean: the water or the instrument was not measuring the river.
# backwater, incident and over_range stay valid (the value is real; rules decide what to do).
INVALIDATING_FLAGS = frozenset({"no_flow", "ice", "fault", "maintenance", "calibration", "anomaly"})
# The pH mean is carried at this many decimals (as the SQL macros do) before assessment rounding.
PH_WORKING_DECIMALS = 6
# The store keeps measurements as DECIMAL(18,6): nothing finer survives, in Python as in SQL.
STORE_DECIMALS = 6


@dataclass(frozen=True)
class Reading:
    """One sample as stored: value, or a non-detect with its detection limit; optional flag."""

    value: Decimal | None = None
    below_dl: bool = False
    detection_limit: Decimal | None = None
    flag: str | None = None

    def effective(self) -> Fraction | None:
        """The number that enters a mean (DL/2 for a non-detect), None if the reading is invalid."""
        if self.flag in INVALIDATING_FLAGS:
            return None
        if self.below_dl:
            return None if self.detection_limit is None else to_fraction(self.detection_limit) / 2
        return None if self.value is None else to_fraction(self.value)


@dataclass(frozen=True)
class PeriodMean:
    """A period's value: `value` rounded to assessment decimals, `exact` before rounding."""

    value: Decimal | None
    exact: Fraction | Decimal | None
    n_samples: int
    n_valid: int
    highest: Decimal | None
    flags: tuple[str, ...] = field(default=())


def ph_mean(values: Iterable[Decimal]) -> Decimal:
    """−log10(mean(10^−pH)) at 6 decimals: [6.5, 7.9, 8.8, 9, 6.78, 8.87] -> 7.080..."""
    items = [Decimal(v) for v in values]
    if not items:
        raise ValueError("pH mean of no values")
    if all(v == items[0] for v in items):
        return round_half_even(items[0], PH_WORKING_DECIMALS)  # exact, no log round trip
    with localcontext() as ctx:
        ctx.prec = 40
        mean_h = sum((Decimal(10) ** (-v) for v in items), Decimal(0)) / len(items)
        result = -mean_h.log10()
    return round_half_even(result, PH_WORKING_DECIMALS)


def _as_decimal(value: Fraction) -> Decimal:
    """A Fraction whose denominator divides a power of ten, as an exact Decimal."""
    return round_half_even(value, 12, keep_significant=False).normalize()


def _at_store_precision(value: Decimal, exact: Fraction | Decimal) -> Decimal:
    """The significant-figure rule cannot go below the store's 1e-6: round there instead."""
    if value.as_tuple().exponent < -STORE_DECIMALS:  # type: ignore[operator]
        return round_half_even(exact, STORE_DECIMALS, keep_significant=False)
    return value


def period_mean(indicator: str | Indicator, readings: Iterable[Reading]) -> PeriodMean:
    """Mean of the valid readings, rounded half to even to the indicator's assessment decimals."""
    ind = as_indicator(indicator)
    rows = list(readings)
    valid = [x for r in rows if (x := r.effective()) is not None]
    flags = tuple(sorted({r.flag for r in rows if r.flag}))
    if not valid:
        return PeriodMean(None, None, len(rows), 0, None, flags)
    highest = round_half_even(max(valid), STORE_DECIMALS, keep_significant=False).normalize()
    exact: Fraction | Decimal
    if ind.code == "pH":
        exact = ph_mean(_as_decimal(v) for v in valid)
    else:
        exact = sum(valid, Fraction(0)) / len(valid)
    value = _at_store_precision(round_half_even(exact, decimals_of(ind)), exact)
    return PeriodMean(value, exact, len(rows), len(valid), highest, flags)
