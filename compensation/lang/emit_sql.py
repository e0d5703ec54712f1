"""SQL emission: a rule's `Plan` → its two queries (with the trace, and the amounts only).

Every CTE is written from a stage of the plan, in the plan's order; the final SELECT from
`Plan.final`. Nothing here decides anything: the plan is the query.
"""

from __future__ import annotations

from sqlglot import exp

from compensation.lang.plan import Plan, Stage
from compensation.lang.sql import subquery, tpl


def stage_query(stage: Stage) -> exp.Expression:
    """The stage's SELECT: its own query, or `SELECT g.*, <columns> FROM source AS g`. The
    plan's nodes are used, not copied (emission changes none of them; copying every stage twice
    cost a tenth of the compile)."""
    if stage.query is not None:
        return stage.query
    assert stage.source is not None
    select = exp.select(exp.column(exp.Star(), table="g"), *[c.node for c in stage.columns])
    source = exp.alias_(exp.to_table(stage.source), "g", table=True, copy=False)
    return select.from_(source, copy=False)


def emit_sql(plan: Plan) -> tuple[exp.Expression, exp.Expression]:
    """The rule's query and the same rows without the trace (NULL), for readers of amounts only:
    DuckDB does not drop an unread correlated subquery or join, so the trace's values would be
    computed."""
    final = plan.final
    assert final is not None
    amounts = final.rows.copy().select(tpl("CAST(NULL AS JSON) AS trace"), copy=False)
    select = final.rows.copy().select(
        exp.alias_(exp.cast(final.trace, "JSON", copy=False), "trace", copy=False), copy=False)
    if final.trace_values is not None:
        select = select.join(
            exp.alias_(subquery(final.trace_values), "tv", table=True, copy=False),
            on=tpl("tv.cell = g.cell"),
            join_type="LEFT", copy=False,
        )
    for stage in plan.stages:
        cte = stage_query(stage)
        materialized = stage.materialized or None
        amounts = amounts.with_(stage.name, as_=cte.copy(), materialized=materialized, copy=False)
        select = select.with_(stage.name, as_=cte, materialized=materialized, copy=False)
    return select, amounts
