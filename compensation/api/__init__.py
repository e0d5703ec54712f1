"""The Python API of ecocomp: a `Store` with polars frames and dataclasses (docs/python-api.md).

    from compensation import Store
    store = Store("demo-out/ecocomp.duckdb")
    store.party_totals("yangtze_han", year=2024)

Money is `pl.Decimal(18, 2)` yuan, periods are `pl.Date`, names stand beside codes. The names are
resolved on first use (a module `__getattr__`), so the command line, itself a client of `Store`,
imports `compensation.api.store` without polars; polars is imported when a frame is built.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compensation.api.results import (
        Explanation,
        RunDiff,
        ScenarioComparison,
        ScenarioSweep,
        WorkbenchPage,
    )
    from compensation.api.store import Store, period_start
    from compensation.engine.accounts import Accounts
    from compensation.engine.run import RunResult
    from compensation.engine.settle import Settlement
    from compensation.errors import EcocompError, InputError, RuleError, StoreBusy
    from compensation.ingest import LoadReport

_WHERE = {
    "Accounts": "compensation.engine.accounts",
    "EcocompError": "compensation.errors",
    "Explanation": "compensation.api.results",
    "InputError": "compensation.errors",
    "LoadReport": "compensation.ingest",
    "RuleError": "compensation.errors",
    "RunDiff": "compensation.api.results",
    "RunResult": "compensation.engine.run",
    "ScenarioComparison": "compensation.api.results",
    "ScenarioSweep": "compensation.api.results",
    "Settlement": "compensation.engine.settle",
    "Store": "compensation.api.store",
    "WorkbenchPage": "compensation.api.results",
    "StoreBusy": "compensation.errors",
    "period_start": "compensation.api.store",
}

__all__ = [
    "Accounts",
    "EcocompError",
    "Explanation",
    "InputError",
    "LoadReport",
    "RuleError",
    "RunDiff",
    "RunResult",
    "ScenarioComparison",
    "ScenarioSweep",
    "Settlement",
    "Store",
    "StoreBusy",
    "WorkbenchPage",
    "period_start",
]


def __getattr__(name: str) -> Any:
    """Each public name imported from its module on first use."""
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'compensation.api' has no attribute {name!r}")
