"""Issue #18 item 7: a line says why it is zero or unknown — a division by zero, the control's
missing data (naming the control section), a cap (its limit and the amount before and after)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

from helpers import RULES, add_sample, add_section, new_store, run_rules

from compensation.lang.check import check_file

BASE = {"COD": "20.0", "CODMn": "6.0", "NH3N": "1.00", "TP": "0.200"}  # CPI = 1 at class III


def _values(con, sid: str, day: date, values: dict[str, str]) -> None:
    for ind, v in values.items():
        add_sample(con, sid, day, ind, v)


def _cpi_rows(tmp_path, control_values: dict[str, str] | None) -> dict:
    con = new_store(tmp_path)
    add_section(con, "ctl", "yangtze_han", role="control")
    add_section(con, "s_a", "yangtze_han", party="hanyang", control="ctl")
    jan = date(2018, 1, 10)
    _values(con, "s_a", jan, BASE)
    if control_values is not None:
        _values(con, "ctl", jan, control_values)
    rows = run_rules(con, RULES / "yangtze_han.rule", date(2018, 1, 1), date(2018, 1, 1))
    return {r["rule"]: r for r in rows if r["section_id"] == "s_a"}


def test_a_control_cpi_of_zero_is_a_division_by_zero(tmp_path) -> None:
    """All four control values are 0 (present): control CPI = (0+0+0+0)/4 = 0, and
    r = (1 - 0) / 0 has no value. The line is 0.00 and says it is a division by zero."""
    zero = {"COD": "0", "CODMn": "0", "NH3N": "0", "TP": "0"}
    row = _cpi_rows(tmp_path, zero)["cpi_band"]
    assert row["amount"] == D("0.00")
    assert row["reason"] == "除数为零：control.cpi = 0"
    assert D(json.loads(row["trace"])["control_measures"]["cpi"]) == 0


def test_missing_control_data_names_the_control_section(tmp_path) -> None:
    rows = _cpi_rows(tmp_path, None)
    assert rows["cpi_band"]["amount"] == D("0.00")
    assert rows["cpi_band"]["reason"] == "入境对照断面 ctl 数据缺失（control.cpi）"
    assert rows["class_decline"]["reason"] == "入境对照断面 ctl 数据缺失（control.section_class）"


def test_missing_data_on_both_sides_says_both(tmp_path) -> None:
    """s_a lacks TP (its CPI is unknown) and the control has no samples at all."""
    con = new_store(tmp_path)
    add_section(con, "ctl", "yangtze_han", role="control")
    add_section(con, "s_a", "yangtze_han", party="hanyang", control="ctl")
    _values(con, "s_a", date(2018, 1, 10), {"COD": "20.0", "CODMn": "6.0", "NH3N": "1.00"})
    rows = run_rules(con, RULES / "yangtze_han.rule", date(2018, 1, 1), date(2018, 1, 1))
    band = next(r for r in rows if r["rule"] == "cpi_band")
    assert band["reason"] == "数据缺失；入境对照断面 ctl 数据缺失（control.cpi）"


def test_missing_own_data_is_still_plain_missing_data(tmp_path) -> None:
    con = new_store(tmp_path)
    add_section(con, "ctl", "yangtze_han", role="control")
    add_section(con, "s_d", "yangtze_han", party="huangpi", control="ctl")
    jan = date(2018, 1, 10)
    _values(con, "ctl", jan, BASE)
    _values(con, "s_d", jan, {"COD": "20.0", "CODMn": "6.0", "NH3N": "1.00"})  # TP missing
    rows = run_rules(con, RULES / "yangtze_han.rule", date(2018, 1, 1), date(2018, 1, 1))
    band = next(r for r in rows if r["rule"] == "cpi_band")
    assert (band["amount"], band["reason"]) == (D("0.00"), "数据缺失")


def test_rules_check_warns_where_a_denominator_can_be_zero() -> None:
    """yangtze_han divides by control.cpi (a warning, not an error); the CPI measure divides by
    limit(i, cpi_class), never zero, so that line has none."""
    checked = check_file(RULES / "yangtze_han.rule")
    assert checked.diagnostics == []
    assert [(w.line, w.message) for w in checked.warnings] == [(41, (
        "警告：分母 control.cpi 可能为 0；为 0 时除法没有结果，该行金额记为 0。"
        "(warning: the denominator can be zero)"))]


def _p2_rows(tmp_path, scenarios=None) -> list[dict]:
    """One section of class I (COD 10, NH3-N 0.1, TP 0.01) in January–March 2020: each month
    500万 from downstream, split 50/50, under a yearly cap of 1000万."""
    con = new_store(tmp_path)
    add_section(con, "p2", "p2_example", party="upstream_left")
    for month in (1, 2, 3):
        _values(con, "p2", date(2020, month, 10), {"COD": "10", "NH3N": "0.10", "TP": "0.010"})
    return run_rules(con, RULES / "examples" / "p2_target_class_bet.rule",
                     date(2020, 1, 1), date(2020, 3, 1), scenarios)


def test_a_cap_names_itself_with_the_amounts_before_and_after(tmp_path) -> None:
    """Cap 1000万: January and February 500万 each (250万 a side), March cut from 500万 to 0.
    With the cap at 1200万 (a scenario), March is cut from 500万 to 200万 (100万 a side)."""
    rows = _p2_rows(tmp_path, {"cap12": {"yearly_cap": "1200万"}})
    base = [r for r in rows if r["scenario"] == "base"]
    assert [(r["period_start"].month, r["amount"]) for r in base] == [
        (1, D("2500000.00")), (1, D("2500000.00")), (2, D("2500000.00")), (2, D("2500000.00")),
        (3, D("0.00")), (3, D("0.00"))]
    assert [r["reason"] for r in base if r["period_start"].month < 3] == [None] * 4
    march = [r for r in base if r["period_start"].month == 3]
    assert {r["reason"] for r in march} == {
        "年度上限 yearly_cap = 10000000.00元：由 5000000.00元减至 0.00元"}
    assert march[0]["branch"] == "I..III"
    caps = json.loads(march[0]["trace"])["caps"]
    assert [(c["cap"], D(c["limit"]), D(c["before"]), D(c["after"])) for c in caps] == [
        ("cap yearly_cap per year", D("10000000"), D("5000000"), D("0"))]
    cut = [r for r in rows if r["scenario"] == "cap12" and r["period_start"].month == 3]
    assert [r["amount"] for r in cut] == [D("1000000.00"), D("1000000.00")]
    assert {r["reason"] for r in cut} == {
        "年度上限 yearly_cap = 12000000.00元：由 5000000.00元减至 2000000.00元"}


CAPPED = """
scheme capped "上限测试"
  basis "测试"
  period month
  settle year
  from 2020-01
  parties payer_city <-> payee_city

parameters
  reward = 60元 from 2020-01 basis "测试"
  yearly_cap = 100元 from 2020-01 basis "测试：年度上限"

rule monthly "每月奖励" basis "测试"
  for each assessed section, month
  payer_city pays payee_city
  amount = if value(NH3N) <= 0.5mg/L then reward "达标" else 0元 "未达标"
  cap yearly_cap per year
"""


def test_explain_shows_the_cap_its_parameter_and_the_amounts(tmp_path) -> None:
    """60元 a month under a yearly cap of 100元: January 60.00, February cut from 60.00 to
    40.00. `explain` of February says so in its reason and in a line of its own."""
    from click.testing import CliRunner

    from compensation.cli import cli
    from compensation.store import open_store

    db, rules = tmp_path / "t.duckdb", tmp_path / "rules"
    rules.mkdir()
    (rules / "capped.rule").write_text(CAPPED, encoding="utf-8")
    con = open_store(db)
    con.execute("INSERT INTO parties (party_id, name, kind) VALUES ('payer_city', '甲市', 'city'),"
                " ('payee_city', '乙市', 'city')")
    con.execute("INSERT INTO batches VALUES (1, 'samples', 'test.csv', 'x', 0, "
                "TIMESTAMP '2000-01-01', NULL, NULL)")
    add_section(con, "s1", "capped", party="payee_city")
    for month in (1, 2):
        add_sample(con, "s1", date(2020, month, 10), "NH3N", "0.40")
    con.close()

    def ecocomp(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
        return result.output

    ecocomp("run", "--scheme", "capped", "--rules", str(rules), "--year", "2020",
            "--as-of", "2021-01-01")
    con = open_store(db)
    lines = con.execute("SELECT line_id, period_start, amount, branch, reason FROM ledger "
                        "WHERE amount > 0 ORDER BY period_start").fetchall()
    con.close()
    assert [(r[1].month, r[2], r[3], r[4]) for r in lines] == [
        (1, D("60.00"), "达标", None),
        (2, D("40.00"), "达标", "年度上限 yearly_cap = 100.00元：由 60.00元减至 40.00元")]
    text = ecocomp("explain", str(lines[1][0]))
    assert "原因：年度上限 yearly_cap = 100.00元：由 60.00元减至 40.00元" in text
    assert ("上限/下限：cap yearly_cap per year（限额 100.00 元）："
            "金额由 60.00 元减至 40.00 元") in text
    assert "  yearly_cap = 100元（自 2020-01-01 起；依据：测试：年度上限）" in text


def test_rules_check_passes_with_the_warning_shown(tmp_path) -> None:
    from click.testing import CliRunner

    from compensation.cli import cli

    result = CliRunner().invoke(cli, ["rules", "check", str(RULES / "yangtze_han.rule")])
    assert result.exit_code == 0
    assert "yangtze_han.rule:41:44: 警告：分母 control.cpi 可能为 0" in result.stderr
    assert result.stdout.endswith("未发现问题；1 条警告（见上）。\n")
