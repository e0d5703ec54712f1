"""The `ecocomp` console script (`compensation.cli:entry`) leaves without tearing the interpreter
down, yet with its output flushed, its exit functions run and its exit status kept; with another
thread alive it takes the ordinary exit (which waits for the thread). Real processes; a file left
open and unflushed in a module shows whether the teardown ran: only the teardown closes it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import atexit, sys, threading, time
import compensation

compensation.witness = open(sys.argv[2], "w")  # closed (and so written) only by the teardown
compensation.witness.write("teardown")
atexit.register(lambda: print("exit functions"))


def late() -> None:
    time.sleep(0.3)
    print("thread done")


if sys.argv[1] == "thread":
    threading.Thread(target=late).start()
sys.argv = ["ecocomp", *sys.argv[3:]]
from compensation.cli import entry

entry()
"""


def _entry(mode: str, witness: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT, mode, str(witness), *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_script_leaves_without_the_teardown_but_with_its_output(tmp_path: Path) -> None:
    done = _entry("alone", tmp_path / "witness.txt", "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("ecocomp, version ")
    assert done.stdout.splitlines()[1:] == ["exit functions"]
    assert (tmp_path / "witness.txt").read_text() == ""  # the teardown did not run


def test_an_error_keeps_its_sentence_and_exit_status(tmp_path: Path) -> None:
    done = _entry("alone", tmp_path / "witness.txt", "--db", str(tmp_path / "none.duckdb"),
                  "accounts", "--scheme", "tongshun", "--period", "2024-03")
    assert done.returncode == 1
    assert done.stderr.startswith("错误：数据库 ") and "不存在" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert done.stdout.splitlines() == ["exit functions"]


def test_with_another_thread_alive_the_ordinary_exit_is_taken(tmp_path: Path) -> None:
    done = _entry("thread", tmp_path / "witness.txt", "--version")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()  # the thread may finish before or after the command
    assert len(lines) == 3 and "thread done" in lines[:2] and lines[2] == "exit functions"
    assert (tmp_path / "witness.txt").read_text() == "teardown"
