"""`ecocomp demo`: rebuild the demo database from data/ and print what was done."""

from __future__ import annotations

from pathlib import Path

import click

from compensation.cli.common import AppContext, pass_app

# compensation.demo.DEFAULT_OUT_DIR, written here so that every other command starts without
# importing the demo's module (tests/test_cli_startup.py checks both agree)
OUT_DIR_SHOWN = "demo-out"


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(OUT_DIR_SHOWN),
    show_default=True,
    help="输出目录；演示数据库默认为 DIR/ecocomp.duckdb（全局 --db 可另行指定）。",
)
@pass_app
def demo_command(app: AppContext, out_dir: Path) -> None:
    """用 data/ 中的合成演示数据重建演示数据库，并打印摘要。"""
    from compensation.demo import build_demo

    db_path = Path(app.db_path) if app.db_path else None
    report = build_demo(out_dir, db_path, echo=click.echo)
    click.echo("\n".join(report.summary_lines()))


def register(group: click.Group) -> None:
    group.add_command(demo_command)
