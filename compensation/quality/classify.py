"""Single-factor classification (GB 3838-2002, 环办〔2011〕22号): one value, one section.

Classes are ints 1..6 (6 = 劣Ⅴ). Display labels use the Roman numerals Ⅰ..Ⅴ and 劣Ⅴ; JSON and
other machine output use plain ASCII "I".."V" and "劣V" (see `class_code`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from compensation.quality.indicators import Indicator
from compensation.quality.rounding import Number, round_half_even, to_fraction
from compensation.quality.standards import as_indicator, decimals_of, standard

WORST = 6
_DISPLAY = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}
_ASCII = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "劣V"}
_DESCRIPTION = {1: "优", 2: "优", 3: "良好", 4: "轻度污染", 5: "中度污染", 6: "重度污染"}
# Customary map colours (assumption): I-II blue, III green, IV yellow, V orange, 劣Ⅴ red.
_COLOUR = {1: "#1E88E5", 2: "#1E88E5", 3: "#43A047", 4: "#FDD835", 5: "#FB8C00", 6: "#E53935"}
# Evaluated separately for lakes and reservoirs, never part of the 21-item section class.
SEPARATE = ("TN", "FCOLI")


def _check(n: int) -> int:
    if n not in _DISPLAY:
        raise ValueError(f"class must be 1..6, got {n!r}")
    return n


def class_label(n: int) -> str:
    """Chinese display form: Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ 劣Ⅴ (U+2160.., as in bulletins)."""
    return _DISPLAY[_check(n)]


def class_code(n: int) -> str:
    """ASCII form for JSON and files: I II III IV V 劣V."""
    return _ASCII[_check(n)]


def class_description(n: int) -> str:
    """优 / 良好 / 轻度污染 / 中度污染 / 重度污染."""
    return _DESCRIPTION[_check(n)]


def class_colour(n: int) -> str:
    """Customary colour (hex) for maps and charts."""
    return _COLOUR[_check(n)]


def parse_class(text: str) -> int | None:
    """1..6 from "III", "Ⅲ", "3", "Ⅲ类", "劣Ⅴ", "劣V", "劣五"...; None if not a class."""
    cleaned = text.strip().removesuffix("类").strip().upper()
    for n in _DISPLAY:
        if cleaned in (_DISPLAY[n].upper(), _ASCII[n].upper(), str(n)):
            return n
    return 6 if cleaned in ("劣5", "劣五") else None


def assessed_value(indicator: str | Indicator, value: Number) -> Decimal:
    """The value as it is compared with limits: rounded half to even to the assessment decimals."""
    return round_half_even(value, decimals_of(indicator))


def classify(
    indicator: str | Indicator,
    value: Number,
    water_body: str = "river",
    *,
    round_first: bool = True,
) -> int | None:
    """Class 1..6 of one value, or None when the item has no classes (temperature, TN in rivers).

    The value is first rounded to the assessment decimals (idempotent on a rounded value); limits
    are inclusive and a shared limit gives the better class (COD 15 -> I).
    """
    row = standard(indicator, water_body)
    if row is None:
        return None
    exact = to_fraction(assessed_value(indicator, value) if round_first else value)
    if row.direction == "range":
        assert row.low is not None and row.high is not None
        return 1 if row.low <= exact <= row.high else WORST
    for class_, lim in enumerate(row.limits, start=1):
        if (exact <= lim) if row.direction == "le" else (exact >= lim):
            return class_
    return WORST


def is_evaluated(indicator: str | Indicator) -> bool:
    """One of the 21 items of the section class (not temperature, TN or fecal coliform)."""
    code = as_indicator(indicator).code
    row = standard(code, "river") or standard(code, "lake")
    return row is not None and row.eval21 and code not in SEPARATE


def indicator_classes(values: Mapping[str, Number], water_body: str = "river") -> dict[str, int]:
    """Class of every evaluated indicator present in `values` (code or alias -> value)."""
    classes: dict[str, int] = {}
    for name, value in values.items():
        ind = as_indicator(name)
        if value is None or not is_evaluated(ind):
            continue
        found = classify(ind, value, water_body)
        if found is not None:
            classes[ind.code] = found
    return classes


def section_class(values: Mapping[str, Number], water_body: str = "river") -> int | None:
    """Single-factor section class: the worst class of the evaluated indicators; None if none."""
    classes = indicator_classes(values, water_body)
    return max(classes.values()) if classes else None
