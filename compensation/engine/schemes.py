"""Finding and compiling the scheme rule files, and reading the compiled header the engine needs.

The rule language owns `CompiledScheme` and `CompiledRule` (compensation/lang/compiled.py, plain
data without the compiler); the engine imports those types, so a renamed field is a type error
here, not a guess that silently finds nothing.
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
from typing import TYPE_CHECKING, Any

from compensation.errors import EcocompError

if TYPE_CHECKING:  # the types only: importing the rule language costs a command's start-up
    import duckdb

    from compensation.lang.compiled import CompiledRule, CompiledScheme
    from compensation.lang.options import CompileOptions

ALL = "all"


@dataclass(frozen=True)
class SchemeInfo:
    """What the engine needs from a compiled scheme, read from the compiler's own type."""

    id: str
    title: str
    period_kind: str
    span_start: date | None
    rules: list[CompiledRule]
    parameters: Any  # JSON-able snapshot of the dated parameters
    path: Path
    compiled: CompiledScheme | None  # for prepare_run (None: a scheme not written in the language)
    year_begins: int = 1  # first month of the (agreement) year
    period_value: str = "samples"  # a longer period's value: 'samples' or 'monthly-mean'


def default_rules_dir(explicit: Path | str | None = None) -> Path:
    """Where the rule files are, for every command that reads them (run, rules check, scenarios,
    doctor): `--rules`, then `ECOCOMP_RULES`, then ./rules, then the rules/ folder beside the
    package (an editable install run from elsewhere)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("ECOCOMP_RULES")
    if env:
        return Path(env)
    local = Path("rules")
    if local.is_dir():
        return local
    return Path(__file__).resolve().parents[2] / "rules"


def scheme_ids(rules_dir: Path | None = None) -> list[str]:
    """The schemes that exist: the stems of the `.rule` files in the rules folder."""
    return sorted(p.stem for p in default_rules_dir(rules_dir).glob("*.rule"))


def scheme_paths(scheme: str, rules_dir: Path | None = None) -> list[Path]:
    """`rules/<scheme>.rule`, or every scheme file for 'all'; a clear sentence if there is none."""
    folder = default_rules_dir(rules_dir)
    if scheme == ALL:
        paths = sorted(folder.glob("*.rule"))
        if not paths:
            raise EcocompError(
                f"规则目录 {folder} 中没有任何 .rule 文件。(no rule files in {folder})"
            )
        return paths
    require_schemes([scheme], rules_dir=folder)
    return [folder / f"{scheme}.rule"]


def require_schemes(
    schemes: list[str], stored: list[str] | None = None, rules_dir: Path | None = None
) -> None:
    """Refuse a scheme id that is neither a rule file nor in the store's runs (`stored`): a typo
    such as `yangtze` gets "no such scheme" and the known ids, not "nothing was run". Every
    command that takes --scheme calls this."""
    folder = default_rules_dir(rules_dir)
    known = sorted(set(scheme_ids(folder)) | set(stored or ()))
    unknown = [s for s in schemes if s not in known]
    if unknown:
        where = "请检查 --rules 或 ECOCOMP_RULES"
        if stored is not None:
            where = "数据库中也没有其核算记录"
        raise EcocompError(
            f"没有方案“{'、'.join(unknown)}”：规则目录 {folder} 中没有 "
            f"{'、'.join(s + '.rule' for s in unknown)}，{where}；"
            f"已知的方案：{'、'.join(known) if known else '（无）'}。"
            f"(no such scheme {', '.join(unknown)})"
        )


def require_stored_schemes(con: duckdb.DuckDBPyConnection, schemes: list[str]) -> None:
    """`require_schemes` for commands that read the store: its runs' schemes count as known."""
    stored = [r[0] for r in con.execute("SELECT DISTINCT scheme FROM runs ORDER BY 1").fetchall()]
    require_schemes(schemes, stored)


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


def describe(compiled: CompiledScheme, path: Path) -> SchemeInfo:
    """The header, rules and parameters the engine uses, from the compiled scheme."""
    return SchemeInfo(
        id=compiled.id,
        title=compiled.title,
        period_kind=compiled.period,
        span_start=compiled.span_start,
        rules=list(compiled.rules),
        parameters=jsonable(compiled.parameters),
        path=path,
        compiled=compiled,
        year_begins=compiled.year_begins,
        period_value=compiled.period_value,
    )


def load_scheme(path: Path, options: CompileOptions | None = None) -> SchemeInfo:
    """Compile one rule file with the rule language (errors from the checker pass through);
    `options`: the optimisation passes on (default: all, the shipped SQL)."""
    from compensation.lang import compile_file  # the rule language is a sibling package

    return describe(compile_file(path) if options is None else compile_file(path, options), path)
