"""Which swept parameters act on a scheme's yearly nets together (read from the rule file's tree).

A line's amount is an exception's value when its condition holds, else the value of the branch
that the `if`/`by … when` conditions choose. When no swept parameter is read by a condition (nor
by `where`, a split's shares or a cap), each line's amount depends only on the swept parameters
its branch value reads, so a year's net is a sum of terms, one per group of parameters read
together: net(a, p) = F(a) + G(p) + K for Tongshun's annual and penalty amounts. Reads are
over-approximated (every parameter, variant, measure or `let` named in a subtree, followed through
measures and lets); an over-approximation only merges groups, so it costs speed, never exactness.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from compensation.errors import EcocompError
from compensation.lang import CompiledScheme, ast


def rule_tree(compiled: CompiledScheme) -> ast.RuleFile | None:
    """The scheme's syntax tree: the compiled scheme's own, else the rule file parsed again when
    its text is still the compiled text (the rule cache leaves the tree out); None otherwise."""
    if compiled.ast is not None:
        return compiled.ast
    try:
        source = Path(compiled.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if hashlib.sha256(source.encode("utf-8")).hexdigest() != compiled.source_sha256:
        return None
    from compensation.lang.parse import parse_text  # lark: only when a grid has two axes

    try:
        return parse_text(source, compiled.file)
    except EcocompError:
        return None


class _Reads:
    """The parameters an expression can read, through measures, lets and variant names."""

    def __init__(self, rf: ast.RuleFile) -> None:
        self.params = {p.name for p in rf.params}
        self.variants = {v: p.name for p in rf.params for v in p.variants}
        self.measures = {m.name: m.expr for m in rf.measures}
        self.memo: dict[str, set[str]] = {}

    def of(self, expr: object, lets: dict[str, ast.Expr], seen: frozenset[str] = frozenset()
           ) -> set[str]:
        out: set[str] = set()
        for node in ast.walk(expr):
            if not isinstance(node, ast.Name | ast.ControlRef):
                continue
            name = node.name
            if name in seen:
                continue
            if name in self.params:
                out.add(name)
            if name in self.variants:
                out.add(self.variants[name])
            if name in lets:
                out |= self.of(lets[name], lets, seen | {name})
            if name in self.measures:
                out |= self.measure(name, seen | {name})
        return out

    def measure(self, name: str, seen: frozenset[str]) -> set[str]:
        if name not in self.memo:
            self.memo[name] = self.of(self.measures[name], {}, seen)
        return self.memo[name]


def _rule_links(rule: ast.Rule, reads: _Reads) -> list[set[str]]:
    """Sets of parameters that act on one line's amount together: for each branch value (and
    exception value), its reads plus everything the choice between them reads."""
    lets = {let.name: let.expr for let in rule.lets}
    choice: set[str] = set()
    leaves: list[set[str]] = []

    def split(e: ast.Expr) -> None:
        if isinstance(e, ast.If):
            choice.update(reads.of(e.cond, lets))
            split(e.then)
            split(e.other)
        elif isinstance(e, ast.Table):
            choice.update(reads.of(e.subject, lets))
            for entry in e.entries:
                if entry.range is not None:
                    choice.update(reads.of(entry.range, lets))
                split(entry.value)
        else:
            leaves.append(reads.of(e, lets))

    split(rule.amount)
    amount_reads = reads.of(rule.amount, lets)
    if rule.where is not None:
        choice.update(reads.of(rule.where, lets))
    choice.update(reads.of([rule.payer, rule.payee], lets))
    for exc in rule.exceptions:
        choice.update(reads.of(exc.cond, lets))
        value = reads.of(exc.value, lets)
        if any(isinstance(n, ast.AmountRef) for n in ast.walk(exc.value)):
            value |= amount_reads
        leaves.append(value)
    if rule.caps:  # a cap clips the lines' total: every read acts together
        choice.update(amount_reads, reads.of(rule.caps, lets))
        for leaf in leaves:
            choice.update(leaf)
    return [choice | leaf for leaf in leaves] or [choice]


def param_groups(compiled: CompiledScheme, swept: Iterable[str]) -> list[list[str]]:
    """`swept` partitioned into groups whose parameters act on the nets together (in the order
    given); one group with all of them when the rule file cannot be read again."""
    names = list(swept)
    rf = rule_tree(compiled) if len(names) > 1 else None
    return [names] if rf is None else groups_in(rf, names)


def groups_in(rf: ast.RuleFile, names: list[str]) -> list[list[str]]:
    """`names` partitioned by the rules of `rf`: two names share a group when some line's amount
    can read both (directly, or one in the choice of the branch the other is read in)."""
    parent = {n: n for n in names}

    def root(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    reads = _Reads(rf)
    for rule in rf.rules:
        for link in _rule_links(rule, reads):
            together = [n for n in names if n in link]
            for other in together[1:]:
                parent[root(other)] = root(together[0])
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(root(n), []).append(n)
    return list(groups.values())
