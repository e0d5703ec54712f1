"""Row-level loops over a list (`mean(value(i) / limit(i, k) for i in indicators)`): one GROUP BY
over the unnested items per distinct combination of what the loop reads, joined back to the rows.

A rule that compares a section with its control reads the same loop twice, once on the section's
columns and once on the control's. `loop_aggregate(..., with_controls=True)` lets the first
computation cover the control sections too, and `PendingList.canonical` recognises the second, which
becomes a join on the control's columns (`join_loop(..., on_control=True)`) instead of the same work
again.

A loop over the section's own period values is, where that gives the same result, driven from the
values rather than from the rows' keys (loop_values.py); it then covers the controls by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from compensation.lang.loop_values import (
    LoopKeys,
    ValuesLookup,
    driven_by_values,
    grouped_by_key,
    join_by_key,
    loop_keys,
    value_rows,
    values_column,
)
from compensation.lang.options import ALL_ON, CompileOptions
from compensation.lang.sql import bind_costly, binder, case, col, subquery, tpl


def _unknown_if_any_is(agg: str) -> str:
    return f"CASE WHEN bool_or(b IS NULL) THEN NULL ELSE {agg} END"


COMPREHENSION_AGG = {
    "sum": _unknown_if_any_is("COALESCE(sum(b), 0)"),
    # the CASE inside: ediv repeats its arguments, which DuckDB shares only outside CASE branches
    "mean": f"ediv({_unknown_if_any_is('sum(b)')}, count(b))",
    "max": _unknown_if_any_is("max(b)"),
    "min": _unknown_if_any_is("min(b)"),
    "count": _unknown_if_any_is("count(b)"),
    "all": _unknown_if_any_is("bool_and(b)"),
    "any": _unknown_if_any_is("bool_or(b)"),
}
# mean_count: the same mean (ediv's 1e12 scaling of both sides cancels), a smaller division;
# a mean of ediv6 quotients sums them in 1e-12 units and converts once
MEAN_BY_COUNT = f"ediv_count({_unknown_if_any_is('sum(b)')}, count(b))"
MEAN_OF_UNITS = f"mean_units({_unknown_if_any_is('sum(b)')}, count(b))"
# a loop over no items: a sum or count is 0, anything else unknown
EMPTY_LOOP = {"sum": "0", "count": "0"}

# The row's control columns and the section columns they stand for in a loop on the control.
CONTROL_AS_OWN = {"control_id": "section_id", "control_water_body": "water_body"}
OWN_AS_CONTROL = {own: control for control, own in CONTROL_AS_OWN.items()}


@dataclass
class PendingList:
    """A row-level list comprehension waiting for its grouped CTE (see grouped_comprehension)."""

    column: str
    var: str
    func: str
    items: exp.Expression
    body: exp.Expression
    where: exp.Expression | None

    def parts(self) -> list[exp.Expression]:
        return [self.items, self.body] + ([self.where] if self.where is not None else [])

    def reads(self) -> set[str]:
        """The row's columns the loop reads (its own item variable aside)."""
        return {c.name for part in self.parts() for c in part.find_all(exp.Column)
                if c.table == "g"} - {self.var}

    def on_control(self) -> bool:
        """Reads the control's columns and not the section's: the twin of a loop on the section."""
        read = self.reads()
        return bool(read & CONTROL_AS_OWN.keys()) and not read & OWN_AS_CONTROL.keys()

    def canonical(self) -> str:
        """The loop's text with its generated names numbered in order and the control's columns
        read as the section's: two loops with equal texts compute the same per key."""
        names = {self.var: "x", **CONTROL_AS_OWN}
        aliases: dict[str, str] = {}
        for part in self.parts():
            for alias in part.find_all(exp.TableAlias):
                aliases.setdefault(alias.name, f"t{len(aliases)}")

        def rename(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and node.table == "g" and node.name in names:
                return col(names[node.name])
            if isinstance(node, exp.Column) and node.table in aliases:
                return col(node.name, aliases[node.table])
            if isinstance(node, exp.TableAlias) and node.name in aliases:
                return exp.TableAlias(this=exp.to_identifier(aliases[node.name]))
            return node

        texts = [part.copy().transform(rename).sql() for part in self.parts()]
        return "|".join([self.func, *texts])


@dataclass
class LoweredLoop:
    """A loop's body (and `where`) with its lookups bound to columns `bound`, and the lookup of
    the section's own period values that drives it from the values (None: from the keys)."""

    parts: list[exp.Expression]
    bound: list[tuple[str, exp.Expression]]
    lookup: ValuesLookup | None


def lower_loop(loop: PendingList, by: list[str], section_free: set[str],
               options: CompileOptions = ALL_ON) -> LoweredLoop:
    """Bind the loop's lookups (bind_costly; with it off, only those the passes still on
    rewrite) and find whether it can be driven from the period values (values_loops): a loop over
    the section's own period values whose other reads are all in `section_free` (the same for
    every section)."""
    exprs = [loop.body.copy()] + ([loop.where.copy()] if loop.where is not None else [])
    if options.bind_costly:
        parts, bound = bind_costly(exprs, f"{loop.var}b")
    else:
        parts, bound = binder(exprs, _bound_for(options), f"{loop.var}b")
    lookup = driven_by_values(loop.func, loop.var, by, section_free, parts[0],
                              loop.where, bound) if options.values_loops else None
    return LoweredLoop(parts, bound, lookup)


def loop_aggregate(loop: PendingList, lowered: LoweredLoop, by: list[str], source: str,
                   with_controls: bool, options: CompileOptions = ALL_ON
                   ) -> tuple[exp.Expression, LoopKeys | None, list[str]]:
    """SELECT <by>, v, present: the loop's value per distinct combination of `by` in `source`;
    `with_controls` adds the control sections' combinations, their columns read as the section's.
    A loop driven from the values (`lowered.lookup`, loop_values.py) is SELECT kid, section_id,
    v, with the key table returned beside it; it covers every section of the run, controls
    included. `options` switches off the passes here (limit_join, ediv6, mean_count). The third
    value names the passes that applied (for the plan)."""
    parts, bound, lookup = lowered.parts, lowered.bound, lowered.lookup
    used = ["bind_costly"] if options.bind_costly and bound else []
    limit_calls = {c for c, e in bound if _limit_call(e)}
    limits = limit_calls if options.limit_join else set()
    values = {c for c, e in bound if _period_value(e)}
    keys = None
    if lookup is not None:
        keys = loop_keys(loop.column, loop.items, lookup.free, source)
        unnested = value_rows(lookup, loop.var, loop.items, keys)
        bound = [(c, e) for c, e in bound if c not in lookup.columns]
        used.append("values_loops")
    else:
        unnested = _unnested_keys(loop, by, source, with_controls)
    if bound:
        layer = exp.select(
            exp.column(exp.Star(), table="g"),
            *[exp.alias_(col("limit", f"{c}_t") if c in limits else e, c, copy=False)
              for c, e in bound],
        ).from_(exp.alias_(subquery(unnested), "g", table=True, copy=False))
        for c, e in bound:
            if c in limits:
                layer = _join_limit(layer, f"{c}_t", e)
        unnested = layer
        used += ["limit_join"] if any(c in limits for c, _ in bound) else []
    if options.ediv6:
        parts = [_value_over_limit(part, values, limit_calls) for part in parts]
        if any(n.name.lower() == "ediv6" for part in parts for n in part.find_all(exp.Anonymous)):
            used.append("ediv6")
    body, where = parts[0], (parts[1] if loop.where is not None else None)
    aggregate = COMPREHENSION_AGG[loop.func]
    if options.mean_count and loop.func == "mean":
        aggregate = MEAN_BY_COUNT
        if isinstance(body, exp.Anonymous) and body.name.lower() == "ediv6":
            body, aggregate = exp.Anonymous(this="ediv6_u", expressions=body.expressions), \
                MEAN_OF_UNITS
        used.append("mean_count")
    carried = ["kid", "section_id"] if keys is not None else by
    rows = exp.select(*[col(k) for k in carried], exp.alias_(body, "b")).from_(
        exp.alias_(subquery(unnested), "g", table=True, copy=False), copy=False
    )
    if where is not None:
        rows = rows.where(where, copy=False)
    if keys is not None:
        return grouped_by_key(rows, tpl(aggregate), keys), keys, used
    grouped = exp.select(
        *[col(k, None) for k in by],
        exp.alias_(tpl(aggregate), "v"),
        exp.alias_(exp.true(), "present"),
    ).from_(exp.alias_(subquery(rows), "r", table=True, copy=False))
    if by:  # a loop that reads no column of the row is one aggregate over no groups
        grouped = grouped.group_by(*[col(k, None) for k in by], copy=False)
    return grouped, None, used


def _limit_call(e: exp.Expression) -> bool:
    return isinstance(e, exp.Anonymous) and e.name.lower() == "limit_of"


def _bound_for(options: CompileOptions):  # noqa: ANN202 (a predicate)
    """With bind_costly off: the lookups the passes still on rewrite (limit_of for limit_join,
    ediv6 and values_loops; the period-value lookups for values_loops and ediv6)."""
    limits = options.limit_join or options.ediv6 or options.values_loops
    values = options.values_loops or options.ediv6

    def wanted(n: exp.Expression) -> bool:
        if n.find_ancestor(exp.Subquery) is not None:
            return False  # it may read the enclosing query's tables (a year range's `y`)
        return ((limits and _limit_call(n))
                or (values and isinstance(n, exp.Subquery) and values_column(n) is not None))

    return wanted


def _unnested_keys(loop: PendingList, by: list[str], source: str, with_controls: bool
                   ) -> exp.Expression:
    """Each distinct combination of `by` in `source` (and the controls') with the loop's items."""
    distinct = exp.select(*([col(c) for c in by] or [exp.true()])).from_(
        exp.alias_(exp.to_table(source), "g", table=True, copy=False))
    if with_controls:  # UNION: the sections and controls, each combination once
        controls = exp.select(
            *[exp.alias_(col(OWN_AS_CONTROL.get(c, c)), c) for c in by]
        ).from_(exp.alias_(exp.to_table(source), "g", table=True, copy=False)).where(
            "g.control_id IS NOT NULL")
        distinct = exp.union(distinct, controls, distinct=True)
    else:
        distinct = distinct.distinct()
    return tpl(f"SELECT g.*, unnest(:items) AS {loop.var} FROM :src AS g",
               items=loop.items.copy(), src=subquery(distinct))


def join_loop(prev: str, loop: PendingList, grouped: exp.Expression, by: list[str],
              on_control: bool, keys: LoopKeys | None = None) -> exp.Expression:
    """`prev` with the loop's value as column `loop.column` (LEFT JOIN on what it reads); a loop
    on the control joins a computation keyed by the section's columns on the control's. A loop
    driven from the values joins through its key table (`keys`)."""
    if keys is not None:
        return join_by_key(prev, loop.column, grouped, keys,
                           "control_id" if on_control else "section_id")
    value = col("v", "q")
    if loop.func in EMPTY_LOOP:
        value = case([(tpl("q.present IS NULL"), tpl(EMPTY_LOOP[loop.func]))], value)
    equal = [
        exp.NullSafeEQ(this=col(CONTROL_AS_OWN.get(k, k) if on_control else k, "q"),
                       expression=col(k))
        for k in by
    ]
    on = exp.and_(*equal) if equal else exp.true()
    return (
        exp.select(exp.column(exp.Star(), table="g"), exp.alias_(value, loop.column))
        .from_(exp.alias_(exp.to_table(prev), "g", table=True, copy=False))
        .join(exp.alias_(grouped, "q", table=True, copy=False), on=on, join_type="LEFT")
    )


LE_GE_LIMITS = "SELECT * FROM gb3838_limits WHERE direction IN ('le', 'ge')"


def _join_limit(layer: exp.Select, alias: str, call: exp.Expression) -> exp.Select:
    """limit_of(i, wb, k) as a LEFT JOIN on the gb3838_limits table (the same value: le/ge items,
    classes 1..5, else NULL), its limit read as `alias`.limit. In a loop the macro's CASE of some
    300 arms was copied into every use of the column by the optimizer (ediv6 reads its divisor a
    dozen times) and took most of a second to plan; a correlated lookup added a delim join."""
    ind, wb, klass = call.expressions
    return layer.join(
        exp.alias_(subquery(tpl(LE_GE_LIMITS)), alias, table=True, copy=False),
        on=tpl(f"{alias}.indicator = :i AND {alias}.water_body = :w AND {alias}.class = :k",
               i=ind, w=wb, k=klass),
        join_type="LEFT", copy=False,
    )


def _period_value(e: exp.Expression) -> bool:
    """A lookup of a period value (ev_values.value or .highest, DECIMAL(18,6))."""
    found = values_column(e)
    return found is not None and found[0] in ("value", "highest")


def _value_over_limit(e: exp.Expression, values: set[str], limits: set[str]) -> exp.Expression:
    """ediv(value, limit) → ediv6(value, limit) for loop columns bound to a period value and to a
    GB 3838 limit (the loop's `value(i) / limit(i, k)`): the same quotient, by BIGINT division."""
    def bound_to(a: exp.Expression, names: set[str]) -> bool:
        while isinstance(a, exp.Paren):
            a = a.this
        return isinstance(a, exp.Column) and a.table == "g" and a.name in names

    def swap(node: exp.Expression) -> exp.Expression:
        if (isinstance(node, exp.Anonymous) and node.name.lower() == "ediv"
                and len(node.expressions) == 2 and bound_to(node.expressions[0], values)
                and bound_to(node.expressions[1], limits)):
            return exp.Anonymous(this="ediv6", expressions=node.expressions)
        return node

    return e.transform(swap, copy=False) if values and limits else e
