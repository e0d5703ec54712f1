"""How deep a rule may nest: checked on the parse tree, before any pass that recurses.

Building the syntax tree, checking units, compiling and above all sqlglot writing the SQL recurse
once or more per level of an expression (a comprehension costs about 20 Python frames in sqlglot),
and a measure or let is written out where it is used. Without a bound, 500 chained `+ 0` or 2,000
chained measures ended in `RecursionError`. So an expression may nest at most `MAX_DEPTH` levels,
counting each operator, call, `if`, table entry and interval as a level and, once measures and lets
are written out in place, each reference to one as a level too. The deepest shipped rule nests 8
levels; `MAX_DEPTH` rules stay well inside Python's default recursion limit in every later pass
(see `tests/lang/test_depth.py`). The walk here is a loop with its own stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lark import Tree

MAX_DEPTH = 32

# Parse-tree nodes that are part of an expression; every other node is a statement around one.
EXPRESSION_NODES = frozenset({
    "if_", "if_labelled", "table", "entry", "else_entry", "closed_closed", "closed_open",
    "open_closed", "open_open", "class_range", "class_single", "unbounded", "or_", "and_", "not_",
    "compare", "better", "worse", "no_better", "no_worse", "in_range", "add", "sub", "mul", "div",
    "neg", "quantity", "string", "class_lit", "name", "amount_ref", "control_ref", "section_ref",
    "call", "control_call", "comprehension", "spread", "year_range_call", "list",
})

Owner = tuple[str, ...]  # ("measure", name) | ("let", rule number, name) | ("rule", number) | ...


@dataclass(frozen=True)
class TooDeep:
    """Where an expression first goes deeper than `MAX_DEPTH`, and in words why."""

    line: int
    col: int
    message: str


@dataclass
class _Expression:
    """One statement's expression: its own depth, and the depth at which it names other ones."""

    depth: int = 0
    refs: list[tuple[int, Owner, Tree]] = field(default_factory=list)


def _position(node: Tree, fallback: tuple[int, int]) -> tuple[int, int]:
    line = getattr(node.meta, "line", None)
    col = getattr(node.meta, "column", None)
    return (line, col) if line and col else fallback


def _nested_message(depth: int) -> str:
    return (
        f"表达式嵌套过深：这里已是第 {depth} 层，超过上限 {MAX_DEPTH} 层（每个运算、函数、if、"
        "分档表的每一档各算一层）；请把它拆成几个度量或 let。"
        f"(expression nested deeper than {MAX_DEPTH} levels)"
    )


def _written_out_message(name: str, depth: int) -> str:
    return (
        f"表达式嵌套过深：把这里引用的“{name}”（及它引用的度量、let）写出后共 {depth} 层，"
        f"超过上限 {MAX_DEPTH} 层（每引用一个度量或 let 也算一层，度量之间的引用链不能更长）；"
        f"请简化度量之间的引用。(expression nested deeper than {MAX_DEPTH} levels once the "
        "measures and lets it names are written out)"
    )


def _walk(tree: Tree) -> tuple[dict[Owner, _Expression], TooDeep | None]:
    """Every statement's expression with its depth and references; stops at the first too deep."""
    measures = {
        str(m.children[0]) for m in tree.children if isinstance(m, Tree) and m.data == "measure"
    }
    found: dict[Owner, _Expression] = {}
    # (node, depth of its parent, owner, rule number, lets of that rule, nearest position)
    stack: list[tuple[Tree, int, Owner, int, frozenset[str], tuple[int, int]]] = [
        (tree, 0, ("other",), 0, frozenset(), (1, 1))
    ]
    rules = 0
    while stack:
        node, depth, owner, rule_no, lets, near = stack.pop()
        near = _position(node, near)
        if node.data in EXPRESSION_NODES:
            depth += 1
            if depth > MAX_DEPTH:
                return found, TooDeep(*near, _nested_message(depth))
            entry = found.setdefault(owner, _Expression())
            entry.depth = max(entry.depth, depth)
            if node.data in ("name", "control_ref"):
                name = str(node.children[0])
                if node.data == "name" and name in lets:
                    entry.refs.append((depth, ("let", str(rule_no), name), node))
                elif name in measures:
                    entry.refs.append((depth, ("measure", name), node))
        else:
            depth = 0
            if node.data == "measure":
                owner = ("measure", str(node.children[0]))
            elif node.data == "rule":
                rules += 1
                rule_no, owner = rules, ("rule", str(rules))
                lets = frozenset(
                    str(c.children[0]) for c in node.children
                    if isinstance(c, Tree) and c.data == "let"
                )
            elif node.data == "let":
                owner = ("let", str(rule_no), str(node.children[0]))
        for child in reversed(node.children):
            if isinstance(child, Tree):
                stack.append((child, depth, owner, rule_no, lets, near))
    return found, None


def _written_out(found: dict[Owner, _Expression]) -> TooDeep | None:
    """Depth of each expression with the measures and lets it names written out in their place.

    Longest path over the reference graph, without recursion; a reference that closes a cycle
    counts as a leaf (the checker reports the cycle itself).
    """
    total: dict[Owner, int] = {}
    for start in found:
        if start in total:
            continue
        in_progress = {start}
        stack: list[tuple[Owner, int]] = [(start, 0)]
        while stack:
            owner, next_ref = stack[-1]
            refs = found[owner].refs if owner in found else []
            if next_ref < len(refs):
                stack[-1] = (owner, next_ref + 1)
                target = refs[next_ref][1]
                if target not in total and target not in in_progress and target in found:
                    in_progress.add(target)
                    stack.append((target, 0))
                continue
            stack.pop()
            in_progress.discard(owner)
            depth = found[owner].depth if owner in found else 0
            for at, target, node in refs:
                written = at + total.get(target, 0)
                if written > MAX_DEPTH:
                    line, col = _position(node, (1, 1))
                    return TooDeep(line, col, _written_out_message(target[-1], written))
                depth = max(depth, written)
            total[owner] = depth
    return None


def too_deep(tree: Tree) -> TooDeep | None:
    """The first place where the parse tree nests deeper than `MAX_DEPTH`, or None."""
    found, problem = _walk(tree)
    return problem or _written_out(found)


__all__ = ["MAX_DEPTH", "TooDeep", "too_deep"]
