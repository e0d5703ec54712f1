"""Filling a store for a case without timing it: direct SQL inserts, no engine code.

Cases 2–4 measure computations over data that is already in the store; loading 13 million rows
through the ingest first would only slow the benchmark down. When the ingest exists, case 3 reads
the store that case 1's ingest produced instead (see `bench.cases`).
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from compensation.store import open_store, transaction

LOADED_AT = datetime(2026, 1, 1)

_SECTION_COLUMNS = ("section_id, name, river, bank, water_body, role, party_id, control_id, "
                    "river_order, schemes, valid_from, valid_to, note, batch_id")


def make_template(path: Path) -> Path:
    """An empty initialised store to copy: initialising one costs seconds (the SQL macros)."""
    for old in (path, path.with_name(path.name + ".wal")):
        old.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    open_store(path).close()
    return path


def fresh_store(path: Path, template: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A new, initialised store file (an old one at `path` is removed first)."""
    for old in (path, path.with_name(path.name + ".wal")):
        old.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    if template is not None and template.exists():
        shutil.copyfile(template, path)
    return open_store(path)


def _new_batch(con: duckdb.DuckDBPyConnection, kind: str, file_name: str, rows: int) -> int:
    batch = con.execute("SELECT nextval('batch_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO batches (batch_id, kind, file_name, sha256, row_count, loaded_at, note) "
        "VALUES (?, ?, ?, ?, ?, ?, 'bench: direct insert')",
        [batch, kind, file_name, f"bench-{batch}", rows, LOADED_AT],
    )
    return batch


def insert_registry(con: duckdb.DuckDBPyConnection, parties_csv: Path,
                    sections_csv: Path) -> None:
    """Parties and sections from the generated registry files."""
    with parties_csv.open(encoding="utf-8") as fh:
        parties = [(r["party_id"], r["name"], r["kind"], r["note"]) for r in csv.DictReader(fh)]
    batch = _new_batch(con, "parties", parties_csv.name, len(parties))
    con.executemany("INSERT INTO parties (party_id, name, kind, note, batch_id) "
                    f"VALUES (?, ?, ?, ?, {batch})", parties)
    batch = _new_batch(con, "sections", sections_csv.name, 0)
    con.execute(
        f"""INSERT INTO sections ({_SECTION_COLUMNS})
            SELECT section_id, name, river, bank, water_body, role, nullif(party_id, ''),
                   nullif(control_id, ''), river_order, string_split(schemes, ';'),
                   CAST(valid_from AS DATE), CAST(nullif(valid_to, '') AS DATE), note, ?
            FROM read_csv(?, all_varchar = true)""",
        [batch, str(sections_csv)],
    )


def insert_manual_samples(con: duckdb.DuckDBPyConnection, samples_csv: Path) -> int:
    """The long CSV parsed in SQL: `0.025L`/`<0.01` non-detects, 断流 a flag, the rest numbers."""
    batch = _new_batch(con, "samples", samples_csv.name, 0)
    con.execute(
        """INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value,
                               below_dl, detection_limit, flag, source)
           SELECT ?, CAST(row_number() OVER () AS INTEGER) , section, CAST(sampled_at AS TIMESTAMP),
                  indicator,
                  CASE WHEN value = '断流' OR value LIKE '%L' OR value LIKE '<%' THEN NULL
                       ELSE CAST(value AS DECIMAL(18,6)) END,
                  value LIKE '%L' OR value LIKE '<%',
                  CASE WHEN value LIKE '%L' THEN CAST(rtrim(value, 'L') AS DECIMAL(18,6))
                       WHEN value LIKE '<%' THEN CAST(ltrim(value, '<') AS DECIMAL(18,6)) END,
                  CASE WHEN value = '断流' THEN 'no_flow' END, 'manual'
           FROM read_csv(?, all_varchar = true)""",
        [batch, str(samples_csv)],
    )
    rows = con.execute("SELECT count(*) FROM samples WHERE batch_id = ?", [batch]).fetchall()
    con.execute("UPDATE batches SET row_count = ? WHERE batch_id = ?", [rows[0][0], batch])
    return rows[0][0]


def build_manual_store(path: Path, parties_csv: Path, sections_csv: Path,
                       samples_csv: Path, template: Path | None = None) -> int:
    """A store with the manual network loaded by direct SQL; returns the sample row count."""
    con = fresh_store(path, template)
    with transaction(con):
        insert_registry(con, parties_csv, sections_csv)
        rows = insert_manual_samples(con, samples_csv)
    con.close()
    return rows


def build_auto_store(path: Path, sections: list[str], lakes: set[str],
                     samples_parquet: Path, template: Path | None = None) -> int:
    """A store with automatic-station sections and their 4-hourly samples (source 'auto')."""
    con = fresh_store(path, template)
    with transaction(con):
        batch = _new_batch(con, "sections", "bench-auto-sections", len(sections))
        con.executemany(
            f"INSERT INTO sections ({_SECTION_COLUMNS}) VALUES "
            "(?, ?, '合成河', NULL, ?, 'control', NULL, NULL, ?, ['bench'], DATE '2015-01-01', "
            f"NULL, '合成数据 synthetic (bench)', {batch})",
            [(s, f"合成自动站{i:04d}", "lake" if s in lakes else "river", i + 1)
             for i, s in enumerate(sections)],
        )
        batch = _new_batch(con, "samples", samples_parquet.name, 0)
        con.execute(
            """INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value,
                                   below_dl, detection_limit, flag, source)
               SELECT ?, CAST(row_number() OVER () AS INTEGER), section_id, sampled_at, indicator,
                      CAST(CAST(value_units AS DECIMAL(18,0))
                           * CASE decimals WHEN 2 THEN 0.01 ELSE 0.001 END AS DECIMAL(18,6)),
                      below_dl, CAST(detection_limit AS DECIMAL(18,6)), flag, 'auto'
               FROM read_parquet(?)""",
            [batch, str(samples_parquet)],
        )
        rows = con.execute("SELECT count(*) FROM samples").fetchall()[0][0]
        con.execute("UPDATE batches SET row_count = ? WHERE batch_id = ?", [rows, batch])
    con.close()
    return rows
