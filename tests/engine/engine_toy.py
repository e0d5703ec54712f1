"""A small scheme written by hand over a real table, to test the engine without the rule language.

The rule is a real DuckDB query (not a mock): sections with a value <= the threshold get a reward
from the treasury, others pay a penalty; a flagged or missing month gets a zero line with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from compensation.api import Store
from compensation.engine.run import RunResult, run_scheme
from compensation.engine.schemes import SchemeInfo
from compensation.lang.compiled import CompiledRule
from compensation.store import transaction

Target = Store | duckdb.DuckDBPyConnection


@contextmanager
def _writing(target: Target) -> Iterator[duckdb.DuckDBPyConnection]:
    """The connection itself, or the store's writing connection for this one step (so a test
    that reads through the API holds no connection between steps)."""
    if isinstance(target, Store):
        with target.writing() as con:
            yield con
    else:
        yield target

PARTIES = [
    ("city_treasury", "市财政", "treasury"),
    ("jiangan", "江岸区", "district"),
    ("hanyang", "汉阳区", "district"),
    ("qingshan", "青山区", "district"),
    ("wuhan_jkq", "武汉经济技术开发区管委会", "city"),
    ("xiantao", "仙桃市", "city"),
]
SECTIONS = [  # section_id, name, role, party, control
    ("ctl", "水洪中心", "control", None, None),
    ("s1", "滠水入长江口", "assessed", "jiangan", "ctl"),
    ("s2", "老关村", "assessed", "hanyang", "ctl"),
    ("s3", "东港村", "assessed", "qingshan", "ctl"),
]

BAND_SQL = """
SELECT 'base' AS scenario, 'band' AS rule, v.period AS period_start,
       last_day(v.period) AS period_end, v.section_id,
       CASE WHEN v.value > p.threshold THEN s.party_id ELSE 'city_treasury' END AS payer,
       CASE WHEN v.value > p.threshold THEN 'city_treasury' ELSE s.party_id END AS payee,
       CAST(CASE WHEN v.flag IS NOT NULL OR v.value IS NULL THEN 0
                 WHEN v.value > p.threshold THEN p.penalty ELSE p.reward END AS DECIMAL(18,2))
           AS amount,
       CASE WHEN v.flag IS NOT NULL OR v.value IS NULL THEN NULL
            WHEN v.value > p.threshold THEN '(threshold, ..)' ELSE '[.., threshold]' END AS branch,
       CASE WHEN v.flag = 'no_flow' THEN '断流不考核' END AS exception,
       CASE WHEN v.flag = 'no_flow' THEN '断流' WHEN v.value IS NULL THEN '数据缺失' END AS reason,
       json_object('value', CAST(v.value AS VARCHAR), 'section', v.section_id,
                   'control', s.control_id) AS trace
FROM ev_toy v JOIN sections s USING (section_id) CROSS JOIN toy_params p
WHERE s.role = 'assessed'
"""

# A year rule: the annual mean decides a fixed transfer for the year window (year-to-date when the
# window ends before December).
YEAR_SQL = """
SELECT 'base' AS scenario, 'annual' AS rule, make_date(year(min(v.period)), 1, 1) AS period_start,
       make_date(year(min(v.period)), 12, 31) AS period_end, v.section_id,
       'xiantao' AS payer, 'wuhan_jkq' AS payee,
       CAST(CASE WHEN max(v.value) <= 10 THEN 1000000 ELSE 0 END AS DECIMAL(18,2)) AS amount,
       CASE WHEN max(v.value) <= 10 THEN 'good' ELSE 'bad' END AS branch,
       NULL AS exception, NULL AS reason, json_object('max', CAST(max(v.value) AS VARCHAR)) AS trace
FROM ev_toy v GROUP BY v.section_id, year(v.period)
"""


def setup_store(con: duckdb.DuckDBPyConnection) -> None:
    """Parties, sections, the toy value table and its parameters, in a real store."""
    with transaction(con):
        for pid, name, kind in PARTIES:
            con.execute("INSERT INTO parties (party_id, name, kind) VALUES (?, ?, ?)",
                        [pid, name, kind])
        for sid, name, role, party, control in SECTIONS:
            con.execute(
                """INSERT INTO sections (section_id, name, river, water_body, role, party_id,
                       control_id, schemes, valid_from) VALUES (?, ?, '长江', 'river', ?, ?, ?,
                       ['toy'], DATE '2018-01-01')""",
                [sid, name, role, party, control],
            )
        con.execute("""CREATE TABLE toy_values (section_id VARCHAR, period DATE,
                       value DECIMAL(18,6), flag VARCHAR)""")
        con.execute("""CREATE TABLE toy_params (threshold DECIMAL(18,6), reward DECIMAL(18,2),
                       penalty DECIMAL(18,2))""")
        con.execute("INSERT INTO toy_params VALUES (10, 500000, 1000000)")


def add_batch(target: Target, batch_id: int, loaded_at: datetime) -> None:
    """A batches record, so the run's data hash sees new data arrive."""
    with _writing(target) as con:
        con.execute(
            """INSERT INTO batches (batch_id, kind, file_name, sha256, row_count, loaded_at)
               VALUES (?, 'samples', ?, ?, 1, ?)""",
            [batch_id, f"toy_{batch_id}.csv", f"{batch_id:064x}", loaded_at],
        )


def set_value(
    target: Target, section: str, month: date, value: str | None, flag: str | None = None,
) -> None:
    with _writing(target) as con:
        con.execute("DELETE FROM toy_values WHERE section_id = ? AND period = ?",
                    [section, month])
        con.execute(
            "INSERT INTO toy_values VALUES (?, ?, ?, ?)",
            [section, month, None if value is None else Decimal(value), flag],
        )


def prepare(con: duckdb.DuckDBPyConnection, compiled: object, start: date, end: date,
            as_of: datetime, scenarios: object = None) -> None:
    """Stands in for lang.prepare_run: a TEMP view of the window's values."""
    con.execute("DROP VIEW IF EXISTS ev_toy")
    con.execute(
        f"CREATE TEMP VIEW ev_toy AS SELECT * FROM toy_values "
        f"WHERE period BETWEEN DATE '{start.isoformat()}' AND DATE '{end.isoformat()}'"
    )


def scheme(tmp: Path, kind: str = "month", sql: str = BAND_SQL, scheme_id: str = "toy",
           span_start: date | None = date(2018, 1, 1)) -> SchemeInfo:
    rule_file = tmp / f"{scheme_id}.rule"
    rule_file.write_text(f"# toy rule file for tests\n{sql}", encoding="utf-8")
    rule_id = "band" if sql is BAND_SQL else "annual"
    return SchemeInfo(
        id=scheme_id, title="测试方案", period_kind=kind, span_start=span_start,
        rules=[CompiledRule(rule_id, "阈值奖罚", "测试依据第1条", None, str(rule_file), 7, kind,
                            "assessed", "city_treasury", "section.party", sql, sql)],
        parameters=[{"name": "reward", "negotiable": True, "versions": [
            {"start": "2018-01-01", "text": "50万", "basis": "测试依据第2条", "assumption": None},
            {"start": "2019-01-01", "text": "60万", "basis": "测试依据第3条", "assumption": "假设"},
        ]}],
        path=rule_file, compiled=None,
    )


def run(target: Target, info: SchemeInfo, period: str | None = None,
        year: int | None = None, as_of: datetime | None = None) -> RunResult:
    """The toy scheme has no rule file the language compiles, so it runs through `run_scheme`
    (what `Store.run` calls for a real scheme) with `prepare` standing in for the compiler."""
    with _writing(target) as con, transaction(con):
        return run_scheme(con, info, period, year, as_of or datetime(2030, 1, 1), prepare)
