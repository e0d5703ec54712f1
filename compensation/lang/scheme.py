"""`compile_file`: a checked rule file → CompiledScheme (header, dated parameters, rules wit"
  "h SQL)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from compensation.errors import RuleError
from compensation.lang import ast
from compensation.lang.check import check_file
from compensation.lang.compile import RuleBuilder, RulePlan, _party_text
from compensation.lang.reads import IndicatorsRead, indicators_read
from compensation.lang.scope import Scope
from compensation.lang.sql import DIALECT
from compensation.lang.units import ParamValue, Unit


def month_date(text: str) -> date:
    """'2018-01' → date(2018, 1, 1)."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)


@dataclass(frozen=True)
class ParamVersion:
    """One dated value of a parameter: valid from `start` (first day of a month) to `until`."""

    start: date
    until: date | None  # first day of the last month it is valid, or None (until the next one)
    value: ParamValue
    text: str  # as written, e.g. "50万"
    basis: str
    assumption: str | None
    line: int


@dataclass
class CompiledParam:
    name: str
    unit: Unit
    negotiable: bool
    variants: list[str]
    versions: list[ParamVersion]
    line: int

    @property
    def kind(self) -> str:
        """number | class | indicators | variant."""
        return self.unit.kind


@dataclass
class CompiledRule:
    id: str
    title: str
    basis: str
    assumption: str | None
    file: str
    line: int
    period: str  # the period of its rows: month | bimonth | odd-month | quarter | year
    selector: str | None  # assessed | control | all | None (scheme-level)
    payer: str
    payee: str
    sql: str
    plan: RulePlan
    # the same rows with trace NULL, for readers of amounts only (scenarios, benchmarks): DuckDB
    # would compute the trace's values even when nobody reads them
    amounts_sql: str


@dataclass
class CompiledScheme:
    id: str
    title: str
    basis: str | None
    assumptions: list[str]
    period: str
    settle: str
    year_begins: int  # first month of the (agreement) year
    span_start: date
    span_end: date | None
    parties: list[str]
    parameters: list[CompiledParam]
    measures: list[dict[str, object]]
    rules: list[CompiledRule]
    file: str
    source_sha256: str
    uses_daily: bool = False
    value_kinds: list[str] = field(default_factory=list)
    # how far back of the run's first (agreement) year the rules read values: previous(...)
    # reads a year back, baseline(x, 2012..2014) from a fixed year
    reads_previous: bool = False
    first_year_read: int | None = None
    # the indicators whose period values the rules can read (None: all of them)
    indicators_read: IndicatorsRead | None = None
    reads_highest: bool = True  # a rule or measure reads highest(...): ev_values keeps it
    ast: ast.RuleFile | None = field(default=None, repr=False)

    def parameter(self, name: str) -> CompiledParam:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def params_by_name(self) -> dict[str, CompiledParam]:
        return {p.name: p for p in self.parameters}


def _parameters(scope: Scope) -> list[CompiledParam]:
    out = []
    for info in scope.params.values():
        versions = [
            ParamVersion(
                month_date(dv.start),
                month_date(dv.until) if dv.until else None,
                pv,
                dv.text,
                dv.basis,
                dv.assumption,
                dv.line,
            )
            for dv, pv in info.values
        ]
        out.append(
            CompiledParam(
                info.name, info.unit, info.negotiable, list(info.variants), versions, info.decl.line
            )
        )
    return out


def _nodes(node: object) -> Iterator[ast.Node]:
    """Every syntax node under `node` (itself included)."""
    if isinstance(node, ast.Node):
        yield node
        for value in vars(node).values():
            for item in value if isinstance(value, list) else [value]:
                for x in item if isinstance(item, tuple) else [item]:
                    yield from _nodes(x)


def _uses(node: object, func: str) -> bool:
    return any(isinstance(n, ast.Call) and n.func == func for n in _nodes(node))


def compile_file(path: str | Path) -> CompiledScheme:
    """Parse, check and compile one rule file; raise RuleError listing every diagnostic."""
    checked = check_file(path)
    if checked.diagnostics or checked.rf is None or checked.scope is None:
        text = "\n".join(d.render() for d in checked.diagnostics)
        raise RuleError(f"规则文件 {path} 未通过检查：\n{text}", checked.diagnostics)
    rf, scope = checked.rf, checked.scope
    rules = []
    for rule in rf.rules:
        query, amounts, plan = RuleBuilder(scope, rule).build()
        rules.append(
            CompiledRule(
                rule.name,
                rule.title,
                rule.basis,
                rule.assumption,
                rf.path,
                rule.line,
                rule.period,
                rule.selector,
                _party_text(rule.payer),
                _party_text(rule.payee),
                query.sql(dialect=DIALECT, pretty=True, copy=False),
                plan,
                amounts.sql(dialect=DIALECT, pretty=True, copy=False),
            )
        )
    h = rf.header
    kinds = sorted({r.period for r in rf.rules})
    return CompiledScheme(
        id=h.id,
        title=h.title,
        basis=h.basis,
        assumptions=list(h.assumptions),
        period=h.period,
        settle=h.settle,
        year_begins=h.year_begins,
        span_start=month_date(h.start or "2000-01"),
        span_end=month_date(h.end) if h.end else None,
        parties=[_party_text(p) for p in h.parties],
        parameters=_parameters(scope),
        measures=[
            {"name": m.name, "title": m.title, "basis": m.basis, "line": m.line}
            for m in rf.measures
        ],
        rules=rules,
        file=rf.path,
        source_sha256=hashlib.sha256(rf.source.encode("utf-8")).hexdigest(),
        uses_daily=any(_uses(r, "runs") for r in rf.rules)
        or any(_uses(m, "runs") for m in rf.measures),
        value_kinds=kinds,
        reads_previous=any(_uses(x, "previous") for x in [*rf.rules, *rf.measures]),
        first_year_read=min(
            (n.first for n in _nodes(rf) if isinstance(n, ast.YearRange)), default=None
        ),
        indicators_read=indicators_read(rf, scope),
        reads_highest=any(_uses(x, "highest") for x in [*rf.rules, *rf.measures]),
        ast=rf,
    )
