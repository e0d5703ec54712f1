"""Screenshots of what the bureau gets, for `docs/samples/`: made from the demo, never by hand.

    python -m compensation.render.samples [--demo DEMO_OUT] [--out docs/samples]

Builds the demo into a temporary folder (or reads the documents of an existing `ecocomp demo`
output folder) and writes the first page of the bulletin, of the Yangtze/Han 划拨清单 and of the
Tongshun negotiation brief as PNG images (Chromium prints, pdftoppm rasterises).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from compensation.errors import EcocompError
from compensation.render.labels import scheme_title
from compensation.render.pdf import html_to_pdf
from compensation.render.xlsx import safe_file_part

DPI = 70
SAMPLES = ("通报", "划拨清单", "谈判简报")


def _documents(demo: Path) -> dict[str, Path]:
    bulletins = sorted(demo.glob("月度通报_*.pdf"))
    title = safe_file_part(scheme_title("yangtze_han"))
    lists = sorted(demo.glob(f"划拨清单_*_{title}.pdf"))
    briefs = sorted(demo.glob("谈判简报_*.html"))
    if not (bulletins and lists and briefs):
        raise EcocompError(
            f"{demo} 中没有演示生成的通报、划拨清单 PDF 和谈判简报；请先运行 ecocomp demo"
            "（需要 Chromium）。"
        )
    return {"通报": bulletins[-1], "划拨清单": lists[-1], "谈判简报": briefs[-1]}


def _first_page_png(pdf: Path, out: Path) -> Path:
    if shutil.which("pdftoppm") is None:
        raise EcocompError("未找到 pdftoppm（poppler-utils），无法生成截图。")
    stem = out.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(stem)], check=True, capture_output=True, timeout=300)
    return out


def write_samples(demo: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="ecocomp-samples-") as tmp:
        for name, document in _documents(demo).items():
            pdf = document
            if document.suffix == ".html":
                pdf = html_to_pdf(document.read_text(encoding="utf-8"), Path(tmp) / f"{name}.pdf")
            written.append(_first_page_png(pdf, out / f"{name}.png"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=None,
                        help="an existing `ecocomp demo` output folder (default: build one)")
    parser.add_argument("--out", type=Path, default=Path("docs") / "samples")
    args = parser.parse_args(argv)
    try:
        if args.demo is not None:
            paths = write_samples(args.demo, args.out)
        else:
            from compensation.demo import build_demo

            with tempfile.TemporaryDirectory(prefix="ecocomp-demo-") as tmp:
                build_demo(Path(tmp))
                paths = write_samples(Path(tmp), args.out)
    except EcocompError as err:
        print(err, file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
