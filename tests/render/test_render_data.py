"""The read layer and the bulletin model on the hand-filled store (see conftest for the numbers)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from compensation.lang.compiled import BulletinShows, TraceRef
from compensation.render.data import read_corrections, read_lines, read_section_classes
from compensation.render.labels import format_ratio, format_wan, md_escape
from compensation.render.model import build_bulletin
from compensation.render.trace import Measures, read_measures
from tests.render.conftest import compiled_trace

JAN, FEB = date(2018, 1, 1), date(2018, 2, 1)


def test_the_newest_run_of_a_month_counts_and_superseded_runs_do_not(store) -> None:
    lines = read_lines(store, JAN, FEB)
    assert sorted(x.line_id for x in lines[JAN]) == [1, 2, 3, 4]
    # run 3 (line 5, a 200万 penalty) was replaced by run 4 for February
    assert sorted(x.line_id for x in lines[FEB]) == [6, 7, 8]
    assert {x.run_id for x in lines[FEB]} == {4}


def test_scheme_filter_keeps_only_that_scheme(store) -> None:
    lines = read_lines(store, JAN, JAN, ["tongshun"])
    assert [(x.line_id, x.amount) for x in lines[JAN]] == [(4, Decimal("428571.43"))]


def test_section_classes_are_the_worst_indicator_class(store) -> None:
    classes = read_section_classes(store, datetime(2018, 3, 5), JAN, FEB)
    assert classes[("ycl01", JAN)] == 2
    assert classes[("ycl02", JAN)] == 3  # COD 18 → III
    assert classes[("ycl03", JAN)] == 4  # COD 25 → IV
    assert ("ycl04", JAN) not in classes  # every sample flagged 断流
    assert classes[("ycl02", FEB)] == 2
    assert classes[("ycl03", FEB)] == 5  # NH3-N 1.60 → V
    assert classes[("ycl04", FEB)] == 6  # TP 0.450 → 劣Ⅴ
    assert classes[("ts01", JAN)] == 3


def test_corrections_are_listed_between_bulletins(store) -> None:
    # loaded 2018-03-01 12:00, after January's runs (2018-02-10) and before run 4 (2018-03-02)
    found = read_corrections(store, datetime(2018, 2, 10, 9), datetime(2018, 3, 2, 8))
    assert [(c.batch_id, c.file_name, c.replaced, c.n_values, c.section_ids) for c in found] == [
        (2, "/srv/ecocomp/uploads/更正_2018-02.csv", (1,), 1, ("ycl03",))
    ]
    assert read_corrections(store, datetime(2018, 3, 1, 13), None) == []
    assert read_corrections(store, None, datetime(2018, 2, 10, 9)) == []


def test_february_bulletin_amounts_signs_and_year_to_date(store) -> None:
    b = build_bulletin(store, FEB)
    rows = {v.section_name: v for s in b.schemes for v in s.rows}
    assert {name: v.signed for name, v in rows.items()} == {
        "老关村": Decimal("1000000.00"),
        "王家巷码头": Decimal("-1000000.00"),
        "滠水入长江口": Decimal("500000.00"),
    }
    assert (b.summary.assessed, b.summary.improved, b.summary.declined, b.summary.excluded) == (
        3, 2, 1, 0,
    )
    assert b.summary.rewards == Decimal("1500000.00")
    assert b.summary.penalties == Decimal("1000000.00")
    totals = {p.party_id: (p.month, p.year_to_date) for p in b.parties}
    # YTD = January + February by hand: 汉南 50+100, 汉阳 -100-100, 江岸 0+50, Tongshun only January
    assert totals == {
        "hannan": (Decimal("1000000.00"), Decimal("1500000.00")),
        "hanyang": (Decimal("-1000000.00"), Decimal("-2000000.00")),
        "jiangan": (Decimal("500000.00"), Decimal("500000.00")),
        "wuhan_jkq": (Decimal(0), Decimal("-428571.43")),
        "xiantao": (Decimal(0), Decimal("428571.43")),
    }
    assert "city_treasury" not in totals
    assert rows["王家巷码头"].klass == 5 and rows["王家巷码头"].reference_class == 2
    assert rows["滠水入长江口"].reference_class == 5  # its control is 王家巷码头


def test_january_excluded_section_carries_its_reason(store) -> None:
    b = build_bulletin(store, JAN)
    assert [(v.section_name, v.note, v.outcome) for v in b.excluded] == [
        ("滠水入长江口", "断流、结冰不考核；断流", "excluded")
    ]
    assert b.summary.excluded == 1
    tongshun = next(s for s in b.schemes if s.scheme == "tongshun")
    (row,) = tongshun.rows
    assert (row.party_id, row.signed, row.reference_kind, row.reference_class) == (
        "xiantao", Decimal("428571.43"), "目标", 4,
    )


def test_row_values_are_read_where_the_scheme_declares_them() -> None:
    """`bulletin index cpi`, `rank r`, `class section_class`, `target target` name trace places;
    names the scheme does not declare are not read, however familiar they look."""
    trace = compiled_trace(
        "x", "rules/x.rule", 3, params={"target": "4.000000000000", "cpi_class": "3"},
        measures={"cpi": "0.850", "section_class": "2"},
        control_measures={"cpi": "0.9", "section_class": "5"}, lets={"r": "-0.1"})
    trace["branch_label"] = "奖励"
    shows = BulletinShows(index="cpi", klass="section_class", target="target",
                          rank=TraceRef("lets", "r"))
    m = read_measures(trace, shows)
    assert (m.index, m.index_control, m.ratio) == (
        Decimal("0.850"), Decimal("0.9"), Decimal("-0.1"))
    assert (m.klass, m.control_class, m.target_class, m.branch_label) == (2, 5, 4, "奖励")
    assert read_measures(trace, BulletinShows()) == Measures(branch_label="奖励")
    # a trace that is not the compiler's (no params/measures/lets) gives its label only
    assert read_measures({"cpi": 1, "branch_label": "x"}, shows) == Measures(branch_label="x")


def test_number_formats_by_hand() -> None:
    assert format_wan(Decimal("428571.43")) == "42.86"
    assert format_wan(Decimal("-1000000.00"), signed=True) == "-100.00"
    assert format_wan(Decimal("500000.00"), signed=True) == "+50.00"
    assert format_wan(Decimal("50.00")) == "0.01"  # 0.005 万 rounds half up
    assert format_ratio(Decimal("-0.1")) == "-10.00%"
    assert format_ratio(Decimal("0.088888888889")) == "+8.89%"
    assert md_escape("a|b<c>*d*\nx") == "a\\|b\\<c\\>\\*d\\* x"


def _add_run(con, run_id, scheme, label, start, end, kind, lines) -> None:
    con.execute(
        "INSERT INTO runs (run_id, scheme, period_label, window_start, window_end, as_of,"
        " rules_hash, data_hash, params_hash, engine_version, duckdb_version, created_at,"
        " period_kind) VALUES (?, ?, ?, ?, ?, TIMESTAMP '2018-04-01', 'r', 'd', 'p', '0', '0',"
        " TIMESTAMP '2018-04-01', ?)",
        [run_id, scheme, label, start, end, kind],
    )
    for line_id, p_start, p_end, section, payer, payee, amount in lines:
        con.execute(
            "INSERT INTO ledger VALUES (?, ?, ?, 'r', ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, '{}')",
            [line_id, run_id, scheme, p_start, p_end, section, payer, payee, amount],
        )


def test_a_newer_year_run_of_a_month_scheme_replaces_the_monthly_runs(store) -> None:
    _add_run(store, 5, "yangtze_han", "2018", JAN, date(2018, 12, 1), "month", [
        (20, JAN, JAN, "ycl02", "hannan", "city_treasury", "2000000.00"),
    ])
    lines = read_lines(store, JAN, FEB, ["yangtze_han"])
    assert [(x.line_id, x.run_id) for x in lines[JAN]] == [(20, 5)]
    assert lines[FEB] == []  # run 5 covers February too, and it has no February line


def test_a_year_scheme_shows_the_run_that_ends_in_the_month(store) -> None:
    # Daoguan: year window, one year-to-date line per run, dated to the year
    _add_run(store, 6, "daoguan", "2018-01", JAN, JAN, "year", [
        (30, JAN, date(2018, 12, 31), "ts01", "xinzhou", "tuanfeng", "1000000.00"),
    ])
    _add_run(store, 7, "daoguan", "2018-02", JAN, FEB, "year", [
        (31, JAN, date(2018, 12, 31), "ts01", "tuanfeng", "xinzhou", "1000000.00"),
    ])
    lines = read_lines(store, JAN, FEB, ["daoguan"])
    assert [x.line_id for x in lines[JAN]] == [30]
    assert [x.line_id for x in lines[FEB]] == [31]
