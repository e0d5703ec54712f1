"""A loop over indicators driven from the period values rather than from the rows' keys.

`mean(value(i) / limit(i, k) for i in indicators)` is computed per distinct combination of what it
reads. Done from the keys, every (section, period, item) looks up its value: a hash join of millions
of rows on both sides, the largest single cost of the CPI rule. Done from the values, the few
distinct (period, parameter) combinations and their items are the small side of the join and
`ev_values` streams past it; a section's group is complete when it has a row for every item. The
combinations are numbered (`kid`, in a key table of their own), so the groups and the joins back to
the rows are on two narrow keys, (kid, section).

The two give the same result when a missing value makes the item's term unknown (a body that
propagates NULL: arithmetic, comparisons, the exact division and rounding calls) and an unknown
term makes the loop unknown (mean, max, min, all, any; not sum or count, whose loop over a section
without values is 0 from the keys and absent from the values). `driven_by_values` checks this and
returns None otherwise; the keys then drive the loop as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from compensation.lang.sql import col, subquery, tpl

# aggregates that are unknown as soon as one term is unknown (loops.COMPREHENSION_AGG)
STRICT_AGGREGATES = {"mean", "max", "min", "all", "any"}
# node types through which an unknown (NULL) operand makes the result unknown
STRICT_NODES = (
    exp.Column, exp.Literal, exp.Paren, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Neg, exp.Cast,
    exp.DataType, exp.DataTypeParam, exp.Identifier,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE,
)
STRICT_CALLS = {"ediv", "ediv_count", "ediv6", "ediv6_u", "round_half_even", "round_half_up"}
LOOKUP_COLUMNS = {"value", "highest", "class"}
# the columns of the loop's rows that a values-driven loop takes from the section itself
SECTION_COLUMNS = ("section_id", "water_body")


@dataclass(frozen=True)
class ValuesLookup:
    """The loop's period-value lookups: `ev_values.<column>` of the row's own section, of period
    kind `kind`, period `g.<period>` and indicator `g.<var>`; `columns` maps bound name → column;
    `free`: the loop's other reads, the same for every section."""

    kind: exp.Expression
    period: str
    columns: dict[str, str]
    free: list[str]


def values_column(e: exp.Expression) -> tuple[str, exp.Table, exp.Where | None] | None:
    """(column, table, where) of a one-column lookup `(SELECT v.column FROM ev_values AS v …)`."""
    select = e.this if isinstance(e, exp.Subquery) else None
    if not isinstance(select, exp.Select) or len(select.expressions) != 1:
        return None
    source, column = select.args.get("from_"), select.expressions[0]
    if (source is None or select.args.get("joins") or not isinstance(source.this, exp.Table)
            or source.this.name != "ev_values" or not isinstance(column, exp.Column)):
        return None
    return column.name, source.this, select.args.get("where")


def _conjuncts(e: exp.Expression) -> list[exp.Expression]:
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.And):
        return _conjuncts(e.this) + _conjuncts(e.expression)
    return [e]


def _lookup_of(e: exp.Expression, var: str) -> tuple[str, exp.Expression, str] | None:
    """(column, kind literal, period column) of `(SELECT v.col FROM ev_values AS v WHERE
    v.kind = '…' AND v.section_id = g.section_id AND v.period = g.<p>
    AND v.indicator = g.<var>)`."""
    found_lookup = values_column(e)
    if found_lookup is None:
        return None
    column, table, where = found_lookup
    if where is None or column not in LOOKUP_COLUMNS:
        return None
    alias = table.alias_or_name
    found: dict[str, exp.Expression] = {}
    for cond in _conjuncts(where.this):
        if not (isinstance(cond, exp.EQ) and isinstance(cond.this, exp.Column)
                and cond.this.table == alias):
            return None
        found[cond.this.name] = cond.expression
    kind, section = found.get("kind"), found.get("section_id")
    period, indicator = found.get("period"), found.get("indicator")

    def row_column(node: exp.Expression | None, name: str | None = None) -> bool:
        return (isinstance(node, exp.Column) and node.table == "g"
                and (name is None or node.name == name))

    if (set(found) != {"kind", "section_id", "period", "indicator"}
            or not (isinstance(kind, exp.Literal) and kind.is_string)
            or not row_column(section, "section_id") or not row_column(period)
            or not row_column(indicator, var)):
        return None
    assert isinstance(period, exp.Column)
    return column, kind, period.name


def _strict(e: exp.Expression) -> bool:
    """An unknown operand anywhere in `e` makes `e` unknown."""
    for node in e.walk():
        if isinstance(node, exp.Anonymous):
            if node.name.lower() not in STRICT_CALLS:
                return False
        elif not isinstance(node, STRICT_NODES):
            return False
    return True


def driven_by_values(func: str, var: str, by: list[str], section_free: set[str],
                     body: exp.Expression, where: exp.Expression | None,
                     bound: list[tuple[str, exp.Expression]]) -> ValuesLookup | None:
    """The lookups to drive the loop from, when driving it from the values gives the same
    result (see the module's docstring); else None."""
    if func not in STRICT_AGGREGATES or where is not None or "section_id" not in by:
        return None
    free = [c for c in by if c not in SECTION_COLUMNS]
    if not set(free) <= section_free:
        return None
    columns: dict[str, str] = {}
    keys: dict[tuple[str, str], exp.Expression] = {}
    for name, e in bound:
        if isinstance(e, exp.Anonymous) and e.name.lower() == "limit_of":
            continue
        found = _lookup_of(e, var)
        if found is None:
            return None
        column, kind, period = found
        columns[name] = column
        keys[(kind.sql(), period)] = kind
    if len(keys) != 1 or not _strict(body):
        return None
    if not {c.name for c in body.find_all(exp.Column) if c.table == "g"} & columns.keys():
        return None  # a body that reads no value: a missing row would not make it unknown
    ((_, period), kind), = keys.items()
    return ValuesLookup(kind=kind.copy(), period=period, columns=columns, free=free)


@dataclass(frozen=True)
class LoopKeys:
    """A values-driven loop's key table: one row (`kid`) per distinct combination of the
    section-free columns `free` the loop reads, with its list's item count `n_items`. A CTE of its
    own: the loop's rows start from it, and the rows it is joined back to find their `kid` in it
    (a join on two narrow keys rather than on everything the loop reads)."""

    name: str
    select: exp.Expression
    free: list[str]


def loop_keys(column: str, items: exp.Expression, free: list[str], source: str) -> LoopKeys:
    distinct = exp.select(*[col(c) for c in free]).from_(
        exp.alias_(exp.to_table(source), "g", table=True, copy=False)).distinct()
    select = tpl("SELECT row_number() OVER () AS kid, g.*, len(:items) AS n_items FROM :d AS g",
                 items=items.copy(), d=subquery(distinct))
    return LoopKeys(f"{column}_keys", select, free)


def value_rows(lookup: ValuesLookup, var: str, items: exp.Expression, keys: LoopKeys
               ) -> exp.Expression:
    """Each key's items joined to the period values present (the small side is the keys), with
    the section and its water body: the rows the loop's body reads, lookups already filled."""
    filled = [exp.alias_(col(column, "v"), name) for name, column in lookup.columns.items()]
    unnested = tpl(f"SELECT g.*, unnest(:items) AS {var} FROM {keys.name} AS g",
                   items=items.copy())
    return (
        exp.select(exp.column(exp.Star(), table="d"), col("section_id", "v"),
                   col("water_body", "e"), *filled)
        .from_(exp.alias_(subquery(unnested), "d", table=True, copy=False))
        .join(exp.alias_(exp.to_table("ev_values"), "v", table=True, copy=False),
              on=tpl(f"v.kind = :kind AND v.period = d.{lookup.period} AND v.indicator = d.{var}",
                     kind=lookup.kind.copy()))
        .join(exp.alias_(exp.to_table("ev_sections"), "e", table=True, copy=False),
              on=tpl("e.section_id = v.section_id"))
    )


def grouped_by_key(rows: exp.Expression, aggregate: exp.Expression, keys: LoopKeys
                   ) -> exp.Expression:
    """SELECT kid, section_id, v: GROUP BY two narrow keys. A section whose group lacks an
    item's row would have had that term unknown, and so is its loop."""
    grouped = (
        exp.select(col("kid", None), col("section_id", None),
                   exp.alias_(tpl("count(*)"), "n"), exp.alias_(aggregate, "v"))
        .from_(exp.alias_(subquery(rows), "r", table=True, copy=False))
        .group_by(col("kid", None), col("section_id", None), copy=False)
    )
    return (
        exp.select(col("kid", "a"), col("section_id", "a"),
                   exp.alias_(tpl("CASE WHEN a.n = k.n_items THEN a.v END"), "v"))
        .from_(exp.alias_(subquery(grouped), "a", table=True, copy=False))
        .join(exp.alias_(exp.to_table(keys.name), "k", table=True, copy=False),
              on=tpl("k.kid = a.kid"))
    )


def join_by_key(prev: str, column: str, grouped: exp.Expression, keys: LoopKeys,
                section: str) -> exp.Expression:
    """`prev` with the loop's value as `column`: each row finds its `kid` among the keys (a small
    table), then its value by (kid, the row's `section`: section_id, or control_id for the
    control's)."""
    on_keys = exp.and_(*[exp.NullSafeEQ(this=col(c, "k"), expression=col(c))
                         for c in keys.free])
    return (
        exp.select(exp.column(exp.Star(), table="g"), exp.alias_(col("v", "q"), column))
        .from_(exp.alias_(exp.to_table(prev), "g", table=True, copy=False))
        .join(exp.alias_(exp.to_table(keys.name), "k", table=True, copy=False), on=on_keys,
              join_type="LEFT")
        .join(exp.alias_(grouped, "q", table=True, copy=False),
              on=tpl(f"q.kid = k.kid AND q.section_id = g.{section}"), join_type="LEFT")
    )
