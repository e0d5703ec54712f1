"""`ecocomp classify`: the GB 3838 class of one value."""

from __future__ import annotations

import click


@click.command("classify")
@click.option(
    "--indicator",
    "-i",
    required=True,
    help="指标：名称、代码或 HJ 525 编码，如 氨氮 / NH3-N / w21003。",
)
@click.option("--value", "-v", "value", required=True, help="测定值或时段均值，如 1.006。")
@click.option(
    "--water-body",
    type=click.Choice(["river", "lake"]),
    default="river",
    show_default=True,
    help="水体：river 河流，lake 湖库（总磷、总氮按湖库列）。",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def classify_command(indicator: str, value: str, water_body: str, as_json: bool) -> None:
    """按 GB 3838-2002 判定单个数值的水质类别（先按评价位数修约）。"""
    from compensation.quality.assess import assess_value

    result = assess_value(indicator, value, water_body)
    click.echo(result.to_json() if as_json else result.to_text())


def register(group: click.Group) -> None:
    group.add_command(classify_command)
