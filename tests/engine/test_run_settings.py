"""A run over a small store plans with one thread and three optimizers off, restores the settings
after, keeps DuckDB's defaults on a larger store, and writes the same lines either way."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from compensation.api import Store
from compensation.engine import run_settings
from compensation.engine.run_settings import (
    ROW_GROUP,
    SMALL_OPTIMIZERS_OFF,
    SMALL_SAMPLES,
    small_run_settings,
)
from compensation.store import open_store

RULES = Path(__file__).resolve().parents[2] / "rules"
AS_OF = datetime(2030, 1, 1)


def _settings(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    return con.execute(
        "SELECT current_setting('threads'), current_setting('disabled_optimizers')"
    ).fetchall()[0]


def test_a_small_store_gets_one_thread_and_the_settings_come_back(con) -> None:
    con.execute("SET threads = 3; SET disabled_optimizers = 'top_n'")
    assert SMALL_SAMPLES == 245_760 == 2 * ROW_GROUP
    with small_run_settings(con) as small:
        assert small  # the toy store holds a handful of samples
        assert _settings(con) == (1, SMALL_OPTIMIZERS_OFF)
    assert _settings(con) == (3, "top_n")


def test_a_store_of_limit_samples_keeps_the_defaults(con) -> None:
    count = con.execute("SELECT count(*) FROM samples").fetchall()[0][0]
    con.execute("SET threads = 2")
    with small_run_settings(con, limit=count) as small:  # exactly `limit` samples: not small
        assert not small and _settings(con) == (2, "")
    with small_run_settings(con, limit=count + 1) as small:
        assert small and _settings(con) == (1, SMALL_OPTIMIZERS_OFF)
    assert _settings(con) == (2, "")


def test_the_demo_month_run_writes_the_same_lines_either_way(
    loaded_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every scheme for 2024-03 with the small-store settings (the demo's 16,000 samples) and with
    DuckDB's defaults (a limit of 0 makes no store small): same lines, traces and lines hashes."""
    lines = []
    for name, limit in (("small", SMALL_SAMPLES), ("defaults", 0)):
        path = tmp_path / f"{name}.duckdb"
        shutil.copyfile(loaded_db, path)
        monkeypatch.setattr(run_settings, "SMALL_SAMPLES", limit)
        results = Store(path).run("all", period="2024-03", as_of=AS_OF, rules_dir=RULES)
        con = open_store(path, read_only=True)
        try:
            lines.append((
                [(r.scheme, r.line_count, r.total_yuan, r.lines_hash) for r in results],
                con.execute(
                    "SELECT scheme, rule, period_start, section_id, payer, payee, amount, branch, "
                    "exception, reason, CAST(trace AS VARCHAR) FROM ledger ORDER BY line_id"
                ).fetchall(),
            ))
        finally:
            con.close()
    assert lines[0] == lines[1]
    assert [r[0] for r in lines[0][0]] == ["daoguan", "tongshun", "yangtze_han"]
    assert all(count > 0 for _, count, _, _ in lines[0][0])
