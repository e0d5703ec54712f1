"""risk: the seeded year-block bootstrap compared with an independent computation."""

from __future__ import annotations

import random
import statistics
from decimal import ROUND_HALF_UP, Decimal

import pytest
from scenario_support import AS_OF, read_only

from compensation.errors import EcocompError
from compensation.scenario import risk

# Two complete history years. 2022: all 24 section-months compliant → Wuhan pays 300万 under any
# target (class Ⅲ water). 2023: as in test_compare: base 250万, target Ⅲ 225万, proration 275万.
HISTORY = {
    "base": {2022: Decimal("3000000.00"), 2023: Decimal("2500000.00")},
    "target_iii": {2022: Decimal("3000000.00"), 2023: Decimal("2250000.00")},
    "proration": {2022: Decimal("3000000.00"), 2023: Decimal("2750000.00")},
}


def _independent(per_year: dict[int, Decimal], ahead: int, draws: int, seed: int):
    years = sorted(per_year)
    rng = random.Random(seed)
    totals = []
    for _ in range(draws):
        totals.append(sum(per_year[years[rng.randrange(len(years))]] for _ in range(ahead)))
    cuts = statistics.quantiles(totals, n=20, method="inclusive")  # type 7: 5%, ..., 95%
    cent = Decimal("0.01")
    return (
        (sum(totals) / len(totals)).quantize(cent, rounding=ROUND_HALF_UP),
        Decimal(cuts[0]).quantize(cent, rounding=ROUND_HALF_UP),
        Decimal(cuts[-1]).quantize(cent, rounding=ROUND_HALF_UP),
        sum(1 for t in totals if t > 0) / len(totals),
    )


def test_risk_matches_an_independent_bootstrap(two_year_db) -> None:
    con = read_only(two_year_db)
    try:
        r = risk(con, "tongshun", ["base", "target_iii", "proration"], years_ahead=3, draws=500,
                 seed=11, as_of=AS_OF)
    finally:
        con.close()
    assert r.history_years == [2022, 2023]
    for row in r.rows:
        per_year = HISTORY[row.scenario.name]
        assert row.history == per_year
        mean, q05, q95, p_first = _independent(per_year, 3, 500, 11)
        assert (row.mean, row.q05, row.q95) == (mean, q05, q95)
        assert float(row.p_first_pays) == p_first == 1.0
        assert row.p_second_pays == 0
        assert 3 * min(per_year.values()) <= row.q05 <= row.q95 <= 3 * max(per_year.values())


def test_same_seed_same_result_other_seed_differs(two_year_db) -> None:
    con = read_only(two_year_db)
    try:
        a = risk(con, "tongshun", ["base"], draws=300, seed=5, as_of=AS_OF)
        b = risk(con, "tongshun", ["base"], draws=300, seed=5, as_of=AS_OF)
        c = risk(con, "tongshun", ["base"], draws=300, seed=6, as_of=AS_OF)
    finally:
        con.close()
    assert a.rows[0].totals == b.rows[0].totals
    assert a.rows[0].totals != c.rows[0].totals


def test_who_pays_probability_with_a_sign_change(two_year_db, tmp_path) -> None:
    """A scenario with a harsh penalty: 2023 nets negative, 2022 positive; one future year →
    P(Xiantao pays) is the share of draws that picked 2023."""
    folder = tmp_path / "scn"
    folder.mkdir()
    (folder / "harsh.toml").write_text(
        'description = "重罚"\n[parameters]\npenalty_amount = "4000万"\n', encoding="utf-8")
    con = read_only(two_year_db)
    try:
        r = risk(con, "tongshun", ["harsh"], years_ahead=1, draws=400, seed=3, as_of=AS_OF,
                 scenarios_dir=folder)
    finally:
        con.close()
    # 2023: 4000万 / 24 = 1,666,666.66 r 16 fen; both failing rows (5th and 14th) get the fen:
    # 22 × 125,000 − 2 × 1,666,666.67 = −583,333.34 (Xiantao pays); 2022: +300万 (Wuhan pays).
    row = r.rows[0]
    assert row.history[2023] == Decimal("-583333.34")
    assert row.history[2022] == Decimal("3000000.00")
    rng = random.Random(3)
    picks = [[2022, 2023][rng.randrange(2)] for _ in range(400)]
    share_2023 = sum(1 for y in picks if y == 2023) / 400
    assert 0.3 < share_2023 < 0.7
    assert float(row.p_second_pays) == share_2023
    assert float(row.p_first_pays) == 1 - share_2023


def test_risk_arguments_are_checked(con) -> None:
    with pytest.raises(EcocompError) as err:
        risk(con, "tongshun", ["base"], years_ahead=0, as_of=AS_OF)
    assert "--years-ahead" in str(err.value)
