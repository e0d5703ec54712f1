"""The scenario step of `ecocomp demo`: one Tongshun comparison written as xlsx and html."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from compensation.scenario.compare import compare
from compensation.scenario.write import write_result

DEMO_SCHEME = "tongshun"
DEMO_BASE = "base"
DEMO_SCENARIOS = ["target_iii", "amount_500"]
DEMO_YEARS = "2022-2024"


def write_demo_comparison(
    con: duckdb.DuckDBPyConnection, out_dir: Path, as_of: datetime | None = None
) -> list[Path]:
    """Baseline vs class III target vs 500万, 2022–2024: `scenario_tongshun.xlsx` and `.html`."""
    result = compare(con, DEMO_SCHEME, DEMO_BASE, DEMO_SCENARIOS, DEMO_YEARS, as_of=as_of)
    out_dir = Path(out_dir)
    return [write_result(result, out_dir / f"scenario_{DEMO_SCHEME}{suffix}")
            for suffix in (".xlsx", ".html")]
