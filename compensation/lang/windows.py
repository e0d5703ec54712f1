"""`WindowStages`: the stages of a rule's windows: `spread(...)` (largest remainder to the fen,
once per representative scenario with spread_shared), `so_far(...)` (a running aggregate over the
partition's periods) and caps (a running clamp of the amount, with the reason it gives)."""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from compensation.lang import ast
from compensation.lang.chain import PARTITIONS, StageChain
from compensation.lang.plan import PassUse
from compensation.lang.sql import case, col, exact, number, text, tpl
from compensation.lang.written import written


class WindowStages(StageChain):
    """Spreads, running aggregates and caps, each as stages of the rule's chain."""

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
        self.stage([(c, exact(value) if sf.func == "sum" else value)], "so_far")
        self.plan.note(
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
            self.plan.passes.append(PassUse("spread_shared", self.main, f"spread {c}"))
            method = ("largest remainder to the fen, once per year and distinct values of the "
                      "parameters it reads (scenarios with the same values share it)")
        self.plan.note(
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
        self.add_stage(f"{c}_cls", "spread_shared", tpl(
            "SELECT p.scenario, y.year_start, "
            f"LIST(ROW({values}) ORDER BY p.param_month) AS k FROM prm AS p "
            "JOIN (SELECT DISTINCT param_month, year_start FROM cells) AS y "
            "ON y.param_month = p.param_month GROUP BY p.scenario, y.year_start"), f"{c}_cls",
            "prm", columns=["k"])
        self.add_stage(f"{c}_rep", "spread_shared", tpl(
            "SELECT scenario, year_start, MIN(scenario) OVER (PARTITION BY year_start, k) AS rep "
            f"FROM {c}_cls"), f"{c}_rep", f"{c}_cls", materialized=True, columns=["rep"])
        self.add_stage(f"{c}_in", "spread_shared", tpl(
            f"SELECT g.* FROM grid AS g JOIN {c}_rep AS r ON r.scenario = g.scenario "
            "AND r.year_start = g.year_start WHERE r.rep = r.scenario"), "grid", "grid")
        last = self.spread_windows(f"{c}_in", c, scope, total, weight)
        name = self.next_name()
        self.add_stage(name, "spread", tpl(
            f"SELECT g.*, o.{c} FROM {self.main} AS g JOIN {c}_rep AS r "
            "ON r.scenario = g.scenario AND r.year_start = g.year_start "
            f"JOIN (SELECT scenario, cell, {c} FROM {last}) AS o "
            "ON o.scenario = r.rep AND o.cell = g.cell"), self.root_of(self.main), self.main,
            columns=[c])
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
        ], "spread")
        prev = self.append_plain(prev, [
            (
                f"{c}_base",
                tpl(f"g.{c}_f * g.{c}_w // NULLIF(sum(g.{c}_w) OVER (PARTITION BY {part}), 0)"),
            ),
            (
                f"{c}_rem",
                tpl(f"g.{c}_f * g.{c}_w % NULLIF(sum(g.{c}_w) OVER (PARTITION BY {part}), 0)"),
            ),
        ], "spread")
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
        ], "spread")

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
        self.stage([(name, exact(value)), (f"{name}_limit", limit.copy())], "cap")
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
        ))], "cap")
        self.cap_columns.append((cap, current, name))
        self.plan.note(
            "cap",
            kind=cap.kind,
            per=cap.scope,
            method="running clamp over the "
            "cumulative sum (window): the lines add up to the capped total",
        )
        return name

