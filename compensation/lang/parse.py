"""Text → syntax tree. Syntax errors become sentences in words, never token names."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Transformer, Tree, UnexpectedInput, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken, VisitError

from compensation.errors import RuleError
from compensation.lang import ast
from compensation.lang.depth import too_deep
from compensation.lang.diagnostics import Diagnostic, make

# `f(x per year)` with one of these names is a year-to-date aggregate (ast.SoFar), else a spread.
SO_FAR_AGGREGATES = ("all", "any", "count", "sum", "min", "max")

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
ROMAN_UNICODE = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5}

# What each terminal is, in words, for "expected ..." messages.
TERMINAL_WORDS = {
    "NAME": "名称 (a name)",
    "STRING": "带引号的文字 (quoted text)",
    "NUMBER": "数值 (a number)",
    "MONTH": "年月，如 2018-01 (a month)",
    "CLASS_LIT": "水质类别，如 Ⅲ 或 劣Ⅴ (a class)",
    "UNIT": "单位 (a unit)",
    "CMP": "比较符号 (a comparison)",
    "$END": "文件结尾 (end of file)",
}


class ParseFailure(Exception):
    """Internal: a syntax error already turned into a diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@cache
def _parser() -> Lark:
    text = resources.files("compensation.lang").joinpath("grammar.lark").read_text("utf-8")
    return Lark(
        text,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        start=["start", "expr"],
        cache=True,
    )


def _class_of(text: str) -> int:
    text = text.rstrip("类")
    if text.startswith("劣"):
        return 6
    return ROMAN_UNICODE.get(text) or ROMAN[text]


def _unquote(tok: Token | str) -> str:
    return str(tok)[1:-1]


def _pos(meta: object) -> dict[str, int]:
    return {"line": getattr(meta, "line", 0), "col": getattr(meta, "column", 0)}


def _tpos(tok: Token) -> dict[str, int]:
    return {"line": tok.line or 0, "col": tok.column or 0}


@v_args(meta=True)
class _Build(Transformer):
    """Lark tree → dataclasses; keeps positions and the written text of ranges and branches."""

    def __init__(self, source: str, path: str) -> None:
        super().__init__()
        self.source = source
        self.path = path

    def _text(self, meta: object) -> str:
        return self.source[meta.start_pos : meta.end_pos]  # type: ignore[attr-defined]

    # ---- expressions
    def quantity(self, meta, ch):
        num, unit = ch
        return ast.Num(
            Decimal(str(num)), str(unit) if unit else None, self._text(meta), **_pos(meta)
        )

    def string(self, meta, ch):
        return ast.Str(_unquote(ch[0]), **_pos(meta))

    def class_lit(self, meta, ch):
        return ast.ClassLit(_class_of(str(ch[0])), str(ch[0]), **_pos(meta))

    def name(self, meta, ch):
        text = str(ch[0])
        if text in ROMAN:
            return ast.ClassLit(ROMAN[text], text, **_pos(meta))
        return ast.Name(text, **_pos(meta))

    def amount_ref(self, meta, ch):
        return ast.AmountRef(**_pos(meta))

    def control_ref(self, meta, ch):
        return ast.ControlRef(str(ch[0]), **_pos(meta))

    def section_ref(self, meta, ch):
        return ast.SectionRef(".".join(str(a.children[0]) for a in ch), **_pos(meta))

    def control_call(self, meta, ch):
        return ast.ControlCall(self.call(meta, ch), **_pos(meta))

    def call(self, meta, ch):
        args = [a for a in ch[1:] if a is not None]
        return ast.Call(str(ch[0]), args, **_pos(meta))

    def comprehension(self, meta, ch):
        func, body, var, source, where = ch
        return ast.Comprehension(str(func), body, str(var), source, where, **_pos(meta))

    def spread(self, meta, ch):
        func, total, scope, weight = ch
        if str(func) in SO_FAR_AGGREGATES and weight is None:
            return ast.SoFar(str(func), total, str(scope), **_pos(meta))
        return ast.Spread(str(func), total, scope, weight, **_pos(meta))

    def year_range_call(self, meta, ch):
        func, arg, first, last = ch
        return ast.YearRange(
            str(func), arg, int(Decimal(str(first))), int(Decimal(str(last))), **_pos(meta)
        )

    def list(self, meta, ch):
        return ast.ListLit([a for a in ch if a is not None], **_pos(meta))

    def neg(self, meta, ch):
        return ast.Unary("neg", ch[0], **_pos(meta))

    def not_(self, meta, ch):
        return ast.Unary("not", ch[0], **_pos(meta))

    def _bin(op):  # noqa: N805 - a small factory used in the class body
        def build(self, meta, ch):
            return ast.Binary(op, ch[0], ch[-1], **_pos(meta))

        return build

    add, sub, mul, div = _bin("add"), _bin("sub"), _bin("mul"), _bin("div")
    and_, or_ = _bin("and"), _bin("or")

    def compare(self, meta, ch):
        op = {"≤": "<=", "≥": ">=", "≠": "!=", "==": "="}.get(str(ch[1]), str(ch[1]))
        return ast.Compare(op, ch[0], ch[2], **_pos(meta))

    def _words(op, words):  # noqa: N805
        def build(self, meta, ch):
            return ast.Compare(op, ch[0], ch[-1], words, **_pos(meta))

        return build

    better = _words("<", "better than")
    worse = _words(">", "worse than")
    no_better = _words(">=", "no better than")
    no_worse = _words("<=", "no worse than")

    def in_range(self, meta, ch):
        return ast.InRange(ch[0], ch[1], **_pos(meta))

    def if_(self, meta, ch):
        text = self._text(meta)
        cond_text = " ".join(text[2:].split(" then ")[0].split()) if " then " in text else ""
        return ast.If(ch[0], ch[1], ch[2], cond_text, **_pos(meta))

    def if_labelled(self, meta, ch):
        cond, then, then_label, other, other_label = ch
        node = self.if_(meta, [cond, then, other])
        node.then_label, node.other_label = _unquote(then_label), _unquote(other_label)
        return node

    def unbounded(self, meta, ch):
        return None

    def _interval(lo_closed, hi_closed):  # noqa: N805
        def build(self, meta, ch):
            lo, hi = ch
            return ast.Range(lo, hi, lo_closed, hi_closed, self._text(meta), **_pos(meta))

        return build

    closed_closed = _interval(True, True)
    closed_open = _interval(True, False)
    open_closed = _interval(False, True)
    open_open = _interval(False, False)

    def class_range(self, meta, ch):
        return ast.Range(ch[0], ch[1], True, True, self._text(meta), True, **_pos(meta))

    def class_single(self, meta, ch):
        return ast.Range(ch[0], ch[0], True, True, self._text(meta), True, **_pos(meta))

    def entry(self, meta, ch):
        rng, value, label = ch
        return ast.Entry(rng, value, _unquote(label) if label else None, rng.text, **_pos(meta))

    def else_entry(self, meta, ch):
        value, label = ch
        return ast.Entry(None, value, _unquote(label) if label else None, "else", **_pos(meta))

    def table(self, meta, ch):
        return ast.Table(ch[0], list(ch[1:]), **_pos(meta))

    # ---- header
    def period_word(self, meta, ch):
        return str(ch[0])

    def selector(self, meta, ch):
        return str(ch[0])

    def cap_scope(self, meta, ch):
        return str(ch[0])

    def h_basis(self, meta, ch):
        return ("basis", _unquote(ch[0]))

    def h_assumption(self, meta, ch):
        return ("assumption", _unquote(ch[0]))

    def h_period(self, meta, ch):
        return ("period", ch[0])

    def h_settle(self, meta, ch):
        return ("settle", ch[0])

    def h_period_value(self, meta, ch):
        return ("period_value", ("monthly-mean", _unquote(ch[0])))

    def h_year_begins(self, meta, ch):
        return ("year_begins", int(Decimal(str(ch[0]))), _tpos(ch[0]))

    def h_from(self, meta, ch):
        return ("start", str(ch[0]))

    def h_until(self, meta, ch):
        return ("end", str(ch[0]))

    def h_parties(self, meta, ch):
        return ("parties", list(ch))

    def show_role(self, meta, ch):
        return str(ch[0])

    def rank_order(self, meta, ch):
        return str(ch[0])

    def show(self, meta, ch):  # positioned at the name: that is what a message is about
        return ast.Show(ch[0], str(ch[1]), **_tpos(ch[1]))

    def show_rank(self, meta, ch):
        name, order, words = ch
        return ast.Show("rank", str(name), order == "descending", _unquote(words), **_tpos(name))

    def header(self, meta, ch):
        head = ast.Header(str(ch[0]), _unquote(ch[1]), **_pos(meta))
        for item in ch[2:]:
            key, value = item[0], item[1]
            if key == "assumption":
                head.assumptions.append(value)
            elif key == "period_value":
                head.period_value, head.period_value_basis = value
            else:
                setattr(head, key, value)
        return head

    # ---- parties
    def party_id(self, meta, ch):
        return ast.Party("id", str(ch[0]), **_pos(meta))

    def section_party(self, meta, ch):
        return ast.Party("section", **_pos(meta))

    def control_party(self, meta, ch):
        return ast.Party("control", **_pos(meta))

    def share(self, meta, ch):
        return (ch[0], ch[1])

    def split(self, meta, ch):
        return ast.Party("split", shares=list(ch), **_pos(meta))

    # ---- parameters
    def negotiable(self, meta, ch):
        return ("negotiable", True)

    def variants(self, meta, ch):
        return ("variants", [str(c) for c in ch])

    def dated(self, meta, ch):
        start, until, basis, assumption = ch
        return (
            str(start),
            str(until) if until else None,
            _unquote(basis),
            _unquote(assumption) if assumption else None,
            meta,
        )

    def param(self, meta, ch):
        name = str(ch[0])
        rest = list(ch[1:])
        flags = [
            x for x in rest if isinstance(x, tuple) and x and x[0] in ("negotiable", "variants")
        ]
        items = [x for x in rest if x not in flags]
        param = ast.Param(name, [], **_tpos(ch[0]))
        for key, value in flags:
            setattr(param, key, value)
        for value_expr, dated in zip(items[0::2], items[1::2], strict=True):
            start, until, basis, assumption, dmeta = dated
            param.values.append(
                ast.DatedValue(
                    value_expr,
                    start,
                    until,
                    basis,
                    assumption,
                    self.source[_start_of(value_expr, self.source) : dmeta.start_pos].strip(),
                    line=value_expr.line,
                    col=value_expr.col,
                )
            )
        return param

    def parameters(self, meta, ch):
        return ("parameters", list(ch))

    # ---- measures and rules
    def measure(self, meta, ch):
        name, title, basis, expr = ch
        return ast.Measure(
            str(name),
            _unquote(title) if title else None,
            _unquote(basis) if basis else None,
            expr,
            **_tpos(name),
        )

    def let(self, meta, ch):
        name, title, expr = ch
        return ast.Let(str(name), _unquote(title) if title else None, expr, **_tpos(name))

    def for_sections(self, meta, ch):
        return (ch[0] or "all", ch[2], ch[1])

    def for_periods(self, meta, ch):
        return (None, ch[0], None)

    def route(self, meta, ch):
        return ("route", ch[0], ch[1])

    def amount(self, meta, ch):
        return ("amount", ch[0])

    def exception(self, meta, ch):
        return ast.ExceptClause(_unquote(ch[0]), ch[1], ch[2], **_pos(meta))

    def cap(self, meta, ch):
        return ast.Cap("cap", ch[0], ch[1], **_pos(meta))

    def minimum(self, meta, ch):
        return ast.Cap("minimum", ch[0], ch[1], **_pos(meta))

    def rule(self, meta, ch):
        name, title, basis, assumption, (selector, period, where) = ch[:5]
        rest = ch[5:]
        lets = [x for x in rest if isinstance(x, ast.Let)]
        route = next(x for x in rest if isinstance(x, tuple) and x[0] == "route")
        amount = next(x for x in rest if isinstance(x, tuple) and x[0] == "amount")
        return ast.Rule(
            str(name),
            _unquote(title),
            _unquote(basis),
            _unquote(assumption) if assumption else None,
            selector,
            period,
            lets,
            route[1],
            route[2],
            amount[1],
            [x for x in rest if isinstance(x, ast.ExceptClause)],
            [x for x in rest if isinstance(x, ast.Cap)],
            where,
            **_pos(meta),
        )

    def start(self, meta, ch):
        header = ch[0]
        params: list[ast.Param] = []
        items = []
        for x in ch[1:]:
            if isinstance(x, tuple) and x[0] == "parameters":
                params = x[1]
            elif x is not None:
                items.append(x)
        return ast.RuleFile(
            self.path,
            self.source,
            header,
            params,
            [x for x in items if isinstance(x, ast.Measure)],
            [x for x in items if isinstance(x, ast.Rule)],
            [x for x in items if isinstance(x, ast.Show)],
            line=1,
            col=1,
        )


def _start_of(node: ast.Node, source: str) -> int:
    lines = source.splitlines(keepends=True)
    return sum(len(x) for x in lines[: node.line - 1]) + node.col - 1


def _describe(tok: Token | None) -> str:
    if tok is None or tok.type == "$END":
        return "文件结尾 (end of file)"
    return f"“{tok}”"


def _expected_words(expected: set[str]) -> str:
    words = []
    for name in sorted(expected):
        if name in TERMINAL_WORDS:
            words.append(TERMINAL_WORDS[name])
        else:
            literal = _parser().get_terminal(name).pattern.value if name else name
            words.append(f"“{literal}”")
    words = sorted(set(words))
    if len(words) > 6:
        words = words[:6] + ["……"]
    return "、".join(words)


def _syntax_diagnostic(err: UnexpectedInput, source: str, path: str) -> Diagnostic:
    line, col = err.line or 1, err.column or 1
    if isinstance(err, UnexpectedCharacters):
        ch = source[err.pos_in_stream] if err.pos_in_stream < len(source) else ""
        msg = f"语法错误：这里不能出现字符“{ch}”。(syntax error: unexpected character {ch!r})"
    elif isinstance(err, UnexpectedEOF):
        lines = source.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
        msg = (
            f"语法错误：文件在此意外结束，应还有 {_expected_words(set(err.expected))}。"
            "(syntax error: the file ends too early)"
        )
    else:
        assert isinstance(err, UnexpectedToken)
        found = _describe(err.token)
        if err.token.type == "$END":
            lines = source.splitlines() or [""]
            line, col = len(lines), len(lines[-1]) + 1
        msg = (
            f"语法错误：此处应为 {_expected_words(set(err.accepts or err.expected))}，"
            f"但读到了 {found}。(syntax error: unexpected {err.token!s})"
        )
    return make(path, source, line, col, msg)


def _refuse_if_too_deep(tree: Tree, source: str, path: str) -> None:
    """Every later pass recurses per level: bound the nesting before the first of them runs."""
    problem = too_deep(tree)
    if problem is not None:
        diag = make(path, source, problem.line, problem.col, problem.message)
        raise RuleError(diag.render(), [diag])


def parse_text(source: str, path: str = "<text>") -> ast.RuleFile:
    """Parse rule text; raise RuleError with one located diagnostic on a syntax error."""
    try:
        tree = _parser().parse(source, start="start")
    except UnexpectedInput as err:
        diag = _syntax_diagnostic(err, source, path)
        raise RuleError(diag.render(), [diag]) from None
    _refuse_if_too_deep(tree, source, path)
    try:
        return _Build(source, path).transform(tree)
    except VisitError as err:  # a literal the grammar accepts but the meaning does not
        raise RuleError(f"{path}: 无法理解的写法：{err.orig_exc}", []) from None


def parse_file(path: str | Path) -> ast.RuleFile:
    """Read and parse one `.rule` file (UTF-8, with or without the BOM Windows Notepad writes)."""
    p = Path(path)
    try:
        source = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RuleError(f"找不到规则文件 {p}。(rule file not found)") from None
    except UnicodeDecodeError:
        raise RuleError(f"规则文件 {p} 不是 UTF-8 编码的文本。(rule file is not UTF-8)") from None
    return parse_text(source, str(path))


def parse_expr(text: str) -> ast.Expr:
    """Parse one expression (used for parameter values given as text, e.g. in scenarios)."""
    try:
        tree = _parser().parse(text, start="expr")
    except UnexpectedInput as err:
        diag = _syntax_diagnostic(err, text, "<value>")
        raise RuleError(diag.message, [diag]) from None
    _refuse_if_too_deep(tree, text, "<value>")
    return _Build(text, "<value>").transform(tree)
