"""What every command shares: the database path and the `Store` (the Python API) over it.

The command line is a client of the API (`compensation.api.Store`): commands get their figures
from the store's methods and only word them. Command modules import only click and this module at
the top: `ecocomp --help` lists every command without loading DuckDB, polars, the rule compiler or
the renderers; a command imports the library it calls inside its function, when it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from compensation.errors import EcocompError

if TYPE_CHECKING:
    from compensation.api.store import Store


@dataclass
class AppContext:
    """The global options of `ecocomp`, passed to every command."""

    db_path: str | None

    def store(self) -> Store:
        """The store of `--db` (else ECOCOMP_DB, else ./ecocomp.duckdb)."""
        from compensation.api.store import Store

        return Store(self.db_path)

    def existing_store(self) -> Store:
        """For commands that read: a database that does not exist is a sentence naming the
        commands that make one, never an empty report or an IO error."""
        store = self.store()
        if not store.exists():
            raise EcocompError(
                f"数据库 {store.path} 不存在；请先用 ecocomp demo 或 ecocomp load 载入数据并用 "
                f"ecocomp run 核算，或用 --db 指定数据库文件。(database {store.path} does not "
                "exist)"
            )
        return store


pass_app = click.make_pass_decorator(AppContext)


PROFILE_HELP = "发文设置文件（默认 ECOCOMP_PROFILE 或 data/registry/issuing.toml）。"


def issue_options(date_help: str) -> Callable[[Any], Any]:
    """`--date` (passed as `issued_on`) and `--profile`: the options of every issued document."""

    def decorate(func: Any) -> Any:
        func = click.option("--profile", default=None, type=click.Path(dir_okay=False),
                            help=PROFILE_HELP)(func)
        return click.option("--date", "issued_on", default=None, metavar="YYYY-MM-DD",
                            help=date_help)(func)

    return decorate


def parse_issue_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise EcocompError(
            f"日期“{text}”的格式不对：应为 年-月-日，例如 2025-01-10。(--date YYYY-MM-DD)"
        ) from None
