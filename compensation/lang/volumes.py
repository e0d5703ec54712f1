"""`volume(FLOW, daily)`, `volume(FLOW, period)`, `volume(VOL)`: the water that passed a section
in a period, in m³, exact (issue #18 item 3). The `ev_volumes` table a run's rules read.

A flux rule charges (C − S) × Q × price with Q a period's volume. The period value of FLOW is a
mean rounded to 3 decimals (m³/s), so `value(FLOW) * days` is off by up to 0.0005 m³/s × the
period's seconds (about 1,300 m³ a month). Here the volume comes from the flow samples unrounded:

- `daily`: each day's mean flow × 86,400 s, summed over the period's days; every day of the
  period (to date) needs a valid flow, or the volume is unknown;
- `period`: the mean of all the period's valid flow samples × the period's seconds (to date);
- `measured`: the loaded volumes (indicator VOL, 径流量, m³ or 万m³): one per section and calendar
  month, the volume of that month; a period's is the sum of its months', each month needed.

Flagged samples (断流, 结冰, 仪器故障 …) do not count, as in period values. Divisions are the rules'
exact `ediv` (12 decimals, half up); sums are exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb

from compensation.errors import EcocompError
from compensation.lang import ast
from compensation.months import MONTHS_PER_KIND, last_day

BASES = ("daily", "period")  # the bases of volume(FLOW, basis); VOL is the measured volume
MEASURED = "measured"
SECONDS_PER_DAY = 86400

VOLUMES_SQL = """
WITH s AS (
    SELECT section_id, CAST(sampled_at AS DATE) AS day, indicator, value
    FROM current_samples(?)
    WHERE indicator IN ('FLOW', 'VOL') AND value IS NOT NULL AND NOT flag_invalidates(flag)
      AND section_id IN (SELECT section_id FROM ev_sections)
      AND sampled_at >= ? AND date_trunc('month', sampled_at) <= ?
), p AS (
    SELECT *, period_of(day, ?, ?) AS period FROM s
), cut AS (  -- each period's last day counted: its end, or the window's last day (to date)
    SELECT DISTINCT section_id, period,
           least(CAST(period + to_months(?) - INTERVAL 1 DAY AS DATE), ?) AS last
    FROM p
), days AS (
    SELECT section_id, period, day, sum(value) AS s, count(*) AS n
    FROM p WHERE indicator = 'FLOW' GROUP BY ALL
), flows AS (
    SELECT section_id, period, sum(ediv(s * {sec}, n)) AS daily, count(*) AS n_days,
           sum(s) AS total, sum(n) AS n_samples
    FROM days GROUP BY ALL
), months AS (
    SELECT section_id, period, sum(value) AS measured, count(*) AS n_months
    FROM p WHERE indicator = 'VOL' GROUP BY ALL
)
SELECT ? AS kind, c.section_id, c.period, b.basis,
       -- each branch cast: DuckDB types a CASE of DECIMAL(38,12) and (38,6) as (38,6)
       CASE b.basis
           WHEN 'daily' THEN CASE WHEN f.n_days = date_diff('day', c.period, c.last) + 1
                                  THEN CAST(f.daily AS DECIMAL(38,12)) END
           WHEN 'period' THEN CAST(ediv(f.total * (date_diff('day', c.period, c.last) + 1)
                                        * {sec}, f.n_samples) AS DECIMAL(38,12))
           ELSE CASE WHEN m.n_months = date_diff('month', c.period, c.last) + 1
                     THEN CAST(m.measured AS DECIMAL(38,12)) END END AS volume
FROM cut AS c
CROSS JOIN (SELECT unnest(CAST(? AS VARCHAR[])) AS basis) AS b
LEFT JOIN flows AS f USING (section_id, period)
LEFT JOIN months AS m USING (section_id, period)
""".replace("{sec}", str(SECONDS_PER_DAY))

# more than one current VOL sample in a section's month: which one is the month's volume?
AMBIGUOUS_SQL = """
SELECT section_id, strftime(date_trunc('month', sampled_at), '%Y-%m') AS month, count(*) AS n
FROM current_samples(?)
WHERE indicator = 'VOL' AND section_id IN (SELECT section_id FROM ev_sections)
  AND sampled_at >= ? AND date_trunc('month', sampled_at) <= ?
GROUP BY ALL HAVING count(*) > 1 ORDER BY section_id, month LIMIT 5
"""


def volume_basis(call: ast.Call) -> str | None:
    """The basis a checked `volume(...)` call reads: daily | period | measured."""
    if call.args and isinstance(call.args[0], ast.Name) and call.args[0].name == "VOL":
        return MEASURED
    if len(call.args) == 2 and isinstance(call.args[1], ast.Name):
        return call.args[1].name
    return None


def volume_bases(rf: ast.RuleFile) -> list[str]:
    """The bases of every `volume(...)` in the file's measures and rules, sorted."""
    return sorted({
        basis for node in ast.walk([*rf.measures, *rf.rules])
        if isinstance(node, ast.Call) and node.func == "volume"
        and (basis := volume_basis(node)) is not None
    })


def prepare_volumes(
    con: duckdb.DuckDBPyConnection,
    bases: Iterable[str],
    kinds: Iterable[str],
    year_begins: int,
    as_of: object,
    since: date,
    through: date,
) -> None:
    """Create `ev_volumes(kind, section_id, period, basis, volume)` for the period kinds the rules
    read, from `since` to the month of `through`; refuse a month with two measured volumes."""
    bases = sorted(set(bases))
    if MEASURED in bases:
        ambiguous = con.execute(AMBIGUOUS_SQL, [as_of, since, through]).fetchall()
        if ambiguous:
            where = "、".join(f"断面 {s} {m} 有 {n} 个" for s, m, n in ambiguous)
            raise EcocompError(
                f"径流量（VOL）每个断面每月只能有一个值（该月的水量）：{where}；请删去多余的样品"
                "或以更正批次替换后再核算。(more than one measured volume in a month)"
            )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ev_volumes (kind VARCHAR, section_id VARCHAR, "
        "period DATE, basis VARCHAR, volume DECIMAL(38,12))"
    )
    window_end = last_day(through)
    for kind in sorted(set(kinds)):
        grain = "month" if kind == "odd-month" else kind  # an odd month is a calendar month
        months = MONTHS_PER_KIND[kind]
        con.execute(
            f"INSERT INTO ev_volumes SELECT * FROM ({VOLUMES_SQL}) AS v"
            + (" WHERE month(v.period) % 2 = 1" if kind == "odd-month" else ""),
            [as_of, since, through, grain, year_begins, months, window_end, kind, bases],
        )
