"""How the docs tests start `ecocomp` as a real process: the console script of this Python's
environment (the one pytest runs in), so a PATH without the venv's bin/ cannot pick another."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def ecocomp_command() -> list[str]:
    beside = Path(sys.executable).with_name("ecocomp")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("ecocomp")
    assert found, "the ecocomp command is not installed (pip install -e .)"
    return [found]
