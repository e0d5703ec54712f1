"""The benchmark's quick mode agrees across implementations, and its alternatives are right.

No test here asserts a time. The quick run is a real `python -m bench --quick` process; the
alternatives are checked on small stores whose amounts are worked out by hand below.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from bench import alt_python, alt_sql, real_path, store_setup
from bench.config import REPO_DIR, WORK_DIR
from bench.generate import Network, write_parties, write_sections

AS_OF = datetime(2099, 1, 1)
JAN, FEB = date(2024, 1, 1), date(2024, 2, 1)


# The quick run prints a line as each of its ~40 cases ends and before each data set is built. A
# run is hung when it has printed nothing for this long; however slow a busy machine makes the
# whole run, that is not a failure. The longest quiet stretch is building the demo store for the
# Tongshun sweep (about a minute on a quiet machine); a case takes seconds.
SILENCE_LIMIT = 900


def run_with_progress(args: list[str], silence_limit: float) -> tuple[int, str]:
    """Run a process whose output shows progress; kill it only after `silence_limit` seconds
    without a line. The exit status and the whole output (stderr merged into stdout)."""
    proc = subprocess.Popen(args, cwd=REPO_DIR, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    out: list[str] = []
    while True:
        try:
            line = lines.get(timeout=silence_limit)
        except queue.Empty:
            proc.kill()
            proc.wait()
            raise AssertionError(f"no output for {silence_limit} s: hung after\n"
                                 + "".join(out[-20:])) from None
        if line is None:
            return proc.wait(), "".join(out)
        out.append(line)


def test_quick_run_agrees() -> None:
    """`python -m bench --quick` exits 0 and every implementation computes the same results."""
    status, output = run_with_progress(
        [sys.executable, "-m", "bench", "--quick", "--skip", "demo"], SILENCE_LIMIT)
    assert status == 0, output[-6000:]
    summary = json.loads((WORK_DIR / "quick" / "summary.json").read_text(encoding="utf-8"))
    assert summary["failed"] == []
    assert all(check["agreed"] for check in summary["checks"]), summary["checks"]
    cases = summary["cases"]
    # The hand-written alternatives need nothing from the engine: they always run and compare.
    for factor in ("1x", "4x", "16x"):
        assert cases[f"{factor}/rules.hand_sql"]["status"] == "ok"
        assert cases[f"{factor}/rules.hand_sql_old"]["status"] == "ok"
        assert cases[f"{factor}/rules.floor"]["status"] == "ok"
        assert cases[f"{factor}/rules.python"]["status"] == "ok"
        assert cases[f"{factor}/monthly.hand_sql"]["status"] == "ok"
        assert cases[f"{factor}/ingest.duckdb_csv"]["status"] == "ok"
    assert all(case["status"] in ("ok", "not_available") for case in cases.values())
    cpi_check = next(c for c in summary["checks"] if c["name"].startswith("CPI 规则金额 16"))
    assert "逐行一致" in cpi_check["detail"]
    # the fair and the old hand-written query, the two compiled forms and Python: five outputs
    assert cpi_check["detail"].startswith("5 种实现")
    # the user's path as processes (quick data: one year, 2024), its ledger equal to the query's
    assert cases["once/real.path_2024_2024"]["status"] == "ok"
    real_check = next(c for c in summary["checks"] if c["name"] == "真实路径 CPI 金额 2024")
    assert real_check["agreed"] and "逐行一致" in real_check["detail"]
    text = (WORK_DIR / "RESULTS-quick.md").read_text(encoding="utf-8")
    assert text.startswith("# 基准测试结果") and "## 真实路径 Real path" in text


def _cpi_rows(section: str, day: str, cod: str, codmn: str, nh3n: str, tp: str) -> list[dict]:
    return [{"section": section, "sampled_at": day, "indicator": code, "value": value,
             "unit": "mg/L", "flag": ""}
            for code, value in (("COD", cod), ("CODMn", codmn), ("NH3N", nh3n), ("TP", tp))]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One initialised empty store, copied for each test (initialising costs seconds)."""
    return store_setup.make_template(tmp_path_factory.mktemp("bench") / "template.duckdb")


@pytest.fixture()
def cpi_store(tmp_path: Path, template: Path) -> Path:
    """One chain: control BS00000, assessed BS00001 (own control BS00000) and BS00002, BS00003.

    Control: every value at its class III limit, CPI = 1 exactly in both months.
    BS00001 Jan: every value 0.9 × limit → CPI 0.9, r = −10% exactly → closed band, +50万.
    BS00001 Feb: every value 1.1 × limit → r = +10% exactly → (0, 10%] → −100万.
    BS00002's control is BS00001. Jan: NH3-N 0.905 rounds half-even to 0.90 (half-up 0.91, or no
    rounding, would make r > 0 and a penalty), so its CPI equals BS00001's: r = 0 → 持平 → +50万.
    Feb: 240·CPI = 3·24.2 + 10·7.3 + 60·1.21 + 300·0.242 = 290.8 against BS00001's 264:
    r = 26.8/264 > +10% → −200万.
    BS00003 (control BS00002) is 断流 in January (no line) and in February has TP `<0.01`
    (DL/2 = 0.005): 240·CPI = 66 + 66 + 66 + 1.5 = 199.5 against 290.8 → r < −10% → +100万.
    """
    net = Network(sections=10, chain=10)
    parties, sections = write_parties(net, tmp_path / "p.csv"), tmp_path / "s.csv"
    write_sections(net, sections, date(2024, 1, 1))
    rows = (
        _cpi_rows("BS00000", "2024-01-05", "20.0", "6.0", "1.000", "0.200")
        + _cpi_rows("BS00000", "2024-02-05", "20.0", "6.0", "1.000", "0.200")
        + _cpi_rows("BS00001", "2024-01-06", "18.0", "5.4", "0.900", "0.180")
        + _cpi_rows("BS00001", "2024-02-06", "22.0", "6.6", "1.100", "0.220")
        + _cpi_rows("BS00002", "2024-01-07", "18.0", "5.4", "0.905", "0.180")
        + _cpi_rows("BS00002", "2024-02-07", "24.2", "7.3", "1.210", "0.242")
        + _cpi_rows("BS00003", "2024-01-08", "断流", "断流", "断流", "断流")
        + _cpi_rows("BS00003", "2024-02-08", "22.0", "6.6", "1.100", "<0.01")
    )
    samples = tmp_path / "samples.csv"
    pl.DataFrame(rows).write_csv(samples)
    db = tmp_path / "cpi.duckdb"
    store_setup.build_manual_store(db, parties, sections, samples, template)
    return db


EXPECTED_CPI = {
    ("BS00001", JAN): Decimal("500000.00"),
    ("BS00001", FEB): Decimal("-1000000.00"),
    ("BS00002", JAN): Decimal("500000.00"),
    ("BS00002", FEB): Decimal("-2000000.00"),
    ("BS00003", FEB): Decimal("1000000.00"),
}


@pytest.mark.parametrize("run", [alt_sql.run_cpi_band, alt_sql.run_cpi_band_old])
def test_hand_sql_cpi_band_by_hand(cpi_store: Path, run) -> None:
    con = store_setup.open_store(cpi_store)
    run(con, AS_OF, JAN, date(2024, 3, 1), "out")
    got = {(s, p): a for s, p, a in con.execute(
        "SELECT section_id, period, amount FROM out").fetchall()}
    hits = alt_sql.boundary_hits(con, "out")
    con.close()
    assert got == EXPECTED_CPI
    assert hits == {"r=-10%": 1, "r=0": 1, "r=+10%": 1}


def test_python_cpi_band_by_hand(cpi_store: Path) -> None:
    con = store_setup.open_store(cpi_store)
    got = alt_python.evaluate(con, AS_OF, JAN, date(2024, 3, 1))
    con.close()
    assert got == EXPECTED_CPI


def test_python_band_endpoints_and_rounding() -> None:
    one = Decimal(1)
    assert alt_python.band_amount(Decimal("0.9"), one) == Decimal("500000.00")
    assert alt_python.band_amount(Decimal("0.899"), one) == Decimal("1000000.00")
    assert alt_python.band_amount(one, one) == Decimal("500000.00")
    assert alt_python.band_amount(Decimal("1.1"), one) == Decimal("-1000000.00")
    assert alt_python.band_amount(Decimal("1.1001"), one) == Decimal("-2000000.00")
    # GB/T 8170 vectors of the domain notes: 1.005 → 1.00, 1.015 → 1.02; 0.00005 keeps one figure
    assert alt_python.round_mean(Decimal("2.010"), 2, 2) == Decimal("1.00")
    assert alt_python.round_mean(Decimal("1.015"), 1, 2) == Decimal("1.02")
    assert alt_python.round_mean(Decimal("0.0045"), 1, 3) == Decimal("0.004")
    assert alt_python.round_mean(Decimal("0.00005"), 1, 3) == Decimal("0.00005")


def test_hand_sql_monthly_values_by_hand(tmp_path: Path, template: Path) -> None:
    """Two stations, January 2025: a river station and a lake station (TP's lake column).

    River NH3-N 1.004 and 1.006 → mean 1.005 → half-even 1.00 → III. DO 7.4 and 7.52 → 7.46 →
    7.5 → I. TP 0.2 and a non-detect <0.01 (0.005) and a fault-flagged value → (0.2 + 0.005)/2 =
    0.1025 → 0.102 (half-even) → III on a river. Lake TP 0.05 → III (lake column); TN 1.0 → III.
    """
    stamp = datetime(2025, 1, 3, 8)
    rows = [
        ("BA0000", "NH3N", 1004, 3, False, None, None),
        ("BA0000", "NH3N", 1006, 3, False, None, None),
        ("BA0000", "DO", 740, 2, False, None, None),
        ("BA0000", "DO", 752, 2, False, None, None),
        ("BA0000", "TP", 200, 3, False, None, None),
        ("BA0000", "TP", None, 3, True, "0.01", None),
        ("BA0000", "TP", 900, 3, False, None, "fault"),
        ("BA0001", "TP", 50, 3, False, None, None),
        ("BA0001", "TN", 1000, 3, False, None, None),
    ]
    frame = pl.DataFrame(
        {"section_id": [r[0] for r in rows],
         "sampled_at": [stamp.replace(hour=4 * i % 24, day=3 + i // 6) for i in range(len(rows))],
         "indicator": [r[1] for r in rows],
         "value_units": pl.Series([None if r[6] else r[2] for r in rows], dtype=pl.Int64),
         "decimals": pl.Series([r[3] for r in rows], dtype=pl.Int8),
         "below_dl": [r[4] for r in rows], "detection_limit": [r[5] for r in rows],
         "flag": [r[6] for r in rows]})
    parquet = tmp_path / "auto.parquet"
    frame.write_parquet(parquet)
    db = tmp_path / "auto.duckdb"
    store_setup.build_auto_store(db, ["BA0000", "BA0001"], {"BA0001"}, parquet, template)
    con = store_setup.open_store(db)
    alt_sql.run_monthly(con, AS_OF, "mv")
    got = {(s, i): (n, v, c) for s, i, n, v, c in con.execute(
        "SELECT section_id, indicator, n_valid, value, class FROM mv").fetchall()}
    con.close()
    assert got == {
        ("BA0000", "NH3N"): (2, Decimal("1.000000"), 3),
        ("BA0000", "DO"): (2, Decimal("7.500000"), 1),
        ("BA0000", "TP"): (2, Decimal("0.102000"), 3),
        ("BA0001", "TP"): (1, Decimal("0.050000"), 3),
        ("BA0001", "TN"): (1, Decimal("1.000000"), 3),
    }


@pytest.fixture()
def endpoint_store(tmp_path: Path, template: Path) -> Path:
    """r = +10% exactly, with a CODMn limit of 6 (thirds in C/S): found by the full benchmark.

    Control: COD 13.2, CODMn 4.1, NH3-N 0.543 → 0.54, TP 0.120: 240·CPI = 39.6 + 41 + 32.4 + 36
    = 149.0. Assessed: COD 15.3, CODMn 4.9, NH3-N 0.551 → 0.55, TP 0.120: 45.9 + 49 + 33 + 36 =
    163.9. r = 14.9 / 149 = 0.1 exactly → (0, 10%] → the district pays 100万, not 200万.
    """
    net = Network(sections=10, chain=10)
    parties, sections = write_parties(net, tmp_path / "p.csv"), tmp_path / "s.csv"
    write_sections(net, sections, date(2024, 1, 1))
    rows = (_cpi_rows("BS00000", "2024-01-05", "13.2", "4.1", "0.543", "0.120")
            + _cpi_rows("BS00001", "2024-01-06", "15.3", "4.9", "0.551", "0.120"))
    samples = tmp_path / "samples.csv"
    pl.DataFrame(rows).write_csv(samples)
    db = tmp_path / "endpoint.duckdb"
    store_setup.build_manual_store(db, parties, sections, samples, template)
    return db


def test_alternatives_decide_plus_ten_percent_exactly(endpoint_store: Path) -> None:
    con = store_setup.open_store(endpoint_store)
    alt_sql.run_cpi_band(con, AS_OF, JAN, FEB, "out")
    hand = con.execute("SELECT section_id, amount, k_section, k_control FROM out").fetchall()
    python = alt_python.evaluate(con, AS_OF, JAN, FEB)
    con.close()
    # k in 1e-6 units: 163.9 and 149.0; 10 × 163.9 = 11 × 149.0
    assert hand == [("BS00001", Decimal("-1000000.00"), 163_900_000, 149_000_000)]
    assert python == {("BS00001", JAN): Decimal("-1000000.00")}


def compiled_cpi_lines(db: Path, columns: str, sections: list[str]) -> list[tuple]:
    """The compiled CPI rule's base lines of `sections` in January 2024 (real prepare_run)."""
    from compensation.lang import compile_file, prepare_run

    con = store_setup.open_store(db)
    compiled = compile_file(REPO_DIR / "rules" / "yangtze_han.rule")
    rule = next(r for r in compiled.rules if r.id == "cpi_band")
    prepare_run(con, compiled, JAN, JAN, AS_OF)
    lines = con.execute(
        f"SELECT {columns} FROM ({rule.sql}) WHERE scenario = 'base' "
        "AND list_contains(?, section_id) ORDER BY section_id", [sections]).fetchall()
    con.close()
    return lines


def test_compiled_rule_decides_plus_ten_percent_exactly(endpoint_store: Path) -> None:
    lines = compiled_cpi_lines(endpoint_store, "section_id, payer, payee, amount", ["BS00001"])
    assert lines == [("BS00001", "bp0000", "city_treasury", Decimal("1000000.00"))]


@pytest.fixture()
def exception_store(tmp_path: Path, template: Path) -> Path:
    """January 2024 on one chain, with what the old hand-written query got wrong or did slowly.

    BS00000 (control): every CPI item at its class III limit: 240·CPI = 60 · 4 = 240.
    BS00001: every item at 0.9 × limit (216), but an `ice` flag on its pH sample: the rule's
    exception (no_flow/ice on ANY indicator of the section) gives no amount; the old query, which
    looked at the four CPI items only, paid +50万 (r = −10%).
    BS00002 (control BS00001, whose CPI of 216 is valid: ice only voids the pH value): first
    batch 0.9 × limit; a correction loaded later repeats its COD sample with 30.0, so COD counts
    30.0 (newest batch), not the mean 24.0: 240·CPI = 90 + 54 + 54 + 54 = 252, r = 36/216 =
    +16.7% → −200万 (with the mean, 234: +8.3% → −100万).
    BS00003 (control BS00002): TP 0.0004 rounds to 0.000 at three decimals, so it keeps one
    significant figure, 0.0004: 240·CPI = 75 + 70 + 72 + 300 · 0.0004 = 217.12, r = −13.8%
    against 252 → +100万.
    """
    net = Network(sections=10, chain=10)
    parties, sections = write_parties(net, tmp_path / "p.csv"), tmp_path / "s.csv"
    write_sections(net, sections, date(2024, 1, 1))
    rows = (_cpi_rows("BS00000", "2024-01-05", "20.0", "6.0", "1.000", "0.200")
            + _cpi_rows("BS00001", "2024-01-06", "18.0", "5.4", "0.900", "0.180")
            + _cpi_rows("BS00002", "2024-01-07", "18.0", "5.4", "0.900", "0.180")
            + _cpi_rows("BS00003", "2024-01-08", "25.0", "7.0", "1.20", "0.0004"))
    samples = tmp_path / "samples.csv"
    pl.DataFrame(rows).write_csv(samples)
    db = tmp_path / "exception.duckdb"
    store_setup.build_manual_store(db, parties, sections, samples, template)
    con = store_setup.open_store(db)
    con.execute("INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value, "
                "flag) VALUES (1 + 2, 99, 'BS00001', TIMESTAMP '2024-01-06', 'pH', 7.2, 'ice')")
    con.execute("INSERT INTO batches (batch_id, kind, file_name, sha256, row_count, loaded_at) "
                "VALUES (4, 'samples', 'correction.csv', 'c', 1, TIMESTAMP '2030-01-01')")
    con.execute("INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value) "
                "VALUES (4, 2, 'BS00002', TIMESTAMP '2024-01-07', 'COD', 30.0)")
    con.close()
    return db


EXPECTED_EXCEPTION = {
    ("BS00002", JAN): Decimal("-2000000.00"),
    ("BS00003", JAN): Decimal("1000000.00"),
}


def test_fair_hand_sql_exception_correction_and_significance(exception_store: Path) -> None:
    con = store_setup.open_store(exception_store)
    assert con.execute("SELECT batch_id, kind FROM batches ORDER BY 1").fetchall() == [
        (1, "parties"), (2, "sections"), (3, "samples"), (4, "samples")]
    assert alt_sql.batches_overlap(con, AS_OF, JAN, FEB)
    assert not alt_sql.batches_overlap(con, datetime(2029, 1, 1), JAN, FEB)  # before the fix
    alt_sql.run_cpi_band(con, AS_OF, JAN, FEB, "out")
    got = {(s, p): (a, k, kc) for s, p, a, k, kc in con.execute(
        "SELECT section_id, period, amount, k_section, k_control FROM out").fetchall()}
    alt_sql.run_cpi_band_old(con, AS_OF, JAN, FEB, "old")
    old = dict(((s, p), a) for s, p, a in con.execute(
        "SELECT section_id, period, amount FROM old").fetchall())
    con.close()
    # 240·CPI in 1e-6 units: 252, 216 (BS00001 valid as a control), 217.12
    assert got == {("BS00002", JAN): (Decimal("-2000000.00"), 252_000_000, 216_000_000),
                   ("BS00003", JAN): (Decimal("1000000.00"), 217_120_000, 252_000_000)}
    assert old == {**EXPECTED_EXCEPTION, ("BS00001", JAN): Decimal("500000.00")}


def test_compiled_rule_agrees_on_exception_store(exception_store: Path) -> None:
    lines = compiled_cpi_lines(exception_store, "section_id, payer, payee, amount, exception",
                               ["BS00001", "BS00002", "BS00003"])
    assert lines == [
        ("BS00001", "city_treasury", "bp0000", Decimal("0.00"), "断流、结冰不考核"),
        ("BS00002", "bp0000", "city_treasury", Decimal("2000000.00"), None),
        ("BS00003", "city_treasury", "bp0000", Decimal("1000000.00"), None),
    ]


def test_floor_sums_every_indicator_of_the_window(cpi_store: Path) -> None:
    """cpi_store: 4 sections × 2 months × 4 items = 32 samples, one per key; BS00000's January
    COD 20.0 is its own sum; a row without a value has a NULL sum: BS00003's four 断流 rows in
    January and its February TP non-detect `<0.01` (5)."""
    con = store_setup.open_store(cpi_store)
    rows = alt_sql.run_floor(con, JAN, date(2024, 3, 1), "fl")
    cod = con.execute("SELECT total FROM fl WHERE section_id = 'BS00000' AND month = ? "
                      "AND indicator = 'COD'", [JAN]).fetchall()
    dry = con.execute("SELECT count(*) FROM fl WHERE total IS NULL").fetchall()[0][0]
    con.close()
    assert (rows, cod, dry) == (32, [(Decimal("20.000000"),)], 5)


def test_real_path_runs_the_user_commands_and_records_the_amounts_by_hand(
        cpi_store: Path, tmp_path: Path) -> None:
    """`run --year 2024`, `settle`, the bulletin and the workbooks as processes on the small store:
    the ledger's CPI lines are the amounts worked out by hand above."""
    out = tmp_path / "real.parquet"
    result = real_path.real_path({
        "db": str(cpi_store), "rules": str(REPO_DIR / "rules"), "work": str(tmp_path / "work"),
        "first": 2024, "last": 2024, "out": str(out)})
    assert [s["label"] for s in result["steps"]] == [
        "run --scheme yangtze_han --year 2024", "settle --year 2024",
        "bulletin --period 2024-12 --format html", "export districts --year 2024"]
    assert all(s["seconds"] > 0 and s["peak_mb"] > 0 for s in result["steps"])
    # a process's CPU time is its own (os.wait4): more than nothing, and no more than every core
    # of the machine for its wall time
    cores = os.cpu_count() or 1
    assert all(0 < s["cpu_seconds"] <= cores * s["seconds"] + 0.1 for s in result["steps"])
    got = pl.read_parquet(out).sort(["section_id", "period"])
    assert {(r["section_id"], r["period"]): r["amount"] for r in got.iter_rows(named=True)} == \
        EXPECTED_CPI
    # the chain's 9 assessed sections (BS00004… have no data: zero lines with a reason) × 12
    # months × 2 rules (cpi_band, class_decline), every line traced
    assert result["ledger"]["lines"] == result["ledger"]["traced"] == 216
    assert not (tmp_path / "work").exists()  # the copy is removed
