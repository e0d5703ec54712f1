"""What a name in a rule file means: a parameter, a measure, a let, a loop variable, an indicator...

The checker and the compiler resolve names the same way, through `Scope`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from compensation.errors import EcocompError
from compensation.lang import ast
from compensation.lang.units import FLAGS, ParamValue, Unit, constant_value, indicator_units

PERIOD_WORDS = {
    "month": "月",
    "bimonth": "双月",
    "odd-month": "单月",
    "quarter": "季度",
    "year": "年",
}

# Names every rule can use without declaring them.
BUILTIN_NAMES = {"days": "本考核期的天数 (days in the period)"}
# Comprehension sources that are not parameters.
SECTIONS_SOURCE = "sections"


@dataclass
class ParamInfo:
    """A parameter: its dated values (parsed), unit, negotiable flag and allowed variants."""

    decl: ast.Param
    values: list[tuple[ast.DatedValue, ParamValue]]
    unit: Unit
    negotiable: bool
    variants: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.decl.name


@dataclass
class Scope:
    """The names of one rule file."""

    file: ast.RuleFile
    params: dict[str, ParamInfo]
    measures: dict[str, ast.Measure]
    variants: dict[str, str]  # variant name → parameter name
    errors: list[tuple[ast.Node, str]] = field(default_factory=list)

    @classmethod
    def build(cls, rf: ast.RuleFile) -> Scope:
        params: dict[str, ParamInfo] = {}
        errors: list[tuple[ast.Node, str]] = []
        variants: dict[str, str] = {}
        for decl in rf.params:
            values: list[tuple[ast.DatedValue, ParamValue]] = []
            for dv in decl.values:
                try:
                    values.append((dv, constant_value(dv.value, dv.text)))
                except EcocompError as err:
                    errors.append((dv, str(err)))
            if decl.name in params:
                errors.append(
                    (decl, f"参数“{decl.name}”重复定义。(parameter {decl.name} is defined twice)")
                )
                continue
            unit = values[0][1].unit if values else Unit()
            if unit.zero:
                unit = Unit()
            for v in decl.variants:
                variants[v] = decl.name
            params[decl.name] = ParamInfo(decl, values, unit, decl.negotiable, decl.variants)
        measures: dict[str, ast.Measure] = {}
        for m in rf.measures:
            if m.name in measures or m.name in params:
                errors.append((m, f"名称“{m.name}”重复定义。(name {m.name} is defined twice)"))
            measures[m.name] = m
        return cls(rf, params, measures, variants, errors)

    @property
    def party_ids(self) -> set[str]:
        """The parties the header declares by code (`section.party = hubei` names one)."""
        return {p.id for p in self.file.header.parties if p.kind == "id" and p.id}

    def kind_of(self, name: str, local: dict[str, Unit]) -> str | None:
        """param | measure | local | builtin | variant | indicator | sections | party | None."""
        if name in local:
            return "local"
        if name in self.measures:
            return "measure"
        if name in self.params:
            return "param"
        if name in BUILTIN_NAMES:
            return "builtin"
        if name in self.variants:
            return "variant"
        if name in indicator_units():
            return "indicator"
        if name == SECTIONS_SOURCE:
            return "sections"
        if name in self.party_ids:
            return "party"
        return None


def is_sections_loop(e: object) -> bool:
    """`f(x for s in sections)`: a loop over the sections rather than over a list."""
    return (isinstance(e, ast.Comprehension) and isinstance(e.source, ast.Name)
            and e.source.name == SECTIONS_SOURCE)


def is_flag(name: str) -> bool:
    return name in FLAGS


def month_index(text: str) -> int:
    """'2018-01' → a month count, for comparing and stepping months."""
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def decimal_text(value: Decimal) -> str:
    """A decimal without a trailing exponent or zeros, for messages."""
    text = format(value.normalize(), "f")
    return text
