"""Ingest: registry and monitoring files (CSV, XLSX, Parquet; long or wide) into the store.

Every load is one transaction and one batch per file; any problem in any file loads nothing and
lists every problem with its file, sheet, row and column.
"""

from compensation.ingest.batches import read_batch_file
from compensation.ingest.progress import BarProgress
from compensation.ingest.registry import load_parties, load_sections
from compensation.ingest.report import BatchResult, LoadReport
from compensation.ingest.samples import load_samples

__all__ = [
    "BarProgress",
    "BatchResult",
    "LoadReport",
    "load_parties",
    "load_samples",
    "load_sections",
    "read_batch_file",
]
