"""Make the repository's `bench` package importable however pytest is started.

`bench/` is not installed (only `compensation` is), and `tests/` may be on sys.path ahead of the
repository when other test folders are packages; put the repository first.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = str(Path(__file__).resolve().parents[2])
if sys.path[:1] != [REPO]:
    sys.path.insert(0, REPO)
