"""`load_samples`: monitoring files (long or wide; CSV, XLSX, Parquet) into the samples table.

All files of one call are read and checked first; any problem in any file stops the whole call
before anything is written. Then, in one transaction, each file becomes a batch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from compensation.ingest.batches import (
    create_batch,
    existing_batch,
    file_sha256,
    finish_batch,
    supersede,
)
from compensation.ingest.problems import ProblemList
from compensation.ingest.progress import ProgressFn, no_progress
from compensation.ingest.report import BatchResult, LoadReport
from compensation.ingest.resolve import drop_work_tables, has_duplicate_keys, resolve_rows
from compensation.ingest.shape import detect_shape, long_view_sql
from compensation.ingest.tables import read_table
from compensation.store import transaction

PHASES = 5


@dataclass
class _Checked:
    path: Path
    display: str
    sha: str
    tag: str
    res: str
    rows: int


def _check_file(con: duckdb.DuckDBPyConnection, path: Path, display: str, sha: str, tag: str,
                encoding: str | None, problems: ProblemList, report: LoadReport,
                progress: ProgressFn) -> _Checked | None:
    label = f"读取 {display}"
    # ~40 bytes per row, for the xlsx bar; a missing file is reported by read_table
    size_hint = max(1, path.stat().st_size // 40) if path.is_file() else 1
    read_rows = 0

    def reading(n: int) -> None:
        nonlocal read_rows
        read_rows += n
        progress(label, min(read_rows, size_hint), size_hint)

    raw = read_table(con, path, display, f"_stage_{tag}", encoding=encoding, progress=reading)
    report.notes.extend(raw.notes)
    shape = detect_shape(con, raw, problems)
    if shape is None:
        return None
    norm = f"_norm_{tag}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {norm} AS {long_view_sql(raw, shape)}")
    done = 0
    check_label = f"校验 {display}"

    def step() -> None:
        nonlocal done
        done += 1
        progress(check_label, raw.rows * done // PHASES, raw.rows)

    before = problems.total
    res = resolve_rows(con, raw, shape, norm, tag, problems, step)
    con.execute(f"DROP VIEW {norm}")              # the raw cells are no longer needed
    con.execute(f"DROP TABLE {raw.table}")
    if problems.total > before:
        return None
    rows = con.execute(f"SELECT count(*) FROM {res}").fetchall()[0][0]
    return _Checked(path, display, sha, tag, res, rows)


def _insert(con: duckdb.DuckDBPyConnection, checked: _Checked, batch_id: int) -> int:
    dedupe = ""
    if has_duplicate_keys(con, checked.tag):  # agreeing duplicates: keep the first row
        dedupe = "QUALIFY row_number() OVER (PARTITION BY section_id, ts, code ORDER BY row_no) = 1"
    con.execute(
        f"INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value, "
        f"below_dl, detection_limit, flag, source) "
        f"SELECT ?, row_no, section_id, ts, code, value, below_dl, detection_limit, flag, source "
        f"FROM {checked.res} {dedupe}", [batch_id])
    return int(con.execute("SELECT count(*) FROM samples WHERE batch_id = ?",
                           [batch_id]).fetchall()[0][0])


def load_samples(con: duckdb.DuckDBPyConnection,
                 paths: Sequence[str | os.PathLike[str]], encoding: str | None = None, *,
                 progress: ProgressFn = no_progress) -> LoadReport:
    """Load monitoring files as new batches, all or nothing; files seen before are skipped."""
    report = LoadReport("samples")
    problems = ProblemList()
    with transaction(con):
        checked: list[_Checked] = []
        seen: dict[str, str] = {}
        tags = []
        try:
            for number, given in enumerate(paths, start=1):
                path, display = Path(given), str(given)
                sha = file_sha256(path) if path.is_file() else ""
                earlier = existing_batch(con, "samples", sha) if sha else None
                if earlier is not None:
                    report.batches.append(BatchResult(display, earlier[0], 0, skipped=True))
                    continue
                if sha and sha in seen:
                    report.notes.append(
                        f"{display}：与本次命令中的 {seen[sha]} 内容相同，只导入一次。")
                    continue
                seen[sha] = display
                tag = f"s{number}"
                tags.append(tag)
                item = _check_file(con, path, display, sha, tag, encoding, problems, report,
                                   progress)
                if item is not None:
                    checked.append(item)
            problems.raise_if_any("样品数据")
            for item in checked:
                progress(f"写入 {item.display}", 0, item.rows)
                batch_id = create_batch(con, "samples", item.path, item.display, item.sha)
                rows = _insert(con, item, batch_id)
                finish_batch(con, batch_id, rows)
                replaced = supersede(con, batch_id)
                progress(f"写入 {item.display}", item.rows, item.rows)
                report.batches.append(BatchResult(item.display, batch_id, rows,
                                                  superseded=replaced))
        finally:
            for tag in tags:
                drop_work_tables(con, tag)
    return report
