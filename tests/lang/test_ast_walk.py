"""The one syntax-tree walker (ast.children, ast.walk, ast.Visitor) that every pass uses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from compensation.lang import ast
from compensation.lang.check import check_file

ROOT = Path(__file__).resolve().parents[2]
RULE_FILES = sorted((ROOT / "rules").rglob("*.rule"))


def _tree() -> ast.Binary:
    """`a + sum(value(i) for i in xs where i != b) * 2` built by hand."""
    loop = ast.Comprehension(
        "sum",
        ast.Call("value", [ast.Name("i")]),
        "i",
        ast.Name("xs"),
        ast.Compare("!=", ast.Name("i"), ast.Name("b")),
    )
    return ast.Binary(
        "add", ast.Name("a"), ast.Binary("mul", loop, ast.Num(Decimal(2), None, "2"))
    )


def _label(n: ast.Node) -> str:
    return getattr(n, "name", None) or getattr(n, "op", None) or type(n).__name__


def test_walk_is_pre_order_in_field_order() -> None:
    # Binary(add) → left Name a → right Binary(mul) → its left Comprehension (fields: body Call,
    # its arg Name i, then source Name xs, then where Compare(!=) with i and b) → Num 2.
    assert [_label(n) for n in ast.walk(_tree())] == [
        "add", "a", "mul", "Comprehension", "Call", "i", "xs", "!=", "i", "b", "Num",
    ]


def test_skip_leaves_out_the_node_and_what_is_under_it() -> None:
    def is_loop(n: ast.Node) -> bool:
        return isinstance(n, ast.Comprehension)

    assert [_label(n) for n in ast.walk(_tree(), skip=is_loop)] == ["add", "a", "mul", "Num"]


def test_walk_of_a_list_and_of_nothing() -> None:
    assert [_label(n) for n in ast.walk([ast.Name("x"), None, ast.Name("y")])] == ["x", "y"]
    assert list(ast.walk(None)) == []


def test_children_include_the_parties_of_a_split() -> None:
    # split(40% → hannan, 60% → hanyang): shares are (Expr, Party) tuples inside a list
    share = ast.Num(Decimal("0.4"), None, "40%")
    rest = ast.Name("rest")
    p1, p2 = ast.Party("id", "hannan"), ast.Party("id", "hanyang")
    split = ast.Party("split", shares=[(share, p1), (rest, p2)])
    assert ast.children(split) == [share, p1, rest, p2]
    assert ast.children("not a node") == []


@dataclass
class _Twice(ast.Node):
    """A node type the walker has never heard of: a pair list and an optional node."""

    pairs: list[tuple[ast.Expr, ast.Expr]]
    extra: ast.Expr | None
    note: str = ""


def test_a_new_node_type_is_walked_without_changing_the_walker() -> None:
    node = _Twice([(ast.Name("p"), ast.Name("q"))], ast.Name("r"), "n")
    assert [_label(n) for n in ast.walk(node)] == ["_Twice", "p", "q", "r"]


class _Names(ast.Visitor[frozenset[str]]):
    """Free names: a loop's variable is bound inside its body and filter."""

    def empty(self) -> frozenset[str]:
        return frozenset()

    def combine(self, a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
        return a | b

    def visit_Name(self, e: ast.Name, bound: frozenset[str]) -> frozenset[str]:
        return frozenset() if e.name in bound else frozenset({e.name})

    def visit_Comprehension(self, e: ast.Comprehension, bound: frozenset[str]) -> frozenset[str]:
        inner = bound | {e.var}
        out = self.visit(e.source, bound) | self.visit(e.body, inner)
        return out | (self.visit(e.where, inner) if e.where else frozenset())


def test_visitor_dispatches_by_class_and_folds_the_rest() -> None:
    # free names of `a + sum(value(i) for i in xs where i != b) * 2`: a, xs, b (i is bound)
    assert _Names().visit(_tree(), frozenset()) == {"a", "xs", "b"}


def test_visitor_without_a_fold_says_so() -> None:
    with pytest.raises(NotImplementedError):
        ast.Visitor[int]().visit(ast.Name("x"))


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_walk_meets_every_node_of_the_shipped_rules(path: Path) -> None:
    """walk(rf) yields as many nodes as to_data (an independent recursion over every dataclass,
    list and tuple) writes "node" tags. (The parser may share a node between two fields, e.g. a
    class range `= III` as both bounds: each place is met, as to_data writes each.)"""
    rf = check_file(path).rf
    assert rf is not None
    tags = json.dumps(ast.to_data(rf)).count('"node": ')
    nodes = list(ast.walk(rf))
    assert len(nodes) == tags


def test_two_loops_over_different_lists_are_different_conditions() -> None:
    """condition_key (the checker's "same condition") reads to_data, which once dropped every
    field named `source`, a loop's list among them."""
    from compensation.lang.check import condition_key

    def loop(source: str) -> ast.Comprehension:
        return ast.Comprehension("all", ast.Name("i"), "i", ast.Name(source), None)

    assert condition_key(loop("a")) != condition_key(loop("b"))
    assert condition_key(loop("a")) == condition_key(loop("a"))
