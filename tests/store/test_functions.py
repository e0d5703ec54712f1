"""`has_function` asks DuckDB once per connection (a run used to ask twelve times, ~60 ms each).

That DuckDB is not asked again is shown by a macro dropped after the first answer: the answer
stays. A name not found is asked again, so a macro created later is seen; another connection asks
anew; and a missing quality macro still stops a run with its sentence.
"""

from __future__ import annotations

import gc
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from compensation.errors import EcocompError
from compensation.lang import compile_file, prepare_run
from compensation.store import functions, open_store
from compensation.store.connection import sql_macros

RULES = Path(__file__).resolve().parents[2] / "rules"


def test_found_names_are_kept_per_connection_and_missing_ones_asked_again() -> None:
    con = duckdb.connect()
    con.execute("CREATE MACRO twice(x) AS 2 * x")
    assert functions.has_function(con, "twice")
    assert functions.has_function(con, "sum")  # a built-in
    con.execute("DROP MACRO twice")
    assert functions.has_function(con, "twice")  # the first answer: DuckDB was not asked again
    assert not functions.has_function(con, "thrice")
    con.execute("CREATE MACRO thrice(x) AS 3 * x")
    assert functions.has_function(con, "thrice")  # not found before, so asked again
    other = duckdb.connect()
    assert not functions.has_function(other, "twice")  # another connection asks anew
    count = len(functions._FOUND)
    del con, other
    gc.collect()
    assert len(functions._FOUND) == count - 2  # nothing kept for connections that are gone


def test_a_run_without_the_quality_macros_is_still_refused(tmp_path: Path) -> None:
    compiled = compile_file(RULES / "tongshun.rule")
    con = open_store(tmp_path / "s.duckdb")
    prepare_run(con, compiled, date(2024, 3, 1), date(2024, 3, 1), datetime(2030, 1, 1))
    con.close()
    bare = duckdb.connect()  # no store: none of the macros
    with pytest.raises(EcocompError, match="数据库中缺少水质宏 monthly_values"):
        prepare_run(bare, compiled, date(2024, 3, 1), date(2024, 3, 1), datetime(2030, 1, 1))


def test_a_store_of_the_current_sql_has_its_macros_without_asking(tmp_path: Path) -> None:
    """`open_store` hands over the SQL files' macros when the store's SQL fingerprint is the
    current one; a store made by other SQL is brought up to date first, by readers as well."""
    assert {"monthly_values", "period_values", "period_of", "ediv"} <= sql_macros()
    db = tmp_path / "s.duckdb"
    open_store(db).close()
    for read_only in (False, True):
        con = open_store(db, read_only=read_only)
        if not read_only:
            con.execute("DROP MACRO TABLE daily_values")  # DuckDB is not asked: still "there"
        assert functions.has_function(con, "daily_values")
        assert not functions.has_function(con, "no_such_macro")
        con.close()
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = 'older' WHERE key = 'sql_sha256'")
    con.close()
    con = open_store(db, read_only=True)  # other SQL: brought up to date before it is read
    assert functions.has_function(con, "daily_values")  # the dropped macro is made again
    assert con.execute("SELECT count(*) FROM duckdb_functions() "
                       "WHERE function_name = 'daily_values'").fetchall()[0][0] > 0
    assert functions.has_function(con, "monthly_values")
    con.close()
