"""sweep and break-even on the small store: grid nets and the break-even value worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from scenario_support import AS_OF, REPO

from compensation.errors import EcocompError
from compensation.scenario import sweep

PENALTY_SHARE = Decimal("125000.00")  # 300万 / 24 section-months


def test_grid_is_the_cartesian_product_with_hand_nets(con) -> None:
    r = sweep(con, "tongshun", ["annual_amount=100万..300万/100万", "target=III,IV"], "2023",
              as_of=AS_OF)
    assert [row.name for row in r.rows] == [
        "annual_amount=100万,target=Ⅲ", "annual_amount=100万,target=Ⅳ",
        "annual_amount=200万,target=Ⅲ", "annual_amount=200万,target=Ⅳ",
        "annual_amount=300万,target=Ⅲ", "annual_amount=300万,target=Ⅳ",
    ]
    nets = {row.name: row.total for row in r.rows}
    # 100万 / 24 = 41,666.66 r 16 fen → rows 1..16 (Jan A … Aug B) get one more fen.
    # Ⅳ: failing A-03 and B-07 are both among them, so compliant extras = 14.
    assert nets["annual_amount=100万,target=Ⅳ"] == (
        Decimal(22 * 4166666 + 14) / 100 - 2 * PENALTY_SHARE) == Decimal("666666.66")
    # Ⅲ: B-05 fails too (row 10, also among the 16) → compliant extras 13.
    assert nets["annual_amount=100万,target=Ⅲ"] == (
        Decimal(21 * 4166666 + 13) / 100 - 3 * PENALTY_SHARE)
    # 300万 is the base; 200万 / 24 = 83,333.33 r 8 → rows 1..8: compliant extras 7.
    assert nets["annual_amount=300万,target=Ⅳ"] == r.base.total == Decimal("2500000.00")
    assert nets["annual_amount=200万,target=Ⅳ"] == (
        Decimal(22 * 8333333 + 7) / 100 - 2 * PENALTY_SHARE)


def test_break_even_in_yuan(con) -> None:
    """net(A) = 22·A/24 − 250,000 → A ≈ 272,727.27. Per fen, with largest remainder:
    A = 272,727.28: 27,272,728 fen / 24 = 1,136,363 r 16 → compliant get 22 × 1,136,363 + 14
    = 25,000,000 fen = exactly the 2 × 125,000.00 owed back: net 0.00."""
    r = sweep(con, "tongshun", ["annual_amount=0万..300万/100万", "target=IV"], "2023",
              as_of=AS_OF, break_even_param="annual_amount")
    (b,) = r.break_even
    assert b.value == Decimal("272727.28")
    assert b.net_at_value == Decimal("0.00")
    assert abs(22 * b.value / 24 - 250000) < Decimal("0.01")
    assert b.fixed == {"target": "Ⅳ"}


def test_break_even_absent_in_range_is_said(con) -> None:
    r = sweep(con, "tongshun", ["annual_amount=100万..300万/100万"], "2023", as_of=AS_OF,
              break_even_param="annual_amount")
    (b,) = r.break_even
    assert b.value is None and "净额不变号" in b.message


def test_sweep_on_a_scenario_and_mapping_grid(con) -> None:
    """Grid laid over proration (penalty 0): net = A × 22/24 for each A."""
    r = sweep(con, "tongshun", {"annual_amount": ["240万", "480万"]}, [2023], on="proration",
              as_of=AS_OF)
    assert [row.total for row in r.rows] == [Decimal("2200000.00"), Decimal("4400000.00")]


@pytest.mark.parametrize(("spec", "words"), [
    ("annual_amount=100万..600万", "起点..终点/步长"),
    ("annual_amount=100万..600万/5%", "步长“5%”的单位应与参数相同"),
    ("annual_amount=600万..100万/50万", "终点小于起点"),
    ("annual_amount=100万..600万/0万", "步长应大于 0"),
    ("target=III,500万", "参数“target”应为水质类别"),
    ("nonsense=1", "参数“nonsense”在规则中不存在"),
    ("target", "应写成 参数=取值"),
    ("judge=per_section,everyone", "只能取 per_section | all_sections"),
])
def test_bad_param_specs(con, spec: str, words: str) -> None:
    with pytest.raises(EcocompError) as err:
        sweep(con, "tongshun", [spec], "2023", as_of=AS_OF)
    assert words in str(err.value)
    assert f"--param {spec}" in str(err.value) or "--param" in str(err.value)


def test_break_even_needs_a_swept_number(con) -> None:
    with pytest.raises(EcocompError) as err:
        sweep(con, "tongshun", ["target=III,IV"], "2023", as_of=AS_OF, break_even_param="target")
    assert "--break-even target" in str(err.value)


def test_sweep_works_for_another_scheme(con) -> None:
    """daoguan has no sections in this store: every scenario nets 0, but the grid runs."""
    r = sweep(con, "daoguan", ["annual_amount=50万,150万"], "2023", as_of=AS_OF)
    assert [row.total for row in r.rows] == [Decimal("0.00"), Decimal("0.00")]


def test_shared_spread_equals_the_windows_per_scenario(con, monkeypatch) -> None:
    """The spread of `annual_amount` runs once per distinct value and year (one representative
    scenario) and is joined back; compiled the old way (every scenario's own windows), the same
    lines, fen for fen. Scenarios 1 and 2 share 100万 (and the spread); 3 has the base 300万."""
    from compensation.lang import prepare_run
    from compensation.lang.compile import RuleBuilder
    from compensation.lang.scheme import compile_uncached

    rule_file = REPO / "rules" / "tongshun.rule"
    shared = compile_uncached(rule_file).rules[0].amounts_sql
    monkeypatch.setattr(RuleBuilder, "grid_reads", lambda self, *exprs: None)
    windows = compile_uncached(rule_file).rules[0].amounts_sql
    assert "sp12_rep" in shared and "sp12_rep" not in windows
    prepare_run(con, compile_uncached(rule_file), date(2023, 1, 1), date(2023, 12, 1), AS_OF,
                scenarios={"a": {"annual_amount": "100万", "target": "III"},
                           "b": {"annual_amount": "100万"},
                           "c": {"penalty_amount": "50万"}})
    cols = "scenario, period_start, section_id, payer, payee, amount, branch, exception, reason"
    lines = [con.execute(f"SELECT {cols} FROM ({q}) ORDER BY ALL").fetchall()
             for q in (shared, windows)]
    assert lines[0] == lines[1]
    assert len({row[0] for row in lines[0]}) == 4  # base, a, b, c
    # b: 100万 over 24 section-months, 22 compliant (see the first test): 666,666.66 net
    net_b = sum((r[5] if r[3] == "wuhan_jkq" else -r[5]) for r in lines[0] if r[0] == "b")
    assert net_b == Decimal("666666.66")
