"""A bulletin for 1,000 sections still renders: charts are paginated and drawn as one image per
page, the tables hold every section."""

from __future__ import annotations

import re
from datetime import date

from compensation.render.bulletin import add_charts, bulletin_html, bulletin_markdown
from compensation.render.model import build_bulletin
from compensation.render.svg_charts import ROWS_PER_CHART
from compensation.store import open_store, transaction

N = 1000


def _big_store(path):
    con = open_store(path)
    with transaction(con):
        con.execute("INSERT INTO parties (party_id, name, kind, note, batch_id)"
                    " VALUES ('city_treasury','市财政','treasury',NULL,NULL)")
        con.execute("INSERT INTO parties (party_id, name, kind, note, batch_id)"
                    " SELECT 'p' || i, '区' || i, 'district', NULL, NULL"
                    f" FROM range({N // 10}) t(i)")
        con.execute(f"""
            INSERT INTO sections (section_id, name, river, bank, water_body, role, party_id,
                                  control_id, river_order, schemes, valid_from)
            SELECT 's' || i, '断面' || i, '长江', CASE WHEN i % 2 = 0 THEN 'left' ELSE 'right' END,
                   'river', CASE WHEN i < 2 THEN 'control' ELSE 'assessed' END,
                   CASE WHEN i < 2 THEN NULL ELSE 'p' || (i % {N // 10}) END,
                   CASE WHEN i < 2 THEN NULL ELSE 's' || (i - 2) END, i // 2, ['yangtze_han'],
                   DATE '2017-01-01'
            FROM range({N}) t(i)""")
        con.execute("INSERT INTO batches VALUES (1, 'samples', 'big.csv', 'x', 0,"
                    " TIMESTAMP '2018-02-01', NULL, NULL)")
        # COD 15 → class I for even sections, COD 25 → IV for odd ones, every month of 2017
        con.execute(f"""
            INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value)
            SELECT 1, row_number() OVER (), 's' || i, make_timestamp(2017, m, 10, 9, 0, 0), 'COD',
                   CASE WHEN i % 2 = 0 THEN 15 ELSE 25 END
            FROM range({N}) a(i), range(1, 13) b(m)""")
        con.execute("""
            INSERT INTO runs (run_id, scheme, period_label, window_start, window_end, as_of,
                rules_hash, data_hash, params_hash, engine_version, duckdb_version, created_at)
            VALUES (1, 'yangtze_han', '2017-12', DATE '2017-12-01', DATE '2017-12-01',
                TIMESTAMP '2018-02-02', 'r', 'd', 'p', '0', '0', TIMESTAMP '2018-02-02')""")
        con.execute(f"""
            INSERT INTO ledger
            SELECT i, 1, 'yangtze_han', 'cpi_band', DATE '2017-12-01', DATE '2017-12-01',
                   's' || i, 'city_treasury', 'p' || (i % {N // 10}), 500000, '[-band, 0]',
                   NULL, NULL, '{{}}'
            FROM range(2, {N}) t(i)""")
    return con


def test_a_bulletin_of_1000_sections_renders(tmp_path) -> None:
    con = _big_store(tmp_path / "big.duckdb")
    b = build_bulletin(con, date(2017, 12, 1))
    assert len(b.history) == N
    assert b.summary.assessed == N - 2 and b.summary.improved == N - 2
    # 998 lines of 50万 spread over 100 districts: 区2 gets sections 2, 102, ..., 902 → 10 × 50万
    totals = {p.name: p.month for p in b.parties}
    assert totals["区2"] == 5000000 and totals["区0"] == 4500000  # 区0: 100..900, not 0
    add_charts(b)
    assert len(b.charts["strips"]) == -(-N // ROWS_PER_CHART)  # 25 pages of 40 rows
    assert len(b.charts["districts"]) == -(-(N // 10) // ROWS_PER_CHART)
    assert len(b.charts["schematics"]) == 1
    html = bulletin_html(b)
    assert len(html) < 8_000_000
    assert html.count("<svg") == len(b.charts["strips"]) + len(b.charts["districts"]) + 1
    md = bulletin_markdown(b)
    rows = re.findall(r"^\| 断面(\d+) \| 长江 \|", md, flags=re.M)
    assert len(rows) == N
    # the class strip row of 断面3 (odd: COD 25 → IV every month of 2017)
    assert re.search(r"^\| 断面3 \| 长江 \| 右岸 \|( Ⅳ \|){12}$", md, flags=re.M)
    con.close()
