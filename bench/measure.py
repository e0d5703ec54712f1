"""Running one case in a child process: wall time from inside, peak memory from os.wait4."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.config import REPO_DIR


@dataclass
class Measurement:
    """Median of the runs of one case (status of the last run; every run's seconds kept)."""

    case: str
    status: str = "ok"
    reason: str = ""
    seconds: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    rows: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    wall: float = 0.0        # seconds of all child processes, start-up included
    cpu: list[float] = field(default_factory=list)  # the runs' CPU seconds, where a case says

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def run_child(case: str, job: dict[str, Any], scratch: Path) -> tuple[dict[str, Any], float]:
    """One child run; returns its result dict and its peak resident memory in MB."""
    scratch.mkdir(parents=True, exist_ok=True)
    job_path, result_path = scratch / f"{case}.job.json", scratch / f"{case}.result.json"
    result_path.unlink(missing_ok=True)
    job_path.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    with (scratch / f"{case}.log").open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.child", case, str(job_path), str(result_path)],
            cwd=REPO_DIR, stdout=log, stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024
    if not result_path.exists():
        log_text = (scratch / f"{case}.log").read_text(encoding="utf-8", errors="replace")
        return {"status": "error", "reason": f"子进程退出码 {proc.returncode}: "
                f"{log_text.strip()[-300:]}"}, peak_mb
    result = json.loads(result_path.read_text(encoding="utf-8"))
    if result.get("peak_kb"):
        peak_mb = result["peak_kb"] / 1024
    if result.get("child_rss_kb"):
        peak_mb = max(peak_mb, result["child_rss_kb"] / 1024)
    return result, peak_mb


LONG_RUN_SECONDS = 120.0  # a run this long is not repeated: its median would cost minutes more


def measure(case: str, job: dict[str, Any], scratch: Path, repeat: int) -> Measurement:
    """Run `case` up to `repeat` times (stopping at the first run that is not ok, or after a
    run longer than LONG_RUN_SECONDS)."""
    out = Measurement(case)
    for _ in range(repeat):
        started = time.perf_counter()
        result, peak_mb = run_child(case, job, scratch)
        out.wall += time.perf_counter() - started
        out.status, out.reason = result["status"], result.get("reason", "")
        out.peak_mb = max(out.peak_mb, peak_mb)
        if not out.ok:
            break
        out.seconds.append(result["seconds"])
        if "cpu_seconds" in result:
            out.cpu.append(result["cpu_seconds"])
        out.rows = result.get("rows", 0)
        out.result = result
        if result["seconds"] > LONG_RUN_SECONDS:
            break
    return out
