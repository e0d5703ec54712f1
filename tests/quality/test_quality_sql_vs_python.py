"""Property: the SQL period values agree exactly with the Python period mean and class."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compensation.quality.classify import classify
from compensation.quality.means import Reading, period_mean
from compensation.store import transaction
from tests.quality.one_section import one_section_store

MONTH = datetime(2023, 5, 1)
AS_OF = datetime(2024, 1, 1)

# values with up to 6 decimals, where the rounding and significant-figure rules bite
value = st.integers(min_value=0, max_value=3_000_000).map(lambda n: Decimal(n).scaleb(-6))
reading = st.one_of(
    value.map(lambda v: Reading(v)),
    value.filter(lambda v: v > 0).map(lambda v: Reading(below_dl=True, detection_limit=v)),
    st.sampled_from(["no_flow", "fault", "backwater"]).map(
        lambda f: Reading(Decimal("0.5"), flag=f)
    ),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = one_section_store(Path(tmp_path_factory.mktemp("prop")) / "p.duckdb", "L", "湖",
                            "lake")
    yield con
    con.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    indicator=st.sampled_from(["NH3N", "TP", "Hg", "COD", "DO", "Se"]),
    readings=st.lists(reading, min_size=1, max_size=8),
)
def test_sql_monthly_value_equals_python(
    store: duckdb.DuckDBPyConnection, indicator: str, readings: list[Reading]
) -> None:
    _agrees(store, indicator, readings)


# large values (up to 10^7 with 6 decimals): twice their sum in 1e-6 units passes 9e12, where the
# SQL mean leaves its 64-bit division for the 128-bit one
large = st.integers(min_value=0, max_value=10**13).map(lambda n: Decimal(n).scaleb(-6))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    indicator=st.sampled_from(["COD", "TP", "Hg"]),
    readings=st.lists(large.map(lambda v: Reading(v)), min_size=1, max_size=8),
)
def test_sql_monthly_value_of_large_values_equals_python(
    store: duckdb.DuckDBPyConnection, indicator: str, readings: list[Reading]
) -> None:
    _agrees(store, indicator, readings)


def test_the_mean_is_the_same_on_both_sides_of_the_64_bit_limit(store) -> None:
    # 2 · 4,500,000 · 10^6 = 9e12 is the last sum in 64 bits; one 1e-6 more takes the 128-bit path
    for text in ("4500000", "4500000.000001", "4499999.999999"):
        _agrees(store, "COD", [Reading(Decimal(text)), Reading(Decimal(text)),
                               Reading(Decimal("0.000001"))])


def _agrees(store: duckdb.DuckDBPyConnection, indicator: str, readings: list[Reading]) -> None:
    with transaction(store):
        store.execute("DELETE FROM samples")
        for n, r in enumerate(readings):
            store.execute(
                "INSERT INTO samples VALUES (1, ?, 'L', ?, ?, ?, ?, ?, ?, 'manual')",
                [
                    n + 1,
                    MONTH + timedelta(hours=n),
                    indicator,
                    r.value,
                    r.below_dl,
                    r.detection_limit,
                    r.flag,
                ],
            )
    got = store.execute(
        "SELECT n_samples, n_valid, value, highest, class FROM monthly_values(?)", [AS_OF]
    ).fetchall()
    expected = period_mean(indicator, readings)
    klass = None if expected.value is None else classify(indicator, expected.value, "lake")
    assert got == [(expected.n_samples, expected.n_valid, expected.value, expected.highest, klass)]
