"""Batches: every loaded file is one batch, identified by its sha256, with its raw bytes kept.

Loading the same bytes again is a no-op; a corrected file is a new batch whose values win for the
keys it covers (`superseded_by` on the older batches), while the older rows stay for reproduction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from pathlib import Path

import duckdb

CHUNK = 1 << 20
BIG_FILE = 64 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def compressed_bytes(path: Path) -> bytes:
    """zlib of the file, streamed; a faster level for big files (the bench loads 10M rows)."""
    level = 1 if path.stat().st_size > BIG_FILE else 6
    packer = zlib.compressobj(level)
    parts = []
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            parts.append(packer.compress(chunk))
    parts.append(packer.flush())
    return b"".join(parts)


def existing_batch(con: duckdb.DuckDBPyConnection, kind: str, sha: str) -> tuple | None:
    """(batch_id, file_name, loaded_at) of an earlier batch with these bytes, if any."""
    rows = con.execute(
        "SELECT batch_id, file_name, loaded_at FROM batches WHERE kind = ? AND sha256 = ? "
        "ORDER BY batch_id LIMIT 1", [kind, sha]).fetchall()
    return rows[0] if rows else None


def _next_loaded_at(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    """Now, but strictly after every earlier batch, so 'newest batch' is never a tie."""
    now = dt.datetime.now().replace(tzinfo=None)
    last = con.execute("SELECT max(loaded_at) FROM batches").fetchall()[0][0]
    if last is not None and now <= last:
        now = last + dt.timedelta(microseconds=1)
    return now


def create_batch(con: duckdb.DuckDBPyConnection, kind: str, path: Path, display: str, sha: str,
                 note: str | None = None) -> int:
    """Record a batch (row_count 0 until `finish_batch`) and keep the file's bytes."""
    batch_id = con.execute("SELECT nextval('batch_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO batches (batch_id, kind, file_name, sha256, row_count, loaded_at, note) "
        "VALUES (?, ?, ?, ?, 0, ?, ?)",
        [batch_id, kind, display, sha, _next_loaded_at(con), note])
    con.execute("INSERT INTO batch_files VALUES (?, ?)", [batch_id, compressed_bytes(path)])
    return int(batch_id)


def finish_batch(con: duckdb.DuckDBPyConnection, batch_id: int, rows: int) -> None:
    con.execute("UPDATE batches SET row_count = ? WHERE batch_id = ?", [rows, batch_id])


def supersede(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict[int, int]:
    """Mark older sample batches whose keys this batch covers; {older batch: rows replaced}."""
    rows = con.execute(
        """
        WITH new_keys AS (
            SELECT DISTINCT section_id, sampled_at, indicator FROM samples WHERE batch_id = ?
        )
        SELECT s.batch_id, count(*) FROM samples s
        JOIN new_keys USING (section_id, sampled_at, indicator)
        WHERE s.batch_id < ? GROUP BY s.batch_id ORDER BY s.batch_id
        """, [batch_id, batch_id]).fetchall()
    replaced = {int(b): int(n) for b, n in rows}
    if replaced:
        con.execute(
            "UPDATE batches SET superseded_by = ? WHERE batch_id IN (SELECT unnest(?))",
            [batch_id, list(replaced)])
    return replaced


def read_batch_file(con: duckdb.DuckDBPyConnection, batch_id: int) -> bytes:
    """The original bytes of a batch's file, as loaded."""
    rows = con.execute("SELECT content FROM batch_files WHERE batch_id = ?", [batch_id]).fetchall()
    if not rows:
        raise KeyError(batch_id)
    return zlib.decompress(rows[0][0])
