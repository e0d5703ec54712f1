"""Scheme-level rules read section measures through a loop over the sections (issue #18 item 8),
worked by hand on basin_sections.rule (yearly values: one sample a year, so the value is it).

Class Ⅲ limits (river, mg/L): COD 20, NH3-N 1.0, TP 0.2; Ⅱ: COD 15, NH3-N 0.5, TP 0.1.
CPI = (C_COD/20 + C_NH3N/1.0 + C_TP/0.2) / 3, each quotient and the mean to 12 decimals half-up.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from helpers import RULES, add_sample, add_section, new_store, run_rules

EXAMPLE = RULES / "examples" / "basin_sections.rule"
SCHEME = "basin_sections_example"


def _year(con, sid: str, year: int, values: dict[str, str]) -> None:
    for ind, v in values.items():
        add_sample(con, sid, date(year, 6, 10), ind, v)


def _rows(tmp_path: Path) -> dict[tuple[str, int], dict]:
    con = new_store(tmp_path)
    add_section(con, "ctl", SCHEME, role="control")  # a control: not one of the sections
    for sid in ("a", "b", "c"):
        add_section(con, sid, SCHEME, party="basin_city", control="ctl")
    _year(con, "ctl", 2020, {"COD": "40", "NH3N": "2.0", "TP": "0.4"})
    _year(con, "a", 2020, {"COD": "10", "NH3N": "0.50", "TP": "0.10"})
    _year(con, "b", 2020, {"COD": "20", "NH3N": "1.00", "TP": "0.20"})
    _year(con, "c", 2020, {"COD": "16", "NH3N": "0.80", "TP": "0.12"})
    _year(con, "a", 2021, {"COD": "30", "NH3N": "1.50", "TP": "0.30"})
    _year(con, "c", 2021, {"COD": "16", "NH3N": "0.80"})  # 2021: b has nothing, c lacks TP
    rows = run_rules(con, EXAMPLE, date(2020, 1, 1), date(2021, 12, 1))
    return {(r["rule"], r["period_start"].year): r for r in rows}


def test_aggregates_over_the_assessed_sections(tmp_path: Path) -> None:
    rows = _rows(tmp_path)
    # 2020 CPIs: a (0.5 + 0.5 + 0.5)/3 = 0.5; b (1 + 1 + 1)/3 = 1; c (0.8 + 0.8 + 0.6)/3
    # = 0.733333333333 (12 decimals). The control (CPI 2) is not an assessed section.
    # mean = (0.5 + 1 + 0.733333333333)/3 = 2.233333333333/3 = 0.744444444444 ≤ 0.8 → 100万
    mean = rows[("basin_mean", 2020)]
    assert (mean["amount"], mean["payer"], mean["payee"]) == (
        D("1000000.00"), "province_treasury", "basin_city")
    assert mean["branch"] == "(.., target_cpi]"
    assert D(json.loads(mean["trace"])["lets"]["basin_cpi"]) == D("0.744444444444")
    # classes: a max(Ⅰ, Ⅱ, Ⅱ) = Ⅱ, b Ⅲ, c Ⅲ (16 ≤ 20, 0.80 ≤ 1.0, 0.12 ≤ 0.2): 3 × 10万
    assert rows[("sections_met", 2020)]["amount"] == D("300000.00")
    # worst CPI max(0.5, 1, 0.733…) = 1: (.., 1] → 0
    worst = rows[("worst_section", 2020)]
    assert (worst["amount"], worst["reason"]) == (D("0.00"), "不劣于Ⅲ类")


def test_a_missing_section_makes_the_aggregate_missing_and_is_named(tmp_path: Path) -> None:
    rows = _rows(tmp_path)
    # 2021: b has no data (CPI unknown), c lacks TP (CPI unknown): the mean is unknown
    mean = rows[("basin_mean", 2021)]
    assert (mean["amount"], mean["reason"]) == (
        D("0.00"), "断面 b、c 数据缺失（mean(cpi for s in sections)）")
    # b's worst class is unknown, so is its test: not silently left out of the count (c's worst
    # class is read from the indicators it has, COD and NH3-N)
    met = rows[("sections_met", 2021)]
    assert (met["amount"], met["reason"]) == (D("0.00"), (
        "断面 b 数据缺失（count(s for s in sections where worst_class(inds) no worse than "
        "III)）"))
    # the rule that says so leaves out the sections with missing data: a alone, CPI
    # (30/20 + 1.5/1 + 0.3/0.2)/3 = 1.5 > 1 → basin_city pays 50万
    worst = rows[("worst_section", 2021)]
    assert (worst["amount"], worst["payer"], worst["payee"], worst["reason"]) == (
        D("500000.00"), "basin_city", "province_treasury", None)


def test_the_trace_lists_each_sections_term(tmp_path: Path) -> None:
    """The line's trace names every section of the loop with its CPI (those a `where` leaves out
    are not there); it reads into the trace type and writes back unchanged."""
    from compensation.lang.trace import Trace

    rows = _rows(tmp_path)
    data = json.loads(rows[("basin_mean", 2020)]["trace"])
    assert [(t["section"], D(t["value"])) for t in data["sections"][0]["terms"]] == [
        ("a", D("0.5")), ("b", D("1")), ("c", D("0.733333333333"))]
    assert data["sections"][0]["loop"] == "mean(cpi for s in sections)"
    worst = json.loads(rows[("worst_section", 2021)]["trace"])["sections"][0]
    assert [(t["section"], D(t["value"])) for t in worst["terms"]] == [("a", D("1.5"))]
    trace = Trace.from_json(data)
    assert trace is not None and list(trace.to_json().items()) == list(data.items())


def test_explain_shows_the_sections_and_their_values(tmp_path: Path) -> None:
    """`ecocomp explain` of the 2020 basin line (a real run through the CLI) lists each section's
    CPI and, from the trace's sections, their yearly values."""
    from click.testing import CliRunner

    from compensation.cli import cli
    from compensation.store import open_store

    db, rules = tmp_path / "t.duckdb", tmp_path / "rules"
    rules.mkdir()
    (rules / f"{SCHEME}.rule").write_text(EXAMPLE.read_text("utf-8"), encoding="utf-8")
    con = open_store(db)
    con.execute("INSERT INTO parties (party_id, name, kind) VALUES ('province_treasury', "
                "'省财政', 'treasury'), ('basin_city', '流域市', 'city')")
    con.execute("INSERT INTO batches VALUES (1, 'samples', 'test.csv', 'x', 0, "
                "TIMESTAMP '2000-01-01', NULL, NULL)")
    for sid in ("a", "b"):
        add_section(con, sid, SCHEME, party="basin_city")
    _year(con, "a", 2020, {"COD": "10", "NH3N": "0.50", "TP": "0.10"})
    _year(con, "b", 2020, {"COD": "20", "NH3N": "1.00", "TP": "0.20"})
    con.close()

    def ecocomp(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
        return result.output

    ecocomp("run", "--scheme", SCHEME, "--rules", str(rules), "--year", "2020",
            "--as-of", "2021-01-01")
    con = open_store(db)
    line = con.execute("SELECT line_id FROM ledger WHERE rule = 'basin_mean'").fetchone()[0]
    con.close()
    text = ecocomp("explain", str(line))
    # mean(0.5, 1) = 0.75 ≤ 0.8: 100万
    assert "100.00 万元（1000000.00 元）" in text
    assert '  sections[0].terms[0].section = "a"' in text
    assert '  sections[0].terms[1].value = "1.000000000000"' in text
    assert "  a 2020-01-01 COD = 10" in text and "  b 2020-01-01 TP = 0.20" in text
