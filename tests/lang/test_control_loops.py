"""A control's measure is the control section's own: it reads the control's values and the limits of
the control's water body. A loop measure read for the section and for its control is computed once
over both (the control's is a join), with the same results."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from helpers import add_sample, add_section, new_store, run_rules

from compensation.lang import compile_file
from compensation.lang.options import CompileOptions
from compensation.lang.scheme import plans

RULE = """scheme t "测试"
  basis "测试"
  period month
  settle year
  from 2022-01
  parties section.party <-> city_treasury

parameters
  inds = [TP]
    from 2022-01 basis "测试"

measure load "总磷为Ⅲ类限值的倍数"
  = mean(value(i) / limit(i, III) for i in inds)

rule own "本断面倍数×100元"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = 100元 * load

rule upstream "对照断面倍数×100元"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = 100元 * control.load
"""


def _amounts(tmp_path) -> dict[tuple[str, str], D]:
    # c0 is a lake control; a1 (river) is assessed against c0, a2 (river) against a1
    con = new_store(tmp_path)
    add_section(con, "c0", "t", role="control", water_body="lake")
    add_section(con, "a1", "t", party="d1", control="c0")
    add_section(con, "a2", "t", party="d2", control="a1")
    for section, tp in (("c0", "0.10"), ("a1", "0.10"), ("a2", "0.30")):
        add_sample(con, section, date(2022, 3, 10), "TP", tp)
    path = tmp_path / "t.rule"
    path.write_text(RULE, encoding="utf-8")
    rows = run_rules(con, path, date(2022, 3, 1), date(2022, 3, 1))
    return {(r["rule"], r["section_id"]): r["amount"] for r in rows}


def test_a_control_measure_uses_the_limits_of_the_controls_water_body(tmp_path) -> None:
    got = _amounts(tmp_path)
    # GB 3838 class III TP: 0.2 mg/L in rivers, 0.05 mg/L in lakes
    assert got[("own", "a1")] == D("50.00")  # 0.10 / 0.2 = 0.5
    assert got[("own", "a2")] == D("150.00")  # 0.30 / 0.2 = 1.5
    assert got[("upstream", "a1")] == D("200.00")  # the lake control: 0.10 / 0.05 = 2
    assert got[("upstream", "a2")] == D("50.00")  # a1 as a2's control: 0.10 / 0.2 = 0.5


def test_a_rule_reading_a_loop_for_section_and_control_computes_it_once(tmp_path) -> None:
    path = tmp_path / "t.rule"
    path.write_text(RULE.replace("100元 * control.load", "100元 * (load - control.load)"),
                    encoding="utf-8")
    rule = compile_file(path).rules[1]
    assert rule.sql.count("UNNEST(") == 1
    loops = plans(path)[1].loops
    assert [loop.method == "control_twin" for loop in loops] == [False, True]
    assert loops[0].covers_controls and "control_loops" in loops[1].passes


def test_a_value_over_its_limit_in_a_loop_divides_in_bigint(tmp_path) -> None:
    # ediv6: the same quotient as ediv for 6-decimal operands (tests/store/test_exact_arithmetic)
    path = tmp_path / "t.rule"
    path.write_text(RULE, encoding="utf-8")
    rule = compile_file(path).rules[0]
    # a mean of ediv6 terms: summed in 1e-12 units (mean_count, on by default), ediv6 without it
    assert "EDIV6_U(" in rule.sql and "MEAN_UNITS(" in rule.sql
    plain = compile_file(path, CompileOptions(mean_count=False)).rules[0].sql
    assert "EDIV6(" in plain and "EDIV6_U(" not in plain
    path.write_text(RULE.replace("value(i) / limit(i, III)", "limit(i, III) / value(i)"),
                    encoding="utf-8")
    assert "EDIV6" not in compile_file(path).rules[0].sql
