"""Accounts: the latest run of each window counts; year-to-date for year windows; JSON shape.
Read through the API (`Store.read_accounts`), as a notebook would."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import engine_toy as toy
import polars as pl
import pytest

from compensation.engine import accounts as acc_mod
from compensation.errors import EcocompError

JAN, FEB = date(2018, 1, 1), date(2018, 2, 1)


def test_json_lines_have_the_agreed_shape(store, tmp_path: Path) -> None:
    toy.set_value(store, "s1", JAN, "9.5")
    toy.set_value(store, "s2", JAN, "11")
    toy.run(store, toy.scheme(tmp_path), period="2018-01")
    acc = store.read_accounts("toy", period="2018-01")
    data = json.loads(acc_mod.render_json(acc, None))
    assert data[0] == {
        "line": 1, "run": 1, "scheme": "toy", "rule": "band", "period": "2018-01",
        "section": "s1", "section_name": "滠水入长江口", "payer": "city_treasury",
        "payer_name": "市财政", "payee": "jiangan", "payee_name": "江岸区",
        "amount": "500000.00", "amount_wan": "50.00", "branch": "[.., threshold]",
        "exception": None, "reason": None, "provisional": False,
    }
    assert (data[1]["payer"], data[1]["payee"], data[1]["amount"]) == (
        "hanyang", "city_treasury", "1000000.00")


def test_party_totals_are_received_minus_paid(store, tmp_path: Path) -> None:
    toy.set_value(store, "s1", JAN, "9.5")   # treasury → jiangan 50万
    toy.set_value(store, "s2", JAN, "11")    # hanyang → treasury 100万
    toy.set_value(store, "s3", JAN, "10")    # treasury → qingshan 50万 (10 is not above 10)
    toy.run(store, toy.scheme(tmp_path), period="2018-01")
    acc = store.read_accounts("toy", period="2018-01")
    totals = {r["party"]: r for r in acc.party_totals}
    assert totals["city_treasury"]["net"] == "0.00"  # receives 100万, pays 2 × 50万
    assert totals["city_treasury"]["paid"] == "1000000.00"
    assert totals["hanyang"]["net"] == "-1000000.00"
    assert totals["jiangan"]["net"] == totals["qingshan"]["net"] == "500000.00"
    frame = store.party_totals("toy", period="2018-01")  # the same as a polars frame
    assert frame.schema["net"] == pl.Decimal(18, 2) and frame.schema["party_name"] == pl.String
    assert dict(zip(frame["party"], frame["net"], strict=True)) == {
        "city_treasury": Decimal("0.00"), "hanyang": Decimal("-1000000.00"),
        "jiangan": Decimal("500000.00"), "qingshan": Decimal("500000.00")}


def test_latest_run_of_each_month_counts(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    toy.set_value(store, "s1", JAN, "1")
    toy.set_value(store, "s1", FEB, "1")
    toy.run(store, info, year=2018)                  # run 1: Jan and Feb rewards
    toy.add_batch(store, 1, datetime(2018, 3, 1))    # a correction arrives
    toy.set_value(store, "s1", FEB, "20")
    toy.run(store, info, period="2018-02")           # run 2: Feb becomes a penalty
    lines = store.read_accounts("toy", year=2018).lines
    assert [(ln["run"], ln["period_start"], ln["payer"], ln["amount"]) for ln in lines] == [
        (1, JAN, "city_treasury", Decimal("500000.00")),
        (2, FEB, "jiangan", Decimal("1000000.00")),
    ]
    toy.run(store, info, year=2018)                  # run 3 supersedes both months
    assert {ln["run"] for ln in store.read_accounts("toy", year=2018).lines} == {3}


def test_year_window_shows_the_year_to_date_run_of_the_month_asked(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path, kind="year", sql=toy.YEAR_SQL, scheme_id="yearly")
    toy.set_value(store, "s1", JAN, "1")
    toy.set_value(store, "s1", date(2018, 6, 1), "50")
    march = toy.run(store, info, period="2018-03")   # YTD Jan–Mar: max 1 → 100万
    toy.run(store, info, year=2018)                  # whole year: max 50 → 0
    assert (march.window_start, march.window_end) == (JAN, date(2018, 3, 1))
    ytd = store.read_accounts("yearly", period="2018-03").json_lines()
    assert [(x["run"], x["period"], x["amount"], x["provisional"]) for x in ytd] == [
        (1, "2018", "1000000.00", True)]
    year = store.read_accounts("yearly", year=2018).json_lines()
    assert [(x["run"], x["amount"], x["provisional"]) for x in year] == [(2, "0.00", False)]
    with pytest.raises(EcocompError) as err:
        store.read_accounts("yearly", period="2018-05")
    assert str(err.value) == (
        "方案 yearly 在 2018-05 没有可用的核算结果（已有运行：#2 2018）；"
        "请先执行 ecocomp run --scheme yearly --period 2018-05。(no ledger lines for 2018-05)"
    )


def test_unknown_scheme_and_bad_period_are_sentences(store) -> None:
    with pytest.raises(EcocompError) as err:
        store.read_accounts("nosuch", period="2018-01")
    # a typo is "no such scheme" with the known ones (rule files of ./rules), not "no runs"
    assert str(err.value).startswith("没有方案“nosuch”：规则目录 rules 中没有 nosuch.rule，")
    assert "已知的方案：daoguan、tongshun、" in str(err.value)
    with pytest.raises(EcocompError) as err:  # a real scheme not run yet
        store.read_accounts("tongshun", period="2018-01")
    assert str(err.value).startswith("方案 tongshun 还没有任何运行记录；请先执行 ecocomp run")
    with pytest.raises(EcocompError) as err:
        store.read_accounts("toy", period="2018-13")
    assert str(err.value).startswith("期间“2018-13”的格式不对：应为 年-月，例如 2018-01。")


def test_csv_and_by_section(store, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    toy.set_value(store, "s1", JAN, "1")   # treasury → jiangan 50万
    toy.set_value(store, "s1", FEB, "20")  # jiangan → treasury 100万
    toy.run(store, info, year=2018)
    acc = store.read_accounts("toy", year=2018)
    assert acc.section_totals == [{
        "section": "s1", "section_name": "滠水入长江口", "payer": "jiangan", "payer_name": "江岸区",
        "payee": "city_treasury", "payee_name": "市财政", "amount": "500000.00"}]
    csv_text = acc_mod.render_csv(acc, None).splitlines()
    assert csv_text[0].startswith("\ufeffline,run,scheme,rule,period,section,section_name,payer,")
    assert csv_text[2].startswith(
        "2,1,toy,band,2018-02,s1,滠水入长江口,jiangan,江岸区,city_treasury,")
