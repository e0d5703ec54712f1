"""A run computes period values only for the indicators its rules can read (those written in the
rules and every value of their list parameters, in every scenario), while flagged(...) still sees
the flags on any indicator of the section."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

from helpers import AS_OF, RULES, add_sample, add_section, new_store, run_rules

from compensation.lang import compile_file, prepare_run
from compensation.lang.reads import IndicatorsRead

RULE = """scheme t "测试"
  basis "测试"
  period month
  settle year
  from 2022-01
  parties section.party <-> city_treasury

parameters
  inds = [COD] negotiable
    from 2022-01 basis "测试"

rule total "所列指标值之和（元）"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = 1元 * sum(value(i) / 1mg/L for i in inds)
  except "断流不考核" when flagged(no_flow) -> 0
"""


def _store(tmp_path):
    """March 2022: COD 15, NH3-N 2.00, DO 6.0. April: the same, the DO sample flagged no_flow."""
    con = new_store(tmp_path)
    add_section(con, "a1", "t", party="d1")
    for month in (3, 4):
        day = date(2022, month, 10)
        add_sample(con, "a1", day, "COD", "15")
        add_sample(con, "a1", day, "NH3N", "2.00")
        add_sample(con, "a1", day, "DO", "6.0", flag="no_flow" if month == 4 else None)
    path = tmp_path / "t.rule"
    path.write_text(RULE, encoding="utf-8")
    return con, path


def test_the_indicators_read_are_the_names_written_and_the_list_parameters() -> None:
    assert compile_file(RULES / "yangtze_han.rule").indicators_read == IndicatorsRead(
        frozenset(), frozenset({"cpi_indicators"}))
    assert compile_file(RULES / "examples" / "p5_flux.rule").indicators_read == IndicatorsRead(
        frozenset({"CODMn", "NH3N", "FLOW"}), frozenset())


def test_a_run_computes_the_values_of_every_scenarios_indicators_only(tmp_path) -> None:
    con, path = _store(tmp_path)
    compiled = compile_file(path)
    prepare_run(con, compiled, date(2022, 3, 1), date(2022, 4, 1), AS_OF)
    assert con.execute("SELECT DISTINCT indicator FROM ev_values").fetchall() == [("COD",)]
    prepare_run(con, compiled, date(2022, 3, 1), date(2022, 4, 1), AS_OF,
                {"wider": {"inds": "[COD, NH3N]"}})
    got = con.execute("SELECT DISTINCT indicator FROM ev_values ORDER BY 1").fetchall()
    assert got == [("COD",), ("NH3N",)]


def test_a_flag_on_an_indicator_the_rule_does_not_read_still_counts(tmp_path) -> None:
    con, path = _store(tmp_path)
    rows = run_rules(con, path, date(2022, 3, 1), date(2022, 4, 1),
                     {"wider": {"inds": "[COD, NH3N]"}})
    got = {(r["scenario"], r["period_start"].month): (r["amount"], r["reason"]) for r in rows}
    assert got[("base", 3)] == (D("15.00"), None)
    assert got[("wider", 3)] == (D("17.00"), None)
    # April: DO (read by neither scenario) carries no_flow, so the exception applies to both
    assert got[("base", 4)][0] == D("0.00") and "断流" in got[("base", 4)][1]
    assert got[("wider", 4)][0] == D("0.00")


def test_a_scenario_with_an_empty_list_sums_nothing(tmp_path) -> None:
    con, path = _store(tmp_path)
    rows = run_rules(con, path, date(2022, 3, 1), date(2022, 3, 1),
                     {"none": {"inds": "[]"}, "one": {"inds": "[NH3N]"}})
    got = {r["scenario"]: r["amount"] for r in rows}
    assert got == {"base": D("15.00"), "none": D("0.00"), "one": D("2.00")}


def test_a_run_over_an_automatic_station_lets_its_values_take_priority(tmp_path) -> None:
    """A run skips the automatic-first aggregates only when its sections have no automatic
    samples; here they have: NH3-N (0.10 + 0.20) / 2 = 0.15, the manual 3.00 set aside."""
    con, path = _store(tmp_path)
    add_sample(con, "a1", date(2022, 5, 10), "NH3N", "3.00")
    add_sample(con, "a1", datetime(2022, 5, 6, 0), "NH3N", "0.10", source="auto")
    add_sample(con, "a1", datetime(2022, 5, 6, 4), "NH3N", "0.20", source="auto")
    rows = run_rules(con, path, date(2022, 5, 1), date(2022, 5, 1), {"one": {"inds": "[NH3N]"}})
    assert {r["scenario"]: r["amount"] for r in rows}["one"] == D("0.15")
