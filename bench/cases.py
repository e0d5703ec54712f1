"""What each measured child process does: one implementation of one case, timed from inside.

Every function takes the job parameters (paths, dates) and returns a dict with `seconds` (the
operation alone: no interpreter start, no set-up), `rows`, and a `digest` or an output file that the
runner compares across implementations. Set-up (a fresh store, the registry) is not timed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from bench import alt_python, alt_sql, engine, latency, real_path
from bench.procfs import peak_kb
from bench.store_setup import fresh_store
from compensation.store import open_store
from compensation.store.connection import memory_limit

Job = dict[str, Any]
Result = dict[str, Any]

CPI_RULE_FILE = "rules/yangtze_han.rule"
# every connection, the engine's and the alternatives', has the engine's own memory cap (2.5 GB
# unless ECOCOMP_MEMORY_LIMIT says otherwise; DuckDB spills beyond it); BENCH_MEMORY_LIMIT overrides
MEMORY_LIMIT = os.environ.get("BENCH_MEMORY_LIMIT") or memory_limit()


def _open(path: str | Path) -> duckdb.DuckDBPyConnection:
    con = open_store(path)
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    return con


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _as_of(job: Job) -> datetime:
    """The as-of time of the run (after every load, so every batch counts)."""
    return datetime.fromisoformat(job["as_of"])


def _store_digest(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Counts and the exact value sum of the samples table: two loads of one file must match."""
    row = con.execute(
        """SELECT count(*), count(flag), count(*) FILTER (WHERE below_dl),
                  CAST(coalesce(sum(value), 0) AS VARCHAR), count(DISTINCT section_id)
           FROM samples"""
    ).fetchall()[0]
    return dict(zip(("rows", "flagged", "below_dl", "value_sum", "sections"),
                    map(str, row), strict=True))


def ingest_engine(job: Job) -> Result:
    """`compensation.ingest.load_samples` on the CSV or Parquet file, into a fresh store."""
    load_parties = engine.engine_function("compensation.ingest", "load_parties")
    load_sections = engine.engine_function("compensation.ingest", "load_sections")
    load_samples = engine.engine_function("compensation.ingest", "load_samples")
    db = Path(job["db"])
    con = fresh_store(db, Path(job["template"]))
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    load_parties(con, Path(job["parties"]))
    load_sections(con, Path(job["sections"]))
    start = time.perf_counter()
    load_samples(con, [Path(job["samples"])])
    seconds = time.perf_counter() - start
    digest = _store_digest(con)
    con.close()
    if not job.get("keep"):
        db.unlink(missing_ok=True)
    return {"seconds": seconds, "rows": int(digest["rows"]), "digest": digest}


def ingest_duckdb(job: Job) -> Result:
    """DuckDB's own reader: the file into a table of a fresh database file, nothing checked."""
    db = Path(job["db"])
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db), config={"memory_limit": MEMORY_LIMIT})
    reader = "read_parquet" if job["samples"].endswith(".parquet") else "read_csv"
    start = time.perf_counter()
    con.execute(f"CREATE TABLE raw AS SELECT * FROM {reader}(?)", [job["samples"]])
    seconds = time.perf_counter() - start
    row = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE value = '断流'),
                  count(*) FILTER (WHERE value LIKE '%L' OR value LIKE '<%'),
                  CAST(coalesce(sum(TRY_CAST(value AS DECIMAL(18,6))), 0) AS VARCHAR),
                  count(DISTINCT section)
           FROM raw"""
    ).fetchall()[0]
    con.close()
    db.unlink(missing_ok=True)
    digest = dict(zip(("rows", "flagged", "below_dl", "value_sum", "sections"),
                      map(str, row), strict=True))
    return {"seconds": seconds, "rows": int(digest["rows"]), "digest": digest}


def _export(con: duckdb.DuckDBPyConnection, table: str, path: str) -> None:
    con.execute(f"COPY {table} TO '{path}' (FORMAT parquet)")


def monthly_engine(job: Job) -> Result:
    """The quality engineer's `monthly_values(as_of)` macro, materialised."""
    con = _open(job["db"])
    engine.require_table_macro(con, "monthly_values")
    start = time.perf_counter()
    con.execute(
        """CREATE TEMP TABLE out AS
           SELECT section_id, period, indicator, n_samples, n_valid, value,
                  CAST(class AS TINYINT) AS class
           FROM monthly_values(CAST($as_of AS TIMESTAMP))""",
        {"as_of": _as_of(job)},
    )
    seconds = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM out").fetchall()[0][0]
    _export(con, "out", job["out"])
    con.close()
    return {"seconds": seconds, "rows": rows}


def monthly_hand(job: Job) -> Result:
    """The hand-written single query of `bench.alt_sql`, materialised."""
    con = _open(job["db"])
    start = time.perf_counter()
    rows = alt_sql.run_monthly(con, _as_of(job), "out")
    seconds = time.perf_counter() - start
    _export(con, "out", job["out"])
    con.close()
    return {"seconds": seconds, "rows": rows}


def _signed_lines(con: duckdb.DuckDBPyConnection, lines: str, rule: str) -> str:
    """Ledger-shaped lines as signed amounts (+ district receives), zero lines dropped."""
    con.execute(
        f"""CREATE TEMP TABLE signed AS
            SELECT l.section_id, CAST(l.period_start AS DATE) AS period,
                   CAST(CASE WHEN l.payee = sec.party_id THEN l.amount ELSE -l.amount END
                        AS DECIMAL(18,2)) AS amount
            FROM {lines} AS l JOIN sections AS sec ON sec.section_id = l.section_id
            WHERE l.amount <> 0 AND l.scenario = 'base' AND l.rule = ?""",
        [rule],
    )
    return "signed"


def _cpi_rule(compiled: Any) -> Any:
    for rule in compiled.rules:
        if "cpi" in rule.id.lower():
            return rule
    raise engine.NotAvailable("yangtze_han.rule 中没有 CPI 规则 (no CPI rule in the scheme)")


def _rules_compiled(job: Job, trace: bool) -> Result:
    compile_file = engine.engine_function("compensation.lang", "compile_file")
    prepare_run = engine.engine_function("compensation.lang", "prepare_run")
    con = _open(job["db"])
    compiled = compile_file(Path(job["repo"]) / CPI_RULE_FILE)
    rule = _cpi_rule(compiled)
    # amounts only: the rule's query without the trace, as scenario sweeps read it
    query = rule.sql if trace else (
        "SELECT scenario, rule, period_start, section_id, payer, payee, amount "
        f"FROM ({rule.amounts_sql})")
    start, cpu = time.perf_counter(), time.process_time()
    prepare_run(con, compiled, _day(job["start"]), _day(job["last"]), _as_of(job))
    con.execute(f"CREATE TEMP TABLE lines AS {query}")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rows = con.execute("SELECT count(*) FROM lines").fetchall()[0][0]
    _export(con, _signed_lines(con, "lines", rule.id), job["out"])
    con.close()
    # CPU time of every thread of the process: the real path compares it on a shared machine
    return {"seconds": seconds, "rows": rows, "cpu_seconds": cpu}


def rules_compiled(job: Job) -> Result:
    """`compile_file` + `prepare_run` + the CPI rule's SQL, the ledger lines (with their trace)
    materialised."""
    return _rules_compiled(job, trace=True)


def rules_compiled_amounts(job: Job) -> Result:
    """The same, reading only the amounts (what settlement totals and scenario sweeps read), from
    the rule's query without the trace. The like-for-like match of the hand-written query."""
    return _rules_compiled(job, trace=False)


def _rules_hand(job: Job, run: Callable[..., int]) -> Result:
    con = _open(job["db"])
    start = time.perf_counter()
    rows = run(con, _as_of(job), _day(job["start"]), _day(job["stop"]), "out")
    seconds = time.perf_counter() - start
    hits = alt_sql.boundary_hits(con, "out")
    con.execute("CREATE TEMP TABLE signed AS SELECT section_id, period, amount FROM out")
    _export(con, "signed", job["out"])
    con.close()
    return {"seconds": seconds, "rows": rows, "boundary_hits": hits}


def rules_hand(job: Job) -> Result:
    """The fair hand-written CPI band query of `bench.alt_sql` (issue 17), with its check
    whether batches overlap."""
    return _rules_hand(job, alt_sql.run_cpi_band)


def rules_hand_old(job: Job) -> Result:
    """The hand-written query as it stood before issue 17 (kept for one run, to show the
    change)."""
    return _rules_hand(job, alt_sql.run_cpi_band_old)


def rules_floor(job: Job) -> Result:
    """The floor: one pass over the window's sample rows, a sum per section, month and
    indicator (`bench.alt_sql.floor_sql`). No amounts: nothing to compare."""
    con = _open(job["db"])
    start = time.perf_counter()
    rows = alt_sql.run_floor(con, _day(job["start"]), _day(job["stop"]), "out")
    seconds = time.perf_counter() - start
    con.close()
    return {"seconds": seconds, "rows": rows}


def rules_python(job: Job) -> Result:
    """The per-row Python evaluator of `bench.alt_python` (reading the rows included)."""
    con = _open(job["db"])
    start = time.perf_counter()
    amounts = alt_python.evaluate(con, _as_of(job), _day(job["start"]), _day(job["stop"]))
    seconds = time.perf_counter() - start
    keys = sorted(amounts)
    # one statement with list parameters: executemany would insert row by row (minutes)
    con.execute(
        """CREATE TEMP TABLE out AS
           SELECT CAST(unnest($s) AS VARCHAR) AS section_id, CAST(unnest($p) AS DATE) AS period,
                  CAST(unnest($a) AS DECIMAL(18,2)) AS amount""",
        {"s": [k[0] for k in keys], "p": [k[1] for k in keys],
         "a": [str(amounts[k]) for k in keys]},
    )
    _export(con, "out", job["out"])
    con.close()
    return {"seconds": seconds, "rows": len(amounts)}


def _rule_files(repo: Path) -> list[Path]:
    rules = repo / "rules"
    return sorted(rules.glob("*.rule")) + sorted(rules.glob("examples/*.rule"))


def compile_all(job: Job) -> Result:
    """Compile every shipped rule file (rules/ and rules/examples/), past the rule cache: the
    compiler's own time."""
    compile_file = engine.engine_function("compensation.lang.scheme", "compile_uncached")
    files = _rule_files(Path(job["repo"]))
    if not files:
        raise engine.NotAvailable("rules/ 中没有规则文件 (no rule files yet)")
    start = time.perf_counter()
    for path in files:
        compile_file(path)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(files)}


def overlays(count: int) -> dict[str, dict[str, str]]:
    """`count` − 1 scenarios besides base: the band from 5.00% in steps of 0.01 points crossed
    with ten reward amounts (40万…58万); `same_as_base` restates the base values (a check)."""
    out: dict[str, dict[str, str]] = {"same_as_base": {"band": "10%", "reward_hold": "50万"}}
    for i in range(count - 2):
        band, hold = 500 + i // 10, 40 + 2 * (i % 10)
        out[f"s{i:05d}"] = {"band": f"{band // 100}.{band % 100:02d}%", "reward_hold": f"{hold}万"}
    return out


def sweep_grid(count: int) -> list[str]:
    """A grid of `count` points (a multiple of 10): bands in 0.01-point steps centred on 10%,
    crossed with ten reward amounts 40万…58万; it contains the base values (10%, 50万)."""
    if count <= 1:
        return ["band=10%"]
    bands = count // 10
    low = 1000 - bands // 2
    high = low + bands - 1
    return [f"band={low // 100}.{low % 100:02d}%..{high // 100}.{high % 100:02d}%/0.01%",
            "reward_hold=40万..58万/2万"]


def sweep(job: Job) -> Result:
    """Base plus `scenarios` grid points evaluated at once, on the Wuhan-sized network.

    With `compensation.scenario.sweep` (the scenario issue) the grid goes through it; before it
    existed, the overlays went through `prepare_run` and the CPI rule's SQL (kept as fallback)."""
    compile_file = engine.engine_function("compensation.lang", "compile_file")
    con = _open(job["db"])
    compiled = compile_file(Path(job["repo"]) / CPI_RULE_FILE)
    count = int(job["scenarios"])
    try:
        sweep_fn = engine.engine_function("compensation.scenario", "sweep")
    except engine.NotAvailable:
        sweep_fn = None
    if sweep_fn is not None:
        grid = sweep_grid(count)
        start, cpu = time.perf_counter(), time.process_time()
        result = sweep_fn(con, compiled, grid, [_day(job["start"]).year], as_of=_as_of(job))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        same = [r for r in result.rows if r.labels.get("band") == "10%"
                and r.labels.get("reward_hold", "50万") == "50万"]
        differ = sum(1 for r in same if r.yearly != result.base.yearly) + (0 if same else 1)
        con.close()
        return {"seconds": seconds, "cpu_seconds": cpu, "rows": len(result.rows),
                "scenarios_found": len(result.rows), "same_as_base_differs": differ,
                "via": "compensation.scenario.sweep", "grid": grid}
    return _sweep_prepare_run(job, con, compiled, count)


TONGSHUN_YEARS = [2022, 2023, 2024]


def tongshun_grid(count: int) -> list[str]:
    """`count` points of annual × penalty amounts in 5万 steps centred on the base 300万 (so the
    base is a grid point); 10,000 = 100 × 100, the quick 50 = 5 × 10."""
    if count <= 1:
        return ["annual_amount=300万"]
    rows = max(d for d in range(1, int(count ** 0.5) + 1) if count % d == 0)
    axes = []
    for name, side in (("annual_amount", rows), ("penalty_amount", count // rows)):
        low = 300 - 5 * (side // 2)
        axes.append(f"{name}={low}万..{low + 5 * (side - 1)}万/5万")
    return axes


def sweep_tongshun(job: Job) -> Result:
    """Issue 6 §6: the Tongshun agreement on the demo record 2022–2024, base plus a grid."""
    sweep_fn = engine.engine_function("compensation.scenario", "sweep")
    con = _open(job["db"])
    count = int(job["scenarios"])
    grid = tongshun_grid(count)
    start, cpu = time.perf_counter(), time.process_time()
    result = sweep_fn(con, "tongshun", grid, TONGSHUN_YEARS, as_of=_as_of(job),
                      rules_dir=Path(job["repo"]) / "rules")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    same = [r for r in result.rows if r.labels.get("annual_amount") == "300万"
            and r.labels.get("penalty_amount", "300万") == "300万"]
    differ = sum(1 for r in same if r.yearly != result.base.yearly) + (0 if same else 1)
    # the diagonal (i-th annual with i-th penalty amount): every value of both axes once
    step = len({r.labels.get("penalty_amount") for r in result.rows}) + 1
    sample = result.rows[::step] if count > 1 else []
    plain = _plain_nets(con, job, [(r.name, r.labels) for r in sample])
    con.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": len(result.rows),
            "scenarios_found": len(result.rows), "same_as_base_differs": differ,
            "via": "compensation.scenario.sweep", "grid": grid, "plain_checked": len(sample),
            "plain_differs": sum(1 for r in sample if plain[r.name] != r.yearly)}


def _plain_nets(con: duckdb.DuckDBPyConnection, job: Job,
                points: list[tuple[str, dict[str, str]]]) -> dict[str, dict[int, Any]]:
    """Tongshun's yearly nets of `points` (overlays) in one plain query, every point a scenario
    of its own: what a sweep's composed nets must equal (after the timing)."""
    if not points:
        return {}
    evaluate = "compensation.scenario.evaluate"
    compiled = engine.engine_function(evaluate, "load_compiled")(
        "tongshun", Path(job["repo"]) / "rules")
    direction = engine.engine_function(evaluate, "direction_of")(con, compiled)
    start, end = engine.engine_function(evaluate, "years_window")(compiled, TONGSHUN_YEARS)
    nets = engine.engine_function(evaluate, "yearly_nets")(
        con, compiled, direction, start, end, points, _as_of(job))
    return {name: {y: nets[name][y] for y in TONGSHUN_YEARS} for name, _ in points}


def _sweep_prepare_run(job: Job, con: duckdb.DuckDBPyConnection, compiled: Any,
                       count: int) -> Result:
    prepare_run = engine.engine_function("compensation.lang", "prepare_run")
    rule = _cpi_rule(compiled)
    scenarios = overlays(count) if count > 1 else None
    start = time.perf_counter()
    prepare_run(con, compiled, _day(job["start"]), _day(job["last"]), _as_of(job),
                scenarios=scenarios)
    con.execute(f"CREATE TEMP TABLE lines AS {rule.sql}")
    seconds = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM lines").fetchall()[0][0]
    found = con.execute("SELECT count(DISTINCT scenario) FROM lines").fetchall()[0][0]
    differ = con.execute(
        """SELECT count(*) FROM (
             (SELECT section_id, period_start, payer, payee, amount FROM lines
              WHERE scenario = 'base'
              EXCEPT ALL SELECT section_id, period_start, payer, payee, amount FROM lines
              WHERE scenario = 'same_as_base')
             UNION ALL
             (SELECT section_id, period_start, payer, payee, amount FROM lines
              WHERE scenario = 'same_as_base'
              EXCEPT ALL SELECT section_id, period_start, payer, payee, amount FROM lines
              WHERE scenario = 'base'))"""
    ).fetchall()[0][0] if count > 1 else 0
    con.close()
    return {"seconds": seconds, "rows": rows, "scenarios_found": found,
            "same_as_base_differs": differ, "via": "compensation.lang.prepare_run"}


def demo(job: Job) -> Result:
    """`ecocomp demo --out DIR` in a temporary directory, as a user runs it."""
    engine.require_command("demo")
    exe = engine.ecocomp_executable()
    child_kb = 0
    with tempfile.TemporaryDirectory(dir=job.get("tmp")) as tmp:
        log = Path(tmp) / "demo.log"
        with log.open("w", encoding="utf-8") as out:
            start = time.perf_counter()
            proc = subprocess.Popen([exe, "demo", "--out", str(Path(tmp) / "out")], cwd=tmp,
                                    stdout=out, stderr=subprocess.STDOUT)
            while proc.poll() is None:  # the demo's own high-water mark, read while it lives
                child_kb = max(child_kb, peak_kb(str(proc.pid)) or 0)
                time.sleep(0.02)
            seconds = time.perf_counter() - start
        text = log.read_text(encoding="utf-8", errors="replace")
        shutil.rmtree(tmp, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"ecocomp demo 退出码 {proc.returncode}: {text.strip()[-300:]}")
    return {"seconds": seconds, "rows": 0, "child_rss_kb": child_kb}


def cli_latency(job: Job) -> Result:
    """`ecocomp` commands as whole processes beside `python -c "import duckdb"` (bench/latency.py);
    `seconds` is the slowest command's median, the table is in `commands`."""
    before = os.getloadavg()[0]
    timings = latency.measure_latency(Path(job["db"]), Path(job["rules"]), Path(job["scratch"]),
                                      job["repeat"])
    load = [before, os.getloadavg()[0]]
    commands = [{"label": t.label, "seconds": t.seconds, "bare": t.bare, "median": t.median,
                 "bare_median": statistics.median(t.bare), "ratio": t.ratio, "goal": t.goal}
                for t in timings]
    return {"seconds": max(t.median for t in timings), "rows": 0, "commands": commands,
            "load": load}


CASES: dict[str, Callable[[Job], Result]] = {
    "ingest.engine": ingest_engine,
    "ingest.duckdb": ingest_duckdb,
    "monthly.engine": monthly_engine,
    "monthly.hand_sql": monthly_hand,
    "rules.compiled": rules_compiled,
    "rules.compiled_amounts": rules_compiled_amounts,
    "rules.hand_sql": rules_hand,
    "rules.hand_sql_old": rules_hand_old,
    "rules.floor": rules_floor,
    "rules.python": rules_python,
    "rules.compile_all": compile_all,
    "sweep.run": sweep,
    "sweep.tongshun": sweep_tongshun,
    "demo.cli": demo,
    "cli.latency": cli_latency,
    "real.path": real_path.real_path,
}
