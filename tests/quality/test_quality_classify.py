"""GB 3838-2002 classes: every boundary vector of water-quality.md, labels, the section class."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compensation.quality.classify import (
    class_code,
    class_colour,
    class_description,
    class_label,
    classify,
    is_evaluated,
    parse_class,
    section_class,
)
from compensation.quality.standards import class_bounds, decimals_of, limit, standard


@pytest.mark.parametrize(
    ("indicator", "value", "water_body", "expected"),
    [
        ("DO", "7.5", "river", 1),
        ("DO", "7.4", "river", 2),
        ("DO", "2.0", "river", 5),
        ("DO", "1.9", "river", 6),
        ("COD", "15", "river", 1),  # I = II = 15: the better class
        ("COD", "15.1", "river", 3),
        ("COD", "40.1", "river", 6),
        ("NH3N", "1.00", "river", 3),
        ("NH3N", "1.01", "river", 4),
        ("TP", "0.200", "river", 3),
        ("TP", "0.200", "lake", 5),
        ("TP", "0.201", "lake", 6),
        ("Hg", "0.00005", "river", 1),
        ("Hg", "0.00006", "river", 3),
        # rounding before classification
        ("NH3N", "1.004", "river", 3),
        ("NH3N", "1.006", "river", 4),
        ("DO", "7.46", "river", 1),
        ("TP", "0.2005", "river", 3),
        ("TP", "0.2015", "river", 4),
        # pH: inside 6-9 does not constrain, outside is 劣Ⅴ (after rounding to 0 decimals)
        ("pH", "6", "river", 1),
        ("pH", "9", "river", 1),
        ("pH", "9.6", "river", 6),
        ("pH", "5.4", "river", 6),
        # TN has classes for lakes only; fecal coliform has classes
        ("TN", "1.0", "lake", 3),
        ("FCOLI", "10000", "river", 3),
    ],
)
def test_boundary_vectors(indicator: str, value: str, water_body: str, expected: int) -> None:
    assert classify(indicator, Decimal(value), water_body) == expected


@pytest.mark.parametrize(
    ("indicator", "water_body"),
    [("TN", "river"), ("TEMP", "river"), ("FLOW", "lake"), ("COND", "river")],
)
def test_items_without_classes(indicator: str, water_body: str) -> None:
    assert classify(indicator, Decimal("1"), water_body) is None


def test_classify_accepts_aliases_and_can_skip_rounding() -> None:
    assert classify("NH3-N", Decimal("1.004")) == 3
    assert classify("氨氮", Decimal("1.004"), round_first=False) == 4


def test_limits_from_the_table() -> None:
    assert limit("TP", 3, "river") == Decimal("0.2")
    assert limit("TP", 3, "lake") == Decimal("0.05")
    assert limit("DO", 1) == Decimal("7.5")
    assert limit("Hg", 2) == Decimal("0.00005")
    assert limit("pH", 3) is None
    assert limit("TN", 3, "river") is None
    with pytest.raises(ValueError, match="1..5"):
        limit("COD", 6)
    assert class_bounds("pH", 4) == (Decimal("6"), Decimal("9"))
    assert class_bounds("DO", 2) == (Decimal("6"), None)
    assert class_bounds("COD", 4) == (None, Decimal("30"))
    assert standard("TEMP") is None


def test_assessment_decimals() -> None:
    assert [decimals_of(c) for c in ("NH3N", "TP", "DO", "Hg", "Se", "COD", "FCOLI")] == [
        2,
        3,
        1,
        5,
        4,
        1,
        0,
    ]


def test_labels_descriptions_colours() -> None:
    assert [class_label(n) for n in range(1, 7)] == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"]
    assert [class_code(n) for n in range(1, 7)] == ["I", "II", "III", "IV", "V", "劣V"]
    assert [class_description(n) for n in range(1, 7)] == [
        "优",
        "优",
        "良好",
        "轻度污染",
        "中度污染",
        "重度污染",
    ]
    assert class_colour(1) == class_colour(2) != class_colour(3)
    with pytest.raises(ValueError):
        class_label(0)
    assert [parse_class(t) for t in ("III", "Ⅲ类", "3", "劣Ⅴ", "劣V", "劣五", "VI")] == [
        3,
        3,
        3,
        6,
        6,
        6,
        None,
    ]


def test_evaluated_indicators_are_the_21() -> None:
    codes = [
        "COD",
        "CODMn",
        "NH3N",
        "TP",
        "TN",
        "DO",
        "BOD5",
        "pH",
        "TEMP",
        "Cu",
        "Zn",
        "F",
        "Se",
        "As",
        "Hg",
        "Cd",
        "Cr6",
        "Pb",
        "CN",
        "VPHEN",
        "PETRO",
        "LAS",
        "S2",
        "FCOLI",
        "FLOW",
    ]
    evaluated = [c for c in codes if is_evaluated(c)]
    assert len(evaluated) == 21
    assert not {"TEMP", "TN", "FCOLI", "FLOW"} & set(evaluated)


def test_section_class_single_factor() -> None:
    values = {"COD": Decimal("15"), "NH3N": Decimal("1.006"), "DO": Decimal("7.5")}
    assert section_class(values) == 4  # NH3-N rounds to 1.01 -> IV, the worst
    # TN would be 劣Ⅴ in a lake, but it is evaluated separately
    assert section_class({"COD": Decimal("15"), "TN": Decimal("5")}, "lake") == 1
    assert section_class({"TP": Decimal("0.06")}, "lake") == 4
    assert section_class({"TP": Decimal("0.06")}, "river") == 2
    assert section_class({"TEMP": Decimal("20")}) is None
    assert section_class({"DO": Decimal("1.0"), "COD": Decimal("16")}) == 6
