"""An agreement year from June through the command line (issue #22, part 2): provisional, final,
and a correction after the final settlement; accounts, settle and the bulletin's read layer agree.

Worked by hand: one NH3N sample a month at 0.40 mg/L → the mean 0.40 is class Ⅱ or better, the
downstream city pays 100.00 元. The correction sets March 2021 to 9.00: (11 × 0.40 + 9.00) / 12
= 13.40 / 12 = 1.11666… → 1.12 → worse than Ⅱ, the upstream city pays 100.00 元.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import duckdb
from click.testing import CliRunner

from compensation.cli import cli
from compensation.engine.accounts import read_accounts
from compensation.engine.explain import explain_line
from compensation.engine.settle import compute_settlement
from compensation.render.data import read_lines
from compensation.store import open_store

RULE = """
scheme ay "协议年考核（6月至次年5月）"
  basis "测试"
  period year
  settle year
  year begins month 6
  from 2020-06
  parties up_city <-> down_city

parameters
  reward = 100元 from 2020-06 basis "测试"

rule nh3n_year "协议年氨氮均值" basis "测试"
  for each assessed section, year
  down_city pays up_city
  amount = by value(NH3N):
    when (.., 0.5mg/L]  -> reward   "达到Ⅱ类"
    when (0.5mg/L, ..)  -> -reward  "劣于Ⅱ类"
"""

MONTHS = [date(2020, m, 10) for m in range(6, 13)] + [date(2021, m, 10) for m in range(1, 6)]


def _store(db: Path, scheme: str = "ay", months: list[date] = MONTHS) -> None:
    con = open_store(db)
    con.execute("INSERT INTO parties (party_id, name, kind) VALUES ('up_city', '上游市', 'city'),"
                " ('down_city', '下游市', 'city')")
    con.execute(
        "INSERT INTO sections (section_id, name, river, water_body, role, party_id, schemes,"
        " valid_from) VALUES ('s1', '界河断面', '界河', 'river', 'assessed', 'up_city', [?],"
        " DATE '2018-01-01')", [scheme]
    )
    _batch(con, 1, "2021.csv", datetime(2021, 7, 1), [(d, "0.40") for d in months])
    con.close()


def _batch(con, batch_id: int, name: str, loaded: datetime, rows: list[tuple[date, str]]) -> None:
    con.execute("INSERT INTO batches VALUES (?, 'samples', ?, 'x', ?, ?, NULL, NULL)",
                [batch_id, name, len(rows), loaded])
    for i, (day, value) in enumerate(rows):
        con.execute(
            "INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value,"
            " below_dl, detection_limit, flag, source) VALUES (?, ?, 's1', ?, 'NH3N', ?, false,"
            " NULL, NULL, 'manual')",
            [batch_id, i + 1, datetime(day.year, day.month, day.day, 10), D(value)],
        )


def _cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _accounts(db: Path, *args: str) -> list[dict]:
    return json.loads(_cli(db, "accounts", "--scheme", "ay", *args, "--json"))


def test_provisional_final_and_a_correction_after_the_final(tmp_path: Path) -> None:
    db, rules = tmp_path / "t.duckdb", tmp_path / "rules"
    rules.mkdir()
    (rules / "ay.rule").write_text(RULE, encoding="utf-8")
    _store(db)
    run = ["run", "--scheme", "ay", "--rules", str(rules)]

    # provisional: June–December 2020 to date; it stores the agreement year's line
    out = _cli(db, *run, "--period", "2020-12", "--as-of", "2021-07-15")
    assert "2020-06～2021-05，数据截至 2020-12" in out
    [line] = _accounts(db, "--period", "2020-12")
    assert (line["period"], line["payer"], line["amount"], line["provisional"]) == (
        "2020-06~2021-05", "down_city", "100.00", True)

    # final: `run --period 2021-05` covers the whole agreement year; accounts of that month see it
    out = _cli(db, *run, "--period", "2021-05", "--as-of", "2021-07-15")
    assert "2020-06～2021-05" in out
    [line] = _accounts(db, "--period", "2021-05")
    assert (line["run"], line["provisional"]) == (2, False)
    # `--year 2020` is the agreement year that begins in 2020: the final run, not the provisional
    [line] = _accounts(db, "--year", "2020")
    assert (line["run"], line["period"], line["provisional"]) == (2, "2020-06~2021-05", False)
    assert "2020 协议年（2020-06～2021-05）" in _cli(db, "accounts", "--scheme", "ay", "--year",
                                                      "2020")
    # the agreement year beginning in 2021 has no lines yet
    result = CliRunner().invoke(cli, ["--db", str(db), "accounts", "--scheme", "ay", "--year",
                                      "2021"])
    assert result.exit_code != 0 and "没有可用的核算结果" in str(result.exception)
    settled = json.loads(_cli(db, "settle", "--scheme", "ay", "--year", "2020", "--final",
                              "--json"))
    assert settled["months"] == "2020-06~2021-05" and settled["runs"] == [2]
    assert settled["transfers"][0]["payer"] == "down_city"
    assert settled["transfers"][0]["amount"] == "100.00"

    # a correction after the final settlement, and a re-run with `--year 2020`
    con = duckdb.connect(str(db))
    _batch(con, 2, "2021-03_correction.csv", datetime(2021, 8, 1), [(date(2021, 3, 10), "9.00")])
    con.close()
    out = _cli(db, *run, "--year", "2020", "--as-of", "2021-08-15")
    assert "2020协议年（2020-06～2021-05）" in out
    [line] = _accounts(db, "--year", "2020")
    assert (line["run"], line["payer"], line["payee"], line["amount"]) == (
        3, "up_city", "down_city", "100.00")
    again = json.loads(_cli(db, "settle", "--scheme", "ay", "--year", "2020", "--json"))
    assert again["frozen_settlement_id"] == settled["settlement_id"]
    assert again["transfers"] == settled["transfers"]  # the final list stands
    # recomputed up → down 100.00; against the frozen down → up 100.00: 200.00 carried forward
    assert [(t["payer"], t["payee"], t["amount"]) for t in again["carry_forward"]] == [
        ("up_city", "down_city", "200.00")]

    # diff names the changed value of the agreement year: the section, NH3N 0.40 → 1.12, the file
    diff = json.loads(_cli(db, "diff", "2", "3", "--json"))
    [changed] = diff["lines"]
    assert changed["period"] == "2020-06~2021-05"
    assert changed["values"] == [{
        "section": "s1", "period": "2020-06~2021-05", "indicator": "NH3N",
        "before": "0.400000", "after": "1.120000", "class_before": 2, "class_after": 4,
        "source": "2 2021-03_correction.csv"}]
    assert ("s1 2020-06~2021-05 NH3N：0.400000 → 1.120000（类别 2 → 4；"
            "来源 2 2021-03_correction.csv）") in _cli(db, "diff", "2", "3")
    # against the provisional run, the value before is the June–December one (to date)
    early = json.loads(_cli(db, "diff", "1", "3", "--json"))
    assert [(v["before"], v["after"]) for v in early["lines"][0]["values"]] == [
        ("0.400000", "1.120000")]

    # one choice of runs: accounts, settle and the bulletin/workbook read layer give one total
    con = open_store(db)
    accounts = read_accounts(con, "ay", year=2020)
    settlement = compute_settlement(con, "ay", 2020)
    bulletin = read_lines(con, date(2021, 5, 1), date(2021, 5, 1))[date(2021, 5, 1)]
    con.close()
    net = {ln["payer"]: -ln["amount"] for ln in accounts.lines}
    assert net == {"up_city": D("-100.00")}
    assert settlement.party_net["up_city"] == D("-100.00")
    assert [(x.run_id, x.payer, x.amount) for x in bulletin] == [(3, "up_city", D("100.00"))]


QUARTER = RULE.replace("scheme ay", "scheme q").replace("period year", "period quarter").replace(
    "  year begins month 6\n", "").replace("for each assessed section, year",
                                          "for each assessed section, quarter")


def test_diff_names_the_changed_value_of_a_quarter(tmp_path: Path) -> None:
    db, rules = tmp_path / "t.duckdb", tmp_path / "rules"
    rules.mkdir()
    (rules / "q.rule").write_text(QUARTER, encoding="utf-8")
    _store(db, "q", [date(2020, m, 10) for m in range(6, 13)])
    run = ["run", "--scheme", "q", "--rules", str(rules), "--year", "2020"]
    _cli(db, *run, "--as-of", "2021-07-15")
    con = duckdb.connect(str(db))
    _batch(con, 2, "2020-08_correction.csv", datetime(2021, 8, 1), [(date(2020, 8, 10), "1.10")])
    con.close()
    _cli(db, *run, "--as-of", "2021-08-15")
    diff = json.loads(_cli(db, "diff", "1", "2", "--json"))
    # Q3 2020 (July–September): (0.40 + 1.10 + 0.40) / 3 = 0.633… → 0.63, worse than Ⅱ
    [changed] = diff["lines"]
    assert (changed["period"], changed["after"]) == (
        "2020-07~2020-09", "上游市→下游市 0.01万元〔(0.5mg/L, ..)〕")
    assert changed["values"] == [{
        "section": "s1", "period": "2020-07~2020-09", "indicator": "NH3N",
        "before": "0.400000", "after": "0.630000", "class_before": 2, "class_after": 3,
        "source": "2 2020-08_correction.csv"}]
    # explain shows the quarter's value as the run formed it (not a calendar-year value)
    con = open_store(db)
    line = con.execute(
        "SELECT line_id FROM ledger WHERE run_id = 2 AND period_start = DATE '2020-07-01'"
    ).fetchall()[0][0]
    shown = explain_line(con, line)
    con.close()
    assert [(v["period"], v["indicator"], v["value"], v["n_valid"], v["class"])
            for v in shown["period_values"]] == [("2020-07-01", "NH3N", "0.630000", 3, 3)]
