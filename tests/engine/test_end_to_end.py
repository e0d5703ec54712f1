"""The engine on the demo data through the Python API (`Store`), with the shipped rule files; where
the command line prints a document, it is checked to be the API's, and two tests run real processes.

Expected amounts are worked out here from the CSV files and the published rule (楚天都市报
2018-01-03), independently of the project's quality and rule code.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from compensation.api import Store
from compensation.cli import cli
from compensation.engine.batch import run_and_settle_all

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
RULES = REPO / "rules"
S_III = {"COD": Fraction(20), "CODMn": Fraction(6), "NH3N": Fraction(1), "TP": Fraction("0.2")}
WAN = Decimal(10000)
SIX_REWARDED = {"武汉关码头", "窑头", "喻家塆", "杨泗村", "武金堤渡口", "东兴洲村"}
FIVE_PENALISED = {"老关村", "王家巷码头", "滠水入长江口", "东港村", "牛家村"}  # 老关村 = 老官村


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


SECTIONS = {row["section_id"]: row for row in _csv_rows(DATA / "registry" / "sections.csv")}


def _cpi(year: int, month: str, section: str) -> Fraction:
    """CPI = mean of C_i / S_III over COD, CODMn, NH3-N, TP (one sample per section-month)."""
    rows = _csv_rows(DATA / "monitoring" / f"{year}.csv")
    values = {
        r["indicator"]: Fraction(r["value"]) for r in rows
        if r["section"] == section and r["sampled_at"].startswith(month) and r["indicator"] in S_III
    }
    return sum(values[i] / S_III[i] for i in S_III) / 4


def _band(r: Fraction) -> tuple[str, int]:
    """(direction, 万元): −10% ≤ r ≤ 0 → +50; r < −10% → +100; 0 < r ≤ 10% → −100; else −200."""
    tenth = Fraction(1, 10)
    if r < -tenth:
        return "reward", 100
    if r <= 0:
        return "reward", 50
    return ("penalty", 100) if r <= tenth else ("penalty", 200)


def _invoke(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _run(db: Path, *args: str) -> str:
    return _invoke(db, "run", "--rules", str(RULES), *args)


@pytest.fixture
def db(loaded_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copyfile(loaded_db, path)
    return path


def test_yangtze_january_2018_through_real_processes(db: Path) -> None:
    run = subprocess.run(
        ["ecocomp", "--db", str(db), "run", "--scheme", "yangtze_han", "--period", "2018-01",
         "--rules", str(RULES)], capture_output=True, text=True, check=True)
    assert run.stdout.startswith("运行 #1：方案 yangtze_han 2018-01")
    out = subprocess.run(
        ["ecocomp", "--db", str(db), "accounts", "--scheme", "yangtze_han", "--period", "2018-01",
         "--json"], capture_output=True, text=True, check=True)
    lines = [ln for ln in json.loads(out.stdout)
             if ln["rule"] == "cpi_band" and SECTIONS[ln["section"]]["river"] == "长江"]
    assert len(lines) == 11
    rewarded = {ln["section_name"] for ln in lines if ln["payer"] == "city_treasury"}
    penalised = {ln["section_name"] for ln in lines if ln["payee"] == "city_treasury"}
    assert rewarded == SIX_REWARDED and penalised == FIVE_PENALISED
    for ln in lines:
        section = SECTIONS[ln["section"]]
        control = section["control_id"]
        r = (_cpi(2018, "2018-01", ln["section"]) - _cpi(2018, "2018-01", control)) / _cpi(
            2018, "2018-01", control)
        direction, wan = _band(r)
        district = section["party_id"]
        payer, payee = (
            ("city_treasury", district) if direction == "reward" else (district, "city_treasury"))
        assert (ln["payer"], ln["payee"], ln["amount"]) == (payer, payee, f"{wan * WAN:.2f}")
    amounts = {ln["section_name"]: Decimal(ln["amount"]) / WAN for ln in lines}
    assert {amounts[s] for s in SIX_REWARDED} == {50, 100}  # "50万元、100万元不等"
    assert {amounts[s] for s in FIVE_PENALISED} == {100, 200}  # "100万、200万元不等"


def test_tongshun_2022_settles_to_300_wan(db: Path) -> None:
    store = Store(db)
    [result] = store.run("tongshun", year=2022, rules_dir=RULES)
    assert "方案 tongshun 2022（2022-06～2022-12），写入台账 21 行，金额合计 300.00 万元" in (
        result.message)
    data = store.settle("tongshun", 2022).as_json()
    # the command prints the same document
    assert json.loads(_invoke(db, "settle", "--scheme", "tongshun", "--year", "2022",
                              "--json")) == data
    assert data["months"] == "2022-06~2022-12"
    assert data["transfers"] == [{"payer": "wuhan_jkq", "payer_name": "武汉经济技术开发区管委会",
                                  "payee": "xiantao", "payee_name": "仙桃市",
                                  "amount": "3000000.00"}]
    lines = store.read_accounts("tongshun", year=2022).json_lines()
    assert json.loads(_invoke(db, "accounts", "--scheme", "tongshun", "--year", "2022",
                              "--json")) == lines
    amounts = store.accounts("tongshun", year=2022)["amount"]
    assert amounts.dtype == pl.Decimal(18, 2) and amounts.sum() == Decimal("3000000.00")
    # 300万 over 3 sections × 7 months by largest remainder: 142857.14 or .15, adding up exactly
    assert sorted({ln["amount"] for ln in lines}) == ["142857.14", "142857.15"]
    assert sum(Decimal(ln["amount"]) for ln in lines) == Decimal("3000000.00")


def test_every_year_run_and_settled_daoguan_pays_100_wan_each_year(db: Path) -> None:
    store = Store(db)
    with store.writing() as con:  # what the demo does: every scheme, every year, settled final
        runs, settlements = run_and_settle_all(con, rules_dir=RULES)
    finals = store.settlements().unique(["scheme", "year"]).sort("year", "scheme")
    august = store.read_accounts("tongshun", period="2023-08").json_lines()
    by_key = {(s.scheme, s.year): s for s in settlements}
    for year in range(2020, 2025):
        assert by_key[("daoguan", year)].transfers == [
            ("xinzhou", "tuanfeng", Decimal("1000000.00"))], year
    assert by_key[("tongshun", 2022)].transfers == [
        ("wuhan_jkq", "xiantao", Decimal("3000000.00"))]
    assert ("tongshun", 2021) not in by_key  # before the agreement
    # data/README.md: 通顺河入境断面3 has no flow in 2023-08 → a zero line that says why
    dry = [ln for ln in august if ln["section"] == "ts_inflow_3"]
    assert [(ln["amount"], ln["reason"]) for ln in dry] == [("0.00", "断流")]
    # 7 years of yangtze_han, 5 of daoguan, 3 of tongshun, each one run and one final settlement
    assert len([r for r in runs if r.run_id]) == finals.height == 15
    assert finals["final"].all()
    for s in settlements:  # the transfers carry exactly each party's net of its lines
        nets: dict[str, Decimal] = {}
        for payer, payee, amount in s.transfers:
            nets[payer] = nets.get(payer, Decimal(0)) - amount
            nets[payee] = nets.get(payee, Decimal(0)) + amount
        assert {k: v for k, v in nets.items() if v} == {k: v for k, v in s.party_net.items() if v}


def test_rerun_says_identical(db: Path) -> None:
    store = Store(db)
    first = "\n".join(r.message for r in store.run("all", period="2022-07", rules_dir=RULES))
    second = _run(db, "--scheme", "all", "--period", "2022-07")  # the command prints the same
    assert first.count("运行 #") == 3
    # a third time: each run names the latest identical one, the command's runs #4–#6
    assert [r.same_as_run for r in store.run("all", period="2022-07", rules_dir=RULES)] == [
        4, 5, 6]
    assert second.splitlines()[0].endswith("与运行 #1 的输入和结果完全相同。")
    assert second.splitlines()[1].endswith("与运行 #2 的输入和结果完全相同。")
    assert second.splitlines()[2].endswith("与运行 #3 的输入和结果完全相同。")


def test_explain_a_yangtze_line(db: Path) -> None:
    store = Store(db)
    store.run("yangtze_han", period="2018-01", rules_dir=RULES)
    lines = store.read_accounts("yangtze_han", period="2018-01").json_lines()
    line = next(ln for ln in lines
                if ln["section_name"] == "滠水入长江口" and ln["rule"] == "cpi_band")
    explanation = store.explain(line["line"])
    info = explanation.data
    assert json.loads(_invoke(db, "explain", str(line["line"]), "--json")) == info
    assert info["rule"]["file"].endswith("yangtze_han.rule") and info["rule"]["line"] > 0
    assert "武政办〔2017〕127号" in info["rule"]["basis"]
    band = next(p for p in info["parameters"] if p["name"] == "band")
    assert (band["value"].split()[0], band["from"]) == ("10%", "2018-01-01")
    assert band["basis"]
    control = SECTIONS["cj_sheshui"]["control_id"]
    assert info["control"] == control
    cpi = _cpi(2018, "2018-01", "cj_sheshui")
    assert abs(Fraction(info["trace"]["measures"]["cpi"]) - cpi) < Fraction(1, 10**11)
    cod = [s for s in info["samples"]
           if s["section_id"] == "cj_sheshui" and s["indicator"] == "COD"]
    assert len(cod) == 1 and cod[0]["file_name"].endswith("2018.csv") and cod[0]["row_no"] > 0
    assert Decimal(cod[0]["value"]) == Decimal("16.8")
    samples = explanation.samples.filter((pl.col("section_id") == "cj_sheshui")
                                         & (pl.col("indicator") == "COD"))
    assert samples["value"].to_list() == [Decimal("16.8")]
    csv_text = _invoke(db, "accounts", "--scheme", "yangtze_han", "--period", "2018-01", "--csv",
                       "--by", "party").splitlines()
    assert csv_text[0] == "\ufeffparty,party_name,received,paid,net"  # UTF-8 BOM for Excel
    assert "jiangan,江岸区,0.00,2000000.00,-2000000.00" in csv_text  # 滠水入长江口: r > 10%
    text = _invoke(db, "explain", str(line["line"]))
    assert f"台账第 {line['line']} 行：江岸区 → 市财政" in text and "yangtze_han.rule:" in text


def test_correction_diff_and_frozen_settlement(db: Path) -> None:
    store = Store(db)
    store.run("yangtze_han", year=2024, rules_dir=RULES)
    final = store.settle("yangtze_han", 2024, final=True).as_json()
    assert final["final"] is True and final["settlement_id"] == 1
    store.load_samples(DATA / "corrections" / "2024-03_correction.csv")
    [rerun] = store.run("yangtze_han", period="2024-03", rules_dir=RULES)
    assert rerun.message.startswith("运行 #2：")
    # independently: 牛家村 March 2024 before and after the correction, against 东港村
    control = _cpi(2024, "2024-03", SECTIONS["cj_niujia"]["control_id"])
    after = sum(
        Fraction(v) / S_III[i]
        for i, v in {"COD": "11.4", "CODMn": "2.6", "NH3N": "0.200", "TP": "0.076"}.items()) / 4
    before_band = _band((_cpi(2024, "2024-03", "cj_niujia") - control) / control)
    after_band = _band((after - control) / control)
    assert (before_band, after_band) == (("penalty", 200), ("reward", 50))
    diff = store.diff(1, 2).data
    assert json.loads(_invoke(db, "diff", "1", "2", "--json")) == json.loads(
        json.dumps(diff, default=str))  # the command prints the same document
    donghu = [p for p in diff["parties"] if p["party"] == "donghu"]
    assert donghu == [{"party": "donghu", "party_name": "东湖新技术开发区", "period": "2024-03",
                       "before": "-2000000.00", "after": "500000.00", "change": "2500000.00"}]
    changed = [ln for ln in diff["lines"]
               if ln["section"] == "cj_niujia" and ln["rule"] == "cpi_band"]
    values = {(v["indicator"], v["before"], v["after"]) for v in changed[0]["values"]}
    assert values == {("COD", "14.800000", "11.400000"), ("NH3N", "0.410000", "0.200000"),
                      ("TP", "0.125000", "0.076000")}
    assert all("2024-03_correction.csv" in v["source"] for v in changed[0]["values"])
    later = store.settle("yangtze_han", 2024).as_json()
    assert later["transfers"] == final["transfers"]  # frozen
    assert later["carry_forward"] == [{"payer": "city_treasury", "payer_name": "市财政",
                                       "payee": "donghu", "payee_name": "东湖新技术开发区",
                                       "amount": "2500000.00"}]


def test_user_errors_are_sentences_without_traceback(db: Path) -> None:
    def fail(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["ecocomp", "--db", str(db), *args], capture_output=True, text=True)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        return done
    nosuch = fail("run", "--scheme", "nosuch", "--period", "2018-01", "--rules", str(RULES))
    assert nosuch.stderr.startswith(
        f"错误：没有方案“nosuch”：规则目录 {RULES} 中没有 nosuch.rule，"
        "请检查 --rules 或 ECOCOMP_RULES；"
    )
    missing = fail("explain", "99999")
    assert missing.stderr.startswith("错误：台账中没有第 99999 行（现有行号 1～0）")
    both = fail("accounts", "--scheme", "tongshun", "--period", "2022-06", "--year", "2022")
    assert "请给出 --period YYYY-MM 或 --year YYYY 之一" in both.stderr
    nodb = subprocess.run(
        ["ecocomp", "--db", str(db.with_name("absent.duckdb")), "accounts", "--scheme", "x",
         "--period", "2018-01"], capture_output=True, text=True)
    assert nodb.returncode == 1
    assert nodb.stderr.startswith(f"错误：数据库 {db.with_name('absent.duckdb')} 不存在；")
    settle = fail("settle", "--scheme", "tongshun", "--year", "2022")
    assert settle.stderr.startswith("错误：方案 tongshun 还没有任何运行记录；")
