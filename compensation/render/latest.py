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
from compensation.months import add_months, month_start
from compensation.render.bulletin import render_bulletin
from compensation.render.data import months_with_lines
from compensation.render.labels import scheme_title
from compensation.render.pdf import find_chromium
from compensation.render.workbook import export_districts
from compensation.render.xlsx import safe_file_part


def latest_month_with_lines(con: duckdb.DuckDBPyConnection) -> date | None:
    """The newest month whose chosen runs have ledger lines (looking back at most two years)."""
    newest = con.execute(
        "SELECT max(window_end) FROM runs WHERE scenario = 'base'"
    ).fetchall()[0][0]
    if newest is None:
        return None
    last = month_start(newest)
    first = add_months(last, -23)
    filled = months_with_lines(con, first, last)
    return max(filled) if filled else None


def write_transfer_lists(
    con: duckdb.DuckDBPyConnection, year: int, out: Path, with_pdf: bool
) -> list[Path]:
    """The final transfer list of each scheme settled for `year` (xlsx, and pdf with Chromium)."""
    from compensation.engine.settle import settle_year
    from compensation.render.profile import load_profile
    from compensation.render.transfer_list import write_transfer_list

    schemes = [r[0] for r in con.execute(
        "SELECT DISTINCT scheme FROM settlements WHERE year = ? AND final ORDER BY scheme", [year]
    ).fetchall()]
    profile = load_profile()
    written = []
    for scheme in schemes:
        result = settle_year(con, scheme, year)
        for suffix in (".xlsx", ".pdf") if with_pdf else (".xlsx",):
            name = f"划拨清单_{year}_{safe_file_part(scheme_title(scheme))}{suffix}"
            written.append(write_transfer_list(con, result, out / name, profile))
    return written


def write_latest_outputs(con: duckdb.DuckDBPyConnection, out_dir: str | Path) -> list[Path]:
    """Bulletin of the newest month (html, md, docx, and pdf when Chromium is there), the final
    transfer lists and the workbooks of its year, into out_dir."""
    month = latest_month_with_lines(con)
    if month is None:
        raise EcocompError(
            "数据库中还没有核算结果（台账为空），无法生成通报和工作簿；请先运行 ecocomp run。"
        )
    out = Path(out_dir)
    label = f"{month.year}-{month.month:02d}"
    with_pdf = find_chromium() is not None
    formats = ("html", "md", "docx", "pdf") if with_pdf else ("html", "md", "docx")
    written = [render_bulletin(con, month, fmt, out / f"月度通报_{label}.{fmt}")
               for fmt in formats]
    written += write_transfer_lists(con, month.year, out, with_pdf)
    written += export_districts(con, month.year, out / f"工作簿_{month.year}", label)
    return written


def step_outputs(ctx: Any) -> str:
    """A demo step: write the documents and list them on the demo report."""
    paths = write_latest_outputs(ctx.con, ctx.out_dir)
    ctx.report.outputs.extend(paths)
    bulletins = [p.name for p in paths if p.name.startswith("月度通报")]
    lists = [p.name for p in paths if p.name.startswith("划拨清单")]
    books = sum(1 for p in paths if p.parent.name.startswith("工作簿"))
    no_pdf = "" if any(p.suffix == ".pdf" for p in paths) else "（未找到 Chromium，未生成 PDF）"
    return (
        f"月度通报 {'、'.join(bulletins)}{no_pdf}；年度划拨清单 {'、'.join(lists)}；"
        f"{books} 个区（责任方）工作簿（{ctx.out_dir}）"
    )
