"""The `ecocomp` command: a thin layer over the library.

Each module in this package that defines `register(group)` adds its commands; no logic lives here.
A command module imports only click at the top and the library inside each command, so that
`ecocomp --help` and every command start without the libraries other commands need (see
compensation/cli/common.py; tests/test_cli_startup.py holds the line).
Errors meant for people (EcocompError) are printed as one sentence with a non-zero exit status.
"""

from __future__ import annotations

import atexit
import importlib
import os
import sys
import threading
from pathlib import Path

import click

from compensation import __version__
from compensation.cli.common import AppContext
from compensation.errors import EcocompError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="DuckDB 数据库文件 (默认 ./ecocomp.duckdb，或环境变量 ECOCOMP_DB)。",
)
@click.version_option(__version__, prog_name="ecocomp")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None) -> None:
    """ecocomp：跨界断面水质生态补偿核算 (cross-boundary ecological compensation)."""
    ctx.obj = AppContext(db_path)


def _register_all() -> None:
    for source in sorted(Path(__file__).parent.glob("*.py")):
        if source.stem in ("__init__", "common"):
            continue
        module = importlib.import_module(f"{__name__}.{source.stem}")
        register = getattr(module, "register", None)
        if register is not None:
            register(cli)


_register_all()


def main() -> None:
    """Entry point: run the group, turning user errors into one clear sentence."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已取消。", err=True)
        sys.exit(1)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except EcocompError as err:
        click.echo(f"错误：{err}", err=True)
        sys.exit(err.exit_code)
    except Exception as err:  # noqa: BLE001 - the last line of defence against tracebacks
        if os.environ.get("ECOCOMP_DEBUG"):
            raise
        click.echo(
            f"内部错误：{type(err).__name__}: {err}（设置 ECOCOMP_DEBUG=1 可查看详细信息）",
            err=True,
        )
        sys.exit(70)


def entry() -> None:
    """The `ecocomp` console script: `main`, then leave without tearing the interpreter down.

    The teardown (clearing every module, a last garbage collection, unloading DuckDB) cost about
    2% of a monthly `run`'s instructions and does nothing a user sees: the database is closed and
    the output written by then. The exit functions still run (temporary files, logging), and with
    another thread alive, or output that cannot be flushed, the ordinary exit is taken. `main`
    itself returns as before, for callers that go on in the same process."""
    try:
        main()
        code = 0
    except SystemExit as end:
        if end.code is not None and not isinstance(end.code, int):
            raise
        code = end.code or 0
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    os._exit(code)
