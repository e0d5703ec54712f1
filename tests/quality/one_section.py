"""A store with one batch and one assessed section: where the period-value tests write samples."""

from __future__ import annotations

from pathlib import Path

import duckdb

from compensation.store import open_store


def one_section_store(path: Path, section: str, name: str, water_body: str
                      ) -> duckdb.DuckDBPyConnection:
    """A new store at `path` with batch 1 (made 2023-12-01) and section `section` on a
    `water_body` (river or lake), assessed from 2018."""
    con = open_store(path)
    con.execute(
        "INSERT INTO batches VALUES (1, 'samples', 'p.csv', 'sha', 0, TIMESTAMP '2023-12-01', "
        "NULL, NULL)"
    )
    con.execute(
        "INSERT INTO sections VALUES (?, ?, ?, NULL, ?, 'assessed', NULL, NULL, "
        "NULL, ['t'], DATE '2018-01-01', NULL, NULL, NULL)",
        [section, section, name, water_body],
    )
    return con
