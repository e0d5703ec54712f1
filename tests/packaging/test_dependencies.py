"""Every third-party module the package imports is declared, so a fresh machine gets it.

CI once passed only because pyarrow happened to be installed on the machine: DuckDB reads a
registered polars frame through Arrow, and nothing in `compensation/` imports pyarrow by name. So
besides the imports found in the source, the test names the modules that libraries need at run time.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Modules no source file imports by name but a declared library needs at run time, and why.
RUNTIME_COMPANIONS = {
    "pyarrow": "DuckDB reads a registered polars frame as Arrow data (ingest, scenarios)",
}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _canonical(re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0])


def _declared(*extras: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {_requirement_name(r) for r in project["dependencies"]}
    for extra in extras:
        names |= {_requirement_name(r) for r in project["optional-dependencies"][extra]}
    return names


def _top_level_imports(folder: Path) -> dict[str, str]:
    """Each imported top-level module, with one place that imports it (any depth, lazy too)."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _undeclared(folder: Path, declared: set[str], own: set[str]) -> list[str]:
    distributions = packages_distributions()
    problems = []
    for module, where in sorted(_top_level_imports(folder).items()):
        if module in sys.stdlib_module_names or module in own:
            continue
        owners = {_canonical(d) for d in distributions.get(module, [])}
        if not owners:
            problems.append(f"{where}: imports {module}, which no installed distribution provides")
        elif not owners & declared:
            problems.append(f"{where}: imports {module} (from {sorted(owners)}), not declared")
    return problems


def test_every_module_the_package_imports_is_a_declared_dependency() -> None:
    problems = _undeclared(ROOT / "compensation", _declared(), {"compensation"})
    assert problems == [], "\n".join(problems)


def test_modules_needed_at_run_time_without_an_import_are_declared() -> None:
    distributions = packages_distributions()
    declared = _declared()
    for module, why in RUNTIME_COMPANIONS.items():
        owners = {_canonical(d) for d in distributions.get(module, [module])}
        assert owners & declared, f"{module} is needed ({why}) but not in pyproject dependencies"


def test_tests_and_benchmarks_need_only_declared_modules() -> None:
    declared = _declared("test")
    own = {"compensation", "bench", "tests"} | {
        p.stem for p in (ROOT / "tests").rglob("*.py")
    } | {p.name for p in (ROOT / "tests").rglob("*") if p.is_dir()}
    problems = [
        *_undeclared(ROOT / "tests", declared, own),
        *_undeclared(ROOT / "bench", declared, own),
    ]
    assert problems == [], "\n".join(problems)


def test_the_check_catches_an_undeclared_import(tmp_path: Path) -> None:
    # The check itself can fail: a module importing numpy against a declaration without numpy.
    (tmp_path / "m.py").write_text("def f():\n    import numpy\n", encoding="utf-8")
    global ROOT
    saved, ROOT = ROOT, tmp_path.parent
    try:
        problems = _undeclared(tmp_path, {"duckdb"}, set())
    finally:
        ROOT = saved
    assert len(problems) == 1 and "numpy" in problems[0]
