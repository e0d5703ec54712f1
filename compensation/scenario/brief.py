"""The negotiation brief (谈判简报): a comparison told in plain Chinese for the negotiators.

It opens with what each clause change costs or earns each side per year and in total, names the
scenarios by their titles (never their file names), and says which months it covers and which
lacked data. Written as HTML (printable A4) or Word (the profile's template).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from compensation.errors import EcocompError
from compensation.lang import CompiledParam, CompiledScheme, parse_value_text
from compensation.lang.units import MONEY
from compensation.render.labels import day_label, format_wan, month_label
from compensation.render.profile import DocumentHead, IssuingProfile, document_head, load_profile
from compensation.scenario.compare import Comparison, compare
from compensation.scenario.evaluate import load_compiled
from compensation.scenario.files import Scenario
from compensation.scenario.sweep import sweep

FORMATS = (".html", ".docx")
NO_DATA_WORDS = ("数据缺失", "缺测", "无数据", "无监测")
# The money parameters the brief names in words (never by their identifiers); another is called
# by its place and current value (see `_money_param`).
PARAMETER_WORDS = {"annual_amount": "达标奖励的年度金额", "penalty_amount": "超标补偿的年度金额",
                   "reward_hold": "持平或小幅改善档的奖励金额"}
# The break-even is looked for between 0 and this many times the largest value the clause takes
# in any compared scenario, over BREAK_EVEN_STEPS grid steps (refined to the fen by `sweep`).
BREAK_EVEN_SPAN = 10
BREAK_EVEN_STEPS = 40


@dataclass(frozen=True)
class Brief:
    head: DocumentHead
    comparison: Comparison
    summary: list[str]
    coverage: str
    table_header: list[str]
    table_rows: list[list[str]]
    break_even: list[str] = field(default_factory=list)


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


def years_text(c: Comparison) -> str:
    """The compared years as the brief says them: 2022—2024年, or 2023年."""
    return f"{c.years[0]}—{c.years[-1]}年" if len(c.years) > 1 else f"{c.years[0]}年"


def summary(c: Comparison) -> list[str]:
    """One paragraph for the current clauses, then one per proposed change."""
    years = years_text(c)
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


def _money_param(compiled: CompiledScheme) -> CompiledParam | None:
    """The clause whose break-even the brief gives: the first negotiable money parameter."""
    for param in compiled.parameters:
        if param.negotiable and param.unit.dims == MONEY.dims and param.unit.kind == "number":
            return param
    return None


def _largest_value(param: CompiledParam, scenarios: list[Scenario]) -> Decimal:
    values = [v.value.num for v in param.versions if v.value.num is not None]
    for s in scenarios:
        if param.name in s.overrides:
            found = parse_value_text(s.overrides[param.name]).num
            values.append(found if found is not None else Decimal(0))
    return max([*values, Decimal(0)])


def break_even_sentences(con: duckdb.DuckDBPyConnection, c: Comparison) -> list[str]:
    """For each compared scenario: the value of its money clause at which the nets over the
    years cancel out (the other clauses as the scenario has them), found by `sweep`."""
    compiled = load_compiled(c.scheme)
    param = _money_param(compiled)
    if param is None:
        return []
    words = PARAMETER_WORDS.get(param.name) or (
        f"首项可协商金额（现为 {format_wan(param.versions[-1].value.num or Decimal(0))} 万元）")
    top = (_largest_value(param, c.scenarios) * BREAK_EVEN_SPAN).quantize(Decimal(10000))
    if top <= 0:
        return []
    step = top / BREAK_EVEN_STEPS
    grid = {param.name: f"0元..{top}元/{step}元"}
    years = years_text(c)
    lines = []
    for s in c.scenarios:
        found = sweep(con, compiled, grid, c.years, on=None if s.is_base else s.name,
                      break_even_param=param.name).break_even
        value = found[0].value if found else None
        who = "现行条款下" if s.is_base else f"按“{s.title}”"
        if value is None or value <= 0:
            lines.append(f"{who}，{words}在 0 至 {format_wan(top)} 万元之间取任何值，{years}合计"
                         "双方收支都不会相抵（没有平衡点）。")
        else:
            lines.append(f"{who}，其他条款不变，若{words}约为 {format_wan(value)} 万元，"
                         f"{years}合计双方收支相抵（平衡点）。")
    return lines


def build_brief(c: Comparison, profile: IssuingProfile, issued_on: date,
                break_even: list[str] | None = None) -> Brief:
    head = document_head(profile, profile.brief, "", issued_on, scheme=c.scheme_title)
    names = [s.name for s in c.scenarios]
    header = ["年度", *[s.title for s in c.scenarios]]
    rows = [[f"{y}年", *[format_wan(c.yearly[y][n], signed=True) for n in names]]
            for y in c.years]
    rows.append(["合计", *[format_wan(c.totals[n], signed=True) for n in names]])
    return Brief(head, c, summary(c), coverage(c), header, rows, break_even or [])


def brief_html(brief: Brief) -> str:
    from compensation.render.templates import environment

    return environment("html").get_template("brief.html.j2").render(
        b=brief, issued=day_label(brief.head.issued_on))


def _brief_path(out: str | Path) -> Path:
    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise EcocompError(f"简报文件名“{path.name}”的扩展名应为 .html 或 .docx。(--out 简报.html)")
    return path


def make_brief(
    con: duckdb.DuckDBPyConnection, scheme: str, base: str, scenarios: list[str], years: str,
    profile: IssuingProfile, issued_on: date | None = None,
) -> Brief:
    """Compare the scenarios and find each one's break-even: the brief's content."""
    c = compare(con, scheme, base, scenarios, years)
    return build_brief(c, profile, issued_on or date.today(), break_even_sentences(con, c))


def write_brief(
    con: duckdb.DuckDBPyConnection, scheme: str, base: str, scenarios: list[str], years: str,
    out: str | Path, *, profile: IssuingProfile | str | Path | None = None,
    issued_on: date | None = None,
) -> Path:
    """Compare and write the brief to `out` (.html or .docx)."""
    path = _brief_path(out)
    chosen = profile if isinstance(profile, IssuingProfile) else load_profile(profile)
    brief = make_brief(con, scheme, base, scenarios, years, chosen, issued_on)
    return write_brief_file(brief, chosen, path)


def write_brief_file(brief: Brief, profile: IssuingProfile, out: str | Path) -> Path:
    """A brief already built, as .html or .docx (the demo writes both from one build)."""
    path = _brief_path(out)
    if path.suffix.lower() == ".docx":
        from compensation.render.word import brief_docx

        return brief_docx(brief, profile.template_path(profile.brief), path)
    from compensation.render.save import write_atomically

    return write_atomically(path, brief_html(brief).encode("utf-8"))
