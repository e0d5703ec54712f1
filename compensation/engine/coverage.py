"""Which sections of a scheme had no monitoring data in a month, as the store stood at a time.

A run over months without data writes zero lines that look like a quiet month; the run's message
and the year-to-date figures of the documents both ask this one question, so it is answered here.
A section counts as having data in a month when any sample of it, dated in that month, was loaded
at or before `as_of` (a flag such as 断流 is data: the rule decides what it means).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from compensation.months import month_label

SHOWN = 3  # sections named in a sentence; the rest are counted


@dataclass(frozen=True)
class MissingData:
    """One section of a scheme without any sample in one month."""

    section_id: str
    name: str
    month: date


_MISSING = """
WITH wanted AS (
    SELECT unnest(CAST(? AS VARCHAR[])) AS scheme, unnest(CAST(? AS DATE[])) AS first,
           unnest(CAST(? AS DATE[])) AS last
), months AS (
    SELECT w.scheme, CAST(unnest(range(CAST(w.first AS TIMESTAMP),
                                       CAST(w.last AS TIMESTAMP) + INTERVAL 1 MONTH,
                                       INTERVAL 1 MONTH)) AS DATE) AS month
    FROM wanted w
), seen AS (
    SELECT DISTINCT x.section_id, CAST(date_trunc('month', x.sampled_at) AS DATE) AS month
    FROM samples x JOIN batches b ON b.batch_id = x.batch_id
    WHERE b.loaded_at <= CAST(? AS TIMESTAMP)
      AND x.sampled_at >= (SELECT min(first) FROM wanted)
      AND x.sampled_at < (SELECT max(last) FROM wanted) + INTERVAL 1 MONTH
)
SELECT m.scheme, s.section_id, s.name, m.month
FROM sections s JOIN months m
  ON s.valid_from < m.month + INTERVAL 1 MONTH AND (s.valid_to IS NULL OR s.valid_to >= m.month)
WHERE list_contains(s.schemes, m.scheme)
  AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.section_id = s.section_id
                                       AND seen.month = m.month)
ORDER BY m.scheme, m.month, s.river, s.bank NULLS LAST, s.river_order, s.section_id
"""


def sections_without_data(
    con: duckdb.DuckDBPyConnection, scheme: str, first: date, last: date, as_of: datetime
) -> list[MissingData]:
    """(section, month) pairs of `scheme` in months first..last with no sample loaded by as_of."""
    return sections_without_data_each(con, [(scheme, first, last)], as_of).get(scheme, [])


def sections_without_data_each(
    con: duckdb.DuckDBPyConnection, windows: list[tuple[str, date, date]], as_of: datetime
) -> dict[str, list[MissingData]]:
    """`sections_without_data` of several (scheme, first, last) in one statement (a run of every
    scheme asked once per scheme; planning was most of each question's cost)."""
    if not windows:
        return {}
    schemes, firsts, lasts = (list(c) for c in zip(*windows, strict=True))
    rows = con.execute(_MISSING, [schemes, firsts, lasts, as_of]).fetchall()
    found: dict[str, list[MissingData]] = {}
    for scheme, section_id, name, month in rows:
        found.setdefault(scheme, []).append(MissingData(section_id, name, month))
    return found


def missing_sentence(missing: list[MissingData]) -> str:
    """'注意：2 个断面无监测数据（A、B），…' — empty when nothing is missing; over several
    months the section-months are counted too."""
    if not missing:
        return ""
    months = sorted({m.month for m in missing})
    names = list(dict.fromkeys(m.name for m in missing))
    shown = "、".join(names[:SHOWN]) + ("等" if len(names) > SHOWN else "")
    if len(months) == 1:
        what = f"{len(names)} 个断面无监测数据（{shown}）"
    else:
        what = (
            f"{len(names)} 个断面共缺 {len(missing)} 个月的监测数据（{shown}；"
            f"{month_label(months[0])}～{month_label(months[-1])}）"
        )
    return f"注意：{what}，其台账金额记为 0；载入数据后请重新运行。"
