"""`ecocomp load parties|sections|samples`: registry and monitoring files into the store, through
`Store.load_*` (which checks every file is there first and removes a database a failed first
load created)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from compensation.cli.common import AppContext, pass_app

if TYPE_CHECKING:
    from compensation.ingest import LoadReport

ENCODING = click.option("--encoding", default=None,
                        help="CSV 文件编码（默认自动识别 UTF-8 / GBK），如 gbk、gb18030、big5。")


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
    _print(app.store().load_parties(file, encoding=encoding))


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
    _print(app.store().load_sections(file, encoding=encoding, rules_dir=rules_dir))


@load_group.command("samples")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@ENCODING
@pass_app
def samples_command(app: AppContext, files: tuple[str, ...], encoding: str | None) -> None:
    """导入监测数据（长表或宽表）；任何错误都不导入任何数据，同一文件重复导入无效果。"""
    from compensation.ingest import BarProgress

    bar = BarProgress()
    try:
        report = app.store().load_samples(list(files), encoding=encoding, progress=bar)
    finally:
        bar.close()
    _print(report)


def register(group: click.Group) -> None:
    group.add_command(load_group)
