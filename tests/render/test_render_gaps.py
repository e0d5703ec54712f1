"""Year-to-date figures name the months they do not stand on (never run, or run without data).

The store of conftest.py: yangtze_han runs Jan (run 1) and Feb (runs 3, 4); tongshun runs Jan only
(run 2). Every section has samples in Jan and Feb (滠水入长江口's Jan samples are flagged 断流,
which is data), loaded 2018-02-05 (batch 1) and 2018-03-01 (batch 2).
"""

from __future__ import annotations

from datetime import date, datetime

import openpyxl

from compensation.render import export_districts
from compensation.render.gaps import MonthGap, year_to_date_gaps
from compensation.render.model import build_bulletin

TONGSHUN = "通顺河流域跨市断面水质考核生态补偿"
YANGTZE = "长江汉江跨区断面水质考核奖惩和生态补偿"


def _add_run(store, run: int, scheme: str, month: date, as_of: datetime) -> None:
    store.execute(
        "INSERT INTO runs (run_id, scheme, period_label, window_start, window_end, as_of,"
        " rules_hash, data_hash, params_hash, engine_version, duckdb_version, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 'r', 'd', 'p', '0', '0', ?)",
        [run, scheme, f"{month:%Y-%m}", month, month, as_of, as_of],
    )


def test_january_is_complete_and_says_nothing(store) -> None:
    bulletin = build_bulletin(store, date(2018, 1, 1))
    assert bulletin.year_to_date_gaps == []
    assert bulletin.year_to_date_note == ""


def test_a_scheme_not_run_in_february_is_named_in_the_bulletin(store) -> None:
    # tongshun has a run in January only: its February is not in 本年累计
    bulletin = build_bulletin(store, date(2018, 2, 1))
    assert bulletin.year_to_date_gaps == [MonthGap("tongshun", date(2018, 2, 1), True)]
    assert bulletin.year_to_date_note == (
        f"本年累计尚不完整，以下月份未核算或缺少监测数据，按 0 计入：{TONGSHUN} 2月未核算。"
    )
    # the bulletin of one scheme speaks of that scheme only
    assert build_bulletin(store, date(2018, 2, 1), ["yangtze_han"]).year_to_date_gaps == []


def test_a_month_run_without_data_is_named_with_its_sections(store) -> None:
    # March 2018 run for yangtze_han: no sample of any of its 4 sections is dated in March
    _add_run(store, 5, "yangtze_han", date(2018, 3, 1), datetime(2018, 4, 2))
    gaps = year_to_date_gaps(store, date(2018, 3, 1))
    assert gaps == [
        MonthGap("yangtze_han", date(2018, 3, 1), False,
                 ("水洪中心", "老关村", "王家巷码头", "滠水入长江口")),
        MonthGap("tongshun", date(2018, 2, 1), True),
        MonthGap("tongshun", date(2018, 3, 1), True),
    ]
    note = build_bulletin(store, date(2018, 3, 1)).year_to_date_note
    assert note == (
        "本年累计尚不完整，以下月份未核算或缺少监测数据，按 0 计入："
        f"{YANGTZE} 3月有 4 个断面无监测数据（水洪中心、老关村、王家巷码头等）；"
        f"{TONGSHUN} 2月、3月未核算。"
    )


def test_data_loaded_after_the_run_does_not_count_for_it(store) -> None:
    # a newer January run made as of 2018-02-01, before batch 1 (2018-02-05) was loaded: it saw
    # no data at all, so all 4 yangtze sections lack data in January
    _add_run(store, 5, "yangtze_han", date(2018, 1, 1), datetime(2018, 2, 1))
    gaps = year_to_date_gaps(store, date(2018, 1, 1), ["yangtze_han"])
    assert [(g.month, g.not_run, len(g.sections)) for g in gaps] == [(date(2018, 1, 1), False, 4)]


def test_workbook_summary_notes_each_incomplete_month(store, tmp_path) -> None:
    paths = export_districts(store, 2018, tmp_path / "books")
    path = next(p for p in paths if "xiantao" in p.name)
    ws = openpyxl.load_workbook(path)["汇总"]
    header = [c.value for c in ws[3]]
    assert header == ["月份", TONGSHUN, "合计", "备注"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert [r[0] for r in rows] == [1, 2, "本年累计"]
    assert rows[0][3] in (None, "")
    assert rows[1][3] == f"{TONGSHUN}：未核算"
    assert rows[2][3] == (
        f"本年累计尚不完整，以下月份未核算或缺少监测数据，按 0 计入：{TONGSHUN} 2月未核算。"
    )
    # 汉阳区's scheme was run in both months: nothing to say
    hanyang = openpyxl.load_workbook(next(p for p in paths if "hanyang" in p.name))["汇总"]
    assert [hanyang.cell(r, 4).value for r in (4, 5, 6)] in ([None] * 3, [""] * 3)
