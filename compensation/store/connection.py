"""Opening the database: path resolution, the schema, the macros, and the write lock.

DuckDB lets one process write a file at a time; a second writer gets an IO error at connect. We wait
a bounded time for the lock and then say so in one sentence (`StoreBusy`), never a traceback.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from compensation.errors import EcocompError, StoreBusy

DEFAULT_DB = "ecocomp.duckdb"
SCHEMA_VERSION = 2
LOCK_WAIT_SECONDS = float(os.environ.get("ECOCOMP_LOCK_WAIT", "10"))

# SQL files run at init, in order; other packages add theirs here (quality macros, ...).
SQL_FILES: list[tuple[str, str]] = [
    ("compensation.store", "schema.sql"),
    ("compensation.store", "macros.sql"),
    ("compensation.quality", "quality.sql"),
]


def resolve_db_path(path: str | os.PathLike[str] | None = None) -> Path:
    """`--db` wins, then `ECOCOMP_DB`, then ./ecocomp.duckdb."""
    return Path(path or os.environ.get("ECOCOMP_DB") or DEFAULT_DB)


def _is_lock_error(err: Exception) -> bool:
    text = str(err).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as err:
            if not _is_lock_error(err):
                raise
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"数据库 {path} 正被另一个 ecocomp 进程使用，等待 {wait:g} 秒后仍未释放；"
                    f"请待其结束后重试。(database {path} is in use by another process)"
                ) from None
            time.sleep(0.1)


def _sql_text(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def sql_fingerprint() -> str:
    """sha256 of every SQL file run at init: a store made by other SQL is brought up to date."""
    digest = hashlib.sha256()
    for package, name in SQL_FILES:
        digest.update(_sql_text(package, name).encode("utf-8"))
    return digest.hexdigest()


def init_store(con: duckdb.DuckDBPyConnection) -> int:
    """Create or upgrade the schema and (re)define every macro; harmless to run twice."""
    for package, name in SQL_FILES:
        con.execute(_sql_text(package, name))
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?), ('sql_sha256', ?)",
        [str(SCHEMA_VERSION), sql_fingerprint()],
    )
    return SCHEMA_VERSION


def _needs_init(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()
    if rows[0][0] == 0:
        return True
    stored = dict(
        con.execute(
            "SELECT key, value FROM meta WHERE key IN ('schema_version', 'sql_sha256')"
        ).fetchall()
    )
    if int(stored.get("schema_version", "0")) < SCHEMA_VERSION:
        return True
    return stored.get("sql_sha256") != sql_fingerprint()


def open_store(
    path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    wait: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (and on first use initialise) the store; raise StoreBusy if the lock is not freed."""
    db = resolve_db_path(path)
    if read_only and not db.exists():
        raise EcocompError(
            f"数据库文件 {db} 不存在；请先用 ecocomp init 或 ecocomp load 建立它，"
            "或用 --db 指定已有的数据库。"
        )
    con = _connect(db, read_only, LOCK_WAIT_SECONDS if wait is None else wait)
    if not read_only and _needs_init(con):
        with transaction(con):
            init_store(con)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One command, one transaction: on any error nothing it wrote remains."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
