"""Reading the demo files without the project's code, so the facts are checked independently.

Limits below are typed in from GB 3838-2002 Table 1 (river column); rounding to the assessment
decimals is half to even (GB/T 8170); non-detects enter means as half the detection limit; the pH
mean goes through [H+].
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import openpyxl
import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
LONG_HEADER = ["section", "sampled_at", "indicator", "value", "unit", "flag"]
WIDE_CODES = {
    "化学需氧量(mg/L)": "COD", "高锰酸盐指数(mg/L)": "CODMn", "氨氮(mg/L)": "NH3N",
    "总磷(mg/L)": "TP", "总氮(mg/L)": "TN", "溶解氧(mg/L)": "DO", "五日生化需氧量(mg/L)": "BOD5",
    "pH值": "pH",
}

# GB 3838-2002 Table 1, classes I..V, river column.
LIMITS_LE = {
    "COD": ["15", "15", "20", "30", "40"],
    "CODMn": ["2", "4", "6", "10", "15"],
    "NH3N": ["0.15", "0.5", "1.0", "1.5", "2.0"],
    "TP": ["0.02", "0.1", "0.2", "0.3", "0.4"],
    "BOD5": ["3", "3", "4", "6", "10"],
}
LIMITS_GE = {"DO": ["7.5", "6", "5", "3", "2"]}
ASSESS_DECIMALS = {"COD": 1, "CODMn": 1, "NH3N": 2, "TP": 3, "BOD5": 1, "DO": 1, "pH": 0, "TN": 2}
EVALUATED_RIVER = ["COD", "CODMn", "NH3N", "TP", "BOD5", "DO", "pH"]


def assess_round(code: str, value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-ASSESS_DECIMALS[code]), ROUND_HALF_EVEN)


def indicator_class(code: str, value: Decimal) -> int:
    """Class 1..6 of a value already at assessment precision (river column)."""
    if code == "pH":
        return 1 if Decimal(6) <= value <= Decimal(9) else 6
    if code in LIMITS_GE:
        for k, limit in enumerate(LIMITS_GE[code], start=1):
            if value >= Decimal(limit):
                return k
        return 6
    for k, limit in enumerate(LIMITS_LE[code], start=1):
        if value <= Decimal(limit):
            return k
    return 6


@dataclass
class Reading:
    """One cell as written: a number, a non-detect (value None, dl set) or a flag word."""

    text: str
    value: Decimal | None = None
    detection_limit: Decimal | None = None
    flag: str | None = None


def parse_cell(text: str) -> Reading:
    text = text.strip()
    if text.endswith("L"):
        return Reading(text, detection_limit=Decimal(text[:-1]))
    if text.startswith("<"):
        return Reading(text, detection_limit=Decimal(text[1:]))
    try:
        return Reading(text, value=Decimal(text))
    except ArithmeticError:
        return Reading(text, flag=text)


@dataclass
class DemoFiles:
    """Everything in data/ as plain Python: registry rows and samples keyed by section-month."""

    parties: list[dict[str, str]]
    sections: list[dict[str, str]]
    # (section_id, year, month) -> indicator -> Reading
    samples: dict[tuple[str, int, int], dict[str, Reading]] = field(default_factory=dict)
    dates: dict[tuple[str, int, int], str] = field(default_factory=dict)
    correction: list[dict[str, str]] = field(default_factory=list)

    def section(self, name: str) -> dict[str, str]:
        return next(s for s in self.sections if s["name"] == name)

    def value(self, section_id: str, year: int, month: int, code: str) -> Decimal:
        """Monthly value at assessment precision (one sample per month)."""
        reading = self.samples[(section_id, year, month)][code]
        return assess_round(code, period_mean(code, [reading]))

    def cpi(self, section_id: str, year: int, month: int) -> Decimal:
        s_iii = {"COD": Decimal(20), "CODMn": Decimal(6), "NH3N": Decimal("1.0"),
                 "TP": Decimal("0.2")}
        parts = [self.value(section_id, year, month, c) / s for c, s in s_iii.items()]
        return sum(parts, Decimal(0)) / len(parts)

    def section_class(self, section_id: str, year: int, month: int) -> int:
        """Single-factor class over the evaluated river indicators."""
        return max(indicator_class(c, self.value(section_id, year, month, c))
                   for c in EVALUATED_RIVER)

    def corrected(self) -> DemoFiles:
        """The same data with the correction file applied (the later batch wins per key)."""
        samples = {k: dict(v) for k, v in self.samples.items()}
        for row in self.correction:
            day = row["sampled_at"]
            key = (row["section"], int(day[:4]), int(day[5:7]))
            assert self.dates[key] == day, "the correction must hit the original sampling date"
            samples[key][row["indicator"]] = parse_cell(row["value"])
        return DemoFiles(self.parties, self.sections, samples, self.dates, self.correction)

    @staticmethod
    def indicator_class(code: str, value: Decimal) -> int:
        return indicator_class(code, value)

    def annual_value(self, section_id: str, year: int, code: str) -> Decimal:
        readings = [self.samples[(section_id, year, m)][code] for m in range(1, 13)]
        return assess_round(code, period_mean(code, readings))


def period_mean(code: str, readings: list[Reading]) -> Decimal:
    """Mean of valid readings: non-detects as DL/2, flags excluded, pH through [H+]."""
    values = []
    for r in readings:
        if r.flag is not None:
            continue
        values.append(r.value if r.value is not None else r.detection_limit / 2)
    if code == "pH":
        h = sum((Decimal(10) ** (-v) for v in values), Decimal(0)) / len(values)
        return -h.log10()
    return sum(values, Decimal(0)) / len(values)


def _data_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")]


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(_data_lines(path)))


def _add(files: DemoFiles, section_id: str, day: str, code: str, text: str) -> None:
    year, month = int(day[:4]), int(day[5:7])
    key = (section_id, year, month)
    assert code not in files.samples.get(key, {}), f"two samples for {key} {code}"
    files.samples.setdefault(key, {})[code] = parse_cell(text)
    files.dates[key] = day


def load_demo_files(root: Path = DATA) -> DemoFiles:
    files = DemoFiles(
        parties=read_csv_rows(root / "registry" / "parties.csv"),
        sections=read_csv_rows(root / "registry" / "sections.csv"),
    )
    for path in sorted((root / "monitoring").glob("*.csv")):
        for row in read_csv_rows(path):
            _add(files, row["section"], row["sampled_at"], row["indicator"], row["value"])
    name_to_id = {s["name"]: s["section_id"] for s in files.sections}
    wb = openpyxl.load_workbook(root / "monitoring" / "hanjiang_2024.xlsx", read_only=True)
    rows = list(wb["监测数据"].iter_rows(values_only=True))
    header = rows[0]
    for row in rows[1:]:
        day = row[1].date().isoformat()
        for head, cell in zip(header[2:], row[2:], strict=True):
            _add(files, name_to_id[row[0]], day, WIDE_CODES[head], str(cell))
    wb.close()
    files.correction = read_csv_rows(root / "corrections" / "2024-03_correction.csv")
    return files


@pytest.fixture(scope="session")
def demo_files() -> DemoFiles:
    return load_demo_files()
