"""Helpers for the reliability tests: real stores, real processes, database fingerprints.

A fingerprint is what "the database is as it was" means here: for every table of the store, its
row count and an md5 over its rows in a fixed order, plus the values of the id sequences' tables'
maxima. Two fingerprints are equal exactly when no committed row was added, changed or removed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
ECOCOMP = shutil.which("ecocomp")

# The demo registry, so generated samples name real sections with their validity dates.
SECTION_IDS = ("cj_shuihong", "cj_laoguan", "cj_wangjiaxiang", "cj_wuhanguan", "cj_sheshui",
               "cj_yaotou")


def ecocomp_exe() -> str:
    assert ECOCOMP, "the ecocomp console script must be installed (pip install -e .)"
    return ECOCOMP


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ECOCOMP_DEBUG", "ECOCOMP_DB")}
    env.update(extra)
    return env


def run_ecocomp(db: Path, *args: str, timeout: float = 600,
                **env: str) -> subprocess.CompletedProcess[str]:
    """One real `ecocomp` process; the result carries stdout, stderr and the exit status."""
    return subprocess.run([ecocomp_exe(), "--db", str(db), *args], capture_output=True,
                          text=True, timeout=timeout, env=env_with(**env), cwd=REPO)


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()
    return [r[0] for r in rows]


def fingerprint(db: Path) -> dict[str, tuple[int, str | None]]:
    """{table: (rows, md5 of its rows as text in sorted order)} over every table of the store."""
    # read-write, like the next command would: replays a WAL left by a killed process, and shares
    # the instance of a connection a CLI command left open in this process (same configuration)
    con = duckdb.connect(str(db))
    try:
        out = {}
        for name in table_names(con):
            out[name] = tuple(con.execute(
                f'SELECT count(*), md5(string_agg(CAST(t AS VARCHAR), chr(10) '
                f'ORDER BY CAST(t AS VARCHAR))) FROM "{name}" t').fetchall()[0])
        return out
    finally:
        con.close()


def count(db: Path, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute(sql).fetchall()[0][0])
    finally:
        con.close()


def assert_no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert "内部错误" not in done.stderr, done.stderr


def wait_until_open(pid: int, db: Path, timeout: float = 300) -> None:
    """Block until process `pid` has the database file open (it is then inside its command)."""
    target = str(db.resolve())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return
                except OSError:
                    continue
        except FileNotFoundError:
            raise AssertionError(f"process {pid} ended before it opened {db}") from None
        time.sleep(0.005)
    raise AssertionError(f"process {pid} did not open {db} within {timeout} s")


def write_big_samples(path: Path, rows: int, *, indicators: tuple[str, ...] = (
        "COD", "NH3N", "TP", "DO"), first_year: int = 2019) -> int:
    """A long-form CSV of `rows` hourly samples (`first_year` onwards) on six demo sections."""
    per_hour = len(SECTION_IDS) * len(indicators)
    hours = -(-rows // per_hour)
    written = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("section,sampled_at,indicator,value\n")
        chunk: list[str] = []
        for hour in range(hours):
            day, h = divmod(hour, 24)
            stamp = _stamp(day, h, first_year)
            for section in SECTION_IDS:
                for k, code in enumerate(indicators):
                    if written == rows:
                        break
                    chunk.append(f"{section},{stamp},{code},{(hour * 7 + k) % 400 / 100}\n")
                    written += 1
            if len(chunk) > 50_000:
                fh.write("".join(chunk))
                chunk = []
        fh.write("".join(chunk))
    return written


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _stamp(day: int, hour: int, first_year: int = 2019) -> str:
    year = first_year
    while True:
        length = 366 if year % 4 == 0 else 365
        if day < length:
            break
        day -= length
        year += 1
    month = 0
    while True:
        length = _MONTH_DAYS[month] + (1 if month == 1 and year % 4 == 0 else 0)
        if day < length:
            break
        day -= length
        month += 1
    return f"{year}-{month + 1:02d}-{day + 1:02d} {hour:02d}:00"


def private_copy(source: Path, folder: Path, name: str = "store.duckdb") -> Path:
    target = folder / name
    shutil.copyfile(source, target)
    return target


class WorkingCopy:
    """A copy of a template store that equals the template whenever `path()` is asked for.

    For fuzzers: a refused load leaves the copy as it was (which the fuzzer checks against the
    template's fingerprint, taken once), so the same copy serves the next file; after a load that
    succeeded, `spoil()` makes the next `path()` a fresh copy under a new name (the CLI's
    connection may still hold the old file open in this process). Opening one copy per file made
    each example cost a new database instance, most of a fuzzer's time.
    """

    def __init__(self, template: Path, folder: Path) -> None:
        self.template, self.folder = template, folder
        self.before = fingerprint(template)
        self._path: Path | None = None
        self._copies = 0

    def path(self) -> Path:
        if self._path is None:
            self._copies += 1
            self._path = private_copy(self.template, self.folder, f"work-{self._copies}.duckdb")
        return self._path

    def spoil(self) -> None:
        self._path = None


MEASURE = r"""
import json, resource, subprocess, sys, time
started = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"code": done.returncode, "out": done.stdout, "err": done.stderr,
                  "seconds": time.monotonic() - started,
                  "peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measured_ecocomp(db: Path, *args: str, timeout: float = 600) -> dict:
    """A real `ecocomp` process run by a small measuring process whose only child it is, so the
    peak resident memory read with resource.getrusage is that command's: {code, out, err, seconds,
    peak_mib}."""
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, ecocomp_exe(), "--db", str(db), *args],
        capture_output=True, text=True, env=env_with(), timeout=timeout)
    return json.loads(measured.stdout)
