"""The ledger's traces are stored with zstd; a store made before that has its ledger rebuilt once.

A one-year run of 10,000 sections writes 216,000 traces (about 200 MB of JSON). DuckDB's default
choice for them (dictionary + FSST, after trying every method on every segment) took twice the CPU
of zstd to write and six times the space. DuckDB cannot change a column's compression in place,
so an older ledger is renamed, the table made anew by schema.sql and the lines copied in line
order (the same rows: ids, amounts and trace bytes unchanged).
"""

from __future__ import annotations

import duckdb

OLD = "ledger_before_zstd"


def compress_traces(con: duckdb.DuckDBPyConnection, schema_sql: str) -> bool:
    """Rebuild `ledger` with zstd traces unless it has them (True if rebuilt); `schema_sql` is
    the text of schema.sql, which creates the table."""
    rows = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = 'ledger' AND NOT temporary"
    ).fetchall()
    if not rows or "USING COMPRESSION ZSTD" in str(rows[0][0]).upper():
        return False
    con.execute(f"ALTER TABLE ledger RENAME TO {OLD}")
    con.execute(schema_sql)
    con.execute(f"INSERT INTO ledger BY NAME SELECT * FROM {OLD} ORDER BY line_id").fetchall()
    con.execute(f"DROP TABLE {OLD}")
    return True
