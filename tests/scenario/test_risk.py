"""risk: the seeded section-month bootstrap compared with an independent computation."""

from __future__ import annotations

import random
import statistics
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from scenario_support import AS_OF, read_only

from compensation.errors import EcocompError
from compensation.scenario import risk

# History: the agreement's own period, June 2022 to December 2023 (as compare shows it).
# 2022 June–December: all 14 section-months compliant → Wuhan pays 300万 under any target.
# 2023: as in test_compare: base 250万, target Ⅲ 225万, proration 275万.
HISTORY = {
    "base": {2022: Decimal("3000000.00"), 2023: Decimal("2500000.00")},
    "target_iii": {2022: Decimal("3000000.00"), 2023: Decimal("2250000.00")},
    "proration": {2022: Decimal("3000000.00"), 2023: Decimal("2750000.00")},
}
SHARE = Decimal("125000.00")  # 300万 / 24 section-months of 2023
# The failing section-months of 2023 (scenario_support): A March NH3N Ⅴ; B July TP Ⅴ; B May
# COD Ⅳ fails only a Ⅲ target. A failing month pays −SHARE (the penalty mirrors the reward),
# under proration 0.
FAILING = {"base": {("ts_a", 3), ("ts_b", 7)},
           "target_iii": {("ts_a", 3), ("ts_b", 5), ("ts_b", 7)},
           "proration": {("ts_a", 3), ("ts_b", 7)}}


def _month_net(scenario: str, section: str, month: int) -> Decimal:
    if (section, month) not in FAILING[scenario]:
        return SHARE
    return Decimal("0.00") if scenario == "proration" else -SHARE


def _independent(net, ahead: int, draws: int, seed: int):
    """The section-month bootstrap by hand: per draw, for each section (A, B), 12 × ahead picks
    among its 12 months of 2023 (the whole agreement year), with random.Random(seed)."""
    rng = random.Random(seed)
    totals = []
    for _ in range(draws):
        total = Decimal(0)
        for section in ("ts_a", "ts_b"):
            for _ in range(12 * ahead):
                total += net(section, rng.randrange(12) + 1)
        totals.append(total)
    cuts = statistics.quantiles(totals, n=20, method="inclusive")  # type 7: 5%, ..., 95%
    cent = Decimal("0.01")
    return (
        (sum(totals) / len(totals)).quantize(cent, rounding=ROUND_HALF_UP),
        Decimal(cuts[0]).quantize(cent, rounding=ROUND_HALF_UP),
        Decimal(cuts[-1]).quantize(cent, rounding=ROUND_HALF_UP),
        sum(1 for t in totals if t > 0) / len(totals),
        len(set(totals)),
    )


def test_risk_matches_an_independent_bootstrap(two_year_db) -> None:
    con = read_only(two_year_db)
    try:
        r = risk(con, "tongshun", ["base", "target_iii", "proration"], years_ahead=3, draws=500,
                 seed=11, as_of=AS_OF)
    finally:
        con.close()
    assert r.history_years == [2022, 2023]
    assert (r.months[0], r.months[-1], len(r.months)) == (date(2022, 6, 1), date(2023, 12, 1), 19)
    assert r.section_months == 24 and r.pool_from == date(2023, 1, 1)
    assert "2022年6月至2023年12月" in r.resampling_note
    for row in r.rows:
        name = row.scenario.name
        assert row.history == HISTORY[name]
        mean, q05, q95, p_first, distinct = _independent(
            lambda s, m, name=name: _month_net(name, s, m), 3, 500, 11)
        assert (row.mean, row.q05, row.q95) == (mean, q05, q95)
        assert float(row.p_first_pays) == p_first == 1.0
        assert row.p_second_pays == 0
        # far more distinct outcomes than whole years could give (2 years, 3 ahead: 4 sums)
        assert len(set(row.totals)) == distinct > 4


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
    """A harsh penalty: 4000万 / 24 = 1,666,666.66 r 16 fen; both failing rows of 2023 (5th and
    14th in section-month order) get the fen → −1,666,666.67 each; one future year of 24 drawn
    section-months pays the other way when enough failing months are drawn."""
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
    row = r.rows[0]
    assert row.history[2023] == 22 * SHARE - 2 * Decimal("1666666.67") == Decimal("-583333.34")
    assert row.history[2022] == Decimal("3000000.00")

    def harsh(section: str, month: int) -> Decimal:
        return -Decimal("1666666.67") if (section, month) in FAILING["base"] else SHARE

    rng = random.Random(3)
    totals = [sum(harsh(s, rng.randrange(12) + 1) for s in ("ts_a", "ts_b") for _ in range(12))
              for _ in range(400)]
    share_second = sum(1 for t in totals if t < 0) / 400
    assert 0 < share_second < 1
    assert float(row.p_second_pays) == share_second
    assert float(row.p_first_pays) == sum(1 for t in totals if t > 0) / 400


def test_risk_arguments_are_checked(con) -> None:
    with pytest.raises(EcocompError) as err:
        risk(con, "tongshun", ["base"], years_ahead=0, as_of=AS_OF)
    assert "--years-ahead" in str(err.value)
