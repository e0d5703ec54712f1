"""Which parameters an expression reads, so the compiler can compute it at its coarsest grain.

A sweep runs thousands of scenarios in one query, but a measure such as a section's class reads
no parameter at all, and `meets_target` reads only `target` and `indicators`. Computing those once
per (section, period) and distinct combination of the parameters they read, instead of once per
scenario row, is what makes 10,000 scenarios cost little more than one. `None` means the value
belongs to the scenario row itself (it reads `amount` or a `spread(...)`, which are per scenario).
"""

from __future__ import annotations

from compensation.lang import ast
from compensation.lang.scope import Scope

Deps = frozenset[str] | None  # parameter names read; None: depends on the scenario row itself


def _union(a: Deps, b: Deps) -> Deps:
    return None if a is None or b is None else a | b


class Dependencies:
    """Parameter dependencies of measures, of one rule's lets, and of any expression."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.measures: dict[str, Deps] = {}
        self.lets: dict[str, Deps] = {}

    def of_measure(self, name: str) -> Deps:
        if name not in self.measures:
            self.measures[name] = self.of(self.scope.measures[name].expr)
        return self.measures[name]

    def add_let(self, name: str, e: ast.Expr) -> Deps:
        """Record a let (in rule order: a let sees only the lets before it)."""
        self.lets[name] = self.of(e)
        return self.lets[name]

    def of(self, e: object, local: frozenset[str] = frozenset()) -> Deps:  # noqa: C901
        if isinstance(e, ast.Spread | ast.SoFar | ast.AmountRef):
            return None
        if isinstance(e, ast.Name):
            if e.name in local:
                return frozenset()
            if e.name in self.lets:
                return self.lets[e.name]
            if e.name in self.scope.measures:
                return self.of_measure(e.name)
            if e.name in self.scope.params:
                return frozenset({e.name})
            return frozenset()
        if isinstance(e, ast.ControlRef):
            return self.of_measure(e.name)
        if isinstance(e, ast.Comprehension):
            inner = local | {e.var}
            out = self.of(e.source, local)
            out = _union(out, self.of(e.body, inner))
            return _union(out, self.of(e.where, inner)) if e.where is not None else out
        out: Deps = frozenset()
        if isinstance(e, ast.Node):
            for value in vars(e).values():
                for item in value if isinstance(value, list) else [value]:
                    for x in item if isinstance(item, tuple) else (item,):
                        if isinstance(x, ast.Node):
                            out = _union(out, self.of(x, local))
        return out


def measure_closure(scope: Scope, names: list[str]) -> list[str]:
    """`names` and the measures they use in their own context, dependencies first.

    Measures used inside comprehensions, previous(...) or baseline(...) are evaluated in another
    context (another section or period) and stay inlined there, as the compiler does.
    """
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for used in direct_measures(scope, scope.measures[name].expr):
            visit(used)
        order.append(name)

    for n in names:
        visit(n)
    return order


def direct_measures(scope: Scope, e: object) -> list[str]:
    """Measures an expression reads in its own context (not through another section/period)."""
    found: list[str] = []
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Comprehension | ast.YearRange) or (
            isinstance(node, ast.Call) and node.func == "previous"
        ):
            continue
        if isinstance(node, ast.Name) and node.name in scope.measures and node.name not in found:
            found.append(node.name)
        stack += ast.children(node)
    return found
