"""Physical ranges of the indicators: values no instrument can report (pH 15, DO 40 mg/L, a negative
concentration) are refused at load. The table, with the basis of each bound, is
`data/physical_ranges.csv`; a blank upper bound means none exists physically.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

RANGES_FILE = "physical_ranges.csv"


@dataclass(frozen=True)
class PhysicalRange:
    """The bounds (inclusive) of one indicator in its canonical unit, and why."""

    code: str
    low: Decimal
    high: Decimal | None
    unit: str
    basis: str

    def expected(self) -> str:
        span = (f"{self.low} 至 {self.high}" if self.high is not None else f"不小于 {self.low}")
        unit = "" if self.unit == "无量纲" else f" {self.unit}"
        return f"指标 {self.code} 物理上可能的值：{span}{unit}（{self.basis}）"


@cache
def physical_ranges() -> dict[str, PhysicalRange]:
    """{indicator code: its physical range}, from the packaged table."""
    text = resources.files("compensation.quality").joinpath("data", RANGES_FILE).read_text(
        encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return {row["code"]: PhysicalRange(row["code"], Decimal(row["low"]),
                                       Decimal(row["high"]) if row["high"] else None,
                                       row["unit"], row["basis"])
            for row in csv.DictReader(lines)}
