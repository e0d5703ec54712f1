"""Why a month's net is what it is: which section failed which indicator, from the line traces."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from compensation.quality import class_label, resolve_indicator

ALL_MET = "各断面均达标"


def _number(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def _indicator_name(code: str) -> str:
    found = resolve_indicator(code)
    return found.name_cn if found is not None else code


def _listed(text: Any) -> list[str] | None:
    if not isinstance(text, str) or not text.startswith("["):
        return None
    return [x.strip() for x in text.strip("[]").split(",") if x.strip()]


def failed_indicators(trace: dict[str, Any]) -> list[tuple[str, int]] | None:
    """(indicator, class) worse than the target, or None if the rule judges no target class."""
    params = trace.get("params") or {}
    target = _number(params.get("target"))
    classes = trace.get("classes") or {}
    if target is None or not classes:
        return None
    wanted = _listed(params.get("indicators")) or list(classes)
    out = []
    for code in wanted:
        klass = _number(classes.get(code))
        if klass is not None and klass > target:
            out.append((code, int(klass)))
    return out


def line_reason(
    section: str,
    exception: str | None,
    reason: str | None,
    trace_text: str | None,
    amount: Decimal = Decimal(1),
) -> str | None:
    """One section's part of the month's reason, or None when it has nothing to say.

    Target-class rules name the failed indicators; other rules name the band that was hit,
    for lines that move money.
    """
    if exception:
        return f"{section}：{reason or exception}（{exception}）"
    if reason == "数据缺失":
        return f"{section}：数据缺失"
    trace = json.loads(trace_text) if trace_text else {}
    failed = failed_indicators(trace)
    if failed is not None:
        if not failed:
            return None
        target = int(_number((trace.get("params") or {}).get("target")) or 0)
        items = "、".join(f"{_indicator_name(c)}{class_label(k)}类" for c, k in failed)
        return f"{section}：{items}（目标{class_label(target)}类）"
    label = trace.get("branch_label") or reason
    return f"{section}：{label}" if label and amount != 0 else None


def month_reason(parts: list[str | None], judged_by_target: bool) -> str:
    """Join the sections' parts; a month with none says all met the target (or nothing)."""
    found = [p for p in dict.fromkeys(parts) if p]
    if found:
        return "；".join(found)
    return ALL_MET if judged_by_target else ""
