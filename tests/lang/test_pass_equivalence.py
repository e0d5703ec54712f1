"""Every optimisation pass gives the same ledger lines and traces as the plain form, row for row.

Each rule file of rules/ and rules/examples/ is compiled with every pass off, every pass on and each
pass alone (CompileOptions), and each rule's query is run on two real stores: a copy of the demo
(`ecocomp demo`, the session's; the example schemes are added to the Yangtze–Han sections so they
have data), and a generated store with missing values, flags (断流, 结冰, 仪器故障), non-detects,
a correcting second batch, daily values, flows and volumes. Both with the base scenario and two
overlays (every negotiable parameter changed; only the first changed). The rows of each query,
sorted by their repr, must equal the plain form's: a pass that moves one fen or one byte of a trace
fails. The expected rows are the plain form's, not numbers worked by hand: the tests of each pass's
own shape (test_loop_values.py, test_grouped_loops.py, test_grains.py, test_sweep.py) hold those.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from helpers import AS_OF, RULES

from compensation.lang import prepare_run
from compensation.lang.compiled import CompiledParam, CompiledScheme
from compensation.lang.options import PASSES, CompileOptions
from compensation.lang.scheme import compile_uncached
from compensation.store import open_store

FILES = sorted(RULES.glob("*.rule")) + sorted((RULES / "examples").glob("*.rule"))
OPTION_SETS = {
    "all_off": CompileOptions.all_off(),
    "all_on": CompileOptions.all_on(),
    **{f"only {name}": CompileOptions.only([name]) for name in PASSES},
}


@pytest.fixture(scope="module")
def compiled() -> dict[Path, dict[str, CompiledScheme]]:
    return {f: {name: compile_uncached(f, o) for name, o in OPTION_SETS.items()} for f in FILES}


def _changed(p: CompiledParam) -> str:
    """Another value of a negotiable parameter, as a scenario file would write it."""
    if p.unit.kind == "variant":
        return p.variants[-1]
    if p.unit.kind == "class":
        return "II"
    if p.unit.kind == "indicators":
        return "[COD, TP]"
    return "200万" if p.unit.dims == (1, 0, 0, 0) else "1/2"


def overlays(scheme: CompiledScheme) -> list[tuple[str, dict[str, str]]]:
    changed = {p.name: _changed(p) for p in scheme.parameters if p.negotiable}
    if not changed:
        return []
    first = next(iter(changed))
    return [("s_all", changed), ("s_one", {first: changed[first]})]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return sorted(repr(row) for row in con.execute(f"SELECT * FROM ({sql})").fetchall())


def assert_equivalent(con: duckdb.DuckDBPyConnection, path: Path,
                      by_option: dict[str, CompiledScheme], earliest: date, end: date) -> int:
    """Run each distinct rule query of every option set; returns how many rows were compared."""
    plain = by_option["all_off"]
    start = max(plain.span_start, earliest)
    prepare_run(con, plain, start, end, AS_OF, overlays(plain))
    expected = {rule.id: _rows(con, rule.sql) for rule in plain.rules}
    done = {rule.sql for rule in plain.rules}
    compared = 0
    for name, scheme in by_option.items():
        for rule in scheme.rules:
            if rule.sql in done:
                continue
            done.add(rule.sql)
            got = _rows(con, rule.sql)
            compared += len(got)
            assert got == expected[rule.id], (
                f"{path.name} rule {rule.id}: {name} gives other rows than every pass off")
    return compared


def named_sections(compiled: dict[Path, dict[str, CompiledScheme]], party: str, control: str
                   ) -> list[tuple[str, str, str | None, str | None, str, str | None, str]]:
    """A section for each code and river a rule names (a run refuses names the registry lacks):
    (id, role, party, control, water body, bank, river)."""
    found = []
    for by_option in compiled.values():
        for attr, value, _line, _col in by_option["all_on"].registry_names:
            sid, river = (value, "测试河") if attr == "" else (f"{value}_s", value)
            found.append((sid, "assessed", party, control, "river", None, river))
    return sorted(set(found))


def add_sections(con: duckdb.DuckDBPyConnection, schemes: list[str], sections: list[tuple]
                 ) -> None:
    con.executemany(
        "INSERT INTO sections (section_id, name, river, bank, water_body, role, party_id, "
        "control_id, river_order, schemes, valid_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, DATE '2000-01-01')",
        [(sid, sid, river, bank, wb, role, party, control, k, schemes)
         for k, (sid, role, party, control, wb, bank, river) in enumerate(sections, start=100)])


# ---- the demo store ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_store(demo_build, tmp_path_factory, compiled) -> Iterator[duckdb.DuckDBPyConnection]:
    assert demo_build.returncode == 0, demo_build.stderr
    copy = tmp_path_factory.mktemp("passes") / "demo.duckdb"
    shutil.copy(demo_build.db, copy)
    con = open_store(copy)
    con.execute("SET threads = 1")  # small queries: a second thread only adds CPU time
    ids = sorted({by_option["all_on"].id for by_option in compiled.values()})
    con.execute("UPDATE sections SET schemes = list_distinct(list_concat(schemes, ?)) "
                "WHERE list_contains(schemes, 'yangtze_han')", [ids])
    party, control = con.execute(
        "SELECT party_id, control_id FROM sections WHERE list_contains(schemes, 'yangtze_han') "
        "AND role = 'assessed' ORDER BY section_id LIMIT 1").fetchall()[0]
    add_sections(con, ids, named_sections(compiled, party, control))  # without samples
    yield con
    con.close()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_passes_are_equivalent_on_the_demo(demo_store, compiled, path: Path) -> None:
    assert_equivalent(demo_store, path, compiled[path], date(2023, 1, 1), date(2024, 12, 1))


# ---- a generated store ---------------------------------------------------------------------------

SECTIONS = [  # (id, role, party, control, water body, bank, river)
    ("c0", "control", None, None, "river", None, "测试河"),
    ("a1", "assessed", "p1", "c0", "river", "left", "测试河"),
    ("a2", "assessed", "p2", "a1", "river", "right", "测试河"),
    ("a3", "assessed", "p3", "c0", "lake", None, "测试河"),
    ("a4", "assessed", "p1", None, "river", None, "测试河"),
]
FACTORS = [Decimal(x) for x in ("0.4", "0.8", "1", "1.2", "1.7", "2.6")]  # × the class III limit
OTHER = {"FLOW": Decimal("12.5"), "VOL": Decimal("3200000"), "pH": Decimal("7.5")}
MONTHS = [(y, m) for y in (2021, 2022, 2023) for m in range(1, 13)]


def _value(limits: dict[str, Decimal], ind: str, s: int, month: int, i: int, shift: int = 0
           ) -> Decimal:
    base = limits.get(ind, OTHER.get(ind, Decimal("5")))
    return (base * FACTORS[(s * 7 + month * 3 + i + shift) % len(FACTORS)]).quantize(
        Decimal("0.001"))


def _samples(limits: dict[str, Decimal], indicators: list[str], sections: list[str]
             ) -> list[tuple]:
    """(batch, section, sampled_at, indicator, value, below_dl, detection_limit, flag, source)."""
    rows: list[tuple] = []
    for s, sid in enumerate(sections):
        for y, m in MONTHS:
            if (sid, y, m) in {("a3", 2022, 7), ("c0", 2023, 3)}:
                continue  # a month without samples (the control's too)
            for i, ind in enumerate(indicators):
                when = datetime(y, m, 10, 9)
                value: Decimal | None = _value(limits, ind, s, m, i)
                flag = below = limit = None
                if (sid, y, m, ind) in {("a2", 2022, 2, "COD"), ("a1", 2023, 5, "NH3N"),
                                        ("c0", 2022, 11, "TP")}:
                    continue  # one indicator missing (of every list the rules read)
                if (sid, y, m) == ("a1", 2022, 8):
                    value, flag = None, "no_flow"
                elif (sid, y, m) == ("a2", 2023, 1):
                    value, flag = None, "ice"
                elif (sid, y, m, ind) == ("a3", 2022, 10, "COD"):
                    flag = "fault"  # measured, but not usable
                elif (sid, y, m) == ("a3", 2022, 4) and i % 3 == 0 and ind in limits:
                    value, below, limit = None, True, limits[ind] / 10  # not detected
                rows.append((1, sid, when, ind, value, bool(below), limit, flag, "manual"))
                if (sid, y, m) == ("a4", 2022, 9) and ind != "VOL":  # a second: the mean
                    rows.append((1, sid, datetime(y, m, 24, 9), ind,
                                 _value(limits, ind, s, m, i, 1), False, None, None, "manual"))
    for day in range(1, 32):  # daily flows and ammonia of a1 in May 2022 (volume, runs)
        for ind in ("FLOW", "NH3N"):
            rows.append((1, "a1", datetime(2022, 5, day, 8), ind,
                         _value(limits, ind, 1, day, 0), False, None, None, "auto"))
    for m in (3, 4, 5):  # the correcting batch: a1's spring of 2022 anew
        for i, ind in enumerate(indicators):
            rows.append((2, "a1", datetime(2022, m, 10, 9), ind,
                         _value(limits, ind, 1, m, i, 2), False, None, None, "manual"))
    return rows


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory, compiled) -> Iterator[duckdb.DuckDBPyConnection]:
    folder = tmp_path_factory.mktemp("passes")
    con = open_store(folder / "generated.duckdb")
    con.execute("SET threads = 1")
    schemes = sorted({by_option["all_on"].id for by_option in compiled.values()})
    con.executemany("INSERT INTO batches VALUES (?, 'samples', ?, 'x', 0, ?, NULL, NULL)",
                    [(1, "first.csv", datetime(2000, 1, 1)), (2, "fix.csv", datetime(2001, 1, 1))])
    con.executemany("INSERT INTO parties (party_id, name, kind) VALUES (?, ?, ?)",
                    [("p1", "甲区", "district"), ("p2", "乙市", "city"),
                     ("p3", "丙省", "province")])
    sections = SECTIONS + named_sections(compiled, "p2", "c0")
    add_sections(con, schemes, sections)
    limits = {ind: lim for ind, lim in con.execute(
        "SELECT indicator, \"limit\" FROM gb3838_limits WHERE class = 3 AND water_body = 'river'"
    ).fetchall()}
    # every indicator with a limit (the list parameters' values among them), flows and volumes
    indicators = sorted(set(limits) | {"FLOW", "VOL", "pH"} | {
        i for by_option in compiled.values() for i in by_option["all_on"].indicators_read.names})
    rows = _samples(limits, indicators, [s[0] for s in sections])
    # some 9,000 rows: through a CSV file in one statement (executemany takes seconds)
    csv_path = folder / "samples.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([(b, n, *rest) for n, (b, *rest) in enumerate(rows, start=2)])
    con.execute(
        "INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value, "
        "below_dl, detection_limit, flag, source) SELECT * FROM read_csv(?, header = false, "
        "columns = {'b': 'INTEGER', 'n': 'INTEGER', 's': 'VARCHAR', 't': 'TIMESTAMP', "
        "'i': 'VARCHAR', 'v': 'DECIMAL(18,6)', 'd': 'BOOLEAN', 'l': 'DECIMAL(18,6)', "
        "'f': 'VARCHAR', 'o': 'VARCHAR'})", [str(csv_path)])
    yield con
    con.close()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_passes_are_equivalent_on_a_generated_store(generated_store, compiled, path: Path
                                                    ) -> None:
    assert_equivalent(generated_store, path, compiled[path], date(2022, 1, 1), date(2023, 12, 1))
