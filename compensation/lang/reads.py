"""Which indicators a scheme's rules can read, so that a run computes period values for those only.

The CPI rule reads four of the eight indicators a section reports; computing the monthly values of
all eight was half of a run's time. The answer is static where it can be: indicator names written
in the rules, and list parameters (whose values, in every scenario, the run looks up). Anything
else (a list held in a `let`, say) answers "all".
"""

from __future__ import annotations

from compensation.lang import ast
from compensation.lang.compiled import IndicatorsRead
from compensation.lang.scope import SECTIONS_SOURCE, Scope

# calls whose first argument is an indicator (or, for worst_class and missing, a list of them)
INDICATOR_READERS = {"value", "highest", "class", "exceed"}
LIST_READERS = {"worst_class", "missing"}


class _Unknown(Exception):
    """An indicator expression whose values cannot be told before the run."""


def indicators_read(rf: ast.RuleFile, scope: Scope) -> IndicatorsRead | None:
    """What the rules and measures of `rf` read; None when that cannot be told (read all)."""
    names: set[str] = set()
    params: set[str] = set()

    def items(e: ast.Expr, env: dict[str, ast.Expr | None]) -> None:
        """Record what the list or indicator expression `e` can hold."""
        if isinstance(e, ast.ListLit):
            for item in e.items:
                items(item, env)
        elif isinstance(e, ast.Name) and e.name in env:
            source = env[e.name]
            if source is None:
                raise _Unknown
            items(source, {})
        elif isinstance(e, ast.Name) and e.name in scope.params:
            if scope.params[e.name].unit.kind != "indicators":
                raise _Unknown
            params.add(e.name)
        elif isinstance(e, ast.Name) and scope.kind_of(e.name, {}) == "indicator":
            names.add(e.name)
        else:
            raise _Unknown

    class Reads(ast.Visitor[None]):
        """Records each indicator reader's argument; a loop binds its variable to its source."""

        def empty(self) -> None:
            return None

        def combine(self, a: None, b: None) -> None:
            return None

        def visit_Comprehension(
            self, node: ast.Comprehension, env: dict[str, ast.Expr | None]
        ) -> None:
            self.visit(node.source, env)
            bound = node.source if not _is_sections(node.source) else None
            inner = {**env, node.var: bound}
            self.visit(node.body, inner)
            if node.where is not None:
                self.visit(node.where, inner)

        def visit_Call(self, node: ast.Call, env: dict[str, ast.Expr | None]) -> None:
            if node.args and node.func in INDICATOR_READERS | LIST_READERS:
                items(node.args[0], env)
            if node.args and node.func == "missing":
                for arg in node.args[1:]:
                    items(arg, env)
            self.generic_visit(node, env)

    try:
        for node in [*rf.measures, *rf.rules]:
            Reads().visit(node, {})
    except _Unknown:
        return None
    return IndicatorsRead(frozenset(names), frozenset(params))


def _is_sections(e: ast.Expr) -> bool:
    return isinstance(e, ast.Name) and e.name == SECTIONS_SOURCE
