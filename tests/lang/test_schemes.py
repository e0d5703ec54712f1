"""The three shipped schemes run on small real databases; money types; injection; scenarios."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
from helpers import AS_OF, RULES, add_sample, add_section, new_store, run_rules

from compensation.errors import EcocompError, RuleError
from compensation.lang import compile_file, parse_value_text, prepare_run, validate_overlay
from compensation.lang.parse import parse_text
from compensation.lang.scheme import CompiledScheme


def values(con, section: str, day: date, data: dict[str, str], flag: str | None = None) -> None:
    for ind, v in data.items():
        add_sample(con, section, day, ind, v, flag)


COMPLIANT = {"COD": "25.0", "NH3N": "1.20", "TP": "0.250"}  # class IV: meets the IV target


def tongshun_store(tmp_path, bad: tuple[str, int] | None = None):
    con = new_store(tmp_path)
    for sid in ("ts1", "ts2", "ts3"):
        add_section(con, sid, "tongshun", party="xiantao")
        for month in range(6, 13):
            data = dict(COMPLIANT)
            if bad == (sid, month):
                data["COD"] = "35.0"  # class V: worse than the target
            values(con, sid, date(2022, month, 10), data)
    return con


def test_tongshun_compliant_year_pays_exactly_300_wan(tmp_path):
    rows = run_rules(
        tongshun_store(tmp_path), RULES / "tongshun.rule", date(2022, 6, 1), date(2022, 12, 1)
    )
    assert len(rows) == 21  # 3 sections × 7 months (span starts 2022-06)
    assert {(r["payer"], r["payee"]) for r in rows} == {("wuhan_jkq", "xiantao")}
    assert sum(r["amount"] for r in rows) == D("3000000.00")
    # 300,000,000 fen / 21 = 14,285,714 rem 6 (21 × 14,285,714 = 299,999,994): six shares get
    # the extra fen (largest remainder, ties in section/month order)
    assert sorted({r["amount"] for r in rows}) == [D("142857.14"), D("142857.15")]
    assert sum(1 for r in rows if r["amount"] == D("142857.15")) == 6


def test_tongshun_one_month_window_uses_the_whole_year_for_shares(tmp_path):
    rows = run_rules(
        tongshun_store(tmp_path), RULES / "tongshun.rule", date(2022, 9, 1), date(2022, 9, 1)
    )
    assert len(rows) == 3 and all(r["period_start"] == date(2022, 9, 1) for r in rows)
    assert all(r["amount"] in (D("142857.14"), D("142857.15")) for r in rows)


def test_tongshun_judge_variant_is_a_scenario_column(tmp_path):
    con = tongshun_store(tmp_path, bad=("ts2", 8))
    rows = run_rules(
        con,
        RULES / "tongshun.rule",
        date(2022, 6, 1),
        date(2022, 12, 1),
        {"together": {"judge": "all_sections"}},
    )

    def net(scenario: str) -> D:
        return sum(
            r["amount"] if r["payer"] == "wuhan_jkq" else -r["amount"]
            for r in rows
            if r["scenario"] == scenario
        )

    share = D("142857.14")  # ts2 sorts after ts1, so its August share has no extra fen
    bad = [r for r in rows if r["scenario"] == "base" and r["payer"] == "xiantao"]
    assert [(r["section_id"], r["period_start"].month) for r in bad] == [("ts2", 8)]
    assert net("base") == D("3000000.00") - 2 * bad[0]["amount"]
    assert bad[0]["amount"] in (share, share + D("0.01"))
    together = [r for r in rows if r["scenario"] == "together" and r["payer"] == "xiantao"]
    assert sorted(r["section_id"] for r in together) == ["ts1", "ts2", "ts3"]  # all of August


def test_yangtze_bands_endpoints_flags_and_missing_data(tmp_path):
    con = new_store(tmp_path)
    add_section(con, "ctl", "yangtze_han", role="control")
    for sid, party in [
        ("s_a", "hanyang"),
        ("s_b", "jianghan"),
        ("s_c", "jiangan"),
        ("s_d", "huangpi"),
    ]:
        add_section(con, sid, "yangtze_han", party=party, control="ctl")
    jan = date(2018, 1, 10)
    base = {"COD": "20.0", "CODMn": "6.0", "NH3N": "1.00", "TP": "0.200"}  # CPI = 1
    values(con, "ctl", jan, base)
    values(con, "s_a", jan, base)  # r = 0: 持平 → 50万 reward
    values(con, "s_b", jan, {"COD": "26.0", "CODMn": "6.0", "NH3N": "1.00", "TP": "0.200"})
    values(con, "s_c", jan, base, "ice")
    values(con, "s_d", jan, {"COD": "20.0", "CODMn": "6.0", "NH3N": "1.00"})  # TP missing
    rows = {
        r["section_id"]: r
        for r in run_rules(con, RULES / "yangtze_han.rule", date(2018, 1, 1), date(2018, 1, 1))
        if r["rule"] == "cpi_band"
    }
    assert (rows["s_a"]["payer"], rows["s_a"]["payee"], rows["s_a"]["amount"]) == (
        "city_treasury",
        "hanyang",
        D("500000.00"),
    )
    # s_b: CPI = (1.3 + 1 + 1 + 1)/4 = 1.075 → r = 7.5% ∈ (0, 10%] → 100万 penalty
    assert (rows["s_b"]["payer"], rows["s_b"]["payee"], rows["s_b"]["amount"]) == (
        "jianghan",
        "city_treasury",
        D("1000000.00"),
    )
    trace = json.loads(rows["s_b"]["trace"])
    assert D(trace["lets"]["r"]) == D("0.075")
    assert D(trace["measures"]["cpi"]) == D("1.075") and D(trace["control_measures"]["cpi"]) == 1
    assert D(trace["params"]["band"]) == D("0.1") and trace["values"]["COD"].startswith("26.0")
    assert trace["rule"] == "cpi_band" and trace["line"] == 38
    assert rows["s_c"]["amount"] == 0 and rows["s_c"]["reason"] == "结冰"
    assert rows["s_c"]["exception"] == "断流、结冰不考核"
    assert rows["s_d"]["amount"] == 0 and rows["s_d"]["reason"] == "数据缺失"


def test_daoguan_annual_class_directions(tmp_path):
    con = new_store(tmp_path)
    add_section(con, "dg", "daoguan", party="tuanfeng")
    values(con, "dg", date(2021, 3, 5), {"COD": "14.0", "NH3N": "0.40", "DO": "7.0"})  # II
    values(con, "dg", date(2022, 3, 5), {"COD": "14.0", "NH3N": "0.40", "DO": "7.0"})
    values(con, "dg", date(2022, 9, 5), {"NH3N": "1.60"})  # annual NH3N 1.00 → III
    values(con, "dg", date(2023, 3, 5), {"COD": "25.0", "NH3N": "0.40", "DO": "7.0"})  # IV
    rows = {
        r["period_start"].year: r
        for r in run_rules(con, RULES / "daoguan.rule", date(2021, 1, 1), date(2023, 12, 1))
    }
    assert (rows[2021]["payer"], rows[2021]["payee"], rows[2021]["amount"]) == (
        "xinzhou",
        "tuanfeng",
        D("1000000.00"),
    )
    assert (
        rows[2022]["amount"] == 0 and rows[2022]["reason"] == "断面水质年度考核为Ⅲ类，双方互不补偿"
    )
    assert (rows[2023]["payer"], rows[2023]["payee"], rows[2023]["amount"]) == (
        "tuanfeng",
        "xinzhou",
        D("1000000.00"),
    )


def test_rule_sql_money_column_types(tmp_path):
    con = new_store(tmp_path)
    compiled = compile_file(RULES / "yangtze_han.rule")
    prepare_run(con, compiled, date(2018, 1, 1), date(2018, 1, 1), AS_OF)
    for rule in compiled.rules:
        types = {row[0]: row[1] for row in con.execute(f"DESCRIBE {rule.sql}").fetchall()}
        assert types["amount"] == "DECIMAL(18,2)"
        assert types["period_start"] == "DATE" and types["trace"] == "JSON"
    param_types = dict(con.execute("DESCRIBE ev_param_values").fetchall()[i][:2] for i in range(8))
    assert param_types["num"] == "DECIMAL(38,12)"


def test_rule_text_cannot_inject_sql(tmp_path):
    evil = "'); DROP TABLE samples; --"
    source = (
        (RULES / "daoguan.rule")
        .read_text(encoding="utf-8")
        .replace("优于Ⅲ类，新洲区向团风县补偿", evil)
    )
    path = tmp_path / "evil.rule"
    path.write_text(source, encoding="utf-8")
    con = new_store(tmp_path)
    add_section(con, "dg", "daoguan", party="tuanfeng")
    values(con, "dg", date(2021, 3, 5), {"COD": "14.0", "NH3N": "0.40"})
    rows = run_rules(con, path, date(2021, 1, 1), date(2021, 12, 1))
    assert json.loads(rows[0]["trace"])["branch_label"] == evil
    assert con.execute("SELECT count(*) FROM samples").fetchall()[0][0] == 2


def test_parameter_values_from_text():
    assert parse_value_text("500万").num == D("5000000")
    assert parse_value_text("10%").num == D("0.1")
    assert parse_value_text("III").num == 3 and parse_value_text("劣Ⅴ").num == 6
    assert parse_value_text("[COD, TP]").lst == ("COD", "TP")
    assert parse_value_text("1.5万元/t").num == D("0.015")  # yuan per gram


def test_overlay_validation_messages():
    compiled: CompiledScheme = compile_file(RULES / "tongshun.rule")
    params = compiled.params_by_name
    assert validate_overlay(params, {"annual_amount": "500万"})["annual_amount"].num == D(5000000)
    with pytest.raises(EcocompError, match="不存在"):
        validate_overlay(params, {"anual_amount": "500万"})
    with pytest.raises(EcocompError, match="应为金额"):
        validate_overlay(params, {"annual_amount": "10%"})
    with pytest.raises(EcocompError, match="只能取 per_section | all_sections"):
        validate_overlay(params, {"judge": "some"})
    daoguan = compile_file(RULES / "daoguan.rule").params_by_name
    with pytest.raises(EcocompError, match="negotiable"):
        validate_overlay(daoguan, {"indicators": "[COD]"})


def test_compiled_scheme_header_and_dated_parameters():
    compiled = compile_file(RULES / "tongshun.rule")
    assert compiled.span_start == date(2022, 6, 1) and compiled.period == "month"
    annual = compiled.parameter("annual_amount")
    assert annual.negotiable and annual.versions[0].value.num == D(3000000)
    assert annual.versions[0].start == date(2022, 6, 1) and annual.versions[0].assumption
    assert compiled.parameter("judge").variants == ["per_section", "all_sections"]
    assert [r.id for r in compiled.rules] == ["monthly_share"]


def test_syntax_error_is_a_rule_error_with_location():
    with pytest.raises(RuleError) as err:
        parse_text('scheme x "t"\n  period montly\n', "x.rule")
    assert "x.rule:2:10" in str(err.value) and "“montly”" in str(err.value)
