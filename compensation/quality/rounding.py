"""Rounding of measurements (GB/T 8170, half to even) and of money (四舍五入, half up).

Measurements are rounded once, to the item's assessment decimals, before they are compared with a
limit; a value that would become 0 keeps one significant figure instead (monitoring practice), so a
detected trace never turns into "absent". Binary floats are refused: 1.005 is not 1.005 in a float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

Number = Decimal | Fraction | int | str


def to_fraction(value: Number) -> Fraction:
    """Exact rational of a Decimal, Fraction, int or numeric string; a float is a bug."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"exact number expected, got {type(value).__name__} {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        value = Decimal(value.strip())
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"finite number expected, got {value}")
        return Fraction(value)
    raise TypeError(f"exact number expected, got {type(value).__name__}")


def _round_fraction(value: Fraction, decimals: int, half_even: bool) -> Decimal:
    """Round an exact rational at `decimals` with integer arithmetic only (ties: to even, or up
    towards +infinity, which callers use on absolute values)."""
    scaled = value * Fraction(10) ** decimals
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and (not half_even or floor % 2 == 1)):
        floor += 1
    return Decimal(floor).scaleb(-decimals)


def round_half_even(value: Number, decimals: int, *, keep_significant: bool = True) -> Decimal:
    """GB/T 8170 rounding (四舍六入五成双) to `decimals`; a non-zero value that would round to 0
    keeps one significant figure (0.00005 at 3 decimals stays 0.00005) unless keep_significant
    is False."""
    exact = to_fraction(value)
    rounded = _round_fraction(exact, decimals, half_even=True)
    if rounded != 0 or exact == 0 or not keep_significant:
        return rounded
    return round_significant(exact, 1)


def round_significant(value: Number, figures: int) -> Decimal:
    """Round half to even to `figures` significant figures (0.000096, 1 figure -> 0.0001)."""
    exact = to_fraction(value)
    if exact == 0:
        return Decimal(0)
    magnitude = abs(exact)
    exponent = len(str(magnitude.numerator)) - len(str(magnitude.denominator))
    # exponent is floor(log10(magnitude)) or one above it; fix it exactly.
    if Fraction(10) ** exponent > magnitude:
        exponent -= 1
    decimals = figures - 1 - exponent
    rounded = _round_fraction(exact, decimals, half_even=True)
    if abs(rounded) >= Decimal(10) ** (
        exponent + 1
    ):  # carried into a new digit: 0.000096 -> 0.0001
        rounded = _round_fraction(Fraction(rounded), decimals - 1, half_even=True)
    return rounded


def round_half_up(value: Number, decimals: int) -> Decimal:
    """Money rounding (四舍五入): ties away from zero, 2.345 -> 2.35, -2.345 -> -2.35."""
    exact = to_fraction(value)
    rounded = _round_fraction(abs(exact), decimals, half_even=False)
    return -rounded if exact < 0 else rounded


def quantize_even(value: Decimal, decimals: int) -> Decimal:
    """Plain half-even quantize for Decimals (no significant-figure rule), exact scale kept."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)


def quantize_up(value: Decimal, decimals: int) -> Decimal:
    """Plain half-up quantize for Decimals (money)."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
