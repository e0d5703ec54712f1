"""The syntax tree of a rule file: plain dataclasses that remember where they came from.

Every node has `line` and `col` (1-based) so the checker can point at the source; `to_data()` gives
a stable, JSON-friendly form used by `--emit ast` and by the golden snapshots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


@dataclass
class Node:
    """Base of all nodes: a source position."""

    line: int = field(default=0, kw_only=True, compare=False)
    col: int = field(default=0, kw_only=True, compare=False)


# ---- expressions ------------------------------------------------------------------------------


@dataclass
class Num(Node):
    value: Decimal
    unit: str | None
    text: str


@dataclass
class Str(Node):
    text: str


@dataclass
class ClassLit(Node):
    klass: int  # 1..5 for I..V, 6 for 劣Ⅴ
    text: str


@dataclass
class Name(Node):
    name: str


@dataclass
class AmountRef(Node):
    """`amount` inside an exception: the amount the rule computed before exceptions."""


@dataclass
class ControlRef(Node):
    name: str  # a measure evaluated on the control (inflow) section


@dataclass
class SectionRef(Node):
    """`section` (its code), `section.river`, `section.party`, `section.party.kind`: the
    section's registry entry, for selecting sections and parties by name (issue #18 item 4)."""

    attr: str  # "" (the code) | "river" | "bank" | "water_body" | "party" | "party.kind"


@dataclass
class Call(Node):
    func: str
    args: list[Expr]


@dataclass
class ControlCall(Node):
    """`control.value(i)`: a call that reads a section's data, read on the control section (its
    values, flags and its own water body's limits) instead of the row's."""

    call: Call


@dataclass
class Comprehension(Node):
    func: str  # sum | mean | max | min | count | all | any
    body: Expr
    var: str
    source: Expr
    where: Expr | None


@dataclass
class SoFar(Node):
    """`all(x per year)`, `any`, `count`, `sum`, `min`, `max`: x over the rule's rows of the year
    (or section-year, period, section-period) up to and including this row's period."""

    func: str
    body: Expr
    scope: str


@dataclass
class Spread(Node):
    """`spread(A per year [weighted by w])`: exact largest-remainder shares of A."""

    func: str
    total: Expr
    scope: str
    weight: Expr | None


@dataclass
class YearRange(Node):
    """`baseline(x, 2012..2014)`: x averaged over the same period of those years."""

    func: str
    arg: Expr
    first: int
    last: int


@dataclass
class ListLit(Node):
    items: list[Expr]


@dataclass
class Unary(Node):
    op: str  # neg | not
    x: Expr


@dataclass
class Binary(Node):
    op: str  # add sub mul div and or
    left: Expr
    right: Expr


@dataclass
class Compare(Node):
    op: str  # < <= = != > >=
    left: Expr
    right: Expr
    words: str = ""  # "better than" etc. as written, for messages


@dataclass
class Range(Node):
    lo: Expr | None  # None: open towards minus infinity (`..`)
    hi: Expr | None
    lo_closed: bool
    hi_closed: bool
    text: str
    is_class: bool = False


@dataclass
class InRange(Node):
    x: Expr
    range: Range


@dataclass
class If(Node):
    cond: Expr
    then: Expr
    other: Expr
    cond_text: str = ""
    then_label: str | None = None  # `then X "label" else Y "label"`: both or neither
    other_label: str | None = None


@dataclass
class Entry(Node):
    range: Range | None  # None: `else`
    value: Expr
    label: str | None
    text: str  # the branch as written, e.g. "[-band, 0]"


@dataclass
class Table(Node):
    subject: Expr
    entries: list[Entry]


Expr = (
    Num
    | Str
    | ClassLit
    | Name
    | AmountRef
    | ControlRef
    | SectionRef
    | Call
    | ControlCall
    | Comprehension
    | Spread
    | SoFar
    | YearRange
    | ListLit
    | Unary
    | Binary
    | Compare
    | InRange
    | If
    | Table
)


# ---- declarations -----------------------------------------------------------------------------


@dataclass
class Party(Node):
    kind: str  # id | section | control | split
    id: str | None = None
    shares: list[tuple[Expr, Party]] = field(default_factory=list)


@dataclass
class Show(Node):
    """`bulletin index cpi`, `bulletin rank r ascending "words"` (a line of the file after its
    parameters): what the bulletin shows of each line, named by the rule author instead of guessed
    from names."""

    role: str  # index | class | target | rank
    name: str
    descending: bool = False  # rank: the largest first
    words: str | None = None  # rank: what the rows are ranked by, in words


@dataclass
class Header(Node):
    id: str
    title: str
    basis: str | None = None
    assumptions: list[str] = field(default_factory=list)
    period: str = "month"
    settle: str = "year"
    year_begins: int = 1
    # how a period longer than a month gets its value: "samples" (mean of its valid samples) or
    # "monthly-mean" (mean of its monthly values, for schemes whose text says so; with its basis)
    period_value: str = "samples"
    period_value_basis: str | None = None
    start: str | None = None  # "2018-01"
    end: str | None = None
    parties: list[Party] = field(default_factory=list)


@dataclass
class DatedValue(Node):
    value: Expr
    start: str
    until: str | None
    basis: str
    assumption: str | None
    text: str


@dataclass
class Param(Node):
    name: str
    values: list[DatedValue]
    negotiable: bool = False
    variants: list[str] = field(default_factory=list)


@dataclass
class Measure(Node):
    name: str
    title: str | None
    basis: str | None
    expr: Expr


@dataclass
class Let(Node):
    name: str
    title: str | None
    expr: Expr


@dataclass
class ExceptClause(Node):
    label: str
    cond: Expr
    value: Expr


@dataclass
class Cap(Node):
    kind: str  # cap (|total| <= limit) | minimum (total >= limit)
    limit: Expr
    scope: str  # section-year | year | section-period | period


@dataclass
class Rule(Node):
    name: str
    title: str
    basis: str
    assumption: str | None
    selector: str | None  # assessed | control | all | None (scheme-level rule)
    period: str
    lets: list[Let]
    payer: Party
    payee: Party
    amount: Expr
    exceptions: list[ExceptClause]
    caps: list[Cap]
    # `for each section where …`: which sections the rule covers (None: all of its selector)
    where: Expr | None = field(default=None, metadata={"omit_none": True})


@dataclass
class RuleFile(Node):
    path: str
    source: str
    header: Header
    params: list[Param]
    measures: list[Measure]
    rules: list[Rule]
    shows: list[Show] = field(default_factory=list)  # `bulletin ...` lines


# ---- walking --------------------------------------------------------------------------------
# One walker for every pass (checker, dependencies, reads, scheme facts, compiler). It reads the
# dataclass fields, so a new node type is walked without touching this code: a field holding a
# node, a list of nodes or a list of tuples of nodes (a split party's shares) all count.


def _nodes_in(value: object) -> Iterator[Node]:
    if isinstance(value, Node):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _nodes_in(item)


def children(node: object) -> list[Node]:
    """The nodes directly under a node (its fields, list items and tuple items), in field order."""
    if not isinstance(node, Node):
        return []
    return [x for f in fields(node) for x in _nodes_in(getattr(node, f.name))]


def walk(root: object, skip: Callable[[Node], bool] | None = None) -> Iterator[Node]:
    """Every node under `root` (a node, or a list or tuple of them), itself included, in pre-order
    (a node before its children, children in field order).

    `skip(node)` true leaves that node and everything under it out: passes that must not look
    inside a loop or a `previous(...)` (evaluated in another context) say so here.
    """
    stack: list[Node] = list(_nodes_in(root))[::-1]
    while stack:
        node = stack.pop()
        if skip is not None and skip(node):
            continue
        yield node
        stack += children(node)[::-1]


class Visitor(Generic[T]):
    """A fold over the tree: `visit(node, *args)` calls `visit_<NodeClass>(node, *args)` when the
    subclass defines one, else `generic_visit`, which visits the children and combines their
    answers with `combine` (starting from `empty()`). Passes that carry an environment (the
    variable a loop binds) pass it as `*args`."""

    def visit(self, node: Node, *args: Any) -> T:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is not None:
            return cast(T, method(node, *args))
        return self.generic_visit(node, *args)

    def generic_visit(self, node: Node, *args: Any) -> T:
        out = self.empty()
        for child in children(node):
            out = self.combine(out, self.visit(child, *args))
        return out

    def empty(self) -> T:
        raise NotImplementedError

    def combine(self, a: T, b: T) -> T:
        raise NotImplementedError


def to_data(node: Any) -> Any:
    """A stable, JSON-friendly form (type tag first, positions kept as "line:col")."""
    if isinstance(node, list):
        return [to_data(x) for x in node]
    if isinstance(node, tuple):
        return [to_data(x) for x in node]
    if isinstance(node, Decimal):
        return str(node)
    if is_dataclass(node):
        data: dict[str, Any] = {"node": type(node).__name__}
        if isinstance(node, Node) and node.line:
            data["at"] = f"{node.line}:{node.col}"
        for f in fields(node):
            if f.name in ("line", "col") or (isinstance(node, RuleFile) and f.name == "source"):
                continue  # the file's text is not part of its tree (a loop's `source` is)
            if f.metadata.get("omit_none") and getattr(node, f.name) is None:
                continue  # a later optional field: earlier snapshots stay as they were
            data[f.name] = to_data(getattr(node, f.name))
        return data
    return node
