"""diff and explain on the hand-written scheme: what changed by party and month, and why.
Read through the API (`Store.diff`, `Store.explain`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import engine_toy as toy
import polars as pl
import pytest

from compensation.engine import diff as diff_mod
from compensation.engine import explain as explain_mod
from compensation.errors import EcocompError

JAN, FEB, MAR = date(2018, 1, 1), date(2018, 2, 1), date(2018, 3, 1)


def test_diff_lists_party_months_and_lines(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    for month in (JAN, FEB, MAR):
        toy.set_value(store, "s1", month, "1")
    toy.run(store, info, year=2018)                 # run 1
    toy.add_batch(store, 1, datetime(2019, 1, 1))
    toy.set_value(store, "s1", FEB, "15")           # Feb: reward 50万 → penalty 100万
    toy.run(store, info, period="2018-02")          # run 2 covers February only
    diff = store.diff(1, 2)
    d = diff.data
    assert (diff.run_a, diff.run_b, diff.identical) == (1, 2, False)
    assert diff.parties.schema["change"] == pl.Decimal(18, 2)
    assert diff.parties.select("party", "period_start", "period_end", "change").rows() == [
        ("city_treasury", FEB, date(2018, 2, 28), Decimal("1500000.00")),
        ("jiangan", FEB, date(2018, 2, 28), Decimal("-1500000.00"))]
    assert d["months"] == "2018-02~2018-02" and d["new_batches"] == [1]
    assert d["parties"] == [
        {"party": "city_treasury", "party_name": "市财政", "period": "2018-02",
         "before": "-500000.00", "after": "1000000.00", "change": "1500000.00"},
        {"party": "jiangan", "party_name": "江岸区", "period": "2018-02",
         "before": "500000.00", "after": "-1000000.00", "change": "-1500000.00"},
    ]
    assert [(ln["section"], ln["before"], ln["after"]) for ln in d["lines"]] == [
        ("s1", "市财政→江岸区 50.00万元〔[.., threshold]〕",
         "江岸区→市财政 100.00万元〔(threshold, ..)〕")]
    text = diff_mod.render_text(d)
    assert "2018-02 江岸区：500000.00 → -1000000.00（-1500000.00）" in text


def test_diff_identical_disjoint_and_foreign_runs(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    toy.set_value(store, "s1", JAN, "1")
    toy.run(store, info, period="2018-01")
    toy.run(store, info, period="2018-01")
    toy.run(store, info, period="2018-03")
    assert diff_mod.render_text(store.diff(1, 2).data).endswith(
        "比较期间 2018-01~2018-01：两次运行在共同期间内的台账行完全相同。")
    disjoint = r"^运行 #1（2018-01）和 #3（2018-03）的核算期间没有重叠"
    with pytest.raises(EcocompError, match=disjoint):
        store.diff(1, 3)
    other = toy.scheme(tmp_path, kind="year", sql=toy.YEAR_SQL, scheme_id="yearly")
    toy.run(store, other, year=2018)
    with pytest.raises(EcocompError, match=r"^运行 #1（toy）和 #4（yearly）属于不同方案"):
        store.diff(1, 4)
    with pytest.raises(EcocompError, match=r"^没有运行 #9"):
        store.diff(1, 9)


def test_explain_shows_rule_parameters_in_effect_and_trace(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    toy.set_value(store, "s2", date(2019, 2, 1), None, "no_flow")
    toy.run(store, info, period="2019-02")
    explanation = store.explain(1)  # the only row of the month
    assert (explanation.line, explanation.amount, explanation.section_name) == (
        1, Decimal("0.00"), "老关村")
    data = explanation.data
    assert (data["section_name"], data["control_name"], data["amount"]) == ("老关村", "水洪中心",
                                                                            "0.00")
    assert (data["exception"], data["reason"]) == ("断流不考核", "断流")
    assert data["rule"] == {"id": "band", "title": "阈值奖罚", "basis": "测试依据第1条",
                            "file": str(info.path), "line": 7}
    # the 2019 value of the parameter, not the 2018 one
    assert data["parameters"] == [{"name": "reward", "value": "60万", "from": "2019-01-01",
                                   "basis": "测试依据第3条", "assumption": "假设",
                                   "negotiable": True, "value_used": None}]
    assert data["trace"] == {"value": None, "section": "s2", "control": "ctl"}
    text = explain_mod.render_text(data)
    assert text.splitlines()[0] == (
        "台账第 1 行：市财政 → 汉阳区 0.00 万元（0.00 元），方案 toy，期间 2019-02，"
        "断面 老关村（对照断面 水洪中心）")
    assert "  reward = 60万（自 2019-01-01 起；依据：测试依据第3条；假设：假设；可协商）" in text
    assert "命中档位/分支：-；例外：断流不考核；原因：断流" in text
