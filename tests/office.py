"""LibreOffice and poppler as a reader's eyes: a document converted to PDF, its pages as text.

Each test session converts with its own LibreOffice profile (-env:UserInstallation), so a test
never waits on, or breaks, another soffice on a shared machine; timeouts are generous.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")
TIMEOUT = 300

HAVE_OFFICE = SOFFICE is not None and bool(POPPLER)
needs_office = pytest.mark.skipif(
    not HAVE_OFFICE,
    reason="LibreOffice (soffice) and poppler-utils are needed; .ci/run installs them",
)


def to_pdf(document: Path, profile: Path, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
         "--norestore", "--convert-to", "pdf", "--outdir", str(out_dir), str(document)],
        capture_output=True, text=True, timeout=TIMEOUT, check=True,
    )
    pdf = out_dir / (document.stem + ".pdf")
    assert pdf.is_file(), f"LibreOffice wrote no PDF for {document.name}"
    return pdf


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60,
                          check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def pages_text(pdf: Path) -> list[str]:
    """The text of each page, as pdftotext reads it (form feed between pages)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    return text.split("\f")[: page_count(pdf)]


def squeeze(text: str) -> str:
    """Text without spaces: LibreOffice and Chromium space CJK and digits differently."""
    return "".join(text.split())


INTERNAL = ("yangtze_han", "tongshun", "daoguan", "cpi_band", "class_decline", "target_class",
            "target_iii", "amount_500",
            "rules/", ".rule", "[-band", "(band", "/work/", "/tmp/", "/srv/", "/home/")


def assert_reads_as_issued(
    pages: list[str], must: list[str], body_until: str | None = None
) -> None:
    """What every issued document must show a reader: the given texts, 第 N 页 共 M 页 on every
    page, no internal identifier or path in the body (up to `body_until`), no path anywhere, no
    replacement glyph."""
    text = squeeze("".join(pages))
    for expected in must:
        assert squeeze(expected) in text, expected
    for n, page in enumerate(pages, start=1):
        assert f"第{n}页共{len(pages)}页" in squeeze(page), f"page {n} has no page number"
    body = text[: text.index(squeeze(body_until))] if body_until else text
    for internal in INTERNAL:
        assert internal not in body, internal
    for path in ("/work/", "/tmp/", "/srv/", "/home/"):
        assert path not in text, path
    assert "\ufffd" not in text and "□" not in text


@lru_cache(maxsize=1)
def cjk_characters() -> frozenset[int]:
    """Every character the installed Noto CJK fonts (what .ci/run installs) have a glyph for."""
    from fontTools.ttLib import TTCollection, TTFont

    listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True,
                            timeout=60, check=False).stdout
    files = sorted({line.split(":")[0].strip() for line in listed.splitlines()
                    if "CJK" in line and line.strip()})
    covered: set[int] = set()
    for path in files[:4]:
        fonts = TTCollection(path).fonts if path.endswith(".ttc") else [TTFont(path)]
        covered |= set(fonts[0].getBestCmap())
    return frozenset(covered)


def assert_no_missing_glyph(pdf: Path) -> None:
    """Every font of the PDF is embedded, and every character on its pages has a glyph in the
    installed CJK fonts (Chromium embeds glyphs as unnamed Type 3 fonts, so the fonts' names
    cannot tell; a character no font has would print as a box)."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert rows, "no font in the PDF"
    assert all(" yes " in f" {line} " for line in rows), out
    covered = cjk_characters()
    assert covered, "no CJK font installed (fonts-noto-cjk)"
    text = squeeze("".join(pages_text(pdf)))
    missing = sorted({ch for ch in text if ord(ch) not in covered})
    assert not missing, f"no glyph for {missing}"
