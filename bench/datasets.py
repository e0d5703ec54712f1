"""Generated data sets under bench/work/, made once per size and reused while the sizes match."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench import generate, store_setup
from bench.config import SEED, Sizes

RULE_SPAN_START = date(2018, 1, 1)  # yangtze_han starts 2018-01 (武政办〔2017〕127号)


@dataclass(frozen=True)
class ManualData:
    """The manual network: registry, samples as CSV and Parquet, a directly-built store."""

    folder: Path
    rows: int
    sections: int
    start: date          # first month of the data
    stop: date           # first day after the data

    @property
    def parties(self) -> Path:
        return self.folder / "parties.csv"

    @property
    def sections_csv(self) -> Path:
        return self.folder / "sections.csv"

    @property
    def csv(self) -> Path:
        return self.folder / "samples.csv"

    @property
    def parquet(self) -> Path:
        return self.folder / "samples.parquet"

    @property
    def store(self) -> Path:
        return self.folder / "manual.duckdb"

    @property
    def rule_start(self) -> date:
        return max(self.start, RULE_SPAN_START)

    @property
    def rule_rows(self) -> int:
        """Sample rows in the rule's window (every section, month and indicator)."""
        last = self.rule_last
        months = (last.year - self.rule_start.year) * 12 + last.month - self.rule_start.month + 1
        return self.sections * months * len(generate.MANUAL_INDICATORS)

    @property
    def rule_last(self) -> date:
        """First day of the last month (inclusive window end, as runs record it)."""
        return date(self.stop.year - 1, 12, 1) if self.stop.month == 1 else \
            date(self.stop.year, self.stop.month - 1, 1)


@dataclass(frozen=True)
class AutoData:
    """Automatic stations: the 4-hourly samples in a directly-built store."""

    folder: Path
    rows: int
    sections: int

    @property
    def store(self) -> Path:
        return self.folder / "auto.duckdb"


def _fresh(folder: Path, key: dict) -> bool:
    """True when `folder` already holds data made from exactly `key`."""
    marker = folder / "made-from.json"
    return marker.exists() and json.loads(marker.read_text(encoding="utf-8")) == key


def _mark(folder: Path, key: dict) -> None:
    (folder / "made-from.json").write_text(json.dumps(key), encoding="utf-8")


def manual_data(folder: Path, sizes: Sizes, template: Path | None = None) -> ManualData:
    """Generate (or reuse) the manual network of `sizes`."""
    folder.mkdir(parents=True, exist_ok=True)
    key = {"seed": SEED, "sections": sizes.sections, "chain": sizes.chain,
           "start_year": sizes.start_year, "years": sizes.years, "version": 1}
    start = date(sizes.start_year, 1, 1)
    stop = date(sizes.start_year + sizes.years, 1, 1)
    data = ManualData(folder, 0, sizes.sections, start, stop)
    if not _fresh(folder, key):
        net = generate.Network(sizes.sections, sizes.chain)
        generate.write_parties(net, data.parties)
        generate.write_sections(net, data.sections_csv, date(sizes.start_year, 1, 1))
        frame = generate.manual_samples(net, sizes.start_year, sizes.years)
        generate.write_manual_samples(frame, data.csv, data.parquet)
        del frame
        store_setup.build_manual_store(data.store, data.parties, data.sections_csv, data.csv,
                                       template)
        _mark(folder, key)
    rows = sizes.sections * sizes.years * 12 * len(generate.MANUAL_INDICATORS)
    return ManualData(folder, rows, sizes.sections, start, stop)


def auto_data(folder: Path, sizes: Sizes, template: Path | None = None) -> AutoData:
    """Generate (or reuse) the automatic-station store of `sizes` (2025, 4-hourly)."""
    count = sizes.auto_sections
    folder.mkdir(parents=True, exist_ok=True)
    key = {"seed": SEED, "auto_sections": count, "days": sizes.auto_days, "version": 1}
    data = AutoData(folder, count * sizes.auto_days * 6 * len(generate.AUTO_INDICATORS), count)
    if not _fresh(folder, key):
        ids = [f"BA{i:04d}" for i in range(count)]
        frame = generate.auto_samples(ids, 2025, sizes.auto_days)
        parquet = folder / "auto.parquet"
        frame.write_parquet(parquet)
        del frame
        store_setup.build_auto_store(data.store, ids, generate.auto_lake_sections(ids), parquet,
                                     template)
        parquet.unlink()
        _mark(folder, key)
    return data


def sweep_data(folder: Path, sizes: Sizes, template: Path | None = None) -> ManualData:
    """A Wuhan-sized network (sweep_sections × sweep_months) for the scenario sweep."""
    months = sizes.sweep_months
    small = Sizes(**{**sizes.as_dict(), "sections": sizes.sweep_sections, "years": 1,
                     "start_year": 2025})
    data = manual_data(folder, small, template)
    stop = date(2025 + months // 12, months % 12 + 1, 1) if months < 12 else data.stop
    return ManualData(folder, sizes.sweep_sections * months * 8, data.sections, data.start, stop)


def demo_with_runs(folder: Path) -> Path:
    """The demo database as `ecocomp demo` leaves it (every scheme run for every month and
    settled), without writing the demo's documents: what the CLI latency case works on."""
    from compensation.demo import STEPS, build_demo, step_run_and_settle

    store = folder / "demo.duckdb"
    if not store.exists():
        folder.mkdir(parents=True, exist_ok=True)
        last = [step for _, step in STEPS].index(step_run_and_settle)
        build_demo(folder, store, steps=STEPS[: last + 1])
    return store


def demo_store(folder: Path) -> Path:
    """The demo record (registry, monitoring 2018–2024, the correction) for the Tongshun sweep."""
    from compensation.demo import STEPS, build_demo

    store = folder / "demo.duckdb"
    if not store.exists():
        folder.mkdir(parents=True, exist_ok=True)
        build_demo(folder, store, steps=STEPS[:3])
    return store
