"""A staged line's trace gets nested maps in key order; one already in that order stays."""

from __future__ import annotations

import duckdb

from compensation.engine.run import STAGE, _canonical_traces


def staged(traces: list[str | None]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"CREATE TEMP TABLE {STAGE} (rule VARCHAR, trace JSON)")
    for i, t in enumerate(traces):
        con.execute(f"INSERT INTO {STAGE} VALUES (?, CAST(? AS JSON))", [f"r{i}", t])
    return con


def test_nested_maps_are_sorted_and_the_top_level_keeps_its_order() -> None:
    con = staged(['{"z":1,"values":{"TP":"0.25","COD":"25.0"}}', '{"a":{"b":1}}', None])
    _canonical_traces(con)
    rows = con.execute(f"SELECT rule, CAST(trace AS VARCHAR) FROM {STAGE} ORDER BY rule").fetchall()
    assert rows == [
        ("r0", '{"z":1,"values":{"COD":"25.0","TP":"0.25"}}'),
        ("r1", '{"a":{"b":1}}'),
        ("r2", None),
    ]
    # nothing left behind by the rewrite
    assert con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'engine_traces'"
    ).fetchall()[0][0] == 0


def test_traces_already_in_key_order_stay_as_stored() -> None:
    con = staged(['{"a":{"b":1,"c":2}}'])
    _canonical_traces(con)
    assert con.execute(f"SELECT CAST(trace AS VARCHAR) FROM {STAGE}").fetchall() == [
        ('{"a":{"b":1,"c":2}}',)
    ]
