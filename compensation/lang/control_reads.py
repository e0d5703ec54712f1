"""What a rule reads on its control section through `control.f(...)`, found before compiling.

A read at row level (`control.value(NH3N)`) is computed once per cell like a control measure, so
that the trace shows it and a line whose amount is unknown can say that the control's data are
missing. A read inside a loop over indicators (`control.class(i) for i in inds`) cannot be named
per item: the line names the loop, and the control's data count as missing when it lacks a valid
value of any of the loop's items (`missing(list)` on the control).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from compensation.lang import ast
from compensation.lang.hoist import elsewhere
from compensation.lang.scope import SECTIONS_SOURCE, Scope
from compensation.lang.written import written


@dataclass
class ControlReads:
    """Row-level reads on the control (each written text once) and the row-level loops over
    indicators whose body reads the control."""

    calls: list[ast.ControlCall] = field(default_factory=list)
    loops: list[ast.Comprehension] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.calls or self.loops)


def _names(e: object) -> set[str]:
    return {n.name for n in ast.walk(e) if isinstance(n, ast.Name)}


def _reads_control(e: object) -> list[ast.ControlCall]:
    return [n for n in ast.walk(e) if isinstance(n, ast.ControlCall)]


def loop_text(loop: ast.Comprehension) -> str:
    """`control.class(i) for i in inds`: the control reads of a loop, for a reason."""
    reads = dict.fromkeys(written(c) for c in _reads_control(loop))
    return f"{'、'.join(reads)} for {loop.var} in {written(loop.source)}"


def control_reads(exprs: list[ast.Expr], scope: Scope, lets: set[str]) -> ControlReads:
    """The control reads of a rule's expressions and of the measures they use in their own
    context. Reads whose arguments name a let are left to be compiled in place (they cannot be
    computed before the lets)."""
    out = ControlReads()
    seen_calls: set[str] = set()
    seen_measures: set[str] = set()

    def walk(e: object) -> None:
        if isinstance(e, ast.ControlCall):
            key = written(e)
            if key not in seen_calls and not _names(e) & lets:
                seen_calls.add(key)
                out.calls.append(e)
            return
        if isinstance(e, ast.Comprehension):
            over_sections = isinstance(e.source, ast.Name) and e.source.name == SECTIONS_SOURCE
            if (not over_sections and _reads_control(e) and not _names(e.source) & lets
                    and e not in out.loops):
                out.loops.append(e)
            return
        if elsewhere(e):
            return  # another period: compiled in place
        if isinstance(e, ast.Name) and e.name in scope.measures and e.name not in seen_measures:
            seen_measures.add(e.name)
            walk(scope.measures[e.name].expr)
        for child in ast.children(e):
            walk(child)

    for e in exprs:
        walk(e)
    return out
