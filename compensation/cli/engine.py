"""`ecocomp run | accounts | explain | diff | settle`: the engine's commands, clients of `Store`
(the Python API); no logic here, only the wording of what the store returns."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from compensation.cli.common import AppContext, issue_options, parse_issue_date, pass_app
from compensation.errors import EcocompError


def _period_options(func: click.decorators.FC) -> click.decorators.FC:
    year_help = ("年份 YYYY：运行/查看全年每个期间；协议年不从1月开始的方案（year begins month N）"
                 "指从 Y 年 N 月开始的协议年。")
    func = click.option("--year", "year", default=None, help=year_help)(func)
    func = click.option("--period", "period", default=None, help="月份 YYYY-MM。")(func)
    scheme_help = "方案编号，如 yangtze_han；run 可用 all。"
    return click.option("--scheme", required=True, help=scheme_help)(func)


@click.command("run")
@_period_options
@click.option(
    "--years", "years", default=None,
    help="年份区间 A-B（如 2018-2027）：一次运行覆盖这些（协议）年的全部期间，代替逐年 --year。",
)
@click.option(
    "--as-of", "as_of", default=None,
    help="数据截止日期（默认现在）：只用此前载入的批次。",
)
@click.option(
    "--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="规则目录（默认 ./rules 或 ECOCOMP_RULES）。",
)
@pass_app
def run_command(
    app: AppContext, scheme: str, period: str | None, year: str | None, years: str | None,
    as_of: str | None, rules_dir: Path | None,
) -> None:
    """运行方案，写入预核算台账（每个期间一次查询，结果可重复）。"""
    from compensation.engine.periods import parse_as_of

    results = app.store().run(scheme, period=period, year=year, as_of=parse_as_of(as_of),
                              rules_dir=rules_dir, years=years)
    for result in results:
        click.echo(result.message)


@click.command("accounts")
@_period_options
@click.option(
    "--by", type=click.Choice(["party", "section"]), default=None, help="按单位或断面汇总。"
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.option("--csv", "as_csv", is_flag=True, help="输出 CSV。")
@pass_app
def accounts_command(
    app: AppContext, scheme: str, period: str | None, year: str | None, by: str | None,
    as_json: bool, as_csv: bool,
) -> None:
    """查看预核算结果：逐行金额（万元与元）和各方合计。"""
    if as_json and as_csv:
        raise EcocompError(
            "--json 和 --csv 只能选一个：--json 输出 JSON，--csv 输出 CSV。"
            "(--json and --csv cannot be used together)"
        )
    from compensation.engine import accounts as accounts_mod

    acc = app.existing_store().read_accounts(scheme, period=period, year=year)
    if as_json:
        click.echo(accounts_mod.render_json(acc, by))
    elif as_csv:
        # bytes, so the CSV is UTF-8 (with its BOM) whatever the terminal's encoding
        sys.stdout.flush()
        sys.stdout.buffer.write(accounts_mod.render_csv(acc, by).encode("utf-8"))
        sys.stdout.buffer.flush()
    else:
        click.echo(accounts_mod.render_text(acc, by))


@click.command("explain")
@click.argument("line", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@pass_app
def explain_command(app: AppContext, line: int, as_json: bool) -> None:
    """解释台账中的一行：样品、期间值、中间值、档位、参数与规则条文。"""
    from compensation.engine import explain as explain_mod

    info = app.existing_store().explain(line).data
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
    else:
        click.echo(explain_mod.render_text(info))


@click.command("diff")
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@pass_app
def diff_command(app: AppContext, run_a: int, run_b: int, as_json: bool) -> None:
    """比较两次运行：按单位和期间列出变化及引起变化的数据。"""
    from compensation.engine import diff as diff_mod

    result = app.existing_store().diff(run_a, run_b).data
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(diff_mod.render_text(result))


@click.command("settle")
@click.option("--scheme", required=True,
              help="方案编号；a,b,c 为多个方案的合并结算（按单位两两轧差，逐笔注明来源方案）。")
@click.option("--year", required=True,
              help="结算年份 YYYY；协议年不从1月开始的方案指从该年开始的协议年。")
@click.option("--final", is_flag=True, help="定稿：记录并冻结本年度结算。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="另存划拨清单文件：清单.xlsx、清单.pdf（需 Chromium）或 清单.docx。")
@issue_options("预核算清单的编制日期（默认今天；定稿清单用结算日期）。")
@pass_app
def settle_command(app: AppContext, scheme: str, year: str, final: bool, as_json: bool,
                   out: str | None, issued_on: str | None, profile: str | None) -> None:
    """年底兑现：全年台账按单位两两轧差，生成划拨清单（精确到分）。"""
    from compensation.engine import settle as settle_mod

    day = parse_issue_date(issued_on)
    if "," in scheme:
        from compensation.engine import settle_group as group_mod

        names = group_mod.scheme_list(scheme)
        if out is not None:
            raise EcocompError("合并结算（--scheme a,b）暂不能另存清单（--out）；请逐个方案另存。"
                               "(--out takes one scheme)")
        store = app.store() if final else app.existing_store()
        group = store.settle_group(names, year, final=final)
        click.echo(group_mod.render_json(group) if as_json else group.as_text())
        return
    if out is not None:
        from compensation.render.profile import load_profile
        from compensation.render.transfer_list import prepare_out_path

        prepare_out_path(out)
        chosen = load_profile(profile)  # a bad profile is refused before anything is recorded
    store = app.store() if final else app.existing_store()
    if out is None:
        result = store.settle(scheme, year, final=final)
    else:  # a final settlement is recorded only together with its list
        from compensation.render.transfer_list import settle_and_write

        with store.writing() if final else store.reading() as con:
            result = settle_and_write(con, scheme, year, final, out, chosen, day)
    if as_json:
        click.echo(settle_mod.render_json(result))
    else:
        click.echo(result.as_text())
    if out is not None and not as_json:
        click.echo(f"已生成划拨清单：{out}")


def register(group: click.Group) -> None:
    for command in (run_command, accounts_command, explain_command, diff_command, settle_command):
        group.add_command(command)
