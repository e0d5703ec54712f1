"""`ecocomp load parties|sections|samples`: registry and monitoring files into the store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from compensation.cli.common import AppContext, pass_app

if TYPE_CHECKING:
    import duckdb

    from compensation.ingest import LoadReport

ENCODING = click.option("--encoding", default=None,
                        help="CSV 文件编码（默认自动识别 UTF-8 / GBK），如 gbk、gb18030、big5。")


@contextmanager
def _store_for(app: AppContext, files: Sequence[str]) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store, opened only once every file is found; a store this very command created is
    removed again when the command fails, so a failed first load leaves no empty database."""
    from compensation.ingest.tables import require_file
    from compensation.store.connection import resolve_db_path

    for file in files:
        require_file(Path(file), file)
    db = resolve_db_path(app.db_path)
    created = not db.exists()
    con = app.open()
    try:
        yield con
    except BaseException:
        empty = created and con.execute("SELECT count(*) FROM batches").fetchall()[0][0] == 0
        con.close()
        if empty:
            for leftover in (db, db.with_name(db.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    con.close()


def _print(report: LoadReport) -> None:
    for line in report.lines():
        click.echo(line)


@click.group("load")
def load_group() -> None:
    """导入单位名录、断面名录或监测数据（CSV、XLSX、Parquet）。"""


@load_group.command("parties")
@click.argument("file", type=click.Path(dir_okay=False))
@ENCODING
@pass_app
def parties_command(app: AppContext, file: str, encoding: str | None) -> None:
    """导入单位名录（party_id, name, kind, note），按编号更新。"""
    from compensation.ingest import load_parties

    with _store_for(app, [file]) as con:
        _print(load_parties(con, file, encoding=encoding))


@load_group.command("sections")
@click.argument("file", type=click.Path(dir_okay=False))
@ENCODING
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None,
              help="规则目录（默认 ./rules 或 ECOCOMP_RULES）：断面所属方案须在其中。")
@pass_app
def sections_command(app: AppContext, file: str, encoding: str | None,
                     rules_dir: Path | None) -> None:
    """导入断面名录（section_id, name, river, ... valid_from, valid_to），按编号更新。"""
    from compensation.ingest import load_sections

    with _store_for(app, [file]) as con:
        _print(load_sections(con, file, encoding=encoding, rules_dir=rules_dir))


@load_group.command("samples")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@ENCODING
@pass_app
def samples_command(app: AppContext, files: tuple[str, ...], encoding: str | None) -> None:
    """导入监测数据（长表或宽表）；任何错误都不导入任何数据，同一文件重复导入无效果。"""
    from compensation.ingest import BarProgress, load_samples

    bar = BarProgress()
    try:
        with _store_for(app, files) as con:
            report = load_samples(con, list(files), encoding=encoding, progress=bar)
    finally:
        bar.close()
    _print(report)


def register(group: click.Group) -> None:
    group.add_command(load_group)
