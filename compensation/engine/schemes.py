"""Finding and compiling the scheme rule files, and reading the compiled header the engine needs.

The rule language owns `CompiledScheme`; this module only reads the fields the engine relies on,
so a renamed field breaks here, in one place.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from compensation.errors import EcocompError

ALL = "all"


@dataclass(frozen=True)
class RuleInfo:
    """One compiled rule: where it is written and the SQL that computes its lines."""

    id: str
    title: str
    basis: str
    file: str
    line: int
    sql: str


@dataclass(frozen=True)
class SchemeInfo:
    """What the engine needs from a compiled scheme."""

    id: str
    title: str
    period_kind: str
    span_start: date | None
    rules: list[RuleInfo]
    parameters: Any  # JSON-able snapshot of the dated parameters
    path: Path
    compiled: Any  # the CompiledScheme itself, for prepare_run


def default_rules_dir() -> Path:
    """`ECOCOMP_RULES`, then ./rules, then the rules/ folder beside the installed package."""
    env = os.environ.get("ECOCOMP_RULES")
    if env:
        return Path(env)
    local = Path("rules")
    if local.is_dir():
        return local
    return Path(__file__).resolve().parents[2] / "rules"


def scheme_ids(rules_dir: Path | None = None) -> list[str]:
    """The schemes that exist: the stems of the `.rule` files in the rules folder."""
    return sorted(p.stem for p in (rules_dir or default_rules_dir()).glob("*.rule"))


def scheme_paths(scheme: str, rules_dir: Path | None = None) -> list[Path]:
    """`rules/<scheme>.rule`, or every scheme file for 'all'; a clear sentence if there is none."""
    folder = rules_dir or default_rules_dir()
    if scheme == ALL:
        paths = sorted(folder.glob("*.rule"))
        if not paths:
            raise EcocompError(
                f"规则目录 {folder} 中没有任何 .rule 文件。(no rule files in {folder})"
            )
        return paths
    path = folder / f"{scheme}.rule"
    if not path.is_file():
        known = ", ".join(scheme_ids(folder)) or "（无）"
        raise EcocompError(
            f"找不到方案“{scheme}”的规则文件 {path}；现有方案：{known}。(unknown scheme {scheme})"
        )
    return [path]


def jsonable(value: Any) -> Any:
    """Dataclasses, dates, decimals and enums as plain JSON values, keys in a stable order."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "__dict__"):
        return {k: jsonable(v) for k, v in sorted(vars(value).items()) if not k.startswith("_")}
    return str(value)


def canonical_json(value: Any) -> str:
    return json.dumps(jsonable(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _field(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = str(value)
    if len(text) == 7:
        text += "-01"
    return date.fromisoformat(text[:10])


def describe(compiled: Any, path: Path) -> SchemeInfo:
    """Read the header, rules and parameters the engine uses from a compiled scheme."""
    header = _field(compiled, "header", default=compiled)
    rules = [
        RuleInfo(
            id=str(_field(r, "id", "rule_id")),
            title=str(_field(r, "title", default="") or ""),
            basis=str(_field(r, "basis", default="") or ""),
            file=str(_field(r, "file", default=path) or path),
            line=int(_field(r, "line", default=0) or 0),
            sql=str(_field(r, "sql")),
        )
        for r in _field(compiled, "rules", default=[])
    ]
    kind = _field(header, "period_kind", "period", default="month")
    kind = _field(kind, "kind", default=kind)
    return SchemeInfo(
        id=str(_field(header, "id", "scheme_id", "name")),
        title=str(_field(header, "title", default="") or ""),
        period_kind=str(jsonable(kind)),
        span_start=_as_date(_field(header, "span_start", "start", "from_date", default=None)),
        rules=rules,
        parameters=jsonable(_field(compiled, "parameters", default=[])),
        path=path,
        compiled=compiled,
    )


def load_scheme(path: Path) -> SchemeInfo:
    """Compile one rule file with the rule language (errors from the checker pass through)."""
    from compensation.lang import compile_file  # the rule language is a sibling package

    return describe(compile_file(path), path)
