"""`run` compiles the rules without `spread_shared` (a run has one scenario, nothing to share) and
writes exactly the lines the shipped SQL (every pass on) gives over the same prepared tables."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from compensation.api import Store
from compensation.engine.run import RUN_OPTIONS
from compensation.lang import prepare_run
from compensation.lang.cache import compile_file
from compensation.lang.options import PASSES
from compensation.store import open_store

RULES = Path(__file__).resolve().parents[2] / "rules"
AS_OF = datetime(2030, 1, 1)
MARCH = date(2024, 3, 1)


def test_run_options_turn_off_only_the_sharing_of_spreads() -> None:
    assert set(PASSES) - set(RUN_OPTIONS.on()) == {"spread_shared"}
    shipped = compile_file(RULES / "tongshun.rule")
    plain = compile_file(RULES / "tongshun.rule", RUN_OPTIONS)
    # the shipped SQL shares the spread through a representative-scenario CTE; the run's does not
    assert any("_rep AS" in r.sql for r in shipped.rules)
    assert not any("_rep AS" in r.sql for r in plain.rules)


def test_a_run_writes_the_shipped_sqls_lines(loaded_db: Path, tmp_path: Path) -> None:
    """Tongshun 2024-03 (its spread of the monthly share): the stored lines, traces byte for byte,
    equal the rows of the shipped SQL run by hand over tables prepared for the same month."""
    path = tmp_path / "run.duckdb"
    shutil.copyfile(loaded_db, path)
    [result] = Store(path).run("tongshun", period="2024-03", as_of=AS_OF, rules_dir=RULES)
    con = open_store(path)
    try:
        stored = con.execute(
            "SELECT rule, period_start, section_id, payer, payee, amount, branch, exception, "
            "reason, CAST(trace AS VARCHAR) FROM ledger WHERE run_id = ? ORDER BY line_id",
            [result.run_id],
        ).fetchall()
        shipped = compile_file(RULES / "tongshun.rule")
        prepare_run(con, shipped, MARCH, MARCH, AS_OF)
        expected = []
        for rule in shipped.rules:
            expected += con.execute(
                "SELECT rule, CAST(period_start AS DATE), section_id, payer, payee, "
                "CAST(amount AS DECIMAL(18,2)), branch, exception, reason, "
                f"CAST(CAST(trace AS JSON) AS VARCHAR) FROM ({rule.sql}) "
                "WHERE scenario = 'base' AND CAST(period_start AS DATE) = ?",
                [MARCH],
            ).fetchall()
    finally:
        con.close()
    assert sorted(stored, key=repr) == sorted(expected, key=repr)
    assert len(stored) == result.line_count > 0
    assert sum(row[5] for row in stored) == result.total_yuan > Decimal(0)
