"""The store's exact-arithmetic macros against Python's exact integers and decimals.

DuckDB turns DECIMAL / DECIMAL into DOUBLE, so `ediv`, `dec_units`, `hdiv_half_up`,
`hdiv_half_even`, `round_half_even` and `round_half_up` do the arithmetic in HUGEINT units of
1e-12 (and `ediv6`, for 6-decimal operands, in BIGINT units of 1e-6). These tests cover the
magnitudes they accept, the exact halves where the rounding modes differ, and signs.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

import duckdb
import pytest

from compensation.store.connection import _sql_text

UNIT = Decimal("1e-12")


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute(_sql_text("compensation.store", "macros.sql"))
    return c


def _exact_quotient(n: int, d: int, mode: str) -> int:
    with localcontext() as ctx:
        ctx.prec = 120
        return int((Decimal(n) / Decimal(d)).quantize(Decimal(1), rounding=mode))


def _signed(rng: random.Random, magnitude: int) -> int:
    v = rng.randint(0, magnitude)
    return -v if rng.random() < 0.4 else v


def _integer_pairs() -> list[tuple[int, int]]:
    rng = random.Random(8170)
    pairs = [(7, 2), (-7, 2), (5, 2), (-5, 2), (6, 4), (0, 3), (1, -3), (10**37, 3)]
    for _ in range(4000):
        n = _signed(rng, 10 ** rng.choice([1, 6, 18, 19, 25, 30, 37]))
        d = _signed(rng, 10 ** rng.choice([1, 6, 12, 18, 19, 30])) or 1
        pairs.append((n, d))
    for _ in range(1500):  # exact halves and their neighbours: where half-up and half-even part
        d = 2 * rng.randint(1, 10 ** rng.choice([1, 6, 12, 30]))
        q = rng.randint(0, 10 ** rng.choice([0, 3, 6]))
        for offset in (-1, 0, 1):
            n = q * d + d // 2 + offset
            if n < 10**37:
                pairs.append((n if rng.random() < 0.6 else -n, d))
    return pairs


def _table(con: duckdb.DuckDBPyConnection, name: str, columns: list[list], sql_type: str) -> None:
    """TEMP table `name(k, c0, c1, ...)`: row k holds the k-th value of each list, as text cast."""
    selects = ", ".join(
        f"CAST(CAST($c{i} AS VARCHAR[])[k] AS {sql_type}) AS c{i}" for i in range(len(columns))
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT k, {selects} FROM range(1, $n + 1) AS r(k)",
        {"n": len(columns[0]), **{f"c{i}": [str(v) for v in c] for i, c in enumerate(columns)}},
    )


def test_integer_division_rounds_like_python_decimal(con):
    pairs = _integer_pairs()
    _table(con, "pairs", [[n for n, _ in pairs], [d for _, d in pairs]], "HUGEINT")
    rows = con.execute(
        "SELECT c0, c1, hdiv_half_up(c0, c1), hdiv_half_even(c0, c1) FROM pairs ORDER BY k"
    ).fetchall()
    assert len(rows) == len(pairs)
    wrong = [
        (n, d, up, even)
        for n, d, up, even in rows
        if up != _exact_quotient(n, d, ROUND_HALF_UP)
        or even != _exact_quotient(n, d, ROUND_HALF_EVEN)
    ]
    assert wrong == []


def test_half_up_goes_away_from_zero_and_half_even_to_the_even_neighbour(con):
    row = con.execute(
        "SELECT hdiv_half_up(5, 2), hdiv_half_up(-5, 2), hdiv_half_even(5, 2), "
        "hdiv_half_even(7, 2), hdiv_half_even(-5, 2), hdiv_half_even(-7, 2)"
    ).fetchall()[0]
    assert row == (3, -3, 2, 4, -2, -4)


def test_decimal_units_are_exact_below_1e14(con):
    rng = random.Random(38)
    units = [0, 1, -1, 10**25, -(10**25), 999_999_999_999, 10**24 + 1]
    for _ in range(4000):
        units.append(_signed(rng, 10 ** rng.choice([1, 6, 12, 14, 18, 20, 25])))
    _table(con, "units", [units], "HUGEINT")
    rows = con.execute(
        "SELECT dec_units(CAST(c0 AS DECIMAL(38,0)) * CAST(0.000000000001 AS DECIMAL(38,12))) "
        "FROM units ORDER BY k"
    ).fetchall()
    assert [r[0] for r in rows] == units


def test_decimal_units_refuse_values_beyond_their_range(con):
    with pytest.raises(duckdb.OutOfRangeException, match="Overflow"):
        con.execute("SELECT dec_units(CAST('1e15' AS DECIMAL(38,12)))").fetchall()


def _decimal_pairs() -> list[tuple[Decimal, Decimal]]:
    rng = random.Random(3838)
    pairs = [(Decimal("1"), Decimal("3")), (Decimal("2"), Decimal("-3")),
             (Decimal("0.000000000001"), Decimal("2")), (Decimal("-0.000000000001"), Decimal("2")),
             (Decimal("0.000000000003"), Decimal("2"))]
    for _ in range(3000):
        a = Decimal(_signed(rng, 10 ** rng.choice([1, 6, 12, 18, 22]))) * UNIT
        b = Decimal(_signed(rng, 10 ** rng.choice([3, 6, 12, 18]))) * UNIT
        pairs.append((a, b))
    return pairs


def test_ediv_is_the_quotient_rounded_half_up_at_the_12th_decimal(con):
    pairs = _decimal_pairs()
    _table(con, "q", [[a for a, _ in pairs], [b for _, b in pairs]], "DECIMAL(38,12)")
    got = [r[0] for r in con.execute("SELECT ediv(c0, c1) FROM q ORDER BY k").fetchall()]
    expected = []
    with localcontext() as ctx:
        ctx.prec = 120
        for a, b in pairs:
            expected.append(None if b == 0 else (a / b).quantize(UNIT, rounding=ROUND_HALF_UP))
    assert got == expected


def test_ediv_of_nothing_or_by_zero_is_unknown(con):
    row = con.execute("SELECT ediv(1, 0), ediv(NULL, 2), ediv(2, NULL)").fetchall()[0]
    assert row == (None, None, None)


def test_ediv_count_is_ediv_by_a_whole_count(con):
    """The loop mean's division (the mean_count pass): the same quotient as ediv(a, n) for
    every dividend of _decimal_pairs and counts 1..7, half up at the 12th decimal."""
    pairs = [(a, n) for a, _ in _decimal_pairs() for n in range(1, 8)]
    _table(con, "qn", [[a for a, _ in pairs], [n for _, n in pairs]], "DECIMAL(38,12)")
    got = con.execute(
        "SELECT ediv_count(c0, CAST(c1 AS BIGINT)), ediv(c0, c1) FROM qn ORDER BY k"
    ).fetchall()
    assert [g[0] for g in got] == [g[1] for g in got]
    # by hand: 1/3 = 0.333333333333|3 → down; 2/3 = 0.666666666666|7 → up; -0.5/4 = -0.125
    # exactly; 0.000000000001/2 = 0.0000000000005 → half up (away from zero) 0.000000000001
    row = con.execute(
        "SELECT ediv_count(1, 3), ediv_count(2, 3), ediv_count(-0.5, 4), "
        "ediv_count(0.000000000001, 2), ediv_count(1, 0), ediv_count(NULL, 2)"
    ).fetchall()[0]
    assert row == (Decimal("0.333333333333"), Decimal("0.666666666667"), Decimal("-0.125"),
                   Decimal("0.000000000001"), None, None)


@pytest.mark.parametrize(
    ("x", "d", "even", "up"),
    [
        ("0.125", 2, "0.12", "0.13"),
        ("0.135", 2, "0.14", "0.14"),
        ("-0.125", 2, "-0.12", "-0.13"),
        ("2.5", 0, "2", "3"),
        ("-0.1000000000050", 11, "-0.10000000000", "-0.10000000001"),
        ("12345678901234.123456789012", 10, "12345678901234.1234567890",
         "12345678901234.1234567890"),
    ],
)
def test_decimal_rounding_at_d_places(con, x, d, even, up):
    row = con.execute(
        "SELECT round_half_even(CAST(? AS DECIMAL(38,12)), ?), "
        "round_half_up(CAST(? AS DECIMAL(38,12)), ?)", [x, d, x, d]
    ).fetchall()[0]
    assert row == (Decimal(even), Decimal(up))


def _six_decimal_pairs() -> list[tuple[Decimal, Decimal]]:
    """Period values (DECIMAL(18,6)) over divisors below 4e6, as GB 3838 limits are."""
    rng = random.Random(20171223)
    six = Decimal("1e-6")
    pairs = [(Decimal("1"), Decimal("3")), (Decimal("-2"), Decimal("3")),
             (Decimal("0.000001"), Decimal("2")),
             (Decimal("999999999999.999999"), Decimal("0.000001")),
             (Decimal("0.5"), Decimal("3999999.999999")), (Decimal("0"), Decimal("0.05"))]
    for _ in range(3000):
        a = Decimal(_signed(rng, 10 ** rng.choice([1, 3, 6, 9, 12, 18]) - 1)) * six
        b = Decimal(_signed(rng, 4 * 10 ** rng.choice([1, 3, 6, 9, 12]) - 1)) * six or six
        pairs.append((a, b))
    return pairs


def test_ediv6_gives_ediv_quotient_for_six_decimal_operands(con):
    pairs = _six_decimal_pairs()
    _table(con, "q6", [[a for a, _ in pairs], [b for _, b in pairs]], "DECIMAL(18,6)")
    got = [r[0] for r in con.execute("SELECT ediv6(c0, c1) FROM q6 ORDER BY k").fetchall()]
    expected = []
    with localcontext() as ctx:
        ctx.prec = 120
        for a, b in pairs:
            expected.append((a / b).quantize(UNIT, rounding=ROUND_HALF_UP))
    assert got == expected


def test_a_mean_of_ediv6_in_units_is_the_mean_of_the_quotients(con):
    """mean_count's form for a loop of ediv6 terms: the quotients summed in 1e-12 units and
    converted once (mean_units) give the exact mean of the quotients (each half up at the 12th
    decimal, then the mean half up again), for 997 groups of _six_decimal_pairs."""
    pairs = _six_decimal_pairs()
    _table(con, "qm", [[a for a, _ in pairs], [b for _, b in pairs]], "DECIMAL(18,6)")
    got = [r[0] for r in con.execute(
        "SELECT mean_units(sum(ediv6_u(c0, c1)), count(*)) FROM qm GROUP BY k % 997 "
        "ORDER BY k % 997").fetchall()]
    groups: dict[int, list[Decimal]] = {}
    with localcontext() as ctx:
        ctx.prec = 120
        for k, (a, b) in enumerate(pairs, start=1):
            groups.setdefault(k % 997, []).append((a / b).quantize(UNIT, rounding=ROUND_HALF_UP))
        expected = [(sum(q) / len(q)).quantize(UNIT, rounding=ROUND_HALF_UP)
                    for _, q in sorted(groups.items())]
    assert got == expected
    # by hand: 1/3 and -2/3 are 0.333333333333 and -0.666666666667 (half up at the 12th decimal);
    # their sum -0.333333333334 over 2 terms is -0.166666666667
    row = con.execute(
        "SELECT mean_units(ediv6_u(1, 3) + ediv6_u(-2, 3), 2), mean_units(NULL, 2), "
        "mean_units(ediv6_u(1, 3), 0)"
    ).fetchall()[0]
    assert row == (Decimal("-0.166666666667"), None, None)


def test_ediv6_of_nothing_or_by_zero_is_unknown_and_a_large_divisor_is_refused(con):
    row = con.execute("SELECT ediv6(1, 0), ediv6(NULL, 2), ediv6(2, NULL)").fetchall()[0]
    assert row == (None, None, None)
    # beyond the divisors it is meant for, the remainder arithmetic overflows: an error, not a
    # wrong quotient (9,290,000 in 1e-6 units, times 1e6, exceeds BIGINT)
    with pytest.raises(duckdb.OutOfRangeException, match="Overflow"):
        con.execute("SELECT ediv6(CAST(9290000 AS DECIMAL(18,6)), CAST(9300000 AS DECIMAL(18,6)))"
                    ).fetchall()


def _values_to_round() -> list[Decimal]:
    """Random DECIMAL(38,12) values, and exact halves (and their neighbours) at every place."""
    rng = random.Random(8170)
    values = [Decimal(_signed(rng, 10 ** rng.choice([1, 6, 12, 18, 25]))) * UNIT
              for _ in range(2000)]
    for d in range(12):  # a half at the 12th place would need a 13th decimal
        for _ in range(60):
            half = (Decimal(_signed(rng, 10**6)) + Decimal("0.5")) * Decimal(10) ** -d
            values += [half, half + UNIT, half - UNIT, -half]
    return values


def test_rounding_at_each_place_matches_python_half_even_and_half_up(con):
    values = _values_to_round()
    _table(con, "r", [values], "DECIMAL(38,12)")
    for d in range(13):
        rows = con.execute(
            f"SELECT round_half_even(c0, {d}), round_half_up(c0, {d}), "
            f"round_half_even_at(c0, CAST(? AS INTEGER)) FROM r ORDER BY k", [d]
        ).fetchall()
        place = Decimal(10) ** -d
        expected = [(v.quantize(place, ROUND_HALF_EVEN), v.quantize(place, ROUND_HALF_UP))
                    for v in values]
        assert [(even, up) for even, up, _ in rows] == expected
        # the column form (for a d read from a table) agrees below its 1.7e14 range
        assert [at for (_, _, at), v in zip(rows, values, strict=True) if abs(v) < 10**14] == [
            e for (e, _), v in zip(expected, values, strict=True) if abs(v) < 10**14]
