"""The negotiation brief (谈判简报): a comparison told in plain Chinese for the negotiators.

It opens with what each clause change costs or earns each side per year and in total, names the
scenarios by their titles (never their file names), and says which months it covers and which
lacked data. Written as HTML (printable A4) or Word (the profile's template).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from compensation.errors import EcocompError
from compensation.render.labels import day_label, format_wan, month_label
from compensation.render.profile import DocumentHead, IssuingProfile, document_head, load_profile
from compensation.scenario.compare import Comparison, compare

FORMATS = (".html", ".docx")
NO_DATA_WORDS = ("数据缺失", "缺测", "无数据", "无监测")


@dataclass(frozen=True)
class Brief:
    head: DocumentHead
    comparison: Comparison
    summary: list[str]
    coverage: str
    table_header: list[str]
    table_rows: list[list[str]]


def _side(c: Comparison, amount: Decimal) -> str:
    """A change of the first party's net payment, in words for both sides."""
    first, second = c.direction.first_name, c.direction.second_name
    if amount > 0:
        return f"{first}多付 {format_wan(amount)} 万元（{second}多得）"
    if amount < 0:
        return f"{first}少付 {format_wan(-amount)} 万元（{second}少得）"
    return "双方收支不变"


def _net(c: Comparison, amount: Decimal) -> str:
    first, second = c.direction.first_name, c.direction.second_name
    if amount > 0:
        return f"{first}向{second}净支付 {format_wan(amount)} 万元"
    if amount < 0:
        return f"{second}向{first}净支付 {format_wan(-amount)} 万元"
    return "双方互不支付"


def summary(c: Comparison) -> list[str]:
    """One paragraph for the current clauses, then one per proposed change."""
    years = f"{c.years[0]}—{c.years[-1]}年" if len(c.years) > 1 else f"{c.years[0]}年"
    base = c.scenarios[0]
    lines = ["现行条款下，" + "；".join(f"{y}年{_net(c, c.yearly[y][base.name])}" for y in c.years)
             + f"；{years}合计{_net(c, c.totals[base.name])}。"]
    for s in c.scenarios[1:]:
        per_year = "；".join(f"{y}年{_side(c, c.diff(s.name, y))}" for y in c.years)
        lines.append(f"若{s.title}（{s.description}），与现行条款相比：{per_year}；"
                     f"{years}合计{_side(c, c.diff(s.name))}。")
    return lines


def coverage(c: Comparison) -> str:
    """Which months the history covers and which lacked data (under the current clauses)."""
    if not c.monthly:
        return "所比较的年份内没有可核算的月份。"
    first, last = c.monthly[0].month, c.monthly[-1].month
    missing = [r.month for r in c.monthly
               if any(word in r.reasons.get(c.base, "") for word in NO_DATA_WORDS)]
    text = f"测算依据{month_label(first)}至{month_label(last)}共 {len(c.monthly)} 个月的监测数据"
    if missing:
        months = "、".join(month_label(m) for m in missing)
        return text + f"，其中{months}缺少数据，按不计奖惩处理。"
    return text + "，各月均有数据。"


def build_brief(c: Comparison, profile: IssuingProfile, issued_on: date) -> Brief:
    head = document_head(profile, profile.brief, "", issued_on, scheme=c.scheme_title)
    names = [s.name for s in c.scenarios]
    header = ["年度", *[s.title for s in c.scenarios]]
    rows = [[f"{y}年", *[format_wan(c.yearly[y][n], signed=True) for n in names]]
            for y in c.years]
    rows.append(["合计", *[format_wan(c.totals[n], signed=True) for n in names]])
    return Brief(head, c, summary(c), coverage(c), header, rows)


def brief_html(brief: Brief) -> str:
    from compensation.render.templates import environment

    return environment("html").get_template("brief.html.j2").render(
        b=brief, issued=day_label(brief.head.issued_on))


def write_brief(
    con: duckdb.DuckDBPyConnection, scheme: str, base: str, scenarios: list[str], years: str,
    out: str | Path, *, profile: IssuingProfile | str | Path | None = None,
    issued_on: date | None = None,
) -> Path:
    """Compare and write the brief to `out` (.html or .docx)."""
    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise EcocompError(f"简报文件名“{path.name}”的扩展名应为 .html 或 .docx。(--out 简报.html)")
    chosen = profile if isinstance(profile, IssuingProfile) else load_profile(profile)
    brief = build_brief(compare(con, scheme, base, scenarios, years), chosen,
                        issued_on or date.today())
    if path.suffix.lower() == ".docx":
        from compensation.render.word import brief_docx

        return brief_docx(brief, chosen.template_path(chosen.brief), path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(brief_html(brief), encoding="utf-8")
    return path
