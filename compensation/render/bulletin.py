"""The monthly bulletin (月度通报): one call from the store to an HTML, Markdown or PDF file."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb

from compensation.engine.schemes import require_stored_schemes
from compensation.errors import EcocompError
from compensation.render.labels import class_legend
from compensation.render.model import Bulletin, build_bulletin
from compensation.render.pdf import html_to_pdf
from compensation.render.templates import environment

FORMATS = ("html", "md", "pdf")
ISSUER = "武汉市生态环境局"
_PERIOD = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_period(text: str) -> date:
    match = _PERIOD.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise EcocompError(
            f"通报期间“{text}”的格式不对：应为 年-月，例如 2018-01。(period must look like YYYY-MM)"
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_schemes(text: str | None) -> list[str] | None:
    """'all' (or nothing) → None (every scheme); 'a,b' → ['a', 'b']."""
    if text is None or text.strip().lower() in ("", "all"):
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def _context(bulletin: Bulletin) -> dict:
    return {
        "b": bulletin,
        "issuer": ISSUER,
        "title": "跨区断面水质考核生态补偿月度通报",
        "legend": class_legend(),
    }


def add_charts(bulletin: Bulletin) -> Bulletin:
    """Draw the charts (matplotlib is imported only here: Markdown and workbooks need none)."""
    from compensation.render import charts

    shown = {row.section_id for row in bulletin.history}
    bulletin.charts = {
        "districts": charts.district_bars(bulletin.parties),
        "strips": charts.class_strips(bulletin.history, bulletin.history_months),
        "schematics": charts.bank_schematics(bulletin.registry, bulletin.classes_now, shown),
    }
    return bulletin


def bulletin_html(bulletin: Bulletin) -> str:
    if not bulletin.charts:
        add_charts(bulletin)
    return environment("html").get_template("bulletin.html.j2").render(_context(bulletin))


def bulletin_markdown(bulletin: Bulletin) -> str:
    return environment("md").get_template("bulletin.md.j2").render(_context(bulletin))


def _check_has_lines(bulletin: Bulletin, schemes: list[str] | None) -> None:
    if bulletin.schemes:
        return
    which = "、".join(schemes) if schemes else "任何方案"
    month = f"{bulletin.period.year}-{bulletin.period.month:02d}"
    raise EcocompError(
        f"{month} 没有{which}的核算结果（账目为空），无法生成通报；"
        f"请先运行 ecocomp run --scheme all --period {month}。"
    )


def render_bulletin(
    con: duckdb.DuckDBPyConnection,
    period: str | date,
    fmt: str,
    out: str | Path,
    schemes: list[str] | str | None = None,
) -> Path:
    """Write the bulletin of `period` ('YYYY-MM') as html, md or pdf to `out`; return the path."""
    if fmt not in FORMATS:
        raise EcocompError(f"不支持的通报格式“{fmt}”：应为 html、md 或 pdf。")
    month = parse_period(period) if isinstance(period, str) else period
    wanted = parse_schemes(schemes) if isinstance(schemes, str) or schemes is None else schemes
    require_stored_schemes(con, wanted or [])
    bulletin = build_bulletin(con, month, wanted)
    _check_has_lines(bulletin, wanted)
    out = Path(out)
    if fmt == "pdf":
        return html_to_pdf(bulletin_html(bulletin), out)
    text = bulletin_html(bulletin) if fmt == "html" else bulletin_markdown(bulletin)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
