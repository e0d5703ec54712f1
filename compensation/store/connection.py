"""Opening the database: path resolution, the schema, the macros, and the write lock.

DuckDB lets one process write a file at a time; a second writer gets an IO error at connect. We wait
a bounded time for the lock and then say so in one sentence (`StoreBusy`), never a traceback.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import import_module
from pathlib import Path

import duckdb

from compensation.errors import EcocompError, StoreBusy
from compensation.store.functions import known_macros
from compensation.store.trace_compression import compress_traces

DEFAULT_DB = "ecocomp.duckdb"
SCHEMA_VERSION = 2
LOCK_WAIT_SECONDS = float(os.environ.get("ECOCOMP_LOCK_WAIT", "10"))
# DuckDB's buffer memory; beyond it, temporary tables and large joins and aggregates spill to
# <database>.tmp/. DuckDB's own default is 80% of the machine's memory, which on a bureau PC leaves
# little for anything else (a run of 10,000 sections with its traces took 4.5 GB). The cap covers
# DuckDB's buffers, not every allocation of the process: at 3GB an eight-year run of 10,000 sections
# peaked at 3.19e9 bytes, at 2.5GB at 2.74e9, so 2.5GB keeps the whole process under 3 GB.
DEFAULT_MEMORY_LIMIT = "2.5GB"

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


SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]i?B)", re.IGNORECASE)
SMALLEST_LIMIT = 256 * 10**6


def memory_limit() -> str:
    """`ECOCOMP_MEMORY_LIMIT` (a size: 2.5GB, 512MB, 2GiB), else DEFAULT_MEMORY_LIMIT. Checked here:
    DuckDB would read "80%" as 80 bytes and then fail every query."""
    text = os.environ.get("ECOCOMP_MEMORY_LIMIT", "").strip()
    if not text:
        return DEFAULT_MEMORY_LIMIT
    found = SIZE.fullmatch(text)
    if found is not None:
        number, unit = found.groups()
        step = 1024 if "i" in unit.lower() else 1000
        if float(number) * step ** " KMGT".index(unit[0].upper()) >= SMALLEST_LIMIT:
            return text
    raise EcocompError(
        f"环境变量 ECOCOMP_MEMORY_LIMIT 的值“{text}”不是可用的内存大小；应写成如 3GB、512MB 的"
        f"形式，至少 256MB。(ECOCOMP_MEMORY_LIMIT: expected a size of at least 256MB, e.g. 3GB)"
    )


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    limit = memory_limit()
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            # SET, not a connect-time config: a second connection in the same process (a test's,
            # an export's) would otherwise be refused as a different configuration
            con.execute(f"SET memory_limit = '{limit}'")
            return con
        except duckdb.IOException as err:
            if not _is_lock_error(err):
                raise
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"数据库 {path} 正被另一个 ecocomp 进程使用，等待 {wait:g} 秒后仍未释放；"
                    f"请待其结束后重试。(database {path} is in use by another process)"
                ) from None
            time.sleep(0.1)


@cache
def _sql_text(package: str, name: str) -> str:
    """A SQL file beside the package's modules, read once per process (a plain file read:
    `importlib.resources` cost 15 ms of every command's start)."""
    folder = Path(import_module(package).__file__ or "").parent
    return (folder / name).read_text(encoding="utf-8")


def sql_fingerprint() -> str:
    """sha256 of every SQL file run at init: a store made by other SQL is brought up to date."""
    digest = hashlib.sha256()
    for package, name in SQL_FILES:
        digest.update(_sql_text(package, name).encode("utf-8"))
    return digest.hexdigest()


_MACRO = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?MACRO\s+(\w+)", re.IGNORECASE)


def sql_macros() -> frozenset[str]:
    """The names of the macros the SQL files create."""
    return frozenset(macro for package, name in SQL_FILES
                     for macro in _MACRO.findall(_sql_text(package, name)))


def init_store(con: duckdb.DuckDBPyConnection) -> int:
    """Create or upgrade the schema and (re)define every macro; harmless to run twice."""
    for package, name in SQL_FILES:
        con.execute(_sql_text(package, name))
    _widen_party_kinds(con)
    compress_traces(con, _sql_text("compensation.store", "schema.sql"))
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?), ('sql_sha256', ?)",
        [str(SCHEMA_VERSION), sql_fingerprint()],
    )
    return SCHEMA_VERSION


def _widen_party_kinds(con: duckdb.DuckDBPyConnection) -> None:
    """A store made before the kinds province and other (and the label column) holds `parties`
    with the older CHECK; DuckDB cannot drop a constraint, so the small table is rebuilt once."""
    checks = con.execute(
        "SELECT expression FROM duckdb_constraints() WHERE table_name = 'parties'"
        " AND constraint_type = 'CHECK'"
    ).fetchall()
    if not checks or any("province" in (c[0] or "") for c in checks):
        return
    con.execute("CREATE TEMP TABLE _parties_before AS SELECT * FROM parties")
    con.execute("DROP TABLE parties")
    con.execute(_sql_text("compensation.store", "schema.sql"))
    con.execute("INSERT INTO parties BY NAME SELECT * FROM _parties_before")
    con.execute("DROP TABLE _parties_before")


def _needs_init(con: duckdb.DuckDBPyConnection) -> bool:
    # meta is read directly: asking information_schema whether it exists cost a third of the
    # start of a monthly command
    try:
        stored = dict(
            con.execute(
                "SELECT key, value FROM meta WHERE key IN ('schema_version', 'sql_sha256')"
            ).fetchall()
        )
    except duckdb.CatalogException:  # a new database: no meta table yet
        return True
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
    seconds = LOCK_WAIT_SECONDS if wait is None else wait
    con = _connect(db, read_only, seconds)
    current = not _needs_init(con)
    if not current and not read_only:
        with transaction(con):
            init_store(con)
        current = True
    elif not current:  # a reader of a store made by an older ecocomp: bring it up to date first
        con.close()
        _upgrade(db, seconds)
        con = _connect(db, True, seconds)
        current = True
    if current:  # made by the current SQL files: their macros are there (has_function)
        known_macros(con, sql_macros())
    return con


def _upgrade(db: Path, wait: float) -> None:
    """Bring a store made by other SQL files up to date, as a writer would on opening it.

    A read-only command (accounts, bulletin, export) on a store made by an older ecocomp would
    otherwise read tables without the columns this version writes and fail half-way."""
    try:
        con = _connect(db, False, wait)
    except duckdb.IOException as err:  # not a lock (those wait, then StoreBusy): a read-only file
        raise EcocompError(
            f"数据库 {db} 由较早版本的 ecocomp 建立，需要先升级才能读取，但无法写入它（{err}）；"
            "请在可写的位置用 ecocomp init 升级它的副本。(an older store that cannot be upgraded)"
        ) from None
    try:
        with transaction(con):
            init_store(con)
    finally:
        con.close()


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
