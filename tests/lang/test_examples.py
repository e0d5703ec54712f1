"""Each pattern P1–P8 run on a small real DuckDB file; amounts worked out by hand in each test."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

from helpers import RULES, add_sample, add_section, new_store, run_rules

EX = RULES / "examples"


def by_section(rows: list[dict], rule: str) -> dict:
    return {r["section_id"]: r for r in rows if r["rule"] == rule}


def month_values(con, section: str, day: date, values: dict[str, str], flag: str | None = None):
    for ind, v in values.items():
        add_sample(con, section, day, ind, v, flag)


def test_p1_relative_index_bands_exceptions_and_endpoints(tmp_path):
    con = new_store(tmp_path)
    add_section(con, "ctl", "p1_example", role="control")
    for sid, party in [
        ("a", "hanyang"),
        ("b", "wuchang"),
        ("c", "qingshan"),
        ("d", "jiangan"),
        ("e", "hongshan"),
    ]:
        add_section(con, sid, "p1_example", party=party, control="ctl")
    jan = date(2020, 1, 6)
    month_values(con, "ctl", jan, {"COD": "20.0", "NH3N": "1.00"})  # CPI 1
    month_values(con, "a", jan, {"COD": "18.0", "NH3N": "0.90"})  # CPI 0.9: r = -10% exactly
    month_values(con, "b", jan, {"COD": "24.0", "NH3N": "1.00"})  # CPI 1.1: r = +10% exactly
    month_values(con, "c", jan, {"NH3N": "1.00"})
    add_sample(con, "c", jan, "COD", None, "no_flow")
    month_values(con, "d", jan, {"COD": "18.0"})  # NH3N missing
    month_values(con, "e", jan, {"COD": "10.0", "NH3N": "0.50"})  # CPI 0.5: r = -50%
    rows = by_section(
        run_rules(con, EX / "p1_relative_index.rule", date(2020, 1, 1), date(2020, 1, 1)),
        "band_rule",
    )
    assert (rows["a"]["payer"], rows["a"]["payee"], rows["a"]["amount"]) == (
        "city_treasury",
        "hanyang",
        D("500000.00"),
    )
    assert rows["a"]["branch"] == "[-band, 0]"
    assert (rows["b"]["payer"], rows["b"]["payee"], rows["b"]["amount"]) == (
        "wuchang",
        "city_treasury",
        D("500000.00"),
    )
    assert rows["b"]["branch"] == "(0, band]"
    assert rows["c"]["amount"] == 0 and rows["c"]["exception"] == "断流、结冰不考核"
    assert rows["c"]["reason"] == "断流"
    assert rows["d"]["amount"] == 0 and rows["d"]["exception"] == "监测数据缺失"
    assert rows["e"]["amount"] == D("1000000.00") and rows["e"]["payee"] == "hongshan"


def test_p2_target_bet_split_veto_neutral_band_and_yearly_cap(tmp_path):
    con = new_store(tmp_path)
    add_section(con, "s1", "p2_example")
    good = {"COD": "15.0", "NH3N": "0.40", "TP": "0.080"}  # class II
    plan = {
        1: good,
        2: {"COD": "18.0", "NH3N": "0.80", "TP": "0.150"},
        3: good,
        4: {"COD": "25.0", "NH3N": "0.40", "TP": "0.080"},  # IV: neutral
        5: {"COD": "15.0", "NH3N": "2.50", "TP": "0.080"},  # 劣Ⅴ
        6: good,
        7: good,
    }
    for m, values in plan.items():
        month_values(con, "s1", date(2020, m, 3), values)
    add_sample(con, "s1", date(2020, 3, 4), "TP", "0.080", "incident")
    rows = run_rules(con, EX / "p2_target_class_bet.rule", date(2020, 1, 1), date(2020, 7, 1))
    lines = {(r["period_start"].month, r["payer"], r["payee"]): r["amount"] for r in rows}
    half = D("2500000.00")
    # running total: +500, +1000, veto (0), neutral (0), -500 → 500, +500 → 1000, +500 capped → 0
    assert lines[(1, "downstream", "upstream_left")] == half
    assert lines[(1, "downstream", "upstream_right")] == half
    assert lines[(2, "downstream", "upstream_left")] == half
    assert lines[(3, "downstream", "upstream_left")] == 0
    assert next(r for r in rows if r["period_start"].month == 3)["exception"] == "重大事件否决奖励"
    assert lines[(4, "downstream", "upstream_left")] == 0
    assert lines[(5, "upstream_left", "downstream")] == half
    assert lines[(5, "upstream_right", "downstream")] == half
    assert lines[(6, "downstream", "upstream_right")] == half
    assert lines[(7, "downstream", "upstream_right")] == 0
    net = sum(r["amount"] if r["payer"] == "downstream" else -r["amount"] for r in rows)
    assert net == D("10000000.00")  # the yearly cap, 1000万


def test_p3_class_steps_with_inflow_relief_and_multiplier(tmp_path):
    con = new_store(tmp_path)
    add_section(con, "ctl", "p3_example", role="control")
    for sid in "abcd":
        add_section(con, sid, "p3_example", party=f"district_{sid}", control="ctl")
    jan = date(2020, 1, 8)
    month_values(con, "ctl", jan, {"COD": "25.0", "NH3N": "0.50", "TP": "0.100"})  # IV
    month_values(con, "a", jan, {"COD": "35.0", "NH3N": "0.50", "TP": "0.100"})  # V: 2 steps
    month_values(con, "b", jan, {"COD": "25.0", "NH3N": "0.50", "TP": "0.100"})  # IV, = inflow
    month_values(con, "c", jan, {"COD": "45.0", "NH3N": "0.50", "TP": "0.100"})  # 劣Ⅴ: 3 steps
    month_values(con, "d", jan, {"COD": "18.0", "NH3N": "0.50", "TP": "0.100"})  # III
    rows = by_section(
        run_rules(con, EX / "p3_class_steps.rule", date(2020, 1, 1), date(2020, 1, 1)),
        "class_steps",
    )
    assert rows["a"]["amount"] == D("600000.00")  # 2 × 30万 (worse than inflow)
    assert (rows["a"]["payer"], rows["a"]["payee"]) == ("district_a", "city_treasury")
    assert rows["b"]["amount"] == D("150000.00")  # 1 × 15万 (no worse than inflow)
    assert rows["c"]["amount"] == D("1800000.00")  # 3 × 30万 × 2 (劣Ⅴ)
    assert rows["c"]["exception"] == "劣Ⅴ类加倍"
    assert rows["d"]["amount"] == 0 and rows["d"]["reason"] == "达到目标"


def test_p4_exceedance_steps_bands_highest_sample_and_runs(tmp_path):
    con = new_store(tmp_path)
    for sid in "abc":
        add_section(con, sid, "p4_example", party=f"d_{sid}")
    add_sample(con, "a", date(2020, 1, 5), "COD", "30.0")
    add_sample(con, "a", date(2020, 1, 20), "COD", "40.0")  # mean 35.0, highest 40.0
    add_sample(con, "a", date(2020, 1, 5), "NH3N", "4.00")
    add_sample(con, "b", date(2020, 1, 5), "COD", "19.0")
    add_sample(con, "b", date(2020, 1, 20), "COD", "21.0")  # mean 20.0, highest 21.0
    add_sample(con, "b", date(2020, 1, 5), "NH3N", "1.10")
    exceeding = {1, 2, 3, 5, 6, 7, 8, 9, 10, 11}  # runs: 1–3 (3 days), 5–9... see below
    for day in range(1, 12):
        value = "1.50" if day in exceeding and day != 4 else "0.50"
        for hour in (0, 4, 8, 12):
            add_sample(con, "c", datetime(2020, 1, day, hour), "NH3N", value, source="auto")
    rows = run_rules(con, EX / "p4_exceedance.rule", date(2020, 1, 1), date(2020, 1, 1))
    steps, bands, runs = (by_section(rows, r) for r in ("steps", "bands", "runs_rule"))
    # a: COD x = (35-20)/20 = 0.75 → 2 steps = 100万; NH3N x = 3 → 6 steps = 300万 (the cap)
    assert steps["a"]["amount"] == D("4000000.00")
    # b: COD x = 0; NH3N x = 0.1 → 1 step = 50万
    assert steps["b"]["amount"] == D("500000.00")
    assert steps["c"]["amount"] == 0 and steps["c"]["reason"] == "数据缺失"
    # highest COD sample: a 40 → x = 1.0 → 300万; b 21 → x = 0.05 → 50万
    assert bands["a"]["amount"] == D("3000000.00") and bands["a"]["branch"] == "(0.5, ..)"
    assert bands["b"]["amount"] == D("500000.00") and bands["b"]["branch"] == "(0, 0.2]"
    # c: days 1–3 and 5–11 exceed class III: two runs of ≥ 3 days → 2 × 10万
    assert runs["c"]["amount"] == D("200000.00")
    assert runs["a"]["amount"] == 0


def test_p5_flux_with_monthly_flow(tmp_path):
    con = new_store(tmp_path)
    add_section(con, "a", "p5_example", party="up")
    add_section(con, "b", "p5_example", party="up_b")
    month_values(con, "a", date(2020, 1, 9), {"CODMn": "7.0", "NH3N": "1.20", "FLOW": "10.000"})
    month_values(con, "b", date(2020, 1, 9), {"CODMn": "5.0", "NH3N": "0.80", "FLOW": "10.000"})
    rows = by_section(
        run_rules(con, EX / "p5_flux.rule", date(2020, 1, 1), date(2020, 1, 1)), "flux"
    )
    volume = 10 * 31 * 86400  # m³ in January
    codmn = D(1) * volume * D("15000") / 1000000  # (7−6) g/m³ × m³ = g; 1.5万元/t
    nh3n = D("0.2") * volume * D("100000") / 1000000
    assert codmn + nh3n == D("937440")
    assert rows["a"]["amount"] == D("937440.00")
    assert (rows["a"]["payer"], rows["a"]["payee"]) == ("up", "downstream")
    assert rows["b"]["amount"] == 0


def test_p6_signed_concentration_gap(tmp_path):
    con = new_store(tmp_path)
    add_section(con, "a", "p6_example", party="up_a")
    add_section(con, "b", "p6_example", party="up_b")
    month_values(con, "a", date(2020, 1, 9), {"COD": "27.0", "NH3N": "1.60"})
    month_values(con, "b", date(2020, 1, 9), {"COD": "33.0", "NH3N": "1.50"})
    rows = by_section(
        run_rules(con, EX / "p6_concentration_gap.rule", date(2020, 1, 1), date(2020, 1, 1)), "gap"
    )
    # a: (30 − 27) × 2万 + (1.5 − 1.6) × 30万 = 6万 − 3万
    assert (rows["a"]["payer"], rows["a"]["payee"], rows["a"]["amount"]) == (
        "downstream",
        "up_a",
        D("30000.00"),
    )
    # b: (30 − 33) × 2万 + 0 = −6万: the flow reverses
    assert (rows["b"]["payer"], rows["b"]["payee"], rows["b"]["amount"]) == (
        "up_b",
        "downstream",
        D("60000.00"),
    )


def test_p7_baseline_index_threshold_endpoint(tmp_path):
    con = new_store(tmp_path)
    add_section(con, "u", "p7_example", party="upstream")
    for year, cod, nh3n in [
        (2012, "20.0", "0.50"),
        (2013, "22.0", "0.60"),
        (2014, "24.0", "0.70"),
        (2015, "19.8", "0.66"),
        (2016, "22.0", "0.66"),
    ]:
        month_values(con, "u", date(year, 6, 1), {"COD": cod, "NH3N": nh3n})
    rows = run_rules(con, EX / "p7_baseline_index.rule", date(2015, 1, 1), date(2016, 12, 1))
    by_year = {r["period_start"].year: r for r in rows}
    # 2015: baseline COD 22, NH3N 0.6 → P = (19.8/22 + 0.66/0.6)/2 = (0.9 + 1.1)/2 = 1.0 ≤ 1
    assert (by_year[2015]["payer"], by_year[2015]["amount"]) == ("downstream", D("100000000.00"))
    # 2016: (22/22 + 0.66/0.6)/2 = 1.05 > 1 → upstream pays
    assert (by_year[2016]["payer"], by_year[2016]["payee"]) == ("upstream", "downstream")
    assert by_year[2016]["amount"] == D("100000000.00")


def test_p8_year_on_year_cap_score_pool_and_split_pools(tmp_path):
    con = new_store(tmp_path)
    for sid in "abc":
        add_section(con, sid, "p8_example", party=f"d_{sid}")
    for sid, before, after in [("a", "20.0", "18.0"), ("b", "20.0", "24.0"), ("c", "20.0", "30.0")]:
        month_values(con, sid, date(2020, 5, 1), {"COD": before, "NH3N": "0.40"})
        month_values(con, sid, date(2021, 5, 1), {"COD": after, "NH3N": "0.40"})
    rows = run_rules(con, EX / "p8_change_and_pools.rule", date(2021, 1, 1), date(2021, 12, 1))
    yoy = by_section(rows, "yoy")
    assert (yoy["a"]["payee"], yoy["a"]["amount"]) == ("d_a", D("400000.00"))  # 10 points × 4万
    assert (yoy["b"]["payer"], yoy["b"]["amount"]) == ("d_b", D("1000000.00"))  # 20 × 5万 = cap
    assert (yoy["c"]["payer"], yoy["c"]["amount"]) == ("d_c", D("1000000.00"))  # 250万 → cap
    score = by_section(rows, "by_score")
    # scores 劣Ⅴ − class: a III → 3, b IV → 2, c IV → 2; 100万 × 3/7, × 2/7, × 2/7 to the fen,
    # largest remainder: 42857142.857 / 28571428.571 / 28571428.571 fen, 2 fen left → a, then b
    assert score["a"]["amount"] == D("428571.43")
    assert score["b"]["amount"] == D("285714.29")
    assert score["c"]["amount"] == D("285714.28")
    contrib = {r["payer"]: r["amount"] for r in rows if r["rule"] == "contributions"}
    assert contrib == {
        "yunnan": D("333333.34"),
        "guizhou": D("333333.33"),
        "sichuan": D("333333.33"),
    }
    alloc = {r["payee"]: r["amount"] for r in rows if r["rule"] == "allocation"}
    assert alloc == {"yunnan": D("300000.00"), "guizhou": D("400000.00"), "sichuan": D("300000.00")}
