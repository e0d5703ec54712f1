"""`ecocomp scenario list|compare|sweep|risk|workbench|brief`: negotiation what-ifs (no ledger
writes). compare, sweep and workbench are computed by `Store` (the Python API)."""

from __future__ import annotations

from pathlib import Path

import click

from compensation.cli.common import AppContext, issue_options, parse_issue_date, pass_app

SCHEME_HELP = "方案编号（rules/<方案>.rule），如 tongshun、yangtze_han、daoguan。"
OUT_HELP = "写出文件：.xlsx（每个视图一个工作表）或 .html（单文件，含图）。"


def _out(value: str | None) -> Path | None:
    return Path(value) if value else None


@click.group("scenario")
def scenario_group() -> None:
    """协议谈判情景：比较条款、参数扫描与平衡点、未来风险（不写入台账）。"""


@scenario_group.command("list")
@click.option("--scheme", default=None, help="只列出适用于该方案的情景。")
def list_cmd(scheme: str | None) -> None:
    """列出 data/scenarios/ 中的情景文件（base 为规则文件本身）。"""
    from compensation.scenario.commands import list_command

    click.echo(list_command(scheme))


@scenario_group.command("compare")
@click.argument("base")
@click.argument("scenarios", nargs=-1, required=True)
@click.option("--scheme", required=True, help=SCHEME_HELP)
@click.option("--years", default=None, metavar="YYYY[-YYYY]",
              help="比较的年份，如 2022-2024（默认：协议期内有监测数据的每一年）。")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help=OUT_HELP)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（金额为元，字符串）。")
@pass_app
def compare_cmd(app: AppContext, base: str, scenarios: tuple[str, ...], scheme: str,
                years: str | None,
                out: str | None, as_json: bool) -> None:
    """按年、按月比较各情景下双方净额及与基准之差，并逐月说明原因。

    BASE、SCENARIO 为 base、data/scenarios/ 中的情景名或 .toml 路径；用“+”叠加（后者优先），
    如 target_iii+amount_500。
    """
    from compensation.scenario.commands import compare_output

    result = app.existing_store().compare(scheme, base, scenarios, years)
    click.echo(compare_output(result.result, _out(out), as_json))


@scenario_group.command("sweep")
@click.option("--scheme", required=True, help=SCHEME_HELP)
@click.option("--param", "params", multiple=True, required=True,
              metavar="NAME=A..B/STEP|NAME=V1,V2",
              help="扫描的参数，可重复：范围 annual_amount=100万..600万/50万，"
                   "或列举 target=III,IV。")
@click.option("--years", default=None, metavar="YYYY[-YYYY]",
              help="计算的年份，如 2022-2024（默认：协议期内有监测数据的每一年）。")
@click.option("--on", default=None, help="在某个情景（可叠加）之上扫描。")
@click.option("--break-even", "break_even_param", default=None, metavar="PARAM",
              help="求该数值参数使所选年份净额为零的值（精确到分）。")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help=OUT_HELP)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_app
def sweep_cmd(app: AppContext, scheme: str, params: tuple[str, ...], years: str | None,
              on: str | None,
              break_even_param: str | None, out: str | None, as_json: bool) -> None:
    """参数网格（笛卡尔积）一次查询算完，报告各情景净额；可求平衡点。"""
    from compensation.scenario.commands import sweep_output

    result = app.existing_store().sweep(scheme, list(params), years, on=on,
                                        break_even=break_even_param)
    click.echo(sweep_output(result.result, _out(out), as_json))


@scenario_group.command("risk")
@click.argument("scenarios", nargs=-1)
@click.option("--scheme", required=True, help=SCHEME_HELP)
@click.option("--years-ahead", default=3, show_default=True, type=int, help="模拟未来年数。")
@click.option("--draws", default=2000, show_default=True, type=int, help="模拟次数。")
@click.option("--seed", default=0, show_default=True, type=int, help="随机种子（同种子同结果）。")
@click.option("--history", default=None, metavar="YYYY-YYYY",
              help="重抽样的历史年份（默认：12 个月都有数据的各年）。")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help=OUT_HELP)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_app
def risk_cmd(app: AppContext, scenarios: tuple[str, ...], scheme: str, years_ahead: int,
             draws: int, seed: int, history: str | None, out: str | None,
             as_json: bool) -> None:
    """按协议执行期内各断面·期间重抽样模拟未来，报告各情景期望净额、5%–95%区间和双方付款概率。

    SCENARIO 省略时只算 base。
    """
    from compensation.scenario.commands import risk_command

    with app.existing_store().reading() as con:
        click.echo(risk_command(con, scheme, scenarios, years_ahead, draws, seed, history,
                                _out(out), as_json))


@scenario_group.command("workbench")
@click.option("--scheme", required=True, help=SCHEME_HELP)
@click.option("--param", "params", multiple=True, required=True,
              metavar="NAME=A..B/STEP|NAME=V1,V2",
              help="可协商参数的取值网格，可重复（写法同 sweep），每个参数在页面上有一个控件。")
@click.option("--years", required=True, metavar="YYYY[-YYYY]", help="计算的年份，如 2022-2024。")
@click.option("--on", default=None, help="在某个情景（可叠加）之上扫描。")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="写出的单个 HTML 文件（不联网，可拷贝、发送）。")
@pass_app
def workbench_cmd(app: AppContext, scheme: str, params: tuple[str, ...], years: str,
                  on: str | None, out: str) -> None:
    """谈判工作台：整个参数网格一次算完，写成一个可离线打开的 HTML 页面。

    拖动控件即可看到双方逐年与合计净额、与现行协议之差、逐月结果与原因、所动参数的平衡点；
    数字全部来自核算引擎，页面不重新计算。
    """
    page = app.existing_store().workbench(scheme, list(params), years, Path(out), on=on)
    click.echo(f"谈判工作台：{page.points} 个参数组合 × {len(page.years)} 年，已写出：{out}")


@scenario_group.command("brief")
@click.argument("base")
@click.argument("scenarios", nargs=-1, required=True)
@click.option("--scheme", required=True, help=SCHEME_HELP)
@click.option("--years", required=True, metavar="YYYY[-YYYY]", help="测算的年份，如 2022-2024。")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="简报文件：.html（可打印 A4）或 .docx（Word）。")
@issue_options("简报日期（默认今天）。")
@pass_app
def brief_cmd(app: AppContext, base: str, scenarios: tuple[str, ...], scheme: str, years: str,
              out: str, issued_on: str | None, profile: str | None) -> None:
    """谈判简报：用中文说明每个条款改动每年、合计让双方多付或少付多少。"""
    from compensation.scenario.brief import write_brief

    day = parse_issue_date(issued_on)
    with app.existing_store().reading() as con:
        path = write_brief(con, scheme, base, list(scenarios), years, out, profile=profile,
                           issued_on=day)
    click.echo(f"已生成谈判简报：{path}")


def register(group: click.Group) -> None:
    group.add_command(scenario_group)
