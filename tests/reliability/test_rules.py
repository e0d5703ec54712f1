"""Bad rules: random mutations of the shipped rule files, and rule text that tries to reach SQL.

A mutated file must either compile, or be refused with diagnostics that each name the file, a line
that exists (or the line after the last, for "unexpected end"), a column and a sentence. Never any
other exception. What compiles must be one SQL SELECT per rule that sqlglot can parse back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rel_support import REPO
from sqlglot import exp

from compensation.cli import cli
from compensation.errors import RuleError
from compensation.lang import check_file, compile_file

SHIPPED = sorted((REPO / "rules").rglob("*.rule"))
TOKENS = ["scheme", "rule", "measure", "parameters", "let", "when", "except", "pays", "amount",
          "for each", "->", "..", "(", ")", "[", "]", ",", "=", "\"", "'", "#", "%", "万", "元",
          "mg/L", "III", "劣Ⅴ", "10%", "-", "*", "/", "0", "1e999", "99999999999999999999万",
          "from 2022-13", "from 2022-06", "basis \"x\"", "if", "then", "else", "by", "spread(",
          "\t", "\n", "    ", "；", "（", "\u00a0", "\ufeff", "\x00", "'); DROP TABLE ledger; --"]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Path, str]:
    source = draw(st.sampled_from(SHIPPED))
    text = source.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        lines = text.split("\n")
        kind = draw(st.sampled_from(["delete", "insert", "duplicate", "swap", "truncate",
                                     "replace_line"]))
        at = draw(st.integers(min_value=0, max_value=max(len(text) - 1, 0)))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(min_value=1, max_value=40)):]
        elif kind == "insert":
            text = text[:at] + draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6))) + \
                text[at:]
        elif kind == "truncate":
            text = text[:at]
        else:
            i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            if kind == "duplicate":
                lines.insert(j, lines[i])
            elif kind == "swap":
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines[i] = draw(st.sampled_from(TOKENS)) + " " + lines[j][::-1]
            text = "\n".join(lines)
    return source, text


def assert_compiled_sql_is_one_select(sql: str) -> None:
    statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    assert len(statements) == 1 and isinstance(statements[0], exp.Select | exp.Union), sql[:200]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(case=mutated())
def test_mutated_rule_files_compile_or_give_located_errors(tmp_path: Path,
                                                           case: tuple[Path, str]) -> None:
    source, text = case
    path = tmp_path / source.name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    line_count = text.count("\n") + 1
    try:
        compiled = compile_file(path)
    except RuleError as err:
        assert err.diagnostics, str(err)
        for d in err.diagnostics:
            assert d.file == str(path), d
            assert 1 <= d.line <= line_count + 1 and d.col >= 1, d
            assert d.message.strip(), d
            assert f"{path}:{d.line}:{d.col}: " in str(err)
        return
    for rule in compiled.rules:
        assert_compiled_sql_is_one_select(rule.sql)


def test_rules_check_cli_on_a_broken_file_names_file_line_col(tmp_path: Path) -> None:
    text = (REPO / "rules" / "daoguan.rule").read_text(encoding="utf-8")
    broken = text.replace("period year", "period fortnight", 1)
    line = broken.split("\n").index("  period fortnight") + 1
    path = tmp_path / "daoguan.rule"
    path.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(path)])
    assert isinstance(result.exception, RuleError)
    assert result.stderr.startswith(f"{path}:{line}:10: ")
    assert check_file(path).diagnostics[0].line == line


PAYLOADS = ["'); DROP TABLE ledger; --", "\"; DELETE FROM samples; --",
            "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "@SUM(1+1)*cmd|'/C calc'!A0",
            "$$ || (SELECT 1) || $$", "\\'; SELECT 1; --"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rule_strings_reach_sql_only_as_literals(tmp_path: Path, payload: str) -> None:
    """Titles, basis texts, branch and exception labels end up in SQL as string literals only."""
    text = (REPO / "rules" / "daoguan.rule").read_text(encoding="utf-8")
    quoted = payload                 # the language has no escapes: a '"' ends the string
    edited = (text.replace('"优于Ⅲ类，新洲区向团风县补偿"', f'"{quoted}"')
              .replace('rule annual_class "断面年度水质类别补偿"', f'rule annual_class "{quoted}"'))
    assert edited != text
    path = tmp_path / "daoguan.rule"
    path.write_text(edited, encoding="utf-8")
    try:
        compiled = compile_file(path)
    except RuleError as err:         # an escape the language does not know: refused, located
        assert all(d.file == str(path) and d.line >= 1 for d in err.diagnostics)
        return
    [rule] = compiled.rules
    assert rule.title == payload
    [statement] = sqlglot.parse(rule.sql, read="duckdb")
    assert isinstance(statement, exp.Select)
    literals = [lit.this for lit in statement.find_all(exp.Literal) if lit.is_string]
    assert any(payload in lit for lit in literals)
    # with every string literal emptied, nothing of the payload is left in the SQL
    for lit in statement.find_all(exp.Literal):
        if lit.is_string:
            lit.set("this", "")
    bare = statement.sql(dialect="duckdb").upper()
    for word in ("DROP", "DELETE", "SCRIPT", "CALC"):
        assert word not in bare
