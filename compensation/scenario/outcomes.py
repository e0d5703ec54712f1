"""Each scenario's net and reason per month, from ONE query over every scenario's ledger rows.

Shared by `compare` (a few scenarios) and the workbench (a grid of thousands). The reasons need the
rows' traces, but only four things in them (the target, the indicator list, the classes and the
band label): DuckDB extracts those, numbers the distinct (section, exception, reason, extract)
combinations, and Python words each combination once, however many scenarios share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import duckdb

from compensation.lang import CompiledScheme
from compensation.scenario.evaluate import (
    Direction,
    prepare,
    run_rule_query,
    signed_lines_sql,
    year_of,
)
from compensation.scenario.reasons import line_reason, month_reason

LINES_TABLE = "scenario_lines"
KEYS_TABLE = "scenario_reason_keys"
# What `reasons.line_reason` reads of a trace, and nothing else (a full trace is ~700 bytes).
REASON_TRACE = (
    "json_object('params', json_object("
    "'target', json_extract(t, '$.params.target'), "
    "'indicators', json_extract(t, '$.params.indicators')), "
    "'classes', json_extract(t, '$.classes'), "
    "'branch_label', json_extract(t, '$.branch_label'))"
)


@dataclass(frozen=True)
class MonthOutcome:
    """One scenario in one period: the net (first party pays second) and why."""

    net: Decimal
    reason: str


def yearly_sums(compiled: CompiledScheme, years: list[int], months: list[date],
                nets: list[Decimal]) -> dict[int, Decimal]:
    """Monthly nets added up per (agreement) year; every year present, 0.00 without lines."""
    out = dict.fromkeys(years, Decimal("0.00"))
    for month, net in zip(months, nets, strict=True):
        year = year_of(compiled, month)
        if year in out:
            out[year] += net
    return out


def judges_target(compiled: CompiledScheme) -> bool:
    """A scheme with a class `target` says "all met the target" for a month with no failure."""
    return any(p.name == "target" and p.kind == "class" for p in compiled.parameters)


def monthly_outcomes(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledScheme,
    direction: Direction,
    start: date,
    end: date,
    scenarios: list[tuple[str, Mapping[str, object]]],
    as_of: datetime | None = None,
) -> tuple[list[date], dict[str, dict[date, MonthOutcome]]]:
    """(every month with lines, scenario → month → outcome); the base is always included.

    A scenario without lines in a month that others have gets no entry for it (net 0, no reason).
    """
    prepare(con, compiled, start, end, scenarios, as_of)
    sql, params = signed_lines_sql(
        compiled, direction,
        "scenario, rule, period_start, section_id, exception, reason, "
        "CAST(trace AS JSON) AS t",
        trace=True,
    )
    con.execute(f"DROP TABLE IF EXISTS {LINES_TABLE}")
    con.execute(f"DROP TABLE IF EXISTS {KEYS_TABLE}")
    run_rule_query(
        con, compiled,
        f"""CREATE TEMP TABLE {LINES_TABLE} AS
            SELECT scenario, rule, CAST(period_start AS DATE) AS month, section_id, signed,
                   CAST(json_array(section_id, exception, reason, {REASON_TRACE}, signed <> 0)
                        AS VARCHAR) AS why
            FROM ({sql}) AS lines""",
        params,
    )
    con.execute(
        f"""CREATE TEMP TABLE {KEYS_TABLE} AS
            SELECT row_number() OVER (ORDER BY why) AS k, why
            FROM (SELECT DISTINCT why FROM {LINES_TABLE})"""
    )
    keys = con.execute(
        f"""SELECT k, json_extract_string(why, '$[0]'), json_extract_string(why, '$[1]'),
                   json_extract_string(why, '$[2]'), CAST(json_extract(why, '$[3]') AS VARCHAR),
                   CAST(json_extract(why, '$[4]') AS BOOLEAN)
            FROM {KEYS_TABLE}"""
    ).fetchall()
    rows = con.execute(
        f"""SELECT l.scenario, l.month, sum(l.signed),
                   list(k.k ORDER BY l.section_id NULLS FIRST, l.rule)
            FROM {LINES_TABLE} l JOIN {KEYS_TABLE} k USING (why)
            GROUP BY l.scenario, l.month"""
    ).fetchall()
    con.execute(f"DROP TABLE {LINES_TABLE}")
    con.execute(f"DROP TABLE {KEYS_TABLE}")
    names = dict(con.execute("SELECT section_id, name FROM ev_sections").fetchall())
    parts = {
        k: line_reason(names.get(section, section or "方案级"), exception, reason, why,
                       Decimal(1) if moves else Decimal(0))
        for k, section, exception, reason, why, moves in keys
    }
    by_target = judges_target(compiled)
    worded: dict[tuple[int, ...], str] = {}
    out: dict[str, dict[date, MonthOutcome]] = {}
    months: set[date] = set()
    for scenario, month, net, ks in rows:
        key = tuple(ks)
        if key not in worded:
            worded[key] = month_reason([parts[k] for k in key], by_target)
        months.add(month)
        out.setdefault(scenario, {})[month] = MonthOutcome(Decimal(net), worded[key])
    return sorted(months), out
