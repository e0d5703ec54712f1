"""`Store`: the analyst's handle on one ecocomp database.

A `Store` holds only the path. Every call opens the database, does its work and closes it again:
a read opens read-only for the length of the read, a write holds the writer's lock only while it
writes (one transaction, so a failure leaves the database as it was). Errors are the library's
own `EcocompError` sentences, the same the command line prints.

The `ecocomp` command is a client of this class. So that a command loads only what it uses, this
module imports DuckDB and the store at the top and everything else (polars, the engine, ingest,
scenarios) inside the method that needs it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from compensation.errors import EcocompError
from compensation.store import init_store, open_store, resolve_db_path, transaction

if TYPE_CHECKING:
    import polars as pl

    # the public names, resolved where compensation/api/__init__.py says they live
    from compensation.api import (
        Accounts,
        Explanation,
        LoadReport,
        RunDiff,
        RunResult,
        ScenarioComparison,
        ScenarioSweep,
        Settlement,
        WorkbenchPage,
    )
    from compensation.engine.settle_group import GroupSettlement

PathLike = str | os.PathLike[str]
Grid = Sequence[str] | Mapping[str, Sequence[str] | str]
Years = str | Sequence[int] | None
AsOf = datetime | str | None


def _as_of(value: AsOf) -> datetime | None:
    """A datetime as it is; a text as `--as-of` reads it (a date means the end of that day)."""
    if isinstance(value, str):
        from compensation.engine.periods import parse_as_of

        return parse_as_of(value)
    return value


def _years(value: Years) -> str | list[int] | None:
    return value if value is None or isinstance(value, str) else list(value)


class Store:
    """One ecocomp database file (`path`, else `ECOCOMP_DB`, else ./ecocomp.duckdb)."""

    def __init__(self, path: PathLike | None = None) -> None:
        self.path: Path = resolve_db_path(path)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def exists(self) -> bool:
        """Whether the database file is there (a read of a missing one is an error)."""
        return self.path.is_file()

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

    @contextmanager
    def scheme_registry(self) -> Iterator[Callable[[str], list[tuple[str, str]]] | None]:
        """(section id, river) of a scheme's registered sections, read from this database for the
        `with` block; None without a database or when it cannot be read now (busy), so that
        `rules check` then checks the rule files alone."""
        if not self.exists():
            yield None
            return
        from compensation.lang.selection import registry_rows

        try:
            con = open_store(self.path, read_only=True, wait=0)
        except (EcocompError, duckdb.Error):
            yield None
            return
        try:
            yield lambda scheme: registry_rows(con, scheme)
        finally:
            con.close()

    @contextmanager
    def _loading(self, files: Sequence[PathLike]) -> Iterator[duckdb.DuckDBPyConnection]:
        """The writing connection, opened only once every file is found; a database this very
        load created is removed again when the load fails, so a failed first load leaves none."""
        from compensation.ingest.tables import require_file

        for file in files:
            require_file(Path(file), str(file))
        created = not self.path.exists()
        con = open_store(self.path)
        try:
            yield con
        except BaseException:
            empty = created and con.execute("SELECT count(*) FROM batches").fetchall()[0][0] == 0
            con.close()
            if empty:
                for leftover in (self.path, self.path.with_name(self.path.name + ".wal")):
                    leftover.unlink(missing_ok=True)
            raise
        con.close()

    # ---- writing --------------------------------------------------------------------------------

    def init(self) -> int:
        """Create or upgrade the schema; returns the schema version (harmless to repeat)."""
        with self.writing() as con, transaction(con):
            return init_store(con)

    def load_parties(self, file: PathLike, *, encoding: str | None = None) -> LoadReport:
        """Load the party registry (party_id, name, kind, note); upserts by id."""
        from compensation.ingest import load_parties

        with self._loading([file]) as con:
            return load_parties(con, file, encoding=encoding)

    def load_sections(self, file: PathLike, *, encoding: str | None = None,
                      rules_dir: PathLike | None = None) -> LoadReport:
        """Load the section registry (bank, control section, scheme, validity); upserts by id.
        The schemes named must be rule files of `rules_dir` (default: where `run` looks)."""
        from compensation.ingest import load_sections

        with self._loading([file]) as con:
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
        with self._loading(paths) as con:
            return load_samples(con, paths, encoding=encoding, progress=progress or no_progress)

    def run(
        self, scheme: str, *, period: str | None = None, year: str | int | None = None,
        as_of: AsOf = None, rules_dir: PathLike | None = None, years: str | None = None,
    ) -> list[RunResult]:
        """Run a scheme (or "all") for a month `period` ("2024-03"), a `year`, or `years`
        ("2018-2027": one run over them), into the ledger.

        One run per scheme, all recorded or none; `as_of` (a datetime, or "2024-05-01" meaning
        the end of that day) sees only batches loaded by then.
        """
        from compensation.engine.run import run_schemes

        folder = Path(rules_dir) if rules_dir is not None else None
        stamp = _as_of(as_of)
        with self.writing() as con:
            return run_schemes(con, scheme, period, None if year is None else str(year),
                               stamp, folder, years)

    def settle(self, scheme: str, year: str | int, *, final: bool = False) -> Settlement:
        """The year's transfer list; `final=True` records and freezes it (else only reads)."""
        from compensation.engine.settle import settle_year

        if final:
            with self.writing() as con:
                return settle_year(con, scheme, year, final=True)
        with self.reading() as con:
            return settle_year(con, scheme, year, final=False)

    def settle_group(
        self, schemes: Sequence[str], year: str | int, *, final: bool = False
    ) -> GroupSettlement:
        """One transfer list netted across several schemes' settlements of the year, each
        transfer with the schemes' transfers it came from; `final=True` records a final
        settlement for each scheme not yet final."""
        from compensation.engine.settle_group import settle_group

        if final:
            with self.writing() as con:
                return settle_group(con, list(schemes), year, final=True)
        with self.reading() as con:
            return settle_group(con, list(schemes), year, final=False)

    # ---- reading --------------------------------------------------------------------------------

    def read_accounts(
        self, scheme: str, *, period: str | None = None, year: str | int | None = None
    ) -> Accounts:
        """The lines that count for a month or a year, as the engine's `Accounts` object
        (what `ecocomp accounts` prints, by line, party or section)."""
        from compensation.engine.accounts import read_accounts

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
        from compensation.api import frames

        return frames.frame(self.read_accounts(scheme, period=period, year=year).lines,
                            frames.ACCOUNT_LINES)

    def party_totals(
        self, scheme: str, *, period: str | None = None, year: str | int | None = None
    ) -> pl.DataFrame:
        """Per party over a month or year: party, party_name, received, paid, net
        (Decimal(18,2); net = received − paid, positive when the party receives money)."""
        from compensation.api import frames

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
        from compensation.api import frames

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
        from compensation.api import frames

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
        from compensation.api.results import Explanation
        from compensation.engine.explain import explain_line

        with self.reading() as con:
            return Explanation.from_data(explain_line(con, line))

    def diff(self, run_a: int, run_b: int) -> RunDiff:
        """What changed between two runs of a scheme, by party and period, and which data."""
        from compensation.api.results import RunDiff
        from compensation.engine.diff import diff_runs

        with self.reading() as con:
            return RunDiff.from_data(diff_runs(con, run_a, run_b))

    # ---- scenarios (what-ifs: nothing is written) -----------------------------------------------

    def compare(
        self, scheme: str, base: str, scenarios: Sequence[str], years: Years = None,
        *, as_of: AsOf = None,
    ) -> ScenarioComparison:
        """BASE and each scenario (names in data/scenarios/, paths, or stacks "a+b") per year
        and month, with the reason of every month; `years` "2022-2024" or a list (default:
        every year of the agreement with monitoring data)."""
        from compensation.api.results import ScenarioComparison
        from compensation.scenario.compare import compare

        with self.reading() as con:
            result = compare(con, scheme, base, list(scenarios), _years(years),
                             as_of=_as_of(as_of))
        return ScenarioComparison.of(result)

    def sweep(
        self, scheme: str, grid: Grid, years: Years = None, *, on: str | None = None,
        break_even: str | None = None, as_of: AsOf = None,
    ) -> ScenarioSweep:
        """Every point of a parameter grid in one query, e.g.
        `{"annual_amount": "100万..600万/50万", "target": ["III", "IV"]}`;
        `break_even`: a swept numeric parameter whose zero-net value is found to the fen."""
        from compensation.api.results import ScenarioSweep
        from compensation.scenario.sweep import sweep

        with self.reading() as con:
            result = sweep(con, scheme, grid, _years(years), on=on,
                           break_even_param=break_even, as_of=_as_of(as_of))
        return ScenarioSweep.of(result)

    def workbench(
        self, scheme: str, grid: Grid, years: str | Sequence[int], out: PathLike, *,
        on: str | None = None, as_of: AsOf = None,
    ) -> WorkbenchPage:
        """Write the negotiation workbench (one self-contained HTML page) for a grid; the
        figures are the engine's, computed in one query like `sweep`."""
        from compensation.api.results import WorkbenchPage
        from compensation.scenario.workbench import workbench
        from compensation.scenario.workbench_page import write_workbench

        with self.reading() as con:
            result = workbench(con, scheme, grid, _years(years), on=on, as_of=_as_of(as_of))
        path = write_workbench(result, Path(out))
        return WorkbenchPage(path, len(result.points), list(result.years), list(result.fixed))


def period_start(text: str) -> date:
    """"2024-03" → date(2024, 3, 1): how the API's frames write a month."""
    from compensation.engine.periods import parse_month

    return parse_month(text)
