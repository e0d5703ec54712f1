"""`ecocomp rules check` and `ecocomp rules compile`: the rule language from the shell."""

from __future__ import annotations

import json
from pathlib import Path

import click

from compensation.cli.common import AppContext, pass_app
from compensation.errors import RuleError
from compensation.lang.emit import STAGES


@click.group("rules")
def rules_group() -> None:
    """规则语言：检查与编译 rules/*.rule。"""


@rules_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--json", "as_json", is_flag=True, help="以 JSON 列表输出 {file, line, col, message}。"
)
@click.option(
    "--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="规则目录（默认与 run 相同：ECOCOMP_RULES，否则 ./rules）。",
)
@pass_app
def check_command(app: AppContext, paths: tuple[str, ...], as_json: bool,
                  rules_dir: Path | None) -> None:
    """检查规则文件（默认与 run 相同的规则目录）：语法、名称、单位、区间、参数日期、例外、循环；
    数据库（--db）存在时，另核对规则中写的断面编号和河流是否在该方案的断面名录中。"""
    from compensation.engine.schemes import default_rules_dir
    from compensation.lang.check import check_paths_with_warnings

    targets = paths or (str(default_rules_dir(rules_dir)),)
    with app.store().scheme_registry() as registry:
        diagnostics, warnings = check_paths_with_warnings(targets, registry)
    for w in warnings:  # on stderr in both forms: the JSON list stays the list of problems
        click.echo(w.render(), err=True)
    if as_json:
        click.echo(json.dumps([d.to_json() for d in diagnostics], ensure_ascii=False, indent=1))
    else:
        for d in diagnostics:
            click.echo(d.render(), err=True)
        if not diagnostics:
            from compensation.lang.check import rule_files

            count = len(rule_files(targets))
            note = f"；{len(warnings)} 条警告（见上）" if warnings else ""
            click.echo(f"规则检查通过（{'、'.join(targets)}，{count} 个文件），未发现问题{note}。")
    if diagnostics:
        raise RuleError(
            f"发现 {len(diagnostics)} 个问题。({len(diagnostics)} problem(s) found)", diagnostics
        )


@rules_group.command("compile")
@click.argument("file", type=click.Path())
@click.option(
    "--emit",
    "stage",
    type=click.Choice(STAGES),
    default="sql",
    show_default=True,
    help="输出哪个阶段：ast（语法树）、plan（计划）、sql。",
)
@click.option("--no-optimise", "no_optimise", is_flag=True,
              help="关闭全部优化，输出朴素形式的 SQL（用于核对优化不改变结果）。")
@click.option("--optimise", "optimise", default=None, metavar="PASS,...",
              help="只开启列出的优化（逗号分隔，名称见 docs/rule-language.md）；其余关闭。")
@click.option("--json", "as_json", is_flag=True,
              help="以 JSON 输出计划（仅用于 --emit plan）。")
def compile_command(file: str, stage: str, no_optimise: bool, optimise: str | None,
                    as_json: bool) -> None:
    """编译一个规则文件并显示某个阶段的结果（默认开启全部优化）。"""
    from compensation.lang.emit import emit
    from compensation.lang.options import CompileOptions

    if no_optimise and optimise is not None:
        raise RuleError("--no-optimise 与 --optimise 只能选一个。(choose one of the two options)")
    options = CompileOptions.all_on()
    if no_optimise:
        options = CompileOptions.all_off()
    elif optimise is not None:
        options = CompileOptions.parse(optimise)
    click.echo(emit(file, stage, options, as_json))


def register(group: click.Group) -> None:
    group.add_command(rules_group)
