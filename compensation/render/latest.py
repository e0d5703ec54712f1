"""The documents of the newest month and year in the store: what `ecocomp demo` hands out.

`step_outputs` has the signature of a `compensation.demo` step, so the demo can append
`("通报与工作簿", step_outputs)` to its steps after the runs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from compensation.errors import EcocompError
from compensation.render.bulletin import render_bulletin
from compensation.render.data import add_months, month_start, read_lines
from compensation.render.workbook import export_districts


def latest_month_with_lines(con: duckdb.DuckDBPyConnection) -> date | None:
    """The newest month whose chosen runs have ledger lines (looking back at most two years)."""
    newest = con.execute(
        "SELECT max(window_end) FROM runs WHERE scenario = 'base'"
    ).fetchall()[0][0]
    if newest is None:
        return None
    last = month_start(newest)
    first = add_months(last, -23)
    by_month = read_lines(con, first, last)
    filled = [m for m, lines in by_month.items() if lines]
    return max(filled) if filled else None


def write_latest_outputs(con: duckdb.DuckDBPyConnection, out_dir: str | Path) -> list[Path]:
    """Bulletin of the newest month (html and md) and the workbooks of its year, into out_dir."""
    month = latest_month_with_lines(con)
    if month is None:
        raise EcocompError(
            "数据库中还没有核算结果（台账为空），无法生成通报和工作簿；请先运行 ecocomp run。"
        )
    out = Path(out_dir)
    label = f"{month.year}-{month.month:02d}"
    written = [
        render_bulletin(con, month, "html", out / f"月度通报_{label}.html"),
        render_bulletin(con, month, "md", out / f"月度通报_{label}.md"),
    ]
    written += export_districts(con, month.year, out / f"工作簿_{month.year}", label)
    return written


def step_outputs(ctx: Any) -> str:
    """A demo step: write the documents and list them on the demo report."""
    paths = write_latest_outputs(ctx.con, ctx.out_dir)
    ctx.report.outputs.extend(paths)
    books = sum(1 for p in paths if p.suffix == ".xlsx")
    return (
        f"月度通报 {paths[0].name}、{paths[1].name}，{books} 个区（责任方）工作簿"
        f"（{ctx.out_dir}）"
    )
