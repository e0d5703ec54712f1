"""`ecocomp run` prints the periods it stores (issue #18 item 8): a quarterly run of
`--period 2014-02` stores the quarter 2014-01~2014-03 (to date) and says so.

Worked by hand: NH3N 0.40 (January) and 0.60 (February) → (0.40 + 0.60) / 2 = 0.50, within
(.., 0.5 mg/L] → the downstream city pays 100.00 元 (provisional, data through February).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

from click.testing import CliRunner

from compensation.cli import cli
from compensation.store import open_store

RULE = """
scheme q14 "季度考核"
  basis "测试"
  period quarter
  settle year
  from 2014-01
  parties up_city <-> down_city

parameters
  reward = 100元 from 2014-01 basis "测试"

rule nh3n_quarter "季度氨氮均值" basis "测试"
  for each assessed section, quarter
  down_city pays up_city
  amount = by value(NH3N):
    when (.., 0.5mg/L]  -> reward   "达到Ⅱ类"
    when (0.5mg/L, ..)  -> -reward  "劣于Ⅱ类"
"""


def test_quarter_run_in_its_second_month_prints_the_stored_quarter(tmp_path: Path) -> None:
    db, rules = tmp_path / "t.duckdb", tmp_path / "rules"
    rules.mkdir()
    (rules / "q14.rule").write_text(RULE, encoding="utf-8")
    con = open_store(db)
    con.execute("INSERT INTO parties (party_id, name, kind) VALUES ('up_city', '上游市', 'city'),"
                " ('down_city', '下游市', 'city')")
    con.execute(
        "INSERT INTO sections (section_id, name, river, water_body, role, party_id, schemes,"
        " valid_from) VALUES ('s1', '界河断面', '界河', 'river', 'assessed', 'up_city', ['q14'],"
        " DATE '2010-01-01')"
    )
    con.execute("INSERT INTO batches VALUES (1, 'samples', 'x.csv', 'x', 2, ?, NULL, NULL)",
                [datetime(2014, 3, 5)])
    for row, (day, value) in enumerate([(date(2014, 1, 10), "0.40"), (date(2014, 2, 10), "0.60")]):
        con.execute(
            "INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value,"
            " below_dl, detection_limit, flag, source) VALUES (1, ?, 's1', ?, 'NH3N', ?, false,"
            " NULL, NULL, 'manual')",
            [row + 1, datetime(day.year, day.month, day.day, 10), D(value)],
        )
    con.close()
    result = CliRunner().invoke(cli, ["--db", str(db), "run", "--scheme", "q14", "--rules",
                                      str(rules), "--period", "2014-02", "--as-of", "2014-03-10"])
    assert result.exit_code == 0, result.output
    printed = "方案 q14 2014-02（2014-01～2014-03，数据截至 2014-02），写入台账 1 行，"
    assert printed in result.output
    con = open_store(db)
    stored = con.execute("SELECT period_start, period_end, payer, amount FROM ledger").fetchall()
    con.close()
    assert stored == [(date(2014, 1, 1), date(2014, 3, 31), "down_city", D("100.00"))]
