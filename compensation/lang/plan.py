"""The plan of one rule: the compiler's intermediate form between the syntax tree and the SQL.

The planner (planner.py) fills a `Plan`; the SQL is emitted from `Plan.stages` and `Plan.final`
(emit_sql.py), so what `ecocomp rules compile --emit plan` prints is what the query is made of, not
a description written beside it. Column expressions are lowered sqlglot trees (lower.py); the text
and JSON forms print them as DuckDB SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlglot import exp

from compensation.lang.sql import DIALECT

# what a stage of the rule's query does
StageKind = Literal[
    "cells",  # the (section × period) cells of the rule, without scenarios
    "params",  # one row per scenario and parameter month, the parameters pivoted
    "grid",  # cells × scenarios: the rows of the rule
    "grain",  # the cells × the distinct values of some parameters (values hoisted there)
    "grain_join",  # a grain's columns joined to another chain on the cell and its parameters
    "row",  # columns computed on the rows of the chain before it
    "shared",  # repeated sub-expressions of the next stage, computed once (share_repeated)
    "loop",  # a row-level loop's value joined back to the rows
    "loop_keys",  # a values-driven loop's key table
    "loop_values",  # a loop computed for the sections and the controls together
    "spread",  # largest-remainder windows of a spread
    "spread_shared",  # a spread's representative scenarios (spread_shared)
    "so_far",  # a running aggregate over the partition's periods
    "amount",  # the amount, its branch and label
    "exceptions",  # the first matching exception
    "cap",  # a running clamp of the amount and its reason
    "shares",  # a split's shares, largest remainder to the fen
]
# how a row-level loop over a list is computed (passes.choose_loop decides)
LoopMethod = Literal["keys", "values", "control_twin"]
LOOP_METHODS: dict[str, str] = {
    "keys": "unnest the list, GROUP BY what the loop reads, join back",
    "values": "the list's items joined to the period values present, GROUP BY (key, section), "
              "joined back by (key, section)",
    "control_twin": "the section's loop (above), joined on the control",
}


def sql_of(e: exp.Expression) -> str:
    """One line of DuckDB SQL (the plan's text and JSON forms)."""
    return e.sql(dialect=DIALECT)


@dataclass
class Column:
    """A column a stage of columns adds: its name and `<expression> AS name` (the alias node that
    the emitted SELECT holds)."""

    name: str
    node: exp.Alias

    @property
    def expr(self) -> exp.Expression:
        return self.node.this


@dataclass
class Stage:
    """One CTE of the rule's query. With `query` None it is `SELECT g.*, <columns> FROM source
    AS g`; otherwise `query` is its whole SELECT (a join, windows, a key table) and `columns`
    names what it adds."""

    name: str
    kind: StageKind
    source: str | None  # the stage its rows come from (None: the store's tables)
    root: str  # the first stage of its chain (cells, a grain, grid)
    columns: list[Column] = field(default_factory=list)
    query: exp.Expression | None = None
    adds: list[str] = field(default_factory=list)  # with a query: the columns it adds
    materialized: bool = False

    def to_data(self) -> dict[str, object]:
        data: dict[str, object] = {"name": self.name, "kind": self.kind, "source": self.source}
        if self.materialized:
            data["materialized"] = True
        if self.query is not None:
            data["adds"] = self.adds
            data["query"] = sql_of(self.query)
        else:
            data["columns"] = {c.name: sql_of(c.expr) for c in self.columns}
        return data


@dataclass(frozen=True)
class Grid:
    """The rows of the rule: scenario × (selected) section × period."""

    selector: str | None  # assessed | control | all | None (a scheme-level rule: no section)
    period: str
    reads: tuple[str, ...]
    params: tuple[str, ...]  # every parameter of the scheme, pivoted per scenario and month


@dataclass
class GrainValue:
    """A value computed once per cell and distinct values of `params`, as column `column`."""

    value: str  # what it is: a measure, a let, `except …`, `control.x`, a loop's gap
    column: str
    params: tuple[str, ...]


@dataclass
class LoopPlan:
    """A row-level loop over a list: its column, aggregate, what it reads, how it is computed."""

    column: str
    func: str
    reads: list[str]
    method: LoopMethod
    source: str  # the stage its distinct keys come from
    stage: str  # the stage that joins it to the rows
    covers_controls: bool = False  # computed for the controls too (its twin joins it)
    passes: list[str] = field(default_factory=list)  # the passes that applied to it

    def to_data(self) -> dict[str, object]:
        return {"column": self.column, "func": self.func, "reads": self.reads,
                "method": self.method, "source": self.source, "stage": self.stage,
                "covers_controls": self.covers_controls, "passes": self.passes}


@dataclass(frozen=True)
class PassUse:
    """One place an optimisation pass applied: the pass, the stage, what it did there."""

    name: str
    stage: str
    what: str


@dataclass
class Final:
    """The final projection: the ledger rows (routing, amount, reasons) from the last stage, the
    trace JSON, and the join of each cell's values that the trace shows (None: none shown)."""

    rows: exp.Select
    trace: exp.Expression
    trace_values: exp.Expression | None
    routing: dict[str, str]
    trace_sides: tuple[str, ...] = ()  # the sides whose values it joins (section, control)


@dataclass
class Plan:
    """One rule's query as data: the grid, the grains, the loops, the stages in order, the final
    projection, and the passes that applied."""

    rule: str
    line: int
    grid: Grid | None = None
    grains: list[GrainValue] = field(default_factory=list)
    loops: list[LoopPlan] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    final: Final | None = None
    passes_on: tuple[str, ...] = ()
    passes: list[PassUse] = field(default_factory=list)
    notes: list[dict[str, object]] = field(default_factory=list)  # lets, spreads, caps as written

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)

    def note(self, what: str, **detail: object) -> None:
        self.notes.append({"what": what, **detail})

    def to_data(self) -> dict[str, object]:
        """The plan as JSON data (`--emit plan --json`): keys in a fixed order, SQL as text."""
        assert self.grid is not None and self.final is not None
        final = self.final
        return {
            "rule": self.rule,
            "line": self.line,
            "grid": {"selector": self.grid.selector, "period": self.grid.period,
                     "reads": list(self.grid.reads), "params": list(self.grid.params)},
            "grains": [{"value": g.value, "column": g.column, "params": list(g.params)}
                       for g in self.grains],
            "loops": [loop.to_data() for loop in self.loops],
            "stages": [s.to_data() for s in self.stages],
            "final": {"routing": final.routing, "rows": sql_of(final.rows),
                      "trace": sql_of(final.trace),
                      "trace_values": sql_of(final.trace_values)
                      if final.trace_values is not None else None},
            "passes_on": list(self.passes_on),
            "passes": [{"pass": p.name, "stage": p.stage, "what": p.what} for p in self.passes],
            "notes": self.notes,
        }


def plan_text(plan: Plan) -> str:
    """The plan as readable text (`--emit plan`, the golden `.plan.txt` files): one block per
    part, stages in order, each column as `name = SQL`; stable (no ids, fixed order)."""
    data = plan.to_data()
    grid = plan.grid
    assert grid is not None
    rows = "scenario × " + (f"{grid.selector} section × " if grid.selector else "") + grid.period
    out = [f"rule {plan.rule} (line {plan.line})",
           f"grid: {rows}; reads {', '.join(grid.reads)}",
           f"params: {', '.join(grid.params) or '-'}",
           f"passes on: {', '.join(plan.passes_on) or '-'}"]
    if plan.grains:
        out.append("grains (once per cell and distinct values of the parameters read):")
        out += [f"  {g.column} = {g.value}  [{', '.join(g.params)}]" for g in plan.grains]
    if plan.loops:
        out.append("loops:")
        for loop in plan.loops:
            passes = f"; passes {', '.join(loop.passes)}" if loop.passes else ""
            covers = "; covers the controls" if loop.covers_controls else ""
            out.append(f"  {loop.column} = {loop.func} by [{', '.join(loop.reads)}]: "
                       f"{loop.method} ({LOOP_METHODS[loop.method]}); keys from {loop.source}, "
                       f"joined in {loop.stage}{covers}{passes}")
    out.append("stages:")
    for stage in plan.stages:
        source = f" <- {stage.source}" if stage.source else ""
        flag = " materialized" if stage.materialized else ""
        out.append(f"  {stage.name} [{stage.kind}]{source}{flag}")
        if stage.query is not None:
            out.append(f"    adds: {', '.join(stage.adds) or '-'}")
            out.append(f"    query: {sql_of(stage.query)}")
        else:
            out += [f"    {c.name} = {sql_of(c.expr)}" for c in stage.columns]
    final = data["final"]
    assert isinstance(final, dict)
    out.append("final:")
    out += [f"  {k}: {v}" for k, v in sorted(final["routing"].items())]
    out.append(f"  rows: {final['rows']}")
    out.append(f"  trace: {final['trace']}")
    if final["trace_values"] is not None:
        out.append(f"  trace values: {final['trace_values']}")
    if plan.passes:
        out.append("passes applied:")
        out += [f"  {p.name} at {p.stage}: {p.what}" for p in plan.passes]
    if plan.notes:
        out.append("notes:")
        for note in plan.notes:
            detail = ", ".join(f"{k}={v}" for k, v in note.items() if k != "what")
            out.append(f"  {note['what']}: {detail}")
    return "\n".join(out)
