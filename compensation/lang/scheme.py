"""`compile_uncached`: a checked rule file → CompiledScheme (header, dated parameters, rules with
SQL). Callers use `compensation.lang.compile_file`, which keeps the result in the rule cache."""

from __future__ import annotations

import hashlib
from pathlib import Path

from compensation.errors import RuleError
from compensation.lang import ast
from compensation.lang.check import check_file
from compensation.lang.compile import compile_rule, party_text, plan_rule
from compensation.lang.compiled import (
    BulletinShows,
    CompiledParam,
    CompiledRule,
    CompiledScheme,
    ParamVersion,
    TraceRef,
    month_date,
)
from compensation.lang.options import ALL_ON, CompileOptions
from compensation.lang.plan import Plan
from compensation.lang.reads import indicators_read
from compensation.lang.scope import Scope
from compensation.lang.selection import named_values
from compensation.lang.sql import DIALECT
from compensation.lang.volumes import volume_bases

__all__ = [
    "CompiledParam", "CompiledRule", "CompiledScheme", "ParamVersion",
    "compile_uncached",
]


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


def _bulletin(rf: ast.RuleFile) -> BulletinShows:
    """The header's `bulletin` lines (checked: each names what its role needs)."""
    shows = {s.role: s for s in rf.shows}
    rank = shows.get("rank")
    measures = {m.name for m in rf.measures}

    def name(role: str) -> str | None:
        return shows[role].name if role in shows else None

    titles = {m.name: m.title or m.name for m in rf.measures}
    return BulletinShows(
        index=name("index"),
        index_title=titles.get(name("index") or "", ""),
        klass=name("class"),
        target=name("target"),
        rank=TraceRef("measures" if rank.name in measures else "lets", rank.name) if rank else None,
        rank_descending=bool(rank and rank.descending),
        rank_words=(rank.words or "") if rank else "",
    )


def _uses(node: object, func: str) -> bool:
    return any(isinstance(n, ast.Call) and n.func == func for n in ast.walk(node))


def checked(path: str | Path) -> tuple[ast.RuleFile, Scope]:
    """The parsed and checked rule file and its scope; RuleError listing every diagnostic."""
    found = check_file(path)
    if found.diagnostics or found.rf is None or found.scope is None:
        text = "\n".join(d.render() for d in found.diagnostics)
        raise RuleError(f"规则文件 {path} 未通过检查：\n{text}", found.diagnostics)
    return found.rf, found.scope


def plans(path: str | Path, options: CompileOptions = ALL_ON) -> list[Plan]:
    """The plan of each rule of the file (`--emit plan`), with the passes `options` turns on."""
    rf, scope = checked(path)
    return [plan_rule(scope, rule, options) for rule in rf.rules]


def compile_uncached(path: str | Path, options: CompileOptions = ALL_ON) -> CompiledScheme:
    """Parse, check and compile one rule file (`options`: the optimisation passes on); raise
    RuleError listing every diagnostic."""
    rf, scope = checked(path)
    rules = []
    for rule in rf.rules:
        query, amounts, plan = compile_rule(scope, rule, options)
        assert plan.final is not None
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
                party_text(rule.payer),
                party_text(rule.payee),
                query.sql(dialect=DIALECT, pretty=True, copy=False),
                amounts.sql(dialect=DIALECT, pretty=True, copy=False),
                len(plan.final.trace_sides),
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
        parties=[party_text(p) for p in h.parties],
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
            (n.first for n in ast.walk(rf) if isinstance(n, ast.YearRange)), default=None
        ),
        indicators_read=indicators_read(rf, scope),
        reads_highest=any(_uses(x, "highest") for x in [*rf.rules, *rf.measures]),
        period_value=h.period_value,
        period_value_basis=h.period_value_basis,
        bulletin=_bulletin(rf),
        registry_names=[(n.attr, n.value, n.line, n.col) for n in named_values(rf)],
        volume_bases=volume_bases(rf),
        ast=rf,
    )
