"""Checking a rule file before it runs: names, units, interval tables, parameter dates, exceptions,
measure cycles. Every finding is a Diagnostic with file:line:col, a caret and a sentence."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from compensation.errors import EcocompError, RuleError
from compensation.lang import ast
from compensation.lang import units as u
from compensation.lang.diagnostics import Diagnostic, make
from compensation.lang.parse import parse_file
from compensation.lang.scope import (
    BUILTIN_NAMES,
    PERIOD_WORDS,
    SECTIONS_SOURCE,
    Scope,
    decimal_text,
    is_flag,
    month_index,
    month_text,
)
from compensation.lang.selection import (
    ALLOWED_WORDS,
    ATTRIBUTES,
    attribute_written,
    fixed_value_problem,
    named_values,
    not_in_registry,
)
from compensation.lang.units import Unit
from compensation.lang.volumes import BASES
from compensation.lang.written import written

AGGREGATES = {"sum", "mean", "max", "min", "count", "all", "any"}
# the functions that read a section's data: `control.f(...)` reads the same on the control section,
# and a scheme-level rule (no row's section) reads them only inside `for s in sections`
SECTION_READERS = {"value", "highest", "class", "exceed", "limit", "worst_class", "missing",
                   "flagged", "runs", "volume"}
IN_SECTIONS = "__sections__"  # in `local`: inside a loop over the sections
ANY_UNIT = Unit("unknown")  # after an error: suppresses follow-up errors


class Checker:
    """Walks one parsed file and collects (node, message) findings."""

    def __init__(self, rf: ast.RuleFile) -> None:
        self.rf = rf
        self.scope = Scope.build(rf)
        self.errors: list[tuple[ast.Node, str]] = list(self.scope.errors)
        self.warnings: list[tuple[ast.Node, str]] = []  # not errors: the file still runs
        self.rule: ast.Rule | None = None
        self.measure_units: dict[str, Unit] = {}
        self.let_units: dict[str, Unit] = {}  # a let's unit in the first rule that has it
        self.in_exception = False

    def err(self, node: ast.Node, message: str) -> None:
        self.errors.append((node, message))

    # ---- entry point
    def run(self) -> list[tuple[ast.Node, str]]:
        self.check_header()
        self.check_param_dates()
        cyclic = self.check_cycles()
        for m in self.rf.measures:
            if m.name not in cyclic:
                self.measure_unit(m.name, set())
        for rule in self.rf.rules:
            self.rule = rule
            self.check_rule(rule)
        self.rule = None
        self.check_shows(cyclic)
        return self.errors

    # ---- what the bulletin shows (`bulletin index|class|target|rank NAME`)
    def check_shows(self, cyclic: set[str]) -> None:
        seen: set[str] = set()
        for show in self.rf.shows:
            if show.role in seen:
                self.err(show, f"通报声明 bulletin {show.role} 只能写一次。(declared twice)")
            seen.add(show.role)
            unit, what = self.shown_unit(show, cyclic)
            if unit is None:
                self.err(show, f"通报声明 bulletin {show.role} 的“{show.name}”应为{what}，"
                               "但方案中没有这样的名称。(unknown name)")
            elif show.role in ("class", "target") and unit.kind != "class":
                self.err(show, f"通报声明 bulletin {show.role} 的“{show.name}”应为水质类别，"
                               f"而不是{unit.describe()}。(a class is expected)")
            elif show.role in ("index", "rank") and unit.kind != "number":
                self.err(show, f"通报声明 bulletin {show.role} 的“{show.name}”应为数值，"
                               f"而不是{unit.describe()}。(a number is expected)")

    def shown_unit(self, show: ast.Show, cyclic: set[str]) -> tuple[Unit | None, str]:
        """The unit of the name a `bulletin` line declares, and what kind of name it must be."""
        measure = (self.measure_units.get(show.name)
                   if show.name in self.scope.measures and show.name not in cyclic else None)
        if show.role == "target":
            info = self.scope.params.get(show.name)
            return (info.unit if info else None), "参数（parameter）"
        if show.role == "rank":
            return measure or self.let_units.get(show.name), "度量（measure）或规则中的 let"
        return measure, "度量（measure）"

    def check_header(self) -> None:
        h = self.rf.header
        if h.start is None:
            self.err(
                h, f"方案“{h.id}”缺少起始年月（from 2018-01）。(the scheme needs a start month)"
            )
        for text in (h.start, h.end):
            if text and not 1 <= int(text[5:]) <= 12:
                self.err(h, f"“{text}”不是有效的年月。(not a valid month)")
        if not 1 <= h.year_begins <= 12:
            self.err(h, f"协议年的起始月份应为1—12，而不是 {h.year_begins}。(year begins 1..12)")
        if not h.parties:
            self.err(h, "方案缺少当事方（parties A <-> B）。(the scheme needs its parties)")

    # ---- parameters valid at every month of the span
    def check_param_dates(self) -> None:
        start = self.rf.header.start
        if start is None:
            return
        span_start = month_index(start)
        span_end = month_index(self.rf.header.end) if self.rf.header.end else None
        for info in self.scope.params.values():
            values = info.decl.values
            for dv, pv in info.values:
                if not (u.same(pv.unit, info.unit) and pv.unit.kind == info.unit.kind):
                    self.err(
                        dv,
                        f"参数“{info.name}”的各期取值单位不一致：应为{info.unit.describe()}，"
                        f"这里是{pv.unit.describe()}。(dated values differ in unit)",
                    )
                if pv.txt is not None and info.variants and pv.txt not in info.variants:
                    self.err(
                        dv,
                        f"参数“{info.name}”的取值“{pv.txt}”不在允许的选项 "
                        f"{' | '.join(info.variants)} 之中。(value is not an allowed variant)",
                    )
                if pv.lst is not None:
                    for code in pv.lst:
                        if code not in u.indicator_units():
                            self.err(
                                dv,
                                f"参数“{info.name}”的列表中有未知的指标代码“{code}”。"
                                f"(unknown indicator {code})",
                            )
            covered_to = span_start - 1
            for i, dv in enumerate(values):
                first = month_index(dv.start)
                if i > 0 and first <= month_index(values[i - 1].start):
                    self.err(
                        dv,
                        f"参数“{info.name}”的取值应按起始年月先后排列："
                        f"{dv.start} 不晚于上一个取值的"
                        f" {values[i - 1].start}。(dated values out of order)",
                    )
                    return
                if i > 0 and values[i - 1].until and first <= month_index(values[i - 1].until):
                    # a run reads one value per month (scaffold's pivot of ev_params)
                    self.err(
                        dv,
                        f"参数“{info.name}”的取值 {dv.start} 起与上一个取值（至"
                        f" {values[i - 1].until}）重叠，同一月份只能有一个取值。"
                        "(dated values overlap)",
                    )
                    return
                if first > covered_to + 1 and (span_end is None or covered_to < span_end):
                    gap_to = month_text(first - 1)
                    self.err(
                        dv,
                        f"参数“{info.name}”在 {month_text(covered_to + 1)} 至 {gap_to} "
                        f"没有取值（方案从 {start} 开始），这些月份无法核算。"
                        f"(parameter {info.name} has no value for some months)",
                    )
                covered_to = max(covered_to, month_index(dv.until)) if dv.until else 10**9
            if values and covered_to < 10**9 and (span_end is None or covered_to < span_end):
                self.err(
                    values[-1],
                    f"参数“{info.name}”在 {month_text(covered_to)} 之后没有取值，"
                    "而方案没有在此结束。(parameter has no value after its last date)",
                )

    # ---- measures: cycles and units
    def check_cycles(self) -> set[str]:
        deps = {
            name: set(self.names_in(m.expr)) & set(self.scope.measures)
            for name, m in self.scope.measures.items()
        }
        cyclic: set[str] = set()
        for name in deps:
            path = self.find_cycle(name, deps, [name])
            if path and name not in cyclic:
                cyclic.update(path)
                chain = " → ".join(path + [path[0]])
                self.err(
                    self.scope.measures[name],
                    f"度量之间存在循环引用：{chain}；度量不能直接或间接引用自身。"
                    f"(measures form a cycle: {chain})",
                )
        return cyclic

    def find_cycle(
        self, start: str, deps: dict[str, set[str]], path: list[str]
    ) -> list[str] | None:
        for nxt in sorted(deps[path[-1]]):
            if nxt == start:
                return path
            if nxt not in path:
                found = self.find_cycle(start, deps, path + [nxt])
                if found:
                    return found
        return None

    def names_in(self, expr: object) -> Iterable[str]:
        for node in ast.walk(expr):
            if isinstance(node, ast.Name | ast.ControlRef):
                yield node.name

    def measure_unit(self, name: str, visiting: set[str]) -> Unit:
        if name in self.measure_units:
            return self.measure_units[name]
        if name in visiting:
            return ANY_UNIT
        visiting.add(name)
        saved, self.rule = self.rule, None
        unit = self.infer(self.scope.measures[name].expr, {}, visiting)
        self.rule = saved
        self.measure_units[name] = unit
        return unit

    # ---- rules
    def check_rule(self, rule: ast.Rule) -> None:
        local: dict[str, Unit] = {}
        if rule.where is not None:
            self.check_where(rule.where)
        for let in rule.lets:
            if let.name in local or self.scope.kind_of(let.name, {}) in ("param", "measure"):
                self.err(let, f"名称“{let.name}”已被使用，let 需要一个新名称。(name already used)")
            local[let.name] = self.infer(let.expr, dict(local), set())
            self.let_units.setdefault(let.name, local[let.name])
        self.check_party(rule.payer, rule)
        self.check_party(rule.payee, rule)
        amount = self.infer(rule.amount, dict(local), set())
        self.expect_money(rule.amount, amount, "规则的金额")
        local_amount = dict(local)
        self.in_exception = True
        seen: list[ast.ExceptClause] = []
        for exc in rule.exceptions:
            cond = self.infer(exc.cond, local_amount, set())
            if cond.kind != "bool":
                self.err(
                    exc.cond,
                    f"例外“{exc.label}”的条件应为真/假判断，这里是{cond.describe()}。"
                    "(an exception needs a condition)",
                )
            value = self.infer(exc.value, local_amount, set())
            self.expect_money(exc.value, value, f"例外“{exc.label}”的金额")
            self.check_exception_order(exc, seen)
            seen.append(exc)
        self.in_exception = False
        for cap in rule.caps:
            unit = self.infer(cap.limit, local, set())
            self.expect_money(cap.limit, unit, "上限（cap）")
            if cap.scope.startswith("section") and rule.selector is None:
                self.err(
                    cap,
                    f"“per {cap.scope}”需要按断面核算的规则（for each section, ...）。"
                    "(a section cap needs a rule over sections)",
                )

    def check_where(self, where: ast.Expr) -> None:
        """`for each section where …` selects by the registry only (the code and attributes):
        the rows a rule has must not depend on data or parameters."""
        self.expect_bool(where, self.infer(where, {}, set()))
        stack: list[ast.Node] = [where]
        wrong: list[ast.Node] = []
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Compare | ast.Unary) or (
                isinstance(node, ast.Binary) and node.op in ("and", "or")
            ):
                stack += ast.children(node)
            elif not (isinstance(node, ast.SectionRef | ast.Str) or isinstance(node, ast.Name)
                      and self.scope.kind_of(node.name, {}) in ("party", None)):  # None: told
                wrong.append(node)
        if wrong:
            self.err(
                min(wrong, key=lambda n: (n.line, n.col)),
                f"“for each … section where”只能按断面编号和名录属性选择（{ALLOWED_WORDS}，"
                "与带引号的文字或当事方编号比较，可用 and、or、not 连接）；按监测值或参数的"
                "条件请写在金额或例外中。(where selects by the registry only)",
            )

    def infer_section_ref(self, e: ast.SectionRef, local: dict[str, Unit]) -> Unit:
        if e.attr not in ATTRIBUTES:
            self.err(
                e,
                f"“{attribute_written(e.attr)}”不是断面的名录属性；可用：{ALLOWED_WORDS}。"
                f"(unknown section attribute {e.attr})",
            )
            return ANY_UNIT
        if self.rule is not None and self.rule.selector is None and IN_SECTIONS not in local:
            self.err(
                e,
                f"“{attribute_written(e.attr)}”只能用在按断面核算的规则中（或 for s in sections "
                "之内）。(needs a section rule)",
            )
        return ATTRIBUTES[e.attr][1]

    def check_section_value(self, e: ast.Compare) -> None:
        for a, b in ((e.left, e.right), (e.right, e.left)):
            if isinstance(a, ast.SectionRef) and isinstance(b, ast.Str):
                problem = fixed_value_problem(a.attr, b.text)
                if problem is not None:
                    self.err(b, problem)

    def expect_money(self, node: ast.Node, unit: Unit, what: str) -> None:
        if unit.kind == "unknown" or unit.kind == "number" and (unit.zero or unit.is_money):
            return
        self.err(
            node,
            f"{what}应为金额（如 50万、100元），这里算出的是{unit.describe()}。"
            "(an amount must be money)",
        )

    def check_party(self, party: ast.Party, rule: ast.Rule) -> None:
        declared = {p.id for p in self.rf.header.parties if p.kind == "id"}
        if party.kind == "id" and party.id not in declared:
            self.err(
                party,
                f"付款方/收款方“{party.id}”不在方案的当事方（parties）中；已声明的有："
                f"{'、'.join(sorted(declared)) or '无'}。(unknown party {party.id})",
            )
        if party.kind in ("section", "control") and rule.selector is None:
            self.err(
                party, f"“{party.kind}.party”只能用在按断面核算的规则中。(needs a section rule)"
            )
        if party.kind == "split":
            for weight, target in party.shares:
                unit = self.infer(weight, {}, set())
                if unit.kind != "number" or unit.dims != (0, 0, 0, 0):
                    self.err(
                        weight, f"分摊比例应为百分数或份数，这里是{unit.describe()}。(a share)"
                    )
                self.check_party(target, rule)

    def check_exception_order(self, exc: ast.ExceptClause, seen: list[ast.ExceptClause]) -> None:
        key = condition_key(exc.cond)
        for earlier in seen:
            if earlier.label == exc.label:
                self.err(
                    exc,
                    f"例外“{exc.label}”与第 {earlier.line} 行的例外重名，无法区分。"
                    "(two exceptions with the same label)",
                )
                return
            same = condition_key(earlier.cond) == key
            covered = same or flags_cover(earlier.cond, exc.cond)
            if not covered:
                continue
            if same and condition_key(earlier.value) != condition_key(exc.value):
                self.err(
                    exc,
                    f"例外“{exc.label}”与第 {earlier.line} 行的例外“{earlier.label}”条件相同"
                    "而金额不同，两者冲突；按顺序只有前者会生效。(conflicting exceptions)",
                )
            else:
                self.err(
                    exc,
                    f"例外“{exc.label}”永远不会生效：第 {earlier.line} 行的例外“{earlier.label}”"
                    "已覆盖它的条件，而先匹配的例外优先。(unreachable exception)",
                )
            return

    # ---- expressions: infer the unit, report errors on the way
    def infer(self, e: ast.Expr, local: dict[str, Unit], visiting: set[str]) -> Unit:  # noqa: C901
        if isinstance(e, ast.Num):
            try:
                u.literal_value(e)
            except EcocompError as err:
                self.err(e, str(err))
            if e.unit is None:
                return Unit(zero=e.value == 0)
            return u.LITERAL_UNITS[e.unit][0]
        if isinstance(e, ast.Str):
            return u.TEXT
        if isinstance(e, ast.ClassLit):
            return u.CLASS
        if isinstance(e, ast.AmountRef):
            if not self.in_exception:
                self.err(
                    e,
                    "“amount”只能在例外（except）中使用，表示例外之前算出的金额。"
                    "(amount outside except)",
                )
            return u.MONEY
        if isinstance(e, ast.Name):
            return self.infer_name(e, local, visiting)
        if isinstance(e, ast.SectionRef):
            return self.infer_section_ref(e, local)
        if isinstance(e, ast.ControlRef):
            if e.name not in self.scope.measures:
                self.err(
                    e,
                    f"“control.{e.name}”中的“{e.name}”不是已定义的度量（measure）。"
                    f"(control.{e.name}: unknown measure)",
                )
                return ANY_UNIT
            if self.outside_sections(local):
                self.err(e, "“control.”只能用在按断面核算的规则中。(control needs a section rule)")
            return self.measure_unit(e.name, visiting)
        if isinstance(e, ast.ControlCall):
            return self.infer_control_call(e, local, visiting)
        if isinstance(e, ast.ListLit):
            for item in e.items:
                if not (isinstance(item, ast.Name) and item.name in u.indicator_units()):
                    self.err(
                        item, "列表中应为指标代码（如 COD, NH3N, TP）。(a list holds indicators)"
                    )
            return u.INDICATORS
        if isinstance(e, ast.Unary):
            x = self.infer(e.x, local, visiting)
            if e.op == "not":
                self.expect_bool(e.x, x)
                return u.BOOL
            if x.kind != "number":
                self.err(e, f"负号只能用于数值，这里是{x.describe()}。(minus needs a number)")
            return x
        if isinstance(e, ast.Binary):
            return self.infer_binary(e, local, visiting)
        if isinstance(e, ast.Compare):
            a, b = self.infer(e.left, local, visiting), self.infer(e.right, local, visiting)
            if e.words and a.kind != "class":
                self.err(
                    e, f"“{e.words}”用于比较水质类别，这里左边是{a.describe()}。(needs classes)"
                )
            if not u.same(a, b) and not (a.kind == "variant" and b.kind == "variant"):
                self.err(
                    e,
                    f"不能比较{a.describe()}与{b.describe()}：单位不同。(cannot compare "
                    "values of different units)",
                )
            elif a.kind in ("text", "party") and e.op not in ("=", "!="):
                self.err(e, f"{a.describe()}只能用 = 或 != 比较。(only = and != for names)")
            self.check_section_value(e)
            return u.BOOL
        if isinstance(e, ast.InRange):
            x = self.infer(e.x, local, visiting)
            self.check_range(e.range, x, local, visiting)
            return u.BOOL
        if isinstance(e, ast.If):
            self.expect_bool(e.cond, self.infer(e.cond, local, visiting))
            a, b = self.infer(e.then, local, visiting), self.infer(e.other, local, visiting)
            if not u.same(a, b):
                self.err(
                    e, f"if 的两个结果单位不同：{a.describe()} 与 {b.describe()}。(branches differ)"
                )
            return b if a.zero else a
        if isinstance(e, ast.Table):
            return self.infer_table(e, local, visiting)
        if isinstance(e, ast.Call):
            return self.infer_call(e, local, visiting)
        if isinstance(e, ast.Comprehension):
            return self.infer_comprehension(e, local, visiting)
        if isinstance(e, ast.Spread):
            if "__comprehension__" in local:
                self.err(e, "spread(...) 不能写在列表推导式内部。(spread inside a comprehension)")
            if self.rule is None:
                self.err(
                    e, "spread(...) 只能用在规则中，不能用在度量中。(spread belongs in a rule)"
                )
            total = self.infer(e.total, local, visiting)
            if e.weight is not None:
                w = self.infer(e.weight, local, visiting)
                if w.kind != "number":
                    self.err(
                        e.weight, f"权重应为数值，这里是{w.describe()}。(weight must be a number)"
                    )
            return total
        if isinstance(e, ast.SoFar):
            return self.infer_so_far(e, local, visiting)
        if isinstance(e, ast.YearRange):
            if e.func != "baseline":
                self.err(
                    e, f"“{e.func}(x, 年..年)”不是已知的函数；应为 baseline。(unknown function)"
                )
            if e.first > e.last:
                self.err(e, f"基准年份范围 {e.first}..{e.last} 的起始年晚于结束年。(empty range)")
            return self.infer(e.arg, local, visiting)
        raise AssertionError(type(e))

    def expect_bool(self, node: ast.Node, unit: Unit) -> None:
        if unit.kind not in ("bool", "unknown"):
            self.err(node, f"这里应为真/假条件，而不是{unit.describe()}。(a condition is expected)")

    def infer_name(self, e: ast.Name, local: dict[str, Unit], visiting: set[str]) -> Unit:
        kind = self.scope.kind_of(e.name, local)
        if kind == "local":
            return local[e.name]
        if kind == "measure":
            if self.outside_sections(local) and self.reads_section(e.name):
                self.err(e, (
                    f"度量“{e.name}”是断面上的值，方案级规则（for each …）没有“本断面”，"
                    f"须通过对各断面的汇总读取，如 mean({e.name} for s in sections)。"
                    "(a scheme-level rule reads a section's measure through a loop over sections)"))
            return self.measure_unit(e.name, visiting)
        if kind == "param":
            return self.scope.params[e.name].unit
        if kind == "builtin":
            return u.TIME
        if kind == "variant":
            return u.VARIANT
        if kind == "indicator":
            return u.INDICATOR
        if kind == "sections":
            return u.SECTION
        if kind == "party":
            return u.PARTY
        self.err(e, self.unknown_name_message(e.name, local))
        return ANY_UNIT

    def unknown_name_message(self, name: str, local: dict[str, Unit]) -> str:
        known = sorted(
            set(self.scope.params)
            | set(self.scope.measures)
            | {k for k in local if not k.startswith("__")}
            | set(BUILTIN_NAMES)
        )
        close = [k for k in known if k.lower().startswith(name.lower()[:3])]
        hint = f"是否想写“{close[0]}”？" if close else ""
        return f"未知的名称“{name}”：它不是参数、度量、let 或指标代码。{hint}(unknown name {name})"

    def infer_binary(self, e: ast.Binary, local: dict[str, Unit], visiting: set[str]) -> Unit:
        a, b = self.infer(e.left, local, visiting), self.infer(e.right, local, visiting)
        if "unknown" in (a.kind, b.kind):
            return u.BOOL if e.op in ("and", "or") else ANY_UNIT
        if e.op in ("and", "or"):
            self.expect_bool(e.left, a)
            self.expect_bool(e.right, b)
            return u.BOOL
        if e.op in ("add", "sub"):
            if a.kind == "class" and b.kind == "class" and e.op == "sub":
                return u.RATIO  # class steps
            if a.kind != "number" or b.kind != "number" or not u.same(a, b):
                word = "加" if e.op == "add" else "减"
                self.err(
                    e,
                    f"单位错误：不能把{a.describe()}与{b.describe()}相{word}。"
                    "(unit error: cannot add or subtract different units)",
                )
                return ANY_UNIT
            return b if a.zero else a
        if a.kind != "number" or b.kind != "number":
            self.err(e, f"单位错误：{a.describe()}与{b.describe()}不能相乘除。(unit error)")
            return ANY_UNIT
        if e.op == "mul" and a.is_money and b.is_money:
            self.err(
                e, "单位错误：金额乘以金额没有意义（万元 × 万元）。(unit error: money × money)"
            )
            return ANY_UNIT
        if e.op == "div" and self.can_be_zero(e.right):
            den = written(e.right)
            self.warnings.append((e.right, (
                f"警告：分母 {den} 可能为 0；为 0 时除法没有结果，该行金额记为 0。"
                "(warning: the denominator can be zero)")))
        result = u.multiply(a, b) if e.op == "mul" else u.divide(a, b)
        if a.zero and e.op == "mul":
            return Unit(zero=True)
        return result

    def can_be_zero(self, e: ast.Expr) -> bool:
        """Whether a denominator may be 0: anything but a non-zero constant (a parameter
        non-zero in every version), a standard limit, or a product or negation of those."""
        if isinstance(e, ast.Call) and e.func == "limit":
            return False
        if isinstance(e, ast.Unary) and e.op == "neg":
            return self.can_be_zero(e.x)
        if isinstance(e, ast.Binary) and e.op in ("mul", "div"):
            return self.can_be_zero(e.left) or (e.op == "mul" and self.can_be_zero(e.right))
        if isinstance(e, ast.Name) and e.name in self.scope.params:
            return any(pv.num is None or pv.num == 0 for _, pv in self.scope.params[e.name].values)
        if isinstance(e, ast.Num):
            return e.value == 0
        return True

    def infer_table(self, e: ast.Table, local: dict[str, Unit], visiting: set[str]) -> Unit:
        subject = self.infer(e.subject, local, visiting)
        result: Unit | None = None
        for entry in e.entries:
            if entry.range is not None:
                self.check_range(entry.range, subject, local, visiting)
            value = self.infer(entry.value, local, visiting)
            if result is None or result.zero:
                result = value
            elif not u.same(result, value):
                self.err(
                    entry.value,
                    f"区间表各分支的结果单位应一致：前面是{result.describe()}，"
                    f"这里是{value.describe()}。(table branches differ in unit)",
                )
        self.check_coverage(e, subject)
        return result or ANY_UNIT

    def check_range(
        self, r: ast.Range, subject: Unit, local: dict[str, Unit], visiting: set[str]
    ) -> None:
        for bound in (r.lo, r.hi):
            if bound is None:
                continue
            unit = self.infer(bound, local, visiting)
            if not u.same(unit, subject) and unit is not ANY_UNIT and subject is not ANY_UNIT:
                self.err(
                    bound,
                    f"区间端点的单位（{unit.describe()}）与被比较的值（{subject.describe()}）"
                    "不一致。(interval bound has the wrong unit)",
                )

    # ---- interval tables: overlaps and gaps, for every dated value of the parameters used
    def check_coverage(self, table: ast.Table, subject: Unit) -> None:
        has_else = any(entry.range is None for entry in table.entries)
        ranged = [entry for entry in table.entries if entry.range is not None]
        dates = self.dates_for(ranged)
        for date in dates:
            try:
                bounds = [
                    (entry, self.const(entry.range.lo, date), self.const(entry.range.hi, date))
                    for entry in ranged
                ]  # type: ignore[union-attr]
            except _NotConstant:
                return
            when = f"（按 {date} 起的参数取值）" if len(dates) > 1 or self.params_in(ranged) else ""
            if subject.kind == "class":
                if self.check_classes(table, bounds, has_else, when):
                    return
            elif self.check_numbers(table, bounds, has_else, when):
                return

    def check_classes(self, table: ast.Table, bounds: list, has_else: bool, when: str) -> bool:
        for k in range(1, 7):
            hits = [entry for entry, lo, hi in bounds if _contains(entry.range, lo, hi, Decimal(k))]
            name = u.CLASS_NAMES[k]
            if len(hits) > 1:
                self.err(
                    hits[1],
                    f"类别区间重叠：“{hits[0].text}”与“{hits[1].text}”都包含{name}类{when}。"
                    "(overlapping class intervals)",
                )
                return True
            if not hits and not has_else:
                self.err(
                    table,
                    f"类别区间有空缺：{name}类不在任何分支中（应覆盖Ⅰ类至劣Ⅴ类）{when}。"
                    "(class intervals leave a gap)",
                )
                return True
        return False

    def check_numbers(self, table: ast.Table, bounds: list, has_else: bool, when: str) -> bool:
        def key(item: tuple) -> tuple:
            entry, lo, hi = item
            return (lo is not None, lo if lo is not None else 0, not entry.range.lo_closed)

        items = sorted(bounds, key=key)
        subject = _expr_text(self.rf.source, table.subject)
        if items and items[0][1] is not None and not has_else:
            self.err(
                items[0][0],
                f"区间表有空缺：{subject} 小于 {decimal_text(items[0][1])} 时没有对应的分支"
                f"{when}。(intervals leave a gap below the first one)",
            )
            return True
        for (pe, _plo, phi), (ne, nlo, _nhi) in zip(items, items[1:], strict=False):
            if phi is None or (
                nlo is not None
                and (phi > nlo or (phi == nlo and pe.range.hi_closed and ne.range.lo_closed))
            ):
                at = decimal_text(nlo) if nlo is not None else "…"
                self.err(
                    ne,
                    f"区间重叠：“{pe.text}”与“{ne.text}”在 {subject} = {at} 处都成立{when}；"
                    "每个值只能落在一个区间。(overlapping intervals)",
                )
                return True
            if nlo is None:
                continue
            if not has_else and (
                phi < nlo or (phi == nlo and not pe.range.hi_closed and not ne.range.lo_closed)
            ):
                self.err(
                    ne,
                    f"区间表有空缺：{subject} 在 “{pe.text}” 与 “{ne.text}” 之间"
                    f"（{decimal_text(phi)} 至 {decimal_text(nlo)}）没有对应的分支{when}。"
                    "(intervals leave a gap)",
                )
                return True
        if items and items[-1][2] is not None and not has_else:
            self.err(
                items[-1][0],
                f"区间表有空缺：{subject} 大于 {decimal_text(items[-1][2])} 时没有对应的"
                f"分支{when}。(intervals leave a gap above the last one)",
            )
            return True
        return False

    def params_in(self, entries: list[ast.Entry]) -> set[str]:
        names: set[str] = set()
        for entry in entries:
            names.update(n for n in self.names_in(entry.range) if n in self.scope.params)
        return names

    def dates_for(self, entries: list[ast.Entry]) -> list[str]:
        dates = {
            dv.start
            for name in self.params_in(entries)
            for dv in self.scope.params[name].decl.values
        }
        return sorted(dates) or [self.rf.header.start or "2000-01"]

    def const(self, e: ast.Expr | None, date: str) -> Decimal | None:
        """Evaluate a bound at a date (None: open end); raise _NotConstant if it needs data."""
        if e is None:
            return None
        if isinstance(e, ast.Num):
            factor = u.LITERAL_UNITS[e.unit][1] if e.unit else Decimal(1)
            return e.value * factor
        if isinstance(e, ast.ClassLit):
            return Decimal(e.klass)
        if isinstance(e, ast.Unary) and e.op == "neg":
            inner = self.const(e.x, date)
            return None if inner is None else -inner
        if isinstance(e, ast.Binary) and e.op in ("add", "sub", "mul", "div"):
            a, b = self.const(e.left, date), self.const(e.right, date)
            if a is None or b is None or (e.op == "div" and b == 0):
                raise _NotConstant
            return {"add": a + b, "sub": a - b, "mul": a * b}.get(e.op) if e.op != "div" else a / b
        if isinstance(e, ast.Name) and e.name in self.scope.params:
            info = self.scope.params[e.name]
            current = None
            for dv, pv in info.values:
                if month_index(dv.start) <= month_index(date):
                    current = pv
            if current is None or current.num is None:
                raise _NotConstant
            return current.num
        raise _NotConstant

    # ---- calls
    def infer_call(self, e: ast.Call, local: dict[str, Unit], visiting: set[str]) -> Unit:  # noqa: C901
        f, args = e.func, e.args
        arity = {
            "value": 1,
            "highest": 1,
            "class": 1,
            "limit": 2,
            "exceed": 1,
            "worst_class": 1,
            "ceil": 1,
            "floor": 1,
            "abs": 1,
            "previous": 1,
            "runs": 3,
        }
        if f == "exceed" and len(args) not in (1, 2):  # exceed(i, k): against class k
            self.err(
                e,
                "函数 exceed 需要 1 个或 2 个参数（exceed(指标) 对Ⅲ类，"
                f"exceed(指标, 类别) 对该类），这里给了 {len(args)} 个。"
                "(wrong number of arguments)",
            )
            return u.RATIO  # what it would give: no second error on the expression around it
        if f in arity and f != "exceed" and len(args) != arity[f]:
            self.err(
                e,
                f"函数 {f} 需要 {arity[f]} 个参数，这里给了 {len(args)} 个。(wrong number of "
                "arguments)",
            )
            return ANY_UNIT
        if f in SECTION_READERS - {"limit"} and self.outside_sections(local):
            self.err(e, (
                f"方案级规则（for each …）没有“本断面”：{f}(...) 须写在对各断面的汇总中，如 "
                f"mean({f}(...) for s in sections)。"
                "(a scheme-level rule reads sections through a loop over them)"))
        if f == "volume":
            return self.infer_volume(e, local, visiting)
        if f in ("value", "highest", "class", "exceed", "limit", "runs"):
            code = self.expect_indicator(args[0], local, visiting)
            if code == "VOL":
                self.err(
                    args[0],
                    f"径流量 VOL 是每月流过断面的水量（总量），不能取 {f}(...)；本期水量写 "
                    "volume(VOL)。(read a measured volume with volume(VOL))",
                )
                return ANY_UNIT  # one error: not the units around it too
            if f == "class":
                return u.CLASS
            if f == "exceed":
                if len(args) == 2:
                    self.expect_class(args[1], local, visiting)
                return u.RATIO
            if f == "limit":
                self.expect_class(args[1], local, visiting)
                return u.CONC if code is None else u.indicator_units()[code]
            if f == "runs":
                self.expect_class(args[1], local, visiting)
                n = self.infer(args[2], local, visiting)
                if n.kind != "number" or n.dims != (0, 0, 0, 0):
                    self.err(
                        args[2], "runs 的第三个参数应为连续天数（如 3）。(runs needs a day count)"
                    )
                return u.RATIO
            return u.CONC if code is None else u.indicator_units()[code]
        if f == "worst_class":
            unit = self.infer(args[0], local, visiting)
            if unit.kind != "indicators":
                self.err(
                    args[0], f"worst_class 需要指标列表，这里是{unit.describe()}。(needs a list)"
                )
            return u.CLASS
        if f == "flagged":
            if not args:
                self.err(
                    e, "flagged(...) 至少需要一个标记，如 flagged(no_flow, ice)。(needs flags)"
                )
            for a in args:
                if not (isinstance(a, ast.Name) and is_flag(a.name)):
                    text = a.name if isinstance(a, ast.Name) else "这里"
                    self.err(
                        a, f"“{text}”不是已知的标记；可用：{'、'.join(u.FLAGS)}。(unknown flag)"
                    )
            return u.BOOL
        if f == "missing":
            for a in args:
                unit = self.infer(a, local, visiting)
                if unit.kind not in ("indicator", "indicators"):
                    self.err(
                        a,
                        f"missing(...) 需要指标或指标列表，这里是{unit.describe()}。"
                        "(needs indicators)",
                    )
            return u.BOOL
        if f in ("min", "max"):
            if len(args) < 2:
                self.err(e, f"{f}(a, b, ...) 至少需要两个值。(needs two values)")
            units = [self.infer(a, local, visiting) for a in args]
            result = next((x for x in units if not x.zero), units[0] if units else ANY_UNIT)
            for a, x in zip(args, units, strict=True):
                if not u.same(x, result):
                    self.err(
                        a,
                        f"{f}(...) 的各个值单位应一致：{result.describe()} 与 "
                        f"{x.describe()}。(units differ)",
                    )
            return result
        if f in ("ceil", "floor", "abs", "previous"):
            return self.infer(args[0], local, visiting)
        self.err(
            e,
            f"未知的函数“{f}”；可用：value, highest, class, limit, exceed, worst_class, flagged, "
            "missing, runs, volume, previous, baseline, min, max, ceil, floor, abs, spread。"
            "(unknown function)",
        )
        return ANY_UNIT

    def infer_control_call(
        self, e: ast.ControlCall, local: dict[str, Unit], visiting: set[str]
    ) -> Unit:
        """`control.f(...)`: only the functions that read a section's data have a control twin."""
        if e.call.func not in SECTION_READERS:
            self.err(
                e,
                f"“control.{e.call.func}(...)”不能在对照断面上读取；control. 后可写 "
                f"{', '.join(sorted(SECTION_READERS))} 或度量名，其余函数写在外面，"
                "如 abs(control.value(i))。(not a reader of section data)",
            )
            return ANY_UNIT
        if self.outside_sections(local):
            self.err(e, "“control.”只能用在按断面核算的规则中。(control needs a section rule)")
            return ANY_UNIT
        return self.infer_call(e.call, local, visiting)

    def outside_sections(self, local: dict[str, Unit]) -> bool:
        """In a scheme-level rule (`for each year`) and not inside `for s in sections`: there is
        no row's section to read."""
        return self.rule is not None and self.rule.selector is None and IN_SECTIONS not in local

    def reads_section(self, measure: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether a measure (or one it names) reads a section's data."""
        for n in ast.walk(self.scope.measures[measure].expr):
            if isinstance(n, ast.ControlRef | ast.ControlCall) or (
                    isinstance(n, ast.Call) and n.func in SECTION_READERS - {"limit"}):
                return True
            if (isinstance(n, ast.Name) and n.name in self.scope.measures
                    and n.name not in seen | {measure}
                    and self.reads_section(n.name, seen | {measure})):
                return True
        return False

    def infer_volume(self, e: ast.Call, local: dict[str, Unit], visiting: set[str]) -> Unit:
        """`volume(FLOW, daily)`, `volume(FLOW, period)` or `volume(VOL)`: m³ of the period. The
        basis is always written: a scheme says which volume it means (lang/volumes.py)."""
        first = e.args[0] if e.args else None
        code = first.name if isinstance(first, ast.Name) else None
        basis = e.args[1] if len(e.args) == 2 else None
        if code == "FLOW" and isinstance(basis, ast.Name) and basis.name in BASES:
            return u.VOLUME
        if code == "VOL" and len(e.args) == 1:
            return u.VOLUME
        if code == "FLOW" and len(e.args) == 2:
            self.err(basis or e, f"volume(FLOW, …) 的第二个参数应为 daily（逐日平均流量 × 86400 秒"
                     f"之和）或 period（本期平均流量 × 本期秒数），而不是“{written(basis)}”。"
                     "(volume basis: daily or period)")
        elif code == "VOL":
            self.err(e, "volume(VOL) 读导入的径流量，不带第二个参数。(volume(VOL) takes one "
                     "argument)")
        elif code == "FLOW":
            self.err(e, "volume(FLOW) 需要写明折算方法：volume(FLOW, daily) 或 volume(FLOW, "
                     "period)，由方案原文决定。(volume(FLOW) needs its basis)")
        else:
            self.err(first or e, "volume(...) 读流量 FLOW（volume(FLOW, daily)、volume(FLOW, "
                     "period)）或导入的径流量 VOL（volume(VOL)）。(volume reads FLOW or VOL)")
        return u.VOLUME

    def expect_indicator(
        self, a: ast.Expr, local: dict[str, Unit], visiting: set[str]
    ) -> str | None:
        unit = self.infer(a, local, visiting)
        if unit.kind != "indicator":
            self.err(
                a,
                f"这里应为一个指标（如 COD 或循环变量 i），而不是{unit.describe()}。(an indicator)",
            )
        return a.name if isinstance(a, ast.Name) and a.name in u.indicator_units() else None

    def expect_class(self, a: ast.Expr, local: dict[str, Unit], visiting: set[str]) -> None:
        unit = self.infer(a, local, visiting)
        if unit.kind != "class":
            self.err(a, f"这里应为水质类别（如 Ⅲ），而不是{unit.describe()}。(a class is expected)")

    def infer_comprehension(
        self, e: ast.Comprehension, local: dict[str, Unit], visiting: set[str]
    ) -> Unit:
        if e.func not in AGGREGATES:
            self.err(
                e,
                f"“{e.func}(... for ...)”不是已知的汇总；可用：{', '.join(sorted(AGGREGATES))}。"
                "(unknown aggregate)",
            )
        if isinstance(e.source, ast.Name) and e.source.name == SECTIONS_SOURCE:
            var_unit = u.SECTION
            local = {**local, IN_SECTIONS: u.SECTION}
            if self.rule is None:
                self.err(
                    e.source,
                    "“for s in sections”只能用在规则中，不能用在度量中。(needs a rule)",
                )
        else:
            src = self.infer(e.source, local, visiting)
            if src.kind != "indicators":
                self.err(
                    e.source, f"for ... in 后应为指标列表，这里是{src.describe()}。(needs a list)"
                )
            var_unit = u.INDICATOR
        inner = dict(local)
        inner[e.var] = var_unit
        inner["__comprehension__"] = u.BOOL
        if e.where is not None:
            self.expect_bool(e.where, self.infer(e.where, inner, visiting))
        body = self.infer(e.body, inner, visiting)
        if e.func == "count":
            if body.kind == "bool":  # it would count the false terms too
                self.err(e.body, (
                    f"count(...) 数的是各项（不论真假），不是条件成立的项；数满足条件的项请写 "
                    f"count({e.var} for {e.var} in {written(e.source)} where 条件)。"
                    "(count counts terms; put the condition after where)"))
            return u.RATIO
        if e.func in ("all", "any"):
            self.expect_bool(e.body, body)
            return u.BOOL
        if body.kind != "number" and not (e.func in ("max", "min") and body.kind == "class"):
            self.err(e.body, f"{e.func}(...) 需要数值，这里是{body.describe()}。(needs numbers)")
        return body


    def infer_so_far(self, e: ast.SoFar, local: dict[str, Unit], visiting: set[str]) -> Unit:
        """`all(x per year)` etc.: a window over the rule's own rows, so only in a rule body."""
        if "__comprehension__" in local:
            self.err(
                e, f"{e.func}(... per {e.scope}) 不能写在列表推导式内部。(inside a comprehension)"
            )
        if self.rule is None:
            self.err(
                e,
                f"{e.func}(... per {e.scope}) 汇总本规则各行，只能用在规则中，不能用在度量中。"
                "(belongs in a rule)",
            )
        elif self.rule.selector is None and e.scope.startswith("section"):
            self.err(
                e,
                f"“per {e.scope}”只能用在按断面核算的规则中。(needs a section rule)",
            )
        body = self.infer(e.body, local, visiting)
        if e.func in ("all", "any", "count"):
            self.expect_bool(e.body, body)
            return u.RATIO if e.func == "count" else u.BOOL
        if body.kind != "number" and not (e.func in ("max", "min") and body.kind == "class"):
            self.err(e.body, f"{e.func}(...) 需要数值，这里是{body.describe()}。(needs numbers)")
        return body


class _NotConstant(Exception):
    """A bound that depends on data: its table cannot be checked for gaps at check time."""


def _contains(r: ast.Range, lo: Decimal | None, hi: Decimal | None, x: Decimal) -> bool:
    above = lo is None or x > lo or (x == lo and r.lo_closed)
    below = hi is None or x < hi or (x == hi and r.hi_closed)
    return above and below


def _expr_text(source: str, node: ast.Node) -> str:
    line = source.splitlines()[node.line - 1]
    text = line[node.col - 1 :].split(":")[0].strip()
    return text or "值"


def _strip_at(data: object) -> object:
    if isinstance(data, dict):
        return {k: _strip_at(v) for k, v in data.items() if k != "at"}
    if isinstance(data, list):
        return [_strip_at(x) for x in data]
    return data


def condition_key(e: object) -> str:
    """A canonical text of a condition (positions dropped): equal keys mean the same condition."""
    if isinstance(e, ast.Call) and e.func == "flagged":
        return "flagged:" + ",".join(sorted(a.name for a in e.args if isinstance(a, ast.Name)))
    return json.dumps(_strip_at(ast.to_data(e)), sort_keys=True, ensure_ascii=False)


def flags_cover(earlier: ast.Expr, later: ast.Expr) -> bool:
    """`flagged(a, b)` catches every row `flagged(a)` would: the later one is unreachable."""

    def flags(e: ast.Expr) -> set[str] | None:
        if isinstance(e, ast.Call) and e.func == "flagged":
            return {a.name for a in e.args if isinstance(a, ast.Name)}
        return None

    a, b = flags(earlier), flags(later)
    return a is not None and b is not None and b <= a


@dataclass
class CheckedFile:
    """A parsed file with its scope, or the diagnostics that stop it."""

    rf: ast.RuleFile | None
    scope: Scope | None
    diagnostics: list[Diagnostic]
    warnings: list[Diagnostic] = field(default_factory=list)  # the file runs; worth a look


Registry = Callable[[str], list[tuple[str, str]]]  # scheme id → its sections (id, river)


def check_file(path: str | Path, registry: Registry | None = None) -> CheckedFile:
    """Parse and check one file; with a `registry` (a database's), also the section codes and
    rivers the rules name."""
    try:
        rf = parse_file(path)
    except RuleError as err:
        diags = err.diagnostics or [Diagnostic(str(path), 1, 1, str(err))]
        return CheckedFile(None, None, diags)
    checker = Checker(rf)
    found = checker.run()
    if registry is not None:
        found += [(ast.Str(n.value, line=n.line, col=n.col), message)
                  for n, message in not_in_registry(rf.header.id, named_values(rf),
                                                    registry(rf.header.id))]

    def located(items: list[tuple[ast.Node, str]]) -> list[Diagnostic]:
        diags = [make(rf.path, rf.source, n.line or 1, n.col or 1, msg) for n, msg in items]
        diags.sort(key=lambda d: (d.line, d.col))
        return list(dict.fromkeys(diags))

    return CheckedFile(rf, checker.scope, located(found), located(checker.warnings))


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders to their `.rule` files (recursively, sorted)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(p.rglob("*.rule")))
        else:
            files.append(p)
    return files


def check_paths(paths: Iterable[str | Path]) -> list[Diagnostic]:
    """Check every rule file under the given paths; an empty list means all is well."""
    return check_paths_with_warnings(paths)[0]


def check_paths_with_warnings(
    paths: Iterable[str | Path], registry: Registry | None = None
) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """The errors and, apart, the warnings (which do not fail the check) of every file."""
    diags: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    for f in rule_files(paths):
        if not f.exists():
            diags.append(Diagnostic(str(f), 0, 0, f"找不到规则文件或目录 {f}。(no such file)"))
            continue
        checked = check_file(f, registry)
        diags.extend(checked.diagnostics)
        warnings.extend(checked.warnings)
    return diags, warnings


__all__ = [
    "Checker", "CheckedFile", "check_file", "check_paths", "check_paths_with_warnings",
    "rule_files", "PERIOD_WORDS",
]
