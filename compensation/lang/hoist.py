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


def elsewhere(node: ast.Node) -> bool:
    """True for a node evaluated in another context (another section or period): a loop,
    `previous(...)` or a year range. Its measures are inlined there, not read from the row."""
    return isinstance(node, ast.Comprehension | ast.YearRange) or (
        isinstance(node, ast.Call) and node.func == "previous"
    )


class Dependencies(ast.Visitor[Deps]):
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

    def of(self, e: ast.Node | None, local: frozenset[str] = frozenset()) -> Deps:
        """What `e` reads; `local` holds the variables bound by enclosing loops."""
        return frozenset() if e is None else self.visit(e, local)

    # the fold: no parameter, union of the children's, None (the row's own) absorbs
    def empty(self) -> Deps:
        return frozenset()

    def combine(self, a: Deps, b: Deps) -> Deps:
        return _union(a, b)

    def visit_Spread(self, e: ast.Spread, local: frozenset[str]) -> Deps:
        return None

    visit_SoFar = visit_AmountRef = visit_Spread

    def visit_Name(self, e: ast.Name, local: frozenset[str]) -> Deps:
        if e.name in local:
            return frozenset()
        if e.name in self.lets:
            return self.lets[e.name]
        if e.name in self.scope.measures:
            return self.of_measure(e.name)
        if e.name in self.scope.params:
            return frozenset({e.name})
        return frozenset()

    def visit_ControlRef(self, e: ast.ControlRef, local: frozenset[str]) -> Deps:
        return self.of_measure(e.name)

    def visit_Comprehension(
        self, e: ast.Comprehension, local: frozenset[str]
    ) -> Deps:
        inner = local | {e.var}
        return _union(_union(self.of(e.source, local), self.of(e.body, inner)),
                      self.of(e.where, inner))


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
    for node in ast.walk(e, skip=elsewhere):
        if isinstance(node, ast.Name) and node.name in scope.measures and node.name not in found:
            found.append(node.name)
    return found
