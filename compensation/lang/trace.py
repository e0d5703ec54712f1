"""A ledger line's trace: the JSON each rule's query writes (final.py `FinalStage.trace`), as a
type that the documents read (render/trace.py) instead of guessing key names.

Every value is text as the SQL cast it (numbers to 12 decimals, classes as numbers, truth values
as `true`/`false`), or null when it could not be computed. The keys, in the order the compiler
writes them:

    rule, file, line, basis, section, control, period_start, param_month,
    params{name: value}, measures{name: value}, control_measures{name: value}, lets{name: value},
    [sections[{loop, terms[{section, value}]}]]                       scheme-level rules
    [values{indicator: value}, classes{indicator: class},             rules over sections
     control_values{...}, control_classes{...}]                       ... that read a control
    amount_computed, amount_after_exceptions, amount_signed, branch_label,
    [caps[{cap, limit, before, after}]]                               rules with caps
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compensation.lang.compiled import TraceRef

Values = dict[str, str | None]
# the keys every compiled rule writes (a trace without them is not the compiler's: a hand-made
# line of an older store or a test's toy engine)
REQUIRED = ("rule", "file", "line", "params", "measures", "control_measures", "lets")


@dataclass(frozen=True)
class Trace:
    """One line's trace as the compiler writes it."""

    rule: str
    file: str
    line: int
    basis: str
    section: str | None
    control: str | None
    period_start: str | None
    param_month: str | None
    params: Values
    measures: Values
    control_measures: Values
    lets: Values
    amount_computed: str | None
    amount_after_exceptions: str | None
    amount_signed: str | None
    branch_label: str | None
    values: Values | None = None  # the section's period values by indicator
    classes: Values | None = None
    control_values: Values | None = None
    control_classes: Values | None = None
    caps: list[dict[str, str | None]] | None = None
    # a scheme-level rule's loops over the sections: each section's term (`explain` lists them)
    sections: list[dict[str, Any]] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Trace | None:
        """The trace of a line, or None when it is not what the compiler writes."""
        if not isinstance(data, Mapping) or not all(k in data for k in REQUIRED):
            return None
        return cls(
            rule=str(data["rule"]),
            file=str(data["file"]),
            line=int(data["line"]),
            basis=str(data.get("basis") or ""),
            section=data.get("section"),
            control=data.get("control"),
            period_start=data.get("period_start"),
            param_month=data.get("param_month"),
            params=dict(data["params"] or {}),
            measures=dict(data["measures"] or {}),
            control_measures=dict(data["control_measures"] or {}),
            lets=dict(data["lets"] or {}),
            amount_computed=data.get("amount_computed"),
            amount_after_exceptions=data.get("amount_after_exceptions"),
            amount_signed=data.get("amount_signed"),
            branch_label=data.get("branch_label"),
            values=data.get("values"),
            classes=data.get("classes"),
            control_values=data.get("control_values"),
            control_classes=data.get("control_classes"),
            caps=data.get("caps"),
            sections=data.get("sections"),
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON form, keys in the compiler's order, optional parts only when present."""
        out: dict[str, Any] = {
            "rule": self.rule, "file": self.file, "line": self.line, "basis": self.basis,
            "section": self.section, "control": self.control,
            "period_start": self.period_start, "param_month": self.param_month,
            "params": self.params, "measures": self.measures,
            "control_measures": self.control_measures, "lets": self.lets,
        }
        if self.sections is not None:
            out["sections"] = self.sections
        for key in ("values", "classes", "control_values", "control_classes"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out |= {
            "amount_computed": self.amount_computed,
            "amount_after_exceptions": self.amount_after_exceptions,
            "amount_signed": self.amount_signed,
            "branch_label": self.branch_label,
        }
        if self.caps is not None:
            out["caps"] = self.caps
        return out

    def find(self, ref: TraceRef, control: bool = False) -> str | None:
        """The value `ref` names (of the control section with `control`: its measures only)."""
        part = "control_measures" if control and ref.part == "measures" else ref.part
        if control and ref.part != "measures":
            return None
        values: Values = getattr(self, part)
        return values.get(ref.name)
