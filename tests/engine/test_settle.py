"""Settlement: pairwise netting to the fen, frozen finals, carry-over, partial first years.
Settled and read through the API (`Store.settle`, `Store.settlements`)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import engine_toy as toy
import pytest

from compensation.api import Store
from compensation.engine import settle as settle_mod
from compensation.errors import EcocompError


def _settlement_count(store: Store) -> int:
    with store.reading() as con:
        return con.execute("SELECT count(*) FROM settlements").fetchall()[0][0]


def _transfers(result: settle_mod.Settlement) -> list[tuple[str, str, str]]:
    return [(t["payer"], t["payee"], t["amount"]) for t in result.as_json()["transfers"]]


def test_net_pairs_and_transfers_by_hand() -> None:
    flows = [("a", "b", Decimal("10.00")), ("b", "a", Decimal("3.50")), ("c", "a", Decimal("1")),
             ("a", "c", Decimal("1"))]
    assert settle_mod.transfers_of(settle_mod.net_pairs(flows)) == [("a", "b", Decimal("6.50"))]


def test_year_settlement_nets_months_per_pair(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    values = {1: "1", 2: "20", 3: "20", 4: "1"}  # s1: +50, −100, −100, +50 (万, to jiangan)
    for m in range(1, 13):
        toy.set_value(store, "s1", date(2018, m, 1), values.get(m), None)
        toy.set_value(store, "s2", date(2018, m, 1), "1")  # hanyang: 12 × 50万 reward
    toy.run(store, info, year=2018)
    result = store.settle("toy", 2018)
    assert _transfers(result) == [
        ("city_treasury", "hanyang", "6000000.00"),
        ("jiangan", "city_treasury", "1000000.00"),  # 200万 paid − 100万 received
    ]
    data = result.as_json()
    assert data["months"] == "2018-01~2018-12" and data["line_count"] == 24
    assert data["lines_total"] == "9000000.00"
    nets = {p["party"]: p["net"] for p in data["parties"]}
    assert nets == {"city_treasury": "-5000000.00", "hanyang": "6000000.00",
                    "jiangan": "-1000000.00"}
    assert _settlement_count(store) == 0 and store.settlements().is_empty()


def test_missing_months_are_named(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    toy.set_value(store, "s1", date(2018, 1, 1), "1")
    toy.run(store, info, period="2018-01")
    toy.run(store, info, period="2018-03")
    with pytest.raises(EcocompError) as err:
        store.settle("toy", 2018)
    assert str(err.value).startswith(
        "方案 toy 2018 年还缺少这些期间的运行：2018-02、2018-04、2018-05、2018-06、2018-07、"
        "2018-08、2018-09、2018-10、2018-11、2018-12；请先执行 ecocomp run --scheme toy --year 2018"
    )


def test_first_year_settles_on_the_months_covered(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path, span_start=date(2022, 6, 1))
    for m in range(1, 13):
        toy.set_value(store, "s1", date(2022, m, 1), "1")
    toy.run(store, info, year=2022)
    result = store.settle("toy", "2022")
    assert result.as_json()["months"] == "2022-06~2022-12"
    assert _transfers(result) == [("city_treasury", "jiangan", "3500000.00")]  # 7 × 50万


def test_final_is_frozen_and_corrections_carry_forward(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    for m in range(1, 13):
        toy.set_value(store, "s1", date(2018, m, 1), "1")
    toy.run(store, info, year=2018)
    final = store.settle("toy", 2018, final=True)
    assert final.settlement_id == 1 and final.final
    recorded = store.settlements("toy")
    assert recorded.select("settlement", "year", "final", "payer", "payee", "amount").rows() == [
        (1, 2018, True, "city_treasury", "jiangan", Decimal("6000000.00"))]
    assert recorded["payee_name"].to_list() == ["江岸区"]
    # a correction: March becomes a penalty (−50 − 100 = 150万 less for jiangan)
    toy.add_batch(store, 9, datetime(2019, 2, 1))
    toy.set_value(store, "s1", date(2018, 3, 1), "20")
    toy.run(store, info, period="2018-03")
    later = store.settle("toy", 2018)
    data = later.as_json()
    assert data["frozen_settlement_id"] == 1
    assert _transfers(later) == [("city_treasury", "jiangan", "6000000.00")]
    assert [(t["payer"], t["payee"], t["amount"]) for t in data["recomputed"]] == [
        ("city_treasury", "jiangan", "4500000.00")]
    assert [(t["payer"], t["payee"], t["amount"]) for t in data["carry_forward"]] == [
        ("jiangan", "city_treasury", "1500000.00")]
    assert "已有定稿结算 #1" in later.as_text()
    with pytest.raises(EcocompError) as err:
        store.settle("toy", 2018, final=True)
    assert str(err.value).startswith("方案 toy 2018 年已于结算 #1 定稿，不能再次定稿；")
    assert _settlement_count(store) == 1


def test_json_shape(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    for m in range(1, 13):
        toy.set_value(store, "s3", date(2018, m, 1), "11")
    toy.run(store, info, year=2018)
    data = json.loads(settle_mod.render_json(store.settle("toy", 2018)))
    assert data["scheme"] == "toy" and data["year"] == 2018
    assert data["transfers"] == [{"payer": "qingshan", "payer_name": "青山区",
                                  "payee": "city_treasury", "payee_name": "市财政",
                                  "amount": "12000000.00"}]


def test_year_scheme_needs_the_run_through_december(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path, kind="year", sql=toy.YEAR_SQL, scheme_id="yearly")
    toy.set_value(store, "s1", date(2020, 1, 1), "1")
    toy.run(store, info, period="2020-03")
    with pytest.raises(EcocompError, match="2020 年还缺少这些期间的运行：2020；"):
        store.settle("yearly", 2020)
    toy.run(store, info, year=2020)
    assert _transfers(store.settle("yearly", 2020)) == [
        ("xiantao", "wuhan_jkq", "1000000.00")]
