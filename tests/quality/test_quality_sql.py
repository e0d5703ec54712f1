"""The quality SQL macros on a real DuckDB file, every expected value worked out by hand."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from compensation.quality.classify import classify
from compensation.quality.sql_seed import splice, sql_path
from compensation.quality.standards import CLASSES, limit
from compensation.store import init_store, open_store, transaction

D = Decimal
JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)
BEFORE_FIX = datetime(2024, 2, 28)  # batch 1 only
AFTER_ALL = datetime(2024, 4, 30)  # every batch

BATCHES = [
    (1, "jan.csv", datetime(2024, 2, 5)),
    (2, "jan_fix.csv", datetime(2024, 3, 10)),  # corrects one January NH3-N value of R1
    (3, "feb.csv", datetime(2024, 3, 5)),
    (4, "station.csv", datetime(2024, 4, 2)),
]
SECTIONS = [("R1", "river"), ("L1", "lake"), ("A1", "river")]
# (batch, section, sampled_at, indicator, value, below_dl, detection_limit, flag, source)
SAMPLES = [
    (1, "R1", "2024-01-05", "NH3N", "1.00", False, None, None, "manual"),
    (1, "R1", "2024-01-15", "NH3N", "1.01", False, None, None, "manual"),
    (1, "R1", "2024-01-25", "NH3N", None, True, "0.025", None, "manual"),
    (2, "R1", "2024-01-15", "NH3N", "2.01", False, None, None, "manual"),
    (1, "R1", "2024-01-05", "COD", "23", False, None, None, "manual"),
    (1, "R1", "2024-01-15", "COD", None, False, None, "no_flow", "manual"),
    (1, "R1", "2024-01-25", "COD", "99", False, None, "fault", "manual"),
    (1, "R1", "2024-01-05", "pH", "6.5", False, None, None, "manual"),
    (1, "R1", "2024-01-15", "pH", "7.9", False, None, None, "manual"),
    (1, "R1", "2024-01-05", "TP", "0.2005", False, None, None, "manual"),
    (1, "R1", "2024-01-15", "TP", "0.2005", False, None, None, "manual"),
    (1, "R1", "2024-01-05", "Hg", None, True, "0.00001", None, "manual"),
    (1, "R1", "2024-01-05", "DO", "7.46", False, None, None, "manual"),
    (1, "R1", "2024-01-15", "DO", "7.46", False, None, None, "manual"),
    (3, "R1", "2024-02-10", "NH3N", "0.50", False, None, None, "manual"),
    (3, "R1", "2024-02-10", "TP", "0.2015", False, None, None, "manual"),
    (1, "L1", "2024-01-05", "TP", "0.200", False, None, None, "manual"),
    (1, "L1", "2024-01-05", "TN", "1.2", False, None, None, "manual"),
    (1, "L1", "2024-01-05", "NH3N", "0.1", False, None, None, "manual"),
    (4, "A1", "2024-03-05 10:00", "NH3N", "3.0", False, None, None, "manual"),
    (4, "A1", "2024-03-05 10:00", "COD", "10", False, None, None, "manual"),
    (4, "A1", "2024-03-06 00:00", "NH3N", "0.10", False, None, None, "auto"),
    (4, "A1", "2024-03-06 04:00", "NH3N", "0.20", False, None, None, "auto"),
    (4, "A1", "2024-03-06 08:00", "NH3N", "0.30", False, None, None, "auto"),
    (4, "A1", "2024-03-06 12:00", "NH3N", "0.40", False, None, None, "auto"),
    (4, "A1", "2024-03-06 16:00", "NH3N", None, False, None, "fault", "auto"),
    (4, "A1", "2024-03-06 20:00", "NH3N", "0.50", False, None, None, "auto"),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("quality") / "store.duckdb"
    connection = open_store(path)
    with transaction(connection):
        for batch_id, name, loaded in BATCHES:
            connection.execute(
                "INSERT INTO batches VALUES (?, 'samples', ?, 'sha', 0, ?, NULL, NULL)",
                [batch_id, name, loaded],
            )
        for section_id, body in SECTIONS:
            connection.execute(
                "INSERT INTO sections VALUES (?, ?, '测试河', NULL, ?, 'assessed', NULL, NULL, "
                "NULL, ['test'], DATE '2018-01-01', NULL, NULL, NULL)",
                [section_id, section_id, body],
            )
        for row_no, s in enumerate(SAMPLES, start=1):
            connection.execute(
                "INSERT INTO samples VALUES (?, ?, ?, CAST(? AS TIMESTAMP), ?, "
                "CAST(? AS DECIMAL(18,6)), ?, CAST(? AS DECIMAL(18,6)), ?, ?)",
                [s[0], row_no, *s[1:]],
            )
    yield connection
    connection.close()


def monthly(con: duckdb.DuckDBPyConnection, as_of: datetime) -> dict[tuple, tuple]:
    rows = con.execute(
        "SELECT section_id, period, indicator, n_samples, n_valid, value, highest, flags, class "
        "FROM monthly_values(?)",
        [as_of],
    ).fetchall()
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def test_generated_block_matches_the_csv_tables() -> None:
    text = sql_path().read_text(encoding="utf-8")
    assert splice(text) == text, "run python -m compensation.quality.sql_seed"


def test_init_twice_is_harmless(tmp_path: Path) -> None:
    connection = open_store(tmp_path / "a.duckdb")
    with transaction(connection):
        init_store(connection)
    # 43 (indicator, water body) pairs with le/ge limits and pH in both bodies: 45 x 5 classes
    assert connection.execute("SELECT count(*) FROM gb3838_limits").fetchall() == [(225,)]
    assert connection.execute("SELECT count(*) FROM indicator_info").fetchall() == [(28,)]  # + VOL
    connection.close()


def test_limits_table_matches_python(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        'SELECT indicator, water_body, class, "limit" FROM gb3838_limits '
        "WHERE direction IN ('le', 'ge')"
    ).fetchall()
    assert len(rows) == 43 * 5
    for indicator, body, class_, value in rows:
        assert limit(indicator, class_, body) == value
    assert con.execute(
        "SELECT limit_of('TP', 'lake', 3), limit_of('DO', 'river', 1), limit_of('pH', 'river', 3),"
        " limit_of('TN', 'river', 3), assessment_decimals('Hg'), assessment_decimals('NH3N')"
    ).fetchall() == [(D("0.05"), D("7.5"), None, None, 5, 2)]


BOUNDARY_VECTORS = [
    ("DO", "river", "7.5", 1),
    ("DO", "river", "7.4", 2),
    ("DO", "river", "2.0", 5),
    ("DO", "river", "1.9", 6),
    ("COD", "river", "15", 1),
    ("COD", "river", "15.1", 3),
    ("COD", "river", "40.1", 6),
    ("NH3N", "river", "1.00", 3),
    ("NH3N", "river", "1.01", 4),
    ("TP", "river", "0.200", 3),
    ("TP", "lake", "0.200", 5),
    ("TP", "lake", "0.201", 6),
    ("Hg", "river", "0.00005", 1),
    ("Hg", "river", "0.00006", 3),
    ("pH", "river", "9", 1),
    ("pH", "river", "10", 6),
    ("TN", "lake", "1.0", 3),
    ("TN", "river", "1.0", None),
    ("TEMP", "river", "20", None),
]


@pytest.mark.parametrize(("indicator", "body", "value", "expected"), BOUNDARY_VECTORS)
def test_indicator_class_boundary_vectors(
    con: duckdb.DuckDBPyConnection, indicator: str, body: str, value: str, expected: int | None
) -> None:
    got = con.execute(
        "SELECT indicator_class(?, ?, CAST(? AS DECIMAL(18,6)))", [indicator, body, value]
    ).fetchall()[0][0]
    assert got == expected


def test_sql_and_python_classes_agree_on_every_limit(con: duckdb.DuckDBPyConnection) -> None:
    """At, just below and just above every limit (at the assessment precision), both agree."""
    cases = []
    for indicator, body in con.execute(
        "SELECT DISTINCT indicator, water_body FROM gb3838_limits WHERE direction <> 'range'"
    ).fetchall():
        step = D(1).scaleb(
            -con.execute("SELECT assessment_decimals(?)", [indicator]).fetchall()[0][0]
        )
        for class_ in CLASSES:
            lim = limit(indicator, class_, body)
            assert lim is not None
            cases += [(indicator, body, v) for v in (lim - step, lim, lim + step) if v > 0]
    got = con.execute(
        "SELECT indicator_class(i, b, CAST(v AS DECIMAL(18,6))) FROM "
        "(SELECT unnest(?) AS i, unnest(?) AS b, unnest(?) AS v)",
        [[c[0] for c in cases], [c[1] for c in cases], [str(c[2]) for c in cases]],
    ).fetchall()
    assert [g[0] for g in got] == [classify(i, v, b) for i, b, v in cases]


@pytest.mark.parametrize(("indicator", "body", "value", "expected"), BOUNDARY_VECTORS)
def test_class_of_limits_boundary_vectors(
    con: duckdb.DuckDBPyConnection, indicator: str, body: str, value: str, expected: int | None
) -> None:
    """period_values' class lookup (gb3838_bounds + class_of_limits) on the same hand vectors."""
    got = con.execute(
        "SELECT class_of_limits(CAST(? AS DECIMAL(18,6)), b.direction, b.limits, b.limit_high) "
        "FROM (SELECT ? AS indicator, ? AS water_body) AS x "
        "LEFT JOIN gb3838_bounds AS b USING (indicator, water_body)", [value, indicator, body]
    ).fetchall()[0][0]
    assert got == expected


# Worked by hand from GB 3838-2002 table 1 (river): COD I and II share 15, so 15 is I and the
# next DECIMAL(18,6) value is III (<= 20); DO is "not below": 7.5 is I, a millionth less is II;
# pH is I inside 6..9 and 劣Ⅴ (6) a millionth outside; NH3-N's V limit 2.0 and above it 劣Ⅴ.
HAND_NEIGHBOURS = [
    ("COD", "river", "15", 1),
    ("COD", "river", "15.000001", 3),
    ("DO", "river", "7.5", 1),
    ("DO", "river", "7.499999", 2),
    ("DO", "river", "1.999999", 6),
    ("pH", "river", "5.999999", 6),
    ("pH", "river", "9.000001", 6),
    ("NH3N", "river", "2", 5),
    ("NH3N", "river", "2.000001", 6),
]


def test_class_of_limits_is_classify_at_and_next_to_every_limit(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The one SQL form of the class (gb3838_bounds + class_of_limits, which indicator_class
    wraps) against quality/classify.py: both are steps at the limits only, so agreeing at each
    limit and one unit of the sixth decimal either side (the neighbouring DECIMAL(18,6) values)
    and at 0, they agree on every value; pH's 6 and 9 included, NULL for an item without limits."""
    rows = con.execute(
        """WITH points AS (
               SELECT indicator, water_body, unnest([0, "limit" - 0.000001, "limit",
                      "limit" + 0.000001, limit_high - 0.000001, limit_high,
                      limit_high + 0.000001]) AS v
               FROM gb3838_limits
               UNION ALL SELECT 'TEMP', 'river', CAST(20 AS DECIMAL(18,6)))
           SELECT p.indicator, p.water_body, p.v,
                  class_of_limits(p.v, b.direction, b.limits, b.limit_high),
                  indicator_class(p.indicator, p.water_body, p.v)
           FROM points AS p LEFT JOIN gb3838_bounds AS b USING (indicator, water_body)
           WHERE p.v IS NOT NULL"""
    ).fetchall()
    assert len(rows) > 900  # 0 and limit ± a millionth for every limit row, pH's high end too
    assert {r[3] for r in rows} == {None, 1, 2, 3, 4, 5, 6}
    no_value = "SELECT indicator_class('COD', 'river', CAST(NULL AS DECIMAL(18,6)))"
    assert con.execute(no_value).fetchall() == [(None,)]
    differ = [r for r in rows if r[3] != classify(r[0], r[2], r[1], round_first=False)]
    assert differ == []
    assert [r for r in rows if r[4] != r[3]] == []
    by_point = {(r[0], r[1], r[2]): r[3] for r in rows}
    for indicator, body, value, expected in HAND_NEIGHBOURS:
        assert by_point[(indicator, body, D(value))] == expected, (indicator, value)


def test_current_samples_takes_the_newest_batch_as_of(con: duckdb.DuckDBPyConnection) -> None:
    query = (
        "SELECT value, batch_id, file_name FROM current_samples(?) "
        "WHERE section_id = 'R1' AND indicator = 'NH3N' AND sampled_at = '2024-01-15'"
    )
    assert con.execute(query, [BEFORE_FIX]).fetchall() == [(D("1.01"), 1, "jan.csv")]
    assert con.execute(query, [AFTER_ALL]).fetchall() == [(D("2.01"), 2, "jan_fix.csv")]
    # nothing else of batch 1 is superseded: 27 rows, one key repeated
    assert con.execute("SELECT count(*) FROM current_samples(?)", [AFTER_ALL]).fetchall() == [
        (len(SAMPLES) - 1,)
    ]
    # batches loaded after as_of are invisible: batch 1 only (R1 13 rows, L1 3 rows)
    assert con.execute("SELECT count(*) FROM current_samples(?)", [BEFORE_FIX]).fetchall() == [
        (16,)
    ]


def test_monthly_values_before_and_after_a_correction(con: duckdb.DuckDBPyConnection) -> None:
    before, after = monthly(con, BEFORE_FIX), monthly(con, AFTER_ALL)
    # (1.00 + 1.01 + 0.025/2) / 3 = 0.674166... -> 0.67, class III
    assert before[("R1", JAN, "NH3N")] == (3, 3, D("0.67"), D("1.01"), [], 3)
    # (1.00 + 2.01 + 0.0125) / 3 = 1.0075 -> 1.01, class IV
    assert after[("R1", JAN, "NH3N")] == (3, 3, D("1.01"), D("2.01"), [], 4)
    assert ("R1", FEB, "NH3N") not in before  # February's batch came later


def test_monthly_values_flags_non_detects_rounding(con: duckdb.DuckDBPyConnection) -> None:
    m = monthly(con, AFTER_ALL)
    # COD: 断流 (no value) and a fault (99, excluded); the valid 23 -> 23.0, IV
    assert m[("R1", JAN, "COD")] == (3, 1, D("23.0"), D("23"), ["fault", "no_flow"], 4)
    # pH 6.5, 7.9: -log10((10^-6.5 + 10^-7.9) / 2) = 6.784... -> 7 at 0 decimals, class I
    assert m[("R1", JAN, "pH")][2:] == (D("7"), D("7.9"), [], 1)
    # TP 0.2005 twice: 0.2005 -> 0.200 (half to even), III; 0.2015 -> 0.202, IV
    assert m[("R1", JAN, "TP")][2] == D("0.200") and m[("R1", JAN, "TP")][5] == 3
    assert m[("R1", FEB, "TP")][2] == D("0.202") and m[("R1", FEB, "TP")][5] == 4
    # Hg non-detect DL 0.00001 -> 0.000005, rounds to 0 at 5 decimals: keep one figure
    assert m[("R1", JAN, "Hg")][2:] == (D("0.000005"), D("0.000005"), [], 1)
    # DO 7.46 -> 7.5 -> I
    assert m[("R1", JAN, "DO")][2] == D("7.5") and m[("R1", JAN, "DO")][5] == 1
    # lake section: TP 0.200 takes the lake column -> V; TN has a lake class (1.2 -> IV)
    assert m[("L1", JAN, "TP")][5] == 5
    assert m[("L1", JAN, "TN")][2:] == (D("1.20"), D("1.2"), [], 4)


def test_automatic_data_take_priority(con: duckdb.DuckDBPyConnection) -> None:
    m = monthly(con, AFTER_ALL)
    # NH3-N: 6 automatic values, one faulty; (0.1+0.2+0.3+0.4+0.5)/5 = 0.30; manual 3.0 ignored
    assert m[("A1", MAR, "NH3N")] == (6, 5, D("0.30"), D("0.5"), ["fault"], 2)
    # COD has no automatic data: the manual value counts
    assert m[("A1", MAR, "COD")][2:] == (D("10.0"), D("10"), [], 1)


def test_without_automatic_aggregates_the_values_are_the_same_where_no_samples_are_automatic(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """automatic := false (what a run passes when its sections have no automatic samples) skips
    the automatic-first aggregates: the same rows for R1 and L1, which have none."""
    query = ("SELECT * FROM period_values(?, ?, automatic := {}) WHERE section_id <> 'A1' "
             "ORDER BY section_id, period, indicator")
    for grain in ("month", "year"):
        with_auto = con.execute(query.format("true"), [AFTER_ALL, grain]).fetchall()
        assert con.execute(query.format("false"), [AFTER_ALL, grain]).fetchall() == with_auto
        assert len(with_auto) > 5
    # where there are automatic samples, only automatic := true lets them take priority; without,
    # all six valid values pool: (3.0 + 0.1 + 0.2 + 0.3 + 0.4 + 0.5) / 6 = 0.75
    m = con.execute(
        "SELECT value FROM period_values(?, 'month', automatic := false) "
        "WHERE section_id = 'A1' AND indicator = 'NH3N'", [AFTER_ALL]
    ).fetchall()
    assert m == [(D("0.75"),)]


def test_value_columns_are_exact_decimals(con: duckdb.DuckDBPyConnection) -> None:
    types = dict(
        con.execute(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM monthly_values(?))",
            [AFTER_ALL],
        ).fetchall()
    )
    assert types["value"] == "DECIMAL(18,6)"
    assert types["highest"] == "DECIMAL(18,6)"
    assert types["class"] == "TINYINT"
    assert types["flags"] == "VARCHAR[]"
    assert types["period"] == "DATE"


def test_annual_value_is_the_mean_of_all_samples(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT n_valid, value, class FROM annual_values(?) "
        "WHERE section_id = 'R1' AND indicator = 'NH3N'",
        [AFTER_ALL],
    ).fetchall()
    # (1.00 + 2.01 + 0.0125 + 0.50) / 4 = 0.880625 -> 0.88 (the mean of the monthly means,
    # (1.01 + 0.50) / 2 = 0.755, would differ), class III
    assert rows == [(4, D("0.88"), 3)]
    assert con.execute("SELECT DISTINCT period FROM annual_values(?)", [AFTER_ALL]).fetchall() == [
        (date(2024, 1, 1),)
    ]


def test_daily_values_validity_threshold(con: duckdb.DuckDBPyConnection) -> None:
    query = (
        "SELECT day, value, n_valid, valid FROM daily_values(?{}) "
        "WHERE section_id = 'A1' AND indicator = 'NH3N' ORDER BY day"
    )
    assert con.execute(query.format(""), [AFTER_ALL]).fetchall() == [
        (date(2024, 3, 5), D("3.00"), 1, False),
        (date(2024, 3, 6), D("0.30"), 5, True),  # 5 of 6 valid >= 4
    ]
    strict = con.execute(query.format(", min_valid := 6"), [AFTER_ALL]).fetchall()
    assert [r[3] for r in strict] == [False, False]


def test_monthly_section_class(con: duckdb.DuckDBPyConnection) -> None:
    query = (
        "SELECT class, n_indicators, main_pollutants, main_pollutants_text, cwqi, tn_class "
        "FROM monthly_section_class(?) WHERE section_id = ? AND period = ?"
    )
    # R1 January before the fix: NH3-N III, COD IV, pH I, TP III, Hg I, DO I -> IV.
    # CWQI = 0.67/1 + 23.0/20 + (7-7) + 0.200/0.2 + 0.000005/0.0001 + 5/7.5
    #      = 0.67 + 1.15 + 0 + 1 + 0.05 + 0.666666... = 3.536666... -> 3.536667
    assert con.execute(query, [BEFORE_FIX, "R1", JAN]).fetchall() == [
        (4, 6, ["COD"], "化学需氧量(0.15)", D("3.536667"), None)
    ]
    # after the fix NH3-N is 1.01 (IV, multiple 0.01): ranked after COD (0.15)
    assert con.execute(query, [AFTER_ALL, "R1", JAN]).fetchall()[0][:4] == (
        4,
        6,
        ["COD", "NH3N"],
        "化学需氧量(0.15)、氨氮(0.01)",
    )
    # lake: TP 0.200 -> V, multiple (0.2-0.05)/0.05 = 3; TN (IV) is reported apart, not in class
    # CWQI = 0.200/0.05 + 0.10/1 = 4.1
    assert con.execute(query, [AFTER_ALL, "L1", JAN]).fetchall() == [
        (5, 2, ["TP"], "总磷(3)", D("4.100000"), 4)
    ]
    # class II month: no main pollutants
    assert con.execute(query, [AFTER_ALL, "A1", MAR]).fetchall()[0][:4] == (2, 2, [], "")


def test_sql_labels(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute(
        "SELECT class_label(6), class_code(4), class_description(3), "
        "exceedance_multiple('NH3N', 'river', 1.3), exceedance_multiple('DO', 'river', 3)"
    ).fetchall() == [("劣Ⅴ", "IV", "良好", D("0.30"), None)]


def test_a_measured_zero_is_a_value(tmp_path: Path) -> None:
    """Regression: a mean of exactly 0 must not reach the significant-figure branch."""
    connection = open_store(tmp_path / "zero.duckdb")
    connection.execute(
        "INSERT INTO batches VALUES (1, 'samples', 'z.csv', 'sha', 0, TIMESTAMP '2024-02-01', "
        "NULL, NULL)"
    )
    connection.execute(
        "INSERT INTO samples VALUES (1, 1, 'Z', TIMESTAMP '2024-01-05', 'PETRO', 0, false, NULL, "
        "NULL, 'manual'), (1, 2, 'Z', TIMESTAMP '2024-01-05', 'Hg', 0.000004, false, NULL, NULL, "
        "'manual')"
    )
    rows = connection.execute(
        "SELECT indicator, value, class FROM monthly_values(TIMESTAMP '2024-03-01') ORDER BY 1"
    ).fetchall()
    # PETRO 0 -> 0.00, class I; Hg 0.000004 -> 0.00000 at 5 decimals -> one figure 0.000004, I
    assert rows == [("Hg", D("0.000004"), 1), ("PETRO", D("0.00"), 1)]
    connection.close()
