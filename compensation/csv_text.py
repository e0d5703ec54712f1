"""The one CSV writer of ecocomp: UTF-8 with a byte-order mark, so Excel on Chinese Windows opens
the file as UTF-8 (without the BOM it guesses GBK and shows 乱码). Every CSV the package writes,
to a file or to standard output, goes through `csv_text`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

BOM = "\ufeff"


def csv_text(fields: list[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A header and rows as CSV text starting with the BOM (write it with encoding utf-8)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
