"""The period value's integer rounding (one division by 2·n·10^(6−d), sig_round6 when the mean
rounds to 0, 128-bit past 4e18) against values worked by hand: ties go to the even digit,
non-detects count as DL/2, flagged values stay out of the mean but not out of the counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from compensation.store import transaction
from tests.quality.one_section import one_section_store

MONTH = datetime(2023, 5, 1)
AS_OF = datetime(2024, 1, 1)
# (value, below_dl, detection_limit, flag)
Row = tuple[str | None, bool, str | None, str | None]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = one_section_store(Path(tmp_path_factory.mktemp("pvround")) / "p.duckdb", "R", "河",
                            "river")
    yield con
    con.close()


def _month(store: duckdb.DuckDBPyConnection, indicator: str, rows: list[Row]) -> tuple:
    with transaction(store):
        store.execute("DELETE FROM samples")
        for n, (v, below, dl, flag) in enumerate(rows):
            store.execute(
                "INSERT INTO samples VALUES (1, ?, 'R', ?, ?, ?, ?, ?, ?, 'manual')",
                [n + 1, MONTH + timedelta(hours=n), indicator, v, below, dl, flag],
            )
    got = store.execute(
        "SELECT n_samples, n_valid, value, highest FROM monthly_values(?)", [AS_OF]
    ).fetchall()
    assert len(got) == 1
    return got[0]


def _values(*texts: str) -> list[Row]:
    return [(t, False, None, None) for t in texts]


@pytest.mark.parametrize(
    ("indicator", "rows", "value"),
    [
        # NH3-N, 2 decimals: (1.004 + 1.006) / 2 = 1.005, a tie: the even 1.00, not 1.01
        ("NH3N", _values("1.004", "1.006"), "1.00"),
        # (1.014 + 1.016) / 2 = 1.015: the tie goes up to the even 1.02
        ("NH3N", _values("1.014", "1.016"), "1.02"),
        # just past the tie: (1.004 + 1.007) / 2 = 1.0055 -> 1.01
        ("NH3N", _values("1.004", "1.007"), "1.01"),
        # COD, 1 decimal: (15.2 + 15.3) / 2 = 15.25 -> 15.2; (15.3 + 15.4) / 2 = 15.35 -> 15.4
        ("COD", _values("15.2", "15.3"), "15.2"),
        ("COD", _values("15.3", "15.4"), "15.4"),
        # a mean of thirds never ties: (1 + 1 + 2) / 3 = 1.3333 -> 1.33
        ("NH3N", _values("1", "1", "2"), "1.33"),
        # TP, 3 decimals, rounds to 0: its first significant decimal (the 5th) instead;
        # (0.00004 + 0.00005) / 2 = 0.000045 -> 0.00004 (tie, even)
        ("TP", _values("0.00004", "0.00005"), "0.000040"),
        # (0.000095 + 0.000097) / 2 = 0.000096 -> 0.00010: the carry makes a new digit
        ("TP", _values("0.000095", "0.000097"), "0.000100"),
        # Hg, 5 decimals: (0.000001 + 0.000002) / 2 = 0.0000015 -> at the 6th, 0.000002 (even)
        ("Hg", _values("0.000001", "0.000002"), "0.000002"),
        # (0.000002 + 0.000003) / 2 = 0.0000025 -> 0.000002 (even)
        ("Hg", _values("0.000002", "0.000003"), "0.000002"),
        # nothing significant within the store's 6 decimals: 0.0000005 at the 6th is 0 (even)
        ("Hg", _values("0.000001", "0"), "0.000000"),
        # exactly 0 stays 0 at the assessment decimals
        ("TP", _values("0", "0"), "0.000"),
    ],
)
def test_the_mean_rounds_half_to_even(
    store: duckdb.DuckDBPyConnection, indicator: str, rows: list[Row], value: str
) -> None:
    assert _month(store, indicator, rows)[2] == Decimal(value)


def test_non_detects_count_as_half_their_limit(store: duckdb.DuckDBPyConnection) -> None:
    # TP: a non-detect at DL 0.010 counts 0.005; (0.005 + 0.004) / 2 = 0.0045 -> 0.004 (even);
    # the highest valid value is the non-detect's 0.005
    got = _month(store, "TP", [(None, True, "0.010", None), ("0.004", False, None, None)])
    assert got == (2, 2, Decimal("0.004"), Decimal("0.005"))


def test_a_lone_non_detect_of_the_smallest_limit(store: duckdb.DuckDBPyConnection) -> None:
    # Hg: DL 0.000001 counts 0.0000005, below the store's 6 decimals: half to even at the 6th
    # gives 0 for the mean and for the highest value alike
    got = _month(store, "Hg", [(None, True, "0.000001", None)])
    assert got == (1, 1, Decimal("0.000000"), Decimal("0.000000"))


def test_flagged_values_stay_out_of_the_mean(store: duckdb.DuckDBPyConnection) -> None:
    # 'fault' and 'no_flow' invalidate: the mean is (1.004 + 1.006) / 2 = 1.005 -> 1.00 and the
    # highest 1.006 (not the flagged 9.000); 'backwater' stays valid: (1.004 + 1.006 + 1.010) / 3
    # = 1.00666... -> 1.01
    rows: list[Row] = [("1.004", False, None, None), ("1.006", False, None, None),
                       ("9.000", False, None, "fault"), ("8.000", False, None, "no_flow")]
    assert _month(store, "NH3N", rows) == (4, 2, Decimal("1.00"), Decimal("1.006"))
    rows[2] = ("1.010", False, None, "backwater")
    assert _month(store, "NH3N", rows) == (4, 3, Decimal("1.01"), Decimal("1.010"))


def test_no_valid_value_gives_no_mean(store: duckdb.DuckDBPyConnection) -> None:
    got = _month(store, "NH3N", [("1.5", False, None, "ice")])
    assert got == (1, 0, None, None)


@pytest.mark.parametrize("count", [2, 3])
def test_the_largest_values_on_both_sides_of_the_64_bit_path(
    store: duckdb.DuckDBPyConnection, count: int
) -> None:
    # twice the sum in 1e-6 units: 2 · 2 · 999999999999.9 · 10^6 is below 4e18 (64-bit division),
    # with a third value it is past it (128-bit); the mean is the value itself either way (COD
    # keeps 1 decimal: a value of more would round up past what DECIMAL(18,6) holds)
    top = "999999999999.9"
    assert _month(store, "COD", _values(*[top] * count))[2:] == (Decimal(top), Decimal(top))


def test_sig_round6_rounds_at_the_first_significant_digit(
    store: duckdb.DuckDBPyConnection,
) -> None:
    # sig_round6 directly: 45 units over 4 halves (a mean of 11.25 units) has two digits, so it
    # rounds to tens of units: 11.25 -> 10; and 150 / 8 = 18.75 -> 20
    got = store.execute(
        "SELECT sig_round6(45, 4), sig_round6(CAST(150 AS HUGEINT), 8), sig_round6(1, 2), "
        "sig_round6(3, 2)"
    ).fetchall()
    # 1 / 2 = 0.5 unit -> 0 (even); 3 / 2 = 1.5 units -> 2 (even)
    assert got == [(10, 20, 0, 2)]
