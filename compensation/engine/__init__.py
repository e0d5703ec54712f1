"""The engine: runs rule SQL into the ledger, reads accounts, explains, diffs and settles.

Public entry points: `run_scheme`, `accounts`, `explain_line`, `diff_runs`, `settle_year`; each
loads its module on first use (see compensation/lazy.py).
"""

from compensation.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "accounts": ["read_accounts"],
    "diff": ["diff_runs"],
    "explain": ["explain_line"],
    "run": ["RunResult", "run_scheme", "run_schemes"],
    "settle": ["settle_year"],
})
