"""Regression tests for reported runtime defects: year-to-date values, stable traces, directions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from helpers import RULES, add_sample, add_section, new_store, run_rules


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
