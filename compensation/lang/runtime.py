"""`prepare_run`: the TEMP tables the rule SQL reads (`ev_*`), for one scheme and run window.

- `ev_scenarios(scenario)`: `base` plus every overlay;
- `ev_param_values(scheme, scenario, name, valid_from, valid_to, num, txt, lst)`: dated values,
  one row per scenario (an overlay replaces a parameter for the whole span);
- `ev_params(scenario, name, month, num, txt, lst)`: them resolved per month (a table: as a view,
  each of a rule's parameter lookups planned the join again, a fifth of a rule's planning);
- `ev_periods(kind, period_start, period_end, year_start, param_month, days, in_window)`: the
  periods of every (agreement) year the window touches, within the scheme's span;
- `ev_sections`: the scheme's sections (with their party's kind, `section.party.kind`);
  `ev_values(kind, section_id, period, indicator, ...)`:
  period values from January of the run's first year (a year earlier for previous(...), the
  first baseline year for baseline(...)); periods longer than a month (years, quarters) only from
  samples of months up to the window's last month, so a monthly run of a year scheme shows the
  provisional year-to-date status; `ev_daily`: daily values when a rule counts runs;
  `ev_volumes`: the periods' volumes when a rule reads `volume(...)` (lang/volumes.py);
  `ev_trace_values(kind, section_id, period, t)`: per section and period, the values and classes
  a trace shows (a view: free for readers of amounts only; `kept_trace_values` makes it a table).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import cache

import duckdb

from compensation.errors import EcocompError
from compensation.lang.compiled import CompiledScheme
from compensation.lang.units import ParamValue, validate_overlay
from compensation.months import MONTHS_PER_KIND, add_months, last_day, year_start
from compensation.store.functions import has_function

BASE_SCENARIO = "base"


def period_rows(compiled: CompiledScheme, kind: str, start: date, end: date) -> list[tuple]:
    """Periods of `kind` in every (agreement) year touched by [start, end], within the span."""
    begins = compiled.year_begins
    first_year = year_start(start, begins)
    last_year = year_start(end, begins)
    window_end = last_day(end)
    span_start = compiled.span_start
    span_end = last_day(compiled.span_end) if compiled.span_end else None
    rows = []
    y = first_year
    while y <= last_year:
        step = MONTHS_PER_KIND[kind]
        for k in range(0, 12, step):
            p_start = add_months(y, k)
            if kind == "odd-month" and p_start.month % 2 == 0:
                continue
            p_end = add_months(p_start, step) - timedelta(days=1)
            if p_end < span_start or (span_end and p_start > span_end):
                continue
            param_month = max(p_start, span_start)
            in_window = p_start <= window_end and p_end >= start
            rows.append(
                (kind, p_start, p_end, y, param_month, (p_end - p_start).days + 1, in_window)
            )
        y = add_months(y, 12)
    return rows


def normalise_scenarios(
    scenarios: Mapping[str, Mapping[str, object]]
    | Iterable[tuple[str, Mapping[str, object]]]
    | None,
) -> list[tuple[str, Mapping[str, object]]]:
    if scenarios is None:
        return []
    items = list(scenarios.items()) if isinstance(scenarios, Mapping) else list(scenarios)
    return [(name, overlay) for name, overlay in items if name != BASE_SCENARIO or overlay]


def overlay_values(
    compiled: CompiledScheme, name: str, overlay: Mapping[str, object]
) -> dict[str, ParamValue]:
    """Validate one overlay (values as text or ParamValue) against the scheme's parameters."""
    texts = {k: v for k, v in overlay.items() if not isinstance(v, ParamValue)}
    parsed = validate_overlay(
        compiled.params_by_name, {k: str(v) for k, v in texts.items()}, where=f"情景“{name}”"
    )
    for key, value in overlay.items():
        if isinstance(value, ParamValue):
            validate_overlay(compiled.params_by_name, {key: value.display()}, where=f"情景“{name}”")
            parsed[key] = value
    return parsed


def _value_columns(value: ParamValue) -> tuple[str | None, str | None, list[str] | None]:
    num = format(value.num, "f") if value.num is not None else None
    return num, value.txt, list(value.lst) if value.lst is not None else None


def _param_rows(
    compiled: CompiledScheme, scenarios: list[tuple[str, Mapping[str, object]]]
) -> list[tuple]:
    rows = []
    for p in compiled.parameters:
        for i, v in enumerate(p.versions):
            if v.until is not None:
                valid_to = last_day(v.until)
            elif i + 1 < len(p.versions):
                valid_to = p.versions[i + 1].start - timedelta(days=1)
            else:
                valid_to = None
            rows.append((BASE_SCENARIO, p.name, v.start, valid_to, *_value_columns(v.value)))
    for name, overlay in scenarios:
        for key, value in overlay_values(compiled, name, overlay).items():
            rows.append((name, key, date(1, 1, 1), None, *_value_columns(value)))
    return rows


def _create_columns(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    rows: list[tuple],
    casts: list[str],
) -> None:
    """CREATE OR REPLACE TEMP TABLE `table` holding `rows`, in one statement when there are rows
    (the create and the insert each cost DuckDB a statement's planning)."""
    if not rows:
        defs = ", ".join(f"{c} {t}" for c, t in zip(columns, casts, strict=True))
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({defs})")
        return
    _insert_columns(con, table, columns, rows, casts, "CREATE OR REPLACE TEMP TABLE {} AS")


def _insert_columns(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    rows: list[tuple],
    casts: list[str],
    into: str = "INSERT INTO {}",
) -> None:
    """Insert many rows in one statement: each column passed as one list parameter (`into`:
    the statement's head, the table's name in place of {})."""
    if not rows:
        return
    lists = [list(col) for col in zip(*rows, strict=True)]
    select = ", ".join(
        f"CAST(unnest(?) AS {t}) AS {c}" for c, t in zip(columns, casts, strict=True)
    )
    con.execute(f"{into.format(table)} SELECT {select}", lists)


def prepare_run(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledScheme,
    start: date,
    end: date,
    as_of: datetime,
    scenarios: Mapping[str, Mapping[str, object]]
    | Iterable[tuple[str, Mapping[str, object]]]
    | None = None,
    *,
    shared_months: bool = False,
) -> None:
    """Create the `ev_*` TEMP tables for one scheme, window [start, end] (months) and as-of time.
    With `shared_months`, the month values and flags are read from `share_month_values`'s tables
    (made for this as-of time, for this and other schemes) instead of being computed again."""
    if end < start:
        raise EcocompError(
            f"核算区间的结束月 {end:%Y-%m} 早于开始月 {start:%Y-%m}。(end before start)"
        )
    for macro in ("monthly_values", "period_of", "limit_of", "class_of_limits"):
        if not has_function(con, macro):
            raise EcocompError(
                f"数据库中缺少水质宏 {macro}（由 quality 模块安装，请先运行 ecocomp init）。"
                f"(quality macro {macro} is missing)"
            )
    overlays = normalise_scenarios(scenarios)
    names = [BASE_SCENARIO] + [n for n, _ in overlays]
    if len(set(names)) != len(names):
        raise EcocompError("情景名称重复。(duplicate scenario names)")

    # names are unique (checked above): no key needed, and the table with its rows is one statement
    _create_columns(con, "ev_scenarios", ["scenario"], [(n,) for n in names], ["VARCHAR"])

    rows = [(compiled.id, *r) for r in _param_rows(compiled, overlays)]
    _create_columns(
        con,
        "ev_param_values",
        ["scheme", "scenario", "name", "valid_from", "valid_to", "num", "txt", "lst"],
        rows,
        ["VARCHAR", "VARCHAR", "VARCHAR", "DATE", "DATE", "DECIMAL(38,12)", "VARCHAR", "VARCHAR[]"],
    )
    if overlays:
        # A scenario that does not override a parameter reads the base values (set-based).
        con.execute(
            """INSERT INTO ev_param_values
               SELECT b.scheme, s.scenario, b.name, b.valid_from, b.valid_to, b.num, b.txt, b.lst
               FROM ev_param_values AS b CROSS JOIN ev_scenarios AS s
               WHERE b.scenario = 'base' AND s.scenario <> 'base'
                 AND NOT EXISTS (SELECT 1 FROM ev_param_values AS o
                                 WHERE o.scenario = s.scenario AND o.name = b.name)"""
        )

    periods: list[tuple] = []
    for kind in sorted(set(compiled.value_kinds) | {compiled.period}):
        periods += period_rows(compiled, kind, start, end)
    _create_columns(
        con,
        "ev_periods",
        ["kind", "period_start", "period_end", "year_start", "param_month", "days", "in_window"],
        periods,
        ["VARCHAR", "DATE", "DATE", "DATE", "DATE", "INTEGER", "BOOLEAN"],
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE ev_params AS
           SELECT v.scenario, v.name, m.month, v.num, v.txt, v.lst
           FROM ev_param_values AS v
           JOIN (SELECT DISTINCT param_month AS month FROM ev_periods) AS m
             ON m.month >= v.valid_from AND (v.valid_to IS NULL OR m.month <= v.valid_to)"""
    )

    con.execute(
        """CREATE OR REPLACE TEMP TABLE ev_sections AS
           SELECT s.section_id, s.name, s.river, s.bank, s.water_body, s.role, s.party_id,
                  s.control_id, s.river_order, s.valid_from, s.valid_to,
                  pa.kind AS party_kind
           FROM sections AS s LEFT JOIN parties AS pa ON pa.party_id = s.party_id
           WHERE list_contains(s.schemes, ?)""",
        [compiled.id],
    )
    if compiled.registry_names:
        # imported here: selection and volumes bring the syntax tree's module (34 dataclasses,
        # about a tenth of a monthly run's imports), which a rule file without names never needs
        from compensation.lang.selection import refuse_unregistered

        refuse_unregistered(con, compiled.id, compiled.file, compiled.registry_names)
    _prepare_values(con, compiled, as_of, end, history_start(compiled, start), shared_months,
                    base_only=not overlays)
    con.execute(f"CREATE OR REPLACE TEMP VIEW ev_trace_values AS {trace_values_sql()}")
    if compiled.volume_bases:
        from compensation.lang.volumes import prepare_volumes

        prepare_volumes(con, compiled.volume_bases, compiled.value_kinds, compiled.year_begins,
                        as_of, history_start(compiled, start), end)
    if compiled.uses_daily:
        if not has_function(con, "daily_values"):
            raise EcocompError(
                "数据库中缺少水质宏 daily_values（自动站日均值）。(daily_values is missing)"
            )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE ev_daily AS
               SELECT d.section_id, d.day, d.indicator, d.value, d.n_valid, d.valid
               FROM daily_values(?) AS d
               WHERE d.section_id IN (SELECT section_id FROM ev_sections)""",
            [as_of],
        )


def _trace_entries(field: str) -> str:
    """One JSON object of a group's list `e.l`, keys (indicators) in order, values as strings."""
    return (f"CAST('{{' || array_to_string(list_transform(e.l, lambda x: to_json(x.i) || ':' "
            f"|| COALESCE(CAST(to_json(CAST(x.{field} AS VARCHAR)) AS VARCHAR), 'null')),"
            f" ',') || '}}' AS JSON)")


def trace_values_sql(kinds: Sequence[str] | None = None) -> str:
    """The values and classes a trace shows, per kind, section and period (of `kinds`, else of
    every kind in ev_values). One aggregate, a plain list of small structs, sorted and written
    out afterwards (an ordered string_agg per object held every group's strings)."""
    where = ""
    if kinds is not None:
        where = "WHERE v.kind IN (" + ", ".join(f"'{k}'" for k in sorted(kinds)) + ") "
    return (
        "SELECT e.kind, e.section_id, e.period, "
        f"{{'values': {_trace_entries('v')}, 'classes': {_trace_entries('c')}}} AS t FROM ("
        "SELECT v.kind, v.section_id, v.period, "
        "list_sort(list({'i': v.indicator, 'v': v.value, 'c': v.class})) AS l "
        f"FROM ev_values AS v {where}GROUP BY v.kind, v.section_id, v.period) AS e"
    )


@contextmanager
def kept_trace_values(con: duckdb.DuckDBPyConnection, kinds: Sequence[str]) -> Iterator[None]:
    """`ev_trace_values` of `kinds` as a table while a run stages traces that read it more than
    once (each rule, section and control side read the view again: 0.42 s of CPU each in a
    one-year run of 10,000 sections); the rules keep reading the view's name. Afterwards the view
    is as prepare_run made it and the table's memory is freed."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE ev_trace_values_kept AS {trace_values_sql(kinds)}")
    con.execute("CREATE OR REPLACE TEMP VIEW ev_trace_values AS SELECT * FROM ev_trace_values_kept")
    try:
        yield
    finally:
        con.execute(f"CREATE OR REPLACE TEMP VIEW ev_trace_values AS {trace_values_sql()}")
        con.execute("DROP TABLE IF EXISTS ev_trace_values_kept")


def history_start(compiled: CompiledScheme, start: date) -> date:
    """The first day whose values the run can read: January of the run's first (agreement)
    year, a year earlier when a rule reads previous(...), or the first baseline year."""
    first = year_start(start, compiled.year_begins).year - (1 if compiled.reads_previous else 0)
    if compiled.first_year_read is not None:
        first = min(first, compiled.first_year_read)
    return date(first, 1, 1)


SHARED_VALUES = "ev_shared_month_values"
SHARED_FLAGS = "ev_shared_month_flags"


def share_month_values(
    con: duckdb.DuckDBPyConnection, runs: Sequence[tuple[CompiledScheme, date]], as_of: datetime
) -> None:
    """The month values and flags of several schemes' sections (each run's scheme and first
    month), for their `prepare_run(..., shared_months=True)` (a run of every scheme): planning
    the period values' statement costs more than computing them (about 70 ms of CPU), and each
    scheme planned it again. The same values: a period value depends only on its own samples."""
    since = min(history_start(compiled, start) for compiled, start in runs)
    schemes = sorted({compiled.id for compiled, _ in runs})
    indicators = _base_indicators([compiled for compiled, _ in runs])
    chosen = ("WHERE section_id IN (SELECT section_id FROM sections "
              "WHERE list_has_any(schemes, CAST(? AS VARCHAR[]))) AND period >= ?")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SHARED_VALUES} AS SELECT section_id, period, indicator, "
        f"value, highest, class FROM period_values(?, 'month') {chosen} AND "
        "(CAST(? AS VARCHAR[]) IS NULL OR list_contains(CAST(? AS VARCHAR[]), indicator))",
        [as_of, schemes, since, indicators, indicators],
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SHARED_FLAGS} AS SELECT section_id, period, flags "
        f"FROM period_flags(?, 'month') {chosen}",
        [as_of, schemes, since],
    )


def _base_indicators(schemes: Sequence[CompiledScheme]) -> list[str] | None:
    """The indicators the schemes' rules can read with their own parameters (None: all)."""
    names: set[str] = set()
    for compiled in schemes:
        read = compiled.indicators_read
        if read is None:
            return None
        names |= read.names
        for p in compiled.parameters:
            if p.name in read.params:
                names |= {x for v in p.versions if v.value.lst is not None for x in v.value.lst}
    return sorted(names)


def _indicators(
    con: duckdb.DuckDBPyConnection, compiled: CompiledScheme, base_only: bool = False
) -> list[str] | None:
    """The indicators the run's rules can read, in any scenario (None: all of them); with the
    base scenario only, from the compiled parameters (the rows ev_param_values holds then)."""
    read = compiled.indicators_read
    if read is None:
        return None
    if base_only:
        return _base_indicators([compiled])
    rows = con.execute(
        "SELECT DISTINCT unnest(lst) FROM ev_param_values "
        "WHERE list_contains(CAST(? AS VARCHAR[]), name)",
        [sorted(read.params)],
    ).fetchall()
    return sorted(read.names | {r[0] for r in rows if r[0] is not None})


VALUES_COLUMNS = [("kind", "VARCHAR"), ("section_id", "VARCHAR"), ("period", "DATE"),
                  ("indicator", "VARCHAR"), ("value", "DECIMAL(18,6)"),
                  ("highest", "DECIMAL(18,6)"), ("class", "TINYINT")]
FLAGS_COLUMNS = [("kind", "VARCHAR"), ("section_id", "VARCHAR"), ("period", "DATE"),
                 ("flags", "VARCHAR[]")]


def _fill(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[tuple[str, str]],
    select: str,
    params: list,
    create: bool,
) -> None:
    """Insert `select`'s rows into `table`; with `create`, (re)create the table of `columns`
    from them in the same statement (as an INSERT would cast them; one statement less)."""
    if not create:
        con.execute(f"INSERT INTO {table} {select}", params)
        return
    names = ", ".join(n for n, _ in columns)
    casts = ", ".join(f"CAST({n} AS {t}) AS {n}" for n, t in columns)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {casts} FROM ({select}) AS x({names})",
        params,
    )


def _prepare_values(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledScheme,
    as_of: datetime,
    through: date,
    since: date,
    shared_months: bool = False,
    base_only: bool = False,
) -> None:
    """Period values from `since` on (not the whole history: a monthly run reads one or two
    years), of the indicators the rules read; periods longer than a month count only months up
    to `through` (to date). The flags of each period, over all indicators, go to ev_flags."""
    # only what rules read (no counts; flags are in ev_flags; the highest value when a rule asks
    # for it): DuckDB then leaves the other aggregates of the period values uncomputed
    highest = "highest" if compiled.reads_highest else "CAST(NULL AS DECIMAL(18,6))"
    columns = f"section_id, period, indicator, value, {highest}, class"
    indicators = _indicators(con, compiled, base_only)
    # nor after the last (agreement) year of the run's periods (ev_periods): no cell reads a later
    # period, and a one-year run of a ten-year record computed and joined all ten years
    horizon = add_months(year_start(through, compiled.year_begins), 12)
    in_run = ("WHERE section_id IN (SELECT section_id FROM ev_sections) AND period >= ? "
              "AND period < ?")
    wanted = (f"{in_run} AND (CAST(? AS VARCHAR[]) IS NULL "
              "OR list_contains(CAST(? AS VARCHAR[]), indicator))")
    kinds = set(compiled.value_kinds)
    @cache
    def sources() -> str:
        """Without automatic samples the automatic-first aggregates can be skipped (same
        values); asked only when values are computed here (not for shared month values)."""
        automatic = con.execute(
            "SELECT EXISTS (SELECT 1 FROM samples WHERE source = 'auto' "
            "AND section_id IN (SELECT section_id FROM ev_sections))"
        ).fetchall()[0][0]
        return f"automatic := {'true' if automatic else 'false'}"

    def from_samples(grain: str, up_to: date | None) -> None:
        """The `grain` values straight from the samples (to date with `up_to`): every period kind
        by one rule, the mean of its valid samples rounded once (period_values). The month flags
        too; a longer period's flags are its months' (`_flags_from_months`)."""
        cut = ", through := ?, begins := ?" if up_to else ""
        first = [as_of] + ([up_to, compiled.year_begins] if up_to else [])
        if grain == "month" and shared_months:
            values, flags, first = SHARED_VALUES, SHARED_FLAGS, []
        else:
            values = f"period_values(?, '{grain}'{cut}, {sources()})"
            flags = f"period_flags(?, '{grain}'{cut})"
        create = grain == "month"  # the first: it creates the tables
        _fill(con, "ev_values", VALUES_COLUMNS,
              f"SELECT '{grain}', {columns} FROM {values} {wanted}",
              [*first, since, horizon, indicators, indicators], create)
        if grain == "month":
            _fill(con, "ev_flags", FLAGS_COLUMNS,
                  f"SELECT '{grain}', section_id, period, flags FROM {flags} {in_run}",
                  [*first, since, horizon], create)
        else:
            _flags_from_months(con, compiled, grain, up_to, since)

    from_samples("month", None)
    kinds.discard("month")
    if "odd-month" in kinds:  # the values of odd months are their monthly values
        kinds.discard("odd-month")
        con.execute(
            "INSERT INTO ev_values SELECT 'odd-month', section_id, period, indicator, value, "
            "highest, class FROM ev_values WHERE kind = 'month' AND month(period) % 2 = 1"
        )
        con.execute(
            "INSERT INTO ev_flags SELECT 'odd-month', section_id, period, flags FROM ev_flags "
            "WHERE kind = 'month' AND month(period) % 2 = 1"
        )
    for kind in sorted(kinds):
        if compiled.period_value == "monthly-mean":
            _monthly_mean(con, compiled, kind, through)
        else:
            from_samples(kind, through)


def _flags_from_months(
    con: duckdb.DuckDBPyConnection, compiled: CompiledScheme, kind: str, through: date | None,
    since: date,
) -> None:
    """A longer period's flags from its months' flags in ev_flags: the distinct flags of its
    samples (up to `through`'s month) are the distinct flags of its months' samples, so
    period_flags need not be planned and run again over the samples (about a tenth of a
    monthly run of every scheme). Periods starting before `since` are left out, as the samples'
    question left them out (their early months are not in ev_flags)."""
    cut = "AND m.period <= ? " if through is not None else ""
    con.execute(
        "INSERT INTO ev_flags SELECT ?, section_id, period, flags FROM ("
        "SELECT m.section_id, period_of(m.period, ?, ?) AS period, "
        "CAST(list_sort(list_distinct(flatten(list(m.flags)))) AS VARCHAR[]) AS flags "
        f"FROM ev_flags AS m WHERE m.kind = 'month' {cut}GROUP BY 1, 2) WHERE period >= ?",
        [kind, kind, compiled.year_begins, *([through] if through is not None else []), since],
    )


def _monthly_mean(
    con: duckdb.DuckDBPyConnection, compiled: CompiledScheme, kind: str, through: date
) -> None:
    """A period longer than a month whose scheme says its value is the mean of its monthly values
    (`period value monthly-mean`): the monthly values (already rounded as monthly values are)
    averaged exactly, rounded once half to even to the assessment decimals, classified again."""
    start = "period_of(m.period, ?, ?)"
    con.execute(
        "INSERT INTO ev_values SELECT kind, section_id, period, indicator, "
        "CAST(round_half_even_at(mean, assessment_decimals(indicator)) AS DECIMAL(18,6)), "
        f"highest, NULL FROM (SELECT ? AS kind, m.section_id, {start} AS period, m.indicator, "
        "ediv(sum(m.value), count(m.value)) AS mean, max(m.highest) AS highest "
        "FROM ev_values AS m WHERE m.kind = 'month' AND m.period <= ? "
        "GROUP BY 1, 2, 3, 4)",
        [kind, kind, compiled.year_begins, through],
    )
    con.execute(
        f"INSERT INTO ev_flags SELECT ?, m.section_id, {start}, "
        "list_sort(list_distinct(flatten(list(m.flags)))) "
        "FROM ev_flags AS m WHERE m.kind = 'month' AND m.period <= ? GROUP BY m.section_id, 3",
        [kind, kind, compiled.year_begins, through],
    )
    con.execute(
        "UPDATE ev_values SET class = class_of_limits(value, b.direction, b.limits, b.limit_high) "
        "FROM ev_sections AS s JOIN gb3838_bounds AS b ON b.water_body = s.water_body "
        "WHERE ev_values.section_id = s.section_id AND b.indicator = ev_values.indicator "
        "AND ev_values.kind = ?",
        [kind],
    )
