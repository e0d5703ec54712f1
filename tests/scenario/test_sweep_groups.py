"""A sweep whose axes act on the nets apart is evaluated from each axis's variations of one grid
point (separable.py, grouped.py): every grid point's nets must be those of a plain one-scenario
run of that point, and two are worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from scenario_support import AS_OF, REPO

from compensation.lang import compile_file
from compensation.lang.parse import parse_file, parse_text
from compensation.scenario import sweep
from compensation.scenario.evaluate import direction_of, yearly_nets
from compensation.scenario.separable import groups_in, param_groups

GRID = ["annual_amount=100万..200万/100万", "penalty_amount=100万,240万,250万"]


def test_every_grid_point_equals_its_own_one_scenario_run(con) -> None:
    r = sweep(con, "tongshun", GRID, "2023", as_of=AS_OF)
    # the query held base + anchor (100万, 100万) + (200万, 100万) + (100万, 240万), (100万, 250万)
    assert con.execute("SELECT count(*) FROM ev_scenarios").fetchall() == [(5,)]
    compiled = compile_file(REPO / "rules" / "tongshun.rule")
    direction = direction_of(con, compiled)
    assert len(r.rows) == 6
    for row in r.rows:
        annual, penalty = row.labels["annual_amount"], row.labels["penalty_amount"]
        overlay = {"annual_amount": annual, "penalty_amount": penalty}
        plain = yearly_nets(con, compiled, direction, date(2023, 1, 1), date(2023, 12, 1),
                            [("one", overlay)], AS_OF)["one"]
        assert row.yearly == plain, row.name


def test_two_grid_points_by_hand(con) -> None:
    """2023, target Ⅳ: 24 section-months in order (Jan A, Jan B, …); A-03 (row 5) and B-07
    (row 14) fail, 22 comply. A share is the amount in fen // 24, the remainder's fens going to
    rows 1..r (equal weights: ties broken by month, then section).
    - (100万, 250万): 100,000,000 fen / 24 = 4,166,666 r 16: the 22 compliant
      rows get 22 × 4,166,666 + 14 (rows 1..16 less rows 5 and 14) = 91,666,666 fen; the
      penalty 250,000,000 / 24 = 10,416,666 r 16, rows 5 and 14 both among the 16: 2 ×
      10,416,667 = 20,833,334 fen. Net 916,666.66 − 208,333.34 = 708,333.32.
    - (200万, 240万): 200,000,000 / 24 = 8,333,333 r 8: 22 × 8,333,333 + 7 (rows 1..8 less
      row 5) = 183,333,333 fen; 240,000,000 / 24 = 10,000,000 exactly: 2 × 100,000.00. Net
      1,833,333.33 − 200,000.00 = 1,633,333.33."""
    r = sweep(con, "tongshun", GRID, "2023", as_of=AS_OF)
    nets = {row.name: row.yearly for row in r.rows}
    assert nets["annual_amount=100万,penalty_amount=250万"] == {2023: Decimal("708333.32")}
    assert nets["annual_amount=200万,penalty_amount=240万"] == {2023: Decimal("1633333.33")}


def test_a_condition_parameter_keeps_the_whole_grid_in_the_query(con) -> None:
    """target decides the branch, so it acts with both amounts: no grouping (all 8 points)."""
    r = sweep(con, "tongshun", [*GRID[:1], "penalty_amount=100万,250万", "target=III,IV"],
              "2023", as_of=AS_OF)
    assert con.execute("SELECT count(*) FROM ev_scenarios").fetchall() == [(9,)]
    nets = {row.name: row.total for row in r.rows}
    # Ⅲ: B-05 (row 10) fails too; 100万: compliant extras 16 − 3 = 13; penalty 250万 on rows 5,
    # 10, 14, all among the first 16: 3 × 10,416,667 fen.
    assert nets["annual_amount=100万,penalty_amount=250万,target=Ⅲ"] == (
        Decimal(21 * 4166666 + 13) / 100 - Decimal(3 * 10416667) / 100)


@pytest.mark.parametrize(("rule", "names", "groups"), [
    ("tongshun.rule", ["annual_amount", "penalty_amount"], [["annual_amount"], ["penalty_amount"]]),
    ("tongshun.rule", ["annual_amount", "penalty_amount", "judge"],
     [["annual_amount", "penalty_amount", "judge"]]),
    ("tongshun.rule", ["annual_amount", "indicators"], [["annual_amount", "indicators"]]),
    ("yangtze_han.rule", ["band", "reward_hold"], [["band", "reward_hold"]]),
    ("yangtze_han.rule", ["reward_hold", "penalty_large", "class_decline_penalty"],
     [["reward_hold"], ["penalty_large"], ["class_decline_penalty"]]),
    ("examples/tongshun_all_or_nothing.rule", ["annual_amount", "penalty_amount"],
     [["annual_amount"], ["penalty_amount"]]),
    # a cap clips the year's total: everything the rule reads acts together
    ("examples/p2_target_class_bet.rule", ["amount_each", "yearly_cap"],
     [["amount_each", "yearly_cap"]]),
])
def test_groups_of_the_shipped_rules(rule: str, names: list[str], groups: list[list[str]]) -> None:
    assert groups_in(parse_file(REPO / "rules" / rule), names) == groups


def test_an_exception_reading_amount_joins_its_reads() -> None:
    """`-> amount * k`: the exception's value reads both branch values and k."""
    text = (REPO / "rules" / "tongshun.rule").read_text(encoding="utf-8")
    text = text.replace('  except "断流、结冰不考核" when flagged(no_flow, ice) -> 0',
                        '  except "断流、结冰不考核" when flagged(no_flow, ice) -> amount * 2')
    rf = parse_text(text, "t.rule")
    assert groups_in(rf, ["annual_amount", "penalty_amount"]) == [
        ["annual_amount", "penalty_amount"]]


def test_a_changed_rule_file_is_not_read_again(tmp_path) -> None:
    """The cached compile has no tree; a file edited since is not trusted: one group."""
    path = tmp_path / "tongshun.rule"
    path.write_bytes((REPO / "rules" / "tongshun.rule").read_bytes())
    compiled = compile_file(path)
    assert param_groups(compiled, ["annual_amount", "penalty_amount"]) == [
        ["annual_amount"], ["penalty_amount"]]
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert param_groups(compiled, ["annual_amount", "penalty_amount"]) == [
        ["annual_amount", "penalty_amount"]]


def test_three_groups_on_the_demo_yangtze_han_year(demo_2022_db) -> None:
    """The CPI rule's reward_hold and penalty_large are values of different `by r:` branches and
    class_decline_penalty belongs to the second rule; band (the branches' bounds) is not swept, so
    three groups: the query holds base, the anchor and one variation per group. Every point equals
    its own one-scenario run."""
    import duckdb

    con = duckdb.connect(str(demo_2022_db), read_only=True)
    grid = ["reward_hold=40万,60万", "penalty_large=100万,300万", "class_decline_penalty=0万,100万"]
    r = sweep(con, "yangtze_han", grid, "2022", as_of=AS_OF)
    assert con.execute("SELECT count(*) FROM ev_scenarios").fetchall() == [(5,)]
    compiled = compile_file(REPO / "rules" / "yangtze_han.rule")
    direction = direction_of(con, compiled)
    totals = set()
    for row in r.rows:
        plain = yearly_nets(con, compiled, direction, date(2022, 1, 1), date(2022, 12, 1),
                            [("one", dict(zip(["reward_hold", "penalty_large",
                                                "class_decline_penalty"],
                                               row.labels.values(), strict=True)))], AS_OF)
        assert row.yearly == plain["one"], row.name
        totals.add(row.total)
    con.close()
    assert len(totals) == 8  # every parameter moves the net: the check is not vacuous
