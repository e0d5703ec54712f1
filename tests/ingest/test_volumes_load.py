"""Measured volumes (indicator VOL, 径流量) load exactly in m³ from m³ or 万m³ (issue #18 item 3):
万m³ is 10⁴ m³ by a decimal shift, never a float; what cannot be kept exactly is refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compensation.errors import InputError
from compensation.ingest import load_samples
from tests.ingest.conftest import counts, sample_rows, write

D = Decimal


def test_long_and_wide_volumes_in_both_units(con, tmp_path: Path) -> None:
    long = write(tmp_path / "long.csv", (
        "section,sampled_at,indicator,value,unit\n"
        "s1,2024-01-31,径流量,120,万m³\n"              # line 2: 120 × 10⁴ = 1,200,000 m³
        "s1,2024-02-29,VOL,119.999232,万立方米\n"     # line 3: 1,199,992.32 m³
        "ctl,2024-01-31,VOL,2500000.5,m3\n"          # line 4: m³ as written
        "ctl,2024-02-29,月径流量,0.0000000001,万m3\n"  # line 5: 10 decimals → 0.000001 m³
    ))
    load_samples(con, [long])
    assert [(r[0], r[2], r[3], r[7]) for r in sample_rows(con)] == [
        ("s1", "VOL", D("1200000.000000"), 2),
        ("s1", "VOL", D("1199992.320000"), 3),
        ("ctl", "VOL", D("2500000.500000"), 4),
        ("ctl", "VOL", D("0.000001"), 5),
    ]
    wide = write(tmp_path / "wide.csv", (
        "断面名称,采样日期,径流量(万m³),流量(m3/s)\n"
        "s1,2024-03-31,250.5,9.645\n"                 # 250.5 万m³ = 2,505,000 m³
    ))
    load_samples(con, [wide])
    assert [(r[2], r[3]) for r in sample_rows(con) if r[1].startswith("2024-03")] == [
        ("FLOW", D("9.645000")), ("VOL", D("2505000.000000"))]


@pytest.mark.parametrize(("row", "column", "found", "expected"), [
    # 11 decimals of 万m³ would be a 7th decimal of m³
    ("s1,2024-01-31,VOL,0.00000000001,万m³", "value", "0.00000000001",
     "小数不超过 10 位（换算为 m³ 后不超过 6 位）的 万m³ 数值"),
    # 10⁸ 万m³ = 10¹² m³ does not fit the store's 12 integer digits
    ("s1,2024-01-31,VOL,100000000,万m³", "value", "100000000",
     "绝对值小于 10^8 万m³（10^12 m³）的数值"),
    ("s1,2024-01-31,VOL,-5,m³", "value", "-5",
     ("指标 VOL 物理上可能的值：不小于 0 m³（径流量（一个月流过断面的水量）不能为负；导入时 万m³ "
     "按 10⁴ m³ 精确换算）")),
    ("s1,2024-01-31,NH3N,1.2,万m³", "unit", "万m³",
     "指标 NH3N 的单位 mg/L 或 µg/L（将除以 1000 换算）"),
    ("s1,2024-01-31,VOL,1.2,m³/s", "unit", "m³/s", "指标 VOL 的单位 m³"),
])
def test_volumes_that_cannot_be_kept_exactly_are_refused(
    con, tmp_path: Path, row: str, column: str, found: str, expected: str
) -> None:
    path = write(tmp_path / "bad.csv", "section,sampled_at,indicator,value,unit\n" + row + "\n")
    with pytest.raises(InputError) as caught:
        load_samples(con, [path])
    assert counts(con) == (0, 0)
    assert caught.value.problems == [
        f'{path}，第 2 行，列「{column}」：发现 "{found}"，应为 {expected}。']


def test_a_second_volume_in_a_month_is_refused_at_its_row(con, tmp_path: Path) -> None:
    """VOL is the volume of its calendar month: two in one section's month cannot both be it (the
    same row twice is only a repeat, and a run refuses a second one loaded later)."""
    path = write(tmp_path / "two.csv", (
        "section,sampled_at,indicator,value,unit\n"
        "s1,2024-01-31,VOL,120,万m³\n"           # line 2
        "s1,2024-01-31,VOL,120,万m³\n"           # line 3: the same sample repeated: fine
        "ctl,2024-01-15,VOL,80,万m³\n"           # line 4: another section: fine
        "s1,2024-01-15,VOL,118,万m³\n"           # line 5: a second January volume of s1
    ))
    with pytest.raises(InputError) as caught:
        load_samples(con, [path])
    assert counts(con) == (0, 0)
    assert caught.value.problems == [
        (f'{path}，第 5 行，列「value」：发现 "118"，应为 每个断面每月一个径流量'
         '（VOL 是该月的水量；第 2 行已有 2024-01 的径流量）。')]
