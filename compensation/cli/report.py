"""`ecocomp bulletin`, `ecocomp export districts|template`: the documents people use."""

from __future__ import annotations

import click

from compensation.cli.common import AppContext, issue_options, parse_issue_date, pass_app

# compensation.render is imported inside each command: it pulls in jinja2, matplotlib and openpyxl,
# which would slow down every other `ecocomp` command's start-up. The renderers take a connection,
# which each command opens from its `Store` for the length of the rendering only.


@click.command("bulletin")
@click.option("--period", required=True, metavar="YYYY-MM", help="通报月份，例如 2018-01。")
@click.option("--scheme", default="all", show_default=True,
              help="方案：all，或用逗号分隔的方案编号（yangtze_han、tongshun、daoguan）。")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "pdf", "docx"]),
              default="html", show_default=True,
              help="输出格式：html（单文件，可打印 A4）、md、pdf（需 Chromium）、docx（Word）。")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="输出文件。")
@issue_options("成文日期（落款日期，默认今天）；文号按该日期的年份编号。")
@pass_app
def bulletin_command(app: AppContext, period: str, scheme: str, fmt: str, out: str,
                     issued_on: str | None, profile: str | None) -> None:
    """生成月度通报（跨区断面水质考核生态补偿预核算情况），并记录其文号。"""
    from compensation.render import render_bulletin

    day = parse_issue_date(issued_on)
    with app.existing_store().writing() as con:  # the bulletin also records its number
        path = render_bulletin(con, period, fmt, out, scheme, issued_on=day, profile=profile)
    click.echo(f"已生成 {period} 月度通报：{path}")


@click.group("export")
def export_group() -> None:
    """导出给各区的工作簿和监测数据填报模板。"""


@export_group.command("districts")
@click.option("--year", required=True, type=int, help="年度，例如 2022。")
@click.option("--through", default=None, metavar="YYYY-MM",
              help="截至月份（默认：该年有核算结果的最后一个月）。")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="输出目录。")
@pass_app
def districts_command(app: AppContext, year: int, through: str | None, out: str) -> None:
    """为每个区（责任方）导出一个 Excel 工作簿：汇总、水质、台账、规则与参数。"""
    from compensation.render import export_districts

    with app.existing_store().reading() as con:
        paths = export_districts(con, year, out, through)
    click.echo(f"已导出 {len(paths)} 个工作簿到 {out}：")
    for path in paths:
        click.echo(f"  {path.name}")


@export_group.command("template")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="输出的 .xlsx 文件。")
@click.option("--indicators", default=None,
              help="指标代码，逗号分隔（默认：pH,DO,CODMn,COD,BOD5,NH3N,TP,TN）。")
@click.option("--rows", default=500, show_default=True, type=click.IntRange(1, 100000),
              help="预留的空白行数（带下拉列表）。")
@pass_app
def template_command(app: AppContext, out: str, indicators: str | None, rows: int) -> None:
    """导出空白的监测数据填报模板（宽表：断面 × 日期 × 指标），可由 ecocomp load samples 读回。"""
    from compensation.render import export_template

    with app.existing_store().reading() as con:
        path = export_template(con, out, indicators, rows)
    click.echo(f"已生成填报模板：{path}")


def register(group: click.Group) -> None:
    group.add_command(bulletin_command)
    group.add_command(export_group)
