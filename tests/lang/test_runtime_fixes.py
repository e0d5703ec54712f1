"""Regression tests for reported runtime defects: year-to-date values, stable traces, directions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from helpers import AS_OF, RULES, add_sample, add_section, new_store, run_rules

from compensation.lang import compile_file, prepare_run


def daoguan_quarter_iv_then_class_i(tmp_path):
    """One Daoguan section: January–March class IV, April–December class I (one sample a month)."""
    con = new_store(tmp_path)
    add_section(con, "dg", "daoguan", party="tuanfeng")
    for month in range(1, 13):
        cod, nh3n = ("25.0", "1.20") if month <= 3 else ("10.0", "0.10")
        add_sample(con, "dg", date(2022, month, 5), "COD", cod)
        add_sample(con, "dg", date(2022, month, 5), "NH3N", nh3n)
    return con


def test_year_scheme_run_for_march_uses_only_the_first_quarter(tmp_path):
    # Year to date (January–March): COD 25.0 (20 < 25 ≤ 30: class IV), NH3-N 1.20 (1.0 < 1.20 ≤
    # 1.5: class IV) → worst class IV → the IV..劣Ⅴ branch, -100万: 团风县 pays 新洲区.
    con = daoguan_quarter_iv_then_class_i(tmp_path)
    [row] = run_rules(con, RULES / "daoguan.rule", date(2022, 1, 1), date(2022, 3, 1))
    assert (row["payer"], row["payee"], row["amount"]) == ("tuanfeng", "xinzhou", D("1000000.00"))
    assert row["branch"] == "IV..劣Ⅴ"


def test_year_scheme_run_for_december_uses_the_whole_year(tmp_path):
    # Whole year: COD (3 × 25.0 + 9 × 10.0) / 12 = 165 / 12 = 13.75 → 13.8 (half to even, 1
    # decimal) ≤ 15: class I; NH3-N (3 × 1.20 + 9 × 0.10) / 12 = 4.5 / 12 = 0.375 → 0.38 (2
    # decimals), 0.15 < 0.38 ≤ 0.5: class II → worst class II → I..II: 新洲区 pays 团风县 100万.
    con = daoguan_quarter_iv_then_class_i(tmp_path)
    [row] = run_rules(con, RULES / "daoguan.rule", date(2022, 1, 1), date(2022, 12, 1))
    assert (row["payer"], row["payee"], row["amount"]) == ("xinzhou", "tuanfeng", D("1000000.00"))
    assert row["branch"] == "I..II"
    values = {
        ind: (value, klass)
        for ind, value, klass in con.execute(
            "SELECT indicator, value, class FROM ev_values WHERE kind = 'year' "
            "AND section_id = 'dg' AND period = DATE '2022-01-01'"
        ).fetchall()
    }
    assert values == {"COD": (D("13.800000"), 1), "NH3N": (D("0.380000"), 2)}


def tongshun_traces(tmp_path, name: str, order: list[str], shuffle: bool = False) -> list[str]:
    """Tongshun for June 2022 with the samples inserted in `order` (same samples, any order);
    `shuffle` rewrites ev_values in descending indicator order, as a parallel scan may give."""
    folder = tmp_path / name
    folder.mkdir()
    con = new_store(folder)
    data = {"COD": "25.0", "NH3N": "1.20", "TP": "0.250"}
    for sid in ("ts1", "ts2"):
        add_section(con, sid, "tongshun", party="xiantao")
        for ind in order:
            add_sample(con, sid, date(2022, 6, 10), ind, data[ind])
    compiled = compile_file(RULES / "tongshun.rule")
    prepare_run(con, compiled, date(2022, 6, 1), date(2022, 6, 1), AS_OF)
    if shuffle:
        con.execute(
            "CREATE TEMP TABLE shuffled AS SELECT * FROM ev_values ORDER BY indicator DESC"
        )
        con.execute("DELETE FROM ev_values")
        con.execute("INSERT INTO ev_values SELECT * FROM shuffled")
    traces = [
        r[0] for r in con.execute(f"SELECT CAST(trace AS VARCHAR) FROM ({compiled.rules[0].sql})")
        .fetchall()
    ]
    con.close()
    return traces


def test_identical_inputs_give_byte_identical_traces(tmp_path):
    first = tongshun_traces(tmp_path, "a", ["COD", "NH3N", "TP"])
    second = tongshun_traces(tmp_path, "b", ["TP", "NH3N", "COD"], shuffle=True)
    assert len(first) == 2 and first == second
    # nested maps in key order, exact text of the stored values (DECIMAL(18,6)) and classes
    assert '"values":{"COD":"25.000000","NH3N":"1.200000","TP":"0.250000"}' in first[0]
    assert '"classes":{"COD":"4","NH3N":"4","TP":"4"}' in first[0]


def test_zero_amount_keeps_the_direction_of_its_branch(tmp_path):
    # ts1 June: COD 35.0 > 30 (class V, worse than the IV target) → the else branch
    # -spread(penalty_amount) with penalty_amount 0 → 0.00, but 仙桃 is the payer of that branch.
    # ts2 June: compliant → spread(300万) over the 14 section-months of 2022-06..12:
    # 300,000,000 fen / 14 = 21,428,571 rem 6 → ts2 June (the 2nd share in order) 214285.72.
    # ts1 July: flagged 断流 → the exception `-> 0` keeps the stated direction 武汉经开区 → 仙桃.
    con = new_store(tmp_path)
    add_section(con, "ts1", "tongshun", party="xiantao")
    add_section(con, "ts2", "tongshun", party="xiantao")
    for ind, value in {"COD": "35.0", "NH3N": "1.20", "TP": "0.250"}.items():
        add_sample(con, "ts1", date(2022, 6, 10), ind, value)
        add_sample(con, "ts2", date(2022, 6, 10), ind, "25.0" if ind == "COD" else value)
        add_sample(con, "ts1", date(2022, 7, 10), ind, None, "no_flow")
    rows = run_rules(
        con,
        RULES / "tongshun.rule",
        date(2022, 6, 1),
        date(2022, 7, 1),
        {"zero": {"penalty_amount": "0元"}},
    )
    got = {
        (r["scenario"], r["section_id"], r["period_start"].month): (
            r["payer"],
            r["payee"],
            r["amount"],
        )
        for r in rows
        if r["section_id"] in ("ts1", "ts2") and r["period_start"].month in (6, 7)
    }
    assert got[("zero", "ts1", 6)] == ("xiantao", "wuhan_jkq", D("0.00"))
    assert got[("zero", "ts2", 6)] == ("wuhan_jkq", "xiantao", D("214285.72"))
    assert got[("zero", "ts1", 7)] == ("wuhan_jkq", "xiantao", D("0.00"))
    # base: penalty 300万 spread the same way → ts1 June (the 1st share) 214285.72 by 仙桃
    assert got[("base", "ts1", 6)] == ("xiantao", "wuhan_jkq", D("214285.72"))


def test_literal_zero_branch_keeps_the_stated_direction(tmp_path):
    # Daoguan class III → `-> 0` "双方互不补偿": the line reads 新洲区 → 团风县 0.00, as written.
    con = new_store(tmp_path)
    add_section(con, "dg", "daoguan", party="tuanfeng")
    add_sample(con, "dg", date(2022, 5, 5), "COD", "18.0")  # 15 < 18.0 ≤ 20: class III
    [row] = run_rules(con, RULES / "daoguan.rule", date(2022, 1, 1), date(2022, 12, 1))
    assert (row["payer"], row["payee"], row["amount"]) == ("xinzhou", "tuanfeng", D("0.00"))
    assert row["reason"] == "断面水质年度考核为Ⅲ类，双方互不补偿"


def test_unknown_if_condition_picks_no_branch(tmp_path):
    # ts2 has no sample in June: meets_target is unknown, so `if compliant then .. else ..` is
    # unknown too (as a table with a NULL subject): a 0.00 line with 数据缺失, not 仙桃's penalty.
    con = new_store(tmp_path)
    add_section(con, "ts1", "tongshun", party="xiantao")
    add_section(con, "ts2", "tongshun", party="xiantao")
    for ind, value in {"COD": "25.0", "NH3N": "1.20", "TP": "0.250"}.items():
        add_sample(con, "ts1", date(2022, 6, 10), ind, value)
    rows = {
        r["section_id"]: r
        for r in run_rules(con, RULES / "tongshun.rule", date(2022, 6, 1), date(2022, 6, 1))
    }
    assert (rows["ts2"]["amount"], rows["ts2"]["reason"]) == (D("0.00"), "数据缺失")
    assert rows["ts2"]["branch"] is None
    # ts1 is compliant: the 1st of 14 shares of 300万 (21,428,571 fen + 1 of the 6 left) 仙桃 gets
    assert (rows["ts1"]["payer"], rows["ts1"]["payee"], rows["ts1"]["amount"]) == (
        "wuhan_jkq",
        "xiantao",
        D("214285.72"),
    )


def test_all_sections_counts_only_sections_in_use_that_month(tmp_path):
    # ts_old was retired before 2022 (valid 2000-01-01..2021-12-31) and has no 2022 samples; ts1
    # and ts2 are compliant in June, so all(meets_target for s in sections) is true: 武汉经开区
    # pays 仙桃 the two June shares (1st and 2nd of 14, 214285.72 each, see above).
    con = new_store(tmp_path)
    add_section(con, "ts1", "tongshun", party="xiantao")
    add_section(con, "ts2", "tongshun", party="xiantao")
    add_section(con, "ts_old", "tongshun", party="xiantao")
    con.execute("UPDATE sections SET valid_to = DATE '2021-12-31' WHERE section_id = 'ts_old'")
    for sid in ("ts1", "ts2"):
        for ind, value in {"COD": "25.0", "NH3N": "1.20", "TP": "0.250"}.items():
            add_sample(con, sid, date(2022, 6, 10), ind, value)
    rows = run_rules(
        con,
        RULES / "tongshun.rule",
        date(2022, 6, 1),
        date(2022, 6, 1),
        {"together": {"judge": "all_sections"}},
    )
    together = [r for r in rows if r["scenario"] == "together"]
    assert [(r["section_id"], r["payer"], r["payee"], r["amount"]) for r in together] == [
        ("ts1", "wuhan_jkq", "xiantao", D("214285.72")),
        ("ts2", "wuhan_jkq", "xiantao", D("214285.72")),
    ]


def test_longer_periods_flags_are_their_months_flags_up_to_the_run(tmp_path):
    # Agreement years from June. Flags on samples of 2022-05 (year 2021-06), 2022-07 (ice),
    # 2023-02 (no_flow, on another indicator), 2023-03 (ice again) and 2023-04 (fault, after the
    # run's last month). A run of 2022-06..2023-03 reads values from January 2022 on, so:
    # year 2022-06: ice, no_flow (sorted, once each; April's fault is not seen yet); the year
    # 2021-06 starts before January 2022 and has no row, as the samples' own question gave none.
    con = new_store(tmp_path)
    add_section(con, "dg", "daoguan_agreement_year", party="tuanfeng")
    for when, ind, flag in ((date(2022, 5, 5), "COD", "ice"), (date(2022, 7, 5), "COD", "ice"),
                            (date(2023, 2, 5), "NH3N", "no_flow"),
                            (date(2023, 3, 5), "COD", "ice"), (date(2023, 4, 5), "COD", "fault")):
        add_sample(con, "dg", when, ind, "10.0", flag)
    compiled = compile_file(RULES / "examples" / "daoguan_agreement_year.rule")
    prepare_run(con, compiled, date(2022, 6, 1), date(2023, 3, 1), AS_OF)
    flags = con.execute(
        "SELECT section_id, period, flags FROM ev_flags WHERE kind = 'year' ORDER BY period"
    ).fetchall()
    assert flags == [("dg", date(2022, 6, 1), ["ice", "no_flow"])]
    # the months themselves are all there (the year is made from them)
    months = con.execute(
        "SELECT period, flags FROM ev_flags WHERE kind = 'month' ORDER BY period"
    ).fetchall()
    assert [m for m, _ in months] == [date(2022, 5, 1), date(2022, 7, 1), date(2023, 2, 1),
                                      date(2023, 3, 1), date(2023, 4, 1)]
