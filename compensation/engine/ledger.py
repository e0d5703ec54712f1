"""Reading the ledger: which recorded run counts for each period, and lines with their names.

Runs are never edited; the current figure of a period is the line set of the latest run whose
window covers it. For a period longer than the view (a year scheme seen in March), the run must end
exactly at the viewing month: that is the year-to-date provisional status. `chosen_runs` is the
one place this is decided: accounts, settle, the bulletin and the workbooks all read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

# Which run counts, for every (scheme, period) of the base-scenario ledger that intersects
# [$range_start, $viewpoint] (months): the ONE rule behind accounts, settle, the bulletin and the
# workbooks (`chosen_runs`). A period complete by the viewpoint is read from the newest run whose
# window covers it from its first month (or the span start) through its last month: a final run
# replaces the provisional ones. A period still running at the viewpoint (a year seen in March) is
# read from the newest run whose window ends at the viewpoint: its to-date provisional status.
# `views`: one row (range_start, viewpoint) per question; a bulletin asks for a dozen months in one
# statement (planning this query cost about 20 ms of CPU, a dozen times per bulletin).
_CHOSEN_RUNS_TEMPLATE = """
WITH views AS (VIEWS), base AS (
    SELECT * FROM runs
    WHERE scenario = 'base' AND ($schemes IS NULL OR list_contains($schemes, scheme))
), window_months AS (
    SELECT b.scheme, CASE WHEN b.period_kind IN ('bimonth', 'quarter', 'year')
                          THEN b.period_kind ELSE 'month' END AS kind,
           COALESCE(b.year_begins, 1) AS begins,
           CAST(unnest(generate_series(CAST(b.window_start AS TIMESTAMP),
                                       CAST(b.window_end AS TIMESTAMP), INTERVAL 1 MONTH))
                AS DATE) AS month
    FROM base b
), window_keys AS (
    SELECT scheme, period_of(month, kind, begins) AS period_start,
           CAST(period_of(month, kind, begins)
                + to_months(CASE kind WHEN 'bimonth' THEN 2 WHEN 'quarter' THEN 3
                                      WHEN 'year' THEN 12 ELSE 1 END)
                - INTERVAL 1 DAY AS DATE) AS period_end
    FROM window_months
), all_keys AS (
    -- the periods of the lines, and those of the runs' windows (a run may write no line)
    SELECT DISTINCT scheme, period_start, period_end FROM (
        SELECT b.scheme, l.period_start, l.period_end
        FROM ledger l JOIN base b USING (run_id)
        UNION ALL
        SELECT scheme, period_start, period_end FROM window_keys)
), keys AS (
    SELECT v.range_start, v.viewpoint, k.scheme, k.period_start, k.period_end
    FROM all_keys k JOIN views v
      ON k.period_start <= v.viewpoint AND k.period_end >= v.range_start
)
SELECT k.scheme, k.period_start, k.period_end, max(r.run_id) AS run_id, k.range_start,
       k.viewpoint
FROM keys k JOIN base r
  ON r.scheme = k.scheme
 AND r.window_start <= greatest(k.period_start,
                                COALESCE(date_trunc('month', r.span_start), k.period_start))
 AND r.window_end >= least(date_trunc('month', k.period_end), k.viewpoint)
 AND (date_trunc('month', k.period_end) <= k.viewpoint OR r.window_end = k.viewpoint)
GROUP BY k.range_start, k.viewpoint, k.scheme, k.period_start, k.period_end
"""
CHOSEN_RUNS_SQL = _CHOSEN_RUNS_TEMPLATE.replace(
    "VIEWS",
    "SELECT CAST($range_start AS DATE) AS range_start, CAST($viewpoint AS DATE) AS viewpoint",
)
CHOSEN_RUNS_EACH_SQL = _CHOSEN_RUNS_TEMPLATE.replace(
    "VIEWS", "SELECT CAST(unnest($range_starts) AS DATE) AS range_start, "
    "CAST(unnest($viewpoints) AS DATE) AS viewpoint"
)

# Lines of the chosen runs, period keys intersecting [range_start, viewpoint].
CURRENT_LINES_SQL = f"""
WITH chosen AS ({CHOSEN_RUNS_SQL})
SELECT l.line_id, l.run_id, l.scheme, l.rule, l.period_start, l.period_end, l.section_id,
       s.name AS section_name, l.payer, COALESCE(pa.name, l.payer) AS payer_name,
       l.payee, COALESCE(pb.name, l.payee) AS payee_name, l.amount, l.branch, l.exception,
       l.reason, date_trunc('month', l.period_end) > r.window_end AS provisional
FROM ledger l
JOIN chosen c ON l.run_id = c.run_id AND l.period_start = c.period_start
             AND l.period_end = c.period_end
JOIN runs r ON r.run_id = l.run_id
LEFT JOIN sections s ON s.section_id = l.section_id
LEFT JOIN parties pa ON pa.party_id = l.payer
LEFT JOIN parties pb ON pb.party_id = l.payee
ORDER BY l.period_start, l.line_id
"""

ChosenKey = tuple[str, date, date]  # (scheme, period_start, period_end)


def chosen_runs(
    con: duckdb.DuckDBPyConnection,
    range_start: date,
    viewpoint: date,
    schemes: Iterable[str] | None = None,
) -> dict[ChosenKey, int]:
    """(scheme, period_start, period_end) → the run whose lines count for that period, seen from
    the month `viewpoint` (see CHOSEN_RUNS_SQL); all schemes unless `schemes` is given."""
    return chosen_runs_each(con, [(range_start, viewpoint)], schemes)[(range_start, viewpoint)]


def chosen_runs_each(
    con: duckdb.DuckDBPyConnection,
    views: Iterable[tuple[date, date]],
    schemes: Iterable[str] | None = None,
) -> dict[tuple[date, date], dict[ChosenKey, int]]:
    """`chosen_runs` for several (range_start, viewpoint) pairs in one statement, by pair (every
    pair asked is a key, with {} when no run counts)."""
    pairs = list(views)
    wanted = None if schemes is None else sorted(set(schemes))
    rows = con.execute(
        CHOSEN_RUNS_EACH_SQL,
        {"schemes": wanted, "range_starts": [start for start, _ in pairs],
         "viewpoints": [view for _, view in pairs]},
    ).fetchall()
    out: dict[tuple[date, date], dict[ChosenKey, int]] = {pair: {} for pair in pairs}
    for s, p, e, run, start, view in rows:
        out[(start, view)][(str(s), p, e)] = int(run)
    return out


def year_begins_of(con: duckdb.DuckDBPyConnection, scheme: str) -> int:
    """The first month of the scheme's (agreement) year, as its latest run recorded (1 if none)."""
    rows = con.execute(
        "SELECT year_begins FROM runs WHERE scheme = ? AND scenario = 'base' "
        "ORDER BY run_id DESC LIMIT 1",
        [scheme],
    ).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] else 1


LINE_FIELDS = (
    "line", "run", "scheme", "rule", "period_start", "period_end", "section", "section_name",
    "payer", "payer_name", "payee", "payee_name", "amount", "branch", "exception", "reason",
    "provisional",
)


def current_lines(
    con: duckdb.DuckDBPyConnection, scheme: str, range_start: date, viewpoint: date
) -> list[dict[str, Any]]:
    """The lines that count for `scheme` over the months range_start..viewpoint."""
    rows = con.execute(
        CURRENT_LINES_SQL,
        {"schemes": [scheme], "range_start": range_start, "viewpoint": viewpoint},
    ).fetchall()
    return [dict(zip(LINE_FIELDS, row, strict=True)) for row in rows]


def runs_covering(
    con: duckdb.DuckDBPyConnection, scheme: str, range_start: date, viewpoint: date
) -> list[dict[str, Any]]:
    """Runs of a scheme whose window touches the range, newest first (for messages)."""
    rows = con.execute(
        """SELECT run_id, period_label, window_start, window_end FROM runs
           WHERE scheme = ? AND scenario = 'base' AND window_start <= ? AND window_end >= ?
           ORDER BY run_id DESC""",
        [scheme, viewpoint, range_start],
    ).fetchall()
    return [dict(zip(("run", "label", "start", "end"), r, strict=True)) for r in rows]


def party_nets(lines: list[dict[str, Any]]) -> dict[str, Decimal]:
    """Per party: received − paid over the lines (positive: the party receives money)."""
    nets: dict[str, Decimal] = {}
    for line in lines:
        amount = Decimal(line["amount"])
        nets[line["payee"]] = nets.get(line["payee"], Decimal("0.00")) + amount
        nets[line["payer"]] = nets.get(line["payer"], Decimal("0.00")) - amount
    return nets


def party_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute("SELECT party_id, name FROM parties").fetchall()
    return {str(r[0]): str(r[1]) for r in rows}
