"""A ledger line told in one Chinese sentence, for the district workbooks' ledger sheet."""

from __future__ import annotations

from compensation.render.labels import (
    class_numeral,
    format_index,
    format_ratio,
    format_wan,
    format_yuan,
    month_label,
)
from compensation.render.model import LineView


def _measures(view: LineView) -> str:
    m = view.measures
    parts = []
    if m.index is not None:
        parts.append(f"{view.index_title} {format_index(m.index)}")
    if m.index_control is not None:
        parts.append(f"入境对照断面 {format_index(m.index_control)}")
    if m.ratio is not None:
        parts.append(f"变化率 r = {format_ratio(m.ratio)}")
    if view.klass is not None:
        parts.append(f"水质类别 {class_numeral(view.klass)} 类")
    if view.reference_class is not None and view.reference_kind:
        parts.append(f"{view.reference_kind} {class_numeral(view.reference_class)} 类")
    return "，".join(parts)


def explain(view: LineView) -> str:
    """E.g. '2018年1月，老关村：综合污染指数 0.850，…；适用「[-10%, 0]」，市财政向…支付…'."""
    line = view.line
    if line.spans_months:
        when = f"{month_label(line.period_start)}至{month_label(line.period_end)}"
    else:
        when = month_label(line.period_start)
    head = f"{when}，{view.section_name}"
    measures = _measures(view)
    if measures:
        head += f"：{measures}"
    if line.amount == 0:
        why = view.note or "无奖惩"
        return f"{head}；本期不计奖惩（{why}）。"
    label = f"（{view.measures.branch_label}）" if view.measures.branch_label else ""
    branch = f"适用「{line.branch}」{label}，" if line.branch else ""
    exception = f"（例外：{line.exception}）" if line.exception else ""
    return (
        f"{head}；{branch}{view.payer_name}向{view.payee_name}支付 {format_wan(line.amount)} 万元"
        f"（{format_yuan(line.amount)} 元）{exception}。"
    )
