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
