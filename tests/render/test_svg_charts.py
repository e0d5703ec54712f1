"""The HTML bulletin's charts, written as SVG without a plotting library: each chart is well-formed
SVG whose shapes stand for the data (bar lengths proportional to the amounts, one cell per month
in its class colour, one dot per section in river order), and writing them imports no matplotlib.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from compensation.render.data import Registry, Section
from compensation.render.model import HistoryRow, PartyTotal
from compensation.render.svg_charts import (
    PENALTY_COLOUR,
    REWARD_COLOUR,
    ROWS_PER_CHART,
    bank_schematics,
    class_strips,
    district_bars,
    nice_ticks,
)

NS = "{http://www.w3.org/2000/svg}"


def _shapes(svg: str, tag: str) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter(NS + tag))


def _texts(svg: str) -> list[str]:
    return [t.text or "" for t in _shapes(svg, "text")]


def test_district_bars_are_as_long_as_the_amounts() -> None:
    parties = [
        PartyTotal("a", "汉阳区", Decimal("500000"), Decimal("1500000")),      # +50 / +150 万元
        PartyTotal("b", "江汉区 & <x>", Decimal("-3000000"), Decimal("-7500000")),  # −300 / −750
    ]
    [svg] = district_bars(parties)
    bars = [r for r in _shapes(svg, "rect") if r.get("height") != "7"]  # not the legend swatches
    assert [b.get("fill") for b in bars] == [REWARD_COLOUR, REWARD_COLOUR,
                                             PENALTY_COLOUR, PENALTY_COLOUR]
    widths = [float(b.get("width")) for b in bars]
    # 50 : 150 : 300 : 750 万元, to the rounding of the coordinates (two decimals)
    for width, wan in zip(widths, (50, 150, 300, 750), strict=True):
        assert abs(width / widths[0] - wan / 50) < 0.01
    # the month's bar is solid, the year to date lighter
    assert [b.get("fill-opacity") for b in bars] == [None, "0.4", None, "0.4"]
    texts = _texts(svg)
    assert "+50.00" in texts and "-300.00" in texts and "汉阳区" in texts
    assert "江汉区 & <x>" in texts  # escaped in the SVG text, read back as written
    assert "江汉区 &amp; &lt;x&gt;" in svg


def test_district_bars_are_paged() -> None:
    parties = [PartyTotal(f"p{i}", f"区{i}", Decimal(i * 10000), Decimal(0)) for i in range(85)]
    pages = district_bars(parties)
    assert len(pages) == 3 == -(-85 // ROWS_PER_CHART)
    assert "区84" in _texts(pages[2]) and "区84" not in _texts(pages[1])


def test_class_strip_has_one_cell_per_month_in_its_class_colour() -> None:
    months = [date(2024, m, 1) for m in (1, 2, 3)]
    rows = [HistoryRow("s1", "王家巷码头", "长江", "left", (2, 4, None)),
            HistoryRow("s2", "码头$1$", "汉江", None, (6, 3, 1))]
    [svg] = class_strips(rows, months)
    fills = [r.get("fill") for r in _shapes(svg, "rect")]
    assert fills == ["#4a90d9", "#f2d21b", "#e6e6e6", "#d64541", "#3cb371", "#4a90d9"]
    texts = _texts(svg)
    assert texts[:3] == ["24/1", "24/2", "24/3"]
    assert "王家巷码头（长江左岸）" in texts and "码头$1$（汉江）" in texts
    # numerals in the cells that have a class (none in the cell without data)
    assert [t for t in texts if t in ("Ⅱ", "Ⅳ", "劣Ⅴ", "Ⅲ", "Ⅰ", "—")] == [
        "Ⅱ", "Ⅳ", "劣Ⅴ", "Ⅲ", "Ⅰ"]


def test_large_class_strips_are_paged_without_numerals() -> None:
    months = [date(2024, 1, 1)]
    rows = [HistoryRow(f"s{i}", f"断面{i}", "长江", "left", (3,)) for i in range(121)]
    pages = class_strips(rows, months)
    assert len(pages) == 4
    assert all("Ⅲ" not in _texts(page) for page in pages)
    assert len(_shapes(pages[3], "rect")) == 1  # 121 = 3 × 40 + 1


def _section(sid: str, name: str, bank: str | None, order: int, role: str = "assessed"
             ) -> Section:
    return Section(sid, name, "长江", bank, "river", role, None, None, order, ("yangtze_han",))


def test_bank_schematic_has_a_dot_per_section_in_river_order() -> None:
    sections = {s.section_id: s for s in [
        _section("c", "沌口", "left", 1, "control"), _section("b", "老关村", "left", 3),
        _section("a", "王家巷", "left", 2), _section("r", "杨泗", "right", 1),
        _section("x", "不显示", "right", 2)]}
    registry = Registry(parties={}, sections=sections)
    [svg] = bank_schematics(registry, {"c": 2, "a": 4, "b": 6}, {"c", "a", "b", "r"})
    circles = _shapes(svg, "circle")
    assert [c.get("fill") for c in circles] == ["#4a90d9", "#f2d21b", "#d64541", "#e6e6e6"]
    assert [c.get("stroke") for c in circles] == ["#222222", "#ffffff", "#ffffff", "#ffffff"]
    xs = [float(c.get("cx")) for c in circles]
    assert xs[0] < xs[1] < xs[2] and xs[3] == xs[0]  # upstream first, each bank from the left
    texts = _texts(svg)
    assert texts[0] == "长江（自上游至下游 →）"
    assert "沌口（对照）" in texts and "不显示" not in texts
    assert "左岸" in texts and "右岸" in texts


def test_nice_ticks() -> None:
    assert nice_ticks(-885.0, 459.0) == [-800, -600, -400, -200, 0, 200, 400]
    assert nice_ticks(-1.0, 1.0) == [-1, -0.5, 0, 0.5, 1]
    assert nice_ticks(0.0, 0.0) == [0.0]


def test_writing_the_charts_imports_no_plotting_library() -> None:
    code = ("import sys\nimport compensation.render.svg_charts\n"
            "print(sorted(m for m in ('matplotlib', 'numpy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
