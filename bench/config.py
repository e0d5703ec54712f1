"""Sizes of every case, for the full run and the quick (CI) run, and where generated data goes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = BENCH_DIR / "work"
REPO_DIR = BENCH_DIR.parent
SEED = 20171223  # the day 武政办〔2017〕127号 was issued

# Growth factors of case 5: the largest is the full size asked by the issue, so the full sizes are
# measured once and the two smaller points cost 1/16 and 1/4 of it.
GROWTH_FACTORS = (1, 4, 16)


@dataclass(frozen=True)
class Sizes:
    """The size of each data set; `scaled(f)` multiplies the section counts."""

    sections: int          # manual network (cases 1 and 3): sections, chains of `chain` sections
    chain: int             # sections per chain: one control at its head, each next one assessed
    start_year: int        # first year of the manual monthly data
    years: int             # years of monthly data
    auto_sections: int     # automatic stations (case 2)
    auto_days: int         # days of 4-hourly values
    sweep_sections: int    # network of the scenario sweep (case 4)
    sweep_months: int
    sweep_scenarios: int
    repeat: int            # runs per measurement; the median is reported
    latency_repeat: int    # rounds of the CLI latency case (after one warm-up round)

    def scaled(self, factor: int, base: int) -> Sizes:
        """Sizes at `factor`/`base` of these (sections only; the time span stays)."""
        return replace(
            self,
            sections=max(self.chain, self.sections * factor // base // self.chain * self.chain),
            auto_sections=max(1, self.auto_sections * factor // base),
        )

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# Ten years that are all in the past: ingest refuses samples dated after the day of loading (since
# 2026-12-02), and 2018–2027 no longer loaded. The CPI rule (from 2018-01) reads 2018–2025.
FULL = Sizes(
    sections=10_000, chain=10, start_year=2016, years=10,
    auto_sections=1_000, auto_days=365,
    sweep_sections=20, sweep_months=12, sweep_scenarios=10_000,
    repeat=3, latency_repeat=7,
)

QUICK = Sizes(
    sections=160, chain=10, start_year=2024, years=1,
    auto_sections=16, auto_days=62,
    sweep_sections=20, sweep_months=2, sweep_scenarios=50,
    repeat=1, latency_repeat=1,
)
