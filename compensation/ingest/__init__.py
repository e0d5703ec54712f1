"""Ingest: registry and monitoring files (CSV, XLSX, Parquet; long or wide) into the store.

Every load is one transaction and one batch per file; any problem in any file loads nothing and
lists every problem with its file, sheet, row and column. Public names load their module on first
use (see compensation/lazy.py).
"""

from compensation.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "batches": ["read_batch_file"],
    "progress": ["BarProgress"],
    "registry": ["load_parties", "load_sections"],
    "report": ["BatchResult", "LoadReport"],
    "samples": ["load_samples"],
})
