"""Rows into polars frames with fixed, documented dtypes.

Money is `Decimal(18, 2)` (yuan to the fen, exactly as the ledger holds it), periods are `Date`,
and every table carries the Chinese name beside each code. One schema per table, declared here, so
an empty result has the same columns and dtypes as a full one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

MONEY = pl.Decimal(18, 2)
VALUE = pl.Decimal(18, 6)  # measured values and period means, as the store holds them

ACCOUNT_LINES: dict[str, pl.DataType] = {
    "line": pl.Int64(), "run": pl.Int64(), "scheme": pl.String(), "rule": pl.String(),
    "period_start": pl.Date(), "period_end": pl.Date(), "section": pl.String(),
    "section_name": pl.String(), "payer": pl.String(), "payer_name": pl.String(),
    "payee": pl.String(), "payee_name": pl.String(), "amount": MONEY, "branch": pl.String(),
    "exception": pl.String(), "reason": pl.String(), "provisional": pl.Boolean(),
}
PARTY_TOTALS: dict[str, pl.DataType] = {
    "party": pl.String(), "party_name": pl.String(), "received": MONEY, "paid": MONEY,
    "net": MONEY,
}
RUNS: dict[str, pl.DataType] = {
    "run": pl.Int64(), "scheme": pl.String(), "label": pl.String(), "window_start": pl.Date(),
    "window_end": pl.Date(), "as_of": pl.Datetime("us"), "line_count": pl.Int64(),
    "same_as_run": pl.Int64(), "created_at": pl.Datetime("us"),
}
TRANSFERS: dict[str, pl.DataType] = {
    "settlement": pl.Int64(), "scheme": pl.String(), "year": pl.Int64(), "final": pl.Boolean(),
    "payer": pl.String(), "payer_name": pl.String(), "payee": pl.String(),
    "payee_name": pl.String(), "amount": MONEY,
}
DIFF_PARTIES: dict[str, pl.DataType] = {
    "party": pl.String(), "party_name": pl.String(), "period": pl.String(),
    "period_start": pl.Date(), "period_end": pl.Date(), "before": MONEY,
    "after": MONEY, "change": MONEY,
}
COMPARE_YEARLY: dict[str, pl.DataType] = {
    "year": pl.Int64(), "scenario": pl.String(), "net": MONEY, "vs_base": MONEY,
}
COMPARE_MONTHLY: dict[str, pl.DataType] = {
    "month": pl.Date(), "scenario": pl.String(), "net": MONEY, "reason": pl.String(),
}
PERIOD_VALUES: dict[str, pl.DataType] = {
    "section_id": pl.String(), "period": pl.Date(), "indicator": pl.String(),
    "n_samples": pl.Int64(), "n_valid": pl.Int64(), "value": VALUE, "highest": VALUE,
    "flags": pl.List(pl.String()), "class": pl.Int64(),
}
SAMPLES: dict[str, pl.DataType] = {
    "section_id": pl.String(), "sampled_at": pl.Datetime("us"), "indicator": pl.String(),
    "value": VALUE, "below_dl": pl.Boolean(), "detection_limit": VALUE, "flag": pl.String(),
    "source": pl.String(), "batch_id": pl.Int64(), "file_name": pl.String(),
    "row_no": pl.Int64(),
}
BREAK_EVEN: dict[str, pl.DataType] = {
    "param": pl.String(), "fixed": pl.String(), "value": pl.Decimal(38, 6),
    "value_text": pl.String(), "net_at_value": MONEY, "message": pl.String(),
}


def frame(rows: Iterable[Mapping[str, Any]], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """A frame of `rows` (dicts with at least the schema's keys) with exactly the schema."""
    columns: dict[str, list[Any]] = {name: [] for name in schema}
    for row in rows:
        for name in schema:
            columns[name].append(row[name])
    return pl.DataFrame(columns, schema=dict(schema))


def with_columns(schema: Mapping[str, pl.DataType],
                 extra: Sequence[tuple[str, pl.DataType]]) -> dict[str, pl.DataType]:
    """A schema with more columns (the swept parameters, one per axis) put in front."""
    return {**dict(extra), **dict(schema)}
