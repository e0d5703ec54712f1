"""DuckDB settings for a run over a small store: one thread and three optimizers off.

A monthly run of the demo spends more of its time planning statements than executing them (about
a third of the whole process's instructions is DuckDB's binder and optimizer). With the samples in
at most two of DuckDB's row groups there is nothing a second thread can scan in parallel, and the
join-order, common-subexpression and build/probe-side optimizers cost more to run than they save
on tables that small. A larger store keeps DuckDB's defaults, so the runs that need parallelism
and good join orders have them. The settings change how a query is planned and run, never its
rows (tests/engine/test_run_settings.py runs the demo both ways).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

ROW_GROUP = 122_880  # DuckDB's rows per row group: its unit of parallel scanning
SMALL_SAMPLES = 2 * ROW_GROUP
SMALL_OPTIMIZERS_OFF = "join_order,common_subexpressions,build_side_probe_side"


@contextmanager
def small_run_settings(
    con: duckdb.DuckDBPyConnection, limit: int | None = None
) -> Iterator[bool]:
    """Within the block, one thread and SMALL_OPTIMIZERS_OFF when the store holds fewer than
    `limit` (default SMALL_SAMPLES) samples; yields whether it does. The settings before are
    restored after it (they belong to the database instance, which another connection of the
    process may share)."""
    limit = SMALL_SAMPLES if limit is None else limit
    samples, threads, off = con.execute(
        "SELECT (SELECT coalesce(sum(estimated_size), 0) FROM duckdb_tables() "
        "WHERE schema_name = 'main' AND table_name = 'samples' AND NOT temporary), "
        "current_setting('threads'), current_setting('disabled_optimizers')"
    ).fetchall()[0]
    if samples >= limit:
        yield False
        return
    con.execute(f"SET threads = 1; SET disabled_optimizers = '{SMALL_OPTIMIZERS_OFF}'")
    try:
        yield True
    finally:
        con.execute(f"SET threads = {int(threads)}; SET disabled_optimizers = '{_quoted(off)}'")


def _quoted(text: str) -> str:
    return str(text).replace("'", "''")
