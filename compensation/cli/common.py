"""What every command shares: the database path and the way to open it.

Command modules import only click and this module at the top: `ecocomp --help` lists every
command without loading DuckDB, polars, the rule compiler or the renderers; a command imports
the library it calls inside its function, when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import duckdb


@dataclass
class AppContext:
    """The global options of `ecocomp`, passed to every command."""

    db_path: str | None

    def open(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        from compensation.store import open_store

        return open_store(self.db_path, read_only=read_only)

    def open_existing(self, write: bool = False) -> duckdb.DuckDBPyConnection:
        """For commands that read (the bulletin also records its number, `write`): a database
        that does not exist is a sentence naming the commands that make one, never an empty
        report or an IO error."""
        from compensation.errors import EcocompError
        from compensation.store import resolve_db_path

        path = resolve_db_path(self.db_path)
        if not path.is_file():
            raise EcocompError(
                f"数据库 {path} 不存在；请先用 ecocomp demo 或 ecocomp load 载入数据并用 "
                f"ecocomp run 核算，或用 --db 指定数据库文件。(database {path} does not exist)"
            )
        return self.open(read_only=not write)


pass_app = click.make_pass_decorator(AppContext)
