"""Settings and fixtures every test folder shares: the rule cache, the `ecocomp` command, the demo.

The rule cache (compensation/lang/cache.py) goes to a folder of this test session, not the user's
~/.cache: tests start from an empty cache, and processes the tests start share it (environment).

The demo is built as a user's Quick start does it: the real `ecocomp demo` process, started in a
folder outside the repository (no ./rules, no ./data) with none of the ECOCOMP_* variables set, so
an editable install must find its rules and demo data by itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest


def pytest_sessionstart(session: pytest.Session) -> None:
    """Build matplotlib's font cache once, before any test starts a process.

    On a fresh machine the first process that imports matplotlib builds the cache and, when that
    takes more than five seconds (a busy machine), prints "Matplotlib is building the font cache"
    on stderr: a note of matplotlib's, not of ecocomp's, which would fail tests that read stderr."""
    import matplotlib.font_manager  # noqa: F401  (importing it builds and saves the cache)


@pytest.fixture(scope="session", autouse=True)
def _session_rule_cache() -> object:
    with tempfile.TemporaryDirectory(prefix="ecocomp-rule-cache-") as folder:
        before = os.environ.get("ECOCOMP_CACHE_DIR")
        os.environ["ECOCOMP_CACHE_DIR"] = folder
        yield folder
        if before is None:
            os.environ.pop("ECOCOMP_CACHE_DIR", None)
        else:
            os.environ["ECOCOMP_CACHE_DIR"] = before


def ecocomp_executable() -> str:
    """The console script of the environment pytest runs in (a PATH without the venv's bin/
    cannot pick another installation)."""
    beside = Path(sys.executable).with_name("ecocomp")
    if beside.is_file():
        return str(beside)
    found = shutil.which("ecocomp")
    assert found, "the ecocomp command is not installed (pip install -e .)"
    return found


@pytest.fixture(scope="session")
def ecocomp() -> str:
    return ecocomp_executable()


def user_env(**extra: str) -> dict[str, str]:
    """The environment of a user who set none of ecocomp's variables (the session's rule cache
    stays: it is the tests' own, not a user setting)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ECOCOMP_") or k == "ECOCOMP_CACHE_DIR"}
    env.update(extra)
    return env


@dataclass
class DemoBuild:
    cwd: Path
    db: Path
    out: Path
    stdout: str
    stderr: str
    returncode: int


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory, ecocomp: str) -> DemoBuild:
    root = tmp_path_factory.mktemp("demo")
    db, out = root / "store" / "demo.duckdb", root / "out"
    done = subprocess.run([ecocomp, "--db", str(db), "demo", "--out", str(out)], cwd=root,
                          env=user_env(), capture_output=True, text=True, check=False)
    return DemoBuild(root, db, out, done.stdout, done.stderr, done.returncode)
