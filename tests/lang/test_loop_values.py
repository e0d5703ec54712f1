"""A loop over the section's own values (`mean(value(i) / limit(i, III) for i in inds)`) is driven
from the period values present rather than from every (section, month, item) key: the same result,
including a missing or unusable value (the loop is unknown), a list naming an item twice (it counts
twice), a list that changes from one month to the next, and the control's loop read through the
section's. A body that turns a missing value into a number (`if missing(...)`) keeps the key-driven
plan, since a missing row must then still give its term."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from helpers import add_sample, add_section, new_store, run_rules

from compensation.lang.scheme import plans

RULE = """scheme t "测试"
  basis "测试"
  period month
  settle year
  from 2022-01
  parties section.party <-> city_treasury

parameters
  inds = [COD, TP] negotiable from 2022-01 until 2022-03 basis "测试"
       then [COD, TP, TP] from 2022-04 basis "测试：总磷计两次"

measure load "Ⅲ类限值倍数的均值"
  = mean(value(i) / limit(i, III) for i in inds)

measure worst "最差类别"
  = max(class(i) for i in inds)

rule own "本断面倍数×100元"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = 100元 * (load - control.load + control.load)

rule upstream "对照断面倍数×100元"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = 100元 * control.load

rule worst_class "劣于Ⅲ类4元，否则1元"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = if worst > III then 4元 else 1元

rule guarded "缺测按0计的倍数均值×100元"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = 100元 * mean(if missing(i) then 0 else value(i) / limit(i, III) for i in inds)
"""

MARCH, APRIL = date(2022, 3, 10), date(2022, 4, 10)


def _lines(tmp_path, scenarios=None) -> dict[tuple[str, str, int], tuple[D, str | None]]:
    # a chain of river sections c0 → a1 → a2 → a3; GB 3838 class III: COD 20 mg/L, TP 0.2 mg/L
    con = new_store(tmp_path)
    add_section(con, "c0", "t", role="control")
    add_section(con, "a1", "t", party="d1", control="c0")
    add_section(con, "a2", "t", party="d2", control="a1")
    add_section(con, "a3", "t", party="d3", control="a2")
    for when in (MARCH, APRIL):
        add_sample(con, "c0", when, "COD", "20")
        add_sample(con, "c0", when, "TP", "0.10")
        add_sample(con, "a1", when, "COD", "10")
        add_sample(con, "a1", when, "TP", "0.30")
    add_sample(con, "a2", MARCH, "COD", "30")  # no TP in March
    add_sample(con, "a3", MARCH, "COD", "10")
    add_sample(con, "a3", MARCH, "TP", "0.10", flag="instrument")  # TP measured but flagged
    path = tmp_path / "t.rule"
    path.write_text(RULE, encoding="utf-8")
    rows = run_rules(con, path, date(2022, 3, 1), date(2022, 4, 1), scenarios)
    return {(r["rule"], r["section_id"], r["period_start"].month): (r["amount"], r["reason"])
            for r in rows if r["scenario"] == ("cod_only" if scenarios else "base")}


def test_the_loop_reads_the_values_present_and_is_unknown_when_one_is_missing(tmp_path) -> None:
    got = _lines(tmp_path)
    # c0: (20/20 + 0.10/0.2) / 2 = 0.75; a1: (10/20 + 0.30/0.2) / 2 = 1
    assert got[("upstream", "a1", 3)] == (D("75.00"), None)
    assert got[("own", "a1", 3)] == (D("100.00"), None)
    assert got[("upstream", "a2", 3)] == (D("100.00"), None)
    # a2 has no TP in March: its load is unknown, and so are the lines of a3, whose control is a2
    # (a3's own load is (10/20 + 0.10/0.2) / 2 = 0.5, its flagged TP counted)
    assert got[("own", "a2", 3)] == (D("0.00"), "数据缺失")
    assert got[("own", "a3", 3)] == (D("0.00"), "入境对照断面 a2 数据缺失（control.load）")
    assert got[("upstream", "a3", 3)] == (D("0.00"), "入境对照断面 a2 数据缺失（control.load）")
    # classes: a1's TP 0.30 is IV (worse than III); a2 without TP is unknown
    assert got[("worst_class", "a1", 3)] == (D("4.00"), None)
    assert got[("worst_class", "a2", 3)] == (D("0.00"), "数据缺失")


def test_an_item_named_twice_counts_twice(tmp_path) -> None:
    got = _lines(tmp_path)
    # April: [COD, TP, TP]; a1: (0.5 + 1.5 + 1.5) / 3 = 1.1666…; c0: (1 + 0.5 + 0.5) / 3 = 0.6666…
    assert got[("own", "a1", 4)] == (D("116.67"), None)
    assert got[("upstream", "a1", 4)] == (D("66.67"), None)
    # a2 has no April values at all
    assert got[("own", "a2", 4)] == (D("0.00"), "数据缺失")


def test_a_body_that_fills_a_missing_value_keeps_the_keys_plan(tmp_path) -> None:
    got = _lines(tmp_path)
    # a2 in March: (30/20 + 0) / 2 = 0.75; in April, nothing measured: (0 + 0 + 0) / 3 = 0
    assert got[("guarded", "a2", 3)] == (D("75.00"), None)
    assert got[("guarded", "a2", 4)] == (D("0.00"), None)
    path = tmp_path / "t.rule"
    methods = {p.rule: [loop.method for loop in p.loops] for p in plans(path)}
    assert methods["own"] == ["values", "control_twin"]
    assert methods["worst_class"] == ["values"]
    assert methods["guarded"] == ["keys"]


def test_each_scenarios_list_is_its_own_key(tmp_path) -> None:
    # the scenario reads COD only: a2's missing TP and a3's flagged TP no longer matter
    got = _lines(tmp_path, {"cod_only": {"inds": "[COD]"}})
    assert got[("own", "a1", 3)] == (D("50.00"), None)  # 10 / 20
    assert got[("upstream", "a1", 3)] == (D("100.00"), None)  # c0: 20 / 20
    assert got[("own", "a2", 3)] == (D("150.00"), None)  # 30 / 20
    assert got[("own", "a3", 3)] == (D("50.00"), None)
    assert got[("upstream", "a3", 3)] == (D("150.00"), None)  # a2 as a3's control
    assert got[("own", "a1", 4)] == (D("50.00"), None)
