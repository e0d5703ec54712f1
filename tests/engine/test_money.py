"""Money: 万元 display never loses a fen; shares add up exactly; settlement equals the lines."""

from __future__ import annotations

import shutil
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import engine_toy as toy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compensation.api import Store
from compensation.engine.money import allocate, to_fen, wan_text, yuan_text


def test_wan_text_keeps_every_fen() -> None:
    assert wan_text(Decimal("500000.00")) == "50.00"
    assert wan_text(Decimal("3000000")) == "300.00"
    assert wan_text(Decimal("142857.14")) == "14.285714"
    assert wan_text(Decimal("142857.10")) == "14.28571"
    assert wan_text(Decimal("0.01")) == "0.000001"
    assert wan_text(Decimal("-1234.50")) == "-0.12345"
    assert yuan_text(Decimal("5E+5")) == "500000.00"


def test_to_fen_rounds_half_up() -> None:
    assert to_fen(Decimal("0.005")) == Decimal("0.01")
    assert to_fen(Decimal("2.675")) == Decimal("2.68")  # a binary float would give 2.67
    assert to_fen(Decimal("-0.005")) == Decimal("-0.01")


def test_allocate_300_wan_over_21_section_months() -> None:
    shares = allocate(Decimal("3000000.00"), [1] * 21)
    # 300000000 fen / 21 = 14285714 rem 6: the first six shares get one fen more
    assert shares[:6] == [Decimal("142857.15")] * 6
    assert shares[6:] == [Decimal("142857.14")] * 15
    assert sum(shares) == Decimal("3000000.00")


def test_allocate_by_weights_largest_remainder() -> None:
    # 1.00 yuan over 1:5:4 → 10, 50, 40 fen exactly; 0.10 over 3:4:3 → 3, 4, 3 fen
    assert allocate(Decimal("1.00"), [1, 5, 4]) == [Decimal("0.10"), Decimal("0.50"),
                                                    Decimal("0.40")]
    # 0.11 over 3:4:3 → exact 3.3, 4.4, 3.3 → floors 3, 4, 3 → one fen left to the largest
    # remainder (0.4 of the second share beats 0.3)
    assert allocate(Decimal("0.11"), [3, 4, 3]) == [Decimal("0.03"), Decimal("0.05"),
                                                    Decimal("0.03")]


@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2),
    weights=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=40),
)
def test_allocate_adds_up_and_stays_within_a_fen(total: Decimal, weights: list[int]) -> None:
    shares = allocate(total, weights)
    assert sum(shares) == total
    weight_sum = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share - total * weight / weight_sum) < Decimal("0.01")


amounts = st.decimals(min_value=0, max_value=5_000_000, places=2)
month_values = st.lists(
    st.one_of(st.none(), st.decimals(min_value=0, max_value=30, places=1)),
    min_size=12, max_size=12,
)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    threshold=st.decimals(min_value=0, max_value=30, places=1),
    reward=amounts, penalty=amounts,
    data=st.fixed_dictionaries({"s1": month_values, "s2": month_values, "s3": month_values}),
)
def test_settlement_equals_the_lines_to_the_fen(
    template_db: Path, tmp_path: Path, threshold: Decimal, reward: Decimal, penalty: Decimal,
    data: dict[str, list[Decimal | None]],
) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.duckdb"
    shutil.copyfile(template_db, path)
    store = Store(path)
    with store.writing() as con:
        toy.setup_store(con)
        con.execute("UPDATE toy_params SET threshold = ?, reward = ?, penalty = ?",
                    [threshold, reward, penalty])
        con.executemany(
            "INSERT INTO toy_values VALUES (?, ?, ?, NULL)",
            [[section, date(2021, month, 1), value]
             for section, values in data.items() for month, value in enumerate(values, start=1)],
        )
    toy.run(store, toy.scheme(tmp_path), year=2021)
    result = store.settle("toy", 2021)
    # independently: each district's net for the year
    party = {"s1": "jiangan", "s2": "hanyang", "s3": "qingshan"}
    expected: dict[str, Decimal] = {}
    for section, values in data.items():
        net = sum(
            (Decimal(0) if v is None else (-penalty if v > threshold else reward) for v in values),
            Decimal("0.00"),
        )
        expected[party[section]] = net
    expected["city_treasury"] = -sum(expected.values(), Decimal("0.00"))
    transfer_net: dict[str, Decimal] = {}
    for payer, payee, amount in result.transfers:
        assert amount > 0 and amount == amount.quantize(Decimal("0.01"))
        transfer_net[payer] = transfer_net.get(payer, Decimal(0)) - amount
        transfer_net[payee] = transfer_net.get(payee, Decimal(0)) + amount
    assert {k: v for k, v in transfer_net.items() if v} == {k: v for k, v in expected.items() if v}
    assert result.lines_total == sum(
        (Decimal(0) if v is None else (penalty if v > threshold else reward)
         for values in data.values() for v in values),
        Decimal("0.00"),
    )
