"""Checked syntax tree → one DuckDB query per rule, built as a sqlglot tree.

Each rule becomes a chain of CTEs over the grid scenario × section × period (the steps are listed
as prose in `RulePlan` for `--emit plan`; there is no separate plan stage):
measures, lets, the amount, exceptions, caps, then routing (payer/payee, splits). Period values,
parameters and sections are read from the `ev_*` tables that runtime.prepare_run creates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from sqlglot import exp

from compensation.lang import ast
from compensation.lang import units as u
from compensation.lang.compiled import RulePlan
from compensation.lang.control_reads import ControlReads, control_reads, loop_text
from compensation.lang.hoist import Dependencies, elsewhere, measure_closure
from compensation.lang.loop_values import LoopKeys
from compensation.lang.loops import (
    COMPREHENSION_AGG,
    CONTROL_AS_OWN,
    PendingList,
    join_loop,
    loop_aggregate,
)
from compensation.lang.options import ALL_ON, CompileOptions
from compensation.lang.scope import Scope, is_sections_loop
from compensation.lang.selection import ATTRIBUTES
from compensation.lang.sql import (
    call,
    case,
    col,
    decided,
    exact,
    if_case,
    number,
    once,
    share_repeated,
    str_list,
    subquery,
    text,
    tpl,
)
from compensation.lang.volumes import volume_basis
from compensation.lang.written import written

ROLE_OF_SELECTOR = {"assessed": "assessed", "control": "control"}
# an indicator list parameter as the rows carry it (codes joined by commas) back to a list
LIST_OF_TEXT = "CASE WHEN :p = '' THEN CAST([] AS VARCHAR[]) ELSE string_split(:p, ',') END"


@dataclass
class Ctx:
    """Where an expression is evaluated: which section, which period, which names are bound."""

    section: exp.Expression | None
    control: exp.Expression | None
    water_body: exp.Expression | None
    period: exp.Expression
    period_end: exp.Expression
    kind: str
    main: bool = True  # the rule's own row: measure and let columns can be used
    row: bool = True  # not inside a loop: a list comprehension here can be grouped (set-based)
    vars: dict[str, exp.Expression] = field(default_factory=dict)
    lets: dict[str, exp.Expression] = field(default_factory=dict)
    measures: dict[str, exp.Expression] = field(default_factory=dict)
    controls: dict[str, exp.Expression] = field(default_factory=dict)
    amount: exp.Expression | None = None
    control_water_body: exp.Expression | None = None  # the control section's own (its limits)


def water_body_of(section: exp.Expression) -> exp.Expression:
    return subquery(
        tpl("SELECT ws.water_body FROM ev_sections AS ws WHERE ws.section_id = :sec", sec=section)
    )


def on_control(ctx: Ctx, bound: dict[str, exp.Expression]) -> Ctx:
    """`ctx` moved to the control section: its values and flags, and its limits by its own water
    body (a control measure, `control.value(i)`); `bound` are the names still bound there."""
    control, water_body = ctx.control, ctx.control_water_body
    if control is None:
        control = subquery(
            tpl("SELECT cs.control_id FROM ev_sections AS cs WHERE cs.section_id = :sec",
                sec=ctx.section)
        )
    return replace(ctx, section=control, control=None, main=False, vars=bound,
                   water_body=water_body or water_body_of(control.copy()),
                   control_water_body=None)


class RuleCompiler:
    """Compiles one rule; `stages` collects the CTEs in order."""

    def __init__(self, scope: Scope, rule: ast.Rule | None, selector: str | None) -> None:
        self.scope = scope
        self.rule = rule
        self.selector = selector
        self.n = 0
        self.stages: list[tuple[str, list[tuple[str, exp.Expression]]]] = []
        self.params_used: set[str] = set()
        self.pending_spreads: list[tuple[str, ast.Spread]] = []
        self.pending_so_far: list[tuple[str, ast.SoFar]] = []
        # list comprehensions at row level, computed by a grouped CTE before the next stage
        self.pending_lists: list[PendingList] = []

    def alias(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    # ---- values of the store
    def values_where(self, v: str, ctx: Ctx, indicator: exp.Expression | None) -> exp.Expression:
        cond = tpl(
            f"{v}.kind = :kind AND {v}.section_id = :sec AND {v}.period = :per",
            kind=text(ctx.kind),
            sec=ctx.section,
            per=ctx.period,
        )
        if indicator is not None:
            cond = exp.and_(cond, tpl(f"{v}.indicator = :ind", ind=indicator))
        return cond

    def period_value(self, column: str, ctx: Ctx, indicator: exp.Expression) -> exp.Expression:
        v = self.alias("v")
        select = exp.select(col(column, v)).from_(
            exp.alias_(exp.to_table("ev_values"), v, table=True, copy=False)
        )
        return subquery(select.where(self.values_where(v, ctx, indicator), copy=False))

    def param(self, name: str, ctx: Ctx) -> exp.Expression:
        self.params_used.add(name)
        column = col(f"prm_{list(self.scope.params).index(name)}")
        if self.scope.params[name].unit.kind == "indicators":
            return tpl(LIST_OF_TEXT, p=column)
        return column

    def param_lookup(self, name: str) -> exp.Expression:
        """The value of a parameter, as one aggregate of the pivot of ev_params by (scenario,
        month) that `scaffold` joins (one row per name there). An indicator list is carried as
        its codes joined by commas: the rows group and join on their parameters, and a text is
        a much cheaper key than a list."""
        info = self.scope.params[name]
        column = {"indicators": "ARRAY_TO_STRING(v.lst, ',')", "variant": "v.txt"}.get(
            info.unit.kind, "v.num")
        return tpl(f"ANY_VALUE({column}) FILTER (WHERE v.name = :name)", name=text(name))

    def limit(self, indicator: exp.Expression, ctx: Ctx, klass: exp.Expression) -> exp.Expression:
        """The GB 3838 limit (the limit_of macro: an expression, so loops stay set-based)."""
        return call("limit_of", indicator, ctx.water_body or text("river"), klass)

    # ---- expressions
    def cx(self, e: ast.Expr, ctx: Ctx) -> exp.Expression:  # noqa: C901
        if isinstance(e, ast.Num):
            if e.unit is None:
                return number(e.value)
            return number(e.value * u.LITERAL_UNITS[e.unit][1])
        if isinstance(e, ast.ClassLit):
            return number(e.klass)
        if isinstance(e, ast.Str):
            return text(e.text)
        if isinstance(e, ast.AmountRef):
            assert ctx.amount is not None
            return ctx.amount
        if isinstance(e, ast.Name):
            return self.name(e.name, ctx)
        if isinstance(e, ast.SectionRef):
            return self.section_attribute(e.attr, ctx)
        if isinstance(e, ast.ControlRef):
            if ctx.main and e.name in ctx.controls:
                return ctx.controls[e.name]
            return self.cx(self.scope.measures[e.name].expr, on_control(ctx, {}))
        if isinstance(e, ast.ControlCall):
            if ctx.main and written(e.call) in ctx.controls:
                return ctx.controls[written(e.call)]
            return self.call(e.call, on_control(ctx, ctx.vars))  # a loop's variable stays bound
        if isinstance(e, ast.ListLit):
            return str_list([i.name for i in e.items if isinstance(i, ast.Name)])
        if isinstance(e, ast.Unary):
            x = self.cx(e.x, ctx)
            return (
                exp.Not(this=exp.Paren(this=x))
                if e.op == "not"
                else exp.Neg(this=exp.Paren(this=x))
            )
        if isinstance(e, ast.Binary):
            a, b = exp.Paren(this=self.cx(e.left, ctx)), exp.Paren(this=self.cx(e.right, ctx))
            if e.op == "and":
                return exp.And(this=a, expression=b)
            if e.op == "or":
                return exp.Or(this=a, expression=b)
            if e.op == "add":
                return exact(exp.Add(this=a, expression=b))
            if e.op == "sub":
                return exp.Sub(this=a, expression=b)
            if e.op == "mul":
                return exact(exp.Mul(this=a, expression=b))
            return once([a, b], [2, 3], lambda: self.alias("dv"), lambda x: call("ediv", *x))
        if isinstance(e, ast.Compare):
            a, b = self.cx(e.left, ctx), self.cx(e.right, ctx)
            if self.numeric(e.left, ctx) and self.numeric(e.right, ctx):
                a, b = decided(a), decided(b)
            ops = {
                "<": exp.LT,
                "<=": exp.LTE,
                "=": exp.EQ,
                "!=": exp.NEQ,
                ">": exp.GT,
                ">=": exp.GTE,
            }
            return ops[e.op](this=a, expression=b)
        if isinstance(e, ast.InRange):
            return once([self.cx(e.x, ctx)], [2], lambda: self.alias("ir"),
                        lambda x: self.in_range(x[0], e.range, ctx))
        if isinstance(e, ast.If):
            # DuckDB reads `CASE cond WHEN true .. WHEN false ..` as two tests of `cond`
            return once([self.cx(e.cond, ctx)], [2], lambda: self.alias("if"),
                        lambda x: if_case(x[0], self.cx(e.then, ctx), self.cx(e.other, ctx)))
        if isinstance(e, ast.Table):
            copies = 1 + 2 * len(e.entries)
            return once([self.cx(e.subject, ctx)], [copies], lambda: self.alias("tb"),
                        lambda x: self.table(e, x[0], ctx))
        if isinstance(e, ast.Call):
            return self.call(e, ctx)
        if isinstance(e, ast.Comprehension):
            return self.comprehension(e, ctx)
        if isinstance(e, ast.Spread):
            column = self.alias("sp")
            self.pending_spreads.append((column, e))
            return col(column)
        if isinstance(e, ast.SoFar):
            column = self.alias("sf")
            self.pending_so_far.append((column, e))
            return col(column)
        if isinstance(e, ast.YearRange):
            y = self.alias("y")
            inner = replace(
                ctx,
                main=False,
                row=False,
                period=tpl(f"make_date(CAST({y}.y AS INTEGER), month(:p), 1)", p=ctx.period),
            )
            body = self.cx(e.arg, inner)
            return subquery(
                tpl(
                    f"SELECT {COMPREHENSION_AGG['mean']} "
                    f"FROM (SELECT :body AS b FROM range(:first, :last) AS {y}(y))",
                    body=body,
                    first=number(e.first),
                    last=number(e.last + 1),
                )
            )
        raise AssertionError(type(e))

    def section_attribute(self, attr: str, ctx: Ctx) -> exp.Expression:
        """`section` is the code itself; its registry attributes come from ev_sections."""
        if not attr:
            return ctx.section
        a = self.alias("sa")
        # a blank attribute (no bank, a control without party) is '': `section.bank != "left"`
        # holds for it, as it reads, instead of leaving the row unknown
        return call("coalesce", subquery(tpl(
            f"SELECT {a}.{ATTRIBUTES[attr][0]} FROM ev_sections AS {a} "
            f"WHERE {a}.section_id = :sec", sec=ctx.section)), text(""))

    def table(self, e: ast.Table, subject: exp.Expression, ctx: Ctx) -> exp.Expression:
        whens = [(exp.Is(this=subject, expression=exp.Null()), exp.Null())]
        default = None
        for entry in e.entries:
            if entry.range is None:
                default = self.cx(entry.value, ctx)
            else:
                whens.append((self.in_range(subject, entry.range, ctx), self.cx(entry.value, ctx)))
        return case(whens, default)

    def name(self, name: str, ctx: Ctx) -> exp.Expression:
        if name in ctx.vars:
            return ctx.vars[name]
        if name in ctx.lets:
            return ctx.lets[name]
        kind = self.scope.kind_of(name, {})
        if kind == "measure":
            if ctx.main and name in ctx.measures:
                return ctx.measures[name]
            return self.cx(self.scope.measures[name].expr, replace(ctx, main=False))
        if kind == "param":
            return self.param(name, ctx)
        if kind == "builtin":  # days: the period length in seconds (a time quantity)
            return exact(
                tpl("CAST(g.days AS DECIMAL(38,12)) * 86400")
                if ctx.main
                else tpl(
                    "CAST(date_diff('day', :a, :b) + 1 AS DECIMAL(38,12)) * 86400",
                    a=ctx.period,
                    b=ctx.period_end,
                )
            )
        return text(name)  # a variant or an indicator code

    def numeric(self, e: ast.Expr, ctx: Ctx) -> bool:
        """Whether `e` is a number to be compared at the decision precision (not a text, a
        variant, an indicator code, a section or a class)."""
        if isinstance(e, ast.Str | ast.ClassLit | ast.ListLit | ast.SectionRef):
            return False
        if isinstance(e, ast.Name):
            if e.name in ctx.vars:
                return False
            if self.rule is not None:
                for let in self.rule.lets:
                    if let.name == e.name:
                        return self.numeric(let.expr, ctx)
            kind = self.scope.kind_of(e.name, {})
            if kind == "param":
                return self.scope.params[e.name].unit.kind == "number"
            return kind in ("measure", "builtin")
        if isinstance(e, ast.If):
            return self.numeric(e.then, ctx)
        return not isinstance(e, ast.Compare | ast.InRange)

    def in_range(self, x: exp.Expression, r: ast.Range, ctx: Ctx) -> exp.Expression:
        parts = []
        bound = (lambda v: v) if r.is_class else decided
        x = bound(x)
        if r.lo is not None:
            op = exp.GTE if r.lo_closed else exp.GT
            parts.append(op(this=x, expression=bound(self.cx(r.lo, ctx))))
        if r.hi is not None:
            op = exp.LTE if r.hi_closed else exp.LT
            parts.append(op(this=x, expression=bound(self.cx(r.hi, ctx))))
        if not parts:
            return exp.Not(this=exp.Is(this=x, expression=exp.Null()))
        return exp.and_(*parts) if len(parts) > 1 else parts[0]

    def call(self, e: ast.Call, ctx: Ctx) -> exp.Expression:  # noqa: C901
        f, args = e.func, e.args
        if f in ("value", "highest", "class"):
            column = {"value": "value", "highest": "highest", "class": "class"}[f]
            return self.period_value(column, ctx, self.cx(args[0], ctx))
        if f == "volume":  # m³ of the period, from ev_volumes (lang/volumes.py)
            w = self.alias("w")
            return subquery(tpl(
                f"SELECT {w}.volume FROM ev_volumes AS {w} WHERE {w}.kind = :kind AND "
                f"{w}.section_id = :sec AND {w}.period = :per AND {w}.basis = :b",
                kind=text(ctx.kind), sec=ctx.section, per=ctx.period,
                b=text(volume_basis(e) or "")))
        if f == "limit":
            return self.limit(self.cx(args[0], ctx), ctx, self.cx(args[1], ctx))
        if f == "exceed":
            ind = self.cx(args[0], ctx)
            klass = self.cx(args[1], ctx) if len(args) == 2 else number(3)
            lim = self.limit(ind, ctx, klass)
            return call(
                "ediv", exp.Sub(this=self.period_value("value", ctx, ind), expression=lim), lim
            )
        if f == "worst_class":
            v = self.alias("v")
            return subquery(
                tpl(
                    f"SELECT max({v}.class) FROM ev_values AS {v} WHERE :w AND list_contains"
                    f"(:l, {v}.indicator)",
                    w=self.values_where(v, ctx, None),
                    l=self.cx(args[0], ctx),
                )
            )
        if f == "flagged":
            v = self.alias("v")
            flags = str_list([a.name for a in args if isinstance(a, ast.Name)])
            return tpl(
                f"EXISTS (SELECT 1 FROM ev_flags AS {v} WHERE :w AND list_has_any({v}.flags, :f))",
                w=self.values_where(v, ctx, None),
                f=flags,
            )
        if f == "missing":
            tests = []
            for a in args:
                v = self.alias("v")
                lst = self.cx(a, ctx)
                if (
                    isinstance(a, ast.Name)
                    and self.scope.kind_of(a.name, ctx.vars) in ("indicator",)
                    or a.__class__ is ast.Name
                    and a.name in ctx.vars
                ):
                    lst = exp.Array(expressions=[lst])
                tests.append(
                    tpl(
                        f"len(:l) > (SELECT count(DISTINCT {v}.indicator) FROM ev_values AS "
                        f"{v} WHERE :w "
                        f"AND {v}.value IS NOT NULL AND list_contains(:l, {v}.indicator))",
                        l=lst,
                        w=self.values_where(v, ctx, None),
                    )
                )
            return exp.or_(*tests) if len(tests) > 1 else tests[0]
        if f in ("min", "max"):
            # Each argument is evaluated once (bound in a one-row subquery); any NULL gives NULL.
            m = self.alias("mm")
            names = [f"x{i}" for i in range(len(args))]
            inner = exp.select(
                *[
                    exp.alias_(self.cx(a, ctx), n, copy=False)
                    for a, n in zip(args, names, strict=True)
                ]
            )
            node = exp.Least if f == "min" else exp.Greatest
            cols = [col(n, m) for n in names]
            nulls = exp.or_(*[exp.Is(this=c, expression=exp.Null()) for c in cols])
            pick = case([(nulls, exp.Null())], node(this=cols[0], expressions=cols[1:]))
            return subquery(
                exp.select(pick).from_(
                    exp.alias_(subquery(inner), m, table=True, copy=False), copy=False
                )
            )
        if f in ("ceil", "floor"):
            return exact(call(f, decided(self.cx(args[0], ctx))))
        if f == "abs":
            return call("abs", self.cx(args[0], ctx))
        if f == "previous":
            inner = replace(
                ctx,
                main=False,
                period=tpl("CAST(:p - INTERVAL 1 YEAR AS DATE)", p=ctx.period),
                period_end=tpl("CAST(:p - INTERVAL 1 YEAR AS DATE)", p=ctx.period_end),
            )
            return self.cx(args[0], inner)
        if f == "runs":
            d = self.alias("d")
            return subquery(
                tpl(
                    "SELECT count(*) FROM (SELECT count(*) AS len FROM ("
                    f"SELECT {d}.day - CAST(row_number() OVER (ORDER BY {d}.day) AS INTEGER)"
                    " AS grp "
                    f"FROM ev_daily AS {d} WHERE {d}.section_id = :sec AND {d}.indicator = :ind "
                    f"AND {d}.day BETWEEN :a AND :b AND {d}.valid "
                    f"AND indicator_class({d}.indicator, :wb, {d}.value) > :k) GROUP BY grp) "
                    "WHERE len >= :n",
                    sec=ctx.section,
                    ind=self.cx(args[0], ctx),
                    a=ctx.period,
                    b=ctx.period_end,
                    wb=ctx.water_body or text("river"),
                    k=self.cx(args[1], ctx),
                    n=self.cx(args[2], ctx),
                )
            )
        raise AssertionError(f)

    def comprehension(self, e: ast.Comprehension, ctx: Ctx) -> exp.Expression:
        c = self.alias("c")
        if is_sections_loop(e):
            source, inner = self.sections_rows(e, ctx, c)
        elif ctx.row:
            return self.grouped_comprehension(e, ctx)
        else:
            inner = replace(ctx, main=False, row=False, vars={**ctx.vars, e.var: col("x", c)})
            source = exp.alias_(
                subquery(tpl("SELECT unnest(:l) AS x", l=self.cx(e.source, ctx))), c, table=True
            )
        body = self.cx(e.body, inner)
        where = exp.Paren(this=self.cx(e.where, inner)) if e.where is not None else None
        if where is not None and is_sections_loop(e):
            # a section whose test is unknown is not dropped: its term is unknown, and so the loop
            body = case([(exp.Is(this=where, expression=exp.Null()), exp.Null())], body)
            where = tpl(":w IS NOT FALSE", w=where.copy())
        select = exp.select(exp.alias_(body, "b", copy=False)).from_(source, copy=False)
        if where is not None:
            select = select.where(where, copy=False)
        q = self.alias("q")
        outer = exp.select(tpl(COMPREHENSION_AGG[e.func]))
        return subquery(
            outer.from_(exp.alias_(subquery(select), q, table=True, copy=False), copy=False)
        )

    def sections_rows(self, e: ast.Comprehension, ctx: Ctx, c: str
                      ) -> tuple[exp.Expression, Ctx]:
        """The sections a `for s in sections` loop runs over (aliased `c`) and the context of its
        terms: the rule's own kind of section (the assessed ones in a scheme-level rule) in use
        during the period, each term read on that section and its control."""
        inner = replace(
            ctx,
            main=False,
            row=False,
            section=col("section_id", c),
            control=col("control_id", c),
            water_body=col("water_body", c),
            control_water_body=water_body_of(col("control_id", c)),
            vars={**ctx.vars, e.var: col("section_id", c)},
        )
        role = ROLE_OF_SELECTOR.get(self.selector or "assessed")
        # only the sections in use during the period (as the grid): a retired or future
        # section has no values there and would make all(...) unknown
        source = exp.select("*").from_("ev_sections").where(
            tpl(
                "valid_from <= :pe AND (valid_to IS NULL OR valid_to >= :ps)",
                pe=ctx.period_end,
                ps=ctx.period,
            )
        )
        if role:
            source = source.where(tpl("role = :r", r=text(role)))
        return exp.alias_(subquery(source), c, table=True, copy=False), inner

    def sections_terms(self, e: ast.Comprehension, ctx: Ctx) -> exp.Expression:
        """The terms of a loop over the sections, for the trace: `[{"section", "value"}, …]` in
        section order (those its `where` leaves out omitted, an unknown term null), so that
        `explain` shows each section's part and, by the key `section`, its values and samples."""
        c = self.alias("c")
        source, inner = self.sections_rows(e, ctx, c)
        body = exp.cast(self.cx(e.body, inner), "VARCHAR")
        terms = exp.select(exp.alias_(col("section_id", c), "id"), exp.alias_(body, "b")
                           ).from_(source, copy=False)
        if e.where is not None:
            where = exp.Paren(this=self.cx(e.where, inner))
            terms = terms.select(exp.alias_(tpl(":w IS NULL", w=where), "u"), copy=False).where(
                tpl(":w IS NOT FALSE", w=where.copy()), copy=False)
        value = "CASE WHEN t.u THEN NULL ELSE t.b END" if e.where is not None else "t.b"
        return subquery(tpl(
            f"SELECT CAST(to_json(list_sort(list({{'section': t.id, 'value': {value}}}))) "
            "AS VARCHAR) FROM :terms AS t", terms=subquery(terms)))

    def sections_gap(self, e: ast.Comprehension, ctx: Ctx) -> exp.Expression:
        """Why a loop over the sections is unknown, as the line's reason: the sections whose term
        (or `where` test) is unknown, by code, or that no section is in use (NULL otherwise)."""
        c = self.alias("c")
        source, inner = self.sections_rows(e, ctx, c)
        unknown = tpl(":b IS NULL", b=exp.Paren(this=self.cx(e.body, inner)))
        if e.where is not None:
            unknown = tpl(":w IS NULL OR (:w AND :u)", w=exp.Paren(this=self.cx(e.where, inner)),
                          u=unknown)
        terms = exp.select(exp.alias_(col("section_id", c), "id"), exp.alias_(unknown, "u")
                           ).from_(source, copy=False)
        return subquery(tpl(
            "SELECT CASE WHEN count(*) = 0 THEN :none WHEN bool_or(t.u) THEN '断面 ' || "
            "array_to_string(list_sort(list(t.id) FILTER (WHERE t.u)), '、') || :missing END "
            "FROM :terms AS t",
            none=text(f"本期没有考核断面（{written(e)}）"),
            missing=text(f" 数据缺失（{written(e)}）"), terms=subquery(terms),
        ))

    def grouped_comprehension(self, e: ast.Comprehension, ctx: Ctx) -> exp.Expression:
        """A loop over a list at row level: its rows are made by unnest and aggregated by a
        GROUP BY in a CTE joined back before the next stage (a correlated subquery per row would
        be planned as nested joins per indicator; this is one hash aggregate)."""
        column = self.alias("q")
        var = f"{column}_x"
        inner = replace(ctx, main=False, row=False, vars={**ctx.vars, e.var: col(var)})
        self.pending_lists.append(
            PendingList(
                column=column,
                var=var,
                func=e.func,
                items=self.cx(e.source, ctx),
                body=self.cx(e.body, inner),
                where=self.cx(e.where, inner) if e.where is not None else None,
            )
        )
        return col(column)


# ---- assembling one rule -------------------------------------------------------------------------

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
# the cells' columns that depend on the period only
PERIOD_COLUMNS = {"period_start", "period_end", "year_start", "param_month", "days", "in_window",
                  "scenario"}
# One row per scenario and parameter month (the parameters' values are looked up here).
SCENARIO_MONTHS = (
    "SELECT sc.scenario, m.param_month FROM ev_scenarios AS sc "
    "CROSS JOIN (SELECT DISTINCT param_month FROM cells) AS m"
)
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


class RuleBuilder(RuleCompiler):
    """Builds the CTE chain and the final SELECT of one rule."""

    def __init__(self, scope: Scope, rule: ast.Rule, options: CompileOptions = ALL_ON) -> None:
        super().__init__(scope, rule, rule.selector)
        self.options = options  # which optimisation passes run (options.py)
        self.ctes: list[tuple[str, exp.Expression]] = []
        self.materialized: set[str] = set()
        self.main = ""  # the last CTE of the scenario-row chain
        self.grains: dict[frozenset[str], Grain] = {}
        self.hoisted_exc: dict[int, tuple[exp.Expression, exp.Expression]] = {}
        self.trace_sides: list[tuple[str, str]] = []  # (prefix, side column) the trace shows
        # per CTE the chain's first CTE (cells, a grain's, grid), and the columns of those
        self.root: dict[str, str] = {}
        self.root_columns: dict[str, set[str]] = {}
        self.plan = RulePlan()
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
        self.ctx = Ctx(
            section=col("section_id") if rule.selector else exp.Null(),
            control=col("control_id") if rule.selector else None,
            water_body=col("water_body"),
            period=col("period_start"),
            period_end=col("period_end"),
            kind=rule.period,
            control_water_body=col("control_water_body") if rule.selector else None,
        )

    def add_cte(self, name: str, select: exp.Expression, root: str) -> None:
        self.ctes.append((name, select))
        self.root[name] = root

    def append(self, prev: str, columns: list[tuple[str, exp.Expression]]) -> str:
        """A CTE `SELECT g.*, <columns> FROM prev AS g`; returns its name. Row-level loops the
        columns read are computed first (`group_lists`)."""
        return self.append_plain(self.group_lists(prev), columns)

    def append_plain(self, prev: str, columns: list[tuple[str, exp.Expression]]) -> str:
        shared: list[tuple[str, exp.Expression]] = []
        if self.options.share_repeated:
            exprs, shared = share_repeated([e for _, e in columns], lambda: self.alias("e"))
        if shared:
            prev = self.append_plain(prev, shared)
            columns = [(c, e) for (c, _), e in zip(columns, exprs, strict=True)]
        name = f"s{len(self.ctes)}"
        select = exp.select(
            exp.column(exp.Star(), table="g"), *[exp.alias_(e, c, copy=False) for c, e in columns]
        )
        source = exp.alias_(exp.to_table(prev), "g", table=True, copy=False)
        select = select.from_(source, copy=False)
        self.add_cte(name, select, self.root[prev])
        return name

    def group_lists(self, prev: str) -> str:
        """Join the pending row-level loops to `prev`: per loop one GROUP BY over the unnested
        items, from the chain's first CTE when the loop reads only its columns (so the stages
        before are not computed twice), else from `prev` materialised. A loop on the section,
        in a rule that reads control measures, also covers the control sections; the same loop
        on the control then only joins that result (see loops.py)."""
        pending, self.pending_lists = self.pending_lists, []
        for loop in pending:
            root = self.root[prev]
            read = loop.reads()
            from_root = self.options.loop_from_root and read <= self.root_columns.get(root, set())
            source = root if from_root else prev
            if source != root:
                self.materialized.add(prev)
            # one loop per distinct combination of what it reads (as DuckDB's decorrelation
            # would): 10,000 scenarios that differ only in amounts share one computation
            by = sorted(read)
            on_control = self.options.control_loops and loop.on_control()
            shared = self.shared_loops.get((source, loop.canonical())) if on_control else None
            if shared is not None:
                grouped: exp.Expression = exp.to_table(shared[0])
                keys, method = shared[1], "the section's loop (above), joined on the control"
            else:
                with_controls = (self.options.control_loops and self.shares_controls
                                 and source == root and "section_id" in read
                                 and not read & CONTROL_AS_OWN.keys())
                grouped, keys, method = self.compute_loop(loop, by, source, with_controls)
                on_control = False
            name = f"s{len(self.ctes)}"
            self.add_cte(name, join_loop(prev, loop, grouped, by, on_control, keys),
                         self.root[prev])
            self.plan.add("loop", column=loop.column, func=loop.func, reads=by, method=method)
            prev = name
        return prev

    def compute_loop(self, loop: PendingList, by: list[str], source: str, with_controls: bool
                     ) -> tuple[exp.Expression, LoopKeys | None, str]:
        """The loop's values per key (a CTE when they also cover the controls: the control's twin
        joins it), its key table when driven from the values (a CTE too), and the plan's words."""
        grouped, keys = loop_aggregate(loop, by, source, with_controls,
                                       {c for c in by if self.section_free(c)}, self.options)
        method = "unnest the list, GROUP BY what the loop reads, join back"
        if keys is not None:
            self.add_cte(keys.name, keys.select, keys.name)
            self.materialized.add(keys.name)
            method = ("the list's items joined to the period values present, GROUP BY "
                      "(key, section), joined back by (key, section)")
        if not with_controls:
            return subquery(grouped), keys, method
        name = f"{loop.column}_all"
        self.add_cte(name, grouped, name)
        self.materialized.add(name)
        self.shared_loops[(source, loop.canonical())] = (name, keys)
        return exp.to_table(name), keys, method

    def stage(self, columns: list[tuple[str, exp.Expression]]) -> None:
        self.main = self.append(self.main, columns)

    # ---- grains: values computed once per cell and distinct parameter values, joined back
    def grain(self, params: frozenset[str]) -> Grain:
        if params not in self.grains:
            key = tuple(n for n in self.scope.params if n in params)
            if not key:
                self.grains[params] = Grain(key, "cells")
            else:
                prm = [col(self.param_column(n), None) for n in key]
                name = f"s{len(self.ctes)}"
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
                self.add_cte(name, select, name)
                self.root_columns[name] = self.root_columns["cells"] | {
                    self.param_column(n) for n in key
                }
                self.grains[params] = Grain(key, name)
        return self.grains[params]

    def section_free(self, column: str) -> bool:
        """A column of the rows that is the same for every section: the period's, the
        scenario's and the parameters'."""
        return column in PERIOD_COLUMNS or column in {
            self.param_column(n) for n in self.scope.params}

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
        name = f"s{len(self.ctes)}"
        select = (
            exp.select(exp.column(exp.Star(), table="g"), *[col(c, "k") for c in columns])
            .from_(exp.alias_(exp.to_table(prev), "g", table=True, copy=False))
            .join(
                exp.alias_(exp.to_table(grain.last), "k", table=True, copy=False),
                on=exp.and_(*on),
            )
        )
        self.add_cte(name, select, self.root[prev])
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

    def so_far_stage(self, c: str, sf: ast.SoFar) -> None:
        """x over the rule's rows of the partition whose period is not after this row's: the run
        through month M sees months <= M of the year (provisional), December decides the year.
        Unknown values (missing data) are skipped; with no known value the result is unknown."""
        part = PARTITIONS[sf.scope]
        body = self.expr_stage(sf.body)
        agg = {
            "all": "bool_and(:b)",
            "any": "bool_or(:b)",
            "count": "count(CASE WHEN :b THEN 1 END)",
            "sum": "sum(:b)",
            "min": "min(:b)",
            "max": "max(:b)",
        }[sf.func]
        window = (
            f" OVER (PARTITION BY {part} ORDER BY g.period_start "
            "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
        )
        self.stage([(f"{c}_b", body)])  # its own column: a window cannot hold a subquery
        value = tpl(agg + window, b=col(f"{c}_b"))
        self.stage([(c, exact(value) if sf.func == "sum" else value)])
        self.plan.add(
            "so_far",
            column=c,
            func=sf.func,
            per=sf.scope,
            frame="periods of the partition up to this row's (year to date)",
        )

    def spread_stages(self, c: str, sp: ast.Spread) -> None:
        total = self.cx(sp.total, self.ctx)
        weight = self.cx(sp.weight, self.ctx) if sp.weight is not None else number(Decimal(1))
        reads = self.grid_reads(total, weight) if self.options.spread_shared else None
        if reads is None:
            self.main = self.spread_windows(self.main, c, sp.scope, total, weight)
            method = "largest remainder to the fen"
        else:
            self.spread_shared(c, sp.scope, total, weight, reads)
            method = ("largest remainder to the fen, once per year and distinct values of the "
                      "parameters it reads (scenarios with the same values share it)")
        self.plan.add(
            "spread",
            column=c,
            per=sp.scope,
            weighted=sp.weight is not None,
            method=method,
        )

    def grid_reads(self, *exprs: exp.Expression) -> list[str] | None:
        """The parameter columns `exprs` read when they read nothing but the grid's own columns
        (no subquery, no measure or let of the row); None otherwise."""
        names: set[str] = set()
        for e in exprs:
            if e.find(exp.Select) is not None:
                return None
            names |= {x.name for x in e.find_all(exp.Column)}
        if not names <= self.root_columns["grid"]:
            return None
        return sorted(n for n in names if n.startswith("prm_"))

    def spread_shared(self, c: str, scope: str, total: exp.Expression, weight: exp.Expression,
                      reads: list[str]) -> None:
        """A spread whose total and weights read only parameters and the cell: its shares are
        the same for every scenario with the same values of those parameters in the year, so
        the windows run over one representative scenario per year and distinct values (the
        smallest name) and the shares are joined back. 10,000 scenarios that differ in another
        parameter cost one spread, not 10,000 (the windows were most of a sweep's time)."""
        values = ", ".join(["p.param_month", *[f"p.{n}" for n in reads]])
        self.add_cte(f"{c}_cls", tpl(
            "SELECT p.scenario, y.year_start, "
            f"LIST(ROW({values}) ORDER BY p.param_month) AS k FROM prm AS p "
            "JOIN (SELECT DISTINCT param_month, year_start FROM cells) AS y "
            "ON y.param_month = p.param_month GROUP BY p.scenario, y.year_start"), f"{c}_cls")
        self.add_cte(f"{c}_rep", tpl(
            "SELECT scenario, year_start, MIN(scenario) OVER (PARTITION BY year_start, k) AS rep "
            f"FROM {c}_cls"), f"{c}_rep")
        self.materialized.add(f"{c}_rep")
        self.add_cte(f"{c}_in", tpl(
            f"SELECT g.* FROM grid AS g JOIN {c}_rep AS r ON r.scenario = g.scenario "
            "AND r.year_start = g.year_start WHERE r.rep = r.scenario"), "grid")
        last = self.spread_windows(f"{c}_in", c, scope, total, weight)
        name = f"s{len(self.ctes)}"
        self.add_cte(name, tpl(
            f"SELECT g.*, o.{c} FROM {self.main} AS g JOIN {c}_rep AS r "
            "ON r.scenario = g.scenario AND r.year_start = g.year_start "
            f"JOIN (SELECT scenario, cell, {c} FROM {last}) AS o "
            "ON o.scenario = r.rep AND o.cell = g.cell"), self.root[self.main])
        self.main = name

    def spread_windows(self, prev: str, c: str, scope: str, total: exp.Expression,
                       weight: exp.Expression) -> str:
        """The largest-remainder windows over the rows of `prev`; returns the last CTE."""
        part = PARTITIONS[scope]
        prev = self.append_plain(prev, [
            (
                f"{c}_f",
                tpl(
                    "CAST(round_half_up(first(:t) OVER (PARTITION BY " + part + " ORDER BY "
                    "g.period_start, g.section_id ROWS BETWEEN UNBOUNDED PRECEDING AND "
                    "UNBOUNDED FOLLOWING), 2) * 100 AS HUGEINT)",
                    t=total,
                ),
            ),
            (f"{c}_w", tpl("COALESCE(dec_units(:w), 0)", w=weight)),
        ])
        prev = self.append_plain(prev, [
            (
                f"{c}_base",
                tpl(f"g.{c}_f * g.{c}_w // NULLIF(sum(g.{c}_w) OVER (PARTITION BY {part}), 0)"),
            ),
            (
                f"{c}_rem",
                tpl(f"g.{c}_f * g.{c}_w % NULLIF(sum(g.{c}_w) OVER (PARTITION BY {part}), 0)"),
            ),
        ])
        return self.append_plain(prev, [
            (
                c,
                tpl(
                    f"CAST(g.{c}_base + CASE WHEN row_number() OVER (PARTITION BY {part}"
                    f" ORDER BY g.{c}_rem "
                    f"DESC, g.period_start, g.section_id) <= g.{c}_f - sum(g.{c}_base) O"
                    "VER (PARTITION BY "
                    f"{part}) THEN 1 ELSE 0 END AS DECIMAL(38,0)) * CAST(0.01 AS DECIMAL"
                    "(38,12))"
                ),
            )
        ])

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
        self.add_cte("cells", cells, "cells")
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
        self.add_cte("prm", prm, "prm")
        self.materialized |= {"cells", "prm", "grid"}
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
        self.add_cte("grid", grid, "grid")
        self.root_columns["grid"] = set(cells.named_selects) | {"scenario"} | {
            c for c, _ in prm_columns
        }
        self.main = "grid"
        self.plan.add(
            "grid",
            rows="scenario × "
            + (f"{rule.selector} section × " if rule.selector else "")
            + f"{rule.period}",
            reads=["ev_scenarios", "ev_periods"] + (["ev_sections"] if rule.selector else []),
        )
        if self.scope.params:
            self.plan.add(
                "parameters",
                names=list(self.scope.params),
                reads="ev_params (scenario, name, month), once per scenario and month",
            )

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
        grains: list[dict[str, object]] = []

        def put(params: frozenset[str], column: str, what: str, compile_) -> exp.Expression:
            self.prepare_grain(params)
            self.hoist(params, [(column, compile_())])
            grains.append({"value": what, "params": list(self.grains[params].params)})
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
            self.plan.add("trace values", sides=[side for _, side in self.trace_sides],
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
        if grains:
            self.plan.add(
                "grains",
                rule="each value once per cell (section × period) and distinct combination of "
                "the parameters it reads, joined to the scenario rows",
                values=grains,
            )
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

    def build(self) -> tuple[exp.Expression, exp.Expression, RulePlan]:  # noqa: C901
        """The rule's query, the same without the trace (for readers of amounts), its plan."""
        rule = self.rule
        assert rule is not None
        self.scaffold(rule)
        row_lets = self.hoist_values(rule)
        for i, let in row_lets:
            compiled = self.expr_stage(let.expr)
            self.stage([(f"l_{i}", compiled)])
            self.ctx.lets[let.name] = col(f"l_{i}")
        for let in rule.lets:
            self.plan.add("let", name=let.name, title=let.title)
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
        self.stage(columns)
        self.plan.add(
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
            self.stage(exc_columns)
            self.plan.add(
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
                ]
            )
            if any_reversal:
                final_rev = col("a_rev_raw")
        self.reverses_zero = any_reversal
        self.has_why = why is not None
        current = "a_exc"
        for k, cap in enumerate(rule.caps):
            current = self.cap_stage(cap, current, k)
        self.stage([("a", exact(col(current)))] + ([("a_rev", final_rev)] if final_rev else []))
        return *self.finish(rule), self.plan

    def exception_columns(
        self, k: int, x: ast.ExceptClause, ctx: Ctx
    ) -> tuple[exp.Expression, exp.Expression]:
        """The condition and reason of exception k: hoisted columns, or compiled on the row."""
        if k in self.hoisted_exc:
            cond, reason = self.hoisted_exc[k]
            return cond.copy(), reason.copy()
        return self.cx(x.cond, ctx), self.reason_of(x, ctx)

    def cap_stage(self, cap: ast.Cap, current: str, k: int) -> str:
        limit = self.cx(cap.limit, self.ctx)
        part = PARTITIONS[cap.scope]
        cum = tpl(
            f"sum(COALESCE(g.{current}, 0)) OVER (PARTITION BY {part} ORDER BY g.period_start, "
            "g.section_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
        )
        before = exp.Sub(this=cum, expression=tpl(f"COALESCE(g.{current}, 0)"))

        def clamp(x: exp.Expression) -> exp.Expression:
            if cap.kind == "minimum":
                return exp.Greatest(this=x, expressions=[limit])
            return exp.Greatest(
                this=exp.Least(this=x, expressions=[limit]),
                expressions=[exp.Neg(this=exp.Paren(this=limit))],
            )

        name = f"a_cap{k}"
        value = case(
            [(tpl(f"g.{current} IS NULL"), exp.Null())],
            exp.Sub(this=clamp(cum), expression=clamp(before)),
        )
        self.stage([(name, exact(value)), (f"{name}_limit", limit.copy())])
        # the reason names the cap, its limit as written and its value, and the line before and
        # after when the cap changed it at the fen (a capped line otherwise kept its branch label)
        word = {"section-year": "每断面年度", "year": "年度", "section-period": "每断面每期",
                "period": "每期"}[cap.scope]
        head = f"{word}{'下限' if cap.kind == 'minimum' else '上限'} {written(cap.limit)} = "
        fen = "CAST(round_half_up(abs({}), 2) AS DECIMAL(18,2))"
        self.stage([(f"{name}_reason", tpl(
            f"CASE WHEN g.{current} IS NOT NULL AND round_half_up(g.{name}, 2) <> "
            f"round_half_up(g.{current}, 2) THEN :head || "
            f"CAST({fen.format(f'g.{name}_limit')} AS VARCHAR) || '元：由 ' || "
            f"CAST({fen.format(f'g.{current}')} AS VARCHAR) || :change || "
            f"CAST({fen.format(f'g.{name}')} AS VARCHAR) || '元' END",
            head=text(head), change=text("元减至 " if cap.kind == "cap" else "元调整为 "),
        ))])
        self.cap_columns.append((cap, current, name))
        self.plan.add(
            "cap",
            kind=cap.kind,
            per=cap.scope,
            method="running clamp over the "
            "cumulative sum (window): the lines add up to the capped total",
        )
        return name

    def null_reason(self, rule: ast.Rule) -> exp.Expression | None:
        """Why the amount is unknown, where the row can tell: a denominator of the rule (its
        amount or lets, outside loops) that is 0, sections a loop over them lacks, or a control
        measure or read the control lacks."""
        whens: list[tuple[exp.Expression, exp.Expression]] = []
        for d in denominators([x.expr for x in rule.lets] + [rule.amount]):
            if (isinstance(d, ast.Num) and d.value != 0) or (
                    isinstance(d, ast.Call) and d.func == "limit"):
                continue  # never 0
            whens.append((tpl(":d = 0", d=self.cx(d, self.ctx)),
                          text(f"除数为零：{written(d)} = 0")))
        own = [tpl(":m IS NULL", m=self.ctx.measures[n].copy())
               for n in self.own_measures if n in self.ctx.measures]
        own += [twin.copy() for twin in self.own_twins]
        own_missing = (
            tpl("CASE WHEN :x THEN '数据缺失；' ELSE '' END", x=exp.or_(*own))
            if own else text("")
        )
        lacking = [(tpl(":c IS NULL", c=column.copy()), f"control.{name}")
                   for name, column in self.ctx.controls.items()]
        lacking += [(column.copy(), what) for column, what in self.control_loops]
        if self.section_gaps:  # every loop over the sections that misses some, in order
            whens.append((exp.or_(*[tpl(":g IS NOT NULL", g=g.copy()) for g in self.section_gaps]),
                          call("concat_ws", text("；"), *[g.copy() for g in self.section_gaps])))
        for cond, what in lacking:
            whens.append((cond, tpl(
                ":own || CASE WHEN g.control_id IS NULL THEN :none "
                "ELSE '入境对照断面 ' || g.control_id || :missing END",
                own=own_missing.copy(),
                none=text(f"无入境对照断面（{what}）"),
                missing=text(f" 数据缺失（{what}）"),
            )))
        return case(whens) if whens else None

    def reversal(self, e: ast.Expr, ctx: Ctx) -> exp.Expression | None:
        """Whether the branch taken negates its value (None: never), so a zero keeps a direction.

        `-x` reverses payer and payee also when x is 0; a literal 0 or any other expression keeps
        the rule's stated direction. Follows if/table branches, lets and `amount` in exceptions.
        """
        if isinstance(e, ast.Unary) and e.op == "neg":
            inner = self.reversal(e.x, ctx)
            return exp.true() if inner is None else exp.Not(this=exp.Paren(this=inner))
        if isinstance(e, ast.AmountRef):
            return col("a_rev_raw") if ctx.amount is not None else None
        if isinstance(e, ast.Name) and e.name not in ctx.vars and self.rule is not None:
            let = next((x for x in self.rule.lets if x.name == e.name), None)
            return self.reversal(let.expr, ctx) if let is not None else None
        if isinstance(e, ast.If):
            then, other = self.reversal(e.then, ctx), self.reversal(e.other, ctx)
            if then is None and other is None:
                return None
            return if_case(self.cx(e.cond, ctx), then or exp.false(), other or exp.false())
        if isinstance(e, ast.Table):
            parts = [(entry, self.reversal(entry.value, ctx)) for entry in e.entries]
            if all(r is None for _, r in parts):
                return None
            subject = self.cx(e.subject, ctx)
            whens, default = [], exp.false()
            for entry, r in parts:
                if entry.range is None:
                    default = r or exp.false()
                else:
                    whens.append((self.in_range(subject, entry.range, ctx), r or exp.false()))
            return case(whens, default)
        return None

    def branch_columns(self, amount: ast.Expr) -> tuple[exp.Expression, exp.Expression]:
        null = exp.cast(exp.Null(), "VARCHAR")
        if isinstance(amount, ast.Table):
            subject = self.cx(amount.subject, self.ctx)
            whens_b, whens_l = [], []
            default_b, default_l = null, null
            for entry in amount.entries:
                label = text(entry.label) if entry.label else null
                if entry.range is None:
                    default_b, default_l = text("else"), label
                    continue
                cond = self.in_range(subject, entry.range, self.ctx)
                whens_b.append((cond, text(entry.text)))
                whens_l.append((cond, label))
            return case(whens_b, default_b), case(whens_l, default_l)
        if isinstance(amount, ast.If):
            cond = self.cx(amount.cond, self.ctx)
            if amount.then_label is None or amount.other_label is None:
                return if_case(cond, text(f"if {amount.cond_text}"), text("else")), null
            # a labelled if: the ledger's branch is the label, as a table's entry shows its range
            labels = if_case(cond, text(amount.then_label), text(amount.other_label))
            return labels, labels.copy()
        return null, null

    def reason_of(self, x: ast.ExceptClause, ctx: Ctx) -> exp.Expression:
        if isinstance(x.cond, ast.Call) and x.cond.func == "flagged":
            parts = [
                case([(self.cx(ast.Call("flagged", [a]), ctx), text(u.FLAGS[a.name]))])
                for a in x.cond.args
                if isinstance(a, ast.Name)
            ]
            return call("concat_ws", text("、"), *parts)
        return text(x.label)

    def party_sql(self, party: ast.Party) -> exp.Expression:
        if party.kind == "id":
            return text(party.id or "")
        if party.kind == "section":
            return col("party_id")
        return col("control_party_id")

    def values_json(self) -> exp.Expression:
        """Per section and period of the rule's kind, its values and classes as two JSON objects
        in indicator order (a struct `t`), for the trace. One aggregate, a plain list of small
        structs, sorted and written out afterwards (an ordered string_agg per object held every
        group's strings)."""

        def entries(field: str) -> str:
            return (f"CAST('{{' || array_to_string(list_transform(e.l, x -> to_json(x.i) || ':' "
                    f"|| COALESCE(CAST(to_json(CAST(x.{field} AS VARCHAR)) AS VARCHAR), 'null')),"
                    f" ',') || '}}' AS JSON)")

        items = tpl(
            "SELECT v.section_id, v.period, "
            "list_sort(list({'i': v.indicator, 'v': v.value, 'c': v.class})) AS l "
            "FROM ev_values AS v WHERE v.kind = :kind GROUP BY v.section_id, v.period",
            kind=text(self.ctx.kind),
        )
        return tpl(
            f"SELECT e.section_id, e.period, "
            f"{{'values': {entries('v')}, 'classes': {entries('c')}}} AS t FROM :items AS e",
            items=subquery(items),
        )

    def trace_values_table(self) -> exp.Expression:
        """Per cell, the trace's values of its section (and of its control), joined to the final
        rows on the cell number as the last step (the amounts-only query leaves it out)."""
        select = exp.select(col("cell", "c")).from_(
            exp.alias_(exp.to_table("cells"), "c", table=True, copy=False))
        for prefix, side in self.trace_sides:
            alias = f"tv_{side}"
            select = select.select(
                exp.alias_(col("t", alias), f"t_{prefix}values"), copy=False
            ).join(
                exp.alias_(subquery(self.values_json()), alias, table=True, copy=False),
                on=tpl(f"{alias}.section_id = c.{side} AND {alias}.period = c.period_start"),
                join_type="LEFT", copy=False,
            )
        return select

    def trace(self, rule: ast.Rule) -> exp.Expression:
        def obj(pairs: list[tuple[str, exp.Expression]]) -> exp.Expression:
            # keys in sorted order, the one spelling a run stores (no re-sorting pass after it)
            args: list[exp.Expression] = []
            for key, value in sorted(pairs, key=lambda pair: pair[0]):
                args += [text(key), exp.cast(value, "VARCHAR")]
            return call("json_object", *args)

        params = [(n, self.param(n, self.ctx)) for n in sorted(self.params_used)]
        measures = [(n, self.ctx.measures[n]) for n in self.own_measures]
        controls = [(n, c) for n, c in self.ctx.controls.items()]
        lets = [(x.name, self.ctx.lets[x.name]) for x in rule.lets]

        pairs: list[exp.Expression] = [
            text("rule"),
            text(rule.name),
            text("file"),
            text(trace_path(self.scope.file.path)),
            text("line"),
            number(rule.line),
            text("basis"),
            text(rule.basis),
            text("section"),
            col("section_id"),
            text("control"),
            col("control_id"),
            text("period_start"),
            exp.cast(col("period_start"), "VARCHAR"),
            text("param_month"),
            exp.cast(col("param_month"), "VARCHAR"),
            text("params"),
            obj(params),
            text("measures"),
            obj(measures),
            text("control_measures"),
            obj(controls),
            text("lets"),
            obj(lets),
        ]
        if self.section_terms:  # a scheme-level rule: each loop over the sections, term by term
            pairs += [text("sections"), call("json_array", *[
                call("json_object", text("loop"), text(loop), text("terms"),
                     exp.cast(column.copy(), "JSON"))
                for loop, column in self.section_terms])]
        if rule.selector:
            for prefix, _ in self.trace_sides:
                for key in ("values", "classes"):
                    field = exp.Dot(this=col(f"t_{prefix}values", "tv"),
                                    expression=exp.to_identifier(key))
                    pairs += [text(prefix + key), field]
        pairs += [
            text("amount_computed"),
            exp.cast(col("a_raw"), "VARCHAR"),
            text("amount_after_exceptions"),
            exp.cast(col("a_exc"), "VARCHAR"),
            text("amount_signed"),
            exp.cast(col("a"), "VARCHAR"),
            text("branch_label"),
            col("branch_label"),
        ]
        if self.cap_columns:
            # keys in sorted order: a run stores the trace as written (no re-sorting pass)
            pairs += [text("caps"), call("json_array", *[
                call("json_object",
                     text("after"), exp.cast(col(name), "VARCHAR"),
                     text("before"), exp.cast(col(before), "VARCHAR"),
                     text("cap"), text(f"{cap.kind} {written(cap.limit)} per {cap.scope}"),
                     text("limit"), exp.cast(col(f"{name}_limit"), "VARCHAR"))
                for cap, before, name in self.cap_columns
            ])]
        return call("json_object", *pairs)

    def finish(self, rule: ast.Rule) -> tuple[exp.Expression, exp.Expression]:
        if self.pending_lists:  # a loop compiled for the final select: computed before it
            self.stage([])
        split = next((p for p in (rule.payer, rule.payee) if p.kind == "split"), None)
        trace = self.trace(rule)
        missing = "COALESCE(g.a_why, '数据缺失')" if self.has_why else "'数据缺失'"
        caps = "".join(f", g.a_cap{k}_reason" for k in range(len(rule.caps)))
        given = f"NULLIF(concat_ws('；', g.exc_reason{caps}), '')" if caps else "g.exc_reason"
        reason = tpl(
            f"COALESCE({given}, "
            f"CASE WHEN g.a IS NULL THEN {missing} END, "
            "CASE WHEN round_half_up(g.a, 2) = 0 THEN g.branch_label END)"
        )
        # A zero amount keeps the direction of the branch that produced it (`-x` with x = 0).
        negative = tpl("g.a < 0 OR (g.a = 0 AND g.a_rev)" if self.reverses_zero else "g.a < 0")
        if split is None:
            payer, payee = self.party_sql(rule.payer), self.party_sql(rule.payee)
            amount = tpl("CAST(round_half_up(abs(COALESCE(g.a, 0)), 2) AS DECIMAL(18,2))")
            source = exp.alias_(exp.to_table(self.main), "g", table=True, copy=False)
            self.plan.add(
                "route",
                payer=_party_text(rule.payer),
                payee=_party_text(rule.payee),
                negative="reverses payer and payee",
            )
        else:
            n = len(split.shares)
            weights = [tpl("dec_units(:w)", w=self.cx(w, self.ctx)) for w, _ in split.shares]
            targets = [self.party_sql(p) for _, p in split.shares]
            self.stage(
                [
                    ("rid", tpl("row_number() OVER ()")),
                    (
                        "a_fen",
                        tpl("CAST(round_half_up(abs(COALESCE(g.a, 0)), 2) * 100 AS HUGEINT)"),
                    ),
                    ("w_list", exp.Array(expressions=weights)),
                    ("p_list", exp.Array(expressions=targets)),
                ]
            )
            prev = self.main
            shares = tpl(
                "SELECT g.*, sh.k, list_extract(g.p_list, CAST(sh.k AS INTEGER)) AS share_party, "
                "g.a_fen * list_extract(g.w_list, CAST(sh.k AS INTEGER)) // list_sum(g.w_list) "
                "AS base, "
                "g.a_fen * list_extract(g.w_list, CAST(sh.k AS INTEGER)) % list_sum(g.w_list) "
                "AS rem "
                f"FROM {prev} AS g CROSS JOIN range(1, :n) AS sh(k)",
                n=number(n + 1),
            )
            self.main = f"s{len(self.ctes)}"
            self.add_cte(self.main, shares, self.main)
            side = col("share_party")
            payer = side if rule.payer.kind == "split" else self.party_sql(rule.payer)
            payee = side if rule.payee.kind == "split" else self.party_sql(rule.payee)
            amount = tpl(
                "CAST(CAST(g.base + CASE WHEN row_number() OVER (PARTITION BY g.rid ORDER BY"
                " g.rem DESC, "
                "g.k) <= g.a_fen - sum(g.base) OVER (PARTITION BY g.rid) THEN 1 ELSE 0 END A"
                "S DECIMAL(18,0))"
                " * CAST(0.01 AS DECIMAL(18,2)) AS DECIMAL(18,2))"
            )
            source = exp.alias_(exp.to_table(self.main), "g", table=True, copy=False)
            self.plan.add(
                "route",
                payer=_party_text(rule.payer),
                payee=_party_text(rule.payee),
                split=f"{n} shares, largest remainder to the fen",
                negative="reverses payer and payee",
            )
        rows = (
            exp.select(
                col("scenario"),
                exp.alias_(text(rule.name), "rule", copy=False),
                col("period_start"),
                col("period_end"),
                col("section_id"),
                exp.alias_(case([(negative, payee)], payer), "payer", copy=False),
                exp.alias_(case([(negative, payer)], payee), "payee", copy=False),
                exp.alias_(amount, "amount", copy=False),
                col("branch"),
                exp.alias_(col("exc_label"), "exception", copy=False),
                exp.alias_(reason, "reason", copy=False),
            )
            .from_(source, copy=False)
            .where(col("in_window"), copy=False)
        )
        # the same rows without the trace (NULL), for readers of amounts only: DuckDB does not
        # drop an unread correlated subquery or join, so the trace's values would be computed
        amounts = rows.copy().select(tpl("CAST(NULL AS JSON) AS trace"), copy=False)
        select = rows.select(exp.alias_(exp.cast(trace, "JSON"), "trace", copy=False), copy=False)
        if self.trace_sides:
            select = select.join(
                exp.alias_(subquery(self.trace_values_table()), "tv", table=True, copy=False),
                on=tpl("tv.cell = g.cell"),
                join_type="LEFT", copy=False,
            )
        for name, cte in self.ctes:
            materialized = name in self.materialized or None
            amounts = amounts.with_(name, as_=cte.copy(), materialized=materialized, copy=False)
            select = select.with_(name, as_=cte, materialized=materialized, copy=False)
        return select, amounts


def denominators(exprs: list[ast.Expr]) -> list[ast.Expr]:
    """The denominators of divisions a row can evaluate (not inside loops, so-far, spread,
    year ranges or previous/baseline), each once, in the order written."""
    found: dict[str, ast.Expr] = {}

    def row_value(e: object) -> bool:
        if isinstance(e, ast.Comprehension | ast.SoFar | ast.Spread | ast.YearRange
                      | ast.AmountRef) or (
                isinstance(e, ast.Call) and e.func in ("previous", "baseline")):
            return False
        return all(row_value(v) for v in ast.children(e))

    def walk(e: object) -> None:
        if not row_value(e) and not isinstance(e, ast.Binary | ast.Unary | ast.If | ast.Table):
            return
        if isinstance(e, ast.Binary) and e.op == "div" and row_value(e.right):
            found.setdefault(written(e.right), e.right)
        for child in ast.children(e):
            walk(child)

    for e in exprs:
        walk(e)
    return list(found.values())


def sections_loops(exprs: list[ast.Expr]) -> list[ast.Comprehension]:
    """The loops over the sections that a row evaluates (not inside another loop), each once."""
    found: list[ast.Comprehension] = []
    for node in ast.walk(exprs, skip=lambda n: elsewhere(n) and not is_sections_loop(n)):
        if is_sections_loop(node) and node not in found:
            assert isinstance(node, ast.Comprehension)
            found.append(node)
    return found


def trace_path(path: str) -> str:
    """The rule file as traces name it, the same on every machine: relative to the parent of the
    nearest enclosing `rules` folder (`rules/tongshun.rule`), else the bare file name."""
    parts = Path(path).resolve().parts
    if "rules" in parts[:-1]:
        start = len(parts) - 1 - parts[:-1][::-1].index("rules") - 1
        return "/".join(parts[start:])
    return Path(path).name


def _party_text(p: ast.Party) -> str:
    if p.kind == "id":
        return p.id or ""
    if p.kind == "split":
        return "split(" + ", ".join(_party_text(t) for _, t in p.shares) + ")"
    return f"{p.kind}.party"
