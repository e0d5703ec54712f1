"""LibreOffice and poppler as a reader's eyes: a document converted to PDF, its pages as text.

Each test session converts with its own LibreOffice profile (-env:UserInstallation), so a test
never waits on, or breaks, another soffice on a shared machine; timeouts are generous.
"""

from __future__ import annotations

import shutil
import subprocess
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


def fonts_embedded(pdf: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    return [line.split()[0] for line in out.splitlines()[2:] if line.strip()]


def squeeze(text: str) -> str:
    """Text without spaces: LibreOffice and Chromium space CJK and digits differently."""
    return "".join(text.split())
