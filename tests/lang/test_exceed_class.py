"""exceed(i, k): the exceedance multiple against any class (issue #18 item 2), worked by hand.

GB 3838 limits (river): COD Ⅱ 15, Ⅲ 20; NH3-N Ⅱ 0.5, Ⅲ 1.0, Ⅳ 1.5 (mg/L).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

from helpers import RULES, add_sample, add_section, new_store, run_rules

from compensation.lang import check_paths

EXAMPLE = RULES / "examples" / "exceed_any_class.rule"


def _lines(rows: list[dict], rule: str) -> dict:
    return {
        (r["section_id"], r["period_start"].year): r
        for r in rows
        if r["rule"] == rule and r["period_start"].month == 1
    }


def test_exceed_against_target_class_and_class_iv(tmp_path: Path) -> None:
    con = new_store(tmp_path)
    for sid, party in [("a", "hanyang"), ("b", "wuchang")]:
        add_section(con, sid, "exceed_class_example", party=party)
    for year in (2020, 2021):
        day = date(year, 1, 6)
        add_sample(con, "a", day, "COD", "20.0")
        add_sample(con, "a", day, "NH3N", "0.60")
        add_sample(con, "b", day, "COD", "12.0")
        add_sample(con, "b", day, "NH3N", "1.80")
    rows = run_rules(con, EXAMPLE, date(2020, 1, 1), date(2021, 12, 1))
    steps = _lines(rows, "steps")
    # 2020, target Ⅱ. a: COD (20 − 15)/15 = 1/3 → 1/3 × 1,000,000 = 333,333.333… ;
    # NH3-N (0.60 − 0.5)/0.5 = 0.2 → 200,000; sum 533,333.33 (to the fen)
    assert steps[("a", 2020)]["amount"] == D("533333.33")
    a2020 = steps[("a", 2020)]
    assert (a2020["payer"], a2020["payee"]) == ("hanyang", "city_treasury")
    # b: COD (12 − 15)/15 < 0 → 0; NH3-N (1.80 − 0.5)/0.5 = 2.6 → 2,600,000
    assert steps[("b", 2020)]["amount"] == D("2600000.00")
    # 2021, target Ⅲ. a: COD (20 − 20)/20 = 0, NH3-N (0.60 − 1.0)/1.0 < 0 → 0
    assert steps[("a", 2021)]["amount"] == 0
    # b: NH3-N (1.80 − 1.0)/1.0 = 0.8 → 800,000
    assert steps[("b", 2021)]["amount"] == D("800000.00")
    severe = _lines(rows, "severe")
    # against Ⅳ (1.5): a (0.60 − 1.5)/1.5 = −0.6 → no charge; b (1.80 − 1.5)/1.5 = 0.2 → 500,000
    assert severe[("a", 2020)]["amount"] == 0 and severe[("a", 2020)]["branch"] == "(.., 0]"
    assert severe[("b", 2020)]["amount"] == D("500000.00")
    assert severe[("b", 2020)]["branch"] == "(0, ..)"


def test_exceed_with_a_wrong_argument_is_refused_with_its_place(
    tmp_path: Path, monkeypatch
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    bad_class = text.replace("exceed(i, target)", "exceed(i, per_times)")
    too_many = text.replace("exceed(i, target)", "exceed(i, II, III)")
    monkeypatch.chdir(tmp_path)
    rendered = []
    for name, bad in [("class.rule", bad_class), ("many.rule", too_many)]:
        (tmp_path / name).write_text(bad, encoding="utf-8")
        rendered += [d.render().splitlines()[0] for d in check_paths([Path(name)])]
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "exceed(i, target)" in s)
    col_class = text.splitlines()[line - 1].index("target), 0)") + 1
    col_call = text.splitlines()[line - 1].index("exceed(i, target)") + 1
    assert rendered == [
        (f"class.rule:{line}:{col_class}: 这里应为水质类别（如 Ⅲ），而不是金额（元）。"
        "(a class is expected)"),
        (f"many.rule:{line}:{col_call}: 函数 exceed 需要 1 个或 2 个参数（exceed(指标) 对Ⅲ类，"
        f"exceed(指标, 类别) 对该类），这里给了 3 个。(wrong number of arguments)"),
    ]
