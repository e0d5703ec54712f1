"""`Store`: the analyst's handle on one ecocomp database.

A `Store` holds only the path. Every call opens the database, does its work and closes it again:
a read opens read-only for the length of the read, a write holds the writer's lock only while it
writes (one transaction, so a failure leaves the database as it was). Errors are the library's
own `EcocompError` sentences, the same the command line prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from compensation.api import frames
from compensation.api.results import Explanation, RunDiff, ScenarioComparison, ScenarioSweep
from compensation.engine.accounts import Accounts, read_accounts
from compensation.engine.run import RunResult, run_schemes
from compensation.engine.settle import Settlement, settle_year
from compensation.ingest import LoadReport
from compensation.store import init_store, open_store, resolve_db_path, transaction

PathLike = str | os.PathLike[str]
Grid = Sequence[str] | Mapping[str, Sequence[str] | str]


class Store:
    """One ecocomp database file (`path`, else `ECOCOMP_DB`, else ./ecocomp.duckdb)."""

    def __init__(self, path: PathLike | None = None) -> None:
        self.path: Path = resolve_db_path(path)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # ---- connections ----------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for the length of the `with` block (for your own SQL)."""
        con = open_store(self.path, read_only=True)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A writing connection (creating the database if needed) for the `with` block only."""
        con = open_store(self.path)
        try:
            yield con
        finally:
            con.close()

    # ---- writing --------------------------------------------------------------------------------

    def init(self) -> int:
        """Create or upgrade the schema; returns the schema version (harmless to repeat)."""
        with self.writing() as con, transaction(con):
            return init_store(con)

    def load_parties(self, file: PathLike, *, encoding: str | None = None) -> LoadReport:
        """Load the party registry (party_id, name, kind, note); upserts by id."""
        from compensation.ingest import load_parties

        with self.writing() as con:
            return load_parties(con, file, encoding=encoding)

    def load_sections(self, file: PathLike, *, encoding: str | None = None,
                      rules_dir: PathLike | None = None) -> LoadReport:
        """Load the section registry (bank, control section, scheme, validity); upserts by id.
        The schemes named must be rule files of `rules_dir` (default: where `run` looks)."""
        from compensation.ingest import load_sections

        with self.writing() as con:
            return load_sections(con, file, encoding=encoding,
                                 rules_dir=Path(rules_dir) if rules_dir is not None else None)

    def load_samples(
        self, files: PathLike | Sequence[PathLike], *, encoding: str | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> LoadReport:
        """Load monitoring files (long or wide, CSV/XLSX/Parquet), all or nothing;
        `progress(label, done, total)` is called as large files are checked."""
        from compensation.ingest import load_samples
        from compensation.ingest.progress import no_progress

        paths = [files] if isinstance(files, str | os.PathLike) else list(files)
        with self.writing() as con:
            return load_samples(con, paths, encoding=encoding, progress=progress or no_progress)

    def run(
        self, scheme: str, *, period: str | None = None, year: str | int | None = None,
        as_of: datetime | None = None, rules_dir: PathLike | None = None,
    ) -> list[RunResult]:
        """Run a scheme (or "all") for a month `period` ("2024-03") or a `year`, into the ledger.

        One run per scheme, all recorded or none; `as_of` sees only batches loaded by then.
        """
        folder = Path(rules_dir) if rules_dir is not None else None
        with self.writing() as con:
            return run_schemes(con, scheme, period, None if year is None else str(year),
                               as_of, folder)

    def settle(self, scheme: str, year: str | int, *, final: bool = False) -> Settlement:
        """The year's transfer list; `final=True` records and freezes it (else only reads)."""
        if final:
            with self.writing() as con:
                return settle_year(con, scheme, year, final=True)
        with self.reading() as con:
            return settle_year(con, scheme, year, final=False)

    # ---- reading --------------------------------------------------------------------------------

    def read_accounts(
        self, scheme: str, *, period: str | None = None, year: str | int | None = None
    ) -> Accounts:
        """The lines that count for a month or a year, as the engine's `Accounts` object."""
        with self.reading() as con:
            return read_accounts(con, scheme, period, year)

    def accounts(
        self, scheme: str, *, period: str | None = None, year: str | int | None = None
    ) -> pl.DataFrame:
        """The ledger lines that count for a month or year, one row per line.

        Columns: line, run, scheme, rule, period_start, period_end (Date), section, section_name,
        payer, payer_name, payee, payee_name, amount (Decimal(18,2), ≥ 0), branch, exception,
        reason, provisional (a year scheme's year-to-date status).
        """
        return frames.frame(self.read_accounts(scheme, period=period, year=year).lines,
                            frames.ACCOUNT_LINES)

    def party_totals(
        self, scheme: str, *, period: str | None = None, year: str | int | None = None
    ) -> pl.DataFrame:
        """Per party over a month or year: party, party_name, received, paid, net
        (Decimal(18,2); net = received − paid, positive when the party receives money)."""
        totals = self.read_accounts(scheme, period=period, year=year).party_totals
        return frames.frame(
            ({**t, "received": Decimal(t["received"]), "paid": Decimal(t["paid"]),
              "net": Decimal(t["net"])} for t in totals),
            frames.PARTY_TOTALS,
        )

    def runs(self, scheme: str | None = None) -> pl.DataFrame:
        """Recorded runs, oldest first: run, scheme, label, window_start, window_end (Date),
        as_of, line_count, same_as_run (an earlier run with identical inputs and lines), created_at.
        """
        with self.reading() as con:
            rows = con.execute(
                """SELECT run_id, scheme, period_label, window_start, window_end, as_of,
                          line_count, same_as_run, created_at
                   FROM runs WHERE scenario = 'base' AND (CAST(? AS VARCHAR) IS NULL OR scheme = ?)
                   ORDER BY run_id""",
                [scheme, scheme],
            ).fetchall()
        return frames.frame((dict(zip(frames.RUNS, r, strict=True)) for r in rows), frames.RUNS)

    def settlements(self, scheme: str | None = None) -> pl.DataFrame:
        """Transfers of every recorded (final) settlement: settlement, scheme, year, final,
        payer, payer_name, payee, payee_name, amount (Decimal(18,2))."""
        with self.reading() as con:
            rows = con.execute(
                """SELECT s.settlement_id, s.scheme, s.year, s.final, t.payer,
                          COALESCE(pa.name, t.payer), t.payee, COALESCE(pb.name, t.payee),
                          t.amount
                   FROM settlements s JOIN settlement_transfers t USING (settlement_id)
                   LEFT JOIN parties pa ON pa.party_id = t.payer
                   LEFT JOIN parties pb ON pb.party_id = t.payee
                   WHERE CAST(? AS VARCHAR) IS NULL OR s.scheme = ?
                   ORDER BY s.settlement_id, t.payer, t.payee""",
                [scheme, scheme],
            ).fetchall()
        return frames.frame(
            (dict(zip(frames.TRANSFERS, r, strict=True)) for r in rows), frames.TRANSFERS
        )

    def explain(self, line: int) -> Explanation:
        """Everything behind one ledger line: rule text, parameters, trace, values, samples."""
        from compensation.engine.explain import explain_line

        with self.reading() as con:
            return Explanation.from_data(explain_line(con, line))

    def diff(self, run_a: int, run_b: int) -> RunDiff:
        """What changed between two runs of a scheme, by party and period, and which data."""
        from compensation.engine.diff import diff_runs

        with self.reading() as con:
            return RunDiff.from_data(diff_runs(con, run_a, run_b))

    # ---- scenarios (what-ifs: nothing is written) -----------------------------------------------

    def compare(
        self, scheme: str, base: str, scenarios: Sequence[str], years: str | Sequence[int],
        *, as_of: datetime | None = None,
    ) -> ScenarioComparison:
        """BASE and each scenario (names in data/scenarios/, paths, or stacks "a+b") per year
        and month, with the reason of every month."""
        from compensation.scenario.compare import compare

        with self.reading() as con:
            result = compare(con, scheme, base, list(scenarios),
                             years if isinstance(years, str) else list(years), as_of=as_of)
        return ScenarioComparison.of(result)

    def sweep(
        self, scheme: str, grid: Grid, years: str | Sequence[int], *, on: str | None = None,
        break_even: str | None = None, as_of: datetime | None = None,
    ) -> ScenarioSweep:
        """Every point of a parameter grid in one query, e.g.
        `{"annual_amount": "100万..600万/50万", "target": ["III", "IV"]}`;
        `break_even`: a swept numeric parameter whose zero-net value is found to the fen."""
        from compensation.scenario.sweep import sweep

        with self.reading() as con:
            result = sweep(con, scheme, grid, years, on=on, break_even_param=break_even,
                           as_of=as_of)
        return ScenarioSweep.of(result)

    def workbench(
        self, scheme: str, grid: Grid, years: str | Sequence[int], out: PathLike, *,
        on: str | None = None, as_of: datetime | None = None,
    ) -> Path:
        """Write the negotiation workbench (one self-contained HTML page) for a grid; the
        figures are the engine's, computed in one query like `sweep`."""
        from compensation.scenario.workbench import workbench
        from compensation.scenario.workbench_page import write_workbench

        with self.reading() as con:
            result = workbench(con, scheme, grid, years, on=on, as_of=as_of)
        return write_workbench(result, Path(out))


def period_start(text: str) -> date:
    """"2024-03" → date(2024, 3, 1): how the API's frames write a month."""
    from compensation.engine.periods import parse_month

    return parse_month(text)
