"""The bulletin in Word: real headings and tables from the template, reopened; then seen as a
reader sees it (LibreOffice → PDF) and compared with the PDF bulletin."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import docx
import pytest
from docx.oxml.ns import qn

from compensation.render import render_bulletin
from compensation.render.pdf import find_chromium
from tests.office import (
    assert_no_missing_glyph,
    needs_office,
    page_count,
    pages_text,
    squeeze,
    to_pdf,
)

ISSUED = date(2018, 3, 5)


def _ranked_table(document):
    return next(t for t in document.tables if t.rows[0].cells[0].text == "名次")


def test_docx_reopened_has_the_number_headings_and_the_ranked_table(store, tmp_path) -> None:
    out = render_bulletin(store, "2018-02", "docx", tmp_path / "b.docx", issued_on=ISSUED)
    document = docx.Document(str(out))
    texts = [p.text for p in document.paragraphs]
    assert "武环〔2018〕1号" in texts
    assert "关于2018年2月跨区断面水质考核生态补偿预核算情况的通报" in texts
    assert "武汉市生态环境局" in texts and "2018年3月5日" in texts
    # subdocument content lands in the body: headings are real Word headings
    headings = [p for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert [h.text for h in headings][:3] == ["一、总体情况", "二、区级断面考核结果",
                                              "长江汉江跨区断面水质考核奖惩和生态补偿"]
    # ranked by r: 老关村 -16.67%, 滠水入长江口 -3.06%, 王家巷码头 +8.89% (conftest, run 4)
    table = _ranked_table(document)
    header = [c.text for c in table.rows[0].cells]
    amount, ratio = header.index("金额（万元）"), header.index("变化率")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [(r[0], r[1], r[ratio], r[amount]) for r in rows[:3]] == [
        ("1", "老关村（左岸）", "-16.67%", "+100.00"),
        ("2", "滠水入长江口（左岸）", "-3.06%", "+50.00"),
        ("3", "王家巷码头（左岸）", "+8.89%", "-100.00"),
    ]
    assert rows[3][amount] == "+50.00"  # 小计: 150 − 100
    # every amount equals the ledger's (run 4, signed from the section's party, in 万元)
    shown = {r[1].split("（")[0]: Decimal(r[amount]) for r in rows[:3]}
    ledger = store.execute(
        "SELECT s.name, CASE WHEN l.payee = s.party_id THEN l.amount ELSE -l.amount END"
        " FROM ledger l JOIN sections s USING (section_id) WHERE l.run_id = 4"
    ).fetchall()
    assert shown == {name: (Decimal(a) / 10000).quantize(Decimal("0.01")) for name, a in ledger}
    # East Asian fonts are set on the text (仿宋 body in the default template)
    run = table.rows[1].cells[1].paragraphs[0].runs[0]
    assert run.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    # the charts are images in the document
    assert len(document.inline_shapes) >= 3


@needs_office
@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (CI installs it)")
def test_docx_seen_through_libreoffice_matches_the_pdf_bulletin(store, tmp_path,
                                                                office_profile) -> None:
    word = render_bulletin(store, "2018-02", "docx", tmp_path / "通报.docx", issued_on=ISSUED)
    pdf = render_bulletin(store, "2018-02", "pdf", tmp_path / "通报.pdf", issued_on=ISSUED)
    rendered = to_pdf(word, office_profile, tmp_path / "lo")
    word_pages, pdf_pages = pages_text(rendered), pages_text(pdf)
    # the same document: about the same length (fonts differ: Word's 仿宋 falls back to Noto)
    assert abs(page_count(rendered) - page_count(pdf)) <= 2
    first_word, first_pdf = squeeze(word_pages[0]), squeeze(pdf_pages[0])
    for expected in ("武汉市生态环境局", "武环〔2018〕1号",
                     "关于2018年2月跨区断面水质考核生态补偿预核算情况的通报", "一、总体情况",
                     "本月共考核断面3个", "老关村", "-16.67%", "附件：1.", "2018年3月5日"):
        assert expected in first_word, expected
        assert expected in first_pdf, expected
    # the 落款 and date on the first page, after the ranked table; page numbers on every page
    total = len(word_pages)
    for n, page in enumerate(word_pages, start=1):
        assert f"第{n}页共{total}页" in squeeze(page)
    everything = squeeze("".join(word_pages))
    assert "2018年3月5日" in everything and "抄送：" in everything
    assert "□" not in everything and "\ufffd" not in everything  # no missing glyph
    assert_no_missing_glyph(rendered)
