"""The compiler's optimisation passes, in the order they act, and the two that act on the plan.

Each pass is switched by `CompileOptions` (options.py, where each has its sentence for the docs);
off, the plain form is planned. The plan records every place a pass applied (`Plan.passes`) and,
per loop, the method chosen and the passes behind it (`LoopPlan`).

- `loop_from_root` (plan): a loop that reads only its chain's first stage's columns takes its keys
  from there, not from the stage before it (which would then be materialised).
- `control_loops` (plan): a loop on the section, in a rule that reads the control, covers the
  control sections too; its twin on the control joins that result.
- `values_loops` (plan, from the loop as lowered): a loop over the section's own period values
  is driven from the values present, not from every (section, period, item) key.
- `bind_costly` (lowering a loop): each lookup inside a loop is computed once in a layer before
  its body.
- `limit_join` (lowering a loop): `limit(i, wb, k)` in a loop is a LEFT JOIN on gb3838_limits.
- `ediv6` (lowering a loop): `value(i) / limit(i, k)` in a loop divides in BIGINT.
- `mean_count` (lowering a loop): a loop's mean divides the exact sum by the count itself; a mean
  of `ediv6` terms sums them in 1e-12 units and converts once.
- `spread_shared` (plan, windows.py): a spread that reads only parameters runs its windows once
  per year and distinct parameter values.
- `share_repeated` (plan, each stage as it is added): an exact-arithmetic call written more than
  once in a stage is computed once in a stage before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp

from compensation.lang.loop_values import LoopKeys
from compensation.lang.loops import CONTROL_AS_OWN, LoweredLoop, PendingList, lower_loop
from compensation.lang.options import CompileOptions
from compensation.lang.plan import LoopMethod
from compensation.lang.sql import col

# the passes in the order they act on a rule (each named in options.PASSES)
ORDER = ("loop_from_root", "control_loops", "values_loops", "bind_costly", "limit_join", "ediv6",
         "mean_count", "spread_shared", "share_repeated")
# where each acts: on the plan, or while a loop is lowered to SQL
ACTS_ON = {"loop_from_root": "plan", "control_loops": "plan", "values_loops": "plan",
           "bind_costly": "loop lowering", "limit_join": "loop lowering",
           "ediv6": "loop lowering", "mean_count": "loop lowering", "spread_shared": "plan",
           "share_repeated": "plan"}


@dataclass(frozen=True)
class LoopChoice:
    """How a row-level loop is planned: where its keys come from (`source`), what it groups by,
    whether it covers the controls too, or the section's loop it joins on the control (`twin`:
    that loop's stage and key table)."""

    source: str
    by: list[str]
    method: LoopMethod
    lowered: LoweredLoop | None = None  # its body as lowered (None for a twin: nothing computed)
    covers_controls: bool = False
    twin: tuple[str, LoopKeys | None] | None = None
    passes: list[str] = field(default_factory=list)


def choose_loop(loop: PendingList, prev: str, root: str, root_columns: set[str],
                section_free: set[str], shares_controls: bool,
                shared_loops: dict[tuple[str, str], tuple[str, LoopKeys | None]],
                options: CompileOptions) -> LoopChoice:
    """The one place a loop's plan is chosen: where its keys come from (loop_from_root), whether
    it joins the section's loop or covers the controls (control_loops), and whether it is driven
    from the period values (values_loops, from its body as lowered: `loops.lower_loop`).
    `section_free`: the row's columns that are the same for every section."""
    read = loop.reads()
    from_root = options.loop_from_root and read <= root_columns
    source = root if from_root else prev
    used = ["loop_from_root"] if from_root and root != prev else []
    # one loop per distinct combination of what it reads (as DuckDB's decorrelation would):
    # 10,000 scenarios that differ only in amounts share one computation
    by = sorted(read)
    if options.control_loops and loop.on_control():
        twin = shared_loops.get((source, loop.canonical()))
        if twin is not None:
            return LoopChoice(source, by, "control_twin", twin=twin,
                              passes=[*used, "control_loops"])
    covers = (options.control_loops and shares_controls and source == root
              and "section_id" in read and not read & CONTROL_AS_OWN.keys())
    lowered = lower_loop(loop, by, {c for c in by if c in section_free}, options)
    return LoopChoice(source, by, "keys" if lowered.lookup is None else "values", lowered,
                      covers, passes=[*used, *(["control_loops"] if covers else [])])


SHARED_CALLS = {"round_half_even", "round_half_up", "ediv"}


def _shareable(node: exp.Expression) -> bool:
    """An exact-arithmetic call on the row's own columns only: not reading a subquery, nor
    inside one (its columns would belong to the subquery's tables)."""
    return (
        isinstance(node, exp.Anonymous)
        and node.name.lower() in SHARED_CALLS
        and not node.find(exp.Subquery)
        and all(c.table == "g" for c in node.find_all(exp.Column))
    )


def share_repeated(
    columns: list[tuple[str, exp.Expression]], new_prefix: Callable[[], str]
) -> tuple[list[tuple[str, exp.Expression]], list[tuple[str, exp.Expression]]]:
    """The columns a stage shares and the stage's columns reading them: each exact-arithmetic
    call that occurs more than once in the stage (equal as sqlglot trees) becomes a column
    `g.<prefix>_k` (one new prefix when any) of the stage before.

    A `by` table compares its rounded subject in every arm of several CASE columns; DuckDB
    shares repeated subexpressions only outside CASE branches, and each of these calls costs
    HUGEINT divisions. Calls that are not values of the row (a subquery, or inside one) stay.
    """
    counts: dict[exp.Expression, int] = {}
    for _, e in columns:
        for node in e.find_all(exp.Anonymous):
            if _shareable(node):
                counts[node] = counts.get(node, 0) + 1
    repeated = {node for node, n in counts.items() if n > 1}
    if not repeated:
        return [], columns
    prefix = new_prefix()
    bound: dict[exp.Expression, str] = {}
    shared: list[tuple[str, exp.Expression]] = []

    def put(node: exp.Expression) -> exp.Expression:
        if not (isinstance(node, exp.Anonymous) and node in repeated):
            return node
        if node not in bound:
            bound[node] = f"{prefix}_{len(bound)}"
            shared.append((bound[node], node.copy()))
        return col(bound[node])

    # transform does not enter a node it has replaced: only the outermost ones are bound
    return shared, [(c, e.transform(put, copy=False)) for c, e in columns]
