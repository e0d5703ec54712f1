"""`ecocomp run`: execute a scheme's rule SQL over a window and record the lines under a run.

Each rule is one query over all sections and periods of the window; the rows land in a temporary
table, are checked, fingerprinted and then copied into `ledger` under a new `runs` record. Nothing
already recorded is changed: a rerun is a new run, and says when it equals an earlier one.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

import compensation
from compensation.engine import hashes
from compensation.engine.coverage import (
    MissingData,
    missing_sentence,
    sections_without_data,
    sections_without_data_each,
)
from compensation.engine.money import wan_text
from compensation.engine.periods import Window, window_for
from compensation.engine.run_settings import small_run_settings
from compensation.engine.schemes import SchemeInfo, canonical_json, load_scheme, scheme_paths
from compensation.errors import EcocompError
from compensation.lang.options import CompileOptions
from compensation.months import month_label
from compensation.store import transaction

STAGE = "engine_run_lines"
LINE_COLUMNS = (
    "scenario, rule, period_start, period_end, section_id, payer, payee, amount, "
    "branch, exception, reason, trace"
)

PrepareRun = Callable[..., Any]
# A run computes the base scenario only, so `spread_shared` (one spread per distinct parameter
# values across scenarios, for sweeps) has nothing to share and only adds CTEs and joins: the plain
# spread gives the same lines (tests/lang/test_pass_equivalence.py) and plans in less time.
RUN_OPTIONS = CompileOptions(spread_shared=False)


@dataclass
class RunResult:
    """What one run recorded, and the sentence the command prints about it."""

    run_id: int | None
    scheme: str
    label: str
    window_start: date | None = None
    window_end: date | None = None
    line_count: int = 0
    total_yuan: Decimal = Decimal("0.00")
    lines_hash: str = ""
    same_as_run: int | None = None
    skipped: str | None = None
    differs_from: int | None = None  # an earlier run with the same fingerprints but other lines
    hashes: dict[str, str] = field(default_factory=dict)
    missing: list[MissingData] = field(default_factory=list)  # sections without data, by month
    year_begins: int = 1  # `--year Y` of an agreement year from month N: N/Y..(N-1)/(Y+1)
    # the periods the stored lines cover (a quarter run at its 2nd month stores the whole quarter)
    stored_start: date | None = None
    stored_end: date | None = None

    @property
    def message(self) -> str:
        """The sentence `ecocomp run` prints about this run."""
        if self.skipped:
            return self.skipped
        agreement = "协议年" if self.year_begins != 1 and len(self.label) == 4 else ""
        first = self.stored_start or self.window_start
        last = self.stored_end or self.window_end
        through = (
            f"，数据截至 {month_label(self.window_end)}"
            if self.window_end is not None and last is not None
            and (last.year, last.month) != (self.window_end.year, self.window_end.month)
            else ""
        )
        text = (
            f"运行 #{self.run_id}：方案 {self.scheme} {self.label}{agreement}"
            f"（{month_label(first)}～{month_label(last)}{through}），"
            f"写入台账 {self.line_count} 行，金额合计 {wan_text(self.total_yuan)} 万元。"
        )
        if self.same_as_run is not None:
            text += f"与运行 #{self.same_as_run} 的输入和结果完全相同。"
        elif self.differs_from is not None:
            text += (
                f"注意：与运行 #{self.differs_from} 的规则、数据批次和参数指纹相同，结果却不同"
                "（数据可能未经批次载入而被改动）。"
            )
        return text + missing_sentence(self.missing)


def _default_prepare() -> PrepareRun:
    from compensation.lang import prepare_run

    return prepare_run


def _stage_lines(con: duckdb.DuckDBPyConnection, info: SchemeInfo, window: Window) -> None:
    """Run every rule once over the whole window into the staging table (base scenario only).

    Traces are stored as the rule's query wrote them: the compiler writes nested maps in key order
    (tests/engine/test_compiled_traces_canonical.py), so identical inputs give identical bytes
    without re-sorting every trace in Python (51 s of a one-year run of 10,000 sections). Each
    trace's md5 is taken here once: the lines hash and the line numbering both use it (taking it
    twice cost 0.7 s of CPU in a one-year run of 10,000 sections)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {STAGE} (
            rule_order INTEGER, scenario VARCHAR, rule VARCHAR, period_start DATE,
            period_end DATE, section_id VARCHAR, payer VARCHAR, payee VARCHAR,
            amount DECIMAL(18,2), branch VARCHAR, exception VARCHAR, reason VARCHAR, trace JSON,
            trace_md5 VARCHAR)"""
    )
    with _trace_values_once(con, info):
        _stage_rules(con, info, window)
    _check_staged(con, info)


def _trace_values_once(con: duckdb.DuckDBPyConnection, info: SchemeInfo) -> AbstractContextManager:
    """The traces' values as one table while the rules are staged, when more than one rule or
    side reads them (built once instead of once per reader: 1.3 s of a one-year run)."""
    if sum(rule.trace_value_reads for rule in info.rules) < 2:
        return nullcontext()
    from compensation.lang.runtime import kept_trace_values

    return kept_trace_values(con, info.compiled.value_kinds)


def _stage_rules(con: duckdb.DuckDBPyConnection, info: SchemeInfo, window: Window) -> None:
    """Every rule's lines of the base scenario in the window, with trace and md5, into STAGE."""
    for order, rule in enumerate(info.rules):
        try:
            con.execute(
                f"""INSERT INTO {STAGE}
                SELECT ? AS rule_order, scenario, rule, CAST(period_start AS DATE),
                       CAST(period_end AS DATE), section_id, payer, payee,
                       CAST(amount AS DECIMAL(18,2)), branch, exception, reason,
                       CAST(trace AS JSON), md5(CAST(trace AS VARCHAR))
                FROM ({rule.sql}) AS rule_rows
                WHERE scenario = 'base'
                  AND CAST(period_start AS DATE) <= ? AND CAST(period_end AS DATE) >= ?""",
                [order, window.end, window.start],
            ).fetchall()
        except duckdb.Error as err:
            raise EcocompError(
                f"规则 {rule.id}（{rule.file}:{rule.line}）执行失败：{err}。(rule SQL failed)"
            ) from None


def _check_staged(con: duckdb.DuckDBPyConnection, info: SchemeInfo) -> None:
    """Refuse lines the ledger must never hold: no payer/payee, negative or missing amounts."""
    bad = con.execute(
        f"""SELECT rule_order, rule, CAST(period_start AS VARCHAR), section_id, payer, payee,
                   CAST(amount AS VARCHAR)
            FROM {STAGE}
            WHERE amount IS NULL OR amount < 0 OR payer IS NULL OR payee IS NULL
               OR period_start IS NULL OR period_end IS NULL OR payer = payee
            ORDER BY rule_order, period_start, section_id LIMIT 1"""
    ).fetchall()
    if bad:
        order, rule_id, start, section, payer, payee, amount = bad[0]
        rule = info.rules[order]
        raise EcocompError(
            f"规则 {rule_id}（{rule.file}:{rule.line}）在 {start} 断面 {section} "
            "产生了无效的台账行："
            f"付款方 {payer}、收款方 {payee}、金额 {amount}；应有付款方和收款方（两者不同）"
            "且金额为不小于 0 的数。(invalid ledger line)"
        )


def _previous_same(
    con: duckdb.DuckDBPyConnection, info: SchemeInfo, window: Window, digest: dict[str, str]
) -> tuple[int | None, int | None]:
    """(an earlier run with identical inputs and lines, one with identical inputs only).

    Only runs whose lines were hashed the same way count: a run hashed by an older ecocomp is
    neither "the same" nor "different" (its hash cannot be compared)."""
    rows = con.execute(
        """SELECT run_id, lines_hash FROM runs
           WHERE scheme = ? AND scenario = 'base' AND window_start = ? AND window_end = ?
             AND rules_hash = ? AND data_hash = ? AND params_hash = ?
             AND COALESCE(hash_version, 1) = ?
           ORDER BY run_id DESC""",
        [info.id, window.start, window.end, digest["rules"], digest["data"], digest["params"],
         hashes.HASH_VERSION],
    ).fetchall()
    same = next((int(r[0]) for r in rows if r[1] == digest["lines"]), None)
    inputs_only = next((int(r[0]) for r in rows if r[1] != digest["lines"]), None)
    return same, inputs_only


def run_window(
    con: duckdb.DuckDBPyConnection,
    info: SchemeInfo,
    window: Window,
    as_of: datetime,
    prepare: PrepareRun | None = None,
    shared_months: bool = False,
    missing: list[MissingData] | None = None,
) -> RunResult:
    """Compute and record one run of one scheme over one window (caller holds the transaction;
    `shared_months`: the month values were made by `share_month_values` for this run;
    `missing`: its sections without data, when the caller asked for several runs at once)."""
    shared = {"shared_months": True} if shared_months else {}
    (prepare or _default_prepare())(con, info.compiled, window.start, window.end, as_of, **shared)
    _stage_lines(con, info, window)
    batches = hashes.visible_batches(con, as_of)
    # the run id, the staged lines' count, sum, span and hash in one statement
    run_id, count, total, stored_start, stored_end, lines = con.execute(
        "SELECT nextval('run_seq'), * FROM (SELECT count(*), COALESCE(sum(amount), 0),"
        f" min(period_start), max(period_end) FROM {STAGE}),"
        f" ({hashes.lines_hash_sql(STAGE, 'trace_md5')})"
    ).fetchall()[0]
    run_id = int(run_id)
    digest = {
        "rules": hashes.rules_hash(info.path),
        "data": hashes.data_hash(batches),
        "params": hashes.params_hash(con, info.parameters, resolved=prepare is None),
        "lines": str(lines),
    }
    same, inputs_only = _previous_same(con, info, window, digest)
    rules_meta = [
        {"id": r.id, "title": r.title, "basis": r.basis, "file": r.file, "line": r.line}
        for r in info.rules
    ]
    con.execute(
        """INSERT INTO runs (run_id, scheme, period_label, window_start, window_end, as_of,
               scenario, rules_hash, data_hash, params_hash, lines_hash, engine_version,
               duckdb_version, created_at, same_as_run, period_kind, span_start, rules_file,
               rules_meta, params, batch_ids, line_count, year_begins, period_value,
               hash_version)
           VALUES (?, ?, ?, ?, ?, ?, 'base', ?, ?, ?, ?, ?, ?, current_localtimestamp(), ?, ?, ?,
                   ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            run_id, info.id, window.label, window.start, window.end, as_of,
            digest["rules"], digest["data"], digest["params"], digest["lines"],
            compensation.__version__, duckdb.__version__, same, info.period_kind,
            info.span_start, str(info.path), canonical_json(rules_meta),
            canonical_json(info.parameters),
            [b for b, _ in batches], int(count), info.year_begins, info.period_value,
            hashes.HASH_VERSION,
        ],
    )
    # line ids in a fixed order of the lines' content; the last tie-break is the trace's md5, not
    # the trace itself (sorting 1 KB keys of every line cost 4 of 5 s of the numbering). The order
    # is worked out on the staged rows' narrow columns and the lines written in it: numbering
    # with every trace carried through the window's sort cost a quarter more CPU.
    con.execute(
        f"""INSERT INTO ledger (line_id, run_id, scheme, rule, period_start, period_end,
                section_id, payer, payee, amount, branch, exception, reason, trace)
            SELECT n.line_id, ?, ?, s.rule, s.period_start, s.period_end, s.section_id, s.payer,
                   s.payee, s.amount, s.branch, s.exception, s.reason, s.trace
            FROM {STAGE} s JOIN (
                SELECT rowid AS staged, (SELECT COALESCE(max(line_id), 0) FROM ledger)
                         + row_number() OVER (ORDER BY rule_order, period_start, period_end,
                             section_id NULLS FIRST, payer, payee, amount, branch, exception,
                             reason, trace_md5) AS line_id
                FROM {STAGE}) n ON s.rowid = n.staged
            ORDER BY n.line_id""",
        [run_id, info.id],
    )
    con.execute(f"DROP TABLE IF EXISTS {STAGE}")
    return RunResult(
        run_id=run_id, scheme=info.id, label=window.label, window_start=window.start,
        window_end=window.end, line_count=int(count), total_yuan=Decimal(total),
        lines_hash=digest["lines"], same_as_run=same, hashes=digest,
        differs_from=inputs_only if same is None else None,
        missing=missing if missing is not None
        else sections_without_data(con, info.id, window.start, window.end, as_of),
        year_begins=info.year_begins, stored_start=stored_start, stored_end=stored_end,
    )


def run_scheme(
    con: duckdb.DuckDBPyConnection,
    info: SchemeInfo,
    period: str | None = None,
    year: str | int | None = None,
    as_of: datetime | None = None,
    prepare: PrepareRun | None = None,
    shared_months: bool = False,
    missing: list[MissingData] | None = None,
    years: str | None = None,
) -> RunResult:
    """Run one compiled scheme for `--period`, `--year` or `--years` (caller holds the
    transaction)."""
    window = _window(info, period, year, years)
    label = period or years or str(year)
    if window is None:
        start = month_label(info.span_start) if info.span_start else "?"
        return RunResult(
            run_id=None, scheme=info.id, label=label,
            skipped=f"方案 {info.id} 自 {start} 起执行，{label} 不在其范围内，未运行。",
        )
    return run_window(con, info, window, as_of or datetime.now(), prepare, shared_months, missing)


def _window(
    info: SchemeInfo, period: str | None, year: str | int | None, years: str | None = None
) -> Window | None:
    return window_for(
        info.period_kind, info.span_start, period=period, year=year, begins=info.year_begins,
        years=years,
    )


def run_schemes(
    con: duckdb.DuckDBPyConnection,
    scheme: str,
    period: str | None = None,
    year: str | int | None = None,
    as_of: datetime | None = None,
    rules_dir: Path | None = None,
    years: str | None = None,
) -> list[RunResult]:
    """`ecocomp run`: one scheme or all, in one transaction (all recorded or none); `years`
    ("2018-2027"): one run over those (agreement) years."""
    infos = [load_scheme(p, RUN_OPTIONS) for p in scheme_paths(scheme, rules_dir)]
    stamp = as_of or datetime.now()
    with small_run_settings(con), transaction(con):
        # several schemes: their month values in one statement (its planning was most of the cost)
        windows = {i.id: w for i in infos if (w := _window(i, period, year, years))}
        starts = [(i.compiled, windows[i.id].start) for i in infos if i.id in windows]
        shared = len(starts) > 1
        missing: dict[str, list[MissingData]] = {}
        if shared:
            from compensation.lang.runtime import share_month_values

            share_month_values(con, starts, stamp)
            # the samples are not changed by the runs: every scheme's gaps in one statement
            missing = sections_without_data_each(
                con, [(s, w.start, w.end) for s, w in windows.items()], stamp)
        return [run_scheme(con, info, period, year, stamp, shared_months=shared,
                           missing=missing.get(info.id, []) if shared else None, years=years)
                for info in infos]
