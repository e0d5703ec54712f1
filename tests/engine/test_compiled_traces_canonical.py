"""Every shipped rule's compiled SQL writes its traces already in the one spelling a run records
(nested maps in key order, the top level in the rule's order), so `ecocomp run` stores them as
the query wrote them, without a round trip through Python (issue 17 item 2).

Each rule file of rules/ and rules/examples/ is run over the demo's monitoring data with every
demo section in the scheme (so even the examples without sections of their own write lines),
and each trace is compared byte for byte with its canonical form made here by Python's json.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from compensation.lang import compile_file, prepare_run
from compensation.store import open_store

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = sorted((REPO / "rules").glob("*.rule")) + sorted(
    (REPO / "rules" / "examples").glob("*.rule"))
AS_OF = datetime(2099, 1, 1)
FIRST, LAST = date(2018, 1, 1), date(2024, 12, 1)  # the demo's monitoring years


# Rules that select sections by name need them in the registry: demo sections copied (samples
# included) under the example's names, rivers and parties.
NAMED = {"boundary_section_pool": [("qingshuipu", "赤水河", "yunnan", "cj_sheshui"),
                                   ("maotai", "赤水河", "guizhou", "cj_laoguan"),
                                   ("gulin", "赤水河", "sichuan", "cj_yangsi")]}


def add_named(con: duckdb.DuckDBPyConnection, stem: str) -> None:
    for section, river, party, like in NAMED.get(stem, []):
        con.execute("INSERT OR IGNORE INTO parties (party_id, name, kind) "
                    "VALUES (?, ?, 'province')",
                    [party, party])
        con.execute("INSERT OR IGNORE INTO parties (party_id, name, kind, label) "
                    "VALUES ('pool', '资金池', 'other', '资金池')")
        con.execute("INSERT INTO sections SELECT * REPLACE (CAST(? AS VARCHAR) AS section_id, "
                    "CAST(? AS VARCHAR) AS river, CAST(? AS VARCHAR) AS party_id) "
                    "FROM sections WHERE section_id = ?", [section, river, party, like])
        con.execute("INSERT INTO samples SELECT * REPLACE (CAST(? AS VARCHAR) AS section_id) "
                    "FROM samples WHERE section_id = ?", [section, like])


def prepared(con: duckdb.DuckDBPyConnection, path: Path) -> Any:
    """The rule file compiled, its scheme given to the named sections, and prepare_run over the
    demo's years from the scheme's start (the ev_* tables its rules read)."""
    add_named(con, path.stem)
    compiled = compile_file(path)
    con.execute("UPDATE sections SET schemes = list_distinct(list_append(schemes, ?))",
                [compiled.id])
    start = max(FIRST, date(compiled.span_start.year, compiled.span_start.month, 1)) \
        if compiled.span_start else FIRST
    prepare_run(con, compiled, start, LAST, AS_OF)
    return compiled


def canonical(value: Any, depth: int = 0) -> Any:
    """Maps below the top level in key order (code point order, as DuckDB's list_sort of text)."""
    if isinstance(value, dict):
        items = value.items() if depth == 0 else sorted(value.items())
        return {k: canonical(v, depth + 1) for k, v in items}
    if isinstance(value, list):
        return [canonical(v, depth + 1) for v in value]
    return value


@pytest.fixture(scope="module")
def demo(loaded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("traces") / "demo.duckdb"
    shutil.copyfile(loaded_db, path)
    con = open_store(path)
    yield con
    con.close()


def test_the_rule_files_are_all_here() -> None:
    # the 3 shipped schemes and the examples (14 or more: others add examples)
    stems = {p.stem for p in RULE_FILES}
    assert {"yangtze_han", "tongshun", "daoguan", "p2_target_class_bet"} <= stems
    assert len(RULE_FILES) >= 17


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_compiled_traces_are_already_canonical(demo: duckdb.DuckDBPyConnection,
                                               path: Path) -> None:
    compiled = prepared(demo, path)
    traces = []
    for rule in compiled.rules:
        traces += [t for (t,) in demo.execute(
            f"SELECT CAST(trace AS VARCHAR) FROM ({rule.sql}) WHERE trace IS NOT NULL"
        ).fetchall()]
    assert traces, f"{path.name}: no line with a trace on the demo"
    # nested maps exist (values by indicator, parameters): the check is not vacuous
    assert any(isinstance(v, dict) for v in json.loads(traces[0]).values())
    bad = [t for t in traces
           if json.dumps(canonical(json.loads(t)), ensure_ascii=False,
                             separators=(",", ":")) != t]
    assert bad == [], f"{path.name}: {len(bad)} of {len(traces)} traces not canonical: {bad[0]}"
