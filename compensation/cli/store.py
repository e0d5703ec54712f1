"""`ecocomp init`: create or upgrade the database schema (`Store.init`)."""

from __future__ import annotations

import click

from compensation.cli.common import AppContext, pass_app


@click.command("init")
@pass_app
def init_command(app: AppContext) -> None:
    """创建或升级数据库结构（可重复执行）。"""
    store = app.store()
    version = store.init()
    click.echo(f"数据库 {store.path} 已就绪，结构版本 {version}。")


def register(group: click.Group) -> None:
    group.add_command(init_command)
