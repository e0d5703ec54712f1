"""The demo's quarterly and June–May example schemes on the demo data (issue #22): they run, settle
final, and after a correction the re-run's diff names the changed period value; bulletin,
workbooks, accounts and settle then agree on every party's total.

The quarter's value is worked out here from the CSV files with exact fractions, independently of
the project's quality code.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from compensation.api import Store
from compensation.cli import cli
from compensation.engine.accounts import read_accounts
from compensation.engine.batch import run_and_settle_examples
from compensation.engine.ledger import party_nets
from compensation.engine.settle import compute_settlement
from compensation.render.district import build_district_books
from compensation.render.model import build_bulletin
from compensation.store import open_store

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
EXAMPLES = REPO / "rules" / "examples"
LIMIT_IV = {"COD": Fraction(30), "NH3N": Fraction("1.5"), "TP": Fraction("0.3")}
DECIMALS = {"COD": 1, "NH3N": 2, "TP": 3}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def demo_db(loaded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data with the two example schemes run and settled (conftest's `loaded_db`)."""
    path = tmp_path_factory.mktemp("periods") / "demo.duckdb"
    shutil.copyfile(loaded_db, path)
    con = open_store(path)
    run_and_settle_examples(con, as_of=None)
    con.close()
    return path


def test_examples_run_and_settle_final(demo_db: Path) -> None:
    con = open_store(demo_db)
    settled = con.execute(
        "SELECT scheme, list(year ORDER BY year), bool_and(final) FROM settlements"
        " GROUP BY scheme ORDER BY scheme").fetchall()
    # the agreement year from June 2024 is still running at 2024-12: run to date, not settled
    assert settled == [("daoguan_agreement_year", [2020, 2021, 2022, 2023], True),
                       ("tongshun_quarter", [2022, 2023, 2024], True)]
    running = read_accounts(con, "daoguan_agreement_year", period="2024-12").json_lines()
    assert [(x["period"], x["provisional"]) for x in running] == [("2024-06~2025-05", True)]
    con.close()


def _quarter_class(section: str, year: int, months: range) -> int:
    """The worst class (Ⅳ or worse only) of COD, NH3N, TP over the quarter's samples, by hand."""
    rows = [r for r in _rows(DATA / "monitoring" / f"{year}.csv")
            if r["section"] == section and int(r["sampled_at"][5:7]) in months
            and r["indicator"] in LIMIT_IV]
    worst = 3
    for code, limit in LIMIT_IV.items():
        values = [Fraction(r["value"]) for r in rows if r["indicator"] == code]
        mean = sum(values) / len(values)
        shown = Decimal(mean.numerator) / Decimal(mean.denominator)
        rounded = Fraction(shown.quantize(Decimal(1).scaleb(-DECIMALS[code]),
                                          rounding=ROUND_HALF_EVEN))
        worst = max(worst, 3 if rounded <= limit else 5)
    return worst


def test_a_quarter_line_by_hand(demo_db: Path) -> None:
    con = open_store(demo_db)
    lines = read_accounts(con, "tongshun_quarter", year=2024).json_lines()
    con.close()
    for line in lines:
        start = int(line["period"][5:7])
        klass = _quarter_class(line["section"], 2024, range(start, start + 3))
        direction = ("wuhan_jkq", "xiantao") if klass <= 4 else ("xiantao", "wuhan_jkq")
        assert (line["payer"], line["payee"], line["amount"]) == (*direction, "250000.00")
    assert len(lines) == 12  # 3 sections × 4 quarters


def test_correction_rerun_diff_and_one_total_everywhere(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(demo_db, db)
    rows = _rows(DATA / "monitoring" / "2024.csv")
    day = next(r["sampled_at"] for r in rows if r["section"] == "ts_inflow_1"
               and r["sampled_at"].startswith("2024-11"))
    fix = tmp_path / "2024-11_correction.csv"
    fix.write_text("section,sampled_at,indicator,value,unit,flag\n"
                   f"ts_inflow_1,{day},COD,99.0,mg/L,\n", encoding="utf-8")
    con = open_store(db)
    before = con.execute("SELECT max(run_id) FROM runs WHERE scheme = 'tongshun_quarter'"
                         " AND period_label = '2024'").fetchall()[0][0]
    con.close()
    _cli(db, "load", "samples", str(fix))
    out = _cli(db, "run", "--scheme", "tongshun_quarter", "--year", "2024", "--rules",
               str(EXAMPLES))
    after = int(out.split("#")[1].split("：")[0])
    diff = Store(db).diff(before, after).data
    [line] = diff["lines"]
    assert (line["period"], line["section"]) == ("2024-10~2024-12", "ts_inflow_1")
    [value] = [v for v in line["values"] if v["indicator"] == "COD"]
    assert value["period"] == "2024-10~2024-12" and value["class_after"] == 6
    assert value["source"].endswith("2024-11_correction.csv")
    # (99.0 + the October and December samples) / 3, rounded to 1 decimal
    others = [Fraction(r["value"]) for r in rows if r["section"] == "ts_inflow_1"
              and r["indicator"] == "COD" and r["sampled_at"][5:7] in ("10", "12")]
    mean = (Fraction(99) + sum(others)) / 3
    expected = (Decimal(mean.numerator) / Decimal(mean.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    assert Decimal(value["after"]) == expected

    # bulletin (本年累计), workbooks, accounts and settle: one total per party for the scheme
    con = open_store(db)
    accounts = party_nets(read_accounts(con, "tongshun_quarter", year=2024).lines)
    settled = compute_settlement(con, "tongshun_quarter", 2024).party_net
    bulletin = {p.party_id: p.year_to_date for p in build_bulletin(
        con, date(2024, 12, 1), ["tongshun_quarter"]).parties}
    books = {b.party_id: sum((x.signed for x in b.lines
                              if x.view.line.scheme == "tongshun_quarter"), Decimal("0.00"))
             for b in build_district_books(con, 2024)}
    con.close()
    # 12 section-quarters rewarded before; one now pays: (11 − 1) × 25万 = 250万
    assert accounts["xiantao"] == Decimal("2500000.00")
    for party in ("xiantao", "wuhan_jkq"):
        assert settled[party] == accounts[party] == books[party]
        assert bulletin[party] == accounts[party]
