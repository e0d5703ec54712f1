"""What each `ecocomp scenario` command does, as one call: compute, then print or write.

Returns the text to print (a summary, or the JSON document with `--json`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from compensation.scenario import text
from compensation.scenario.compare import compare
from compensation.scenario.files import list_scenarios
from compensation.scenario.json_view import comparison_json, risk_json, sweep_json
from compensation.scenario.risk import risk
from compensation.scenario.sweep import sweep


def _finish(result: Any, lines: list[str], document: dict, out: Path | None,
            as_json: bool) -> str:
    if out is not None:
        from compensation.scenario.write import write_result

        write_result(result, out)
        lines = [*lines, f"已写出：{out}"]
    if as_json:
        return json.dumps(document, ensure_ascii=False, indent=2)
    return "\n".join(lines)


def compare_command(con: duckdb.DuckDBPyConnection, scheme: str, base: str,
                    scenarios: Sequence[str], years: str | None, out: Path | None,
                    as_json: bool) -> str:
    result = compare(con, scheme, base, list(scenarios), years)
    return _finish(result, text.comparison_lines(result), comparison_json(result), out, as_json)


def sweep_command(con: duckdb.DuckDBPyConnection, scheme: str, params: Sequence[str],
                  years: str | None, on: str | None, break_even_param: str | None,
                  out: Path | None, as_json: bool) -> str:
    result = sweep(con, scheme, list(params), years, on=on, break_even_param=break_even_param)
    return _finish(result, text.sweep_lines(result), sweep_json(result), out, as_json)


def risk_command(con: duckdb.DuckDBPyConnection, scheme: str, scenarios: Sequence[str],
                 years_ahead: int, draws: int, seed: int, history: str | None,
                 out: Path | None, as_json: bool) -> str:
    result = risk(con, scheme, list(scenarios), years_ahead=years_ahead, draws=draws, seed=seed,
                  history=history)
    return _finish(result, text.risk_lines(result), risk_json(result), out, as_json)


def workbench_command(con: duckdb.DuckDBPyConnection, scheme: str, params: Sequence[str],
                      years: str, on: str | None, out: Path) -> str:
    from compensation.scenario.workbench import workbench
    from compensation.scenario.workbench_page import write_workbench

    result = workbench(con, scheme, list(params), years, on=on)
    write_workbench(result, out)
    return (f"谈判工作台：{len(result.points)} 个参数组合 × {len(result.years)} 年，"
            f"已写出：{out}")


def list_command(scheme: str | None) -> str:
    if scheme is not None:
        from compensation.engine.schemes import require_schemes

        require_schemes([scheme])
    files = [f for f in list_scenarios() if scheme is None or f.scheme in (None, scheme)]
    lines = ["base：规则文件中的现行参数（基准）"]
    for f in files:
        changes = "，".join(f"{k} = {v}" for k, v in f.overrides.items())
        lines.append(f"{f.name}（{f.scheme or '任意方案'}）：{f.description}；{changes}")
    return "\n".join(lines)
