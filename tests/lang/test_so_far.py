"""Year-to-date aggregates over a rule's rows (`all(x per year)` ...) and the Tongshun
all_or_nothing payment clause, on small real stores worked out by hand.

Shares: 300万 = 300,000,000 fen over the 21 section-months of 2022 (3 sections × June–December)
= 14,285,714 fen rem 6, so the first six rows in (month, section) order — June and July — get
142,857.15 and the other fifteen 142,857.14 (the penalty spread is the same).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from helpers import RULES, add_sample, add_section, new_store, run_rules

from compensation.errors import RuleError
from compensation.lang import compile_file

COMPLIANT = {"COD": "25.0", "NH3N": "1.20", "TP": "0.250"}  # class IV: meets the IV target
AON = {"aon": {"payment": "all_or_nothing"}}
# the shipped Tongshun agreement with the negotiable all-or-nothing payment clause added
AON_RULE = RULES / "examples" / "tongshun_all_or_nothing.rule"
BIG, SMALL = D("142857.15"), D("142857.14")


def store(tmp_path, bad: set[tuple[str, int]] = frozenset(), missing=(), ice=()):
    con = new_store(tmp_path)
    for sid in ("ts1", "ts2", "ts3"):
        add_section(con, sid, "tongshun", party="xiantao")
        for month in range(6, 13):
            if (sid, month) in missing:
                continue
            data = dict(COMPLIANT)
            if (sid, month) in bad:
                data["COD"] = "35.0"  # class V: worse than the target
            flag = "ice" if (sid, month) in ice else None
            for ind, v in data.items():
                add_sample(con, sid, date(2022, month, 10), ind, v, flag)
    return con


def signed(rows, scenario: str) -> dict[tuple[str, int], D]:
    """Amount per (section, month), positive when Wuhan pays Xiantao."""
    return {
        (r["section_id"], r["period_start"].month): r["amount"]
        if r["payer"] == "wuhan_jkq" else -r["amount"]
        for r in rows if r["scenario"] == scenario
    }


def test_all_or_nothing_fails_the_rest_of_the_year_from_the_first_miss(tmp_path):
    con = store(tmp_path, bad={("ts2", 8)})
    rows = run_rules(con, AON_RULE, date(2022, 6, 1), date(2022, 12, 1), AON)
    aon = signed(rows, "aon")
    # June, July: everything compliant so far → each of the six rows gets its (large) share
    for sid in ("ts1", "ts2", "ts3"):
        assert aon[(sid, 6)] == aon[(sid, 7)] == BIG
        # August on: ts2's August miss is in every later year-to-date (and in ts1's, ts3's
        # August: same period) → the penalty share, Xiantao pays
        for month in range(8, 13):
            assert aon[(sid, month)] == -SMALL
    assert sum(aon.values()) == 6 * BIG - 15 * SMALL == D("-1285714.20")
    # per_share (base) unchanged: only ts2's August is a penalty
    base = signed(rows, "base")
    assert sum(base.values()) == 6 * BIG + 14 * SMALL - SMALL == D("2714285.72")


def test_all_or_nothing_compliant_year_pays_exactly_the_annual_amount(tmp_path):
    rows = run_rules(
        store(tmp_path), AON_RULE, date(2022, 6, 1), date(2022, 12, 1), AON
    )
    assert sum(signed(rows, "aon").values()) == D("3000000.00")
    assert signed(rows, "aon") == signed(rows, "base")


def test_year_to_date_a_run_sees_earlier_months_and_not_later_ones(tmp_path):
    con = store(tmp_path, bad={("ts2", 8)})
    # through July: provisional, August is not seen yet → July paid
    july = signed(run_rules(con, AON_RULE, date(2022, 7, 1), date(2022, 7, 1),
                            AON), "aon")
    assert july == {("ts1", 7): BIG, ("ts2", 7): BIG, ("ts3", 7): BIG}
    # September alone still sees August (outside the run's window) → penalty
    sept = signed(run_rules(con, AON_RULE, date(2022, 9, 1), date(2022, 9, 1),
                            AON), "aon")
    assert sept == {("ts1", 9): -SMALL, ("ts2", 9): -SMALL, ("ts3", 9): -SMALL}


def test_missing_data_and_excepted_months_do_not_fail_the_year(tmp_path):
    """ts1 has no data in October (数据缺失, a 0.00 line); ts3 is iced and class V in November
    (the exception makes it 0 and it is not assessed). Every other month is compliant."""
    con = store(tmp_path, bad={("ts3", 11)}, missing={("ts1", 10)}, ice={("ts3", 11)})
    rows = run_rules(con, AON_RULE, date(2022, 6, 1), date(2022, 12, 1), AON)
    aon = {(r["section_id"], r["period_start"].month): r for r in rows if r["scenario"] == "aon"}
    assert aon[("ts1", 10)]["amount"] == 0 and aon[("ts1", 10)]["reason"] == "数据缺失"
    assert aon[("ts3", 11)]["amount"] == 0 and aon[("ts3", 11)]["reason"] == "结冰"
    paid = [r for k, r in aon.items() if k not in (("ts1", 10), ("ts3", 11))]
    assert all(r["payer"] == "wuhan_jkq" for r in paid) and len(paid) == 19
    assert sum(r["amount"] for r in paid) == 6 * BIG + 13 * SMALL


def so_far_rule(tmp_path, body: str, where: str = "rule") -> str:
    path = tmp_path / "r.rule"
    text = (
        'scheme t "测试"\n  basis "测试"\n  period month\n  settle year\n  from 2022-01\n'
        "  parties a <-> b\n"
        'parameters\n  amt = 100元 from 2022-01 basis "测试"\n'
        'measure cls "类别" basis "测试" = max(class(i) for i in [COD])\n'
    )
    if where == "measure":
        text += f'measure bad "坏" basis "测试" = {body}\n'
    text += (
        'rule r "规则" basis "测试"\n  for each assessed section, month\n'
        f'  let k "计数" = {body if where == "rule" else "1"}\n'
        "  a pays b\n  amount = amt * k\n"
    )
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_count_per_section_year_and_per_year(tmp_path):
    """COD 18.0, 18.0, 35.0 in s1 (III, III, V) and 15.0, 35.0, 35.0 in s2 (II, V, V).
    count(cls worse than III per section-year) through March: s1 0,0,1; s2 0,1,2.
    count(... per year) counts both sections, months up to this one: 0,1,3 in both."""
    con = new_store(tmp_path)
    for sid, cods in (("s1", ("18.0", "18.0", "35.0")), ("s2", ("15.0", "35.0", "35.0"))):
        add_section(con, sid, "t", party="b")
        for month, cod in enumerate(cods, start=1):
            add_sample(con, sid, date(2022, month, 5), "COD", cod)
    per_section = run_rules(con, so_far_rule(tmp_path, "count(cls worse than III per "
                                                       "section-year)"),
                            date(2022, 1, 1), date(2022, 3, 1))
    got = {(r["section_id"], r["period_start"].month): r["amount"] for r in per_section}
    assert got == {("s1", 1): 0, ("s1", 2): 0, ("s1", 3): 100, ("s2", 1): 0, ("s2", 2): 100,
                   ("s2", 3): 200}
    per_year = run_rules(con, so_far_rule(tmp_path, "count(cls worse than III per year)"),
                         date(2022, 1, 1), date(2022, 3, 1))
    got = {(r["section_id"], r["period_start"].month): r["amount"] for r in per_year}
    assert got == {("s1", 1): 0, ("s1", 2): 100, ("s1", 3): 300, ("s2", 1): 0, ("s2", 2): 100,
                   ("s2", 3): 300}


def test_so_far_in_a_measure_or_on_numbers_is_a_check_error(tmp_path):
    with pytest.raises(RuleError) as err:
        compile_file(so_far_rule(tmp_path, "all(cls worse than III per year)", "measure"))
    assert "all(... per year) 汇总本规则各行，只能用在规则中，不能用在度量中" in str(err.value)
    with pytest.raises(RuleError) as err:
        compile_file(so_far_rule(tmp_path, "all(amt per year)"))
    assert "这里应为真/假条件，而不是金额（元）" in str(err.value)
