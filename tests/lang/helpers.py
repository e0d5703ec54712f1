"""Small real databases for rule tests: sections and samples inserted, period values through the
quality macros (one sample per month at assessment precision, so the monthly mean is the value)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from compensation.lang import compile_file, prepare_run
from compensation.store import open_store

AS_OF = datetime(2030, 1, 1)
RULES = Path(__file__).resolve().parents[2] / "rules"


def new_store(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = open_store(tmp_path / "t.duckdb")
    con.execute(
        "INSERT INTO batches VALUES (1, 'samples', 'test.csv', 'x', 0, ?, NULL, NULL)",
        [datetime(2000, 1, 1)],
    )
    return con


def add_section(
    con: duckdb.DuckDBPyConnection,
    section_id: str,
    scheme: str,
    *,
    role: str = "assessed",
    party: str | None = None,
    control: str | None = None,
    water_body: str = "river",
    valid_from: date = date(2000, 1, 1),
    river: str = "测试河",
) -> None:
    con.execute(
        "INSERT INTO sections (section_id, name, river, bank, water_body, role, party_id, "
        "control_id, river_order, schemes, valid_from) "
        "VALUES (?, ?, ?, NULL, ?, ?, ?, ?, 1, ?, ?)",
        [section_id, section_id, river, water_body, role, party, control, [scheme], valid_from],
    )


_row = [0]


def add_sample(
    con: duckdb.DuckDBPyConnection,
    section_id: str,
    when: date | datetime,
    indicator: str,
    value: str | None,
    flag: str | None = None,
    source: str = "manual",
) -> None:
    _row[0] += 1
    at = when if isinstance(when, datetime) else datetime(when.year, when.month, when.day, 10)
    con.execute(
        "INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value, "
        "below_dl, detection_limit, flag, source) VALUES (1, ?, ?, ?, ?, ?, false, NULL, ?, ?)",
        [
            _row[0],
            section_id,
            at,
            indicator,
            Decimal(value) if value is not None else None,
            flag,
            source,
        ],
    )


def run_rules(
    con: duckdb.DuckDBPyConnection, path: Path | str, start: date, end: date, scenarios=None
) -> list[dict]:
    compiled = compile_file(path)
    prepare_run(con, compiled, start, end, AS_OF, scenarios)
    out = []
    for rule in compiled.rules:
        # the rule's query leaves the order to its reader (the ledger numbers its lines)
        cur = con.execute(
            f"SELECT * FROM ({rule.sql}) ORDER BY scenario, period_start, section_id, payer, payee"
        )
        names = [d[0] for d in cur.description]
        out += [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return out
