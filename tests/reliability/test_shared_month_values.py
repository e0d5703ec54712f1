"""`run --scheme all` computes the month values of every scheme's sections in one statement
(`share_month_values`; planning it cost more than computing it, once per scheme). The lines and
fingerprints of each scheme are those of the scheme run alone, on the demo's data."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rel_support import private_copy

from compensation.engine.run import run_schemes
from compensation.lang.runtime import SHARED_VALUES
from compensation.store import open_store

SCHEMES = ("daoguan", "tongshun", "yangtze_han")
AS_OF = datetime(2030, 1, 1)
RULES = Path(__file__).resolve().parents[2] / "rules"


def _ledger(con) -> list[tuple]:
    return con.execute(
        "SELECT r.scheme, r.window_start, r.lines_hash, r.data_hash, r.params_hash, l.rule,"
        " l.period_start, l.section_id, l.payer, l.payee, l.amount, l.branch, l.reason,"
        " CAST(l.trace AS VARCHAR) FROM ledger l JOIN runs r USING (run_id)"
        " ORDER BY r.scheme, r.window_start, l.line_id"
    ).fetchall()


def test_every_scheme_at_once_gives_the_lines_of_each_alone(demo_db: Path, tmp_path: Path
                                                            ) -> None:
    together = open_store(private_copy(demo_db, tmp_path, "together.duckdb"))
    alone = open_store(private_copy(demo_db, tmp_path, "alone.duckdb"))
    for period, year in (("2024-03", None), (None, 2023)):
        results = run_schemes(together, "all", period, year, AS_OF, RULES)
        assert [r.scheme for r in results] == list(SCHEMES)
        for scheme in SCHEMES:
            run_schemes(alone, scheme, period, year, AS_OF, RULES)
    # the shared table was made and read (it holds every scheme's sections)
    shared = together.execute(f"SELECT count(DISTINCT section_id) FROM {SHARED_VALUES}").fetchall()
    sections = together.execute("SELECT count(*) FROM sections").fetchall()
    assert shared == sections
    assert not alone.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [SHARED_VALUES]
    ).fetchall()[0][0]
    lines = _ledger(together)
    assert len(lines) > 400 and {row[0] for row in lines} == set(SCHEMES)
    assert lines == _ledger(alone)
    together.close()
    alone.close()
