"""The negotiation brief on the small Tongshun store (numbers worked out in scenario_support):
2023 under the current clauses 22 compliant and 2 failing section-months of 125,000.00 →
Wuhan pays 2,500,000.00 (250.00万); with a Ⅲ target 21 and 3 → 2,250,000.00, 25.00万 less."""

from __future__ import annotations

from datetime import date

import docx
import pytest
from scenario_support import read_only

from compensation.render.pdf import find_chromium, html_to_pdf
from compensation.scenario.brief import write_brief
from tests.office import (
    HAVE_OFFICE,
    assert_no_missing_glyph,
    assert_reads_as_issued,
    pages_text,
    to_pdf,
)

DAY = date(2024, 2, 1)
SUMMARY = [
    "现行条款下，2023年武汉经济技术开发区管委会向仙桃市净支付 250.00 万元",
    ("若考核目标提高到Ⅲ类（目标类别提高到Ⅲ类：来水三项指标均达到Ⅲ类才算达标），与现行条款相比："
    "2023年武汉经济技术开发区管委会少付 25.00 万元（仙桃市少得）"),
    "测算依据2023年1月至2023年12月共 12 个月的监测数据，各月均有数据。",
]
# Break-even of the reward A with the 300万 penalty held: each section-month is 1/24 of the year's
# amount, so 22·A/24 = 2·3,000,000/24 → A = 272,727.27 (27.27万); with a Ⅲ target 21·A = 3·3,000,000
# → A = 428,571.43 (42.86万).
BREAK_EVEN = [
    ("现行条款下，其他条款不变，若达标奖励的年度金额约为 27.27 万元，"
    "2023年合计双方收支相抵（平衡点）。"),
    ("按“考核目标提高到Ⅲ类”，其他条款不变，若达标奖励的年度金额约为 42.86 万元，"
    "2023年合计双方收支相抵（平衡点）。"),
]


def _brief(small_db, out):
    con = read_only(small_db)
    try:
        return write_brief(con, "tongshun", "base", ["target_iii"], "2023", out, issued_on=DAY)
    finally:
        con.close()


def test_html_brief_says_in_words_what_each_side_pays(small_db, tmp_path) -> None:
    text = _brief(small_db, tmp_path / "简报.html").read_text(encoding="utf-8")
    for sentence in SUMMARY + BREAK_EVEN:
        assert sentence in text
    assert text.index(BREAK_EVEN[0]) < text.index("二、各方案逐年净额")  # in the summary
    assert "target_iii" not in text and "tongshun" not in text
    assert "<th>现行条款</th><th>考核目标提高到Ⅲ类</th>" in text
    assert "<td class=\"num\">+250.00</td><td class=\"num\">+225.00</td>" in text


@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (CI installs it)")
def test_html_brief_printed_reads_as_issued(small_db, tmp_path) -> None:
    html = _brief(small_db, tmp_path / "简报.html").read_text(encoding="utf-8")
    pdf = html_to_pdf(html, tmp_path / "简报.pdf")
    assert_reads_as_issued(pages_text(pdf), [
        "通顺河流域跨市断面水质考核生态补偿协议条款谈判简报", "武汉市生态环境局", "2024年2月1日",
        "少付25.00万元", "+250.00", "+225.00"])
    assert_no_missing_glyph(pdf)


@pytest.mark.skipif(not HAVE_OFFICE, reason="LibreOffice is needed; .ci/run installs it")
def test_docx_brief_reopened_and_seen_through_libreoffice(small_db, tmp_path,
                                                         tmp_path_factory) -> None:
    out = _brief(small_db, tmp_path / "简报.docx")
    document = docx.Document(str(out))
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith(SUMMARY[1]) for t in texts)
    assert BREAK_EVEN[0] in texts and BREAK_EVEN[1] in texts
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["年度", "现行条款", "考核目标提高到Ⅲ类"]
    assert [c.text for c in table.rows[1].cells] == ["2023年", "+250.00", "+225.00"]
    pdf = to_pdf(out, tmp_path_factory.mktemp("lo-profile"), tmp_path / "lo")
    assert_reads_as_issued(pages_text(pdf), ["协议条款谈判简报", "2024年2月1日", "少付25.00万元",
                                             "约为42.86万元"])
    assert_no_missing_glyph(pdf)
