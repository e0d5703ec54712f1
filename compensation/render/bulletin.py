"""The monthly bulletin (月度通报): one call from the store to an HTML, Markdown or PDF file."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb

from compensation.engine.schemes import require_stored_schemes
from compensation.errors import EcocompError
from compensation.render import sentences
from compensation.render.labels import class_legend, month_label
from compensation.render.model import Bulletin, build_bulletin
from compensation.render.numbering import IssueNumber, plan_number, record_number
from compensation.render.pdf import html_to_pdf
from compensation.render.profile import DocumentHead, IssuingProfile, document_head, load_profile
from compensation.render.templates import environment

FORMATS = ("html", "md", "pdf", "docx")
KIND = "bulletin"
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


def _context(bulletin: Bulletin, doc: DocumentHead) -> dict:
    return {"b": bulletin, "doc": doc, "legend": class_legend(), "text": text_of(bulletin, doc)}


def text_of(bulletin: Bulletin, doc: DocumentHead) -> dict:
    """The prose of every format, from `sentences`."""
    return {
        "opening": sentences.opening(bulletin, doc),
        "overview": sentences.overview(bulletin),
        "notes": sentences.notes(bulletin),
        "headings": sentences.headings(bulletin),
        "annexes": sentences.ANNEXES,
        "see_annex": sentences.SEE_ANNEX,
        "parameter_note": sentences.PARAMETER_NOTE,
    }


def draw_charts(bulletin: Bulletin, fmt: str = "svg") -> dict[str, list]:
    """The charts as SVG text (written directly, `svg_charts`) or PNG bytes for Word (drawn by
    matplotlib, imported only then: HTML, Markdown and workbooks need none)."""
    shown = {row.section_id for row in bulletin.history}
    if fmt == "svg":
        from compensation.render import svg_charts

        return {
            "districts": svg_charts.district_bars(bulletin.parties),
            "strips": svg_charts.class_strips(bulletin.history, bulletin.history_months),
            "schematics": svg_charts.bank_schematics(bulletin.registry, bulletin.classes_now,
                                                     shown),
        }
    from compensation.render import charts

    return {
        "districts": charts.district_bars(bulletin.parties, fmt),
        "strips": charts.class_strips(bulletin.history, bulletin.history_months, fmt),
        "schematics": charts.bank_schematics(bulletin.registry, bulletin.classes_now, shown, fmt),
    }


def add_charts(bulletin: Bulletin) -> Bulletin:
    bulletin.charts = draw_charts(bulletin)
    return bulletin


def bulletin_html(bulletin: Bulletin, doc: DocumentHead | None = None) -> str:
    if not bulletin.charts:
        add_charts(bulletin)
    context = _context(bulletin, doc or draft_head(bulletin))
    return environment("html").get_template("bulletin.html.j2").render(context)


def bulletin_markdown(bulletin: Bulletin, doc: DocumentHead | None = None) -> str:
    context = _context(bulletin, doc or draft_head(bulletin))
    return environment("md").get_template("bulletin.md.j2").render(context)


def period_key(month: date) -> str:
    return f"{month.year}-{month.month:02d}"


def bulletin_head(
    con: duckdb.DuckDBPyConnection, bulletin: Bulletin, profile: IssuingProfile, issued_on: date
) -> tuple[DocumentHead, IssueNumber]:
    """The bulletin's head: its number (kept from the first issue of the month) and title."""
    issue = plan_number(con, KIND, period_key(bulletin.period), issued_on, bulletin.run_key)
    head = document_head(profile, profile.bulletin, issue.text(profile.bulletin.number),
                         issued_on, issue.corrected, month=month_label(bulletin.period))
    return head, issue


def draft_head(bulletin: Bulletin) -> DocumentHead:
    """For a bulletin built without a store at hand (previews, tests): the profile's head with
    the number left open."""
    profile = load_profile()
    return document_head(profile, profile.bulletin, profile.bulletin.number
                         .replace("{year}", str(date.today().year)).replace("{n}", "　"),
                         date.today(), month=month_label(bulletin.period))


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
    *,
    issued_on: date | None = None,
    profile: IssuingProfile | str | Path | None = None,
) -> Path:
    """Write the bulletin of `period` ('YYYY-MM') as html, md, pdf or docx to `out`.

    Its number is recorded once the file is written (on a writable store), so the month keeps it.
    """
    if fmt not in FORMATS:
        raise EcocompError(f"不支持的通报格式“{fmt}”：应为 html、md、pdf 或 docx。")
    month = parse_period(period) if isinstance(period, str) else period
    wanted = parse_schemes(schemes) if isinstance(schemes, str) or schemes is None else schemes
    chosen = profile if isinstance(profile, IssuingProfile) else load_profile(profile)
    require_stored_schemes(con, wanted or [])
    bulletin = build_bulletin(con, month, wanted, chosen.order)
    _check_has_lines(bulletin, wanted)
    head, issue = bulletin_head(con, bulletin, chosen, issued_on or date.today())
    out = Path(out)
    if fmt == "pdf":
        html_to_pdf(bulletin_html(bulletin, head), out)
    elif fmt == "docx":
        from compensation.render.word import bulletin_docx

        bulletin_docx(bulletin, head, text_of(bulletin, head), draw_charts(bulletin, "png"),
                      chosen.template_path(chosen.bulletin), out)
    else:
        text = bulletin_html(bulletin, head) if fmt == "html" else bulletin_markdown(bulletin, head)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    record_number(con, KIND, period_key(month), issue, bulletin.run_key)
    return out
