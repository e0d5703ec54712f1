"""What every command shares: the database path and the way to open it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import click
import duckdb

from compensation.errors import EcocompError
from compensation.store import open_store


@dataclass
class AppContext:
    """The global options of `ecocomp`, passed to every command."""

    db_path: str | None

    def open(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return open_store(self.db_path, read_only=read_only)


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
