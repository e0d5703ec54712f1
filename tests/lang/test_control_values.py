"""control.value(i), control.class(i), control.highest(i) (issue #18 item 1), worked by hand.

GB 3838 limits (mg/L), class by the first limit the value does not exceed: COD I 15, II 15,
III 20; NH3-N I 0.15, II 0.5, III 1.0; TP river I 0.02, II 0.1, III 0.2; TP lake (湖库) I 0.01,
II 0.025, III 0.05, IV 0.1. A period value is the mean of the month's samples.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from helpers import RULES, add_sample, add_section, new_store, run_rules

from compensation.lang.check import check_file

EXAMPLE = RULES / "examples" / "control_values.rule"
SCHEME = "control_values_example"


def _month(con, sid: str, month: int, values: dict[str, str | tuple[str, str]]) -> None:
    for ind, v in values.items():
        for k, one in enumerate(v if isinstance(v, tuple) else (v,)):
            add_sample(con, sid, date(2020, month, 5 + 10 * k), ind, one)


def _rows(tmp_path: Path) -> dict[tuple[str, str, int], dict]:
    con = new_store(tmp_path)
    add_section(con, "ctl_r", SCHEME, role="control")
    add_section(con, "ctl_l", SCHEME, role="control", water_body="lake")
    add_section(con, "a", SCHEME, party="hanyang", control="ctl_r")
    add_section(con, "b", SCHEME, party="wuchang", control="ctl_l")
    a = {"COD": ("12", "22"), "NH3N": "0.60", "TP": "0.15"}
    b = {"COD": "14", "NH3N": "0.45", "TP": "0.15"}
    for month in (1, 2):
        _month(con, "a", month, a)
        _month(con, "b", month, b)
    _month(con, "a", 3, {"COD": "17", "TP": "0.15"})  # March: a lacks NH3-N
    _month(con, "ctl_r", 1, {"COD": ("16", "18"), "NH3N": "0.40", "TP": "0.10"})
    _month(con, "ctl_l", 1, {"COD": "14", "NH3N": "0.50", "TP": "0.10"})
    _month(con, "ctl_l", 2, {"COD": "14", "NH3N": "0", "TP": "0.10"})  # NH3-N 0, present
    rows = run_rules(con, EXAMPLE, date(2020, 1, 1), date(2020, 3, 1))
    return {(r["rule"], r["section_id"], r["period_start"].month): r for r in rows}


def test_each_indicator_against_the_control(tmp_path: Path) -> None:
    rows = _rows(tmp_path)

    def amount(rule: str, sid: str, month: int) -> D:
        return rows[(rule, sid, month)]["amount"]

    # January, a against ctl_r (river). a: COD (12+22)/2 = 17.0 Ⅲ (highest 22), NH3-N 0.60 Ⅲ,
    # TP 0.15 Ⅲ; ctl_r: COD (16+18)/2 = 17.0 Ⅲ (highest 18), NH3-N 0.40 Ⅱ, TP 0.10 Ⅱ.
    # class steps: COD 3−3 = 0, NH3-N 3−2 = 1, TP 3−2 = 1 → 2 × 100,000 = 200,000.00
    assert amount("class_steps", "a", 1) == D("200000.00")
    # NH3-N rise (0.60 − 0.40)/0.40 = 0.5 → 0.5 × 200,000 = 100,000.00
    assert amount("nh3n_rise", "a", 1) == D("100000.00")
    assert rows[("nh3n_rise", "a", 1)]["branch"] == "(0, ..)"
    # peaks: COD 22 > 18, NH3-N 0.60 > 0.40, TP 0.15 > 0.10 → 3 × 50,000 = 150,000.00
    # (the means are equal, 17.0 = 17.0: highest(i), not value(i), is compared)
    assert amount("peaks", "a", 1) == D("150000.00")
    # section class max(Ⅲ, Ⅲ, Ⅲ) = 3 against the control's max(Ⅲ, Ⅱ, Ⅱ) = 3: not worse
    assert amount("worse_class", "a", 1) == 0
    assert rows[("worse_class", "a", 1)]["branch"] == "(.., 0]"

    # January, b (river) against ctl_l (a lake: its TP 0.10 is Ⅳ by the lake column, not Ⅱ).
    # b: COD 14 Ⅰ, NH3-N 0.45 Ⅱ, TP 0.15 Ⅲ; ctl_l: COD 14 Ⅰ, NH3-N 0.50 Ⅱ, TP 0.10 Ⅳ (lake).
    # class steps: 0, 0, max(3 − 4, 0) = 0 → 0 (judged by river limits the control's TP would
    # be Ⅱ and the line 100,000.00)
    assert amount("class_steps", "b", 1) == 0
    # NH3-N (0.45 − 0.50)/0.50 = −0.1 → not risen → 0
    assert amount("nh3n_rise", "b", 1) == 0
    assert rows[("nh3n_rise", "b", 1)]["reason"] == "未上升"
    # peaks: COD 14 > 14 no, NH3-N 0.45 > 0.50 no, TP 0.15 > 0.10 yes → 50,000.00
    assert amount("peaks", "b", 1) == D("50000.00")
    # section class 3 against the control's 4 → 3 − 4 = −1 → not worse
    assert amount("worse_class", "b", 1) == 0

    # February, b against ctl_l with NH3-N 0 (Ⅰ): class steps NH3-N 2 − 1 = 1 → 100,000.00;
    # peaks NH3-N 0.45 > 0 and TP → 2 × 50,000 = 100,000.00
    assert amount("class_steps", "b", 2) == D("100000.00")
    assert amount("peaks", "b", 2) == D("100000.00")
    # the rise (0.45 − 0)/0 has no value: a division by zero, and says so
    zero = rows[("nh3n_rise", "b", 2)]
    assert (zero["amount"], zero["reason"]) == (0, "除数为零：control.value(NH3N) = 0")

    trace = json.loads(rows[("nh3n_rise", "a", 1)]["trace"])
    assert D(trace["control_measures"]["value(NH3N)"]) == D("0.4")
    assert D(trace["lets"]["rise"]) == D("0.5")


def test_missing_control_data_names_the_control_and_the_read(tmp_path: Path) -> None:
    """February and March: ctl_r has no samples. Each line is 0.00 and names ctl_r and what was
    read there; in March a itself lacks NH3-N too, and the reason says both."""
    rows = _rows(tmp_path)
    feb = {rule: rows[(rule, "a", 2)] for rule in ("class_steps", "nh3n_rise", "peaks",
                                                    "worse_class")}
    assert {rule: (r["amount"], r["reason"]) for rule, r in feb.items()} == {
        "class_steps": (0, "入境对照断面 ctl_r 数据缺失（control.class(i) for i in inds）"),
        "nh3n_rise": (0, "入境对照断面 ctl_r 数据缺失（control.value(NH3N)）"),
        "peaks": (0, "入境对照断面 ctl_r 数据缺失（control.highest(i) for i in inds）"),
        "worse_class": (0, "入境对照断面 ctl_r 数据缺失（control.class(i) for i in inds）"),
    }
    assert rows[("nh3n_rise", "a", 3)]["reason"] == (
        "数据缺失；入境对照断面 ctl_r 数据缺失（control.value(NH3N)）")


def test_rules_check_warns_of_the_control_denominator() -> None:
    checked = check_file(EXAMPLE)
    assert checked.diagnostics == []
    line = next(n for n, s in enumerate(EXAMPLE.read_text("utf-8").splitlines(), 1)
                if s.strip().startswith("let rise"))
    assert [(w.line, w.message) for w in checked.warnings] == [(line, (
        "警告：分母 control.value(NH3N) 可能为 0；为 0 时除法没有结果，该行金额记为 0。"
        "(warning: the denominator can be zero)"))]


YEAR_ON_YEAR = """scheme ctl_more "对照断面的同比与标记"
  basis "测试"
  period month
  settle year
  from 2019-01
  parties section.party <-> city_treasury

parameters
  each = 100元 from 2019-01 basis "测试"

rule inflow_rise "入境氨氮同比上升，由市财政补给下游"
  basis "测试"
  for each assessed section, month
  let change "入境氨氮同比变化" = control.value(NH3N) - previous(control.value(NH3N))
  city_treasury pays section.party
  amount = if change > 0mg/L then each else 0元
  except "入境断流" when control.flagged(no_flow) -> 0元
"""


def test_control_reads_in_previous_and_in_an_exception(tmp_path: Path) -> None:
    """previous(control.value(NH3N)) is the control's value a year before; control.flagged
    reads the control's flags. ctl NH3-N: 2019-01 0.40, 2020-01 0.50 (change +0.10 → 100元);
    2019-02 0.40, 2020-02 0.30 (−0.10 → 0); 2020-03 a no-flow sample at the control → the
    exception, whatever the change (2019-03 0.10, 2020-03 0.60)."""
    con = new_store(tmp_path)
    add_section(con, "ctl", "ctl_more", role="control")
    add_section(con, "a", "ctl_more", party="hanyang", control="ctl")
    for year, jan, feb, mar in ((2019, "0.40", "0.40", "0.10"), (2020, "0.50", "0.30", "0.60")):
        for month, v in ((1, jan), (2, feb), (3, mar)):
            add_sample(con, "ctl", date(year, month, 10), "NH3N", v)
            add_sample(con, "a", date(year, month, 10), "NH3N", "0.20")
    add_sample(con, "ctl", date(2020, 3, 20), "NH3N", None, flag="no_flow")
    path = tmp_path / "ctl_more.rule"
    path.write_text(YEAR_ON_YEAR, encoding="utf-8")
    rows = run_rules(con, path, date(2020, 1, 1), date(2020, 3, 1))
    got = [(r["period_start"].month, r["amount"], r["exception"], r["reason"]) for r in rows]
    assert got == [(1, D("100.00"), None, None), (2, 0, None, None),
                   (3, 0, "入境断流", "入境断流")]
    trace = json.loads(rows[0]["trace"])
    assert D(trace["lets"]["change"]) == D("0.1")
