"""What each `ecocomp scenario` command does, as one call: compute, then print or write.

Returns the text to print (a summary, or the JSON document with `--json`). Compare and sweep are
computed through the API (`Store.compare`, `Store.sweep`); these only word their results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from compensation.scenario import text
from compensation.scenario.compare import Comparison
from compensation.scenario.files import list_scenarios
from compensation.scenario.json_view import comparison_json, risk_json, sweep_json
from compensation.scenario.risk import risk
from compensation.scenario.sweep import SweepResult


def _finish(result: Any, lines: list[str], document: dict, out: Path | None,
            as_json: bool) -> str:
    if out is not None:
        from compensation.scenario.write import write_result

        write_result(result, out)
        lines = [*lines, f"已写出：{out}"]
    if as_json:
        return json.dumps(document, ensure_ascii=False, indent=2)
    return "\n".join(lines)


def compare_output(result: Comparison, out: Path | None, as_json: bool) -> str:
    """What `scenario compare` prints (and writes to `out`) for a comparison."""
    return _finish(result, text.comparison_lines(result), comparison_json(result), out, as_json)


def sweep_output(result: SweepResult, out: Path | None, as_json: bool) -> str:
    """What `scenario sweep` prints (and writes to `out`) for a sweep."""
    return _finish(result, text.sweep_lines(result), sweep_json(result), out, as_json)


def risk_command(con: duckdb.DuckDBPyConnection, scheme: str, scenarios: Sequence[str],
                 years_ahead: int, draws: int, seed: int, history: str | None,
                 out: Path | None, as_json: bool) -> str:
    result = risk(con, scheme, list(scenarios), years_ahead=years_ahead, draws=draws, seed=seed,
                  history=history)
    return _finish(result, text.risk_lines(result), risk_json(result), out, as_json)


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
