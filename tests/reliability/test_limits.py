"""Limits: a million-row sample file loads whole, with bounded memory, in a real process.

The peak resident memory of the `ecocomp load` process is read with resource.getrusage in a small
measuring process whose only child is that load (so no other child of pytest can inflate it).
The 1,000-section bulletin is `tests/render/test_render_scale.py`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
from rel_support import SECTION_IDS, measured_ecocomp, write_big_samples

ROWS = 1_000_000
PEAK_LIMIT_MIB = 1024


def expected_total(rows: int, indicators: int = 4) -> Decimal:
    """The sum of the generator's values, by its formula: (hour·7 + k) mod 400 / 100."""
    per_hour = len(SECTION_IDS) * indicators
    total = 0
    for n in range(rows):
        hour, rest = divmod(n, per_hour)
        total += (hour * 7 + rest % indicators) % 400
    return Decimal(total) / 100


def test_a_million_rows_load_whole_with_bounded_memory(registry_copy: Path,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "million.csv"
    assert write_big_samples(path, ROWS) == ROWS
    result = measured_ecocomp(registry_copy, "load", "samples", str(path))
    assert result["code"] == 0, result["err"]
    assert result["out"] == f"{path}：批次 3，导入 {ROWS} 行。\n"
    assert "Traceback" not in result["err"]
    assert result["peak_mib"] < PEAK_LIMIT_MIB, result
    con = duckdb.connect(str(registry_copy), read_only=True)
    try:
        count, total, sections = con.execute(
            "SELECT count(*), sum(value), count(DISTINCT section_id) FROM samples").fetchall()[0]
    finally:
        con.close()
    assert (count, total, sections) == (ROWS, expected_total(ROWS), len(SECTION_IDS))
