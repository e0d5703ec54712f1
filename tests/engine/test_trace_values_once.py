"""A run builds the values and classes its traces show once (`kept_trace_values`), not once per
rule and side; the traces must be byte for byte what the per-reader view gives (issue 17 item 2).

Each shipped rule file whose traces show values is run over the demo data twice, reading
prepare_run's view and reading the kept table, and the traces are compared; one section-month's
values are also written out here from ev_values by Python's json, independently of the SQL.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from compensation.lang import compile_file
from compensation.lang.compiled import CompiledScheme
from compensation.lang.runtime import kept_trace_values
from compensation.store import open_store
from tests.engine.test_compiled_traces_canonical import RULE_FILES, prepared

SHOWING = [p for p in RULE_FILES
           if any(r.trace_value_reads for r in compile_file(p).rules)]


@pytest.fixture(scope="module")
def demo(loaded_db: Path, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("trace_values") / "demo.duckdb"
    shutil.copyfile(loaded_db, path)
    con = open_store(path)
    yield con
    con.close()


def _traces(con: duckdb.DuckDBPyConnection, compiled: CompiledScheme) -> list[str]:
    out: list[str] = []
    for rule in compiled.rules:
        out += sorted(t for (t,) in con.execute(
            f"SELECT CAST(trace AS VARCHAR) FROM ({rule.sql}) WHERE trace IS NOT NULL"
        ).fetchall())
    return out


def test_the_demo_scheme_keeps_them() -> None:
    # yangtze_han: two rules, each showing the section's and the control's values
    compiled = compile_file(next(p for p in RULE_FILES if p.stem == "yangtze_han"))
    assert [r.trace_value_reads for r in compiled.rules] == [2, 2]
    assert len(SHOWING) >= 15  # the check below is not vacuous


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_the_compiler_counts_the_reads_its_sql_makes(path: Path) -> None:
    # the count comes from the plan (the sides the trace shows); the SQL names the view once each
    for rule in compile_file(path).rules:
        assert rule.trace_value_reads == rule.sql.count("ev_trace_values")
        assert "ev_trace_values" not in rule.amounts_sql


@pytest.mark.parametrize("path", SHOWING, ids=lambda p: p.stem)
def test_kept_table_gives_the_same_traces(demo: duckdb.DuckDBPyConnection, path: Path) -> None:
    compiled = prepared(demo, path)
    by_view = _traces(demo, compiled)
    with kept_trace_values(demo, compiled.value_kinds):
        kept = demo.execute("SELECT count(*) FROM ev_trace_values_kept").fetchall()[0][0]
        by_table = _traces(demo, compiled)
    assert kept > 0
    assert by_view and by_table == by_view
    # afterwards: the view again (it reads ev_values), the table gone
    assert demo.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = "
                        "'ev_trace_values'").fetchall() == [(1,)]
    assert demo.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                        "'ev_trace_values_kept'").fetchall() == [(0,)]


def test_one_section_month_written_out_independently(demo: duckdb.DuckDBPyConnection) -> None:
    compiled = prepared(demo, next(p for p in RULE_FILES if p.stem == "yangtze_han"))
    section, period = demo.execute(
        "SELECT section_id, period FROM ev_values WHERE kind = 'month' "
        "ORDER BY period DESC, section_id LIMIT 1").fetchall()[0]
    rows = demo.execute(
        "SELECT indicator, CAST(value AS VARCHAR), class FROM ev_values "
        "WHERE kind = 'month' AND section_id = ? AND period = ?", [section, period]).fetchall()
    # by hand: the indicators in code point order, each value as its DECIMAL(18,6) text, each
    # class as text (null when none), written without spaces as a stored trace is
    values = {i: v for i, v, _ in sorted(rows)}
    classes = {i: None if c is None else str(c) for i, _, c in sorted(rows)}
    expected = [json.dumps(values, ensure_ascii=False, separators=(",", ":")),
                json.dumps(classes, ensure_ascii=False, separators=(",", ":"))]
    with kept_trace_values(demo, compiled.value_kinds):
        got = demo.execute(
            "SELECT CAST(t['values'] AS VARCHAR), CAST(t['classes'] AS VARCHAR) "
            "FROM ev_trace_values WHERE kind = 'month' AND section_id = ? AND period = ?",
            [section, period]).fetchall()
    assert len(rows) >= 3 and got == [tuple(expected)]
    assert all(v is not None and "." in v for v in values.values())
