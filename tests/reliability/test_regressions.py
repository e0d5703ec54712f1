"""Defects the reliability tests found, each pinned by the smallest input that showed it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from compensation.cli import cli
from compensation.errors import InputError
from compensation.ingest import load_samples
from compensation.store import open_store


def test_a_measured_zero_has_a_monthly_value_and_a_class(registry_copy: Path,
                                                         tmp_path: Path) -> None:
    """A value of exactly 0 (allowed: "not below 0") once made monthly_values fail (log10 of inf).

    By hand: one sample is its own monthly mean; 0 mg/L COD/TP is class I (≤ 15, ≤ 0.02), and 0 mg/L
    dissolved oxygen is worse than class V (DO must be ≥ 2), so 劣Ⅴ = 6.
    """
    csv = tmp_path / "zeros.csv"
    csv.write_text("section,sampled_at,indicator,value\n"
                   "ts_inflow_1,2023-01-12,COD,0.0\n"
                   "ts_inflow_1,2023-01-12,TP,0\n"
                   "ts_inflow_1,2023-01-12,DO,0\n", encoding="utf-8")
    con = open_store(registry_copy)
    try:
        load_samples(con, [csv])
        rows = con.execute(
            "SELECT indicator, value, class FROM monthly_values(TIMESTAMP '2100-01-01') "
            "ORDER BY indicator").fetchall()
    finally:
        con.close()
    assert rows == [("COD", Decimal("0.000000"), 1), ("DO", Decimal("0.000000"), 6),
                    ("TP", Decimal("0.000000"), 1)]


def test_a_missing_sample_file_is_named_not_an_internal_error(registry_copy: Path,
                                                              tmp_path: Path) -> None:
    """`ecocomp load samples nothing.csv` once printed 内部错误：FileNotFoundError (stat first)."""
    missing = tmp_path / "nothing.csv"
    result = CliRunner().invoke(cli, ["--db", str(registry_copy), "load", "samples",
                                      str(missing)])
    assert isinstance(result.exception, InputError)
    assert str(result.exception) == f'{missing}：发现 "文件不存在"，应为 一个存在的数据文件路径。'
