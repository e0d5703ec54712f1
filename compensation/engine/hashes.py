"""The fingerprints a run records, so that "same inputs" can be checked and shown."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from compensation.engine.schemes import canonical_json, sha256_text


def rules_hash(path: Path) -> str:
    """The bytes of the rule file: any edit, even a comment, is a different rule text."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def visible_batches(con: duckdb.DuckDBPyConnection, as_of: datetime) -> list[tuple[int, str]]:
    """(batch_id, sha256) of every batch loaded at or before `as_of`, in id order."""
    return [
        (int(r[0]), str(r[1]))
        for r in con.execute(
            "SELECT batch_id, sha256 FROM batches WHERE loaded_at <= ? ORDER BY batch_id", [as_of]
        ).fetchall()
    ]


def data_hash(batches: list[tuple[int, str]]) -> str:
    return sha256_text("\n".join(f"{bid}:{sha}" for bid, sha in batches))


def params_hash(
    con: duckdb.DuckDBPyConnection, parameters: Any, scenario: str = "base",
    resolved: bool = False,
) -> str:
    """The resolved parameter table of the run (`ev_param_values`, scenario included).

    Without that table (a scheme prepared by other means) the compiled dated parameters stand in.
    `resolved`: the caller ran `prepare_run`, so the table exists (asking DuckDB's catalog cost
    a few ms of CPU per scheme).
    """
    exists = resolved or con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ev_param_values' AND temporary"
    ).fetchall()[0][0]
    if not exists:
        return sha256_text(canonical_json({"scenario": scenario, "parameters": parameters}))
    text = con.execute(
        """SELECT COALESCE(string_agg(concat_ws('|', scheme, scenario, name,
                      CAST(valid_from AS VARCHAR), COALESCE(CAST(valid_to AS VARCHAR), '-'),
                      COALESCE(CAST(num AS VARCHAR), '-'), COALESCE(txt, '-'),
                      COALESCE(CAST(lst AS VARCHAR), '-')), chr(10)
                  ORDER BY scheme, scenario, name, valid_from), '')
           FROM ev_param_values WHERE scenario = ?""",
        [scenario],
    ).fetchall()[0][0]
    return sha256_text(f"{scenario}\n{text}")


LINES_HASH_SQL = """
SELECT sha256(COALESCE(string_agg(concat_ws('|',
        rule, CAST(period_start AS VARCHAR), CAST(period_end AS VARCHAR),
        COALESCE(section_id, '-'), payer, payee, CAST(amount AS VARCHAR),
        COALESCE(branch, '-'), COALESCE(exception, '-'), COALESCE(reason, '-'),
        COALESCE(CAST(trace AS VARCHAR), '-')), chr(10)
    ORDER BY rule_order, period_start, period_end, section_id NULLS FIRST, payer, payee, amount,
             branch, exception, reason, CAST(trace AS VARCHAR)), ''))
FROM {table}
"""


def lines_hash(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """One hash over the content of a run's lines (not their ids), in a fixed order."""
    return str(con.execute(LINES_HASH_SQL.format(table=table)).fetchall()[0][0])
