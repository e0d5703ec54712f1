"""PDF through headless Chromium's print-to-PDF (the HTML's print CSS decides the A4 layout)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from compensation.errors import EcocompError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_SECONDS = 120


def find_chromium() -> str | None:
    """`ECOCOMP_CHROMIUM` if set, else the first Chromium-like browser on PATH."""
    configured = os.environ.get("ECOCOMP_CHROMIUM")
    if configured:
        return shutil.which(configured)
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def headless_args(profile: Path) -> list[str]:
    """Flags for a quiet, offline, throw-away browser (no sync, no updates, own profile)."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        f"--user-data-dir={profile}",
    ]


def html_to_pdf(html: str, out: Path) -> Path:
    browser = find_chromium()
    if browser is None:
        raise EcocompError(
            "未找到 Chromium 浏览器，无法生成 PDF。请先安装（Debian/Ubuntu："
            "sudo apt-get install chromium；或设置环境变量 ECOCOMP_CHROMIUM 指向浏览器），"
            "或改用 --format html 并在浏览器中打印为 PDF。(headless Chromium is needed for PDF)"
        )
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="ecocomp-pdf-") as tmp:
        page = Path(tmp) / "bulletin.html"
        page.write_text(html, encoding="utf-8")
        target = Path(tmp) / "bulletin.pdf"
        command = [
            browser,
            *headless_args(Path(tmp) / "profile"),
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise EcocompError(
                f"Chromium 在 {TIMEOUT_SECONDS} 秒内未完成 PDF 打印，已放弃；"
                "请重试或改用 --format html。"
            ) from None
        if not target.exists() or target.stat().st_size == 0:
            tail = (done.stderr or "").strip().splitlines()[-3:]
            raise EcocompError(
                f"Chromium 未能生成 PDF（退出码 {done.returncode}）：{' '.join(tail)}"
            )
        from compensation.render.save import write_atomically

        write_atomically(out, target.read_bytes())  # never half a PDF where the old one was
    return out
