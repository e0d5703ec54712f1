"""Runs: lines written exactly, fingerprints recorded, reruns recognised, bad lines refused."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import engine_toy as toy
import pytest

import compensation
from compensation.engine.run import run_scheme
from compensation.errors import EcocompError
from compensation.store import transaction

JAN = date(2018, 1, 1)


def _lines(con: duckdb.DuckDBPyConnection, run_id: int) -> list[tuple]:
    return con.execute(
        """SELECT line_id, section_id, payer, payee, amount, branch, exception, reason
           FROM ledger WHERE run_id = ? ORDER BY line_id""",
        [run_id],
    ).fetchall()


def test_month_run_writes_one_line_per_section_with_exact_amounts(con, tmp_path: Path) -> None:
    toy.set_value(con, "s1", JAN, "9.5")  # <= 10: the treasury rewards jiangan 50万
    toy.set_value(con, "s2", JAN, None, "no_flow")  # 断流: a zero line with its reason
    toy.set_value(con, "s3", JAN, "10.000001")  # > 10: qingshan pays 100万
    toy.set_value(con, "ctl", JAN, "4")  # the control section is not assessed
    result = toy.run(con, toy.scheme(tmp_path), period="2018-01")
    assert result.run_id == 1 and result.line_count == 3
    assert result.total_yuan == Decimal("1500000.00")
    assert _lines(con, 1) == [
        (1, "s1", "city_treasury", "jiangan", Decimal("500000.00"), "[.., threshold]", None, None),
        (2, "s2", "city_treasury", "hanyang", Decimal("0.00"), None, "断流不考核", "断流"),
        (3, "s3", "qingshan", "city_treasury", Decimal("1000000.00"), "(threshold, ..)", None,
         None),
    ]
    assert "写入台账 3 行，金额合计 150.00 万元" in result.message


def test_run_records_fingerprints_and_versions(con, tmp_path: Path) -> None:
    toy.add_batch(con, 1, datetime(2018, 2, 1))
    toy.add_batch(con, 2, datetime(2018, 3, 1))
    toy.set_value(con, "s1", JAN, "1")
    info = toy.scheme(tmp_path)
    toy.run(con, info, period="2018-01", as_of=datetime(2018, 2, 15))
    row = con.execute(
        """SELECT rules_hash, data_hash, engine_version, duckdb_version, batch_ids, as_of,
                  window_start, window_end, period_label, same_as_run, line_count
           FROM runs WHERE run_id = 1"""
    ).fetchall()[0]
    assert row[0] == hashlib.sha256(info.path.read_bytes()).hexdigest()
    # only batch 1 was loaded by the as-of time
    assert row[1] == hashlib.sha256(f"1:{1:064x}".encode()).hexdigest()
    assert row[2:4] == (compensation.__version__, duckdb.__version__)
    assert row[4] == [1]
    assert row[5] == datetime(2018, 2, 15)
    assert row[6:] == (JAN, JAN, "2018-01", None, 1)


def test_rerun_on_unchanged_inputs_gives_identical_lines_and_says_so(con, tmp_path: Path) -> None:
    toy.set_value(con, "s1", JAN, "3")
    toy.set_value(con, "s2", JAN, "30")
    info = toy.scheme(tmp_path)
    first = toy.run(con, info, period="2018-01")
    second = toy.run(con, info, period="2018-01")
    assert second.same_as_run == first.run_id == 1
    assert second.lines_hash == first.lines_hash
    assert "与运行 #1 的输入和结果完全相同" in second.message
    a = [r[1:] for r in _lines(con, 1)]
    b = [r[1:] for r in _lines(con, 2)]
    assert a == b and [r[0] for r in _lines(con, 2)] == [3, 4]
    assert con.execute("SELECT same_as_run FROM runs WHERE run_id = 2").fetchall() == [(1,)]


def test_new_batch_makes_a_new_run_not_an_edit(con, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    toy.add_batch(con, 1, datetime(2018, 2, 1))
    toy.set_value(con, "s1", JAN, "3")
    toy.run(con, info, period="2018-01")
    toy.add_batch(con, 2, datetime(2018, 4, 1))
    toy.set_value(con, "s1", JAN, "12")
    second = toy.run(con, info, period="2018-01")
    assert second.same_as_run is None
    hashes = con.execute("SELECT data_hash FROM runs ORDER BY run_id").fetchall()
    assert hashes[0] != hashes[1]
    # run 1's lines are untouched
    assert con.execute(
        "SELECT payer, payee, amount FROM ledger WHERE run_id = 1 AND section_id = 's1'"
    ).fetchall() == [("city_treasury", "jiangan", Decimal("500000.00"))]
    assert con.execute(
        "SELECT payer, payee, amount FROM ledger WHERE run_id = 2 AND section_id = 's1'"
    ).fetchall() == [("jiangan", "city_treasury", Decimal("1000000.00"))]


def test_year_run_is_one_run_over_every_month(con, tmp_path: Path) -> None:
    for m in range(1, 13):
        toy.set_value(con, "s1", date(2018, m, 1), str(m))  # months 11, 12 exceed 10
    result = toy.run(con, toy.scheme(tmp_path), year=2018)
    assert result.line_count == 12
    assert (result.window_start, result.window_end) == (JAN, date(2018, 12, 1))
    # 10 rewards of 50万 and 2 penalties of 100万
    assert result.total_yuan == Decimal("7000000.00")


def test_scheme_starting_later_is_skipped_before_its_start(con, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path, span_start=date(2022, 6, 1))
    result = toy.run(con, info, period="2022-05")
    assert result.run_id is None
    assert result.message == "方案 toy 自 2022-06 起执行，2022-05 不在其范围内，未运行。"
    toy.set_value(con, "s1", date(2022, 5, 1), "1")
    toy.set_value(con, "s1", date(2022, 6, 1), "1")
    year = toy.run(con, info, year=2022)
    assert year.window_start == date(2022, 6, 1) and year.line_count == 1


def test_negative_amount_is_refused_with_the_rule_location(con, tmp_path: Path) -> None:
    toy.set_value(con, "s1", JAN, "3")
    info = toy.scheme(tmp_path)
    bad_sql = toy.BAND_SQL.replace("AS DECIMAL(18,2))", "AS DECIMAL(18,2)) * -1", 1)
    bad = info.__class__(**{**info.__dict__, "rules": [
        info.rules[0].__class__(**{**info.rules[0].__dict__, "sql": bad_sql})]})
    with pytest.raises(EcocompError) as err:
        toy.run(con, bad, period="2018-01")
    assert str(err.value).startswith(
        f"规则 band（{info.path}:7）在 2018-01-01 断面 s1 产生了无效的台账行："
        "付款方 city_treasury、收款方 jiangan、金额 -500000.00；"
    )
    assert con.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]


def test_failing_rule_sql_leaves_nothing_behind(con, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    broken = info.__class__(**{**info.__dict__, "rules": [
        info.rules[0], replace(info.rules[0], id="boom", file="x.rule", line=3,
                               sql="SELECT nope")]})
    toy.set_value(con, "s1", JAN, "3")
    with pytest.raises(EcocompError, match=r"^规则 boom（x.rule:3）执行失败"), transaction(con):
        run_scheme(con, broken, "2018-01", None, datetime(2030, 1, 1), toy.prepare)
    assert con.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM ledger").fetchall() == [(0,)]


def test_changed_lines_under_unchanged_fingerprints_are_flagged(con, tmp_path: Path) -> None:
    info = toy.scheme(tmp_path)
    toy.set_value(con, "s1", JAN, "3")
    toy.run(con, info, period="2018-01")
    toy.set_value(con, "s1", JAN, "30")  # edited behind the store's back, no batch
    second = toy.run(con, info, period="2018-01")
    assert second.same_as_run is None and second.differs_from == 1
    assert (  # the toy keeps no samples, so the run's note on missing data follows this one
        "注意：与运行 #1 的规则、数据批次和参数指纹相同，结果却不同"
        "（数据可能未经批次载入而被改动）。注意：4 个断面无监测数据"
    ) in second.message


def _sample(con: duckdb.DuckDBPyConnection, batch: int, section: str, day: datetime) -> None:
    con.execute(
        "INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value)"
        " VALUES (?, 2, ?, ?, 'COD', 12)",
        [batch, section, day],
    )


def test_a_run_names_the_sections_without_data_in_its_own_message(con, tmp_path: Path) -> None:
    # samples exist for s1 and s2 in January (batch 1, loaded 2018-02-01) and for s3 in a batch
    # loaded 2018-03-01, after the run's as-of: of the 4 sections of 'toy', 水洪中心 (ctl) and
    # 东港村 (s3) had no data as of 2018-02-15
    toy.add_batch(con, 1, datetime(2018, 2, 1))
    toy.add_batch(con, 2, datetime(2018, 3, 1))
    _sample(con, 1, "s1", datetime(2018, 1, 5, 9))
    _sample(con, 1, "s2", datetime(2018, 1, 31, 23))
    _sample(con, 2, "s3", datetime(2018, 1, 6, 9))
    _sample(con, 1, "ctl", datetime(2018, 2, 1, 0))  # February: not January's data
    for section in ("s1", "s2", "s3", "ctl"):
        toy.set_value(con, section, JAN, "9")
    result = toy.run(con, toy.scheme(tmp_path), period="2018-01", as_of=datetime(2018, 2, 15))
    assert [(m.section_id, m.month) for m in result.missing] == [("ctl", JAN), ("s3", JAN)]
    assert result.message.endswith(
        "写入台账 3 行，金额合计 150.00 万元。"
        "注意：2 个断面无监测数据（水洪中心、东港村），其台账金额记为 0；载入数据后请重新运行。"
    )
    # a year later every section lacks data in all 12 months: 4 sections, 48 section-months
    year = toy.run(con, toy.scheme(tmp_path), year=2019, as_of=datetime(2020, 1, 1))
    assert len(year.missing) == 48
    assert (
        "注意：4 个断面共缺 48 个月的监测数据（水洪中心、滠水入长江口、老关村等；2019-01～2019-12）"
    ) in year.message


def test_gaps_of_several_windows_in_one_question_are_each_window_alone(con) -> None:
    # the toy's four sections: s1 has January 2018 data, s3 only in a batch loaded 2018-03-01;
    # asked together (as `run --scheme all` does) each window gets exactly its own answer
    from compensation.engine.coverage import sections_without_data, sections_without_data_each

    toy.add_batch(con, 1, datetime(2018, 2, 1))
    toy.add_batch(con, 2, datetime(2018, 3, 1))
    _sample(con, 1, "s1", datetime(2018, 1, 5, 9))
    _sample(con, 2, "s3", datetime(2018, 1, 6, 9))
    windows = [("toy", JAN, JAN), ("nobody", JAN, date(2018, 3, 1)),
               ("toy", date(2017, 12, 1), date(2018, 2, 1))]
    as_of = datetime(2018, 2, 15)
    together = sections_without_data_each(con, windows[:2], as_of)
    assert together == {"toy": sections_without_data(con, "toy", JAN, JAN, as_of)}
    assert [(m.section_id, m.month) for m in together["toy"]] == [
        ("ctl", JAN), ("s2", JAN), ("s3", JAN)]
    # a wider window: December 2017 is before the sections exist (valid from 2018-01), then
    # January's 3 gaps and February's 4 (no sample of February)
    wide = sections_without_data_each(con, windows[2:], as_of)["toy"]
    assert [m.month for m in wide] == [JAN] * 3 + [date(2018, 2, 1)] * 4
    assert sections_without_data_each(con, [], as_of) == {}


def test_a_run_with_every_section_measured_says_nothing_more(con, tmp_path: Path) -> None:
    toy.add_batch(con, 1, datetime(2018, 2, 1))
    for section in ("s1", "s2", "s3", "ctl"):
        _sample(con, 1, section, datetime(2018, 1, 10, 9))
        toy.set_value(con, section, JAN, "9")
    result = toy.run(con, toy.scheme(tmp_path), period="2018-01", as_of=datetime(2018, 2, 15))
    assert result.missing == []
    assert result.message.endswith("金额合计 150.00 万元。")
