"""Hand-written DuckDB queries: what a careful analyst would write without the engine.

Each is one SQL statement over the store's `samples`, `batches` and `sections` tables. They follow
the evaluation rules of the domain notes on their own (GB 3838 limits from `bench.limits`, exact
integer means, half-even rounding, non-detects as DL/2, flagged values excluded), so that agreement
with the engine is evidence, not an echo.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from bench.limits import (
    CPI_CLASS_III,
    CPI_DECIMALS,
    INVALIDATING_FLAGS,
    LAKE_TP_CLASS_III,
    LIMITS,
    PH_RANGE,
)
from compensation.quality.indicators import load_indicators

# CPI·240 = Σ C_i · 240 / (4 · S_i): integer weights, so bands are decided in exact integers.
CPI_WEIGHTS = {code: int(60 / limit) for code, limit in CPI_CLASS_III.items()}
INVALIDATING = ", ".join(f"'{f}'" for f in INVALIDATING_FLAGS)
BAND_AMOUNTS = {"hold": 500_000, "improve": 1_000_000, "small": -1_000_000, "large": -2_000_000}


def _decimals_table() -> str:
    rows = ", ".join(f"('{i.code}', {i.decimals})" for i in load_indicators())
    return f"(VALUES {rows}) AS dec(dec_indicator, d)"


def _class_case(value: str, indicator: str, water_body: str) -> str:
    """A CASE giving the GB 3838 class of a rounded value (NULL for items without classes)."""
    arms = [(f"WHEN {indicator} = 'pH' THEN CASE WHEN {value} BETWEEN {PH_RANGE[0]} AND "
            f"{PH_RANGE[1]} THEN 1 ELSE 6 END")]
    for code, body, direction, limits in LIMITS:
        test = f"{indicator} = '{code}'" + (f" AND {water_body} = '{body}'" if body else "")
        op = "<=" if direction == "le" else ">="
        steps = " ".join(f"WHEN {value} {op} {limit} THEN {k}"
                         for k, limit in enumerate(limits, start=1))
        arms.append(f"WHEN {test} THEN CASE {steps} ELSE 6 END")
    return f"CASE WHEN {value} IS NULL THEN NULL {' '.join(arms)} END"


def _rounded_units(total: str, n: str, decimals: str, k: int) -> str:
    """Mean total/n (total in 1e-7 units), half-even to `decimals`+k places, in 1e-6 units."""
    e = f"least({decimals} + {k}, 6)"
    return (f"hdiv_half_even({total} * CAST(pow(10, {e}) AS HUGEINT), "
            f"CAST({n} AS HUGEINT) * 10000000) * CAST(pow(10, 6 - {e}) AS HUGEINT)")


def _value_units() -> str:
    """Rounded mean in 1e-6 units; a mean that would round to 0 keeps one significant figure."""
    tries = [_rounded_units("total7", "n_valid", "d", k) for k in range(7)]
    arms = " ".join(f"WHEN {t} <> 0 THEN {t}" for t in tries)
    ph = ("dec_units(round_half_even_at(CAST(-log10(h_mean) AS DECIMAL(38,12)), d)) "
          "// 1000000")
    return (f"CASE WHEN n_valid = 0 THEN NULL WHEN indicator = 'pH' THEN {ph} "
            f"{arms} ELSE 0 END")


def _monthly_ctes(where: str) -> str:
    """CTEs `cur` (newest batch per key), `agg` (exact totals) and `rounded` (value6 in 1e-6)."""
    return f"""
cur AS (
    SELECT s.section_id, s.sampled_at, s.indicator, s.value, s.below_dl, s.detection_limit,
           s.flag
    FROM samples AS s JOIN batches AS b ON b.batch_id = s.batch_id
    WHERE b.loaded_at <= $as_of {where}
    QUALIFY s.batch_id = max(s.batch_id)
        OVER (PARTITION BY s.section_id, s.sampled_at, s.indicator)
),
agg AS (
    SELECT section_id, CAST(date_trunc('month', sampled_at) AS DATE) AS period, indicator,
           count(*) AS n_samples,
           count(*) FILTER (WHERE flag IS NULL AND (value IS NOT NULL OR below_dl)) AS n_valid,
           CAST(coalesce(sum(CASE WHEN below_dl THEN detection_limit * 0.5 ELSE value END)
                FILTER (WHERE flag IS NULL), 0) * 10000000 AS HUGEINT) AS total7,
           avg(power(10.0, -CAST(value AS DOUBLE)))
                FILTER (WHERE flag IS NULL AND value IS NOT NULL) AS h_mean
    FROM cur GROUP BY ALL
),
rounded AS (
    SELECT agg.section_id, agg.period, agg.indicator, agg.n_samples, agg.n_valid,
           {_value_units()} AS value6
    FROM agg JOIN {_decimals_table()} ON dec.dec_indicator = agg.indicator
)"""


def monthly_values_sql() -> str:
    """Monthly value and class per section and indicator; parameter `$as_of`."""
    klass = _class_case("value", "r.indicator", "sec.water_body")
    return f"""
WITH {_monthly_ctes("")},
valued AS (
    SELECT section_id, period, indicator, n_samples, n_valid,
           CAST(CAST(value6 AS DECIMAL(38,0)) * 0.000001 AS DECIMAL(18,6)) AS value
    FROM rounded
)
SELECT r.section_id, r.period, r.indicator, r.n_samples, r.n_valid, r.value,
       CAST({klass} AS TINYINT) AS class
FROM valued AS r JOIN sections AS sec ON sec.section_id = r.section_id
"""


def _band_select(source: str) -> str:
    """The amount of each pair (ks, kc) of 240·CPI values: r = (ks − kc)/kc decided in exact
    integers, the closed bands of the domain notes (−10% and +10% fall in the smaller band)."""
    hold, improve, small, large = (BAND_AMOUNTS[k] for k in ("hold", "improve", "small", "large"))
    return f"""
SELECT section_id, period,
       CAST(CASE WHEN ks <= kc AND 10 * ks >= 9 * kc THEN {hold}
                 WHEN 10 * ks < 9 * kc THEN {improve}
                 WHEN 10 * ks <= 11 * kc THEN {small}
                 ELSE {large} END AS DECIMAL(18,2)) AS amount,
       ks AS k_section, kc AS k_control
FROM {source}
"""


def _half_even(x: str, den: str) -> str:
    """x / den rounded half to even, for BIGINT x >= 0 and den > 0 (one division and remainder)."""
    return (f"({x} // {den} + CASE WHEN 2 * ({x} % {den}) > {den} OR (2 * ({x} % {den}) = {den} "
            f"AND ({x} // {den}) % 2 = 1) THEN 1 ELSE 0 END)")


def _significant_units() -> str:
    """A mean that rounds to 0 at d decimals, rounded instead at its first significant decimal
    k (d < k <= 6; below 1e-6 at 6), in 1e-6 units."""
    arms = " ".join(
        f"WHEN sum_h * {10 ** k} >= den THEN {_half_even(f'sum_h * {10 ** k}', 'den')}"
        f" * {10 ** (6 - k)}" for k in range(1, 7))
    return f"CASE {arms} ELSE {_half_even('sum_h * 1000000', 'den')} END"


def cpi_band_sql(overlapping: bool) -> str:
    """Signed amount (district's view: + reward, − penalty) per assessed section and month, as a
    careful analyst writes it for the CPI rule alone (issue 17): only the four CPI indicators,
    sums in BIGINT units, rounding by one integer division, the newest-batch ranking only when
    `overlapping` (two live batches cover one section at one time, see `batches_overlap`), and no
    line for a section-month with a no_flow/ice flag on any of its indicators (the exception).

    Parameters `$as_of`, `$start` (first day), `$stop` (first day after the window). Sections whose
    own or control CPI is incomplete (a flag, missing data) get no line here: their amount is 0.
    BIGINT fits: a CPI indicator's monthly sum in 2e-6 units times 10^6 stays below 9.2e18 up to
    4.6 million mg/L; beyond that DuckDB stops with an overflow error, never a wrong figure.
    """
    codes = ", ".join(f"'{c}'" for c in CPI_WEIGHTS)
    newest = ("QUALIFY row_number() OVER (PARTITION BY s.section_id, s.sampled_at, s.indicator "
              "ORDER BY b.loaded_at DESC, s.batch_id DESC) = 1" if overlapping else "")
    weight = " ".join(f"WHEN '{c}' THEN {w}" for c, w in CPI_WEIGHTS.items())
    decimals = " ".join(f"WHEN '{c}' THEN {CPI_DECIMALS[c]}" for c in CPI_WEIGHTS)
    # 240/(4·S) for TP on a lake (class III 0.05) minus the river weight (0.2)
    lake_extra = int(60 / LAKE_TP_CLASS_III) - CPI_WEIGHTS["TP"]
    return f"""
WITH cur AS (
    SELECT s.section_id, s.sampled_at, s.indicator, s.value, s.below_dl, s.detection_limit,
           s.flag
    FROM samples AS s JOIN batches AS b ON b.batch_id = s.batch_id
    WHERE b.loaded_at <= $as_of AND s.sampled_at >= $start AND s.sampled_at < $stop
    {newest}
),
agg AS (  -- twice each valid value in 1e-6 units (a non-detect counts DL/2, still an integer)
    SELECT section_id, CAST(date_trunc('month', sampled_at) AS DATE) AS period, indicator,
           sum(CASE WHEN below_dl THEN CAST(detection_limit * 1000000 AS BIGINT)
                    ELSE CAST(value * 2000000 AS BIGINT) END) AS sum_h,
           2000000 * count(*) AS den, CAST(pow(10, CASE indicator {decimals} END) AS BIGINT) AS p
    FROM cur
    WHERE indicator IN ({codes}) AND (value IS NOT NULL OR below_dl)
      AND (flag IS NULL OR flag NOT IN ({INVALIDATING}))
    GROUP BY ALL
),
-- the mean sum_h/den half to even at the indicator's decimals, in 1e-6 units; a non-zero mean
-- that rounds to 0 keeps its first significant figure (rare: only those rows evaluate that arm)
units AS (
    SELECT section_id, period, indicator,
           CASE WHEN sum_h > 0 AND 2 * sum_h * p <= den
                THEN {_significant_units()}
                ELSE {_half_even("sum_h * p", "den")} * (1000000 // p) END AS value6
    FROM agg
),
k AS (  -- 240·CPI in 1e-6 units with river weights, and TP alone for a lake section
    SELECT section_id, period, count(*) AS n, sum(value6 * CASE indicator {weight} END) AS k,
           sum(value6) FILTER (WHERE indicator = 'TP') AS tp
    FROM units GROUP BY ALL
),
halted AS (  -- the rule's exception: no_flow or ice on any indicator of the section that month
    SELECT DISTINCT section_id, CAST(date_trunc('month', sampled_at) AS DATE) AS period
    FROM cur WHERE flag IN ('no_flow', 'ice')
),
scheme AS (
    SELECT section_id, role, control_id, water_body, valid_from, valid_to FROM sections
    WHERE list_contains(schemes, 'yangtze_han')
),
pairs AS (
    SELECT a.section_id, own.period,
           own.k + CASE WHEN a.water_body = 'lake' THEN {lake_extra} * own.tp ELSE 0 END AS ks,
           ctl.k + CASE WHEN c.water_body = 'lake' THEN {lake_extra} * ctl.tp ELSE 0 END AS kc
    FROM scheme AS a
    JOIN scheme AS c ON c.section_id = a.control_id
    JOIN k AS own ON own.section_id = a.section_id
    JOIN k AS ctl ON ctl.section_id = a.control_id AND ctl.period = own.period
    WHERE a.role = 'assessed' AND own.n = {len(CPI_WEIGHTS)} AND ctl.n = {len(CPI_WEIGHTS)}
      AND a.valid_from <= last_day(own.period)
      AND (a.valid_to IS NULL OR a.valid_to >= own.period)
)
{_band_select("pairs ANTI JOIN halted USING (section_id, period) WHERE kc > 0")}"""


def cpi_band_sql_old() -> str:
    """The query as it stood before issue 17, kept for one run beside the fair one (its figures
    show what the rewrite changed): every row ranked by batch, pH and count(*) aggregated, HUGEINT
    rounding, and no exception for a flag on an indicator outside the CPI.

    Parameters `$as_of`, `$start` (first day), `$stop` (first day after the window). Sections whose
    own or control CPI is incomplete (a flag, missing data) get no line here: their amount is 0.
    """
    codes = ", ".join(f"'{c}'" for c in CPI_WEIGHTS)
    weight = " ".join(f"WHEN '{c}' THEN {w}" for c, w in CPI_WEIGHTS.items())
    where = f"AND s.indicator IN ({codes}) AND s.sampled_at >= $start AND s.sampled_at < $stop"
    return f"""
WITH {_monthly_ctes(where)},
k AS (
    SELECT section_id, period, count(value6) AS n,
           sum(value6 * CASE indicator {weight} END) AS k
    FROM rounded GROUP BY ALL
),
-- each assessed section with itself and with its control: one join on section_id (a self-join
-- of k on period would let the planner build the period-only product first)
sides AS (
    SELECT section_id AS assessed, section_id AS source, true AS own, valid_from, valid_to
    FROM sections WHERE role = 'assessed' AND list_contains(schemes, 'yangtze_han')
    UNION ALL
    SELECT section_id, control_id, false, valid_from, valid_to
    FROM sections WHERE role = 'assessed' AND list_contains(schemes, 'yangtze_han')
),
pairs AS (
    SELECT sides.assessed AS section_id, k.period,
           max(k.k) FILTER (WHERE sides.own AND k.n = {len(CPI_WEIGHTS)}) AS ks,
           max(k.k) FILTER (WHERE NOT sides.own AND k.n = {len(CPI_WEIGHTS)}) AS kc
    FROM sides JOIN k ON k.section_id = sides.source
    WHERE k.period >= sides.valid_from AND (sides.valid_to IS NULL OR k.period <= sides.valid_to)
    GROUP BY ALL
)
{_band_select("pairs WHERE ks IS NOT NULL AND kc IS NOT NULL")}"""


def boundary_hits(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    """How many section-months of a `run_cpi_band` table sit exactly on r = −10%, 0 or +10%."""
    row = con.execute(
        f"""SELECT count(*) FILTER (WHERE 10 * k_section = 9 * k_control),
                   count(*) FILTER (WHERE k_section = k_control),
                   count(*) FILTER (WHERE 10 * k_section = 11 * k_control)
            FROM {table}"""
    ).fetchall()[0]
    return {"r=-10%": row[0], "r=0": row[1], "r=+10%": row[2]}


def run_monthly(con: duckdb.DuckDBPyConnection, as_of: datetime, table: str) -> int:
    """Materialise the hand-written monthly values into TEMP `table`; returns its row count."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {monthly_values_sql()}",
                {"as_of": as_of})
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def batches_overlap(con: duckdb.DuckDBPyConnection, as_of: datetime, start: date,
                    stop: date) -> bool:
    """Whether two sample batches live at `as_of` cover one section at overlapping times in the
    window (then the newest batch's value of a repeated sample counts). With one live batch
    there is nothing to rank and no scan of the samples is needed."""
    live = con.execute(
        "SELECT count(*) FROM batches WHERE kind = 'samples' AND loaded_at <= $as_of",
        {"as_of": as_of}).fetchall()[0][0]
    if live < 2:
        return False
    return con.execute(
        """WITH foot AS (
               SELECT s.batch_id, s.section_id, min(s.sampled_at) AS lo, max(s.sampled_at) AS hi
               FROM samples AS s JOIN batches AS b ON b.batch_id = s.batch_id
               WHERE b.loaded_at <= $as_of AND s.sampled_at >= $start AND s.sampled_at < $stop
               GROUP BY ALL)
           SELECT EXISTS (SELECT 1 FROM foot AS x JOIN foot AS y
                          ON x.section_id = y.section_id AND x.batch_id < y.batch_id
                         AND x.lo <= y.hi AND y.lo <= x.hi)""",
        {"as_of": as_of, "start": start, "stop": stop}).fetchall()[0][0]


def run_cpi_band(con: duckdb.DuckDBPyConnection, as_of: datetime, start: date, stop: date,
                 table: str) -> int:
    """Materialise the fair hand-written CPI band amounts into TEMP `table` (the overlap check
    included); returns its row count."""
    query = cpi_band_sql(batches_overlap(con, as_of, start, stop))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {query}",
                {"as_of": as_of, "start": start, "stop": stop})
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def run_cpi_band_old(con: duckdb.DuckDBPyConnection, as_of: datetime, start: date, stop: date,
                     table: str) -> int:
    """The query as it was before issue 17 into TEMP `table` (kept for one run's comparison)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {cpi_band_sql_old()}",
                {"as_of": as_of, "start": start, "stop": stop})
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def floor_sql() -> str:
    """The floor of case 3: one pass over the same sample rows (every indicator of the window,
    as the rule's exception reads them all), one sum per section, month and indicator."""
    return """
SELECT section_id, CAST(date_trunc('month', sampled_at) AS DATE) AS month, indicator,
       sum(value) AS total
FROM samples WHERE sampled_at >= $start AND sampled_at < $stop
GROUP BY ALL
"""


def run_floor(con: duckdb.DuckDBPyConnection, start: date, stop: date, table: str) -> int:
    """Materialise the floor query into TEMP `table`; returns its row count."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {floor_sql()}",
                {"start": start, "stop": stop})
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
