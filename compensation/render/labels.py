"""How values look in documents for people: class numerals and colours, money in 万元, escaping.

Kept apart from the templates so that the bulletin, the workbooks and the charts say the same thing
the same way (a class is Ⅲ everywhere, a reward is green everywhere).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from compensation.quality.flags import FLAG_DISPLAY

CLASS_NUMERALS = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}
CLASS_WORDS = {1: "优", 2: "优", 3: "良好", 4: "轻度污染", 5: "中度污染", 6: "重度污染"}
# Customary colours (an assumption, no standard found): I–II blue, III green, IV yellow, V orange,
# 劣Ⅴ red. Text colour chosen for contrast on each fill.
CLASS_FILL = {1: "#4a90d9", 2: "#4a90d9", 3: "#3cb371", 4: "#f2d21b", 5: "#f39c12", 6: "#d64541"}
CLASS_TEXT = {1: "#ffffff", 2: "#ffffff", 3: "#ffffff", 4: "#222222", 5: "#222222", 6: "#ffffff"}
NO_CLASS_FILL = "#e6e6e6"

BANK_LABELS = {"left": "左岸", "right": "右岸"}
ROLE_LABELS = {"control": "对照", "assessed": "考核"}
FLAG_WORDS = FLAG_DISPLAY

TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")


def class_numeral(klass: int | None) -> str:
    """Ⅰ…Ⅴ, 劣Ⅴ for a class number 1..6; a dash when there is no class (no data, excluded)."""
    return CLASS_NUMERALS.get(klass, "—") if klass is not None else "—"


def class_fill(klass: int | None) -> str:
    return CLASS_FILL.get(klass, NO_CLASS_FILL) if klass is not None else NO_CLASS_FILL


def class_text_colour(klass: int | None) -> str:
    return CLASS_TEXT.get(klass, "#222222") if klass is not None else "#222222"


def scheme_title(scheme: str) -> str:
    """The scheme's title as its rule file's header gives it (the id when no file names it)."""
    from compensation.render.schemes import scheme_facts

    return scheme_facts(scheme).title


def yuan_to_wan(yuan: Decimal) -> Decimal:
    """Yuan to 万元, two decimals rounded half up: the way amounts are published."""
    return (Decimal(yuan) / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)


def format_wan(yuan: Decimal, signed: bool = False) -> str:
    """`1,000,000.00` yuan → `100.00`; with `signed`, `+100.00` / `-100.00` (zero stays `0.00`)."""
    wan = yuan_to_wan(yuan)
    text = f"{abs(wan):,.2f}"
    if wan < 0:
        return f"-{text}"
    if signed and wan > 0:
        return f"+{text}"
    return text


def format_yuan(yuan: Decimal) -> str:
    return f"{Decimal(yuan).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def format_index(value: Decimal | None, places: int = 3) -> str:
    """A composite index (CPI) shown to three decimals, half to even like measured data."""
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)}"


def format_ratio(value: Decimal | None) -> str:
    """r as a signed percentage with two decimals: -0.1 → `-10.00%`, 0.0625 → `+6.25%`."""
    if value is None:
        return "—"
    pct = (Decimal(value) * 100).quantize(CENT, rounding=ROUND_HALF_EVEN)
    return f"{pct:+.2f}%" if pct != 0 else "0.00%"


def month_label(period: date) -> str:
    return f"{period.year}年{period.month}月"


def day_label(day: date) -> str:
    """2024年12月31日 (a datetime shows its day only: documents give dates, not clock times)."""
    return f"{day.year}年{day.month}月{day.day}日"


CN_DIGITS = "〇一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (chapter numbers up to 99)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{CN_DIGITS[tens] if tens > 1 else ''}十{CN_DIGITS[ones] if ones else ''}"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")


def md_escape(value: object) -> str:
    """Text from data made inert in Markdown tables: no pipes, tags, emphasis or line breaks."""
    text = "" if value is None else str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("&", "&amp;")


def class_legend() -> list[tuple[str, str, str]]:
    """(label, fill, text colour) for the legend printed under the charts."""
    legend = [("Ⅰ–Ⅱ", CLASS_FILL[1], CLASS_TEXT[1])]
    legend += [(CLASS_NUMERALS[k], CLASS_FILL[k], CLASS_TEXT[k]) for k in (3, 4, 5, 6)]
    return legend + [("无数据", NO_CLASS_FILL, "#222222")]
