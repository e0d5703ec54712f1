"""The engine's entry points as the benchmarks call them, and how to tell that one is missing.

The parts are written in parallel by other engineers; a part that does not exist yet raises
`NotAvailable`, which the runner prints as "not available" instead of failing.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Callable
from typing import Any

import duckdb


class NotAvailable(Exception):
    """The engine part a case needs does not exist (yet); str() says which."""


def engine_function(module: str, name: str) -> Callable[..., Any]:
    """`module.name`, or NotAvailable naming what is missing."""
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        found = None
    if found is None:
        raise NotAvailable(f"{module}.{name} 尚未提供 (not available yet)")
    return found


def require_table_macro(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """NotAvailable unless the store defines the SQL (table) macro `name`."""
    rows = con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = ?", [name]
    ).fetchall()
    if rows[0][0] == 0:
        raise NotAvailable(f"SQL 宏 {name} 尚未提供 (not available yet)")


def ecocomp_executable() -> str:
    """Path of the `ecocomp` console script, or NotAvailable."""
    path = shutil.which("ecocomp")
    if path is None:
        raise NotAvailable("找不到 ecocomp 命令 (console script not installed)")
    return path


def require_command(module: str) -> None:
    """NotAvailable unless `compensation.cli.<module>` exists (e.g. the demo command)."""
    try:
        importlib.import_module(f"compensation.cli.{module}")
    except ImportError:
        raise NotAvailable(
            f"命令模块 compensation.cli.{module} 尚未提供 (not available yet)") from None
