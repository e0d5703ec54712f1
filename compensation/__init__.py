"""ecocomp: cross-boundary water-quality ecological compensation engine.

The Python API (`Store` and its result types, docs/python-api.md) is imported on first use, so
`import compensation` stays cheap for the command line.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

API_NAMES = (
    "Accounts", "Explanation", "LoadReport", "RunDiff", "RunResult", "ScenarioComparison",
    "ScenarioSweep", "Settlement", "Store", "WorkbenchPage",
)


def __getattr__(name: str) -> Any:
    """`compensation.Store` and the other API names, imported from `compensation.api` lazily."""
    if name in API_NAMES:
        from compensation import api

        return getattr(api, name)
    raise AttributeError(f"module 'compensation' has no attribute {name!r}")
