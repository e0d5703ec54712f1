"""The HTML bulletin in real headless Chromium: it draws something, logs no error, fetches nothing.

The page is driven over the DevTools protocol (tests/render/render_cdp.py); a known-bad page first
proves that the error and request detection works at all.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib import image

from compensation.render import render_bulletin
from compensation.render.pdf import find_chromium

pytestmark = pytest.mark.skipif(
    find_chromium() is None, reason="chromium is not installed (CI installs it with .ci/run)"
)


@pytest.fixture(scope="module")
def browser():
    from render_cdp import Browser

    b = Browser()
    yield b
    b.close()


def _ink_share(png: bytes) -> tuple[float, int]:
    """Share of pixels that are not (near) white, and how many distinct colours the page has."""
    pixels = image.imread(io.BytesIO(png), format="png")[:, :, :3]
    ink = (pixels < 0.92).any(axis=2).mean()
    colours = len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    return float(ink), colours


def test_the_detector_sees_console_errors_exceptions_and_requests(browser, tmp_path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<html><body><p>x</p><script>console.error('boom-1'); no_such_function();</script>"
        "<img src='http://ecocomp.invalid/pixel.png'></body></html>", encoding="utf-8"
    )
    report = browser.open(bad.as_uri())
    assert any("boom-1" in e for e in report.errors)
    assert any("no_such_function" in e for e in report.errors)
    assert any(url.startswith("http://ecocomp.invalid/") for url in report.requests)


def test_html_bulletin_renders_without_errors_or_network(browser, store, tmp_path) -> None:
    page = render_bulletin(store, "2018-02", "html", tmp_path / "bulletin.html")
    report = browser.open(page.as_uri())
    assert report.errors == []
    assert [u for u in report.requests if not u.startswith(("file:", "data:"))] == []
    assert report.title == "关于2018年2月跨区断面水质考核生态补偿预核算情况的通报"
    ink, colours = _ink_share(report.screenshot)
    assert ink > 0.05, f"the page looks blank ({ink:.1%} non-white)"
    assert colours > 20
    (tmp_path / "shot.png").write_bytes(report.screenshot)
