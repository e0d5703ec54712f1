"""Two processes on one database while `ecocomp run` writes, all real processes.

What holds (DuckDB 2.x: one process may open a file for writing; while it has it open, no other
process can open it at all, not even read-only):
- a second writer waits up to ECOCOMP_LOCK_WAIT seconds, then either proceeds after the first has
  finished, or exits 3 with one sentence naming the database;
- a reader (`ecocomp accounts`) likewise waits or exits 3; it never sees a half-written run;
- a reader polling with its own connections sees the state before the run or after it, never
  between (the three schemes of `run --scheme all` are one transaction).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
from rel_support import (
    assert_no_traceback,
    ecocomp_exe,
    env_with,
    run_ecocomp,
    wait_until_open,
    write_big_samples,
)

POLLER = r"""
import sys, time, duckdb
db, stop = sys.argv[1], sys.argv[2]
import os
seen = {}
while not os.path.exists(stop):
    try:
        con = duckdb.connect(db, read_only=True)
    except duckdb.Error as err:
        key = "busy" if "lock" in str(err).lower() else "error: " + str(err)
    else:
        try:
            runs = con.execute("SELECT count(*) FROM runs").fetchall()[0][0]
            lines = con.execute(
                "SELECT count(*), COALESCE(sum(amount), 0) FROM ledger").fetchall()[0]
            key = f"{runs} runs, {lines[0]} lines, {lines[1]} yuan"
        finally:
            con.close()
    seen[key] = seen.get(key, 0) + 1
    time.sleep(0.01)
print(repr(seen))
"""


def start(db: Path, *args: str, wait: str) -> subprocess.Popen[str]:
    return subprocess.Popen([ecocomp_exe(), "--db", str(db), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env=env_with(ECOCOMP_LOCK_WAIT=wait))


def busy_message(db: Path, wait: str) -> str:
    return (f"错误：数据库 {db} 正被另一个 ecocomp 进程使用，等待 {wait} 秒后仍未释放；"
            f"请待其结束后重试。(database {db} is in use by another process)\n")


def test_writers_and_readers_during_a_run(demo_copy: Path, tmp_path: Path) -> None:
    small = tmp_path / "one.csv"
    small.write_text("section,sampled_at,indicator,value\ncj_laoguan,2025-01-05,COD,15\n",
                     encoding="utf-8")
    # hourly 2022–2024 data on six sections and a three-year run, so the run holds the database
    # for about two seconds: a one-year run of 2024 data ended about 1 s after it opened the file,
    # too close to when an impatient process (0.3 s to start, 0.5 s of waiting) gives up, and on a
    # quiet machine the impatient writer got in after the run had finished
    busy = tmp_path / "hourly_2022_2024.csv"
    write_big_samples(busy, 630_000, first_year=2022)
    assert run_ecocomp(demo_copy, "load", "samples", str(busy)).returncode == 0
    stop = tmp_path / "stop"
    poller = subprocess.Popen([sys.executable, "-c", POLLER, str(demo_copy), str(stop)],
                              stdout=subprocess.PIPE, text=True)
    run = start(demo_copy, "run", "--scheme", "all", "--years", "2022-2024", wait="60")
    wait_until_open(run.pid, demo_copy)
    impatient_writer = start(demo_copy, "load", "samples", str(small), wait="0.5")
    patient_writer = start(demo_copy, "load", "samples", str(small), wait="300")
    impatient_reader = start(demo_copy, "accounts", "--scheme", "tongshun", "--year", "2024",
                             "--json", wait="0.5")
    patient_reader = start(demo_copy, "accounts", "--scheme", "tongshun", "--year", "2024",
                           "--json", wait="300")
    outs = {name: p.communicate(timeout=600) + (p.returncode,) for name, p in [
        ("impatient_writer", impatient_writer), ("impatient_reader", impatient_reader),
        ("run", run), ("patient_writer", patient_writer), ("patient_reader", patient_reader)]}
    stop.touch()
    seen = eval(poller.communicate(timeout=120)[0])  # noqa: S307 - our own repr of a dict

    assert outs["run"][2] == 0, outs["run"][1]
    for name in ("impatient_writer", "impatient_reader"):
        out, err, code = outs[name]
        assert (out, err, code) == ("", busy_message(demo_copy, "0.5"), 3), name
    out, err, code = outs["patient_writer"]
    # the demo holds 11 batches (2 registry files, 8 monitoring files, 1 correction), then the
    # hourly file above
    assert (err, code) == ("", 0) and out == f"{small}：批次 13，导入 1 行。\n"
    out, err, code = outs["patient_reader"]
    assert (err, code) == ("", 0)
    # the reader waited for the run: it sees the whole of 2024, 3 sections × 12 months
    lines = json.loads(out)
    assert len(lines) == 36 and {ln["run"] for ln in lines} == {2}
    after = run_ecocomp(demo_copy, "accounts", "--scheme", "tongshun", "--year", "2024", "--json")
    assert_no_traceback(after)
    assert after.stdout == out

    # the poller: only the state before the run, the state after it, or "busy"; never between
    final = duckdb.connect(str(demo_copy), read_only=True)
    try:
        runs = final.execute("SELECT count(*) FROM runs").fetchall()[0][0]
        count, total = final.execute("SELECT count(*), sum(amount) FROM ledger").fetchall()[0]
    finally:
        final.close()
    # a year as counted in test_crash (17 sections × 12 months × 2 rules, 3 × 12, 1), for three
    # years; Tongshun begins in 2022-06, so 2022 has 7 of its months
    assert (runs, count) == (3, 3 * (17 * 12 * 2) + 3 * (7 + 12 + 12) + 3 * 1)
    before_state, after_state = "0 runs, 0 lines, 0.00 yuan", f"3 runs, {count} lines, {total} yuan"
    assert set(seen) <= {before_state, after_state, "busy"}, seen
    assert seen.get("busy") and seen.get(after_state), seen
