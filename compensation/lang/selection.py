"""Sections and parties named in a rule (`section = "S12"`, `section.river = "汉江"`,
`section.party = hubei`, `section.party.kind = "province"`): the attributes a rule may read, and
the check of written codes and rivers against a registry (issue #18 item 4).

A rule file does not list its sections (the registry does), so a misspelt section code or river
would select nothing and pay nothing without a word; `not_in_registry` finds them wherever
a registry is at hand (`rules check` with a database, and every run).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from compensation.errors import RuleError
from compensation.lang import ast
from compensation.lang import units as u
from compensation.lang.diagnostics import Diagnostic

# attribute as written → (ev_sections column, its type, in words)
ATTRIBUTES: dict[str, tuple[str, u.Unit, str]] = {
    "": ("section_id", u.TEXT, "断面编号"),
    "river": ("river", u.TEXT, "所在河流"),
    "bank": ("bank", u.TEXT, "岸别（left/right）"),
    "water_body": ("water_body", u.TEXT, "水体（river/lake）"),
    "party": ("party_id", u.PARTY, "被考核方（当事方编号）"),
    "party.kind": ("party_kind", u.TEXT, "被考核方的单位类型"),
}
# the values the registry can hold for these attributes (ingest/registry.py stores these codes)
FIXED_VALUES = {
    "party.kind": ("district", "city", "county", "province", "treasury", "other"),
    "bank": ("left", "right"),
    "water_body": ("river", "lake"),
}
# the attributes whose values only the registry knows: checked against it
REGISTRY_ATTRIBUTES = {"": "断面编号", "river": "河流"}
ALLOWED_WORDS = "section、" + "、".join(f"section.{a}" for a in ATTRIBUTES if a)


def attribute_written(attr: str) -> str:
    return f"section.{attr}" if attr else "section"


@dataclass(frozen=True)
class Named:
    """A registry value written in a rule, where: `section = "S12"` gives ("", "S12", line, col)."""

    attr: str
    value: str
    line: int
    col: int


def named_values(rf: ast.RuleFile) -> list[Named]:
    """The section codes and rivers a file compares with quoted values (registry-checked)."""
    found = [
        Named(a.attr, b.text, b.line, b.col)
        for node in ast.walk([*rf.measures, *rf.rules])
        if isinstance(node, ast.Compare) and node.op in ("=", "!=")
        for a, b in ((node.left, node.right), (node.right, node.left))
        if isinstance(a, ast.SectionRef) and a.attr in REGISTRY_ATTRIBUTES
        and isinstance(b, ast.Str)
    ]
    return sorted(found, key=lambda n: (n.line, n.col))


def not_in_registry(
    scheme: str, named: Iterable[Named], rows: Iterable[tuple[str, str]]
) -> list[tuple[Named, str]]:
    """The written section codes and rivers that none of the scheme's registered sections
    (`rows`: section id, river) has; nothing when the registry holds no section of the scheme
    (then there is nothing to compare with: the scheme is not registered in this database)."""
    rows = list(rows)
    if not rows:
        return []
    known = {"": {r[0] for r in rows}, "river": {r[1] for r in rows}}
    out = []
    for n in named:
        if n.value not in known[n.attr]:
            listed = "、".join(sorted(known[n.attr])[:12])
            out.append((n, (f"{REGISTRY_ATTRIBUTES[n.attr]}“{n.value}”不在方案“{scheme}”的断面"
                           f"名录中（已登记：{listed}）。(unknown {attribute_written(n.attr)} "
                           f"{n.value!r})")))
    return out


def registry_rows(con: duckdb.DuckDBPyConnection, scheme: str) -> list[tuple[str, str]]:
    """(section id, river) of the scheme's registered sections."""
    return con.execute(
        "SELECT section_id, river FROM sections WHERE list_contains(schemes, ?)", [scheme]
    ).fetchall()


def refuse_unregistered(con: duckdb.DuckDBPyConnection, scheme: str, file: str,
                        names: Iterable[tuple[str, str, int, int]]) -> None:
    """A run of rules naming a section code or river the scheme's registry lacks stops with
    the place in the rule file: those rules would otherwise pay nothing, silently."""
    named = [Named(*n) for n in names]
    if not named:
        return
    problems = not_in_registry(scheme, named, registry_rows(con, scheme))
    if problems:
        lines = [f"{file}:{n.line}:{n.col}: {message}" for n, message in problems]
        raise RuleError("\n".join(lines), [Diagnostic(file, n.line, n.col, message)
                                            for n, message in problems])


def fixed_value_problem(attr: str, value: str) -> str | None:
    """Why a quoted value can never equal the attribute (bank "左" instead of "left"), or None."""
    allowed = FIXED_VALUES.get(attr)
    if allowed is None or value in allowed:
        return None
    return (f"{attribute_written(attr)} 的取值应为 {'、'.join(allowed)} 之一（名录中保存的代码），"
            f"而不是“{value}”。(unknown value)")
