"""ParamValue overlays passed to prepare_run as values (not text) keep their unit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from helpers import RULES, add_sample, add_section, new_store, run_rules

from compensation.errors import EcocompError
from compensation.lang import ParamValue, parse_value_text
from compensation.lang.units import CONC, MONEY, RATIO, Unit


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (ParamValue(MONEY, num=D("5000000")), "5000000元"),
        (ParamValue(MONEY, num=D("-2500.50")), "-2500.5元"),
        (ParamValue(RATIO, num=D("0.1")), "0.1"),
        (ParamValue(CONC, num=D("0.5")), "0.5mg/L"),
        (ParamValue(Unit(dims=(1, -1, 0, 0)), num=D("0.015")), "1.5万元/t"),  # 1.5万元/t in 元/g
    ],
)
def test_display_keeps_the_unit_and_reads_back_exactly(value: ParamValue, text: str) -> None:
    assert value.display() == text
    assert parse_value_text(text) == value


def test_money_param_value_overlay_runs(tmp_path) -> None:
    """The reported failure: {"annual_amount": ParamValue(5,000,000 元)} gave "是无量纲数".
    One compliant section in June 2022 (COD 18.0 → class III, better than the class IV target):
    500万 over the 7 section-months June–December 2022 = 500,000,000 fen / 7 = 71,428,571 r 3,
    June is row 1 → 714,285.72 元 from 武汉 to 仙桃; the base, 300万: 300,000,000 fen / 7 =
    42,857,142 r 6, row 1 → 428,571.43 元."""
    con = new_store(tmp_path)
    add_section(con, "ts1", "tongshun", party="xiantao")
    for ind, v in (("COD", "18.0"), ("NH3N", "0.50"), ("TP", "0.10")):
        add_sample(con, "ts1", date(2022, 6, 10), ind, v)
    rows = run_rules(con, RULES / "tongshun.rule", date(2022, 6, 1), date(2022, 6, 1),
                     {"five": {"annual_amount": ParamValue(MONEY, num=D("5000000"))}})
    amounts = {(r["scenario"], r["payer"], r["payee"]): r["amount"] for r in rows}
    assert amounts == {
        ("base", "wuhan_jkq", "xiantao"): D("428571.43"),
        ("five", "wuhan_jkq", "xiantao"): D("714285.72"),
    }


def test_param_value_of_the_wrong_unit_is_a_sentence(tmp_path) -> None:
    con = new_store(tmp_path)
    with pytest.raises(EcocompError) as err:
        run_rules(con, RULES / "tongshun.rule", date(2022, 6, 1), date(2022, 6, 1),
                  {"bad": {"annual_amount": ParamValue(RATIO, num=D("0.1"))}})
    assert "情景“bad”" in str(err.value)
    assert "参数“annual_amount”应为金额（元）" in str(err.value)
    assert "无量纲数" in str(err.value)
