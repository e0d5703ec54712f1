"""The engine: runs rule SQL into the ledger, reads accounts, explains, diffs and settles.

Public entry points: `run_scheme`, `accounts`, `explain_line`, `diff_runs`, `settle_year`.
"""

from compensation.engine.accounts import read_accounts
from compensation.engine.diff import diff_runs
from compensation.engine.explain import explain_line
from compensation.engine.run import RunResult, run_scheme, run_schemes
from compensation.engine.settle import settle_year

__all__ = [
    "RunResult",
    "read_accounts",
    "diff_runs",
    "explain_line",
    "run_scheme",
    "run_schemes",
    "settle_year",
]
