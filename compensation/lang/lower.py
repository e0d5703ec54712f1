"""Expression lowering: a checked syntax-tree expression → a sqlglot expression over a rule's rows.

`RuleCompiler.cx` lowers one expression in a context (`Ctx`: which section, period and names are
bound); lookups of the store read the `ev_*` tables that runtime.prepare_run creates. A row-level
loop over a list is left pending (`pending_lists`) for the planner to compute as a stage of its own,
as are spreads and running aggregates (`pending_spreads`, `pending_so_far`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlglot import exp

from compensation.lang import ast
from compensation.lang import units as u
from compensation.lang.loops import (
    COMPREHENSION_AGG,
    PendingList,
)
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
    """Lowers the expressions of one rule; what must become a stage of its own (a row-level
    loop, a spread, a running aggregate) is left pending for the planner."""

    def __init__(self, scope: Scope, rule: ast.Rule | None, selector: str | None) -> None:
        self.scope = scope
        self.rule = rule
        self.selector = selector
        self.n = 0
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
            d, b = self.alias("d"), self.alias("b")
            return subquery(
                tpl(
                    "SELECT count(*) FROM (SELECT count(*) AS len FROM ("
                    f"SELECT {d}.day - CAST(row_number() OVER (ORDER BY {d}.day) AS INTEGER)"
                    " AS grp "
                    f"FROM ev_daily AS {d} JOIN gb3838_bounds AS {b} "
                    f"ON {b}.indicator = {d}.indicator AND {b}.water_body = :wb "
                    f"WHERE {d}.section_id = :sec AND {d}.indicator = :ind "
                    f"AND {d}.day BETWEEN :a AND :b AND {d}.valid "
                    f"AND class_of_limits({d}.value, {b}.direction, {b}.limits, {b}.limit_high)"
                    " > :k) GROUP BY grp) "
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
