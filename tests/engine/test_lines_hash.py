"""The run's lines hash (version 2): per line, per (rule, period), per run; no giant string.

Identical lines give one digest whatever their physical order; one changed amount or trace byte
gives another; runs hashed the old way (version 1, before `runs.hash_version`) are never called
"same inputs, different result"; an old store gains the column on opening.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
import engine_toy as toy

from compensation.engine import hashes
from compensation.store import open_store

Row = tuple[int, str, str, str, str | None, str, str, str, str | None, str | None, str | None,
            str | None]
# rule_order, rule, period_start, period_end, section, payer, payee, amount, branch, exception,
# reason, trace
ROWS: list[Row] = [
    (0, "band", "2018-01-01", "2018-01-31", "s1", "city_treasury", "jiangan", "500000.00",
     "[.., threshold]", None, None, '{"values":{"COD":"9.5"}}'),
    (0, "band", "2018-01-01", "2018-01-31", "s2", "city_treasury", "hanyang", "0.00", None,
     "断流不考核", "断流", None),
    (0, "band", "2018-02-01", "2018-02-28", "s1", "jiangan", "city_treasury", "1000000.00",
     "(threshold, ..)", None, None, '{"values":{"COD":"12.0"}}'),
    (1, "annual", "2018-01-01", "2018-12-31", None, "xiantao", "wuhan_jkq", "1000000.00", "good",
     None, None, '{"max":"9.5"}'),
]


def staged(rows: list[Row]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        """CREATE TABLE lines (rule_order INTEGER, rule VARCHAR, period_start DATE,
               period_end DATE, section_id VARCHAR, payer VARCHAR, payee VARCHAR,
               amount DECIMAL(18,2), branch VARCHAR, exception VARCHAR, reason VARCHAR,
               trace JSON)"""
    )
    if rows:
        con.executemany("INSERT INTO lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def by_hand(rows: list[Row]) -> str:
    """Version 2 in Python: each line's fields (the trace as its md5) as a compact JSON list,
    hashed; each (rule,
    period)'s line hashes sorted and joined, hashed; the periods' "rule|start|end|n|hash" lines
    in key order joined by newlines, hashed."""
    periods: dict[tuple[str, str, str], list[str]] = {}
    for row in rows:
        trace = None if row[11] is None else hashlib.md5(row[11].encode()).hexdigest()
        fields = [*row[1:11], trace]
        periods.setdefault((row[1], row[2], row[3]), []).append(
            sha(json.dumps(fields, ensure_ascii=False, separators=(",", ":"))))
    return sha("\n".join(f"{r}|{s}|{e}|{len(h)}|{sha(''.join(sorted(h)))}"
                         for (r, s, e), h in sorted(periods.items())))


def test_the_hash_is_the_one_worked_out_by_hand() -> None:
    assert hashes.lines_hash(staged(ROWS), "lines") == by_hand(ROWS)


def test_no_lines_hash_as_the_empty_text() -> None:
    # sha256("") = e3b0c442…b855, as version 1 gave for a run without lines
    assert hashes.lines_hash(staged([]), "lines") == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def test_identical_lines_in_another_physical_order_hash_the_same() -> None:
    assert hashes.lines_hash(staged(ROWS), "lines") == hashes.lines_hash(
        staged(list(reversed(ROWS))), "lines")
    # a duplicated line is a different multiset of lines
    assert hashes.lines_hash(staged([*ROWS, ROWS[0]]), "lines") != hashes.lines_hash(
        staged(ROWS), "lines")


def test_one_changed_amount_or_trace_byte_changes_the_hash() -> None:
    base = hashes.lines_hash(staged(ROWS), "lines")
    amount = [ROWS[0], ROWS[1], (*ROWS[2][:7], "1000000.01", *ROWS[2][8:]), ROWS[3]]
    trace = [ROWS[0], ROWS[1], ROWS[2], (*ROWS[3][:11], '{"max":"9.6"}')]
    null_or_dash = [ROWS[0], (*ROWS[1][:8], "-", *ROWS[1][9:]), ROWS[2], ROWS[3]]
    digests = {base, *(hashes.lines_hash(staged(r), "lines")
                       for r in (amount, trace, null_or_dash))}
    assert len(digests) == 4


JAN = date(2018, 1, 1)


def test_a_run_records_the_hash_of_the_lines_it_wrote(db_path: Path, tmp_path: Path) -> None:
    """The run takes each trace's md5 once while staging; its digest is still version 2 of the
    lines the ledger holds, worked out in Python from them."""
    con = open_store(db_path)
    toy.setup_store(con)
    toy.set_value(con, "s1", JAN, "3")
    toy.set_value(con, "s2", JAN, "30")
    result = toy.run(con, toy.scheme(tmp_path), period="2018-01")
    rows = con.execute(
        """SELECT 0, rule, CAST(period_start AS VARCHAR), CAST(period_end AS VARCHAR),
                  section_id, payer, payee, CAST(amount AS VARCHAR), branch, exception, reason,
                  CAST(trace AS VARCHAR)
           FROM ledger WHERE run_id = ?""", [result.run_id]).fetchall()
    assert len(rows) == result.line_count > 1
    assert result.lines_hash == by_hand(rows)
    assert result.lines_hash == hashes.lines_hash(
        con, f"(SELECT * FROM ledger WHERE run_id = {result.run_id})")
    con.close()


def test_runs_hashed_the_old_way_are_never_compared_and_an_old_store_is_upgraded(
        db_path: Path, tmp_path: Path) -> None:
    con = open_store(db_path)
    toy.setup_store(con)
    toy.set_value(con, "s1", JAN, "3")
    info = toy.scheme(tmp_path)
    first = toy.run(con, info, period="2018-01")
    assert con.execute("SELECT hash_version FROM runs").fetchall() == [(2,)]
    # make it a store of an older ecocomp: run 1 hashed as version 1 (one string of every line),
    # no hash_version column, other SQL files
    con.execute("UPDATE runs SET lines_hash = 'v1-digest' WHERE run_id = ?", [first.run_id])
    con.execute("ALTER TABLE runs DROP COLUMN hash_version")
    con.execute("UPDATE meta SET value = 'older' WHERE key = 'sql_sha256'")
    con.close()

    con = open_store(db_path)  # upgraded on opening: the column is there, NULL for run 1
    assert con.execute("SELECT run_id, hash_version FROM runs").fetchall() == [(1, None)]
    second = toy.run(con, info, period="2018-01")
    # same fingerprints, other hash text: not "same inputs, different result", nor "same"
    assert (second.same_as_run, second.differs_from) == (None, None)
    assert "注意：与运行" not in second.message
    third = toy.run(con, info, period="2018-01")
    assert third.same_as_run == second.run_id == 2
    assert con.execute("SELECT run_id, hash_version FROM runs ORDER BY run_id").fetchall() == [
        (1, None), (2, 2), (3, 2)]
    con.close()
