"""Plain-text summaries the CLI prints (万元, two decimals)."""

from __future__ import annotations

from compensation.render.labels import format_wan
from compensation.scenario.compare import Comparison
from compensation.scenario.risk import RiskResult
from compensation.scenario.sweep import SweepResult

SWEEP_ROWS_SHOWN = 40
REASON_CHARS = 120


def _short(reason: str) -> str:
    """Reasons are cut in the terminal (the files keep them whole)."""
    return reason if len(reason) <= REASON_CHARS else reason[:REASON_CHARS] + "…"


def comparison_lines(c: Comparison) -> list[str]:
    lines = [f"方案 {c.scheme}：{c.direction.sentence}。金额：万元。"]
    for s in c.scenarios:
        changes = "" if s.is_base else f"（{s.overrides_text()}）"
        lines.append(f"  {s.name}：{s.description}{changes}")
    for year in [*c.years, None]:
        label = ("合计" if year is None else f"{year} 年" if c.year_begins == 1
                 else c.year_label(year))
        parts = []
        for n in c.names:
            net = c.yearly[year][n] if year is not None else c.totals[n]
            text = f"{n} {format_wan(net)}"
            if n != c.base:
                text += f"（较基准 {format_wan(c.diff(n, year), signed=True)}）"
            parts.append(text)
        lines.append(f"{label}：" + "；".join(parts))
    lines.append("逐月：")
    for m in c.monthly:
        parts = [f"{n} {format_wan(m.nets[n])}" for n in c.names]
        base_why = m.reasons[c.base]
        whys = [_short(base_why)] if base_why else []
        whys += [f"{n}：{_short(m.reasons[n])}" for n in c.names
                 if n != c.base and m.reasons[n] != base_why]
        why = " | ".join(whys)
        lines.append(f"  {m.month:%Y-%m} " + "；".join(parts) + (f"  [{why}]" if why else ""))
    return lines


def sweep_lines(r: SweepResult) -> list[str]:
    lines = [
        (f"方案 {r.scheme}：{len(r.rows)} 个情景一次查询算完（{r.seconds:.2f} 秒）。"
        f"{r.direction.sentence}。金额：万元，{r.years[0]}–{r.years[-1]} 年合计。"),
        f"  base（基准）：{format_wan(r.base.total)}",
    ]
    for row in r.rows[:SWEEP_ROWS_SHOWN]:
        lines.append(f"  {row.name}：{format_wan(row.total)}"
                     f"（较基准 {format_wan(row.total - r.base.total, signed=True)}）")
    if len(r.rows) > SWEEP_ROWS_SHOWN:
        rest = len(r.rows) - SWEEP_ROWS_SHOWN
        lines.append(f"  ……另有 {rest} 个情景，请用 --out 或 --json 查看全部。")
    for b in r.break_even:
        fixed = "，".join(f"{k}={v}" for k, v in b.fixed.items())
        head = f"平衡点 {b.param}" + (f"（{fixed}）" if fixed else "")
        if b.value is None:
            lines.append(f"{head}：{b.message}")
        else:
            lines.append(f"{head}：{b.value_text}，该值下净额 {b.net_at_value} 元。{b.message}")
    return lines


def risk_lines(r: RiskResult) -> list[str]:
    d = r.direction
    lines = [
        (f"方案 {r.scheme}：未来 {r.years_ahead} 年，{r.draws} 次模拟（种子 {r.seed}）。"
        f"{r.resampling_note}{d.sentence}。金额：万元。"),
        r.quantile_rule,
    ]
    for row in r.rows:
        lines.append(
            f"  {row.scenario.name}：期望 {format_wan(row.mean)}，5%–95% 区间 "
            f"{format_wan(row.q05)} ～ {format_wan(row.q95)}；{d.first_name}付款概率 "
            f"{row.p_first_pays:.1%}，{d.second_name}付款概率 {row.p_second_pays:.1%}"
        )
    return lines
