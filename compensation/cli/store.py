"""`ecocomp init`: create or upgrade the database schema."""

from __future__ import annotations

import click

from compensation.cli.common import AppContext, pass_app


@click.command("init")
@pass_app
def init_command(app: AppContext) -> None:
    """创建或升级数据库结构（可重复执行）。"""
    from compensation.store import init_store, resolve_db_path, transaction

    con = app.open()
    with transaction(con):
        version = init_store(con)
    con.close()
    click.echo(f"数据库 {resolve_db_path(app.db_path)} 已就绪，结构版本 {version}。")


def register(group: click.Group) -> None:
    group.add_command(init_command)
