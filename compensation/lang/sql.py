"""Small builders for sqlglot trees. Templates here are fixed text written by us; every value that
comes from a rule file enters a tree only as a literal node built by `text()` or `number()`."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache

import sqlglot
from sqlglot import exp

DIALECT = "duckdb"
EXACT = "DECIMAL(38,12)"
# Comparisons, interval tables and ceil/floor decide on values rounded half-even to this many
# decimals, while arithmetic carries 12 (see docs/rule-language.md §5, 判定精度).
DECISION_DECIMALS = 10


@cache
def _template(sql: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read=DIALECT)


def tpl(sql: str, **nodes: exp.Expression) -> exp.Expression:
    """Parse a fixed template once and put tree nodes in place of its `:name` placeholders."""
    tree = _template(sql).copy()
    used: set[str] = set()

    def put(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name in nodes:
            first = node.name not in used and nodes[node.name].parent is None
            used.add(node.name)
            return nodes[node.name] if first else nodes[node.name].copy()
        return node

    return tree.transform(put, copy=False)


def text(value: str) -> exp.Expression:
    return exp.Literal.string(value)


def number(value: Decimal | int) -> exp.Expression:
    """An exact decimal literal (DECIMAL(38,12)); integers stay integers."""
    if isinstance(value, int):
        return exp.Literal.number(value)
    return exp.cast(exp.Literal.number(format(value, "f")), EXACT, copy=False)


def col(name: str, table: str | None = "g") -> exp.Expression:
    return exp.column(name, table=table)


def call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def exact(e: exp.Expression) -> exp.Expression:
    return exp.cast(e, EXACT, copy=False)


def decided(e: exp.Expression) -> exp.Expression:
    """`e` as compared: rounded half-even to DECISION_DECIMALS, so that the 1e-12 rounding of
    quotients (C/S with S = 6 gives thirds) cannot move a value across an exact endpoint."""
    if isinstance(e, exp.Literal) and not e.is_string:
        return e
    if isinstance(e, exp.Cast) and isinstance(e.this, exp.Literal):
        digits = e.this.name.partition(".")[2]
        if len(digits) <= DECISION_DECIMALS:
            return e
    return call("round_half_even", e, exp.Literal.number(DECISION_DECIMALS))


def case(
    whens: list[tuple[exp.Expression, exp.Expression]], default: exp.Expression | None = None
) -> exp.Expression:
    node = exp.Case()
    for cond, value in whens:
        node = node.when(cond, value, copy=False)
    if default is not None:
        node = node.else_(default, copy=False)
    return node


def if_case(
    cond: exp.Expression, then: exp.Expression, other: exp.Expression
) -> exp.Expression:
    """`if cond then a else b` with an unknown (NULL) condition giving NULL, like a table whose
    subject is NULL: missing data never picks a branch (`CASE cond WHEN true ... WHEN false`)."""
    return exp.Case(
        this=cond,
        ifs=[exp.If(this=exp.true(), true=then), exp.If(this=exp.false(), true=other)],
    )


def subquery(select: exp.Expression) -> exp.Expression:
    return exp.Subquery(this=select)


# How many times DuckDB writes out each argument when it expands a macro (`ediv(a, b)` reads `a`
# twice and `b` three times, through hdiv_half_up); other calls read each argument once.
MACRO_COPIES = {"ediv": (2, 3), "ediv_count": (2, 3), "ediv6": (4, 4), "ediv6_u": (4, 4)}
# Beyond this many nodes once macros are expanded, an operand used several times is computed once.
MAX_COPIED_SIZE = 1000


def expanded_size(e: exp.Expression) -> int:
    """The number of nodes `e` becomes once DuckDB has expanded the macros in it.

    Nested divisions double at each level (`((x / 2) / 2) / 2` is eight copies of `x`), so a
    rule nested 30 levels deep would expand to billions of nodes.
    """
    if isinstance(e, exp.Anonymous) and e.name.lower() in MACRO_COPIES:
        copies = MACRO_COPIES[e.name.lower()]
        return 1 + sum(
            k * expanded_size(a) for k, a in zip(copies, e.expressions, strict=False)
        )
    return 1 + sum(expanded_size(child) for child in e.iter_expressions())


def once(
    operands: list[exp.Expression], copies: list[int], new_alias: Callable[[], str],
    build: Callable[[list[exp.Expression]], exp.Expression],
) -> exp.Expression:
    """`build(operands)`, which writes operand k out `copies[k]` times; when that would be large,
    the operands are computed once in a one-row subquery and `build` reads them as columns.
    Ordinary rules stay below the bound and keep their plain SQL."""
    size = sum(k * expanded_size(x) for x, k in zip(operands, copies, strict=True))
    if size <= MAX_COPIED_SIZE:
        return build(operands)
    names = [f"x{i}" for i in range(len(operands))]
    alias = new_alias()
    inner = exp.select(
        *[exp.alias_(x, n, copy=False) for x, n in zip(operands, names, strict=True)]
    )
    return subquery(
        exp.select(build([col(n, alias) for n in names])).from_(
            exp.alias_(subquery(inner), alias, table=True, copy=False), copy=False
        )
    )


def str_list(items: list[str]) -> exp.Expression:
    return exp.Array(expressions=[text(x) for x in items])


def binder(
    exprs: list[exp.Expression], wanted: Callable[[exp.Expression], bool], prefix: str
) -> tuple[list[exp.Expression], list[tuple[str, exp.Expression]]]:
    """Replace each outermost node of `exprs` that is `wanted` by a column `g.prefix_k` (equal
    nodes share one), and return the columns to compute in the layer before."""
    bound: dict[str, str] = {}
    out: list[tuple[str, exp.Expression]] = []

    def put(node: exp.Expression) -> exp.Expression:
        if not wanted(node):
            return node
        key = node.sql(dialect=DIALECT)
        if key not in bound:
            bound[key] = f"{prefix}_{len(bound)}"
            out.append((bound[key], node.copy()))
        return col(bound[key])

    # transform does not enter a node it has replaced: only the outermost ones are bound
    return [e.transform(put, copy=False) for e in exprs], out


def bind_costly(
    exprs: list[exp.Expression], prefix: str
) -> tuple[list[exp.Expression], list[tuple[str, exp.Expression]]]:
    """Replace each outermost subquery and limit_of call in `exprs` by a column `g.prefix_k`.

    Used in loops: the exact-arithmetic macros (ediv) repeat their arguments when expanded, so a
    lookup inside one would be planned and run several times; bound once in the layer before, it
    is one join. Equal lookups share one column.
    """
    return binder(
        exprs,
        lambda n: isinstance(n, exp.Subquery)
        or (isinstance(n, exp.Anonymous) and n.name.lower() == "limit_of"),
        prefix,
    )
