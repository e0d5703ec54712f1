"""compare: nets worked out by hand on the small store, stacking order, the demo record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from scenario_support import AS_OF, read_only, write_scenario

from compensation.scenario import compare

# 2 sections × 12 months = 24 section-months in 2023. With 300万 a share is 3,000,000 / 24 =
# 125,000.00 exactly. Ⅳ target: 2 failures (A-03 NH3N Ⅴ, B-07 TP Ⅴ); Ⅲ target adds B-05 (COD Ⅳ).
SHARE = Decimal("125000.00")


def test_base_and_shipped_scenarios_by_hand(con) -> None:
    c = compare(con, "tongshun", "base",
                ["target_iii", "all_sections", "asymmetric", "proration"], "2023", as_of=AS_OF)
    assert c.direction.first == "wuhan_jkq" and c.direction.second == "xiantao"
    y = c.yearly[2023]
    assert y["base"] == 22 * SHARE - 2 * SHARE == Decimal("2500000.00")
    assert y["target_iii"] == 21 * SHARE - 3 * SHARE == Decimal("2250000.00")
    # all_sections: March and July fail as a whole → 4 failing section-months.
    assert y["all_sections"] == 20 * SHARE - 4 * SHARE
    # asymmetric: penalty 150万 → 62,500.00 a section-month.
    assert y["asymmetric"] == 22 * SHARE - 2 * Decimal("62500.00") == Decimal("2625000.00")
    # proration: penalty 0 → Wuhan pays 300万 × 22/24.
    assert y["proration"] == Decimal(3000000) * 22 / 24 == Decimal("2750000.00")
    assert c.diff("target_iii", 2023) == Decimal("-250000.00")
    assert c.totals["base"] == Decimal("2500000.00")


def test_largest_remainder_shares_with_500(con) -> None:
    """500万 / 24 = 208,333.33 r 8 fen: the first 8 rows (Jan–Apr, A then B) get a fen more.
    Compliant rows with the extra fen: 7 (Mar A failed); failing rows with it: 1 (Mar A)."""
    c = compare(con, "tongshun", "base", ["amount_500", "target_iii+amount_500"], "2023",
                as_of=AS_OF)
    fen = 20833333
    assert c.yearly[2023]["amount_500"] == Decimal(22 * fen + 7 - (2 * fen + 1)) / 100
    # Ⅲ target: May B also fails (not among the first 8 rows).
    assert c.yearly[2023]["target_iii+amount_500"] == Decimal(21 * fen + 7 - (3 * fen + 1)) / 100
    assert c.yearly[2023]["target_iii+amount_500"] == Decimal("3750000.00")


def test_monthly_nets_and_reasons(con) -> None:
    c = compare(con, "tongshun", "base", ["target_iii"], "2023", as_of=AS_OF)
    months = {m.month: m for m in c.monthly}
    assert len(months) == 12
    march, may, july = months[date(2023, 3, 1)], months[date(2023, 5, 1)], months[date(2023, 7, 1)]
    assert march.nets["base"] == Decimal("0.00")  # A pays back its share, B earns one
    assert march.reasons["base"] == "断面甲：氨氮Ⅴ类（目标Ⅳ类）"
    assert may.nets["base"] == 2 * SHARE and may.reasons["base"] == "各断面均达标"
    assert may.nets["target_iii"] == Decimal("0.00")
    assert may.reasons["target_iii"] == "断面乙：化学需氧量Ⅳ类（目标Ⅲ类）"
    assert july.reasons["base"] == "断面乙：总磷Ⅴ类（目标Ⅳ类）"
    assert sum(m.nets["base"] for m in c.monthly) == c.yearly[2023]["base"]


def test_stacking_later_file_wins(con, tmp_path) -> None:
    folder = tmp_path / "scn"
    write_scenario(folder, "a", 'description = "甲"\n[parameters]\nannual_amount = "600万"\n'
                                'penalty_amount = "600万"\n')
    write_scenario(folder, "b", 'description = "乙"\n[parameters]\nannual_amount = "120万"\n')
    c = compare(con, "tongshun", "base", ["a+b", "b+a"], "2023", as_of=AS_OF,
                scenarios_dir=folder)
    names = [s.name for s in c.scenarios]
    assert names == ["base", "a+b", "b+a"]
    # a+b: reward 120万 (b wins) = 50,000 a share; penalty 600万 (from a) = 250,000 a share.
    assert c.yearly[2023]["a+b"] == 22 * Decimal("50000") - 2 * Decimal("250000")
    # b+a: a wins on both → 600万 symmetric.
    assert c.yearly[2023]["b+a"] == 20 * Decimal("250000")
    assert c.scenarios[1].overrides == {"annual_amount": "120万", "penalty_amount": "600万"}


def test_demo_record_2022_wuhan_pays_300(demo_2022_db) -> None:
    """The published result: June–December 2022 compliant, Wuhan pays Xiantao exactly 300万."""
    connection = read_only(demo_2022_db)
    try:
        c = compare(connection, "tongshun", "base", ["amount_500"], "2022")
    finally:
        connection.close()
    assert c.yearly[2022]["base"] == Decimal("3000000.00")
    assert c.yearly[2022]["amount_500"] == Decimal("5000000.00")
    assert [m.month.month for m in c.monthly] == [6, 7, 8, 9, 10, 11, 12]
    assert all(m.reasons["base"] == "各断面均达标" for m in c.monthly)


def test_nothing_written_to_the_ledger(small_db) -> None:
    connection = read_only(small_db)
    try:
        compare(connection, "tongshun", "base", ["target_iii"], "2023", as_of=AS_OF)
        assert connection.execute("SELECT count(*) FROM ledger").fetchall() == [(0,)]
        assert connection.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
    finally:
        connection.close()


def test_agreement_years_are_named_with_their_months(demo_build, tmp_path, ecocomp) -> None:
    """The June–May example scheme of the demo: compare names each year by its months (the
    agreement year beginning in 2022 is 2022-06～2023-05), in the terminal and the workbook. By the
    rule, a section better than Ⅲ for the year earns annual_amount: 100万 in the rule file, 200万
    in the scenario, so the scenario's net is exactly twice the base's."""
    import os
    import subprocess

    import openpyxl

    assert demo_build.returncode == 0, demo_build.stderr
    (tmp_path / "a200.toml").write_text(
        'title = "年度金额200万元"\ndescription = "年度金额200万元"\n'
        'scheme = "daoguan_agreement_year"\n\n[parameters]\nannual_amount = "200万"\n',
        encoding="utf-8")
    rules = Path(__file__).resolve().parents[2] / "rules" / "examples"
    env = {**os.environ, "ECOCOMP_DB": str(demo_build.db), "ECOCOMP_RULES": str(rules)}
    done = subprocess.run(
        [ecocomp, "scenario", "compare", "base", "a200.toml", "--scheme",
         "daoguan_agreement_year", "--years", "2022-2023", "--out", "c.xlsx"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    shown = subprocess.run(
        [ecocomp, "scenario", "compare", "base", "a200.toml", "--scheme",
         "daoguan_agreement_year", "--years", "2022-2023"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False).stdout
    assert ("2022 协议年（2022-06～2023-05）：base 100.00；a200 200.00（较基准 +100.00）"
            in shown.splitlines())
    assert ("2023 协议年（2023-06～2024-05）：base 100.00；a200 200.00（较基准 +100.00）"
            in shown.splitlines())
    sheet = openpyxl.load_workbook(tmp_path / "c.xlsx")["年度净额"]
    assert [sheet.cell(r, 1).value for r in (2, 3, 4)] == [
        "2022 协议年（2022-06～2023-05）", "2023 协议年（2023-06～2024-05）", "合计"]
