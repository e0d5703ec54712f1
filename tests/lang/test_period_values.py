"""One rule for the value of every period kind (issue #22, part 1), worked by hand.

A period's value is the mean of its valid samples (non-detects as DL/2, flagged samples left out),
rounded once half to even to the indicator's assessment decimals, then classed; a scheme whose own
text says "the mean of the monthly values" writes `period value monthly-mean`, and then the monthly
values (rounded as monthly values are) are averaged and rounded once more.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import pytest
from helpers import add_sample, add_section, new_store, run_rules

MONTHLY_MEAN = '  period value monthly-mean basis "测试：季度值为各月均值的算术平均"\n'

QUARTER = """
scheme q_test "按季度考核"
  basis "测试"
  period quarter
  settle year
{setting}  from 2022-01
  parties up_city <-> down_city

parameters
  reward = 100元 from 2022-01 basis "测试"

rule nh3n_quarter "季度氨氮均值" basis "测试"
  for each assessed section, quarter
  down_city pays up_city
  amount = by value(NH3N):
    when (.., 1mg/L]  -> reward   "达到Ⅲ类"
    when (1mg/L, ..)  -> -reward  "劣于Ⅲ类"

rule cod_quarter "季度化学需氧量均值" basis "测试"
  for each assessed section, quarter
  down_city pays up_city
  amount = by value(COD):
    when (.., 20mg/L]  -> reward   "达到Ⅲ类"
    when (20mg/L, ..)  -> -reward  "劣于Ⅲ类"
"""

AGREEMENT_YEAR = """
scheme ay_test "协议年（6月—次年5月）"
  basis "测试"
  period year
  settle year
  year begins month 6
{setting}  from 2022-06
  parties up_city <-> down_city

parameters
  reward = 100元 from 2022-06 basis "测试"

rule nh3n_year "协议年氨氮均值" basis "测试"
  for each assessed section, year
  down_city pays up_city
  amount = by value(NH3N):
    when (.., 0.5mg/L]  -> reward   "达到Ⅱ类"
    when (0.5mg/L, ..)  -> -reward  "劣于Ⅱ类"
"""

SETTINGS = {"samples": "", "monthly-mean": MONTHLY_MEAN}


def add_non_detect(con, section_id: str, when: date, indicator: str, limit: str) -> None:
    """A sample below its detection limit (it enters means as half the limit)."""
    con.execute(
        "INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value, below_dl,"
        " detection_limit, flag, source) VALUES (1, 900000 + (SELECT count(*) FROM samples), ?, ?,"
        " ?, NULL, true, ?, NULL, 'manual')",
        [section_id, datetime(when.year, when.month, when.day, 10), indicator, D(limit)],
    )


def values(con, kind: str) -> dict[tuple[date, str], tuple[D, int]]:
    rows = con.execute(
        "SELECT period, indicator, value, class FROM ev_values WHERE kind = ?", [kind]
    ).fetchall()
    return {(p, i): (v, c) for p, i, v, c in rows}


def amounts(rows: list[dict]) -> list[tuple]:
    return sorted((r["rule"], r["period_start"], r["payer"], r["amount"]) for r in rows)


def rule_file(tmp_path, template: str, setting: str):
    path = tmp_path / "scheme.rule"
    path.write_text(template.format(setting=SETTINGS[setting]), encoding="utf-8")
    return path


@pytest.mark.parametrize("setting", ["samples", "monthly-mean"])
def test_quarter_with_a_missing_month_two_samples_and_a_non_detect(tmp_path, setting) -> None:
    con = new_store(tmp_path)
    add_section(con, "s1", "q_test", party="up_city")
    # January: NH3N 1.00 and a non-detect (DL 0.025 → 0.0125); February: nothing;
    # March: 1.52, and 9.99 flagged as an instrument fault (left out)
    add_sample(con, "s1", date(2022, 1, 5), "NH3N", "1.00")
    add_non_detect(con, "s1", date(2022, 1, 20), "NH3N", "0.025")
    add_sample(con, "s1", date(2022, 3, 10), "NH3N", "1.52")
    add_sample(con, "s1", date(2022, 3, 20), "NH3N", "9.99", flag="fault")
    add_sample(con, "s1", date(2022, 1, 5), "COD", "19.0")
    add_sample(con, "s1", date(2022, 3, 10), "COD", "20.0")
    rows = run_rules(con, rule_file(tmp_path, QUARTER, setting), date(2022, 1, 1), date(2022, 3, 1))
    got = values(con, "quarter")
    q1 = date(2022, 1, 1)
    # COD: (19.0 + 20.0) / 2 = 19.5 either way (one sample a month) → Ⅲ
    assert got[(q1, "COD")] == (D("19.5"), 3)
    if setting == "samples":
        # (1.00 + 0.0125 + 1.52) / 3 = 2.5325 / 3 = 0.844166… → 0.84 → Ⅲ
        assert got[(q1, "NH3N")] == (D("0.84"), 3)
        nh3n = ("nh3n_quarter", q1, "down_city", D("100.00"))
    else:
        # January (1.00 + 0.0125) / 2 = 0.50625 → 0.51; March 1.52;
        # (0.51 + 1.52) / 2 = 1.015, a half at the last decimal → 1.02 (half to even) → Ⅳ
        assert got[(q1, "NH3N")] == (D("1.02"), 4)
        nh3n = ("nh3n_quarter", q1, "up_city", D("100.00"))
    assert amounts(rows) == sorted([("cod_quarter", q1, "down_city", D("100.00")), nh3n])


@pytest.mark.parametrize("setting", ["samples", "monthly-mean"])
def test_a_quarter_whose_mean_does_not_terminate_is_rounded_before_it_is_classed(
    tmp_path, setting
) -> None:
    con = new_store(tmp_path)
    add_section(con, "s1", "q_test", party="up_city")
    for month, cod, nh3n in [(1, "20.0", "1.00"), (2, "20.0", "1.00"), (3, "20.1", "1.01")]:
        add_sample(con, "s1", date(2022, month, 10), "COD", cod)
        add_sample(con, "s1", date(2022, month, 10), "NH3N", nh3n)
    rows = run_rules(con, rule_file(tmp_path, QUARTER, setting), date(2022, 1, 1), date(2022, 3, 1))
    q1 = date(2022, 1, 1)
    # COD 60.1 / 3 = 20.0333… → 20.0 (Ⅲ; unrounded it would be worse than Ⅲ);
    # NH3N 3.01 / 3 = 1.00333… → 1.00 (Ⅲ). One sample a month: both settings agree.
    assert values(con, "quarter") == {(q1, "COD"): (D("20.0"), 3), (q1, "NH3N"): (D("1.00"), 3)}
    assert amounts(rows) == [
        ("cod_quarter", q1, "down_city", D("100.00")),
        ("nh3n_quarter", q1, "down_city", D("100.00")),
    ]


@pytest.mark.parametrize("setting", ["samples", "monthly-mean"])
def test_an_agreement_year_mean_on_a_half_rounds_to_even(tmp_path, setting) -> None:
    con = new_store(tmp_path)
    add_section(con, "s1", "ay_test", party="up_city")
    months = [date(2022, m, 15) for m in range(6, 13)] + [date(2023, m, 15) for m in range(1, 6)]
    for i, day in enumerate(months):
        add_sample(con, "s1", day, "NH3N", "0.56" if i == 0 else "0.50")
    # outside the agreement year June 2022 – May 2023: must not count
    add_sample(con, "s1", date(2022, 5, 15), "NH3N", "5.00")
    add_sample(con, "s1", date(2023, 6, 15), "NH3N", "5.00")
    path = rule_file(tmp_path, AGREEMENT_YEAR, setting)
    rows = run_rules(con, path, date(2022, 6, 1), date(2023, 5, 1))
    year = date(2022, 6, 1)
    # (0.56 + 11 × 0.50) / 12 = 6.06 / 12 = 0.505 → 0.50 (half to even) → Ⅱ, not 0.51 → Ⅲ
    assert values(con, "year")[(year, "NH3N")] == (D("0.50"), 2)
    assert amounts(rows) == [("nh3n_year", year, "down_city", D("100.00"))]


def test_monthly_mean_needs_its_basis(tmp_path) -> None:
    from compensation.errors import RuleError
    from compensation.lang import compile_file

    path = tmp_path / "scheme.rule"
    path.write_text(
        QUARTER.format(setting="  period value monthly-mean\n"), encoding="utf-8"
    )
    with pytest.raises(RuleError):
        compile_file(path)


@pytest.mark.parametrize("setting", ["samples", "monthly-mean"])
def test_the_issue_quarter_uses_20_7_and_1_01(tmp_path, setting) -> None:
    """The issue's case: one sample a month; COD 20.666667 and NH3-N 1.006667 were unrounded."""
    con = new_store(tmp_path)
    add_section(con, "s1", "q_test", party="up_city")
    for month, cod, nh3n in [(1, "20.0", "1.00"), (2, "21.0", "1.01"), (3, "21.0", "1.01")]:
        add_sample(con, "s1", date(2022, month, 10), "COD", cod)
        add_sample(con, "s1", date(2022, month, 10), "NH3N", nh3n)
    run_rules(con, rule_file(tmp_path, QUARTER, setting), date(2022, 1, 1), date(2022, 3, 1))
    q1 = date(2022, 1, 1)
    # 62 / 3 = 20.666… → 20.7 (Ⅳ); 3.02 / 3 = 1.00666… → 1.01 (Ⅳ)
    assert values(con, "quarter") == {(q1, "COD"): (D("20.7"), 4), (q1, "NH3N"): (D("1.01"), 4)}
