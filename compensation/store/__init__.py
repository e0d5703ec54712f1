"""The DuckDB store: one file holding the registry, raw batches, samples, runs and the ledger."""

from compensation.store.connection import (
    DEFAULT_DB,
    SCHEMA_VERSION,
    init_store,
    open_store,
    resolve_db_path,
    transaction,
)

__all__ = [
    "DEFAULT_DB",
    "SCHEMA_VERSION",
    "init_store",
    "open_store",
    "resolve_db_path",
    "transaction",
]
