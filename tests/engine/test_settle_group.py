"""`settle --scheme a,b`: one transfer list netted across schemes, each transfer traceable to the
schemes' transfers it nets; final settlements stay per scheme (issue #18 item 5)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import engine_toy as toy
import pytest
from click.testing import CliRunner

from compensation.cli import cli
from compensation.engine.settle_group import scheme_list
from compensation.errors import EcocompError

# A contribution scheme over the same parties: each month every assessed section's district pays
# the city treasury 30万.
POOL_SQL = """
SELECT 'base' AS scenario, 'annual' AS rule, v.period AS period_start,
       last_day(v.period) AS period_end, v.section_id, s.party_id AS payer,
       'city_treasury' AS payee, CAST(300000 AS DECIMAL(18,2)) AS amount, NULL AS branch,
       NULL AS exception, NULL AS reason, json_object('pool', 1) AS trace
FROM ev_toy v JOIN sections s USING (section_id) WHERE s.role = 'assessed'
"""


def _two_schemes(store, tmp_path: Path):
    """2018: s1 (jiangan) at 20 > 10 every month pays a 100万 penalty in `toy`; s2 (hanyang) at 1
    earns a 50万 reward. In `pool` both districts pay 30万 a month."""
    band = toy.scheme(tmp_path)
    (tmp_path / "p").mkdir()
    pool = toy.scheme(tmp_path / "p", sql=POOL_SQL, scheme_id="pool")
    for m in range(1, 13):
        toy.set_value(store, "s1", date(2018, m, 1), "20")
        toy.set_value(store, "s2", date(2018, m, 1), "1")
    toy.run(store, band, year=2018)
    toy.run(store, pool, year=2018)
    return band, pool


def _flat(items: list[dict]) -> list[tuple[str, str, str]]:
    return [(t["payer"], t["payee"], t["amount"]) for t in items]


def test_two_schemes_net_per_pair_with_their_sources(store, tmp_path: Path) -> None:
    """By hand, 12 months:
    jiangan → treasury: toy 12 × 100万 = 12,000,000.00, pool 12 × 30万 = 3,600,000.00;
      same direction: 15,600,000.00.
    treasury → hanyang: toy 12 × 50万 = 6,000,000.00; hanyang → treasury: pool 3,600,000.00;
      net treasury → hanyang 2,400,000.00."""
    _two_schemes(store, tmp_path)
    group = store.settle_group(["toy", "pool"], 2018)
    data = group.as_json()
    assert data["schemes"] == ["toy", "pool"] and data["year"] == 2018
    assert _flat(data["transfers"]) == [
        ("city_treasury", "hanyang", "2400000.00"),
        ("jiangan", "city_treasury", "15600000.00")]
    assert [_flat(t["sources"]) for t in data["transfers"]] == [
        [("city_treasury", "hanyang", "6000000.00"), ("hanyang", "city_treasury", "3600000.00")],
        [("jiangan", "city_treasury", "12000000.00"), ("jiangan", "city_treasury", "3600000.00")]]
    assert [[s["scheme"] for s in t["sources"]] for t in data["transfers"]] == [
        ["toy", "pool"], ["toy", "pool"]]
    assert [_flat(p["transfers"]) for p in data["by_scheme"]] == [
        [("city_treasury", "hanyang", "6000000.00"), ("jiangan", "city_treasury", "12000000.00")],
        [("hanyang", "city_treasury", "3600000.00"), ("jiangan", "city_treasury", "3600000.00")]]
    text = group.as_text()
    assert ("市财政 → 汉阳区\t240.00\t2400000.00\ttoy：市财政 → 汉阳区 6000000.00；"
            "pool：汉阳区 → 市财政 3600000.00") in text


def test_one_scheme_already_final_counts_with_its_frozen_list(store, tmp_path: Path) -> None:
    """toy is made final first; then s2's December turns to 20 (toy: hanyang pays 100万 that
    month). The group keeps toy's frozen 6,000,000.00 → net treasury → hanyang 2,400,000.00;
    `--final` then records only pool's settlement; a second `--final` is refused."""
    band, _ = _two_schemes(store, tmp_path)
    frozen = store.settle("toy", 2018, final=True)
    toy.add_batch(store, 1, date(2019, 1, 5))
    toy.set_value(store, "s2", date(2018, 12, 1), "20")
    toy.run(store, band, period="2018-12")
    group = store.settle_group(["toy", "pool"], 2018, final=True)
    assert _flat(group.as_json()["transfers"])[0] == ("city_treasury", "hanyang", "2400000.00")
    toy_part, pool_part = group.parts
    assert toy_part.frozen_id == frozen.settlement_id and not toy_part.final
    assert pool_part.final and pool_part.settlement_id == frozen.settlement_id + 1
    # toy's correction (hanyang: −50万 reward, +100万 penalty) is carried forward, not netted here
    assert toy_part.carry_forward == [("hanyang", "city_treasury", D("1500000.00"))]
    assert "定稿后的差额不在本清单中" in group.as_text()
    with pytest.raises(EcocompError, match="均已定稿"):
        store.settle_group(["toy", "pool"], 2018, final=True)
    assert sorted(store.settlements()["scheme"].unique().to_list()) == ["pool", "toy"]


def test_the_command_line_form(store, tmp_path: Path, db_path: Path) -> None:
    _two_schemes(store, tmp_path)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "settle", "--scheme", "toy,pool",
                                      "--year", "2018", "--json"])
    assert result.exit_code == 0, result.output
    assert _flat(json.loads(result.output)["transfers"])[0] == (
        "city_treasury", "hanyang", "2400000.00")
    refused = CliRunner().invoke(cli, ["--db", str(db_path), "settle", "--scheme", "toy,pool",
                                       "--year", "2018", "--out", str(tmp_path / "x.xlsx")])
    assert refused.exit_code != 0 and "暂不能另存清单" in str(refused.exception)


def test_scheme_lists() -> None:
    assert scheme_list("a, b,c") == ["a", "b", "c"]
    with pytest.raises(EcocompError, match="重复"):
        scheme_list("a,b,a")
    with pytest.raises(EcocompError, match="空的方案编号"):
        scheme_list("a,,b")


def test_a_group_final_that_fails_part_way_records_none(store, tmp_path: Path) -> None:
    """The finals of a group are one transaction: when recording the second scheme's fails (here
    its settlement number is taken by a row put there beforehand), the first is not kept."""
    import duckdb

    _two_schemes(store, tmp_path)
    with store.writing() as con:
        taken = int(con.execute("SELECT nextval('settlement_seq')").fetchall()[0][0]) + 2
        con.execute("INSERT INTO settlements (settlement_id, scheme, year, final, run_ids, "
                    "created_at) VALUES (?, 'other', 1999, false, [], now())", [taken])
    with pytest.raises(duckdb.ConstraintException):
        store.settle_group(["toy", "pool"], 2018, final=True)
    with store.reading() as con:
        assert con.execute("SELECT scheme FROM settlements").fetchall() == [("other",)]
        assert con.execute("SELECT count(*) FROM settlement_transfers").fetchall() == [(0,)]
