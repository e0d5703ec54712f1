"""`RuleBuilder`: a checked rule → its `Plan` (plan.py), from which emit_sql.py writes the SQL.

The rows are the grid scenario × section × period (`scaffold`); measures, lets, exception
conditions and trace values are hoisted to the coarsest grain each allows (`hoist_values`, after
the analysis of hoist.py and control_reads.py); then the rule's own stages: lets that read the row,
the amount and its branch, exceptions, caps (windows.py), and the final projection with the trace
and the routing (final.py). Period values, parameters and sections are read from the `ev_*` tables
that runtime.prepare_run creates.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from compensation.lang import ast
from compensation.lang.control_reads import ControlReads, control_reads, loop_text
from compensation.lang.final import FinalStage
from compensation.lang.hoist import Dependencies, elsewhere, measure_closure
from compensation.lang.lower import ROLE_OF_SELECTOR, Ctx
from compensation.lang.plan import GrainValue, Grid, Plan
from compensation.lang.scope import is_sections_loop
from compensation.lang.sql import case, col, exact, subquery, text, tpl
from compensation.lang.windows import WindowStages
from compensation.lang.written import written

# The (section × period) cells of a rule, without scenarios: what scenario-free values are
# computed on. `cell` numbers them deterministically (a CTE may be evaluated more than once).
CELLS_SECTIONS = (
    "SELECT s.section_id, s.party_id, s.control_id, s.water_body, "
    "cs.party_id AS control_party_id, cs.water_body AS control_water_body, p.period_start, "
    "p.period_end, p.year_start, p.param_month, p.days, p.in_window, "
    "row_number() OVER (ORDER BY p.period_start, s.section_id) AS cell "
    "FROM ev_periods AS p "
    "JOIN ev_sections AS s ON s.valid_from <= p.period_end "
    "AND (s.valid_to IS NULL OR s.valid_to >= p.period_start) "
    "LEFT JOIN ev_sections AS cs ON cs.section_id = s.control_id WHERE p.kind = :kind"
)
CELLS_SCHEME = (
    "SELECT CAST(NULL AS VARCHAR) AS section_id, CAST(NULL AS VARCHAR) AS party_id, "
    "CAST(NULL AS VARCHAR) AS control_id, 'river' AS water_body, "
    "CAST(NULL AS VARCHAR) AS control_party_id, CAST(NULL AS VARCHAR) AS control_water_body, "
    "p.period_start, p.period_end, p.year_start, "
    "p.param_month, p.days, p.in_window, row_number() OVER (ORDER BY p.period_start) AS cell "
    "FROM ev_periods AS p WHERE p.kind = :kind"
)
# One row per scenario and parameter month (the parameters' values are looked up here).
SCENARIO_MONTHS = (
    "SELECT sc.scenario, m.param_month FROM ev_scenarios AS sc "
    "CROSS JOIN (SELECT DISTINCT param_month FROM cells) AS m"
)


class RuleBuilder(WindowStages, FinalStage):
    """Plans one rule: `build()` returns its `Plan`."""

    def measures_needed(self, rule: ast.Rule) -> tuple[list[str], list[str]]:
        own: list[str] = []
        ctrl: list[str] = []
        exprs: list[ast.Expr] = [x.expr for x in rule.lets] + [rule.amount]
        exprs += [x.cond for x in rule.exceptions] + [x.value for x in rule.exceptions]
        # a loop, previous(...) or a year range is evaluated in another context: inlined there
        for node in ast.walk(exprs, skip=elsewhere):
            if (
                isinstance(node, ast.Name)
                and node.name in self.scope.measures
                and node.name not in own
            ):
                own.append(node.name)
            if isinstance(node, ast.ControlRef) and node.name not in ctrl:
                ctrl.append(node.name)
        order = [m.name for m in self.scope.file.measures]
        return sorted(own, key=order.index), sorted(ctrl, key=order.index)

    def scaffold(self, rule: ast.Rule) -> None:
        """cells (section × period), prm (scenario × parameter month), grid (their join)."""
        if rule.selector:
            cells = tpl(CELLS_SECTIONS, kind=text(rule.period))
            role = ROLE_OF_SELECTOR.get(rule.selector)
            if role:
                cells = cells.where(tpl("s.role = :r", r=text(role)), copy=False)
            if rule.where is not None:  # `for each section where …`: by the registry only
                chosen = self.cx(rule.where, replace(self.ctx, section=col("section_id", "s")))
                cells = cells.where(chosen, copy=False)
        else:
            cells = tpl(CELLS_SCHEME, kind=text(rule.period))
        self.add_stage("cells", "cells", cells, "cells", materialized=True,
                       columns=list(cells.named_selects))
        self.root_columns["cells"] = set(cells.named_selects)
        prm_columns = [
            (self.param_column(name), self.param_lookup(name)) for name in self.scope.params
        ]
        # The parameters in one pivot joined per (scenario, month): DuckDB plans a scalar
        # subquery per parameter (eight in cpi_band) many times slower than this one join.
        prm = exp.select(
            col("scenario"), col("param_month"), *[col(c, "v") for c, _ in prm_columns]
        ).from_(exp.alias_(subquery(tpl(SCENARIO_MONTHS)), "g", table=True, copy=False))
        if prm_columns:
            pivot = (
                exp.select(
                    col("scenario", "v"), col("month", "v"),
                    *[exp.alias_(e, c) for c, e in prm_columns],
                )
                .from_(exp.alias_(exp.to_table("ev_params"), "v", table=True, copy=False))
                .group_by(col("scenario", "v"), col("month", "v"))
            )
            prm = prm.join(
                exp.alias_(subquery(pivot), "v", table=True, copy=False),
                on=tpl("v.scenario = g.scenario AND v.month = g.param_month"),
                join_type="left",
            )
        self.add_stage("prm", "params", prm, "prm", "cells", materialized=True,
                       columns=[c for c, _ in prm_columns])
        grid = (
            exp.select(
                col("scenario", "p"),
                exp.column(exp.Star(), table="c"),
                *[col(c, "p") for c, _ in prm_columns],
            )
            .from_(exp.alias_(exp.to_table("cells"), "c", table=True, copy=False))
            .join(
                exp.alias_(exp.to_table("prm"), "p", table=True, copy=False),
                on=tpl("p.param_month = c.param_month"),
            )
        )
        self.add_stage("grid", "grid", grid, "grid", "cells", materialized=True)
        self.root_columns["grid"] = set(cells.named_selects) | {"scenario"} | {
            c for c, _ in prm_columns
        }
        self.main = "grid"
        self.plan.grid = Grid(
            rule.selector, rule.period,
            ("ev_scenarios", "ev_periods") + (("ev_sections",) if rule.selector else ())
            + (("ev_params",) if self.scope.params else ()),
            tuple(self.scope.params))

    def hoist_values(self, rule: ast.Rule) -> list[tuple[int, ast.Let]]:
        """Measures, lets, exception conditions and trace values at the coarsest grain each
        allows: once per cell and distinct combination of the parameters it reads, joined back
        to the scenario rows. Returns the lets that depend on the row itself (spread, amount)."""
        deps = Dependencies(self.scope)
        own, ctrl = self.measures_needed(rule)
        self.own_measures = own
        reads = control_reads([x.expr for x in rule.lets] + [rule.amount]
                              + [e for x in rule.exceptions for e in (x.cond, x.value)],
                              self.scope, {x.name for x in rule.lets})
        self.shares_controls = bool(ctrl) or bool(reads)

        def put(params: frozenset[str], column: str, what: str, compile_) -> exp.Expression:
            self.prepare_grain(params)
            self.hoist(params, [(column, compile_())])
            self.plan.grains.append(GrainValue(what, column, self.grains[params].params))
            return col(column)

        self.hoist_control_reads(reads, deps, put)
        if rule.selector is None:  # a scheme-level rule reads sections through loops over them
            loops = sections_loops([x.expr for x in rule.lets] + [rule.amount])
            self.section_gaps = [
                put(deps.of(loop) or frozenset(), f"sg_{k}", f"{written(loop)} (missing)",
                    lambda x=loop: self.sections_gap(x, replace(self.ctx, main=False)))
                for k, loop in enumerate(loops)]
            self.section_terms = [
                (written(loop), put(deps.of(loop) or frozenset(), f"st_{k}", f"{written(loop)} "
                                    "(terms)", lambda x=loop: self.sections_terms(
                                        x, replace(self.ctx, main=False))))
                for k, loop in enumerate(loops)]
        main_ctx = replace(self.ctx, main=True)
        for k, name in enumerate(measure_closure(self.scope, own)):
            expr = self.scope.measures[name].expr
            self.ctx.measures[name] = put(
                deps.of_measure(name) or frozenset(), f"m_{k}", name,
                lambda e=expr: self.cx(e, main_ctx),
            )
        for k, name in enumerate(ctrl):
            self.ctx.controls[name] = put(
                deps.of_measure(name) or frozenset(), f"mc_{k}", f"control.{name}",
                lambda n=name: self.cx(ast.ControlRef(n), replace(self.ctx, main=False)),
            )
        row_lets: list[tuple[int, ast.Let]] = []
        for i, let in enumerate(rule.lets):
            needs = deps.add_let(let.name, let.expr)
            if needs is None:
                row_lets.append((i, let))
                continue
            self.ctx.lets[let.name] = put(
                needs, f"l_{i}", let.name, lambda e=let.expr: self.cx(e, self.ctx)
            )
        for k, x in enumerate(rule.exceptions):
            needs = deps.of(x.cond)
            if needs is None:
                continue
            cond = put(needs, f"x_{k}", f"except {x.label}", lambda c=x.cond: self.cx(c, self.ctx))
            reason = put(needs, f"xr_{k}", f"except {x.label} (reason)",
                         lambda x=x: self.reason_of(x, self.ctx))
            self.hoisted_exc[k] = (cond, reason)
        if rule.selector:
            sides = [("section_id", "")]
            if ctrl or reads or any(p.kind == "control" for p in (rule.payer, rule.payee)):
                sides.append(("control_id", "control_"))
            self.trace_sides = [(prefix, side) for side, prefix in sides]
            self.plan.note("trace values", sides=[side for _, side in self.trace_sides],
                           method="each cell's values and classes, joined to the final rows; "
                           "the amounts-only query leaves them out")
        # the scenario rows need only what the rule itself reads (and the trace shows)
        needed = {c.name for c in [*self.ctx.measures.values(), *self.ctx.controls.values(),
                                   *self.ctx.lets.values()]
                  if isinstance(c, exp.Column)}
        needed |= {c.name for pair in self.hoisted_exc.values() for c in pair
                   if isinstance(c, exp.Column)}
        needed |= {c.name for c, _ in self.control_loops} | {c.name for c in self.own_twins}
        needed |= {c.name for c in self.section_gaps} | {c.name for _, c in self.section_terms}
        needed -= {self.ctx.measures[n].name for n in self.ctx.measures if n not in own}
        for grain in self.grains.values():
            columns = [c for c in grain.own if c in needed]
            if columns:
                self.main = self.join_grain(self.main, grain, columns)
        return row_lets

    def hoist_control_reads(self, reads: ControlReads, deps: Dependencies, put) -> None:
        """Each row-level `control.f(...)` once per cell (like a control measure: the trace and
        the reasons name it); per loop reading the control, whether the control lacks a value of
        its list; and for both, whether the section's own twin is missing (the reason's
        `数据缺失；`)."""
        for k, c in enumerate(reads.calls):
            needs = deps.of(c) or frozenset()
            self.ctx.controls[written(c.call)] = put(
                needs, f"mk_{k}", written(c),
                lambda c=c: self.cx(c, replace(self.ctx, main=False)))
            self.own_twins.append(put(
                needs, f"mko_{k}", f"{written(c.call)} (missing)",
                lambda c=c: tpl(":x IS NULL", x=exp.Paren(
                    this=self.cx(c.call, replace(self.ctx, main=False))))))
        for k, loop in enumerate(reads.loops):
            needs = deps.of(loop.source) or frozenset()
            lacks = ast.Call("missing", [loop.source])
            self.control_loops.append((put(
                needs, f"mkl_{k}", f"{loop_text(loop)} (control missing)",
                lambda x=lacks: self.cx(ast.ControlCall(x), replace(self.ctx, main=False))),
                loop_text(loop)))
            self.own_twins.append(put(
                needs, f"mklo_{k}", f"{loop_text(loop)} (missing)",
                lambda x=lacks: self.cx(x, replace(self.ctx, main=False))))

    def build(self) -> Plan:  # noqa: C901
        """The rule's plan: its stages in order and its final projection."""
        rule = self.rule
        assert rule is not None
        self.scaffold(rule)
        row_lets = self.hoist_values(rule)
        for i, let in row_lets:
            compiled = self.expr_stage(let.expr)
            self.stage([(f"l_{i}", compiled)])
            self.ctx.lets[let.name] = col(f"l_{i}")
        for let in rule.lets:
            self.plan.note("let", name=let.name, title=let.title)
        amount = self.expr_stage(rule.amount)
        branch, label = self.branch_columns(rule.amount)
        final_rev: exp.Expression | None = None  # a_rev when not set with the exceptions
        reversed_raw = self.reversal(rule.amount, self.ctx)
        any_reversal = reversed_raw is not None or any(
            self.reversal(x.value, self.ctx) is not None for x in rule.exceptions
        )
        columns = [("a_raw", amount), ("branch", branch), ("branch_label", label)]
        why = self.null_reason(rule)
        if why is not None:
            columns.append(("a_why", why))
        if any_reversal:
            columns.append(("a_rev_raw", reversed_raw or exp.false()))
        self.stage(columns, "amount")
        self.plan.note(
            "amount",
            table=isinstance(rule.amount, ast.Table),
            branches=[x.text for x in rule.amount.entries]
            if isinstance(rule.amount, ast.Table)
            else [],
        )
        exc_ctx = replace(self.ctx, amount=col("a_raw"))
        if rule.exceptions:
            whens_a, whens_l, whens_r = [], [], []
            for k, x in enumerate(rule.exceptions):
                cond, reason = self.exception_columns(k, x, exc_ctx)
                whens_a.append((cond, self.cx(x.value, exc_ctx)))
                whens_l.append((cond, text(x.label)))
                whens_r.append((cond, reason))
            exc_columns = [
                ("a_exc", case(whens_a, col("a_raw"))),
                ("exc_label", case(whens_l)),
                ("exc_reason", case(whens_r)),
            ]
            if any(self.reversal(x.value, exc_ctx) is not None for x in rule.exceptions):
                whens_v = [
                    (
                        self.exception_columns(k, x, exc_ctx)[0],
                        self.reversal(x.value, exc_ctx) or exp.false(),
                    )
                    for k, x in enumerate(rule.exceptions)
                ]
                exc_columns.append(("a_rev", case(whens_v, col("a_rev_raw"))))
            elif any_reversal:  # every exception keeps the stated direction: no second test
                final_rev = tpl("g.exc_label IS NULL AND g.a_rev_raw")
            self.stage(exc_columns, "exceptions")
            self.plan.note(
                "exceptions",
                order=[x.label for x in rule.exceptions],
                rule="first matching exception wins",
            )
        else:
            self.stage(
                [
                    ("a_exc", col("a_raw")),
                    ("exc_label", exp.cast(exp.Null(), "VARCHAR")),
                    ("exc_reason", exp.cast(exp.Null(), "VARCHAR")),
                ], "exceptions"
            )
            if any_reversal:
                final_rev = col("a_rev_raw")
        self.reverses_zero = any_reversal
        self.has_why = why is not None
        current = "a_exc"
        for k, cap in enumerate(rule.caps):
            current = self.cap_stage(cap, current, k)
        self.stage([("a", exact(col(current)))] + ([("a_rev", final_rev)] if final_rev else []))
        self.finish(rule)
        return self.plan

    def exception_columns(
        self, k: int, x: ast.ExceptClause, ctx: Ctx
    ) -> tuple[exp.Expression, exp.Expression]:
        """The condition and reason of exception k: hoisted columns, or compiled on the row."""
        if k in self.hoisted_exc:
            cond, reason = self.hoisted_exc[k]
            return cond.copy(), reason.copy()
        return self.cx(x.cond, ctx), self.reason_of(x, ctx)



def sections_loops(exprs: list[ast.Expr]) -> list[ast.Comprehension]:
    """The loops over the sections that a row evaluates (not inside another loop), each once."""
    found: list[ast.Comprehension] = []
    for node in ast.walk(exprs, skip=lambda n: elsewhere(n) and not is_sections_loop(n)):
        if is_sections_loop(node) and node not in found:
            assert isinstance(node, ast.Comprehension)
            found.append(node)
    return found
