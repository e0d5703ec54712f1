"""`StageChain`: the plan being filled, stage by stage, for one rule.

The planner (planner.py) and its parts for windows (windows.py) and the final projection
(final.py) add stages only through this class: a stage of columns over the chain before it
(`append`), row-level loops joined before it (`group_lists`, the loop's method chosen by
passes.choose_loop), and the grains where values are computed once per cell and distinct parameter
values (`grain`, `hoist`, `join_grain`). Stage names are numbered in the order stages are added
(`s7`), which is the order of the CTEs the emitter writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from compensation.lang import ast
from compensation.lang.loop_values import LoopKeys
from compensation.lang.loops import PendingList, join_loop, loop_aggregate
from compensation.lang.lower import Ctx, RuleCompiler
from compensation.lang.options import ALL_ON, CompileOptions
from compensation.lang.passes import LoopChoice, choose_loop, share_repeated
from compensation.lang.plan import Column, LoopPlan, PassUse, Plan, Stage, StageKind
from compensation.lang.scope import Scope
from compensation.lang.sql import col, subquery, tpl

# the cells' columns that depend on the period only
PERIOD_COLUMNS = {"period_start", "period_end", "year_start", "param_month", "days", "in_window",
                  "scenario"}
PARTITIONS = {
    "year": "g.scenario, g.year_start",
    "section-year": "g.scenario, g.section_id, g.year_start",
    "period": "g.scenario, g.period_start",
    "section-period": "g.scenario, g.section_id, g.period_start",
}


@dataclass
class Grain:
    """A chain of CTEs over the cells × the distinct values of `params` (scenarios grouped)."""

    params: tuple[str, ...]
    last: str
    own: list[str] = field(default_factory=list)  # computed at this grain
    columns: list[str] = field(default_factory=list)  # available: own + joined from coarser ones


class StageChain(RuleCompiler):
    """The stages of one rule's plan and the state the planner keeps while adding them."""

    def __init__(self, scope: Scope, rule: ast.Rule, options: CompileOptions = ALL_ON) -> None:
        super().__init__(scope, rule, rule.selector)
        self.options = options  # which optimisation passes run (options.py)
        self.plan = Plan(rule.name, rule.line, passes_on=tuple(options.on()))
        self.main = ""  # the last CTE of the scenario-row chain
        self.grains: dict[frozenset[str], Grain] = {}
        self.hoisted_exc: dict[int, tuple[exp.Expression, exp.Expression]] = {}
        self.trace_sides: list[tuple[str, str]] = []  # (prefix, side column) the trace shows
        # the columns of each chain's first stage (cells, a grain's, grid)
        self.root_columns: dict[str, set[str]] = {}
        # loops on the section that also cover the controls: (source, canonical text) → CTE
        self.shared_loops: dict[tuple[str, str], tuple[str, LoopKeys | None]] = {}
        self.shares_controls = False  # set by hoist_values: the rule reads a control measure
        self.reverses_zero = False  # set by build(): a zero amount may carry a reversed direction
        self.has_why = False  # set by build(): an `a_why` column says why an amount is unknown
        self.cap_columns: list[tuple[ast.Cap, str, str]] = []  # (cap, column before, after)
        # set by hoist_control_reads: per loop reading the control, "the control lacks a value of
        # its list" and the loop as written; "the section's own twin is missing" per read
        self.control_loops: list[tuple[exp.Expression, str]] = []
        self.own_twins: list[exp.Expression] = []
        # set by hoist_values: per loop over the sections of a scheme-level rule, the sections
        # whose term is unknown (sections_gap)
        self.section_gaps: list[exp.Expression] = []
        self.section_terms: list[tuple[str, exp.Expression]] = []  # (loop, its terms as JSON)
        self.own_measures: list[str] = []
        self.ctx = Ctx(
            section=col("section_id") if rule.selector else exp.Null(),
            control=col("control_id") if rule.selector else None,
            water_body=col("water_body"),
            period=col("period_start"),
            period_end=col("period_end"),
            kind=rule.period,
            control_water_body=col("control_water_body") if rule.selector else None,
        )

    # ---- stages
    def next_name(self) -> str:
        return f"s{len(self.plan.stages)}"

    def add_stage(self, name: str, kind: StageKind, query: exp.Expression, root: str,
                  source: str | None = None, materialized: bool = False,
                  columns: list[str] | None = None) -> None:
        """A stage whose whole SELECT is `query` (a join, windows, a key table)."""
        self.plan.stages.append(Stage(name, kind, source, root, [], query, columns or [],
                                      materialized))

    def root_of(self, name: str) -> str:
        return self.plan.stage(name).root

    def append(self, prev: str, columns: list[tuple[str, exp.Expression]],
               kind: StageKind = "row") -> str:
        """A stage `SELECT g.*, <columns> FROM prev AS g`; returns its name. Row-level loops the
        columns read are computed first (`group_lists`)."""
        return self.append_plain(self.group_lists(prev), columns, kind)

    def append_plain(self, prev: str, columns: list[tuple[str, exp.Expression]],
                     kind: StageKind = "row") -> str:
        if self.options.share_repeated:
            shared, columns = share_repeated(columns, lambda: self.alias("e"))
            if shared:
                prev = self.append_plain(prev, shared, "shared")
                self.plan.passes.append(PassUse(
                    "share_repeated", self.next_name(),
                    f"{len(shared)} repeated call(s) computed once in {prev}"))
        name = self.next_name()
        self.plan.stages.append(Stage(
            name, kind, prev, self.root_of(prev),
            [Column(c, exp.alias_(e, c, copy=False)) for c, e in columns]))
        return name

    def group_lists(self, prev: str) -> str:
        """Join the pending row-level loops to `prev`: per loop one GROUP BY over the unnested
        items (passes.choose_loop says from where, and whether it covers the controls or joins
        the section's loop). A loop on the section, in a rule that reads control measures, also
        covers the control sections; the same loop on the control then only joins that result
        (see loops.py)."""
        pending, self.pending_lists = self.pending_lists, []
        for loop in pending:
            root = self.root_of(prev)
            choice = choose_loop(loop, prev, root, self.root_columns.get(root, set()),
                                 self.section_free_columns(), self.shares_controls,
                                 self.shared_loops, self.options)
            if choice.source != root:
                self.plan.stage(prev).materialized = True
            used: list[str] = []
            if choice.twin is not None:
                grouped: exp.Expression = exp.to_table(choice.twin[0])
                keys = choice.twin[1]
            else:
                assert choice.lowered is not None
                grouped, keys, used = self.compute_loop(loop, choice)
            name = self.next_name()
            self.add_stage(name, "loop", join_loop(prev, loop, grouped, choice.by,
                                                   choice.twin is not None, keys),
                           self.root_of(prev), prev, columns=[loop.column])
            passes = [*choice.passes, *used]
            self.plan.loops.append(LoopPlan(loop.column, loop.func, choice.by, choice.method,
                                            choice.source, name, choice.covers_controls, passes))
            self.plan.passes += [PassUse(p, name, f"loop {loop.column}") for p in passes]
            prev = name
        return prev

    def compute_loop(self, loop: PendingList, choice: LoopChoice
                     ) -> tuple[exp.Expression, LoopKeys | None, list[str]]:
        """The loop's values per key (a stage when they also cover the controls: the control's
        twin joins it), its key table when driven from the values (a stage too), and the
        lowering passes that applied in it."""
        assert choice.lowered is not None
        source = choice.source
        grouped, keys, used = loop_aggregate(loop, choice.lowered, choice.by, source,
                                             choice.covers_controls, self.options)
        if keys is not None:
            self.add_stage(keys.name, "loop_keys", keys.select, keys.name, source,
                           materialized=True)
        if not choice.covers_controls:
            return subquery(grouped), keys, used
        name = f"{loop.column}_all"
        self.add_stage(name, "loop_values", grouped, name, source, materialized=True,
                       columns=["v"])
        self.shared_loops[(source, loop.canonical())] = (name, keys)
        return exp.to_table(name), keys, used

    def stage(self, columns: list[tuple[str, exp.Expression]], kind: StageKind = "row") -> None:
        self.main = self.append(self.main, columns, kind)

    # ---- grains: values computed once per cell and distinct parameter values, joined back
    def grain(self, params: frozenset[str]) -> Grain:
        if params not in self.grains:
            key = tuple(n for n in self.scope.params if n in params)
            if not key:
                self.grains[params] = Grain(key, "cells")
            else:
                prm = [col(self.param_column(n), None) for n in key]
                name = self.next_name()
                combos = exp.select(col("param_month", None), *prm).from_("prm").distinct()
                select = (
                    exp.select(
                        exp.column(exp.Star(), table="c"),
                        *[col(self.param_column(n), "d") for n in key],
                    )
                    .from_(exp.alias_(exp.to_table("cells"), "c", table=True, copy=False))
                    .join(
                        exp.alias_(subquery(combos), "d", table=True, copy=False),
                        on=tpl("d.param_month = c.param_month"),
                    )
                )
                self.add_stage(name, "grain", select, name, "cells",
                               columns=[self.param_column(n) for n in key])
                self.root_columns[name] = self.root_columns["cells"] | {
                    self.param_column(n) for n in key
                }
                self.grains[params] = Grain(key, name)
        return self.grains[params]

    def section_free_columns(self) -> set[str]:
        """The columns of the rows that are the same for every section: the period's, the
        scenario's and the parameters'."""
        return PERIOD_COLUMNS | {self.param_column(n) for n in self.scope.params}

    def param_column(self, name: str) -> str:
        return f"prm_{list(self.scope.params).index(name)}"

    def join_grain(self, prev: str, grain: Grain, columns: list[str]) -> str:
        """`prev` with `columns` of `grain` joined on the cell and the grain's parameters."""
        on = [tpl("k.cell = g.cell")] + [
            exp.NullSafeEQ(
                this=col(self.param_column(n), "k"), expression=col(self.param_column(n))
            )
            for n in grain.params
        ]
        name = self.next_name()
        select = (
            exp.select(exp.column(exp.Star(), table="g"), *[col(c, "k") for c in columns])
            .from_(exp.alias_(exp.to_table(prev), "g", table=True, copy=False))
            .join(
                exp.alias_(exp.to_table(grain.last), "k", table=True, copy=False),
                on=exp.and_(*on),
            )
        )
        self.add_stage(name, "grain_join", select, self.root_of(prev), prev, columns=columns)
        return name

    def hoist(self, params: frozenset[str], columns: list[tuple[str, exp.Expression]]) -> None:
        """Add columns computed at the grain of `params` (prepared with `prepare_grain`)."""
        grain = self.grains[params]
        grain.last = self.append(grain.last, columns)
        grain.own += [c for c, _ in columns]
        grain.columns += [c for c, _ in columns]

    def prepare_grain(self, params: frozenset[str]) -> Grain:
        """The grain of `params`, with every column of the coarser grains made so far joined in."""
        target = self.grain(params)
        for other_params, other in list(self.grains.items()):
            if other is target or not other_params < params:
                continue
            missing = [c for c in other.own if c not in target.columns]
            if missing:
                target.last = self.join_grain(target.last, other, missing)
                target.columns += missing
        return target

    def expr_stage(self, e: ast.Expr) -> exp.Expression:
        """Compile an expression; first emit the window stages of any spread(...) inside it."""
        compiled = self.cx(e, self.ctx)
        spreads, self.pending_spreads = self.pending_spreads, []
        for column, sp in spreads:
            self.spread_stages(column, sp)
        so_far, self.pending_so_far = self.pending_so_far, []
        for column, sf in so_far:
            self.so_far_stage(column, sf)
        return compiled

    def spread_stages(self, c: str, sp: ast.Spread) -> None:
        raise NotImplementedError  # windows.WindowStages

    def so_far_stage(self, c: str, sf: ast.SoFar) -> None:
        raise NotImplementedError  # windows.WindowStages
