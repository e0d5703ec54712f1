"""The real-path section of RESULTS.md shows each step's CPU time beside its wall time and the
one-year ratio both ways (on a shared machine the CPU ratio is the one that holds still)."""

from __future__ import annotations

from types import SimpleNamespace

from bench import real_run
from bench.config import QUICK
from bench.measure import Measurement


def _run() -> SimpleNamespace:
    query = Measurement("real.query_2024_2024", seconds=[1.5], peak_mb=320.0,
                        result={"cpu_seconds": 2.5})
    steps = [
        {"label": "run --scheme yangtze_han --year 2024", "seconds": 6.0, "cpu_seconds": 7.5,
         "peak_mb": 1000.0},
        {"label": "settle --year 2024", "seconds": 2.0, "cpu_seconds": 1.3, "peak_mb": 3000.0},
    ]
    path = Measurement("real.path_2024_2024", seconds=[8.0], peak_mb=3000.0, result={
        "steps": steps, "ledger": {"lines": 216, "traced": 216, "total": "100.00"}})
    return SimpleNamespace(sizes=QUICK, quick=True,
                           once={"real.query_2024_2024": query, "real.path_2024_2024": path})


def test_the_section_shows_cpu_seconds_and_both_ratios() -> None:
    text = real_run.section(_run())  # type: ignore[arg-type]
    assert "| 年份 | 步骤 | 秒 | CPU 秒 | 峰值内存 MB | ≤ 3 GB |" in text
    query_row = ("| 2024 | 规则查询本身（prepare_run + CPI 规则只读金额，进程内计时） "
                 "| 1.5 | 2.5 | 320 | 是 |")
    assert query_row in text
    assert "| 2024 | `ecocomp run --scheme yangtze_han --year 2024` | 6.0 | 7.5 | 1000 | 是 |" \
        in text
    # 3000 MB = 3000 × 1024² = 3.146e9 bytes > 3e9: over the cap
    assert "| 2024 | `ecocomp settle --year 2024` | 2.0 | 1.3 | 3000 | 否 |" in text
    # 6.0 / 1.5 = 4.00 by the clock; 7.5 / 2.5 = 3.00 by CPU time
    assert ("进程 6.0 s ÷ 规则查询本身 1.5 s = **4.00**（目标 ≤ 2：未达到）"
            "（CPU 时间：7.5 s ÷ 2.5 s = 3.00）；") in text


def test_a_measurement_without_cpu_time_shows_a_dash() -> None:
    run = _run()
    del run.once["real.query_2024_2024"].result["cpu_seconds"]
    text = real_run.section(run)  # type: ignore[arg-type]
    assert "| 1.5 | – | 320 | 是 |" in text
    assert "CPU 时间：" not in text
