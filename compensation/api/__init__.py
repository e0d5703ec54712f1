"""The Python API of ecocomp: a `Store` with polars frames and dataclasses (docs/python-api.md).

    from compensation import Store
    store = Store("demo-out/ecocomp.duckdb")
    store.party_totals("yangtze_han", year=2024)

Money is `pl.Decimal(18, 2)` yuan, periods are `pl.Date`, names stand beside codes. Importing
`compensation` alone loads none of this; `compensation.Store` imports it on first use.
"""

from compensation.api.results import Explanation, RunDiff, ScenarioComparison, ScenarioSweep
from compensation.api.store import Store, period_start
from compensation.engine.accounts import Accounts
from compensation.engine.run import RunResult
from compensation.engine.settle import Settlement
from compensation.errors import EcocompError, InputError, RuleError, StoreBusy
from compensation.ingest import LoadReport

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
    "period_start",
]
