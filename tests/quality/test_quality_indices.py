"""Exceedance multiple, main pollutants, CPI with a configurable class, CWQI (worked example)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compensation.errors import EcocompError
from compensation.quality.indices import (
    cpi,
    cwqi,
    cwqi_term,
    evaluate_section,
    exceedance_multiple,
    main_pollutants,
    main_pollutants_text,
)

D = Decimal

WORKED_EXAMPLE = {
    "pH": "8.2",
    "DO": "5.5",
    "CODMn": "6.6",
    "COD": "23",
    "BOD5": "3.5",
    "NH3N": "1.3",
    "TP": "0.25",
    "Cu": "0.005",
    "Zn": "0.02",
    "F": "0.45",
    "Se": "0.0002",
    "As": "0.0015",
    "Hg": "0.00002",
    "Cd": "0.00005",
    "Cr6": "0.002",
    "Pb": "0.0005",
    "CN": "0.002",
    "VPHEN": "0.00015",
    "PETRO": "0.02",
    "LAS": "0.025",
    "S2": "0.0025",
}


def test_cwqi_worked_example() -> None:
    values = {k: D(v) for k, v in WORKED_EXAMPLE.items()}
    result = evaluate_section(values, "river")
    # by hand: pH (8.2-7)/2 = 0.6; DO 5/5.5 = 0.909090...; CODMn 1.1; COD 1.15; BOD5 0.875;
    # NH3-N 1.3; TP 1.25; Cu 0.005; Zn 0.02; F 0.45; Se 0.02; As 0.03; Hg 0.2; Cd 0.01;
    # Cr6 0.04; Pb 0.01; CN 0.01; phenol 0.03; petroleum 0.4; LAS 0.125; sulfide 0.0125
    # sum = 8.5465909090... -> 8.546591
    assert result.cwqi == D("8.546591")
    assert result.class_ == 4
    assert result.description == "轻度污染"
    assert result.main_pollutants_text == "氨氮(0.3)、总磷(0.25)、化学需氧量(0.15)"
    # CODMn 6.6 is class IV too, but its multiple 0.1 ranks fourth
    assert [p.code for p in result.main_pollutants] == ["NH3N", "TP", "COD"]


def test_cwqi_terms() -> None:
    assert cwqi_term("pH", D("6.5")) == D("0.5")
    assert cwqi_term("pH", D("8")) == D("0.5")
    assert cwqi_term("DO", D("4")) == D("1.25")
    assert cwqi_term("TP", D("0.05"), "lake") == 1  # lake TP uses 0.05
    assert cwqi({"TP": D("0.05")}, "lake") == D("1.000000")
    # TN and fecal coliform are not among the 21 items
    assert cwqi({"TP": D("0.1"), "TN": D("9"), "FCOLI": D("50000")}) == D("0.500000")


@pytest.mark.parametrize(
    ("indicator", "value", "water_body", "expected"),
    [
        ("NH3N", "1.3", "river", "0.30"),
        ("TP", "0.25", "river", "0.25"),
        ("TP", "0.25", "lake", "4.00"),
        ("COD", "23", "river", "0.15"),
        ("COD", "10", "river", "-0.50"),
        ("CODMn", "6.7", "river", "0.12"),  # 0.1166... -> 0.12
    ],
)
def test_exceedance_multiple(indicator: str, value: str, water_body: str, expected: str) -> None:
    assert exceedance_multiple(indicator, D(value), water_body) == D(expected)


@pytest.mark.parametrize("indicator", ["pH", "DO", "TEMP"])
def test_no_exceedance_multiple_for_ph_do_temperature(indicator: str) -> None:
    assert exceedance_multiple(indicator, D("8")) is None


def test_main_pollutants_rank_class_first_then_multiple() -> None:
    values = {"COD": D("35"), "NH3N": D("1.9"), "TP": D("0.29"), "DO": D("2.5"), "CODMn": D("5")}
    # COD 35 -> V (0.75); NH3-N 1.9 -> V (0.9); TP 0.29 -> IV (0.45); DO 2.5 -> V (no multiple)
    pollutants = main_pollutants(values)
    assert [p.code for p in pollutants] == ["NH3N", "COD", "DO"]
    assert main_pollutants_text(pollutants) == "氨氮(0.9)、化学需氧量(0.75)、溶解氧"


def test_no_main_pollutants_at_class_three_or_better() -> None:
    assert main_pollutants({"COD": D("20"), "NH3N": D("1.0")}) == []


def test_cpi_configurable_class() -> None:
    values = {"COD": D("23"), "CODMn": D("6.6"), "NH3N": D("1.3"), "TP": D("0.25")}
    # class III: (23/20 + 6.6/6 + 1.3/1 + 0.25/0.2) / 4 = (1.15 + 1.1 + 1.3 + 1.25) / 4 = 1.2
    assert cpi(values) == D("1.2")
    # class IV: (23/30 + 6.6/10 + 1.3/1.5 + 0.25/0.3) / 4
    #         = (0.7666.. + 0.66 + 0.8666.. + 0.8333..) / 4 = 3.1266../4 = 0.781666...
    assert cpi(values, class_=4) == D("0.781666666667")


def test_cpi_refuses_do_and_empty() -> None:
    with pytest.raises(EcocompError, match="溶解氧"):
        cpi({"DO": D("5")})
    with pytest.raises(EcocompError, match="至少一个"):
        cpi({})
