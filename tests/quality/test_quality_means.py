"""Period means: non-detects as DL/2, pH through [H+], flagged values left out and reported."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from compensation.quality.means import Reading, period_mean, ph_mean

D = Decimal


def test_ph_mean_vector() -> None:
    values = [D("6.5"), D("7.9"), D("8.8"), D("9"), D("6.78"), D("8.87")]
    mean = ph_mean(values)
    assert mean.quantize(D("0.01")) == D("7.08")
    # the arithmetic mean would be 7.975: make sure that is not what we computed
    assert sum(values) / 6 == D("7.975")
    # by hand: 10^-pH summed ~ 4.98714e-7, /6 = 8.3119e-8, -log10 = 7.08030...
    assert D("7.0802") < mean < D("7.0804")


def test_ph_mean_of_equal_values_is_exact() -> None:
    assert ph_mean([D("7.5"), D("7.5")]) == D("7.5")


def test_ph_period_mean_rounds_to_assessment_decimals() -> None:
    readings = [Reading(D(v)) for v in ("6.5", "7.9", "8.8", "9", "6.78", "8.87")]
    result = period_mean("pH", readings)
    assert result.value == D("7")  # pH is assessed at 0 decimals (assessment_decimals.csv)
    assert result.n_valid == 6


def test_non_detects_enter_as_half_the_detection_limit() -> None:
    readings = [
        Reading(D("1.0")),
        Reading(D("1.01")),
        Reading(below_dl=True, detection_limit=D("0.025")),
    ]
    result = period_mean("NH3N", readings)
    # (1.0 + 1.01 + 0.0125) / 3 = 2.0225 / 3 = 0.674166... -> 0.67
    assert result.exact == Fraction(20225, 30000)
    assert result.value == D("0.67")
    assert (result.n_samples, result.n_valid, result.highest) == (3, 3, D("1.01"))
    assert result.flags == ()


def test_flagged_values_are_excluded_and_the_period_marked() -> None:
    readings = [
        Reading(D("0.10")),
        Reading(D("0.30")),
        Reading(D("9.99"), flag="fault"),  # a value that would dominate the mean
        Reading(flag="no_flow"),
        Reading(D("0.50"), flag="backwater"),  # marked but valid
    ]
    result = period_mean("TP", readings)
    assert result.value == D("0.300")  # (0.10 + 0.30 + 0.50) / 3
    assert (result.n_samples, result.n_valid) == (5, 3)
    assert result.flags == ("backwater", "fault", "no_flow")
    assert result.highest == D("0.5")


def test_all_flagged_gives_no_value() -> None:
    result = period_mean("COD", [Reading(flag="ice"), Reading(D("20"), flag="maintenance")])
    assert (result.value, result.n_valid, result.n_samples) == (None, 0, 2)
    assert result.flags == ("ice", "maintenance")


def test_mean_is_rounded_once_half_to_even() -> None:
    # 1.00 and 1.01 -> 1.005 exactly -> 1.00 (even), not 1.01
    assert period_mean("NH3N", [Reading(D("1.00")), Reading(D("1.01"))]).value == D("1.00")
    # 1.01 and 1.02 -> 1.015 -> 1.02
    assert period_mean("NH3N", [Reading(D("1.01")), Reading(D("1.02"))]).value == D("1.02")


def test_trace_mean_keeps_one_significant_figure() -> None:
    # Hg non-detect DL 0.00001 -> 0.000005; at 5 decimals that is 0.00000 -> keep 0.000005
    result = period_mean("Hg", [Reading(below_dl=True, detection_limit=D("0.00001"))])
    assert result.value == D("0.000005")


@pytest.mark.parametrize("name", ["NH3-N", "氨氮", "w21003"])
def test_indicator_by_alias(name: str) -> None:
    assert period_mean(name, [Reading(D("1.006"))]).value == D("1.01")
