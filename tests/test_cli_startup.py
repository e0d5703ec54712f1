"""`ecocomp --help`, `--version` and every `--help` start without the heavy libraries, and a run
whose rules are in the cache starts without the rule compiler (issue 15 §3).

Each check is a real process: what a process imported is what a user waits for. No time is
asserted (bench/latency.py measures it); what is checked is which modules were loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import duckdb

from compensation.cli import cli

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
# what `--help` must not load; DuckDB too: listing the commands needs no database
HEAVY = ("duckdb", "polars", "sqlglot", "lark", "matplotlib", "openpyxl", "numpy", "pyarrow",
         "jinja2")
COMPILER = ("lark", "sqlglot")


def _ecocomp() -> str:
    beside = Path(sys.executable).with_name("ecocomp")
    return str(beside) if beside.is_file() else str(shutil.which("ecocomp"))


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(_command_paths(command, (*prefix, name)))
    return found


def _imported(stderr: str) -> set[str]:
    """Top-level package names in a `python -X importtime` report."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_help_and_version_import_no_heavy_library() -> None:
    """The real console script, under -X importtime: --help, --version, each group's --help."""
    groups = [p for p in _command_paths(cli) if isinstance(_command(p), click.Group)]
    assert ("rules",) in groups and ("scenario",) in groups
    for args in (["--help"], ["--version"], *[[*g, "--help"] for g in groups]):
        done = subprocess.run([sys.executable, "-X", "importtime", _ecocomp(), *args],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        loaded = _imported(done.stderr)
        assert "compensation" in loaded, args  # the report is read correctly
        assert not loaded & set(HEAVY), (args, sorted(loaded & set(HEAVY)))


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


def test_every_commands_help_in_one_process_imports_no_heavy_library() -> None:
    """All of them one after another in one process (cheaper than a process each)."""
    script = f"""
import json, sys
from compensation.cli import main
for args in json.loads(sys.argv[1]):
    sys.argv = ["ecocomp", *args]
    try:
        main()
    except SystemExit as end:
        assert end.code in (0, None), (args, end.code)
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({list(HEAVY)!r}))))
"""
    every = [[*p, "--help"] for p in _command_paths(cli)]
    done = subprocess.run([sys.executable, "-c", script, json.dumps(every)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_help_lists_every_command_with_its_short_help() -> None:
    done = subprocess.run([_ecocomp(), "--help"], capture_output=True, text=True, check=True)
    listed = {line.split()[0]: line.split(None, 1)[1] for line in
              done.stdout.split("Commands:", 1)[1].splitlines() if line.strip()}
    assert set(listed) == set(cli.commands)
    for name, command in cli.commands.items():
        short = command.get_short_help_str(limit=1000)
        assert short and short.startswith(listed[name].rstrip(".").rstrip("…")), name


def _run_importing(db: Path, env: dict[str, str], *args: str) -> tuple[str, set[str]]:
    """stdout, and the top-level packages and the full names of the modules imported."""
    done = subprocess.run([sys.executable, "-X", "importtime", _ecocomp(), "--db", str(db), *args],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
               if line.startswith("import time:") and "|" in line}
    return done.stdout, _imported(done.stderr) | modules


def test_a_run_with_its_rules_in_the_cache_does_not_load_the_compiler(tmp_path: Path) -> None:
    """Cold: the compiler runs and fills the cache. Warm: the same rule file is not compiled
    (neither lark nor sqlglot is imported) and the run records exactly the same lines."""
    db = tmp_path / "t.duckdb"
    env = {**os.environ, "ECOCOMP_CACHE_DIR": str(tmp_path / "cache"),
           "ECOCOMP_RULES": str(REPO / "rules")}
    for args in (("load", "parties", str(DATA / "registry" / "parties.csv")),
                 ("load", "sections", str(DATA / "registry" / "sections.csv")),
                 ("load", "samples", str(DATA / "monitoring" / "2024.csv"))):
        subprocess.run([_ecocomp(), "--db", str(db), *args], env=env, check=True,
                       capture_output=True)
    run = ("run", "--scheme", "tongshun", "--period", "2024-03")
    cold_out, cold = _run_importing(db, env, *run)
    warm_out, warm = _run_importing(db, env, *run)
    assert set(COMPILER) <= cold
    assert not warm & {*COMPILER, "polars", "matplotlib", "openpyxl"}, sorted(warm)
    # nor the syntax tree's module: only the compiler needs it (about 50 ms of imports)
    assert "compensation.lang.ast" in cold and "compensation.lang.ast" not in warm
    # nor the demo's module (its default folder is written in the command, and agrees)
    assert "compensation.demo" not in warm
    from compensation.cli.demo import OUT_DIR_SHOWN
    from compensation.demo import DEFAULT_OUT_DIR

    assert Path(OUT_DIR_SHOWN) == DEFAULT_OUT_DIR
    assert cold_out.startswith("运行 #1：") and warm_out.startswith("运行 #2：")
    assert "与运行 #1 的输入和结果完全相同" in warm_out
    # the reading commands are clients of the API (compensation.api.Store) and print its `data`
    # or the engine's result: polars is imported only when a frame is asked for
    for reading in (("accounts", "--scheme", "tongshun", "--period", "2024-03"), ("explain", "1"),
                    ("diff", "1", "2")):
        _, loaded = _run_importing(db, env, *reading)
        assert not loaded & {*COMPILER, "polars", "matplotlib"}, (reading, sorted(loaded))
    con = duckdb.connect(str(db), read_only=True)
    lines = con.execute(
        "SELECT run_id, count(*), sum(amount) FROM ledger GROUP BY run_id ORDER BY run_id"
    ).fetchall()
    con.close()
    # the three Tongshun sections in March 2024, on both runs, with equal totals
    assert [r[1] for r in lines] == [3, 3] and lines[0][2] == lines[1][2]
