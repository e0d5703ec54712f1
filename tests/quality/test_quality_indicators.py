"""The alias table resolves the names that real files use to one canonical code."""

from __future__ import annotations

import pytest

from compensation.quality.indicators import (
    header_unit,
    indicator_by_code,
    known_codes,
    load_indicators,
    normalize_name,
    resolve_indicator,
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("氨氮", "NH3N"),
        ("NH3-N", "NH3N"),
        ("nh3_n", "NH3N"),
        ("ＮＨ３－Ｎ", "NH3N"),  # full width
        ("NH₃-N", "NH3N"),  # subscript
        (" 氨氮（mg/L） ", "NH3N"),  # full-width brackets and a unit
        ("w21003", "NH3N"),  # HJ 525
        ("W21011", "TP"),
        ("总磷（以P计）", "TP"),
        ("PH", "pH"),
        ("pH值", "pH"),
        ("codmn", "CODMn"),
        ("CODcr", "COD"),
        ("化学需氧量", "COD"),
        ("铬(六价)", "Cr6"),
        ("铬（六价）", "Cr6"),
        ("Cr⁶⁺", "Cr6"),
        ("溶解氧 (mg/L)", "DO"),
        ("水温(℃)", "TEMP"),
        ("F-", "F"),
        ("挥发酚", "VPHEN"),
        ("流量", "FLOW"),
    ],
)
def test_resolves_names_codes_and_hj525(text: str, code: str) -> None:
    found = resolve_indicator(text)
    assert found is not None
    assert found.code == code


@pytest.mark.parametrize("text", ["", "  ", "氨", "NH3", "COD_X", "叶绿素a"])
def test_unknown_names_give_none(text: str) -> None:
    assert resolve_indicator(text) is None


def test_every_architecture_code_is_in_the_table() -> None:
    expected = [
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
        "VOL",
        "COND",
        "TURB",
    ]
    assert sorted(known_codes()) == sorted(expected)


def test_indicator_fields() -> None:
    nh3n = indicator_by_code("NH3N")
    assert (nh3n.name_cn, nh3n.hj525, nh3n.unit, nh3n.decimals) == ("氨氮", "w21003", "mg/L", 2)
    assert indicator_by_code("Hg").decimals == 5
    with pytest.raises(KeyError):
        indicator_by_code("nh3n")


def test_no_alias_names_two_indicators() -> None:
    seen: dict[str, str] = {}
    for ind in load_indicators():
        for name in (ind.code, ind.name_cn, ind.hj525, *ind.aliases):
            key = normalize_name(name)
            assert seen.setdefault(key, ind.code) == ind.code, name


def test_header_unit_is_reported_not_silently_dropped() -> None:
    assert header_unit("砷(μg/L)") == "μg/l"
    assert header_unit("氨氮（mg/L）") == "mg/l"
    assert header_unit("水温(℃)") == "°c"  # NFKC folds ℃ into °C
    assert header_unit("氨氮") is None
    assert header_unit("铬（六价）") is None  # brackets that are part of the name
