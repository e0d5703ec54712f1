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

    def walk(node: object, env: dict[str, ast.Expr | None]) -> None:
        if isinstance(node, list | tuple):
            for item in node:
                walk(item, env)
            return
        if isinstance(node, ast.Comprehension):
            walk(node.source, env)
            bound = node.source if not _is_sections(node.source) else None
            inner = {**env, node.var: bound}
            walk(node.body, inner)
            walk(node.where, inner)
            return
        if isinstance(node, ast.Call) and node.args:
            if node.func in INDICATOR_READERS | LIST_READERS:
                items(node.args[0], env)
            if node.func == "missing":
                for arg in node.args[1:]:
                    items(arg, env)
        if isinstance(node, ast.Node):
            for value in vars(node).values():
                walk(value, env)

    try:
        walk(rf.measures, {})
        walk(rf.rules, {})
    except _Unknown:
        return None
    return IndicatorsRead(frozenset(names), frozenset(params))


def _is_sections(e: ast.Expr) -> bool:
    return isinstance(e, ast.Name) and e.name == SECTIONS_SOURCE
