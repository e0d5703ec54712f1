"""The bulletin as an issued document: its number, 主送/落款 from the profile, the annex."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from compensation.errors import EcocompError
from compensation.render import render_bulletin
from compensation.render.numbering import plan_number, record_number
from compensation.render.profile import load_profile
from compensation.render.provenance import basis_kind, file_name, official_basis
from compensation.store import open_store


def _md(store, period: str, tmp_path: Path, day: date) -> str:
    out = render_bulletin(store, period, "md", tmp_path / f"{period}.md", issued_on=day)
    return out.read_text(encoding="utf-8")


def test_numbers_follow_issue_order_per_year_and_a_month_keeps_its_number(store, tmp_path) -> None:
    # February issued first (2018-03-05): 1; January afterwards: 2; January again: still 2, and
    # the same runs mean the same document (no 更正); a bulletin first issued in 2019 starts at 1
    assert "武环〔2018〕1号" in _md(store, "2018-02", tmp_path, date(2018, 3, 5))
    assert "武环〔2018〕2号" in _md(store, "2018-01", tmp_path, date(2018, 3, 6))
    again = _md(store, "2018-01", tmp_path, date(2018, 3, 9))
    assert "武环〔2018〕2号" in again and "（更正）" not in again
    assert "2018年3月9日" in again  # the date of this issue in the 落款
    rows = store.execute(
        "SELECT period, year, number, first_issued, last_issued FROM issued_documents"
        " ORDER BY number"
    ).fetchall()
    assert rows == [("2018-02", 2018, 1, date(2018, 3, 5), date(2018, 3, 5)),
                    ("2018-01", 2018, 2, date(2018, 3, 6), date(2018, 3, 9))]


def test_a_reissue_on_other_runs_keeps_the_number_and_says_correction(store, tmp_path) -> None:
    _md(store, "2018-02", tmp_path, date(2018, 3, 5))  # on run 4
    # the month is run again after a correction: run 5 copies run 4 (the runs behind it change)
    store.execute(
        "INSERT INTO runs SELECT 5, scheme, period_label, window_start, window_end, as_of,"
        " scenario, rules_hash, data_hash, params_hash, lines_hash, engine_version, duckdb_version,"
        " created_at, same_as_run, period_kind, span_start, rules_file, rules_meta, params,"
        " batch_ids, line_count, year_begins, period_value, hash_version FROM runs WHERE run_id = 4"
    )
    store.execute(
        "INSERT INTO ledger SELECT line_id + 100, 5, scheme, rule, period_start, period_end,"
        " section_id, payer, payee, amount, branch, exception, reason, trace FROM ledger"
        " WHERE run_id = 4"
    )
    text = _md(store, "2018-02", tmp_path, date(2018, 3, 20))
    assert "武环〔2018〕1号" in text
    assert "# 关于2018年2月跨区断面水质考核生态补偿预核算情况的通报（更正）" in text
    assert "本通报为武环〔2018〕1号的更正版本" in text


def test_a_failed_render_uses_no_number(store, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ECOCOMP_CHROMIUM", "no-such-browser-ecocomp")
    with pytest.raises(EcocompError):
        render_bulletin(store, "2018-01", "pdf", tmp_path / "b.pdf", issued_on=date(2018, 3, 1))
    assert store.execute("SELECT count(*) FROM issued_documents").fetchall() == [(0,)]
    assert "武环〔2018〕1号" in _md(store, "2018-01", tmp_path, date(2018, 3, 1))


def test_a_read_only_store_shows_the_next_number_without_recording_it(store_path, tmp_path):
    con = open_store(store_path, read_only=True)
    try:
        assert "武环〔2018〕1号" in _md(con, "2018-01", tmp_path, date(2018, 3, 1))
        assert con.execute("SELECT count(*) FROM issued_documents").fetchall() == [(0,)]
    finally:
        con.close()


def test_plan_and_record_by_hand(store) -> None:
    first = plan_number(store, "bulletin", "2018-01", date(2019, 1, 2), "1,2")
    assert (first.year, first.number, first.corrected) == (2019, 1, False)
    record_number(store, "bulletin", "2018-01", first, "1,2")
    assert plan_number(store, "bulletin", "2018-02", date(2019, 5, 1), "4").number == 2
    same = plan_number(store, "bulletin", "2018-01", date(2020, 1, 1), "1,2")
    assert (same.year, same.number, same.corrected) == (2019, 1, False)  # keeps 〔2019〕1号
    assert plan_number(store, "bulletin", "2018-01", date(2020, 1, 1), "1,5").corrected
    assert same.text("第{n}期") == "第1期"


def test_body_has_no_internal_identifier_or_path_and_the_annex_has_the_provenance(
    store, tmp_path
) -> None:
    text = _md(store, "2018-02", tmp_path, date(2018, 3, 5))
    body, annex = text.split("## 附件1", 1)
    for internal in ("cpi_band", "yangtze_han", "tongshun", "rules/", ".rule", "/srv/", "[-",
                     "band", "批次"):
        assert internal not in body, internal
    # 数据截至: the newest batch run 4 read (the correction, loaded 2018-03-01), not the file time
    assert "数据截至2018年3月1日" in body
    # the corrected section is marked in 备注 and the correction named by its own file name
    assert "| 数据更正 |" in body
    assert "报送更正文件“更正\\_2018-02.csv”，更正 1 个数值，涉及断面王家巷码头" in body
    assert "rules/yangtze\\_han.rule:21" in annex
    assert "2 更正\\_2018-02.csv（2018-03-01 12:00）" in annex
    assert "核算运行：4（长江汉江跨区断面水质考核奖惩和生态补偿，2018-02）。" in annex


def test_basis_kinds() -> None:
    assert basis_kind("武政办〔2017〕127号《长江武汉段…办法（试行）》") == "official"
    assert basis_kind("协议：以Ⅳ类水质对应的浓度参数进行考核") == "official"
    assert basis_kind("楚天都市报 2018-01-03：持平或下降不超过10%，奖励50万元") == "report"
    assert basis_kind("长江日报 2022-09-17：“新洲区每年向团风县补偿生态资金100万元”") == "report"
    assert basis_kind("假设：综合污染指数以Ⅲ类标准限值为 S_i") == "assumption"
    assert official_basis("武政办〔2017〕127号；楚天都市报 2018-01-03") == "武政办〔2017〕127号"
    assert official_basis("楚天都市报 2018-01-03") == ""
    assert file_name("/srv/up/更正.csv") == "更正.csv"
    assert file_name("C:\\data\\更正.csv") == "更正.csv"


def test_profile_mistakes_are_one_sentence(tmp_path) -> None:
    bad = tmp_path / "issuing.toml"
    bad.write_text('issuer = "某局"\n[bulletin]\nnumber = "某〔{yr}〕{n}号"\n', encoding="utf-8")
    with pytest.raises(EcocompError) as err:
        load_profile(bad)
    assert "issuing.toml [bulletin]" in str(err.value) and "{yr}" in str(err.value)
    assert "{n}、{year}" in str(err.value)
    with pytest.raises(EcocompError) as err:
        load_profile(tmp_path / "none.toml")
    assert "none.toml 不存在" in str(err.value)
    bad.write_text('issuer = "某局\n', encoding="utf-8")
    with pytest.raises(EcocompError) as err:
        load_profile(bad)
    assert "不是有效的 TOML" in str(err.value)
