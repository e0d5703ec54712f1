"""diff and explain on the hand-written scheme: what changed by party and month, and why."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import engine_toy as toy
import pytest

from compensation.engine import diff as diff_mod
from compensation.engine import explain as explain_mod
from compensation.errors import EcocompError

JAN, FEB, MAR = date(2018, 1, 1), date(2018, 2, 1), date(2018, 3, 1)


def test_diff_lists_party_months_and_lines(con, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    for month in (JAN, FEB, MAR):
        toy.set_value(con, "s1", month, "1")
    toy.run(con, info, year=2018)                 # run 1
    toy.add_batch(con, 1, datetime(2019, 1, 1))
    toy.set_value(con, "s1", FEB, "15")           # Feb: reward 50万 → penalty 100万
    toy.run(con, info, period="2018-02")          # run 2 covers February only
    d = diff_mod.diff_runs(con, 1, 2)
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


def test_diff_identical_disjoint_and_foreign_runs(con, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    toy.set_value(con, "s1", JAN, "1")
    toy.run(con, info, period="2018-01")
    toy.run(con, info, period="2018-01")
    toy.run(con, info, period="2018-03")
    assert diff_mod.render_text(diff_mod.diff_runs(con, 1, 2)).endswith(
        "比较期间 2018-01~2018-01：两次运行在共同期间内的台账行完全相同。")
    disjoint = r"^运行 #1（2018-01）和 #3（2018-03）的核算期间没有重叠"
    with pytest.raises(EcocompError, match=disjoint):
        diff_mod.diff_runs(con, 1, 3)
    other = toy.scheme(tmp_path, kind="year", sql=toy.YEAR_SQL, scheme_id="yearly")
    toy.run(con, other, year=2018)
    with pytest.raises(EcocompError, match=r"^运行 #1（toy）和 #4（yearly）属于不同方案"):
        diff_mod.diff_runs(con, 1, 4)
    with pytest.raises(EcocompError, match=r"^没有运行 #9"):
        diff_mod.diff_runs(con, 1, 9)


def test_explain_shows_rule_parameters_in_effect_and_trace(con, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    toy.set_value(con, "s2", date(2019, 2, 1), None, "no_flow")
    toy.run(con, info, period="2019-02")
    data = explain_mod.explain_line(con, 1)  # the only row of the month
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
