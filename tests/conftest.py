"""Fixtures shared by several test folders: the `ecocomp` command and the demo built once.

The demo is built as a user's Quick start does it: the real `ecocomp demo` process, started in a
folder outside the repository (no ./rules, no ./data) with none of the ECOCOMP_* variables set, so
an editable install must find its rules and demo data by itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


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
    """The environment of a user who set none of ecocomp's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOCOMP_")}
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
