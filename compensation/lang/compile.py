"""Checked syntax tree → one DuckDB query per rule, in stages with a typed output each:

1. analysis (hoist.py, control_reads.py, reads.py): what each value depends on and reads;
2. planning (planner.py with chain.py, windows.py, final.py; expressions lowered by lower.py):
   a `Plan` (plan.py), the optimisation passes (passes.py) deciding as the plan is made;
3. emission (emit_sql.py): the plan's stages as a chain of CTEs and its final projection.
"""

from __future__ import annotations

from sqlglot import exp

from compensation.lang import ast
from compensation.lang.emit_sql import emit_sql
from compensation.lang.final import party_text, trace_path
from compensation.lang.options import ALL_ON, CompileOptions
from compensation.lang.plan import Plan
from compensation.lang.planner import RuleBuilder
from compensation.lang.scope import Scope

__all__ = ["RuleBuilder", "compile_rule", "party_text", "plan_rule", "trace_path"]


def plan_rule(scope: Scope, rule: ast.Rule, options: CompileOptions = ALL_ON) -> Plan:
    """The rule's plan, with the passes `options` turns on."""
    return RuleBuilder(scope, rule, options).build()


def compile_rule(scope: Scope, rule: ast.Rule, options: CompileOptions = ALL_ON
                 ) -> tuple[exp.Expression, exp.Expression, Plan]:
    """The rule's query, the same without the trace (for readers of amounts), and its plan."""
    plan = plan_rule(scope, rule, options)
    query, amounts = emit_sql(plan)
    return query, amounts, plan
