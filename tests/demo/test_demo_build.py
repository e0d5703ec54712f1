"""`ecocomp demo` end to end: a real process builds a real DuckDB file from data/, and the public
facts hold on the quality macros (`monthly_values`, `annual_values`, `monthly_section_class`).

Every expected value comes from tests/demo/conftest.py, which reads the files without ecocomp.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

IMPROVED = {"cj_wuhanguan", "cj_yaotou", "cj_yujiawan", "cj_yangsi", "cj_wujindi",
            "cj_dongxingzhou"}
CLASS_RATED = ("COD", "CODMn", "NH3N", "TP", "BOD5", "DO")
S_III = {"COD": Decimal(20), "CODMn": Decimal(6), "NH3N": Decimal("1.0"), "TP": Decimal("0.2")}


@pytest.fixture(scope="module")
def built(demo_build):
    """The session's demo (tests/conftest.py), built by `ecocomp demo` outside the repository."""
    return demo_build


@pytest.fixture(scope="module")
def con(built):
    assert built.returncode == 0, built.stderr
    connection = duckdb.connect(str(built.db), read_only=True)
    yield connection
    connection.close()


def _as_of(con, before_file: str | None = None) -> datetime:
    """The newest loaded_at, or the last loaded_at before the batch of the named file."""
    if before_file is None:
        return con.execute("SELECT max(loaded_at) FROM batches").fetchall()[0][0]
    rows = con.execute(
        "SELECT max(loaded_at) FROM batches WHERE loaded_at < "
        "(SELECT loaded_at FROM batches WHERE file_name LIKE ?)", [f"%{before_file}"]).fetchall()
    return rows[0][0]


def _monthly(con, as_of: datetime) -> dict[tuple[str, int, int, str], tuple]:
    rows = con.execute(
        "SELECT section_id, period, indicator, value, class, flags FROM monthly_values(?)",
        [as_of]).fetchall()
    return {(s, p.year, p.month, i): (v, k, f) for s, p, i, v, k, f in rows}


def _cpi(monthly: dict, section_id: str, year: int, month: int) -> Decimal:
    parts = [monthly[(section_id, year, month, c)][0] / s for c, s in S_III.items()]
    return sum(parts, Decimal(0)) / 4


def test_the_command_prints_steps_and_a_summary_computed_independently(built, demo_files) -> None:
    assert built.returncode == 0, built.stderr
    assert built.db.is_file() and built.out.is_dir()
    lines = built.stdout.splitlines()
    assert [line.split("：")[0] for line in lines[:4]] == [
        "[1] 载入登记表", "[2] 载入监测数据", "[3] 载入更正批次", "[4] 汇总"]
    assert [line.split("：")[0] for line in lines[4:7]] == [
        "[5] 核算与年度结算", "[6] 通报与工作簿", "[7] 谈判情景比较"]
    assert "断面：24 个（长江 13，汉江 7，通顺河 3，道观河 1）" in lines
    # 24 sections x 84 months x 8 indicators, plus the 3 corrected values as a new batch
    assert f"样品记录：{24 * 84 * 8 + 3} 条，来自 9 个批次" in lines
    assert "月份：2018-01 至 2024-12，共 84 个月" in lines
    latest = demo_files.corrected()
    counts = Counter(latest.section_class(s["section_id"], 2024, 12) for s in latest.sections)
    labels = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}
    expected = "，".join(f"{labels[k]}类 {counts[k]} 个" for k in sorted(counts))
    assert f"2024-12 断面水质类别：{expected}" in lines
    where = lines.index(f"输出目录：{built.out}")
    assert lines[where + 1] == f"数据库：{built.db}"
    outputs = [Path(line.removeprefix("输出：")) for line in lines[where + 2:]]
    assert all(line.startswith("输出：") for line in lines[where + 2:])
    names = {p.name for p in outputs}
    # the newest month with ledger lines is 2024-12: its bulletin in both forms, and a workbook
    # for each of the 17 parties other than the city treasury
    assert {"月度通报_2024-12.html", "月度通报_2024-12.md"} <= names
    assert {"scenario_tongshun.xlsx", "scenario_tongshun.html", "workbench_tongshun.html"} <= names
    assert sum(1 for p in outputs if p.parent.name == "工作簿_2024") == 17
    assert all(p.is_file() for p in outputs)


def test_every_monthly_value_and_class_equals_the_independent_computation(con, demo_files) -> None:
    monthly = _monthly(con, _as_of(con))
    files = demo_files.corrected()
    keys = {(sid, y, m, code) for (sid, y, m), row in files.samples.items() for code in row}
    assert set(monthly) == keys
    for (sid, y, m), row in files.samples.items():
        for code, reading in row.items():
            value, klass, flags = monthly[(sid, y, m, code)]
            if reading.flag == "断流":
                assert (value, flags) == (None, ["no_flow"]), (sid, y, m, code)
                continue
            assert value == files.value(sid, y, m, code), (sid, y, m, code)
            if code in CLASS_RATED:
                assert klass == files.indicator_class(code, value), (sid, y, m, code)


def test_yangtze_january_2018_six_improve_and_five_decline(con, demo_files) -> None:
    monthly = _monthly(con, _as_of(con))
    assessed = [s for s in demo_files.sections if s["river"] == "长江" and s["role"] == "assessed"]
    assert len(assessed) == 11
    for s in assessed:
        control = _cpi(monthly, s["control_id"], 2018, 1)
        r = (_cpi(monthly, s["section_id"], 2018, 1) - control) / control
        assert (r <= 0) == (s["section_id"] in IMPROVED), (s["name"], r)


def test_sheshui_class_iii_with_cod_main_while_control_class_ii(con) -> None:
    rows = con.execute(
        "SELECT section_id, class FROM monthly_section_class(?) "
        "WHERE period = DATE '2018-01-01' AND section_id IN ('cj_sheshui', 'cj_wuhanguan')",
        [_as_of(con)]).fetchall()
    assert dict(rows) == {"cj_sheshui": 3, "cj_wuhanguan": 2}
    worst = con.execute(
        "SELECT list(indicator ORDER BY indicator) FROM monthly_values(?) "
        "WHERE period = DATE '2018-01-01' AND section_id = 'cj_sheshui' AND class = 3",
        [_as_of(con)]).fetchall()
    assert worst == [(["COD"],)]


def test_tongshun_class_iii_on_cod_nh3n_tp_june_to_december_2022(con) -> None:
    rows = con.execute(
        "SELECT section_id, period, max(class) FROM monthly_values(?) "
        "WHERE section_id LIKE 'ts_%' AND indicator IN ('COD', 'NH3N', 'TP') "
        "AND period BETWEEN DATE '2022-06-01' AND DATE '2022-12-01' GROUP BY ALL",
        [_as_of(con)]).fetchall()
    assert len(rows) == 3 * 7
    assert {k for _, _, k in rows} == {3}


def test_daoguan_annual_class_ii_every_year_2020_to_2024(con, demo_files) -> None:
    rows = con.execute(
        "SELECT period, indicator, value, class FROM annual_values(?) "
        "WHERE section_id = 'dg_boundary' AND period >= DATE '2020-01-01'",
        [_as_of(con)]).fetchall()
    worst: dict[int, int] = {}
    for period, code, value, klass in rows:
        if code == "TN":
            assert klass is None  # TN is not rated for rivers
            continue
        assert value == demo_files.annual_value("dg_boundary", period.year, code), (period, code)
        worst[period.year] = max(worst.get(period.year, 0), klass)
    assert worst == {2020: 2, 2021: 2, 2022: 2, 2023: 2, 2024: 2}
    monthly_iii = con.execute(
        "SELECT year(period), count(*) FROM monthly_section_class(?) "
        "WHERE section_id = 'dg_boundary' AND class = 3 AND period >= DATE '2020-01-01' "
        "GROUP BY ALL ORDER BY 1", [_as_of(con)]).fetchall()
    assert monthly_iii == [(y, 2) for y in range(2020, 2025)]  # July COD, August TP


def test_the_correction_supersedes_three_values_and_keeps_the_originals(con) -> None:
    before = _monthly(con, _as_of(con, "2024-03_correction.csv"))
    after = _monthly(con, _as_of(con))
    changed = {k for k in after if after[k][0] != before.get(k, (None,))[0]}
    march = ("cj_niujia", 2024, 3)
    assert changed == {(*march, "COD"), (*march, "NH3N"), (*march, "TP")}
    assert [before[(*march, c)][0] for c in ("COD", "NH3N", "TP")] == [
        Decimal("14.8"), Decimal("0.41"), Decimal("0.125")]
    assert [after[(*march, c)][0] for c in ("COD", "NH3N", "TP")] == [
        Decimal("11.4"), Decimal("0.20"), Decimal("0.076")]
    control = _cpi(after, "cj_donggang", 2024, 3)
    assert control == Decimal("0.405")
    r_before = (_cpi(before, "cj_niujia", 2024, 3) - control) / control
    r_after = (_cpi(after, "cj_niujia", 2024, 3) - control) / control
    assert r_before > Decimal("0.1") and Decimal("-0.1") <= r_after <= 0
    superseded = con.execute(
        "SELECT b.file_name, s.file_name FROM batches b JOIN batches s "
        "ON b.superseded_by = s.batch_id").fetchall()
    assert [(Path(a).name, Path(b).name) for a, b in superseded] == [
        ("2024.csv", "2024-03_correction.csv")]


def test_registry_is_loaded_as_written(con, demo_files) -> None:
    rows = con.execute(
        "SELECT section_id, party_id, coalesce(control_id, ''), water_body, schemes, valid_from "
        "FROM sections ORDER BY section_id").fetchall()
    expected = sorted(
        (s["section_id"], s["party_id"] or None, s["control_id"], s["water_body"],
         s["schemes"].split(";"), date.fromisoformat(s["valid_from"]))
        for s in demo_files.sections)
    assert rows == expected
