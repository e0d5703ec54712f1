"""`ecocomp doctor`: check the environment the outputs depend on (logic in compensation.doctor)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from compensation.cli.common import AppContext, pass_app


@click.command("doctor")
@click.option(
    "--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="规则目录（默认与 run 相同：ECOCOMP_RULES，否则 ./rules）。",
)
@pass_app
def doctor_command(app: AppContext, rules_dir: Path | None) -> None:
    """检查运行环境：数据库及其锁、规则文件、图表中文字体、PDF 用的 Chromium、LibreOffice、
    DuckDB 与 Python 版本；每项一行，缺什么、怎么装。核心所需缺失时退出码为 1。"""
    from compensation.doctor import exit_status, run_checks

    checks = run_checks(app.db_path, rules_dir)
    for check in checks:
        click.echo(check.line)
    sys.exit(exit_status(checks))


def register(group: click.Group) -> None:
    group.add_command(doctor_command)
