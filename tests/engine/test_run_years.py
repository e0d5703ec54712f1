"""`run --years A-B`: one run over several years, read by accounts year by year like any run."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import engine_toy as toy
import pytest

from compensation.engine.periods import window_for
from compensation.engine.run import run_scheme
from compensation.errors import EcocompError
from compensation.store import transaction


def test_one_run_covers_every_month_of_the_years(con, tmp_path: Path) -> None:
    toy.set_value(con, "s1", date(2018, 1, 1), "9")    # treasury → jiangan 50万
    toy.set_value(con, "s2", date(2019, 12, 1), "11")  # hanyang → treasury 100万
    toy.set_value(con, "s3", date(2020, 1, 1), "9")    # after the window: no line
    info = toy.scheme(tmp_path)
    with transaction(con):
        result = run_scheme(con, info, None, None, datetime(2030, 1, 1), toy.prepare,
                            years="2018-2019")
    assert (result.run_id, result.label, result.line_count) == (1, "2018-2019", 2)
    assert (result.window_start, result.window_end) == (date(2018, 1, 1), date(2019, 12, 1))
    assert result.total_yuan == Decimal("1500000.00")
    assert "方案 toy 2018-2019（2018-01～2019-12）" in result.message
    assert con.execute("SELECT period_label, window_start, window_end FROM runs").fetchall() == [
        ("2018-2019", date(2018, 1, 1), date(2019, 12, 1))]


def test_accounts_of_one_year_read_the_many_year_run(store, tmp_path: Path) -> None:
    toy.set_value(store, "s1", date(2018, 1, 1), "9")
    toy.set_value(store, "s2", date(2019, 12, 1), "11")
    with store.writing() as con, transaction(con):
        run_scheme(con, toy.scheme(tmp_path), None, None, datetime(2030, 1, 1), toy.prepare,
                   years="2018-2019")
    lines = store.read_accounts("toy", year=2019).json_lines()
    assert [(x["run"], x["period"], x["payer"], x["amount"]) for x in lines] == [
        (1, "2019-12", "hanyang", "1000000.00")]


def test_years_with_year_or_backwards_is_one_sentence() -> None:
    with pytest.raises(EcocompError) as both:
        window_for("month", None, year="2018", years="2018-2019")
    assert str(both.value) == ("请给出 --period、--year 或 --years 中的一个（不能同时给出）。"
                               "(give one of --period, --year, --years)")
    with pytest.raises(EcocompError) as backwards:
        window_for("month", None, years="2019-2018")
    assert str(backwards.value) == "--years“2019-2018”：结束年 2018 早于开始年 2019。(bad years)"


def test_an_agreement_year_scheme_runs_from_its_first_month() -> None:
    # year begins in June: 2022-2023 is 2022-06 .. 2024-05
    window = window_for("year", date(2022, 6, 1), years="2022-2023", begins=6)
    assert (window.label, window.start, window.end) == (
        "2022-2023", date(2022, 6, 1), date(2024, 5, 1))
