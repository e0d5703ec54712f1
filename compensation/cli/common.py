"""What every command shares: the database path and the way to open it."""

from __future__ import annotations

from dataclasses import dataclass

import click
import duckdb

from compensation.store import open_store


@dataclass
class AppContext:
    """The global options of `ecocomp`, passed to every command."""

    db_path: str | None

    def open(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return open_store(self.db_path, read_only=read_only)


pass_app = click.make_pass_decorator(AppContext)
