"""Reading the measures out of a ledger line's trace, whatever shape the rule compiler gave it.

The trace is JSON written by the rule SQL. Its keys belong to the rule-language engineer; this
module looks for a few well-known names anywhere in it (nested or flat) and ignores everything
else, so a renamed key shows as a dash in a document instead of breaking it.
Relied on (first match wins, compared on the last one or two path components, case-insensitive):
  CPI of the section : cpi, cpi_s, cpi_section, cpi_assessed, cpi_a, i_a, measures.cpi
  CPI of the control : control_measures.cpi, cpi_control, cpi_c, control_cpi, i_c, cpi_inflow
  r                  : r, ratio, change_ratio
  class / control    : class, section_class, klass / control_class, class_control
  target class       : target_class, target
  branch in words    : branch_label (e.g. 持平或下降不超过10%，奖励)
The shipped rules (lang, 2026-11) write measures.cpi, control_measures.cpi, lets.r, branch_label.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

_CPI = ("cpi", "cpi_s", "cpi_section", "cpi_assessed", "cpi_a", "i_a", "measures_cpi", "cpi_self")
_CPI_CONTROL = ("control_measures_cpi", "cpi_control", "cpi_c", "control_cpi", "i_c", "cpi_inflow",
                "cpi_ctrl")
_RATIO = ("r", "ratio", "change_ratio", "lets_r")
_CLASS = ("class", "section_class", "klass", "class_s", "class_section", "annual_class")
_CONTROL_CLASS = ("control_class", "class_control", "class_c", "inflow_class")
_TARGET = ("target_class", "target", "cls_target")

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "劣V": 6, "劣Ⅴ": 6, "VI": 6,
          "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5}


@dataclass(frozen=True)
class Measures:
    cpi: Decimal | None = None
    cpi_control: Decimal | None = None
    ratio: Decimal | None = None
    klass: int | None = None
    control_class: int | None = None
    target_class: int | None = None
    branch_label: str | None = None


def flatten(trace: Any, prefix: str = "") -> dict[str, Any]:
    """{'lets': {'r': 1}} → {'lets_r': 1}; lists are not entered (they hold per-indicator rows)."""
    out: dict[str, Any] = {}
    if isinstance(trace, dict):
        for key, value in trace.items():
            name = f"{prefix}_{key}" if prefix else str(key)
            if isinstance(value, dict):
                out.update(flatten(value, name))
            else:
                out[name.lower()] = value
    return out


_OTHER_SIDE = ("control", "ctrl", "inflow", "target", "_c")


def _lookup(flat: dict[str, Any], names: tuple[str, ...], own: bool = False) -> Any:
    """Exact names first, then nested ones ('measures_cpi_control' ends with '_cpi_control').

    `own`: the value of the section itself, so keys that name the control or target are skipped.
    """
    for name in names:
        if name in flat:
            return flat[name]
    for name in names:
        for key, value in flat.items():
            if not key.endswith("_" + name):
                continue
            if own and any(word in key[: -len(name)] for word in _OTHER_SIDE):
                continue
            return value
    return None


def as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def as_class(value: Any) -> int | None:
    """A class written as 3, '3', 'III' or 'Ⅲ' → 3."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        number = int(value)
        return number if 1 <= number <= 6 else None
    text = str(value).strip().upper().replace("类", "")
    number = as_decimal(text)
    if number is not None:
        return as_class(int(number)) if number == number.to_integral_value() else None
    return _ROMAN.get(text) or _ROMAN.get(str(value).strip())


def read_measures(trace: dict[str, Any] | None) -> Measures:
    flat = flatten(trace or {})
    cpi_control = as_decimal(_lookup(flat, _CPI_CONTROL))
    cpi = as_decimal(_lookup(flat, _CPI, own=True))
    return Measures(
        cpi=cpi,
        cpi_control=cpi_control,
        ratio=as_decimal(_lookup(flat, _RATIO)),
        klass=as_class(_lookup(flat, _CLASS, own=True)),
        control_class=as_class(_lookup(flat, _CONTROL_CLASS)),
        target_class=as_class(_lookup(flat, _TARGET)),
        branch_label=_text_or_none(flat.get("branch_label")),
    )


def _text_or_none(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)
