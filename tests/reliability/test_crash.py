"""SIGKILL part-way through `ecocomp load samples` and `ecocomp run`, as real processes.

Each trial takes a fingerprint of the database (every table's row count and an md5 over its sorted
rows), starts the command, waits until it is provably inside its work, kills it with SIGKILL, and
compares the fingerprint again. Then the next command must work on the same file.
"""

from __future__ import annotations

import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest
from rel_support import (
    assert_no_traceback,
    ecocomp_exe,
    env_with,
    fingerprint,
    private_copy,
    run_ecocomp,
    wait_until_open,
    write_big_samples,
)

BIG_ROWS = 250_000
SEED = 20240607


class Watched:
    """A real `ecocomp` process whose stderr is collected as it comes (progress labels)."""

    def __init__(self, db: Path, *args: str) -> None:
        self.proc = subprocess.Popen([ecocomp_exe(), "--db", str(db), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env_with(), text=True)
        self.err = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for chunk in iter(lambda: self.proc.stderr.read(1), ""):
            self.err += chunk

    def wait_for(self, text: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.err:
            assert self.proc.poll() is None, f"ended before {text!r}: {self.err}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout} s"
            time.sleep(0.002)

    def kill(self) -> bool:
        """SIGKILL; True when the process was still running at that moment."""
        alive = self.proc.poll() is None
        if alive:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)
        self._reader.join(timeout=10)
        return alive


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "hourly.csv"
    assert write_big_samples(path, BIG_ROWS) == BIG_ROWS
    return path


def test_load_killed_at_seeded_points_leaves_the_database_as_it_was(
        registry_copy: Path, big_csv: Path) -> None:
    rng = random.Random(SEED)
    before = fingerprint(registry_copy)
    # (what proves the process is inside its work, extra seeded delay in seconds)
    points = [("open", rng.uniform(0.0, 0.3)), ("校验", rng.uniform(0.0, 0.2)),
              ("写入", rng.uniform(0.0, 0.05))]
    interrupted_while_writing = False
    for label, delay in points:
        watched = Watched(registry_copy, "load", "samples", str(big_csv))
        if label == "open":
            wait_until_open(watched.proc.pid, registry_copy)
        else:
            watched.wait_for(label)
        time.sleep(delay)
        assert watched.kill(), f"the load ended before the kill point {label}+{delay:.3f}s"
        assert fingerprint(registry_copy) == before, f"killed at {label}+{delay:.3f}s"
        interrupted_while_writing |= label == "写入"
    assert interrupted_while_writing
    done = run_ecocomp(registry_copy, "load", "samples", str(big_csv))
    assert_no_traceback(done)
    assert done.returncode == 0
    assert done.stdout == f"{big_csv}：批次 3，导入 {BIG_ROWS} 行。\n"
    after = fingerprint(registry_copy)
    assert after["samples"][0] == BIG_ROWS
    assert {k: v for k, v in after.items() if v != before[k]}.keys() == {
        "samples", "batches", "batch_files"}


def test_load_killed_around_its_commit_is_before_or_whole(registry_db: Path, big_csv: Path,
                                                          tmp_path: Path) -> None:
    """Late kill points (commit, WAL, checkpoint): the load is there entirely or not at all."""
    reference = private_copy(registry_db, tmp_path, "reference.duckdb")
    watched = Watched(reference, "load", "samples", str(big_csv))
    wait_until_open(watched.proc.pid, reference)
    opened = time.monotonic()
    assert watched.proc.wait(timeout=900) == 0, watched.err
    seconds = time.monotonic() - opened
    whole = fingerprint(reference)

    target = private_copy(registry_db, tmp_path, "target.duckdb")
    before = fingerprint(target)
    rng = random.Random(SEED + 1)
    state = before
    for fraction in sorted(rng.uniform(0.75, 1.05) for _ in range(2)):
        watched = Watched(target, "load", "samples", str(big_csv))
        wait_until_open(watched.proc.pid, target)
        time.sleep(fraction * seconds)
        watched.kill()
        state = fingerprint(target)
        # before, or the whole load: the same rows as the uninterrupted reference load
        assert state == before or state["samples"] == whole["samples"], f"at {fraction:.2f}"
        if state != before:
            break
    done = run_ecocomp(target, "load", "samples", str(big_csv))
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert fingerprint(target)["samples"] == whole["samples"]


LEDGER_SQL = ("SELECT run_id, line_id, scheme, rule, period_start, section_id, payer, payee, "
              "amount, branch, exception, reason FROM ledger ORDER BY line_id")


def ledger_rows(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(LEDGER_SQL).fetchall()
    finally:
        con.close()


def test_run_killed_part_way_leaves_no_run_and_the_rerun_matches(demo_db: Path,
                                                                 tmp_path: Path) -> None:
    reference = private_copy(demo_db, tmp_path, "reference.duckdb")
    target = private_copy(demo_db, tmp_path, "target.duckdb")
    # the rules compiled into the session's cache first: timed cold, the reference run took 2.5 s
    # and a warm one ended before 0.45 of that, so the kill below came too late
    warm = run_ecocomp(private_copy(demo_db, tmp_path, "warm.duckdb"),
                       "run", "--scheme", "all", "--year", "2024")
    assert warm.returncode == 0, warm.stderr
    watched = Watched(reference, "run", "--scheme", "all", "--year", "2024")
    wait_until_open(watched.proc.pid, reference)
    opened = time.monotonic()
    assert watched.proc.wait(timeout=900) == 0, watched.err
    work_seconds = time.monotonic() - opened
    expected = ledger_rows(reference)
    # by hand from data/registry/sections.csv: 17 assessed Yangtze/Han sections × 12 months × 2
    # rules, 3 Tongshun sections × 12 months, 1 Daoguan section × 1 year
    assert len(expected) == 17 * 12 * 2 + 3 * 12 + 1

    rng = random.Random(SEED)
    before = fingerprint(target)
    for fraction in sorted(rng.uniform(0.15, 0.7) for _ in range(2)):
        watched = Watched(target, "run", "--scheme", "all", "--year", "2024")
        wait_until_open(watched.proc.pid, target)
        time.sleep(fraction * work_seconds)
        assert watched.kill(), f"the run finished before {fraction:.2f} of its work"
        assert fingerprint(target) == before, f"killed at {fraction:.2f} of the run"
    done = run_ecocomp(target, "run", "--scheme", "all", "--year", "2024")
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert ledger_rows(target) == expected
