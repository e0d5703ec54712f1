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
# The workbench's grid: 11 amounts × 7 penalties × 3 targets × 2 ways of judging = 462 points.
DEMO_GRID = [
    "annual_amount=100万..600万/50万", "penalty_amount=0万..600万/100万", "target=II,III,IV",
    "judge=per_section,all_sections",
]


def write_demo_comparison(
    con: duckdb.DuckDBPyConnection, out_dir: Path, as_of: datetime | None = None
) -> list[Path]:
    """Baseline vs class III target vs 500万, 2022–2024: `scenario_tongshun.xlsx` and `.html`,
    and beside them the negotiation workbench `workbench_tongshun.html` over `DEMO_GRID`."""
    from compensation.scenario.workbench import workbench
    from compensation.scenario.workbench_page import write_workbench

    result = compare(con, DEMO_SCHEME, DEMO_BASE, DEMO_SCENARIOS, DEMO_YEARS, as_of=as_of)
    out_dir = Path(out_dir)
    written = [write_result(result, out_dir / f"scenario_{DEMO_SCHEME}{suffix}")
               for suffix in (".xlsx", ".html")]
    bench = workbench(con, DEMO_SCHEME, DEMO_GRID, DEMO_YEARS, as_of=as_of)
    written.append(write_workbench(bench, out_dir / f"workbench_{DEMO_SCHEME}.html"))
    return [*written, *write_demo_brief(con, out_dir)]


def write_demo_brief(con: duckdb.DuckDBPyConnection, out_dir: Path) -> list[Path]:
    """The Tongshun negotiation brief over the same scenarios, as html and docx."""
    from compensation.render.profile import load_profile
    from compensation.scenario.brief import make_brief, write_brief_file

    profile = load_profile()
    brief = make_brief(con, DEMO_SCHEME, DEMO_BASE, DEMO_SCENARIOS, DEMO_YEARS, profile)
    return [write_brief_file(brief, profile, Path(out_dir) / f"谈判简报_{DEMO_SCHEME}{suffix}")
            for suffix in (".html", ".docx")]
