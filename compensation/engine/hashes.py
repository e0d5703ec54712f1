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


# How `lines_hash` is computed; runs record it (`runs.hash_version`, NULL on runs made before the
# column: version 1, one sha256 over a string of every line and trace). Only runs of the same
# version are compared ("same inputs, same result"). Version 2 hashes each line (a JSON list of its
# fields: no separator can be forged by a field's text, NULL stays distinct from '-'; the trace
# enters as its md5, which costs half of hashing it with sha256 and still changes with any byte),
# then each (rule, period) from its lines' hashes in sorted order, then the run from its periods
# in key order: no string longer than one period's hashes (a ten-year run's single string of 1.1M
# lines and traces ran DuckDB out of memory), the same digest whatever the physical row order.
HASH_VERSION = 2

LINES_HASH_SQL = """
WITH line AS (
    SELECT rule, period_start, period_end,
           sha256(CAST(to_json([rule, CAST(period_start AS VARCHAR),
                                CAST(period_end AS VARCHAR), section_id, payer, payee,
                                CAST(amount AS VARCHAR), branch, exception, reason,
                                {trace_md5}]) AS VARCHAR)) AS h
    FROM {table}
), period AS (
    SELECT rule, period_start, period_end, count(*) AS n, sha256(string_agg(h, '' ORDER BY h)) AS h
    FROM line GROUP BY rule, period_start, period_end
)
SELECT sha256(COALESCE(string_agg(concat_ws('|', rule, CAST(period_start AS VARCHAR),
                                            CAST(period_end AS VARCHAR), CAST(n AS VARCHAR), h),
                                  chr(10) ORDER BY rule, period_start, period_end), ''))
FROM period
"""


TRACE_MD5 = "md5(CAST(trace AS VARCHAR))"


def lines_hash_sql(table: str, trace_md5: str = TRACE_MD5) -> str:
    """LINES_HASH_SQL over `table`; `trace_md5`: a column already holding each trace's md5 (a run
    takes it once while staging its lines), else the expression that takes it."""
    return LINES_HASH_SQL.format(table=table, trace_md5=trace_md5)


def lines_hash(con: duckdb.DuckDBPyConnection, table: str, trace_md5: str = TRACE_MD5) -> str:
    """One hash over the content of a run's lines (not their ids or order): version HASH_VERSION."""
    return str(con.execute(lines_hash_sql(table, trace_md5)).fetchall()[0][0])
