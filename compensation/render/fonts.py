"""A CJK font for the charts, found once per process; when there is none, one sentence says so.

Without a CJK font matplotlib still draws (the SVG keeps its text as text and the browser shows it
with its own font), but it warns once per missing glyph, about two dozen lines per chart. Those
warnings are silenced and replaced by one sentence that names the fix. A font installed after
matplotlib built its font cache (a stale cache) is picked up by scanning the system fonts once.
"""

from __future__ import annotations

import sys
import warnings
from functools import lru_cache

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC")
CJK_FILE_WORDS = ("CJK", "cjk", "wqy", "WenQuanYi", "SourceHan", "simhei", "msyh", "PingFang")
FONT_HINT = "安装中文字体：apt-get install fonts-noto-cjk"


def _installed(names: tuple[str, ...]) -> str | None:
    from matplotlib import font_manager

    present = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in names if name in present), None)


def _rescan(names: tuple[str, ...]) -> str | None:
    """Fonts on the system that matplotlib's cache does not list (installed after it was built)."""
    from matplotlib import font_manager

    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known and any(word in path for word in CJK_FILE_WORDS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return _installed(names)


def find_cjk_font() -> str | None:
    """The first CJK font matplotlib can use (rescanning the system once if its cache has none)."""
    return _installed(CJK_FONTS) or _rescan(CJK_FONTS)


def no_font_sentence() -> str:
    from matplotlib import get_cachedir

    return (
        "提示：未找到中文字体，图表照常生成，但其中的汉字在没有中文字体的查看器里可能显示为方框；"
        f"{FONT_HINT}，然后删除 matplotlib 字体缓存 {get_cachedir()}（rm -rf 该目录）。"
        "(no CJK font for charts)"
    )


@lru_cache(maxsize=1)
def chart_font() -> str | None:
    """The first installed CJK font, or None after saying so once on stderr."""
    font = find_cjk_font()
    if font is None:
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        print(no_font_sentence(), file=sys.stderr)
    return font


def chart_style(salt: str) -> dict:
    """matplotlib settings of every chart: text kept as text in the SVG, the CJK font first."""
    font = chart_font()
    return {
        "svg.fonttype": "none",
        "svg.hashsalt": salt,
        "font.family": "sans-serif",
        "font.sans-serif": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
        "font.size": 9,
        "axes.unicode_minus": False,
    }
