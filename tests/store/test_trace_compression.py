"""The ledger's traces are stored with zstd; a store whose ledger predates that is rebuilt once when
opened, with the same lines (ids, amounts, trace bytes), and the line id stays a primary key."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from compensation.store import open_store

# the ledger as schema.sql created it before zstd
OLD_LEDGER = """CREATE TABLE ledger (
    line_id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, scheme VARCHAR NOT NULL,
    rule VARCHAR NOT NULL, period_start DATE NOT NULL, period_end DATE NOT NULL,
    section_id VARCHAR, payer VARCHAR NOT NULL, payee VARCHAR NOT NULL,
    amount DECIMAL(18,2) NOT NULL CHECK (amount >= 0), branch VARCHAR, exception VARCHAR,
    reason VARCHAR, trace JSON)"""
# 3,000 lines: more than one vector, so the storage holds real zstd segments
LINES = 3000


def _trace_compression(con: duckdb.DuckDBPyConnection) -> set[str]:
    con.execute("CHECKPOINT")
    rows = con.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info('ledger')"
        " WHERE column_name = 'trace' AND segment_type <> 'VALIDITY'"
    ).fetchall()
    return {str(r[0]) for r in rows}


def _lines(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT line_id, run_id, section_id, CAST(amount AS VARCHAR), CAST(trace AS VARCHAR)"
        " FROM ledger ORDER BY line_id"
    ).fetchall()


def _fill(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""INSERT INTO ledger
            SELECT i, 1 + i // 1000, 'yangtze_han', 'cpi_band', DATE '2018-01-01',
                   DATE '2018-01-31', 's' || i, 'city', 'district_' || (i % 7),
                   CAST(i AS DECIMAL(18,2)) / 100, NULL, NULL, NULL,
                   CAST(to_json({{'i': i, 'label': '断面 ' || i}}) AS JSON)
            FROM range(1, {LINES + 1}) t(i)"""
    )


def _old_store(path: Path) -> list[tuple]:
    """A store whose ledger has the older definition and LINES lines; its lines as read back."""
    open_store(path).close()
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE ledger")
    con.execute(OLD_LEDGER)
    _fill(con)
    con.execute("UPDATE meta SET value = 'older' WHERE key = 'sql_sha256'")
    before = _lines(con)
    con.close()
    return before


def test_a_new_store_writes_traces_with_zstd(tmp_path: Path) -> None:
    con = open_store(tmp_path / "new.duckdb")
    _fill(con)
    assert _trace_compression(con) == {"ZSTD"}
    con.close()


def test_an_older_ledger_is_rebuilt_with_the_same_lines(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    before = _old_store(path)
    assert len(before) == LINES
    # 1 + 3000 // 1000 = 4 runs; line 3000's amount is 3000 / 100 = 30.00
    assert before[-1][:4] == (3000, 4, "s3000", "30.00")
    assert before[-1][4] == '{"i":3000,"label":"断面 3000"}'
    con = open_store(path)
    assert _lines(con) == before
    assert _trace_compression(con) == {"ZSTD"}
    assert con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ledger_before_zstd'"
    ).fetchall() == [(0,)]
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO ledger SELECT * FROM ledger WHERE line_id = 1")
    con.close()
