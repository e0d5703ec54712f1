"""The command line is a client of the Python API: no command module reaches past `Store` to open
the database, load, run, read the ledger, settle, explain, diff or evaluate scenarios itself.

Formatting stays beside the data it formats (`engine.accounts.render_text` and the like), so what
is checked is the calls that compute or fetch, by name, in the source of compensation/cli/.
"""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[1] / "compensation" / "cli"
# what only `compensation.api.store.Store` may call on the command line's behalf
FETCHING = {
    "open_store", "init_store", "run_schemes", "run_scheme", "read_accounts", "settle_year",
    "explain_line", "diff_runs", "load_parties", "load_sections", "load_samples", "compare",
    "sweep", "workbench", "duckdb",
}
MODULES = {"compensation.store", "compensation.store.connection", "compensation.engine.run",
           "compensation.scenario.compare", "compensation.scenario.sweep",
           "compensation.scenario.workbench", "duckdb"}


def _on_a_store(node: ast.Attribute) -> bool:
    """`store.x`, `app.store().x` or `app.existing_store().x`: the API's own method."""
    owner = node.value
    if isinstance(owner, ast.Name):
        return owner.id == "store"
    return (isinstance(owner, ast.Call) and isinstance(owner.func, ast.Attribute)
            and owner.func.attr in ("store", "existing_store"))


def _reaches(source: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.module in MODULES:
                found.append(f"from {node.module} import …")
            found += [f"import {a.name}" for a in node.names if a.name in FETCHING]
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name in MODULES]
        elif isinstance(node, ast.Attribute) and node.attr in FETCHING and not _on_a_store(node):
            found.append(f".{node.attr}")
    return found


def test_no_command_module_fetches_past_the_store() -> None:
    reaching = {p.name: r for p in sorted(CLI.glob("*.py")) if (r := _reaches(p))}
    assert reaching == {}


def test_the_check_finds_a_command_that_opens_the_database_itself(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from compensation.engine import explain as e\n"
                   "def f(app):\n    from compensation.store import open_store\n"
                   "    return e.explain_line(open_store(app.db_path), 1)\n"
                   "def g(app):\n    return app.existing_store().explain(1).data\n",
                   encoding="utf-8")
    assert _reaches(bad) == ["from compensation.store import …", "import open_store",
                             ".explain_line"]
