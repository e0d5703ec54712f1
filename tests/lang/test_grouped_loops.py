"""Loops over an indicator list are computed set-based (unnest, GROUP BY, join back), with the
meaning of the loop unchanged: a where-filter that keeps nothing gives sum 0, count 0 and an unknown
mean; an unknown item makes a loop without a filter unknown, and a filter whose test is unknown
skips the item (as SQL's WHERE). And `prepare_run` reads only the years a run
can use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from helpers import AS_OF, add_sample, add_section, new_store, run_rules

from compensation.lang import compile_file, prepare_run
from compensation.lang.scheme import plans

RULE = """scheme t "测试"
  basis "测试"
  period month
  settle year
  from 2022-01
  parties section.party <-> city_treasury

parameters
  inds = [COD, NH3N, TP]
    from 2022-01 basis "测试"

rule total "超过 1 的指标值之和（元）"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = 1元 * sum(value(i) / 1mg/L for i in inds where value(i) > 1mg/L)

rule counted "超过 1 的指标个数（元）"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = 1元 * count(value(i) for i in inds where value(i) > 1mg/L)

rule average "超过 1 的指标均值（元）"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = 1元 * mean(value(i) / 1mg/L for i in inds where value(i) > 1mg/L)

rule plain "全部指标值之和（元）"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = 1元 * sum(value(i) / 1mg/L for i in inds)

rule fixed "读不到本行任何值的循环：列表中的指标个数（元）"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = 1元 * count(i for i in [COD, NH3N])
"""


def _amounts(tmp_path, samples: dict[str, str | None]) -> dict[str, tuple[D, str | None]]:
    con = new_store(tmp_path)
    add_section(con, "a1", "t", party="d1")
    for ind, v in samples.items():
        add_sample(con, "a1", date(2022, 3, 10), ind, v)
    path = tmp_path / "t.rule"
    path.write_text(RULE, encoding="utf-8")
    rows = run_rules(con, path, date(2022, 3, 1), date(2022, 3, 1))
    return {r["rule"]: (r["amount"], r["reason"]) for r in rows}


def test_loop_over_a_list_sums_counts_and_averages_the_kept_items(tmp_path) -> None:
    # COD 15 and NH3N 2.00 are above 1, TP 0.10 is not: sum 17, count 2, mean 8.5
    got = _amounts(tmp_path, {"COD": "15", "NH3N": "2.00", "TP": "0.10"})
    assert got["total"] == (D("17.00"), None)
    assert got["counted"] == (D("2.00"), None)
    assert got["average"] == (D("8.50"), None)
    assert got["plain"] == (D("17.10"), None)
    assert got["fixed"] == (D("2.00"), None)


def test_a_filter_that_keeps_nothing_gives_zero_sum_and_count_and_unknown_mean(tmp_path) -> None:
    got = _amounts(tmp_path, {"COD": "0.5", "NH3N": "0.20", "TP": "0.10"})
    assert got["total"] == (D("0.00"), None)
    assert got["counted"] == (D("0.00"), None)
    assert got["average"] == (D("0.00"), "数据缺失")  # no item: the mean is unknown


def test_a_missing_item_makes_a_plain_loop_unknown_and_a_filter_skips_it(tmp_path) -> None:
    # TP not measured: value(TP) unknown
    got = _amounts(tmp_path, {"COD": "15", "NH3N": "2.00"})
    assert got["plain"] == (D("0.00"), "数据缺失")
    assert got["total"] == (D("17.00"), None)
    assert got["counted"] == (D("2.00"), None)


def test_the_compiled_rule_has_no_correlated_loop(tmp_path) -> None:
    path = tmp_path / "t.rule"
    path.write_text(RULE, encoding="utf-8")
    rule = compile_file(path).rules[0]
    # the list parameter travels as text (a cheap key) and is unnested once per distinct key
    assert "UNNEST(CASE WHEN g.prm_0 = '' THEN CAST([] AS TEXT[]) ELSE STR_SPLIT(g.prm_0, ',')" \
        in rule.sql and "GROUP BY" in rule.sql
    loops = plans(path)[0].loops
    # grouped by what the loop reads, not by scenario row: one computation for all scenarios
    assert len(loops) == 1 and loops[0].reads == [
        "period_start", "prm_0", "section_id"]


def test_prepare_run_reads_values_from_the_first_year_of_the_run_on(tmp_path) -> None:
    con = new_store(tmp_path)
    add_section(con, "a1", "t", party="d1")
    for year in (2020, 2021, 2022):
        add_sample(con, "a1", date(year, 3, 10), "COD", "15")
    path = tmp_path / "t.rule"
    path.write_text(RULE, encoding="utf-8")
    prepare_run(con, compile_file(path), date(2022, 3, 1), date(2022, 3, 1), AS_OF)
    periods = con.execute("SELECT DISTINCT period FROM ev_values ORDER BY 1").fetchall()
    assert periods == [(date(2022, 3, 1),)]
