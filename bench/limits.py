"""GB 3838-2002 Table 1 limits of the items the benchmarks use, written out by hand.

The hand-written alternatives classify with these, independently of the engine's own tables, so an
agreement check compares two separate readings of the standard.
"""

from __future__ import annotations

from decimal import Decimal

# (indicator, water_body or '' for both, direction, limits of classes I..V)
LIMITS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("DO", "", "ge", ("7.5", "6", "5", "3", "2")),
    ("CODMn", "", "le", ("2", "4", "6", "10", "15")),
    ("COD", "", "le", ("15", "15", "20", "30", "40")),
    ("BOD5", "", "le", ("3", "3", "4", "6", "10")),
    ("NH3N", "", "le", ("0.15", "0.5", "1.0", "1.5", "2.0")),
    ("TP", "river", "le", ("0.02", "0.1", "0.2", "0.3", "0.4")),
    ("TP", "lake", "le", ("0.01", "0.025", "0.05", "0.1", "0.2")),
    ("TN", "lake", "le", ("0.2", "0.5", "1.0", "1.5", "2.0")),
)
PH_RANGE = (Decimal("6"), Decimal("9"))

# Class III limits of the CPI (domain README §2.1): S_i for COD, CODMn, NH3-N, TP (river).
CPI_CLASS_III = {"COD": Decimal("20"), "CODMn": Decimal("6"), "NH3N": Decimal("1.0"),
                 "TP": Decimal("0.2")}


def classify(indicator: str, water_body: str, value: Decimal | None) -> int | None:
    """Class 1..6 of one rounded value; None for items without classes here (TN on a river)."""
    if value is None:
        return None
    if indicator == "pH":
        return 1 if PH_RANGE[0] <= value <= PH_RANGE[1] else 6
    for code, body, direction, limits in LIMITS:
        if code != indicator or body not in ("", water_body):
            continue
        for klass, text in enumerate(limits, start=1):
            limit = Decimal(text)
            if (value <= limit) if direction == "le" else (value >= limit):
                return klass
        return 6
    return None
# TP's class III limit on a lake (GB 3838 Table 1): the CPI's S_i for a lake section.
LAKE_TP_CLASS_III = Decimal("0.05")

# Assessment decimals of the CPI items (domain notes, assessment_decimals.csv): a monthly mean is
# rounded half to even to these before it enters the CPI.
CPI_DECIMALS = {"COD": 1, "CODMn": 1, "NH3N": 2, "TP": 3}

# Flags whose values never enter a mean (docs/decisions.md: the river or the instrument was not
# being measured); backwater, incident and over_range values stay valid.
INVALIDATING_FLAGS = ("no_flow", "ice", "fault", "maintenance", "calibration", "anomaly")
