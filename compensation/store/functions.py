"""Whether a connection has an SQL function or macro, asked of DuckDB once per connection.

Why: `duckdb_functions()` lists every function DuckDB knows (about 60 ms a call), and a monthly
run asked it twelve times to find the quality macros. The names found are kept per connection
(weakly: a closed and collected connection leaves nothing behind); a name not found is looked up
again, so a macro created later on the same connection (`init_store`) is seen.

`open_store` hands over the macros of the package's SQL files when the store's recorded SQL
fingerprint is the current one (`known_macros`): they are then there without asking, and a monthly
command asks DuckDB nothing (the one call was about 30 ms of CPU, a fifth of Python's start).
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

import duckdb

_FOUND: WeakKeyDictionary[duckdb.DuckDBPyConnection, frozenset[str]] = WeakKeyDictionary()


def known_macros(con: duckdb.DuckDBPyConnection, names: frozenset[str]) -> None:
    """Record macros `con` is known to have (created by the store's current SQL files)."""
    _FOUND[con] = _FOUND.get(con, frozenset()) | names


def has_function(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when `name` is a function or (table) macro that `con` can call."""
    found = _FOUND.get(con)
    if found is None or name not in found:
        rows = con.execute("SELECT DISTINCT function_name FROM duckdb_functions()").fetchall()
        found = frozenset(r[0] for r in rows) | (found or frozenset())
        _FOUND[con] = found
    return name in found
