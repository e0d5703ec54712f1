"""Deep rules: refused beyond MAX_DEPTH with file:line:col and a sentence; accepted up to it, and
then they check, compile (sqlglot writes the SQL) and run in DuckDB to the right amount.

Depth counts the expression nodes on the deepest path (operators, calls, if, table, table entry,
interval, names and numbers), and a reference to a measure or let counts one level plus the
referenced expression's depth. Each shape's depth is worked out in its comment.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import add_sample, add_section, new_store, run_rules

from compensation.cli import cli
from compensation.errors import RuleError
from compensation.lang import check_file
from compensation.lang.depth import MAX_DEPTH

HEAD = """scheme daoguan "深度测试"
  period year
  settle year
  from 2020-01
  parties xinzhou <-> tuanfeng

parameters
  annual_amount = 100万 from 2020-01 basis "测试"
  one = [COD] from 2020-01 basis "测试"
"""
RULE = """
rule {name} "深度 {name}"
  basis "测试"
  for each assessed section, year
{lets}  xinzhou pays tuanfeng
  amount = {expr}
"""


def nest(wrap: str, times: int, leaf: str = "annual_amount") -> str:
    expr = leaf
    for _ in range(times):
        expr = wrap.replace("E", expr)
    return expr


# name → (measures, lets, amount) at exactly MAX_DEPTH = 32; each amount evaluates to 100万.
def at_most(extra: int = 0) -> dict[str, tuple[str, str, str]]:
    k = extra
    return {
        # add^31 then the name: 31 + 1 = 32
        "plus": ("", "", nest("E + 0 元", 31 + k)),
        # 31 divisions (each doubles the dividend when DuckDB expands ediv) + the name = 32
        "div": ("", "", nest("E / 1", 31 + k)),
        # 31 calls + the name = 32
        "max": ("", "", nest("max(E, 0 元)", 31 + k)),
        # 30 negations (an even number: the value stays 100万), abs, the name: 30 + 2 = 32
        "neg": ("", "", nest("-E", 30 + k, "abs(annual_amount)")),
        # if at level 30, its condition: compare (31) → name (32)
        "ifs": ("", "", nest("if annual_amount > 0 元 then E else 0 元", 30 + k)),
        # if (1), 29 not (2..30), compare (31), name (32)
        "nots": ("", "", "if " + "not " * (29 + k) + "(annual_amount < 0 元)"
                 " then annual_amount else 0 元"),
        # 15 tables, each: table → else entry (2 levels); innermost table's entry → interval →
        # number: 2*14 + 1 + 1 + 1 + 1 = 32
        "tables": ("", "", nest("by annual_amount: when [0 元, 1 元] -> 0 元 else -> E", 15 + k)),
        # a table in the subject of a table, 29 deep: table k at level k; the innermost table's
        # entry → interval → number is at 29 + 3 = 32 (the subject is written out 3 times per
        # table when DuckDB expands it: without binding, 3^29 copies)
        "subjects": ("", "", nest("by (E): when [0 元, 1 元] -> 0 元 else -> annual_amount",
                                  29 + k)),
        # if (1) → in (2) → E; the interval at the innermost if: 2*14 + 1 + 1 + 1 + 1 = 32
        "ranges": ("", "", nest("if (E) in [1 元, 1亿] then annual_amount else 0 元", 15 + k)),
        # 31 comprehensions over one indicator + the name = 32
        "comprehensions": ("", "", nest("sum(E for i in one)", 31 + k)),
        # if (1), 29 `and` (2..30), compare (31), name (32)
        "ands": ("", "", "if " + " and ".join(["annual_amount > 0 元"] * (30 + k))
                 + " then annual_amount else 0 元"),
        # m0 = annual_amount is 1; m_i = m_{i-1} is 1 + depth(m_{i-1}) = i + 1; the amount m30 is
        # 1 + 31 = 32
        "measures": ("measure d0 = annual_amount\n"
                     + "".join(f"measure d{i} = d{i - 1}\n" for i in range(1, 31 + k)),
                     "", f"d{30 + k}"),
        # the same with lets: l30 = 1 + 31 = 32
        "lets": ("", "  let l0 = annual_amount\n"
                 + "".join(f"  let l{i} = l{i - 1}\n" for i in range(1, 31 + k)), f"l{30 + k}"),
    }


def rule_file(shapes: dict[str, tuple[str, str, str]]) -> str:
    measures = "".join(m for m, _, _ in shapes.values())
    rules = "".join(RULE.format(name=name, lets=lets, expr=expr)
                    for name, (_, lets, expr) in shapes.items())
    return HEAD + measures + rules


def test_the_limit_is_the_one_documented() -> None:
    assert MAX_DEPTH == 32  # docs/decisions.md, docs/rule-language.md


def test_every_shape_at_the_limit_checks_compiles_and_runs(tmp_path: Path) -> None:
    """All shapes in one file: one compile, one DuckDB database, one line of 100万 each."""
    shapes = at_most()
    path = tmp_path / "deep.rule"
    path.write_text(rule_file(shapes), encoding="utf-8")
    assert check_file(path).diagnostics == []
    con = new_store(tmp_path)
    add_section(con, "s1", "daoguan")
    add_sample(con, "s1", date(2021, 3, 1), "COD", "10")
    rows = run_rules(con, path, date(2021, 1, 1), date(2021, 12, 31))
    amounts = {row["rule"]: row["amount"] for row in rows}
    assert amounts == dict.fromkeys(shapes, Decimal("1000000.00"))


@pytest.mark.parametrize("shape", sorted(at_most()))
def test_one_level_more_is_refused_with_file_line_col(tmp_path: Path, shape: str) -> None:
    shapes = {shape: at_most(1)[shape]}
    path = tmp_path / "deep.rule"
    text = rule_file(shapes)
    path.write_text(text, encoding="utf-8")
    [d] = check_file(path).diagnostics
    assert d.file == str(path)
    assert "嵌套过深" in d.message and "32" in d.message and "33" in d.message
    line = text.split("\n")[d.line - 1]
    assert line.strip().startswith(("amount", "measure d3", "let l3")), line
    assert 1 <= d.col <= len(line)


ISSUE_SHAPES = {
    # the three shapes of issue 20, at the sizes that crashed the checker
    "plus500": ("", "", nest("E + 0 元", 500)),
    "ifs500": ("", "", nest("if annual_amount > 0 元 then E else 0 元", 500)),
    "measures2000": ("measure d0 = annual_amount\n"
                     + "".join(f"measure d{i} = d{i - 1}\n" for i in range(1, 2000)),
                     "", "d1999"),
}


@pytest.mark.parametrize("shape", sorted(ISSUE_SHAPES))
def test_the_issue_shapes_get_one_located_sentence_from_the_cli(tmp_path: Path,
                                                                shape: str) -> None:
    path = tmp_path / f"{shape}.rule"
    text = rule_file({shape: ISSUE_SHAPES[shape]})
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(path)])
    assert isinstance(result.exception, RuleError), result.exception
    first = result.stderr.split("\n")[0]
    found = re.match(rf"{re.escape(str(path))}:(\d+):(\d+): 表达式嵌套过深", first)
    assert found, first
    line = int(found.group(1))
    # plus/ifs: the amount line; measures: d32 = d31 is the first reference 33 levels deep
    # (d32 = 1 + depth(d31) = 1 + 32)
    expected = ("measure d32 = d31" if shape == "measures2000" else "  amount = ")
    assert text.split("\n")[line - 1].startswith(expected)


def test_a_deep_rule_as_a_real_process_exits_2_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep.rule"
    path.write_text(rule_file({"ifs500": ISSUE_SHAPES["ifs500"]}), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", "from compensation.cli import main; main()", "rules", "check",
         str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr[-500:]
    assert "内部错误" not in result.stderr and "Traceback" not in result.stderr
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: 表达式嵌套过深", result.stderr)
