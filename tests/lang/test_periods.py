"""Periods other than the calendar month: agreement years that begin in June, and quarters.

Amounts worked out by hand: an agreement year of June–May spreads its amount over twelve
section-months; a quarter's value is the mean of its monthly values.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from helpers import add_sample, add_section, new_store, run_rules

AGREEMENT_YEAR = """
scheme agree_test "协议年从6月开始"
  basis "测试"
  period month
  settle year
  year begins month 6
  from 2022-06
  parties up_city <-> down_city

parameters
  annual = 120元 from 2022-06 basis "测试：每个协议年120元"

rule share "按断面·月分摊协议年金额" basis "测试"
  for each assessed section, month
  down_city pays up_city
  amount = spread(annual per year)
"""

QUARTER = """
scheme quarter_test "按季度考核"
  basis "测试"
  period quarter
  settle year
  from 2022-01
  parties up_city <-> down_city

parameters
  reward = 100元 from 2022-01 basis "测试"

rule cod_quarter "季度化学需氧量均值" basis "测试"
  for each assessed section, quarter
  down_city pays up_city
  amount = by value(COD):
    when (.., 20mg/L]  -> reward   "达到Ⅲ类"
    when (20mg/L, ..)  -> -reward  "劣于Ⅲ类"
"""


def test_an_agreement_year_from_june_spreads_over_june_to_may(tmp_path) -> None:
    con = new_store(tmp_path)
    add_section(con, "s1", "agree_test", party="up_city")
    months = [date(2022, m, 1) for m in range(6, 13)] + [date(2023, m, 1) for m in range(1, 7)]
    for month in months:
        add_sample(con, "s1", month.replace(day=10), "COD", "10.0")
    rule = tmp_path / "agree.rule"
    rule.write_text(AGREEMENT_YEAR, encoding="utf-8")
    rows = run_rules(con, rule, date(2022, 6, 1), date(2023, 6, 1))
    by_month = {r["period_start"]: (r["payer"], r["payee"], r["amount"]) for r in rows}
    # June 2022 – May 2023 is one agreement year of 12 section-months: 120 元 / 12 = 10.00 each;
    # had the year begun in January, June–December 2022 would have shared 120 元 seven ways.
    for month in months[:12]:
        assert by_month[month] == ("down_city", "up_city", D("10.00")), month
    assert sum(by_month[m][2] for m in months[:12]) == D("120.00")
    # June 2023 opens the next agreement year
    assert by_month[date(2023, 6, 1)] == ("down_city", "up_city", D("10.00"))


def test_a_quarter_is_judged_on_the_mean_of_its_months(tmp_path) -> None:
    con = new_store(tmp_path)
    add_section(con, "s1", "quarter_test", party="up_city")
    cod = {1: "18.0", 2: "20.0", 3: "25.0", 4: "10.0", 5: "10.0", 6: "10.0"}
    for month, value in cod.items():
        add_sample(con, "s1", date(2022, month, 10), "COD", value)
    rule = tmp_path / "quarter.rule"
    rule.write_text(QUARTER, encoding="utf-8")
    rows = run_rules(con, rule, date(2022, 1, 1), date(2022, 6, 1))
    got = sorted((r["period_start"], r["payer"], r["payee"], r["amount"]) for r in rows)
    # Q1: (18 + 20 + 25) / 3 = 21.0 > 20 → 劣于Ⅲ类, the upstream city pays 100 元;
    # Q2: 10.0 ≤ 20 → the downstream city pays 100 元.
    assert got == [
        (date(2022, 1, 1), "up_city", "down_city", D("100.00")),
        (date(2022, 4, 1), "down_city", "up_city", D("100.00")),
    ]
