"""Case "real path" (issue 17 §1): what a bureau user runs, as whole `ecocomp` processes.

On a copy of the rule cases' store (the generated network, every year of its data): `run` for one
year (or `run --years` for all of them), then `settle` of each year, the month's bulletin (html)
and the districts' workbooks of the last year. Each step is timed from outside (interpreter start
and exit included) and its peak memory is the process's own VmHWM, read from /proc while it lives.
The ledger's CPI lines are exported so the runner can check them against the rule's query alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.latency import ecocomp_script
from bench.procfs import peak_kb

SCHEME = "yangtze_han"
CPI_RULE = "cpi_band"
POLL_SECONDS = 0.05


def steps(first: int, last: int) -> list[tuple[str, list[str]]]:
    """(label, ecocomp arguments) of the user's path over the years first..last."""
    years = [str(y) for y in range(first, last + 1)]
    run = (["run", "--scheme", SCHEME, "--year", years[0]] if first == last
           else ["run", "--scheme", SCHEME, "--years", f"{first}-{last}"])
    return [
        (" ".join(run), run),
        *[(f"settle --year {y}", ["settle", "--scheme", SCHEME, "--year", y]) for y in years],
        (f"bulletin --period {last}-12 --format html",
         ["bulletin", "--scheme", SCHEME, "--period", f"{last}-12", "--format", "html",
          "--out", "通报.html"]),
        (f"export districts --year {last}",
         ["export", "districts", "--year", str(last), "--out", "工作簿"]),
    ]


def _timed(argv: list[str], cwd: Path, env: dict[str, str],
           limit: float | None = None) -> tuple[float, float, float, bool]:
    """Wall seconds, CPU seconds (user + system, every thread) and peak resident MB of one
    process (VmHWM polled until it exits), and whether it was stopped at `limit` seconds (then
    the seconds are the limit: a lower bound). CPU time is what to compare on a shared machine:
    other processes stretch the wall time, not it."""
    kb, stopped = 0, False
    with (cwd / "steps.log").open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(argv[1:])}\n")
        log.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        while True:  # os.wait4, not poll(): the process's own CPU time comes with its exit
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            kb = max(kb, peak_kb(str(proc.pid)) or 0)
            if limit is not None and time.perf_counter() - start > limit:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                stopped = True
                break
            time.sleep(POLL_SECONDS)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    kb = kb or usage.ru_maxrss  # a process too short for one poll (may count forked pages)
    if stopped:
        return seconds, cpu, kb / 1024, True
    if proc.returncode != 0:
        text = (cwd / "steps.log").read_text(encoding="utf-8", errors="replace")
        raise RuntimeError(f"{' '.join(argv[1:])} 退出码 {proc.returncode}: {text.strip()[-300:]}")
    return seconds, cpu, kb / 1024, False


def _ledger(db: Path, out: Path) -> dict[str, Any]:
    """The run's lines, count and total, and its CPI lines as signed amounts (zero lines dropped,
    + when the section's district receives) for the agreement check."""
    con = duckdb.connect(str(db), read_only=True)
    count, total, traced = con.execute(
        "SELECT count(*), CAST(COALESCE(sum(amount), 0) AS VARCHAR), count(trace) FROM ledger"
    ).fetchall()[0]
    con.execute(
        f"""COPY (SELECT l.section_id, l.period_start AS period,
                         CAST(CASE WHEN l.payee = s.party_id THEN l.amount ELSE -l.amount END
                              AS DECIMAL(18,2)) AS amount
                  FROM ledger l JOIN sections s USING (section_id)
                  WHERE l.amount <> 0 AND l.rule = '{CPI_RULE}')
            TO '{out}' (FORMAT parquet)"""
    )
    con.close()
    return {"lines": int(count), "total": str(total), "traced": int(traced)}


def real_path(job: dict[str, Any]) -> dict[str, Any]:
    """The user's path over job["first"]..job["last"] on a copy of job["db"] (copy not timed)."""
    work = Path(job["work"])
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "store.duckdb"
    shutil.copyfile(job["db"], db)
    env = {key: value for key, value in os.environ.items() if not key.startswith("ECOCOMP_")}
    env |= {"ECOCOMP_DB": str(db), "ECOCOMP_RULES": job["rules"],
            "ECOCOMP_CACHE_DIR": str(work / "cache")}
    if job.get("memory_limit"):
        env["ECOCOMP_MEMORY_LIMIT"] = job["memory_limit"]
    exe = ecocomp_script()
    done = []
    # documents of the whole network (9,000 sections in one bulletin) may take longer than a
    # benchmark can wait: such a step is stopped at `step_limit` and reported as not finished
    limit = job.get("step_limit")
    for label, args in steps(int(job["first"]), int(job["last"])):
        seconds, cpu, peak_mb, stopped = _timed([exe, *args], work, env,
                                                None if args[0] == "run" else limit)
        done.append({"label": label, "seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_mb,
                     "stopped": stopped})
    ledger = _ledger(db, Path(job["out"]))
    shutil.rmtree(work, ignore_errors=True)
    return {"seconds": sum(s["seconds"] for s in done), "rows": ledger["lines"], "steps": done,
            "ledger": ledger, "child_rss_kb": max(s["peak_mb"] for s in done) * 1024}
