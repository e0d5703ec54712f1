"""A bulletin reads the lines it shows, not the whole ledger (issue 17: on the full network a
bulletin of one month of an eight-year run read all 1.7M lines with their traces, 17.5 GB).

The store holds one run covering 2017-01..2018-12 (as `ecocomp run --years 2017-2018` writes it):
every month, 老关 (s1) is paid 100.00 by the treasury and 王家 (s2) pays 30.00 to it; in 2017
the amounts are 1000.00 and 300.00, so a year-to-date total that took 2017 in would show.
The ledger is read through a view whose trace column counts the traces DuckDB hands over, a
real query on a real store: reading any line of another month shows in the count.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb

from compensation.render.district import build_district_books
from compensation.render.model import build_bulletin
from compensation.store import open_store, transaction


def _two_year_store(path) -> duckdb.DuckDBPyConnection:
    con = open_store(path)
    with transaction(con):
        con.execute("""INSERT INTO parties (party_id, name, kind, note, batch_id) VALUES
            ('city_treasury', '市财政', 'treasury', NULL, NULL),
            ('p1', '甲区', 'district', NULL, NULL), ('p2', '乙区', 'district', NULL, NULL)""")
        con.execute("""
            INSERT INTO sections (section_id, name, river, bank, water_body, role, party_id,
                                  control_id, river_order, schemes, valid_from) VALUES
            ('s0', '上游', '长江', 'left', 'river', 'control', NULL, NULL, 1, ['yangtze_han'],
             DATE '2016-01-01'),
            ('s1', '老关', '长江', 'left', 'river', 'assessed', 'p1', 's0', 2, ['yangtze_han'],
             DATE '2016-01-01'),
            ('s2', '王家', '长江', 'left', 'river', 'assessed', 'p2', 's1', 3, ['yangtze_han'],
             DATE '2016-01-01')""")
        con.execute("""
            INSERT INTO runs (run_id, scheme, period_label, window_start, window_end, as_of,
                rules_hash, data_hash, params_hash, engine_version, duckdb_version, created_at)
            VALUES (1, 'yangtze_han', '2017-2018', DATE '2017-01-01', DATE '2018-12-01',
                TIMESTAMP '2019-01-05', 'r', 'd', 'p', '0', '0', TIMESTAMP '2019-01-05')""")
        con.execute("""
            INSERT INTO ledger
            SELECT 2 * m + s, 1, 'yangtze_han', 'cpi_band', month, CAST(month + INTERVAL 1 MONTH
                   - INTERVAL 1 DAY AS DATE), 's' || s,
                   CASE s WHEN 1 THEN 'city_treasury' ELSE 'p2' END,
                   CASE s WHEN 1 THEN 'p1' ELSE 'city_treasury' END,
                   (CASE s WHEN 1 THEN 100 ELSE 30 END)
                     * (CASE WHEN year(month) = 2017 THEN 10 ELSE 1 END),
                   '[-band, 0]', NULL, NULL, '{}'
            FROM (SELECT m, CAST(DATE '2017-01-01' + to_months(m) AS DATE) AS month
                  FROM range(24) t(m)), range(1, 3) u(s)""")
    return con


def _count_traces(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Put a view named `ledger` over the table whose trace column records each trace read."""
    read: list[str] = []

    def seen(trace: str) -> str:
        read.append(trace)
        return trace

    con.create_function("seen", seen, ["VARCHAR"], "VARCHAR", side_effects=True)
    con.execute("ALTER TABLE ledger RENAME TO ledger_rows")
    con.execute("CREATE TEMP VIEW ledger AS"
                " SELECT * REPLACE (seen(CAST(trace AS VARCHAR)) AS trace) FROM ledger_rows")
    return read


def test_a_bulletin_reads_the_traces_of_its_month_only(tmp_path) -> None:
    con = _two_year_store(tmp_path / "two.duckdb")
    read = _count_traces(con)
    b = build_bulletin(con, date(2018, 12, 1))
    # December 2018 has 2 lines (s1, s2); the run has 48 (24 months × 2)
    assert len(read) == 2
    assert [(v.section_name, v.signed) for s in b.schemes for v in s.rows] == [
        ("老关", Decimal("100.00")), ("王家", Decimal("-30.00"))]
    totals = {p.party_id: (p.month, p.year_to_date) for p in b.parties}
    # 2018 only: 12 × 100.00 = 1200.00 received, 12 × 30.00 = 360.00 paid (2017 would add
    # 12 × 1000.00 and 12 × 300.00)
    assert totals == {"p1": (Decimal("100.00"), Decimal("1200.00")),
                      "p2": (Decimal("-30.00"), Decimal("-360.00"))}


def test_the_workbooks_read_the_traces_of_their_year_only(tmp_path) -> None:
    con = _two_year_store(tmp_path / "two.duckdb")
    read = _count_traces(con)
    books = {b.party_id: b for b in build_district_books(con, 2018)}
    assert len(read) == 24  # 2018: 12 months × 2 lines, none of 2017's 24
    assert sum((x.signed for x in books["p1"].lines), Decimal(0)) == Decimal("1200.00")
    assert sum((x.signed for x in books["p2"].lines), Decimal(0)) == Decimal("-360.00")
    assert [x.month.month for x in books["p1"].lines] == list(range(1, 13))
