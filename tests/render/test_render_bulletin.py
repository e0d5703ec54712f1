"""The bulletin as files: the Markdown golden of January 2018, escaping, HTML content, PDF."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from compensation.errors import EcocompError
from compensation.render import render_bulletin
from compensation.render.bulletin import bulletin_html, bulletin_markdown
from compensation.render.model import build_bulletin
from compensation.render.pdf import find_chromium

GOLDEN = Path(__file__).parent / "golden" / "bulletin_2018-01.md"
ISSUED = date(2018, 2, 5)


def test_markdown_bulletin_of_january_2018_matches_the_golden_file(store, tmp_path) -> None:
    out = render_bulletin(store, "2018-01", "md", tmp_path / "b.md", issued_on=ISSUED)
    text = out.read_text(encoding="utf-8")
    if os.environ.get("ECOCOMP_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_golden_rows_hold_the_hand_computed_values() -> None:
    """The golden is not just whatever came out: its key rows are the conftest numbers."""
    text = GOLDEN.read_text(encoding="utf-8")
    # 老关村: CPI 0.850 vs 0.900, r = -0.05/0.9 = -5.56%, reward 50万 paid by 市财政; ranked 1st
    # (the lowest r); the branch has no label in this store, so the rule's title stands for it
    assert ("| 1 | 老关村（左岸） | 武汉经济技术开发区(汉南区) | Ⅲ | 对照Ⅱ | 0.850 | 0.900 |"
            " -5.56% | 综合污染指数较入境对照断面 | +50.00 |  |") in text
    # 王家巷码头: r = +5.00%, penalty 100万 paid to 市财政; 2nd
    assert ("| 2 | 王家巷码头（左岸） | 汉阳区 | Ⅳ | 对照Ⅲ | 0.945 | 0.900 | +5.00% |"
            " 综合污染指数较入境对照断面 | -100.00 |  |") in text
    # 滠水入长江口: not assessed (断流), no place, the reason in 备注
    assert "| — | 滠水入长江口（左岸） | 江岸区 | — | 对照Ⅳ | — | — | — |" in text
    assert "| 0.00 | 断流、结冰不考核；断流 |" in text
    # Tongshun is a cross-city scheme: its own part, with the flow shown
    assert text.index("## 三、跨市（县）界断面考核结果") < text.index("| 1 | 港洲村 |")
    assert ("| 1 | 港洲村 | 仙桃市 | Ⅲ | 目标Ⅳ | 来水水质与Ⅳ类目标相比 |"
            " 武汉经济技术开发区管委会 → 仙桃市 | +42.86 |") in text
    assert ("本月共考核断面 4 个，其中获得奖励（水质改善或达标）2 个，"
            "被扣罚（水质下降或未达标）1 个，不参与考核 1 个。") in text
    assert "奖励合计 92.86 万元，扣罚合计 100.00 万元" in text  # 50 + 42.857143
    assert ("（一）不参与考核的断面：长江汉江跨区断面水质考核奖惩和生态补偿滠水入长江口（江岸区），"
            "断流、结冰不考核；断流") in text
    # the number, the 落款 and the date of issue; provenance only in the annex
    assert "武环〔2018〕1号" in text and "武汉市生态环境局　2018年2月5日" in text
    body = text[: text.index("## 附件1")]
    assert "rules/" not in body and "yangtze_han" not in body and "cpi_band" not in body
    assert "rules/yangtze\\_han.rule:21" in text[text.index("## 附件2"):]


def test_data_is_escaped_in_html_and_markdown(store, tmp_path) -> None:
    store.execute(
        "UPDATE sections SET name = '<script>alert(1)</script>|x*' WHERE section_id = 'ycl02'"
    )
    store.execute("UPDATE parties SET name = '汉阳区 & <b>' WHERE party_id = 'hanyang'")
    store.execute("UPDATE sections SET name = '码头$1$' WHERE section_id = 'ycl03'")
    b = build_bulletin(store, date(2018, 1, 1))
    html = bulletin_html(b)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;|x*" in html
    assert "汉阳区 &amp; &lt;b&gt;" in html
    svg_part = html[html.index("<svg"):]
    assert "码头$1$（长江左岸）" in svg_part  # drawn as written, not as matplotlib math
    md = bulletin_markdown(b)
    assert "\\<script\\>alert(1)\\</script\\>\\|x\\*" in md
    assert "<script>" not in md and "<b>" not in md
    # each table row of the scheme still has exactly 12 unescaped pipes (11 columns)
    row = next(line for line in md.splitlines() if "alert(1)" in line and line.startswith("| 1 |"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 12


def test_html_is_self_contained_with_print_css_and_inline_svg(store, tmp_path) -> None:
    out = render_bulletin(store, "2018-02", "html", tmp_path / "b.html")
    html = out.read_text(encoding="utf-8")
    assert "@media print" in html and "size: A4" in html
    assert "default-src 'none'" in html  # the page may not fetch anything
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html)
    assert html.count("<svg") >= 3  # district bars, class strip, bank schematic
    assert "<?xml" not in html
    assert 'font-family' in html and "svg.fonttype" not in html
    # the chart text stays text: section names appear inside the SVG as <text>
    svg_part = html[html.index("<svg"):]
    assert "王家巷码头" in svg_part


def test_a_month_without_lines_is_refused_with_a_sentence(store, tmp_path) -> None:
    with pytest.raises(EcocompError) as err:
        render_bulletin(store, "2019-05", "md", tmp_path / "x.md")
    assert "2019-05 没有任何方案的核算结果" in str(err.value)
    assert "ecocomp run --scheme all --period 2019-05" in str(err.value)
    assert not (tmp_path / "x.md").exists()
    with pytest.raises(EcocompError) as err:
        render_bulletin(store, "2018-13", "md", tmp_path / "x.md")
    assert "应为 年-月" in str(err.value)


def test_pdf_without_chromium_says_how_to_install_it(store, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ECOCOMP_CHROMIUM", "no-such-browser-ecocomp")
    with pytest.raises(EcocompError) as err:
        render_bulletin(store, "2018-01", "pdf", tmp_path / "b.pdf")
    assert "未找到 Chromium 浏览器" in str(err.value)
    assert "apt-get install chromium" in str(err.value)
    assert not (tmp_path / "b.pdf").exists()


@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (CI installs it)")
def test_pdf_through_headless_chromium(store, tmp_path) -> None:
    out = render_bulletin(store, "2018-01", "pdf", tmp_path / "b.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox ?\[0 0 ([0-9.]+) ([0-9.]+)\]", data)
    assert boxes, "no page in the PDF"
    for width, height in boxes:  # A4 is 210 × 297 mm = 595.3 × 841.9 pt
        assert abs(float(width) - 595.3) < 1.5 and abs(float(height) - 841.9) < 1.5
