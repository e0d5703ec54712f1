"""Agreement checks between implementations: the benchmarks only count if they compute the same."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass
class Agreement:
    """One check: what was compared, whether it agreed, and in words what differed."""

    name: str
    agreed: bool
    detail: str


def same_digests(name: str, digests: dict[str, dict[str, str]]) -> Agreement:
    """Every implementation reports the same counts and exact value sum."""
    if len(digests) < 2:
        return Agreement(name, True, "只有一种实现可用，无从比较 (one implementation only)")
    first_name, first = next(iter(digests.items()))
    for other_name, other in digests.items():
        if other != first:
            return Agreement(name, False, f"{first_name} {first} ≠ {other_name} {other}")
    return Agreement(name, True, f"{len(digests)} 种实现一致：{first}")


def _mismatches(con: duckdb.DuckDBPyConnection, left: Path, right: Path, keys: list[str],
                values: list[str]) -> tuple[int, int, list[tuple]]:
    on = " AND ".join(f"a.{k} = b.{k}" for k in keys)
    differ = " OR ".join(f"a.{v} IS DISTINCT FROM b.{v}" for v in values)
    shown = ", ".join([f"coalesce(a.{k}, b.{k})" for k in keys]
                      + [f"a.{v}, b.{v}" for v in values])
    base = (f"FROM read_parquet('{left}') AS a FULL OUTER JOIN read_parquet('{right}') AS b "
            f"ON {on} WHERE a.{keys[0]} IS NULL OR b.{keys[0]} IS NULL OR {differ}")
    count = con.execute(f"SELECT count(*) {base}").fetchall()[0][0]
    total = con.execute(f"SELECT count(*) FROM read_parquet('{left}')").fetchall()[0][0]
    examples = con.execute(f"SELECT {shown} {base} ORDER BY ALL LIMIT 3").fetchall()
    return count, total, examples


def same_tables(name: str, outputs: dict[str, Path], keys: list[str],
                values: list[str]) -> Agreement:
    """Row-by-row equality of the implementations' outputs (parquet files), keyed by `keys`."""
    if len(outputs) < 2:
        return Agreement(name, True, "只有一种实现可用，无从比较 (one implementation only)")
    con = duckdb.connect()
    (first_name, first), *others = outputs.items()
    problems, total = [], 0
    for other_name, other in others:
        count, total, examples = _mismatches(con, first, other, keys, values)
        if count:
            problems.append(f"{first_name} 与 {other_name} 有 {count} 行不同，例如 {examples}")
    con.close()
    if problems:
        return Agreement(name, False, "；".join(problems))
    return Agreement(name, True, f"{len(outputs)} 种实现逐行一致（{total} 行）")


def band_counts(path: Path) -> dict[str, int]:
    """Lines per amount, to show that every band (and its endpoints) is exercised."""
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT CAST(amount AS VARCHAR), count(*) FROM read_parquet('{path}') GROUP BY 1 "
        "ORDER BY 1").fetchall()
    con.close()
    return dict(rows)
