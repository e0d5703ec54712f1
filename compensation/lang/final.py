"""`FinalStage`: the end of a rule's plan: why an amount is unknown, which direction a zero keeps,
the branch and exception reasons, the trace JSON, and the routing to payer and payee (a split's
shares by largest remainder to the fen) in the final projection (`plan.Final`)."""

from __future__ import annotations

from pathlib import Path

from sqlglot import exp

from compensation.lang import ast
from compensation.lang import units as u
from compensation.lang.chain import StageChain
from compensation.lang.lower import Ctx
from compensation.lang.plan import Final
from compensation.lang.sql import call, case, col, if_case, number, text, tpl
from compensation.lang.written import written


class FinalStage(StageChain):
    """Reasons, reversal, trace and routing of one rule."""

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

    def trace_values_table(self) -> exp.Expression:
        """Per cell, the trace's values of its section (and of its control), joined to the final
        rows on the cell number as the last step (the amounts-only query leaves it out). The
        values are prepare_run's `ev_trace_values`, so that a run builds them once for all rules."""
        select = exp.select(col("cell", "c")).from_(
            exp.alias_(exp.to_table("cells"), "c", table=True, copy=False))
        for prefix, side in self.trace_sides:
            alias = f"tv_{side}"
            select = select.select(
                exp.alias_(col("t", alias), f"t_{prefix}values"), copy=False
            ).join(
                exp.alias_(exp.to_table("ev_trace_values"), alias, table=True, copy=False),
                on=tpl(f"{alias}.kind = :kind AND {alias}.section_id = c.{side} "
                       f"AND {alias}.period = c.period_start", kind=text(self.ctx.kind)),
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

    def finish(self, rule: ast.Rule) -> None:
        """The plan's final projection (`plan.final`), after a split's stages when it has one."""
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
            routing = {"payer": party_text(rule.payer), "payee": party_text(rule.payee),
                       "negative": "reverses payer and payee"}
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
                ], "shares"
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
            self.main = self.next_name()
            self.add_stage(self.main, "shares", shares, self.main, prev,
                           columns=["k", "share_party", "base", "rem"])
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
            routing = {"payer": party_text(rule.payer), "payee": party_text(rule.payee),
                       "split": f"{n} shares, largest remainder to the fen",
                       "negative": "reverses payer and payee"}
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
        values = self.trace_values_table() if self.trace_sides else None
        self.plan.final = Final(rows, trace, values, routing,
                                tuple(side for _, side in self.trace_sides))


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


def trace_path(path: str) -> str:
    """The rule file as traces name it, the same on every machine: relative to the parent of the
    nearest enclosing `rules` folder (`rules/tongshun.rule`), else the bare file name."""
    parts = Path(path).resolve().parts
    if "rules" in parts[:-1]:
        start = len(parts) - 1 - parts[:-1][::-1].index("rules") - 1
        return "/".join(parts[start:])
    return Path(path).name


def party_text(p: ast.Party) -> str:
    if p.kind == "id":
        return p.id or ""
    if p.kind == "split":
        return "split(" + ", ".join(party_text(t) for _, t in p.shares) + ")"
    return f"{p.kind}.party"
