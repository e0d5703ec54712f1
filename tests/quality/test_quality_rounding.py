"""GB/T 8170 half-to-even rounding with the keep-one-significant-figure rule; money half up."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from compensation.quality.rounding import round_half_even, round_half_up, round_significant


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        # the vectors of water-quality.md, at 3 decimals
        ("0.0034", 3, "0.003"),
        ("0.0035", 3, "0.004"),
        ("0.0045", 3, "0.004"),
        ("0.00005", 3, "0.00005"),  # would round to 0: keep one significant figure
        # binary floats get these wrong; decimals do not
        ("1.005", 2, "1.00"),
        ("1.015", 2, "1.02"),
        ("1.025", 2, "1.02"),
        ("1.0051", 2, "1.01"),  # beyond the half: up, whatever the parity
        ("1.004", 2, "1.00"),
        ("1.006", 2, "1.01"),
        ("7.46", 1, "7.5"),
        ("7.45", 1, "7.4"),
        ("0.2005", 3, "0.200"),
        ("0.2015", 3, "0.202"),
        ("2.5", 0, "2"),
        ("3.5", 0, "4"),
        ("-1.005", 2, "-1.00"),
        ("-1.015", 2, "-1.02"),
        ("0", 2, "0.00"),
        # one significant figure, itself rounded half to even
        ("0.00007", 3, "0.00007"),
        ("0.000049", 3, "0.00005"),
        ("0.000045", 3, "0.00004"),
        ("0.000096", 3, "0.0001"),  # the carry makes a new digit: still one figure
    ],
)
def test_round_half_even(value: str, decimals: int, expected: str) -> None:
    assert str(round_half_even(Decimal(value), decimals)) == expected


def test_rounded_value_keeps_its_decimals() -> None:
    assert str(round_half_even(Decimal("1.004"), 2)) == "1.00"
    assert str(round_half_even(Decimal("0.2005"), 3)) == "0.200"


def test_significant_figure_rule_can_be_switched_off() -> None:
    assert round_half_even(Decimal("0.00005"), 3, keep_significant=False) == Decimal("0.000")


def test_exact_fractions_round_exactly() -> None:
    # 2.0225 / 3 = 0.674166..., and 1/3 never ties
    assert round_half_even(Fraction(20225, 30000), 2) == Decimal("0.67")
    assert round_half_even(Fraction(1, 8), 2) == Decimal("0.12")  # 0.125 -> even
    assert round_half_even(Fraction(3, 8), 2) == Decimal("0.38")  # 0.375 -> even


def test_round_significant() -> None:
    assert round_significant(Decimal("123.45"), 2) == Decimal("120")
    assert round_significant(Decimal("0.0001250"), 2) == Decimal("0.00012")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.345", "2.35"), ("2.344", "2.34"), ("1.005", "1.01"), ("-2.345", "-2.35"), ("0.5", "0.50")],
)
def test_money_rounds_half_up(value: str, expected: str) -> None:
    assert round_half_up(Decimal(value), 2) == Decimal(expected)


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        round_half_even(1.005, 2)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        round_half_up(1.005, 2)  # type: ignore[arg-type]


def test_strings_and_ints_are_exact() -> None:
    assert round_half_even("1.015", 2) == Decimal("1.02")
    assert round_half_even(3, 2) == Decimal("3.00")
