"""Every `ecocomp …` command in a shell code block of README.md or docs/*.md runs as written.

The commands run in document order as real processes in one working folder that looks like the
repository to them (`data/` and `rules/` linked in, nothing else) with none of the ECOCOMP_*
variables set, so `ecocomp init` there creates ./ecocomp.duckdb and every later command uses it, as
a user following the README would. What a user would type in place of the README's placeholders is
the one table below; nothing else is changed. A command fails the test on a non-zero exit, an
internal error or a traceback.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ecocomp_executable, user_env

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELL_BLOCKS = {"", "bash", "sh", "shell", "console"}

# --- the placeholders of the documents and what stands for them in the demo --------------------
# The README's monthly file 2024-03.csv: the demo's monitoring is one long-form CSV per year, and
# the scenario examples below it need 2022–2024, so it stands for every year's file.
LATEST_YANGTZE_RUN = (
    "SELECT max(run_id) FROM runs WHERE scheme = 'yangtze_han' AND period_label = '2024-03'"
)
PLACEHOLDER_FILES: dict[str, list[str]] = {
    "2024-03.csv": [f"data/monitoring/{year}.csv" for year in range(2018, 2025)],
    "汉江2024.xlsx": ["data/monitoring/hanjiang_2024.xlsx"],
    "更正.csv": ["data/corrections/2024-03_correction.csv"],
}
# (command, placeholder) → the SQL giving the real id in the working database at that moment
PLACEHOLDER_IDS: dict[tuple[str, str], str] = {
    # a line of the Yangtze/Han run of 2024-03
    ("explain", "123"): f"SELECT min(line_id) FROM ledger WHERE run_id = ({LATEST_YANGTZE_RUN})",
    # the runs of 2024-03 before and after the correction was loaded
    ("diff", "41"): "SELECT min(run_id) FROM (SELECT run_id FROM runs WHERE scheme = "
                    "'yangtze_han' AND period_label = '2024-03' ORDER BY run_id DESC LIMIT 2)",
    ("diff", "42"): LATEST_YANGTZE_RUN,
}
# Commands run by a session fixture instead (the same command, with --db/--out into tmp folders)
RUN_BY_FIXTURE = {("demo",): "demo_build (tests/conftest.py), outside the repository"}


@dataclass(frozen=True)
class Documented:
    file: str
    line: int
    argv: tuple[str, ...]  # after `ecocomp`

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}: ecocomp {' '.join(self.argv)}"[:110]


def _segments(words: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for word in words:
        if word in ("&&", ";", "||"):
            out.append([])
        else:
            out[-1].append(word)
    return [s for s in out if s]


def documented_commands() -> list[Documented]:
    found = []
    for path in DOCUMENTS:
        block: str | None = None
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            stripped = line.strip()
            if stripped.startswith("```"):
                block = stripped[3:].strip().lower() if block is None else None
                continue
            if block not in SHELL_BLOCKS or "ecocomp" not in line:
                continue
            words = shlex.split(stripped.removeprefix("$ "), comments=True)
            for segment in _segments(words):
                if segment[0] == "ecocomp":
                    found.append(Documented(path.name, number, tuple(segment[1:])))
    return found


COMMANDS = documented_commands()


def test_the_documents_show_the_commands_a_user_walks() -> None:
    """The extraction itself: the README's walk is found, in order, comments stripped."""
    readme = [c.argv for c in COMMANDS if c.file == "README.md"]
    assert readme[0] == ("demo",)
    assert ("init",) in readme and ("rules", "check") in readme
    assert readme.index(("init",)) < readme.index(("run", "--scheme", "all", "--year", "2024"))
    assert ("scenario", "sweep", "--scheme", "tongshun", "--param",
            "annual_amount=100万..600万/50万", "--param", "target=III,IV") in readme
    assert ("doctor",) in readme


@dataclass
class Workspace:
    folder: Path
    run: Callable[[list[str]], subprocess.CompletedProcess]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    folder = tmp_path_factory.mktemp("readme")
    (folder / "data").symlink_to(REPO / "data", target_is_directory=True)
    (folder / "rules").symlink_to(REPO / "rules", target_is_directory=True)
    executable = ecocomp_executable()

    def run(argv: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run([executable, *argv], cwd=folder, env=user_env(),
                              capture_output=True, text=True, timeout=600, check=False)

    return Workspace(folder, run)


def _substitute(argv: tuple[str, ...], folder: Path) -> list[str]:
    out: list[str] = []
    for word in argv:
        if word in PLACEHOLDER_FILES:
            out.extend(PLACEHOLDER_FILES[word])
        elif (argv[0], word) in PLACEHOLDER_IDS:
            con = duckdb.connect(str(folder / "ecocomp.duckdb"), read_only=True)
            try:
                value = con.execute(PLACEHOLDER_IDS[(argv[0], word)]).fetchall()[0][0]
            finally:
                con.close()
            assert value is not None, f"no id for the placeholder {word} of {argv[0]}"
            out.append(str(value))
        else:
            out.append(word)
    return out


@pytest.mark.parametrize("command", COMMANDS, ids=[c.id for c in COMMANDS])
def test_documented_command_runs(command: Documented, workspace: Workspace, demo_build) -> None:
    if command.argv in RUN_BY_FIXTURE:
        assert demo_build.returncode == 0, demo_build.stderr
        assert "Traceback" not in demo_build.stderr
        return
    argv = _substitute(command.argv, workspace.folder)
    done = workspace.run(argv)
    said = f"ecocomp {shlex.join(argv)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert done.returncode == 0, said
    assert "Traceback" not in done.stdout + done.stderr, said
    assert "内部错误" not in done.stderr, said
