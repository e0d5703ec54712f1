"""Charts without a CJK font: one sentence with the fix, no per-glyph warnings, the chart drawn.

Only the Word bulletin's charts are drawn by matplotlib (PNG: it needs a CJK font to draw the
names); the HTML bulletin's SVG is written directly and its text drawn by the browser, so HTML
needs no font and says nothing. Each case is a real `ecocomp bulletin` process (its Python made
to find no CJK font by naming a font that does not exist as the only CJK choice) with its own
empty MPLCONFIGDIR, so matplotlib builds a fresh font cache as on a new machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

SCRIPT = """
import sys
import compensation.render.fonts as fonts
if sys.argv[1] == "none":
    fonts.CJK_FONTS = ("No Such CJK Font",)
from compensation.cli import main
sys.argv = ["ecocomp", *sys.argv[2:]]
main()
"""


def _bulletin(store_path: Path, out: Path, fonts: str, config: Path) -> subprocess.CompletedProcess:
    config.mkdir()
    env = {**os.environ, "MPLCONFIGDIR": str(config)}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, fonts, "--db", str(store_path), "bulletin", "--period",
         "2018-01", "--format", out.suffix[1:], "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=300,
    )


MATPLOTLIB_CACHE_NOTE = "Matplotlib is building the font cache"


def _ecocomp_lines(stderr: str) -> list[str]:
    """stderr without matplotlib's own note on building a fresh cache (printed only when the build
    takes over five seconds, i.e. on a busy machine): that note is matplotlib's, not ecocomp's."""
    return [line for line in stderr.splitlines()
            if line.strip() and not line.startswith(MATPLOTLIB_CACHE_NOTE)]


def test_no_cjk_font_is_said_once_and_the_charts_are_drawn(store_path, tmp_path) -> None:
    out = tmp_path / "通报.docx"
    done = _bulletin(store_path, out, "none", tmp_path / "mpl")
    assert done.returncode == 0, done.stderr
    assert "Glyph" not in done.stderr and "missing from font" not in done.stderr
    notices = _ecocomp_lines(done.stderr)
    assert len(notices) == 1, done.stderr
    assert notices[0].startswith("提示：未找到中文字体，图表照常生成")
    assert "apt-get install fonts-noto-cjk" in notices[0]
    assert str(tmp_path / "mpl") in notices[0]  # the cache to clear is the one in use
    with zipfile.ZipFile(out) as docx:  # the charts are there, as images
        assert sum(name.startswith("word/media/") for name in docx.namelist()) >= 3


def test_html_needs_no_font_for_its_charts(store_path, tmp_path) -> None:
    out = tmp_path / "通报.html"
    done = _bulletin(store_path, out, "none", tmp_path / "mpl")
    assert done.returncode == 0, done.stderr
    assert _ecocomp_lines(done.stderr) == []
    html = out.read_text(encoding="utf-8")
    # the district chart is there, its labels kept as text (the browser's font shows them)
    assert html.count("<svg") >= 2 and "汉阳区" in html.split("<svg", 1)[1]


def test_with_a_cjk_font_nothing_is_said(store_path, tmp_path) -> None:
    done = _bulletin(store_path, tmp_path / "b.html", "installed", tmp_path / "mpl")
    assert done.returncode == 0, done.stderr
    assert _ecocomp_lines(done.stderr) == []
