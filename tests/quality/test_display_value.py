"""Values shown at their assessment decimals, or more when they carry more (issue 21)."""

from decimal import Decimal

from compensation.quality.standards import display_value, shown_decimals


def test_values_at_their_assessment_decimals() -> None:
    # pH is assessed at 0 decimals: a monthly value stored as 8.000000 reads 8
    assert display_value("pH", Decimal("8.000000")) == "8"
    # a sample measured as 8.07 keeps its two decimals
    assert display_value("pH", Decimal("8.070000")) == "8.07"
    # NH3-N is assessed at 2 decimals (0.3 → 0.30), TP at 3, COD at 1 (assessment_decimals.csv)
    assert display_value("NH3N", Decimal("0.300000")) == "0.30"
    assert display_value("TP", Decimal("0.077000")) == "0.077"
    assert display_value("COD", Decimal("12.300000")) == "12.3"
    # a tiny value kept at one significant figure is not rounded away
    assert display_value("Hg", Decimal("0.000050")) == "0.00005"
    assert shown_decimals("no-such-item", Decimal("1.50")) == 1
    assert display_value("pH", None) == "—"
