"""Case "CLI latency": a month's commands as whole `ecocomp` processes on the demo database, each
timed beside a bare `python -c "import duckdb"` in the same run (issue 15 §3).

A user waits for the whole process: interpreter start, imports, opening the store, the work and
the exit. So the wall time of each process is measured from outside, and compared with the
smallest process that does anything with DuckDB. Commands and bare starts alternate within each
repetition, so a busy machine slows both sides alike; the median of the repetitions is reported.
One unmeasured round goes first: it fills the rule cache and the operating system's file cache,
as the month's earlier commands would have.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BARE = "python -c \"import duckdb\""
PERIOD, YEAR = "2024-03", "2024"
LINE = "{line}"  # the first ledger line of the last run, filled in after the first round

# (label, arguments of ecocomp, goal as a ratio to the bare start or None)
COMMANDS: tuple[tuple[str, tuple[str, ...], float | None], ...] = (
    ("--help", ("--help",), 1.5),
    ("run --scheme all --period 2024-03", ("run", "--scheme", "all", "--period", PERIOD), 4.0),
    ("accounts --period 2024-03",
     ("accounts", "--scheme", "yangtze_han", "--period", PERIOD), 4.0),
    ("bulletin --period 2024-03 --format html",
     ("bulletin", "--period", PERIOD, "--format", "html", "--out", "bulletin.html"), 6.0),
    ("export districts --year 2024",
     ("export", "districts", "--year", YEAR, "--out", "workbooks"), None),
    ("explain N", ("explain", LINE), None),
)


@dataclass(frozen=True)
class Timing:
    """Medians of one command and of the bare starts of the same repetitions."""

    label: str
    seconds: list[float]
    bare: list[float]
    goal: float | None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def ratio(self) -> float:
        return self.median / statistics.median(self.bare)


def ecocomp_script() -> str:
    """The `ecocomp` console script of this interpreter's environment (not another one on PATH)."""
    beside = Path(sys.executable).with_name("ecocomp")
    if beside.is_file():
        return str(beside)
    found = shutil.which("ecocomp")
    if found is None:
        raise FileNotFoundError("找不到 ecocomp 命令 (console script not installed)")
    return found


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[1:])} 退出码 {done.returncode}: "
                           f"{done.stderr.strip()[-300:]}")
    return seconds


def _last_line(db: Path) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute(
            "SELECT min(line_id) FROM ledger WHERE run_id = (SELECT max(run_id) FROM runs)"
        ).fetchall()[0][0])
    finally:
        con.close()


def measure_latency(db: Path, rules: Path, scratch: Path, repeat: int) -> list[Timing]:
    """Time every command `repeat` times on a copy of `db` with the rule files of `rules` (the
    rule cache in `scratch`)."""
    scratch.mkdir(parents=True, exist_ok=True)
    work = scratch / "demo.duckdb"
    shutil.copyfile(db, work)
    # PYTHONDONTWRITEBYTECODE (set in some shells and CI) is dropped: a user's Python keeps the
    # compiled modules after the first command, and recompiling ecocomp's sources in every
    # process (about 50 ms) is not what a user waits for; the unmeasured round writes them
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env |= {"ECOCOMP_DB": str(work), "ECOCOMP_RULES": str(rules),
            "ECOCOMP_CACHE_DIR": str(scratch / "cache")}
    exe = ecocomp_script()
    bare = [sys.executable, "-c", "import duckdb"]
    times: dict[str, list[float]] = {label: [] for label, _, _ in COMMANDS}
    bares: list[float] = []
    line = ""
    for round_ in range(repeat + 1):
        for label, args, _ in COMMANDS:
            if LINE in args and not line:
                line = str(_last_line(work))
            argv = [exe, *(line if a == LINE else a for a in args)]
            bare_seconds = _timed(bare, scratch, env)
            seconds = _timed(argv, scratch, env)
            if round_:  # the first round warms the caches
                bares.append(bare_seconds)
                times[label].append(seconds)
    return [Timing(label, times[label], bares, goal) for label, _, goal in COMMANDS]
