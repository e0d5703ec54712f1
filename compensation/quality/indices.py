"""Indices over a section's indicator values: exceedance multiple, main pollutants, CPI, CWQI.

All arithmetic is exact (fractions) and rounded once at the end: exceedance multiples half to even
at 2 decimals (as printed: 氨氮(0.3)), CPI half up at 12 decimals (like the SQL `ediv`), CWQI half
to even at 6 decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from compensation.errors import EcocompError
from compensation.quality.classify import (
    assessed_value,
    class_description,
    indicator_classes,
    is_evaluated,
)
from compensation.quality.indicators import Indicator, load_indicators
from compensation.quality.rounding import Number, round_half_even, round_half_up, to_fraction
from compensation.quality.standards import as_indicator, limit, standard

NO_EXCEEDANCE = ("TEMP", "pH", "DO")  # 超标倍数 is not computed for these
MULTIPLE_DECIMALS = 2
CPI_DECIMALS = 12
CWQI_DECIMALS = 6
MAX_MAIN_POLLUTANTS = 3


def exceedance_multiple(
    indicator: str | Indicator, value: Number, water_body: str = "river"
) -> Decimal | None:
    """(C − S_III) / S_III at 2 decimals (negative when C meets class III); None for pH, DO,
    water temperature and items without a class III limit."""
    ind = as_indicator(indicator)
    if ind.code in NO_EXCEEDANCE:
        return None
    s3 = limit(ind, 3, water_body)
    if s3 is None:
        return None
    c = to_fraction(value)
    return round_half_even(
        (c - to_fraction(s3)) / to_fraction(s3), MULTIPLE_DECIMALS, keep_significant=False
    )


@dataclass(frozen=True)
class MainPollutant:
    """One 主要污染指标: code, Chinese name, class, exceedance multiple (None for DO, pH)."""

    code: str
    name_cn: str
    class_: int
    multiple: Decimal | None

    def label(self) -> str:
        """氨氮(0.3); 溶解氧 without a multiple."""
        if self.multiple is None:
            return self.name_cn
        return f"{self.name_cn}({format_number(self.multiple)})"


def format_number(value: Decimal) -> str:
    """0.30 -> 0.3, 2.00 -> 2, never scientific notation."""
    return format(value.normalize(), "f")


def main_pollutants(
    values: Mapping[str, Number], water_body: str = "river", *, limit_to: int = MAX_MAIN_POLLUTANTS
) -> list[MainPollutant]:
    """Up to three evaluated indicators worse than class III, worst class first, then the larger
    exceedance multiple, then table order (assumption on the details, see water-quality.md)."""
    classes = indicator_classes(values, water_body)
    found: list[tuple[int, Fraction, int, MainPollutant]] = []
    table_order = {ind.code: n for n, ind in enumerate(load_indicators())}
    for name, value in values.items():
        ind = as_indicator(name)
        order = table_order[ind.code]
        class_ = classes.get(ind.code)
        if class_ is None or class_ <= 3:
            continue
        multiple = exceedance_multiple(ind, assessed_value(ind, value), water_body)
        rank = to_fraction(multiple) if multiple is not None else Fraction(-1)
        found.append((class_, rank, -order, MainPollutant(ind.code, ind.name_cn, class_, multiple)))
    found.sort(key=lambda item: item[:3], reverse=True)
    return [item[3] for item in found[:limit_to]]


def main_pollutants_text(pollutants: list[MainPollutant]) -> str:
    """氨氮(0.3)、总磷(0.25)、化学需氧量(0.15)."""
    return "、".join(p.label() for p in pollutants)


def cpi(values: Mapping[str, Number], class_: int = 3, water_body: str = "river") -> Decimal:
    """Composite pollution index (1/n) Σ C_i / S_i with S_i the limits of `class_` (a scheme
    parameter; class III by default)."""
    if not values:
        raise EcocompError("综合污染指数需要至少一个指标的数值。(CPI of no indicators)")
    total = Fraction(0)
    for name, value in values.items():
        ind = as_indicator(name)
        row = standard(ind, water_body)
        if row is None or row.direction != "le":
            raise EcocompError(
                f"综合污染指数不能包含{ind.name_cn}（{ind.code}）：它没有“不超过”型的标准限值。"
                f"(CPI needs items with upper limits)"
            )
        s = limit(ind, class_, water_body)
        assert s is not None
        total += to_fraction(value) / to_fraction(s)
    return round_half_up(total / len(values), CPI_DECIMALS)


def cwqi_term(indicator: str | Indicator, value: Number, water_body: str = "river") -> Fraction:
    """One indicator's CWQI index: C/S_III; DO 5/C; pH (7−pH) if pH ≤ 7 else (pH−7)/2."""
    ind = as_indicator(indicator)
    c = to_fraction(value)
    if ind.code == "pH":
        return (7 - c) if c <= 7 else (c - 7) / 2
    s3 = limit(ind, 3, water_body)
    if s3 is None:
        raise ValueError(f"{ind.code} has no class III limit")
    if ind.code == "DO":
        if c == 0:
            raise EcocompError("溶解氧为 0，无法计算城市水质指数（5/C）。(DO is zero)")
        return to_fraction(s3) / c
    return c / to_fraction(s3)


def cwqi(values: Mapping[str, Number], water_body: str = "river") -> Decimal:
    """城市水质指数: sum of the terms of the evaluated indicators present, 6 decimals half-even."""
    total = sum(
        (cwqi_term(name, v, water_body) for name, v in values.items() if is_evaluated(name)),
        Fraction(0),
    )
    return round_half_even(total, CWQI_DECIMALS, keep_significant=False)


@dataclass(frozen=True)
class SectionEvaluation:
    """A section's evaluation for one period."""

    class_: int | None
    description: str | None
    cwqi: Decimal
    main_pollutants: list[MainPollutant]

    @property
    def main_pollutants_text(self) -> str:
        return main_pollutants_text(self.main_pollutants)


def evaluate_section(values: Mapping[str, Number], water_body: str = "river") -> SectionEvaluation:
    """Class (single factor), description, CWQI and main pollutants of one section-period."""
    classes = indicator_classes(values, water_body)
    worst = max(classes.values()) if classes else None
    return SectionEvaluation(
        worst,
        class_description(worst) if worst else None,
        cwqi(values, water_body),
        main_pollutants(values, water_body),
    )


__all__ = [
    "MainPollutant",
    "SectionEvaluation",
    "cpi",
    "cwqi",
    "cwqi_term",
    "evaluate_section",
    "exceedance_multiple",
    "main_pollutants",
    "main_pollutants_text",
]
